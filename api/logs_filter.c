/* logs_filter.c: FilterLogEvents: the events of a group's streams (all,
 * named, or by prefix) in a time window that match a filter pattern,
 * interleaved by time.
 *
 * Every selected stream is read from its start; matches are kept in a
 * candidate set that is cut back to the page size whenever it grows to
 * twice that, so memory stays bounded by the page whatever the streams
 * hold, and the page is exact even where a stream is not chronological.
 * Events are ordered by (timestamp, stream name, offset); the nextToken
 * is the key of the last event returned and the next page starts after
 * it, so events appended meanwhile are not skipped. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "logs_common.h"
#include "logs_pattern.h"
#include "runner/daemon.h"
#include "runner/logstore.h"

#define STREAM_NAMES_MAX 100

struct key {
	int64_t ts;
	const char *stream;
	uint64_t off;
};

struct candidate {
	struct key k;
	int64_t ingest;
	char *msg;
	size_t len;
};

struct filter {
	struct logs_pattern *pattern;
	int64_t start, end;
	long long limit;
	bool has_after;
	struct key after; /* the token's key: only later events */
	char *after_stream;

	struct candidate *c;
	size_t n, cap;
	bool truncated;
	const char *stream; /* the one being read */
};

static int key_cmp(const struct key *a, const struct key *b)
{
	int s;

	if (a->ts != b->ts)
		return a->ts < b->ts ? -1 : 1;
	s = strcmp(a->stream, b->stream);
	if (s != 0)
		return s;
	return a->off < b->off ? -1 : a->off > b->off;
}

static int candidate_cmp(const void *a, const void *b)
{
	return key_cmp(&((const struct candidate *)a)->k, &((const struct candidate *)b)->k);
}

/* Sort and keep the first page's worth (by count and response bytes). */
static void cut_back(struct filter *f)
{
	size_t keep = 0, bytes = 0;

	qsort(f->c, f->n, sizeof(*f->c), candidate_cmp);
	while (keep < f->n && (long long)keep < f->limit &&
	       (keep == 0 || bytes + f->c[keep].len + LOGS_EVENT_OVERHEAD <= LOGS_RESPONSE_BYTES_MAX)) {
		bytes += f->c[keep].len + LOGS_EVENT_OVERHEAD;
		keep++;
	}
	for (size_t i = keep; i < f->n; i++)
		free(f->c[i].msg);
	if (keep < f->n)
		f->truncated = true;
	f->n = keep;
}

static int add_candidate(struct filter *f, const struct logstore_event *ev, struct berth_err *err)
{
	struct candidate *c;

	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 64;
		struct candidate *nc = realloc(f->c, cap * sizeof(*nc));
		if (nc == NULL)
			return berth_err_set(err, ENOMEM, "filter candidates");
		f->c = nc;
		f->cap = cap;
	}
	c = &f->c[f->n];
	c->msg = strndup(ev->msg, ev->len);
	if (c->msg == NULL)
		return berth_err_set(err, ENOMEM, "filter candidate");
	c->k = (struct key){ ev->ts, f->stream, ev->off };
	c->ingest = ev->ingest;
	c->len = ev->len;
	f->n++;
	if ((long long)f->n >= 2 * f->limit)
		cut_back(f);
	return 0;
}

static int filter_cb(void *arg, const struct logstore_event *ev)
{
	struct filter *f = arg;
	struct berth_err err = { 0 };
	struct key k = { ev->ts, f->stream, ev->off };

	if (ev->ts < f->start || ev->ts >= f->end)
		return 0;
	if (f->has_after && key_cmp(&k, &f->after) <= 0)
		return 0;
	if (!logs_pattern_match(f->pattern, ev->msg, ev->len))
		return 0;
	return add_candidate(f, ev, &err) < 0 ? -1 : 0;
}

static int parse_after(struct filter *f, const char *token, struct api_error *e)
{
	long long ts;
	unsigned long long off;
	int used = 0;

	if (sscanf(token, "e/%lld/%llu/%n", &ts, &off, &used) != 2 || used == 0)
		return api_invalid_param(e, "The specified nextToken is invalid.");
	f->after_stream = strdup(token + used);
	if (f->after_stream == NULL)
		return api_server_error(e, "out of memory");
	f->after = (struct key){ ts, f->after_stream, off };
	f->has_after = true;
	return 0;
}

static int filter_read(const cJSON *req, struct filter *f, struct api_error *e)
{
	struct berth_err err = { 0 };
	const char *pattern = NULL, *token = NULL;
	long long start = 0, end = INT64_MAX;

	f->limit = LOGS_BATCH_EVENTS_MAX;
	if (api_opt_int(req, "startTime", 0, INT64_MAX, &start, NULL, e) < 0 ||
	    api_opt_int(req, "endTime", 0, INT64_MAX, &end, NULL, e) < 0 ||
	    api_opt_int(req, "limit", 1, LOGS_BATCH_EVENTS_MAX, &f->limit, NULL, e) < 0 ||
	    api_opt_string(req, "filterPattern", &pattern, e) < 0 ||
	    api_opt_string(req, "nextToken", &token, e) < 0)
		return -1;
	f->start = start;
	f->end = end;
	f->pattern = logs_pattern_compile(pattern ? pattern : "", &err);
	if (f->pattern == NULL)
		return api_invalid_param(e, "Invalid filter pattern: %s", err.msg);
	return token ? parse_after(f, token, e) : 0;
}

