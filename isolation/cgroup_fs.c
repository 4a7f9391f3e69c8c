/* cgroup_fs.c: task and container cgroups (see cgroup.h), through the
 * mounted cgroup filesystems.
 *
 * The layout is probed once; one of two small backends is chosen then:
 *   v2: one hierarchy at /sys/fs/cgroup; PARENT/task-<id>/<container>,
 *       controllers enabled in PARENT's and the task's subtree_control.
 *   v1: one directory per controller (cpu, cpuacct, memory, pids), each
 *       with PARENT/task-<id>/<container>.  Hybrid hosts (v1 holds the
 *       controllers, v2 at /sys/fs/cgroup/unified has none) use v1.
 * Plain file writes are used rather than libcgroup: every operation is a
 * mkdir, an rmdir or one write of a known file, and libcgroup's
 * configuration cache would be one more source of state to keep right.
 * Nothing outside PARENT is written; nothing is mounted. */
#include "cgroup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fs.h"

#define CG_ROOT "/sys/fs/cgroup"
#define MAX_CTRL 4

struct cgroup_host {
	enum cgroup_layout layout;
	const struct cgroup_ops *ops;
	char parent[128];
	/* v1: the controller directories; v2: roots[0] only. */
	char roots[MAX_CTRL][64];
	size_t n_roots;
};

struct cgroup_ops {
	int (*task_limits)(struct cgroup_host *h, const char *task,
			   const struct cgroup_task_limits *l, struct berth_err *err);
	int (*container_limits)(struct cgroup_host *h, const char *dir,
				const struct cgroup_container_limits *l, struct berth_err *err);
	int (*oom_kills)(const char *dir, uint64_t *count);
};

static int path_of(const struct cgroup_host *h, size_t root, const char *task, const char *ctr,
		   const char *file, char *out, size_t len)
{
	int n = snprintf(out, len, "%s/%s%s%s%s%s%s%s", h->roots[root], h->parent,
			 task ? "/task-" : "", task ? task : "", ctr ? "/" : "", ctr ? ctr : "",
			 file ? "/" : "", file ? file : "");
	return n > 0 && (size_t)n < len ? 0 : -1;
}

/* Root index holding controller `name` (v1), or 0 on v2. */
static size_t root_of(const struct cgroup_host *h, const char *name)
{
	for (size_t i = 0; h->layout != CGROUP_LAYOUT_V2 && i < h->n_roots; i++)
		if (strcmp(strrchr(h->roots[i], '/') + 1, name) == 0)
			return i;
	return 0;
}

static int write_file(const struct cgroup_host *h, const char *ctrl, const char *task,
		      const char *ctr, const char *file, const char *value, bool optional,
		      struct berth_err *err)
{
	char p[512];
	path_of(h, root_of(h, ctrl), task, ctr, file, p, sizeof(p));
	if (optional && access(p, F_OK) < 0)
		return 0;
	return fs_write_string(p, value, err);
}

static uint64_t read_u64_field(const char *path, const char *key)
{
	cleanup_fclose FILE *f = fopen(path, "re");
	char line[256];
	size_t kl = key ? strlen(key) : 0;

	while (f && fgets(line, sizeof(line), f)) {
		if (key == NULL)
			return strtoull(line, NULL, 10);
		if (strncmp(line, key, kl) == 0 && line[kl] == ' ')
			return strtoull(line + kl + 1, NULL, 10);
	}
	return 0;
}

/* ---- v1 ---- */

static int v1_task_limits(struct cgroup_host *h, const char *t, const struct cgroup_task_limits *l,
			  struct berth_err *err)
{
	char v[32];

