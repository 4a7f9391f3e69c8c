/* berth-probe.c: the program that integration tests run as a container's
 * process. It owns one thing: reporting, as a single JSON object on
 * stdout, what a process can see and do from inside the container:
 * identity, capabilities, seccomp, namespaces, cgroup, masked paths,
 * devices, sysctls, reachability, and the outcome of a list of syscalls
 * that a sandbox should refuse or allow. Integration tests parse the
 * object and assert each answer.
 *
 * Every attempt is harmless: a success is undone (unmounted, closed,
 * unlinked, restored) or dies with the probe or with a forked child, and
 * the dangerous calls get arguments the kernel rejects after its
 * permission check, so that the errno tells "refused" (EPERM, or ENOSYS
 * from berth's seccomp profile) from "allowed, failed on the argument"
 * (EINVAL, EBADF, EFAULT, ENOENT...). The comment next to each attempt
 * says what the kernel returns when it is allowed.
 *
 * Modes (argv[1]): report (default), report-after SECONDS, hold-ipc
 * SECONDS, sleep SECONDS, zombies N: helpers that tests run as siblings.
 *
 * Static, libc and kernel headers only; needs no shell and no file from
 * the image. Build:
 *   gcc -std=gnu11 -O2 -static -Wall -Wextra -Werror -o berth-probe berth-probe.c
 */
#define _GNU_SOURCE

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/bpf.h>
#include <linux/keyctl.h>
#include <linux/magic.h>
#include <linux/perf_event.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/timex.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CGROUP_ROOT "/sys/fs/cgroup"
#define MOUNT_DIR "/tmp/berth-probe-mnt"
#define SHM_KEY 0x62657274 /* "bert" */
#define TCP_TIMEOUT_MS 500

/* ---- memory and lists ---- */

static void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (q == NULL) {
		fputs("berth-probe: out of memory\n", stderr);
		_exit(1);
	}
	return q;
}

static char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(xrealloc(NULL, n), s, n);
}

struct int_list {
	long long *v;
	size_t n, cap;
};

struct str_list {
	char **v;
	size_t n, cap;
};

static void int_list_push(struct int_list *l, long long x)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = x;
}

static void str_list_push(struct str_list *l, const char *s)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = xstrdup(s);
}

static void str_list_free(struct str_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	*l = (struct str_list){ 0 };
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void int_list_sort(struct int_list *l)
{
	if (l->n > 1)
		qsort(l->v, l->n, sizeof(*l->v), cmp_ll);
}

static void str_list_sort(struct str_list *l)
{
	if (l->n > 1)
		qsort(l->v, l->n, sizeof(*l->v), cmp_str);
}

/* ---- errno and signal names ---- */

struct name_of {
	int value;
	const char *name;
};

#define N(e) { e, #e }
static const struct name_of errno_names[] = {
	N(EPERM), N(ENOENT), N(ESRCH), N(EINTR), N(EIO), N(ENXIO), N(E2BIG),
	N(ENOEXEC), N(EBADF), N(ECHILD), N(EAGAIN), N(ENOMEM), N(EACCES),
	N(EFAULT), N(ENOTBLK), N(EBUSY), N(EEXIST), N(EXDEV), N(ENODEV),
	N(ENOTDIR), N(EISDIR), N(EINVAL), N(ENFILE), N(EMFILE), N(ENOTTY),
	N(ETXTBSY), N(EFBIG), N(ENOSPC), N(ESPIPE), N(EROFS), N(EMLINK),
	N(EPIPE), N(EDOM), N(ERANGE), N(EDEADLK), N(ENAMETOOLONG), N(ENOLCK),
	N(ENOSYS), N(ENOTEMPTY), N(ELOOP), N(ENOMSG), N(EIDRM), N(ENODATA),
	N(ETIME), N(EPROTO), N(EBADMSG), N(EOVERFLOW), N(EUSERS), N(ENOTSOCK),
	N(EDESTADDRREQ), N(EMSGSIZE), N(EPROTOTYPE), N(ENOPROTOOPT),
	N(EPROTONOSUPPORT), N(ESOCKTNOSUPPORT), N(EOPNOTSUPP), N(EPFNOSUPPORT),
	N(EAFNOSUPPORT), N(EADDRINUSE), N(EADDRNOTAVAIL), N(ENETDOWN),
	N(ENETUNREACH), N(ENETRESET), N(ECONNABORTED), N(ECONNRESET),
	N(ENOBUFS), N(EISCONN), N(ENOTCONN), N(ESHUTDOWN), N(ETIMEDOUT),
	N(ECONNREFUSED), N(EHOSTDOWN), N(EHOSTUNREACH), N(EALREADY),
	N(EINPROGRESS), N(ESTALE), N(EDQUOT), N(ENOMEDIUM), N(EMEDIUMTYPE),
	N(ECANCELED), N(ENOKEY), N(EKEYEXPIRED), N(EKEYREVOKED),
	N(EKEYREJECTED), N(EOWNERDEAD), N(ENOTRECOVERABLE), N(ERFKILL),
	N(EHWPOISON),
};

static const struct name_of signal_names[] = {
	N(SIGSYS), N(SIGKILL), N(SIGSEGV), N(SIGBUS), N(SIGABRT), N(SIGILL),
	N(SIGTERM), N(SIGTRAP), N(SIGFPE),
};
#undef N

static const char *lookup_name(const struct name_of *t, size_t n, int value)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].value == value)
			return t[i].name;
	return NULL;
}

/* err > 0 is an errno ("EPERM", else "E<n>"); err < 0 is the signal that
 * killed a child ("SIGSYS" when seccomp kills, else "SIG<n>"). */
static const char *error_name(int err, char *buf, size_t size)
{
	const char *name;

	if (err < 0) {
		name = lookup_name(signal_names, sizeof(signal_names) / sizeof(signal_names[0]), -err);
		if (name)
			return name;
		snprintf(buf, size, "SIG%d", -err);
		return buf;
	}
	name = lookup_name(errno_names, sizeof(errno_names) / sizeof(errno_names[0]), err);
	if (name)
		return name;
	snprintf(buf, size, "E%d", err);
	return buf;
}

/* ---- JSON writer: the only global mutable state ---- */

#define JSON_MAX_DEPTH 16

struct json_writer {
	FILE *out;
	int depth;
	bool has_items[JSON_MAX_DEPTH];
};

static struct json_writer jw;

