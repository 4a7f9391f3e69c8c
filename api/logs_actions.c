/* logs_actions.c: the CloudWatch Logs action table (Logs_20140328.*). */
#include "logs_common.h"

const struct api_action logs_actions[] = {
	{ "CreateLogGroup", logs_create_log_group },
	{ "DeleteLogGroup", logs_delete_log_group },
	{ "DescribeLogGroups", logs_describe_log_groups },
	{ "PutRetentionPolicy", logs_put_retention_policy },
	{ "DeleteRetentionPolicy", logs_delete_retention_policy },
	{ "CreateLogStream", logs_create_log_stream },
	{ "DeleteLogStream", logs_delete_log_stream },
	{ "DescribeLogStreams", logs_describe_log_streams },
	{ "PutLogEvents", logs_put_log_events },
	{ "GetLogEvents", logs_get_log_events },
	{ "FilterLogEvents", logs_filter_log_events },
	{ NULL, NULL },
};
