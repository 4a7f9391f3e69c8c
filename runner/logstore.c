/* logstore.c: log groups and log streams of the durable log store (see
 * logstore.h); the events themselves are in logstore_events.c.
 *
 * A group or stream directory is named after the escaped name: bytes
 * outside [A-Za-z0-9_-] (and a leading '.') become %XX; a name whose
 * escape is longer than 200 bytes becomes '=' and its SHA-256 in hex.
 * The real name is kept in the directory's JSON file, so listing reads
 * names from there.  Creation builds the directory under a temporary
 * name and renames it into place (atomic, and EEXIST when it exists);
 * deletion renames it away before removing it. */
#include "logstore_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/ids.h"
#include "common/json.h"

#define ESCAPED_MAX 200

struct logstore *logstore_open(const char *state_dir, struct berth_err *err)
{
	struct logstore *ls = calloc(1, sizeof(*ls));

	if (ls == NULL || asprintf(&ls->root, "%s/logs/groups", state_dir) < 0) {
		free(ls);
		berth_err_set(err, ENOMEM, "open log store");
		return NULL;
	}
	if (fs_mkdir_p(ls->root, 0700, err) < 0) {
		berth_err_wrap(err, "open log store");
		logstore_close(ls);
		return NULL;
	}
	return ls;
}

void logstore_close(struct logstore *ls)
{
	if (ls == NULL)
		return;
	free(ls->root);
	free(ls);
}

bool logstore_group_name_ok(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	if (n < 1 || n > LOGSTORE_NAME_MAX)
		return false;
	for (const char *p = name; *p; p++)
		if (!strchr(".-_/#", *p) && !(*p >= 'A' && *p <= 'Z') &&
		    !(*p >= 'a' && *p <= 'z') && !(*p >= '0' && *p <= '9'))
			return false;
	return true;
}

bool logstore_stream_name_ok(const char *name)
{
	size_t n = name ? strlen(name) : 0;
	return n >= 1 && n <= LOGSTORE_NAME_MAX && strpbrk(name, ":*") == NULL;
}

/* The directory name of a group or stream name (see the top). */
static void escape_name(const char *name, char out[ESCAPED_MAX + 1])
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		bool plain = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		             (*p >= '0' && *p <= '9') || *p == '_' || *p == '-';
		if (o + 3 > ESCAPED_MAX)
			goto hash;
		if (plain || (*p == '.' && p != (const unsigned char *)name)) {
			out[o++] = (char)*p;
		} else {
			out[o++] = '%';
			out[o++] = hex[*p >> 4];
			out[o++] = hex[*p & 15];
		}
	}
	out[o] = '\0';
	return;
hash:;
	unsigned char md[SHA256_DIGEST_LENGTH];
	SHA256((const unsigned char *)name, strlen(name), md);
	out[0] = '=';
	for (size_t i = 0; i < sizeof(md); i++) {
		out[1 + 2 * i] = hex[md[i] >> 4];
		out[2 + 2 * i] = hex[md[i] & 15];
	}
	out[1 + 2 * sizeof(md)] = '\0';
}

/* An error with a message of its own (no strerror) and a code for the
 * API layer. */
static int coded(struct berth_err *err, int code, const char *msg)
{
	berth_err_set(err, 0, "%s", msg);
	err->code = code;
	return -1;
}

static int not_found(struct berth_err *err, const char *what)
{
	char msg[64];
	snprintf(msg, sizeof(msg), "The specified %s does not exist.", what);
	return coded(err, ENOENT, msg);
}

static int group_dir(struct logstore *ls, const char *group, char *path, size_t size,
                     struct berth_err *err)
{
	char esc[ESCAPED_MAX + 1];

	if (!logstore_group_name_ok(group))
		return coded(err, EINVAL, "invalid log group name");
	escape_name(group, esc);
	if ((size_t)snprintf(path, size, "%s/%s", ls->root, esc) >= size)
		return berth_err_set(err, ENAMETOOLONG, "log group path");
	return 0;
}