static void json_start(FILE *out)
{
	jw = (struct json_writer){ .out = out };
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 if none. */
static size_t utf8_valid_len(const unsigned char *s, size_t n)
{
	size_t len;
	unsigned char lo = 0x80, hi = 0xbf;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (s[0] == 0xe0)
		lo = 0xa0; /* overlong */
	else if (s[0] == 0xed)
		hi = 0x9f; /* surrogates */
	else if (s[0] == 0xf0)
		lo = 0x90; /* overlong */
	else if (s[0] == 0xf4)
		hi = 0x8f; /* above U+10FFFF */
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

/* Quotes and backslashes escaped, control bytes as \u00XX, bytes that are
 * not valid UTF-8 as U+FFFD: the output always parses. */
static void json_write_string(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);

	fputc('"', jw.out);
	for (size_t i = 0; i < n;) {
		unsigned char c = p[i];
		size_t len;

		if (c == '"' || c == '\\') {
			fputc('\\', jw.out);
			fputc(c, jw.out);
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			fprintf(jw.out, "\\u%04x", c);
			i++;
		} else if ((len = utf8_valid_len(p + i, n - i)) == 0) {
			fputs("\\ufffd", jw.out);
			i++;
		} else {
			fwrite(p + i, 1, len, jw.out);
			i += len;
		}
	}
	fputc('"', jw.out);
}

/* Starts a value: the comma before it, and its key inside an object
 * (key NULL inside an array or at the top). */
static void json_item(const char *key)
{
	if (jw.has_items[jw.depth])
		fputc(',', jw.out);
	jw.has_items[jw.depth] = true;
	if (key) {
		json_write_string(key);
		fputc(':', jw.out);
	}
}

static void json_open(const char *key, char bracket)
{
	json_item(key);
	fputc(bracket, jw.out);
	if (jw.depth + 1 >= JSON_MAX_DEPTH) {
		fputs("berth-probe: JSON nested too deep\n", stderr);
		_exit(1);
	}
	jw.has_items[++jw.depth] = false;
}

static void json_close(char bracket)
{
	fputc(bracket, jw.out);
	if (jw.depth > 0)
		jw.depth--;
}

static void json_null(const char *key)
{
	json_item(key);
	fputs("null", jw.out);
}

static void json_str(const char *key, const char *value)
{
	if (value == NULL) {
		json_null(key);
		return;
	}
	json_item(key);
	json_write_string(value);
}

static void json_int(const char *key, long long value)
{
	json_item(key);
	fprintf(jw.out, "%lld", value);
}

static void json_uint(const char *key, unsigned long long value)
{
	json_item(key);
	fprintf(jw.out, "%llu", value);
}

static void json_bool(const char *key, bool value)
{
	json_item(key);
	fputs(value ? "true" : "false", jw.out);
}

static void json_errno(const char *key, int err)
{
	char buf[32];

	json_str(key, error_name(err, buf, sizeof(buf)));
}

static void json_int_array(const char *key, const struct int_list *l)
{
	json_open(key, '[');
	for (size_t i = 0; i < l->n; i++)
		json_int(NULL, l->v[i]);
	json_close(']');
}

static void json_str_array(const char *key, const struct str_list *l)
{
	json_open(key, '[');
	for (size_t i = 0; i < l->n; i++)
		json_str(NULL, l->v[i]);
	json_close(']');
}

/* ---- attempts ---- */

/* err: the errno (> 0), or minus the signal that killed the child that
 * made the attempt. */
struct attempt {
	bool ok;
	int err;
};

static struct attempt attempt_ok(void)
{
	return (struct attempt){ .ok = true };
}

static struct attempt attempt_fail(int err)
{
	return (struct attempt){ .ok = false, .err = err };
}

static struct attempt attempt_of(long rc, int err)
{
	return rc == -1 ? attempt_fail(err) : attempt_ok();
}

/* The attempt of one call that returns -1 and sets errno on failure. */
#define ATTEMPT(expr)                          \
	({                                     \
		long attempt_rc_ = (long)(expr); \
		attempt_of(attempt_rc_, errno);  \
	})

static void json_attempt(const char *key, struct attempt a)
{
	json_open(key, '{');
	json_bool("ok", a.ok);
	if (!a.ok)
		json_errno("errno", a.err);
	json_close('}');
}

/* ---- files ---- */

/* At most max bytes of path in a NUL-terminated heap buffer; NULL with
 * errno set on failure. */
static char *read_text(const char *path, size_t max, size_t *len_out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	size_t cap = 4096, len = 0;
	char *buf;

	if (fd < 0)
		return NULL;
	buf = xrealloc(NULL, cap + 1);
	while (len < max) {
		size_t want;
		ssize_t n;

		if (len == cap) {
			cap *= 2;
			buf = xrealloc(buf, cap + 1);
		}
		want = cap - len < max - len ? cap - len : max - len;
		n = read(fd, buf + len, want);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int err = errno;
			close(fd);
			free(buf);
			errno = err;
			return NULL;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	if (len_out)
		*len_out = len;
	return buf;
}

static void trim(char *s)
{
	size_t start = strspn(s, " \t\r\n"), n = strlen(s);

	while (n > start && strchr(" \t\r\n", s[n - 1]))
		n--;
	memmove(s, s + start, n - start);
	s[n - start] = '\0';
}

/* Lines joined by ';', empty lines dropped; with squeeze, each line's
 * whitespace-separated fields joined by single spaces. */
static char *join_lines(const char *in, bool squeeze)
{
	char *out = xrealloc(NULL, strlen(in) + 1), *o = out;
	char *copy = xstrdup(in), *save = NULL;

	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *fsave = NULL, *field;
		bool first = true;

		trim(line);
		if (*line == '\0')
			continue;
		if (o != out)
			*o++ = ';';
		if (!squeeze) {
			o = stpcpy(o, line);
			continue;
		}
		for (field = strtok_r(line, " \t", &fsave); field; field = strtok_r(NULL, " \t", &fsave)) {
			if (!first)
				*o++ = ' ';
			o = stpcpy(o, field);
			first = false;
		}
	}
	*o = '\0';
	free(copy);
	return out;
}

static void json_file_lines(const char *key, const char *path, bool squeeze)
{
	char *text = read_text(path, 1 << 20, NULL), *joined;

	if (text == NULL) {
		json_null(key);
		return;
	}
	joined = join_lines(text, squeeze);
	json_str(key, joined);
	free(joined);
	free(text);
}

/* Names in path other than . and ..; 0 or an errno. */
static int list_dir(const char *path, struct str_list *out)
{
	DIR *d = opendir(path);
	struct dirent *e;

	if (d == NULL)
		return errno;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			str_list_push(out, e->d_name);
	closedir(d);
	str_list_sort(out);
	return 0;
}

/* Sorted names of path, null when it cannot be listed. */
static void json_dir_entries(const char *key, const char *path)
{
	struct str_list names = { 0 };

	if (list_dir(path, &names) != 0)
		json_null(key);
	else
		json_str_array(key, &names);
	str_list_free(&names);
}

static bool path_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static bool is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Opened with flags and closed at once: nothing is read or written. */
static struct attempt open_attempt(const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	int err = errno;

	if (fd >= 0)
		close(fd);
	return attempt_of(fd, err);
}

static bool is_number(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* ---- children ---- */

/* Runs in a forked child; returns 0 or an errno (which fits an exit
 * status: Linux errnos stay below 256). */
typedef int (*child_fn)(long arg);

static int wait_child(pid_t pid, int *status)
{
	for (;;) {
		pid_t r = waitpid(pid, status, __WALL);
		if (r == pid && (WIFEXITED(*status) || WIFSIGNALED(*status)))
			return 0;
		if (r < 0 && errno != EINTR)
			return errno;
	}
}

static struct attempt status_attempt(int status)
{
	if (WIFSIGNALED(status))
		return attempt_fail(-WTERMSIG(status));
	return WEXITSTATUS(status) == 0 ? attempt_ok() : attempt_fail(WEXITSTATUS(status));
}

/* fn in a forked child, so that whatever it changes (namespaces, ids,
 * cgroup) dies with the child. */
static struct attempt in_child(child_fn fn, long arg)
{
	int status = 0, err;
	pid_t pid = fork();

	if (pid < 0)
		return attempt_fail(errno);
	if (pid == 0)
		_exit(fn(arg) & 0xff);
	err = wait_child(pid, &status);
	return err ? attempt_fail(err) : status_attempt(status);
}

/* What process_vm_readv reads in a forked child: same address there. */
static const volatile char probe_marker = 'B';

/* A child that pauses until killed, and dies with the probe. */
static pid_t spawn_pausing_child(void)
{
	pid_t parent = getpid();
	pid_t pid = fork();

	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(0);
		for (;;)
			pause();
	}
	return pid;
}

static void kill_child(pid_t pid)
{
	int status;

	kill(pid, SIGKILL);
	wait_child(pid, &status);
}

/* ---- identity ---- */

static void emit_identity(void)
{
	int n = getgroups(0, NULL);
	gid_t *groups = xrealloc(NULL, (size_t)(n > 0 ? n : 1) * sizeof(gid_t));

	json_uint("uid", getuid());
	json_uint("gid", getgid());
	json_uint("euid", geteuid());
	json_uint("egid", getegid());
	n = getgroups(n > 0 ? n : 0, groups);
	json_open("groups", '[');
	for (int i = 0; i < n; i++)
		json_uint(NULL, groups[i]);
	json_close(']');
	free(groups);
	json_file_lines("uid_map", "/proc/self/uid_map", true);
	json_file_lines("gid_map", "/proc/self/gid_map", true);
}

/* The value of "name:" in /proc/self/status, trimmed; NULL if absent. */
static char *status_field(const char *status, const char *name)
{
	size_t len = strlen(name);

	for (const char *line = status; line && *line;) {
		const char *end = strchr(line, '\n');
		size_t n = end ? (size_t)(end - line) : strlen(line);

		if (n > len && strncmp(line, name, len) == 0 && line[len] == ':') {
			char *v = xrealloc(NULL, n - len);
			memcpy(v, line + len + 1, n - len - 1);
			v[n - len - 1] = '\0';
			trim(v);
			return v;
		}
		line = end ? end + 1 : NULL;
	}
	return NULL;
}

static void json_status_str(const char *key, const char *status, const char *name)
{
	char *v = status ? status_field(status, name) : NULL;

	json_str(key, v);
	free(v);
}

static void json_status_num(const char *key, const char *status, const char *name)
{
	char *v = status ? status_field(status, name) : NULL;

	if (v && is_number(v))
		json_int(key, strtoll(v, NULL, 10));
	else
		json_null(key);
	free(v);
}

static void emit_caps_and_seccomp(void)
{
	char *status = read_text("/proc/self/status", 1 << 20, NULL);
	int nnp = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);

	json_open("caps", '{');
	json_status_str("bounding", status, "CapBnd");
	json_status_str("effective", status, "CapEff");
	json_status_str("permitted", status, "CapPrm");
	json_status_str("inheritable", status, "CapInh");
	json_status_str("ambient", status, "CapAmb");
	json_close('}');
	if (nnp < 0)
		json_null("no_new_privs");
	else
		json_int("no_new_privs", nnp);
	json_status_num("seccomp", status, "Seccomp");
	json_status_num("seccomp_filters", status, "Seccomp_filters");
	free(status);
}

