/* berthd.c: the berth daemon's main: flags, the daemon context, start-up
 * in dependency order (dirs and lock, state store, images, credentials,
 * cgroups, runner + recovery, listeners), and an orderly stop on SIGTERM
 * or SIGINT that leaves every task and monitor running. */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "api/credentials.h"
#include "api/http.h"
#include "api/logs_forward.h"
#include "common/cleanup.h"
#include "common/fs.h"
#include "common/ids.h"
#include "common/log.h"
#include "images/images.h"
#include "isolation/cgroup.h"
#include "isolation/storage.h"
#include "isolation/userns.h"
#include "runner/arn.h"
#include "runner/daemon.h"
#include "runner/logstore.h"
#include "runner/runner.h"
#include "runner/store.h"

struct flag {
	const char *name;
	const char *arg;
	const char *help;
	char *dest;
	size_t size;
};

static void usage(FILE *out, const struct flag *flags)
{
	fprintf(out, "usage: berthd [OPTIONS]\n\n"
		     "Runs Amazon ECS task definitions as isolated tasks on this host and serves\n"
		     "the ECS and CloudWatch Logs APIs.  Must run as root.\n\nOptions:\n");
	for (const struct flag *f = flags; f->name; f++)
		fprintf(out, "  --%s %-10s %s%s%s%s\n", f->name, f->arg ? f->arg : "", f->help,
			f->dest && f->dest[0] ? " (default " : "", f->dest ? f->dest : "",
			f->dest && f->dest[0] ? ")" : "");
	fprintf(out, "  --debug              verbose logging\n  --help               this text\n");
}

static int parse_flags(int argc, char **argv, struct berth_config *cfg)
{
	char pids[16], ttl[16], budget[24], logmax[24], logint[16];
	snprintf(pids, sizeof(pids), "%u", cfg->pids_max);
	snprintf(ttl, sizeof(ttl), "%u", cfg->stopped_task_ttl_s);
	snprintf(budget, sizeof(budget), "%llu", cfg->image_budget_mib);
	snprintf(logmax, sizeof(logmax), "%llu", cfg->log_stream_max_mib);
	snprintf(logint, sizeof(logint), "%u", cfg->log_retention_interval_s);
	const struct flag flags[] = {
		{ "state-dir", "DIR", "durable state: database, images, task data", cfg->state_dir, sizeof(cfg->state_dir) },
		{ "run-dir", "DIR", "runtime files: sockets, monitor state", cfg->run_dir, sizeof(cfg->run_dir) },
		{ "listen", "HOST:PORT", "TCP listener for the AWS APIs (SigV4 required)", cfg->listen, sizeof(cfg->listen) },
		{ "region", "REGION", "region in ARNs and signatures", cfg->region, sizeof(cfg->region) },
		{ "account-id", "ID", "account id in ARNs", cfg->account_id, sizeof(cfg->account_id) },
		{ "cgroup-parent", "NAME", "berth's cgroup subtree under each hierarchy", cfg->cgroup_parent, sizeof(cfg->cgroup_parent) },
		{ "monitor", "PATH", "berth-monitor executable (default: beside berthd)", cfg->monitor_path, sizeof(cfg->monitor_path) },
		{ "pids-max", "N", "process limit of each task", pids, sizeof(pids) },
		{ "stopped-task-ttl", "SECONDS", "how long STOPPED tasks stay visible", ttl, sizeof(ttl) },
		{ "registry-auth", "FILE", "registry credentials, Docker config.json format", cfg->registry_auth, sizeof(cfg->registry_auth) },
		{ "insecure-registry", "LIST", "registries (host[:port], comma-separated) allowed over plain HTTP", cfg->insecure_registries, sizeof(cfg->insecure_registries) },
		{ "image-pull", "POLICY", "when task starts pull: default, always, once", cfg->image_pull, sizeof(cfg->image_pull) },
		{ "image-budget-mib", "MIB", "collect unused images past this store size (0: never)", budget, sizeof(budget) },
		{ "log-stream-max-mib", "MIB", "drop a log stream's oldest events past this size (0: never)", logmax, sizeof(logmax) },
		{ "log-retention-interval", "SECONDS", "how often log retention runs", logint, sizeof(logint) },
		{ "logs-forward-endpoint", "URL", "also send every log event to this CloudWatch Logs endpoint", cfg->logs_forward_endpoint, sizeof(cfg->logs_forward_endpoint) },
		{ "logs-forward-region", "REGION", "region the forwarded requests are signed for (default --region)", cfg->logs_forward_region, sizeof(cfg->logs_forward_region) },
		{ "logs-forward-credentials", "FILE", "AWS credentials file whose first key pair signs them", cfg->logs_forward_credentials, sizeof(cfg->logs_forward_credentials) },
		{ "userns", "MODE", "auto: each task in its own user namespace and uid range; off", cfg->userns, sizeof(cfg->userns) },
		{ NULL, NULL, NULL, NULL, 0 },
	};
	struct option opts[32];
	size_t n = 0;

	for (; flags[n].name; n++)
		opts[n] = (struct option){ flags[n].name, required_argument, NULL, (int)n };
	opts[n++] = (struct option){ "debug", no_argument, NULL, 100 };
	opts[n++] = (struct option){ "help", no_argument, NULL, 101 };
	opts[n] = (struct option){ 0 };
	for (int c; (c = getopt_long(argc, argv, "", opts, NULL)) != -1;) {
		if (c == 100) {
			cfg->debug = true;
		} else if (c == 101) {
			usage(stdout, flags);
			exit(0);
		} else if (c >= 0 && c < (int)(sizeof(flags) / sizeof(flags[0])) - 1) {
			snprintf(flags[c].dest, flags[c].size, "%s", optarg);
		} else {
			usage(stderr, flags);
			return -1;
		}
	}
	cfg->pids_max = (unsigned)strtoul(pids, NULL, 10);
	cfg->stopped_task_ttl_s = (unsigned)strtoul(ttl, NULL, 10);
	cfg->image_budget_mib = strtoull(budget, NULL, 10);
	cfg->log_stream_max_mib = strtoull(logmax, NULL, 10);
	cfg->log_retention_interval_s = (unsigned)strtoul(logint, NULL, 10);
	if (cfg->log_retention_interval_s == 0)
		cfg->log_retention_interval_s = 1;
	if (strcmp(cfg->userns, "auto") != 0 && strcmp(cfg->userns, "off") != 0) {
		fprintf(stderr, "berthd: --userns must be auto or off, not %s\n", cfg->userns);
		return -1;
	}
	cfg->userns_on = strcmp(cfg->userns, "auto") == 0 && userns_supported();
	return 0;
}

