/* awslogs.c: the awslogs shipper of one container (see awslogs.h).
 *
 * Bytes go through three stages: a line buffer per output stream (the
 * partial last line), an optional multi-line event being assembled, and
 * the batch: events laid out in one arena, appended to the store as one
 * write at the end of every awslogs_write and on ticks.  What the store
 * refused stays in the batch for the next try. */
#include "awslogs_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/ids.h"
#include "common/log.h"
#include "logstore.h"

#define APPEND_CHUNK 1024 /* events per logstore_writer_append */
#define SYNC_DIRTY_BYTES (8u << 20)

struct pending_event {
	int64_t ts;
	size_t off, len; /* in the arena */
};

struct growbuf {
	char *p;
	size_t len, cap;
};

struct awslogs {
	struct awslogs_options o;
	struct logstore *ls;
	struct logstore_writer *w;
	char stream[1100];

	struct growbuf line[2]; /* partial line of stdout, stderr */
	int64_t line_ts[2];     /* when its first byte was read */
	struct growbuf ml;      /* multi-line event being assembled */
	int64_t ml_ts, ml_last;

	struct growbuf arena; /* the batch's messages */
	struct pending_event *ev;
	size_t n_ev, cap_ev;
	uint64_t dropped, dropped_reported;
	bool stalled;
	int64_t last_sync_ms;
};

static bool grow(struct growbuf *b, size_t more)
{
	size_t cap;
	char *p;

	if (b->len + more <= b->cap)
		return true;
	cap = b->cap ? b->cap : 4096;
	while (cap < b->len + more)
		cap *= 2;
	p = realloc(b->p, cap);
	if (p == NULL)
		return false;
	b->p = p;
	b->cap = cap;
	return true;
}

/* ---- the batch ---- */

static void batch_add(struct awslogs *a, int64_t ts, const char *msg, size_t len)
{
	if (len == 0)
		return;
	if (!a->o.blocking && a->arena.len + len > a->o.max_buffer && a->n_ev > 0) {
		a->dropped++;
		return;
	}
	if (a->n_ev == a->cap_ev) {
		size_t cap = a->cap_ev ? a->cap_ev * 2 : 256;
		struct pending_event *ev = realloc(a->ev, cap * sizeof(*ev));
		if (ev == NULL) {
			a->dropped++;
			return;
		}
		a->ev = ev;
		a->cap_ev = cap;
	}
	if (!grow(&a->arena, len)) {
		a->dropped++;
		return;
	}
	memcpy(a->arena.p + a->arena.len, msg, len);
	a->ev[a->n_ev++] = (struct pending_event){ ts, a->arena.len, len };
	a->arena.len += len;
}

static void report_drops(struct awslogs *a)
{
	char msg[200];
	uint64_t n = a->dropped - a->dropped_reported;
	int len;

	if (n == 0)
		return;
	len = snprintf(msg, sizeof(msg),
		       "[berth] %llu log events dropped: the log store did not take them within "
		       "max-buffer-size %zu (mode non-blocking)",
		       (unsigned long long)n, a->o.max_buffer);
	a->dropped_reported = a->dropped;
	batch_add(a, time_now_ms(), msg, (size_t)len);
}