static void emit_processes(void)
{
	struct str_list names = { 0 };
	struct int_list pids = { 0 };
	char *comm = read_text("/proc/1/comm", 4096, NULL);

	json_int("pid", getpid());
	json_int("ppid", getppid());
	list_dir("/proc", &names);
	for (size_t i = 0; i < names.n; i++)
		if (is_number(names.v[i]))
			int_list_push(&pids, strtoll(names.v[i], NULL, 10));
	int_list_sort(&pids);
	json_int_array("proc_pids", &pids);
	if (comm)
		comm[strcspn(comm, "\n")] = '\0';
	json_str("pid1_comm", comm);
	free(comm);
	free(pids.v);
	str_list_free(&names);
}

static void emit_hostname(void)
{
	struct utsname u;

	if (uname(&u) == 0)
		json_str("hostname", u.nodename);
	else
		json_null("hostname");
}

/* The fds open at program start, without the directory stream's own. */
static struct int_list open_fds_at_start(void)
{
	struct int_list fds = { 0 };
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;

	if (d == NULL)
		return fds;
	while ((e = readdir(d)) != NULL)
		if (is_number(e->d_name) && atoi(e->d_name) != dirfd(d))
			int_list_push(&fds, atoi(e->d_name));
	closedir(d);
	int_list_sort(&fds);
	return fds;
}

/* ---- cgroup ---- */

static void emit_cgroup_mount(void)
{
	struct statfs sfs;
	struct statvfs svfs;
	char hex[32];

	json_open("cgroup_mount", '{');
	if (statfs(CGROUP_ROOT, &sfs) != 0) {
		json_null("fstype");
		json_errno("errno", errno);
	} else if ((unsigned long)sfs.f_type == CGROUP2_SUPER_MAGIC) {
		json_str("fstype", "cgroup2");
	} else if ((unsigned long)sfs.f_type == TMPFS_MAGIC) {
		json_str("fstype", "tmpfs");
	} else if ((unsigned long)sfs.f_type == CGROUP_SUPER_MAGIC) {
		json_str("fstype", "cgroup");
	} else {
		snprintf(hex, sizeof(hex), "0x%lx", (unsigned long)sfs.f_type);
		json_str("fstype", hex);
	}
	if (statvfs(CGROUP_ROOT, &svfs) == 0)
		json_bool("readonly", (svfs.f_flag & ST_RDONLY) != 0);
	else
		json_null("readonly");
	json_close('}');
}

