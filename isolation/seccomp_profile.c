/* seccomp_profile.c: the container's seccomp filter, compiled once per
 * container in the monitor (before clone) into a classic BPF program
 * that the child loads with one prctl() just before execve.
 *
 * The rules are an allow-list equivalent to Docker's default profile:
 * everything not listed returns EPERM; clone is allowed only without
 * namespace flags, clone3 returns ENOSYS (so libcs fall back to clone,
 * whose flags a filter can inspect); personality only with the personas
 * Docker allows; socket with any family but AF_VSOCK.  Groups of calls
 * that Docker ties to a capability are allowed only when the container's
 * capability set holds it: on Fargate that means chroot (SYS_CHROOT) by
 * default, and ptrace, process_vm_* and kcmp when SYS_PTRACE is added.
 * x86_64, x86 and x32 are all filtered (a 32-bit int 0x80 cannot bypass
 * the native rules). */
#include "seccomp_profile.h"

#include <errno.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <seccomp.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const char *const allowed[] = {
	"accept", "accept4", "access", "adjtimex", "alarm", "bind", "brk", "capget", "capset",
	"chdir", "chmod", "chown", "chown32", "clock_adjtime", "clock_adjtime64",
	"clock_getres", "clock_getres_time64", "clock_gettime", "clock_gettime64",
	"clock_nanosleep", "clock_nanosleep_time64", "close", "close_range", "connect",
	"copy_file_range", "creat", "dup", "dup2", "dup3", "epoll_create", "epoll_create1",
	"epoll_ctl", "epoll_ctl_old", "epoll_pwait", "epoll_pwait2", "epoll_wait",
	"epoll_wait_old", "eventfd", "eventfd2", "execve", "execveat", "exit", "exit_group",
	"faccessat", "faccessat2", "fadvise64", "fadvise64_64", "fallocate", "fanotify_mark",
	"fchdir", "fchmod", "fchmodat", "fchmodat2", "fchown", "fchown32", "fchownat", "fcntl",
	"fcntl64", "fdatasync", "fgetxattr", "flistxattr", "flock", "fork", "fremovexattr",
	"fsetxattr", "fstat", "fstat64", "fstatat64", "fstatfs", "fstatfs64", "fsync",
	"ftruncate", "ftruncate64", "futex", "futex_time64", "futex_waitv", "futimesat",
	"getcpu", "getcwd", "getdents", "getdents64", "getegid", "getegid32", "geteuid",
	"geteuid32", "getgid", "getgid32", "getgroups", "getgroups32", "getitimer",
	"getpeername", "getpgid", "getpgrp", "getpid", "getppid", "getpriority", "getrandom",
	"getresgid", "getresgid32", "getresuid", "getresuid32", "getrlimit", "get_robust_list",
	"getrusage", "getsid", "getsockname", "getsockopt", "get_thread_area", "gettid",
	"gettimeofday", "getuid", "getuid32", "getxattr", "inotify_add_watch", "inotify_init",
	"inotify_init1", "inotify_rm_watch", "io_cancel", "ioctl", "io_destroy", "io_getevents",
	"io_pgetevents", "io_pgetevents_time64", "ioprio_get", "ioprio_set", "io_setup",
	"io_submit", "io_uring_enter", "io_uring_register", "io_uring_setup", "ipc", "kill",
	"landlock_add_rule", "landlock_create_ruleset", "landlock_restrict_self", "lchown",
	"lchown32", "lgetxattr", "link", "linkat", "listen", "listxattr", "llistxattr",
	"_llseek", "lremovexattr", "lseek", "lsetxattr", "lstat", "lstat64", "madvise",
	"membarrier", "memfd_create", "memfd_secret", "mincore", "mkdir", "mkdirat", "mknod",
	"mknodat", "mlock", "mlock2", "mlockall", "mmap", "mmap2", "mprotect", "mq_getsetattr",
	"mq_notify", "mq_open", "mq_timedreceive", "mq_timedreceive_time64", "mq_timedsend",
	"mq_timedsend_time64", "mq_unlink", "mremap", "msgctl", "msgget", "msgrcv", "msgsnd",
	"msync", "munlock", "munlockall", "munmap", "name_to_handle_at", "nanosleep",
	"newfstatat", "_newselect", "open", "openat", "openat2", "pause", "pidfd_open",
	"pidfd_send_signal", "pipe", "pipe2", "pkey_alloc", "pkey_free", "pkey_mprotect",
	"poll", "ppoll", "ppoll_time64", "prctl", "pread64", "preadv", "preadv2", "prlimit64",
	"process_mrelease", "pselect6", "pselect6_time64", "pwrite64", "pwritev", "pwritev2",
	"read", "readahead", "readlink", "readlinkat", "readv", "recv", "recvfrom", "recvmmsg",
	"recvmmsg_time64", "recvmsg", "remap_file_pages", "removexattr", "rename", "renameat",
	"renameat2", "restart_syscall", "rmdir", "rseq", "rt_sigaction", "rt_sigpending",
	"rt_sigprocmask", "rt_sigqueueinfo", "rt_sigreturn", "rt_sigsuspend",
	"rt_sigtimedwait", "rt_sigtimedwait_time64", "rt_tgsigqueueinfo", "sched_getaffinity",
	"sched_getattr", "sched_getparam", "sched_get_priority_max", "sched_get_priority_min",
	"sched_getscheduler", "sched_rr_get_interval", "sched_rr_get_interval_time64",
	"sched_setaffinity", "sched_setattr", "sched_setparam", "sched_setscheduler",
	"sched_yield", "seccomp", "select", "semctl", "semget", "semop", "semtimedop",
	"semtimedop_time64", "send", "sendfile", "sendfile64", "sendmmsg", "sendmsg", "sendto",
	"setfsgid", "setfsgid32", "setfsuid", "setfsuid32", "setgid", "setgid32", "setgroups",
	"setgroups32", "setitimer", "setpgid", "setpriority", "setregid", "setregid32",
	"setresgid", "setresgid32", "setresuid", "setresuid32", "setreuid", "setreuid32",
	"setrlimit", "set_robust_list", "setsid", "setsockopt", "set_thread_area",
	"set_tid_address", "setuid", "setuid32", "setxattr", "shmat", "shmctl", "shmdt",
	"shmget", "shutdown", "sigaltstack", "signalfd", "signalfd4", "sigprocmask",
	"sigreturn", "socketcall", "socketpair", "splice", "stat", "stat64", "statfs",
	"statfs64", "statx", "symlink", "symlinkat", "sync", "sync_file_range", "syncfs",
	"sysinfo", "tee", "tgkill", "time", "timer_create", "timer_delete", "timer_getoverrun",
	"timer_gettime", "timer_gettime64", "timer_settime", "timer_settime64",
	"timerfd_create", "timerfd_gettime", "timerfd_gettime64", "timerfd_settime",
	"timerfd_settime64", "times", "tkill", "truncate", "truncate64", "ugetrlimit", "umask",
	"uname", "unlink", "unlinkat", "utime", "utimensat", "utimensat_time64", "utimes",
	"vfork", "vmsplice", "wait4", "waitid", "waitpid", "write", "writev",
	/* x86 only */
	"arch_prctl", "modify_ldt",
};

