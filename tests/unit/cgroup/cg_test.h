/* cg_test.h: what test_cgroup.c shares with its helpers in
 * cg_test_util.c: the per-test fixture, independent readers of the
 * cgroup files, child processes to put into cgroups, and the cmocka
 * setup/teardown that always remove this run's cgroup parent. */
#ifndef BERTH_TEST_CG_TEST_H
#define BERTH_TEST_CG_TEST_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "isolation/cgroup.h"

#define CG "/sys/fs/cgroup"
#define MIB (1ull << 20)
#define MAX_KIDS 16
#define N_V1 6

struct fx {
	struct cgroup_host *h;
	enum cgroup_layout want;
	pid_t kids[MAX_KIDS]; /* children to kill and reap in teardown */
	size_t n_kids;
};

/* "berth-cgtest-PID": this run's parent in every hierarchy. */
extern char parent[64];
/* The v1 hierarchies berth uses (index < n_hier() is meaningful). */
extern const char *const v1_ctrls[N_V1];

/* BERTH_EXPECT_LAYOUT, or what statfs says. */
enum cgroup_layout expected_layout(void);
/* CG[/ctrl]/parent[/task-T[/C]][/file]; ctrl ignored on v2.  Returns one
 * of four rotating thread-local buffers. */
const char *cgp(const struct fx *f, const char *ctrl, const char *task, const char *ctr,
                const char *file);
/* Whole file without trailing newlines (caller frees), NULL if unreadable. */
char *slurp(const char *path);
void assert_file(const char *path, const char *want);
bool exists(const char *path);
bool procs_has(const char *procs, pid_t pid);
/* How many hierarchies still hold a directory named `parent`. */
int count_parent_dirs(void);
size_t n_hier(const struct fx *f);

/* A child that waits (on *go) until released, then exits with fn(arg). */
pid_t spawn(struct fx *f, int (*fn)(void *), void *arg, int *go);
void release(int go);
/* spawn + cgroup_container_attach + release. */
pid_t run_in(struct fx *f, const char *task, const char *ctr, int (*fn)(void *), void *arg);
/* waitpid, and forget the child for teardown. */
int wait_status(struct fx *f, pid_t pid);

int child_sleep(void *arg);
int child_alloc(void *arg);  /* arg: MiB to touch */
int child_forker(void *arg); /* exit code: forks that succeeded */
int child_busy(void *arg);   /* ~300 ms cpu, 8 MiB held, then sleeps */
int child_io(void *arg);     /* 2 MiB O_DIRECT to device/file arg: 0; 3 = no O_DIRECT */

int group_setup(void **state);
int group_teardown(void **state);
int setup(void **state);
int teardown(void **state);

#endif
