/* taskdef_schema.c: checks a RegisterTaskDefinition request against the
 * service model tables of taskdef_model.c (see taskdef_schema.h).
 *
 * One recursive walk, driven by the tables: the depth is the model's
 * (no recursive shapes), the work linear in the request.  Messages
 * follow botocore's parameter validation ("Unknown parameter in
 * containerDefinitions[0]: \"foo\", must be one of: ..."), since those
 * are the words AWS users already know.  Never allocates but to delete
 * null members. */
#include "taskdef_schema.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

size_t td_path_push_name(struct td_path *p, const char *name)
{
	size_t old = p->len;
	int n = snprintf(p->s + p->len, sizeof(p->s) - p->len, "%s%s", p->len ? "." : "", name);
	p->len = (n < 0 || (size_t)n >= sizeof(p->s) - p->len) ? sizeof(p->s) - 1 : p->len + (size_t)n;
	return old;
}

size_t td_path_push_index(struct td_path *p, int i)
{
	size_t old = p->len;
	int n = snprintf(p->s + p->len, sizeof(p->s) - p->len, "[%d]", i);
	p->len = (n < 0 || (size_t)n >= sizeof(p->s) - p->len) ? sizeof(p->s) - 1 : p->len + (size_t)n;
	return old;
}

void td_path_pop(struct td_path *p, size_t len)
{
	p->len = len;
	p->s[len] = '\0';
}

static const char *json_kind(const cJSON *j)
{
	if (cJSON_IsString(j))
		return "string";
	if (cJSON_IsNumber(j))
		return "number";
	if (cJSON_IsBool(j))
		return "boolean";
	if (cJSON_IsArray(j))
		return "list";
	if (cJSON_IsObject(j))
		return "map";
	return "null";
}

static const char *const td_kind_name[] = {
	[TD_STRING] = "string", [TD_INT] = "integer", [TD_BOOL] = "boolean",
	[TD_STRUCT] = "structure", [TD_LIST] = "list", [TD_MAP] = "map",
};

static const char *where(const struct td_path *p)
{
	return p->len ? p->s : "input";
}

static int bad_type(const cJSON *node, const struct td_type *t, const struct td_path *p,
		    struct api_error *e)
{
	return api_client_error(e, "Invalid type for parameter %s, value type: %s, valid types: %s",
				where(p), json_kind(node), td_kind_name[t->kind]);
}

