/* storage_pool.c: making task images, the pool of ready ones, and the
 * admission check that keeps task growth from filling the host.
 *
 * An image is a sparse file holding a journal-less ext4 made by a
 * fork/exec of /sbin/mke2fs with `assume_storage_prezeroed` (a fresh
 * sparse file reads back zeros, so mke2fs writes only ~300 KiB of
 * metadata and marks the inode tables zeroed: the kernel's lazyinit
 * thread never writes into the image later).  Pool images are made
 * under pool/.tmp-<pid>-<hex>.img, fsynced, and renamed to
 * pool/<size-mib>M-<hex>.img; taking one is a rename(2) with
 * RENAME_NOREPLACE, so concurrent takers (threads or processes) never
 * get the same image and a crash leaves either a pool image or a task
 * image, both found by name.  This file never holds a lock while mke2fs
 * runs. */
#include "storage.h"
#include "storage_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/ids.h"

/* Run mke2fs on `path`; its stderr becomes the error message. */
int storage_image_mkfs(const char *path, struct berth_err *err)
{
	char *const argv[] = { "mke2fs", "-q", "-F", "-t", STORAGE_FSTYPE, "-b", "4096", "-m", "0",
			       "-L", "berth-task", "-O", "^has_journal,^resize_inode", "-E",
			       "assume_storage_prezeroed=1,nodiscard,root_owner=0:0",
			       (char *)path, NULL };
	char *const envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", NULL };
	posix_spawn_file_actions_t fa;
	int pfd[2], status = 0, rc;
	char msg[512] = "";
	size_t n = 0;
	ssize_t r;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return berth_err_errno(err, "mke2fs %s: pipe", path);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], 2);
	rc = posix_spawn(&pid, STORAGE_MKE2FS, &fa, NULL, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	close(pfd[1]);
	if (rc != 0) {
		close(pfd[0]);
		return berth_err_set(err, rc, "run %s for %s", STORAGE_MKE2FS, path);
	}
	while ((r = read(pfd[0], msg + n, sizeof(msg) - 1 - n)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 || (n += (size_t)r) >= sizeof(msg) - 1)
			break;
	}
	close(pfd[0]);
	msg[n] = '\0';
	msg[strcspn(msg, "\n")] = '\0';
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return berth_err_set(err, EIO, "mke2fs %s failed (status %d): %s", path, status,
				     msg[0] ? msg : "no message");
	return 0;
}

/* Create `path` (must not exist) as a sparse file of `size_mib`. */
int storage_image_alloc(const char *path, uint64_t size_mib, struct berth_err *err)
{
	cleanup_close int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return berth_err_errno(err, "create %s", path);
	if (ftruncate(fd, (off_t)(size_mib << 20)) < 0) {
		berth_err_errno(err, "size %s to %llu MiB", path, (unsigned long long)size_mib);
		unlink(path);
		return -1;
	}
	return 0;
}

