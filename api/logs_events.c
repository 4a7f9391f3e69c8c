/* logs_events.c: PutLogEvents and GetLogEvents.
 *
 * PutLogEvents checks a batch as the service does (at most 10,000
 * events and 1 MiB counting 26 bytes per event, chronological, within
 * 24 hours), sets aside the events that are too new (more than 2 hours
 * ahead), too old (14 days) or past the group's retention, and appends
 * the rest as one batch.  GetLogEvents reads a stream from either end;
 * its tokens are positions in the stream ("f/OFFSET" reads on from a
 * record, "b/OFFSET" reads back from one), so paging is exact and a
 * forward token at the end keeps returning itself until new events come. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/ids.h"
#include "logs_common.h"
#include "runner/daemon.h"
#include "runner/logstore.h"

#define HOUR_MS (3600LL * 1000)

struct put_batch {
	struct logstore_rec *recs;
	size_t n;
	long long too_new_start, too_old_end, expired_end; /* -1: none */
};

static int put_event_read(const cJSON *ev, struct logstore_rec *rec, struct api_error *e)
{
	const cJSON *ts = cJSON_GetObjectItemCaseSensitive(ev, "timestamp");
	const cJSON *msg = cJSON_GetObjectItemCaseSensitive(ev, "message");

	if (!cJSON_IsObject(ev) || !cJSON_IsNumber(ts) || !cJSON_IsString(msg))
		return api_invalid_param(e, "logEvents: each event needs a timestamp and a message");
	rec->ts = (int64_t)ts->valuedouble;
	rec->msg = msg->valuestring;
	rec->len = strlen(msg->valuestring);
	if (rec->len == 0)
		return api_invalid_param(e, "logEvents: Member message must have length greater "
					    "than or equal to 1");
	if (rec->len > LOGSTORE_MSG_MAX)
		return api_invalid_param(e, "Log event too large: %zu bytes exceeds limit of %d",
					 rec->len, LOGSTORE_MSG_MAX);
	return 0;
}

static int put_batch_read(const cJSON *events, struct put_batch *b, struct api_error *e)
{
	size_t bytes = 0, i = 0;
	int n = cJSON_GetArraySize(events);
	const cJSON *ev;

	if (n < 1 || n > LOGS_BATCH_EVENTS_MAX)
		return api_invalid_param(e, "logEvents: Member must have length between 1 and %d",
					 LOGS_BATCH_EVENTS_MAX);
	b->recs = calloc((size_t)n, sizeof(*b->recs));
	if (b->recs == NULL)
		return api_server_error(e, "out of memory");
	cJSON_ArrayForEach(ev, events) {
		if (put_event_read(ev, &b->recs[i], e) < 0)
			return -1;
		if (i > 0 && b->recs[i].ts < b->recs[i - 1].ts)
			return api_invalid_param(e, "Log events in a single PutLogEvents request must "
						    "be in chronological order.");
		bytes += b->recs[i].len + LOGS_EVENT_OVERHEAD;
		i++;
	}
	b->n = i;
	if (bytes > LOGS_BATCH_BYTES_MAX)
		return api_invalid_param(e, "Upload too large: %zu bytes exceeds limit of %d", bytes,
					 LOGS_BATCH_BYTES_MAX);
	if (b->recs[b->n - 1].ts - b->recs[0].ts > LOGS_BATCH_SPAN_MS)
		return api_invalid_param(e, "The batch of log events in a single PutLogEvents "
					    "request cannot span more than 24 hours.");
	return 0;
}

/* Mark the events the service would reject; the batch is chronological,
 * so the rejected ones sit at either end. */
static void put_batch_classify(struct put_batch *b, int64_t now, int retention_days)
{
	b->too_new_start = b->too_old_end = b->expired_end = -1;
	for (size_t i = 0; i < b->n; i++) {
		int64_t ts = b->recs[i].ts;
		if (ts > now + 2 * HOUR_MS) {
			b->too_new_start = (long long)i;
			break;
		}
		if (ts < now - 14 * LOGS_DAY_MS)
			b->too_old_end = (long long)i;
		if (retention_days > 0 && ts < now - retention_days * LOGS_DAY_MS)
			b->expired_end = (long long)i;
	}
}

static void add_rejected(cJSON *resp, const struct put_batch *b)
{
	cJSON *r;

	if (b->too_new_start < 0 && b->too_old_end < 0 && b->expired_end < 0)
		return;
	r = cJSON_AddObjectToObject(resp, "rejectedLogEventsInfo");
	if (b->too_new_start >= 0)
		cJSON_AddNumberToObject(r, "tooNewLogEventStartIndex", (double)b->too_new_start);
	if (b->too_old_end >= 0)
		cJSON_AddNumberToObject(r, "tooOldLogEventEndIndex", (double)b->too_old_end);
	if (b->expired_end >= 0)
		cJSON_AddNumberToObject(r, "expiredLogEventEndIndex", (double)b->expired_end);
}

