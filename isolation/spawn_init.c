/* spawn_init.c: linuxParameters.initProcessEnabled, the container's
 * tiny init.  The child, fully set up (root, user, capabilities,
 * seccomp), forks once more: the fork execs the container's program,
 * and the child stays behind as its PID 1.  It forwards every signal it
 * gets to the program, reaps every zombie (orphans of the container are
 * reparented to it), and exits as the program exited (128 + signal when
 * the program was killed), like tini.  It never execs, so it stays
 * non-dumpable: nothing in the container can open its /proc/1/exe, the
 * monitor's binary. */
#include "spawn_internal.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static __attribute__((noreturn)) void exit_like(int status)
{
	if (WIFEXITED(status))
		_exit(WEXITSTATUS(status));
	_exit(128 + WTERMSIG(status));
}

/* Reap every child that has exited; exit once `main_pid` has. */
static void reap(pid_t main_pid)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		if (pid == main_pid)
			exit_like(status);
	if (pid < 0 && errno == ECHILD)
		_exit(127);
}

static __attribute__((noreturn)) void init_loop(pid_t main_pid, const sigset_t *all)
{
	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(all, &si);
		if (sig < 0)
			continue;
		if (sig == SIGCHLD)
			reap(main_pid);
		else
			kill(main_pid, sig);
	}
}

int spawn_exec_under_init(const char *exe, const struct container_spec *s, int sync_fd,
			  struct berth_err *err)
{
	sigset_t all, none;
	pid_t pid;

	/* Blocked before the fork so that no signal meant for the program
	 * takes the init's default action in between. */
	sigfillset(&all);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &all, NULL);
	pid = fork();
	if (pid < 0)
		return berth_err_errno(err, "fork the container's init");
	if (pid == 0) {
		sigprocmask(SIG_SETMASK, &none, NULL);
		execve(exe, s->argv, s->envp);
		return berth_err_errno(err, "exec %s", exe);
	}
	prctl(PR_SET_NAME, "berth-init", 0, 0, 0);
	/* Not PID 1 (pidMode task): orphans still come to us. */
	if (getpid() != 1)
		prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	/* The program's end of the sync socket closes at its exec; ours now,
	 * so that the monitor sees EOF (success) or the program's error. */
	close(sync_fd);
	init_loop(pid, &all);
}
