/* test_logstore.c: the durable log store: groups and streams (names,
 * escapes, exists/missing codes, listing, deletion), events appended in
 * batches and read forward and backward with offsets that resume, a torn
 * tail ignored by readers and cut off by the next writer, and events
 * visible to a reader before any fsync. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "runner/logstore.h"

struct fixture {
	char dir[64];
	struct logstore *ls;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct berth_err err = {0};
	snprintf(f->dir, sizeof(f->dir), "/tmp/berth-logstore-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	f->ls = logstore_open(f->dir, &err);
	assert_non_null(f->ls);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	struct berth_err err = {0};
	logstore_close(f->ls);
	fs_rm_rf(f->dir, &err);
	free(f);
	return 0;
}

static void test_names(void **state)
{
	(void)state;
	assert_true(logstore_group_name_ok("/ecs/app-1_x.y#z"));
	assert_false(logstore_group_name_ok(""));
	assert_false(logstore_group_name_ok("bad group"));
	assert_false(logstore_group_name_ok("a:b"));
	assert_true(logstore_stream_name_ok("ecs/app/0123 with space"));
	assert_false(logstore_stream_name_ok("a:b"));
	assert_false(logstore_stream_name_ok("a*"));
	char big[600];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_false(logstore_group_name_ok(big));
	big[512] = '\0';
	assert_true(logstore_group_name_ok(big));
}

static void test_groups(void **state)
{
	struct fixture *f = *state;
	struct berth_err err = {0};
	struct logstore_group_info gi;
	char longname[513];
	cleanup_strv char **names = NULL;

	memset(longname, '/', 512);
	longname[512] = '\0';
	assert_int_equal(logstore_group_create(f->ls, "/ecs/app", 1000, &err), 0);
	assert_int_equal(logstore_group_create(f->ls, "/ecs/app", 2000, &err), -1);
	assert_int_equal(err.code, EEXIST);
	assert_int_equal(logstore_group_create(f->ls, longname, 3000, &err), 0);
	assert_int_equal(logstore_group_create(f->ls, "..", 3000, &err), 0);
	assert_int_equal(logstore_group_create(f->ls, "bad name", 3000, &err), -1);
	assert_int_equal(err.code, EINVAL);
	assert_int_equal(logstore_group_get(f->ls, "/ecs/app", &gi, &err), 0);
	assert_int_equal(gi.creation_ms, 1000);
	assert_int_equal(gi.retention_days, 0);
	assert_int_equal(logstore_group_set_retention(f->ls, "/ecs/app", 7, &err), 0);
	assert_int_equal(logstore_group_get(f->ls, "/ecs/app", &gi, &err), 0);
	assert_int_equal(gi.retention_days, 7);
	assert_int_equal(logstore_group_get(f->ls, "/ecs/missing", &gi, &err), -1);
	assert_int_equal(err.code, ENOENT);
	assert_string_equal(err.msg, "The specified log group does not exist.");
	assert_int_equal(logstore_group_list(f->ls, &names, &err), 0);
	assert_int_equal(berth_strv_len(names), 3);
	assert_string_equal(names[0], "..");
	assert_string_equal(names[1], longname); /* '/' sorts before 'e' */
	assert_string_equal(names[2], "/ecs/app");
	assert_int_equal(logstore_group_delete(f->ls, "/ecs/app", &err), 0);
	assert_int_equal(logstore_group_delete(f->ls, "/ecs/app", &err), -1);
	assert_int_equal(err.code, ENOENT);
	assert_int_equal(logstore_group_create(f->ls, "/ecs/app", 4000, &err), 0);
}

