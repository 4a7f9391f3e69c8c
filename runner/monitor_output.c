/* monitor_output.c: where a container's stdout and stderr go.
 *
 * A container with logConfiguration awslogs ships its output to the log
 * store (awslogs.c); any other container's bytes are appended, in the
 * order the monitor reads them, to STATE/tasks/<id>/containers/<name>/
 * output.log, a plain file kept until the task is pruned.  Sinks are
 * opened while the task is provisioned, so a log group that cannot be
 * used fails the task before any container starts, as on Fargate. */
#include "monitor_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "awslogs.h"
#include "common/cleanup.h"
#include "common/fs.h"

struct output_sink {
	int fd;             /* output.log, or -1 */
	struct awslogs *aw; /* the awslogs shipper, or NULL */
};

static int open_file(struct monitor *m, struct mon_container *c, struct output_sink *s,
		     struct berth_err *err)
{
	cleanup_free char *dir = NULL;
	cleanup_free char *path = NULL;

	if (asprintf(&dir, "%s/containers/%s", m->state_dir, c->name) < 0 ||
	    asprintf(&path, "%s/output.log", dir) < 0)
		return berth_err_set(err, ENOMEM, "output path");
	if (fs_mkdir_p(dir, 0700, err) < 0)
		return -1;
	s->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (s->fd < 0)
		return berth_err_errno(err, "open %s", path);
	return 0;
}

struct output_sink *output_sink_open(struct monitor *m, struct mon_container *c,
				     struct berth_err *err)
{
	struct output_sink *s = calloc(1, sizeof(*s));
	int rc;

	if (s == NULL) {
		berth_err_set(err, ENOMEM, "output sink");
		return NULL;
	}
	s->fd = -1;
	if (c->log_config) {
		s->aw = awslogs_open(m->logs_root, c->log_config, c->name, m->task_id, err);
		rc = s->aw ? 0 : -1;
	} else {
		rc = open_file(m, c, s, err);
	}
	if (rc < 0) {
		free(s);
		return NULL;
	}
	return s;
}

static void write_all(int fd, const char *buf, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, buf, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		buf += w;
		n -= (size_t)w;
	}
}

void output_sink_write(struct output_sink *s, int stream, const char *buf, size_t n)
{
	if (s->aw)
		awslogs_write(s->aw, stream, buf, n);
	else
		write_all(s->fd, buf, n);
}

void output_sink_tick(struct output_sink *s)
{
	if (s->aw)
		awslogs_tick(s->aw);
}

bool output_sink_stalled(const struct output_sink *s)
{
	return s->aw && awslogs_stalled(s->aw);
}

void output_sink_close(struct output_sink *s)
{
	if (s == NULL)
		return;
	if (s->aw)
		awslogs_close(s->aw);
	if (s->fd >= 0) {
		fsync(s->fd);
		close(s->fd);
	}
	free(s);
}
