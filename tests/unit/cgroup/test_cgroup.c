/* test_cgroup.c: isolation/cgroup.h on the real cgroup filesystems of
 * the machine it runs on (needs root; exit 77 = skipped otherwise): the
 * probed layout, the limit files as written and as rewritten on adopt,
 * attach and CLONE_INTO_CGROUP, OOM kills by a container's and by the
 * task's limit, the pids limit against a fork loop, kill_all, remove,
 * list_tasks, stats, bad input and concurrent use of one handle.
 * Layout-aware (cg_test.h): the same cases pass on hybrid hosts and in
 * the pure v2 guest of tests/vm/. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cg_test.h"
#include "common/cleanup.h"

#define V2(f) ((f)->want == CGROUP_LAYOUT_V2)

static void must(int rc, const struct berth_err *err, const char *what)
{
	if (rc < 0)
		fail_msg("%s: %s", what, err->msg);
}

static void mk_task(struct fx *f, const char *t, uint64_t cpu, uint64_t mem, uint64_t pids)
{
	struct cgroup_task_limits l = {cpu, mem, pids};
	struct berth_err err = {0};

	must(cgroup_task_create(f->h, t, &l, &err), &err, "task create");
}

static void mk_ctr(struct fx *f, const char *t, const char *c, uint64_t cpu, uint64_t mem,
                   uint64_t res)
{
	struct cgroup_container_limits l = {cpu, mem, res};
	struct berth_err err = {0};

	must(cgroup_container_create(f->h, t, c, &l, &err), &err, "container create");
}

static void probe_layout(void **state)
{
	struct fx *f = *state;

	assert_int_equal(cgroup_host_layout(f->h), f->want);
	print_message("layout: %s\n", cgroup_layout_name(cgroup_host_layout(f->h)));
	if (V2(f)) {
		cleanup_free char *sc = slurp(cgp(f, NULL, NULL, NULL, "cgroup.subtree_control"));
		assert_non_null(sc);
		assert_non_null(strstr(sc, "cpu"));
		assert_non_null(strstr(sc, "memory"));
		assert_non_null(strstr(sc, "pids"));
	} else {
		assert_true(exists(cgp(f, "cpu", NULL, NULL, NULL)));
		assert_true(exists(cgp(f, "memory", NULL, NULL, NULL)));
		assert_true(exists(cgp(f, "pids", NULL, NULL, NULL)));
		assert_file(cgp(f, "memory", NULL, NULL, "memory.use_hierarchy"), "1");
	}
}

static void task_limits_written(void **state)
{
	struct fx *f = *state;

	mk_task(f, "lim", 512, 64, 50);
	if (V2(f)) {
		cleanup_free char *sc = slurp(cgp(f, NULL, "lim", NULL, "cgroup.subtree_control"));
		assert_non_null(sc);
		assert_non_null(strstr(sc, "memory"));
		assert_file(cgp(f, NULL, "lim", NULL, "cpu.max"), "50000 100000");
		assert_file(cgp(f, NULL, "lim", NULL, "memory.max"), "67108864");
		if (exists(cgp(f, NULL, "lim", NULL, "memory.swap.max")))
			assert_file(cgp(f, NULL, "lim", NULL, "memory.swap.max"), "0");
		assert_file(cgp(f, NULL, "lim", NULL, "pids.max"), "50");
	} else {
		assert_file(cgp(f, "cpu", "lim", NULL, "cpu.cfs_period_us"), "100000");
		assert_file(cgp(f, "cpu", "lim", NULL, "cpu.cfs_quota_us"), "50000");
		assert_file(cgp(f, "memory", "lim", NULL, "memory.limit_in_bytes"), "67108864");
		if (exists(cgp(f, "memory", "lim", NULL, "memory.memsw.limit_in_bytes")))
			assert_file(cgp(f, "memory", "lim", NULL, "memory.memsw.limit_in_bytes"),
			            "67108864");
		else
			assert_file(cgp(f, "memory", "lim", NULL, "memory.swappiness"), "0");
		assert_file(cgp(f, "pids", "lim", NULL, "pids.max"), "50");
	}
	/* adopt: the same call on an existing task sets the new limits */
	mk_task(f, "lim", 0, 128, 0);
	assert_file(cgp(f, "cpu", "lim", NULL, V2(f) ? "cpu.max" : "cpu.cfs_quota_us"),
	            V2(f) ? "max 100000" : "-1");
	assert_file(cgp(f, "memory", "lim", NULL, V2(f) ? "memory.max" : "memory.limit_in_bytes"),
	            "134217728");
	assert_file(cgp(f, "pids", "lim", NULL, "pids.max"), "max");
}

