/* spawn_internal.h: the phases of a container's start, shared by
 * spawn.c (clone, sync pipe, process set-up, exec), spawn_rootfs.c
 * (mounts and pivot_root) and spawn_security.c (user, capabilities,
 * seccomp).  All run in the forked child only. */
#ifndef BERTH_ISOLATION_SPAWN_INTERNAL_H
#define BERTH_ISOLATION_SPAWN_INTERNAL_H

#include "container.h"

int spawn_setup_rootfs(const struct container_spec *s, struct berth_err *err);
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
/* Load the seccomp filter: the last step before execve. */
int spawn_load_seccomp(const struct container_spec *s, struct berth_err *err);

#endif