/* Append the batch, APPEND_CHUNK at a time; keep what was refused. */
static void batch_flush(struct awslogs *a)
{
	struct logstore_rec recs[APPEND_CHUNK];
	struct berth_err err = { 0 };
	size_t done = 0;

	while (done < a->n_ev) {
		size_t n = a->n_ev - done < APPEND_CHUNK ? a->n_ev - done : APPEND_CHUNK;
		for (size_t i = 0; i < n; i++) {
			const struct pending_event *p = &a->ev[done + i];
			recs[i] = (struct logstore_rec){ p->ts, a->arena.p + p->off, p->len };
		}
		if (logstore_writer_append(a->w, recs, n, time_now_ms(), &err) < 0) {
			log_warn("awslogs %s: %s", a->stream, err.msg);
			break;
		}
		done += n;
	}
	a->stalled = a->o.blocking && done < a->n_ev;
	if (done == a->n_ev) {
		a->n_ev = 0;
		a->arena.len = 0;
		if (a->dropped > a->dropped_reported)
			report_drops(a);
		return;
	}
	/* Keep the refused tail at the front. */
	size_t base = a->ev[done].off;
	memmove(a->arena.p, a->arena.p + base, a->arena.len - base);
	a->arena.len -= base;
	for (size_t i = done; i < a->n_ev; i++) {
		a->ev[i - done] = a->ev[i];
		a->ev[i - done].off -= base;
	}
	a->n_ev -= done;
}

/* ---- events from lines ---- */

/* Where to cut a message longer than an event: at LOGSTORE_MSG_MAX, or a
 * little before so that no UTF-8 sequence is split. */
static size_t cut_point(const char *msg)
{
	size_t cut = LOGSTORE_MSG_MAX;

	while (cut > LOGSTORE_MSG_MAX - 3 && ((unsigned char)msg[cut] & 0xC0) == 0x80)
		cut--;
	return cut;
}

/* Cut `len` bytes into events of at most LOGSTORE_MSG_MAX. */
static void emit(struct awslogs *a, int64_t ts, const char *msg, size_t len)
{
	while (len > LOGSTORE_MSG_MAX) {
		size_t cut = cut_point(msg);
		batch_add(a, ts, msg, cut);
		msg += cut;
		len -= cut;
	}
	batch_add(a, ts, msg, len);
}

static void ml_flush(struct awslogs *a)
{
	if (a->ml.len == 0)
		return;
	emit(a, a->ml_ts, a->ml.p, a->ml.len);
	a->ml.len = 0;
}

static bool starts_event(struct awslogs *a, const char *line, size_t len)
{
	char tmp[1024];
	size_t n = len < sizeof(tmp) - 1 ? len : sizeof(tmp) - 1;

	/* A start is recognised in the line's first KiB. */
	memcpy(tmp, line, n);
	tmp[n] = '\0';
	return regexec(&a->o.start_re, tmp, 0, NULL, 0) == 0;
}

/* One whole line, without its newline. */
static void on_line(struct awslogs *a, int64_t ts, const char *line, size_t len)
{
	if (!a->o.has_start_re) {
		emit(a, ts, line, len);
		return;
	}
	if (starts_event(a, line, len) || a->ml.len == 0) {
		ml_flush(a);
		a->ml_ts = ts;
	} else if (grow(&a->ml, 1)) {
		a->ml.p[a->ml.len++] = '\n';
	}
	if (a->ml.len + len > LOGSTORE_MSG_MAX) {
		ml_flush(a);
		a->ml_ts = ts;
	}
	if (grow(&a->ml, len)) {
		memcpy(a->ml.p + a->ml.len, line, len);
		a->ml.len += len;
	}
	a->ml_last = time_now_ms();
}

/* A partial line that reached the event size: its first event's worth
 * goes out as one line, the rest waits for more. */
static void split_full_line(struct awslogs *a, struct growbuf *lb, int64_t ts)
{
	while (lb->len > LOGSTORE_MSG_MAX) {
		size_t cut = cut_point(lb->p);
		on_line(a, ts, lb->p, cut);
		memmove(lb->p, lb->p + cut, lb->len - cut);
		lb->len -= cut;
	}
}