/* name in /sys/fs/cgroup, else in its first immediate subdirectory (in
 * sorted order) that has it; the path in out. */
static bool find_cgroup_file(const char *name, char *out, size_t size)
{
	struct str_list subs = { 0 };
	bool found = false;

	snprintf(out, size, "%s/%s", CGROUP_ROOT, name);
	if (path_exists(out))
		return true;
	list_dir(CGROUP_ROOT, &subs);
	for (size_t i = 0; i < subs.n && !found; i++) {
		snprintf(out, size, "%s/%s/%s", CGROUP_ROOT, subs.v[i], name);
		found = path_exists(out);
	}
	str_list_free(&subs);
	return found;
}

/* /sys/fs/cgroup/cgroup.procs, else the first subdirectory's. */
static void cgroup_procs_path(char *out, size_t size)
{
	struct str_list subs = { 0 };
	char dir[PATH_MAX - sizeof("/cgroup.procs")];

	snprintf(out, size, "%s/cgroup.procs", CGROUP_ROOT);
	if (path_exists(out))
		return;
	list_dir(CGROUP_ROOT, &subs);
	for (size_t i = 0; i < subs.n; i++) {
		snprintf(dir, sizeof(dir), "%s/%s", CGROUP_ROOT, subs.v[i]);
		if (is_dir(dir)) {
			snprintf(out, size, "%s/cgroup.procs", dir);
			break;
		}
	}
	str_list_free(&subs);
}

/* In a child, which writes its own pid: if the write moves it to another
 * cgroup, only the child (about to exit) has moved. */
static int child_write_pid(long arg)
{
	const char *path = (const char *)(intptr_t)arg;
	char buf[32];
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	int len = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());

	if (fd < 0)
		return errno;
	if (write(fd, buf, (size_t)len) < 0)
		return errno;
	return close(fd) == 0 ? 0 : errno;
}

static void json_cgroup_open_attempt(const char *key, const char *name)
{
	char path[PATH_MAX];

	if (find_cgroup_file(name, path, sizeof(path)))
		json_attempt(key, open_attempt(path, O_WRONLY));
	else
		json_attempt(key, attempt_fail(ENOENT));
}

static void emit_cgroup(void)
{
	char path[PATH_MAX];

	json_file_lines("cgroup", "/proc/self/cgroup", false);
	emit_cgroup_mount();
	json_dir_entries("cgroup_entries", CGROUP_ROOT);
	json_bool("release_agent_found", find_cgroup_file("release_agent", path, sizeof(path)));
	cgroup_procs_path(path, sizeof(path));
	json_attempt("write_cgroup_procs", in_child(child_write_pid, (long)(intptr_t)path));
	/* Open only: nothing is written to either. */
	json_cgroup_open_attempt("write_release_agent", "release_agent");
	json_cgroup_open_attempt("write_notify_on_release", "notify_on_release");
}

/* ---- filesystem ---- */

static void emit_rlimit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
		json_null("rlimit_nofile");
		return;
	}
	json_open("rlimit_nofile", '[');
	json_uint(NULL, rl.rlim_cur);
	json_uint(NULL, rl.rlim_max);
	json_close(']');
}

static struct attempt rootfs_write_attempt(void)
{
	const char *path = "/.berth-probe-write";
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	int err = errno;

	if (fd < 0)
		return attempt_fail(err);
	close(fd);
	unlink(path);
	return attempt_ok();
}

static void emit_write_attempts(void)
{
	struct attempt sys;

	json_attempt("rootfs_write", rootfs_write_attempt());
	/* Opened for writing only: nothing is ever written. */
	json_attempt("proc_sys_write", open_attempt("/proc/sys/kernel/domainname", O_WRONLY));
	json_attempt("sysrq_write", open_attempt("/proc/sysrq-trigger", O_WRONLY));
	sys = open_attempt("/sys/kernel/uevent_helper", O_WRONLY);
	if (!sys.ok && sys.err == ENOENT)
		sys = open_attempt("/sys/kernel/profiling", O_WRONLY);
	json_attempt("sys_write", sys);
}

/* {"exists", "readable_bytes"}: bytes read (at most 4096) of a file, or
 * entries of a directory; "errno" when opening or reading failed. */
static void emit_masked_path(const char *path)
{
	struct stat st;
	struct str_list names = { 0 };
	size_t len = 0;
	bool exists = stat(path, &st) == 0;
	char *text;
	int err = 0;

	if (!exists) {
		err = errno;
	} else if (S_ISDIR(st.st_mode)) {
		err = list_dir(path, &names);
		len = names.n;
	} else if ((text = read_text(path, 4096, &len)) == NULL) {
		err = errno;
	} else {
		free(text);
	}
	json_open(path, '{');
	json_bool("exists", exists);
	json_uint("readable_bytes", len);
	if (err)
		json_errno("errno", err);
	json_close('}');
	str_list_free(&names);
}

static void emit_masked(void)
{
	static const char *const paths[] = {
		"/proc/kcore", "/proc/keys", "/proc/timer_list", "/proc/sched_debug",
		"/proc/acpi", "/proc/scsi", "/sys/firmware",
	};

	json_open("masked", '{');
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		emit_masked_path(paths[i]);
	json_close('}');
}

static void emit_sysctls(void)
{
	static const char *const paths[] = {
		"/proc/sys/net/core/somaxconn",
		"/proc/sys/net/ipv4/ip_unprivileged_port_start",
		"/proc/sys/net/ipv4/ping_group_range",
		"/proc/sys/kernel/shm_rmid_forced",
		"/proc/sys/net/ipv4/tcp_keepalive_time",
		"/proc/sys/kernel/hostname",
	};

	json_open("sysctls", '{');
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		char *v = read_text(paths[i], 4096, NULL);
		if (v)
			trim(v);
		json_str(paths[i], v);
		free(v);
	}
	json_close('}');
}

/* mknod of block device 8:0 at path; when made, an open for reading
 * (nothing read), then it is removed. */
