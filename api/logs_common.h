/* logs_common.h: what the CloudWatch Logs handlers share: the handler
 * declarations, reading the group and stream a request names, mapping
 * log store errors to the service's error types, and ARNs. */
#ifndef BERTH_API_LOGS_COMMON_H
#define BERTH_API_LOGS_COMMON_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api_error.h"
#include "api_params.h"
#include "common/error.h"
#include "router.h"

struct berth_daemon;

#define LOGS_DESCRIBE_LIMIT_MAX 50      /* DescribeLogGroups, DescribeLogStreams */
#define LOGS_RESPONSE_BYTES_MAX 1048576 /* events in one GetLogEvents/FilterLogEvents answer */

#define LOGS_HANDLER(fn) \
	int fn(struct berth_daemon *d, const cJSON *req, cJSON **resp, struct api_error *e)

LOGS_HANDLER(logs_create_log_group);
LOGS_HANDLER(logs_delete_log_group);
LOGS_HANDLER(logs_describe_log_groups);
LOGS_HANDLER(logs_put_retention_policy);
LOGS_HANDLER(logs_delete_retention_policy);
LOGS_HANDLER(logs_create_log_stream);
LOGS_HANDLER(logs_delete_log_stream);
LOGS_HANDLER(logs_describe_log_streams);
LOGS_HANDLER(logs_put_log_events);
LOGS_HANDLER(logs_get_log_events);
LOGS_HANDLER(logs_filter_log_events);

/* The group of the request into `group` (LOGS_GROUP_BUF bytes):
 * logGroupName, or where the action takes one logGroupIdentifier (a name
 * or a log-group ARN).  Missing: InvalidParameterException. */
#define LOGS_GROUP_BUF 513
int logs_req_group(const cJSON *req, bool identifier_ok, char *group, size_t len,
		   struct api_error *e);
/* A required string member. */
int logs_req_string(const cJSON *req, const char *name, const char **out, struct api_error *e);

/* A log store error as the service reports it (the store words its
 * messages as the service does): ENOENT → ResourceNotFoundException,
 * EEXIST → ResourceAlreadyExistsException, EINVAL →
 * InvalidParameterException, anything else ServiceUnavailableException. */
int logs_store_error(struct api_error *e, const struct berth_err *err);

/* arn:aws:logs:REGION:ACCOUNT:log-group:NAME[:log-stream:STREAM] */
void logs_group_arn(const struct berth_daemon *d, const char *group, char *buf, size_t len);
void logs_stream_arn(const struct berth_daemon *d, const char *group, const char *stream,
		     char *buf, size_t len);

#endif
