/* sigv4.h: AWS Signature Version 4 verification of incoming requests.
 *
 * The canonical request is recomputed from exactly what was received
 * (method, path, query, the headers named in SignedHeaders, the SHA-256
 * of the body), the signature is derived from the secret of the access
 * key named in the Credential scope, and compared in constant time.
 * Timestamps more than 5 minutes from `now` are refused.  Pure
 * functions: no I/O, no global state, so the fuzzer drives them. */
#ifndef BERTH_API_SIGV4_H
#define BERTH_API_SIGV4_H

#include <stddef.h>
#include <time.h>

#include "api_error.h"

struct sigv4_header {
	const char *name;  /* as received; compared case-insensitively */
	const char *value; /* as received */
};

struct sigv4_request {
	const char *method;       /* "POST" */
	const char *path;         /* "/" (not yet URI-decoded) */
	const char *query;        /* raw query string without '?', or "" */
	const struct sigv4_header *headers;
	size_t n_headers;
	const unsigned char *body;
	size_t body_len;
};

/* Returns the secret for `access_key_id`, or NULL when the key is not
 * known.  The pointer must stay valid until sigv4_verify() returns. */
typedef const char *(*sigv4_secret_lookup)(void *arg, const char *access_key_id);

/* Verify `req`.  `services` is a NULL-terminated list of accepted
 * service names in the credential scope (e.g. {"ecs","logs",NULL}).
 * `service_out` (>= 16 bytes) receives the scope's service.
 * Returns 0 when valid; -1 with `e` set to a 403 otherwise:
 *   no/garbled Authorization header  -> MissingAuthenticationTokenException
 *                                       or IncompleteSignatureException
 *   unknown access key                -> UnrecognizedClientException
 *   wrong signature                   -> InvalidSignatureException
 *   X-Amz-Date off by more than 5 min -> InvalidSignatureException
 *                                        ("Signature expired: ...") */
int sigv4_verify(const struct sigv4_request *req, const char *const *services, time_t now,
		 sigv4_secret_lookup lookup, void *lookup_arg, char *service_out,
		 struct api_error *e);

/* Sign a request (used by tests and by the logs forwarder): returns the
 * Authorization header value in `out` (>= 512 bytes).  `amz_date` is
 * "YYYYMMDDTHHMMSSZ"; `headers` must already contain host and x-amz-date. */
int sigv4_sign(const struct sigv4_request *req, const char *access_key_id, const char *secret,
	       const char *region, const char *service, const char *amz_date,
	       const char *signed_headers, char *out, size_t out_len);

#endif
