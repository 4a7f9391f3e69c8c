/* cg_test_util.c: fixtures and independent helpers of test_cgroup.c.
 *
 * Layout-aware: the expected layout is BERTH_EXPECT_LAYOUT (v2, v1 or
 * hybrid; tests/vm/ sets v2 in its guest) or, when unset, what statfs of
 * /sys/fs/cgroup says.  Files are read back at the paths the layout
 * implies, independently of the code under test.  Every run uses its own
 * parent "berth-cgtest-PID" and the group teardown kills whatever is left
 * in it and removes it from every hierarchy, also after a failed test.
 * Nothing outside that parent is written. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/sched.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "cg_test.h"

char parent[64];

/* ---- independent helpers (do not use the code under test) ---- */

enum cgroup_layout expected_layout(void)
{
	const char *e = getenv("BERTH_EXPECT_LAYOUT");
	struct statfs sf;

	if (e && strcmp(e, "v2") == 0)
		return CGROUP_LAYOUT_V2;
	if (e && strcmp(e, "v1") == 0)
		return CGROUP_LAYOUT_V1;
	if (e && strcmp(e, "hybrid") == 0)
		return CGROUP_LAYOUT_HYBRID;
	if (statfs(CG, &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC)
		return CGROUP_LAYOUT_V2;
	if (statfs(CG "/unified", &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC)
		return CGROUP_LAYOUT_HYBRID;
	return CGROUP_LAYOUT_V1;
}

/* Path of FILE of task/container in the hierarchy of controller `ctrl`
 * (ignored on v2). */
const char *cgp(const struct fx *f, const char *ctrl, const char *task, const char *ctr,
                const char *file)
{
	static __thread char buf[4][PATH_MAX];
	static __thread int k;
	char *p = buf[k++ % 4];

	snprintf(p, PATH_MAX, "%s%s%s/%s%s%s%s%s%s%s", CG, f->want == CGROUP_LAYOUT_V2 ? "" : "/",
	         f->want == CGROUP_LAYOUT_V2 ? "" : ctrl, parent, task ? "/task-" : "",
	         task ? task : "", ctr ? "/" : "", ctr ? ctr : "", file ? "/" : "",
	         file ? file : "");
	return p;
}

char *slurp(const char *path)
{
	char *s = NULL;
	size_t n;

	if (fs_read_file(path, 1 << 20, &s, &n, NULL) < 0)
		return NULL;
	while (n > 0 && s[n - 1] == '\n')
		s[--n] = '\0';
	return s;
}

void assert_file(const char *path, const char *want)
{
	cleanup_free char *got = slurp(path);

	if (got == NULL || strcmp(got, want) != 0)
		fail_msg("%s: got '%s', want '%s'", path, got ? got : "(unreadable)", want);
}

bool exists(const char *path)
{
	return access(path, F_OK) == 0;
}

bool procs_has(const char *procs, pid_t pid)
{
	cleanup_free char *s = slurp(procs);
	char *save = NULL;

	for (char *t = s ? strtok_r(s, "\n", &save) : NULL; t; t = strtok_r(NULL, "\n", &save))
		if (atoi(t) == pid)
			return true;
	return false;
}

/* Kill what is left in DIR's subtree and remove it, deepest first. */
static void nuke(const char *dir, int depth)
{
	cleanup_closedir DIR *d = opendir(dir);
	struct dirent *e;
	char p[PATH_MAX];

	if (d == NULL || depth > 4)
		return;
	snprintf(p, sizeof(p), "%s/cgroup.procs", dir);
	for (int i = 0; i < 50; i++) {
		cleanup_free char *s = slurp(p);
		if (s == NULL || *s == '\0')
			break;
		for (char *t = strtok(s, "\n"); t; t = strtok(NULL, "\n"))
			if (atoi(t) > 0)
				kill(atoi(t), SIGKILL);
		usleep(10000);
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_type != DT_DIR || e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		nuke(p, depth + 1);
	}
	for (int i = 0; i < 200 && rmdir(dir) < 0 && errno == EBUSY; i++)
		usleep(10000);
}

/* berth's parent in every hierarchy under /sys/fs/cgroup (and v2 root). */
static void remove_parent_everywhere(void)
{
	cleanup_closedir DIR *d = opendir(CG);
	struct dirent *e;
	char p[PATH_MAX];

	snprintf(p, sizeof(p), CG "/%s", parent);
	nuke(p, 0);
	while (d && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), CG "/%s/%s", e->d_name, parent);
		nuke(p, 0);
	}
}

int count_parent_dirs(void)
{
	cleanup_closedir DIR *d = opendir(CG);
	struct dirent *e;
	char p[PATH_MAX];
	int n = 0;

	snprintf(p, sizeof(p), CG "/%s", parent);
	n += exists(p);
	while (d && (e = readdir(d)) != NULL) {
		snprintf(p, sizeof(p), CG "/%s/%s", e->d_name, parent);
		n += e->d_name[0] != '.' && exists(p);
	}
	return n;
}

/* The v1 controllers berth attaches to (v2: just the one hierarchy). */
const char *const v1_ctrls[N_V1] = {"cpu", "cpuacct", "memory", "pids", "blkio", "freezer"};

