/* monitor_output.c: where a container's stdout and stderr go.
 *
 * Every byte the container writes is appended, in the order the monitor
 * reads it, to STATE/tasks/<id>/containers/<name>/output.log, a plain
 * file kept until the task is pruned. */
#include "monitor_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fs.h"

struct output_sink {
	int fd;
};

struct output_sink *output_sink_open(struct monitor *m, struct mon_container *c,
				     struct berth_err *err)
{
	cleanup_free char *dir = NULL;
	cleanup_free char *path = NULL;
	struct output_sink *s;

	if (asprintf(&dir, "%s/containers/%s", m->state_dir, c->name) < 0 ||
	    asprintf(&path, "%s/output.log", dir) < 0) {
		berth_err_set(err, ENOMEM, "output path");
		return NULL;
	}
	if (fs_mkdir_p(dir, 0700, err) < 0)
		return NULL;
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		berth_err_set(err, ENOMEM, "output sink");
		return NULL;
	}
	s->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (s->fd < 0) {
		berth_err_errno(err, "open %s", path);
		free(s);
		return NULL;
	}
	return s;
}

void output_sink_write(struct output_sink *s, int stream, const char *buf, size_t n)
{
	(void)stream;
	while (n > 0) {
		ssize_t w = write(s->fd, buf, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		buf += w;
		n -= (size_t)w;
	}
}

void output_sink_tick(struct output_sink *s)
{
	(void)s;
}

void output_sink_close(struct output_sink *s)
{
	if (s == NULL)
		return;
	fsync(s->fd);
	close(s->fd);
	free(s);
}
