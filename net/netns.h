/* netns.h: the task's network namespace.
 *
 * For now a task's namespace is anonymous and held by a file descriptor
 * in its monitor: it disappears with the monitor and the task's
 * processes, so a crash cannot leak it.  Loopback is brought up inside. */
#ifndef BERTH_NET_NETNS_H
#define BERTH_NET_NETNS_H

#include "common/error.h"

/* Create a new network namespace with `lo` up and return an O_CLOEXEC fd
 * to it in *fd_out; owned by the user namespace `userns_fd` unless it is
 * -1 (then by ours), so that root in the task holds NET_BIND_SERVICE and
 * NET_RAW over its own network.  The calling thread's namespace is unchanged on
 * return.  Must be called from a single-threaded process or a thread
 * that may switch namespaces. */
int netns_create(const char *task_id, int userns_fd, int *fd_out, struct berth_err *err);

#endif
