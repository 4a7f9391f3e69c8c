/* cgroup_v1.c: the cgroup v1 backend, used on pure v1 and on hybrid hosts
 * (where v1 holds the controllers and cgroup2 has none).
 *
 * The hierarchies are found in /proc/self/mountinfo: one root per mounted
 * hierarchy that holds cpu, cpuacct, memory, pids, blkio or freezer (a
 * joint "cpu,cpuacct" mount is one root); cpu, memory and pids are
 * required, the others optional.  Each root gets PARENT/task-ID/CONTAINER
 * and every process is attached in all of them.  Task: cfs quota and
 * period, memory.limit_in_bytes with memsw (or swappiness 0) for no swap,
 * pids.max.  Container: cpu.shares, memory.limit_in_bytes,
 * memory.soft_limit_in_bytes.  OOM kills: memory.oom_control `oom_kill`
 * of the container (v1 counts a kill in the victim's memcg).  Kill: the
 * freezer when mounted, then SIGKILL over cgroup.procs until empty.
 * Never writes outside PARENT and never mounts. */
#include "cgroup_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fs.h"

#define CPU_PERIOD_US UINT64_C(100000)
#define CPU_MIN_QUOTA_US UINT64_C(1000)
#define KILL_WAIT_TRIES 500 /* x 10 ms */
/* v1 reports "no limit" as the page counter's maximum (~2^63). */
#define V1_UNLIMITED_FLOOR (1ull << 62)

static const char *const ctrl_names[CG_NCTRL] = {
    [CG_CPU] = "cpu",   [CG_CPUACCT] = "cpuacct", [CG_MEMORY] = "memory",
    [CG_PIDS] = "pids", [CG_BLKIO] = "blkio",     [CG_FREEZER] = "freezer",
};

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape(char *s)
{
	char *w = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] && s[3]) {
			*w++ = (char)(((s[1] - '0') << 6) | ((s[2] - '0') << 3) | (s[3] - '0'));
			s += 3;
		} else {
			*w++ = *s;
		}
	}
	*w = '\0';
}

/* Controllers named in a v1 mount's super options ("rw,cpu,cpuacct"). */
static unsigned ctrls_of(char *opts)
{
	unsigned bits = 0;
	char *save = NULL;

	for (char *o = strtok_r(opts, ",\n", &save); o; o = strtok_r(NULL, ",\n", &save))
		for (int c = 0; c < CG_NCTRL; c++)
			if (strcmp(o, ctrl_names[c]) == 0)
				bits |= 1u << c;
	return bits;
}

/* One mountinfo line: record a v1 hierarchy or note a cgroup2 mount.
 * `pass` 0 takes only mounts under /sys/fs/cgroup, pass 1 any other. */
static void scan_line(struct cgroup_host *h, char *line, int pass, bool *saw_v2)
{
	char *sep = strstr(line, " - "), *f[5], *save = NULL, *fstype, *opts;
	unsigned bits, mapped = 0;

	if (sep == NULL)
		return;
	*sep = '\0';
	f[0] = strtok_r(line, " ", &save);
	for (int i = 1; i < 5; i++)
		f[i] = f[i - 1] ? strtok_r(NULL, " ", &save) : NULL;
	fstype = strtok_r(sep + 3, " ", &save);
	(void)strtok_r(NULL, " ", &save); /* source */
	opts = strtok_r(NULL, " ", &save);
	if (f[4] == NULL || fstype == NULL || opts == NULL)
		return;
	if (strcmp(fstype, "cgroup2") == 0)
		*saw_v2 = true;
	if (strcmp(fstype, "cgroup") != 0)
		return;
	unescape(f[4]);
	if ((strncmp(f[4], "/sys/fs/cgroup/", 15) == 0) != (pass == 0))
		return;
	bits = ctrls_of(opts);
	for (int c = 0; c < CG_NCTRL; c++)
		if (h->ctrl_root[c] >= 0)
			mapped |= 1u << c;
	/* a hierarchy mounted twice, or one we do not use */
	if (bits == 0 || (bits & mapped) || h->n_roots == CG_MAX_ROOTS ||
	    strlen(f[4]) >= sizeof(h->roots[0].path))
		return;
	snprintf(h->roots[h->n_roots].path, sizeof(h->roots[0].path), "%s", f[4]);
	h->roots[h->n_roots].ctrls = bits;
	for (int c = 0; c < CG_NCTRL; c++)
		if (bits & (1u << c))
			h->ctrl_root[c] = (int)h->n_roots;
	h->n_roots++;
}

