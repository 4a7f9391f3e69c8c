/* cgroup.c: layout probe and the entry points of cgroup.h.
 *
 * cgroup_probe() decides once: a cgroup2 mount at /sys/fs/cgroup that
 * offers cpu, memory and pids is pure v2 (cgroup_v2.c); otherwise the v1
 * hierarchies found in /proc/self/mountinfo are used (cgroup_v1.c), and
 * the layout is "hybrid" when a cgroup2 mount (without those controllers,
 * e.g. /sys/fs/cgroup/unified) exists beside them.  The chosen ops table
 * is then the only place v1 and v2 differ; this file holds what is the
 * same for both: name checks, mkdir/rmdir of task and container cgroups
 * in every root, attach, listing, and the error context of each call.
 *
 * Plain file writes are used rather than libcgroup: each operation is a
 * mkdir, an rmdir or one write of a known file, and libcgroup 2.0 keeps
 * the mount table in a process-wide cache (cgroup_init()) that would be
 * one more piece of mutable global state in a threaded daemon; it also
 * knows nothing of cgroup.kill or cgroup.freeze.  Nothing under
 * /sys/fs/cgroup is mounted; nothing outside berth's parent is written. */
#include "cgroup_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <dirent.h>
#include <linux/magic.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/log.h"

#define CG_V2_ROOT "/sys/fs/cgroup"

/* Task ids and ECS container names: 1..255 of [A-Za-z0-9_-].  This also
 * keeps a name from colliding with an interface file (they all hold a
 * dot) or escaping the parent. */
static bool valid_name(const char *s)
{
	size_t n = 0;

	if (s == NULL)
		return false;
	for (; s[n]; n++)
		if (!((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= 'A' && s[n] <= 'Z') ||
		      (s[n] >= '0' && s[n] <= '9') || s[n] == '_' || s[n] == '-'))
			return false;
	return n > 0 && n <= CG_NAME_MAX;
}

/* PARENT: relative, components of [A-Za-z0-9_.-] that are not "." or "..". */
static int set_parent(struct cgroup_host *h, const char *parent, struct berth_err *err)
{
	const char *p = parent ? parent : "";

	while (*p == '/')
		p++;
	if (*p == '\0' || strlen(p) >= sizeof(h->parent))
		return berth_err_set(err, EINVAL, "cgroup parent '%s'", parent ? parent : "");
	for (const char *c = p; *c; c++) {
		bool ok = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		          (*c >= '0' && *c <= '9') || *c == '_' || *c == '-' || *c == '.' ||
		          (*c == '/' && c[1] != '/' && c[1] != '\0');
		bool dots =
		    (c == p || c[-1] == '/') && c[0] == '.' &&
		    (c[1] == '/' || c[1] == '\0' || (c[1] == '.' && (c[2] == '/' || c[2] == '\0')));
		if (!ok || dots)
			return berth_err_set(err, EINVAL, "cgroup parent '%s'", parent);
	}
	snprintf(h->parent, sizeof(h->parent), "%s", p);
	return 0;
}

/* Pure v2: /sys/fs/cgroup is cgroup2 and offers cpu, memory and pids. */
static bool probe_v2(struct cgroup_host *h)
{
	struct statfs sf;

	if (statfs(CG_V2_ROOT, &sf) < 0 || sf.f_type != CGROUP2_SUPER_MAGIC)
		return false;
	if (!cg_file_has_word(CG_V2_ROOT "/cgroup.controllers", "cpu") ||
	    !cg_file_has_word(CG_V2_ROOT "/cgroup.controllers", "memory") ||
	    !cg_file_has_word(CG_V2_ROOT "/cgroup.controllers", "pids"))
		return false;
	snprintf(h->roots[0].path, sizeof(h->roots[0].path), CG_V2_ROOT);
	h->roots[0].ctrls = (1u << CG_NCTRL) - 1;
	h->n_roots = 1;
	for (int c = 0; c < CG_NCTRL; c++)
		h->ctrl_root[c] = 0;
	h->layout = CGROUP_LAYOUT_V2;
	h->ops = &cg_v2_ops;
	return true;
}

struct cgroup_host *cgroup_probe(const char *parent, struct berth_err *err)
{
	cleanup_free struct cgroup_host *h = calloc(1, sizeof(*h));

