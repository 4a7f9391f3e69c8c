/* arn.c: building and parsing ECS ARNs (see arn.h). */
#include "arn.h"

#include <stdio.h>
#include <string.h>

#include "daemon.h"

static int prefix(const struct berth_config *c, char *out, size_t len)
{
	return snprintf(out, len, "arn:aws:ecs:%s:%s:", c->region, c->account_id);
}

void arn_cluster(const struct berth_config *c, const char *name, char *out, size_t len)
{
	snprintf(out, len, "arn:aws:ecs:%s:%s:cluster/%s", c->region, c->account_id, name);
}

void arn_task(const struct berth_config *c, const char *cluster, const char *id, char *out,
	      size_t len)
{
	snprintf(out, len, "arn:aws:ecs:%s:%s:task/%s/%s", c->region, c->account_id, cluster, id);
}

void arn_taskdef_prefix(const struct berth_config *c, char *out, size_t len)
{
	snprintf(out, len, "arn:aws:ecs:%s:%s:task-definition/", c->region, c->account_id);
}

void arn_container(const struct berth_config *c, const char *cluster, const char *task_id,
		   const char *uuid, char *out, size_t len)
{
	snprintf(out, len, "arn:aws:ecs:%s:%s:container/%s/%s/%s", c->region, c->account_id,
		 cluster, task_id, uuid);
}

/* If `ref` is an ARN of resource type `type`, return what follows
 * "type/"; NULL if it is an ARN of something else; `ref` if not an ARN. */
static const char *strip_arn(const struct berth_config *c, const char *ref, const char *type,
			     bool *bad)
{
	char p[256];
	size_t n = (size_t)prefix(c, p, sizeof(p));
	size_t tl = strlen(type);

	*bad = false;
	if (strncmp(ref, "arn:", 4) != 0)
		return ref;
	if (strncmp(ref, p, n) != 0 || strncmp(ref + n, type, tl) != 0 || ref[n + tl] != '/') {
		*bad = true;
		return NULL;
	}
	return ref + n + tl + 1;
}

static bool valid_name(const char *s)
{
	if (*s == '\0' || strlen(s) > 255)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		      *s == '-' || *s == '_'))
			return false;
	return true;
}

bool arn_parse_cluster(const struct berth_config *c, const char *ref, char *name, size_t len)
{
	bool bad;
	const char *n;

	if (ref == NULL || *ref == '\0')
		ref = "default";
	n = strip_arn(c, ref, "cluster", &bad);
	if (bad || !valid_name(n) || strlen(n) >= len)
		return false;
	snprintf(name, len, "%s", n);
	return true;
}

bool arn_parse_task(const struct berth_config *c, const char *ref, char *id, size_t len,
		    char *cluster, size_t cluster_len)
{
	bool bad;
	const char *rest = strip_arn(c, ref, "task", &bad);
	const char *slash;

	if (cluster && cluster_len)
		cluster[0] = '\0';
	if (bad || rest == NULL || *rest == '\0')
		return false;
	slash = strchr(rest, '/');
	if (slash && rest != ref) {
		if (cluster && (size_t)(slash - rest) < cluster_len)
			snprintf(cluster, cluster_len, "%.*s", (int)(slash - rest), rest);
		rest = slash + 1;
	}
	if (strchr(rest, '/') || !valid_name(rest) || strlen(rest) >= len)
		return false;
	snprintf(id, len, "%s", rest);
	return true;
}
