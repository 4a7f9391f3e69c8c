/* images.h: the local content-addressed image store.
 *
 * Layout under STATE_DIR/images:
 *   blobs/sha256/<hex>        verified blobs (manifests, configs, layers)
 *   layers/<hex>/             unpacked layer trees (by layer blob digest),
 *                             whiteouts converted to overlayfs form
 *   refs.json / SQLite        normalized reference -> manifest digest
 * A blob is written to a temporary name and renamed only after its sha256
 * matched; a layer directory is unpacked under a temporary name and
 * renamed when complete, so a crash never leaves a half blob or layer
 * that is taken as whole.
 *
 * References are normalized as Docker does ("busybox:1" ->
 * "docker.io/library/busybox:1"); lookups and stored names both use the
 * normalized form.  The store knows nothing about tasks beyond "these
 * layers are held". */
#ifndef BERTH_IMAGES_IMAGES_H
#define BERTH_IMAGES_IMAGES_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"

struct image_store;

/* Open (creating if needed) the store under `dir`.  Thread-safe handle. */
struct image_store *image_store_open(const char *dir, struct berth_err *err);
void image_store_close(struct image_store *s);

/* Parsed and normalized image reference. */
struct image_ref {
	char domain[256];     /* "docker.io", "localhost:5000", "123.dkr.ecr..." */
	char path[512];       /* "library/busybox" */
	char tag[129];        /* "latest" when neither tag nor digest was given */
	char digest[72];      /* "sha256:<64 hex>" or "" */
	char normalized[1024]; /* domain/path[:tag][@digest] */
};

/* Parse `ref` as Docker does.  Returns 0, or -1 with a message that says
 * what is malformed. */
int image_ref_parse(const char *ref, struct image_ref *out, struct berth_err *err);

/* The image config fields berth applies (all strv NULL-terminated,
 * possibly NULL when absent). */
struct image_info {
	char manifest_digest[72]; /* "sha256:..." : the container's imageDigest */
	char config_digest[72];
	char **entrypoint;
	char **cmd;
	char **env;
	char *working_dir;
	char *user;
	char *stop_signal;
	char **exposed_ports; /* "80/tcp" */
	char **layer_dirs;    /* absolute unpacked layer paths, bottom layer first */
	size_t n_layers;
};
void image_info_free(struct image_info *info);

/* Import a `docker save` archive or an OCI image-layout archive (tar, as
 * skopeo's docker-archive: and oci-archive: write them), recording the
 * names it carries.  `names` receives the normalized names imported
 * (NULL-terminated strv, caller frees); may be NULL. */
int image_load_archive(struct image_store *s, const char *archive_path, char ***names,
		       struct berth_err *err);

/* Resolve a reference against the local store.  Returns 0 with *out
 * filled, 1 when the image is not present (err says so), -1 on error. */
int image_resolve(struct image_store *s, const char *ref, struct image_info *out,
		  struct berth_err *err);

#endif