	if (l->cpu_units) {
		snprintf(v, sizeof(v), "%llu", (unsigned long long)(l->cpu_units * 100000 / 1024));
		if (write_file(h, "cpu", t, NULL, "cpu.cfs_period_us", "100000", false, err) < 0 ||
		    write_file(h, "cpu", t, NULL, "cpu.cfs_quota_us", v, false, err) < 0)
			return -1;
	}
	if (l->memory_mib) {
		snprintf(v, sizeof(v), "%llu", (unsigned long long)l->memory_mib << 20);
		if (write_file(h, "memory", t, NULL, "memory.limit_in_bytes", v, false, err) < 0 ||
		    write_file(h, "memory", t, NULL, "memory.memsw.limit_in_bytes", v, true, err) < 0 ||
		    write_file(h, "memory", t, NULL, "memory.swappiness", "0", true, err) < 0)
			return -1;
	}
	if (l->pids_max) {
		snprintf(v, sizeof(v), "%llu", (unsigned long long)l->pids_max);
		if (write_file(h, "pids", t, NULL, "pids.max", v, false, err) < 0)
			return -1;
	}
	return 0;
}

static int v1_container_limits(struct cgroup_host *h, const char *dir,
			       const struct cgroup_container_limits *l, struct berth_err *err)
{
	char v[32];
	const char *t = dir, *c = strchr(dir, '/') + 1;
	char task[64];

	snprintf(task, sizeof(task), "%.*s", (int)(c - t - 1), t);
	snprintf(v, sizeof(v), "%llu", (unsigned long long)(l->cpu_units ? (l->cpu_units < 2 ? 2 : l->cpu_units) : 1024));
	if (write_file(h, "cpu", task, c, "cpu.shares", v, false, err) < 0)
		return -1;
	if (l->memory_mib) {
		snprintf(v, sizeof(v), "%llu", (unsigned long long)l->memory_mib << 20);
		if (write_file(h, "memory", task, c, "memory.limit_in_bytes", v, false, err) < 0)
			return -1;
	}
	if (l->memory_reservation_mib) {
		snprintf(v, sizeof(v), "%llu", (unsigned long long)l->memory_reservation_mib << 20);
		if (write_file(h, "memory", task, c, "memory.soft_limit_in_bytes", v, false, err) < 0)
			return -1;
	}
	return 0;
}

static int v1_oom_kills(const char *dir, uint64_t *count)
{
	char p[600];
	snprintf(p, sizeof(p), "%s/memory.oom_control", dir);
	*count = read_u64_field(p, "oom_kill");
	return 0;
}

/* ---- v2 ---- */

static int v2_task_limits(struct cgroup_host *h, const char *t, const struct cgroup_task_limits *l,
			  struct berth_err *err)
{
	char v[64];

	if (write_file(h, "", t, NULL, "cgroup.subtree_control", "+cpu +memory +pids", false, err) < 0)
		return -1;
	write_file(h, "", t, NULL, "cgroup.subtree_control", "+io", true, err);
	if (l->cpu_units) {
		snprintf(v, sizeof(v), "%llu 100000", (unsigned long long)(l->cpu_units * 100000 / 1024));
		if (write_file(h, "", t, NULL, "cpu.max", v, false, err) < 0)
			return -1;
	}
	if (l->memory_mib) {
		snprintf(v, sizeof(v), "%llu", (unsigned long long)l->memory_mib << 20);
		if (write_file(h, "", t, NULL, "memory.max", v, false, err) < 0 ||
		    write_file(h, "", t, NULL, "memory.swap.max", "0", true, err) < 0)
			return -1;
	}
	if (l->pids_max) {
		snprintf(v, sizeof(v), "%llu", (unsigned long long)l->pids_max);
		if (write_file(h, "", t, NULL, "pids.max", v, false, err) < 0)
			return -1;
	}
	return 0;
}

