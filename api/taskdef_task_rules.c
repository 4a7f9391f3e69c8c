/* taskdef_task_rules.c: the task-level rules of RegisterTaskDefinition
 * (see taskdef_rules.h) and the helpers the rule files share.  In table
 * order: family, container count, task size (cpu/memory normalized to
 * unit strings, Fargate sizes), Fargate's task-level refusals (network
 * mode, ipcMode, pidMode, placement constraints, host and docker
 * volumes), ephemeral storage, then every container through
 * td_container_rules, then what needs all containers: an essential one,
 * the cpu sum, dependsOn (names, conditions, no cycles), volumesFrom,
 * links and proxyConfiguration targets. */
#include <stdio.h>
#include <string.h>

#include "taskdef_rules.h"

int td_int(const cJSON *obj, const char *name, long long *out)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(obj, name);
	if (!cJSON_IsNumber(m))
		return 0;
	*out = (long long)m->valuedouble;
	return 1;
}

const char *td_str(const cJSON *obj, const char *name)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(obj, name);
	return cJSON_IsString(m) ? m->valuestring : NULL;
}

const cJSON *td_nonempty(const cJSON *obj, const char *name)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(obj, name);
	return cJSON_IsArray(m) && cJSON_GetArraySize(m) > 0 ? m : NULL;
}

bool td_valid_name(const char *s)
{
	size_t n = 0;
	for (; s && s[n]; n++) {
		char ch = s[n];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		      ch == '-' || ch == '_'))
			return false;
	}
	return n >= 1 && n <= 255;
}

cJSON *td_container(const struct td_ctx *c, const char *name)
{
	cJSON *cd;
	cJSON_ArrayForEach(cd, c->containers) {
		const char *n = td_str(cd, "name");
		if (n && name && strcmp(n, name) == 0)
			return cd;
	}
	return NULL;
}

static int rule_family(struct td_ctx *c)
{
	if (!td_valid_name(td_str(c->def, "family")))
		return td_fail(c, "family: Family must be 1-255 characters: letters (uppercase and "
			       "lowercase), numbers, hyphens and underscores.");
	return 0;
}

static int rule_container_count(struct td_ctx *c)
{
	int n = cJSON_GetArraySize(c->containers);
	if (n < 1 || n > TD_MAX_CONTAINERS)
		return td_fail(c, "containerDefinitions: a task definition has between 1 and %d "
			       "containers, got %d.", TD_MAX_CONTAINERS, n);
	return 0;
}

/* Parse `member` with `parse`, store the canonical unit string back. */
static int normalize_size(struct td_ctx *c, const char *member, int (*parse)(const char *, long *),
			  long *out)
{
	const char *s = td_str(c->def, member);
	char buf[32];

	*out = 0;
	if (s == NULL) {
		if (c->fargate)
			return td_fail(c, "Fargate requires that '%s' be defined at the task level.",
				       member);
		return 0;
	}
	if (parse(s, out) < 0)
		return td_fail(c, "Invalid '%s' setting for task.", member);
	snprintf(buf, sizeof(buf), "%ld", *out);
	cJSON_ReplaceItemInObjectCaseSensitive(c->def, member, cJSON_CreateString(buf));
	return 0;
}

static int rule_task_size(struct td_ctx *c)
{
	if (normalize_size(c, "cpu", taskdef_parse_cpu, &c->cpu) < 0 ||
	    normalize_size(c, "memory", taskdef_parse_memory, &c->mem) < 0)
		return -1;
	if (c->fargate && !taskdef_fargate_size_ok(c->cpu, c->mem))
		return td_fail(c, "No Fargate configuration exists for given values: %ld CPU, %ld "
			       "memory. See the Amazon ECS documentation for the valid combinations.",
			       c->cpu, c->mem);
	return 0;
}

static int rule_network_mode(struct td_ctx *c)
{
	if (!c->awsvpc)
		return td_fail(c, "Fargate only supports network mode \u2018awsvpc\u2019.");
	return 0;
}

static int rule_fargate_task_modes(struct td_ctx *c)
{
	const char *pid = td_str(c->def, "pidMode");

	if (td_str(c->def, "ipcMode"))
		return td_fail(c, "Tasks using the Fargate launch type do not support ipcMode.");
	if (pid && strcmp(pid, "task") != 0)
		return td_fail(c, "pidMode: Tasks using the Fargate launch type support only "
			       "pidMode 'task', not '%s'.", pid);
	if (td_nonempty(c->def, "placementConstraints"))
		return td_fail(c, "placementConstraints: Tasks using the Fargate launch type do not "
			       "support placement constraints.");
	if (td_nonempty(c->def, "inferenceAccelerators"))
		return td_fail(c, "inferenceAccelerators: not supported on Fargate");
	return 0;
}

