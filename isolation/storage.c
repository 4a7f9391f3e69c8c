/* storage.c: a task's ephemeral storage: probe, create, usage.
 * (Destroy and crash recovery live in storage_destroy.c, the pool and
 * mke2fs in storage_pool.c, loop devices in storage_loop.c.)
 *
 * Mechanism: a loop-mounted sparse image per task.
 *   STATE/ephemeral/<task-id>.img  a sparse file of the task's size with
 *                                  a journal-less ext4 in it
 *   /dev/loopN                     attached with LOOP_CONFIGURE, autoclear,
 *                                  direct I/O, 4 KiB blocks
 *   MOUNT_ROOT/<task-id>           the mount, nodev,nosuid
 * Why this and not project quotas: the limit must be the kernel's, and
 * ext4/XFS project quotas need the host filesystem mounted with prjquota,
 * which the hosts here (ext4 on / without it) do not have and berth may
 * not remount.  An own filesystem per task also gives the task its own
 * inodes and ENOSPC (no task can exhaust the host's inodes), statfs
 * numbers that are the task's (EphemeralStorageMetrics for free), and
 * a wipe that is a single unlink.  Not tmpfs: it would hold host RAM.
 * Sparse: a 200 GiB image costs ~300 KiB of metadata until written, and
 * storage_admit() keeps the sum of what tasks may still grow below what
 * the host has free, so a full task can never fill the state dir.
 *
 * Speed: the hot path of storage_create() is a rename (take a ready
 * image from the pool), one LOOP_CONFIGURE and one mount(2): no fork, no
 * mkfs.  Measured (bench/storage, median of 50, kernel 6.18, ext4 host):
 * create 0.8 ms for 20 GiB and 1.4 ms for 200 GiB with a warm pool; with
 * an empty pool the image is made inline (posix_spawn of mke2fs) and
 * create takes 3.1 ms / 6.1 ms, and is logged.  Destroy: 2.4 / 8.2 ms.
 * Sequential write + fsync inside the task runs at the host's speed
 * (ratio 1.0: direct I/O loop, no double caching).  The pool is keyed by
 * size in MiB: growing a 20 GiB image instead was slower (offline
 * resize2fs 20->200 GiB: 60 ms) or impossible (online resize needs
 * CAP_SYS_RESOURCE), so callers refill the size classes they use (20 GiB
 * always) with storage_pool_refill() off the hot path.
 * Journal-less: the storage is thrown away after a crash anyway.
 *
 * Wipe: storage_destroy() punches the whole image, then unlinks it; a
 * new task always gets a newly made sparse file, whose unwritten blocks
 * read back as zeros, so no byte of one task is readable by the next. */
#include "storage.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/log.h"
#include "storage_internal.h"

#define STORAGE_MAX_MIB (16ull << 20) /* 16 TiB, far above Fargate's 200 GiB */
#define STORAGE_MOUNT_OPTS "errors=remount-ro"