static int v2_container_limits(struct cgroup_host *h, const char *dir,
			       const struct cgroup_container_limits *l, struct berth_err *err)
{
	char v[32], task[64];
	const char *c = strchr(dir, '/') + 1;
	/* cpu.shares 2..262144 maps onto cpu.weight 1..10000 as crun does. */
	uint64_t shares = l->cpu_units ? (l->cpu_units < 2 ? 2 : l->cpu_units) : 1024;

	snprintf(task, sizeof(task), "%.*s", (int)(c - dir - 1), dir);
	snprintf(v, sizeof(v), "%llu", (unsigned long long)(1 + ((shares - 2) * 9999) / 262142));
	if (write_file(h, "", task, c, "cpu.weight", v, false, err) < 0)
		return -1;
	if (l->memory_mib) {
		snprintf(v, sizeof(v), "%llu", (unsigned long long)l->memory_mib << 20);
		if (write_file(h, "", task, c, "memory.max", v, false, err) < 0)
			return -1;
	}
	if (l->memory_reservation_mib) {
		snprintf(v, sizeof(v), "%llu", (unsigned long long)l->memory_reservation_mib << 20);
		if (write_file(h, "", task, c, "memory.low", v, false, err) < 0)
			return -1;
	}
	return 0;
}

static int v2_oom_kills(const char *dir, uint64_t *count)
{
	char p[600];
	snprintf(p, sizeof(p), "%s/memory.events", dir);
	*count = read_u64_field(p, "oom_kill");
	return 0;
}

static const struct cgroup_ops v1_ops = { v1_task_limits, v1_container_limits, v1_oom_kills };
static const struct cgroup_ops v2_ops = { v2_task_limits, v2_container_limits, v2_oom_kills };

/* ---- common ---- */

const char *cgroup_layout_name(enum cgroup_layout l)
{
	return l == CGROUP_LAYOUT_V2 ? "v2" : l == CGROUP_LAYOUT_V1 ? "v1" : "hybrid";
}

enum cgroup_layout cgroup_host_layout(const struct cgroup_host *h)
{
	return h->layout;
}

static int mkdir_all_roots(struct cgroup_host *h, const char *task, const char *ctr,
			   struct berth_err *err)
{
	for (size_t i = 0; i < h->n_roots; i++) {
		char p[512];
		path_of(h, i, task, ctr, NULL, p, sizeof(p));
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			return berth_err_errno(err, "create cgroup %s", p);
	}
	return 0;
}

struct cgroup_host *cgroup_probe(const char *parent, struct berth_err *err)
{
	static const char *const v1_ctrls[] = { "cpu", "cpuacct", "memory", "pids" };
	struct cgroup_host *h = calloc(1, sizeof(*h));

	if (h == NULL) {
		berth_err_set(err, ENOMEM, "cgroups");
		return NULL;
	}
	snprintf(h->parent, sizeof(h->parent), "%s", parent);
	if (access(CG_ROOT "/cgroup.controllers", F_OK) == 0) {
		h->layout = CGROUP_LAYOUT_V2, h->ops = &v2_ops, h->n_roots = 1;
		snprintf(h->roots[0], sizeof(h->roots[0]), CG_ROOT);
	} else {
		h->layout = access(CG_ROOT "/unified/cgroup.controllers", F_OK) == 0 ? CGROUP_LAYOUT_HYBRID
										    : CGROUP_LAYOUT_V1;
		h->ops = &v1_ops;
		for (size_t i = 0; i < 4; i++) {
			snprintf(h->roots[h->n_roots], sizeof(h->roots[0]), CG_ROOT "/%s", v1_ctrls[i]);
			if (access(h->roots[h->n_roots], F_OK) == 0)
				h->n_roots++;
		}
		if (h->n_roots < 3) {
			berth_err_set(err, ENOENT, "no cgroup v1 cpu/memory/pids hierarchy under " CG_ROOT);
			free(h);
			return NULL;
		}
	}
	if (mkdir_all_roots(h, NULL, NULL, err) < 0 ||
	    (h->layout == CGROUP_LAYOUT_V2 &&
	     write_file(h, "", NULL, NULL, "cgroup.subtree_control", "+cpu +memory +pids", false, err) < 0)) {
		berth_err_wrap(err, "set up berth's cgroup parent %s", parent);
		free(h);
		return NULL;
	}
	if (h->layout == CGROUP_LAYOUT_V2)
		write_file(h, "", NULL, NULL, "cgroup.subtree_control", "+io", true, err);
	return h;
}

