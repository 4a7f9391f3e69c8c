/* manifest.c: manifest and index documents to descriptors (see
 * manifest.h).  The media type comes from the registry's Content-Type
 * when it names one berth knows, else from the document's own
 * mediaType, else from its shape (schemaVersion 2 with "manifests" is an
 * index, with "layers" an image manifest), as containerd decides. */
#include "manifest.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/json.h"

#define MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_DOCKER_V2 "application/vnd.docker.distribution.manifest.v2+json"
#define MT_DOCKER_V1 "application/vnd.docker.distribution.manifest.v1+json"
#define MT_DOCKER_V1_SIGNED "application/vnd.docker.distribution.manifest.v1+prettyjws"

const char manifest_accept[] = "Accept: " MT_OCI_INDEX ", " MT_DOCKER_LIST ", " MT_OCI_MANIFEST
			       ", " MT_DOCKER_V2 ", " MT_DOCKER_V1_SIGNED ";q=0.1";

static const char *const layer_types[] = {
	"application/vnd.oci.image.layer.v1.tar",
	"application/vnd.oci.image.layer.v1.tar+gzip",
	"application/vnd.oci.image.layer.v1.tar+zstd",
	"application/vnd.docker.image.rootfs.diff.tar.gzip",
	"application/vnd.docker.image.rootfs.diff.tar",
	NULL,
};

bool manifest_digest_ok(const char *d)
{
	return d && strncmp(d, "sha256:", 7) == 0 && strlen(d) == 71 &&
	       strspn(d + 7, "0123456789abcdef") == 64;
}

static bool type_is(const char *t, const char *a, const char *b)
{
	return t && (strcmp(t, a) == 0 || (b && strcmp(t, b) == 0));
}

static int parse_desc(const cJSON *o, const char *what, struct manifest_desc *d, struct berth_err *err)
{
	const char *mt = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "mediaType"));
	const char *dg = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "digest"));
	const cJSON *sz = cJSON_GetObjectItemCaseSensitive(o, "size");

	if (!manifest_digest_ok(dg))
		return berth_err_set(err, 0, "manifest %s has no valid sha256 digest", what);
	if (!cJSON_IsNumber(sz) || sz->valuedouble < 0 || sz->valuedouble > 9.0e15)
		return berth_err_set(err, 0, "manifest %s %s has no valid size", what, dg);
	snprintf(d->media_type, sizeof(d->media_type), "%s", mt ? mt : "");
	snprintf(d->digest, sizeof(d->digest), "%s", dg);
	d->size = (int64_t)sz->valuedouble;
	return 0;
}

static bool layer_type_ok(const char *mt)
{
	for (size_t i = 0; layer_types[i]; i++)
		if (strcmp(mt, layer_types[i]) == 0)
			return true;
	return false;
}

static int parse_image(const cJSON *doc, struct manifest *m, struct berth_err *err)
{
	const cJSON *layers = cJSON_GetObjectItemCaseSensitive(doc, "layers");
	const cJSON *l;
	size_t n = 0;

	m->kind = MANIFEST_IMAGE;
	if (parse_desc(cJSON_GetObjectItemCaseSensitive(doc, "config"), "config", &m->config, err) < 0)
		return -1;
	if (!cJSON_IsArray(layers) || cJSON_GetArraySize(layers) == 0)
		return berth_err_set(err, 0, "image manifest has no layers");
	m->layers = calloc((size_t)cJSON_GetArraySize(layers), sizeof(*m->layers));
	if (m->layers == NULL)
		return berth_err_set(err, ENOMEM, "manifest layers");
	cJSON_ArrayForEach(l, layers) {
		struct manifest_desc *d = &m->layers[n];
		if (parse_desc(l, "layer", d, err) < 0)
			return -1;
		m->n_layers = ++n;
		if (!layer_type_ok(d->media_type))
			return berth_err_set(err, 0, "layer %s has unsupported media type '%s'",
					     d->digest, d->media_type);
	}
	return 0;
}

