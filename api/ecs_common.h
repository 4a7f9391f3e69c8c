/* ecs_common.h: what the ECS handlers share: resolving the request's
 * cluster, failures[] entries, and nextToken/maxResults paging over a
 * list of strings. */
#ifndef BERTH_API_ECS_COMMON_H
#define BERTH_API_ECS_COMMON_H

#include <cjson/cJSON.h>
#include <stdbool.h>

#include "api_error.h"
#include "api_params.h"

struct berth_daemon;

/* Resolve member "cluster" (name or ARN, absent = "default") to an
 * ACTIVE cluster; "default" is created on first use.  Fills `name`.
 * ClusterNotFoundException when missing. */
int ecs_cluster_of(struct berth_daemon *d, const cJSON *req, char *name, size_t len,
		   struct api_error *e);


void ecs_add_failure(cJSON *failures, const char *arn, const char *reason, const char *detail);

/* Page `items` by maxResults (1..max, default dflt) and nextToken into
 * a new array set as `key` of `resp`, plus "nextToken" when more. */
int ecs_paginate(const cJSON *req, char **items, long dflt, long max, cJSON *resp,
		 const char *key, struct api_error *e);

/* Errors mapping a berth_err from the store: ServerException. */
int ecs_store_error(struct api_error *e, const char *what, const char *msg);

#endif
