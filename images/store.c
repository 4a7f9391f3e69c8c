/* store.c: the content-addressed image store (see images.h): blobs by
 * sha256, refs.json (normalized name -> {digest, repoDigest, source};
 * a bare digest string from older stores reads as an archive image),
 * and image_resolve() from a reference to the layers and config a
 * container runs with. */
#include "store_internal.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <fcntl.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/hex.h"
#include "common/ids.h"
#include "common/json.h"

struct image_store *image_store_open(const char *dir, struct berth_err *err)
{
	struct image_store *s = calloc(1, sizeof(*s));
	char p[600];

	if (s == NULL) {
		berth_err_set(err, ENOMEM, "image store");
		return NULL;
	}
	snprintf(s->dir, sizeof(s->dir), "%s", dir);
	pthread_mutex_init(&s->lock, NULL);
	pthread_rwlock_init(&s->gc_lock, NULL);
	flight_table_init(&s->flights);
	snprintf(p, sizeof(p), "%s/blobs/sha256", dir);
	if (fs_mkdir_p(p, 0700, err) < 0)
		goto fail;
	snprintf(p, sizeof(p), "%s/layers", dir);
	if (fs_mkdir_p(p, 0700, err) < 0)
		goto fail;
	snprintf(p, sizeof(p), "%s/partial", dir); /* downloads resume from here */
	if (fs_mkdir_p(p, 0700, err) < 0)
		goto fail;
	snprintf(p, sizeof(p), "%s/tmp", dir);
	/* Whatever an interrupted import left is never taken as whole. */
	if (fs_rm_rf(p, err) < 0 || fs_mkdir_p(p, 0700, err) < 0)
		goto fail;
	return s;
fail:
	image_store_close(s);
	return NULL;
}

void image_store_close(struct image_store *s)
{
	if (s == NULL)
		return;
	flight_table_destroy(&s->flights);
	pthread_rwlock_destroy(&s->gc_lock);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

int blob_path(const struct image_store *s, const char *digest, char *out, size_t len)
{
	if (digest == NULL || strncmp(digest, "sha256:", 7) != 0 || strlen(digest) != 71 ||
	    strspn(digest + 7, "0123456789abcdef") != 64)
		return -1;
	snprintf(out, len, "%s/blobs/sha256/%s", s->dir, digest + 7);
	return 0;
}

int file_digest(const char *path, char out[72], struct berth_err *err)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	unsigned char md[32], buf[65536];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx;
	ssize_t n;

	if (fd < 0)
		return berth_err_errno(err, "open %s", path);
	ctx = EVP_MD_CTX_new();
	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		EVP_DigestUpdate(ctx, buf, (size_t)n);
	EVP_DigestFinal_ex(ctx, md, &mdlen);
	EVP_MD_CTX_free(ctx);
	if (n < 0)
		return berth_err_errno(err, "read %s", path);
	strcpy(out, "sha256:");
	hex_encode(md, 32, out + 7);
	return 0;
}

int blob_import(struct image_store *s, const char *path, const char *digest, char got[72],
		struct berth_err *err)
{
	char actual[72], dest[600];

	if (file_digest(path, actual, err) < 0)
		return -1;
	if (digest && strcmp(actual, digest) != 0) {
		unlink(path);
		return berth_err_set(err, EINVAL, "digest mismatch: expected %s, got %s", digest, actual);
	}
	if (got)
		memcpy(got, actual, 72);
	blob_path(s, actual, dest, sizeof(dest));
	if (access(dest, F_OK) == 0) {
		unlink(path);
		return 0;
	}
	if (rename(path, dest) < 0)
		return berth_err_errno(err, "store blob %s", actual);
	return 0;
}

int blob_commit(struct image_store *s, const char *path, const char *digest, struct berth_err *err)
{
	char dest[600];

	if (blob_path(s, digest, dest, sizeof(dest)) < 0)
		return berth_err_set(err, 0, "bad digest %s", digest);
	if (rename(path, dest) < 0)
		return berth_err_errno(err, "store blob %s", digest);
	return 0;
}

int blob_put(struct image_store *s, const char *data, size_t len, char got[72], struct berth_err *err)
{
	char tmp[600], rnd[17];

	if (id_random_hex(rnd, 16, err) < 0)
		return -1;
	snprintf(tmp, sizeof(tmp), "%s/tmp/blob-%s", s->dir, rnd);
	if (fs_write_file_atomic(tmp, data, len, 0600, err) < 0)
		return -1;
	return blob_import(s, tmp, NULL, got, err);
}

