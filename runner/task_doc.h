/* task_doc.h: the ECS Task document berth stores and returns.
 *
 * The document is the Task shape of the ECS service model, containers
 * included; berthd changes it only through these functions, so that the
 * rules (desiredStatus never goes back from STOPPED, version grows with
 * every change, timestamps in epoch seconds) live in one place. */
#ifndef BERTH_RUNNER_TASK_DOC_H
#define BERTH_RUNNER_TASK_DOC_H

#include <cjson/cJSON.h>
#include <stdint.h>

struct berth_config;
struct run_task_request;

/* A new PROVISIONING task.  Returns NULL on allocation failure. */
cJSON *task_doc_new(const struct berth_config *cfg, const char *cluster, const char *id,
		    const struct run_task_request *req, int64_t now_ms);

/* Fold a monitor snapshot (lastStatus, desiredStatus, timestamps,
 * stopCode, stoppedReason, containers[{name, lastStatus, exitCode,
 * reason, runtimeId}]) into the document. */
void task_doc_apply_snapshot(cJSON *doc, const cJSON *snap);

void task_doc_set_string(cJSON *obj, const char *name, const char *value);
void task_doc_set_time(cJSON *obj, const char *name, int64_t ms);
void task_doc_set_status(cJSON *doc, const char *last_status);
/* Mark the task (and every container not yet stopped) STOPPED without a
 * monitor: start failures, stops before start, monitors that died.
 * `container_reason` (may be NULL) goes to containers without an exit. */
void task_doc_stop(cJSON *doc, const char *stop_code, const char *reason,
		   const char *container_reason, int64_t now_ms);

const char *task_doc_str(const cJSON *obj, const char *name);
cJSON *task_doc_container(cJSON *doc, const char *name);

#endif
