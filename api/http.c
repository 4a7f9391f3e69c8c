/* http.c: libmicrohttpd listeners (see http.h).
 *
 * berth binds the sockets itself (TCP with SO_REUSEADDR, and the unix
 * socket with mode 0600) and hands them to libmicrohttpd, which runs a
 * small thread pool over epoll.  Limits: body budget HTTP_MAX_BODY (413
 * beyond), 64 headers, a per-connection memory cap, an idle timeout
 * against slow clients, and a connection cap. */
#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"

struct listener {
	struct berth_daemon *d;
	struct MHD_Daemon *mhd;
	bool trusted;
};

struct http_server {
	struct listener tcp, local;
	char unix_path[108];
};

struct request_state {
	char *body;
	size_t len, cap;
	bool too_big;
};

const char *http_header_get(const struct http_request *req, const char *name)
{
	for (size_t i = 0; i < req->n_headers; i++)
		if (strcasecmp(req->headers[i].name, name) == 0)
			return req->headers[i].value;
	return NULL;
}

static enum MHD_Result collect_header(void *cls, enum MHD_ValueKind kind, const char *key,
				      const char *value)
{
	struct http_request *req = cls;
	(void)kind;
	if (req->n_headers < HTTP_MAX_HEADERS) {
		req->headers[req->n_headers].name = key;
		req->headers[req->n_headers].value = value ? value : "";
		req->n_headers++;
	}
	return MHD_YES;
}

static enum MHD_Result send_response(struct MHD_Connection *conn, struct http_response *r)
{
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(r->body_len, r->body, MHD_RESPMEM_MUST_FREE);
	enum MHD_Result ret;

	if (resp == NULL) {
		free(r->body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type",
				r->content_type ? r->content_type : "application/x-amz-json-1.1");
	ret = MHD_queue_response(conn, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result error_response(struct MHD_Connection *conn, int status, const char *type,
				      const char *msg)
{
	struct http_response r = { .status = status };
	r.body_len = (size_t)asprintf(&r.body, "{\"__type\":\"%s\",\"message\":\"%s\"}", type, msg);
	return send_response(conn, &r);
}

static void peer_address(struct MHD_Connection *conn, char *out, size_t len)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	out[0] = '\0';
	if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)ci->client_addr)->sin_addr, out, (socklen_t)len);
}

static int append_body(struct request_state *st, const char *data, size_t n)
{
	if (st->len + n > HTTP_MAX_BODY) {
		st->too_big = true;
		return 0;
	}
	if (st->len + n + 1 > st->cap) {
		size_t cap = st->cap ? st->cap : 4096;
		char *nb;
		while (cap < st->len + n + 1)
			cap *= 2;
		nb = realloc(st->body, cap);
		if (nb == NULL)
			return -1;
		st->body = nb;
		st->cap = cap;
	}
	memcpy(st->body + st->len, data, n);
	st->len += n;
	st->body[st->len] = '\0';
	return 0;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_size, void **con_cls)
{
	struct listener *l = cls;
	struct request_state *st = *con_cls;
	struct http_request req = { .method = method, .path = url, .query = "" };
	struct http_response resp = { 0 };
	char peer[64];
	(void)version;

	if (st == NULL) {
		st = calloc(1, sizeof(*st));
		if (st == NULL)
			return MHD_NO;
		*con_cls = st;
		return MHD_YES;
	}
	if (*upload_size > 0) {
		if (append_body(st, upload_data, *upload_size) < 0)
			return MHD_NO;
		*upload_size = 0;
		return MHD_YES;
	}
	if (st->too_big)
		return error_response(conn, 413, "SerializationException", "Request body too large");
	MHD_get_connection_values(conn, MHD_HEADER_KIND, collect_header, &req);
	peer_address(conn, peer, sizeof(peer));
	req.body = st->body ? st->body : "";
	req.body_len = st->len;
	req.trusted = l->trusted;
	req.peer_ip = peer;
	router_handle(l->d, &req, &resp);
	return send_response(conn, &resp);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct request_state *st = *con_cls;
	(void)cls, (void)conn, (void)toe;
	if (st) {
		free(st->body);
		free(st);
	}
	*con_cls = NULL;
}

static int tcp_socket(const char *listen_spec, struct berth_err *err)
{
	cleanup_free char *host = strdup(listen_spec);
	char *colon = host ? strrchr(host, ':') : NULL;
	struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_PASSIVE | AI_NUMERICSERV };
	struct addrinfo *ai = NULL;
	int fd, one = 1, rc;

	if (colon == NULL)
		return berth_err_set(err, EINVAL, "--listen %s: expected HOST:PORT", listen_spec);
	*colon = '\0';
	rc = getaddrinfo(*host ? host : NULL, colon + 1, &hints, &ai);
	if (rc != 0)
		return berth_err_set(err, 0, "--listen %s: %s", listen_spec, gai_strerror(rc));
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 128) < 0) {
		berth_err_errno(err, "listen on %s", listen_spec);
		if (fd >= 0)
			close(fd);
		freeaddrinfo(ai);
		return -1;
	}
	freeaddrinfo(ai);
	return fd;
}

static int unix_socket(const char *path, struct berth_err *err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return berth_err_set(err, ENAMETOOLONG, "unix socket %s", path);
	strcpy(sa.sun_path, path);
	unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || chmod(path, 0600) < 0 ||
	    listen(fd, 64) < 0) {
		berth_err_errno(err, "listen on %s", path);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static int start_listener(struct listener *l, int fd, struct berth_err *err)
{
	l->mhd = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG, 0, NULL, NULL,
		on_request, l, MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_NOTIFY_COMPLETED, on_completed,
		l, MHD_OPTION_THREAD_POOL_SIZE, (unsigned)4, MHD_OPTION_CONNECTION_TIMEOUT,
		(unsigned)30, MHD_OPTION_CONNECTION_LIMIT, (unsigned)1024,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024), MHD_OPTION_END);
	if (l->mhd == NULL) {
		close(fd);
		return berth_err_set(err, 0, "start HTTP listener");
	}
	return 0;
}

struct http_server *http_server_start(struct berth_daemon *d, const char *listen,
				      const char *unix_path, struct berth_err *err)
{
	struct http_server *s = calloc(1, sizeof(*s));
	int fd;

	if (s == NULL) {
		berth_err_set(err, ENOMEM, "HTTP server");
		return NULL;
	}
	s->tcp = (struct listener){ d, NULL, false };
	s->local = (struct listener){ d, NULL, true };
	snprintf(s->unix_path, sizeof(s->unix_path), "%s", unix_path);
	if ((fd = tcp_socket(listen, err)) < 0 || start_listener(&s->tcp, fd, err) < 0 ||
	    (fd = unix_socket(unix_path, err)) < 0 || start_listener(&s->local, fd, err) < 0) {
		http_server_stop(s);
		return NULL;
	}
	return s;
}

void http_server_stop(struct http_server *s)
{
	if (s == NULL)
		return;
	if (s->tcp.mhd)
		MHD_stop_daemon(s->tcp.mhd);
	if (s->local.mhd) {
		MHD_stop_daemon(s->local.mhd);
		unlink(s->unix_path);
	}
	free(s);
}