int cg_v1_find_roots(struct cgroup_host *h, struct berth_err *err)
{
	cleanup_free char *text = NULL;
	bool saw_v2 = false;

	if (cg_read_text("/proc/self/mountinfo", &text, err) < 0)
		return -1;
	for (int pass = 0; pass < 2; pass++) {
		cleanup_free char *copy = strdup(text);
		char *save = NULL;
		if (copy == NULL)
			return berth_err_set(err, ENOMEM, "parse mountinfo");
		for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
			scan_line(h, l, pass, &saw_v2);
	}
	for (enum cg_ctrl c = CG_CPU; c <= CG_PIDS; c++)
		if (c != CG_CPUACCT && h->ctrl_root[c] < 0)
			return berth_err_set(err, ENOENT,
			                     "no cgroup v1 hierarchy with the %s "
			                     "controller is mounted",
			                     ctrl_names[c]);
	h->layout = saw_v2 ? CGROUP_LAYOUT_HYBRID : CGROUP_LAYOUT_V1;
	return 0;
}

static int v1_setup_parent(struct cgroup_host *h, struct berth_err *err)
{
	char p[PATH_MAX];
	uint64_t hier = 1;

	for (size_t i = 0; i < h->n_roots; i++)
		if (cg_path(h, i, NULL, NULL, NULL, p, err) < 0 || fs_mkdir_p(p, 0755, err) < 0)
			return -1;
	/* Always 1 on modern kernels; older ones allow setting it while
	 * the parent has no children. */
	if (cg_cpath(h, CG_MEMORY, NULL, NULL, "memory.use_hierarchy", p, err) < 0)
		return -1;
	if (access(p, F_OK) == 0 && cg_read_u64(p, &hier, err) < 0)
		return -1;
	return hier ? 0 : fs_write_string(p, "1", err);
}

/* memory.limit_in_bytes and, when the kernel accounts swap, the same
 * figure as memsw (memory + swap) so that nothing is swapped; memsw must
 * stay >= the limit, so the write order depends on the old values. */
static int set_memory(const struct cgroup_host *h, const char *t, const char *c, uint64_t mib,
                      struct berth_err *err)
{
	char v[32], p[PATH_MAX];
	struct berth_err first = {0};

	if (mib)
		snprintf(v, sizeof(v), "%" PRIu64, mib << 20);
	else
		snprintf(v, sizeof(v), "-1");
	if (cg_write_opt(h, CG_MEMORY, t, c, "memory.swappiness", "0", err) < 0 ||
	    cg_cpath(h, CG_MEMORY, t, c, "memory.memsw.limit_in_bytes", p, err) < 0)
		return -1;
	if (access(p, F_OK) < 0)
		return cg_write(h, CG_MEMORY, t, c, "memory.limit_in_bytes", v, err);
	if (cg_write(h, CG_MEMORY, t, c, "memory.limit_in_bytes", v, &first) == 0)
		return fs_write_string(p, v, err);
	if (first.code != EINVAL) {
		if (err)
			*err = first;
		return -1;
	}
	if (fs_write_string(p, v, err) < 0)
		return -1;
	return cg_write(h, CG_MEMORY, t, c, "memory.limit_in_bytes", v, err);
}

static int v1_task_limits(const struct cgroup_host *h, const char *t,
                          const struct cgroup_task_limits *l, struct berth_err *err)
{
	char v[32];
	uint64_t quota = l->cpu_units * CPU_PERIOD_US / 1024;

	if (l->cpu_units)
		snprintf(v, sizeof(v), "%" PRIu64,
		         quota < CPU_MIN_QUOTA_US ? CPU_MIN_QUOTA_US : quota);
	else
		snprintf(v, sizeof(v), "-1");
	if (cg_write_u64(h, CG_CPU, t, NULL, "cpu.cfs_period_us", CPU_PERIOD_US, err) < 0 ||
	    cg_write(h, CG_CPU, t, NULL, "cpu.cfs_quota_us", v, err) < 0 ||
	    set_memory(h, t, NULL, l->memory_mib, err) < 0)
		return -1;
	if (l->pids_max)
		snprintf(v, sizeof(v), "%" PRIu64, l->pids_max);
	else
		snprintf(v, sizeof(v), "max");
	return cg_write(h, CG_PIDS, t, NULL, "pids.max", v, err);
}

static int v1_container_limits(const struct cgroup_host *h, const char *t, const char *c,
                               const struct cgroup_container_limits *l, struct berth_err *err)
{
	char v[32];
	uint64_t shares = l->cpu_units ? l->cpu_units : 1024;

	shares = shares < 2 ? 2 : shares > 262144 ? 262144 : shares;
	if (cg_write_u64(h, CG_CPU, t, c, "cpu.shares", shares, err) < 0 ||
	    set_memory(h, t, c, l->memory_mib, err) < 0)
		return -1;
	if (l->memory_reservation_mib)
		snprintf(v, sizeof(v), "%" PRIu64, l->memory_reservation_mib << 20);
	else
		snprintf(v, sizeof(v), "-1");
	return cg_write(h, CG_MEMORY, t, c, "memory.soft_limit_in_bytes", v, err);
}

static int v1_oom_kills(const struct cgroup_host *h, const char *t, const char *c, uint64_t *count,
                        struct berth_err *err)
{
	char p[PATH_MAX];

