/* ecs_clusters.c: CreateCluster, DescribeClusters, ListClusters,
 * DeleteCluster.  A cluster holds no resources of its own: it is a
 * name that tasks are grouped under. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/ids.h"
#include "common/json.h"
#include "ecs_common.h"
#include "ecs_handlers.h"
#include "runner/arn.h"
#include "runner/daemon.h"
#include "runner/store.h"

static cJSON *cluster_doc(struct berth_daemon *d, const char *name, const char *status)
{
	struct berth_err err = { 0 };
	cJSON *c = cJSON_CreateObject();
	cJSON *settings, *s, *cps;
	char arn[ARN_MAX];
	long running = 0, pending = 0;

	arn_cluster(&d->cfg, name, arn, sizeof(arn));
	store_cluster_task_counts(d->store, name, &running, &pending, &err);
	cJSON_AddStringToObject(c, "clusterArn", arn);
	cJSON_AddStringToObject(c, "clusterName", name);
	cJSON_AddStringToObject(c, "status", status);
	cJSON_AddNumberToObject(c, "registeredContainerInstancesCount", 0);
	cJSON_AddNumberToObject(c, "runningTasksCount", (double)running);
	cJSON_AddNumberToObject(c, "pendingTasksCount", (double)pending);
	cJSON_AddNumberToObject(c, "activeServicesCount", 0);
	cJSON_AddArrayToObject(c, "statistics");
	cJSON_AddArrayToObject(c, "tags");
	settings = cJSON_AddArrayToObject(c, "settings");
	s = cJSON_CreateObject();
	cJSON_AddStringToObject(s, "name", "containerInsights");
	cJSON_AddStringToObject(s, "value", "disabled");
	cJSON_AddItemToArray(settings, s);
	cps = cJSON_AddArrayToObject(c, "capacityProviders");
	cJSON_AddItemToArray(cps, cJSON_CreateString("FARGATE"));
	cJSON_AddArrayToObject(c, "defaultCapacityProviderStrategy");
	return c;
}

int ecs_create_cluster(struct berth_daemon *d, const cJSON *req, cJSON **resp, struct api_error *e)
{
	struct berth_err err = { 0 };
	const char *name = NULL;
	char parsed[256], arn[ARN_MAX];

	if (api_opt_string(req, "clusterName", &name, e) < 0)
		return -1;
	if (!arn_parse_cluster(&d->cfg, name, parsed, sizeof(parsed)) || strncmp(parsed, "arn:", 4) == 0)
		return api_invalid_param(e, "Cluster names can be up to 255 characters long and may "
					    "contain letters, numbers, underscores, and hyphens.");
	arn_cluster(&d->cfg, parsed, arn, sizeof(arn));
	if (store_cluster_put(d->store, parsed, arn, time_now_ms(), NULL, &err) < 0)
		return ecs_store_error(e, "CreateCluster", err.msg);
	*resp = cJSON_CreateObject();
	cJSON_AddItemToObject(*resp, "cluster", cluster_doc(d, parsed, "ACTIVE"));
	return 0;
}

int ecs_describe_clusters(struct berth_daemon *d, const cJSON *req, cJSON **resp,
			  struct api_error *e)
{
	struct berth_err err = { 0 };
	const cJSON *list = cJSON_GetObjectItemCaseSensitive(req, "clusters");
	const cJSON *it;
	cJSON *clusters, *failures;
	char one[] = "default";
	cJSON *dflt = NULL;

	if (list && !cJSON_IsArray(list))
		return api_invalid_param(e, "clusters must be a list of strings");
	if (list == NULL || cJSON_GetArraySize(list) == 0) {
		char name[256];
		if (ecs_cluster_of(d, req, name, sizeof(name), e) < 0)
			return -1;
		list = dflt = cJSON_CreateStringArray((const char *const[]){ one }, 1);
	}
	*resp = cJSON_CreateObject();
	clusters = cJSON_AddArrayToObject(*resp, "clusters");
	failures = cJSON_AddArrayToObject(*resp, "failures");
	cJSON_ArrayForEach(it, list) {
		char name[256], status[32], arn[ARN_MAX];
		const char *ref = cJSON_GetStringValue(it);
		if (ref && arn_parse_cluster(&d->cfg, ref, name, sizeof(name)) &&
		    store_cluster_get(d->store, name, NULL, 0, status, sizeof(status), &err) == 1) {
			cJSON_AddItemToArray(clusters, cluster_doc(d, name, status));
			continue;
		}
		if (ref && strncmp(ref, "arn:", 4) == 0)
			snprintf(arn, sizeof(arn), "%s", ref);
		else
			arn_cluster(&d->cfg, ref ? ref : "", arn, sizeof(arn));
		ecs_add_failure(failures, arn, "MISSING", NULL);
	}
	cJSON_Delete(dflt);
	return 0;
}

int ecs_list_clusters(struct berth_daemon *d, const cJSON *req, cJSON **resp, struct api_error *e)
{
	struct berth_err err = { 0 };
	cleanup_strv char **names = NULL;
	char name[256];
	size_t n = 0;

	/* Make sure "default" exists, as it always does on berth. */
	if (ecs_cluster_of(d, NULL, name, sizeof(name), e) < 0)
		return -1;
	if (store_cluster_list(d->store, &names, &err) < 0)
		return ecs_store_error(e, "ListClusters", err.msg);
	for (; names[n]; n++) {
		char arn[ARN_MAX];
		arn_cluster(&d->cfg, names[n], arn, sizeof(arn));
		free(names[n]);
		names[n] = strdup(arn);
	}
	*resp = cJSON_CreateObject();
	return ecs_paginate(req, names, 100, 100, *resp, "clusterArns", e);
}

int ecs_delete_cluster(struct berth_daemon *d, const cJSON *req, cJSON **resp, struct api_error *e)
{
	struct berth_err err = { 0 };
	char name[256];
	long running = 0, pending = 0;

	if (cJSON_GetObjectItemCaseSensitive(req, "cluster") == NULL)
		return api_invalid_param(e, "cluster is required");
	if (ecs_cluster_of(d, req, name, sizeof(name), e) < 0)
		return -1;
	if (store_cluster_task_counts(d->store, name, &running, &pending, &err) < 0)
		return ecs_store_error(e, "DeleteCluster", err.msg);
	if (running + pending > 0)
		return api_error_set(e, 400, "ClusterContainsTasksException",
				     "The Cluster cannot be deleted while Tasks are active.");
	if (store_cluster_set_status(d->store, name, "INACTIVE", &err) < 0)
		return ecs_store_error(e, "DeleteCluster", err.msg);
	*resp = cJSON_CreateObject();
	cJSON_AddItemToObject(*resp, "cluster", cluster_doc(d, name, "INACTIVE"));
	return 0;
}