size_t n_hier(const struct fx *f)
{
	return f->want == CGROUP_LAYOUT_V2 ? 1 : N_V1;
}

/* ---- children ---- */

/* Fork a child that waits for one byte on a pipe (sent after it has been
 * attached), then runs fn and exits with its result. */
pid_t spawn(struct fx *f, int (*fn)(void *), void *arg, int *go)
{
	int p[2];
	pid_t pid;

	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char b;
		close(p[1]);
		if (read(p[0], &b, 1) != 1)
			_exit(100);
		_exit(fn(arg));
	}
	close(p[0]);
	*go = p[1];
	assert_true(f->n_kids < MAX_KIDS);
	f->kids[f->n_kids++] = pid;
	return pid;
}

void release(int go)
{
	assert_int_equal(write(go, "g", 1), 1);
	close(go);
}

/* Spawn, attach to task/ctr, release; returns the pid. */
pid_t run_in(struct fx *f, const char *task, const char *ctr, int (*fn)(void *), void *arg)
{
	struct berth_err err = {0};
	int go;
	pid_t pid = spawn(f, fn, arg, &go);

	if (cgroup_container_attach(f->h, task, ctr, pid, &err) < 0)
		fail_msg("attach: %s", err.msg);
	release(go);
	return pid;
}

int wait_status(struct fx *f, pid_t pid)
{
	int st = -1;

	assert_int_equal(waitpid(pid, &st, 0), pid);
	for (size_t i = 0; i < f->n_kids; i++)
		if (f->kids[i] == pid)
			f->kids[i] = 0;
	return st;
}

int child_sleep(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return 0;
}

/* Touch `mib` MiB (mmap, not malloc: no sanitizer allocator in the way). */
int child_alloc(void *arg)
{
	size_t len = (size_t)(uintptr_t)arg * MIB;
	char *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (m == MAP_FAILED)
		return 2;
	for (size_t i = 0; i < len; i += 4096)
		m[i] = 1;
	return 0;
}

/* Fork up to 64 sleeping children; exit with how many forks succeeded. */
int child_forker(void *arg)
{
	int ok = 0;
	(void)arg;

	for (int i = 0; i < 64; i++) {
		pid_t p = fork();
		if (p == 0) {
			for (;;)
				pause();
		}
		if (p > 0)
			ok++;
	}
	return ok;
}

/* Write 2 MiB with O_DIRECT to `arg`, a scratch block device or a file
 * (removed after): 0 done, 3 when the file system has no O_DIRECT. */
int child_io(void *arg)
{
	const char *path = arg;
	struct stat st;
	bool dev = stat(path, &st) == 0 && S_ISBLK(st.st_mode);
	int fd = open(path, O_WRONLY | O_DIRECT | O_CLOEXEC | (dev ? 0 : O_CREAT | O_TRUNC), 0600);
	void *buf;
	int rc = 0;

	if (fd < 0)
		return errno == EINVAL ? 3 : 2;
	if (posix_memalign(&buf, 4096, MIB) != 0)
		return 2;
	memset(buf, 7, MIB);
	for (int i = 0; i < 2 && rc == 0; i++)
		if (write(fd, buf, MIB) != (ssize_t)MIB)
			rc = errno == EINVAL ? 3 : 2;
	if (fsync(fd) < 0)
		rc = 2;
	close(fd);
	if (!dev)
		unlink(path);
	free(buf);
	return rc;
}

/* Burn ~300 ms of cpu and hold 8 MiB until killed. */
int child_busy(void *arg)
{
	struct timespec a, b;
	volatile unsigned long x = 0;
	(void)arg;

	child_alloc((void *)(uintptr_t)8);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
	do {
		for (int i = 0; i < 100000; i++)
			x += (unsigned long)i;
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
	} while ((b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec) < 300000000L);
	(void)x;
	for (;;)
		pause();
	return 0;
}

/* ---- fixtures ---- */

int group_setup(void **state)
{
	(void)state;
	if (geteuid() != 0) {
		print_message("SKIP: cgroup tests need root\n");
		exit(77);
	}
	snprintf(parent, sizeof(parent), "berth-cgtest-%d", (int)getpid());
	/* Orphaned grandchildren (fork loop) come back to us to be reaped. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	return 0;
}

int group_teardown(void **state)
{
	(void)state;
	remove_parent_everywhere();
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	return 0;
}

int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct berth_err err = {0};

	f->want = expected_layout();
	f->h = cgroup_probe(parent, &err);
	if (f->h == NULL)
		fail_msg("probe: %s", err.msg);
	*state = f;
	return 0;
}

int teardown(void **state)
{
	struct fx *f = *state;

	for (size_t i = 0; i < f->n_kids; i++)
		if (f->kids[i] > 0) {
			kill(f->kids[i], SIGKILL);
			waitpid(f->kids[i], NULL, 0);
		}
	/* Tasks of this test: whatever is under the parent now. */
	remove_parent_everywhere();
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	cgroup_host_free(f->h);
	free(f);
	return 0;
}
