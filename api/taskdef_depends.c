/* taskdef_depends.c: the rules that relate containers of one task
 * definition (see taskdef_rules.h): dependsOn (the named container
 * exists and is not the container itself; COMPLETE and SUCCESS only on
 * non-essential containers; HEALTHY only on a container with a health
 * check; no cycles, since runner/ starts containers in dependency
 * order), and the targets of volumesFrom, links and proxyConfiguration. */
#include <string.h>

#include "taskdef_rules.h"

static int index_of(const struct td_ctx *c, const char *name)
{
	const cJSON *cd;
	int i = 0;
	cJSON_ArrayForEach(cd, c->containers) {
		const char *n = td_str(cd, "name");
		if (n && name && strcmp(n, name) == 0)
			return i;
		i++;
	}
	return -1;
}

static int dependency(struct td_ctx *c, const cJSON *cd, const cJSON *dep, int ci, int di,
		      bool edges[TD_MAX_CONTAINERS][TD_MAX_CONTAINERS])
{
	const char *name = td_str(dep, "containerName"), *cond = td_str(dep, "condition");
	int t = index_of(c, name);
	const cJSON *target;

	if (t < 0)
		return td_fail(c, "containerDefinitions[%d].dependsOn[%d].containerName: no container "
			       "named '%.64s' in the task definition.", ci, di, name);
	if (t == ci)
		return td_fail(c, "containerDefinitions[%d].dependsOn[%d].containerName: container "
			       "'%s' cannot depend on itself.", ci, di, name);
	target = cJSON_GetArrayItem(c->containers, t);
	if ((strcmp(cond, "COMPLETE") == 0 || strcmp(cond, "SUCCESS") == 0) &&
	    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(target, "essential")))
		return td_fail(c, "containerDefinitions[%d].dependsOn[%d].condition: %s cannot be "
			       "used on essential container '%s'; mark it essential=false.", ci, di,
			       cond, name);
	if (strcmp(cond, "HEALTHY") == 0 &&
	    cJSON_GetObjectItemCaseSensitive(target, "healthCheck") == NULL)
		return td_fail(c, "containerDefinitions[%d].dependsOn[%d].condition: HEALTHY needs a "
			       "healthCheck on container '%s'.", ci, di, name);
	(void)cd;
	edges[ci][t] = true;
	return 0;
}

/* Depth-first search for a cycle; state 0 new, 1 on the stack, 2 done. */
static int find_cycle(bool edges[TD_MAX_CONTAINERS][TD_MAX_CONTAINERS], int n, int v, int *state)
{
	state[v] = 1;
	for (int w = 0; w < n; w++) {
		if (!edges[v][w])
			continue;
		if (state[w] == 1)
			return v;
		if (state[w] == 0) {
			int r = find_cycle(edges, n, w, state);
			if (r >= 0)
				return r;
		}
	}
	state[v] = 2;
	return -1;
}

int td_rule_depends_on(struct td_ctx *c)
{
	bool edges[TD_MAX_CONTAINERS][TD_MAX_CONTAINERS] = { { false } };
	int state[TD_MAX_CONTAINERS] = { 0 }, n = cJSON_GetArraySize(c->containers), ci = 0;
	const cJSON *cd, *dep;

	if (n > TD_MAX_CONTAINERS)
		return td_fail(c, "containerDefinitions: too many containers");
	cJSON_ArrayForEach(cd, c->containers) {
		int di = 0;
		cJSON_ArrayForEach(dep, cJSON_GetObjectItemCaseSensitive(cd, "dependsOn"))
			if (dependency(c, cd, dep, ci, di++, edges) < 0)
				return -1;
		ci++;
	}
	for (int v = 0; v < n; v++) {
		int r = state[v] == 0 ? find_cycle(edges, n, v, state) : -1;
		if (r >= 0)
			return td_fail(c, "containerDefinitions[%d].dependsOn: the dependencies of "
				       "container '%s' form a cycle.", r,
				       td_str(cJSON_GetArrayItem(c->containers, r), "name"));
	}
	return 0;
}

/* A link is "name" or "name:alias". */
static bool link_target_ok(const struct td_ctx *c, const char *link)
{
	char name[256];
	const char *colon = strchr(link, ':');
	size_t len = colon ? (size_t)(colon - link) : strlen(link);

	if (len >= sizeof(name))
		return false;
	memcpy(name, link, len);
	name[len] = '\0';
	return index_of(c, name) >= 0;
}

int td_rule_references(struct td_ctx *c)
{
	const cJSON *cd, *x, *proxy = cJSON_GetObjectItemCaseSensitive(c->def, "proxyConfiguration");
	int ci = 0;

	cJSON_ArrayForEach(cd, c->containers) {
		int i = 0;
		cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(cd, "volumesFrom")) {
			const char *src = td_str(x, "sourceContainer");
			int t = index_of(c, src);
			if (t < 0 || t == ci)
				return td_fail(c, "containerDefinitions[%d].volumesFrom[%d]."
					       "sourceContainer: no other container named '%.64s'.",
					       ci, i, src ? src : "");
			i++;
		}
		i = 0;
		cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(cd, "links")) {
			if (!link_target_ok(c, x->valuestring))
				return td_fail(c, "containerDefinitions[%d].links[%d]: no container "
					       "named '%.64s'.", ci, i, x->valuestring);
			i++;
		}
		ci++;
	}
	if (proxy && index_of(c, td_str(proxy, "containerName")) < 0)
		return td_fail(c, "proxyConfiguration.containerName: no container named '%.64s'.",
			       td_str(proxy, "containerName"));
	return 0;
}