static void emit_mknod_pair(const char *key, const char *open_key, const char *path)
{
	struct attempt made = ATTEMPT(mknod(path, S_IFBLK | 0600, makedev(8, 0)));
	int fd, err;

	json_attempt(key, made);
	if (!made.ok) {
		json_null(open_key);
		return;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	err = errno;
	json_attempt(open_key, attempt_of(fd, err));
	if (fd >= 0)
		close(fd);
	unlink(path);
}

static void emit_sysvipc(void)
{
	char *text = read_text("/proc/sysvipc/shm", 1 << 20, NULL);
	long long lines = 0;

	if (text == NULL) {
		json_null("sysvipc_shm");
		return;
	}
	for (char *p = text; *p; p++)
		if (*p == '\n')
			lines++;
	if (*text && text[strlen(text) - 1] != '\n')
		lines++;
	json_int("sysvipc_shm", lines > 0 ? lines - 1 : 0);
	free(text);
}

static void emit_devices(void)
{
	json_dir_entries("dev_entries", "/dev");
	json_bool("dev_pts_ptmx", path_exists("/dev/pts/ptmx"));
	emit_mknod_pair("mknod_dev", "mknod_dev_open", "/dev/berth-probe-sda");
	emit_mknod_pair("mknod_tmp", "mknod_tmp_open", "/tmp/berth-probe-sda");
	emit_sysvipc();
}

/* ---- mounts ---- */

/* Mounts fstype on a directory of its own under /tmp, unmounts it at
 * once and removes the directory. */
static struct attempt mount_attempt(const char *fstype)
{
	struct attempt a;

	if (mkdir(MOUNT_DIR, 0700) != 0 && errno != EEXIST)
		return attempt_fail(errno);
	a = ATTEMPT(mount("none", MOUNT_DIR, fstype, 0, NULL));
	if (a.ok && umount2(MOUNT_DIR, 0) != 0)
		umount2(MOUNT_DIR, MNT_DETACH);
	rmdir(MOUNT_DIR);
	return a;
}

static void emit_mount_attempts(void)
{
	json_attempt("mount_tmpfs", mount_attempt("tmpfs"));
	json_attempt("mount_proc", mount_attempt("proc"));
	/* The path lookup precedes the capability check: allowed by seccomp
	 * gives ENOENT (with or without CAP_SYS_ADMIN); refused, EPERM. */
	json_attempt("umount_proc", ATTEMPT(umount2("/proc/berth-probe-nonexistent", 0)));
	/* The capability check comes first: EPERM without CAP_SYS_ADMIN over
	 * the mount namespace or when seccomp refuses; allowed, ENOENT. */
	json_attempt("pivot_root", ATTEMPT(syscall(SYS_pivot_root, "/nonexistent-a", "/nonexistent-b")));
}

/* ---- namespaces and clone ---- */

static int child_unshare(long flag)
{
	return unshare((int)flag) == 0 ? 0 : errno;
}

/* CLONE_NEWNET: joining our own netns succeeds when allowed.
 * CLONE_NEWUSER: joining our own userns is EINVAL when allowed (checked
 * before the capability), EPERM when seccomp refuses. */
static int child_setns(long nstype)
{
	const char *path = nstype == CLONE_NEWUSER ? "/proc/self/ns/user" : "/proc/self/ns/net";
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return errno;
	return setns(fd, (int)nstype) == 0 ? 0 : errno;
}

/* Raw clone with no new stack: the child, a copy like fork's, exits at
 * once and is reaped. */
static struct attempt raw_clone_attempt(unsigned long flags)
{
	int status = 0, err;
	long pid = syscall(SYS_clone, flags | SIGCHLD, 0L, NULL, NULL, 0L);

	if (pid == 0)
		_exit(0);
	if (pid < 0)
		return attempt_fail(errno);
	err = wait_child((pid_t)pid, &status);
	return err ? attempt_fail(err) : status_attempt(status);
}

static void emit_namespace_attempts(void)
{
	static const struct {
		const char *key;
		int flag;
	} unshares[] = {
		{ "unshare_user", CLONE_NEWUSER }, { "unshare_mount", CLONE_NEWNS },
		{ "unshare_net", CLONE_NEWNET },   { "unshare_pid", CLONE_NEWPID },
		{ "unshare_uts", CLONE_NEWUTS },   { "unshare_ipc", CLONE_NEWIPC },
		{ "unshare_cgroup", CLONE_NEWCGROUP },
	};

	for (size_t i = 0; i < sizeof(unshares) / sizeof(unshares[0]); i++)
		json_attempt(unshares[i].key, in_child(child_unshare, unshares[i].flag));
	json_attempt("setns", in_child(child_setns, CLONE_NEWNET));
	json_attempt("setns_user", in_child(child_setns, CLONE_NEWUSER));
	json_attempt("clone_newns", raw_clone_attempt(CLONE_NEWNS));
	json_attempt("clone_newuser", raw_clone_attempt(CLONE_NEWUSER));
	json_attempt("clone_thread_ok", raw_clone_attempt(0));
	/* A NULL, zero-sized clone_args: allowed gives EINVAL (size below
	 * CLONE_ARGS_SIZE_VER0); berth's seccomp profile makes it ENOSYS so
	 * that libcs fall back to clone. */
	json_attempt("clone3", ATTEMPT(syscall(SYS_clone3, NULL, 0)));
}

/* ---- modules and kexec: never loads or unloads anything ---- */

static void emit_module_attempts(void)
{
	/* CAP_SYS_MODULE is checked first (EPERM); allowed, a zero-length
	 * image is ENOEXEC before anything is read. */
	json_attempt("init_module", ATTEMPT(syscall(SYS_init_module, NULL, 0UL, "")));
	/* Allowed: EBADF for fd -1. */
	json_attempt("finit_module", ATTEMPT(syscall(SYS_finit_module, -1, "", 0)));
	/* Allowed: ENOENT, no such module. */
	json_attempt("delete_module", ATTEMPT(syscall(SYS_delete_module, "berth_probe_nonexistent", 0)));
	/* flags -1 holds unknown bits: allowed gives EINVAL before anything
	 * happens (nr_segments 0 with valid flags would unload the crash
	 * kernel, so the flags must stay invalid). ENOSYS without kexec. */
	json_attempt("kexec_load", ATTEMPT(syscall(SYS_kexec_load, 0UL, 0UL, NULL, ~0UL)));
	/* Unknown flags: allowed gives EINVAL (or EBADF). */
	json_attempt("kexec_file_load", ATTEMPT(syscall(SYS_kexec_file_load, -1, -1, 0UL, NULL, ~0UL)));
}

/* ---- file handles ---- */

static struct attempt open_by_handle_attempt(void)
{
	/* Allowed: EFAULT on the NULL handle (recent kernels read the handle
	 * before the capability check, so even without CAP_DAC_READ_SEARCH);
	 * EPERM: seccomp refused it, or an older kernel's capability check. */
	long fd = syscall(SYS_open_by_handle_at, AT_FDCWD, NULL, 0);
	int err = errno;

	if (fd >= 0)
		close((int)fd);
	return attempt_of(fd, err);
}

static struct attempt name_to_handle_attempt(void)
{
	_Alignas(struct file_handle) unsigned char buf[sizeof(struct file_handle) + MAX_HANDLE_SZ];
	struct file_handle *fh = (struct file_handle *)buf;
	int mount_id;

	memset(buf, 0, sizeof(buf));
	fh->handle_bytes = MAX_HANDLE_SZ;
	/* Allowed: ok (needs no capability). */
	return ATTEMPT(name_to_handle_at(AT_FDCWD, "/", fh, &mount_id, 0));
}

/* ---- ptrace ---- */

static struct attempt ptrace_attach_attempt(void)
{
	pid_t pid = spawn_pausing_child();
	struct attempt a;

	if (pid < 0)
		return attempt_fail(errno);
	a = ATTEMPT(ptrace(PTRACE_SEIZE, pid, NULL, NULL));
	kill_child(pid); /* ends the tracing as well */
	return a;
}

static struct attempt process_vm_readv_attempt(void)
{
	pid_t pid = spawn_pausing_child();
	char byte = 0;
	struct iovec local = { .iov_base = &byte, .iov_len = 1 };
	struct iovec remote = { .iov_base = (void *)&probe_marker, .iov_len = 1 };
	ssize_t n;
	int err;

	if (pid < 0)
		return attempt_fail(errno);
	n = process_vm_readv(pid, &local, 1, &remote, 1, 0);
	err = errno;
	kill_child(pid);
	if (n == 1)
		return attempt_ok();
	return attempt_fail(n < 0 ? err : EIO);
}

/* ---- keys, bpf, perf, userfaultfd ---- */

/* keyctl(KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING) through the
 * 32-bit entry (int 0x80, i386 number 288): a filter that forgot the
 * x86 architecture lets it through.  A kernel without IA32 emulation
 * gives ENOSYS (or kills with SIGSEGV, which the fork absorbs). */
static struct attempt i386_keyctl(void)
{
	int pipefd[2], status;
	long rc = 0;
	pid_t pid;

	if (pipe(pipefd) < 0)
		return attempt_fail(errno);
	pid = fork();
	if (pid == 0) {
		long r;
		close(pipefd[0]);
		__asm__ volatile("int $0x80"
				 : "=a"(r)
				 : "a"(288L), "b"((long)KEYCTL_GET_KEYRING_ID), "c"((long)KEY_SPEC_SESSION_KEYRING),
				   "d"(0L)
				 : "memory");
		if (write(pipefd[1], &r, sizeof(r)) != sizeof(r))
			_exit(1);
		_exit(0);
	}
	close(pipefd[1]);
	if (pid < 0 || read(pipefd[0], &rc, sizeof(rc)) != sizeof(rc))
		rc = -ENOSYS;
	close(pipefd[0]);
	if (pid > 0)
		waitpid(pid, &status, 0);
	return rc < 0 && rc > -4096 ? attempt_fail((int)-rc) : attempt_ok();
}

static void emit_key_attempts(void)
{
	json_attempt("keyctl", ATTEMPT(syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0)));
	/* Into the process keyring, which dies with the probe. */
	json_attempt("add_key", ATTEMPT(syscall(SYS_add_key, "user", "berth-probe", "x", 1UL, KEY_SPEC_PROCESS_KEYRING)));
	/* No callout info, so no upcall: allowed gives ENOKEY. */
	json_attempt("request_key", ATTEMPT(syscall(SYS_request_key, "user", "berth-probe-none", NULL, 0)));
	json_attempt("keyctl_i386", i386_keyctl());
	/* x32 numbers are the x86_64 ones with bit 30 set; allowed (and x32
	 * enabled) behaves as keyctl, a kernel without x32 gives ENOSYS
	 * only after the filter has had its say. */
	json_attempt("keyctl_x32", ATTEMPT(syscall(0x40000000 | SYS_keyctl, KEYCTL_GET_KEYRING_ID,
						   KEY_SPEC_SESSION_KEYRING, 0)));
}

