/* storage_loop.c: loop devices for task images.
 *
 * Attaching is one LOOP_CTL_GET_FREE plus one LOOP_CONFIGURE (kernel
 * 5.8+), retried when another thread or process grabs the same free
 * device first.  Devices are attached with LO_FLAGS_AUTOCLEAR, so the
 * kernel detaches them when the last user (our fd, then the mount) lets
 * go, also when berthd dies; and with direct I/O, so that the image's
 * pages are not cached twice (once by the task's ext4, once by the
 * host's).  Finding a task's device after a crash reads the backing file
 * names in /sys/block/loopN/loop/backing_file: no state of our own.
 * Never touches a loop device whose backing file is not ours. */
#include "storage_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "common/cleanup.h"

#define LOOP_ATTACH_TRIES 64

static int loop_configure(int ctl, struct loop_config *cfg, int *nr, struct berth_err *err)
{
	for (int i = 0; i < LOOP_ATTACH_TRIES; i++) {
		char dev[32];
		cleanup_close int lfd = -1;
		int n = ioctl(ctl, LOOP_CTL_GET_FREE);

		if (n < 0)
			return berth_err_errno(err, "find a free loop device");
		snprintf(dev, sizeof(dev), "/dev/loop%d", n);
		lfd = open(dev, O_RDWR | O_CLOEXEC);
		if (lfd < 0 && errno == ENOENT)
			continue; /* removed again by someone else */
		if (lfd < 0)
			return berth_err_errno(err, "open %s", dev);
		if (ioctl(lfd, LOOP_CONFIGURE, cfg) == 0) {
			*nr = n;
			return steal_fd(&lfd);
		}
		if (errno == EBUSY)
			continue; /* lost the race for this device */
		if (errno == EINVAL && (cfg->info.lo_flags & LO_FLAGS_DIRECT_IO)) {
			/* the backing filesystem cannot do O_DIRECT */
			cfg->info.lo_flags &= ~LO_FLAGS_DIRECT_IO;
			i--;
			continue;
		}
		return berth_err_errno(err, "configure %s", dev);
	}
	return berth_err_set(err, EBUSY, "find a free loop device: %d tries lost a race",
			     LOOP_ATTACH_TRIES);
}

int storage_loop_attach(int img_fd, const char *img_path, int *nr, struct berth_err *err)
{
	cleanup_close int ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	struct loop_config cfg = {
		.fd = (__u32)img_fd,
		.block_size = STORAGE_BLOCK,
		.info = { .lo_flags = LO_FLAGS_AUTOCLEAR | LO_FLAGS_DIRECT_IO },
	};
	int lfd;

	if (ctl < 0)
		return berth_err_errno(err, "open /dev/loop-control");
	snprintf((char *)cfg.info.lo_file_name, LO_NAME_SIZE, "%s", img_path);
	lfd = loop_configure(ctl, &cfg, nr, err);
	if (lfd < 0)
		return berth_err_wrap(err, "attach %s", img_path);
	return lfd;
}

/* The backing file of /sys/block/<name>, without " (deleted)".  Returns
 * 1 when bound, 0 when not (or the device vanished). */
static int loop_backing(const char *name, char *out, size_t len)
{
	char p[PATH_MAX];
	cleanup_fclose FILE *f = NULL;
	size_t n;

	snprintf(p, sizeof(p), "/sys/block/%s/loop/backing_file", name);
	f = fopen(p, "re");
	if (f == NULL || fgets(out, (int)len, f) == NULL)
		return 0;
	n = strcspn(out, "\n");
	out[n] = '\0';
	if (n > 10 && strcmp(out + n - 10, " (deleted)") == 0)
		out[n - 10] = '\0';
	return 1;
}

/* Call fn(name, backing, arg) for every bound loop device. */
static int loop_each(int (*fn)(const char *, const char *, void *), void *arg,
		     struct berth_err *err)
{
	cleanup_closedir DIR *d = opendir("/sys/block");
	struct dirent *e;

	if (d == NULL)
		return berth_err_errno(err, "open /sys/block");
	while ((e = readdir(d)) != NULL) {
		char backing[PATH_MAX];
		if (strncmp(e->d_name, "loop", 4) != 0)
			continue;
		if (loop_backing(e->d_name, backing, sizeof(backing)) == 1 &&
		    fn(e->d_name, backing, arg) < 0)
			return -1;
	}
	return 0;
}

struct find_ctx {
	const char *img;
	int *nrs;
	int max, n;
};

static int find_one(const char *name, const char *backing, void *arg)
{
	struct find_ctx *c = arg;
	if (strcmp(backing, c->img) == 0 && c->n < c->max)
		c->nrs[c->n++] = atoi(name + 4);
	return 0;
}

int storage_loop_find(const char *img_path, int *nrs, int max, struct berth_err *err)
{
	struct find_ctx c = { .img = img_path, .nrs = nrs, .max = max };
	if (loop_each(find_one, &c, err) < 0)
		return berth_err_wrap(err, "find loop devices of %s", img_path);
	return c.n;
}

struct list_ctx {
	const char *dir;
	char ***ids;
	struct berth_err *err;
};

static int list_one(const char *name, const char *backing, void *arg)
{
	struct list_ctx *c = arg;
	size_t dl = strlen(c->dir), bl = strlen(backing);
	char id[STORAGE_TASK_ID_MAX + 1];
	struct berth_err ignored = { 0 };

	(void)name;
	if (strncmp(backing, c->dir, dl) != 0 || backing[dl] != '/' || bl < dl + 5 ||
	    strcmp(backing + bl - 4, ".img") != 0 || bl - dl - 5 > STORAGE_TASK_ID_MAX)
		return 0;
	memcpy(id, backing + dl + 1, bl - dl - 5);
	id[bl - dl - 5] = '\0';
	if (storage_check_id(id, &ignored) < 0)
		return 0; /* a pool image ("pool/...") or not ours */
	return storage_strv_add_unique(c->ids, id, c->err);
}

int storage_loop_list(const char *dir, char ***ids, struct berth_err *err)
{
	struct list_ctx c = { .dir = dir, .ids = ids, .err = err };
	return loop_each(list_one, &c, err);
}

int storage_loop_detach(int nr, struct berth_err *err)
{
	char dev[32];
	cleanup_close int fd = -1;

	snprintf(dev, sizeof(dev), "/dev/loop%d", nr);
	fd = open(dev, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0)
		return berth_err_errno(err, "open %s", dev);
	/* ENXIO: not bound any more.  While still opened elsewhere the kernel
	 * only sets autoclear (0) or says EBUSY; the caller checks again. */
	if (ioctl(fd, LOOP_CLR_FD, 0) < 0 && errno != ENXIO && errno != EBUSY)
		return berth_err_errno(err, "detach %s", dev);
	return 0;
}
