/* monitor_state.c: the Task fields the monitor owns, as one JSON
 * snapshot.  Every change is written to RUN/tasks/<id>/state.json
 * (atomically: berthd reads it after a crash of either side) and pushed
 * as one line to each connected berthd client.  Clients send commands
 * as JSON lines: {"op":"stop","reason":"..."}. */
#include "monitor_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/log.h"
#include "monitor_run.h"
#include "isolation/userns.h"

double mon_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	/* Millisecond precision, as ECS timestamps have. */
	return (double)ts.tv_sec + (double)(ts.tv_nsec / 1000000) / 1000.0;
}

void mon_set_status(struct monitor *m, const char *status)
{
	snprintf(m->last_status, sizeof(m->last_status), "%s", status);
	log_info("task %s: %s", m->task_id, status);
	mon_publish(m);
}

static void add_time(cJSON *o, const char *name, double t)
{
	if (t > 0)
		cJSON_AddNumberToObject(o, name, t);
}

static const char *ctr_status(const struct mon_container *c)
{
	switch (c->state) {
	case CTR_PENDING:
		return "PENDING";
	case CTR_RUNNING:
		return "RUNNING";
	default:
		return "STOPPED";
	}
}

/* Task attributes berth adds: how the task is isolated. */
static void add_attributes(const struct monitor *m, cJSON *o)
{
	cJSON *arr = cJSON_AddArrayToObject(o, "attributes");
	cJSON *a = cJSON_CreateObject();
	char v[16];

	cJSON_AddStringToObject(a, "name", "berth.userns");
	cJSON_AddStringToObject(a, "value", m->userns ? "auto" : "off");
	cJSON_AddItemToArray(arr, a);
	if (m->userns_slot >= 0) {
		a = cJSON_CreateObject();
		snprintf(v, sizeof(v), "%u", (unsigned)userns_host_base((unsigned)m->userns_slot));
		cJSON_AddStringToObject(a, "name", "berth.userns.hostUid");
		cJSON_AddStringToObject(a, "value", v);
		cJSON_AddItemToArray(arr, a);
	}
}

static cJSON *snapshot(const struct monitor *m)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *arr = cJSON_AddArrayToObject(o, "containers");

	cJSON_AddStringToObject(o, "lastStatus", m->last_status);
	cJSON_AddStringToObject(o, "desiredStatus", m->desired_status);
	if (m->stop_code[0])
		cJSON_AddStringToObject(o, "stopCode", m->stop_code);
	if (m->stopped_reason[0])
		cJSON_AddStringToObject(o, "stoppedReason", m->stopped_reason);
	add_time(o, "connectivityAt", m->connectivity_at);
	add_time(o, "startedAt", m->started_at);
	add_time(o, "stoppingAt", m->stopping_at);
	add_time(o, "executionStoppedAt", m->execution_stopped_at);
	add_time(o, "stoppedAt", m->stopped_at);
	cJSON_AddBoolToObject(o, "final", m->done);
	add_attributes(m, o);
	for (size_t i = 0; i < m->n_ctrs; i++) {
		const struct mon_container *c = &m->ctrs[i];
		cJSON *j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "name", c->name);
		cJSON_AddStringToObject(j, "lastStatus", ctr_status(c));
		if (c->runtime_id[0])
			cJSON_AddStringToObject(j, "runtimeId", c->runtime_id);
		if (c->has_exit)
			cJSON_AddNumberToObject(j, "exitCode", c->exit_code);
		if (c->reason[0])
			cJSON_AddStringToObject(j, "reason", c->reason);
		cJSON_AddItemToArray(arr, j);
	}
	return o;
}

static void send_line(int fd, const char *line, size_t len)
{
	/* Clients are berthd: a full socket buffer means it is wedged or
	 * gone; the state file still has everything, so never block. */
	while (len > 0) {
		ssize_t w = send(fd, line, len, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		line += w;
		len -= (size_t)w;
	}
}

void mon_publish(struct monitor *m)
{
	cleanup_json cJSON *snap = snapshot(m);
	cleanup_free char *text = cJSON_PrintUnformatted(snap);
	cleanup_free char *path = NULL;
	struct berth_err err = { 0 };
	size_t len;

	if (text == NULL || asprintf(&path, "%s/state.json", m->run_dir) < 0)
		return;
	if (json_write_file_atomic(path, snap, &err) < 0)
		log_error("task %s: %s", m->task_id, err.msg);
	len = strlen(text);
	text[len] = '\n';
	for (int i = 0; i < MONITOR_MAX_CLIENTS; i++)
		if (m->clients[i] >= 0)
			send_line(m->clients[i], text, len + 1);
	text[len] = '\0';
}

void mon_client_add(struct monitor *m, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP,
				  .data.u64 = ((uint64_t)MON_EV_CLIENT << 32) | (uint32_t)fd };

	for (int i = 0; i < MONITOR_MAX_CLIENTS; i++) {
		if (m->clients[i] >= 0)
			continue;
		m->clients[i] = fd;
		m->client_len[i] = 0;
		epoll_ctl(m->epfd, EPOLL_CTL_ADD, fd, &ev);
		mon_publish(m); /* a new client starts from the full snapshot */
		return;
	}
	close(fd);
}

void mon_client_drop(struct monitor *m, int fd)
{
	for (int i = 0; i < MONITOR_MAX_CLIENTS; i++) {
		if (m->clients[i] == fd) {
			epoll_ctl(m->epfd, EPOLL_CTL_DEL, fd, NULL);
			close(fd);
			m->clients[i] = -1;
		}
	}
}

static void handle_command(struct monitor *m, const char *line, size_t len)
{
	struct berth_err err = { 0 };
	cleanup_json cJSON *cmd = json_parse_strict(line, len, &err);
	const char *op = cmd ? cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(cmd, "op")) : NULL;

	if (op == NULL) {
		log_warn("task %s: bad command from berthd: %s", m->task_id, err.msg);
		return;
	}
	log_info("task %s: command from berthd: %.*s", m->task_id, (int)len, line);
	if (strcmp(op, "stop") == 0) {
		const char *reason =
			cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(cmd, "reason"));
		const char *code = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(cmd, "stopCode"));
		mon_request_stop(m, code ? code : "UserInitiated",
				 reason && *reason ? reason : "Task stopped by user");
	}
}

int mon_client_read(struct monitor *m, int fd)
{
	int i = 0;
	char *buf, *nl;
	size_t *len;
	ssize_t n;

	while (i < MONITOR_MAX_CLIENTS && m->clients[i] != fd)
		i++;
	if (i == MONITOR_MAX_CLIENTS)
		return -1;
	buf = m->client_buf[i], len = &m->client_len[i];
	n = recv(fd, buf + *len, sizeof(m->client_buf[i]) - *len, MSG_DONTWAIT);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
		return -1;
	if (n < 0)
		return 0;
	*len += (size_t)n;
	while ((nl = memchr(buf, '\n', *len)) != NULL) {
		size_t l = (size_t)(nl - buf);
		if (l > 0)
			handle_command(m, buf, l);
		memmove(buf, nl + 1, *len - l - 1);
		*len -= l + 1;
	}
	if (*len == sizeof(m->client_buf[i]))
		*len = 0; /* an oversized line is dropped */
	return 0;
}
