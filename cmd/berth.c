/* berth.c: the small command-line client of a local berthd.  It talks
 * to the daemon over RUN_DIR/api.sock (trusted, no signature):
 *   berth [--run-dir DIR] image load ARCHIVE
 *   berth [--run-dir DIR] image pull REF | image ls | image prune
 *   berth [--run-dir DIR] call TARGET [JSON]   (e.g. ecs.ListClusters) */
#include <curl/curl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"

static const struct {
	const char *short_name, *prefix;
} targets[] = {
	{ "ecs", "AmazonEC2ContainerServiceV20141113" },
	{ "logs", "Logs_20140328" },
	{ "berth", "Berth" },
};

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
	fwrite(data, size, n, arg);
	return size * n;
}

static int call(const char *run_dir, const char *target, const char *body)
{
	char sock[PATH_MAX], header[512];
	struct curl_slist *hdrs = NULL;
	long status = 0;
	CURL *c = curl_easy_init();
	CURLcode rc;

	if (c == NULL)
		return 1;
	snprintf(sock, sizeof(sock), "%s/api.sock", run_dir);
	snprintf(header, sizeof(header), "X-Amz-Target: %s", target);
	hdrs = curl_slist_append(hdrs, header);
	hdrs = curl_slist_append(hdrs, "Content-Type: application/x-amz-json-1.1");
	curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, sock);
	curl_easy_setopt(c, CURLOPT_URL, "http://localhost/");
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, stdout);
	rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	else
		fprintf(stderr, "berth: %s: %s\n", sock, curl_easy_strerror(rc));
	printf("\n");
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(c);
	return rc == CURLE_OK && status == 200 ? 0 : 1;
}

static int image_load(const char *run_dir, const char *archive)
{
	char real[PATH_MAX], body[PATH_MAX + 32];

	if (realpath(archive, real) == NULL) {
		perror(archive);
		return 1;
	}
	if (strchr(real, '"') || strchr(real, '\\')) {
		fprintf(stderr, "berth: unsupported characters in %s\n", real);
		return 1;
	}
	snprintf(body, sizeof(body), "{\"path\":\"%s\"}", real);
	return call(run_dir, "Berth.LoadImage", body);
}

/* berth image pull REF | ls | prune */
static int image_cmd(const char *run_dir, int argc, char **argv)
{
	char body[1200];

	if (argc == 2 && strcmp(argv[0], "pull") == 0) {
		if (strpbrk(argv[1], "\"\\")) {
			fprintf(stderr, "berth: unsupported characters in %s\n", argv[1]);
			return 1;
		}
		snprintf(body, sizeof(body), "{\"image\":\"%s\"}", argv[1]);
		return call(run_dir, "Berth.PullImage", body);
	}
	if (argc == 1 && strcmp(argv[0], "ls") == 0)
		return call(run_dir, "Berth.ListImages", "{}");
	if (argc == 1 && strcmp(argv[0], "prune") == 0)
		return call(run_dir, "Berth.PruneImages", "{}");
	return -1;
}

static int usage(void)
{
	fprintf(stderr, "usage: berth [--run-dir DIR] image load ARCHIVE\n"
			"       berth [--run-dir DIR] image pull REF | image ls | image prune\n"
			"       berth [--run-dir DIR] call ecs|logs|berth.ACTION [JSON]\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *run_dir = "/run/berth";
	int i = 1;

	if (argc > 2 && strcmp(argv[1], "--run-dir") == 0) {
		run_dir = argv[2];
		i = 3;
	}
	if (argc - i == 3 && strcmp(argv[i], "image") == 0 && strcmp(argv[i + 1], "load") == 0)
		return image_load(run_dir, argv[i + 2]);
	if (argc - i >= 2 && strcmp(argv[i], "image") == 0) {
		int rc = image_cmd(run_dir, argc - i - 1, argv + i + 1);
		if (rc >= 0)
			return rc;
	}
	if ((argc - i == 2 || argc - i == 3) && strcmp(argv[i], "call") == 0) {
		const char *dot = strchr(argv[i + 1], '.');
		char target[256];
		for (size_t t = 0; dot && t < sizeof(targets) / sizeof(targets[0]); t++) {
			if (strncmp(argv[i + 1], targets[t].short_name, (size_t)(dot - argv[i + 1])) != 0)
				continue;
			snprintf(target, sizeof(target), "%s%s", targets[t].prefix, dot);
			return call(run_dir, target, argc - i == 3 ? argv[i + 2] : "{}");
		}
	}
	return usage();
}