cJSON *blob_read_json(const struct image_store *s, const char *digest, struct berth_err *err)
{
	char p[600];

	if (blob_path(s, digest, p, sizeof(p)) < 0) {
		berth_err_set(err, EINVAL, "bad digest %s", digest ? digest : "(none)");
		return NULL;
	}
	return json_read_file(p, err);
}

cJSON *refs_load(const struct image_store *s, struct berth_err *err)
{
	char p[600];

	snprintf(p, sizeof(p), "%s/refs.json", s->dir);
	if (access(p, F_OK) < 0)
		return cJSON_CreateObject();
	return json_read_file(p, err);
}

int refs_save(const struct image_store *s, const cJSON *refs, struct berth_err *err)
{
	char p[600];

	snprintf(p, sizeof(p), "%s/refs.json", s->dir);
	return json_write_file_atomic(p, refs, err);
}

int refs_set(struct image_store *s, const char *const *names, size_t n, const struct ref_record *rec,
	     struct berth_err *err)
{
	cleanup_json cJSON *refs = NULL;
	int rc;

	pthread_mutex_lock(&s->lock);
	refs = refs_load(s, err);
	for (size_t i = 0; refs && i < n; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "digest", rec->digest);
		cJSON_AddStringToObject(o, "repoDigest", rec->repo_digest[0] ? rec->repo_digest : rec->digest);
		cJSON_AddStringToObject(o, "source", rec->source);
		cJSON_DeleteItemFromObjectCaseSensitive(refs, names[i]);
		cJSON_AddItemToObject(refs, names[i], o);
	}
	rc = refs ? refs_save(s, refs, err) : -1;
	pthread_mutex_unlock(&s->lock);
	return rc;
}

static void record_of(const cJSON *v, struct ref_record *rec)
{
	const char *d = cJSON_IsString(v) ? v->valuestring
					  : cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(v, "digest"));
	const char *rd = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(v, "repoDigest"));
	const char *src = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(v, "source"));

	memset(rec, 0, sizeof(*rec));
	snprintf(rec->digest, sizeof(rec->digest), "%s", d ? d : "");
	snprintf(rec->repo_digest, sizeof(rec->repo_digest), "%s", rd ? rd : rec->digest);
	snprintf(rec->source, sizeof(rec->source), "%s", src ? src : "archive");
}

int refs_get(struct image_store *s, const char *name, struct ref_record *rec, struct berth_err *err)
{
	cleanup_json cJSON *refs = NULL;
	const cJSON *v;

	pthread_mutex_lock(&s->lock);
	refs = refs_load(s, err);
	pthread_mutex_unlock(&s->lock);
	if (refs == NULL)
		return -1;
	v = cJSON_GetObjectItemCaseSensitive(refs, name);
	if (v == NULL)
		return 0;
	record_of(v, rec);
	return manifest_digest_ok(rec->digest) ? 1 : 0;
}

void image_info_free(struct image_info *info)
{
	berth_strv_free(info->entrypoint);
	berth_strv_free(info->cmd);
	berth_strv_free(info->env);
	free(info->working_dir);
	free(info->user);
	free(info->stop_signal);
	berth_strv_free(info->exposed_ports);
	berth_strv_free(info->layer_dirs);
	memset(info, 0, sizeof(*info));
}

static char *dup_str(const cJSON *o, const char *name)
{
	const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, name));
	return v ? strdup(v) : NULL;
}

static int apply_config(struct image_info *info, const cJSON *config, struct berth_err *err)
{
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(config, "config");
	const cJSON *ports = cJSON_GetObjectItemCaseSensitive(c, "ExposedPorts");
	const cJSON *p;
	size_t n = 0;

	if (json_get_strv(c, "Entrypoint", &info->entrypoint, err) < 0 ||
	    json_get_strv(c, "Cmd", &info->cmd, err) < 0 || json_get_strv(c, "Env", &info->env, err) < 0)
		return berth_err_wrap(err, "image config");
	info->working_dir = dup_str(c, "WorkingDir");
	info->user = dup_str(c, "User");
	info->stop_signal = dup_str(c, "StopSignal");
	info->exposed_ports = calloc((size_t)cJSON_GetArraySize(ports) + 1, sizeof(char *));
	cJSON_ArrayForEach(p, ports)
		if (info->exposed_ports && p->string)
			info->exposed_ports[n++] = strdup(p->string);
	return 0;
}