/* Volume members Fargate refuses. */
static const struct {
	const char *member, *sub; /* sub == NULL: the member itself */
} fargate_volume_refused[] = {
	{ "host", "sourcePath" },
	{ "dockerVolumeConfiguration", NULL },
	{ "fsxWindowsFileServerVolumeConfiguration", NULL },
};

static int volume_fargate(struct td_ctx *c, const cJSON *v, int i)
{
	for (size_t k = 0; k < sizeof(fargate_volume_refused) / sizeof(fargate_volume_refused[0]); k++) {
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(v, fargate_volume_refused[k].member);
		const char *sub = fargate_volume_refused[k].sub;
		if (m && (sub == NULL || cJSON_GetObjectItemCaseSensitive(m, sub)))
			return td_fail(c, "volumes[%d].%s%s%s: not supported on Fargate", i,
				       fargate_volume_refused[k].member, sub ? "." : "", sub ? sub : "");
	}
	return 0;
}

static int rule_volumes(struct td_ctx *c)
{
	const cJSON *v, *arr = cJSON_GetObjectItemCaseSensitive(c->def, "volumes");
	int i = 0;

	cJSON_ArrayForEach(v, arr) {
		const char *name = td_str(v, "name");
		if (!td_valid_name(name))
			return td_fail(c, "volumes[%d].name: Volume names must be 1-255 characters: "
				       "letters, numbers, hyphens and underscores.", i);
		for (const cJSON *q = arr->child; q != v; q = q->next)
			if (strcmp(td_str(q, "name"), name) == 0)
				return td_fail(c, "volumes[%d].name: Duplicate volume name '%s'.", i,
					       name);
		if (c->fargate && volume_fargate(c, v, i) < 0)
			return -1;
		i++;
	}
	return 0;
}

static int rule_ephemeral_storage(struct td_ctx *c)
{
	long long size;
	const cJSON *es = cJSON_GetObjectItemCaseSensitive(c->def, "ephemeralStorage");

	if (es && td_int(es, "sizeInGiB", &size) && (size < 21 || size > 200))
		return td_fail(c, "ephemeralStorage.sizeInGiB: The ephemeral storage size must be "
			       "between 21 and 200 GiB, got %lld.", size);
	return 0;
}

static int rule_containers(struct td_ctx *c)
{
	cJSON *cd;
	int i = 0;
	char path[48];

	cJSON_ArrayForEach(cd, c->containers) {
		snprintf(path, sizeof(path), "containerDefinitions[%d]", i++);
		for (const struct td_container_rule *r = td_container_rules; r->name; r++)
			if ((!r->fargate_only || c->fargate) && r->check(c, cd, path) < 0)
				return -1;
	}
	return 0;
}

static int rule_essential(struct td_ctx *c)
{
	const cJSON *cd;
	cJSON_ArrayForEach(cd, c->containers)
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(cd, "essential")))
			return 0;
	return td_fail(c, "containerDefinitions: At least one essential container is required.");
}

static int rule_cpu_sum(struct td_ctx *c)
{
	const cJSON *cd;
	long long sum = 0, v;

	cJSON_ArrayForEach(cd, c->containers)
		if (td_int(cd, "cpu", &v))
			sum += v;
	if (c->cpu && sum > c->cpu)
		return td_fail(c, "containerDefinitions: The sum of the containers' cpu (%lld) is "
			       "greater than the task cpu (%ld).", sum, c->cpu);
	return 0;
}

const struct td_task_rule td_task_rules[] = {
	{ "family", false, rule_family },
	{ "containerCount", false, rule_container_count },
	{ "taskSize", false, rule_task_size },
	{ "networkMode", true, rule_network_mode },
	{ "taskModes", true, rule_fargate_task_modes },
	{ "volumes", false, rule_volumes },
	{ "ephemeralStorage", false, rule_ephemeral_storage },
	{ "containers", false, rule_containers },
	{ "essential", false, rule_essential },
	{ "cpuSum", false, rule_cpu_sum },
	{ "dependsOn", false, td_rule_depends_on },
	{ "references", false, td_rule_references },
	{ NULL, false, NULL },
};
