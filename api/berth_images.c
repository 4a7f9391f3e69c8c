/* berth_images.c: berth's own image actions on the unix socket (target
 * Berth.*, for `berth image ...`): PullImage, ListImages, PruneImages.
 * LoadImage lives with the task handlers. */
#include <stdio.h>
#include <string.h>

#include "api_error.h"
#include "common/json.h"
#include "ecs_common.h"
#include "ecs_handlers.h"
#include "images/images.h"
#include "runner/daemon.h"

int berth_pull_image(struct berth_daemon *d, const cJSON *req, cJSON **resp, struct api_error *e)
{
	struct berth_err err = { 0 };
	const char *image = NULL, *arch = NULL;
	char digest[72];
	int rc;

	if (api_opt_string(req, "image", &image, e) < 0 || api_opt_string(req, "arch", &arch, e) < 0)
		return -1;
	if (image == NULL)
		return api_invalid_param(e, "image is required");
	struct image_request ir = { .ref = image, .arch = arch };
	image_store_hold(d->images);
	rc = image_pull(d->images, &ir, digest, &err);
	image_store_release(d->images);
	if (rc < 0)
		return api_client_error(e, "CannotPullContainerError: %s", err.msg);
	*resp = cJSON_CreateObject();
	cJSON_AddStringToObject(*resp, "image", image);
	cJSON_AddStringToObject(*resp, "imageDigest", digest);
	return 0;
}

int berth_list_images(struct berth_daemon *d, const cJSON *req, cJSON **resp, struct api_error *e)
{
	struct berth_err err = { 0 };
	cJSON *list = image_list(d->images, &err);

	(void)req;
	if (list == NULL)
		return api_error_set(e, 500, "ServerException", "list images: %s", err.msg);
	*resp = cJSON_CreateObject();
	cJSON_AddItemToObject(*resp, "images", list);
	return 0;
}

int berth_prune_images(struct berth_daemon *d, const cJSON *req, cJSON **resp, struct api_error *e)
{
	struct berth_err err = { 0 };
	struct image_gc_result res;

	(void)req;
	if (image_gc(d->images, true, &res, &err) < 0)
		return api_error_set(e, 500, "ServerException", "prune images: %s", err.msg);
	*resp = cJSON_CreateObject();
	cJSON_AddNumberToObject(*resp, "imagesRemoved", res.images_removed);
	cJSON_AddNumberToObject(*resp, "blobsRemoved", res.blobs_removed);
	cJSON_AddNumberToObject(*resp, "layersRemoved", res.layers_removed);
	cJSON_AddNumberToObject(*resp, "bytesFreed", (double)res.bytes_freed);
	cJSON_AddNumberToObject(*resp, "bytesKept", (double)res.bytes_kept);
	return 0;
}