static void test_streams(void **state)
{
	struct fixture *f = *state;
	struct berth_err err = {0};
	struct logstore_stream_info si;
	cleanup_strv char **names = NULL;

	assert_int_equal(logstore_stream_create(f->ls, "g", "s", 1, &err), -1);
	assert_int_equal(err.code, ENOENT);
	assert_int_equal(logstore_group_create(f->ls, "g", 1, &err), 0);
	assert_int_equal(logstore_stream_create(f->ls, "g", "web/app/abc", 5, &err), 0);
	assert_int_equal(logstore_stream_create(f->ls, "g", "web/app/abc", 6, &err), -1);
	assert_int_equal(err.code, EEXIST);
	assert_int_equal(logstore_stream_create(f->ls, "g", "a stream", 7, &err), 0);
	assert_int_equal(logstore_stream_get(f->ls, "g", "web/app/abc", &si, &err), 0);
	assert_int_equal(si.creation_ms, 5);
	assert_false(si.has_events);
	assert_int_equal(logstore_stream_get(f->ls, "g", "nope", &si, &err), -1);
	assert_int_equal(err.code, ENOENT);
	assert_string_equal(err.msg, "The specified log stream does not exist.");
	assert_int_equal(logstore_stream_list(f->ls, "g", &names, &err), 0);
	assert_int_equal(berth_strv_len(names), 2);
	assert_string_equal(names[0], "a stream");
	assert_string_equal(names[1], "web/app/abc");
}

struct collect {
	size_t n, max;
	char msgs[64][64];
	int64_t ts[64];
	uint64_t off[64], next[64];
};

static int collect_cb(void *arg, const struct logstore_event *ev)
{
	struct collect *c = arg;
	snprintf(c->msgs[c->n], sizeof(c->msgs[0]), "%.*s", (int)ev->len, ev->msg);
	c->ts[c->n] = ev->ts;
	c->off[c->n] = ev->off;
	c->next[c->n] = ev->next;
	c->n++;
	return c->max && c->n >= c->max ? 1 : 0;
}

static void append_n(struct logstore_writer *w, int first, int count)
{
	struct logstore_rec recs[16];
	char bufs[16][32];
	struct berth_err err = {0};

	for (int i = 0; i < count; i++) {
		snprintf(bufs[i], sizeof(bufs[i]), "line %d", first + i);
		recs[i] = (struct logstore_rec){1000 + first + i, bufs[i], strlen(bufs[i])};
	}
	assert_int_equal(logstore_writer_append(w, recs, (size_t)count, 5000, &err), 0);
}

static void test_events(void **state)
{
	struct fixture *f = *state;
	struct berth_err err = {0};
	struct logstore_writer *w;
	struct collect c = {0};
	struct logstore_stream_info si;
	uint64_t end = 0;

	assert_int_equal(logstore_group_create(f->ls, "g", 1, &err), 0);
	assert_int_equal(logstore_stream_create(f->ls, "g", "s", 1, &err), 0);
	w = logstore_writer_open(f->ls, "g", "s", &err);
	assert_non_null(w);
	append_n(w, 0, 3);
	append_n(w, 3, 4);
	/* Visible before any sync. */
	assert_true(logstore_writer_dirty(w, NULL) > 0);
	assert_int_equal(logstore_read_forward(f->ls, "g", "s", 0, collect_cb, &c, &end, &err), 0);
	assert_int_equal(c.n, 7);
	assert_string_equal(c.msgs[0], "line 0");
	assert_string_equal(c.msgs[6], "line 6");
	assert_int_equal(c.ts[6], 1006);
	assert_int_equal(end, c.next[6]);
	assert_int_equal(logstore_writer_sync(w, &err), 0);
	assert_int_equal(logstore_writer_dirty(w, NULL), 0);

	/* Resume forward from an offset, with a limit. */
	memset(&c, 0, sizeof(c));
	c.max = 2;
	assert_int_equal(logstore_read_forward(f->ls, "g", "s", 0, collect_cb, &c, &end, &err), 0);
	uint64_t resume = c.next[1];
	memset(&c, 0, sizeof(c));
	assert_int_equal(logstore_read_forward(f->ls, "g", "s", resume, collect_cb, &c, &end, &err),
	                 0);
	assert_int_equal(c.n, 5);
	assert_string_equal(c.msgs[0], "line 2");

	/* Backward from the end, then from an offset. */
	memset(&c, 0, sizeof(c));
	c.max = 3;
	assert_int_equal(logstore_read_backward(f->ls, "g", "s", UINT64_MAX, collect_cb, &c, &err),
	                 0);
	assert_int_equal(c.n, 3);
	assert_string_equal(c.msgs[0], "line 6");
	assert_string_equal(c.msgs[2], "line 4");
	resume = c.off[2];
	memset(&c, 0, sizeof(c));
	assert_int_equal(logstore_read_backward(f->ls, "g", "s", resume, collect_cb, &c, &err), 0);
	assert_int_equal(c.n, 4);
	assert_string_equal(c.msgs[0], "line 3");
	assert_string_equal(c.msgs[3], "line 0");

	assert_int_equal(logstore_stream_get(f->ls, "g", "s", &si, &err), 0);
	assert_true(si.has_events);
	assert_int_equal(si.first_ts, 1000);
	assert_int_equal(si.last_ts, 1006);
	assert_int_equal(si.last_ingest, 5000);
	logstore_writer_close(w);
}