static void container_limits_written(void **state)
{
	struct fx *f = *state;
	const char *mem = V2(f) ? "memory.max" : "memory.limit_in_bytes";
	const char *low = V2(f) ? "memory.low" : "memory.soft_limit_in_bytes";
	const char *cpu = V2(f) ? "cpu.weight" : "cpu.shares";

	mk_task(f, "ctl", 1024, 256, 0);
	mk_ctr(f, "ctl", "app", 256, 32, 16);
	mk_ctr(f, "ctl", "tiny", 1, 0, 0);
	mk_ctr(f, "ctl", "dflt", 0, 0, 0);
	assert_file(cgp(f, "cpu", "ctl", "app", cpu), V2(f) ? "25" : "256");
	assert_file(cgp(f, "memory", "ctl", "app", mem), "33554432");
	assert_file(cgp(f, "memory", "ctl", "app", low), "16777216");
	assert_file(cgp(f, "cpu", "ctl", "tiny", cpu), V2(f) ? "1" : "2");
	assert_file(cgp(f, "cpu", "ctl", "dflt", cpu), V2(f) ? "100" : "1024");
	if (V2(f))
		assert_file(cgp(f, NULL, "ctl", "dflt", mem), "max");
}

/* clone3(CLONE_INTO_CGROUP) child: exit 0 if /proc/self/cgroup names `want`. */
static int clone_into(int cgfd, const char *want)
{
	struct clone_args a = {
	    .flags = CLONE_INTO_CGROUP, .exit_signal = SIGCHLD, .cgroup = (uint64_t)cgfd};
	long pid = syscall(SYS_clone3, &a, sizeof(a));
	int st;

	if (pid == 0) {
		char b[512] = "";
		int fd = open("/proc/self/cgroup", O_RDONLY | O_CLOEXEC);
		ssize_t n = fd >= 0 ? read(fd, b, sizeof(b) - 1) : -1;
		_exit(n > 0 && strstr(b, want) ? 0 : 1);
	}
	if (pid < 0)
		return -1;
	waitpid((pid_t)pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void attach_and_open_fd(void **state)
{
	struct fx *f = *state;
	pid_t pid;
	int fd;

	mk_task(f, "att", 0, 0, 0);
	mk_ctr(f, "att", "c1", 0, 0, 0);
	pid = run_in(f, "att", "c1", child_sleep, NULL);
	for (size_t i = 0; i < n_hier(f); i++) {
		const char *dir = cgp(f, v1_ctrls[i], "att", "c1", NULL);
		if (V2(f) || exists(dir))
			assert_true(
			    procs_has(cgp(f, v1_ctrls[i], "att", "c1", "cgroup.procs"), pid));
	}
	fd = cgroup_container_open_fd(f->h, "att", "c1");
	if (!V2(f)) {
		assert_int_equal(fd, -1);
		assert_int_equal(errno, ENOTSUP);
		return;
	}
	assert_true(fd >= 0);
	char want[200];
	snprintf(want, sizeof(want), "0::/%s/task-att/c1\n", parent);
	assert_int_equal(clone_into(fd, want), 0);
	close(fd);
}

static void oom_case(struct fx *f, const char *task, uint64_t task_mib, uint64_t ctr_mib)
{
	struct berth_err err = {0};
	uint64_t before = 99, after = 0;
	pid_t pid;
	int st;

	mk_task(f, task, 0, task_mib, 0);
	mk_ctr(f, task, "c", 0, ctr_mib, 0);
	must(cgroup_container_oom_kills(f->h, task, "c", &before, &err), &err, "oom kills");
	assert_int_equal(before, 0);
	pid = run_in(f, task, "c", child_alloc, (void *)(uintptr_t)96);
	st = wait_status(f, pid);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGKILL);
	must(cgroup_container_oom_kills(f->h, task, "c", &after, &err), &err, "oom kills");
	assert_true(after >= 1);
}

static void oom_by_container_limit(void **state)
{
	oom_case(*state, "oomc", 0, 16);
}

/* The task's limit kills; the count must show at the container. */
static void oom_by_task_limit(void **state)
{
	oom_case(*state, "oomt", 16, 0);
}

static void pids_limit_stops_fork_loop(void **state)
{
	struct fx *f = *state;
	struct berth_err err = {0};
	struct cgroup_stats s;
	pid_t pid;
	int st;

	mk_task(f, "pid", 0, 0, 8);
	mk_ctr(f, "pid", "c", 0, 0, 0);
	pid = run_in(f, "pid", "c", child_forker, NULL);
	st = wait_status(f, pid);
	assert_true(WIFEXITED(st));
	print_message("forks that succeeded under pids.max=8: %d\n", WEXITSTATUS(st));
	assert_true(WEXITSTATUS(st) >= 1 && WEXITSTATUS(st) <= 7);
	must(cgroup_read_stats(f->h, "pid", NULL, &s, &err), &err, "stats");
	assert_int_equal(s.pids_current, (uint64_t)WEXITSTATUS(st));
	must(cgroup_task_kill_all(f->h, "pid", &err), &err, "kill all");
	/* pids.current counts zombies: reap the orphans (we are subreaper) */
	while (waitpid(-1, NULL, 0) > 0)
		;
	must(cgroup_read_stats(f->h, "pid", NULL, &s, &err), &err, "stats");
	assert_int_equal(s.pids_current, 0);
}

static void kill_all_kills_everything(void **state)
{
	struct fx *f = *state;
	struct berth_err err = {0};
	pid_t pids[5];

	mk_task(f, "kill", 0, 0, 0);
	mk_ctr(f, "kill", "a", 0, 0, 0);
	mk_ctr(f, "kill", "b", 0, 0, 0);
	pids[0] = run_in(f, "kill", "a", child_sleep, NULL);
	pids[1] = run_in(f, "kill", "a", child_sleep, NULL);
	pids[2] = run_in(f, "kill", "b", child_sleep, NULL);
	pids[3] = run_in(f, "kill", "b", child_busy, NULL);
	/* forks 64 sleepers and exits: they stay in the cgroup */
	pids[4] = run_in(f, "kill", "b", child_forker, NULL);
	assert_true(WIFEXITED(wait_status(f, pids[4])));
	must(cgroup_task_kill_all(f->h, "kill", &err), &err, "kill all");
	for (int i = 0; i < 4; i++) {
		int st = wait_status(f, pids[i]);
		assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	}
	for (size_t i = 0; i < n_hier(f); i++)
		for (const char *c = "a"; c; c = c[0] == 'a' ? "b" : NULL) {
			const char *procs = cgp(f, v1_ctrls[i], "kill", c, "cgroup.procs");
			cleanup_free char *s = exists(procs) ? slurp(procs) : NULL;
			assert_true(s == NULL || s[0] == '\0');
		}
	must(cgroup_task_remove(f->h, "kill", &err), &err, "remove");
	/* killing a task that is gone is fine */
	must(cgroup_task_kill_all(f->h, "kill", &err), &err, "kill all again");
}

static void remove_leaves_nothing(void **state)
{
	struct fx *f = *state;
	struct berth_err err = {0};

	mk_task(f, "rm", 512, 64, 10);
	mk_ctr(f, "rm", "x", 0, 0, 0);
	mk_ctr(f, "rm", "y", 0, 32, 0);
	must(cgroup_task_remove(f->h, "rm", &err), &err, "remove");
	for (size_t i = 0; i < n_hier(f); i++)
		assert_false(exists(cgp(f, v1_ctrls[i], "rm", NULL, NULL)));
	must(cgroup_task_remove(f->h, "rm", &err), &err, "remove again");
	must(cgroup_task_remove(f->h, "never-made", &err), &err, "remove missing");
}

static bool strv_has(char **v, const char *s)
{
	for (; v && *v; v++)
		if (strcmp(*v, s) == 0)
			return true;
	return false;
}

static void list_tasks_finds_them(void **state)
{
	struct fx *f = *state;
	struct berth_err err = {0};
	cleanup_strv char **ids = NULL, **ids2 = NULL;

	mk_task(f, "l1", 0, 0, 0);
	mk_task(f, "l2", 0, 0, 0);
	mk_task(f, "l3", 0, 0, 0);
	must(cgroup_list_tasks(f->h, &ids, &err), &err, "list");
	assert_int_equal(berth_strv_len(ids), 3);
	assert_true(strv_has(ids, "l1") && strv_has(ids, "l2") && strv_has(ids, "l3"));
	must(cgroup_task_remove(f->h, "l2", &err), &err, "remove");
	/* a task left in one hierarchy only (crash mid-create) is found too */
	if (!V2(f))
		assert_int_equal(rmdir(cgp(f, "cpu", "l3", NULL, NULL)), 0);
	must(cgroup_list_tasks(f->h, &ids2, &err), &err, "list");
	assert_int_equal(berth_strv_len(ids2), 2);
	assert_true(strv_has(ids2, "l1") && strv_has(ids2, "l3") && !strv_has(ids2, "l2"));
}

static void stats_are_plausible(void **state)
{
	struct fx *f = *state;
	struct berth_err err = {0};
	struct cgroup_stats t = {0}, c = {0};

	mk_task(f, "st", 2048, 256, 100);
	mk_ctr(f, "st", "c", 0, 0, 0);
	run_in(f, "st", "c", child_busy, NULL);
	/* bounded: the emulated guest is slow */
	for (int i = 0; i < 600 && t.cpu_usage_ns < 280000000ull; i++) {
		usleep(50000);
		must(cgroup_read_stats(f->h, "st", NULL, &t, &err), &err, "task stats");
	}
	must(cgroup_read_stats(f->h, "st", "c", &c, &err), &err, "container stats");
	print_message("task: cpu %llu ns, mem %llu (max %llu, limit %llu), pids %llu, io r %llu "
	              "w %llu\n",
	              (unsigned long long)t.cpu_usage_ns, (unsigned long long)t.memory_usage_bytes,
	              (unsigned long long)t.memory_max_usage_bytes,
	              (unsigned long long)t.memory_limit_bytes, (unsigned long long)t.pids_current,
	              (unsigned long long)t.io_read_bytes, (unsigned long long)t.io_write_bytes);
	assert_true(t.cpu_usage_ns >= 280000000ull);
	assert_true(c.cpu_usage_ns >= 280000000ull);
	assert_true(t.memory_usage_bytes >= 8 * MIB && t.memory_usage_bytes < 256 * MIB);
	assert_true(t.memory_max_usage_bytes >= t.memory_usage_bytes);
	assert_int_equal(t.memory_limit_bytes, 256 * MIB);
	assert_int_equal(c.memory_limit_bytes, CGROUP_UNLIMITED);
	assert_int_equal(t.pids_current, 1);
	assert_int_equal(c.pids_current, 1);
	assert_int_equal(cgroup_read_stats(f->h, "absent", NULL, &t, &err), -1);
}

/* Block io: BERTH_TEST_BLOCKDEV (the v2 guest's scratch disk) must show
 * the 2 MiB written.  Elsewhere a file in the cwd is written and the
 * figures only printed: v1 blkio.throttle counts nothing on recent
 * kernels unless throttle rules exist, and a tmpfs has no block io. */
static void io_stats_count_direct_writes(void **state)
{
	struct fx *f = *state;
	struct berth_err err = {0};
	struct cgroup_stats t;
	const char *dev = getenv("BERTH_TEST_BLOCKDEV");
	char path[64];
	int st;

	if (dev)
		snprintf(path, sizeof(path), "%s", dev);
	else
		snprintf(path, sizeof(path), "cg-io-%d.tmp", (int)getpid());
	mk_task(f, "io", 0, 0, 0);
	mk_ctr(f, "io", "c", 0, 0, 0);
	st = wait_status(f, run_in(f, "io", "c", child_io, path));
	assert_true(WIFEXITED(st));
	assert_true(WEXITSTATUS(st) == 0 || (!dev && WEXITSTATUS(st) == 3));
	must(cgroup_read_stats(f->h, "io", NULL, &t, &err), &err, "stats");
	print_message("io to %s: read %llu, written %llu bytes\n", path,
	              (unsigned long long)t.io_read_bytes, (unsigned long long)t.io_write_bytes);
	if (dev)
		assert_true(t.io_write_bytes >= 2 * MIB);
}

static void bad_input_changes_nothing(void **state)
{
	struct fx *f = *state;
	struct berth_err err = {0};
	struct cgroup_task_limits tl = {0, 0, 0};
	struct cgroup_container_limits cl = {0, 0, 0};
	/* quota far beyond what the kernel accepts: the limit write fails */
	struct cgroup_task_limits huge = {1ull << 40, 0, 0};

	assert_null(cgroup_probe("../escape", &err));
	assert_null(cgroup_probe("", &err));
	assert_int_equal(cgroup_task_create(f->h, "../x", &tl, &err), -1);
	assert_int_equal(err.code, EINVAL);
	assert_int_equal(cgroup_task_create(f->h, "", &tl, &err), -1);
	mk_task(f, "ok", 0, 0, 0);
	assert_int_equal(cgroup_container_create(f->h, "ok", "a/b", &cl, &err), -1);
	assert_int_equal(cgroup_container_create(f->h, "ok", "memory.max", &cl, &err), -1);
	assert_int_equal(cgroup_container_attach(f->h, "ok", "nope", getpid(), &err), -1);
	assert_int_equal(cgroup_task_create(f->h, "huge", &huge, &err), -1);
	print_message("refused: %s\n", err.msg);
	for (size_t i = 0; i < n_hier(f); i++)
		assert_false(exists(cgp(f, v1_ctrls[i], "huge", NULL, NULL)));
	cleanup_strv char **ids = NULL;
	must(cgroup_list_tasks(f->h, &ids, &err), &err, "list");
	assert_int_equal(berth_strv_len(ids), 1);
}

struct thr {
	struct cgroup_host *h;
	int n;
	atomic_int *fails;
};

static void *thread_main(void *arg)
{
	struct thr *t = arg;
	struct berth_err err = {0};
	struct cgroup_task_limits tl = {512, 64, 20};
	struct cgroup_container_limits cl = {512, 32, 0};
	struct cgroup_stats s;
	char id[32];

	for (int i = 0; i < 10; i++) {
		snprintf(id, sizeof(id), "th%d-%d", t->n, i);
		if (cgroup_task_create(t->h, id, &tl, &err) < 0 ||
		    cgroup_container_create(t->h, id, "c", &cl, &err) < 0 ||
		    cgroup_read_stats(t->h, id, "c", &s, &err) < 0 ||
		    cgroup_task_kill_all(t->h, id, &err) < 0 ||
		    cgroup_task_remove(t->h, id, &err) < 0) {
			fprintf(stderr, "thread %d: %s\n", t->n, err.msg);
			atomic_fetch_add(t->fails, 1);
		}
	}
	return NULL;
}

static void one_handle_many_threads(void **state)
{
	struct fx *f = *state;
	struct berth_err err = {0};
	atomic_int fails = 0;
	pthread_t th[4];
	struct thr a[4];
	cleanup_strv char **ids = NULL;

	for (int i = 0; i < 4; i++) {
		a[i] = (struct thr){f->h, i, &fails};
		assert_int_equal(pthread_create(&th[i], NULL, thread_main, &a[i]), 0);
	}
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	assert_int_equal(atomic_load(&fails), 0);
	must(cgroup_list_tasks(f->h, &ids, &err), &err, "list");
	assert_int_equal(berth_strv_len(ids), 0);
}

/* Runs last: after the per-test teardowns nothing of this run is left. */
static void parent_cleaned_up(void **state)
{
	(void)state;
	assert_int_equal(count_parent_dirs(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(probe_layout, setup, teardown),
	    cmocka_unit_test_setup_teardown(task_limits_written, setup, teardown),
	    cmocka_unit_test_setup_teardown(container_limits_written, setup, teardown),
	    cmocka_unit_test_setup_teardown(attach_and_open_fd, setup, teardown),
	    cmocka_unit_test_setup_teardown(oom_by_container_limit, setup, teardown),
	    cmocka_unit_test_setup_teardown(oom_by_task_limit, setup, teardown),
	    cmocka_unit_test_setup_teardown(pids_limit_stops_fork_loop, setup, teardown),
	    cmocka_unit_test_setup_teardown(kill_all_kills_everything, setup, teardown),
	    cmocka_unit_test_setup_teardown(remove_leaves_nothing, setup, teardown),
	    cmocka_unit_test_setup_teardown(list_tasks_finds_them, setup, teardown),
	    cmocka_unit_test_setup_teardown(stats_are_plausible, setup, teardown),
	    cmocka_unit_test_setup_teardown(io_stats_count_direct_writes, setup, teardown),
	    cmocka_unit_test_setup_teardown(bad_input_changes_nothing, setup, teardown),
	    cmocka_unit_test_setup_teardown(one_handle_many_threads, setup, teardown),
	    cmocka_unit_test(parent_cleaned_up),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
