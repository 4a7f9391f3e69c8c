/* monitor_spec.c: read RUN/tasks/<id>/spec.json, written by berthd, into
 * struct monitor (see monitor_internal.h for the fields).  The spec is
 * trusted (berthd wrote it after validation) but still type-checked. */
#include "monitor_internal.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "isolation/container.h"

static char *dup_member(const cJSON *o, const char *name, const char *dflt)
{
	const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, name));
	if (v == NULL)
		v = dflt;
	return v ? strdup(v) : NULL;
}

static uint64_t u64_member(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
	return cJSON_IsNumber(v) && v->valuedouble > 0 ? (uint64_t)v->valuedouble : 0;
}

static const struct {
	const char *name;
	int resource;
} ulimit_names[] = {
	{ "core", RLIMIT_CORE },       { "cpu", RLIMIT_CPU },         { "data", RLIMIT_DATA },
	{ "fsize", RLIMIT_FSIZE },     { "locks", RLIMIT_LOCKS },     { "memlock", RLIMIT_MEMLOCK },
	{ "msgqueue", RLIMIT_MSGQUEUE }, { "nice", RLIMIT_NICE },     { "nofile", RLIMIT_NOFILE },
	{ "nproc", RLIMIT_NPROC },     { "rss", RLIMIT_RSS },         { "rtprio", RLIMIT_RTPRIO },
	{ "rttime", RLIMIT_RTTIME },   { "sigpending", RLIMIT_SIGPENDING }, { "stack", RLIMIT_STACK },
};

static int parse_ulimits(struct mon_container *c, const cJSON *arr, struct berth_err *err)
{
	const cJSON *u;
	size_t n = (size_t)cJSON_GetArraySize(arr);

	c->rlimits = calloc(n ? n : 1, sizeof(*c->rlimits));
	if (c->rlimits == NULL)
		return berth_err_set(err, ENOMEM, "ulimits");
	cJSON_ArrayForEach(u, arr) {
		const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(u, "name"));
		for (size_t i = 0; name && i < sizeof(ulimit_names) / sizeof(ulimit_names[0]); i++) {
			if (strcmp(name, ulimit_names[i].name) != 0)
				continue;
			c->rlimits[c->n_rlimits].resource = ulimit_names[i].resource;
			c->rlimits[c->n_rlimits].soft = u64_member(u, "softLimit");
			c->rlimits[c->n_rlimits].hard = u64_member(u, "hardLimit");
			c->n_rlimits++;
		}
	}
	return 0;
}

static int parse_signal(const char *s)
{
	static const struct {
		const char *name;
		int sig;
	} sigs[] = { { "TERM", SIGTERM }, { "INT", SIGINT },   { "QUIT", SIGQUIT }, { "KILL", SIGKILL },
		     { "HUP", SIGHUP },   { "USR1", SIGUSR1 }, { "USR2", SIGUSR2 }, { "WINCH", SIGWINCH } };
	if (s == NULL || *s == '\0')
		return SIGTERM;
	if (strncmp(s, "SIG", 3) == 0)
		s += 3;
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (strcmp(s, sigs[i].name) == 0)
			return sigs[i].sig;
	int n = atoi(s);
	return n > 0 && n < 65 ? n : SIGTERM;
}

static int parse_container(struct mon_container *c, const cJSON *j, struct berth_err *err)
{
	const cJSON *v;

	c->name = dup_member(j, "name", NULL);
	c->cwd = dup_member(j, "cwd", "/");
	c->user = dup_member(j, "user", NULL);
	c->essential = !cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(j, "essential"));
	c->readonly_rootfs = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "readonlyRootFilesystem"));
	c->init_process = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "initProcessEnabled"));
	c->stop_timeout_s = (int)u64_member(j, "stopTimeout");
	if (c->stop_timeout_s <= 0)
		c->stop_timeout_s = 30;
	c->stop_signal = parse_signal(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "stopSignal")));
	c->cpu = u64_member(j, "cpu");
	c->memory = u64_member(j, "memory");
	c->memory_reservation = u64_member(j, "memoryReservation");
	if (c->name == NULL || json_get_strv(j, "argv", &c->argv, err) <= 0 ||
	    json_get_strv(j, "env", &c->env, err) < 0 || json_get_strv(j, "layers", &c->layers, err) <= 0 ||
	    json_get_strv(j, "capAdd", &c->cap_add, err) < 0 ||
	    json_get_strv(j, "capDrop", &c->cap_drop, err) < 0 ||
	    json_get_strv(j, "sysctls", &c->sysctls, err) < 0)
		return berth_err_wrap(err, "container %s", c->name ? c->name : "?");
	for (char **l = c->layers; *l; l++)
		c->n_layers++;
	if ((v = cJSON_GetObjectItemCaseSensitive(j, "ulimits")) && cJSON_IsArray(v) &&
	    parse_ulimits(c, v, err) < 0)
		return -1;
	if ((v = cJSON_GetObjectItemCaseSensitive(j, "logConfiguration")) && cJSON_IsObject(v))
		c->log_config = cJSON_Duplicate(v, true);
	c->pid = -1;
	c->pidfd = c->out_fd = c->err_fd = -1;
	return 0;
}

