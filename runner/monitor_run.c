/* monitor_run.c: starting and stopping the task's containers, inside the
 * monitor.  Start: network namespace, task cgroup, then each container
 * in definition order through isolation/container.h.  Stop: the stop
 * signal to every running container, SIGKILL at its stopTimeout, and,
 * once all have exited, every resource given back in reverse order. */
#include "monitor_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "isolation/userns.h"
#include "common/fs.h"
#include "common/ids.h"
#include "common/log.h"
#include "isolation/cgroup.h"
#include "isolation/container.h"
#include "isolation/storage.h"
#include "monitor_run.h"
#include "net/netns.h"

static int64_t now_ms(void)
{
	return time_now_ms();
}

static void runtime_id(struct monitor *m, struct mon_container *c)
{
	unsigned long h = 5381;
	for (const char *p = c->name; *p; p++)
		h = h * 33 + (unsigned char)*p;
	snprintf(c->runtime_id, sizeof(c->runtime_id), "%s-%010lu", m->task_id, h % 10000000000UL);
}


struct attach_ctx {
	struct monitor *m;
	struct mon_container *c;
};

static int attach_cb(void *arg, pid_t pid, struct berth_err *err)
{
	struct attach_ctx *a = arg;
	return cgroup_container_attach(a->m->cgroups, a->m->task_id, a->c->name, pid, err);
}

static int watch_fd(struct monitor *m, int fd, uint32_t kind, uint32_t idx)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = ((uint64_t)kind << 32) | idx };
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	return epoll_ctl(m->epfd, EPOLL_CTL_ADD, fd, &ev);
}

/* The container's stdout and stderr.  A container shipped to awslogs
 * writes both into one pipe: CloudWatch events do not say which stream
 * a line came from, and one pipe keeps the lines in the order they were
 * written.  Otherwise each has its own. */
static int open_output_pipes(struct mon_container *c, int *out_w, int *err_w)
{
	int out_p[2], err_p[2];

	if (pipe2(out_p, O_CLOEXEC) < 0)
		return -1;
	c->out_fd = out_p[0], *out_w = out_p[1];
	if (c->log_config) {
		*err_w = fcntl(out_p[1], F_DUPFD_CLOEXEC, 0);
		return *err_w < 0 ? -1 : 0;
	}
	if (pipe2(err_p, O_CLOEXEC) < 0)
		return -1;
	c->err_fd = err_p[0], *err_w = err_p[1];
	return 0;
}

static int make_dirs(struct monitor *m, struct mon_container *c, char **upper, char **work,
		     char **rootfs, struct berth_err *err)
{
	const char *base = m->storage_path[0] ? m->storage_path : m->state_dir;

	/* Writable layers live on the task's ephemeral storage. */
	if (asprintf(upper, "%s/containers/%s/upper", base, c->name) < 0 ||
	    asprintf(work, "%s/containers/%s/work", base, c->name) < 0 ||
	    asprintf(rootfs, "%s/containers/%s/rootfs", m->run_dir, c->name) < 0)
		return berth_err_set(err, ENOMEM, "container paths");
	if (fs_mkdir_p(*upper, 0755, err) < 0 || fs_mkdir_p(*work, 0700, err) < 0 ||
	    fs_mkdir_p(*rootfs, 0755, err) < 0)
		return -1;
	/* The root directory of the container is its root's. */
	if (m->userns_slot >= 0) {
		uid_t id = userns_host_base((unsigned)m->userns_slot);
		if (chown(*upper, id, (gid_t)id) < 0)
			return berth_err_errno(err, "chown %s", *upper);
	}
	return 0;
}

