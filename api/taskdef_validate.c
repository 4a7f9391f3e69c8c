/* taskdef_validate.c: RegisterTaskDefinition validation and
 * normalization (see taskdef_validate.h).
 *
 * Three steps over a private copy of the request: (1) the model-type
 * check of taskdef_schema.c against the generated tables of the ECS
 * service model (unknown members, wrong types, enums, required members);
 * (2) the rule tables of taskdef_task_rules.c / taskdef_container_rules.c,
 * the Fargate ones only when requiresCompatibilities holds FARGATE;
 * (3) the request-only members (tags) dropped, leaving the TaskDefinition
 * shape.  The input is never modified; on failure nothing is returned. */
#include "taskdef_validate.h"

#include <string.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "taskdef_rules.h"
#include "taskdef_schema.h"

/* Request members that are not part of the TaskDefinition. */
static const char *const request_only[] = { "tags", NULL };

static bool has_string(const cJSON *arr, const char *s)
{
	const cJSON *it;
	cJSON_ArrayForEach(it, arr)
		if (cJSON_IsString(it) && strcmp(it->valuestring, s) == 0)
			return true;
	return false;
}

int taskdef_validate(const cJSON *request, taskdef_image_check check_image, cJSON **out,
		     struct api_error *e)
{
	cleanup_json cJSON *def = NULL;
	struct td_path path = { .s = "", .len = 0 };
	struct td_ctx c = { .check_image = check_image, .e = e };
	const char *mode;

	*out = NULL;
	if (!cJSON_IsObject(request))
		return api_client_error(e, "The request body must be a JSON object.");
	def = cJSON_Duplicate(request, true);
	if (def == NULL)
		return api_server_error(e, "out of memory copying the task definition");
	if (taskdef_schema_check(def, taskdef_model_request, &path, e) < 0)
		return -1;
	c.def = def;
	c.containers = cJSON_GetObjectItemCaseSensitive(def, "containerDefinitions");
	c.fargate = has_string(cJSON_GetObjectItemCaseSensitive(def, "requiresCompatibilities"),
			       "FARGATE");
	mode = td_str(def, "networkMode");
	c.awsvpc = mode && strcmp(mode, "awsvpc") == 0;
	for (const struct td_task_rule *r = td_task_rules; r->name; r++)
		if ((!r->fargate_only || c.fargate) && r->check(&c) < 0)
			return -1;
	for (const char *const *m = request_only; *m; m++)
		cJSON_DeleteItemFromObjectCaseSensitive(def, *m);
	*out = steal_pointer(&def);
	return 0;
}