static size_t utf8_len(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

static int check_string(const cJSON *node, const struct td_type *t, const struct td_path *p,
			struct api_error *e)
{
	size_t n;

	if (!cJSON_IsString(node))
		return bad_type(node, t, p, e);
	n = utf8_len(node->valuestring);
	if ((t->min >= 0 && n < (size_t)t->min) || (t->max >= 0 && n > (size_t)t->max))
		return api_client_error(e, "Invalid length for parameter %s, value: %zu, valid "
					   "range: %d-%d", where(p), n, t->min, t->max);
	if (t->enums == NULL)
		return 0;
	for (const char *const *v = t->enums; *v; v++)
		if (strcmp(*v, node->valuestring) == 0)
			return 0;
	char valid[512];
	size_t len = 0;
	valid[0] = '\0';
	for (const char *const *v = t->enums; *v && len < sizeof(valid); v++)
		len += (size_t)snprintf(valid + len, sizeof(valid) - len, "%s%s", len ? ", " : "", *v);
	return api_client_error(e, "Invalid value for parameter %s, value: \"%.64s\", valid values: %s",
				where(p), node->valuestring, valid);
}

static int check_int(const cJSON *node, const struct td_type *t, const struct td_path *p,
		     struct api_error *e)
{
	double v;

	if (!cJSON_IsNumber(node))
		return bad_type(node, t, p, e);
	v = node->valuedouble;
	if (!isfinite(v) || v != floor(v) || v < (double)INT32_MIN || v > (double)INT32_MAX)
		return api_client_error(e, "Invalid value for parameter %s, value: %g, valid "
					   "types: integer (32-bit)", where(p), v);
	return 0;
}

static const struct td_member *find_member(const struct td_type *t, const char *name)
{
	for (const struct td_member *m = t->members; m->name; m++)
		if (strcmp(m->name, name) == 0)
			return m;
	return NULL;
}

static int unknown_member(const struct td_type *t, const char *name, const struct td_path *p,
			  struct api_error *e)
{
	char valid[700];
	size_t len = 0;

	valid[0] = '\0';
	for (const struct td_member *m = t->members; m->name && len < sizeof(valid); m++)
		len += (size_t)snprintf(valid + len, sizeof(valid) - len, "%s%s", len ? ", " : "",
					m->name);
	return api_client_error(e, "Unknown parameter in %s: \"%.64s\", must be one of: %s", where(p),
				name, valid);
}

static int check_struct(cJSON *node, const struct td_type *t, struct td_path *p,
			struct api_error *e)
{
	cJSON *c, *next;

	if (!cJSON_IsObject(node))
		return bad_type(node, t, p, e);
	for (c = node->child; c; c = next) {
		const struct td_member *m = find_member(t, c->string ? c->string : "");
		next = c->next;
		if (m == NULL)
			return unknown_member(t, c->string ? c->string : "", p, e);
		if (cJSON_IsNull(c)) {
			cJSON_Delete(cJSON_DetachItemViaPointer(node, c));
			continue;
		}
		size_t old = td_path_push_name(p, m->name);
		int rc = taskdef_schema_check(c, m->type, p, e);
		td_path_pop(p, old);
		if (rc < 0)
			return -1;
	}
	for (const struct td_member *m = t->members; m->name; m++)
		if (m->required && cJSON_GetObjectItemCaseSensitive(node, m->name) == NULL)
			return api_client_error(e, "Missing required parameter in %s: \"%s\"",
						where(p), m->name);
	return 0;
}

static int check_list(cJSON *node, const struct td_type *t, struct td_path *p,
		      struct api_error *e)
{
	int i = 0, n;
	cJSON *c;

	if (!cJSON_IsArray(node))
		return bad_type(node, t, p, e);
	n = cJSON_GetArraySize(node);
	if ((t->min >= 0 && n < t->min) || (t->max >= 0 && n > t->max))
		return api_client_error(e, "Invalid length for parameter %s, value: %d, valid "
					   "range: %d-%d", where(p), n, t->min, t->max);
	cJSON_ArrayForEach(c, node) {
		size_t old = td_path_push_index(p, i++);
		int rc = taskdef_schema_check(c, t->elem, p, e);
		td_path_pop(p, old);
		if (rc < 0)
			return -1;
	}
	return 0;
}

static int check_map(cJSON *node, const struct td_type *t, struct td_path *p, struct api_error *e)
{
	cJSON *c;

	if (!cJSON_IsObject(node))
		return bad_type(node, t, p, e);
	cJSON_ArrayForEach(c, node) {
		size_t old = td_path_push_name(p, c->string ? c->string : "");
		int rc = taskdef_schema_check(c, t->elem, p, e);
		td_path_pop(p, old);
		if (rc < 0)
			return -1;
	}
	return 0;
}

int taskdef_schema_check(cJSON *node, const struct td_type *type, struct td_path *path,
			 struct api_error *e)
{
	switch (type->kind) {
	case TD_STRING:
		return check_string(node, type, path, e);
	case TD_INT:
		return check_int(node, type, path, e);
	case TD_BOOL:
		return cJSON_IsBool(node) ? 0 : bad_type(node, type, path, e);
	case TD_STRUCT:
		return check_struct(node, type, path, e);
	case TD_LIST:
		return check_list(node, type, path, e);
	case TD_MAP:
		return check_map(node, type, path, e);
	}
	return api_server_error(e, "unknown model type for %s", where(path));
}