static int stream_dir(struct logstore *ls, const char *group, const char *stream, char *path,
                      size_t size, struct berth_err *err)
{
	char esc[ESCAPED_MAX + 1];
	size_t n;

	if (group_dir(ls, group, path, size, err) < 0)
		return -1;
	if (!logstore_stream_name_ok(stream))
		return coded(err, EINVAL, "invalid log stream name");
	escape_name(stream, esc);
	n = strlen(path);
	if ((size_t)snprintf(path + n, size - n, "/streams/%s", esc) >= size - n)
		return berth_err_set(err, ENAMETOOLONG, "log stream path");
	return 0;
}

static int group_exists(const char *dir, struct berth_err *err)
{
	struct stat st;
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return not_found(err, "log group");
	return 0;
}

/* Build dir/.tmp-RANDOM with `meta` (name: JSON) in it, then rename it to
 * `final`.  EEXIST when `final` exists. */
static int create_dir_atomic(const char *parent, const char *final, const char *meta_name,
                             const cJSON *meta, bool with_streams, const char *what,
                             struct berth_err *err)
{
	char tmp[1200], path[1300], rnd[17];
	int rc;

	if (id_random_hex(rnd, 16, err) < 0)
		return -1;
	snprintf(tmp, sizeof(tmp), "%s/.tmp-%s", parent, rnd);
	if (mkdir(tmp, 0700) < 0)
		return berth_err_errno(err, "mkdir %s", tmp);
	snprintf(path, sizeof(path), "%s/%s", tmp, meta_name);
	rc = json_write_file_atomic(path, meta, err);
	if (rc == 0 && with_streams) {
		snprintf(path, sizeof(path), "%s/streams", tmp);
		if (mkdir(path, 0700) < 0)
			rc = berth_err_errno(err, "mkdir %s", path);
	}
	if (rc == 0 && !with_streams) {
		snprintf(path, sizeof(path), "%s/events", tmp);
		int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0)
			rc = berth_err_errno(err, "create %s", path);
		else
			close(fd);
	}
	if (rc == 0 && rename(tmp, final) < 0) {
		if (errno == EEXIST || errno == ENOTEMPTY) {
			berth_err_set(err, 0, "The specified %s already exists", what);
			err->code = EEXIST;
		} else {
			berth_err_errno(err, "rename %s to %s", tmp, final);
		}
		rc = -1;
	}
	if (rc < 0) {
		struct berth_err ignored = {0};
		fs_rm_rf(tmp, &ignored);
		return -1;
	}
	int dfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
}

int logstore_group_create(struct logstore *ls, const char *group, int64_t now_ms,
                          struct berth_err *err)
{
	char dir[1024];
	cleanup_json cJSON *meta = cJSON_CreateObject();

	if (group_dir(ls, group, dir, sizeof(dir), err) < 0)
		return -1;
	cJSON_AddStringToObject(meta, "name", group);
	cJSON_AddNumberToObject(meta, "creationTime", (double)now_ms);
	return create_dir_atomic(ls->root, dir, "group.json", meta, true, "log group", err);
}

int logstore_group_delete(struct logstore *ls, const char *group, struct berth_err *err)
{
	char dir[1024], gone[1100], rnd[17];

	if (group_dir(ls, group, dir, sizeof(dir), err) < 0 || id_random_hex(rnd, 16, err) < 0)
		return -1;
	snprintf(gone, sizeof(gone), "%s/.deleted-%s", ls->root, rnd);
	if (rename(dir, gone) < 0)
		return errno == ENOENT ? not_found(err, "log group")
		                       : berth_err_errno(err, "rename %s", dir);
	return fs_rm_rf(gone, err);
}

/* What an events file holds on disk: its size, less what retention
 * punched out of it. */
static uint64_t events_bytes(const struct stat *st)
{
	uint64_t alloc = (uint64_t)st->st_blocks * 512;
	return alloc < (uint64_t)st->st_size ? alloc : (uint64_t)st->st_size;
}