/* Calls allowed only with a capability, as Docker's profile ties them. */
static const struct {
	int cap;
	const char *const names[24];
} by_cap[] = {
	{ CAP_SYS_ADMIN,
	  { "bpf", "clone", "clone3", "fanotify_init", "fsconfig", "fsmount", "fsopen", "fspick",
	    "lookup_dcookie", "mount", "mount_setattr", "move_mount", "open_tree",
	    "perf_event_open", "quotactl", "quotactl_fd", "setdomainname", "sethostname",
	    "setns", "syslog", "umount", "umount2", "unshare" } },
	{ CAP_DAC_READ_SEARCH, { "open_by_handle_at" } },
	{ CAP_SYS_BOOT, { "reboot" } },
	{ CAP_SYS_CHROOT, { "chroot" } },
	{ CAP_SYS_MODULE, { "delete_module", "init_module", "finit_module" } },
	{ CAP_SYS_PACCT, { "acct" } },
	{ CAP_SYS_PTRACE,
	  { "kcmp", "pidfd_getfd", "process_madvise", "process_vm_readv", "process_vm_writev",
	    "ptrace" } },
	{ CAP_SYS_RAWIO, { "iopl", "ioperm" } },
	{ CAP_SYS_TIME, { "settimeofday", "stime", "clock_settime", "clock_settime64" } },
	{ CAP_SYS_TTY_CONFIG, { "vhangup" } },
	{ CAP_SYS_NICE, { "get_mempolicy", "mbind", "set_mempolicy", "set_mempolicy_home_node" } },
	{ CAP_SYSLOG, { "syslog" } },
	{ CAP_BPF, { "bpf" } },
	{ CAP_PERFMON, { "perf_event_open" } },
};

/* The personas Docker allows: PER_LINUX, PER_LINUX32, UNAME26,
 * UNAME26|PER_LINUX32, and the 0xffffffff query. */
static const scmp_datum_t personas[] = { 0x0, 0x8, 0x20000, 0x20008, 0xffffffff };