static bool platform_matches(const cJSON *p, const struct manifest_platform *want)
{
	const char *os = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p, "os"));
	const char *arch = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p, "architecture"));
	const char *variant = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p, "variant"));

	if (os == NULL || arch == NULL || strcmp(os, want->os) != 0 || strcmp(arch, want->arch) != 0)
		return false;
	return !want->variant || !want->variant[0] || !variant || strcmp(variant, want->variant) == 0;
}

static int parse_index(const cJSON *doc, const struct manifest_platform *want, struct manifest *m,
		       struct berth_err *err)
{
	const cJSON *entries = cJSON_GetObjectItemCaseSensitive(doc, "manifests");
	const cJSON *e;

	m->kind = MANIFEST_INDEX;
	if (!cJSON_IsArray(entries))
		return berth_err_set(err, 0, "image index has no manifests");
	cJSON_ArrayForEach(e, entries) {
		if (!platform_matches(cJSON_GetObjectItemCaseSensitive(e, "platform"), want))
			continue;
		return parse_desc(e, "index entry", &m->platform_entry, err);
	}
	return berth_err_set(err, 0, "no matching manifest for %s/%s%s%s in the manifest list entries",
			     want->os, want->arch, want->variant && want->variant[0] ? "/" : "",
			     want->variant ? want->variant : "");
}

/* The media type that decides: a known Content-Type, else the
 * document's, else its shape. */
static const char *decide_type(const cJSON *doc, const char *content_type, char *buf, size_t len)
{
	const char *own = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "mediaType"));
	const cJSON *sv = cJSON_GetObjectItemCaseSensitive(doc, "schemaVersion");

	if (content_type && content_type[0]) {
		snprintf(buf, len, "%.*s", (int)strcspn(content_type, "; "), content_type);
		if (type_is(buf, MT_OCI_INDEX, MT_DOCKER_LIST) || type_is(buf, MT_OCI_MANIFEST, MT_DOCKER_V2) ||
		    type_is(buf, MT_DOCKER_V1, MT_DOCKER_V1_SIGNED))
			return buf;
	}
	if (own)
		return own;
	if (cJSON_IsNumber(sv) && sv->valueint == 1)
		return MT_DOCKER_V1;
	if (cJSON_GetObjectItemCaseSensitive(doc, "manifests"))
		return MT_OCI_INDEX;
	if (cJSON_GetObjectItemCaseSensitive(doc, "layers"))
		return MT_OCI_MANIFEST;
	return "";
}

int manifest_parse(const char *body, size_t len, const char *content_type,
		   const struct manifest_platform *want, struct manifest *out, struct berth_err *err)
{
	cleanup_json cJSON *doc = NULL;
	char ctbuf[128];
	const char *mt;
	int rc;

	memset(out, 0, sizeof(*out));
	if (len > MANIFEST_MAX_BYTES)
		return berth_err_set(err, 0, "manifest is larger than %d bytes", MANIFEST_MAX_BYTES);
	doc = cJSON_ParseWithLength(body, len);
	if (!cJSON_IsObject(doc))
		return berth_err_set(err, 0, "manifest is not a JSON object");
	mt = decide_type(doc, content_type, ctbuf, sizeof(ctbuf));
	snprintf(out->media_type, sizeof(out->media_type), "%s", mt);
	if (type_is(mt, MT_DOCKER_V1, MT_DOCKER_V1_SIGNED))
		return berth_err_set(err, 0,
				     "image manifest is Docker schema 1, which is deprecated and not "
				     "supported; push the image again with a current client");
	if (type_is(mt, MT_OCI_INDEX, MT_DOCKER_LIST))
		rc = parse_index(doc, want, out, err);
	else if (type_is(mt, MT_OCI_MANIFEST, MT_DOCKER_V2))
		rc = parse_image(doc, out, err);
	else
		rc = berth_err_set(err, 0, "unsupported manifest media type '%s'", mt);
	if (rc < 0)
		manifest_free(out);
	return rc;
}

void manifest_free(struct manifest *m)
{
	free(m->layers);
	m->layers = NULL;
	m->n_layers = 0;
}
