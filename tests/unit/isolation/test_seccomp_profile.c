/* test_seccomp_profile.c: the compiled filter, loaded in a forked child,
 * answers each call as Docker's default profile would: allowed calls
 * reach the kernel, refused ones get EPERM, clone3 ENOSYS, clone with a
 * namespace flag EPERM, personality only the allowed personas, socket
 * every family but AF_VSOCK; SYS_PTRACE in the set opens ptrace. */
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "isolation/seccomp_profile.h"

#define FARGATE_CAPS                                                                          \
	((1ULL << CAP_CHOWN) | (1ULL << CAP_DAC_OVERRIDE) | (1ULL << CAP_FOWNER) |             \
	 (1ULL << CAP_FSETID) | (1ULL << CAP_KILL) | (1ULL << CAP_SETGID) | (1ULL << CAP_SETUID) | \
	 (1ULL << CAP_SETPCAP) | (1ULL << CAP_NET_BIND_SERVICE) | (1ULL << CAP_NET_RAW) |        \
	 (1ULL << CAP_SYS_CHROOT) | (1ULL << CAP_MKNOD) | (1ULL << CAP_AUDIT_WRITE) |            \
	 (1ULL << CAP_SETFCAP))

/* Each check returns the errno the call ended with (0 = success). */
static int e_of(long rc)
{
	return rc < 0 ? errno : 0;
}

static int try_keyctl(void) { return e_of(syscall(SYS_keyctl, 0, -3, 0)); }
static int try_clone3(void) { return e_of(syscall(SYS_clone3, NULL, 0)); }
static int try_unshare(void) { return e_of(unshare(CLONE_NEWNS)); }
static int try_mount(void) { return e_of(syscall(SYS_mount, "none", "/nonexistent", "tmpfs", 0, NULL)); }
static int try_personality_bad(void) { return e_of(personality(READ_IMPLIES_EXEC)); }
static int try_personality_query(void) { return e_of(personality(0xffffffff)); }
static int try_vsock(void) { return e_of(socket(40, SOCK_STREAM, 0)); }
static int try_unix(void)
{
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd >= 0)
		close(fd);
	return fd < 0 ? errno : 0;
}
static int try_getpid(void) { return e_of(syscall(SYS_getpid)); }
static int try_ptrace_peek(void) { return e_of(ptrace(PTRACE_PEEKUSER, getppid(), 0, 0)); }
static int try_bpf(void) { return e_of(syscall(SYS_bpf, 0, NULL, 0)); }

static int try_clone_newns(void)
{
	long pid = syscall(SYS_clone, CLONE_NEWNS | SIGCHLD, 0, 0, 0, 0);
	if (pid == 0)
		_exit(0);
	if (pid > 0)
		waitpid((pid_t)pid, NULL, 0);
	return pid < 0 ? errno : 0;
}

static int try_fork(void)
{
	long pid = syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
	if (pid == 0)
		_exit(0);
	if (pid > 0)
		waitpid((pid_t)pid, NULL, 0);
	return pid < 0 ? errno : 0;
}

/* Run `fn` in a child under the filter for `caps`; return its errno. */
static int under_filter(uint64_t caps, int (*fn)(void))
{
	struct seccomp_program prog;
	struct berth_err err = { 0 };
	int pipefd[2], status, result = -1;
	pid_t pid;

	assert_int_equal(seccomp_program_build(caps, &prog, &err), 0);
	assert_true(prog.len > 0);
	assert_int_equal(pipe(pipefd), 0);
	pid = fork();
	if (pid == 0) {
		struct sock_fprog fp = { .len = (unsigned short)prog.len, .filter = prog.filter };
		int e;
		close(pipefd[0]);
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
		    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fp, 0, 0) < 0)
			_exit(99);
		e = fn();
		if (write(pipefd[1], &e, sizeof(e)) != sizeof(e))
			_exit(98);
		_exit(0);
	}
	close(pipefd[1]);
	assert_int_equal(read(pipefd[0], &result, sizeof(result)), sizeof(result));
	close(pipefd[0]);
	waitpid(pid, &status, 0);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	seccomp_program_free(&prog);
	return result;
}

static void test_refused_calls(void **state)
{
	(void)state;
	assert_int_equal(under_filter(FARGATE_CAPS, try_keyctl), EPERM);
	assert_int_equal(under_filter(FARGATE_CAPS, try_unshare), EPERM);
	assert_int_equal(under_filter(FARGATE_CAPS, try_mount), EPERM);
	assert_int_equal(under_filter(FARGATE_CAPS, try_bpf), EPERM);
	assert_int_equal(under_filter(FARGATE_CAPS, try_clone_newns), EPERM);
	assert_int_equal(under_filter(FARGATE_CAPS, try_clone3), ENOSYS);
	assert_int_equal(under_filter(FARGATE_CAPS, try_personality_bad), EPERM);
	assert_int_equal(under_filter(FARGATE_CAPS, try_vsock), EPERM);
	assert_int_equal(under_filter(FARGATE_CAPS, try_ptrace_peek), EPERM);
}

static void test_allowed_calls(void **state)
{
	(void)state;
	assert_int_equal(under_filter(FARGATE_CAPS, try_getpid), 0);
	assert_int_equal(under_filter(FARGATE_CAPS, try_fork), 0);
	assert_int_equal(under_filter(FARGATE_CAPS, try_unix), 0);
	assert_int_equal(under_filter(FARGATE_CAPS, try_personality_query), 0);
}

static void test_sys_ptrace_opens_ptrace(void **state)
{
	(void)state;
	/* Reaches the kernel: not traced, so ESRCH rather than EPERM. */
	assert_int_equal(under_filter(FARGATE_CAPS | 1ULL << CAP_SYS_PTRACE, try_ptrace_peek), ESRCH);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refused_calls),
		cmocka_unit_test(test_allowed_calls),
		cmocka_unit_test(test_sys_ptrace_opens_ptrace),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
