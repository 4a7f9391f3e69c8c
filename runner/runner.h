/* runner.h: task lifecycle on the daemon side.
 *
 * runner_run_task() writes the tasks as PROVISIONING and returns at once;
 * a small pool of start workers (off the API threads) resolves images,
 * writes each task's spec and starts its monitor; a hub thread holds one
 * connection per monitor and folds every state snapshot it pushes into
 * the task's document in the store.  After a restart runner_recover()
 * reconnects to the monitors that are alive, settles the tasks whose
 * monitor is gone, and cleans what they left behind. */
#ifndef BERTH_RUNNER_RUNNER_H
#define BERTH_RUNNER_RUNNER_H

#include <cjson/cJSON.h>

#include "api/api_error.h"
#include "common/error.h"

struct berth_daemon;
struct runner;

struct runner *runner_new(struct berth_daemon *d, struct berth_err *err);
/* Stop the worker and hub threads (monitors and tasks keep running). */
void runner_free(struct runner *r);

/* Reconnect, settle and clean up after a restart; queue the tasks that
 * never got a monitor.  Call once, after runner_new. */
int runner_recover(struct runner *r, struct berth_err *err);

/* The imageDigest of every task not STOPPED (NULL-terminated strv): the
 * image store's in_use callback; arg is the struct berth_daemon. */
char **runner_images_in_use(void *arg);

struct run_task_request {
	const char *cluster;       /* name, exists */
	const cJSON *taskdef;      /* the TaskDefinition document */
	const cJSON *overrides;    /* TaskOverride or NULL */
	const char *started_by, *group, *client_token;
	const cJSON *tags;         /* Tags or NULL */
	long count;                /* 1..10 */
};

/* Create and queue `count` tasks.  *tasks gets a new array of Task
 * documents (PROVISIONING).  With a client token seen before, returns
 * the tasks of that earlier call instead. */
int runner_run_task(struct runner *r, const struct run_task_request *req, cJSON **tasks,
		    struct api_error *e);

/* Ask a task to stop.  *task gets its document.  0 ok, 1 unknown task. */
int runner_stop_task(struct runner *r, const char *cluster, const char *task_id,
		     const char *reason, cJSON **task, struct api_error *e);

#endif
