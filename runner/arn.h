/* arn.h: ECS ARNs as AWS writes them, from the daemon's region and
 * account: arn:aws:ecs:REGION:ACCOUNT:cluster/NAME,
 * .../task/CLUSTER/ID, .../task-definition/FAMILY:REV,
 * .../container/CLUSTER/TASKID/UUID.  Parsing accepts an ARN or a bare
 * id/name, as the ECS API does. */
#ifndef BERTH_RUNNER_ARN_H
#define BERTH_RUNNER_ARN_H

#include <stdbool.h>
#include <stddef.h>

struct berth_config;

#define ARN_MAX 512

void arn_cluster(const struct berth_config *c, const char *name, char *out, size_t len);
void arn_task(const struct berth_config *c, const char *cluster, const char *id, char *out,
	      size_t len);
/* "arn:aws:ecs:REGION:ACCOUNT:task-definition/" (append FAMILY:REV). */
void arn_taskdef_prefix(const struct berth_config *c, char *out, size_t len);
void arn_container(const struct berth_config *c, const char *cluster, const char *task_id,
		   const char *uuid, char *out, size_t len);

/* Cluster name from a name or cluster ARN (NULL or "" = "default").
 * Returns false when an ARN is malformed or of another region/account. */
bool arn_parse_cluster(const struct berth_config *c, const char *ref, char *name, size_t len);
/* Task id from an id or task ARN (new form .../task/CLUSTER/ID or old
 * form .../task/ID); *cluster_out set when the ARN names one. */
bool arn_parse_task(const struct berth_config *c, const char *ref, char *id, size_t len,
		    char *cluster, size_t cluster_len);

#endif