void cgroup_host_free(struct cgroup_host *h)
{
	free(h);
}

int cgroup_task_create(struct cgroup_host *h, const char *task_id,
		       const struct cgroup_task_limits *lim, struct berth_err *err)
{
	if (mkdir_all_roots(h, task_id, NULL, err) < 0 || h->ops->task_limits(h, task_id, lim, err) < 0)
		return berth_err_wrap(err, "cgroup of task %s", task_id);
	return 0;
}

int cgroup_container_create(struct cgroup_host *h, const char *task_id, const char *container,
			    const struct cgroup_container_limits *lim, struct berth_err *err)
{
	char dir[256];

	snprintf(dir, sizeof(dir), "%s/%s", task_id, container);
	if (mkdir_all_roots(h, task_id, container, err) < 0 ||
	    h->ops->container_limits(h, dir, lim, err) < 0)
		return berth_err_wrap(err, "cgroup of container %s", container);
	return 0;
}

int cgroup_container_open_fd(struct cgroup_host *h, const char *task_id, const char *container)
{
	char p[512];

	if (h->layout != CGROUP_LAYOUT_V2) {
		errno = ENOTSUP;
		return -1;
	}
	path_of(h, 0, task_id, container, NULL, p, sizeof(p));
	return open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

int cgroup_container_attach(struct cgroup_host *h, const char *task_id, const char *container,
			    pid_t pid, struct berth_err *err)
{
	char v[24];

	snprintf(v, sizeof(v), "%d", (int)pid);
	for (size_t i = 0; i < h->n_roots; i++) {
		char p[512];
		path_of(h, i, task_id, container, "cgroup.procs", p, sizeof(p));
		if (fs_write_string(p, v, err) < 0)
			return -1;
	}
	return 0;
}

int cgroup_container_oom_kills(struct cgroup_host *h, const char *task_id, const char *container,
			       uint64_t *count, struct berth_err *err)
{
	char c[512], t[512];
	uint64_t own = 0, task = 0;
	(void)err;

	path_of(h, root_of(h, "memory"), task_id, container, NULL, c, sizeof(c));
	path_of(h, root_of(h, "memory"), task_id, NULL, NULL, t, sizeof(t));
	h->ops->oom_kills(c, &own);
	h->ops->oom_kills(t, &task);
	/* A kill forced by the task's limit is counted at the task level. */
	*count = own + (h->layout == CGROUP_LAYOUT_V2 ? 0 : task);
	return 0;
}

/* Kill every pid listed in DIR/cgroup.procs and its children; returns
 * how many were seen. */
static int kill_tree(const char *dir)
{
	char p[700];
	int seen = 0;
	cleanup_closedir DIR *d = opendir(dir);
	struct dirent *de;
	FILE *f;
	char line[32];

	snprintf(p, sizeof(p), "%s/cgroup.procs", dir);
	if ((f = fopen(p, "re")) != NULL) {
		while (fgets(line, sizeof(line), f)) {
			kill((pid_t)atoi(line), SIGKILL);
			seen++;
		}
		fclose(f);
	}
	while (d && (de = readdir(d)) != NULL) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		seen += kill_tree(p);
	}
	return seen;
}

int cgroup_task_kill_all(struct cgroup_host *h, const char *task_id, struct berth_err *err)
{
	char dir[512], kill_file[600];
	size_t r = root_of(h, "pids");

	path_of(h, r, task_id, NULL, NULL, dir, sizeof(dir));
	if (access(dir, F_OK) < 0)
		return 0;
	snprintf(kill_file, sizeof(kill_file), "%s/cgroup.kill", dir);
	if (h->layout == CGROUP_LAYOUT_V2 && access(kill_file, F_OK) == 0)
		fs_write_string(kill_file, "1", err);
	for (int i = 0; i < 200; i++) {
		if (kill_tree(dir) == 0)
			return 0;
		usleep(5000);
	}
	return berth_err_set(err, EBUSY, "processes of task %s do not die", task_id);
}

