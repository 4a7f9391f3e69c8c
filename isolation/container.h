/* container.h: start one container process in its own namespaces.
 *
 * The task monitor calls container_spawn() once per container.  It clones
 * a child in new pid, mount, uts, ipc (and cgroup) namespaces, joins the
 * task's network namespace (and, with pidMode task, the task's pid
 * namespace), lets the caller attach it to its cgroup while it waits on
 * a sync pipe, then, in named phases, most privileged first:
 *   sysctls -> mounts (idmapped layers, overlay rootfs, /proc, minimal
 *   /dev, /sys ro, own cgroup tree ro, masked paths, per-task /etc
 *   files) -> pivot_root -> hostname -> rlimits -> user namespace ->
 *   capability bounding set -> user/groups -> no_new_privs ->
 *   capabilities -> close fds -> seccomp -> (init) -> execve.
 * A failure in the child is sent back over the sync pipe and returned
 * by container_spawn() as an error; exec success is seen as EOF.
 *
 * The caller (monitor) owns the returned pid and pidfd, reaps the child,
 * and owns every directory named in the spec.  Nothing here decides when
 * a container starts or stops. */
#ifndef BERTH_ISOLATION_CONTAINER_H
#define BERTH_ISOLATION_CONTAINER_H

#include <stdbool.h>
#include <sys/types.h>

#include "common/error.h"

struct container_rlimit {
	int resource; /* RLIMIT_* */
	unsigned long long soft, hard;
};

struct container_spec {
	const char *task_id;
	const char *name; /* container name, for messages */

	/* Process. */
	char *const *argv; /* NULL-terminated, argv[0] resolved in the rootfs PATH if relative */
	char *const *envp; /* NULL-terminated "K=V" */
	const char *cwd;   /* absolute inside the rootfs; NULL means "/" */
	const char *user;  /* "uid", "uid:gid", "name", "name:group"; NULL = root (0:0).
			      Names are looked up in the rootfs' /etc/passwd and /etc/group. */
	const char *hostname;

	/* Root filesystem: overlay of lower_dirs (index 0 = topmost layer)
	 * with upper_dir/work_dir as the writable layer, mounted on
	 * rootfs_dir (an existing empty directory).  rootfs_dir is only a
	 * mount point: the mount lives in the container's mount namespace. */
	const char *const *lower_dirs;
	size_t n_lower_dirs;
	const char *upper_dir;
	const char *work_dir;
	const char *rootfs_dir;
	bool readonly_rootfs;

	/* Files bind-mounted read-only over /etc/hosts, /etc/hostname and
	 * /etc/resolv.conf; NULL to leave the image's. */
	const char *etc_hosts;
	const char *etc_hostname;
	const char *etc_resolv_conf;

	/* Namespaces to join (fds owned by the caller), -1 for a new one.
	 * pidns_fd is task_pidns.h's shared namespace (pidMode task). */
	int netns_fd;
	int pidns_fd;
	/* The task's user namespace (userns.h), -1 for none.  The child
	 * idmaps the image layers with it, makes its mounts as host root,
	 * then joins it before it drops capabilities. */
	int userns_fd;

	/* Standard streams for the container (caller keeps its copies). */
	int stdin_fd; /* -1: /dev/null */
	int stdout_fd;
	int stderr_fd;

	/* Capabilities: names like "SYS_PTRACE" (without CAP_). The set is
	 * Fargate's default set + add - drop.  "ALL" in drop drops all. */
	const char *const *cap_add;
	size_t n_cap_add;
	const char *const *cap_drop;
	size_t n_cap_drop;

	const struct container_rlimit *rlimits;
	size_t n_rlimits;

	/* systemControls as "name=value" (kernel.shm_rmid_forced=1), written
	 * in the container's own ipc and the task's network namespace;
	 * net.* only when netns_fd is set. */
	const char *const *sysctls;
	size_t n_sysctls;

	/* initProcessEnabled: berth's init runs as the container's PID 1. */
	bool init_process;

	/* cgroup: on cgroup v2 a directory fd for CLONE_INTO_CGROUP (-1 if
	 * not available); `attach` is then called with the child's pid while
	 * the child waits, before it runs any of its own code (used for v1,
	 * or when clone3 with CLONE_INTO_CGROUP is refused). */
	int cgroup_fd;
	int (*attach)(void *arg, pid_t pid, struct berth_err *err);
	void *attach_arg;

	bool no_seccomp; /* tests and benchmarks only */
};

struct container_proc {
	pid_t pid;   /* in the caller's pid namespace */
	int pidfd;   /* O_CLOEXEC pidfd of the child, owned by the caller */
	long long exec_ns; /* CLOCK_MONOTONIC when exec was seen to succeed */
};

/* Start the container described by `spec`.  Returns 0 once the child has
 * exec'd its program, with *out filled; -1 with err set (and the child
 * reaped) if any phase failed.  The message names the phase, e.g.
 * "mount proc on /proc: Permission denied" or "exec /bin/x: No such file
 * or directory". */
int container_spawn(const struct container_spec *spec, struct container_proc *out,
		    struct berth_err *err);

#endif
