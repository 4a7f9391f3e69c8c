/* netns.c: create a task's network namespace with loopback up (see
 * netns.h).  unshare() moves the calling thread; it is moved back to
 * the namespace it came from before returning, on every path.  In a
 * task's user namespace, a child makes it instead. */
#include "netns.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"

static int loopback_up(struct berth_err *err)
{
	cleanup_close int sk = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ifreq ifr;

	if (sk < 0)
		return berth_err_errno(err, "socket for lo");
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(sk, SIOCGIFFLAGS, &ifr) < 0)
		return berth_err_errno(err, "get flags of lo");
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	if (ioctl(sk, SIOCSIFFLAGS, &ifr) < 0)
		return berth_err_errno(err, "bring lo up");
	return 0;
}

/* A namespace owned by `userns_fd`: made by a child that joins the user
 * namespace first (a process cannot go back to its parent user
 * namespace), held by our fd once the child is gone. */
static int create_owned(const char *task_id, int userns_fd, int *fd_out, struct berth_err *err)
{
	int ready[2], done[2];
	char path[64], c = 0;
	pid_t pid;
	int rc = 0;

	if (pipe2(ready, O_CLOEXEC) < 0)
		return berth_err_errno(err, "network namespace: pipe");
	if (pipe2(done, O_CLOEXEC) < 0) {
		close(ready[0]), close(ready[1]);
		return berth_err_errno(err, "network namespace: pipe");
	}
	pid = fork();
	if (pid == 0) {
		struct berth_err e = { 0 };
		close(ready[0]), close(done[1]);
		if (setns(userns_fd, CLONE_NEWUSER) < 0 || unshare(CLONE_NEWNET) < 0 ||
		    loopback_up(&e) < 0)
			_exit(1);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		while (read(done[0], &c, 1) > 0)
			;
		_exit(0);
	}
	close(ready[1]), close(done[0]);
	if (pid < 0)
		rc = berth_err_errno(err, "network namespace of task %s: fork", task_id);
	else if (read(ready[0], &c, 1) != 1)
		rc = berth_err_set(err, EPERM, "create network namespace for task %s in its user "
				   "namespace", task_id);
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	if (rc == 0 && (*fd_out = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		rc = berth_err_errno(err, "open %s", path);
	close(ready[0]), close(done[1]);
	if (pid > 0)
		waitpid(pid, NULL, 0);
	return rc;
}

int netns_create(const char *task_id, int userns_fd, int *fd_out, struct berth_err *err)
{
	cleanup_close int orig = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	cleanup_close int fd = -1;
	int rc = 0;

	if (userns_fd >= 0)
		return create_owned(task_id, userns_fd, fd_out, err);
	if (orig < 0)
		return berth_err_errno(err, "open current network namespace");
	if (unshare(CLONE_NEWNET) < 0)
		return berth_err_errno(err, "create network namespace for task %s", task_id);
	fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		rc = berth_err_errno(err, "open network namespace of task %s", task_id);
	else if (loopback_up(err) < 0)
		rc = berth_err_wrap(err, "network namespace of task %s", task_id);
	if (setns(orig, CLONE_NEWNET) < 0)
		return berth_err_errno(err, "return to the host network namespace");
	if (rc < 0)
		return rc;
	*fd_out = steal_fd(&fd);
	return 0;
}