static int rmdir_retry(const char *p)
{
	for (int i = 0; i < 100; i++) {
		if (rmdir(p) == 0 || errno == ENOENT)
			return 0;
		if (errno != EBUSY)
			return -1;
		usleep(10000);
	}
	return -1;
}

int cgroup_task_remove(struct cgroup_host *h, const char *task_id, struct berth_err *err)
{
	for (size_t i = 0; i < h->n_roots; i++) {
		char dir[512];
		cleanup_closedir DIR *d = NULL;
		struct dirent *de;
		path_of(h, i, task_id, NULL, NULL, dir, sizeof(dir));
		d = opendir(dir);
		while (d && (de = readdir(d)) != NULL) {
			char p[800];
			if (de->d_type != DT_DIR || de->d_name[0] == '.')
				continue;
			snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
			if (rmdir_retry(p) < 0)
				return berth_err_errno(err, "remove cgroup %s", p);
		}
		if (rmdir_retry(dir) < 0)
			return berth_err_errno(err, "remove cgroup %s", dir);
	}
	return 0;
}

int cgroup_list_tasks(struct cgroup_host *h, char ***ids, struct berth_err *err)
{
	char dir[512];
	cleanup_closedir DIR *d = NULL;
	struct dirent *de;
	size_t n = 0;
	char **v = calloc(1, sizeof(*v));

	if (v == NULL)
		return berth_err_set(err, ENOMEM, "list task cgroups");
	path_of(h, 0, NULL, NULL, NULL, dir, sizeof(dir));
	d = opendir(dir);
	while (d && (de = readdir(d)) != NULL) {
		char **nv;
		if (de->d_type != DT_DIR || strncmp(de->d_name, "task-", 5) != 0)
			continue;
		nv = realloc(v, (n + 2) * sizeof(*v));
		if (nv == NULL)
			break;
		v = nv;
		v[n++] = strdup(de->d_name + 5);
		v[n] = NULL;
	}
	*ids = v;
	return 0;
}

int cgroup_read_stats(struct cgroup_host *h, const char *task_id, const char *container,
		      struct cgroup_stats *out, struct berth_err *err)
{
	char p[512];
	(void)err;

	memset(out, 0, sizeof(*out));
	if (h->layout == CGROUP_LAYOUT_V2) {
		path_of(h, 0, task_id, container, "cpu.stat", p, sizeof(p));
		out->cpu_usage_ns = read_u64_field(p, "usage_usec") * 1000;
		path_of(h, 0, task_id, container, "memory.current", p, sizeof(p));
		out->memory_usage_bytes = read_u64_field(p, NULL);
		path_of(h, 0, task_id, container, "memory.peak", p, sizeof(p));
		out->memory_max_usage_bytes = read_u64_field(p, NULL);
		path_of(h, 0, task_id, container, "memory.max", p, sizeof(p));
		out->memory_limit_bytes = read_u64_field(p, NULL);
		path_of(h, 0, task_id, container, "pids.current", p, sizeof(p));
		out->pids_current = read_u64_field(p, NULL);
		return 0;
	}
	path_of(h, root_of(h, "cpuacct"), task_id, container, "cpuacct.usage", p, sizeof(p));
	out->cpu_usage_ns = read_u64_field(p, NULL);
	path_of(h, root_of(h, "memory"), task_id, container, "memory.usage_in_bytes", p, sizeof(p));
	out->memory_usage_bytes = read_u64_field(p, NULL);
	path_of(h, root_of(h, "memory"), task_id, container, "memory.max_usage_in_bytes", p, sizeof(p));
	out->memory_max_usage_bytes = read_u64_field(p, NULL);
	path_of(h, root_of(h, "memory"), task_id, container, "memory.limit_in_bytes", p, sizeof(p));
	out->memory_limit_bytes = read_u64_field(p, NULL);
	path_of(h, root_of(h, "pids"), task_id, container, "pids.current", p, sizeof(p));
	out->pids_current = read_u64_field(p, NULL);
	return 0;
}
