/* spec.c: the monitor's spec.json for one task, from its Task document,
 * its TaskDefinition and the images in the store.  Docker's rules for
 * the process: the definition's entryPoint replaces the image's
 * Entrypoint and then drops the image's Cmd; command (override first)
 * replaces Cmd; environment is image Env, then the definition's, then
 * the override's, later names winning. */
#include "runner_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "daemon.h"
#include "images/images.h"
#include "task_doc.h"

static const cJSON *member(const cJSON *o, const char *name)
{
	return o ? cJSON_GetObjectItemCaseSensitive(o, name) : NULL;
}

static const cJSON *container_override(const cJSON *doc, const char *name)
{
	const cJSON *o;
	cJSON_ArrayForEach(o, member(member(doc, "overrides"), "containerOverrides")) {
		const char *n = task_doc_str(o, "name");
		if (n && strcmp(n, name) == 0)
			return o;
	}
	return NULL;
}

static void add_strv(cJSON *arr, char **v)
{
	for (; v && *v; v++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(*v));
}

static void add_json_strings(cJSON *arr, const cJSON *src)
{
	const cJSON *s;
	cJSON_ArrayForEach(s, src)
		if (cJSON_IsString(s))
			cJSON_AddItemToArray(arr, cJSON_CreateString(s->valuestring));
}

static cJSON *build_argv(const cJSON *def, const cJSON *over, const struct image_info *img)
{
	cJSON *argv = cJSON_CreateArray();
	const cJSON *entry = member(def, "entryPoint");
	const cJSON *cmd = member(over, "command");

	if (!cJSON_IsArray(cmd))
		cmd = member(def, "command");
	if (cJSON_IsArray(entry) && cJSON_GetArraySize(entry) > 0)
		add_json_strings(argv, entry);
	else
		add_strv(argv, img->entrypoint);
	if (cJSON_IsArray(cmd) && cJSON_GetArraySize(cmd) > 0)
		add_json_strings(argv, cmd);
	else if (!(cJSON_IsArray(entry) && cJSON_GetArraySize(entry) > 0))
		add_strv(argv, img->cmd);
	return argv;
}

/* Set NAME=VALUE in env, replacing an earlier NAME. */
static void env_set(cJSON *env, const char *name, const char *value)
{
	size_t nl = strlen(name);
	cleanup_free char *kv = NULL;
	cJSON *e;
	int i = 0;

	if (asprintf(&kv, "%s=%s", name, value ? value : "") < 0)
		return;
	cJSON_ArrayForEach(e, env) {
		if (strncmp(e->valuestring, name, nl) == 0 && e->valuestring[nl] == '=') {
			cJSON_ReplaceItemInArray(env, i, cJSON_CreateString(kv));
			return;
		}
		i++;
	}
	cJSON_AddItemToArray(env, cJSON_CreateString(kv));
}

static void env_from_pairs(cJSON *env, const cJSON *pairs)
{
	const cJSON *p;
	cJSON_ArrayForEach(p, pairs) {
		const char *n = task_doc_str(p, "name");
		if (n)
			env_set(env, n, task_doc_str(p, "value"));
	}
}