	if (h == NULL) {
		berth_err_set(err, ENOMEM, "probe cgroups");
		return NULL;
	}
	for (int c = 0; c < CG_NCTRL; c++)
		h->ctrl_root[c] = -1;
	if (set_parent(h, parent, err) < 0)
		return NULL;
	if (!probe_v2(h)) {
		if (cg_v1_find_roots(h, err) < 0) {
			berth_err_wrap(err, "probe cgroups (no cgroup2 with cpu, memory, pids "
			                    "at " CG_V2_ROOT ")");
			return NULL;
		}
		h->ops = &cg_v1_ops;
	}
	if (h->ops->setup_parent(h, err) < 0) {
		berth_err_wrap(err, "set up berth's cgroup parent %s (%s)", h->parent,
		               cgroup_layout_name(h->layout));
		return NULL;
	}
	return steal_pointer(&h);
}

void cgroup_parent_remove(const struct cgroup_host *h)
{
	for (size_t i = 0; h && i < h->n_roots; i++) {
		char p[PATH_MAX];
		struct berth_err e = { 0 };
		/* A plain rmdir: it fails (EBUSY) while any task cgroup is left. */
		if (cg_path(h, i, NULL, NULL, NULL, p, &e) == 0 && rmdir(p) < 0 && errno != ENOENT &&
		    errno != EBUSY)
			log_warn("remove cgroup parent %s: %s", p, strerror(errno));
	}
}

void cgroup_host_free(struct cgroup_host *h)
{
	free(h);
}

enum cgroup_layout cgroup_host_layout(const struct cgroup_host *h)
{
	return h->layout;
}

const char *cgroup_layout_name(enum cgroup_layout l)
{
	switch (l) {
	case CGROUP_LAYOUT_V2:
		return "v2";
	case CGROUP_LAYOUT_V1:
		return "v1";
	case CGROUP_LAYOUT_HYBRID:
		return "hybrid";
	}
	return "unknown";
}

/* mkdir the cgroup in every root; *created tells whether any was new. */
static int mkdir_roots(const struct cgroup_host *h, const char *task, const char *ctr,
                       bool *created, struct berth_err *err)
{
	*created = false;
	for (size_t i = 0; i < h->n_roots; i++) {
		char p[PATH_MAX];
		if (cg_path(h, i, task, ctr, NULL, p, err) < 0)
			return -1;
		if (mkdir(p, 0755) == 0)
			*created = true;
		else if (errno != EEXIST)
			return berth_err_errno(err, "mkdir %s", p);
	}
	return 0;
}

/* Remove the cgroup in every root; tries them all, reports the first error. */
static int rmdir_roots(const struct cgroup_host *h, const char *task, const char *ctr,
                       struct berth_err *err)
{
	int rc = 0;

	for (size_t i = 0; i < h->n_roots; i++) {
		char p[PATH_MAX];
		struct berth_err e = {0};
		if (cg_path(h, i, task, ctr, NULL, p, &e) < 0 || cg_rmdir_tree(p, &e) < 0) {
			if (rc == 0 && err)
				*err = e;
			rc = -1;
		}
	}
	return rc;
}

int cgroup_task_create(struct cgroup_host *h, const char *task_id,
                       const struct cgroup_task_limits *lim, struct berth_err *err)
{
	bool created;

	if (!valid_name(task_id))
		return berth_err_set(err, EINVAL, "create cgroup of task: bad task id");
	if (mkdir_roots(h, task_id, NULL, &created, err) < 0 ||
	    h->ops->task_limits(h, task_id, lim, err) < 0) {
		if (created)
			rmdir_roots(h, task_id, NULL, NULL);
		return berth_err_wrap(err, "create cgroup of task %s", task_id);
	}
	return 0;
}

int cgroup_container_create(struct cgroup_host *h, const char *task_id, const char *container,
                            const struct cgroup_container_limits *lim, struct berth_err *err)
{
	bool created;

	if (!valid_name(task_id) || !valid_name(container))
		return berth_err_set(err, EINVAL, "create cgroup of container: bad task or name");
	if (mkdir_roots(h, task_id, container, &created, err) < 0 ||
	    h->ops->container_limits(h, task_id, container, lim, err) < 0) {
		if (created)
			rmdir_roots(h, task_id, container, NULL);
		return berth_err_wrap(err, "create cgroup of container %s of task %s", container,
		                      task_id);
	}
	return 0;
}