/* Namespace flags clone may not carry without CAP_SYS_ADMIN. */
#define CLONE_NS_MASK 0x7E020000ULL
#define AF_VSOCK_FAMILY 40

static bool has(uint64_t caps, int cap)
{
	return cap < 64 && (caps >> cap) & 1;
}

/* Allow `name` without conditions; names unknown to every filtered
 * architecture (newer than libseccomp) are skipped. */
static int allow(scmp_filter_ctx ctx, const char *name)
{
	int nr = seccomp_syscall_resolve_name(name);
	int rc;

	if (nr == __NR_SCMP_ERROR)
		return 0;
	rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
	return rc == -EEXIST || rc == -EDOM ? 0 : rc;
}

static int add_argument_rules(scmp_filter_ctx ctx, uint64_t caps)
{
	int rc = 0;

	for (size_t i = 0; i < N(personas) && rc == 0; i++)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(personality), 1,
				      SCMP_A0(SCMP_CMP_EQ, personas[i], 0));
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
				      SCMP_A0(SCMP_CMP_NE, AF_VSOCK_FAMILY, 0));
	if (rc == 0 && !has(caps, CAP_SYS_ADMIN))
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
				      SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_NS_MASK, 0));
	if (rc == 0 && !has(caps, CAP_SYS_ADMIN))
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
	return rc;
}

static int add_rules(scmp_filter_ctx ctx, uint64_t caps)
{
	int rc = 0;

	for (size_t i = 0; i < N(allowed) && rc == 0; i++)
		rc = allow(ctx, allowed[i]);
	for (size_t g = 0; g < N(by_cap) && rc == 0; g++) {
		if (!has(caps, by_cap[g].cap))
			continue;
		for (size_t i = 0; i < N(by_cap[g].names) && by_cap[g].names[i] && rc == 0; i++)
			rc = allow(ctx, by_cap[g].names[i]);
	}
	return rc ? rc : add_argument_rules(ctx, caps);
}

static scmp_filter_ctx new_filter(uint64_t caps, int *rc)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));

	if (ctx == NULL) {
		*rc = -ENOMEM;
		return NULL;
	}
	*rc = seccomp_arch_add(ctx, SCMP_ARCH_X86);
	if (*rc == 0 || *rc == -EEXIST)
		*rc = seccomp_arch_add(ctx, SCMP_ARCH_X32);
	if (*rc == -EEXIST)
		*rc = 0;
	/* A binary tree of syscall numbers, not a linear scan of ~330. */
	if (*rc == 0)
		*rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	/* berth sets no_new_privs itself, in its own phase. */
	if (*rc == 0)
		*rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	if (*rc == 0)
		*rc = add_rules(ctx, caps);
	if (*rc < 0) {
		seccomp_release(ctx);
		return NULL;
	}
	return ctx;
}

/* libseccomp 2.5 exports BPF only to a file descriptor: a memfd. */
static int export_program(scmp_filter_ctx ctx, struct seccomp_program *out, struct berth_err *err)
{
	cleanup_close int fd = memfd_create("berth-seccomp", MFD_CLOEXEC);
	struct stat st;
	int rc;

	if (fd < 0)
		return berth_err_errno(err, "seccomp: memfd_create");
	rc = seccomp_export_bpf(ctx, fd);
	if (rc < 0)
		return berth_err_set(err, -rc, "seccomp: export the filter");
	if (fstat(fd, &st) < 0 || st.st_size <= 0 || st.st_size % sizeof(struct sock_filter))
		return berth_err_set(err, EINVAL, "seccomp: exported filter has a bad size");
	out->len = (size_t)st.st_size / sizeof(struct sock_filter);
	out->filter = malloc((size_t)st.st_size);
	if (out->filter == NULL)
		return berth_err_set(err, ENOMEM, "seccomp: filter");
	if (pread(fd, out->filter, (size_t)st.st_size, 0) != st.st_size) {
		seccomp_program_free(out);
		return berth_err_errno(err, "seccomp: read the exported filter");
	}
	return 0;
}

int seccomp_program_build(uint64_t caps, struct seccomp_program *out, struct berth_err *err)
{
	int rc;
	scmp_filter_ctx ctx = new_filter(caps, &rc);

	out->filter = NULL;
	out->len = 0;
	if (ctx == NULL)
		return berth_err_set(err, -rc, "seccomp: build the filter");
	rc = export_program(ctx, out, err);
	seccomp_release(ctx);
	return rc;
}

void seccomp_program_free(struct seccomp_program *p)
{
	free(p->filter);
	p->filter = NULL;
	p->len = 0;
}
