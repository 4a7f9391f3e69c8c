/* logstore.h: the durable log store (CloudWatch Logs groups, streams and
 * events on the local disk).
 *
 * Layout under STATE/logs/groups/: one directory per log group (the name
 * escaped, see logstore.c) holding group.json and streams/, one directory
 * per stream holding stream.json and `events`, an append-only file of
 * self-checking records (logstore_events.c).  Several processes use the
 * store at once: each task's monitor appends its containers' events,
 * berthd appends PutLogEvents and reads for the API.  Appends of one
 * batch are one write(2) under an flock of the file, so a reader never
 * sees a half batch as valid and a writer that dies mid-write leaves a
 * torn tail that the next writer cuts off.
 *
 * Errors: err->code is ENOENT for a missing group or stream, EEXIST for
 * one that exists already, EINVAL for a bad name; other codes are I/O. */
#ifndef BERTH_RUNNER_LOGSTORE_H
#define BERTH_RUNNER_LOGSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

#define LOGSTORE_NAME_MAX 512

/* The CloudWatch Logs limits that the shipper, the API and the forwarder
 * all keep: what each event counts beyond its message, a PutLogEvents
 * batch's events, bytes and time span, and the largest message (256 KiB
 * less the overhead). */
#define LOGS_EVENT_OVERHEAD 26
#define LOGS_BATCH_EVENTS_MAX 10000
#define LOGS_BATCH_BYTES_MAX 1048576
#define LOGS_DAY_MS (24LL * 3600 * 1000)
#define LOGS_BATCH_SPAN_MS LOGS_DAY_MS
#define LOGSTORE_MSG_MAX (256 * 1024 - LOGS_EVENT_OVERHEAD)

struct logstore;

/* Open (creating) the store under STATE_DIR/logs.  Caller frees with
 * logstore_close. */
struct logstore *logstore_open(const char *state_dir, struct berth_err *err);
void logstore_close(struct logstore *ls);

static inline void logstore_closep(struct logstore **ls)
{
	if (*ls)
		logstore_close(*ls);
}
#define cleanup_logstore __attribute__((cleanup(logstore_closep)))

/* Names as the service model allows them: groups [.-_/#A-Za-z0-9]{1,512},
 * streams [^:*]{1,512}. */
bool logstore_group_name_ok(const char *name);
bool logstore_stream_name_ok(const char *name);

struct logstore_group_info {
	int64_t creation_ms;
	int retention_days; /* 0: never expire */
	uint64_t stored_bytes;
};

struct logstore_stream_info {
	int64_t creation_ms;
	bool has_events;
	int64_t first_ts, last_ts, last_ingest; /* valid when has_events */
	uint64_t stored_bytes;
};

int logstore_group_create(struct logstore *ls, const char *group, int64_t now_ms,
                          struct berth_err *err);
int logstore_group_delete(struct logstore *ls, const char *group, struct berth_err *err);
int logstore_group_get(struct logstore *ls, const char *group, struct logstore_group_info *out,
                       struct berth_err *err);
int logstore_group_set_retention(struct logstore *ls, const char *group, int days,
                                 struct berth_err *err);
/* All group names, sorted bytewise; NULL-terminated strv the caller
 * frees with berth_strv_free. */
int logstore_group_list(struct logstore *ls, char ***names, struct berth_err *err);

int logstore_stream_create(struct logstore *ls, const char *group, const char *stream,
                           int64_t now_ms, struct berth_err *err);
int logstore_stream_get(struct logstore *ls, const char *group, const char *stream,
                        struct logstore_stream_info *out, struct berth_err *err);
/* Remove a stream and its events (ENOENT when missing).  A writer that
 * still holds it open keeps appending to the removed file. */
int logstore_stream_delete(struct logstore *ls, const char *group, const char *stream,
                           struct berth_err *err);
/* All stream names of a group, sorted bytewise (as logstore_group_list). */
int logstore_stream_list(struct logstore *ls, const char *group, char ***names,
                         struct berth_err *err);

/* ---- events (logstore_events.c) ---- */

/* One event to append. */
struct logstore_rec {
	int64_t ts; /* event time, ms since the epoch */
	const char *msg;
	size_t len; /* 1..LOGSTORE_MSG_MAX */
};

/* One stored event as a reader sees it: `off` is where its record starts
 * in the stream, `next` where the following one starts.  `msg` is valid
 * only during the callback. */
struct logstore_event {
	uint64_t off, next;
	int64_t ts, ingest;
	const char *msg;
	size_t len;
};

/* Return 0 to go on, 1 to stop, -1 (err set by the callback) to fail. */
typedef int (*logstore_event_cb)(void *arg, const struct logstore_event *ev);

struct logstore_writer;

/* Open a stream for appending (ENOENT when the group or stream is
 * missing).  A torn tail left by a writer that died is cut off here. */
struct logstore_writer *logstore_writer_open(struct logstore *ls, const char *group,
                                             const char *stream, struct berth_err *err);
/* Append the events as one batch (one write under the file lock), with
 * `ingest_ms` as their ingestion time.  Not yet fsynced: readers see the
 * batch at once, a crash of the host may lose it until logstore_writer_sync. */
int logstore_writer_append(struct logstore_writer *w, const struct logstore_rec *recs, size_t n,
                           int64_t ingest_ms, struct berth_err *err);
/* fsync what was appended since the last sync; a no-op when clean. */
int logstore_writer_sync(struct logstore_writer *w, struct berth_err *err);
/* Bytes appended since the last sync, and when that sync was (mono ns). */
uint64_t logstore_writer_dirty(const struct logstore_writer *w, int64_t *last_sync_ns);
/* Sync and close; NULL is fine. */
void logstore_writer_close(struct logstore_writer *w);

/* Read events of a stream in order, starting at the record at offset
 * `from` (0: the first), calling cb for each until it stops or the
 * valid data ends; *end (may be NULL) gets the offset after the last
 * event visited (or `from` when there was none). */
int logstore_read_forward(struct logstore *ls, const char *group, const char *stream, uint64_t from,
                          logstore_event_cb cb, void *arg, uint64_t *end, struct berth_err *err);
/* Read events newest first, from the one ending at or before `before`
 * (UINT64_MAX: the end of the stream) back to the first. */
int logstore_read_backward(struct logstore *ls, const char *group, const char *stream,
                           uint64_t before, logstore_event_cb cb, void *arg, struct berth_err *err);

/* ---- retention (logstore_events.c, logstore_retention.c) ---- */

/* Drop a stream's oldest events: those before `keep_from_ms`, and more
 * until at most `max_bytes` (0: no size limit) of events remain.  The
 * space is given back (punched out); offsets of the rest do not move.
 * *trimmed gets the bytes dropped. */
int logstore_stream_trim(struct logstore *ls, const char *group, const char *stream,
                         int64_t keep_from_ms, uint64_t max_bytes, uint64_t *trimmed,
                         struct berth_err *err);
/* Apply one group's retentionInDays and the per-stream size limit. */
int logstore_group_apply_retention(struct logstore *ls, const char *group, int64_t now_ms,
                                   uint64_t stream_max_bytes, uint64_t *trimmed,
                                   struct berth_err *err);
/* Apply every group's retentionInDays and the per-stream size limit
 * (0: none) to the whole store; *trimmed gets the bytes dropped. */
int logstore_apply_retention(struct logstore *ls, int64_t now_ms, uint64_t stream_max_bytes,
                             uint64_t *trimmed, struct berth_err *err);

#endif
