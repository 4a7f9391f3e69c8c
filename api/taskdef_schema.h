/* taskdef_schema.h: private to api/taskdef_*.c.  The ECS service model's
 * shapes as C tables (generated into taskdef_model.c) and the walker that
 * checks a request against them, botocore-style: types, enums, required
 * members, unknown members, length bounds. */
#ifndef BERTH_API_TASKDEF_SCHEMA_H
#define BERTH_API_TASKDEF_SCHEMA_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

#include "api_error.h"

enum td_kind { TD_STRING, TD_INT, TD_BOOL, TD_STRUCT, TD_LIST, TD_MAP };

struct td_member;

struct td_type {
	enum td_kind kind;
	const char *name;                /* the model's shape name */
	const struct td_type *elem;      /* TD_LIST element, TD_MAP value */
	const struct td_member *members; /* TD_STRUCT, terminated by a NULL name */
	const char *const *enums;        /* allowed strings, NULL-terminated, or NULL */
	int min, max;                    /* string length / list size bounds; -1 = none */
};

struct td_member {
	const char *name;
	const struct td_type *type;
	bool required;
};

/* The RegisterTaskDefinitionRequest shape (taskdef_model.c). */
extern const struct td_type *const taskdef_model_request;

/* A field path as messages show it: "containerDefinitions[1].portMappings[0]". */
struct td_path {
	char s[256];
	size_t len;
};

/* Append ".name" (or "name" at the root) / "[i]"; return the previous
 * length to give back to td_path_pop(). */
size_t td_path_push_name(struct td_path *p, const char *name);
size_t td_path_push_index(struct td_path *p, int i);
void td_path_pop(struct td_path *p, size_t len);

/* Check `node` against `type`, in place: members whose value is JSON null
 * are removed (treated as absent, as the AWS JSON protocol does).
 * Returns 0, or -1 with `e` set to a 400 ClientException that names the
 * field. */
int taskdef_schema_check(cJSON *node, const struct td_type *type, struct td_path *path,
			 struct api_error *e);

#endif
