/* gc.c: garbage collection of the image store.  Under the store's
 * write lock (no pull or task start in between), names no task uses are
 * dropped, all of them for an explicit prune, or the least recently
 * used first until what stays fits the budget; then every blob, layer
 * tree and stale partial download that no remaining name and no running
 * task reaches is removed.  A task's layers are reached through its
 * imageDigest, so they stay while it runs even if its tag moved. */
#include "store_internal.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/json.h"

#define PARTIAL_STALE_S 600

/* One digest the store holds: its blob and/or unpacked layer. */
struct held {
	char digest[72];
	unsigned long long bytes;
	bool reached;
};

struct inventory {
	struct held *v;
	size_t n, cap;
};

static struct held *held_find(struct inventory *inv, const char *digest, bool add)
{
	for (size_t i = 0; i < inv->n; i++)
		if (strcmp(inv->v[i].digest, digest) == 0)
			return &inv->v[i];
	if (!add)
		return NULL;
	if (inv->n == inv->cap) {
		size_t cap = inv->cap ? inv->cap * 2 : 64;
		struct held *v = realloc(inv->v, cap * sizeof(*v));
		if (v == NULL)
			return NULL;
		inv->v = v, inv->cap = cap;
	}
	memset(&inv->v[inv->n], 0, sizeof(inv->v[0]));
	snprintf(inv->v[inv->n].digest, sizeof(inv->v[0].digest), "%s", digest);
	return &inv->v[inv->n++];
}

static unsigned long long tree_bytes;
static int add_size(const char *p, const struct stat *st, int type, struct FTW *f)
{
	(void)p, (void)type, (void)f;
	tree_bytes += (unsigned long long)st->st_blocks * 512;
	return 0;
}

/* What DIR/blobs/sha256 and DIR/layers hold, with sizes. */
static int take_inventory(struct image_store *s, struct inventory *inv, struct berth_err *err)
{
	static const char *const sub[] = { "blobs/sha256", "layers" };

	for (size_t k = 0; k < 2; k++) {
		char dir[600];
		cleanup_closedir DIR *d = NULL;
		struct dirent *e;
		snprintf(dir, sizeof(dir), "%s/%s", s->dir, sub[k]);
		if ((d = opendir(dir)) == NULL)
			return berth_err_errno(err, "open %s", dir);
		while ((e = readdir(d)) != NULL) {
			char digest[72], p[900];
			struct held *h;
			if (strlen(e->d_name) != 64)
				continue;
			snprintf(digest, sizeof(digest), "sha256:%.64s", e->d_name);
			snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
			if ((h = held_find(inv, digest, true)) == NULL)
				return berth_err_set(err, ENOMEM, "image inventory");
			tree_bytes = 0;
			nftw(p, add_size, 16, FTW_PHYS);
			h->bytes += tree_bytes;
		}
	}
	return 0;
}

static void reach(struct image_store *s, struct inventory *inv, const char *digest, int depth)
{
	struct held *h = held_find(inv, digest, false);
	struct manifest_platform any = { "linux", "amd64", "" };
	cleanup_free char *body = NULL;
	cleanup_json cJSON *doc = NULL;
	const cJSON *e;
	struct manifest m;
	size_t len = 0;
	char p[600];
	struct berth_err ignored = { 0 };

	if (h == NULL || h->reached || depth > 2)
		return;
	h->reached = true;
	if (blob_path(s, digest, p, sizeof(p)) < 0 || fs_read_file(p, MANIFEST_MAX_BYTES, &body, &len, &ignored) < 0)
		return; /* a layer or config: nothing below it */
	doc = cJSON_ParseWithLength(body, len);
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(doc, "manifests")) /* every platform */
		reach(s, inv, cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "digest")) ?: "", depth + 1);
	if (manifest_parse(body, len, NULL, &any, &m, &ignored) < 0 || m.kind != MANIFEST_IMAGE)
		return;
	reach(s, inv, m.config.digest, depth + 1);
	for (size_t i = 0; i < m.n_layers; i++)
		reach(s, inv, m.layers[i].digest, depth + 1);
	manifest_free(&m);
}

static bool in_strv(char **v, const char *s)
{
	for (; v && *v; v++)
		if (strcmp(*v, s) == 0)
			return true;
	return false;
}

/* Mark from the remaining names and the running tasks; the bytes kept. */
static unsigned long long mark(struct image_store *s, struct inventory *inv, const cJSON *refs,
			       char **in_use)
{
	unsigned long long kept = 0;
	const cJSON *r;

	for (size_t i = 0; i < inv->n; i++)
		inv->v[i].reached = false;
	cJSON_ArrayForEach(r, refs) {
		const char *d = cJSON_IsString(r) ? r->valuestring
						  : cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "digest"));
		reach(s, inv, d ? d : "", 0);
	}
	for (char **u = in_use; u && *u; u++)
		reach(s, inv, *u, 0);
	for (size_t i = 0; i < inv->n; i++)
		if (inv->v[i].reached)
			kept += inv->v[i].bytes;
	return kept;
}

