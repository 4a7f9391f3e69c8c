/* logs_forward.c: the forwarder thread, its checkpoints and batches (see
 * logs_forward.h; the signed client is logs_forward_http.c). */
#include "logs_forward.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/hex.h"
#include "common/json.h"
#include "common/log.h"
#include "logs_forward_internal.h"
#include "runner/logstore.h"

#define IDLE_MS 1000
#define BACKOFF_MIN_MS 1000
#define BACKOFF_MAX_MS 30000
#define PRUNE_EVERY_PASSES 60

struct logs_forwarder {
	struct logstore *ls;
	struct logs_client client;
	char dir[600]; /* STATE/logs/forward */
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop;
};

/* What a stream's checkpoint file holds. */
struct checkpoint {
	char path[700];
	int64_t stream_created; /* the local stream's creationTime it belongs to */
	uint64_t offset;     /* everything before is delivered */
	bool created;        /* the remote group and stream exist */
	bool pending;        /* a batch [offset, pending_end) is in flight */
	uint64_t pending_end;
	int64_t pending_ts;  /* its last event */
	char pending_sha[65];
};

/* ---- checkpoints ---- */

static void checkpoint_load(struct logs_forwarder *f, const char *group, const char *stream,
			    struct checkpoint *cp)
{
	struct berth_err err = { 0 };
	cleanup_free char *key = NULL;
	cleanup_json cJSON *j = NULL;
	char id[65];
	const cJSON *v;

	memset(cp, 0, sizeof(*cp));
	if (asprintf(&key, "%s\n%s", group, stream) < 0)
		return;
	sha256_hex(key, strlen(key), id);
	snprintf(cp->path, sizeof(cp->path), "%s/%s.json", f->dir, id);
	j = json_read_file(cp->path, &err);
	if (j == NULL)
		return;
	if (cJSON_IsNumber(v = cJSON_GetObjectItemCaseSensitive(j, "streamCreated")))
		cp->stream_created = (int64_t)v->valuedouble;
	if (cJSON_IsNumber(v = cJSON_GetObjectItemCaseSensitive(j, "offset")))
		cp->offset = (uint64_t)v->valuedouble;
	cp->created = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "created"));
	if (cJSON_IsNumber(v = cJSON_GetObjectItemCaseSensitive(j, "pendingEnd"))) {
		cp->pending = true;
		cp->pending_end = (uint64_t)v->valuedouble;
		if (cJSON_IsNumber(v = cJSON_GetObjectItemCaseSensitive(j, "pendingTimestamp")))
			cp->pending_ts = (int64_t)v->valuedouble;
		if (cJSON_IsString(v = cJSON_GetObjectItemCaseSensitive(j, "pendingSha256")))
			snprintf(cp->pending_sha, sizeof(cp->pending_sha), "%s", v->valuestring);
	}
}

static int checkpoint_save(const struct checkpoint *cp, const char *group, const char *stream,
			   struct berth_err *err)
{
	cleanup_json cJSON *j = cJSON_CreateObject();

	cJSON_AddStringToObject(j, "group", group);
	cJSON_AddStringToObject(j, "stream", stream);
	cJSON_AddNumberToObject(j, "streamCreated", (double)cp->stream_created);
	cJSON_AddNumberToObject(j, "offset", (double)cp->offset);
	cJSON_AddBoolToObject(j, "created", cp->created);
	if (cp->pending) {
		cJSON_AddNumberToObject(j, "pendingEnd", (double)cp->pending_end);
		cJSON_AddNumberToObject(j, "pendingTimestamp", (double)cp->pending_ts);
		cJSON_AddStringToObject(j, "pendingSha256", cp->pending_sha);
	}
	return json_write_file_atomic(cp->path, j, err);
}

/* ---- batches ---- */

struct batch {
	cJSON *events;
	size_t n, bytes;
	int64_t first_ts, last_ts;
	uint64_t end;
	char last_sha[65];
};

