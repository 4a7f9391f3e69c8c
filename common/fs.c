/* fs.c: whole-file I/O, atomic replace, mkdir -p and a mount-bounded
 * rm -rf (see fs.h). */
#include "fs.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <dirent.h>

#include "cleanup.h"

int fs_read_file(const char *path, size_t max, char **out, size_t *len, struct berth_err *err)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	cleanup_free char *buf = NULL;
	size_t cap = 4096, n = 0;

	if (fd < 0)
		return berth_err_errno(err, "open %s", path);
	buf = malloc(cap);
	if (buf == NULL)
		return berth_err_set(err, ENOMEM, "read %s", path);
	for (;;) {
		ssize_t r;
		if (n + 1 >= cap) {
			char *nb;
			if (cap > max)
				return berth_err_set(err, EFBIG, "read %s", path);
			cap *= 2;
			nb = realloc(buf, cap);
			if (nb == NULL)
				return berth_err_set(err, ENOMEM, "read %s", path);
			buf = nb;
		}
		r = read(fd, buf + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return berth_err_errno(err, "read %s", path);
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > max)
			return berth_err_set(err, EFBIG, "read %s", path);
	}
	buf[n] = '\0';
	*out = steal_pointer(&buf);
	if (len)
		*len = n;
	return 0;
}

static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

int fs_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode,
			 struct berth_err *err)
{
	cleanup_free char *tmp = NULL;
	cleanup_free char *dir = strdup(path);
	cleanup_close int fd = -1;
	cleanup_close int dfd = -1;

	if (dir == NULL || asprintf(&tmp, "%s.tmp.%d", path, (int)getpid()) < 0)
		return berth_err_set(err, ENOMEM, "write %s", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0)
		return berth_err_errno(err, "create %s", tmp);
	if (write_all(fd, data, len) < 0 || fsync(fd) < 0) {
		berth_err_errno(err, "write %s", tmp);
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, path) < 0) {
		berth_err_errno(err, "rename %s to %s", tmp, path);
		unlink(tmp);
		return -1;
	}
	dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0)
		fsync(dfd);
	return 0;
}

int fs_mkdir_p(const char *path, mode_t mode, struct berth_err *err)
{
	cleanup_free char *p = strdup(path);

	if (p == NULL)
		return berth_err_set(err, ENOMEM, "mkdir %s", path);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST)
			return berth_err_errno(err, "mkdir %s", p);
		*s = '/';
	}
	if (mkdir(p, mode) < 0 && errno != EEXIST)
		return berth_err_errno(err, "mkdir %s", p);
	return 0;
}

static int rm_rf_at(int dfd, const char *name, dev_t dev, struct berth_err *err)
{
	struct stat st;
	cleanup_closedir DIR *d = NULL;
	struct dirent *de;
	int fd;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : berth_err_errno(err, "stat %s", name);
	if (!S_ISDIR(st.st_mode)) {
		if (unlinkat(dfd, name, 0) < 0 && errno != ENOENT)
			return berth_err_errno(err, "unlink %s", name);
		return 0;
	}
	if (st.st_dev != dev)
		return berth_err_set(err, EBUSY, "remove %s: a mount point", name);
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return berth_err_errno(err, "open %s", name);
	d = fdopendir(fd);
	if (d == NULL) {
		close(fd);
		return berth_err_errno(err, "opendir %s", name);
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (rm_rf_at(dirfd(d), de->d_name, dev, err) < 0)
			return berth_err_wrap(err, "remove in %s", name);
	}
	if (unlinkat(dfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return berth_err_errno(err, "rmdir %s", name);
	return 0;
}

int fs_rm_rf(const char *path, struct berth_err *err)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : berth_err_errno(err, "stat %s", path);
	return rm_rf_at(AT_FDCWD, path, st.st_dev, err);
}

int fs_write_string(const char *path, const char *value, struct berth_err *err)
{
	cleanup_close int fd = open(path, O_WRONLY | O_CLOEXEC);
	size_t len = strlen(value);

	if (fd < 0)
		return berth_err_errno(err, "open %s for writing", path);
	if (write_all(fd, value, len) < 0)
		return berth_err_errno(err, "write '%s' to %s", value, path);
	return 0;
}
