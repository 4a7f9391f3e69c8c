/* logstore_events.c: the events file of a log stream: its record format,
 * the writer (batched appends, fsync on demand, torn-tail repair) and the
 * readers (forward, buffered; backward, record by record).
 *
 * A record is a 28-byte header { magic "BLG1", u32 len, i64 timestamp,
 * i64 ingestion time, u32 crc32 of len, times and message }, the message,
 * and a u32 trailer holding the record's total size, so that a reader can
 * walk back from the end.  Integers are little-endian.  A record that is
 * short or fails its check ends the valid data: it is a batch still being
 * written, or the torn tail of a writer that died, which the next writer
 * cuts off (under the file's flock, which every append holds). */
#include "logstore_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/ids.h"
#include "common/log.h"

#define REC_MAGIC 0x31474c42u /* "BLG1" */
#define REC_HDR 28
#define REC_TRAILER 4
#define REC_OVERHEAD (REC_HDR + REC_TRAILER)
#define READ_CHUNK (1u << 20)

struct logstore_writer {
	int fd;
	char path[1200];
	uint64_t dirty;
	int64_t last_sync_ns;
	unsigned char *buf;
	size_t cap;
};

static void put32(unsigned char *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static void put64(unsigned char *p, int64_t v)
{
	memcpy(p, &v, 8);
}

static uint32_t get32(const unsigned char *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

static int64_t get64(const unsigned char *p)
{
	int64_t v;
	memcpy(&v, p, 8);
	return v;
}

static uint32_t rec_crc(const unsigned char *hdr, const char *msg, size_t len)
{
	uLong c = crc32(0L, Z_NULL, 0);
	c = crc32(c, hdr + 4, 20); /* len, ts, ingest */
	c = crc32_z(c, (const Bytef *)msg, len);
	return (uint32_t)c;
}

/* Encode one record at p (REC_OVERHEAD + len bytes). */
static void rec_encode(unsigned char *p, int64_t ts, int64_t ingest, const char *msg, size_t len)
{
	put32(p, REC_MAGIC);
	put32(p + 4, (uint32_t)len);
	put64(p + 8, ts);
	put64(p + 16, ingest);
	memcpy(p + REC_HDR, msg, len);
	put32(p + 24, rec_crc(p, msg, len));
	put32(p + REC_HDR + len, (uint32_t)(REC_OVERHEAD + len));
}

/* Decode the record at p with `avail` bytes: 1 valid (ev filled but for
 * offsets), 0 not all there (*need = bytes needed, 0 if unknown), -1 bad. */
static int rec_decode(const unsigned char *p, size_t avail, struct logstore_event *ev, size_t *need)
{
	uint32_t len;

	*need = REC_HDR;
	if (avail < REC_HDR)
		return 0;
	len = get32(p + 4);
	if (get32(p) != REC_MAGIC || len == 0 || len > LOGSTORE_MSG_MAX)
		return -1;
	*need = REC_OVERHEAD + len;
	if (avail < *need)
		return 0;
	if (get32(p + REC_HDR + len) != REC_OVERHEAD + len ||
	    rec_crc(p, (const char *)p + REC_HDR, len) != get32(p + 24))
		return -1;
	ev->ts = get64(p + 8);
	ev->ingest = get64(p + 16);
	ev->msg = (const char *)p + REC_HDR;
	ev->len = len;
	return 1;
}

static ssize_t pread_full(int fd, void *buf, size_t n, uint64_t off)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = pread(fd, (char *)buf + got, n - got, (off_t)(off + got));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

/* Walk valid records forward from `from`.  cb may be NULL (just find the
 * valid end).  Returns 0, 1 when cb stopped, -1 on error. */
static int scan_forward(int fd, uint64_t from, logstore_event_cb cb, void *arg, uint64_t *end,
                        struct berth_err *err)
{
	cleanup_free unsigned char *buf = NULL;
	size_t cap = READ_CHUNK, blen = 0;
	uint64_t boff = from, off = from;
	int rc = 0;

	buf = malloc(cap);
	if (buf == NULL)
		return berth_err_set(err, ENOMEM, "read log events");
	for (;;) {
		struct logstore_event ev;
		size_t need = 0, at = (size_t)(off - boff);
		int d = rec_decode(buf + at, blen - at, &ev, &need);
		if (d < 0)
			break;
		if (d == 0) {
			ssize_t r;
			if (need > cap) {
				unsigned char *nb = realloc(buf, need);
				if (nb == NULL)
					return berth_err_set(err, ENOMEM, "read log events");
				buf = nb, cap = need;
			}
			if (at == 0 && blen >= need)
				break;
			r = pread_full(fd, buf, cap, off);
			if (r < 0)
				return berth_err_errno(err, "read log events");
			boff = off, blen = (size_t)r;
			if (blen < need)
				break; /* the end, or a batch being written */
			continue;
		}
		ev.off = off;
		ev.next = off + need;
		off = ev.next;
		if (cb && (rc = cb(arg, &ev)) != 0)
			break;
	}
	if (end)
		*end = off;
	return rc;
}

static int open_events(struct logstore *ls, const char *group, const char *stream, int flags,
                       char *path, size_t size, struct berth_err *err)
{
	int fd;

	if (logstore_events_path(ls, group, stream, path, size, err) < 0)
		return -1;
	fd = open(path, flags | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return berth_err_errno(err, "open %s", path);
	return fd;
}

/* The stream's head: the offset of its first retained record, kept in
 * the file `head` beside `events` (absent: 0).  Retention moves it
 * forward and punches the bytes before it out of the file, so offsets,
 * and with them the API's tokens, stay valid. */
static void head_path(const char *events_path, char *out, size_t size)
{
	const char *slash = strrchr(events_path, '/');
	int dir = slash ? (int)(slash - events_path) : 0;

	snprintf(out, size, "%.*s/head", dir, events_path);
}

static uint64_t read_head(const char *events_path)
{
	char path[1300], buf[32];
	cleanup_close int fd = -1;
	ssize_t n;

	head_path(events_path, path, sizeof(path));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return strtoull(buf, NULL, 10);
}

/* Is the record ending at `end` whole and valid? */
static bool tail_valid(int fd, uint64_t end)
{
	unsigned char t[REC_TRAILER];
	cleanup_free unsigned char *rec = NULL;
	struct logstore_event ev;
	uint32_t total;
	size_t need;

	if (end < REC_OVERHEAD || pread_full(fd, t, sizeof(t), end - REC_TRAILER) != REC_TRAILER)
		return false;
	total = get32(t);
	if (total <= REC_OVERHEAD || total > REC_OVERHEAD + LOGSTORE_MSG_MAX || total > end)
		return false;
	rec = malloc(total);
	if (rec == NULL || pread_full(fd, rec, total, end - total) != (ssize_t)total)
		return false;
	return rec_decode(rec, total, &ev, &need) == 1 && need == total;
}

struct logstore_writer *logstore_writer_open(struct logstore *ls, const char *group,
                                             const char *stream, struct berth_err *err)
{
	struct logstore_writer *w = calloc(1, sizeof(*w));
	struct stat st;
	uint64_t valid = 0;

	if (w == NULL) {
		berth_err_set(err, ENOMEM, "log writer");
		return NULL;
	}
	w->fd = open_events(ls, group, stream, O_RDWR | O_APPEND, w->path, sizeof(w->path), err);
	if (w->fd < 0) {
		free(w);
		return NULL;
	}
	w->last_sync_ns = time_mono_ns();
	/* Cut off a torn tail (a writer died in the middle of a batch). */
	flock(w->fd, LOCK_EX);
	if (fstat(w->fd, &st) == 0 && st.st_size > 0 && !tail_valid(w->fd, (uint64_t)st.st_size) &&
	    scan_forward(w->fd, read_head(w->path), NULL, NULL, &valid, err) >= 0 &&
	    valid < (uint64_t)st.st_size) {
		if (ftruncate(w->fd, (off_t)valid) == 0)
			fsync(w->fd);
	}
	flock(w->fd, LOCK_UN);
	return w;
}

int logstore_writer_append(struct logstore_writer *w, const struct logstore_rec *recs, size_t n,
                           int64_t ingest_ms, struct berth_err *err)
{
	size_t total = 0, o = 0;
	struct stat st;
	const unsigned char *p;
	int rc = 0;

	for (size_t i = 0; i < n; i++) {
		if (recs[i].len == 0 || recs[i].len > LOGSTORE_MSG_MAX)
			return berth_err_set(err, EINVAL, "log event of %zu bytes", recs[i].len);
		total += REC_OVERHEAD + recs[i].len;
	}
	if (total == 0)
		return 0;
	if (total > w->cap) {
		unsigned char *nb = realloc(w->buf, total);
		if (nb == NULL)
			return berth_err_set(err, ENOMEM, "log batch");
		w->buf = nb, w->cap = total;
	}
	for (size_t i = 0; i < n; i++) {
		rec_encode(w->buf + o, recs[i].ts, ingest_ms, recs[i].msg, recs[i].len);
		o += REC_OVERHEAD + recs[i].len;
	}
	flock(w->fd, LOCK_EX);
	if (fstat(w->fd, &st) < 0) {
		rc = berth_err_errno(err, "stat %s", w->path);
		goto out;
	}
	for (p = w->buf; o > 0;) {
		ssize_t r = write(w->fd, p, o);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			rc = berth_err_errno(err, "append to %s", w->path);
			/* Never leave half a batch behind. */
			if (ftruncate(w->fd, st.st_size) < 0)
				rc = berth_err_errno(err, "append to %s, then truncate", w->path);
			goto out;
		}
		p += r, o -= (size_t)r;
	}
	w->dirty += total;
out:
	flock(w->fd, LOCK_UN);
	return rc;
}

int logstore_writer_sync(struct logstore_writer *w, struct berth_err *err)
{
	if (w->dirty == 0)
		return 0;
	if (fdatasync(w->fd) < 0)
		return berth_err_errno(err, "fsync %s", w->path);
	w->dirty = 0;
	w->last_sync_ns = time_mono_ns();
	return 0;
}

uint64_t logstore_writer_dirty(const struct logstore_writer *w, int64_t *last_sync_ns)
{
	if (last_sync_ns)
		*last_sync_ns = w->last_sync_ns;
	return w->dirty;
}

void logstore_writer_close(struct logstore_writer *w)
{
	struct berth_err ignored = {0};

	if (w == NULL)
		return;
	logstore_writer_sync(w, &ignored);
	close(w->fd);
	free(w->buf);
	free(w);
}

int logstore_read_forward(struct logstore *ls, const char *group, const char *stream, uint64_t from,
                          logstore_event_cb cb, void *arg, uint64_t *end, struct berth_err *err)
{
	char path[1200];
	cleanup_close int fd = open_events(ls, group, stream, O_RDONLY, path, sizeof(path), err);

	uint64_t head;

	if (fd < 0)
		return -1;
	head = read_head(path);
	return scan_forward(fd, from > head ? from : head, cb, arg, end, err) < 0 ? -1 : 0;
}

int logstore_read_backward(struct logstore *ls, const char *group, const char *stream,
                           uint64_t before, logstore_event_cb cb, void *arg, struct berth_err *err)
{
	char path[1200];
	cleanup_close int fd = open_events(ls, group, stream, O_RDONLY, path, sizeof(path), err);
	cleanup_free unsigned char *rec = NULL;
	struct stat st;
	uint64_t pos, head;

	if (fd < 0)
		return -1;
	head = read_head(path);
	if (fstat(fd, &st) < 0)
		return berth_err_errno(err, "stat %s", path);
	pos = before < (uint64_t)st.st_size ? before : (uint64_t)st.st_size;
	/* The end may be a batch still being written: start at the valid end. */
	if (pos == (uint64_t)st.st_size && pos > 0 && !tail_valid(fd, pos) &&
	    scan_forward(fd, head, NULL, NULL, &pos, err) < 0)
		return -1;
	rec = malloc(REC_OVERHEAD + LOGSTORE_MSG_MAX);
	if (rec == NULL)
		return berth_err_set(err, ENOMEM, "read log events");
	while (pos >= head + REC_OVERHEAD) {
		struct logstore_event ev;
		unsigned char t[REC_TRAILER];
		uint32_t total;
		size_t need;
		int rc;

		if (pread_full(fd, t, sizeof(t), pos - REC_TRAILER) != REC_TRAILER)
			return berth_err_errno(err, "read %s", path);
		total = get32(t);
		if (total <= REC_OVERHEAD || total > REC_OVERHEAD + LOGSTORE_MSG_MAX ||
		    total > pos || pread_full(fd, rec, total, pos - total) != (ssize_t)total ||
		    rec_decode(rec, total, &ev, &need) != 1 || need != total)
			break; /* not a record boundary: corrupt, stop here */
		ev.off = pos - total;
		ev.next = pos;
		pos = ev.off;
		rc = cb(arg, &ev);
		if (rc < 0)
			return -1;
		if (rc > 0)
			break;
	}
	return 0;
}

/* ---- retention ---- */

struct trim_scan {
	int64_t keep_from_ms;
	uint64_t size, max_bytes;
	uint64_t first_kept;
	bool found;
};

static int trim_cb(void *arg, const struct logstore_event *ev)
{
	struct trim_scan *t = arg;

	if (ev->ts >= t->keep_from_ms && (t->max_bytes == 0 || t->size - ev->off <= t->max_bytes)) {
		t->first_kept = ev->off;
		t->found = true;
		return 1;
	}
	return 0;
}

static int write_head(const char *events_path, uint64_t head, struct berth_err *err)
{
	char path[1300], buf[32];
	int n = snprintf(buf, sizeof(buf), "%llu\n", (unsigned long long)head);

	head_path(events_path, path, sizeof(path));
	return fs_write_file_atomic(path, buf, (size_t)n, 0600, err);
}

int logstore_stream_trim(struct logstore *ls, const char *group, const char *stream,
                         int64_t keep_from_ms, uint64_t max_bytes, uint64_t *trimmed,
                         struct berth_err *err)
{
	char path[1200];
	cleanup_close int fd = open_events(ls, group, stream, O_RDWR, path, sizeof(path), err);
	struct trim_scan t = { .keep_from_ms = keep_from_ms, .max_bytes = max_bytes };
	uint64_t head, end = 0, new_head;
	struct stat st;
	int rc = -1;

	*trimmed = 0;
	if (fd < 0)
		return -1;
	flock(fd, LOCK_EX); /* no batch half-written while we look */
	head = read_head(path);
	if (fstat(fd, &st) < 0) {
		berth_err_errno(err, "stat %s", path);
		goto out;
	}
	t.size = (uint64_t)st.st_size;
	if (scan_forward(fd, head, trim_cb, &t, &end, err) < 0)
		goto out;
	new_head = t.found ? t.first_kept : end;
	rc = 0;
	if (new_head <= head)
		goto out;
	/* The head first: a crash before the punch only wastes space. */
	if ((rc = write_head(path, new_head, err)) < 0)
		goto out;
	if (fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0,
		      (off_t)(new_head & ~(uint64_t)4095)) < 0 && errno != EOPNOTSUPP)
		log_warn("log retention: punch %s: %s", path, strerror(errno));
	*trimmed = new_head - head;
out:
	flock(fd, LOCK_UN);
	return rc;
}