static int batch_cb(void *arg, const struct logstore_event *ev)
{
	struct batch *b = arg;
	cJSON *o;
	char *msg;

	if (b->n == LOGS_BATCH_EVENTS_MAX ||
	    (b->n > 0 && (b->bytes + ev->len + LOGS_EVENT_OVERHEAD > LOGS_BATCH_BYTES_MAX ||
			  ev->ts - b->first_ts > LOGS_BATCH_SPAN_MS || ev->ts < b->last_ts)))
		return 1;
	msg = strndup(ev->msg, ev->len);
	if (msg == NULL)
		return 1;
	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "timestamp", (double)ev->ts);
	cJSON_AddStringToObject(o, "message", msg);
	cJSON_AddItemToArray(b->events, o);
	sha256_hex(ev->msg, ev->len, b->last_sha);
	free(msg);
	if (b->n == 0)
		b->first_ts = ev->ts;
	b->n++;
	b->bytes += ev->len + LOGS_EVENT_OVERHEAD;
	b->last_ts = ev->ts;
	b->end = ev->next;
	return 0;
}

/* ---- remote calls ---- */

static cJSON *group_stream_body(const char *group, const char *stream)
{
	cJSON *b = cJSON_CreateObject();

	cJSON_AddStringToObject(b, "logGroupName", group);
	if (stream)
		cJSON_AddStringToObject(b, "logStreamName", stream);
	return b;
}

/* Call and ignore the answer; `ok_type` is an error that counts as done. */
static int call_simple(struct logs_forwarder *f, const char *action, cJSON *body,
		       const char *ok_type, struct berth_err *err)
{
	cJSON *resp = NULL;
	char type[96];
	int rc = logs_client_call(&f->client, action, body, &resp, type, sizeof(type), err);

	cJSON_Delete(body);
	cJSON_Delete(resp);
	if (rc < 0 && err->code == EREMOTEIO && ok_type && strcmp(type, ok_type) == 0)
		return 0;
	return rc;
}

static int ensure_remote(struct logs_forwarder *f, const char *group, const char *stream,
			 struct berth_err *err)
{
	if (call_simple(f, "CreateLogGroup", group_stream_body(group, NULL),
			"ResourceAlreadyExistsException", err) < 0)
		return -1;
	return call_simple(f, "CreateLogStream", group_stream_body(group, stream),
			   "ResourceAlreadyExistsException", err);
}

/* Did the batch in flight arrive?  The remote stream's last event says. */
static int pending_arrived(struct logs_forwarder *f, const char *group, const char *stream,
			   const struct checkpoint *cp, bool *arrived, struct berth_err *err)
{
	cJSON *body = group_stream_body(group, stream), *resp = NULL;
	const cJSON *ev, *ts, *msg;
	char type[96], sha[65];
	int rc;

	*arrived = false;
	cJSON_AddNumberToObject(body, "limit", 1);
	cJSON_AddBoolToObject(body, "startFromHead", false);
	rc = logs_client_call(&f->client, "GetLogEvents", body, &resp, type, sizeof(type), err);
	cJSON_Delete(body);
	if (rc < 0)
		return err->code == EREMOTEIO && strcmp(type, "ResourceNotFoundException") == 0 ? 0 : -1;
	ev = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(resp, "events"), 0);
	ts = cJSON_GetObjectItemCaseSensitive(ev, "timestamp");
	msg = cJSON_GetObjectItemCaseSensitive(ev, "message");
	if (cJSON_IsNumber(ts) && cJSON_IsString(msg)) {
		sha256_hex(msg->valuestring, strlen(msg->valuestring), sha);
		*arrived = (int64_t)ts->valuedouble == cp->pending_ts && strcmp(sha, cp->pending_sha) == 0;
	}
	cJSON_Delete(resp);
	return 0;
}

static int put_batch(struct logs_forwarder *f, const char *group, const char *stream,
		     struct batch *b, struct berth_err *err)
{
	cJSON *body = group_stream_body(group, stream), *resp = NULL;
	const cJSON *rejected;
	char type[96];
	int rc;

