/* ecs_tasks.c: RunTask, StopTask, DescribeTasks, ListTasks.  Requests
 * are checked here; the lifecycle is runner/'s.  RunTask answers with
 * the tasks in PROVISIONING and never waits for them to run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "ecs_common.h"
#include "ecs_handlers.h"
#include "runner/arn.h"
#include "runner/daemon.h"
#include "runner/runner.h"
#include "runner/store.h"
#include "images/images.h"
#include "runner/task_doc.h"
#include "taskdef_validate.h"

static bool has_container(const cJSON *def, const char *name)
{
	const cJSON *c;
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(def, "containerDefinitions")) {
		const char *n = task_doc_str(c, "name");
		if (n && strcmp(n, name) == 0)
			return true;
	}
	return false;
}

/* Check overrides against the definition; `out` gets a normalized copy
 * (task cpu/memory as unit strings). */
static int check_overrides(const cJSON *over, const cJSON *def, cJSON **out, struct api_error *e)
{
	const cJSON *co;
	const char *cpu = NULL, *mem = NULL;
	long cpu_u = 0, mem_m = 0;
	char buf[32];

	*out = NULL;
	if (over == NULL)
		return 0;
	if (!cJSON_IsObject(over))
		return api_invalid_param(e, "overrides must be an object");
	cJSON_ArrayForEach(co, cJSON_GetObjectItemCaseSensitive(over, "containerOverrides")) {
		const char *name = task_doc_str(co, "name");
		if (name == NULL || !has_container(def, name))
			return api_invalid_param(e, "Override for container named %s is not a container "
						    "in the TaskDefinition.", name ? name : "(none)");
	}
	if (api_opt_string(over, "cpu", &cpu, e) < 0 || api_opt_string(over, "memory", &mem, e) < 0)
		return -1;
	if (cpu && taskdef_parse_cpu(cpu, &cpu_u) < 0)
		return api_client_error(e, "Invalid 'cpu' setting for task.");
	if (mem && taskdef_parse_memory(mem, &mem_m) < 0)
		return api_client_error(e, "Invalid 'memory' setting for task.");
	if (!cpu_u && task_doc_str(def, "cpu"))
		taskdef_parse_cpu(task_doc_str(def, "cpu"), &cpu_u);
	if (!mem_m && task_doc_str(def, "memory"))
		taskdef_parse_memory(task_doc_str(def, "memory"), &mem_m);
	if ((cpu || mem) && !taskdef_fargate_size_ok(cpu_u, mem_m))
		return api_client_error(e, "No Fargate configuration exists for given values: %ld CPU, "
					   "%ld memory. See the Amazon ECS documentation for the "
					   "valid combinations.", cpu_u, mem_m);
	*out = cJSON_Duplicate(over, true);
	if (cpu) {
		snprintf(buf, sizeof(buf), "%ld", cpu_u);
		cJSON_ReplaceItemInObjectCaseSensitive(*out, "cpu", cJSON_CreateString(buf));
	}
	if (mem) {
		snprintf(buf, sizeof(buf), "%ld", mem_m);
		cJSON_ReplaceItemInObjectCaseSensitive(*out, "memory", cJSON_CreateString(buf));
	}
	if (!cJSON_GetObjectItemCaseSensitive(*out, "containerOverrides"))
		cJSON_AddArrayToObject(*out, "containerOverrides");
	return 0;
}

static int check_run_members(const cJSON *req, struct run_task_request *rt, struct api_error *e)
{
	const char *launch = NULL;
	long long count = 1;
	const cJSON *tags = cJSON_GetObjectItemCaseSensitive(req, "tags");

	if (api_opt_int(req, "count", 1, 10, &count, NULL, e) < 0 ||
	    api_opt_string(req, "launchType", &launch, e) < 0 ||
	    api_opt_string(req, "startedBy", &rt->started_by, e) < 0 ||
	    api_opt_string(req, "group", &rt->group, e) < 0 ||
	    api_opt_string(req, "clientToken", &rt->client_token, e) < 0)
		return -1;
	if (launch && strcmp(launch, "FARGATE") != 0)
		return api_invalid_param(e, "launchType %s is not supported: berth runs FARGATE tasks",
					 launch);
	if (rt->started_by && strlen(rt->started_by) > 128)
		return api_invalid_param(e, "startedBy may be up to 128 characters long");
	if (rt->group && strlen(rt->group) > 255)
		return api_invalid_param(e, "group may be up to 255 characters long");
	if (rt->client_token && strlen(rt->client_token) > 64)
		return api_invalid_param(e, "clientToken may be up to 64 characters long");
	if (tags && (!cJSON_IsArray(tags) || cJSON_GetArraySize(tags) > 50))
		return api_invalid_param(e, "tags must be a list of at most 50 tags");
	rt->count = (long)count;
	rt->tags = tags;
	return 0;
}

