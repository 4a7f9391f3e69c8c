/* hub.c: berthd's connections to the task monitors.
 *
 * One thread, one epoll set, one connection per live task.  Each line a
 * monitor sends is a full snapshot of the Task fields it owns; the hub
 * folds it into the task's document.  When a connection ends the task is
 * settled from its state.json (runner_settle_task), which also covers a
 * monitor that died.  Commands go the other way through
 * hub_send_locked(). */
#include "runner_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/log.h"
#include "task_doc.h"

static void apply_fn(cJSON *doc, void *arg)
{
	task_doc_apply_snapshot(doc, arg);
}

static void handle_line(struct runner *r, struct hub_conn *c, const char *line, size_t len)
{
	struct berth_err err = { 0 };
	cleanup_json cJSON *snap = json_parse_strict(line, len, &err);

	if (snap == NULL) {
		log_warn("task %s: bad line from monitor: %s", c->task_id, err.msg);
		return;
	}
	if (runner_update_task(r, c->task_id, apply_fn, snap, &err) < 0)
		log_error("task %s: record state: %s", c->task_id, err.msg);
}

static void remove_conn(struct runner *r, struct hub_conn *c)
{
	pthread_mutex_lock(&r->lock);
	for (size_t i = 0; i < r->n_conns; i++) {
		if (r->conns[i] == c) {
			r->conns[i] = r->conns[--r->n_conns];
			break;
		}
	}
	pthread_mutex_unlock(&r->lock);
	epoll_ctl(r->hub_epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
}

/* Returns false when the connection has ended. */
static bool read_conn(struct runner *r, struct hub_conn *c)
{
	for (;;) {
		ssize_t n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, MSG_DONTWAIT);
		char *nl;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return true;
		if (n <= 0)
			return false;
		c->len += (size_t)n;
		while ((nl = memchr(c->buf, '\n', c->len)) != NULL) {
			size_t l = (size_t)(nl - c->buf);
			handle_line(r, c, c->buf, l);
			memmove(c->buf, nl + 1, c->len - l - 1);
			c->len -= l + 1;
		}
		if (c->len == sizeof(c->buf)) {
			log_warn("task %s: oversized line from monitor dropped", c->task_id);
			c->len = 0;
		}
	}
}

static void *hub_main(void *arg)
{
	struct runner *r = arg;
	struct epoll_event evs[64];

	for (;;) {
		int n = epoll_wait(r->hub_epfd, evs, 64, -1);
		if (n < 0 && errno == EINTR)
			continue;
		for (int i = 0; i < n; i++) {
			struct hub_conn *c = evs[i].data.ptr;
			char id[TASK_ID_LEN + 1];
			if (c == NULL) {
				bool quit;
				pthread_mutex_lock(&r->lock);
				quit = r->quit;
				pthread_mutex_unlock(&r->lock);
				if (quit)
					return NULL;
				continue;
			}
			if (read_conn(r, c))
				continue;
			memcpy(id, c->task_id, sizeof(id));
			log_debug("task %s: monitor connection closed", id);
			remove_conn(r, c);
			free(c);
			runner_settle_task(r, id);
		}
	}
}

int hub_start(struct runner *r, struct berth_err *err)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };

	r->hub_epfd = epoll_create1(EPOLL_CLOEXEC);
	r->hub_wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (r->hub_epfd < 0 || r->hub_wake < 0)
		return berth_err_errno(err, "create monitor hub");
	epoll_ctl(r->hub_epfd, EPOLL_CTL_ADD, r->hub_wake, &ev);
	if (pthread_create(&r->hub_thread, NULL, hub_main, r) != 0)
		return berth_err_set(err, EAGAIN, "start monitor hub thread");
	r->hub_started = true;
	return 0;
}

void hub_stop(struct runner *r)
{
	uint64_t one = 1;

	if (r->hub_started) {
		pthread_mutex_lock(&r->lock);
		r->quit = true;
		pthread_mutex_unlock(&r->lock);
		if (write(r->hub_wake, &one, sizeof(one)) < 0)
			log_warn("wake monitor hub: %s", strerror(errno));
		pthread_join(r->hub_thread, NULL);
	}
	for (size_t i = 0; i < r->n_conns; i++) {
		close(r->conns[i]->fd);
		free(r->conns[i]);
	}
	free(r->conns);
	if (r->hub_epfd >= 0)
		close(r->hub_epfd);
	if (r->hub_wake >= 0)
		close(r->hub_wake);
}

int hub_add(struct runner *r, const char *task_id, int fd)
{
	struct hub_conn *c = calloc(1, sizeof(*c));
	struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP };

	if (c == NULL) {
		close(fd);
		return -1;
	}
	snprintf(c->task_id, sizeof(c->task_id), "%s", task_id);
	c->fd = fd;
	ev.data.ptr = c;
	pthread_mutex_lock(&r->lock);
	if (r->n_conns == r->cap_conns) {
		size_t cap = r->cap_conns ? r->cap_conns * 2 : 64;
		struct hub_conn **nc = realloc(r->conns, cap * sizeof(*nc));
		if (nc == NULL) {
			pthread_mutex_unlock(&r->lock);
			close(fd);
			free(c);
			return -1;
		}
		r->conns = nc;
		r->cap_conns = cap;
	}
	r->conns[r->n_conns++] = c;
	pthread_mutex_unlock(&r->lock);
	return epoll_ctl(r->hub_epfd, EPOLL_CTL_ADD, fd, &ev);
}

int hub_send_locked(struct runner *r, const char *task_id, const char *line)
{
	for (size_t i = 0; i < r->n_conns; i++) {
		struct hub_conn *c = r->conns[i];
		cleanup_free char *msg = NULL;
		int len;
		if (strcmp(c->task_id, task_id) != 0)
			continue;
		/* One line, one send: the monitor reads whole lines. */
		len = asprintf(&msg, "%s\n", line);
		if (len < 0 || send(c->fd, msg, (size_t)len, MSG_NOSIGNAL | MSG_DONTWAIT) != len)
			return -1;
		return 0;
	}
	return -1;
}
