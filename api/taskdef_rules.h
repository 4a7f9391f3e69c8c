/* taskdef_rules.h: private to api/taskdef_*.c.  The semantic rules of
 * RegisterTaskDefinition as tables of {name, check}: task-level rules
 * (taskdef_task_rules.c) and per-container rules
 * (taskdef_container_rules.c).  Rules run in table order over the
 * normalized copy of the request, after the model-type check, so every
 * member they read has its model type.  Rules may normalize (fill
 * defaults, canonical units) but never allocate what they cannot free. */
#ifndef BERTH_API_TASKDEF_RULES_H
#define BERTH_API_TASKDEF_RULES_H

#include <cjson/cJSON.h>
#include <stdbool.h>

#include "api_error.h"
#include "taskdef_validate.h"

#define TD_MAX_CONTAINERS 10

struct td_ctx {
	cJSON *def;        /* the TaskDefinition being normalized */
	cJSON *containers; /* def.containerDefinitions */
	bool fargate;      /* requiresCompatibilities contains FARGATE */
	bool awsvpc;       /* networkMode is awsvpc */
	long cpu, mem;     /* task cpu units / memory MiB, 0 when unset */
	taskdef_image_check check_image;
	struct api_error *e;
};

/* Task-level rules; `rule_containers` among them runs the container table. */
struct td_task_rule {
	const char *name;
	bool fargate_only;
	int (*check)(struct td_ctx *c);
};

/* Per-container rules; `path` is "containerDefinitions[i]". */
struct td_container_rule {
	const char *name;
	bool fargate_only;
	int (*check)(struct td_ctx *c, cJSON *cd, const char *path);
};

extern const struct td_task_rule td_task_rules[];           /* {NULL} terminated */
extern const struct td_container_rule td_container_rules[]; /* {NULL} terminated */

/* Cross-container rules (taskdef_depends.c): dependsOn names, conditions
 * and cycles; volumesFrom, links and proxyConfiguration targets. */
int td_rule_depends_on(struct td_ctx *c);
int td_rule_references(struct td_ctx *c);

/* Shared helpers (taskdef_task_rules.c). */
/* Integer member (already type-checked): 1 and *out when present, else 0. */
int td_int(const cJSON *obj, const char *name, long long *out);
/* String member or NULL. */
const char *td_str(const cJSON *obj, const char *name);
/* Non-empty array member or NULL. */
const cJSON *td_nonempty(const cJSON *obj, const char *name);
/* 1..255 of [A-Za-z0-9_-]. */
bool td_valid_name(const char *s);
/* Container definition named `name`, or NULL. */
cJSON *td_container(const struct td_ctx *c, const char *name);

#define td_fail(c, ...) api_client_error((c)->e, __VA_ARGS__)

#endif