static uint64_t dir_events_bytes(const char *streams_dir)
{
	cleanup_closedir DIR *d = opendir(streams_dir);
	struct dirent *de;
	uint64_t sum = 0;

	while (d && (de = readdir(d)) != NULL) {
		char path[1400];
		struct stat st;
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s/events", streams_dir, de->d_name);
		if (stat(path, &st) == 0)
			sum += events_bytes(&st);
	}
	return sum;
}

int logstore_group_get(struct logstore *ls, const char *group, struct logstore_group_info *out,
                       struct berth_err *err)
{
	char dir[1024], path[1100];
	cleanup_json cJSON *meta = NULL;
	const cJSON *v;

	if (group_dir(ls, group, dir, sizeof(dir), err) < 0 || group_exists(dir, err) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/group.json", dir);
	meta = json_read_file(path, err);
	if (meta == NULL)
		return errno == ENOENT ? not_found(err, "log group") : -1;
	memset(out, 0, sizeof(*out));
	v = cJSON_GetObjectItemCaseSensitive(meta, "creationTime");
	out->creation_ms = cJSON_IsNumber(v) ? (int64_t)v->valuedouble : 0;
	v = cJSON_GetObjectItemCaseSensitive(meta, "retentionInDays");
	out->retention_days = cJSON_IsNumber(v) ? v->valueint : 0;
	snprintf(path, sizeof(path), "%s/streams", dir);
	out->stored_bytes = dir_events_bytes(path);
	return 0;
}

int logstore_group_set_retention(struct logstore *ls, const char *group, int days,
                                 struct berth_err *err)
{
	char dir[1024], path[1100];
	cleanup_json cJSON *meta = NULL;

	if (group_dir(ls, group, dir, sizeof(dir), err) < 0 || group_exists(dir, err) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/group.json", dir);
	meta = json_read_file(path, err);
	if (meta == NULL)
		return -1;
	cJSON_DeleteItemFromObjectCaseSensitive(meta, "retentionInDays");
	if (days > 0)
		cJSON_AddNumberToObject(meta, "retentionInDays", days);
	return json_write_file_atomic(path, meta, err);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Names from the `meta_name` file of every entry of `dir`, sorted. */
static int list_names(const char *dir, const char *meta_name, char ***names, struct berth_err *err)
{
	cleanup_closedir DIR *d = opendir(dir);
	cleanup_strv char **v = NULL;
	struct dirent *de;
	size_t n = 0, cap = 0;

	if (d == NULL)
		return berth_err_errno(err, "open %s", dir);
	while ((de = readdir(d)) != NULL) {
		char path[1400];
		struct berth_err ignored = {0};
		cleanup_json cJSON *meta = NULL;
		const char *name;
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s/%s", dir, de->d_name, meta_name);
		meta = json_read_file(path, &ignored);
		name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(meta, "name"));
		if (name == NULL)
			continue;
		if (n + 2 > cap) {
			char **nv = realloc(v, (cap = cap ? cap * 2 : 16) * sizeof(*v));
			if (nv == NULL)
				return berth_err_set(err, ENOMEM, "list %s", dir);
			v = nv;
		}
		v[n] = strdup(name);
		if (v[n] == NULL)
			return berth_err_set(err, ENOMEM, "list %s", dir);
		v[++n] = NULL;
	}
	if (v == NULL && (v = calloc(1, sizeof(*v))) == NULL)
		return berth_err_set(err, ENOMEM, "list %s", dir);
	qsort(v, n, sizeof(*v), cmp_str);
	*names = steal_pointer(&v);
	return 0;
}

int logstore_group_list(struct logstore *ls, char ***names, struct berth_err *err)
{
	return list_names(ls->root, "group.json", names, err);
}

int logstore_stream_create(struct logstore *ls, const char *group, const char *stream,
                           int64_t now_ms, struct berth_err *err)
{
	char gdir[1024], sdir[1024], parent[1100];
	cleanup_json cJSON *meta = cJSON_CreateObject();

	if (group_dir(ls, group, gdir, sizeof(gdir), err) < 0 ||
	    stream_dir(ls, group, stream, sdir, sizeof(sdir), err) < 0 ||
	    group_exists(gdir, err) < 0)
		return -1;
	snprintf(parent, sizeof(parent), "%s/streams", gdir);
	cJSON_AddStringToObject(meta, "name", stream);
	cJSON_AddNumberToObject(meta, "creationTime", (double)now_ms);
	return create_dir_atomic(parent, sdir, "stream.json", meta, false, "log stream", err);
}

int logstore_stream_delete(struct logstore *ls, const char *group, const char *stream,
                           struct berth_err *err)
{
	char gdir[1024], sdir[1024], gone[1100], rnd[17];