static const char *ref_digest(const cJSON *r)
{
	return cJSON_IsString(r) ? r->valuestring
				 : cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "digest")) ?: "";
}

/* When the name's image was last used (its manifest blob's mtime). */
static time_t last_used(struct image_store *s, const cJSON *r)
{
	struct stat st;
	char p[600];

	if (blob_path(s, ref_digest(r), p, sizeof(p)) < 0 || stat(p, &st) < 0)
		return 0;
	return st.st_mtime;
}

/* The unused name used longest ago, or NULL. */
static cJSON *oldest_unused(struct image_store *s, cJSON *refs, char **in_use)
{
	cJSON *r, *best = NULL;
	time_t best_t = 0;

	cJSON_ArrayForEach(r, refs) {
		time_t t;
		if (in_strv(in_use, ref_digest(r)))
			continue;
		t = last_used(s, r);
		if (best == NULL || t < best_t)
			best = r, best_t = t;
	}
	return best;
}

static void sweep(struct image_store *s, struct inventory *inv, struct image_gc_result *res)
{
	struct berth_err ignored = { 0 };

	for (size_t i = 0; i < inv->n; i++) {
		char p[700];
		if (inv->v[i].reached)
			continue;
		blob_path(s, inv->v[i].digest, p, sizeof(p));
		if (unlink(p) == 0)
			res->blobs_removed++;
		snprintf(p, sizeof(p), "%s/layers/%s", s->dir, inv->v[i].digest + 7);
		if (access(p, F_OK) == 0 && fs_rm_rf(p, &ignored) == 0)
			res->layers_removed++;
		res->bytes_freed += inv->v[i].bytes;
	}
}

static void sweep_partials(struct image_store *s)
{
	char dir[600];
	cleanup_closedir DIR *d = NULL;
	struct dirent *e;
	time_t now = time(NULL);

	snprintf(dir, sizeof(dir), "%s/partial", s->dir);
	if ((d = opendir(dir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		struct stat st;
		if (e->d_name[0] == '.' || fstatat(dirfd(d), e->d_name, &st, 0) < 0)
			continue;
		if (now - st.st_mtime > PARTIAL_STALE_S)
			unlinkat(dirfd(d), e->d_name, 0);
	}
}

static int collect_locked(struct image_store *s, bool all_unused, char **in_use,
			  struct image_gc_result *res, struct berth_err *err)
{
	struct inventory inv = { 0 };
	cleanup_json cJSON *refs = NULL;
	unsigned long long kept;
	int rc = -1;

	pthread_mutex_lock(&s->lock);
	refs = refs_load(s, err);
	if (refs == NULL || take_inventory(s, &inv, err) < 0)
		goto out;
	kept = mark(s, &inv, refs, in_use);
	while (all_unused || (s->budget_bytes && kept > s->budget_bytes)) {
		cJSON *victim = oldest_unused(s, refs, in_use);
		if (victim == NULL)
			break;
		cJSON_Delete(cJSON_DetachItemViaPointer(refs, victim));
		res->images_removed++;
		kept = mark(s, &inv, refs, in_use);
	}
	if (res->images_removed && refs_save(s, refs, err) < 0)
		goto out;
	sweep(s, &inv, res);
	if (all_unused)
		sweep_partials(s);
	res->bytes_kept = kept;
	rc = 0;
out:
	pthread_mutex_unlock(&s->lock);
	free(inv.v);
	return rc;
}

int image_gc(struct image_store *s, bool all_unused, struct image_gc_result *res,
	     struct berth_err *err)
{
	cleanup_strv char **in_use = NULL;
	int rc;

	memset(res, 0, sizeof(*res));
	pthread_rwlock_wrlock(&s->gc_lock);
	in_use = s->in_use ? s->in_use(s->in_use_arg) : NULL;
	rc = collect_locked(s, all_unused, in_use, res, err);
	pthread_rwlock_unlock(&s->gc_lock);
	return rc;
}

cJSON *image_list(struct image_store *s, struct berth_err *err)
{
	cleanup_json cJSON *refs = NULL;
	cJSON *out = cJSON_CreateArray();
	const cJSON *r;

	pthread_mutex_lock(&s->lock);
	refs = refs_load(s, err);
	pthread_mutex_unlock(&s->lock);
	if (refs == NULL) {
		cJSON_Delete(out);
		return NULL;
	}
	cJSON_ArrayForEach(r, refs) {
		cJSON *o = cJSON_CreateObject();
		const char *src = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "source"));
		cJSON_AddStringToObject(o, "name", r->string);
		cJSON_AddStringToObject(o, "digest", ref_digest(r));
		cJSON_AddStringToObject(o, "source", src ? src : "archive");
		cJSON_AddItemToArray(out, o);
	}
	return out;
}