static cJSON *build_env(struct runner *r, const cJSON *def, const cJSON *over,
			const struct image_info *img)
{
	cJSON *env = cJSON_CreateArray();

	for (char **e = img->env; e && *e; e++) {
		cleanup_free char *name = strndup(*e, strcspn(*e, "="));
		if (name)
			env_set(env, name, strchr(*e, '=') ? strchr(*e, '=') + 1 : "");
	}
	if (!cJSON_GetArraySize(env))
		env_set(env, "PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	env_set(env, "AWS_EXECUTION_ENV", "AWS_ECS_FARGATE");
	env_set(env, "AWS_REGION", r->d->cfg.region);
	env_set(env, "AWS_DEFAULT_REGION", r->d->cfg.region);
	env_from_pairs(env, member(def, "environment"));
	env_from_pairs(env, member(over, "environment"));
	return env;
}

static void copy_number(cJSON *to, const char *name, const cJSON *def, const cJSON *over)
{
	const cJSON *v = member(over, name);
	if (!cJSON_IsNumber(v))
		v = member(def, name);
	if (cJSON_IsNumber(v))
		cJSON_AddNumberToObject(to, name, v->valuedouble);
}

static void copy_item(cJSON *to, const char *as, const cJSON *v)
{
	if (v)
		cJSON_AddItemToObject(to, as, cJSON_Duplicate(v, true));
}

/* systemControls [{namespace, value}] as "namespace=value" strings. */
static void add_sysctls(cJSON *c, const cJSON *controls)
{
	const cJSON *sc;
	cJSON *arr = NULL;

	cJSON_ArrayForEach(sc, controls) {
		const char *ns = task_doc_str(sc, "namespace"), *v = task_doc_str(sc, "value");
		char *kv;
		if (ns == NULL || v == NULL || asprintf(&kv, "%s=%s", ns, v) < 0)
			continue;
		if (arr == NULL)
			arr = cJSON_AddArrayToObject(c, "sysctls");
		cJSON_AddItemToArray(arr, cJSON_CreateString(kv));
		free(kv);
	}
}

static cJSON *container_spec(struct runner *r, const cJSON *doc, const cJSON *def,
			     const struct image_info *img)
{
	const char *name = task_doc_str(def, "name");
	const cJSON *over = container_override(doc, name);
	const cJSON *caps = member(member(def, "linuxParameters"), "capabilities");
	cJSON *c = cJSON_CreateObject();
	cJSON *layers;
	const char *cwd = task_doc_str(def, "workingDirectory");
	const char *user = task_doc_str(def, "user");

	cJSON_AddStringToObject(c, "name", name);
	cJSON_AddBoolToObject(c, "essential", !cJSON_IsFalse(member(def, "essential")));
	cJSON_AddItemToObject(c, "argv", build_argv(def, over, img));
	cJSON_AddItemToObject(c, "env", build_env(r, def, over, img));
	cJSON_AddStringToObject(c, "cwd", cwd ? cwd : (img->working_dir && *img->working_dir ? img->working_dir : "/"));
	if (user || (img->user && *img->user))
		cJSON_AddStringToObject(c, "user", user ? user : img->user);
	layers = cJSON_AddArrayToObject(c, "layers");
	for (size_t i = img->n_layers; i > 0; i--)
		cJSON_AddItemToArray(layers, cJSON_CreateString(img->layer_dirs[i - 1]));
	copy_number(c, "stopTimeout", def, NULL);
	copy_number(c, "cpu", def, over);
	copy_number(c, "memory", def, over);
	copy_number(c, "memoryReservation", def, over);
	if (img->stop_signal)
		cJSON_AddStringToObject(c, "stopSignal", img->stop_signal);
	if (cJSON_IsTrue(member(def, "readonlyRootFilesystem")))
		cJSON_AddBoolToObject(c, "readonlyRootFilesystem", true);
	copy_item(c, "capAdd", member(caps, "add"));
	copy_item(c, "capDrop", member(caps, "drop"));
	copy_item(c, "ulimits", member(def, "ulimits"));
	add_sysctls(c, member(def, "systemControls"));
	if (cJSON_IsTrue(member(member(def, "linuxParameters"), "initProcessEnabled")))
		cJSON_AddBoolToObject(c, "initProcessEnabled", true);
	copy_item(c, "logConfiguration", member(def, "logConfiguration"));
	cJSON_AddStringToObject(c, "imageDigest", img->manifest_digest);
	return c;
}

static void add_task_fields(struct runner *r, cJSON *spec, const cJSON *doc, const char *pid_mode)
{
	const char *id = strrchr(task_doc_str(doc, "taskArn"), '/') + 1;
	char dir[1024];

	cJSON_AddStringToObject(spec, "taskId", id);
	cJSON_AddStringToObject(spec, "taskArn", task_doc_str(doc, "taskArn"));
	cJSON_AddStringToObject(spec, "cluster", strrchr(task_doc_str(doc, "clusterArn"), '/') + 1);
	task_state_dir(r, id, dir, sizeof(dir));
	cJSON_AddStringToObject(spec, "stateDir", dir);
	cJSON_AddStringToObject(spec, "logsRoot", r->d->cfg.state_dir);
	cJSON_AddStringToObject(spec, "cgroupParent", r->d->cfg.cgroup_parent);
	cJSON_AddNumberToObject(spec, "pidsMax", r->d->cfg.pids_max);
	cJSON_AddBoolToObject(spec, "userns", r->d->cfg.userns_on);
	cJSON_AddNumberToObject(spec, "cpu", atof(task_doc_str(doc, "cpu") ?: "0"));
	cJSON_AddNumberToObject(spec, "memory", atof(task_doc_str(doc, "memory") ?: "0"));
	cJSON_AddStringToObject(spec, "storageStateDir", r->d->cfg.state_dir);
	snprintf(dir, sizeof(dir), "%s/ephemeral", r->d->cfg.run_dir);
	cJSON_AddStringToObject(spec, "storageMountRoot", dir);
	{
		const cJSON *sz = cJSON_GetObjectItemCaseSensitive(
			cJSON_GetObjectItemCaseSensitive(doc, "ephemeralStorage"), "sizeInGiB");
		cJSON_AddNumberToObject(spec, "ephemeralGiB", cJSON_IsNumber(sz) ? sz->valuedouble : 20);
	}
	snprintf(dir, sizeof(dir), "task-%.12s", id);
	cJSON_AddStringToObject(spec, "hostname", dir);
	if (pid_mode && strcmp(pid_mode, "task") == 0)
		cJSON_AddStringToObject(spec, "pidMode", "task");
}

/* runtimePlatform.cpuArchitecture as an OCI architecture. */
static const char *task_arch(const cJSON *taskdef)
{
	const char *a = task_doc_str(member(taskdef, "runtimePlatform"), "cpuArchitecture");
	return a && strcmp(a, "ARM64") == 0 ? "arm64" : "amd64";
}

cJSON *spec_build(struct runner *r, cJSON *doc, const cJSON *taskdef, char *pull_err,
		  size_t pull_err_len, struct berth_err *err)
{
	cJSON *spec = cJSON_CreateObject();
	cJSON *ctrs = cJSON_AddArrayToObject(spec, "containers");
	const cJSON *def;

	add_task_fields(r, spec, doc, task_doc_str(taskdef, "pidMode"));
	cJSON_ArrayForEach(def, member(taskdef, "containerDefinitions")) {
		struct image_info img = { 0 };
		const char *image = task_doc_str(def, "image");
		struct image_request req = {
			.ref = image ? image : "",
			.arch = task_arch(taskdef),
			.credentials_parameter = task_doc_str(member(def, "repositoryCredentials"),
							      "credentialsParameter"),
		};
		int rc = image_get(r->d->images, &req, &img, err);
		if (rc != 0) {
			snprintf(pull_err, pull_err_len, "%s: %s",
				 err->code == ENOKEY ? "ResourceInitializationError" : "CannotPullContainerError",
				 err->msg);
			cJSON_Delete(spec);
			return NULL;
		}
		cJSON *c = container_spec(r, doc, def, &img);
		image_info_free(&img);
		if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(c, "argv")) == 0) {
			berth_err_set(err, 0, "container %s: no command specified", task_doc_str(def, "name"));
			cJSON_Delete(c);
			cJSON_Delete(spec);
			return NULL;
		}
		cJSON_AddItemToArray(ctrs, c);
	}
	/* What the task document learns from the resolution. */
	cJSON_DeleteItemFromObjectCaseSensitive(doc, "containers");
	cJSON_AddItemToObject(doc, "containers", cJSON_Duplicate(ctrs, true));
	return spec;
}