static int start_container(struct monitor *m, size_t idx, struct berth_err *err)
{
	struct mon_container *c = &m->ctrs[idx];
	cleanup_free char *upper = NULL, *work = NULL, *rootfs = NULL;
	cleanup_free char *hosts = NULL, *hostname = NULL, *resolv = NULL;
	cleanup_close int out_w = -1, err_w = -1, cg_fd = -1;
	struct attach_ctx actx = { m, c };
	struct container_proc proc;
	struct cgroup_container_limits lim = { c->cpu, c->memory, c->memory_reservation };

	if (make_dirs(m, c, &upper, &work, &rootfs, err) < 0)
		return -1;
	if (asprintf(&hosts, "%s/etc/hosts", m->run_dir) < 0 ||
	    asprintf(&hostname, "%s/etc/hostname", m->run_dir) < 0 ||
	    asprintf(&resolv, "%s/etc/resolv.conf", m->run_dir) < 0)
		return berth_err_set(err, ENOMEM, "etc paths");
	if (open_output_pipes(c, &out_w, &err_w) < 0)
		return berth_err_errno(err, "create output pipes");
	if (m->cgroups) {
		if (cgroup_container_create(m->cgroups, m->task_id, c->name, &lim, err) < 0)
			return -1;
		cg_fd = cgroup_container_open_fd(m->cgroups, m->task_id, c->name);
	}
	struct container_spec spec = {
		.task_id = m->task_id,
		.name = c->name,
		.argv = c->argv,
		.envp = c->env,
		.cwd = c->cwd,
		.user = c->user,
		.hostname = m->hostname,
		.lower_dirs = (const char *const *)c->layers,
		.n_lower_dirs = c->n_layers,
		.upper_dir = upper,
		.work_dir = work,
		.rootfs_dir = rootfs,
		.readonly_rootfs = c->readonly_rootfs,
		.etc_hosts = hosts,
		.etc_hostname = hostname,
		.etc_resolv_conf = resolv,
		.netns_fd = m->netns_fd,
		.pidns_fd = m->pidns.holder > 0 ? m->pidns.ns_fd : -1,
		.userns_fd = m->userns_fd,
		.stdin_fd = -1,
		.stdout_fd = out_w,
		.stderr_fd = err_w,
		.cap_add = (const char *const *)c->cap_add,
		.n_cap_add = berth_strv_len(c->cap_add),
		.cap_drop = (const char *const *)c->cap_drop,
		.n_cap_drop = berth_strv_len(c->cap_drop),
		.rlimits = c->rlimits,
		.n_rlimits = c->n_rlimits,
		.sysctls = (const char *const *)c->sysctls,
		.n_sysctls = berth_strv_len(c->sysctls),
		.init_process = c->init_process,
		.cgroup_fd = cg_fd,
		.attach = m->cgroups ? attach_cb : NULL,
		.attach_arg = &actx,
	};
	if (container_spawn(&spec, &proc, err) < 0)
		return -1;
	c->pid = proc.pid;
	c->pidfd = proc.pidfd;
	c->state = CTR_RUNNING;
	runtime_id(m, c);
	watch_fd(m, c->out_fd, MON_EV_STDOUT, (uint32_t)idx);
	if (c->err_fd >= 0)
		watch_fd(m, c->err_fd, MON_EV_STDERR, (uint32_t)idx);
	log_info("task %s: container %s started as pid %d", m->task_id, c->name, (int)c->pid);
	return 0;
}

static int write_etc_files(struct monitor *m, struct berth_err *err)
{
	cleanup_free char *dir = NULL, *p = NULL, *text = NULL, *resolv = NULL;
	size_t len = 0;

	if (asprintf(&dir, "%s/etc", m->run_dir) < 0 || fs_mkdir_p(dir, 0755, err) < 0)
		return -1;
	if (asprintf(&p, "%s/hostname", dir) < 0 || asprintf(&text, "%s\n", m->hostname) < 0 ||
	    fs_write_file_atomic(p, text, strlen(text), 0644, err) < 0)
		return -1;
	free(p), free(text);
	p = text = NULL;
	if (asprintf(&p, "%s/hosts", dir) < 0 ||
	    asprintf(&text, "127.0.0.1 localhost localhost.localdomain\n::1 localhost ip6-localhost\n"
			    "127.0.0.1 %s\n", m->hostname) < 0 ||
	    fs_write_file_atomic(p, text, strlen(text), 0644, err) < 0)
		return -1;
	free(p);
	p = NULL;
	if (fs_read_file("/etc/resolv.conf", 1 << 16, &resolv, &len, err) < 0) {
		resolv = strdup("");
		len = 0;
	}
	if (asprintf(&p, "%s/resolv.conf", dir) < 0 ||
	    fs_write_file_atomic(p, resolv, len, 0644, err) < 0)
		return -1;
	return 0;
}

static void userns_dir(const struct monitor *m, char *buf, size_t len)
{
	snprintf(buf, len, "%s/userns", m->logs_root);
}

