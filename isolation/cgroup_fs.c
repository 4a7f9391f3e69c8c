/* cgroup_fs.c: paths and file access under berth's cgroup parent, for
 * both backends (see cgroup_internal.h).
 *
 * Owns: building ROOT/PARENT/task-ID/CONTAINER/FILE paths with a length
 * check, reading the cgroup file formats (one number or "max", flat
 * "key value" lines, space-separated lists), killing the processes of a
 * subtree and removing a subtree.  Every write is one write(2) of a
 * whole value to an existing file (fs_write_string); nothing here
 * mounts, and nothing outside the paths cg_path() builds is touched. */
#include "cgroup_internal.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fs.h"

#define CG_READ_MAX (4u << 20)
#define CG_RMDIR_TRIES 200 /* x 10 ms */
#define CG_TREE_DEPTH 8    /* containers have no children; be generous */

int cg_path(const struct cgroup_host *h, size_t root, const char *task, const char *ctr,
            const char *file, char out[PATH_MAX], struct berth_err *err)
{
	int n = snprintf(out, PATH_MAX, "%s/%s%s%s%s%s%s%s", h->roots[root].path, h->parent,
	                 task ? "/task-" : "", task ? task : "", ctr ? "/" : "", ctr ? ctr : "",
	                 file ? "/" : "", file ? file : "");
	if (n < 0 || n >= PATH_MAX)
		return berth_err_set(err, ENAMETOOLONG, "cgroup path of task %s", task ? task : "");
	return 0;
}

int cg_cpath(const struct cgroup_host *h, enum cg_ctrl c, const char *task, const char *ctr,
             const char *file, char out[PATH_MAX], struct berth_err *err)
{
	if (h->ctrl_root[c] < 0)
		return berth_err_set(err, ENOENT, "cgroup controller %d is not mounted", (int)c);
	return cg_path(h, (size_t)h->ctrl_root[c], task, ctr, file, out, err);
}

int cg_write(const struct cgroup_host *h, enum cg_ctrl c, const char *task, const char *ctr,
             const char *file, const char *value, struct berth_err *err)
{
	char p[PATH_MAX];

	if (cg_cpath(h, c, task, ctr, file, p, err) < 0)
		return -1;
	return fs_write_string(p, value, err);
}

int cg_write_opt(const struct cgroup_host *h, enum cg_ctrl c, const char *task, const char *ctr,
                 const char *file, const char *value, struct berth_err *err)
{
	char p[PATH_MAX];

	if (h->ctrl_root[c] < 0)
		return 0;
	if (cg_cpath(h, c, task, ctr, file, p, err) < 0)
		return -1;
	if (access(p, F_OK) < 0 && errno == ENOENT)
		return 0;
	return fs_write_string(p, value, err);
}

int cg_write_u64(const struct cgroup_host *h, enum cg_ctrl c, const char *task, const char *ctr,
                 const char *file, uint64_t value, struct berth_err *err)
{
	char v[32];

	snprintf(v, sizeof(v), "%" PRIu64, value);
	return cg_write(h, c, task, ctr, file, v, err);
}

int cg_read_text(const char *path, char **out, struct berth_err *err)
{
	return fs_read_file(path, CG_READ_MAX, out, NULL, err);
}

int cg_read_text_opt(const char *path, char **out, struct berth_err *err)
{
	struct berth_err e = {0};

	*out = NULL;
	if (fs_read_file(path, CG_READ_MAX, out, NULL, &e) == 0)
		return 1;
	if (e.code == ENOENT)
		return 0;
	if (err)
		*err = e;
	return -1;
}

static int parse_u64(const char *s, const char *path, uint64_t *out, struct berth_err *err)
{
	char *end;
	unsigned long long v;

	while (*s == ' ' || *s == '\t')
		s++;
	if (strncmp(s, "max", 3) == 0 && (s[3] == '\0' || s[3] == '\n' || s[3] == ' ')) {
		*out = CGROUP_UNLIMITED;
		return 0;
	}
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || (*end != '\0' && *end != '\n' && *end != ' '))
		return berth_err_set(err, EINVAL, "parse number '%.20s' in %s", s, path);
	*out = v;
	return 0;
}

