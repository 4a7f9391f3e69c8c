/* registry.h: a client of one repository on an OCI distribution / Docker
 * Registry HTTP API v2 registry, with libcurl: the /v2/ ping, the
 * WWW-Authenticate Bearer token flow and Basic auth, manifests into
 * memory, blobs to a file with their sha256 checked while they stream
 * (resuming a partial file with a Range request).  Redirects (to S3-style
 * blob storage, as ECR answers) are followed; credentials never go to the
 * redirected host.  Plain HTTP only for loopback registries and those
 * the daemon lists as insecure, after HTTPS failed, as Docker does.
 * Errors are worded for "CannotPullContainerError: ...". */
#ifndef BERTH_IMAGES_REGISTRY_H
#define BERTH_IMAGES_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

struct registry_auth {
	char user[256];
	char secret[1024];
	bool present;
};

/* A parsed WWW-Authenticate challenge. */
struct auth_challenge {
	char scheme[16]; /* "Bearer", "Basic" */
	char realm[1024];
	char service[256];
	char scope[512];
};

/* registry_auth.c */
/* Parse one challenge; 0, or -1 when malformed. */
int auth_challenge_parse(const char *header, struct auth_challenge *out);
/* Look `key` (a registry domain, or a repositoryCredentials parameter
 * when by_parameter) up in a Docker config.json `auths` map.  Returns 1
 * with *out filled, 0 when absent, -1 on a bad file. */
int registry_auth_lookup(const char *file, const char *key, bool by_parameter,
			 struct registry_auth *out, struct berth_err *err);

/* registry.c */
struct registry;
/* Connect to `domain` for `repository` and authenticate (nothing is
 * sent before a request needs it).  `insecure`: plain HTTP allowed. */
struct registry *registry_open(const char *domain, const char *repository,
			       const struct registry_auth *auth, bool insecure, struct berth_err *err);
void registry_close(struct registry *r);
/* GET the manifest `reference` (tag or digest).  *body is malloc'd;
 * content_type gets the Content-Type; digest gets the sha256 of the bytes
 * (checked against Docker-Content-Digest when the registry sent one). */
int registry_get_manifest(struct registry *r, const char *reference, char **body, size_t *len,
			  char content_type[128], char digest[72], struct berth_err *err);
/* GET blob `digest` of `size` bytes into `partial` (appending to what an
 * earlier attempt left there).  Returns 0 when the whole file has that
 * digest; on a mismatch the file is removed; on a transfer error it is
 * kept for the next attempt to resume. */
int registry_get_blob(struct registry *r, const char *digest, int64_t size, const char *partial,
		      struct berth_err *err);

/* True for localhost, 127.0.0.0/8 and [::1] (with or without a port). */
bool registry_is_loopback(const char *domain);

#endif
