/* userns.h: a task's user namespace (--userns=auto): a distinct,
 * non-overlapping range of host uids and gids per live task, so that
 * root in a container is an unprivileged uid on the host.
 *
 * Range i is host ids [USERNS_HOST_BASE + i * USERNS_SIZE, + USERNS_SIZE)
 * mapped to container ids [0, USERNS_SIZE).  A range is held by a slot
 * file STATE/userns/<i> naming the task (made with O_EXCL); it is given
 * back only once the task's processes are gone and its cgroup removed,
 * by the monitor or, after a crash, by berthd's recovery. */
#ifndef BERTH_ISOLATION_USERNS_H
#define BERTH_ISOLATION_USERNS_H

#include <stdbool.h>
#include <sys/types.h>

#include "common/error.h"

#define USERNS_HOST_BASE 1073741824U /* 2^30, far above any host account */
#define USERNS_SIZE 65536U
#define USERNS_SLOTS 16384U

/* Does this kernel give berth user namespaces and idmapped mounts? */
bool userns_supported(void);

/* Take the lowest free slot for `task_id` in `dir` (created if missing). */
int userns_slot_acquire(const char *dir, const char *task_id, unsigned *slot,
			struct berth_err *err);
void userns_slot_release(const char *dir, unsigned slot);
/* Release every slot whose task `alive` says is gone (recovery). */
void userns_slots_sweep(const char *dir, bool (*alive)(const char *task_id, void *arg), void *arg);

static inline uid_t userns_host_base(unsigned slot)
{
	return (uid_t)(USERNS_HOST_BASE + slot * USERNS_SIZE);
}

/* A user namespace mapping [0, USERNS_SIZE) to the slot's host range;
 * returns an O_CLOEXEC fd to it (for setns and MOUNT_ATTR_IDMAP). */
int userns_create(unsigned slot, int *fd_out, struct berth_err *err);

/* In a private mount namespace: put an idmapped clone of each `dirs[i]`
 * over itself, so that what the host owns as 0 the namespace sees as
 * its root (image layers stay shared and unchowned). */
int userns_idmap_dirs(int userns_fd, const char *const *dirs, size_t n, struct berth_err *err);

#endif