/* fd-returning attempts: the fd is closed at once. */
static struct attempt fd_attempt(long fd, int err)
{
	if (fd >= 0)
		close((int)fd);
	return attempt_of(fd, err);
}

static struct attempt bpf_attempt(void)
{
	union bpf_attr attr;
	long fd;

	memset(&attr, 0, sizeof(attr));
	attr.map_type = BPF_MAP_TYPE_ARRAY;
	attr.key_size = 4;
	attr.value_size = 4;
	attr.max_entries = 1;
	fd = syscall(SYS_bpf, BPF_MAP_CREATE, &attr, sizeof(attr));
	return fd_attempt(fd, errno);
}

static struct attempt perf_event_attempt(void)
{
	struct perf_event_attr attr;
	long fd;

	memset(&attr, 0, sizeof(attr));
	attr.type = PERF_TYPE_SOFTWARE;
	attr.size = sizeof(attr);
	attr.config = PERF_COUNT_SW_CPU_CLOCK;
	attr.disabled = 1;
	attr.exclude_kernel = 1;
	attr.exclude_hv = 1;
	fd = syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0UL);
	return fd_attempt(fd, errno);
}

static void emit_kernel_object_attempts(void)
{
	long fd;

	json_attempt("bpf", bpf_attempt());
	json_attempt("perf_event_open", perf_event_attempt());
	fd = syscall(SYS_userfaultfd, O_CLOEXEC);
	json_attempt("userfaultfd", fd_attempt(fd, errno));
}

/* ---- personality ---- */

/* Sets persona and, when that worked, restores the previous one (what a
 * successful call returns). */
static struct attempt personality_set_attempt(unsigned long persona)
{
	int prev = personality(persona);
	int err = errno;

	if (prev != -1)
		personality((unsigned long)(unsigned int)prev);
	return attempt_of(prev, err);
}

static void emit_personality_attempts(void)
{
	json_attempt("personality_query", ATTEMPT(personality(0xffffffffUL)));
	json_attempt("personality_linux32", personality_set_attempt(PER_LINUX32));
	json_attempt("personality_bad", personality_set_attempt(READ_IMPLIES_EXEC));
}

/* ---- sockets and I/O ports ---- */

static struct attempt socket_attempt(int domain, int type, int protocol)
{
	int fd = socket(domain, type | SOCK_CLOEXEC, protocol);

	return fd_attempt(fd, errno);
}

