/* spawn_internal.h: the phases of a container's start, shared by
 * spawn.c (clone, sync pipe, process set-up, exec), spawn_rootfs.c
 * (mounts and pivot_root) and spawn_security.c (user, capabilities,
 * seccomp).  All run in the forked child only. */
#ifndef BERTH_ISOLATION_SPAWN_INTERNAL_H
#define BERTH_ISOLATION_SPAWN_INTERNAL_H

#include <stdint.h>

#include "container.h"
#include "seccomp_profile.h"

/* /proc/self/cgroup as it reads before the cgroup namespace is made. */
int spawn_read_cgroups(char *buf, size_t len, struct berth_err *err);
/* Mounts of the new root; `cgroups` is spawn_read_cgroups()'s text
 * (consumed). */
int spawn_setup_rootfs(const struct container_spec *s, char *cgroups, struct berth_err *err);
int spawn_pivot_root(const struct container_spec *s, struct berth_err *err);
/* Resolve spec->user against the new root's /etc/passwd and /etc/group
 * and switch to it (groups, gid, uid). */
int spawn_set_user(const struct container_spec *s, struct berth_err *err);
/* Reduce the bounding set to the task's set (Fargate default + add -
 * drop); call before changing uid.  */
int spawn_drop_bounding(const struct container_spec *s, struct berth_err *err);
/* Set effective/permitted to the task's set (root) or empty (others),
 * inheritable and ambient empty. */
int spawn_set_caps(const struct container_spec *s, struct berth_err *err);
/* The task's capability set as a mask (bit n = capability n). */
uint64_t spawn_task_caps(const struct container_spec *s);
/* Load the compiled seccomp filter (none if p->filter is NULL): the last
 * step before execve. */
int spawn_load_seccomp(const struct seccomp_program *p, struct berth_err *err);
/* initProcessEnabled: fork, exec the program in the fork, and stay as
 * its init (spawn_init.c).  Returns only on failure to fork or exec. */
int spawn_exec_under_init(const char *exe, const struct container_spec *s, int sync_fd,
			  struct berth_err *err);

#endif
