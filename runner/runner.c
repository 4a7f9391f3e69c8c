/* runner.c: the daemon side of the task lifecycle (see runner.h): the
 * RunTask and StopTask entry points, the start queue, and the one rule
 * for changing a task document (read, change, write, under r->lock). */
#include "runner_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "arn.h"
#include "common/cleanup.h"
#include "common/ids.h"
#include "common/json.h"
#include "common/log.h"
#include "daemon.h"
#include "store.h"
#include "task_doc.h"

static void unlockp(pthread_mutex_t **m)
{
	if (*m)
		pthread_mutex_unlock(*m);
}
#define with_lock(r)                                                                         \
	__attribute__((cleanup(unlockp))) pthread_mutex_t *runner_guard_ = &(r)->lock;     \
	pthread_mutex_lock(runner_guard_)

struct runner *runner_new(struct berth_daemon *d, struct berth_err *err)
{
	struct runner *r = calloc(1, sizeof(*r));

	if (r == NULL) {
		berth_err_set(err, ENOMEM, "runner");
		return NULL;
	}
	r->d = d;
	r->hub_epfd = r->hub_wake = -1;
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->cond, NULL);
	if (hub_start(r, err) < 0) {
		runner_free(r);
		return NULL;
	}
	for (; r->n_workers < RUNNER_WORKERS; r->n_workers++) {
		if (pthread_create(&r->workers[r->n_workers], NULL, runner_worker_main, r) != 0) {
			berth_err_set(err, EAGAIN, "start worker thread");
			runner_free(r);
			return NULL;
		}
	}
	if (pthread_create(&r->prune_thread, NULL, runner_prune_main, r) == 0)
		r->prune_started = true;
	return r;
}