static void emit_socket_attempts(void)
{
	json_attempt("socket_inet", socket_attempt(AF_INET, SOCK_STREAM, 0));
	json_attempt("socket_raw", socket_attempt(AF_INET, SOCK_RAW, IPPROTO_ICMP));
	json_attempt("socket_packet", socket_attempt(AF_PACKET, SOCK_RAW, 0));
	json_attempt("socket_netlink", socket_attempt(AF_NETLINK, SOCK_RAW, 0 /* NETLINK_ROUTE */));
	json_attempt("socket_vsock", socket_attempt(AF_VSOCK, SOCK_STREAM, 0));
}

static void emit_ioport_attempts(void)
{
	struct attempt a;

	/* Need CAP_SYS_RAWIO; undone at once (level 0, turn_on 0). */
	a = ATTEMPT(syscall(SYS_iopl, 3));
	if (a.ok)
		syscall(SYS_iopl, 0);
	json_attempt("iopl", a);
	a = ATTEMPT(syscall(SYS_ioperm, 0x80UL, 1UL, 1));
	if (a.ok)
		syscall(SYS_ioperm, 0x80UL, 1UL, 0);
	json_attempt("ioperm", a);
}

/* ---- the rest ---- */

/* The capability check precedes the lookup: EPERM when refused, ENOENT
 * when allowed. Never called on a path that exists (EEXIST instead), so
 * that swap or accounting can never be switched on. */
static struct attempt missing_path_attempt(long nr)
{
	const char *path = "/berth-probe-nonexistent";

	if (path_exists(path))
		return attempt_fail(EEXIST);
	if (nr == SYS_swapon)
		return ATTEMPT(syscall(SYS_swapon, path, 0));
	return ATTEMPT(syscall(SYS_acct, path));
}

static struct attempt sethostname_attempt(void)
{
	struct utsname u;

	if (uname(&u) != 0)
		return attempt_fail(errno);
	return ATTEMPT(sethostname(u.nodename, strlen(u.nodename)));
}

static int child_setuid0(long unused)
{
	(void)unused;
	return setuid(0) == 0 ? 0 : errno;
}

static struct attempt chown_tmp_attempt(void)
{
	const char *path = "/tmp/berth-probe-chown";
	struct attempt a;
	int fd;

	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return attempt_fail(errno);
	close(fd);
	a = ATTEMPT(chown(path, 1234, 1234));
	unlink(path);
	return a;
}

static struct attempt bind_80_attempt(void)
{
	struct sockaddr_in sa;
	int one = 1;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct attempt a;

	if (fd < 0)
		return attempt_fail(errno);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons(80);
	sa.sin_addr.s_addr = htonl(INADDR_ANY);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	a = ATTEMPT(bind(fd, (struct sockaddr *)&sa, sizeof(sa)));
	close(fd);
	return a;
}

static void emit_misc_attempts(void)
{
	struct timex tx;

	json_attempt("swapon", missing_path_attempt(SYS_swapon));
	json_attempt("acct", missing_path_attempt(SYS_acct));
	/* modes 0: reads the clock state, changes nothing. */
	memset(&tx, 0, sizeof(tx));
	json_attempt("clock_adjtime_read", ATTEMPT(syscall(SYS_adjtimex, &tx)));
	json_attempt("chroot", ATTEMPT(chroot("/")));
	json_attempt("sethostname", sethostname_attempt());
	json_attempt("setuid0", in_child(child_setuid0, 0));
	json_attempt("chown_tmp", chown_tmp_attempt());
	json_attempt("net_bind_80", bind_80_attempt());
}

static void emit_syscall_attempts(void)
{
	emit_mount_attempts();
	emit_namespace_attempts();
	emit_module_attempts();
	json_attempt("open_by_handle_at", open_by_handle_attempt());
	json_attempt("name_to_handle_at", name_to_handle_attempt());
	json_attempt("ptrace_attach", ptrace_attach_attempt());
	json_attempt("process_vm_readv", process_vm_readv_attempt());
	emit_key_attempts();
	emit_kernel_object_attempts();
	emit_personality_attempts();
	emit_socket_attempts();
	emit_ioport_attempts();
	emit_misc_attempts();
}

/* ---- reachability ---- */

typedef void (*item_fn)(const char *item);

/* fn for each non-empty ':'-separated item of the variable, inside an
 * object under key (empty when the variable is not set). */
static void emit_env_items(const char *key, const char *var, item_fn fn)
{
	const char *value = getenv(var);
	char *copy = xstrdup(value ? value : ""), *save = NULL;

	json_open(key, '{');
	for (char *item = strtok_r(copy, ":", &save); item; item = strtok_r(NULL, ":", &save))
		fn(item);
	json_close('}');
	free(copy);
}

static void emit_path_item(const char *path)
{
	bool exists = path_exists(path);
	int err = errno;

	json_open(path, '{');
	json_bool("exists", exists);
	if (!exists)
		json_errno("errno", err);
	json_close('}');
}

/* 0 once connected, else an errno (ETIMEDOUT after ms). */
static int wait_connected(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	int soerr = 0, n;
	socklen_t len = sizeof(soerr);

	n = poll(&p, 1, ms);
	if (n == 0)
		return ETIMEDOUT;
	if (n < 0)
		return errno;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) != 0)
		return errno;
	return soerr;
}

/* "HOST,PORT" (IPv4) into sa; false if malformed. */
static bool parse_host_port(const char *item, struct sockaddr_in *sa)
{
	const char *comma = strrchr(item, ',');
	char host[INET_ADDRSTRLEN];
	char *end;
	long port;

	if (comma == NULL || (size_t)(comma - item) >= sizeof(host))
		return false;
	memcpy(host, item, (size_t)(comma - item));
	host[comma - item] = '\0';
	port = strtol(comma + 1, &end, 10);
	if (*end != '\0' || end == comma + 1 || port < 1 || port > 65535)
		return false;
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	return inet_pton(AF_INET, host, &sa->sin_addr) == 1;
}

static struct attempt tcp_connect_attempt(const char *item)
{
	struct sockaddr_in sa;
	int fd, err = 0;

	if (!parse_host_port(item, &sa))
		return attempt_fail(EINVAL);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return attempt_fail(errno);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		err = errno == EINPROGRESS ? wait_connected(fd, TCP_TIMEOUT_MS) : errno;
	close(fd);
	return err ? attempt_fail(err) : attempt_ok();
}

static void emit_tcp_item(const char *item)
{
	json_attempt(item, tcp_connect_attempt(item));
}

/* Non-blocking, so that a full backlog gives EAGAIN instead of a hang;
 * "@name" is the abstract name "\0name". */
static struct attempt unix_connect_attempt(const char *item)
{
	struct sockaddr_un sa;
	size_t n = strlen(item);
	socklen_t len;
	struct attempt a;
	int fd;

