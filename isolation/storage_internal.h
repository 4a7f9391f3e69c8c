/* storage_internal.h: what storage.c, storage_pool.c and storage_loop.c
 * share and nobody else sees: the storage_host struct, the on-disk names
 * and the loop and pool helpers.  Paths are absolute and fit PATH_MAX. */
#ifndef BERTH_ISOLATION_STORAGE_INTERNAL_H
#define BERTH_ISOLATION_STORAGE_INTERNAL_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#include "common/error.h"

#define STORAGE_TASK_ID_MAX 64
#define STORAGE_MKE2FS "/sbin/mke2fs"
#define STORAGE_FSTYPE "ext4"
#define STORAGE_BLOCK 4096u
/* Keep this much of the state dir's filesystem free of task growth. */
#define STORAGE_HOST_RESERVE (1ull << 30)

/* Our directories are shorter, so that any name in them fits PATH_MAX. */
#define STORAGE_DIR_MAX (PATH_MAX - 256)

struct storage_host {
	char img_dir[STORAGE_DIR_MAX];	  /* STATE/ephemeral: <task-id>.img */
	char pool_dir[STORAGE_DIR_MAX];	  /* STATE/ephemeral/pool: <mib>M-<hex>.img */
	char mount_root[STORAGE_DIR_MAX]; /* MOUNT_ROOT/<task-id> */
	bool overcommit;
};

/* 0 when `id` is a valid task id, else -1 with err set (EINVAL). */
int storage_check_id(const char *id, struct berth_err *err);
/* Check `id` and name its image and mount point (PATH_MAX buffers). */
int storage_task_paths(const struct storage_host *h, const char *id, char *img, char *mnt,
		       struct berth_err *err);

/* --- storage_pool.c --- */

/* Create `path` (which must not exist) as a sparse file of `size_mib`. */
int storage_image_alloc(const char *path, uint64_t size_mib, struct berth_err *err);
/* Make the filesystem in the image file `path` (fork/exec of mke2fs). */
int storage_image_mkfs(const char *path, struct berth_err *err);
/* Move a ready pool image of `size_mib` to `dst`.  Returns 1 when one was
 * taken, 0 when the pool had none, -1 on error. */
int storage_pool_take(const struct storage_host *h, uint64_t size_mib, const char *dst,
		      struct berth_err *err);
/* Remove temporary images whose maker process is gone. */
int storage_pool_sweep(const struct storage_host *h, struct berth_err *err);
/* ENOSPC unless `add_bytes` more of sparse growth still leaves the
 * reserve free (counting what every task image may still grow). */
int storage_admit(const struct storage_host *h, uint64_t add_bytes, struct berth_err *err);
/* flock of STATE/ephemeral/.lock; returns the fd to close, or -1. */
int storage_lock(const struct storage_host *h, struct berth_err *err);

/* --- storage_loop.c --- */

/* Attach `img_fd` to a free loop device with autoclear and direct I/O
 * (4 KiB blocks).  Returns the loop device's fd (the caller holds it
 * until the device is mounted) and its number in *nr, or -1. */
int storage_loop_attach(int img_fd, const char *img_path, int *nr, struct berth_err *err);
/* Loop devices whose backing file is `img_path` (also once unlinked):
 * fills nrs[] (up to max) and returns how many, or -1. */
int storage_loop_find(const char *img_path, int *nrs, int max, struct berth_err *err);
/* Every backing file path of a bound loop device that lies in `dir`:
 * the task ids of their "<id>.img" names are added to *ids (strv). */
int storage_loop_list(const char *dir, char ***ids, struct berth_err *err);
/* Ask the kernel to detach loop `nr` (LOOP_CLR_FD); gone already is 0. */
int storage_loop_detach(int nr, struct berth_err *err);

/* Add a copy of `s` to the NULL-terminated *v unless already there. */
int storage_strv_add_unique(char ***v, const char *s, struct berth_err *err);

#endif