static void default_config(struct berth_config *cfg)
{
	char exe[PATH_MAX] = "";
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->state_dir, sizeof(cfg->state_dir), "/var/lib/berth");
	snprintf(cfg->run_dir, sizeof(cfg->run_dir), "/run/berth");
	snprintf(cfg->listen, sizeof(cfg->listen), "127.0.0.1:8670");
	snprintf(cfg->region, sizeof(cfg->region), "us-east-1");
	snprintf(cfg->account_id, sizeof(cfg->account_id), "000000000000");
	snprintf(cfg->cgroup_parent, sizeof(cfg->cgroup_parent), "berth");
	if (n > 0) {
		exe[n] = '\0';
		snprintf(cfg->monitor_path, sizeof(cfg->monitor_path), "%s/berth-monitor", dirname(exe));
	}
	cfg->pids_max = 4096;
	cfg->stopped_task_ttl_s = 3600;
	cfg->log_retention_interval_s = 60;
	snprintf(cfg->image_pull, sizeof(cfg->image_pull), "default");
	snprintf(cfg->userns, sizeof(cfg->userns), "auto");
}

static int prepare_dirs(const struct berth_config *cfg, int *lock_fd, struct berth_err *err)
{
	char path[1024];

	if (fs_mkdir_p(cfg->state_dir, 0700, err) < 0 || fs_mkdir_p(cfg->run_dir, 0700, err) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/tasks", cfg->state_dir);
	if (fs_mkdir_p(path, 0700, err) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/tasks", cfg->run_dir);
	if (fs_mkdir_p(path, 0700, err) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/berthd.lock", cfg->run_dir);
	*lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (*lock_fd < 0)
		return berth_err_errno(err, "open %s", path);
	if (flock(*lock_fd, LOCK_EX | LOCK_NB) < 0)
		return berth_err_errno(err, "another berthd uses %s (lock %s)", cfg->run_dir, path);
	return 0;
}

static int start_forwarder(struct berth_daemon *d, struct berth_err *err)
{
	struct logs_forward_options o = {
		.endpoint = d->cfg.logs_forward_endpoint,
		.region = d->cfg.logs_forward_region[0] ? d->cfg.logs_forward_region : d->cfg.region,
		.credentials = d->cfg.logs_forward_credentials,
		.state_dir = d->cfg.state_dir,
	};

	if (d->cfg.logs_forward_endpoint[0] == '\0')
		return 0;
	if (d->cfg.logs_forward_credentials[0] == '\0')
		return berth_err_set(err, 0, "--logs-forward-endpoint needs --logs-forward-credentials");
	d->forwarder = logs_forwarder_start(d->logs, &o, err);
	return d->forwarder ? 0 : -1;
}

static int open_modules(struct berth_daemon *d, struct berth_err *err)
{
	char path[1024], arn[ARN_MAX];

	d->store = store_open(d->cfg.state_dir, err);
	if (d->store == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/images", d->cfg.state_dir);
	d->images = image_store_open(path, err);
	if (d->images == NULL)
		return berth_err_wrap(err, "open image store");
	{
		struct image_registry_options ro = {
			.auth_file = d->cfg.registry_auth,
			.insecure = d->cfg.insecure_registries,
			.budget_bytes = d->cfg.image_budget_mib << 20,
			.in_use = runner_images_in_use,
			.in_use_arg = d,
		};
		if (image_pull_policy_parse(d->cfg.image_pull, &ro.policy) < 0)
			return berth_err_set(err, 0, "--image-pull %s: not default, always or once",
					     d->cfg.image_pull);
		image_store_configure(d->images, &ro);
	}
	d->logs = logstore_open(d->cfg.state_dir, err);
	if (d->logs == NULL)
		return berth_err_wrap(err, "open log store");
	snprintf(path, sizeof(path), "%s/credentials", d->cfg.state_dir);
	d->creds = credentials_load_or_create(path, err);
	if (d->creds == NULL)
		return -1;
	d->cgroups = cgroup_probe(d->cfg.cgroup_parent, err);
	if (d->cgroups == NULL)
		return berth_err_wrap(err, "cgroups");
	log_info("cgroup layout: %s", cgroup_layout_name(cgroup_host_layout(d->cgroups)));
	log_info("user namespaces: %s", d->cfg.userns_on ? "on, one uid range per task"
			: strcmp(d->cfg.userns, "off") == 0 ? "off" : "off (not supported here)");
	snprintf(path, sizeof(path), "%s/ephemeral", d->cfg.run_dir);
	d->storage = storage_probe(d->cfg.state_dir, path, err);
	if (d->storage == NULL)
		return berth_err_wrap(err, "ephemeral storage");
	storage_set_overcommit(d->storage, true);
	arn_cluster(&d->cfg, "default", arn, sizeof(arn));
	if (store_cluster_put(d->store, "default", arn, time_now_ms(), NULL, err) < 0)
		return -1;
	d->runner = runner_new(d, err);
	if (d->runner == NULL)
		return -1;
	if (runner_recover(d->runner, err) < 0)
		return -1;
	return start_forwarder(d, err);
}

static void close_modules(struct berth_daemon *d)
{
	logs_forwarder_stop(d->forwarder);
	runner_free(d->runner);
	cgroup_parent_remove(d->cgroups);
	cgroup_host_free(d->cgroups);
	storage_host_free(d->storage);
	credentials_free(d->creds);
	logstore_close(d->logs);
	image_store_close(d->images);
	store_close(d->store);
}

static int wait_for_stop(void)
{
	sigset_t set;
	int sig = 0;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigwait(&set, &sig);
	return sig;
}

int main(int argc, char **argv)
{
	static struct berth_daemon d;
	struct berth_err err = { 0 };
	struct http_server *http = NULL;
	cleanup_close int lock_fd = -1;
	char sock[1024];
	sigset_t set;
	int rc = 1;

	default_config(&d.cfg);
	if (parse_flags(argc, argv, &d.cfg) < 0)
		return 2;
	curl_global_init(CURL_GLOBAL_DEFAULT); /* before any thread: registry pulls */
	berth_log_init("berthd", d.cfg.debug ? BERTH_LOG_DEBUG : BERTH_LOG_INFO);
	if (geteuid() != 0) {
		log_error("berthd must run as root");
		return 1;
	}
	/* Block the stop signals in every thread; main waits for them. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	d.started_at_ms = time_now_ms();
	snprintf(sock, sizeof(sock), "%s/api.sock", d.cfg.run_dir);
	if (prepare_dirs(&d.cfg, &lock_fd, &err) < 0 || open_modules(&d, &err) < 0 ||
	    (http = http_server_start(&d, d.cfg.listen, sock, &err)) == NULL) {
		log_error("start: %s", err.msg);
		goto out;
	}
	log_info("listening on %s and %s (state %s)", d.cfg.listen, sock, d.cfg.state_dir);
	log_info("stopping on signal %d; tasks keep running", wait_for_stop());
	rc = 0;
out:
	http_server_stop(http);
	close_modules(&d);
	return rc;
}
