/* runner_internal.h: struct runner and the pieces of runner/ that share
 * it: runner.c (API entry points, the task update rule), start.c (start
 * workers), spec.c (the monitor's spec), launch.c (starting a monitor),
 * hub.c (monitor connections), recover.c (restart and cleanup). */
#ifndef BERTH_RUNNER_RUNNER_INTERNAL_H
#define BERTH_RUNNER_RUNNER_INTERNAL_H

#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdbool.h>

#include "common/error.h"
#include "runner.h"

#define RUNNER_WORKERS 2
#define TASK_ID_LEN 32

struct start_job {
	struct start_job *next;
	char task_id[TASK_ID_LEN + 1];
};

struct hub_conn {
	char task_id[TASK_ID_LEN + 1];
	int fd;
	size_t len;
	char buf[16384];
};

struct runner {
	struct berth_daemon *d;
	/* `lock` guards the queue, the connection table and every
	 * read-modify-write of a task document. */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct start_job *head, *tail;
	bool quit;
	pthread_t workers[RUNNER_WORKERS];
	size_t n_workers;

	int hub_epfd, hub_wake;
	pthread_t hub_thread, prune_thread;
	bool hub_started, prune_started;
	struct hub_conn **conns;
	size_t n_conns, cap_conns;
};

/* Apply `fn` to task `id`'s document under the lock and store it.
 * Returns 0, 1 when the task is unknown, -1 on error. */
typedef void (*task_update_fn)(cJSON *doc, void *arg);
int runner_update_task(struct runner *r, const char *id, task_update_fn fn, void *arg,
		       struct berth_err *err);
/* Settle a task as STOPPED without a monitor (and log why). */
void runner_fail_task(struct runner *r, const char *id, const char *stop_code, const char *reason,
		      const char *container_reason);
void runner_enqueue(struct runner *r, const char *task_id);

/* start.c */
void *runner_worker_main(void *arg);

/* spec.c: build the monitor spec for a task; *pull_err set to the
 * CannotPullContainerError text when an image is missing. */
cJSON *spec_build(struct runner *r, cJSON *doc, const cJSON *taskdef, char *pull_err,
		  size_t pull_err_len, struct berth_err *err);

/* launch.c: start the monitor of `task_id` with `spec`; returns a
 * connected socket to it. */
int monitor_launch(struct runner *r, const char *task_id, const cJSON *spec, int *conn_fd,
		   struct berth_err *err);
/* Connect to a running monitor's socket. */
int monitor_connect(struct runner *r, const char *task_id, int *conn_fd, struct berth_err *err);
/* RUN/tasks/<id> and STATE/tasks/<id>. */
void task_run_dir(struct runner *r, const char *id, char *out, size_t len);
void task_state_dir(struct runner *r, const char *id, char *out, size_t len);
/* 1 when a monitor holds the task's lock, 0 when not (or no lock file). */
int monitor_alive(struct runner *r, const char *task_id);

/* hub.c */
int hub_start(struct runner *r, struct berth_err *err);
void hub_stop(struct runner *r);
/* Take over `fd` as the connection to task_id's monitor. */
int hub_add(struct runner *r, const char *task_id, int fd);
/* Send a command line to the task's monitor; -1 when not connected.
 * Call with r->lock held. */
int hub_send_locked(struct runner *r, const char *task_id, const char *line);

/* recover.c */
/* Give back whatever a task whose monitor is gone left behind. */
void runner_cleanup_task(struct runner *r, const char *task_id);
/* Settle a task whose monitor has gone: from its state.json if final. */
void runner_settle_task(struct runner *r, const char *task_id);
void *runner_prune_main(void *arg);

#endif
