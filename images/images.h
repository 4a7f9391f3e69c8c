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

/* Resolve a reference against the local store only.  Returns 0 with
 * *out filled, 1 when the image is not present (err says so), -1 on
 * error. */
int image_resolve(struct image_store *s, const char *ref, struct image_info *out,
		  struct berth_err *err);

/* When a task start pulls an image (the ECS agent's
 * ECS_IMAGE_PULL_BEHAVIOR): DEFAULT pulls every image that came from a
 * registry and falls back to the local copy when the registry fails
 * (images loaded from archives are used as they are); ALWAYS pulls and
 * fails with the registry; ONCE pulls only what is not in the store. */
enum image_pull_policy { IMAGE_PULL_DEFAULT, IMAGE_PULL_ALWAYS, IMAGE_PULL_ONCE };
int image_pull_policy_parse(const char *s, enum image_pull_policy *out);

struct image_registry_options {
	const char *auth_file; /* Docker config.json ("auths"), or NULL */
	const char *insecure;  /* comma-separated registries allowed over plain HTTP */
	enum image_pull_policy policy;
	unsigned long long budget_bytes; /* collect unused images past this; 0: never */
	/* The imageDigest of every task not STOPPED (NULL-terminated strv,
	 * caller frees): what garbage collection must keep. */
	char **(*in_use)(void *arg);
	void *in_use_arg;
};
void image_store_configure(struct image_store *s, const struct image_registry_options *o);

struct image_request {
	const char *ref;
	const char *arch;                  /* "amd64" (default), "arm64" */
	const char *credentials_parameter; /* repositoryCredentials, or NULL */
};

/* Resolve `req->ref`, pulling it as the policy says.  Returns 0 with
 * *out filled, or -1 with a message for "CannotPullContainerError: ...";
 * err->code is ENOKEY when the credentials parameter names no entry of
 * the registry auth file (a ResourceInitializationError on ECS). */
int image_get(struct image_store *s, const struct image_request *req, struct image_info *out,
	      struct berth_err *err);

/* Pull `ref` now, whatever the policy; digest gets what it resolved to.
 * Call it (and image_get) between image_store_hold and _release. */
int image_pull(struct image_store *s, const struct image_request *req, char digest[72],
	       struct berth_err *err);

/* Between image_get and the task's record naming its imageDigest, hold
 * the store so that garbage collection cannot take the layers. */
void image_store_hold(struct image_store *s);
void image_store_release(struct image_store *s);

struct image_gc_result {
	unsigned images_removed, blobs_removed, layers_removed;
	unsigned long long bytes_freed, bytes_kept;
};

/* Remove images no task uses (all of them when `all_unused`, else the
 * least recently used until the store fits the budget), then every
 * blob and layer no kept image reaches. */
int image_gc(struct image_store *s, bool all_unused, struct image_gc_result *res,
	     struct berth_err *err);

/* Every named image: [{"name","digest","source"}] (caller frees). */
struct cJSON *image_list(struct image_store *s, struct berth_err *err);

#endif