/* Retention moves the head past old events: readers in both directions
 * and a new writer start there, offsets of the rest stay, and the bytes
 * before it are punched out. */
static void test_trim(void **state)
{
	struct fixture *f = *state;
	struct berth_err err = {0};
	struct logstore_writer *w;
	struct collect c = {0};
	struct logstore_stream_info si;
	uint64_t trimmed = 0, off5;

	assert_int_equal(logstore_group_create(f->ls, "g", 1, &err), 0);
	assert_int_equal(logstore_stream_create(f->ls, "g", "s", 1, &err), 0);
	w = logstore_writer_open(f->ls, "g", "s", &err);
	assert_non_null(w);
	append_n(w, 0, 10); /* ts 1000..1009 */
	assert_int_equal(logstore_read_forward(f->ls, "g", "s", 0, collect_cb, &c, NULL, &err), 0);
	off5 = c.off[5];

	assert_int_equal(logstore_stream_trim(f->ls, "g", "s", 1005, 0, &trimmed, &err), 0);
	assert_int_equal(trimmed, off5);
	memset(&c, 0, sizeof(c));
	assert_int_equal(logstore_read_forward(f->ls, "g", "s", 0, collect_cb, &c, NULL, &err), 0);
	assert_int_equal(c.n, 5);
	assert_string_equal(c.msgs[0], "line 5");
	assert_int_equal(c.off[0], off5);
	memset(&c, 0, sizeof(c));
	assert_int_equal(logstore_read_backward(f->ls, "g", "s", UINT64_MAX, collect_cb, &c, &err), 0);
	assert_int_equal(c.n, 5);
	assert_string_equal(c.msgs[4], "line 5");
	assert_int_equal(logstore_stream_get(f->ls, "g", "s", &si, &err), 0);
	assert_int_equal(si.first_ts, 1005);

	/* Nothing more to drop: a no-op. */
	assert_int_equal(logstore_stream_trim(f->ls, "g", "s", 1005, 0, &trimmed, &err), 0);
	assert_int_equal(trimmed, 0);

	/* A writer opened now appends after the head (no torn-tail cut). */
	logstore_writer_close(w);
	w = logstore_writer_open(f->ls, "g", "s", &err);
	assert_non_null(w);
	append_n(w, 10, 1);
	memset(&c, 0, sizeof(c));
	assert_int_equal(logstore_read_forward(f->ls, "g", "s", 0, collect_cb, &c, NULL, &err), 0);
	assert_int_equal(c.n, 6);
	assert_string_equal(c.msgs[5], "line 10");

	/* By size: keep at most the last two records' bytes. */
	uint64_t two = c.next[5] - c.off[4];
	assert_int_equal(logstore_stream_trim(f->ls, "g", "s", INT64_MIN, two, &trimmed, &err), 0);
	memset(&c, 0, sizeof(c));
	assert_int_equal(logstore_read_forward(f->ls, "g", "s", 0, collect_cb, &c, NULL, &err), 0);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.msgs[0], "line 9");

	/* Everything expired: an empty stream that still takes appends. */
	assert_int_equal(logstore_stream_trim(f->ls, "g", "s", INT64_MAX, 0, &trimmed, &err), 0);
	memset(&c, 0, sizeof(c));
	assert_int_equal(logstore_read_forward(f->ls, "g", "s", 0, collect_cb, &c, NULL, &err), 0);
	assert_int_equal(c.n, 0);
	append_n(w, 11, 1);
	assert_int_equal(logstore_read_backward(f->ls, "g", "s", UINT64_MAX, collect_cb, &c, &err), 0);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.msgs[0], "line 11");
	logstore_writer_close(w);
}

