/* logs_groups.c: CreateLogGroup, DeleteLogGroup, DescribeLogGroups,
 * PutRetentionPolicy, DeleteRetentionPolicy over the log store. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/cleanup.h"
#include "common/ids.h"
#include "logs_common.h"
#include "runner/daemon.h"
#include "runner/logstore.h"

LOGS_HANDLER(logs_create_log_group)
{
	struct berth_err err = { 0 };
	char group[LOGS_GROUP_BUF];
	const char *kms = NULL;

	if (logs_req_group(req, false, group, sizeof(group), e) < 0 ||
	    api_opt_string(req, "kmsKeyId", &kms, e) < 0)
		return -1;
	if (kms)
		return api_invalid_param(e, "kmsKeyId: berth stores logs on the local disk and "
					    "does not encrypt them with KMS keys");
	if (logstore_group_create(d->logs, group, time_now_ms(), &err) < 0)
		return logs_store_error(e, &err);
	*resp = cJSON_CreateObject();
	return 0;
}

LOGS_HANDLER(logs_delete_log_group)
{
	struct berth_err err = { 0 };
	char group[LOGS_GROUP_BUF];

	if (logs_req_group(req, false, group, sizeof(group), e) < 0)
		return -1;
	if (logstore_group_delete(d->logs, group, &err) < 0)
		return logs_store_error(e, &err);
	*resp = cJSON_CreateObject();
	return 0;
}

static cJSON *group_doc(struct berth_daemon *d, const char *name,
			const struct logstore_group_info *gi)
{
	cJSON *g = cJSON_CreateObject();
	char arn[700];

	logs_group_arn(d, name, arn, sizeof(arn));
	strncat(arn, ":*", sizeof(arn) - strlen(arn) - 1);
	cJSON_AddStringToObject(g, "logGroupName", name);
	cJSON_AddNumberToObject(g, "creationTime", (double)gi->creation_ms);
	if (gi->retention_days > 0)
		cJSON_AddNumberToObject(g, "retentionInDays", gi->retention_days);
	cJSON_AddNumberToObject(g, "metricFilterCount", 0);
	cJSON_AddStringToObject(g, "arn", arn);
	cJSON_AddNumberToObject(g, "storedBytes", (double)gi->stored_bytes);
	return g;
}

struct group_query {
	const char *prefix, *pattern, *after;
	long long limit;
};

static int group_query_read(const cJSON *req, struct group_query *q, struct api_error *e)
{
	const char *token = NULL;

	q->limit = LOGS_DESCRIBE_LIMIT_MAX;
	if (api_opt_string(req, "logGroupNamePrefix", &q->prefix, e) < 0 ||
	    api_opt_string(req, "logGroupNamePattern", &q->pattern, e) < 0 ||
	    api_opt_string(req, "nextToken", &token, e) < 0 ||
	    api_opt_int(req, "limit", 1, LOGS_DESCRIBE_LIMIT_MAX, &q->limit, NULL, e) < 0)
		return -1;
	if (q->prefix && q->pattern)
		return api_invalid_param(e, "LogGroup name prefix and LogGroup name pattern are "
					    "mutually exclusive parameters.");
	if (token && strncmp(token, "g/", 2) != 0)
		return api_invalid_param(e, "The specified nextToken is invalid.");
	q->after = token ? token + 2 : NULL;
	return 0;
}

static bool group_selected(const struct group_query *q, const char *name)
{
	if (q->after && strcmp(name, q->after) <= 0)
		return false;
	if (q->prefix && strncmp(name, q->prefix, strlen(q->prefix)) != 0)
		return false;
	if (q->pattern && strcasestr(name, q->pattern) == NULL)
		return false;
	return true;
}

LOGS_HANDLER(logs_describe_log_groups)
{
	struct berth_err err = { 0 };
	cleanup_strv char **names = NULL;
	struct group_query q = { 0 };
	cJSON *arr;
	long long n = 0;
	size_t i;

	if (group_query_read(req, &q, e) < 0)
		return -1;
	if (logstore_group_list(d->logs, &names, &err) < 0)
		return logs_store_error(e, &err);
	*resp = cJSON_CreateObject();
	arr = cJSON_AddArrayToObject(*resp, "logGroups");
	for (i = 0; names[i]; i++) {
		struct logstore_group_info gi;
		if (!group_selected(&q, names[i]))
			continue;
		if (n == q.limit)
			break;
		if (logstore_group_get(d->logs, names[i], &gi, &err) < 0)
			continue; /* deleted meanwhile */
		cJSON_AddItemToArray(arr, group_doc(d, names[i], &gi));
		n++;
	}
	if (names[i] && n > 0) {
		cleanup_free char *token = NULL;
		const cJSON *last = cJSON_GetArrayItem(arr, (int)n - 1);
		const char *name = cJSON_GetObjectItemCaseSensitive(last, "logGroupName")->valuestring;
		if (asprintf(&token, "g/%s", name) >= 0)
			cJSON_AddStringToObject(*resp, "nextToken", token);
	}
	return 0;
}

static bool retention_days_valid(long long days)
{
	static const int allowed[] = { 1,   3,   5,   7,   14,   30,   60,   90,   120,  150, 180,
				       365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653 };

	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
		if (allowed[i] == days)
			return true;
	return false;
}

LOGS_HANDLER(logs_put_retention_policy)
{
	struct berth_err err = { 0 };
	char group[LOGS_GROUP_BUF];
	long long days = 0;
	bool present = false;
	uint64_t trimmed = 0;

	if (logs_req_group(req, false, group, sizeof(group), e) < 0 ||
	    api_opt_int(req, "retentionInDays", 0, 100000, &days, &present, e) < 0)
		return -1;
	if (!present || !retention_days_valid(days))
		return api_invalid_param(e, "1 validation error detected: Value '%lld' at "
					    "'retentionInDays' failed to satisfy constraint: Member "
					    "must satisfy enum value set: [1, 3, 5, 7, 14, 30, 60, 90, "
					    "120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, "
					    "2557, 2922, 3288, 3653]",
					 days);
	if (logstore_group_set_retention(d->logs, group, (int)days, &err) < 0)
		return logs_store_error(e, &err);
	/* A new policy applies at once, not at the next sweep. */
	if (logstore_group_apply_retention(d->logs, group, time_now_ms(),
					   d->cfg.log_stream_max_mib << 20, &trimmed, &err) < 0)
		return logs_store_error(e, &err);
	*resp = cJSON_CreateObject();
	return 0;
}

LOGS_HANDLER(logs_delete_retention_policy)
{
	struct berth_err err = { 0 };
	char group[LOGS_GROUP_BUF];

	if (logs_req_group(req, false, group, sizeof(group), e) < 0)
		return -1;
	if (logstore_group_set_retention(d->logs, group, 0, &err) < 0)
		return logs_store_error(e, &err);
	*resp = cJSON_CreateObject();
	return 0;
}
