/* ecs_common.c: helpers shared by the ECS handlers (see ecs_common.h). */
#include "ecs_common.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/ids.h"
#include "runner/arn.h"
#include "runner/daemon.h"
#include "runner/store.h"

int ecs_store_error(struct api_error *e, const char *what, const char *msg)
{
	return api_server_error(e, "%s: %s", what, msg);
}

int ecs_cluster_of(struct berth_daemon *d, const cJSON *req, char *name, size_t len,
		   struct api_error *e)
{
	struct berth_err err = { 0 };
	const char *ref = NULL;
	char status[32], arn[ARN_MAX];
	int rc;

	if (api_opt_string(req, "cluster", &ref, e) < 0)
		return -1;
	if (!arn_parse_cluster(&d->cfg, ref, name, len))
		return api_error_set(e, 400, "ClusterNotFoundException", "Cluster not found.");
	rc = store_cluster_get(d->store, name, NULL, 0, status, sizeof(status), &err);
	if (rc < 0)
		return ecs_store_error(e, "look up cluster", err.msg);
	if (rc == 1 && strcmp(status, "ACTIVE") == 0)
		return 0;
	if (strcmp(name, "default") == 0) {
		arn_cluster(&d->cfg, name, arn, sizeof(arn));
		if (store_cluster_put(d->store, name, arn, time_now_ms(), NULL, &err) < 0)
			return ecs_store_error(e, "create default cluster", err.msg);
		return 0;
	}
	return api_error_set(e, 400, "ClusterNotFoundException", "Cluster not found.");
}

void ecs_add_failure(cJSON *failures, const char *arn, const char *reason, const char *detail)
{
	cJSON *f = cJSON_CreateObject();

	cJSON_AddStringToObject(f, "arn", arn);
	cJSON_AddStringToObject(f, "reason", reason);
	if (detail)
		cJSON_AddStringToObject(f, "detail", detail);
	cJSON_AddItemToArray(failures, f);
}

int ecs_paginate(const cJSON *req, char **items, long dflt, long max, cJSON *resp,
		 const char *key, struct api_error *e)
{
	const char *token = NULL;
	long long limit = dflt, start = 0;
	long n = 0;
	cJSON *arr = cJSON_AddArrayToObject(resp, key);
	char next[32];

	if (api_opt_int(req, "maxResults", 1, max, &limit, NULL, e) < 0 ||
	    api_opt_string(req, "nextToken", &token, e) < 0)
		return -1;
	if (token) {
		char *end;
		start = strtoll(token, &end, 10);
		if (*end != '\0' || start < 0)
			return api_invalid_param(e, "Invalid nextToken");
	}
	while (items[n])
		n++;
	for (long long i = start; i < n && i < start + limit; i++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(items[i]));
	if (start + limit < n) {
		snprintf(next, sizeof(next), "%lld", start + limit);
		cJSON_AddStringToObject(resp, "nextToken", next);
	}
	return 0;
}
