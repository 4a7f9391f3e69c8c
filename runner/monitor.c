/* monitor.c: berth-monitor's entry point and event loop (see monitor.h).
 *
 * Start-up: detach from berthd (fork, setsid), log to monitor.log, read
 * the spec, start the task; then one epoll loop over the signalfd
 * (SIGCHLD, SIGTERM), the listening socket and berthd clients, the
 * containers' output pipes and the stop timer, until the task is STOPPED
 * and its resources are given back. */
#include "monitor.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "isolation/cgroup.h"
#include "isolation/storage.h"
#include "monitor_internal.h"
#include "monitor_run.h"

static int detach(const char *run_dir)
{
	cleanup_free char *log_path = NULL;
	pid_t pid = fork();
	int fd;

	if (pid < 0)
		return -1;
	if (pid > 0)
		_exit(0); /* berthd reaps this parent at once */
	setsid();
	if (asprintf(&log_path, "%s/monitor.log", run_dir) < 0)
		return -1;
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		dup2(fd, 0);
		close(fd);
	}
	fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd >= 0) {
		dup2(fd, 1);
		dup2(fd, 2);
		close(fd);
	}
	return 0;
}

static int setup_loop(struct monitor *m, struct berth_err *err)
{
	sigset_t mask;
	struct epoll_event ev = { .events = EPOLLIN };

	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		return berth_err_errno(err, "block signals");
	signal(SIGPIPE, SIG_IGN);
	m->sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	m->epfd = epoll_create1(EPOLL_CLOEXEC);
	m->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (m->sigfd < 0 || m->epfd < 0 || m->timer_fd < 0)
		return berth_err_errno(err, "create event loop");
	fcntl(m->listen_fd, F_SETFD, FD_CLOEXEC);
	fcntl(m->listen_fd, F_SETFL, fcntl(m->listen_fd, F_GETFL) | O_NONBLOCK);
	ev.data.u64 = (uint64_t)MON_EV_SIGNAL << 32;
	epoll_ctl(m->epfd, EPOLL_CTL_ADD, m->sigfd, &ev);
	ev.data.u64 = (uint64_t)MON_EV_LISTEN << 32;
	epoll_ctl(m->epfd, EPOLL_CTL_ADD, m->listen_fd, &ev);
	ev.data.u64 = (uint64_t)MON_EV_TIMER << 32;
	epoll_ctl(m->epfd, EPOLL_CTL_ADD, m->timer_fd, &ev);
	return 0;
}

static void on_signal(struct monitor *m)
{
	struct signalfd_siginfo si;

	while (read(m->sigfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGCHLD)
			monitor_on_sigchld(m);
		else
			mon_request_stop(m, "UserInitiated", "Task monitor was asked to stop");
	}
}

static void on_listen(struct monitor *m)
{
	int fd;

	while ((fd = accept4(m->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK)) >= 0)
		mon_client_add(m, fd);
}

static void dispatch(struct monitor *m, const struct epoll_event *ev)
{
	uint32_t kind = (uint32_t)(ev->data.u64 >> 32);
	uint32_t idx = (uint32_t)ev->data.u64;

	switch (kind) {
	case MON_EV_SIGNAL:
		on_signal(m);
		break;
	case MON_EV_LISTEN:
		on_listen(m);
		break;
	case MON_EV_CLIENT:
		if (mon_client_read(m, (int)idx) < 0 || (ev->events & (EPOLLHUP | EPOLLRDHUP)))
			mon_client_drop(m, (int)idx);
		break;
	case MON_EV_TIMER:
		monitor_on_timer(m);
		break;
	case MON_EV_STDOUT:
	case MON_EV_STDERR:
		monitor_on_output(m, idx, kind == MON_EV_STDOUT ? 0 : 1);
		break;
	}
}

static void run_loop(struct monitor *m)
{
	struct epoll_event evs[32];

	while (!m->done) {
		int n = epoll_wait(m->epfd, evs, 32, 1000);
		if (n < 0 && errno != EINTR) {
			log_error("task %s: epoll_wait: %s", m->task_id, strerror(errno));
			mon_request_stop(m, "TaskFailedToStart", "Task monitor failed");
			break;
		}
		for (int i = 0; i < n && !m->done; i++)
			dispatch(m, &evs[i]);
		monitor_output_tick(m);
	}
}

int monitor_main(int argc, char **argv)
{
	struct monitor m = { .netns_fd = -1, .pidns = { .ns_fd = -1 }, .userns_fd = -1, .userns_slot = -1, .listen_fd = MONITOR_LISTEN_FD };
	struct berth_err err = { 0 };
	char role[96];

	if (argc != 2) {
		fprintf(stderr, "usage: berth-monitor TASK_RUN_DIR (started by berthd)\n");
		return 2;
	}
	if (detach(argv[1]) < 0)
		return 1;
	for (int i = 0; i < MONITOR_MAX_CLIENTS; i++)
		m.clients[i] = -1;
	snprintf(m.desired_status, sizeof(m.desired_status), "RUNNING");
	snprintf(m.last_status, sizeof(m.last_status), "PENDING");
	if (monitor_load_spec(&m, argv[1], &err) < 0) {
		berth_log_init("monitor", BERTH_LOG_INFO);
		log_error("%s", err.msg);
		return 1;
	}
	snprintf(role, sizeof(role), "monitor %s", m.task_id);
	berth_log_init(role, BERTH_LOG_INFO);
	/* Orphaned processes of the task are ours to reap. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	if (setup_loop(&m, &err) < 0) {
		log_error("%s", err.msg);
		return 1;
	}
	monitor_start_task(&m);
	run_loop(&m);
	mon_publish(&m);
	for (int i = 0; i < MONITOR_MAX_CLIENTS; i++)
		if (m.clients[i] >= 0)
			shutdown(m.clients[i], SHUT_WR);
	cgroup_host_free(m.cgroups);
	storage_host_free(m.storage);
	monitor_free(&m);
	return 0;
}
