/* storage_destroy.c: giving a task's storage back, and finding what a
 * crash left.
 *
 * Everything is found by name from the task id, never from state kept in
 * memory: the mount at MOUNT_ROOT/<id>, loop devices whose backing file
 * is STATE/ephemeral/<id>.img (read from sysfs, so also once unlinked),
 * and the image itself.  Destroy is idempotent and order-tolerant, so it
 * is also the crash-recovery path: unmount (lazily if busy), detach,
 * punch every block of the image (the wipe: also effective while some
 * stray reference still holds the file), unlink, remove the mount point.
 * Only MOUNT_ROOT/<id> is ever unmounted. */
#include "storage.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/log.h"
#include "storage_internal.h"

#define STORAGE_MAX_LOOPS 8   /* loop devices looked for per image */
#define STORAGE_MAX_STACK 16  /* mounts stacked on one mount point */
#define STORAGE_DETACH_WAIT 20 /* polls of 1 ms: a concurrent fork may hold an fd briefly */

/* Unmount everything stacked on `mnt`; a missing or unmounted dir is 0. */
static int unmount_all(const char *mnt, struct berth_err *err)
{
	for (int i = 0; i < STORAGE_MAX_STACK; i++) {
		if (umount2(mnt, UMOUNT_NOFOLLOW) == 0)
			continue;
		if (errno == EBUSY) {
			log_warn("storage: %s is busy; detaching it lazily", mnt);
			if (umount2(mnt, UMOUNT_NOFOLLOW | MNT_DETACH) == 0)
				continue;
		}
		if (errno == EINVAL || errno == ENOENT)
			return 0; /* not (or no longer) a mount point */
		return berth_err_errno(err, "unmount %s", mnt);
	}
	return berth_err_set(err, ELOOP, "unmount %s: more than %d mounts stacked", mnt,
			     STORAGE_MAX_STACK);
}

/* Detach every loop device of `img`; returns how many are still bound. */
static int detach_loops(const char *img, struct berth_err *err)
{
	int nrs[STORAGE_MAX_LOOPS], n;

	for (int poll = 0;; poll++) {
		n = storage_loop_find(img, nrs, STORAGE_MAX_LOOPS, err);
		if (n <= 0 || poll == STORAGE_DETACH_WAIT)
			return n;
		for (int i = 0; i < n; i++)
			if (storage_loop_detach(nrs[i], err) < 0)
				return -1;
		nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);
	}
}

/* Punch every written range of `fd` (SEEK_DATA/SEEK_HOLE: one punch of
 * the whole sparse file costs ~8 ms for 20 GiB, this a few µs). */
static int punch_data(int fd, off_t size)
{
	off_t pos = 0;

	while (pos < size) {
		off_t data = lseek(fd, pos, SEEK_DATA), hole;
		if (data < 0)
			return errno == ENXIO ? 0 : -1; /* ENXIO: no data after pos */
		hole = lseek(fd, data, SEEK_HOLE);
		if (hole < 0)
			return -1;
		if (fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, data, hole - data) < 0)
			return -1;
		pos = hole;
	}
	return 0;
}

/* Punch every block of `img` (so no byte survives even if a stray
 * reference still holds the file), then unlink it.  Missing is 0. */
static int wipe_image(const char *img, struct berth_err *err)
{
	cleanup_close int fd = open(img, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;

	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0)
		return berth_err_errno(err, "open %s", img);
	if (fstat(fd, &st) < 0)
		return berth_err_errno(err, "stat %s", img);
	if (punch_data(fd, st.st_size) < 0 && errno != EOPNOTSUPP)
		return berth_err_errno(err, "punch %s", img);
	if (unlink(img) < 0 && errno != ENOENT)
		return berth_err_errno(err, "unlink %s", img);
	return 0;
}

int storage_destroy(struct storage_host *h, const char *task_id, struct berth_err *err)
{
	char img[PATH_MAX], mnt[PATH_MAX];
	int busy;

	if (storage_task_paths(h, task_id, img, mnt, err) < 0)
		return berth_err_wrap(err, "destroy ephemeral storage");
	if (unmount_all(mnt, err) < 0)
		goto fail;
	busy = detach_loops(img, err);
	if (busy < 0 || wipe_image(img, err) < 0)
		goto fail;
	if (busy > 0) {
		berth_err_set(err, EBUSY, "loop device of %s still held (a copy of the mount in "
			      "another mount namespace?); its data is wiped, retry later", img);
		goto fail;
	}
	if (rmdir(mnt) < 0 && errno != ENOENT && fs_rm_rf(mnt, err) < 0)
		goto fail;
	return 0;
fail:
	return berth_err_wrap(err, "destroy ephemeral storage of task %s", task_id);
}

/* Add the ids of entries of `dir` named <id><suffix> to *ids. */
static int list_dir(const char *dir, const char *suffix, char ***ids, struct berth_err *err)
{
	cleanup_closedir DIR *d = opendir(dir);
	size_t sl = strlen(suffix);
	struct dirent *e;

	if (d == NULL)
		return berth_err_errno(err, "open %s", dir);
	while ((e = readdir(d)) != NULL) {
		char id[STORAGE_TASK_ID_MAX + 1];
		size_t n = strlen(e->d_name);
		struct berth_err ignored = { 0 };

		if (n <= sl || n - sl > STORAGE_TASK_ID_MAX || strcmp(e->d_name + n - sl, suffix))
			continue;
		memcpy(id, e->d_name, n - sl);
		id[n - sl] = '\0';
		if (storage_check_id(id, &ignored) < 0)
			continue;
		if (sl == 0 && e->d_type != DT_DIR && e->d_type != DT_UNKNOWN)
			continue;
		if (storage_strv_add_unique(ids, id, err) < 0)
			return -1;
	}
	return 0;
}

int storage_list(struct storage_host *h, char ***task_ids, struct berth_err *err)
{
	cleanup_strv char **ids = calloc(1, sizeof(char *));

	if (ids == NULL)
		return berth_err_set(err, ENOMEM, "list ephemeral storage");
	if (list_dir(h->img_dir, ".img", &ids, err) < 0 ||
	    list_dir(h->mount_root, "", &ids, err) < 0 ||
	    storage_loop_list(h->img_dir, &ids, err) < 0)
		return berth_err_wrap(err, "list ephemeral storage");
	*task_ids = steal_pointer(&ids);
	return 0;
}
