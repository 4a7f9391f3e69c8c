/* spawn_rootfs.c: the container's filesystem, built inside its own mount
 * namespace by the child before pivot_root: the overlay root, /proc, a
 * minimal /dev, /sys read-only with the container's own cgroup tree
 * read-only under /sys/fs/cgroup,
 * masked and read-only /proc paths, the task's /etc files.  Every target
 * inside the rootfs is opened with openat2(RESOLVE_IN_ROOT |
 * RESOLVE_NO_MAGICLINKS) and mounted through its /proc/self/fd path, so
 * a symlink planted in an image cannot redirect a mount out of the root.
 * Runs only in the forked child: errors go back through `err`. */
#include "spawn_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "userns.h"

static int openat2_in_root(int root, const char *path, int flags, mode_t mode)
{
	struct open_how how = { .flags = (uint64_t)(flags | O_CLOEXEC), .mode = mode,
				.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
	while (*path == '/')
		path++;
	return (int)syscall(SYS_openat2, root, *path ? path : ".", &how, sizeof(how));
}

/* mkdir -p of `path` inside `root`, each step resolved in the root;
 * returns an O_PATH fd of the last directory. */
static int mkdir_in_root(int root, const char *path, struct berth_err *err)
{
	char buf[4096], *p;
	int fd;

	snprintf(buf, sizeof(buf), "%s", path);
	for (p = buf + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;
		*p = '\0';
		cleanup_close int dfd = openat2_in_root(root, buf, O_PATH | O_DIRECTORY, 0);
		if (dfd < 0) {
			char *slash = strrchr(buf, '/');
			cleanup_close int parent = -1;
			*slash = '\0';
			parent = openat2_in_root(root, buf[0] ? buf : "/", O_PATH | O_DIRECTORY, 0);
			*slash = '/';
			if (parent < 0 || (mkdirat(parent, slash + 1, 0755) < 0 && errno != EEXIST))
				return berth_err_errno(err, "create %s in the rootfs", buf);
		}
		*p = c;
		if (c == '\0')
			break;
	}
	fd = openat2_in_root(root, path, O_PATH | O_DIRECTORY, 0);
	if (fd < 0)
		return berth_err_errno(err, "open %s in the rootfs", path);
	return fd;
}

/* Open (creating an empty file if needed) a file target in the root. */
static int file_in_root(int root, const char *path, struct berth_err *err)
{
	int fd = openat2_in_root(root, path, O_PATH | O_NOFOLLOW, 0);
	if (fd >= 0)
		return fd;
	fd = openat2_in_root(root, path, O_WRONLY | O_CREAT | O_NOFOLLOW, 0644);
	if (fd < 0)
		return berth_err_errno(err, "create %s in the rootfs", path);
	close(fd);
	fd = openat2_in_root(root, path, O_PATH | O_NOFOLLOW, 0);
	if (fd < 0)
		return berth_err_errno(err, "open %s in the rootfs", path);
	return fd;
}

static int mount_on_fd(const char *src, int fd, const char *type, unsigned long flags,
		       const char *data, const char *what, struct berth_err *err)
{
	char target[64];
	snprintf(target, sizeof(target), "/proc/self/fd/%d", fd);
	if (mount(src, target, type, flags, data) < 0)
		return berth_err_errno(err, "mount %s", what);
	return 0;
}

static int mount_dir(int root, const char *path, const char *src, const char *type,
		     unsigned long flags, const char *data, struct berth_err *err)
{
	cleanup_close int fd = mkdir_in_root(root, path, err);
	if (fd < 0)
		return -1;
	return mount_on_fd(src, fd, type, flags, data, path, err);
}

/* Remount what is now mounted at `path` (reopened: an fd taken before
 * the bind mount still names the mount below it) read-only. */
static int remount_ro(int root, const char *path, unsigned long extra, struct berth_err *err)
{
	cleanup_close int fd = openat2_in_root(root, path, O_PATH | O_NOFOLLOW, 0);
	char p[64];

	if (fd < 0)
		return berth_err_errno(err, "reopen %s", path);
	snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
	if (mount(NULL, p, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | extra, NULL) < 0)
		return berth_err_errno(err, "make %s read-only", path);
	return 0;
}

/* Bind the node /dev/NAME onto itself, a mount of its own: read-only
 * (its mode cannot change) and without /dev's nodev. */
static int usable_device(int root, const char *name, struct berth_err *err)
{
	char path[64];
	cleanup_close int fd = -1;
	char p[64];

	snprintf(path, sizeof(path), "/dev/%s", name);
	fd = openat2_in_root(root, path, O_PATH | O_NOFOLLOW, 0);
	if (fd < 0)
		return berth_err_errno(err, "open %s", path);
	snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
	if (mount(p, p, NULL, MS_BIND, NULL) < 0)
		return berth_err_errno(err, "bind %s", path);
	return remount_ro(root, path, MS_NOSUID | MS_NOEXEC, err);
}

static int make_devices(int root, struct berth_err *err)
{
	static const struct {
		const char *name;
		unsigned maj, min;
	} devs[] = { { "null", 1, 3 }, { "zero", 1, 5 }, { "full", 1, 7 },
		     { "random", 1, 8 }, { "urandom", 1, 9 }, { "tty", 5, 0 } };
	static const char *const links[][2] = { { "/proc/self/fd", "fd" },
						{ "/proc/self/fd/0", "stdin" },
						{ "/proc/self/fd/1", "stdout" },
						{ "/proc/self/fd/2", "stderr" },
						{ "pts/ptmx", "ptmx" } };
	cleanup_close int dev = -1;

	/* /dev itself is nodev: a node the container makes there (it has
	 * CAP_MKNOD, and berth has no device cgroup) opens nothing.  Each of
	 * ours is its own bind mount with nodev cleared. */
	if (mount_dir(root, "/dev", "tmpfs", "tmpfs", MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_STRICTATIME,
		      "mode=755,size=65536k", err) < 0)
		return -1;
	dev = openat2_in_root(root, "/dev", O_PATH | O_DIRECTORY, 0);
	if (dev < 0)
		return berth_err_errno(err, "open /dev");
	for (size_t i = 0; i < sizeof(devs) / sizeof(devs[0]); i++)
		if (mknodat(dev, devs[i].name, S_IFCHR | 0666, makedev(devs[i].maj, devs[i].min)) < 0 ||
		    fchmodat(dev, devs[i].name, 0666, 0) < 0 || usable_device(root, devs[i].name, err) < 0)
			return berth_err_errno(err, "mknod /dev/%s", devs[i].name);
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++)
		if (symlinkat(links[i][0], dev, links[i][1]) < 0)
			return berth_err_errno(err, "symlink /dev/%s", links[i][1]);
	if (mount_dir(root, "/dev/pts", "devpts", "devpts", MS_NOSUID | MS_NOEXEC,
		      "newinstance,ptmxmode=0666,mode=0620", err) < 0 ||
	    mount_dir(root, "/dev/shm", "shm", "tmpfs", MS_NOSUID | MS_NOEXEC | MS_NODEV,
		      "mode=1777,size=65536k", err) < 0 ||
	    mount_dir(root, "/dev/mqueue", "mqueue", "mqueue", MS_NOSUID | MS_NOEXEC | MS_NODEV,
		      NULL, err) < 0)
		return -1;
	return 0;
}

