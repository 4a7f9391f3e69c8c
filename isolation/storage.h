/* storage.h: a task's ephemeral storage: a size-limited, task-private
 * filesystem that holds the writable layers of its containers and its
 * volumes, wiped when the task stops.
 *
 * storage_create() gives the task a mounted filesystem of `size_gib` at
 * MOUNT_ROOT/<task-id>; storage_destroy() unmounts it and releases (and
 * wipes) whatever backs it; storage_list() finds what a crash left.
 * Names derive from the task id only. */
#ifndef BERTH_ISOLATION_STORAGE_H
#define BERTH_ISOLATION_STORAGE_H

#include <stdint.h>

#include "common/error.h"

struct storage_host; /* probed once: backing dir, pool, filesystem type */

/* `state_dir` holds the backing files; `mount_root` the mount points. */
struct storage_host *storage_probe(const char *state_dir, const char *mount_root,
				   struct berth_err *err);
void storage_host_free(struct storage_host *h);

/* Mount the task's storage; `path` receives the mount point. */
int storage_create(struct storage_host *h, const char *task_id, unsigned size_gib, char *path,
		   size_t path_len, struct berth_err *err);
int storage_destroy(struct storage_host *h, const char *task_id, struct berth_err *err);
/* Bytes used and reserved, for EphemeralStorageMetrics. */
int storage_usage(struct storage_host *h, const char *task_id, uint64_t *used, uint64_t *size,
		  struct berth_err *err);
int storage_list(struct storage_host *h, char ***task_ids, struct berth_err *err);

#endif
