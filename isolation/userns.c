/* userns.c: user namespaces per task, their uid/gid ranges and the
 * idmapped mounts of image layers (see userns.h).
 *
 * The namespace is made the way crun makes one for idmapped mounts: a
 * short-lived child unshares CLONE_NEWUSER and waits, the parent (root
 * on the host) writes its uid_map and gid_map and keeps an fd to the
 * namespace, then the child exits.  Containers join it with setns()
 * after their mounts are made, and the task's network namespace is made
 * inside it (net/netns.c), so that root in the task owns its network. */
#include "userns.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fs.h"

bool userns_supported(void)
{
	char buf[32] = "";
	cleanup_close int fd = open("/proc/sys/user/max_user_namespaces", O_RDONLY | O_CLOEXEC);

	if (fd < 0 || read(fd, buf, sizeof(buf) - 1) <= 0 || atol(buf) <= 0)
		return false;
	/* mount_setattr (5.12) is what idmapped mounts need. */
	return syscall(SYS_mount_setattr, -1, "", 0, NULL, 0) < 0 && errno != ENOSYS;
}

/* The slot file appears whole: written under a private name, then
 * link()ed to the slot's name, which fails if the slot is taken. */
int userns_slot_acquire(const char *dir, const char *task_id, unsigned *slot,
			struct berth_err *err)
{
	char tmp[4096], path[4096];
	int rc = -1;

	if (fs_mkdir_p(dir, 0700, err) < 0)
		return -1;
	snprintf(tmp, sizeof(tmp), "%s/.%s", dir, task_id);
	if (fs_write_file_atomic(tmp, task_id, strlen(task_id), 0600, err) < 0)
		return -1;
	for (unsigned i = 0; i < USERNS_SLOTS && rc < 0; i++) {
		snprintf(path, sizeof(path), "%s/%u", dir, i);
		if (link(tmp, path) == 0) {
			*slot = i;
			rc = 0;
		} else if (errno != EEXIST) {
			berth_err_errno(err, "user namespace slot %s", path);
			break;
		}
	}
	if (rc < 0 && err->msg[0] == '\0')
		berth_err_set(err, ENOSPC, "all %u user namespace ranges are in use", USERNS_SLOTS);
	unlink(tmp);
	return rc;
}

void userns_slot_release(const char *dir, unsigned slot)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%u", dir, slot);
	unlink(path);
}

void userns_slots_sweep(const char *dir, bool (*alive)(const char *task_id, void *arg), void *arg)
{
	cleanup_closedir DIR *d = opendir(dir);
	struct dirent *e;

	while (d && (e = readdir(d)) != NULL) {
		char id[128] = "";
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		cleanup_close int fd = openat(dirfd(d), e->d_name, O_RDONLY | O_CLOEXEC);
		ssize_t n = fd < 0 ? -1 : read(fd, id, sizeof(id) - 1);
		if (n > 0 && alive(id, arg))
			continue;
		unlinkat(dirfd(d), e->d_name, 0);
	}
}

static int write_map(pid_t pid, const char *file, unsigned slot)
{
	char path[64], map[64];
	int n = snprintf(map, sizeof(map), "0 %u %u\n", (unsigned)userns_host_base(slot), USERNS_SIZE);

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	cleanup_close int fd = open(path, O_WRONLY | O_CLOEXEC);
	return fd < 0 || write(fd, map, (size_t)n) != n ? -1 : 0;
}

int userns_create(unsigned slot, int *fd_out, struct berth_err *err)
{
	int pipefd[2];
	char path[64], c = 0;
	pid_t pid;
	int rc = 0;

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return berth_err_errno(err, "user namespace: pipe");
	pid = (pid_t)syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, NULL, NULL, NULL, NULL);
	if (pid == 0) {
		close(pipefd[1]);
		/* Lives only until the parent has its fd: EOF on the pipe. */
		while (read(pipefd[0], &c, 1) > 0)
			;
		_exit(0);
	}
	close(pipefd[0]);
	if (pid < 0) {
		close(pipefd[1]);
		return berth_err_errno(err, "create a user namespace");
	}
	if (write_map(pid, "uid_map", slot) < 0 || write_map(pid, "gid_map", slot) < 0)
		rc = berth_err_errno(err, "write the user namespace's id maps");
	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
	if (rc == 0 && (*fd_out = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		rc = berth_err_errno(err, "open %s", path);
	close(pipefd[1]);
	waitpid(pid, NULL, 0);
	return rc;
}

static int idmap_one(int userns_fd, const char *dir, struct berth_err *err)
{
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)userns_fd };
	cleanup_close int tree = (int)syscall(SYS_open_tree, AT_FDCWD, dir,
					      OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);

	if (tree < 0)
		return berth_err_errno(err, "clone the mount of %s", dir);
	if (syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0)
		return berth_err_errno(err, "idmap %s", dir);
	if (syscall(SYS_move_mount, tree, "", AT_FDCWD, dir, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return berth_err_errno(err, "mount the idmapped %s", dir);
	return 0;
}

int userns_idmap_dirs(int userns_fd, const char *const *dirs, size_t n, struct berth_err *err)
{
	for (size_t i = 0; i < n; i++)
		if (idmap_one(userns_fd, dirs[i], err) < 0)
			return -1;
	return 0;
}