/* A uid range of its own for the task, and the namespace that maps it. */
static int make_userns(struct monitor *m, struct berth_err *err)
{
	char dir[1024];
	unsigned slot;

	userns_dir(m, dir, sizeof(dir));
	if (userns_slot_acquire(dir, m->task_id, &slot, err) < 0)
		return -1;
	m->userns_slot = (int)slot;
	if (userns_create(slot, &m->userns_fd, err) < 0)
		return -1;
	log_info("task %s: user namespace, host uids %u-%u", m->task_id,
		 (unsigned)userns_host_base(slot), (unsigned)userns_host_base(slot) + USERNS_SIZE - 1);
	return 0;
}

/* Provision the task: namespace, cgroup, /etc files.  On failure the
 * reason is already prefixed for the user. */
static int provision(struct monitor *m, struct berth_err *err)
{
	struct cgroup_task_limits lim = { m->cpu, m->memory, m->pids_max };

	if (m->userns && make_userns(m, err) < 0)
		return berth_err_wrap(err, "ResourceInitializationError: user namespace");
	if (netns_create(m->task_id, m->userns_fd, &m->netns_fd, err) < 0)
		return berth_err_wrap(err, "ResourceInitializationError: create network namespace");
	m->connectivity_at = mon_now();
	m->cgroups = cgroup_probe(m->cgroup_parent, err);
	if (m->cgroups == NULL)
		return berth_err_wrap(err, "ResourceInitializationError: probe cgroups");
	if (cgroup_task_create(m->cgroups, m->task_id, &lim, err) < 0)
		return berth_err_wrap(err, "ResourceInitializationError: create task cgroup");
	m->task_cgroup = true;
	if (m->storage_state_dir && m->storage_mount_root) {
		m->storage = storage_probe(m->storage_state_dir, m->storage_mount_root, err);
		if (m->storage == NULL)
			return berth_err_wrap(err, "ResourceInitializationError: ephemeral storage");
		storage_set_overcommit(m->storage, true);
		if (storage_create(m->storage, m->task_id,
				   m->ephemeral_gib ? m->ephemeral_gib : STORAGE_DEFAULT_GIB,
				   m->storage_path, sizeof(m->storage_path), err) < 0)
			return berth_err_wrap(err, "ResourceInitializationError: create ephemeral storage");
	}
	if (write_etc_files(m, err) < 0)
		return berth_err_wrap(err, "ResourceInitializationError: write /etc files");
	if (m->pid_mode_task && task_pidns_create(m->run_dir, &m->pidns, err) < 0)
		return berth_err_wrap(err, "ResourceInitializationError: pidMode task");
	for (size_t i = 0; i < m->n_ctrs; i++) {
		m->ctrs[i].sink = output_sink_open(m, &m->ctrs[i], err);
		if (m->ctrs[i].sink == NULL)
			return berth_err_wrap(err, "ResourceInitializationError: failed to initialize "
						   "logging driver for container %s",
					      m->ctrs[i].name);
	}
	return 0;
}

void monitor_start_task(struct monitor *m)
{
	struct berth_err err = { 0 };

	mon_set_status(m, "PENDING");
	if (provision(m, &err) < 0) {
		log_error("task %s: %s", m->task_id, err.msg);
		mon_request_stop(m, "TaskFailedToStart", err.msg);
		return;
	}
	mon_set_status(m, "ACTIVATING");
	for (size_t i = 0; i < m->n_ctrs && !m->stopping; i++) {
		if (start_container(m, i, &err) < 0) {
			char reason[1100];
			log_error("task %s: container %s: %s", m->task_id, m->ctrs[i].name, err.msg);
			snprintf(m->ctrs[i].reason, sizeof(m->ctrs[i].reason),
				 "CannotStartContainerError: %.990s", err.msg);
			m->ctrs[i].state = CTR_STOPPED;
			snprintf(reason, sizeof(reason), "CannotStartContainerError: %s", err.msg);
			mon_request_stop(m, "TaskFailedToStart", reason);
			return;
		}
	}
	if (!m->stopping) {
		m->started_at = mon_now();
		mon_set_status(m, "RUNNING");
	}
}

static void arm_timer(struct monitor *m)
{
	int64_t next = 0, now = now_ms();
	struct itimerspec its = { 0 };

	for (size_t i = 0; i < m->n_ctrs; i++) {
		struct mon_container *c = &m->ctrs[i];
		if (c->state == CTR_RUNNING && c->kill_at_ms && !c->killed &&
		    (next == 0 || c->kill_at_ms < next))
			next = c->kill_at_ms;
	}
	if (next) {
		int64_t d = next > now ? next - now : 1;
		its.it_value.tv_sec = d / 1000;
		its.it_value.tv_nsec = (d % 1000) * 1000000;
	}
	timerfd_settime(m->timer_fd, 0, &its, NULL);
}