int cg_read_u64(const char *path, uint64_t *out, struct berth_err *err)
{
	cleanup_free char *text = NULL;

	if (cg_read_text(path, &text, err) < 0)
		return -1;
	return parse_u64(text, path, out, err);
}

int cg_read_key(const char *path, const char *key, uint64_t *out, struct berth_err *err)
{
	cleanup_free char *text = NULL;
	size_t kl = strlen(key);

	if (cg_read_text(path, &text, err) < 0)
		return -1;
	for (char *line = text; line && *line;
	     line = strchr(line, '\n'), line = line ? line + 1 : NULL)
		if (strncmp(line, key, kl) == 0 && line[kl] == ' ')
			return parse_u64(line + kl + 1, path, out, err);
	return berth_err_set(err, ENODATA, "no '%s' in %s", key, path);
}

bool cg_file_has_word(const char *path, const char *word)
{
	cleanup_free char *text = NULL;
	size_t wl = strlen(word);

	if (cg_read_text(path, &text, NULL) < 0)
		return false;
	for (char *p = text; (p = strstr(p, word)) != NULL; p += wl) {
		bool start = p == text || p[-1] == ' ' || p[-1] == '\n';
		bool end = p[wl] == '\0' || p[wl] == ' ' || p[wl] == '\n';
		if (start && end)
			return true;
	}
	return false;
}

void cg_sleep_ms(unsigned ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int kill_procs(const char *dir, struct berth_err *err)
{
	char p[PATH_MAX];
	cleanup_free char *text = NULL;
	int seen = 0, r;

	if (snprintf(p, sizeof(p), "%s/cgroup.procs", dir) >= (int)sizeof(p))
		return berth_err_set(err, ENAMETOOLONG, "cgroup path %s", dir);
	r = cg_read_text_opt(p, &text, err);
	if (r <= 0)
		return r; /* a cgroup removed meanwhile has no processes */
	for (char *s = text; *s;) {
		char *end;
		long pid = strtol(s, &end, 10);
		if (end == s)
			break;
		/* pid 0: a process outside our pid namespace; never kill(0). */
		if (pid > 0)
			kill((pid_t)pid, SIGKILL), seen++;
		s = *end ? end + 1 : end;
	}
	return seen;
}

static int kill_tree_depth(const char *dir, int depth, struct berth_err *err)
{
	cleanup_closedir DIR *d = NULL;
	struct dirent *de;
	int seen = kill_procs(dir, err);

	if (seen < 0 || depth >= CG_TREE_DEPTH)
		return seen;
	d = opendir(dir);
	while (d && (de = readdir(d)) != NULL) {
		char p[PATH_MAX];
		int n;
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		if (snprintf(p, sizeof(p), "%s/%s", dir, de->d_name) >= (int)sizeof(p))
			continue;
		n = kill_tree_depth(p, depth + 1, err);
		if (n < 0)
			return -1;
		seen += n;
	}
	return seen;
}

int cg_kill_tree(const char *dir, struct berth_err *err)
{
	return kill_tree_depth(dir, 0, err);
}

static int rmdir_retry(const char *dir, struct berth_err *err)
{
	for (int i = 0; i < CG_RMDIR_TRIES; i++) {
		if (rmdir(dir) == 0 || errno == ENOENT)
			return 0;
		if (errno != EBUSY)
			break;
		cg_sleep_ms(10);
	}
	return berth_err_errno(err, "remove cgroup %s", dir);
}

static int rmdir_tree_depth(const char *dir, int depth, struct berth_err *err)
{
	cleanup_closedir DIR *d = opendir(dir);
	struct dirent *de;

	if (d == NULL)
		return errno == ENOENT ? 0 : berth_err_errno(err, "open cgroup %s", dir);
	while (depth < CG_TREE_DEPTH && (de = readdir(d)) != NULL) {
		char p[PATH_MAX];
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		if (snprintf(p, sizeof(p), "%s/%s", dir, de->d_name) >= (int)sizeof(p))
			return berth_err_set(err, ENAMETOOLONG, "cgroup path %s", dir);
		if (rmdir_tree_depth(p, depth + 1, err) < 0)
			return -1;
	}
	return rmdir_retry(dir, err);
}

int cg_rmdir_tree(const char *dir, struct berth_err *err)
{
	return rmdir_tree_depth(dir, 0, err);
}
