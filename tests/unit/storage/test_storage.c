/* test_storage.c: ephemeral storage on real loop devices (needs root):
 * the kernel's ENOSPC at the task's size while another task and the
 * state dir keep working, destroy leaving no mount, loop device or file,
 * no byte of a destroyed task readable by the next one, recovery after
 * a crashed process, concurrent creates, bad input changing nothing.
 * Every test runs in its own temporary state dir and mount root, and the
 * teardown removes whatever a failed test left (mounts, loops, files). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "isolation/storage.h"

#define MIB (1ull << 20)
#define PATTERN "BERTH-TASK-SECRET-7f3a9c1e"

struct fixture {
	char base[64], state[96], mnt[96];
	struct storage_host *h;
	pid_t child; /* a helper process to kill in teardown, or 0 */
};

/* Bound loop devices whose backing file starts with `prefix`. */
static int loops_under(const char *prefix)
{
	cleanup_closedir DIR *d = opendir("/sys/block");
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d)) != NULL) {
		char p[300], b[4096] = "";
		FILE *f;
		if (strncmp(e->d_name, "loop", 4) != 0)
			continue;
		snprintf(p, sizeof(p), "/sys/block/%s/loop/backing_file", e->d_name);
		f = fopen(p, "re");
		if (f == NULL)
			continue;
		if (fgets(b, sizeof(b), f) && strncmp(b, prefix, strlen(prefix)) == 0)
			n++;
		fclose(f);
	}
	return n;
}

/* Mount points in /proc/self/mountinfo that start with `prefix`; with
 * `umount_them`, detach each (teardown). */
static int mounts_under(const char *prefix, bool umount_them)
{
	cleanup_fclose FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096], mp[4096];
	int n = 0;

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%*d %*d %*s %*s %4095s", mp) == 1 &&
		    strncmp(mp, prefix, strlen(prefix)) == 0) {
			n++;
			if (umount_them)
				umount2(mp, MNT_DETACH);
		}
	return n;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct berth_err err = { 0 };

	snprintf(f->base, sizeof(f->base), "/var/tmp/berth-sto-XXXXXX");
	assert_non_null(mkdtemp(f->base));
	snprintf(f->state, sizeof(f->state), "%s/state", f->base);
	snprintf(f->mnt, sizeof(f->mnt), "%s/mnt", f->base);
	f->h = storage_probe(f->state, f->mnt, &err);
	if (f->h == NULL)
		fail_msg("probe: %s", err.msg);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	struct berth_err err = { 0 };
	cleanup_strv char **ids = NULL;

	if (f->child > 0) {
		kill(f->child, SIGKILL);
		waitpid(f->child, NULL, 0);
	}
	if (f->h && storage_list(f->h, &ids, &err) == 0)
		for (char **p = ids; *p; p++)
			storage_destroy(f->h, *p, &err);
	/* whatever a broken implementation left */
	for (int i = 0; i < 3 && mounts_under(f->base, true) > 0; i++)
		;
	storage_host_free(f->h);
	fs_rm_rf(f->base, &err);
	free(f);
	return 0;
}

static void create(struct fixture *f, const char *id, uint64_t mib, char *path)
{
	struct berth_err err = { 0 };
	if (storage_create_mib(f->h, id, mib, path, 256, &err) < 0)
		fail_msg("create %s: %s", id, err.msg);
}

static void destroy(struct fixture *f, const char *id)
{
	struct berth_err err = { 0 };
	if (storage_destroy(f->h, id, &err) < 0)
		fail_msg("destroy %s: %s", id, err.msg);
}

/* Write `limit` bytes (or until an error) to path/name; returns bytes
 * written, *errnum the error (0 if none). */