	cJSON_AddItemReferenceToObject(body, "logEvents", b->events);
	rc = logs_client_call(&f->client, "PutLogEvents", body, &resp, type, sizeof(type), err);
	cJSON_Delete(body);
	if (rc == 0 && (rejected = cJSON_GetObjectItemCaseSensitive(resp, "rejectedLogEventsInfo")))
		log_warn("logs forward %s %s: the endpoint rejected some events (too old, too new "
			 "or expired)", group, stream);
	cJSON_Delete(resp);
	if (rc < 0 && err->code == EREMOTEIO && strcmp(type, "ResourceNotFoundException") == 0)
		err->code = ENOENT;
	return rc;
}

/* ---- one stream ---- */

static int resolve_pending(struct logs_forwarder *f, const char *group, const char *stream,
			   struct checkpoint *cp, struct berth_err *err)
{
	bool arrived = false;

	if (!cp->pending)
		return 0;
	if (pending_arrived(f, group, stream, cp, &arrived, err) < 0)
		return -1;
	if (arrived)
		cp->offset = cp->pending_end;
	cp->pending = false;
	return checkpoint_save(cp, group, stream, err);
}

/* Send one batch: 1 when one went, 0 when there was nothing new. */
static int send_next(struct logs_forwarder *f, const char *group, const char *stream,
		     struct checkpoint *cp, struct berth_err *err)
{
	struct batch b = { .events = cJSON_CreateArray() };
	int rc = -1;

	if (logstore_read_forward(f->ls, group, stream, cp->offset, batch_cb, &b, NULL, err) < 0)
		goto out;
	rc = 0;
	if (b.n == 0)
		goto out;
	rc = -1;
	if (!cp->created) {
		if (ensure_remote(f, group, stream, err) < 0)
			goto out;
		cp->created = true;
	}
	cp->pending = true;
	cp->pending_end = b.end;
	cp->pending_ts = b.last_ts;
	memcpy(cp->pending_sha, b.last_sha, sizeof(cp->pending_sha));
	if (checkpoint_save(cp, group, stream, err) < 0)
		goto out;
	if (put_batch(f, group, stream, &b, err) < 0) {
		if (err->code == ENOENT) /* the remote lost it: create again next time */
			cp->created = false;
		goto out;
	}
	cp->offset = b.end;
	cp->pending = false;
	rc = checkpoint_save(cp, group, stream, err) < 0 ? -1 : 1;
out:
	cJSON_Delete(b.events);
	return rc;
}

static bool stopping(struct logs_forwarder *f)
{
	bool s;

	pthread_mutex_lock(&f->lock);
	s = f->stop;
	pthread_mutex_unlock(&f->lock);
	return s;
}

static int forward_stream(struct logs_forwarder *f, const char *group, const char *stream,
			  struct berth_err *err)
{
	struct checkpoint cp;
	struct logstore_stream_info si;
	int rc = 0;

	if (logstore_stream_get(f->ls, group, stream, &si, err) < 0)
		return -1;
	checkpoint_load(f, group, stream, &cp);
	if (cp.stream_created != si.creation_ms) {
		/* A new stream under an old name: its offsets start again. */
		char path[sizeof(cp.path)];
		memcpy(path, cp.path, sizeof(path));
		memset(&cp, 0, sizeof(cp));
		memcpy(cp.path, path, sizeof(path));
		cp.stream_created = si.creation_ms;
	}
	if (resolve_pending(f, group, stream, &cp, err) < 0)
		return -1;
	while (!stopping(f) && (rc = send_next(f, group, stream, &cp, err)) > 0)
		;
	return stopping(f) ? 0 : rc;
}

