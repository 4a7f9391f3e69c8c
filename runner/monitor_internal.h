/* monitor_internal.h: the monitor's own structures, shared by its files
 * (monitor.c: start/stop and the event loop; monitor_spec.c: reading
 * spec.json; monitor_state.c: the Task snapshot, state.json and the
 * berthd clients; monitor_output.c: container output, through the
 * awslogs shipper of awslogs.c where configured).  Not for use
 * outside the monitor. */
#ifndef BERTH_RUNNER_MONITOR_INTERNAL_H
#define BERTH_RUNNER_MONITOR_INTERNAL_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/error.h"
#include "isolation/task_pidns.h"

#define MONITOR_MAX_CLIENTS 8

struct container_rlimit;
struct cgroup_host;
struct storage_host;
struct output_sink;

enum ctr_state { CTR_PENDING, CTR_RUNNING, CTR_STOPPED };

struct mon_container {
	/* From the spec. */
	char *name;
	bool essential;
	char **argv, **env;
	char *cwd, *user;
	char **layers; /* top first */
	size_t n_layers;
	int stop_timeout_s;
	int stop_signal;
	uint64_t cpu, memory, memory_reservation;
	bool readonly_rootfs;
	char **cap_add, **cap_drop;
	char **sysctls; /* "name=value" */
	bool init_process;
	struct container_rlimit *rlimits;
	size_t n_rlimits;
	cJSON *log_config; /* logConfiguration, may be NULL */

	/* Runtime. */
	enum ctr_state state;
	pid_t pid;
	int pidfd;
	int out_fd, err_fd; /* read ends, -1 once at EOF */
	int64_t kill_at_ms; /* SIGKILL deadline while stopping, 0 = none */
	bool killed;
	int exit_code;      /* valid when state == CTR_STOPPED and has_exit */
	bool has_exit;
	char reason[1024];
	char runtime_id[64];
	struct output_sink *sink;
	bool output_paused; /* pipes out of epoll while the sink is stalled */
};

struct monitor {
	char *task_id, *task_arn, *cluster;
	char *run_dir;   /* RUN/tasks/<id> */
	char *state_dir; /* STATE/tasks/<id> */
	char *logs_root; /* STATE (for the log store) */
	char *cgroup_parent;
	uint64_t cpu, memory, pids_max;
	char *hostname;
	char *storage_state_dir, *storage_mount_root;
	unsigned ephemeral_gib;

	struct mon_container *ctrs;
	size_t n_ctrs;

	struct cgroup_host *cgroups;
	bool task_cgroup;
	int netns_fd;
	bool pid_mode_task;
	bool userns;        /* spec: run the task in its own user namespace */
	int userns_fd;      /* -1 when none */
	int userns_slot;    /* -1 when none held */
	struct task_pidns pidns; /* pidMode task; holder 0 when none */
	struct storage_host *storage;
	char storage_path[512]; /* the task's ephemeral storage mount, "" if none */

	/* Task fields this process owns (seconds since epoch as double). */
	char last_status[32];
	char desired_status[32];
	char stop_code[40];
	char stopped_reason[1024];
	double started_at, stopping_at, execution_stopped_at, stopped_at, connectivity_at;

	int epfd, sigfd, listen_fd, timer_fd;
	int clients[MONITOR_MAX_CLIENTS];
	char client_buf[MONITOR_MAX_CLIENTS][4096]; /* partial command lines */
	size_t client_len[MONITOR_MAX_CLIENTS];
	bool stopping, done;
};

/* monitor_spec.c */
int monitor_load_spec(struct monitor *m, const char *run_dir, struct berth_err *err);
void monitor_free(struct monitor *m);

/* monitor_state.c */
double mon_now(void);
void mon_set_status(struct monitor *m, const char *status);
/* Write state.json and push the snapshot to every client. */
void mon_publish(struct monitor *m);
void mon_client_add(struct monitor *m, int fd);
void mon_client_drop(struct monitor *m, int fd);
/* Read and act on one client's pending commands.  Returns -1 when the
 * client is gone. */
int mon_client_read(struct monitor *m, int fd);

/* monitor.c */
void mon_request_stop(struct monitor *m, const char *stop_code, const char *reason);

/* monitor_output.c: where a container's stdout/stderr go. */
struct output_sink *output_sink_open(struct monitor *m, struct mon_container *c,
				     struct berth_err *err);
/* `stream` 0 = stdout, 1 = stderr. */
void output_sink_write(struct output_sink *s, int stream, const char *buf, size_t n);
void output_sink_tick(struct output_sink *s);
/* True while the sink cannot take more and the pipes must rest. */
bool output_sink_stalled(const struct output_sink *s);
void output_sink_close(struct output_sink *s);

#endif
