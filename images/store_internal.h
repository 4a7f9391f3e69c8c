/* store_internal.h: what the image store's files share: the handle,
 * blob paths and verified blob import (store.c), layer unpacking
 * (layer.c), archive import (import.c). */
#ifndef BERTH_IMAGES_STORE_INTERNAL_H
#define BERTH_IMAGES_STORE_INTERNAL_H

#include <cjson/cJSON.h>
#include <pthread.h>

#include "images.h"

struct image_store {
	char dir[512];
	pthread_mutex_t lock; /* refs.json and layer unpacking */
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
/* Record normalized name -> manifest digest (atomic, under the lock). */
int refs_set(struct image_store *s, const char *const *names, size_t n, const char *digest,
	     struct berth_err *err);

/* layer.c: unpack the layer blob `digest` into DIR/layers/<hex> unless
 * there; out gets the directory. */
int layer_ensure(struct image_store *s, const char *digest, char *out, size_t len,
		 struct berth_err *err);
/* Extract a plain archive (no whiteout handling) into `dir`, refusing
 * absolute paths and "..". */
int archive_extract_plain(const char *archive, const char *dir, struct berth_err *err);

#endif
