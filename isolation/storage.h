/* storage.h: a task's ephemeral storage: a size-limited, task-private
 * filesystem that holds the writable layers of its containers and its
 * volumes, wiped when the task stops.
 *
 * storage_create() gives the task a mounted filesystem of `size_gib` at
 * MOUNT_ROOT/<task-id>; storage_destroy() unmounts it and releases (and
 * wipes) whatever backs it; storage_list() finds what a crash left.
 * Names derive from the task id only.
 *
 * Mechanism (see storage.c): a sparse image file STATE/ephemeral/<id>.img
 * holding a journal-less ext4 made ahead of time, attached to a loop
 * device (autoclear) and mounted nodev,nosuid.  Ready images wait in
 * STATE/ephemeral/pool/, one size class per file name; storage_create()
 * takes one (a rename), and makes one inline when the pool is empty.
 *
 * Every function is safe to call from several threads and from several
 * processes at once (coordination is by atomic renames and a flock in
 * STATE/ephemeral); a storage_host is read-only after storage_probe()
 * except for storage_set_overcommit(), to be called before sharing it. */
#ifndef BERTH_ISOLATION_STORAGE_H
#define BERTH_ISOLATION_STORAGE_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#include "common/error.h"

#define STORAGE_DEFAULT_GIB 20u /* Fargate's default ephemeral storage */
#define STORAGE_MIN_MIB 32u	/* smallest accepted size (tests) */

struct storage_host; /* probed once: backing dir, pool, filesystem type */

/* `state_dir` holds the backing files; `mount_root` the mount points.
 * Both are created if missing.  Fails (ENOTSUP) when loop devices, ext4
 * or /sbin/mke2fs are missing, or when `state_dir` is on tmpfs/ramfs
 * (a task disk must not hold the host's RAM).  Removes pool images that
 * a dead process left half made.  Caller frees with storage_host_free. */
struct storage_host *storage_probe(const char *state_dir, const char *mount_root,
				   struct berth_err *err);
void storage_host_free(struct storage_host *h);

/* By default storage_create() refuses (ENOSPC) a task whose size, added
 * to what the other tasks' sparse images may still grow, would leave
 * less than 1 GiB free on the state dir's filesystem: that keeps a full
 * task disk from ever filling the host.  `allow` turns the check off. */
void storage_set_overcommit(struct storage_host *h, bool allow);

/* Mount the task's storage; `path` receives the mount point.  `task_id`
 * is [A-Za-z0-9_-]{1,64}.  Fails with EEXIST if the task already has
 * storage; on any failure nothing of the task is left behind. */
int storage_create(struct storage_host *h, const char *task_id, unsigned size_gib, char *path,
		   size_t path_len, struct berth_err *err);
/* The same with the size in MiB (>= STORAGE_MIN_MIB), for tests. */
int storage_create_mib(struct storage_host *h, const char *task_id, uint64_t size_mib,
		       char *path, size_t path_len, struct berth_err *err);
/* Unmount (lazily if busy), detach the loop device, punch and unlink the
 * image, remove the mount point.  Missing pieces are fine, so this also
 * cleans up after a crash.  Fails with EBUSY if the loop device is still
 * held (a copy of the mount in another mount namespace): the data is
 * already wiped then, and a later call finishes the job. */
int storage_destroy(struct storage_host *h, const char *task_id, struct berth_err *err);
/* Bytes used and reserved, for EphemeralStorageMetrics. */
int storage_usage(struct storage_host *h, const char *task_id, uint64_t *used, uint64_t *size,
		  struct berth_err *err);
/* Every task that holds an image, a mount point or a loop device; a
 * NULL-terminated array the caller frees with berth_strv_free. */
int storage_list(struct storage_host *h, char ***task_ids, struct berth_err *err);

/* Make pool images of `size_mib` until `target` are ready.  Slow (about
 * 10-20 ms and a fork/exec of mke2fs per image): call it off the event
 * loop.  Returns the number of images made, or -1. */
int storage_pool_refill(struct storage_host *h, uint64_t size_mib, unsigned target,
			struct berth_err *err);
/* Ready images of `size_mib` (0: of every size). */
int storage_pool_count(struct storage_host *h, uint64_t size_mib, struct berth_err *err);
/* Remove every pool image (shutdown, tests).  Returns how many. */
int storage_pool_drain(struct storage_host *h, struct berth_err *err);

#endif
