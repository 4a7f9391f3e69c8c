/* daemon.h: the one daemon context of berthd.
 *
 * Everything berthd shares between threads hangs off struct berth_daemon:
 * the configuration (set once by main before any thread starts), the
 * host facts probed at start-up, and the handles of each module.  No
 * other mutable global exists in the daemon. */
#ifndef BERTH_RUNNER_DAEMON_H
#define BERTH_RUNNER_DAEMON_H

#include <stdbool.h>
#include <stdint.h>

struct store;        /* runner/store.h */
struct image_store;  /* images/images.h */
struct logstore;     /* runner/logstore.h */
struct runner;       /* runner/runner.h */
struct cgroup_host;  /* isolation/cgroup.h */
struct credentials;  /* api/credentials.h */
struct storage_host; /* isolation/storage.h */
struct logs_forwarder; /* api/logs_forward.h */

struct berth_config {
	char state_dir[512];    /* --state-dir, default /var/lib/berth */
	char run_dir[512];      /* --run-dir, default /run/berth */
	char listen[256];       /* --listen HOST:PORT, default 127.0.0.1:8670 */
	char region[64];        /* --region, default us-east-1 */
	char account_id[16];    /* --account-id, default 000000000000 */
	char cgroup_parent[128];/* --cgroup-parent, default berth */
	char monitor_path[512]; /* the berth-monitor executable */
	unsigned pids_max;      /* --pids-max per task, default 4096 */
	unsigned stopped_task_ttl_s; /* how long STOPPED tasks stay visible */
	char registry_auth[512];     /* --registry-auth: Docker config.json */
	char insecure_registries[1024]; /* --insecure-registry: plain HTTP allowed */
	char image_pull[16];         /* --image-pull default|always|once */
	unsigned long long image_budget_mib; /* --image-budget-mib, 0: unlimited */
	unsigned long long log_stream_max_mib; /* --log-stream-max-mib, 0: unlimited */
	unsigned log_retention_interval_s;     /* --log-retention-interval, default 60 */
	char logs_forward_endpoint[256];     /* --logs-forward-endpoint URL, "" = off */
	char logs_forward_region[64];        /* --logs-forward-region, default --region */
	char logs_forward_credentials[512];  /* --logs-forward-credentials FILE */
	char userns[8];              /* --userns auto|off, default auto */
	bool userns_on;              /* auto and the kernel supports it */
	bool debug;
};

struct berth_daemon {
	struct berth_config cfg;
	struct store *store;
	struct image_store *images;
	struct logstore *logs;
	struct runner *runner;
	struct cgroup_host *cgroups; /* NULL when the host has no usable cgroups */
	struct credentials *creds;
	struct storage_host *storage; /* ephemeral storage: recovery and the pool */
	struct logs_forwarder *forwarder; /* NULL unless forwarding logs */
	int64_t started_at_ms;
};

#endif