static int put_append(struct berth_daemon *d, const char *group, const char *stream,
		      const struct put_batch *b, int64_t now, struct api_error *e)
{
	struct berth_err err = { 0 };
	long long first = b->too_old_end, last = b->expired_end;
	size_t from, to;
	struct logstore_writer *w;
	int rc;

	from = (size_t)((first > last ? first : last) + 1);
	to = b->too_new_start >= 0 ? (size_t)b->too_new_start : b->n;
	if (from >= to)
		return 0;
	w = logstore_writer_open(d->logs, group, stream, &err);
	if (w == NULL)
		return logs_store_error(e, &err);
	rc = logstore_writer_append(w, b->recs + from, to - from, now, &err);
	if (rc == 0)
		rc = logstore_writer_sync(w, &err);
	logstore_writer_close(w);
	return rc < 0 ? logs_store_error(e, &err) : 0;
}

LOGS_HANDLER(logs_put_log_events)
{
	struct berth_err err = { 0 };
	char group[LOGS_GROUP_BUF];
	const char *stream;
	const cJSON *events = cJSON_GetObjectItemCaseSensitive(req, "logEvents");
	struct logstore_group_info gi;
	struct put_batch b = { 0 };
	int64_t now = time_now_ms();
	int rc = -1;

	if (logs_req_group(req, false, group, sizeof(group), e) < 0 ||
	    logs_req_string(req, "logStreamName", &stream, e) < 0)
		return -1;
	if (!cJSON_IsArray(events))
		return api_invalid_param(e, "logEvents: Member must not be null");
	if (logstore_group_get(d->logs, group, &gi, &err) < 0)
		return logs_store_error(e, &err);
	if (put_batch_read(events, &b, e) < 0)
		goto out;
	put_batch_classify(&b, now, gi.retention_days);
	if (put_append(d, group, stream, &b, now, e) < 0)
		goto out;
	*resp = cJSON_CreateObject();
	cJSON_AddStringToObject(*resp, "nextSequenceToken", "1");
	add_rejected(*resp, &b);
	rc = 0;
out:
	free(b.recs);
	return rc;
}

/* ---- GetLogEvents ---- */

struct get_query {
	int64_t start, end; /* [start, end) */
	long long limit;
	bool from_head, backward;
	uint64_t pos; /* from the token, or 0 / UINT64_MAX */
	bool has_token;
};

struct collect {
	const struct get_query *q;
	cJSON *events; /* in the order read */
	long long n;
	size_t bytes;
	uint64_t resume;    /* forward: offset after the last event taken or skipped */
	uint64_t earliest;  /* backward: offset of the oldest event taken or skipped */
	uint64_t newest_next;
	bool any;
};

static int parse_token(const char *token, struct get_query *q, struct api_error *e)
{
	char *end;
	unsigned long long off;

	if ((token[0] != 'f' && token[0] != 'b') || token[1] != '/' || token[2] == '\0')
		return api_invalid_param(e, "The specified nextToken is invalid.");
	errno = 0;
	off = strtoull(token + 2, &end, 10);
	if (*end != '\0' || errno != 0)
		return api_invalid_param(e, "The specified nextToken is invalid.");
	q->backward = token[0] == 'b';
	q->pos = off;
	q->has_token = true;
	return 0;
}

static int get_query_read(const cJSON *req, struct get_query *q, struct api_error *e)
{
	const char *token = NULL;
	long long start = 0, end = INT64_MAX;

	q->limit = LOGS_BATCH_EVENTS_MAX;
	if (api_opt_int(req, "startTime", 0, INT64_MAX, &start, NULL, e) < 0 ||
	    api_opt_int(req, "endTime", 0, INT64_MAX, &end, NULL, e) < 0 ||
	    api_opt_int(req, "limit", 1, LOGS_BATCH_EVENTS_MAX, &q->limit, NULL, e) < 0 ||
	    api_opt_bool(req, "startFromHead", &q->from_head, e) < 0 ||
	    api_opt_string(req, "nextToken", &token, e) < 0)
		return -1;
	q->start = start;
	q->end = end;
	if (token)
		return parse_token(token, q, e);
	q->backward = !q->from_head;
	q->pos = q->backward ? UINT64_MAX : 0;
	return 0;
}

