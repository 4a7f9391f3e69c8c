/* recover.c: settling tasks whose monitor has gone, restart recovery,
 * cleanup by task id, and pruning of old STOPPED tasks.
 *
 * Every resource of a task is named after its id, so a task whose
 * monitor died (or a daemon that crashed mid-start) is cleaned from the
 * id alone: its cgroup tree (processes killed first), the writable
 * layers under STATE/tasks/<id>/containers/ and RUN/tasks/<id>/.
 * Mounts live in the containers' mount namespaces and the network
 * namespace is held only by the task's processes: both go with them. */
#include "runner_internal.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/ids.h"
#include "common/json.h"
#include "common/log.h"
#include "daemon.h"
#include "isolation/cgroup.h"
#include "isolation/storage.h"
#include "isolation/userns.h"
#include "logstore.h"
#include "store.h"
#include "task_doc.h"

static void rm_logged(const char *path)
{
	struct berth_err err = { 0 };
	if (fs_rm_rf(path, &err) < 0)
		log_warn("cleanup: %s", err.msg);
}

static void rm_writable_layers(const char *state_dir)
{
	char path[1200];
	cleanup_closedir DIR *d = NULL;
	struct dirent *de;

	snprintf(path, sizeof(path), "%s/containers", state_dir);
	d = opendir(path);
	while (d && (de = readdir(d)) != NULL) {
		char p[1500];
		if (de->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s/upper", path, de->d_name);
		rm_logged(p);
		snprintf(p, sizeof(p), "%s/%s/work", path, de->d_name);
		rm_logged(p);
	}
}

void runner_cleanup_task(struct runner *r, const char *task_id)
{
	struct berth_err err = { 0 };
	char dir[1024];

	if (r->d->cgroups && (cgroup_task_kill_all(r->d->cgroups, task_id, &err) < 0 ||
			      cgroup_task_remove(r->d->cgroups, task_id, &err) < 0))
		log_warn("task %s: cleanup cgroup: %s", task_id, err.msg);
	if (r->d->storage && storage_destroy(r->d->storage, task_id, &err) < 0)
		log_warn("task %s: cleanup ephemeral storage: %s", task_id, err.msg);
	task_state_dir(r, task_id, dir, sizeof(dir));
	rm_writable_layers(dir);
	task_run_dir(r, task_id, dir, sizeof(dir));
	rm_logged(dir);
}

static void apply_fn(cJSON *doc, void *arg)
{
	task_doc_apply_snapshot(doc, arg);
}

/* Keep the monitor's log with the task, then drop its run dir. */
static void retire_run_dir(struct runner *r, const char *id)
{
	char run[1024], from[1100], to[1100];

	task_run_dir(r, id, run, sizeof(run));
	task_state_dir(r, id, to, sizeof(to));
	snprintf(from, sizeof(from), "%s/monitor.log", run);
	strncat(to, "/monitor.log", sizeof(to) - strlen(to) - 1);
	if (rename(from, to) < 0 && errno != ENOENT)
		log_warn("task %s: keep monitor log: %s", id, strerror(errno));
	rm_logged(run);
}

void runner_settle_task(struct runner *r, const char *id)
{
	struct berth_err err = { 0 };
	char path[1200];
	cleanup_json cJSON *snap = NULL;
	int fd;

	task_run_dir(r, id, path, sizeof(path));
	strncat(path, "/state.json", sizeof(path) - strlen(path) - 1);
	if (access(path, F_OK) == 0)
		snap = json_read_file(path, &err);
	if (snap)
		runner_update_task(r, id, apply_fn, snap, &err);
	if (snap && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(snap, "final"))) {
		retire_run_dir(r, id);
		return;
	}
	if (monitor_alive(r, id) && monitor_connect(r, id, &fd, &err) == 0) {
		hub_add(r, id, fd);
		return;
	}
	log_warn("task %s: its monitor is gone; stopping what is left", id);
	runner_cleanup_task(r, id);
	runner_fail_task(r, id, "TaskFailedToStart",
			 "ResourceInitializationError: the task's monitor exited unexpectedly",
			 "Task monitor exited unexpectedly");
}

static void requeue_fn(cJSON *doc, void *arg)
{
	(void)arg;
	task_doc_set_status(doc, "PROVISIONING");
}

static void recover_task(struct runner *r, const char *id)
{
	struct berth_err err = { 0 };
	char dir[1024];
	struct stat st;
	int fd;

	if (monitor_alive(r, id)) {
		if (monitor_connect(r, id, &fd, &err) == 0)
			hub_add(r, id, fd);
		else
			log_error("task %s: %s", id, err.msg);
		return;
	}
	task_run_dir(r, id, dir, sizeof(dir));
	if (stat(dir, &st) == 0)
		return runner_settle_task(r, id);
	/* No monitor ever ran: nothing of the task has run, start it. */
	runner_cleanup_task(r, id);
	runner_update_task(r, id, requeue_fn, NULL, &err);
	runner_enqueue(r, id);
}

