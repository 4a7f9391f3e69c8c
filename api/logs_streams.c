/* logs_streams.c: CreateLogStream, DeleteLogStream, DescribeLogStreams
 * (prefix, orderBy LogStreamName or LastEventTime, descending, paging). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/ids.h"
#include "logs_common.h"
#include "runner/daemon.h"
#include "runner/logstore.h"

static int req_group_stream(const cJSON *req, char *group, const char **stream,
			    struct api_error *e)
{
	if (logs_req_group(req, false, group, LOGS_GROUP_BUF, e) < 0)
		return -1;
	return logs_req_string(req, "logStreamName", stream, e);
}

LOGS_HANDLER(logs_create_log_stream)
{
	struct berth_err err = { 0 };
	char group[LOGS_GROUP_BUF];
	const char *stream;

	if (req_group_stream(req, group, &stream, e) < 0)
		return -1;
	if (logstore_stream_create(d->logs, group, stream, time_now_ms(), &err) < 0)
		return logs_store_error(e, &err);
	*resp = cJSON_CreateObject();
	return 0;
}

LOGS_HANDLER(logs_delete_log_stream)
{
	struct berth_err err = { 0 };
	char group[LOGS_GROUP_BUF];
	const char *stream;

	if (req_group_stream(req, group, &stream, e) < 0)
		return -1;
	if (logstore_stream_delete(d->logs, group, stream, &err) < 0)
		return logs_store_error(e, &err);
	*resp = cJSON_CreateObject();
	return 0;
}

struct stream_row {
	char *name;
	struct logstore_stream_info info;
};

struct stream_query {
	const char *prefix;
	bool by_last_event, descending;
	long long limit, start;
};

static int stream_query_read(const cJSON *req, struct stream_query *q, struct api_error *e)
{
	const char *order = NULL, *token = NULL;
	char *end;

	q->limit = LOGS_DESCRIBE_LIMIT_MAX;
	if (api_opt_string(req, "logStreamNamePrefix", &q->prefix, e) < 0 ||
	    api_opt_string(req, "orderBy", &order, e) < 0 ||
	    api_opt_bool(req, "descending", &q->descending, e) < 0 ||
	    api_opt_string(req, "nextToken", &token, e) < 0 ||
	    api_opt_int(req, "limit", 1, LOGS_DESCRIBE_LIMIT_MAX, &q->limit, NULL, e) < 0)
		return -1;
	if (order && strcmp(order, "LastEventTime") == 0)
		q->by_last_event = true;
	else if (order && strcmp(order, "LogStreamName") != 0)
		return api_invalid_param(e, "1 validation error detected: Value '%s' at 'orderBy' "
					    "failed to satisfy constraint: Member must satisfy enum "
					    "value set: [LogStreamName, LastEventTime]",
					 order);
	if (q->by_last_event && q->prefix)
		return api_invalid_param(e, "Cannot order by LastEventTime with a "
					    "logStreamNamePrefix.");
	if (token) {
		if (strncmp(token, "s/", 2) != 0 ||
		    (q->start = strtoll(token + 2, &end, 10)) < 0 || *end != '\0')
			return api_invalid_param(e, "The specified nextToken is invalid.");
	}
	return 0;
}

static int64_t last_event_of(const struct stream_row *r)
{
	return r->info.has_events ? r->info.last_ts : r->info.creation_ms;
}

static int cmp_last_event(const void *a, const void *b)
{
	const struct stream_row *x = a, *y = b;
	int64_t tx = last_event_of(x), ty = last_event_of(y);

	if (tx != ty)
		return tx < ty ? -1 : 1;
	return strcmp(x->name, y->name);
}

static cJSON *stream_doc(struct berth_daemon *d, const char *group, const struct stream_row *r)
{
	cJSON *s = cJSON_CreateObject();
	char arn[1200];

	logs_stream_arn(d, group, r->name, arn, sizeof(arn));
	cJSON_AddStringToObject(s, "logStreamName", r->name);
	cJSON_AddNumberToObject(s, "creationTime", (double)r->info.creation_ms);
	if (r->info.has_events) {
		cJSON_AddNumberToObject(s, "firstEventTimestamp", (double)r->info.first_ts);
		cJSON_AddNumberToObject(s, "lastEventTimestamp", (double)r->info.last_ts);
		cJSON_AddNumberToObject(s, "lastIngestionTime", (double)r->info.last_ingest);
	}
	cJSON_AddStringToObject(s, "uploadSequenceToken", "1");
	cJSON_AddStringToObject(s, "arn", arn);
	cJSON_AddNumberToObject(s, "storedBytes", (double)r->info.stored_bytes);
	return s;
}

/* The selected streams, with their facts, in the order asked for. */
static struct stream_row *stream_rows(struct berth_daemon *d, const char *group,
				      const struct stream_query *q, size_t *n,
				      struct api_error *e)
{
	struct berth_err err = { 0 };
	cleanup_strv char **names = NULL;
	struct stream_row *rows;
	size_t count = 0, i;

	if (logstore_stream_list(d->logs, group, &names, &err) < 0) {
		logs_store_error(e, &err);
		return NULL;
	}
	for (i = 0; names[i]; i++)
		;
	rows = calloc(i + 1, sizeof(*rows));
	if (rows == NULL) {
		api_server_error(e, "out of memory");
		return NULL;
	}
	for (i = 0; names[i]; i++) {
		if (q->prefix && strncmp(names[i], q->prefix, strlen(q->prefix)) != 0)
			continue;
		if (logstore_stream_get(d->logs, group, names[i], &rows[count].info, &err) < 0)
			continue; /* deleted meanwhile */
		rows[count].name = strdup(names[i]);
		if (rows[count].name)
			count++;
	}
	if (q->by_last_event)
		qsort(rows, count, sizeof(*rows), cmp_last_event);
	*n = count;
	return rows;
}

static void stream_rows_free(struct stream_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(rows[i].name);
	free(rows);
}

LOGS_HANDLER(logs_describe_log_streams)
{
	char group[LOGS_GROUP_BUF];
	struct stream_query q = { 0 };
	struct stream_row *rows;
	size_t n = 0;
	long long i, taken = 0;
	cJSON *arr;

	if (logs_req_group(req, true, group, sizeof(group), e) < 0 ||
	    stream_query_read(req, &q, e) < 0)
		return -1;
	rows = stream_rows(d, group, &q, &n, e);
	if (rows == NULL)
		return -1;
	*resp = cJSON_CreateObject();
	arr = cJSON_AddArrayToObject(*resp, "logStreams");
	for (i = q.start; i < (long long)n && taken < q.limit; i++, taken++) {
		size_t k = q.descending ? n - 1 - (size_t)i : (size_t)i;
		cJSON_AddItemToArray(arr, stream_doc(d, group, &rows[k]));
	}
	if (i < (long long)n) {
		char token[32];
		snprintf(token, sizeof(token), "s/%lld", i);
		cJSON_AddStringToObject(*resp, "nextToken", token);
	}
	stream_rows_free(rows, n);
	return 0;
}
