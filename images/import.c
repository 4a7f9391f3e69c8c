/* import.c: image_load_archive(): an OCI image-layout archive (as
 * `skopeo copy ... oci-archive:` writes it) or a `docker save` archive.
 * The archive is extracted into DIR/tmp/, every blob it uses is checked
 * against its digest and moved into the store, layers are unpacked, and
 * only then are the names recorded.  docker-save archives carry no
 * manifest: berth writes an OCI manifest for them from the config and
 * layer digests and uses its digest as the image's. */
#include "store_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/ids.h"
#include "common/json.h"

/* Names an archive carries point at its manifest, as "archive" images. */
static int archive_refs(struct image_store *s, char **names, size_t n, const char *digest,
			struct berth_err *err)
{
	struct ref_record rec = { .source = "archive" };

	snprintf(rec.digest, sizeof(rec.digest), "%s", digest);
	snprintf(rec.repo_digest, sizeof(rec.repo_digest), "%s", digest);
	return refs_set(s, (const char *const *)names, n, &rec, err);
}

static int add_name(char ***names, size_t *n, const char *raw, struct berth_err *err)
{
	struct image_ref ref;
	char **v;

	if (image_ref_parse(raw, &ref, err) < 0)
		return berth_err_wrap(err, "image name '%s' in the archive", raw);
	v = realloc(*names, (*n + 2) * sizeof(*v));
	if (v == NULL)
		return berth_err_set(err, ENOMEM, "names");
	*names = v;
	v[(*n)++] = strdup(ref.normalized);
	v[*n] = NULL;
	return 0;
}

static int import_manifest_blobs(struct image_store *s, const char *root, const cJSON *manifest,
				 struct berth_err *err)
{
	const cJSON *config = cJSON_GetObjectItemCaseSensitive(manifest, "config");
	const cJSON *l;
	char p[1200], dir[600];
	const char *d = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(config, "digest"));

	if (d == NULL || strlen(d) != 71)
		return berth_err_set(err, EINVAL, "manifest without a config digest");
	snprintf(p, sizeof(p), "%s/blobs/sha256/%s", root, d + 7);
	if (access(p, F_OK) == 0 && blob_import(s, p, d, NULL, err) < 0)
		return -1;
	cJSON_ArrayForEach(l, cJSON_GetObjectItemCaseSensitive(manifest, "layers")) {
		d = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(l, "digest"));
		if (d == NULL || strlen(d) != 71)
			return berth_err_set(err, EINVAL, "manifest layer without a digest");
		snprintf(p, sizeof(p), "%s/blobs/sha256/%s", root, d + 7);
		if (access(p, F_OK) == 0 && blob_import(s, p, d, NULL, err) < 0)
			return -1;
		if (layer_ensure(s, d, dir, sizeof(dir), err) < 0)
			return -1;
	}
	return 0;
}

static int import_oci(struct image_store *s, const char *root, char ***names, size_t *n,
		      struct berth_err *err)
{
	char p[1200];
	cleanup_json cJSON *index = NULL;
	const cJSON *m;

	snprintf(p, sizeof(p), "%s/index.json", root);
	index = json_read_file(p, err);
	if (index == NULL)
		return -1;
	cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(index, "manifests")) {
		const char *d = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(m, "digest"));
		const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
			cJSON_GetObjectItemCaseSensitive(m, "annotations"), "org.opencontainers.image.ref.name"));
		cleanup_json cJSON *manifest = NULL;
		size_t first = *n;
		if (d == NULL || strlen(d) != 71)
			return berth_err_set(err, EINVAL, "index.json: manifest without a digest");
		snprintf(p, sizeof(p), "%s/blobs/sha256/%s", root, d + 7);
		if (blob_import(s, p, d, NULL, err) < 0)
			return -1;
		manifest = blob_read_json(s, d, err);
		if (manifest == NULL || import_manifest_blobs(s, root, manifest, err) < 0)
			return -1;
		if (name && add_name(names, n, name, err) < 0)
			return -1;
		if (*n > first && archive_refs(s, *names + first, *n - first, d, err) < 0)
			return -1;
	}
	return 0;
}

