/* cgroup.h: task and container cgroups, v2 first and v1 as fallback.
 *
 * At start-up cgroup_probe() detects the host's layout (pure v2, pure v1
 * or hybrid) once and picks one backend (an ops table inside the .c
 * files).  Every task gets one cgroup under berth's own parent
 * (v2: PARENT/task-<id>, v1: each controller's PARENT/task-<id>) with one
 * child per container.  Nothing outside the parent is ever written, and
 * nothing under /sys/fs/cgroup is mounted or unmounted. */
#ifndef BERTH_ISOLATION_CGROUP_H
#define BERTH_ISOLATION_CGROUP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/error.h"

enum cgroup_layout { CGROUP_LAYOUT_V2, CGROUP_LAYOUT_V1, CGROUP_LAYOUT_HYBRID };

/* Host facts, probed once (owned by the daemon or monitor context). */
struct cgroup_host;

/* Probe the layout; `parent` is berth's subtree name relative to each
 * hierarchy root (e.g. "berth.slice" or "berth"), created if missing.
 * Returns NULL with err set when no usable cgroup hierarchy exists. */
struct cgroup_host *cgroup_probe(const char *parent, struct berth_err *err);
void cgroup_host_free(struct cgroup_host *h);
/* Remove berth's parent from every hierarchy if it is empty (berthd, when
 * it stops: tasks still running keep it, and their own cgroups). */
void cgroup_parent_remove(const struct cgroup_host *h);
enum cgroup_layout cgroup_host_layout(const struct cgroup_host *h);
const char *cgroup_layout_name(enum cgroup_layout l);

struct cgroup_task_limits {
	uint64_t cpu_units;   /* task cpu, 1024 = 1 vCPU; 0 = no quota */
	uint64_t memory_mib;  /* task hard limit; 0 = none */
	uint64_t pids_max;    /* 0 = none */
};

struct cgroup_container_limits {
	uint64_t cpu_units;        /* relative weight among the task's containers; 0 = default */
	uint64_t memory_mib;       /* hard limit; 0 = none */
	uint64_t memory_reservation_mib; /* soft limit; 0 = none */
};

/* Create (or adopt, if it exists) the task's cgroup and apply limits. */
int cgroup_task_create(struct cgroup_host *h, const char *task_id,
		       const struct cgroup_task_limits *lim, struct berth_err *err);
/* Create the container's child cgroup. */
int cgroup_container_create(struct cgroup_host *h, const char *task_id, const char *container,
			    const struct cgroup_container_limits *lim, struct berth_err *err);
/* v2: open the container cgroup dir for CLONE_INTO_CGROUP (O_CLOEXEC);
 * returns -1 on v1/hybrid (errno ENOTSUP), caller then uses attach. */
int cgroup_container_open_fd(struct cgroup_host *h, const char *task_id, const char *container);
/* Move `pid` into the container's cgroup in every hierarchy berth uses. */
int cgroup_container_attach(struct cgroup_host *h, const char *task_id, const char *container,
			    pid_t pid, struct berth_err *err);
/* Number of OOM kills recorded for the container's cgroup so far. */
int cgroup_container_oom_kills(struct cgroup_host *h, const char *task_id, const char *container,
			       uint64_t *count, struct berth_err *err);
/* SIGKILL every process in the task's cgroup tree (v2 cgroup.kill, or a
 * freeze+kill loop on v1). */
int cgroup_task_kill_all(struct cgroup_host *h, const char *task_id, struct berth_err *err);
/* Remove the task's cgroup tree (after its processes are gone).  A
 * missing cgroup is success. */
int cgroup_task_remove(struct cgroup_host *h, const char *task_id, struct berth_err *err);
/* Task ids (without the "task-" prefix) of every task cgroup that exists
 * under berth's parent, for crash recovery.  NULL-terminated strv. */
int cgroup_list_tasks(struct cgroup_host *h, char ***ids, struct berth_err *err);

/* A limit that is not set ("max" on v2, the page-counter maximum on v1). */
#define CGROUP_UNLIMITED UINT64_MAX

/* Hierarchical figures (a task's include its containers').  A limit not
 * set reads as CGROUP_UNLIMITED; a figure the kernel does not offer
 * (memory.peak before 5.19, io without the io/blkio controller) as 0. */
struct cgroup_stats {
	uint64_t cpu_usage_ns;
	uint64_t memory_usage_bytes, memory_max_usage_bytes, memory_limit_bytes;
	uint64_t pids_current;
	uint64_t io_read_bytes, io_write_bytes;
};
/* Stats of a task (container == NULL) or of one container. */
int cgroup_read_stats(struct cgroup_host *h, const char *task_id, const char *container,
		      struct cgroup_stats *out, struct berth_err *err);

#endif