static void signal_container(struct mon_container *c, int sig)
{
	if (c->pidfd >= 0 && syscall(SYS_pidfd_send_signal, c->pidfd, sig, NULL, 0) == 0)
		return;
	if (c->pid > 0)
		kill(c->pid, sig);
}

void monitor_on_timer(struct monitor *m)
{
	uint64_t ticks;
	int64_t now = now_ms();

	if (read(m->timer_fd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
		log_warn("task %s: read timer: %s", m->task_id, strerror(errno));
	for (size_t i = 0; i < m->n_ctrs; i++) {
		struct mon_container *c = &m->ctrs[i];
		if (c->state == CTR_RUNNING && c->kill_at_ms && !c->killed && c->kill_at_ms <= now) {
			log_info("task %s: container %s did not stop in %d s, killing", m->task_id,
				 c->name, c->stop_timeout_s);
			signal_container(c, SIGKILL);
			c->killed = true;
		}
	}
	arm_timer(m);
}

static bool all_stopped(const struct monitor *m)
{
	for (size_t i = 0; i < m->n_ctrs; i++)
		if (m->ctrs[i].state == CTR_RUNNING)
			return false;
	return true;
}

void mon_request_stop(struct monitor *m, const char *stop_code, const char *reason)
{
	int64_t now = now_ms();

	if (m->stopping)
		return;
	m->stopping = true;
	snprintf(m->desired_status, sizeof(m->desired_status), "STOPPED");
	snprintf(m->stop_code, sizeof(m->stop_code), "%s", stop_code);
	snprintf(m->stopped_reason, sizeof(m->stopped_reason), "%s", reason);
	m->stopping_at = mon_now();
	mon_set_status(m, "DEACTIVATING");
	mon_set_status(m, "STOPPING");
	for (size_t i = 0; i < m->n_ctrs; i++) {
		struct mon_container *c = &m->ctrs[i];
		if (c->state != CTR_RUNNING)
			continue;
		signal_container(c, c->stop_signal);
		c->kill_at_ms = now + (int64_t)c->stop_timeout_s * 1000;
	}
	arm_timer(m);
	if (all_stopped(m))
		monitor_finish(m);
}

static void drain(struct monitor *m, struct mon_container *c, int *fd, int stream)
{
	char buf[65536];

	while (*fd >= 0) {
		ssize_t n = read(*fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			epoll_ctl(m->epfd, EPOLL_CTL_DEL, *fd, NULL);
			close(*fd);
			*fd = -1;
			return;
		}
		output_sink_write(c->sink, stream, buf, (size_t)n);
	}
}

/* Take the container's pipes out of epoll (or back) while its sink is
 * stalled: the container then blocks on a full pipe. */
static void pause_output(struct monitor *m, size_t idx, bool pause)
{
	struct mon_container *c = &m->ctrs[idx];
	int fds[2] = { c->out_fd, c->err_fd };
	enum mon_event kinds[2] = { MON_EV_STDOUT, MON_EV_STDERR };

	for (int i = 0; i < 2; i++) {
		struct epoll_event ev = { .events = pause ? 0 : EPOLLIN,
					  .data.u64 = ((uint64_t)kinds[i] << 32) | idx };
		if (fds[i] >= 0)
			epoll_ctl(m->epfd, EPOLL_CTL_MOD, fds[i], &ev);
	}
	c->output_paused = pause;
}

void monitor_output_tick(struct monitor *m)
{
	for (size_t i = 0; i < m->n_ctrs; i++) {
		struct mon_container *c = &m->ctrs[i];
		if (c->sink == NULL)
			continue;
		output_sink_tick(c->sink);
		if (c->output_paused && !output_sink_stalled(c->sink))
			pause_output(m, i, false);
	}
}

void monitor_on_output(struct monitor *m, size_t idx, int stream)
{
	struct mon_container *c = &m->ctrs[idx];
	char buf[65536];
	int *fd = stream == 0 ? &c->out_fd : &c->err_fd;
	ssize_t n;

	if (*fd < 0)
		return;
	/* One read per wakeup keeps containers fair to each other. */
	n = read(*fd, buf, sizeof(buf));
	if (n > 0) {
		output_sink_write(c->sink, stream, buf, (size_t)n);
		if (output_sink_stalled(c->sink))
			pause_output(m, idx, true);
		return;
	}
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	epoll_ctl(m->epfd, EPOLL_CTL_DEL, *fd, NULL);
	close(*fd);
	*fd = -1;
}

static void record_exit(struct monitor *m, struct mon_container *c, int status)
{
	uint64_t ooms = 0;
	struct berth_err err = { 0 };

	c->state = CTR_STOPPED;
	c->has_exit = true;
	c->exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	if (c->pidfd >= 0)
		close(c->pidfd);
	c->pidfd = -1;
	if (m->cgroups && c->exit_code == 137 &&
	    cgroup_container_oom_kills(m->cgroups, m->task_id, c->name, &ooms, &err) == 0 && ooms > 0)
		snprintf(c->reason, sizeof(c->reason),
			 "OutOfMemoryError: Container killed due to memory usage");
	log_info("task %s: container %s exited with %d", m->task_id, c->name, c->exit_code);
}

void monitor_on_sigchld(struct monitor *m)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (pid == m->pidns.holder)
			m->pidns.holder = 0; /* reaped: nothing left to kill */
		for (size_t i = 0; i < m->n_ctrs; i++) {
			struct mon_container *c = &m->ctrs[i];
			if (c->pid != pid || c->state != CTR_RUNNING)
				continue;
			record_exit(m, c, status);
			drain(m, c, &c->out_fd, 0);
			drain(m, c, &c->err_fd, 1);
			if (c->essential && !m->stopping)
				mon_request_stop(m, "EssentialContainerExited",
						 "Essential container in task exited");
			else
				mon_publish(m);
		}
	}
	if (m->stopping && all_stopped(m) && !m->done)
		monitor_finish(m);
}

