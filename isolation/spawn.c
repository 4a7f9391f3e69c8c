/* spawn.c: container_spawn() (see container.h).
 *
 * The parent clones the child into new pid, mount, uts and ipc
 * namespaces, attaches it to its cgroup while it waits on the sync
 * pipe, then writes one byte to let it go and reads the pipe to EOF:
 * EOF alone means execve succeeded (the child's end is O_CLOEXEC), a
 * message means a phase failed.  The child's phases, most privileged
 * first: cgroup namespace, network namespace, sysctls, mounts,
 * pivot_root, hostname, rlimits, user namespace, bounding set, user,
 * no_new_privs, capabilities,
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

/* "net.ipv4.tcp_keepalive_time=600" -> /proc/sys/net/ipv4/tcp_keepalive_time.
 * The host's /proc still: its sysctl files answer for the writer's own
 * network and ipc namespaces, which are the container's by now. */
static int write_sysctls(const struct container_spec *s, struct berth_err *err)
{
	for (size_t i = 0; i < s->n_sysctls; i++) {
		const char *kv = s->sysctls[i], *eq = strchr(kv, '=');
		char path[320];
		size_t n = eq ? (size_t)(eq - kv) : 0;
		if (n == 0 || n > 256 || strstr(kv, "..") || memchr(kv, '/', n))
			return berth_err_set(err, EINVAL, "systemControls: bad entry %.64s", kv);
		if (strncmp(kv, "net.", 4) == 0 && s->netns_fd < 0)
			return berth_err_set(err, EPERM, "systemControls: %.*s needs the task's network "
					     "namespace", (int)n, kv);
		snprintf(path, sizeof(path), "/proc/sys/%.*s", (int)n, kv);
		for (char *p = path + 10; *p; p++)
			if (*p == '.')
				*p = '/';
		cleanup_close int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0 || write(fd, eq + 1, strlen(eq + 1)) < 0)
			return berth_err_errno(err, "systemControls: set %.*s", (int)n, kv);
	}
	return 0;
}

static int child_phases(const struct container_spec *s, const struct seccomp_program *prog,
			int sync_fd, struct berth_err *err)
{
	char exe[4096], cgroups[4096];
	char go;

	/* Until execve (which resets it) nothing else in the container's
	 * pid namespace may open our /proc/PID/exe (the monitor's binary),
	 * fds or memory: the CVE-2019-5736 class. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return berth_err_errno(err, "make the child non-dumpable");
	if (read(sync_fd, &go, 1) != 1)
		return berth_err_set(err, EPIPE, "wait for the parent");
	if (spawn_read_cgroups(cgroups, sizeof(cgroups), err) < 0)
		return -1;
	if (unshare(CLONE_NEWCGROUP) < 0)
		return berth_err_errno(err, "create cgroup namespace");
	if (s->netns_fd >= 0 && setns(s->netns_fd, CLONE_NEWNET) < 0)
		return berth_err_errno(err, "join the task network namespace");
	if (write_sysctls(s, err) < 0)
		return -1;
	if (spawn_setup_rootfs(s, cgroups, err) < 0 || spawn_pivot_root(s, err) < 0)
		return -1;
	if (s->hostname && sethostname(s->hostname, strlen(s->hostname)) < 0)
		return berth_err_errno(err, "set hostname %s", s->hostname);
	if (set_rlimits(s, err) < 0)
		return -1;
	if (s->userns_fd >= 0 && setns(s->userns_fd, CLONE_NEWUSER) < 0)
		return berth_err_errno(err, "join the task's user namespace");
	if (spawn_drop_bounding(s, err) < 0 || spawn_set_user(s, err) < 0)
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
	if (spawn_load_seccomp(prog, err) < 0)
		return -1;
	if (s->init_process)
		return spawn_exec_under_init(exe, s, sync_fd, err);
	execve(exe, s->argv, s->envp);
	return berth_err_errno(err, "exec %s", exe);
}

static __attribute__((noreturn)) void child_main(const struct container_spec *s,
						      const struct seccomp_program *prog, int sync_fd)
{
	struct berth_err err = { 0 };

	child_phases(s, prog, sync_fd, &err);
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

/* Clone in new namespaces; with a shared pid namespace, the clone goes
 * into it (setns on the pid namespace moves only our future children)
 * and we come back to our own right after. */
static pid_t clone_child(const struct container_spec *spec)
{
	unsigned long flags = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | SIGCHLD;
	cleanup_close int own = -1;
	pid_t pid;
	int saved;

	if (spec->pidns_fd < 0)
		return (pid_t)syscall(SYS_clone, flags | CLONE_NEWPID, NULL, NULL, NULL, NULL);
	own = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
	if (own < 0 || setns(spec->pidns_fd, CLONE_NEWPID) < 0)
		return -1;
	pid = (pid_t)syscall(SYS_clone, flags, NULL, NULL, NULL, NULL);
	if (pid == 0)
		return 0;
	saved = errno;
	if (setns(own, CLONE_NEWPID) < 0)
		abort(); /* every later child would land in the task's namespace */
	errno = saved;
	return pid;
}

int container_spawn(const struct container_spec *spec, struct container_proc *out,
		    struct berth_err *err)
{
	int sv[2];
	cleanup_close int parent_fd = -1;
	char msg[BERTH_ERR_MSG_MAX] = "";
	struct seccomp_program prog = { 0 };
	struct timespec ts;
	pid_t pid;

	if (!spec->no_seccomp && seccomp_program_build(spawn_task_caps(spec), &prog, err) < 0)
		return -1;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		seccomp_program_free(&prog);
		return berth_err_errno(err, "create sync socket");
	}
	parent_fd = sv[0];
	pid = clone_child(spec);
	if (pid == 0) {
		close(sv[0]);
		child_main(spec, &prog, sv[1]);
	}
	seccomp_program_free(&prog);
	close(sv[1]);
	if (pid < 0)
		return berth_err_errno(err, "clone container %s", spec->name);
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