static uint64_t fill(const char *dir, const char *name, uint64_t limit, int *errnum)
{
	char p[512];
	static char buf[1 << 20];
	uint64_t done = 0;
	int fd;

	memset(buf, 'x', sizeof(buf));
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	*errnum = fd < 0 ? errno : 0;
	while (fd >= 0 && done < limit) {
		ssize_t w = write(fd, buf, sizeof(buf));
		if (w <= 0) {
			*errnum = w < 0 ? errno : ENOSPC;
			break;
		}
		done += (uint64_t)w;
	}
	if (fd >= 0 && *errnum == 0 && fsync(fd) < 0)
		*errnum = errno;
	if (fd >= 0)
		close(fd);
	return done;
}

static void test_enospc_is_the_tasks_alone(void **state)
{
	struct fixture *f = *state;
	struct berth_err err = { 0 };
	char a[256], b[256];
	struct statvfs before, after;
	uint64_t used, size, wrote;
	int e;

	create(f, "task-a", 1024, a);
	create(f, "task-b", 64, b);
	assert_int_equal(statvfs(f->state, &before), 0);
	wrote = fill(a, "big", 2048 * MIB, &e);
	assert_int_equal(e, ENOSPC);
	assert_true(wrote <= 1024 * MIB);
	assert_true(wrote >= 900 * MIB);
	assert_int_equal(storage_usage(f->h, "task-a", &used, &size, &err), 0);
	assert_true(size >= 950 * MIB && size <= 1024 * MIB);
	/* ext4 keeps a small reserve (s_resv_clusters, 2% up to 16 MiB) */
	if (used < size - size / 50 - MIB)
		fail_msg("used %llu of %llu bytes, wrote %llu", (unsigned long long)used,
			 (unsigned long long)size, (unsigned long long)wrote);
	/* the other task and the host's state dir are untouched */
	assert_int_equal(fill(b, "small", 16 * MIB, &e), 16 * MIB);
	assert_int_equal(e, 0);
	assert_int_equal(fill(f->state, "host-file", 4 * MIB, &e), 4 * MIB);
	assert_int_equal(e, 0);
	assert_int_equal(statvfs(f->state, &after), 0);
	assert_true((before.f_bavail - after.f_bavail) * before.f_frsize < 1100 * MIB);
	destroy(f, "task-a");
	destroy(f, "task-b");
}

static void loop_of(const char *img, char *dev, size_t len);

/* The line of /proc/self/mountinfo for mount point `mp`, or "". */
static void mountinfo_of(const char *mp, char *out, size_t len)
{
	cleanup_fclose FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096], m[4096];

	out[0] = '\0';
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%*d %*d %*s %*s %4095s", m) == 1 && strcmp(m, mp) == 0)
			snprintf(out, len, "%s", line);
}

