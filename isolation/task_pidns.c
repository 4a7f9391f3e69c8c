/* task_pidns.c: the shared PID namespace of a task with pidMode "task"
 * (see task_pidns.h).
 *
 * Its PID 1 is a holder process of berth's own, so that the namespace
 * outlives any one container (ECS keeps it in the task's pause
 * container).  The holder is fenced in like a container and tighter:
 * its own mount namespace whose root is an empty read-only tmpfs (a
 * container that may ptrace finds nothing of the host behind
 * /proc/1/root), no capabilities at all, no_new_privs, non-dumpable, and
 * it dies with the monitor.  It only reaps the orphans the kernel hands
 * it. */
#include "task_pidns.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int fence_in(const char *empty_dir)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct none[2] = { { 0 } };

	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("tmpfs", empty_dir, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=0,mode=555") < 0 ||
	    chdir(empty_dir) < 0 || syscall(SYS_pivot_root, ".", ".") < 0 || umount2(".", MNT_DETACH) < 0 ||
	    chdir("/") < 0 ||
	    mount(NULL, "/", NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		return -1;
	for (int c = 0; c <= 63; c++)
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
			return -1;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -1;
	return (int)syscall(SYS_capset, &hdr, none);
}

static __attribute__((noreturn)) void holder_main(const char *empty_dir, int ready_fd)
{
	sigset_t all;

	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	prctl(PR_SET_NAME, "berth-init", 0, 0, 0);
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	if (fence_in(empty_dir) < 0)
		_exit(1);
	/* Fenced in: the creator's read end sees EOF, never a byte. */
	if (write(ready_fd, "r", 1) != 1)
		_exit(1);
	syscall(SYS_close_range, 3U, ~0U, 0);
	for (;;) {
		siginfo_t si;
		if (sigwaitinfo(&all, &si) == SIGCHLD)
			while (waitpid(-1, NULL, WNOHANG) > 0)
				;
	}
}

int task_pidns_create(const char *empty_dir, struct task_pidns *out, struct berth_err *err)
{
	char path[64], c;
	int ready[2];
	pid_t pid;

	if (pipe2(ready, O_CLOEXEC) < 0)
		return berth_err_errno(err, "task pid namespace: pipe");
	pid = (pid_t)syscall(SYS_clone, CLONE_NEWPID | CLONE_NEWNS | SIGCHLD, NULL, NULL, NULL, NULL);
	if (pid == 0) {
		close(ready[0]);
		holder_main(empty_dir, ready[1]);
	}
	close(ready[1]);
	if (pid < 0) {
		close(ready[0]);
		return berth_err_errno(err, "create the task's pid namespace");
	}
	out->holder = pid;
	out->ns_fd = -1;
	/* A holder that could not fence itself in has exited: say so here,
	 * not as ENOMEM from the first clone into a dead namespace. */
	if (read(ready[0], &c, 1) != 1) {
		close(ready[0]);
		task_pidns_destroy(out);
		return berth_err_set(err, EPERM, "the task's pid namespace holder could not isolate itself");
	}
	close(ready[0]);
	snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)pid);
	out->ns_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (out->ns_fd < 0) {
		berth_err_errno(err, "open %s", path);
		task_pidns_destroy(out);
		return -1;
	}
	return 0;
}

void task_pidns_destroy(struct task_pidns *ns)
{
	if (ns->ns_fd >= 0)
		close(ns->ns_fd);
	ns->ns_fd = -1;
	if (ns->holder > 0) {
		kill(ns->holder, SIGKILL);
		waitpid(ns->holder, NULL, 0);
	}
	ns->holder = 0;
}