void awslogs_write(struct awslogs *a, int stream, const char *buf, size_t n)
{
	int s = stream ? 1 : 0;
	struct growbuf *lb = &a->line[s];
	int64_t ts = time_now_ms();

	while (n > 0) {
		const char *nl = memchr(buf, '\n', n);
		size_t take = nl ? (size_t)(nl - buf) : n;

		if (lb->len == 0)
			a->line_ts[s] = ts;
		if (lb->len == 0 && nl) {
			on_line(a, ts, buf, take); /* the common case: no copy */
		} else if (grow(lb, take)) {
			memcpy(lb->p + lb->len, buf, take);
			lb->len += take;
			if (nl) {
				on_line(a, a->line_ts[s], lb->p, lb->len);
				lb->len = 0;
			} else {
				split_full_line(a, lb, a->line_ts[s]);
			}
		}
		buf += take + (nl ? 1 : 0);
		n -= take + (nl ? 1 : 0);
	}
	batch_flush(a);
}

/* ---- lifecycle ---- */

static int open_stream(struct awslogs *a, const char *state_dir, const char *container,
		       const char *task_id, struct berth_err *err)
{
	int64_t now = time_now_ms();

	a->ls = logstore_open(state_dir, err);
	if (a->ls == NULL)
		return -1;
	if (a->o.create_group && logstore_group_create(a->ls, a->o.group, now, err) < 0 &&
	    err->code != EEXIST)
		return -1;
	snprintf(a->stream, sizeof(a->stream), "%s/%s/%s", a->o.prefix, container, task_id);
	if (logstore_stream_create(a->ls, a->o.group, a->stream, now, err) < 0 &&
	    err->code != EEXIST) {
		if (err->code == ENOENT)
			return berth_err_set(err, 0, "log group %s does not exist (set "
						     "awslogs-create-group to create it)",
					     a->o.group);
		return -1;
	}
	a->w = logstore_writer_open(a->ls, a->o.group, a->stream, err);
	return a->w ? 0 : -1;
}

struct awslogs *awslogs_open(const char *state_dir, const cJSON *log_config, const char *container,
			     const char *task_id, struct berth_err *err)
{
	struct awslogs *a = calloc(1, sizeof(*a));

	if (a == NULL) {
		berth_err_set(err, ENOMEM, "awslogs");
		return NULL;
	}
	if (awslogs_options_parse(log_config, &a->o, err) < 0 ||
	    open_stream(a, state_dir, container, task_id, err) < 0) {
		awslogs_close(a);
		return NULL;
	}
	a->last_sync_ms = time_now_ms();
	return a;
}

void awslogs_tick(struct awslogs *a)
{
	struct berth_err err = { 0 };
	int64_t now = time_now_ms();
	uint64_t dirty;

	if (a->ml.len && now - a->ml_last >= AWSLOGS_MULTILINE_WAIT_MS)
		ml_flush(a);
	if (a->n_ev)
		batch_flush(a);
	dirty = logstore_writer_dirty(a->w, NULL);
	if (dirty && (now - a->last_sync_ms >= AWSLOGS_SYNC_INTERVAL_MS || dirty >= SYNC_DIRTY_BYTES)) {
		if (logstore_writer_sync(a->w, &err) < 0)
			log_warn("awslogs %s: %s", a->stream, err.msg);
		a->last_sync_ms = now;
	}
}

bool awslogs_stalled(const struct awslogs *a)
{
	return a->stalled;
}

uint64_t awslogs_dropped(const struct awslogs *a)
{
	return a->dropped;
}

void awslogs_close(struct awslogs *a)
{
	if (a == NULL)
		return;
	if (a->w) {
		for (int s = 0; s < 2; s++)
			if (a->line[s].len)
				on_line(a, a->line_ts[s], a->line[s].p, a->line[s].len);
		ml_flush(a);
		batch_flush(a);
		if (a->n_ev)
			log_warn("awslogs %s: %zu events could not be stored", a->stream, a->n_ev);
		logstore_writer_close(a->w);
	}
	logstore_close(a->ls);
	awslogs_options_free(&a->o);
	for (int s = 0; s < 2; s++)
		free(a->line[s].p);
	free(a->ml.p);
	free(a->arena.p);
	free(a->ev);
	free(a);
}
