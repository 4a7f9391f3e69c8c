/* task_doc.c: building and changing the ECS Task document (see
 * task_doc.h).  Field names and enums follow the ECS service model. */
#include "task_doc.h"

#include <stdio.h>
#include <string.h>

#include "arn.h"
#include "common/ids.h"
#include "daemon.h"
#include "runner.h"

const char *task_doc_str(const cJSON *obj, const char *name)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(obj, name));
}

void task_doc_set_string(cJSON *obj, const char *name, const char *value)
{
	cJSON_DeleteItemFromObjectCaseSensitive(obj, name);
	if (value)
		cJSON_AddStringToObject(obj, name, value);
}

void task_doc_set_time(cJSON *obj, const char *name, int64_t ms)
{
	cJSON_DeleteItemFromObjectCaseSensitive(obj, name);
	cJSON_AddNumberToObject(obj, name, (double)ms / 1000.0);
}

static void bump_version(cJSON *doc)
{
	cJSON *v = cJSON_GetObjectItemCaseSensitive(doc, "version");
	if (cJSON_IsNumber(v))
		cJSON_SetNumberValue(v, v->valuedouble + 1);
	else
		cJSON_AddNumberToObject(doc, "version", 1);
}

cJSON *task_doc_container(cJSON *doc, const char *name)
{
	cJSON *c;
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(doc, "containers")) {
		const char *n = task_doc_str(c, "name");
		if (n && strcmp(n, name) == 0)
			return c;
	}
	return NULL;
}

static const cJSON *container_override(const cJSON *overrides, const char *name)
{
	const cJSON *o;
	cJSON_ArrayForEach(o, cJSON_GetObjectItemCaseSensitive(overrides, "containerOverrides")) {
		const char *n = task_doc_str(o, "name");
		if (n && strcmp(n, name) == 0)
			return o;
	}
	return NULL;
}

static void add_number_string(cJSON *to, const char *name, const cJSON *from, const cJSON *over)
{
	const cJSON *v = over ? cJSON_GetObjectItemCaseSensitive(over, name) : NULL;
	char buf[32];

	if (!cJSON_IsNumber(v))
		v = cJSON_GetObjectItemCaseSensitive(from, name);
	if (!cJSON_IsNumber(v))
		return;
	snprintf(buf, sizeof(buf), "%lld", (long long)v->valuedouble);
	cJSON_AddStringToObject(to, name, buf);
}

static cJSON *new_container(const struct berth_config *cfg, const char *cluster, const char *id,
			    const char *task_arn, const cJSON *def, const cJSON *overrides)
{
	cJSON *c = cJSON_CreateObject();
	const char *name = task_doc_str(def, "name");
	const cJSON *over = container_override(overrides, name ? name : "");
	char hex[33], uuid[40], arn[ARN_MAX];

	if (id_random_hex(hex, 32, NULL) < 0)
		memset(hex, '0', 32), hex[32] = '\0';
	/* UUID form 8-4-4-4-12, as ECS container ids are. */
	snprintf(uuid, sizeof(uuid), "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16,
		 hex + 20);
	arn_container(cfg, cluster, id, uuid, arn, sizeof(arn));
	cJSON_AddStringToObject(c, "containerArn", arn);
	cJSON_AddStringToObject(c, "taskArn", task_arn);
	cJSON_AddStringToObject(c, "name", name ? name : "");
	cJSON_AddStringToObject(c, "image", task_doc_str(def, "image") ? task_doc_str(def, "image") : "");
	cJSON_AddStringToObject(c, "lastStatus", "PENDING");
	cJSON_AddArrayToObject(c, "networkBindings");
	cJSON_AddArrayToObject(c, "networkInterfaces");
	cJSON_AddStringToObject(c, "healthStatus", "UNKNOWN");
	if (!cJSON_GetObjectItemCaseSensitive(def, "cpu") && !(over && cJSON_GetObjectItemCaseSensitive(over, "cpu")))
		cJSON_AddStringToObject(c, "cpu", "0");
	add_number_string(c, "cpu", def, over);
	add_number_string(c, "memory", def, over);
	add_number_string(c, "memoryReservation", def, over);
	return c;
}

static const char *override_or(const cJSON *overrides, const char *name, const cJSON *def)
{
	const char *v = task_doc_str(overrides, name);
	return v ? v : task_doc_str(def, name);
}

