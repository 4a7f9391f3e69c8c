/* taskdef_validate.h: RegisterTaskDefinition request validation and
 * normalization, with Fargate's rules.
 *
 * Input: the client's request object (already strictly parsed).
 * Output: a new cJSON object in the TaskDefinition shape of the ECS
 * service model (family, containerDefinitions, cpu, memory as the
 * canonical unit strings "256"/"512", networkMode, requiresCompatibilities,
 * volumes, ...), without the fields the daemon fills on registration
 * (taskDefinitionArn, revision, status, registeredAt, compatibilities).
 * On a violation: -1 with `e` set to HTTP 400 ClientException or
 * InvalidParameterException and a message that names the field, e.g.
 * "Invalid 'cpu' setting for task." or
 * "containerDefinitions[0].privileged: not supported on Fargate". */
#ifndef BERTH_API_TASKDEF_VALIDATE_H
#define BERTH_API_TASKDEF_VALIDATE_H

#include <cjson/cJSON.h>

#include "api_error.h"

/* Check an image reference is well formed: a callback so that api/ does
 * not depend on images/; returns 0 or -1 with a reason in `why`. */
typedef int (*taskdef_image_check)(const char *image, char *why, size_t why_len);

int taskdef_validate(const cJSON *request, taskdef_image_check check_image, cJSON **out,
		     struct api_error *e);

/* Parse a cpu value ("256", "1 vCPU", "0.25 vcpu") into units; memory
 * ("512", "1GB", "1 GB") into MiB.  Return 0 or -1 when malformed. */
int taskdef_parse_cpu(const char *s, long *units);
int taskdef_parse_memory(const char *s, long *mib);

/* Is (cpu units, memory MiB) a valid Fargate task size? */
int taskdef_fargate_size_ok(long cpu, long mem);

#endif