static void remove_orphan_cgroups(struct runner *r)
{
	struct berth_err err = { 0 };
	cleanup_strv char **ids = NULL;

	if (r->d->cgroups == NULL || cgroup_list_tasks(r->d->cgroups, &ids, &err) < 0)
		return;
	for (char **id = ids; *id; id++) {
		if (monitor_alive(r, *id))
			continue;
		log_info("task %s: removing a cgroup left behind", *id);
		if (cgroup_task_kill_all(r->d->cgroups, *id, &err) < 0 ||
		    cgroup_task_remove(r->d->cgroups, *id, &err) < 0)
			log_warn("task %s: %s", *id, err.msg);
	}
}

static void remove_orphan_storage(struct runner *r)
{
	struct berth_err err = { 0 };
	cleanup_strv char **ids = NULL;

	if (r->d->storage == NULL || storage_list(r->d->storage, &ids, &err) < 0)
		return;
	for (char **id = ids; *id; id++) {
		if (monitor_alive(r, *id))
			continue;
		log_info("task %s: removing ephemeral storage left behind", *id);
		if (storage_destroy(r->d->storage, *id, &err) < 0)
			log_warn("task %s: %s", *id, err.msg);
	}
}

static bool task_monitor_alive(const char *task_id, void *arg)
{
	return monitor_alive(arg, task_id);
}

/* A uid range is free again once its task's monitor is gone (its
 * processes went with the cgroup, just above). */
static void release_orphan_uid_ranges(struct runner *r)
{
	char dir[1024];

	snprintf(dir, sizeof(dir), "%s/userns", r->d->cfg.state_dir);
	userns_slots_sweep(dir, task_monitor_alive, r);
}

/* Keep a few default-size ephemeral disks ready, off the API threads. */
static void refill_storage_pool(struct runner *r)
{
	struct berth_err err = { 0 };

	if (r->d->storage &&
	    storage_pool_refill(r->d->storage, (uint64_t)STORAGE_DEFAULT_GIB * 1024, 4, &err) < 0)
		log_warn("ephemeral storage pool: %s", err.msg);
}

int runner_recover(struct runner *r, struct berth_err *err)
{
	cleanup_strv char **ids = NULL;

	if (store_task_list_live(r->d->store, &ids, err) < 0)
		return berth_err_wrap(err, "recover tasks");
	for (char **id = ids; *id; id++)
		recover_task(r, *id);
	remove_orphan_cgroups(r);
	remove_orphan_storage(r);
	release_orphan_uid_ranges(r);
	return 0;
}

/* Remove STATE/tasks/<id> of tasks the store no longer has. */
static void prune_state_dirs(struct runner *r)
{
	char path[1024];
	cleanup_closedir DIR *d = NULL;
	struct dirent *de;

	snprintf(path, sizeof(path), "%s/tasks", r->d->cfg.state_dir);
	d = opendir(path);
	while (d && (de = readdir(d)) != NULL) {
		struct berth_err err = { 0 };
		cJSON *doc = NULL;
		char p[1300];
		if (de->d_name[0] == '.')
			continue;
		if (store_task_get(r->d->store, de->d_name, &doc, &err) != 0) {
			cJSON_Delete(doc);
			continue;
		}
		snprintf(p, sizeof(p), "%s/%s", path, de->d_name);
		rm_logged(p);
	}
}

static void apply_log_retention(struct runner *r)
{
	struct berth_err err = { 0 };
	uint64_t trimmed = 0;

	if (r->d->logs == NULL)
		return;
	if (logstore_apply_retention(r->d->logs, time_now_ms(), r->d->cfg.log_stream_max_mib << 20,
				     &trimmed, &err) < 0)
		log_warn("log retention: %s", err.msg);
	else if (trimmed > 0)
		log_info("log retention dropped %llu bytes of events", (unsigned long long)trimmed);
}

void *runner_prune_main(void *arg)
{
	struct runner *r = arg;
	int64_t next = 0, next_refill = 0, next_logs = 0;

	for (;;) {
		bool quit;
		pthread_mutex_lock(&r->lock);
		quit = r->quit;
		pthread_mutex_unlock(&r->lock);
		if (quit)
			return NULL;
		if (time_now_ms() >= next) {
			struct berth_err err = { 0 };
			long n = 0;
			int64_t before = time_now_ms() - (int64_t)r->d->cfg.stopped_task_ttl_s * 1000;
			if (store_task_prune(r->d->store, before, &n, &err) < 0)
				log_warn("prune: %s", err.msg);
			else if (n > 0)
				log_info("pruned %ld stopped tasks", n);
			prune_state_dirs(r);
			next = time_now_ms() + 30000;
		}
		if (time_now_ms() >= next_logs) {
			apply_log_retention(r);
			next_logs = time_now_ms() + (int64_t)r->d->cfg.log_retention_interval_s * 1000;
		}
		if (time_now_ms() >= next_refill) {
			refill_storage_pool(r);
			next_refill = time_now_ms() + 5000;
		}
		usleep(200000);
	}
}