static cJSON *output_event(const struct logstore_event *ev)
{
	cJSON *o = cJSON_CreateObject();
	char *msg = strndup(ev->msg, ev->len);

	cJSON_AddNumberToObject(o, "timestamp", (double)ev->ts);
	cJSON_AddStringToObject(o, "message", msg ? msg : "");
	cJSON_AddNumberToObject(o, "ingestionTime", (double)ev->ingest);
	free(msg);
	return o;
}

/* Take the event if it is in the window; 1 when the page is full. */
static int take(struct collect *c, const struct logstore_event *ev)
{
	if (ev->ts < c->q->start || ev->ts >= c->q->end)
		return 0;
	if (c->n > 0 && c->bytes + ev->len + LOGS_EVENT_OVERHEAD > LOGS_RESPONSE_BYTES_MAX)
		return 1;
	cJSON_AddItemToArray(c->events, output_event(ev));
	c->n++;
	c->bytes += ev->len + LOGS_EVENT_OVERHEAD;
	return 2;
}

static int forward_cb(void *arg, const struct logstore_event *ev)
{
	struct collect *c = arg;
	int t = take(c, ev);

	if (t == 1)
		return 1; /* not taken: resume at it */
	c->resume = ev->next;
	return c->n >= c->q->limit ? 1 : 0;
}

static int backward_cb(void *arg, const struct logstore_event *ev)
{
	struct collect *c = arg;
	int t;

	if (!c->any) {
		c->any = true;
		c->newest_next = ev->next;
	}
	t = take(c, ev);
	if (t == 1)
		return 1; /* not taken: the next page starts after it */
	c->earliest = ev->off;
	return c->n >= c->q->limit ? 1 : 0;
}

/* Reverse an array in place (backward reads collect newest first). */
static cJSON *reversed(cJSON *arr)
{
	cJSON *out = cJSON_CreateArray();
	cJSON *it;

	while ((it = cJSON_DetachItemFromArray(arr, cJSON_GetArraySize(arr) - 1)))
		cJSON_AddItemToArray(out, it);
	cJSON_Delete(arr);
	return out;
}

static void add_token(cJSON *resp, const char *key, char dir, uint64_t off)
{
	char token[32];

	snprintf(token, sizeof(token), "%c/%020" PRIu64, dir, off);
	cJSON_AddStringToObject(resp, key, token);
}

static int get_forward(struct berth_daemon *d, const char *group, const char *stream,
		       const struct get_query *q, cJSON *resp, struct api_error *e)
{
	struct berth_err err = { 0 };
	struct collect c = { .q = q, .events = cJSON_CreateArray(), .resume = q->pos };

	if (logstore_read_forward(d->logs, group, stream, q->pos, forward_cb, &c, NULL, &err) < 0) {
		cJSON_Delete(c.events);
		return logs_store_error(e, &err);
	}
	cJSON_AddItemToObject(resp, "events", c.events);
	add_token(resp, "nextForwardToken", 'f', c.resume);
	add_token(resp, "nextBackwardToken", 'b', q->pos);
	return 0;
}

static int get_backward(struct berth_daemon *d, const char *group, const char *stream,
			const struct get_query *q, cJSON *resp, struct api_error *e)
{
	struct berth_err err = { 0 };
	uint64_t at = q->pos == UINT64_MAX ? 0 : q->pos;
	struct collect c = { .q = q, .events = cJSON_CreateArray(), .earliest = at };
	uint64_t fwd;

	if (logstore_read_backward(d->logs, group, stream, q->pos, backward_cb, &c, &err) < 0) {
		cJSON_Delete(c.events);
		return logs_store_error(e, &err);
	}
	fwd = c.any ? c.newest_next : at;
	cJSON_AddItemToObject(resp, "events", reversed(c.events));
	add_token(resp, "nextForwardToken", 'f', fwd);
	add_token(resp, "nextBackwardToken", 'b', c.earliest);
	return 0;
}

LOGS_HANDLER(logs_get_log_events)
{
	char group[LOGS_GROUP_BUF];
	const char *stream;
	struct get_query q = { 0 };
	int rc;

	if (logs_req_group(req, true, group, sizeof(group), e) < 0 ||
	    logs_req_string(req, "logStreamName", &stream, e) < 0 || get_query_read(req, &q, e) < 0)
		return -1;
	*resp = cJSON_CreateObject();
	rc = q.backward ? get_backward(d, group, stream, &q, *resp, e)
			: get_forward(d, group, stream, &q, *resp, e);
	if (rc < 0) {
		cJSON_Delete(*resp);
		*resp = NULL;
	}
	return rc;
}
