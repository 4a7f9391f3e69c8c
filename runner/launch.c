/* launch.c: starting a task's monitor and connecting to it.
 *
 * berthd creates RUN/tasks/<id>/, writes spec.json, takes the flock on
 * monitor.lock and binds monitor.sock itself, then spawns berth-monitor
 * with both inherited as fds 3 and 4: the lock is never free while a
 * monitor exists, and the socket accepts berthd's connection before the
 * monitor runs.  The monitor detaches at once (its first process exits
 * and is reaped here), so monitors are never children of berthd. */
#include "runner_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/json.h"
#include "daemon.h"
#include "monitor.h"

extern char **environ;

void task_run_dir(struct runner *r, const char *id, char *out, size_t len)
{
	snprintf(out, len, "%s/tasks/%s", r->d->cfg.run_dir, id);
}

void task_state_dir(struct runner *r, const char *id, char *out, size_t len)
{
	snprintf(out, len, "%s/tasks/%s", r->d->cfg.state_dir, id);
}

static int sock_addr(struct runner *r, const char *id, struct sockaddr_un *sa, struct berth_err *err)
{
	char dir[1024];

	task_run_dir(r, id, dir, sizeof(dir));
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if ((size_t)snprintf(sa->sun_path, sizeof(sa->sun_path), "%s/monitor.sock", dir) >=
	    sizeof(sa->sun_path))
		return berth_err_set(err, ENAMETOOLONG, "monitor socket path under %s", dir);
	return 0;
}

int monitor_connect(struct runner *r, const char *task_id, int *conn_fd, struct berth_err *err)
{
	struct sockaddr_un sa;
	cleanup_close int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return berth_err_errno(err, "socket");
	if (sock_addr(r, task_id, &sa, err) < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return berth_err_errno(err, "connect to %s", sa.sun_path);
	*conn_fd = steal_fd(&fd);
	return 0;
}

int monitor_alive(struct runner *r, const char *task_id)
{
	char dir[1024], path[1100];
	cleanup_close int fd = -1;

	task_run_dir(r, task_id, dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/monitor.lock", dir);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0)
		return errno == EWOULDBLOCK ? 1 : 0;
	return 0;
}

/* Move fd above the range the child uses, keeping it O_CLOEXEC here. */
static int high_fd(int fd)
{
	int h = fcntl(fd, F_DUPFD_CLOEXEC, 10);
	close(fd);
	return h;
}

static int spawn_monitor(struct runner *r, const char *dir, int lock_fd, int listen_fd,
			 struct berth_err *err)
{
	posix_spawn_file_actions_t fa;
	char *argv[] = { r->d->cfg.monitor_path, (char *)dir, NULL };
	char *envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
	pid_t pid;
	int rc, status;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, lock_fd, MONITOR_LOCK_FD);
	posix_spawn_file_actions_adddup2(&fa, listen_fd, MONITOR_LISTEN_FD);
	posix_spawn_file_actions_addclosefrom_np(&fa, MONITOR_LISTEN_FD + 1);
	rc = posix_spawn(&pid, r->d->cfg.monitor_path, &fa, NULL, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0)
		return berth_err_set(err, rc, "spawn %s", r->d->cfg.monitor_path);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return berth_err_set(err, 0, "%s exited with status %d", r->d->cfg.monitor_path, status);
	return 0;
}

int monitor_launch(struct runner *r, const char *task_id, const cJSON *spec, int *conn_fd,
		   struct berth_err *err)
{
	char dir[1024], path[1100];
	struct sockaddr_un sa;
	cleanup_close int lock_fd = -1;
	cleanup_close int listen_fd = -1;

	task_run_dir(r, task_id, dir, sizeof(dir));
	if (fs_mkdir_p(dir, 0700, err) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/spec.json", dir);
	if (json_write_file_atomic(path, spec, err) < 0)
		return -1;
	task_state_dir(r, task_id, path, sizeof(path));
	if (fs_mkdir_p(path, 0700, err) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/monitor.lock", dir);
	lock_fd = high_fd(open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600));
	if (lock_fd < 0 || flock(lock_fd, LOCK_EX | LOCK_NB) < 0)
		return berth_err_errno(err, "lock %s", path);
	if (sock_addr(r, task_id, &sa, err) < 0)
		return -1;
	unlink(sa.sun_path);
	listen_fd = high_fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
	if (listen_fd < 0 || bind(listen_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(listen_fd, 8) < 0)
		return berth_err_errno(err, "listen on %s", sa.sun_path);
	if (spawn_monitor(r, dir, lock_fd, listen_fd, err) < 0)
		return -1;
	return monitor_connect(r, task_id, conn_fd, err);
}
