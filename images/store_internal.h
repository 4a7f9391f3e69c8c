/* store_internal.h: what the image store's files share: the handle,
 * blob paths and verified blob import (store.c), layer unpacking
 * (layer.c), archive import (import.c). */
#ifndef BERTH_IMAGES_STORE_INTERNAL_H
#define BERTH_IMAGES_STORE_INTERNAL_H

#include <cjson/cJSON.h>
#include <pthread.h>

#include "flight.h"
#include "images.h"
#include "manifest.h"

struct image_store {
	char dir[512];
	pthread_mutex_t lock;       /* refs.json */
	pthread_rwlock_t gc_lock;   /* pulls and holds read, collection writes */
	struct flight_table flights; /* "ref:", "blob:", "layer:" keys */
	char auth_file[512];
	char insecure[1024];
	enum image_pull_policy policy;
	unsigned long long budget_bytes;
	bool gc_wanted; /* a pull grew the store: collect at the next release */
	char **(*in_use)(void *arg);
	void *in_use_arg;
};

/* What refs.json says about one name.  `source` is "archive" or
 * "registry"; `digest` is the image manifest, `repo_digest` what the
 * name resolved to at the registry (an index, or the manifest itself). */
struct ref_record {
	char digest[72];
	char repo_digest[72];
	char source[16];
};

/* DIR/blobs/sha256/<hex> of "sha256:<hex>"; -1 if the digest is bad. */
int blob_path(const struct image_store *s, const char *digest, char *out, size_t len);
/* sha256 of a file as "sha256:<hex>". */
int file_digest(const char *path, char out[72], struct berth_err *err);
/* Move `path` into the store as `digest` after checking its sha256
 * (or, when digest is NULL, under the digest it has; *got filled). */
int blob_import(struct image_store *s, const char *path, const char *digest, char got[72],
		struct berth_err *err);
/* Store `data` as a blob; its digest goes to `got`. */
int blob_put(struct image_store *s, const char *data, size_t len, char got[72], struct berth_err *err);
cJSON *blob_read_json(const struct image_store *s, const char *digest, struct berth_err *err);
/* Record normalized names -> rec (atomic, under the lock). */
int refs_set(struct image_store *s, const char *const *names, size_t n, const struct ref_record *rec,
	     struct berth_err *err);
/* 1 with *rec filled, 0 when the name is unknown, -1 on error. */
int refs_get(struct image_store *s, const char *name, struct ref_record *rec, struct berth_err *err);
/* refs.json as an object of name -> {digest, repoDigest, source}. */
cJSON *refs_load(const struct image_store *s, struct berth_err *err);
int refs_save(const struct image_store *s, const cJSON *refs, struct berth_err *err);
/* Move an already verified file into the store as `digest`. */
int blob_commit(struct image_store *s, const char *path, const char *digest, struct berth_err *err);
/* Fill *info from the local manifest (or index: the `arch` entry)
 * `digest`: config and unpacked layers. */
int image_load_local(struct image_store *s, const char *digest, const char *arch,
		     struct image_info *info, struct berth_err *err);
/* The platform berth picks for `arch` ("amd64" when NULL). */
struct manifest_platform image_platform(const char *arch);

/* layer.c: unpack the layer blob `digest` into DIR/layers/<hex> unless
 * there; out gets the directory. */
int layer_ensure(struct image_store *s, const char *digest, char *out, size_t len,
		 struct berth_err *err);
/* Extract a plain archive (no whiteout handling) into `dir`, refusing
 * absolute paths and "..". */
int archive_extract_plain(const char *archive, const char *dir, struct berth_err *err);

#endif