int cgroup_container_open_fd(struct cgroup_host *h, const char *task_id, const char *container)
{
	char p[PATH_MAX];

	if (h->layout != CGROUP_LAYOUT_V2) {
		errno = ENOTSUP;
		return -1;
	}
	if (!valid_name(task_id) || !valid_name(container) ||
	    cg_path(h, 0, task_id, container, NULL, p, NULL) < 0) {
		errno = EINVAL;
		return -1;
	}
	return open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

int cgroup_container_attach(struct cgroup_host *h, const char *task_id, const char *container,
                            pid_t pid, struct berth_err *err)
{
	char v[24];

	if (!valid_name(task_id) || !valid_name(container) || pid <= 0)
		return berth_err_set(err, EINVAL, "attach to cgroup: bad task, name or pid");
	snprintf(v, sizeof(v), "%d", (int)pid);
	for (size_t i = 0; i < h->n_roots; i++) {
		char p[PATH_MAX];
		if (cg_path(h, i, task_id, container, "cgroup.procs", p, err) < 0 ||
		    fs_write_string(p, v, err) < 0)
			return berth_err_wrap(err, "move pid %d into cgroup of container %s",
			                      (int)pid, container);
	}
	return 0;
}

int cgroup_container_oom_kills(struct cgroup_host *h, const char *task_id, const char *container,
                               uint64_t *count, struct berth_err *err)
{
	if (!valid_name(task_id) || !valid_name(container))
		return berth_err_set(err, EINVAL, "read oom kills: bad task or name");
	if (h->ops->oom_kills(h, task_id, container, count, err) < 0)
		return berth_err_wrap(err, "read oom kills of container %s", container);
	return 0;
}

int cgroup_task_kill_all(struct cgroup_host *h, const char *task_id, struct berth_err *err)
{
	if (!valid_name(task_id))
		return berth_err_set(err, EINVAL, "kill task processes: bad task id");
	if (h->ops->kill_all(h, task_id, err) < 0)
		return berth_err_wrap(err, "kill processes of task %s", task_id);
	return 0;
}

int cgroup_task_remove(struct cgroup_host *h, const char *task_id, struct berth_err *err)
{
	if (!valid_name(task_id))
		return berth_err_set(err, EINVAL, "remove cgroup: bad task id");
	if (rmdir_roots(h, task_id, NULL, err) < 0)
		return berth_err_wrap(err, "remove cgroup of task %s", task_id);
	return 0;
}

int cgroup_read_stats(struct cgroup_host *h, const char *task_id, const char *container,
                      struct cgroup_stats *out, struct berth_err *err)
{
	memset(out, 0, sizeof(*out));
	if (!valid_name(task_id) || (container && !valid_name(container)))
		return berth_err_set(err, EINVAL, "read cgroup stats: bad task or name");
	if (h->ops->read_stats(h, task_id, container, out, err) < 0)
		return berth_err_wrap(err, "read cgroup stats of task %s%s%s", task_id,
		                      container ? " container " : "", container ? container : "");
	return 0;
}

static bool strv_has(char **v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return true;
	return false;
}

/* Add the task ids found under root `i` to *v (length *n). */
static int list_root(const struct cgroup_host *h, size_t i, char ***v, size_t *n,
                     struct berth_err *err)
{
	char dir[PATH_MAX];
	cleanup_closedir DIR *d = NULL;
	struct dirent *de;

	if (cg_path(h, i, NULL, NULL, NULL, dir, err) < 0)
		return -1;
	d = opendir(dir);
	if (d == NULL)
		return errno == ENOENT ? 0 : berth_err_errno(err, "open %s", dir);
	while ((de = readdir(d)) != NULL) {
		const char *id = de->d_name + 5;
		char **nv;
		if (de->d_type != DT_DIR || strncmp(de->d_name, "task-", 5) != 0 ||
		    !valid_name(id) || strv_has(*v, *n, id))
			continue;
		nv = realloc(*v, (*n + 2) * sizeof(**v));
		if (nv == NULL)
			return berth_err_set(err, ENOMEM, "list %s", dir);
		*v = nv;
		if (((*v)[*n] = strdup(id)) == NULL)
			return berth_err_set(err, ENOMEM, "list %s", dir);
		(*v)[++*n] = NULL;
	}
	return 0;
}

int cgroup_list_tasks(struct cgroup_host *h, char ***ids, struct berth_err *err)
{
	cleanup_strv char **v = calloc(1, sizeof(*v));
	size_t n = 0;

	if (v == NULL)
		return berth_err_set(err, ENOMEM, "list task cgroups");
	/* The union over every root: a crash may have left a task's cgroup
	 * in some hierarchies only. */
	for (size_t i = 0; i < h->n_roots; i++)
		if (list_root(h, i, &v, &n, err) < 0)
			return berth_err_wrap(err, "list task cgroups");
	*ids = steal_pointer(&v);
	return 0;
}
