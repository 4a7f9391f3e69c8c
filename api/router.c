/* router.c: from an HTTP request to a handler and back (see router.h).
 *
 * POST / with X-Amz-Target "<Service>.<Action>": the service prefix picks
 * the table, the action the handler.  On the TCP listener the SigV4
 * scope's service must be the target's (ecs or logs).  Errors leave as
 * {"__type": ..., "message": ...} with the status the handler chose. */
#include "router.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/cleanup.h"
#include "common/ids.h"
#include "common/json.h"
#include "common/log.h"
#include "credentials.h"
#include "http.h"
#include "runner/daemon.h"
#include "sigv4.h"

struct service {
	const char *prefix;      /* X-Amz-Target prefix */
	const char *sig_service; /* SigV4 scope service; NULL: unix socket only */
	const struct api_action *actions;
};

static const struct service services[] = {
	{ "AmazonEC2ContainerServiceV20141113", "ecs", ecs_actions },
	{ "Logs_20140328", "logs", logs_actions },
	{ "Berth", NULL, berth_actions },
};

static void json_response(struct http_response *resp, int status, cJSON *body)
{
	resp->status = status;
	resp->content_type = "application/x-amz-json-1.1";
	resp->body = cJSON_PrintUnformatted(body);
	resp->body_len = resp->body ? strlen(resp->body) : 0;
}

static void error_response(struct http_response *resp, const struct api_error *e)
{
	cleanup_json cJSON *body = cJSON_CreateObject();

	cJSON_AddStringToObject(body, "__type", e->type);
	cJSON_AddStringToObject(body, "message", e->message);
	json_response(resp, e->status ? e->status : 500, body);
}

static const struct api_action *find_action(const struct service *svc, const char *name)
{
	for (const struct api_action *a = svc->actions; a->name; a++)
		if (strcmp(a->name, name) == 0)
			return a;
	return NULL;
}

static int route(const struct http_request *req, const struct service **svc_out,
		 const struct api_action **act_out, struct api_error *e)
{
	const char *target = http_header_get(req, "X-Amz-Target");
	const char *dot = target ? strrchr(target, '.') : NULL;

	if (strcmp(req->method, "POST") != 0 || strcmp(req->path, "/") != 0)
		return api_error_set(e, 404, "UnknownOperationException", "Unknown operation");
	if (dot == NULL)
		return api_error_set(e, 400, "UnknownOperationException",
				     "Missing or malformed X-Amz-Target header");
	for (size_t i = 0; i < sizeof(services) / sizeof(services[0]); i++) {
		const struct service *s = &services[i];
		if (strlen(s->prefix) != (size_t)(dot - target) ||
		    strncmp(s->prefix, target, (size_t)(dot - target)) != 0)
			continue;
		*svc_out = s;
		*act_out = find_action(s, dot + 1);
		if (*act_out == NULL)
			break;
		return 0;
	}
	return api_error_set(e, 400, "UnknownOperationException", "Unknown operation %s", target);
}

static int authenticate(struct berth_daemon *d, const struct http_request *req,
			const struct service *svc, struct api_error *e)
{
	const char *const accepted[] = { svc->sig_service, NULL };
	struct sigv4_header hdrs[HTTP_MAX_HEADERS];
	struct sigv4_request sr = { req->method, req->path, req->query, hdrs, req->n_headers,
				    (const unsigned char *)req->body, req->body_len };
	char scope_service[16];

	if (req->trusted)
		return 0;
	if (svc->sig_service == NULL)
		return api_error_set(e, 403, "AccessDeniedException",
				     "This action is only available on the local socket");
	for (size_t i = 0; i < req->n_headers; i++)
		hdrs[i] = (struct sigv4_header){ req->headers[i].name, req->headers[i].value };
	return sigv4_verify(&sr, accepted, time(NULL), credentials_secret, d->creds, scope_service, e);
}

void router_handle(struct berth_daemon *d, const struct http_request *req,
		   struct http_response *resp)
{
	struct api_error e = { 0 };
	struct berth_err err = { 0 };
	const struct service *svc = NULL;
	const struct api_action *act = NULL;
	cleanup_json cJSON *body = NULL;
	cleanup_json cJSON *out = NULL;

	if (route(req, &svc, &act, &e) < 0 || authenticate(d, req, svc, &e) < 0)
		return error_response(resp, &e);
	body = req->body_len ? json_parse_strict(req->body, req->body_len, &err) : cJSON_CreateObject();
	if (body == NULL || !cJSON_IsObject(body)) {
		api_error_set(&e, 400, "SerializationException", "%s",
			      body ? "request body must be a JSON object" : err.msg);
		return error_response(resp, &e);
	}
	if (act->handler(d, body, &out, &e) < 0) {
		if (e.status >= 500)
			log_error("%s.%s: %s", svc->prefix, act->name, e.message);
		return error_response(resp, &e);
	}
	json_response(resp, 200, out ? out : body);
}