static bool strv_has(char *const *v, const char *s)
{
	for (; *v; v++)
		if (strcmp(*v, s) == 0)
			return true;
	return false;
}

/* The streams to search, sorted by name. */
static int selected_streams(struct berth_daemon *d, const char *group, const cJSON *req,
			    char ***out, struct api_error *e)
{
	struct berth_err err = { 0 };
	cleanup_strv char **want = NULL;
	const char *prefix = NULL;
	char **names = NULL;
	size_t keep = 0;
	int rc;

	if ((rc = json_get_strv(req, "logStreamNames", &want, &err)) < 0)
		return api_invalid_param(e, "logStreamNames: %s", err.msg);
	if (api_opt_string(req, "logStreamNamePrefix", &prefix, e) < 0)
		return -1;
	if (want && prefix)
		return api_invalid_param(e, "logStreamNames and logStreamNamePrefix are mutually "
					    "exclusive parameters.");
	if (want && (want[0] == NULL || berth_strv_len(want) > STREAM_NAMES_MAX))
		return api_invalid_param(e, "logStreamNames: Member must have length between 1 "
					    "and %d", STREAM_NAMES_MAX);
	if (logstore_stream_list(d->logs, group, &names, &err) < 0)
		return logs_store_error(e, &err);
	for (size_t i = 0; names[i]; i++) {
		bool ok = prefix ? strncmp(names[i], prefix, strlen(prefix)) == 0
				 : want == NULL || strv_has(want, names[i]);
		if (ok)
			names[keep++] = names[i];
		else
			free(names[i]);
	}
	names[keep] = NULL;
	*out = names;
	return 0;
}

static cJSON *filtered_event(const struct candidate *c)
{
	cJSON *o = cJSON_CreateObject();
	char id[64];

	snprintf(id, sizeof(id), "%020" PRId64 "%08lx%016" PRIx64, c->k.ts,
		 crc32(0, (const unsigned char *)c->k.stream, (unsigned)strlen(c->k.stream)),
		 c->k.off);
	cJSON_AddStringToObject(o, "logStreamName", c->k.stream);
	cJSON_AddNumberToObject(o, "timestamp", (double)c->k.ts);
	cJSON_AddStringToObject(o, "message", c->msg);
	cJSON_AddNumberToObject(o, "ingestionTime", (double)c->ingest);
	cJSON_AddStringToObject(o, "eventId", id);
	return o;
}

static void filter_respond(struct filter *f, char **streams, cJSON *resp)
{
	cJSON *events = cJSON_AddArrayToObject(resp, "events");
	cJSON *searched = cJSON_AddArrayToObject(resp, "searchedLogStreams");

	cut_back(f);
	for (size_t i = 0; i < f->n; i++)
		cJSON_AddItemToArray(events, filtered_event(&f->c[i]));
	for (size_t i = 0; streams[i]; i++) {
		cJSON *s = cJSON_CreateObject();
		cJSON_AddStringToObject(s, "logStreamName", streams[i]);
		cJSON_AddBoolToObject(s, "searchedCompletely", !f->truncated);
		cJSON_AddItemToArray(searched, s);
	}
	if (f->truncated && f->n > 0) {
		const struct key *k = &f->c[f->n - 1].k;
		cleanup_free char *token = NULL;
		if (asprintf(&token, "e/%" PRId64 "/%" PRIu64 "/%s", k->ts, k->off, k->stream) >= 0)
			cJSON_AddStringToObject(resp, "nextToken", token);
	}
}

static void filter_free(struct filter *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->c[i].msg);
	free(f->c);
	free(f->after_stream);
	logs_pattern_free(f->pattern);
}

LOGS_HANDLER(logs_filter_log_events)
{
	struct berth_err err = { 0 };
	char group[LOGS_GROUP_BUF];
	cleanup_strv char **streams = NULL;
	struct filter f = { 0 };
	int rc = -1;

	if (logs_req_group(req, true, group, sizeof(group), e) < 0 || filter_read(req, &f, e) < 0 ||
	    selected_streams(d, group, req, &streams, e) < 0)
		goto out;
	for (size_t i = 0; streams[i]; i++) {
		f.stream = streams[i];
		if (logstore_read_forward(d->logs, group, streams[i], 0, filter_cb, &f, NULL, &err) < 0 &&
		    err.code != ENOENT) {
			logs_store_error(e, &err);
			goto out;
		}
	}
	*resp = cJSON_CreateObject();
	filter_respond(&f, streams, *resp);
	rc = 0;
out:
	filter_free(&f);
	return rc;
}