int storage_check_id(const char *id, struct berth_err *err)
{
	size_t n = id ? strlen(id) : 0;

	if (n == 0 || n > STORAGE_TASK_ID_MAX)
		return berth_err_set(err, EINVAL, "task id must have 1 to %d characters",
				     STORAGE_TASK_ID_MAX);
	for (size_t i = 0; i < n; i++) {
		char c = id[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_'))
			return berth_err_set(err, EINVAL, "task id %s: bad character", id);
	}
	return 0;
}

int storage_task_paths(const struct storage_host *h, const char *id, char *img, char *mnt,
		       struct berth_err *err)
{
	if (storage_check_id(id, err) < 0)
		return -1;
	if (snprintf(img, PATH_MAX, "%s/%s.img", h->img_dir, id) >= PATH_MAX ||
	    snprintf(mnt, PATH_MAX, "%s/%s", h->mount_root, id) >= PATH_MAX)
		return berth_err_set(err, ENAMETOOLONG, "paths of task %s", id);
	return 0;
}

int storage_strv_add_unique(char ***v, const char *s, struct berth_err *err)
{
	size_t n = berth_strv_len(*v);
	char **nv;

	for (size_t i = 0; i < n; i++)
		if (strcmp((*v)[i], s) == 0)
			return 0;
	nv = realloc(*v, (n + 2) * sizeof(*nv));
	if (nv == NULL)
		return berth_err_set(err, ENOMEM, "list storage");
	*v = nv;
	nv[n + 1] = NULL;
	nv[n] = strdup(s);
	if (nv[n] == NULL)
		return berth_err_set(err, ENOMEM, "list storage");
	return 0;
}

static int probe_host(const struct storage_host *h, struct berth_err *err)
{
	struct statfs sfs;
	cleanup_free char *fss = NULL;

	if (statfs(h->img_dir, &sfs) < 0)
		return berth_err_errno(err, "statfs %s", h->img_dir);
	if (sfs.f_type == TMPFS_MAGIC || sfs.f_type == RAMFS_MAGIC)
		return berth_err_set(err, ENOTSUP, "%s is in RAM (tmpfs/ramfs); task disks must "
				     "not hold host memory", h->img_dir);
	if (access("/dev/loop-control", R_OK | W_OK) < 0)
		return berth_err_errno(err, "loop devices: /dev/loop-control");
	if (access(STORAGE_MKE2FS, X_OK) < 0)
		return berth_err_errno(err, "e2fsprogs: %s", STORAGE_MKE2FS);
	if (fs_read_file("/proc/filesystems", 1 << 16, &fss, NULL, err) < 0)
		return -1;
	if (strstr(fss, "\t" STORAGE_FSTYPE "\n") == NULL)
		return berth_err_set(err, ENOTSUP, "the kernel has no %s", STORAGE_FSTYPE);
	return 0;
}

struct storage_host *storage_probe(const char *state_dir, const char *mount_root,
				   struct berth_err *err)
{
	cleanup_free struct storage_host *h = calloc(1, sizeof(*h));
	size_t room = STORAGE_DIR_MAX - sizeof("/ephemeral/pool");

	if (h == NULL) {
		berth_err_set(err, ENOMEM, "probe ephemeral storage");
		return NULL;
	}
	if (state_dir[0] != '/' || mount_root[0] != '/' || strlen(state_dir) > room ||
	    strlen(mount_root) > room) {
		berth_err_set(err, EINVAL, "probe ephemeral storage: %s and %s must be absolute "
			      "paths shorter than %zu", state_dir, mount_root, room);
		return NULL;
	}
	snprintf(h->img_dir, sizeof(h->img_dir), "%s/ephemeral", state_dir);
	snprintf(h->pool_dir, sizeof(h->pool_dir), "%s/ephemeral/pool", state_dir);
	snprintf(h->mount_root, sizeof(h->mount_root), "%s", mount_root);
	if (fs_mkdir_p(h->pool_dir, 0700, err) < 0 || fs_mkdir_p(h->mount_root, 0700, err) < 0 ||
	    probe_host(h, err) < 0 || storage_pool_sweep(h, err) < 0) {
		berth_err_wrap(err, "probe ephemeral storage");
		return NULL;
	}
	return steal_pointer(&h);
}

void storage_host_free(struct storage_host *h)
{
	free(h);
}

void storage_set_overcommit(struct storage_host *h, bool allow)
{
	h->overcommit = allow;
}

/* Attach `img` and mount it at `mnt`. */
static int mount_image(const char *img, const char *mnt, struct berth_err *err)
{
	cleanup_close int img_fd = open(img, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	cleanup_close int loop_fd = -1;
	char dev[32];
	int nr;

	if (img_fd < 0)
		return berth_err_errno(err, "open %s", img);
	/* Until mount(2) holds it, our fd keeps the autoclear device alive;
	 * if we die before, the kernel detaches it. */
	loop_fd = storage_loop_attach(img_fd, img, &nr, err);
	if (loop_fd < 0)
		return -1;
	snprintf(dev, sizeof(dev), "/dev/loop%d", nr);
	if (mount(dev, mnt, STORAGE_FSTYPE, MS_NODEV | MS_NOSUID, STORAGE_MOUNT_OPTS) < 0)
		return berth_err_errno(err, "mount %s (%s) on %s", dev, img, mnt);
	return 0;
}

/* Put an image of `size_mib` at `img`: from the pool, or made inline. */
static int image_get(struct storage_host *h, const char *id, uint64_t size_mib, const char *img,
		     struct berth_err *err)
{
	cleanup_close int lock = storage_lock(h, err);
	int taken;

	if (lock < 0)
		return -1;
	/* Check and take under the lock, so that concurrent creates see each
	 * other's images when they add up what tasks may still grow. */
	if (storage_admit(h, size_mib << 20, err) < 0)
		return -1;
	taken = storage_pool_take(h, size_mib, img, err);
	if (taken != 0)
		return taken < 0 ? -1 : 0;
	if (storage_image_alloc(img, size_mib, err) < 0)
		return -1;
	berth_closep(&lock);
	log_info("storage: pool has no %llu MiB image; making one inline for task %s",
		 (unsigned long long)size_mib, id);
	if (storage_image_mkfs(img, err) < 0) {
		unlink(img);
		return -1;
	}
	return 0;
}

int storage_create_mib(struct storage_host *h, const char *task_id, uint64_t size_mib,
		       char *path, size_t path_len, struct berth_err *err)
{
	char img[PATH_MAX], mnt[PATH_MAX];

	if (storage_task_paths(h, task_id, img, mnt, err) < 0)
		return berth_err_wrap(err, "create ephemeral storage");
	if (size_mib < STORAGE_MIN_MIB || size_mib > STORAGE_MAX_MIB)
		return berth_err_set(err, EINVAL, "create ephemeral storage for task %s: size %llu "
				     "MiB out of range", task_id, (unsigned long long)size_mib);
	if ((size_t)snprintf(path, path_len, "%s", mnt) >= path_len)
		return berth_err_set(err, ENAMETOOLONG, "create ephemeral storage for task %s: "
				     "mount point buffer too small", task_id);
	if (mkdir(mnt, 0700) < 0)
		return berth_err_errno(err, "create ephemeral storage for task %s: mkdir %s",
				       task_id, mnt);
	if (image_get(h, task_id, size_mib, img, err) < 0) {
		rmdir(mnt);
		return berth_err_wrap(err, "create ephemeral storage for task %s", task_id);
	}
	if (mount_image(img, mnt, err) < 0) {
		unlink(img);
		rmdir(mnt);
		return berth_err_wrap(err, "create ephemeral storage for task %s", task_id);
	}
	return 0;
}

int storage_create(struct storage_host *h, const char *task_id, unsigned size_gib, char *path,
		   size_t path_len, struct berth_err *err)
{
	return storage_create_mib(h, task_id, (uint64_t)size_gib << 10, path, path_len, err);
}

int storage_usage(struct storage_host *h, const char *task_id, uint64_t *used, uint64_t *size,
		  struct berth_err *err)
{
	char img[PATH_MAX], mnt[PATH_MAX];
	struct stat st, root;
	struct statfs sfs;

	if (storage_task_paths(h, task_id, img, mnt, err) < 0)
		return berth_err_wrap(err, "ephemeral storage usage");
	if (stat(h->mount_root, &root) < 0 || stat(mnt, &st) < 0)
		return berth_err_errno(err, "ephemeral storage usage of task %s: stat %s", task_id,
				       mnt);
	if (st.st_dev == root.st_dev)
		return berth_err_set(err, ENOENT, "ephemeral storage usage of task %s: %s is not "
				     "mounted", task_id, mnt);
	if (statfs(mnt, &sfs) < 0)
		return berth_err_errno(err, "ephemeral storage usage of task %s: statfs %s",
				       task_id, mnt);
	*size = (uint64_t)sfs.f_blocks * (uint64_t)sfs.f_bsize;
	*used = (uint64_t)(sfs.f_blocks - sfs.f_bfree) * (uint64_t)sfs.f_bsize;
	return 0;
}