/* Is fd the real /dev/null (char 1:3)?  What we mask with must be. */
static bool is_dev_null(int fd)
{
	struct stat st;
	return fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) == 1 &&
	       minor(st.st_rdev) == 3;
}

static int mask_paths(int root, struct berth_err *err)
{
	static const char *const masked[] = { "/proc/kcore", "/proc/keys", "/proc/timer_list",
					      "/proc/sched_debug", "/proc/latency_stats",
					      "/proc/timer_stats", "/proc/acpi", "/proc/scsi",
					      "/sys/firmware", "/sys/devices/virtual/powercap" };
	static const char *const readonly[] = { "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
						"/proc/sysrq-trigger" };
	cleanup_close int null = openat2_in_root(root, "/dev/null", O_PATH | O_NOFOLLOW, 0);
	char src[64];

	if (null < 0 || !is_dev_null(null))
		return berth_err_set(err, EPERM, "mask paths: /dev/null is not the null device");
	snprintf(src, sizeof(src), "/proc/self/fd/%d", null);
	for (size_t i = 0; i < sizeof(masked) / sizeof(masked[0]); i++) {
		cleanup_close int fd = openat2_in_root(root, masked[i], O_PATH | O_NOFOLLOW, 0);
		struct stat st;
		if (fd < 0 || fstat(fd, &st) < 0)
			continue; /* absent on this kernel: nothing to mask */
		if (S_ISDIR(st.st_mode)) {
			if (mount_on_fd("tmpfs", fd, "tmpfs", MS_RDONLY, "size=0", masked[i], err) < 0)
				return -1;
		} else if (mount_on_fd(src, fd, NULL, MS_BIND, NULL, masked[i], err) < 0) {
			return -1;
		}
	}
	for (size_t i = 0; i < sizeof(readonly) / sizeof(readonly[0]); i++) {
		cleanup_close int fd = openat2_in_root(root, readonly[i], O_PATH | O_NOFOLLOW, 0);
		char p[64];
		if (fd < 0)
			continue;
		snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
		if (mount(p, p, NULL, MS_BIND | MS_REC, NULL) < 0)
			return berth_err_errno(err, "bind %s", readonly[i]);
		if (remount_ro(root, readonly[i], MS_NOSUID | MS_NODEV | MS_NOEXEC, err) < 0)
			return -1;
	}
	return 0;
}

