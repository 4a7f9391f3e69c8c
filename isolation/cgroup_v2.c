/* cgroup_v2.c: the cgroup v2 backend (one unified hierarchy).
 *
 * Layout: ROOT/PARENT/task-ID/CONTAINER.  PARENT and every task cgroup
 * enable +cpu +memory +pids (+io when offered) in cgroup.subtree_control,
 * so by the "no internal processes" rule processes live only in the
 * container (leaf) cgroups.  Task: cpu.max (hard quota), memory.max,
 * memory.swap.max = 0, pids.max.  Container: cpu.weight (share among
 * siblings), memory.max, memory.low.  OOM kills: the container's
 * memory.events `oom_kill`.  The kernel counts a kill in the cgroup of the
 * killed process (and, hierarchically, its ancestors) whichever limit was
 * hit; seen on 6.1 with only the task limited: task memory.events
 * "oom 1 oom_kill 1", task memory.events.local "oom 1 oom_kill 0",
 * container memory.events and .local "oom 0 oom_kill 1".  Kill:
 * cgroup.kill (5.14+), else freeze + SIGKILL loop.  cpu.weight is
 * units * 100 / 1024 (1024 units = the default weight 100).  Writes only
 * PARENT's own files and those below it; never mounts. */
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
#define KILL_WAIT_TRIES 1000 /* x 10 ms: emulated guests are slow */

static const char *const required[] = {"cpu", "memory", "pids"};

static int v2_setup_parent(struct cgroup_host *h, struct berth_err *err)
{
	char dir[PATH_MAX], file[PATH_MAX];

	if (cg_path(h, 0, NULL, NULL, NULL, dir, err) < 0 || fs_mkdir_p(dir, 0755, err) < 0 ||
	    cg_path(h, 0, NULL, NULL, "cgroup.controllers", file, err) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++)
		if (!cg_file_has_word(file, required[i]))
			return berth_err_set(err, ENOTSUP,
			                     "controller %s not offered in %s (enable it in the "
			                     "subtree_control of its ancestors)",
			                     required[i], dir);
	h->v2_io = cg_file_has_word(file, "io");
	if (cg_write(h, CG_CPU, NULL, NULL, "cgroup.subtree_control",
	             h->v2_io ? "+cpu +memory +pids +io" : "+cpu +memory +pids", err) < 0)
		return -1;
	if (cg_path(h, 0, NULL, NULL, "cgroup.kill", file, err) < 0)
		return -1;
	h->v2_kill = access(file, F_OK) == 0;
	if (cg_path(h, 0, NULL, NULL, "cgroup.freeze", file, err) < 0)
		return -1;
	h->v2_freeze = access(file, F_OK) == 0;
	return 0;
}

/* "N" or "max" for a MiB figure where 0 means unset. */
static void mib_or_max(uint64_t mib, char out[32])
{
	if (mib)
		snprintf(out, 32, "%" PRIu64, mib << 20);
	else
		snprintf(out, 32, "max");
}

static int v2_task_limits(const struct cgroup_host *h, const char *t,
                          const struct cgroup_task_limits *l, struct berth_err *err)
{
	char v[64];
	uint64_t quota = l->cpu_units * CPU_PERIOD_US / 1024;

	if (cg_write(h, CG_CPU, t, NULL, "cgroup.subtree_control",
	             h->v2_io ? "+cpu +memory +pids +io" : "+cpu +memory +pids", err) < 0)
		return -1;
	if (l->cpu_units)
		snprintf(v, sizeof(v), "%" PRIu64 " %" PRIu64,
		         quota < CPU_MIN_QUOTA_US ? CPU_MIN_QUOTA_US : quota, CPU_PERIOD_US);
	else
		snprintf(v, sizeof(v), "max %" PRIu64, CPU_PERIOD_US);
	if (cg_write(h, CG_CPU, t, NULL, "cpu.max", v, err) < 0)
		return -1;
	mib_or_max(l->memory_mib, v);
	if (cg_write(h, CG_MEMORY, t, NULL, "memory.max", v, err) < 0 ||
	    /* absent when the kernel does no swap accounting */
	    cg_write_opt(h, CG_MEMORY, t, NULL, "memory.swap.max", "0", err) < 0)
		return -1;
	if (l->pids_max)
		snprintf(v, sizeof(v), "%" PRIu64, l->pids_max);
	else
		snprintf(v, sizeof(v), "max");
	return cg_write(h, CG_PIDS, t, NULL, "pids.max", v, err);
}

/* ECS cpu units (cpu.shares scale, 1024 = the default share) onto
 * cpu.weight (100 = the default), clamped to the kernel's 1..10000. */
static uint64_t units_to_weight(uint64_t units)
{
	uint64_t w = units ? units * 100 / 1024 : 100;

	return w < 1 ? 1 : w > 10000 ? 10000 : w;
}

static int v2_container_limits(const struct cgroup_host *h, const char *t, const char *c,
                               const struct cgroup_container_limits *l, struct berth_err *err)
{
	char v[32];

	if (cg_write_u64(h, CG_CPU, t, c, "cpu.weight", units_to_weight(l->cpu_units), err) < 0)
		return -1;
	mib_or_max(l->memory_mib, v);
	if (cg_write(h, CG_MEMORY, t, c, "memory.max", v, err) < 0)
		return -1;
	snprintf(v, sizeof(v), "%" PRIu64, l->memory_reservation_mib << 20);
	return cg_write(h, CG_MEMORY, t, c, "memory.low", v, err);
}

