/* manifest.h: parsing what a registry (or the store) holds as a manifest:
 * an OCI image index or Docker manifest list (one platform is picked), or
 * an OCI image manifest or Docker schema 2 manifest (config + layers).
 * Schema 1 and anything else are refused with a message saying so.
 * Pure functions over bytes: no I/O, fuzzed by tests/fuzz/fuzz_manifest. */
#ifndef BERTH_IMAGES_MANIFEST_H
#define BERTH_IMAGES_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

#define MANIFEST_MAX_BYTES (4 << 20) /* as containerd: manifests are small */

enum manifest_kind { MANIFEST_IMAGE, MANIFEST_INDEX };

struct manifest_desc {
	char media_type[128];
	char digest[72]; /* "sha256:<64 hex>" */
	int64_t size;
};

struct manifest {
	enum manifest_kind kind;
	char media_type[128];
	/* MANIFEST_INDEX: the entry for the wanted platform. */
	struct manifest_desc platform_entry;
	/* MANIFEST_IMAGE: */
	struct manifest_desc config;
	struct manifest_desc *layers;
	size_t n_layers;
};

/* The platform to pick from an index ("linux", "amd64", "" or "v8"). */
struct manifest_platform {
	const char *os;
	const char *arch;
	const char *variant;
};

/* Parse `body` (len bytes).  `content_type` is the registry's
 * Content-Type (NULL or "" when unknown: the document's mediaType
 * decides).  Returns 0, or -1 with a message fit for
 * "CannotPullContainerError: ...". */
int manifest_parse(const char *body, size_t len, const char *content_type,
		   const struct manifest_platform *want, struct manifest *out, struct berth_err *err);
void manifest_free(struct manifest *m);

/* The Accept header a registry needs to answer with any type berth
 * takes. */
extern const char manifest_accept[];

/* True when `d` is "sha256:" and 64 lowercase hex digits. */
bool manifest_digest_ok(const char *d);

#endif