/* Remove the checkpoints of streams that are gone. */
static void prune_checkpoints(struct logs_forwarder *f)
{
	cleanup_closedir DIR *dir = opendir(f->dir);
	struct dirent *de;

	while (dir && (de = readdir(dir)) != NULL) {
		struct berth_err err = { 0 };
		struct logstore_stream_info si;
		cleanup_json cJSON *j = NULL;
		char path[900];
		const char *g, *s;

		if (strlen(de->d_name) != 69 || strcmp(de->d_name + 64, ".json") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", f->dir, de->d_name);
		j = json_read_file(path, &err);
		g = j ? json_get_string(j, "group", NULL, &err) : NULL;
		s = j ? json_get_string(j, "stream", NULL, &err) : NULL;
		if (g && s && logstore_stream_get(f->ls, g, s, &si, &err) < 0 && err.code == ENOENT)
			unlink(path);
	}
}

/* One walk over the store; -1 at the first failure. */
static int forward_pass(struct logs_forwarder *f, struct berth_err *err)
{
	cleanup_strv char **groups = NULL;

	if (logstore_group_list(f->ls, &groups, err) < 0)
		return -1;
	for (size_t g = 0; groups[g] && !stopping(f); g++) {
		cleanup_strv char **streams = NULL;
		if (logstore_stream_list(f->ls, groups[g], &streams, err) < 0)
			continue; /* deleted meanwhile */
		for (size_t s = 0; streams[s] && !stopping(f); s++)
			if (forward_stream(f, groups[g], streams[s], err) < 0 && err->code != ENOENT)
				return -1;
	}
	return 0;
}

static void wait_ms(struct logs_forwarder *f, long ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&f->lock);
	if (!f->stop)
		pthread_cond_timedwait(&f->cond, &f->lock, &ts);
	pthread_mutex_unlock(&f->lock);
}

static void *forward_main(void *arg)
{
	struct logs_forwarder *f = arg;
	long backoff = BACKOFF_MIN_MS;
	unsigned passes = 0;

	while (!stopping(f)) {
		struct berth_err err = { 0 };
		if (forward_pass(f, &err) < 0) {
			log_warn("logs forward: %s (retrying in %ld ms)", err.msg, backoff);
			wait_ms(f, backoff);
			backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2;
			continue;
		}
		backoff = BACKOFF_MIN_MS;
		if (passes++ % PRUNE_EVERY_PASSES == 0)
			prune_checkpoints(f);
		wait_ms(f, IDLE_MS);
	}
	return NULL;
}

struct logs_forwarder *logs_forwarder_start(struct logstore *ls,
					    const struct logs_forward_options *o,
					    struct berth_err *err)
{
	struct logs_forwarder *f = calloc(1, sizeof(*f));

	if (f == NULL) {
		berth_err_set(err, ENOMEM, "logs forwarder");
		return NULL;
	}
	f->ls = ls;
	snprintf(f->dir, sizeof(f->dir), "%s/logs/forward", o->state_dir);
	pthread_mutex_init(&f->lock, NULL);
	pthread_cond_init(&f->cond, NULL);
	if (fs_mkdir_p(f->dir, 0700, err) < 0 ||
	    logs_client_init(&f->client, o->endpoint, o->region, o->credentials, err) < 0)
		goto fail;
	if (pthread_create(&f->thread, NULL, forward_main, f) != 0) {
		berth_err_set(err, EAGAIN, "start the logs forwarder");
		goto fail;
	}
	log_info("forwarding logs to %s", o->endpoint);
	return f;
fail:
	logs_client_free(&f->client);
	pthread_cond_destroy(&f->cond);
	pthread_mutex_destroy(&f->lock);
	free(f);
	return NULL;
}

void logs_forwarder_stop(struct logs_forwarder *f)
{
	if (f == NULL)
		return;
	pthread_mutex_lock(&f->lock);
	f->stop = true;
	pthread_cond_broadcast(&f->cond);
	pthread_mutex_unlock(&f->lock);
	pthread_join(f->thread, NULL);
	logs_client_free(&f->client);
	pthread_cond_destroy(&f->cond);
	pthread_mutex_destroy(&f->lock);
	free(f);
}