static int mount_proc_and_sys(int root, struct berth_err *err)
{
	cleanup_close int proc = -1;
	struct statfs sfs;

	if (mount_dir(root, "/proc", "proc", "proc", MS_NOSUID | MS_NOEXEC | MS_NODEV, NULL, err) < 0)
		return -1;
	proc = openat2_in_root(root, "/proc", O_PATH | O_DIRECTORY, 0);
	if (proc < 0 || fstatfs(proc, &sfs) < 0 || sfs.f_type != PROC_SUPER_MAGIC)
		return berth_err_set(err, EPERM, "mount /proc: not a procfs after mounting");
	return mount_dir(root, "/sys", "sysfs", "sysfs", MS_RDONLY | MS_NOSUID | MS_NOEXEC | MS_NODEV,
			 NULL, err);
}

int spawn_read_cgroups(char *buf, size_t len, struct berth_err *err)
{
	cleanup_close int fd = open("/proc/self/cgroup", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, len - 1);

	if (n < 0)
		return berth_err_errno(err, "read /proc/self/cgroup");
	buf[n] = '\0';
	return 0;
}

#define CGROUP_RO (MS_RDONLY | MS_NOSUID | MS_NOEXEC | MS_NODEV)

/* One v1 hierarchy ("cpu,cpuacct" or "name=systemd") at
 * /sys/fs/cgroup/<controllers>, with a link per controller as Docker
 * makes them (cpu -> cpu,cpuacct). */
static int mount_v1_hierarchy(int root, char *controllers, struct berth_err *err)
{
	char dir[512], data[512];
	bool named = strncmp(controllers, "name=", 5) == 0;
	const char *base = named ? controllers + 5 : controllers;

	snprintf(dir, sizeof(dir), "/sys/fs/cgroup/%s", base);
	snprintf(data, sizeof(data), "%s%s", named ? "none," : "", controllers);
	if (mount_dir(root, dir, "cgroup", "cgroup", CGROUP_RO, data, err) < 0)
		return -1;
	if (named || strchr(base, ',') == NULL)
		return 0;
	cleanup_close int cg = openat2_in_root(root, "/sys/fs/cgroup", O_PATH | O_DIRECTORY, 0);
	cleanup_free char *copy = strdup(base);
	for (char *save = NULL, *c = strtok_r(copy, ",", &save); cg >= 0 && c;
	     c = strtok_r(NULL, ",", &save))
		if (symlinkat(base, cg, c) < 0 && errno != EEXIST)
			return berth_err_errno(err, "link /sys/fs/cgroup/%s", c);
	return 0;
}

/* The container's own cgroup tree, read-only, seen through its cgroup
 * namespace: only the hierarchies berth placed it in (`cgroups` is
 * /proc/self/cgroup read before the namespace was made, its paths name
 * the task), so no host cgroup, release_agent or writable
 * notify_on_release is reachable.  v2: cgroup2 at /sys/fs/cgroup.  v1
 * and hybrid: a read-only tmpfs holding one mount per hierarchy. */
static int mount_cgroups(int root, const struct container_spec *s, char *cgroups,
			 struct berth_err *err)
{
	char needle[128];
	bool v2 = false, v1 = false;

