/* spawn.c: container_spawn() (see container.h).
 *
 * The parent clones the child into new pid, mount, uts and ipc
 * namespaces, attaches it to its cgroup while it waits on the sync
 * pipe, then writes one byte to let it go and reads the pipe to EOF:
 * EOF alone means execve succeeded (the child's end is O_CLOEXEC), a
 * message means a phase failed.  The child's phases, most privileged
 * first: cgroup namespace, network namespace, mounts, pivot_root,
 * hostname, rlimits, bounding set, user, no_new_privs, capabilities,
 * working directory, standard streams, signals, descriptors, seccomp,
 * execve. */
#include "spawn_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

static const char default_path[] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

static int set_rlimits(const struct container_spec *s, struct berth_err *err)
{
	bool nofile = false;
	struct rlimit rl = { 65535, 65535 };

	for (size_t i = 0; i < s->n_rlimits; i++) {
		struct rlimit r = { s->rlimits[i].soft, s->rlimits[i].hard };
		nofile |= s->rlimits[i].resource == RLIMIT_NOFILE;
		if (setrlimit(s->rlimits[i].resource, &r) < 0)
			return berth_err_errno(err, "set rlimit %d", s->rlimits[i].resource);
	}
	/* Fargate's default 65535; a host without CAP_SYS_RESOURCE (some
	 * sandboxes) cannot raise its hard limit, so it gives what it has. */
	if (!nofile && setrlimit(RLIMIT_NOFILE, &rl) < 0) {
		if (errno != EPERM || getrlimit(RLIMIT_NOFILE, &rl) < 0 || (rl.rlim_cur = rl.rlim_max, 0) ||
		    setrlimit(RLIMIT_NOFILE, &rl) < 0)
			return berth_err_errno(err, "set rlimit nofile");
	}
	return 0;
}

static int setup_stdio(const struct container_spec *s, struct berth_err *err)
{
	int in = s->stdin_fd >= 0 ? s->stdin_fd : open("/dev/null", O_RDONLY);

	if (in < 0)
		return berth_err_errno(err, "open /dev/null");
	if (dup2(in, 0) < 0 || dup2(s->stdout_fd, 1) < 0 || dup2(s->stderr_fd, 2) < 0)
		return berth_err_errno(err, "set up standard streams");
	return 0;
}

static void reset_signals(void)
{
	sigset_t none;
	struct sigaction dfl = { .sa_handler = SIG_DFL };

	for (int sig = 1; sig < NSIG; sig++)
		sigaction(sig, &dfl, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

static const char *env_path(char *const *envp)
{
	for (; envp && *envp; envp++)
		if (strncmp(*envp, "PATH=", 5) == 0)
			return *envp + 5;
	return default_path;
}

/* argv[0] resolved in the new root's PATH (execvpe would use ours). */
static int resolve_exec(const struct container_spec *s, char *out, size_t len, struct berth_err *err)
{
	const char *prog = s->argv[0];
	cleanup_free char *path = NULL;

	if (strchr(prog, '/')) {
		snprintf(out, len, "%s", prog);
		return 0;
	}
	path = strdup(env_path(s->envp));
	for (char *save = NULL, *dir = strtok_r(path, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		struct stat st;
		snprintf(out, len, "%s/%s", dir, prog);
		if (stat(out, &st) == 0 && S_ISREG(st.st_mode) && access(out, X_OK) == 0)
			return 0;
	}
	return berth_err_set(err, ENOENT, "exec %s: executable file not found in $PATH", prog);
}

static int child_phases(const struct container_spec *s, int sync_fd, struct berth_err *err)
{
	char exe[4096];
	char go;

	if (read(sync_fd, &go, 1) != 1)
		return berth_err_set(err, EPIPE, "wait for the parent");
	if (unshare(CLONE_NEWCGROUP) < 0)
		return berth_err_errno(err, "create cgroup namespace");
	if (s->netns_fd >= 0 && setns(s->netns_fd, CLONE_NEWNET) < 0)
		return berth_err_errno(err, "join the task network namespace");
	if (spawn_setup_rootfs(s, err) < 0 || spawn_pivot_root(s, err) < 0)
		return -1;
	if (s->hostname && sethostname(s->hostname, strlen(s->hostname)) < 0)
		return berth_err_errno(err, "set hostname %s", s->hostname);
	if (set_rlimits(s, err) < 0 || spawn_drop_bounding(s, err) < 0 || spawn_set_user(s, err) < 0)
		return -1;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return berth_err_errno(err, "set no_new_privs");
	if (spawn_set_caps(s, err) < 0)
		return -1;
	if (chdir(s->cwd ? s->cwd : "/") < 0)
		return berth_err_errno(err, "chdir to %s", s->cwd ? s->cwd : "/");
	if (resolve_exec(s, exe, sizeof(exe), err) < 0 || setup_stdio(s, err) < 0)
		return -1;
	reset_signals();
	if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
		return berth_err_errno(err, "mark descriptors close-on-exec");
	if (spawn_load_seccomp(s, err) < 0)
		return -1;
	execve(exe, s->argv, s->envp);
	return berth_err_errno(err, "exec %s", exe);
}

static __attribute__((noreturn)) void child_main(const struct container_spec *s, int sync_fd)
{
	struct berth_err err = { 0 };

	child_phases(s, sync_fd, &err);
	if (write(sync_fd, err.msg, strnlen(err.msg, sizeof(err.msg))) < 0)
		_exit(126);
	_exit(127);
}

static int read_result(int fd, char *buf, size_t len)
{
	size_t n = 0;
	for (;;) {
		ssize_t r = read(fd, buf + n, len - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
		if (n == len - 1)
			break;
	}
	buf[n] = '\0';
	return (int)n;
}

int container_spawn(const struct container_spec *spec, struct container_proc *out,
		    struct berth_err *err)
{
	int sv[2];
	cleanup_close int parent_fd = -1;
	char msg[BERTH_ERR_MSG_MAX] = "";
	struct timespec ts;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return berth_err_errno(err, "create sync socket");
	parent_fd = sv[0];
	pid = (pid_t)syscall(SYS_clone, CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | SIGCHLD,
			     NULL, NULL, NULL, NULL);
	if (pid < 0) {
		close(sv[1]);
		return berth_err_errno(err, "clone container %s", spec->name);
	}
	if (pid == 0) {
		close(sv[0]);
		child_main(spec, sv[1]);
	}
	close(sv[1]);
	if (spec->attach && spec->attach(spec->attach_arg, pid, err) < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return berth_err_wrap(err, "attach container %s to its cgroup", spec->name);
	}
	if (write(parent_fd, "g", 1) != 1 || read_result(parent_fd, msg, sizeof(msg)) > 0) {
		waitpid(pid, NULL, 0);
		return berth_err_set(err, 0, "%s", msg[0] ? msg : "container exited during start");
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	out->pid = pid;
	out->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	out->exec_ns = (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
	return 0;
}