int ecs_run_task(struct berth_daemon *d, const cJSON *req, cJSON **resp, struct api_error *e)
{
	struct berth_err err = { 0 };
	struct run_task_request rt = { 0 };
	cleanup_json cJSON *def = NULL;
	cleanup_json cJSON *over = NULL;
	const char *ref = NULL;
	char cluster[256];
	cJSON *tasks = NULL;
	int rc;

	if (ecs_cluster_of(d, req, cluster, sizeof(cluster), e) < 0 ||
	    api_opt_string(req, "taskDefinition", &ref, e) < 0 || check_run_members(req, &rt, e) < 0)
		return -1;
	if (ref == NULL || *ref == '\0')
		return api_invalid_param(e, "taskDefinition is required");
	rc = store_taskdef_get(d->store, ref, &def, &err);
	if (rc < 0)
		return ecs_store_error(e, "RunTask", err.msg);
	if (rc == 0)
		return api_client_error(e, "Unable to find task definition '%s'.", ref);
	if (check_overrides(cJSON_GetObjectItemCaseSensitive(req, "overrides"), def, &over, e) < 0)
		return -1;
	rt.cluster = cluster;
	rt.taskdef = def;
	rt.overrides = over;
	if (runner_run_task(d->runner, &rt, &tasks, e) < 0)
		return -1;
	*resp = cJSON_CreateObject();
	cJSON_AddItemToObject(*resp, "tasks", tasks);
	cJSON_AddArrayToObject(*resp, "failures");
	return 0;
}

int ecs_stop_task(struct berth_daemon *d, const cJSON *req, cJSON **resp, struct api_error *e)
{
	const char *ref = NULL, *reason = NULL;
	char cluster[256], id[64], arn_cluster_name[256];
	cJSON *task = NULL;
	int rc;

	if (ecs_cluster_of(d, req, cluster, sizeof(cluster), e) < 0 ||
	    api_opt_string(req, "task", &ref, e) < 0 || api_opt_string(req, "reason", &reason, e) < 0)
		return -1;
	if (ref == NULL || !arn_parse_task(&d->cfg, ref, id, sizeof(id), arn_cluster_name,
					   sizeof(arn_cluster_name)))
		return api_invalid_param(e, "The referenced task was not found.");
	if (reason && strlen(reason) > 1024)
		return api_invalid_param(e, "reason may be up to 1024 characters long");
	rc = runner_stop_task(d->runner, cluster, id, reason, &task, e);
	if (rc < 0)
		return -1;
	if (rc == 1)
		return api_invalid_param(e, "The referenced task was not found.");
	*resp = cJSON_CreateObject();
	cJSON_AddItemToObject(*resp, "task", task);
	return 0;
}

static bool include_tags(const cJSON *req)
{
	const cJSON *i;
	cJSON_ArrayForEach(i, cJSON_GetObjectItemCaseSensitive(req, "include"))
		if (cJSON_IsString(i) && strcmp(i->valuestring, "TAGS") == 0)
			return true;
	return false;
}

static bool in_cluster(const cJSON *doc, const char *cluster)
{
	const char *arn = task_doc_str(doc, "clusterArn");
	const char *slash = arn ? strrchr(arn, '/') : NULL;
	return slash && strcmp(slash + 1, cluster) == 0;
}

