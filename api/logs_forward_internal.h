/* logs_forward_internal.h: the signed CloudWatch Logs client of the
 * forwarder (logs_forward_http.c), shared with logs_forward.c. */
#ifndef BERTH_API_LOGS_FORWARD_INTERNAL_H
#define BERTH_API_LOGS_FORWARD_INTERNAL_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "common/error.h"

struct logs_client {
	void *curl; /* CURL *, reused so connections are kept alive */
	char url[512];
	char host[300]; /* the Host header curl sends, which is signed */
	char region[64];
	char key[129], secret[129];
};

int logs_client_init(struct logs_client *c, const char *endpoint, const char *region,
		     const char *credentials_file, struct berth_err *err);
void logs_client_free(struct logs_client *c);

/* POST Logs_20140328.ACTION with `body`.  0 with *resp set (the caller
 * frees it).  -1 otherwise: err->code EREMOTEIO with `type` holding the
 * service's __type when the service answered with an error, EIO when it
 * could not be reached or answered garbage. */
int logs_client_call(struct logs_client *c, const char *action, const cJSON *body, cJSON **resp,
		     char *type, size_t type_len, struct berth_err *err);

#endif