/* An OCI manifest for a docker-save image: config + layer digests. */
static int docker_manifest(struct image_store *s, const char *root, const cJSON *entry, char got[72],
			   struct berth_err *err)
{
	cleanup_json cJSON *man = cJSON_CreateObject();
	cleanup_free char *text = NULL;
	cJSON *cfg, *layers;
	const cJSON *l;
	char p[1200], d[72];
	const char *config = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(entry, "Config"));

	if (config == NULL || strstr(config, ".."))
		return berth_err_set(err, EINVAL, "manifest.json: bad Config");
	cJSON_AddNumberToObject(man, "schemaVersion", 2);
	cJSON_AddStringToObject(man, "mediaType", "application/vnd.oci.image.manifest.v1+json");
	snprintf(p, sizeof(p), "%s/%s", root, config);
	if (blob_import(s, p, NULL, d, err) < 0)
		return -1;
	cfg = cJSON_AddObjectToObject(man, "config");
	cJSON_AddStringToObject(cfg, "mediaType", "application/vnd.oci.image.config.v1+json");
	cJSON_AddStringToObject(cfg, "digest", d);
	layers = cJSON_AddArrayToObject(man, "layers");
	cJSON_ArrayForEach(l, cJSON_GetObjectItemCaseSensitive(entry, "Layers")) {
		cJSON *o = cJSON_CreateObject();
		char dir[600];
		if (!cJSON_IsString(l) || strstr(l->valuestring, "..")) {
			cJSON_Delete(o);
			return berth_err_set(err, EINVAL, "manifest.json: bad layer path");
		}
		snprintf(p, sizeof(p), "%s/%s", root, l->valuestring);
		if (blob_import(s, p, NULL, d, err) < 0 || layer_ensure(s, d, dir, sizeof(dir), err) < 0) {
			cJSON_Delete(o);
			return -1;
		}
		cJSON_AddStringToObject(o, "mediaType", "application/vnd.oci.image.layer.v1.tar");
		cJSON_AddStringToObject(o, "digest", d);
		cJSON_AddItemToArray(layers, o);
	}
	text = cJSON_PrintUnformatted(man);
	return text ? blob_put(s, text, strlen(text), got, err) : berth_err_set(err, ENOMEM, "manifest");
}

static int import_docker(struct image_store *s, const char *root, char ***names, size_t *n,
			 struct berth_err *err)
{
	char p[1200], digest[72];
	cleanup_json cJSON *list = NULL;
	const cJSON *e, *t;

	snprintf(p, sizeof(p), "%s/manifest.json", root);
	list = json_read_file(p, err);
	if (list == NULL)
		return -1;
	cJSON_ArrayForEach(e, list) {
		size_t first = *n;
		if (docker_manifest(s, root, e, digest, err) < 0)
			return -1;
		cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(e, "RepoTags"))
			if (cJSON_IsString(t) && add_name(names, n, t->valuestring, err) < 0)
				return -1;
		if (*n > first && archive_refs(s, *names + first, *n - first, digest, err) < 0)
			return -1;
	}
	return 0;
}

int image_load_archive(struct image_store *s, const char *archive_path, char ***names_out,
		       struct berth_err *err)
{
	char root[600], p[700], rnd[17];
	char **names = calloc(1, sizeof(char *));
	size_t n = 0;
	int rc;

	if (names == NULL || id_random_hex(rnd, 16, err) < 0)
		return berth_err_set(err, ENOMEM, "import");
	snprintf(root, sizeof(root), "%s/tmp/import-%s", s->dir, rnd);
	rc = fs_mkdir_p(root, 0700, err);
	if (rc == 0)
		rc = archive_extract_plain(archive_path, root, err);
	snprintf(p, sizeof(p), "%s/index.json", root);
	if (rc == 0 && access(p, F_OK) == 0) {
		rc = import_oci(s, root, &names, &n, err);
	} else if (rc == 0) {
		snprintf(p, sizeof(p), "%s/manifest.json", root);
		rc = access(p, F_OK) == 0 ? import_docker(s, root, &names, &n, err)
					  : berth_err_set(err, EINVAL, "neither an OCI layout nor a docker-save archive");
	}
	{
		struct berth_err ignored = { 0 };
		fs_rm_rf(root, &ignored);
	}
	if (rc < 0) {
		berth_strv_free(names);
		return berth_err_wrap(err, "import %s", archive_path);
	}
	if (names_out)
		*names_out = names;
	else
		berth_strv_free(names);
	return 0;
}