	if (cg_cpath(h, CG_MEMORY, t, c, "memory.oom_control", p, err) < 0)
		return -1;
	return cg_read_key(p, "oom_kill", count, err);
}

/* Freeze the task's freezer cgroup, SIGKILL what it holds, thaw: the
 * signals are delivered at thaw, and nothing forks in between. */
static int freeze_and_kill(const struct cgroup_host *h, const char *t, struct berth_err *err)
{
	char dir[PATH_MAX], state[PATH_MAX];

	if (cg_cpath(h, CG_FREEZER, t, NULL, NULL, dir, err) < 0 ||
	    cg_cpath(h, CG_FREEZER, t, NULL, "freezer.state", state, err) < 0)
		return -1;
	if (access(dir, F_OK) < 0)
		return 0;
	if (fs_write_string(state, "FROZEN", err) < 0)
		return -1;
	for (int i = 0; i < 100; i++) {
		cleanup_free char *s = NULL;
		if (cg_read_text(state, &s, err) < 0)
			return -1;
		if (strncmp(s, "FROZEN", 6) == 0)
			break;
		cg_sleep_ms(10);
	}
	if (cg_kill_tree(dir, err) < 0)
		return -1;
	return fs_write_string(state, "THAWED", err);
}

static int v1_kill_all(const struct cgroup_host *h, const char *t, struct berth_err *err)
{
	char dir[PATH_MAX];

	if (cg_cpath(h, CG_PIDS, t, NULL, NULL, dir, err) < 0)
		return -1;
	if (access(dir, F_OK) < 0 && errno == ENOENT)
		return 0;
	if (h->ctrl_root[CG_FREEZER] >= 0 && freeze_and_kill(h, t, err) < 0)
		return -1;
	for (int i = 0; i < KILL_WAIT_TRIES; i++) {
		int n = cg_kill_tree(dir, err);
		if (n <= 0)
			return n;
		cg_sleep_ms(10);
	}
	return berth_err_set(err, EBUSY, "processes left in %s after SIGKILL", dir);
}

/* Sum the "MAJ:MIN Read N" and "MAJ:MIN Write N" lines of blkio. */
static int read_blkio(const struct cgroup_host *h, const char *t, const char *c,
                      struct cgroup_stats *o, struct berth_err *err)
{
	char p[PATH_MAX];
	cleanup_free char *text = NULL;
	int r = -1; /* stays -1 when the path cannot be built */

	if (h->ctrl_root[CG_BLKIO] < 0)
		return 0;
	if (cg_cpath(h, CG_BLKIO, t, c, "blkio.throttle.io_service_bytes_recursive", p, err) < 0 ||
	    (r = cg_read_text_opt(p, &text, err)) <= 0)
		return r < 0 ? -1 : 0;
	for (char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		char op[16];
		unsigned long long v;
		if (sscanf(l, "%*u:%*u %15s %llu", op, &v) != 2)
			continue;
		if (strcmp(op, "Read") == 0)
			o->io_read_bytes += v;
		else if (strcmp(op, "Write") == 0)
			o->io_write_bytes += v;
	}
	return 0;
}

static int read_one(const struct cgroup_host *h, enum cg_ctrl ctrl, const char *t, const char *c,
                    const char *file, uint64_t *out, struct berth_err *err)
{
	char p[PATH_MAX];

	if (cg_cpath(h, ctrl, t, c, file, p, err) < 0)
		return -1;
	return cg_read_u64(p, out, err);
}

static int v1_read_stats(const struct cgroup_host *h, const char *t, const char *c,
                         struct cgroup_stats *o, struct berth_err *err)
{
	if ((h->ctrl_root[CG_CPUACCT] >= 0 &&
	     read_one(h, CG_CPUACCT, t, c, "cpuacct.usage", &o->cpu_usage_ns, err) < 0) ||
	    read_one(h, CG_MEMORY, t, c, "memory.usage_in_bytes", &o->memory_usage_bytes, err) <
	        0 ||
	    read_one(h, CG_MEMORY, t, c, "memory.max_usage_in_bytes", &o->memory_max_usage_bytes,
	             err) < 0 ||
	    read_one(h, CG_MEMORY, t, c, "memory.limit_in_bytes", &o->memory_limit_bytes, err) <
	        0 ||
	    read_one(h, CG_PIDS, t, c, "pids.current", &o->pids_current, err) < 0)
		return -1;
	if (o->memory_limit_bytes >= V1_UNLIMITED_FLOOR)
		o->memory_limit_bytes = CGROUP_UNLIMITED;
	return read_blkio(h, t, c, o, err);
}

const struct cgroup_ops cg_v1_ops = {
    .setup_parent = v1_setup_parent,
    .task_limits = v1_task_limits,
    .container_limits = v1_container_limits,
    .oom_kills = v1_oom_kills,
    .kill_all = v1_kill_all,
    .read_stats = v1_read_stats,
};