cJSON *task_doc_new(const struct berth_config *cfg, const char *cluster, const char *id,
		    const struct run_task_request *req, int64_t now_ms)
{
	cJSON *doc = cJSON_CreateObject();
	cJSON *ctrs, *attrs, *attr, *eph;
	const cJSON *def;
	const cJSON *td = req->taskdef;
	char task_arn[ARN_MAX], cluster_arn[ARN_MAX], az[80], group[300];
	const cJSON *eph_def = cJSON_GetObjectItemCaseSensitive(td, "ephemeralStorage");
	const cJSON *eph_over = cJSON_GetObjectItemCaseSensitive(req->overrides, "ephemeralStorage");

	arn_task(cfg, cluster, id, task_arn, sizeof(task_arn));
	arn_cluster(cfg, cluster, cluster_arn, sizeof(cluster_arn));
	snprintf(az, sizeof(az), "%sa", cfg->region);
	snprintf(group, sizeof(group), "family:%s", task_doc_str(td, "family"));
	cJSON_AddArrayToObject(doc, "attachments");
	attrs = cJSON_AddArrayToObject(doc, "attributes");
	attr = cJSON_CreateObject();
	cJSON_AddStringToObject(attr, "name", "ecs.cpu-architecture");
	cJSON_AddStringToObject(attr, "value", "x86_64");
	cJSON_AddItemToArray(attrs, attr);
	cJSON_AddStringToObject(doc, "availabilityZone", az);
	cJSON_AddStringToObject(doc, "clusterArn", cluster_arn);
	cJSON_AddStringToObject(doc, "connectivity", "DISCONNECTED");
	ctrs = cJSON_AddArrayToObject(doc, "containers");
	cJSON_ArrayForEach(def, cJSON_GetObjectItemCaseSensitive(td, "containerDefinitions"))
		cJSON_AddItemToArray(ctrs, new_container(cfg, cluster, id, task_arn, def, req->overrides));
	cJSON_AddStringToObject(doc, "cpu", override_or(req->overrides, "cpu", td) ?: "256");
	task_doc_set_time(doc, "createdAt", now_ms);
	cJSON_AddStringToObject(doc, "desiredStatus", "RUNNING");
	cJSON_AddBoolToObject(doc, "enableExecuteCommand", false);
	cJSON_AddStringToObject(doc, "group", req->group ? req->group : group);
	cJSON_AddStringToObject(doc, "healthStatus", "UNKNOWN");
	cJSON_AddStringToObject(doc, "lastStatus", "PROVISIONING");
	cJSON_AddStringToObject(doc, "launchType", "FARGATE");
	cJSON_AddStringToObject(doc, "memory", override_or(req->overrides, "memory", td) ?: "512");
	if (req->overrides)
		cJSON_AddItemToObject(doc, "overrides", cJSON_Duplicate(req->overrides, true));
	else
		cJSON_AddItemToObject(doc, "overrides", cJSON_Parse("{\"containerOverrides\":[],"
								   "\"inferenceAcceleratorOverrides\":[]}"));
	cJSON_AddStringToObject(doc, "platformVersion", "1.4.0");
	cJSON_AddStringToObject(doc, "platformFamily", "Linux");
	if (req->started_by)
		cJSON_AddStringToObject(doc, "startedBy", req->started_by);
	cJSON_AddItemToObject(doc, "tags", req->tags ? cJSON_Duplicate(req->tags, true)
						     : cJSON_CreateArray());
	cJSON_AddStringToObject(doc, "taskArn", task_arn);
	cJSON_AddStringToObject(doc, "taskDefinitionArn", task_doc_str(td, "taskDefinitionArn"));
	cJSON_AddNumberToObject(doc, "version", 1);
	eph = cJSON_AddObjectToObject(doc, "ephemeralStorage");
	{
		const cJSON *sz = cJSON_GetObjectItemCaseSensitive(eph_over ? eph_over : eph_def, "sizeInGiB");
		cJSON_AddNumberToObject(eph, "sizeInGiB", cJSON_IsNumber(sz) ? sz->valuedouble : 20);
	}
	return doc;
}

void task_doc_set_status(cJSON *doc, const char *last_status)
{
	task_doc_set_string(doc, "lastStatus", last_status);
	bump_version(doc);
}

static void copy_member(cJSON *to, const cJSON *from, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(from, name);
	if (v == NULL)
		return;
	cJSON_DeleteItemFromObjectCaseSensitive(to, name);
	cJSON_AddItemToObject(to, name, cJSON_Duplicate(v, true));
}

static void apply_container(cJSON *doc, const cJSON *s)
{
	const char *name = task_doc_str(s, "name");
	cJSON *c = name ? task_doc_container(doc, name) : NULL;
	static const char *const fields[] = { "lastStatus", "exitCode", "reason", "runtimeId" };

	if (c == NULL)
		return;
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		copy_member(c, s, fields[i]);
}

void task_doc_apply_snapshot(cJSON *doc, const cJSON *snap)
{
	static const char *const fields[] = { "lastStatus",  "stopCode",	   "stoppedReason",
					      "startedAt",   "stoppingAt",	   "executionStoppedAt",
					      "stoppedAt",   "connectivityAt",	   "attributes" };
	const char *desired = task_doc_str(snap, "desiredStatus");
	const cJSON *c;

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		copy_member(doc, snap, fields[i]);
	if (desired && strcmp(desired, "STOPPED") == 0)
		task_doc_set_string(doc, "desiredStatus", "STOPPED");
	if (cJSON_GetObjectItemCaseSensitive(snap, "connectivityAt"))
		task_doc_set_string(doc, "connectivity", "CONNECTED");
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(snap, "containers"))
		apply_container(doc, c);
	bump_version(doc);
}

void task_doc_stop(cJSON *doc, const char *stop_code, const char *reason,
		   const char *container_reason, int64_t now_ms)
{
	cJSON *c;

	if (!cJSON_GetObjectItemCaseSensitive(doc, "stopCode"))
		task_doc_set_string(doc, "stopCode", stop_code);
	if (!cJSON_GetObjectItemCaseSensitive(doc, "stoppedReason"))
		task_doc_set_string(doc, "stoppedReason", reason);
	task_doc_set_string(doc, "desiredStatus", "STOPPED");
	if (!cJSON_GetObjectItemCaseSensitive(doc, "stoppingAt"))
		task_doc_set_time(doc, "stoppingAt", now_ms);
	if (!cJSON_GetObjectItemCaseSensitive(doc, "executionStoppedAt"))
		task_doc_set_time(doc, "executionStoppedAt", now_ms);
	task_doc_set_time(doc, "stoppedAt", now_ms);
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(doc, "containers")) {
		const char *st = task_doc_str(c, "lastStatus");
		if (st && strcmp(st, "STOPPED") == 0)
			continue;
		task_doc_set_string(c, "lastStatus", "STOPPED");
		if (container_reason && !cJSON_GetObjectItemCaseSensitive(c, "reason"))
			task_doc_set_string(c, "reason", container_reason);
	}
	task_doc_set_status(doc, "STOPPED");
}