int ecs_describe_tasks(struct berth_daemon *d, const cJSON *req, cJSON **resp, struct api_error *e)
{
	struct berth_err err = { 0 };
	const cJSON *list = cJSON_GetObjectItemCaseSensitive(req, "tasks");
	const cJSON *it;
	char cluster[256];
	cJSON *tasks, *failures;
	bool tags = include_tags(req);

	if (ecs_cluster_of(d, req, cluster, sizeof(cluster), e) < 0)
		return -1;
	if (!cJSON_IsArray(list) || cJSON_GetArraySize(list) == 0)
		return api_invalid_param(e, "Tasks cannot be empty.");
	if (cJSON_GetArraySize(list) > 100)
		return api_invalid_param(e, "Too many tasks were provided. At most 100 are allowed.");
	*resp = cJSON_CreateObject();
	tasks = cJSON_AddArrayToObject(*resp, "tasks");
	failures = cJSON_AddArrayToObject(*resp, "failures");
	cJSON_ArrayForEach(it, list) {
		char id[64], arn[ARN_MAX];
		const char *ref = cJSON_GetStringValue(it);
		cJSON *doc = NULL;
		if (ref && arn_parse_task(&d->cfg, ref, id, sizeof(id), NULL, 0) &&
		    store_task_get(d->store, id, &doc, &err) == 1 && in_cluster(doc, cluster)) {
			if (!tags)
				cJSON_DeleteItemFromObjectCaseSensitive(doc, "tags");
			cJSON_AddItemToArray(tasks, doc);
			continue;
		}
		cJSON_Delete(doc);
		if (ref && strncmp(ref, "arn:", 4) == 0)
			snprintf(arn, sizeof(arn), "%s", ref);
		else
			arn_task(&d->cfg, cluster, ref ? ref : "", arn, sizeof(arn));
		ecs_add_failure(failures, arn, "MISSING", NULL);
	}
	return 0;
}

int ecs_list_tasks(struct berth_daemon *d, const cJSON *req, cJSON **resp, struct api_error *e)
{
	struct berth_err err = { 0 };
	cleanup_strv char **ids = NULL;
	const char *family = NULL, *started_by = NULL, *desired = NULL, *launch = NULL;
	char cluster[256];

	if (ecs_cluster_of(d, req, cluster, sizeof(cluster), e) < 0 ||
	    api_opt_string(req, "family", &family, e) < 0 ||
	    api_opt_string(req, "startedBy", &started_by, e) < 0 ||
	    api_opt_string(req, "desiredStatus", &desired, e) < 0 ||
	    api_opt_string(req, "launchType", &launch, e) < 0)
		return -1;
	if (desired && strcmp(desired, "RUNNING") && strcmp(desired, "PENDING") && strcmp(desired, "STOPPED"))
		return api_invalid_param(e, "desiredStatus must be RUNNING, PENDING or STOPPED");
	if (desired && strcmp(desired, "PENDING") == 0)
		desired = "RUNNING";
	if (store_task_list(d->store, cluster, family, started_by, desired ? desired : "RUNNING", &ids,
			    &err) < 0)
		return ecs_store_error(e, "ListTasks", err.msg);
	if (launch && strcmp(launch, "FARGATE") != 0)
		ids[0] = (free(ids[0]), NULL);
	for (size_t i = 0; ids[i]; i++) {
		char arn[ARN_MAX];
		arn_task(&d->cfg, cluster, ids[i], arn, sizeof(arn));
		free(ids[i]);
		ids[i] = strdup(arn);
	}
	*resp = cJSON_CreateObject();
	return ecs_paginate(req, ids, 100, 100, *resp, "taskArns", e);
}

int berth_load_image(struct berth_daemon *d, const cJSON *req, cJSON **resp, struct api_error *e)
{
	struct berth_err err = { 0 };
	cleanup_strv char **names = NULL;
	const char *path = NULL;
	cJSON *arr;

	if (api_opt_string(req, "path", &path, e) < 0)
		return -1;
	if (path == NULL || path[0] != '/')
		return api_invalid_param(e, "path must be an absolute path to an image archive");
	if (image_load_archive(d->images, path, &names, &err) < 0)
		return api_client_error(e, "load %s: %s", path, err.msg);
	*resp = cJSON_CreateObject();
	arr = cJSON_AddArrayToObject(*resp, "names");
	for (char **n = names; n && *n; n++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(*n));
	return 0;
}