static void test_torn_tail(void **state)
{
	struct fixture *f = *state;
	struct berth_err err = {0};
	struct logstore_writer *w;
	struct collect c = {0};
	char path[512];
	struct stat st;
	int fd;

	assert_int_equal(logstore_group_create(f->ls, "g", 1, &err), 0);
	assert_int_equal(logstore_stream_create(f->ls, "g", "s", 1, &err), 0);
	w = logstore_writer_open(f->ls, "g", "s", &err);
	append_n(w, 0, 2);
	logstore_writer_close(w);
	/* A writer died in the middle of a record: a header and half a message. */
	snprintf(path, sizeof(path), "%s/logs/groups/g/streams/s/events", f->dir);
	assert_int_equal(stat(path, &st), 0);
	off_t good = st.st_size;
	fd = open(path, O_WRONLY | O_APPEND);
	assert_true(fd >= 0);
	static const unsigned char torn[] = {'B', 'L', 'G', '1', 50, 0, 0, 0, 1, 2, 3, 4, 5};
	assert_int_equal(write(fd, torn, sizeof(torn)), sizeof(torn));
	close(fd);
	assert_int_equal(logstore_read_forward(f->ls, "g", "s", 0, collect_cb, &c, NULL, &err), 0);
	assert_int_equal(c.n, 2);
	memset(&c, 0, sizeof(c));
	assert_int_equal(logstore_read_backward(f->ls, "g", "s", UINT64_MAX, collect_cb, &c, &err),
	                 0);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.msgs[0], "line 1");
	/* The next writer cuts it off and appends after the good data. */
	w = logstore_writer_open(f->ls, "g", "s", &err);
	assert_non_null(w);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, good);
	append_n(w, 2, 1);
	logstore_writer_close(w);
	memset(&c, 0, sizeof(c));
	assert_int_equal(logstore_read_forward(f->ls, "g", "s", 0, collect_cb, &c, NULL, &err), 0);
	assert_int_equal(c.n, 3);
	assert_string_equal(c.msgs[2], "line 2");
}

static void test_big_events(void **state)
{
	struct fixture *f = *state;
	struct berth_err err = {0};
	struct logstore_writer *w;
	cleanup_free char *big = malloc(LOGSTORE_MSG_MAX + 1);
	struct logstore_rec recs[3];
	struct collect c = {0};

	memset(big, 'x', LOGSTORE_MSG_MAX + 1);
	assert_int_equal(logstore_group_create(f->ls, "g", 1, &err), 0);
	assert_int_equal(logstore_stream_create(f->ls, "g", "s", 1, &err), 0);
	w = logstore_writer_open(f->ls, "g", "s", &err);
	for (int i = 0; i < 3; i++)
		recs[i] = (struct logstore_rec){i, big, LOGSTORE_MSG_MAX};
	/* Several events bigger than the reader's buffer share of one chunk. */
	for (int i = 0; i < 6; i++)
		assert_int_equal(logstore_writer_append(w, recs, 3, 1, &err), 0);
	recs[0].len = LOGSTORE_MSG_MAX + 1;
	assert_int_equal(logstore_writer_append(w, recs, 1, 1, &err), -1);
	logstore_writer_close(w);
	assert_int_equal(logstore_read_forward(f->ls, "g", "s", 0, collect_cb, &c, NULL, &err), 0);
	assert_int_equal(c.n, 18);
	memset(&c, 0, sizeof(c));
	assert_int_equal(logstore_read_backward(f->ls, "g", "s", UINT64_MAX, collect_cb, &c, &err),
	                 0);
	assert_int_equal(c.n, 18);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_names),
	    cmocka_unit_test_setup_teardown(test_groups, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_streams, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_events, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_torn_tail, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_trim, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_big_events, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