	snprintf(needle, sizeof(needle), "/task-%s/", s->task_id);
	for (char *save = NULL, *l = strtok_r(cgroups, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *ctrls = strchr(l, ':'), *path = ctrls ? strchr(ctrls + 1, ':') : NULL;
		if (path == NULL || strstr(path, needle) == NULL)
			continue;
		*path = '\0';
		ctrls++;
		if (*ctrls == '\0') {
			v2 = true;
			continue;
		}
		if (!v1 && mount_dir(root, "/sys/fs/cgroup", "tmpfs", "tmpfs",
				     MS_NOSUID | MS_NOEXEC | MS_NODEV, "size=64k,mode=755", err) < 0)
			return -1;
		v1 = true;
		if (mount_v1_hierarchy(root, ctrls, err) < 0)
			return -1;
	}
	if (v1)
		return remount_ro(root, "/sys/fs/cgroup", MS_NOSUID | MS_NOEXEC | MS_NODEV, err);
	if (v2)
		return mount_dir(root, "/sys/fs/cgroup", "cgroup2", "cgroup2", CGROUP_RO, NULL, err);
	/* Not in a berth cgroup (tests without cgroups): nothing to see. */
	return mount_dir(root, "/sys/fs/cgroup", "tmpfs", "tmpfs", CGROUP_RO, "size=0,mode=555", err);
}

static int bind_etc(int root, const char *host, const char *target, struct berth_err *err)
{
	cleanup_close int fd = -1;
	char p[64];

	if (host == NULL)
		return 0;
	fd = file_in_root(root, target, err);
	if (fd < 0)
		return -1;
	snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
	if (mount(host, p, NULL, MS_BIND, NULL) < 0)
		return berth_err_errno(err, "bind %s", target);
	return remount_ro(root, target, MS_NOSUID | MS_NODEV, err);
}

static int mount_overlay(const struct container_spec *s, struct berth_err *err)
{
	char opts[8192];
	size_t n = (size_t)snprintf(opts, sizeof(opts), "lowerdir=");

	for (size_t i = 0; i < s->n_lower_dirs && n < sizeof(opts); i++)
		n += (size_t)snprintf(opts + n, sizeof(opts) - n, "%s%s", i ? ":" : "", s->lower_dirs[i]);
	if (n < sizeof(opts))
		n += (size_t)snprintf(opts + n, sizeof(opts) - n, ",upperdir=%s,workdir=%s",
				      s->upper_dir, s->work_dir);
	if (n >= sizeof(opts))
		return berth_err_set(err, E2BIG, "overlay options for %zu layers", s->n_lower_dirs);
	if (mount("overlay", s->rootfs_dir, "overlay", MS_NODEV, opts) < 0)
		return berth_err_errno(err, "mount overlay rootfs on %s", s->rootfs_dir);
	return 0;
}

int spawn_setup_rootfs(const struct container_spec *s, char *cgroups, struct berth_err *err)
{
	cleanup_close int root = -1;

	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return berth_err_errno(err, "make / private");
	if (s->userns_fd >= 0 &&
	    userns_idmap_dirs(s->userns_fd, s->lower_dirs, s->n_lower_dirs, err) < 0)
		return -1;
	if (mount_overlay(s, err) < 0)
		return -1;
	root = open(s->rootfs_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return berth_err_errno(err, "open %s", s->rootfs_dir);
	if (mount_proc_and_sys(root, err) < 0 || mount_cgroups(root, s, cgroups, err) < 0 ||
	    make_devices(root, err) < 0 ||
	    mask_paths(root, err) < 0 || bind_etc(root, s->etc_hosts, "/etc/hosts", err) < 0 ||
	    bind_etc(root, s->etc_hostname, "/etc/hostname", err) < 0 ||
	    bind_etc(root, s->etc_resolv_conf, "/etc/resolv.conf", err) < 0)
		return -1;
	return 0;
}

int spawn_pivot_root(const struct container_spec *s, struct berth_err *err)
{
	char cwd[8];

	if (chdir(s->rootfs_dir) < 0)
		return berth_err_errno(err, "chdir %s", s->rootfs_dir);
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return berth_err_errno(err, "pivot_root into %s", s->rootfs_dir);
	if (umount2(".", MNT_DETACH) < 0)
		return berth_err_errno(err, "detach the old root");
	if (chdir("/") < 0 || getcwd(cwd, sizeof(cwd)) == NULL || strcmp(cwd, "/") != 0)
		return berth_err_set(err, EPERM, "working directory is outside the new root");
	if (s->readonly_rootfs &&
	    mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NODEV, NULL) < 0)
		return berth_err_errno(err, "remount the root read-only");
	return 0;
}