	if (group_dir(ls, group, gdir, sizeof(gdir), err) < 0 || group_exists(gdir, err) < 0 ||
	    stream_dir(ls, group, stream, sdir, sizeof(sdir), err) < 0 ||
	    id_random_hex(rnd, 16, err) < 0)
		return -1;
	snprintf(gone, sizeof(gone), "%s/.deleted-%s", ls->root, rnd);
	if (rename(sdir, gone) < 0)
		return errno == ENOENT ? not_found(err, "log stream")
		                       : berth_err_errno(err, "rename %s", sdir);
	return fs_rm_rf(gone, err);
}

int logstore_events_path(struct logstore *ls, const char *group, const char *stream, char *path,
                         size_t size, struct berth_err *err)
{
	char gdir[1024], sdir[1024];
	struct stat st;

	if (group_dir(ls, group, gdir, sizeof(gdir), err) < 0 || group_exists(gdir, err) < 0 ||
	    stream_dir(ls, group, stream, sdir, sizeof(sdir), err) < 0)
		return -1;
	if ((size_t)snprintf(path, size, "%s/events", sdir) >= size)
		return berth_err_set(err, ENAMETOOLONG, "log stream path");
	if (stat(path, &st) < 0)
		return not_found(err, "log stream");
	return 0;
}

struct edge {
	bool seen;
	int64_t ts, ingest;
};

static int edge_cb(void *arg, const struct logstore_event *ev)
{
	struct edge *e = arg;
	e->seen = true;
	e->ts = ev->ts;
	e->ingest = ev->ingest;
	return 1;
}

int logstore_stream_get(struct logstore *ls, const char *group, const char *stream,
                        struct logstore_stream_info *out, struct berth_err *err)
{
	char sdir[1024], path[1100];
	cleanup_json cJSON *meta = NULL;
	struct edge first = {0}, last = {0};
	struct stat st;
	const cJSON *v;

	if (logstore_events_path(ls, group, stream, path, sizeof(path), err) < 0 ||
	    stream_dir(ls, group, stream, sdir, sizeof(sdir), err) < 0)
		return -1;
	memset(out, 0, sizeof(*out));
	if (stat(path, &st) == 0)
		out->stored_bytes = events_bytes(&st);
	snprintf(path, sizeof(path), "%s/stream.json", sdir);
	meta = json_read_file(path, err);
	if (meta == NULL)
		return -1;
	v = cJSON_GetObjectItemCaseSensitive(meta, "creationTime");
	out->creation_ms = cJSON_IsNumber(v) ? (int64_t)v->valuedouble : 0;
	if (logstore_read_forward(ls, group, stream, 0, edge_cb, &first, NULL, err) < 0 ||
	    logstore_read_backward(ls, group, stream, UINT64_MAX, edge_cb, &last, err) < 0)
		return -1;
	if (first.seen && last.seen) {
		out->has_events = true;
		out->first_ts = first.ts;
		out->last_ts = last.ts;
		out->last_ingest = last.ingest;
	}
	return 0;
}

int logstore_stream_list(struct logstore *ls, const char *group, char ***names,
                         struct berth_err *err)
{
	char gdir[1024], dir[1100];

	if (group_dir(ls, group, gdir, sizeof(gdir), err) < 0 || group_exists(gdir, err) < 0)
		return -1;
	snprintf(dir, sizeof(dir), "%s/streams", gdir);
	return list_names(dir, "stream.json", names, err);
}