static int pool_make_one(const struct storage_host *h, uint64_t size_mib, struct berth_err *err)
{
	char hex[17], tmp[PATH_MAX], dst[PATH_MAX];
	cleanup_close int fd = -1;

	if (id_random_hex(hex, 16, err) < 0)
		return -1;
	snprintf(tmp, sizeof(tmp), "%s/.tmp-%d-%s.img", h->pool_dir, (int)getpid(), hex);
	snprintf(dst, sizeof(dst), "%s/%lluM-%s.img", h->pool_dir, (unsigned long long)size_mib,
		 hex);
	if (storage_image_alloc(tmp, size_mib, err) < 0)
		return -1;
	if (storage_image_mkfs(tmp, err) < 0) {
		unlink(tmp);
		return -1;
	}
	/* A pool image outlives a host crash: its metadata must be on disk. */
	fd = open(tmp, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) < 0 || renameat2(AT_FDCWD, tmp, AT_FDCWD, dst, RENAME_NOREPLACE) < 0) {
		berth_err_errno(err, "add %s to the pool", tmp);
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* A pool image name of `size_mib` ("<mib>M-<hex>.img"); 0 = any size. */
static bool pool_name_matches(const char *name, uint64_t size_mib)
{
	char *end;
	size_t n = strlen(name);
	unsigned long long mib;

	if (name[0] < '0' || name[0] > '9' || n < 6 || strcmp(name + n - 4, ".img") != 0)
		return false;
	mib = strtoull(name, &end, 10);
	return end[0] == 'M' && end[1] == '-' && (size_mib == 0 || mib == size_mib);
}

/* Call fn on every pool image of `size_mib` until it returns nonzero;
 * returns that value, 0 when the end was reached, or -1. */
static int pool_each(const struct storage_host *h, uint64_t size_mib,
		     int (*fn)(int dfd, const char *name, void *arg), void *arg,
		     struct berth_err *err)
{
	cleanup_closedir DIR *d = opendir(h->pool_dir);
	struct dirent *e;

	if (d == NULL)
		return berth_err_errno(err, "open %s", h->pool_dir);
	while ((e = readdir(d)) != NULL) {
		int r;
		if (!pool_name_matches(e->d_name, size_mib))
			continue;
		r = fn(dirfd(d), e->d_name, arg);
		if (r != 0)
			return r;
	}
	return 0;
}

static int count_one(int dfd, const char *name, void *arg)
{
	(void)dfd;
	(void)name;
	(*(int *)arg)++;
	return 0;
}

int storage_pool_count(struct storage_host *h, uint64_t size_mib, struct berth_err *err)
{
	int n = 0;
	if (pool_each(h, size_mib, count_one, &n, err) < 0)
		return -1;
	return n;
}

int storage_pool_refill(struct storage_host *h, uint64_t size_mib, unsigned target,
			struct berth_err *err)
{
	int have = storage_pool_count(h, size_mib, err), made = 0;

	if (have < 0)
		return berth_err_wrap(err, "refill the storage pool");
	if (size_mib < STORAGE_MIN_MIB)
		return berth_err_set(err, EINVAL, "refill the storage pool: %llu MiB is too small",
				     (unsigned long long)size_mib);
	for (unsigned i = (unsigned)have; i < target; i++, made++)
		if (pool_make_one(h, size_mib, err) < 0)
			return berth_err_wrap(err, "refill the storage pool (%llu MiB)",
					      (unsigned long long)size_mib);
	return made;
}

struct take_ctx {
	const char *dst;
	struct berth_err *err;
};

static int take_one(int dfd, const char *name, void *arg)
{
	struct take_ctx *c = arg;
	if (renameat2(dfd, name, AT_FDCWD, c->dst, RENAME_NOREPLACE) == 0)
		return 1;
	if (errno == ENOENT)
		return 0; /* another taker was faster: try the next one */
	return berth_err_errno(c->err, "take pool image %s as %s", name, c->dst);
}

int storage_pool_take(const struct storage_host *h, uint64_t size_mib, const char *dst,
		      struct berth_err *err)
{
	struct take_ctx c = { .dst = dst, .err = err };
	return pool_each(h, size_mib, take_one, &c, err);
}

static int drain_one(int dfd, const char *name, void *arg)
{
	if (unlinkat(dfd, name, 0) == 0)
		(*(int *)arg)++;
	return 0;
}

int storage_pool_drain(struct storage_host *h, struct berth_err *err)
{
	int n = 0;
	if (pool_each(h, 0, drain_one, &n, err) < 0)
		return berth_err_wrap(err, "drain the storage pool");
	return n;
}

int storage_pool_sweep(const struct storage_host *h, struct berth_err *err)
{
	cleanup_closedir DIR *d = opendir(h->pool_dir);
	struct dirent *e;

	if (d == NULL)
		return berth_err_errno(err, "open %s", h->pool_dir);
	while ((e = readdir(d)) != NULL) {
		int pid;
		if (sscanf(e->d_name, ".tmp-%d-", &pid) != 1 || pid <= 0)
			continue;
		if (kill(pid, 0) < 0 && errno == ESRCH)
			unlinkat(dirfd(d), e->d_name, 0);
	}
	return 0;
}

int storage_lock(const struct storage_host *h, struct berth_err *err)
{
	char p[PATH_MAX];
	int fd;

	snprintf(p, sizeof(p), "%s/.lock", h->img_dir);
	fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return berth_err_errno(err, "open %s", p);
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			berth_err_errno(err, "lock %s", p);
			close(fd);
			return -1;
		}
	}
	return fd;
}

/* What the task images in img_dir may still grow by, in bytes. */
static int images_growth(const struct storage_host *h, uint64_t *out, struct berth_err *err)
{
	cleanup_closedir DIR *d = opendir(h->img_dir);
	struct dirent *e;

	*out = 0;
	if (d == NULL)
		return berth_err_errno(err, "open %s", h->img_dir);
	while ((e = readdir(d)) != NULL) {
		struct stat st;
		size_t n = strlen(e->d_name);
		if (n < 5 || strcmp(e->d_name + n - 4, ".img") != 0 ||
		    fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		if ((uint64_t)st.st_size > (uint64_t)st.st_blocks * 512)
			*out += (uint64_t)st.st_size - (uint64_t)st.st_blocks * 512;
	}
	return 0;
}

int storage_admit(const struct storage_host *h, uint64_t add_bytes, struct berth_err *err)
{
	struct statvfs sv;
	uint64_t growth, avail;

	if (h->overcommit)
		return 0;
	if (statvfs(h->img_dir, &sv) < 0)
		return berth_err_errno(err, "statvfs %s", h->img_dir);
	if (images_growth(h, &growth, err) < 0)
		return -1;
	avail = (uint64_t)sv.f_bavail * sv.f_frsize;
	if (growth + add_bytes + STORAGE_HOST_RESERVE > avail)
		return berth_err_set(err, ENOSPC,
				     "%llu MiB of ephemeral storage do not fit: %s has %llu MiB "
				     "free, running tasks may still use %llu MiB of it",
				     (unsigned long long)(add_bytes >> 20), h->img_dir,
				     (unsigned long long)(avail >> 20),
				     (unsigned long long)(growth >> 20));
	return 0;
}
