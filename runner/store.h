/* store.h: berth's durable state in SQLite (WAL) under STATE_DIR/berth.db.
 *
 * Rows: clusters, task definitions (one row per family:revision, the
 * TaskDefinition document as JSON), tasks (indexed columns for the list
 * queries, the ECS Task document, containers included, as JSON) and
 * their idempotency tokens.  Every write is one transaction, committed
 * before the API answers.  One connection behind a mutex: callers on
 * any thread; documents go in and come out as cJSON the caller owns. */
#ifndef BERTH_RUNNER_STORE_H
#define BERTH_RUNNER_STORE_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"

struct store;

/* Open or create STATE_DIR/berth.db and its schema.  err->code is
 * ENOSPC when the disk is full. */
struct store *store_open(const char *state_dir, struct berth_err *err);
void store_close(struct store *s);

/* Clusters.  *created is set false when the name already existed. */
int store_cluster_put(struct store *s, const char *name, const char *arn, int64_t now_ms,
		      bool *created, struct berth_err *err);
/* 1 found (status/arn/created filled, may be NULL), 0 missing, -1 error. */
int store_cluster_get(struct store *s, const char *name, char *arn, size_t arn_len, char *status,
		      size_t status_len, struct berth_err *err);
int store_cluster_set_status(struct store *s, const char *name, const char *status,
			     struct berth_err *err);
/* Names of ACTIVE clusters, sorted; strv. */
int store_cluster_list(struct store *s, char ***names, struct berth_err *err);
/* Counts of tasks of a cluster by desired status RUNNING (running and pending). */
int store_cluster_task_counts(struct store *s, const char *name, long *running, long *pending,
			      struct berth_err *err);

/* Task definitions.  store_taskdef_register assigns the next revision of
 * `family`, fills taskDefinitionArn/revision/status/registeredAt in `def`
 * (which it does not take over) and stores it atomically. */
int store_taskdef_register(struct store *s, cJSON *def, const char *arn_prefix, int64_t now_ms,
			   struct berth_err *err);
/* Look up by family (latest ACTIVE), family:revision, or ARN.  Returns 1
 * with *def (caller owns), 0 when missing, -1 on error. */
int store_taskdef_get(struct store *s, const char *ref, cJSON **def, struct berth_err *err);
int store_taskdef_deregister(struct store *s, const char *family, long revision, int64_t now_ms,
			     cJSON **def, struct berth_err *err);
/* ARNs, ordered by family then revision (desc when `descending`), with
 * optional family filter and status (ACTIVE/INACTIVE, NULL = ACTIVE). */
int store_taskdef_list(struct store *s, const char *family_prefix, const char *status,
		       bool descending, char ***arns, struct berth_err *err);
int store_taskdef_families(struct store *s, const char *family_prefix, const char *status,
			   char ***families, struct berth_err *err);

/* Tasks. */
struct store_task_row {
	const char *id, *cluster, *family, *started_by, *client_token;
};
/* Insert several tasks in one transaction (RunTask count).  docs[i] is
 * the Task document for rows[i]. */
int store_task_insert(struct store *s, const struct store_task_row *rows, cJSON *const *docs,
		      size_t n, struct berth_err *err);
/* 1 with *doc (caller owns), 0 missing, -1 error. */
int store_task_get(struct store *s, const char *id, cJSON **doc, struct berth_err *err);
/* Replace the document (indexed columns follow it). */
int store_task_put(struct store *s, const char *id, const cJSON *doc, struct berth_err *err);
/* Ids matching the filters (NULL = any); desired "RUNNING" or "STOPPED". */
int store_task_list(struct store *s, const char *cluster, const char *family,
		    const char *started_by, const char *desired_status, char ***ids,
		    struct berth_err *err);
/* Ids whose lastStatus is not STOPPED (recovery). */
int store_task_list_live(struct store *s, char ***ids, struct berth_err *err);
/* Ids of tasks that came from `client_token` in `cluster` (idempotency). */
int store_task_by_token(struct store *s, const char *cluster, const char *token, char ***ids,
			struct berth_err *err);
/* Delete STOPPED tasks stopped before `before_ms`; *n_deleted filled. */
int store_task_prune(struct store *s, int64_t before_ms, long *n_deleted, struct berth_err *err);

#endif