void runner_free(struct runner *r)
{
	if (r == NULL)
		return;
	pthread_mutex_lock(&r->lock);
	r->quit = true;
	pthread_cond_broadcast(&r->cond);
	pthread_mutex_unlock(&r->lock);
	for (size_t i = 0; i < r->n_workers; i++)
		pthread_join(r->workers[i], NULL);
	if (r->prune_started)
		pthread_join(r->prune_thread, NULL);
	hub_stop(r);
	while (r->head) {
		struct start_job *j = r->head;
		r->head = j->next;
		free(j);
	}
	pthread_cond_destroy(&r->cond);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

void runner_enqueue(struct runner *r, const char *task_id)
{
	struct start_job *j = calloc(1, sizeof(*j));

	if (j == NULL) {
		runner_fail_task(r, task_id, "TaskFailedToStart",
				 "ResourceInitializationError: out of memory", NULL);
		return;
	}
	snprintf(j->task_id, sizeof(j->task_id), "%s", task_id);
	pthread_mutex_lock(&r->lock);
	if (r->tail)
		r->tail->next = j;
	else
		r->head = j;
	r->tail = j;
	pthread_cond_signal(&r->cond);
	pthread_mutex_unlock(&r->lock);
}

int runner_update_task(struct runner *r, const char *id, task_update_fn fn, void *arg,
		       struct berth_err *err)
{
	cleanup_json cJSON *doc = NULL;
	int rc;
	with_lock(r);

	rc = store_task_get(r->d->store, id, &doc, err);
	if (rc <= 0)
		return rc < 0 ? -1 : 1;
	fn(doc, arg);
	return store_task_put(r->d->store, id, doc, err);
}

struct fail_args {
	const char *code, *reason, *container_reason;
};

static void fail_fn(cJSON *doc, void *arg)
{
	struct fail_args *a = arg;
	task_doc_stop(doc, a->code, a->reason, a->container_reason, time_now_ms());
}

void runner_fail_task(struct runner *r, const char *id, const char *stop_code, const char *reason,
		      const char *container_reason)
{
	struct fail_args a = { stop_code, reason, container_reason };
	struct berth_err err = { 0 };

	log_info("task %s: stopped: %s", id, reason);
	if (runner_update_task(r, id, fail_fn, &a, &err) < 0)
		log_error("task %s: record stop: %s", id, err.msg);
}

static int tasks_of_token(struct runner *r, const struct run_task_request *req, cJSON **tasks,
			  struct api_error *e)
{
	struct berth_err err = { 0 };
	cleanup_strv char **ids = NULL;

	if (store_task_by_token(r->d->store, req->cluster, req->client_token, &ids, &err) < 0)
		return api_server_error(e, "%s", err.msg);
	if (ids[0] == NULL)
		return 0;
	*tasks = cJSON_CreateArray();
	for (char **id = ids; *id; id++) {
		cJSON *doc = NULL;
		if (store_task_get(r->d->store, *id, &doc, &err) > 0)
			cJSON_AddItemToArray(*tasks, doc);
	}
	return 1;
}

int runner_run_task(struct runner *r, const struct run_task_request *req, cJSON **tasks,
		    struct api_error *e)
{
	struct store_task_row rows[10];
	cJSON *docs[10] = { 0 };
	char ids[10][TASK_ID_LEN + 1];
	struct berth_err err = { 0 };
	int64_t now = time_now_ms();
	const char *family = task_doc_str(req->taskdef, "family");
	long n = req->count;
	int rc;

	if (req->client_token && (rc = tasks_of_token(r, req, tasks, e)) != 0)
		return rc < 0 ? -1 : 0;
	for (long i = 0; i < n; i++) {
		if (id_random_hex(ids[i], TASK_ID_LEN, &err) < 0)
			goto fail;
		docs[i] = task_doc_new(&r->d->cfg, req->cluster, ids[i], req, now);
		if (docs[i] == NULL)
			goto fail;
		rows[i] = (struct store_task_row){ ids[i], req->cluster, family, req->started_by,
						   req->client_token };
	}
	if (store_task_insert(r->d->store, rows, docs, (size_t)n, &err) < 0)
		goto fail;
	*tasks = cJSON_CreateArray();
	for (long i = 0; i < n; i++) {
		cJSON_AddItemToArray(*tasks, docs[i]);
		runner_enqueue(r, ids[i]);
	}
	return 0;
fail:
	for (long i = 0; i < n; i++)
		cJSON_Delete(docs[i]);
	return api_server_error(e, "RunTask: %s", err.msg[0] ? err.msg : "out of memory");
}

struct stop_args {
	const char *reason;
	bool was_stopped;
};

static void stop_fn(cJSON *doc, void *arg)
{
	struct stop_args *a = arg;
	const char *last = task_doc_str(doc, "lastStatus");

	a->was_stopped = last && strcmp(last, "STOPPED") == 0;
	if (a->was_stopped)
		return;
	task_doc_set_string(doc, "desiredStatus", "STOPPED");
	if (!cJSON_GetObjectItemCaseSensitive(doc, "stopCode")) {
		task_doc_set_string(doc, "stopCode", "UserInitiated");
		task_doc_set_string(doc, "stoppedReason", a->reason);
	}
}

/* No hub connection took the command: reach a live monitor directly. */
static void send_stop_direct(struct runner *r, const char *task_id, const char *line)
{
	struct berth_err err = { 0 };
	int fd;

	if (!monitor_alive(r, task_id) || monitor_connect(r, task_id, &fd, &err) < 0) {
		log_info("task %s: stop recorded; its monitor is not running yet", task_id);
		return;
	}
	log_warn("task %s: monitor was not connected; sent the stop on a new connection", task_id);
	hub_add(r, task_id, fd);
	pthread_mutex_lock(&r->lock);
	if (hub_send_locked(r, task_id, line) < 0)
		log_error("task %s: send stop: %s", task_id, strerror(errno));
	pthread_mutex_unlock(&r->lock);
}

int runner_stop_task(struct runner *r, const char *cluster, const char *task_id,
		     const char *reason, cJSON **task, struct api_error *e)
{
	struct stop_args a = { reason && *reason ? reason : "Task stopped by user", false };
	struct berth_err err = { 0 };
	cleanup_json cJSON *cmd = cJSON_CreateObject();
	cleanup_free char *line = NULL;
	int rc;

	rc = runner_update_task(r, task_id, stop_fn, &a, &err);
	if (rc < 0)
		return api_server_error(e, "StopTask: %s", err.msg);
	if (rc == 1)
		return 1;
	if (store_task_get(r->d->store, task_id, task, &err) <= 0)
		return api_server_error(e, "StopTask: %s", err.msg);
	const char *arn = task_doc_str(*task, "clusterArn");
	const char *slash = arn ? strrchr(arn, '/') : NULL;
	if (slash == NULL || strcmp(slash + 1, cluster) != 0) {
		cJSON_Delete(*task);
		*task = NULL;
		return 1;
	}
	if (!a.was_stopped) {
		cJSON_AddStringToObject(cmd, "op", "stop");
		cJSON_AddStringToObject(cmd, "reason", a.reason);
		cJSON_AddStringToObject(cmd, "stopCode", "UserInitiated");
		line = cJSON_PrintUnformatted(cmd);
		pthread_mutex_lock(&r->lock);
		rc = line ? hub_send_locked(r, task_id, line) : 0;
		pthread_mutex_unlock(&r->lock);
		if (rc < 0)
			send_stop_direct(r, task_id, line);
	}
	return 0;
}
