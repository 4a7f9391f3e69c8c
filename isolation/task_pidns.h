/* task_pidns.h: one PID namespace shared by a task's containers
 * (pidMode "task"), held open by a fenced-in PID 1 of berth's own. */
#ifndef BERTH_ISOLATION_TASK_PIDNS_H
#define BERTH_ISOLATION_TASK_PIDNS_H

#include <sys/types.h>

#include "common/error.h"

struct task_pidns {
	pid_t holder; /* the namespace's PID 1, a child of the caller */
	int ns_fd;    /* /proc/<holder>/ns/pid, for container_spec.pidns_fd */
};

/* Start the holder; `empty_dir` is any existing directory of the host
 * (an empty tmpfs is mounted on it in the holder's own mount namespace
 * and becomes its root). */
int task_pidns_create(const char *empty_dir, struct task_pidns *out, struct berth_err *err);
/* Kill and reap the holder (which ends the namespace and anything still
 * in it), close the fd.  Safe on a zeroed struct with ns_fd -1. */
void task_pidns_destroy(struct task_pidns *ns);

#endif