struct manifest_platform image_platform(const char *arch)
{
	if (arch && strcmp(arch, "arm64") == 0)
		return (struct manifest_platform){ "linux", "arm64", "v8" };
	return (struct manifest_platform){ "linux", arch && arch[0] ? arch : "amd64", "" };
}

static int read_manifest(struct image_store *s, const char *digest, const char *arch, struct manifest *m,
			 struct berth_err *err)
{
	struct manifest_platform want = image_platform(arch);
	cleanup_free char *body = NULL;
	size_t len = 0;
	char p[600];

	if (blob_path(s, digest, p, sizeof(p)) < 0)
		return berth_err_set(err, 0, "bad manifest digest %s", digest);
	if (fs_read_file(p, MANIFEST_MAX_BYTES, &body, &len, err) < 0)
		return -1;
	return manifest_parse(body, len, NULL, &want, m, err);
}

static int resolve_layers(struct image_store *s, const struct manifest *m, struct image_info *info,
			  struct berth_err *err)
{
	info->layer_dirs = calloc(m->n_layers + 1, sizeof(char *));
	if (info->layer_dirs == NULL)
		return berth_err_set(err, ENOMEM, "layers");
	for (size_t i = 0; i < m->n_layers; i++) {
		char dir[600];
		if (layer_ensure(s, m->layers[i].digest, dir, sizeof(dir), err) < 0)
			return -1;
		info->layer_dirs[i] = strdup(dir);
		info->n_layers = i + 1;
	}
	return 0;
}

int image_load_local(struct image_store *s, const char *digest, const char *arch,
		     struct image_info *info, struct berth_err *err)
{
	struct manifest m;
	cleanup_json cJSON *config = NULL;
	int rc;

	memset(info, 0, sizeof(*info));
	snprintf(info->manifest_digest, sizeof(info->manifest_digest), "%s", digest);
	if (read_manifest(s, digest, arch, &m, err) < 0)
		return -1;
	if (m.kind == MANIFEST_INDEX) {
		struct manifest_desc entry = m.platform_entry;
		if (read_manifest(s, entry.digest, arch, &m, err) < 0)
			return -1;
		if (m.kind != MANIFEST_IMAGE) {
			manifest_free(&m);
			return berth_err_set(err, 0, "index %s: entry %s is not an image manifest", digest,
					     entry.digest);
		}
	}
	snprintf(info->config_digest, sizeof(info->config_digest), "%s", m.config.digest);
	config = blob_read_json(s, m.config.digest, err);
	rc = config && apply_config(info, config, err) == 0 && resolve_layers(s, &m, info, err) == 0 ? 0 : -1;
	manifest_free(&m);
	if (rc < 0)
		image_info_free(info);
	return rc;
}

/* The local manifest a reference names: 0 with rec filled, 1 absent. */
static int find_local(struct image_store *s, const struct image_ref *ref, struct ref_record *rec,
		      struct berth_err *err)
{
	char name[1024], p[600];
	int rc;

	memset(rec, 0, sizeof(*rec));
	if (ref->digest[0]) {
		snprintf(rec->digest, sizeof(rec->digest), "%s", ref->digest);
		snprintf(rec->repo_digest, sizeof(rec->repo_digest), "%s", ref->digest);
		snprintf(rec->source, sizeof(rec->source), "digest");
		blob_path(s, ref->digest, p, sizeof(p));
		return access(p, F_OK) == 0 ? 0 : 1;
	}
	snprintf(name, sizeof(name), "%s/%s:%s", ref->domain, ref->path, ref->tag);
	rc = refs_get(s, name, rec, err);
	return rc < 0 ? -1 : rc == 1 ? 0 : 1;
}

int image_resolve(struct image_store *s, const char *refstr, struct image_info *out,
		  struct berth_err *err)
{
	struct ref_record rec;
	struct image_ref ref;
	int rc;

	memset(out, 0, sizeof(*out));
	if (image_ref_parse(refstr, &ref, err) < 0)
		return -1;
	rc = find_local(s, &ref, &rec, err);
	if (rc > 0)
		berth_err_set(err, 0, "%s: not found in the local image store", ref.normalized);
	if (rc != 0)
		return rc;
	if (image_load_local(s, rec.digest, NULL, out, err) < 0)
		return -1;
	snprintf(out->manifest_digest, sizeof(out->manifest_digest), "%s", rec.repo_digest);
	return 0;
}
