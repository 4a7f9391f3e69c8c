/* image_use.c: what the image store's garbage collection must keep: the
 * imageDigest of every container of every task that is not STOPPED. */
#include "runner.h"

#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "daemon.h"
#include "store.h"
#include "task_doc.h"

static void add_digest(char ***v, size_t *n, const char *d)
{
	char **nv;

	for (size_t i = 0; i < *n; i++)
		if (strcmp((*v)[i], d) == 0)
			return;
	nv = realloc(*v, (*n + 2) * sizeof(char *));
	if (nv == NULL)
		return;
	*v = nv;
	(*v)[(*n)++] = strdup(d);
	(*v)[*n] = NULL;
}

char **runner_images_in_use(void *arg)
{
	struct berth_daemon *d = arg;
	struct berth_err err = { 0 };
	cleanup_strv char **ids = NULL;
	char **digests = calloc(1, sizeof(char *));
	size_t n = 0;

	if (digests == NULL || store_task_list_live(d->store, &ids, &err) < 0)
		return digests;
	for (size_t i = 0; ids && ids[i]; i++) {
		cleanup_json cJSON *doc = NULL;
		const cJSON *c;
		if (store_task_get(d->store, ids[i], &doc, &err) <= 0)
			continue;
		cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(doc, "containers")) {
			const char *digest = task_doc_str(c, "imageDigest");
			if (digest)
				add_digest(&digests, &n, digest);
		}
	}
	return digests;
}
