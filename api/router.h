/* router.h: the action table behind the listeners.
 *
 * A request is routed by its X-Amz-Target header to one handler of the
 * ECS (AmazonEC2ContainerServiceV20141113.*), CloudWatch Logs
 * (Logs_20140328.*) or berth-local (Berth.*) tables.  The router checks
 * SigV4 (TCP listener), enforces the body budget, parses the body with
 * json_parse_strict, calls the handler and serializes its result or its
 * api_error as the AWS JSON 1.1 protocol does. */
#ifndef BERTH_API_ROUTER_H
#define BERTH_API_ROUTER_H

#include <cjson/cJSON.h>
#include <stdbool.h>

#include "api_error.h"

struct berth_daemon; /* runner/daemon.h */

/* A handler gets the strictly parsed request object and returns 0 with
 * *resp set to a new object (the router frees it), or -1 with e set. */
typedef int (*api_handler)(struct berth_daemon *d, const cJSON *req, cJSON **resp,
			   struct api_error *e);

struct api_action {
	const char *name; /* "RunTask" (without the target prefix) */
	api_handler handler;
};

/* Tables, each terminated by {NULL, NULL}. */
extern const struct api_action ecs_actions[];
extern const struct api_action logs_actions[];
extern const struct api_action berth_actions[];

#endif