	if (n >= sizeof(sa.sun_path))
		return attempt_fail(ENAMETOOLONG);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, item, n);
	if (item[0] == '@')
		sa.sun_path[0] = '\0';
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + (item[0] == '@' ? 0 : 1));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return attempt_fail(errno);
	a = ATTEMPT(connect(fd, (struct sockaddr *)&sa, len));
	close(fd);
	return a;
}

static void emit_unix_item(const char *item)
{
	json_attempt(item, unix_connect_attempt(item));
}

static void emit_reachability(void)
{
	emit_env_items("paths", "BERTH_PROBE_PATHS", emit_path_item);
	emit_env_items("tcp", "BERTH_PROBE_TCP", emit_tcp_item);
	emit_env_items("unix", "BERTH_PROBE_UNIX", emit_unix_item);
}

/* ---- executables ---- */

/* readlink of path under key; null plus errno_key (when given) on failure,
 * errno_key null on success. */
static void emit_link(const char *key, const char *errno_key, const char *path)
{
	char buf[PATH_MAX];
	ssize_t n = readlink(path, buf, sizeof(buf) - 1);
	int err = errno;

	if (n < 0) {
		json_null(key);
		if (errno_key)
			json_errno(errno_key, err);
		return;
	}
	buf[n] = '\0';
	json_str(key, buf);
	if (errno_key)
		json_null(errno_key);
}

static void emit_executables(void)
{
	char path[64];

	emit_link("self_exe", NULL, "/proc/self/exe");
	emit_link("pid1_exe", "pid1_exe_errno", "/proc/1/exe");
	snprintf(path, sizeof(path), "/proc/%d/exe", (int)getppid());
	emit_link("ppid_exe", "ppid_exe_errno", path);
}

/* ---- modes ---- */

static int run_report(const struct int_list *fds)
{
	json_open(NULL, '{');
	emit_identity();
	emit_caps_and_seccomp();
	emit_processes();
	emit_hostname();
	json_int_array("fds", fds);
	emit_cgroup();
	emit_rlimit();
	emit_write_attempts();
	emit_masked();
	emit_sysctls();
	emit_devices();
	emit_syscall_attempts();
	emit_reachability();
	emit_executables();
	json_close('}');
	fputc('\n', stdout);
	return fflush(stdout) == 0 ? 0 : 1;
}

static bool parse_seconds(const char *s, double *out)
{
	char *end;
	double v;

	if (s == NULL)
		return false;
	v = strtod(s, &end);
	if (end == s || *end != '\0' || !(v >= 0) || v > 1e7)
		return false;
	*out = v;
	return true;
}

static struct timespec to_timespec(double seconds)
{
	struct timespec ts;

	ts.tv_sec = (time_t)seconds;
	ts.tv_nsec = (long)((seconds - (double)ts.tv_sec) * 1e9);
	if (ts.tv_nsec >= 1000000000L)
		ts.tv_nsec = 999999999L;
	return ts;
}

/* Sleeps like sleep(1): default signal dispositions, so that as a
 * namespace's pid 1 it ignores SIGTERM. */
static void sleep_for(double seconds)
{
	struct timespec ts = to_timespec(seconds);

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* Sleeps until the time is up or SIGTERM, SIGINT or SIGHUP arrives
 * (blocked and waited for, so this works as pid 1 as well). */
static void sleep_until_signal(double seconds)
{
	struct timespec deadline, now, left;
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	left = to_timespec(seconds);
	deadline.tv_sec += left.tv_sec + (deadline.tv_nsec + left.tv_nsec) / 1000000000L;
	deadline.tv_nsec = (deadline.tv_nsec + left.tv_nsec) % 1000000000L;
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		left.tv_sec = deadline.tv_sec - now.tv_sec;
		left.tv_nsec = deadline.tv_nsec - now.tv_nsec;
		if (left.tv_nsec < 0) {
			left.tv_sec--;
			left.tv_nsec += 1000000000L;
		}
		if (left.tv_sec < 0)
			return;
		if (sigtimedwait(&set, NULL, &left) >= 0 || errno != EINTR)
			return;
	}
}

static int run_hold_ipc(double seconds)
{
	int id = shmget(SHM_KEY, 4096, IPC_CREAT | 0600);
	int err = errno;

	json_open(NULL, '{');
	if (id < 0) {
		json_null("shmid");
		json_errno("errno", err);
	} else {
		json_int("shmid", id);
	}
	json_close('}');
	fputc('\n', stdout);
	fflush(stdout);
	if (id < 0)
		return 1;
	sleep_until_signal(seconds);
	shmctl(id, IPC_RMID, NULL);
	return 0;
}

static int run_sleep(double seconds)
{
	json_open(NULL, '{');
	json_bool("sleeping", true);
	json_close('}');
	fputc('\n', stdout);
	fflush(stdout);
	sleep_for(seconds);
	return 0;
}

/* Children that exit at once and are never waited for: whoever reaps
 * them (or not) is what the test observes. */
static int run_zombies(long n)
{
	long forked = 0;

	fflush(stdout);
	for (long i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid == 0)
			_exit(0);
		if (pid > 0)
			forked++;
	}
	json_open(NULL, '{');
	json_int("forked", forked);
	json_close('}');
	fputc('\n', stdout);
	fflush(stdout);
	sleep_for(2);
	return 0;
}

static int usage(void)
{
	fputs("usage: berth-probe [report | report-after SECONDS | hold-ipc SECONDS |"
	      " sleep SECONDS | zombies N]\n",
	      stderr);
	return 2;
}

int main(int argc, char **argv)
{
	/* First, before anything else opens a file. */
	struct int_list fds = open_fds_at_start();
	const char *mode = argc > 1 ? argv[1] : "report";
	const char *arg = argc > 2 ? argv[2] : NULL;
	double seconds = 0;
	char *end;
	long n;

	json_start(stdout);
	if (strcmp(mode, "report") == 0 && argc <= 2)
		return run_report(&fds);
	if (argc != 3)
		return usage();
	if (strcmp(mode, "zombies") == 0) {
		n = strtol(arg, &end, 10);
		if (*end != '\0' || end == arg || n < 0 || n > 10000)
			return usage();
		return run_zombies(n);
	}
	if (!parse_seconds(arg, &seconds))
		return usage();
	if (strcmp(mode, "report-after") == 0) {
		sleep_for(seconds);
		return run_report(&fds);
	}
	if (strcmp(mode, "hold-ipc") == 0)
		return run_hold_ipc(seconds);
	if (strcmp(mode, "sleep") == 0)
		return run_sleep(seconds);
	return usage();
}