static int read_sys_int(const char *dev, const char *attr)
{
	char p[128];
	int v = -1;
	FILE *f;

	snprintf(p, sizeof(p), "/sys/block/%s/loop/%s", dev + 5, attr);
	f = fopen(p, "re");
	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

static void test_destroy_leaves_nothing(void **state)
{
	struct fixture *f = *state;
	struct berth_err err = { 0 };
	char p[256], img[256];
	cleanup_strv char **ids = NULL;
	struct stat st;
	int e;

	create(f, "t1", 64, p);
	assert_int_equal(fill(p, "data", 8 * MIB, &e), 8 * MIB);
	snprintf(img, sizeof(img), "%s/ephemeral/t1.img", f->state);
	assert_int_equal(loops_under(img), 1);
	assert_int_equal(mounts_under(p, false), 1);
	{
		char dev[64], mi[4096];
		loop_of(img, dev, sizeof(dev));
		assert_int_equal(read_sys_int(dev, "autoclear"), 1);
		assert_int_equal(read_sys_int(dev, "dio"), 1);
		mountinfo_of(p, mi, sizeof(mi));
		assert_non_null(strstr(mi, " ext4 "));
		assert_non_null(strstr(mi, "nosuid"));
		assert_non_null(strstr(mi, "nodev"));
	}
	destroy(f, "t1");
	assert_int_equal(loops_under(f->base), 0);
	assert_int_equal(mounts_under(f->base, false), 0);
	assert_int_equal(stat(img, &st), -1);
	assert_int_equal(stat(p, &st), -1);
	assert_int_equal(storage_list(f->h, &ids, &err), 0);
	assert_null(ids[0]);
	/* destroying again, or a task that never existed, is fine */
	destroy(f, "t1");
	destroy(f, "never");
}

/* Does the file or device at `path` hold PATTERN anywhere? */
static bool holds_pattern(const char *path)
{
	static char buf[(4 << 20) + sizeof(PATTERN)];
	size_t keep = 0, pl = strlen(PATTERN);
	ssize_t r;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	bool found = false;

	assert_true(fd >= 0);
	while (!found && (r = read(fd, buf + keep, sizeof(buf) - keep - 1)) > 0) {
		size_t n = keep + (size_t)r;
		found = memmem(buf, n, PATTERN, pl) != NULL;
		keep = n < pl ? n : pl - 1;
		memmove(buf, buf + n - keep, keep);
	}
	close(fd);
	return found;
}

static void write_pattern(const char *dir)
{
	char p[512];
	static char buf[1 << 20];
	size_t pl = strlen(PATTERN);
	int fd;

	for (size_t i = 0; i + pl <= sizeof(buf); i += pl)
		memcpy(buf + i, PATTERN, pl);
	snprintf(p, sizeof(p), "%s/secret", dir);
	fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	for (int i = 0; i < 16; i++)
		assert_int_equal(write(fd, buf, sizeof(buf)), sizeof(buf));
	assert_int_equal(fsync(fd), 0);
	close(fd);
}

/* The loop device that backs `img` ("/dev/loopN"), from sysfs. */
static void loop_of(const char *img, char *dev, size_t len)
{
	cleanup_closedir DIR *d = opendir("/sys/block");
	struct dirent *e;

	dev[0] = '\0';
	while (d && (e = readdir(d)) != NULL) {
		char p[300], b[4096] = "";
		FILE *f;
		if (strncmp(e->d_name, "loop", 4) != 0)
			continue;
		snprintf(p, sizeof(p), "/sys/block/%s/loop/backing_file", e->d_name);
		if ((f = fopen(p, "re")) == NULL)
			continue;
		if (fgets(b, sizeof(b), f) && strncmp(b, img, strlen(img)) == 0)
			snprintf(dev, len, "/dev/%.32s", e->d_name);
		fclose(f);
	}
	assert_true(dev[0] != '\0');
}

static void test_next_task_reads_zeros(void **state)
{
	struct fixture *f = *state;
	struct berth_err err = { 0 };
	char p[256], img[256], dev[64];
	int stray;

	assert_int_equal(storage_pool_refill(f->h, 64, 2, &err), 2);
	create(f, "old", 64, p);
	write_pattern(p);
	snprintf(img, sizeof(img), "%s/ephemeral/old.img", f->state);
	assert_true(holds_pattern(img)); /* the scan does find it when present */
	/* a stray reference to the old image must read zeros after destroy */
	stray = open(img, O_RDONLY | O_CLOEXEC);
	assert_true(stray >= 0);
	destroy(f, "old");
	{
		char sp[64];
		snprintf(sp, sizeof(sp), "/proc/self/fd/%d", stray);
		assert_false(holds_pattern(sp));
		close(stray);
	}
	/* from the pool, then made inline with the pool empty */
	for (int round = 0; round < 2; round++) {
		const char *id = round == 0 ? "new-pool" : "new-inline";
		if (round == 1)
			assert_true(storage_pool_drain(f->h, &err) >= 0);
		create(f, id, 64, p);
		snprintf(img, sizeof(img), "%s/ephemeral/%s.img", f->state, id);
		loop_of(img, dev, sizeof(dev));
		assert_false(holds_pattern(dev));
		assert_false(holds_pattern(img));
		destroy(f, id);
	}
}

static void test_recovers_after_crash(void **state)
{
	struct fixture *f = *state;
	struct berth_err err = { 0 };
	cleanup_strv char **ids = NULL;
	uint64_t used, size;
	char p[256];
	pid_t pid;
	int st;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* a monitor that creates the storage, then dies */
		struct storage_host *h = storage_probe(f->state, f->mnt, &err);
		char cp[256];
		_exit(h && storage_create_mib(h, "crashed", 64, cp, sizeof(cp), &err) == 0 ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_int_equal(WEXITSTATUS(st), 0);
	/* what an interrupted create can leave: an image without a mount */
	snprintf(p, sizeof(p), "%s/ephemeral/half.img", f->state);
	assert_int_equal(close(open(p, O_CREAT | O_WRONLY | O_CLOEXEC, 0600)), 0);

	storage_host_free(f->h);
	f->h = storage_probe(f->state, f->mnt, &err);
	assert_non_null(f->h);
	assert_int_equal(storage_list(f->h, &ids, &err), 0);
	assert_int_equal(berth_strv_len(ids), 2);
	assert_int_equal(storage_usage(f->h, "crashed", &used, &size, &err), 0);
	for (char **i = ids; *i; i++)
		destroy(f, *i);
	assert_int_equal(loops_under(f->base), 0);
	assert_int_equal(mounts_under(f->base, false), 0);
	berth_strv_free(steal_pointer(&ids));
	assert_int_equal(storage_list(f->h, &ids, &err), 0);
	assert_null(ids[0]);
}

static void test_copy_in_other_namespace(void **state)
{
	struct fixture *f = *state;
	struct berth_err err = { 0 };
	char p[256], img[256], dev[64], c;
	int pfd[2];
	pid_t pid;

	create(f, "held", 64, p);
	write_pattern(p);
	snprintf(img, sizeof(img), "%s/ephemeral/held.img", f->state);
	loop_of(img, dev, sizeof(dev));
	assert_int_equal(pipe(pfd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* a private copy of every mount, the task's included */
		close(pfd[0]);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
			_exit(1);
		if (write(pfd[1], "r", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	f->child = pid;
	close(pfd[1]);
	assert_int_equal(read(pfd[0], &c, 1), 1);
	close(pfd[0]);
	/* the copy keeps the loop device: EBUSY, but the data is gone */
	assert_int_equal(storage_destroy(f->h, "held", &err), -1);
	assert_int_equal(err.code, EBUSY);
	assert_false(holds_pattern(dev));
	{
		cleanup_strv char **ids = NULL;
		assert_int_equal(storage_list(f->h, &ids, &err), 0);
		assert_int_equal(berth_strv_len(ids), 1);
		assert_string_equal(ids[0], "held");
	}
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	f->child = 0;
	destroy(f, "held");
	assert_int_equal(loops_under(f->base), 0);
}

struct worker {
	struct fixture *f;
	int n, failures;
};

static void *worker_run(void *arg)
{
	struct worker *w = arg;
	for (int i = 0; i < 5; i++) {
		struct berth_err err = { 0 };
		char id[32], p[256];
		int e;
		snprintf(id, sizeof(id), "w%d-%d", w->n, i);
		if (storage_create_mib(w->f->h, id, 64, p, sizeof(p), &err) < 0 ||
		    fill(p, "f", 2 * MIB, &e) != 2 * MIB || storage_destroy(w->f->h, id, &err) < 0)
			w->failures++;
	}
	return NULL;
}

static void test_concurrent_creates(void **state)
{
	struct fixture *f = *state;
	struct berth_err err = { 0 };
	struct worker w[4];
	pthread_t t[4];

	assert_int_equal(storage_pool_refill(f->h, 64, 6, &err), 6);
	for (int i = 0; i < 4; i++) {
		w[i] = (struct worker){ .f = f, .n = i };
		assert_int_equal(pthread_create(&t[i], NULL, worker_run, &w[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(w[i].failures, 0);
	}
	assert_int_equal(loops_under(f->base), 0);
	assert_int_equal(mounts_under(f->base, false), 0);
}

static void test_bad_input_changes_nothing(void **state)
{
	struct fixture *f = *state;
	struct berth_err err = { 0 };
	cleanup_strv char **ids = NULL;
	char p[256], small[8];
	int e;

	assert_int_equal(storage_create_mib(f->h, "../evil", 64, p, sizeof(p), &err), -1);
	assert_int_equal(storage_create_mib(f->h, "", 64, p, sizeof(p), &err), -1);
	assert_int_equal(storage_create_mib(f->h, "tiny", 1, p, sizeof(p), &err), -1);
	assert_int_equal(storage_create_mib(f->h, "buf", 64, small, sizeof(small), &err), -1);
	assert_int_equal(storage_destroy(f->h, "a/b", &err), -1);
	/* more than the host has free */
	assert_int_equal(storage_create(f->h, "huge", 16000, p, sizeof(p), &err), -1);
	assert_int_equal(err.code, ENOSPC);
	assert_int_equal(storage_list(f->h, &ids, &err), 0);
	assert_null(ids[0]);
	/* a broken pool image: the mount fails, and nothing is left behind */
	{
		char bad[256];
		snprintf(bad, sizeof(bad), "%s/ephemeral/pool/64M-0123456789abcdef.img", f->state);
		assert_int_equal(truncate(bad, 0), -1);
		assert_int_equal(close(open(bad, O_CREAT | O_WRONLY | O_CLOEXEC, 0600)), 0);
		assert_int_equal(truncate(bad, 64 * MIB), 0);
		assert_int_equal(storage_create_mib(f->h, "broken", 64, p, sizeof(p), &err), -1);
		assert_non_null(strstr(err.msg, "mount"));
		assert_int_equal(loops_under(f->base), 0);
		assert_int_equal(mounts_under(f->base, false), 0);
		berth_strv_free(steal_pointer(&ids));
		assert_int_equal(storage_list(f->h, &ids, &err), 0);
		assert_null(ids[0]);
	}
	/* a second create of the same task leaves the first intact */
	create(f, "twice", 64, p);
	assert_int_equal(storage_create_mib(f->h, "twice", 64, p, sizeof(p), &err), -1);
	assert_int_equal(err.code, EEXIST);
	assert_int_equal(fill(p, "still", MIB, &e), MIB);
	destroy(f, "twice");
}

static void test_pool_by_size(void **state)
{
	struct fixture *f = *state;
	struct berth_err err = { 0 };
	char p[256];

	assert_int_equal(storage_pool_refill(f->h, 64, 2, &err), 2);
	assert_int_equal(storage_pool_refill(f->h, 64, 2, &err), 0);
	assert_int_equal(storage_pool_refill(f->h, 96, 1, &err), 1);
	assert_int_equal(storage_pool_count(f->h, 64, &err), 2);
	assert_int_equal(storage_pool_count(f->h, 0, &err), 3);
	create(f, "sized", 96, p);
	assert_int_equal(storage_pool_count(f->h, 96, &err), 0);
	assert_int_equal(storage_pool_count(f->h, 64, &err), 2);
	destroy(f, "sized");
	assert_int_equal(storage_pool_drain(f->h, &err), 2);
	/* the default Fargate size: a sparse 20 GiB image costs little */
	create(f, "default", STORAGE_DEFAULT_GIB * 1024, p);
	{
		uint64_t used, size;
		assert_int_equal(storage_usage(f->h, "default", &used, &size, &err), 0);
		assert_true(size > 19ull * 1024 * MIB && size <= 20ull * 1024 * MIB);
	}
	destroy(f, "default");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_enospc_is_the_tasks_alone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_destroy_leaves_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_next_task_reads_zeros, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recovers_after_crash, setup, teardown),
		cmocka_unit_test_setup_teardown(test_copy_in_other_namespace, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_creates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_input_changes_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pool_by_size, setup, teardown),
	};
	if (geteuid() != 0) {
		fprintf(stderr, "test_storage needs root (loop devices, mounts); skipped\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
