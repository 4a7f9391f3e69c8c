/* ecs_taskdefs.c: RegisterTaskDefinition, DescribeTaskDefinition,
 * ListTaskDefinitions, ListTaskDefinitionFamilies,
 * DeregisterTaskDefinition.  Validation is taskdef_validate()'s; this
 * file stores and looks up. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/ids.h"
#include "common/json.h"
#include "ecs_common.h"
#include "ecs_handlers.h"
#include "images/images.h"
#include "runner/arn.h"
#include "runner/daemon.h"
#include "runner/store.h"
#include "taskdef_validate.h"

static int check_image(const char *image, char *why, size_t why_len)
{
	struct image_ref ref;
	struct berth_err err = { 0 };

	if (image_ref_parse(image, &ref, &err) == 0)
		return 0;
	snprintf(why, why_len, "%s", err.msg);
	return -1;
}

static void add_compatibilities(cJSON *def)
{
	cJSON *c = cJSON_CreateArray();
	cJSON_AddItemToArray(c, cJSON_CreateString("EC2"));
	cJSON_AddItemToArray(c, cJSON_CreateString("FARGATE"));
	cJSON_DeleteItemFromObjectCaseSensitive(def, "compatibilities");
	cJSON_AddItemToObject(def, "compatibilities", c);
}

int ecs_register_task_definition(struct berth_daemon *d, const cJSON *req, cJSON **resp,
				 struct api_error *e)
{
	struct berth_err err = { 0 };
	cleanup_json cJSON *def = NULL;
	char prefix[ARN_MAX];
	const cJSON *tags = cJSON_GetObjectItemCaseSensitive(req, "tags");

	if (taskdef_validate(req, check_image, &def, e) < 0)
		return -1;
	add_compatibilities(def);
	arn_taskdef_prefix(&d->cfg, prefix, sizeof(prefix));
	if (store_taskdef_register(d->store, def, prefix, time_now_ms(), &err) < 0)
		return ecs_store_error(e, "RegisterTaskDefinition", err.msg);
	*resp = cJSON_CreateObject();
	cJSON_AddItemToObject(*resp, "taskDefinition", steal_pointer(&def));
	cJSON_AddItemToObject(*resp, "tags", tags ? cJSON_Duplicate(tags, true) : cJSON_CreateArray());
	return 0;
}

static int lookup(struct berth_daemon *d, const cJSON *req, cJSON **def, struct api_error *e)
{
	struct berth_err err = { 0 };
	const char *ref = NULL;
	int rc;

	if (api_opt_string(req, "taskDefinition", &ref, e) < 0)
		return -1;
	if (ref == NULL || *ref == '\0')
		return api_client_error(e, "taskDefinition is required");
	rc = store_taskdef_get(d->store, ref, def, &err);
	if (rc < 0)
		return ecs_store_error(e, "look up task definition", err.msg);
	if (rc == 0)
		return api_client_error(e, "Unable to describe task definition.");
	return 0;
}

int ecs_describe_task_definition(struct berth_daemon *d, const cJSON *req, cJSON **resp,
				 struct api_error *e)
{
	cJSON *def = NULL;

	if (lookup(d, req, &def, e) < 0)
		return -1;
	*resp = cJSON_CreateObject();
	cJSON_AddItemToObject(*resp, "taskDefinition", def);
	cJSON_AddArrayToObject(*resp, "tags");
	return 0;
}

int ecs_list_task_definitions(struct berth_daemon *d, const cJSON *req, cJSON **resp,
			      struct api_error *e)
{
	struct berth_err err = { 0 };
	cleanup_strv char **arns = NULL;
	const char *prefix = NULL, *status = NULL, *sort = NULL;

	if (api_opt_string(req, "familyPrefix", &prefix, e) < 0 ||
	    api_opt_string(req, "status", &status, e) < 0 || api_opt_string(req, "sort", &sort, e) < 0)
		return -1;
	if (status && strcmp(status, "ACTIVE") && strcmp(status, "INACTIVE") && strcmp(status, "DELETE_IN_PROGRESS"))
		return api_invalid_param(e, "status must be ACTIVE, INACTIVE or DELETE_IN_PROGRESS");
	if (sort && strcmp(sort, "ASC") && strcmp(sort, "DESC"))
		return api_invalid_param(e, "sort must be ASC or DESC");
	if (store_taskdef_list(d->store, prefix, status, sort && strcmp(sort, "DESC") == 0, &arns,
			       &err) < 0)
		return ecs_store_error(e, "ListTaskDefinitions", err.msg);
	*resp = cJSON_CreateObject();
	return ecs_paginate(req, arns, 100, 100, *resp, "taskDefinitionArns", e);
}

int ecs_list_task_definition_families(struct berth_daemon *d, const cJSON *req, cJSON **resp,
				      struct api_error *e)
{
	struct berth_err err = { 0 };
	cleanup_strv char **families = NULL;
	const char *prefix = NULL, *status = NULL;

	if (api_opt_string(req, "familyPrefix", &prefix, e) < 0 ||
	    api_opt_string(req, "status", &status, e) < 0)
		return -1;
	if (status && strcmp(status, "ACTIVE") && strcmp(status, "INACTIVE") && strcmp(status, "ALL"))
		return api_invalid_param(e, "status must be ACTIVE, INACTIVE or ALL");
	if (store_taskdef_families(d->store, prefix, status ? status : "ACTIVE", &families, &err) < 0)
		return ecs_store_error(e, "ListTaskDefinitionFamilies", err.msg);
	*resp = cJSON_CreateObject();
	return ecs_paginate(req, families, 100, 100, *resp, "families", e);
}

int ecs_deregister_task_definition(struct berth_daemon *d, const cJSON *req, cJSON **resp,
				   struct api_error *e)
{
	struct berth_err err = { 0 };
	cleanup_json cJSON *found = NULL;
	cJSON *def = NULL;
	const char *family;
	const cJSON *rev;
	int rc;

	if (lookup(d, req, &found, e) < 0)
		return -1;
	{
		const char *ref = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(req, "taskDefinition"));
		if (strncmp(ref, "arn:", 4) != 0 && strchr(ref, ':') == NULL)
			return api_client_error(e, "Invalid revision number. Number: %s", ref);
	}
	family = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(found, "family"));
	rev = cJSON_GetObjectItemCaseSensitive(found, "revision");
	rc = store_taskdef_deregister(d->store, family, (long)rev->valuedouble, time_now_ms(), &def, &err);
	if (rc < 0)
		return ecs_store_error(e, "DeregisterTaskDefinition", err.msg);
	if (rc == 0)
		return api_client_error(e, "Unable to describe task definition.");
	*resp = cJSON_CreateObject();
	cJSON_AddItemToObject(*resp, "taskDefinition", def);
	return 0;
}