int monitor_load_spec(struct monitor *m, const char *run_dir, struct berth_err *err)
{
	cleanup_free char *path = NULL;
	cleanup_json cJSON *spec = NULL;
	const cJSON *ctrs, *c;
	size_t i = 0;

	if (asprintf(&path, "%s/spec.json", run_dir) < 0)
		return berth_err_set(err, ENOMEM, "spec path");
	spec = json_read_file(path, err);
	if (spec == NULL)
		return -1;
	m->run_dir = strdup(run_dir);
	m->task_id = dup_member(spec, "taskId", NULL);
	m->task_arn = dup_member(spec, "taskArn", "");
	m->cluster = dup_member(spec, "cluster", "default");
	m->state_dir = dup_member(spec, "stateDir", NULL);
	m->logs_root = dup_member(spec, "logsRoot", NULL);
	m->cgroup_parent = dup_member(spec, "cgroupParent", "berth");
	m->hostname = dup_member(spec, "hostname", "localhost");
	m->userns = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(spec, "userns"));
	m->pid_mode_task = strcmp(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(spec, "pidMode")) ?: "",
				  "task") == 0;
	m->storage_state_dir = dup_member(spec, "storageStateDir", NULL);
	m->storage_mount_root = dup_member(spec, "storageMountRoot", NULL);
	m->ephemeral_gib = (unsigned)u64_member(spec, "ephemeralGiB");
	m->cpu = u64_member(spec, "cpu");
	m->memory = u64_member(spec, "memory");
	m->pids_max = u64_member(spec, "pidsMax");
	if (m->task_id == NULL || m->state_dir == NULL || m->logs_root == NULL)
		return berth_err_set(err, EINVAL, "%s: taskId, stateDir and logsRoot are required", path);
	ctrs = cJSON_GetObjectItemCaseSensitive(spec, "containers");
	m->n_ctrs = (size_t)cJSON_GetArraySize(ctrs);
	if (!cJSON_IsArray(ctrs) || m->n_ctrs == 0)
		return berth_err_set(err, EINVAL, "%s: no containers", path);
	m->ctrs = calloc(m->n_ctrs, sizeof(*m->ctrs));
	if (m->ctrs == NULL)
		return berth_err_set(err, ENOMEM, "containers");
	cJSON_ArrayForEach(c, ctrs) {
		if (parse_container(&m->ctrs[i++], c, err) < 0)
			return berth_err_wrap(err, "%s", path);
	}
	return 0;
}

static void container_free(struct mon_container *c)
{
	free(c->name);
	berth_strv_free(c->argv);
	berth_strv_free(c->env);
	free(c->cwd);
	free(c->user);
	berth_strv_free(c->layers);
	berth_strv_free(c->cap_add);
	berth_strv_free(c->sysctls);
	berth_strv_free(c->cap_drop);
	free(c->rlimits);
	cJSON_Delete(c->log_config);
}

void monitor_free(struct monitor *m)
{
	for (size_t i = 0; i < m->n_ctrs; i++)
		container_free(&m->ctrs[i]);
	free(m->ctrs);
	free(m->task_id);
	free(m->task_arn);
	free(m->cluster);
	free(m->run_dir);
	free(m->state_dir);
	free(m->logs_root);
	free(m->cgroup_parent);
	free(m->hostname);
	free(m->storage_state_dir);
	free(m->storage_mount_root);
}