static int v2_oom_kills(const struct cgroup_host *h, const char *t, const char *c, uint64_t *count,
                        struct berth_err *err)
{
	char p[PATH_MAX];

	if (cg_path(h, 0, t, c, "memory.events", p, err) < 0)
		return -1;
	return cg_read_key(p, "oom_kill", count, err);
}

/* Freeze the task, SIGKILL everything in it, thaw (for kernels without
 * cgroup.kill): frozen processes cannot fork while we walk the tree. */
static int freeze_and_kill(const struct cgroup_host *h, const char *t, const char *dir,
                           struct berth_err *err)
{
	char events[PATH_MAX];
	uint64_t frozen = 0;

	if (cg_write(h, CG_FREEZER, t, NULL, "cgroup.freeze", "1", err) < 0 ||
	    cg_path(h, 0, t, NULL, "cgroup.events", events, err) < 0)
		return -1;
	for (int i = 0; i < 100 && frozen == 0; i++) {
		if (cg_read_key(events, "frozen", &frozen, err) < 0)
			return -1;
		if (frozen == 0)
			cg_sleep_ms(10);
	}
	if (cg_kill_tree(dir, err) < 0)
		return -1;
	return cg_write(h, CG_FREEZER, t, NULL, "cgroup.freeze", "0", err);
}

static int v2_kill_all(const struct cgroup_host *h, const char *t, struct berth_err *err)
{
	char dir[PATH_MAX], events[PATH_MAX];
	uint64_t populated = 1;

	if (cg_path(h, 0, t, NULL, NULL, dir, err) < 0 ||
	    cg_path(h, 0, t, NULL, "cgroup.events", events, err) < 0)
		return -1;
	if (access(dir, F_OK) < 0 && errno == ENOENT)
		return 0;
	if (h->v2_kill) {
		if (cg_write(h, CG_PIDS, t, NULL, "cgroup.kill", "1", err) < 0)
			return -1;
	} else if (h->v2_freeze && freeze_and_kill(h, t, dir, err) < 0) {
		return -1;
	}
	for (int i = 0; i < KILL_WAIT_TRIES; i++) {
		if (cg_read_key(events, "populated", &populated, err) < 0)
			return -1;
		if (populated == 0)
			return 0;
		if (!h->v2_kill && cg_kill_tree(dir, err) < 0)
			return -1;
		cg_sleep_ms(10);
	}
	return berth_err_set(err, EBUSY, "%s still populated after SIGKILL", dir);
}

/* Sum rbytes= and wbytes= over the devices of an io.stat file. */
static int read_io_stat(const char *path, uint64_t *rd, uint64_t *wr, struct berth_err *err)
{
	cleanup_free char *text = NULL;
	int r = cg_read_text_opt(path, &text, err);

	if (r <= 0)
		return r;
	for (char *s = text; (s = strstr(s, "bytes=")) != NULL; s += 6) {
		uint64_t v = strtoull(s + 6, NULL, 10);
		if (s > text && s[-1] == 'r' && (s - 1 == text || s[-2] == ' '))
			*rd += v;
		else if (s > text && s[-1] == 'w' && (s - 1 == text || s[-2] == ' '))
			*wr += v;
	}
	return 0;
}

static int read_file_u64(const struct cgroup_host *h, const char *t, const char *c,
                         const char *file, const char *key, uint64_t *out, struct berth_err *err)
{
	char p[PATH_MAX];

	if (cg_path(h, 0, t, c, file, p, err) < 0)
		return -1;
	return key ? cg_read_key(p, key, out, err) : cg_read_u64(p, out, err);
}

static int v2_read_stats(const struct cgroup_host *h, const char *t, const char *c,
                         struct cgroup_stats *o, struct berth_err *err)
{
	char p[PATH_MAX];
	cleanup_free char *peak = NULL;
	uint64_t usec = 0;
	int r;

	if (read_file_u64(h, t, c, "cpu.stat", "usage_usec", &usec, err) < 0 ||
	    read_file_u64(h, t, c, "memory.current", NULL, &o->memory_usage_bytes, err) < 0 ||
	    read_file_u64(h, t, c, "memory.max", NULL, &o->memory_limit_bytes, err) < 0 ||
	    read_file_u64(h, t, c, "pids.current", NULL, &o->pids_current, err) < 0)
		return -1;
	o->cpu_usage_ns = usec * 1000;
	/* memory.peak is 5.19+ */
	if (cg_path(h, 0, t, c, "memory.peak", p, err) < 0 ||
	    (r = cg_read_text_opt(p, &peak, err)) < 0)
		return -1;
	o->memory_max_usage_bytes = r ? strtoull(peak, NULL, 10) : o->memory_usage_bytes;
	if (cg_path(h, 0, t, c, "io.stat", p, err) < 0)
		return -1;
	return read_io_stat(p, &o->io_read_bytes, &o->io_write_bytes, err);
}

const struct cgroup_ops cg_v2_ops = {
    .setup_parent = v2_setup_parent,
    .task_limits = v2_task_limits,
    .container_limits = v2_container_limits,
    .oom_kills = v2_oom_kills,
    .kill_all = v2_kill_all,
    .read_stats = v2_read_stats,
};
