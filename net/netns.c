/* netns.c: create a task's network namespace with loopback up (see
 * netns.h).  unshare() moves the calling thread; it is moved back to
 * the namespace it came from before returning, on every path. */
#include "netns.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
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

int netns_create(const char *task_id, int *fd_out, struct berth_err *err)
{
	cleanup_close int orig = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	cleanup_close int fd = -1;
	int rc = 0;

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
