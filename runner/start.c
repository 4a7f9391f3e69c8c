/* start.c: the start workers.  Each takes a PROVISIONING task from the
 * queue, resolves its images (PENDING, pullStartedAt/pullStoppedAt,
 * imageDigest), writes its monitor spec and starts its monitor, then
 * hands the monitor's connection to the hub.  Any failure settles the
 * task STOPPED with stopCode TaskFailedToStart and an ECS-style reason. */
#include "runner_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/ids.h"
#include "common/json.h"
#include "common/log.h"
#include "daemon.h"
#include "images/images.h"
#include "store.h"
#include "task_doc.h"

static void pending_fn(cJSON *doc, void *arg)
{
	(void)arg;
	task_doc_set_time(doc, "pullStartedAt", time_now_ms());
	task_doc_set_status(doc, "PENDING");
}

/* Copy what spec_build learnt (image digests) and the pull end time. */
static void pulled_fn(cJSON *doc, void *arg)
{
	const cJSON *resolved = arg;
	const cJSON *c;

	task_doc_set_time(doc, "pullStoppedAt", time_now_ms());
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(resolved, "containers")) {
		const char *name = task_doc_str(c, "name");
		const char *digest = task_doc_str(c, "imageDigest");
		cJSON *dc = name ? task_doc_container(doc, name) : NULL;
		if (dc && digest)
			task_doc_set_string(dc, "imageDigest", digest);
	}
}

static bool desired_stopped(struct runner *r, const char *id)
{
	struct berth_err err = { 0 };
	cleanup_json cJSON *doc = NULL;
	const char *d;

	if (store_task_get(r->d->store, id, &doc, &err) <= 0)
		return true;
	d = task_doc_str(doc, "desiredStatus");
	return d && strcmp(d, "STOPPED") == 0;
}

static void send_stop_if_wanted(struct runner *r, const char *id)
{
	if (!desired_stopped(r, id))
		return;
	pthread_mutex_lock(&r->lock);
	hub_send_locked(r, id, "{\"op\":\"stop\",\"stopCode\":\"UserInitiated\","
			       "\"reason\":\"Task stopped by user\"}");
	pthread_mutex_unlock(&r->lock);
}

static void start_task(struct runner *r, const char *id)
{
	struct berth_err err = { 0 };
	cleanup_json cJSON *doc = NULL;
	cleanup_json cJSON *taskdef = NULL;
	cleanup_json cJSON *spec = NULL;
	char pull_err[1200] = "";
	char reason[1400];
	const char *last;
	int fd = -1;

	if (store_task_get(r->d->store, id, &doc, &err) <= 0)
		return;
	last = task_doc_str(doc, "lastStatus");
	if (last == NULL || strcmp(last, "PROVISIONING") != 0)
		return;
	if (desired_stopped(r, id))
		return runner_fail_task(r, id, "UserInitiated", "Task stopped by user", NULL);
	if (store_taskdef_get(r->d->store, task_doc_str(doc, "taskDefinitionArn"), &taskdef, &err) <= 0)
		return runner_fail_task(r, id, "TaskFailedToStart",
					"ResourceInitializationError: task definition is gone", NULL);
	runner_update_task(r, id, pending_fn, NULL, &err);
	/* Held until the task's record names its image digests. */
	image_store_hold(r->d->images);
	spec = spec_build(r, doc, taskdef, pull_err, sizeof(pull_err), &err);
	if (spec)
		runner_update_task(r, id, pulled_fn, doc, &err);
	image_store_release(r->d->images);
	if (pull_err[0])
		return runner_fail_task(r, id, "TaskFailedToStart", pull_err, pull_err);
	if (spec == NULL) {
		snprintf(reason, sizeof(reason), "CannotStartContainerError: %s", err.msg);
		return runner_fail_task(r, id, "TaskFailedToStart", reason, reason);
	}
	if (desired_stopped(r, id))
		return runner_fail_task(r, id, "UserInitiated", "Task stopped by user", NULL);
	if (monitor_launch(r, id, spec, &fd, &err) < 0) {
		snprintf(reason, sizeof(reason), "ResourceInitializationError: start task monitor: %s",
			 err.msg);
		runner_cleanup_task(r, id);
		return runner_fail_task(r, id, "TaskFailedToStart", reason, NULL);
	}
	hub_add(r, id, fd);
	send_stop_if_wanted(r, id);
}

void *runner_worker_main(void *arg)
{
	struct runner *r = arg;

	for (;;) {
		struct start_job *j;
		pthread_mutex_lock(&r->lock);
		while (!r->quit && r->head == NULL)
			pthread_cond_wait(&r->cond, &r->lock);
		if (r->quit) {
			pthread_mutex_unlock(&r->lock);
			return NULL;
		}
		j = r->head;
		r->head = j->next;
		if (r->head == NULL)
			r->tail = NULL;
		pthread_mutex_unlock(&r->lock);
		start_task(r, j->task_id);
		free(j);
	}
}
