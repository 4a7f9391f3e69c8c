/* http.h: the HTTP listeners of berthd (libmicrohttpd).
 *
 * Two listeners share one request path: TCP (--listen, every request
 * SigV4-signed) and a unix socket RUN/api.sock (mode 0600, trusted:
 * root's `berth` client).  Bodies are collected up to a budget, then
 * handed whole to the router on a libmicrohttpd worker thread. */
#ifndef BERTH_API_HTTP_H
#define BERTH_API_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"

struct berth_daemon;
struct http_server;

#define HTTP_MAX_BODY (1u << 20)
#define HTTP_MAX_HEADERS 64

struct http_header {
	const char *name, *value;
};

struct http_request {
	const char *method, *path, *query;
	struct http_header headers[HTTP_MAX_HEADERS];
	size_t n_headers;
	const char *body;
	size_t body_len;
	bool trusted; /* arrived on the unix socket */
	const char *peer_ip; /* TCP peer address, "" for the unix socket */
};

struct http_response {
	int status;
	const char *content_type;
	char *body; /* malloc'd, taken over by the server */
	size_t body_len;
};

struct http_server *http_server_start(struct berth_daemon *d, const char *listen,
				      const char *unix_path, struct berth_err *err);
void http_server_stop(struct http_server *s);

/* The router (router.c) implements this. */
void router_handle(struct berth_daemon *d, const struct http_request *req,
		   struct http_response *resp);

/* Case-insensitive header lookup; NULL when absent. */
const char *http_header_get(const struct http_request *req, const char *name);

#endif
