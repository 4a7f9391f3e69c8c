/* cgroup_internal.h: what cgroup.c, cgroup_fs.c, cgroup_v1.c and
 * cgroup_v2.c share, and nothing else includes.
 *
 * `struct cgroup_host` holds the probed hierarchies (one "root" per
 * mounted hierarchy berth writes to) and the backend's ops table.  It is
 * filled by cgroup_probe() and only read afterwards, so any number of
 * threads may use one handle at once.  Every path berth touches is
 * ROOT/PARENT[/task-ID[/CONTAINER]][/FILE], built by cg_path(). */
#ifndef BERTH_ISOLATION_CGROUP_INTERNAL_H
#define BERTH_ISOLATION_CGROUP_INTERNAL_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cgroup.h"

/* Controllers berth uses.  On v2 they all live in the one root. */
enum cg_ctrl { CG_CPU, CG_CPUACCT, CG_MEMORY, CG_PIDS, CG_BLKIO, CG_FREEZER, CG_NCTRL };

#define CG_MAX_ROOTS CG_NCTRL
#define CG_NAME_MAX 255 /* ECS container names: 1..255 of [A-Za-z0-9_-] */

struct cg_root {
	char path[256]; /* mount point of the hierarchy */
	unsigned ctrls; /* bit (1u << enum cg_ctrl) per controller it holds */
};

struct cgroup_host;

/* One backend.  `task` and `ctr` are validated names; `ctr` may be NULL
 * where the operation applies to the task cgroup. */
struct cgroup_ops {
	/* Create berth's parent in every root and prepare it (v2: enable
	 * the controllers in its subtree_control). */
	int (*setup_parent)(struct cgroup_host *h, struct berth_err *err);
	int (*task_limits)(const struct cgroup_host *h, const char *task,
	                   const struct cgroup_task_limits *l, struct berth_err *err);
	int (*container_limits)(const struct cgroup_host *h, const char *task, const char *ctr,
	                        const struct cgroup_container_limits *l, struct berth_err *err);
	int (*oom_kills)(const struct cgroup_host *h, const char *task, const char *ctr,
	                 uint64_t *count, struct berth_err *err);
	int (*kill_all)(const struct cgroup_host *h, const char *task, struct berth_err *err);
	int (*read_stats)(const struct cgroup_host *h, const char *task, const char *ctr,
	                  struct cgroup_stats *out, struct berth_err *err);
};

struct cgroup_host {
	enum cgroup_layout layout;
	const struct cgroup_ops *ops;
	char parent[128];
	struct cg_root roots[CG_MAX_ROOTS];
	size_t n_roots;
	int ctrl_root[CG_NCTRL]; /* index into roots, or -1 when not mounted */
	/* v2 only, probed at setup */
	bool v2_io;     /* io controller enabled for berth's cgroups */
	bool v2_kill;   /* cgroup.kill exists (5.14+) */
	bool v2_freeze; /* cgroup.freeze exists (5.2+) */
};

extern const struct cgroup_ops cg_v1_ops;
extern const struct cgroup_ops cg_v2_ops;

/* v1/hybrid: find the v1 hierarchies from /proc/self/mountinfo. */
int cg_v1_find_roots(struct cgroup_host *h, struct berth_err *err);

/* ---- cgroup_fs.c: paths and files ---- */

/* Build ROOT/PARENT[/task-TASK[/CTR]][/FILE] of root `root` into out
 * (PATH_MAX bytes).  Fails with ENAMETOOLONG. */
int cg_path(const struct cgroup_host *h, size_t root, const char *task, const char *ctr,
            const char *file, char out[PATH_MAX], struct berth_err *err);
/* Same, in the root holding controller `c` (which must be mounted). */
int cg_cpath(const struct cgroup_host *h, enum cg_ctrl c, const char *task, const char *ctr,
             const char *file, char out[PATH_MAX], struct berth_err *err);

/* Write `value` to FILE of the cgroup in controller c's root. */
int cg_write(const struct cgroup_host *h, enum cg_ctrl c, const char *task, const char *ctr,
             const char *file, const char *value, struct berth_err *err);
/* Same, but a file the kernel does not offer (or a controller not
 * mounted) is success. */
int cg_write_opt(const struct cgroup_host *h, enum cg_ctrl c, const char *task, const char *ctr,
                 const char *file, const char *value, struct berth_err *err);
int cg_write_u64(const struct cgroup_host *h, enum cg_ctrl c, const char *task, const char *ctr,
                 const char *file, uint64_t value, struct berth_err *err);

/* Read a file holding one number ("max" reads as CGROUP_UNLIMITED). */
int cg_read_u64(const char *path, uint64_t *out, struct berth_err *err);
/* Read `key`'s value from a flat-keyed file ("key value" lines).  A
 * missing key is an error (ENODATA). */
int cg_read_key(const char *path, const char *key, uint64_t *out, struct berth_err *err);
/* Read a whole small cgroup file (caller frees *out). */
int cg_read_text(const char *path, char **out, struct berth_err *err);
/* Same for a file the kernel may not offer: 1 read, 0 missing (*out
 * NULL), -1 other error. */
int cg_read_text_opt(const char *path, char **out, struct berth_err *err);
/* Does the space-separated list in `path` contain `word`? */
bool cg_file_has_word(const char *path, const char *word);

/* SIGKILL every pid in DIR/cgroup.procs and in every cgroup below DIR.
 * Returns how many pids were listed (0 = the subtree is empty), or -1
 * with err set when DIR cannot be read (a missing DIR counts as 0). */
int cg_kill_tree(const char *dir, struct berth_err *err);
/* rmdir DIR after its child cgroups, depth first; ENOENT is success and
 * EBUSY is retried for about two seconds (processes still exiting). */
int cg_rmdir_tree(const char *dir, struct berth_err *err);
/* Sleep `ms` milliseconds (bounded waits in retry loops). */
void cg_sleep_ms(unsigned ms);

#endif