static void release_resources(struct monitor *m)
{
	struct berth_err err = { 0 };
	cleanup_free char *dir = NULL;

	for (size_t i = 0; i < m->n_ctrs; i++) {
		struct mon_container *c = &m->ctrs[i];
		cleanup_free char *upper = NULL;
		cleanup_free char *work = NULL;
		drain(m, c, &c->out_fd, 0);
		drain(m, c, &c->err_fd, 1);
		output_sink_close(c->sink);
		c->sink = NULL;
		if (asprintf(&upper, "%s/containers/%s/upper", m->state_dir, c->name) >= 0 &&
		    fs_rm_rf(upper, &err) < 0)
			log_warn("task %s: %s", m->task_id, err.msg);
		if (asprintf(&work, "%s/containers/%s/work", m->state_dir, c->name) >= 0 &&
		    fs_rm_rf(work, &err) < 0)
			log_warn("task %s: %s", m->task_id, err.msg);
	}
	if (m->storage && m->storage_path[0] && storage_destroy(m->storage, m->task_id, &err) < 0)
		log_warn("task %s: %s", m->task_id, err.msg);
	m->storage_path[0] = '\0';
	task_pidns_destroy(&m->pidns);
	if (m->cgroups && m->task_cgroup) {
		if (cgroup_task_kill_all(m->cgroups, m->task_id, &err) < 0 ||
		    cgroup_task_remove(m->cgroups, m->task_id, &err) < 0)
			log_warn("task %s: %s", m->task_id, err.msg);
	}
	if (m->netns_fd >= 0)
		close(m->netns_fd);
	m->netns_fd = -1;
	if (m->userns_fd >= 0)
		close(m->userns_fd);
	m->userns_fd = -1;
	/* The range goes back only now that nothing of the task runs. */
	if (m->userns_slot >= 0) {
		char dir[1024];
		userns_dir(m, dir, sizeof(dir));
		userns_slot_release(dir, (unsigned)m->userns_slot);
		m->userns_slot = -1;
	}
	if (asprintf(&dir, "%s/containers", m->run_dir) >= 0 && fs_rm_rf(dir, &err) < 0)
		log_warn("task %s: %s", m->task_id, err.msg);
}

void monitor_finish(struct monitor *m)
{
	if (m->done)
		return;
	m->execution_stopped_at = mon_now();
	mon_set_status(m, "DEPROVISIONING");
	release_resources(m);
	m->stopped_at = mon_now();
	m->done = true;
	mon_set_status(m, "STOPPED");
}
