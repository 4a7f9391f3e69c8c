/* pull.c: images from registries into the store: image_pull() fetches a
 * reference's manifest (picking the task's platform from an index), its
 * config and every layer the store lacks, each verified before it is
 * committed, then unpacks the layers and names the image; image_get()
 * decides from the pull policy whether a task start pulls at all.  One
 * flight per reference, per blob and per layer, so concurrent task
 * starts share the work. */
#include "store_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "registry.h"

int image_pull_policy_parse(const char *s, enum image_pull_policy *out)
{
	if (s == NULL || s[0] == '\0' || strcmp(s, "default") == 0)
		*out = IMAGE_PULL_DEFAULT;
	else if (strcmp(s, "always") == 0)
		*out = IMAGE_PULL_ALWAYS;
	else if (strcmp(s, "once") == 0 || strcmp(s, "prefer-cached") == 0)
		*out = IMAGE_PULL_ONCE;
	else
		return -1;
	return 0;
}

void image_store_configure(struct image_store *s, const struct image_registry_options *o)
{
	snprintf(s->auth_file, sizeof(s->auth_file), "%s", o->auth_file ? o->auth_file : "");
	snprintf(s->insecure, sizeof(s->insecure), "%s", o->insecure ? o->insecure : "");
	s->policy = o->policy;
	s->budget_bytes = o->budget_bytes;
	s->in_use = o->in_use;
	s->in_use_arg = o->in_use_arg;
}

void image_store_hold(struct image_store *s)
{
	pthread_rwlock_rdlock(&s->gc_lock);
}


static bool listed_insecure(const struct image_store *s, const char *domain)
{
	size_t n = strlen(domain);

	for (const char *p = s->insecure; *p; p += strspn(p, ", ")) {
		size_t len = strcspn(p, ", ");
		if (len == n && strncmp(p, domain, n) == 0)
			return true;
		p += len;
	}
	return false;
}

static int find_credentials(struct image_store *s, const struct image_ref *ref,
			    const char *parameter, struct registry_auth *auth, struct berth_err *err)
{
	int rc;

	if (parameter && parameter[0]) {
		rc = registry_auth_lookup(s->auth_file, parameter, true, auth, err);
		if (rc == 0) {
			berth_err_set(err, 0,
				      "unable to pull secrets or registry auth: repositoryCredentials "
				      "%s: no such entry in the registry auth file%s%s",
				      parameter, s->auth_file[0] ? " " : " (berthd has no --registry-auth)",
				      s->auth_file);
			err->code = ENOKEY;
			return -1;
		}
		return rc < 0 ? -1 : 0;
	}
	return registry_auth_lookup(s->auth_file, ref->domain, false, auth, err) < 0 ? -1 : 0;
}

static int fetch_blob(struct image_store *s, struct registry *reg, const struct manifest_desc *d,
		      struct berth_err *err)
{
	char key[96], blob[600], partial[600];
	int rc = 0;

	blob_path(s, d->digest, blob, sizeof(blob));
	if (access(blob, F_OK) == 0)
		return 0;
	snprintf(key, sizeof(key), "blob:%s", d->digest);
	if (!flight_join(&s->flights, key, &rc, NULL, 0, err))
		return rc;
	snprintf(partial, sizeof(partial), "%s/partial/%s", s->dir, d->digest + 7);
	rc = registry_get_blob(reg, d->digest, d->size, partial, err);
	if (rc == 0)
		rc = blob_commit(s, partial, d->digest, err);
	if (rc < 0)
		berth_err_wrap(err, "failed to copy: blob %s", d->digest);
	flight_land(&s->flights, key, rc, NULL, err);
	return rc;
}

static int unpack_layer(struct image_store *s, const char *digest, struct berth_err *err)
{
	char key[96], dir[600];
	int rc = 0;

	snprintf(dir, sizeof(dir), "%s/layers/%s", s->dir, digest + 7);
	if (access(dir, F_OK) == 0)
		return 0;
	snprintf(key, sizeof(key), "layer:%s", digest);
	if (!flight_join(&s->flights, key, &rc, NULL, 0, err))
		return rc;
	rc = layer_ensure(s, digest, dir, sizeof(dir), err);
	flight_land(&s->flights, key, rc, NULL, err);
	return rc;
}

/* GET a manifest, check it is what was asked for, keep it. */
static int get_manifest(struct image_store *s, struct registry *reg, const char *reference,
			const char *want_digest, const char *arch, struct manifest *m, char digest[72],
			struct berth_err *err)
{
	struct manifest_platform want = image_platform(arch);
	cleanup_free char *body = NULL;
	char ct[128], got[72];
	size_t len = 0;

	if (registry_get_manifest(reg, reference, &body, &len, ct, digest, err) < 0)
		return -1;
	if (want_digest && strcmp(want_digest, digest) != 0)
		return berth_err_set(err, 0, "manifest %s: digest mismatch: content is %s", want_digest, digest);
	if (manifest_parse(body, len, ct, &want, m, err) < 0)
		return -1;
	if (blob_put(s, body, len, got, err) < 0) {
		manifest_free(m);
		return -1;
	}
	return 0;
}

/* The image manifest for the task's platform: through the index when
 * the reference names one.  top gets what the reference resolved to. */
static int resolve_remote(struct image_store *s, struct registry *reg, const struct image_ref *ref,
			  const char *arch, struct manifest *m, char top[72], struct berth_err *err)
{
	const char *reference = ref->digest[0] ? ref->digest : ref->tag;
	char entry_digest[72];

	if (get_manifest(s, reg, reference, ref->digest[0] ? ref->digest : NULL, arch, m, top, err) < 0)
		return berth_err_wrap(err, "failed to resolve ref %s", ref->normalized);
	if (m->kind == MANIFEST_IMAGE)
		return 0;
	snprintf(entry_digest, sizeof(entry_digest), "%s", m->platform_entry.digest);
	manifest_free(m);
	if (get_manifest(s, reg, entry_digest, entry_digest, arch, m, entry_digest, err) < 0)
		return berth_err_wrap(err, "%s: platform manifest", ref->normalized);
	if (m->kind != MANIFEST_IMAGE) {
		manifest_free(m);
		return berth_err_set(err, 0, "%s: index entry %s is not an image manifest", ref->normalized,
				     entry_digest);
	}
	return 0;
}

static int fetch_image(struct image_store *s, struct registry *reg, const struct manifest *m,
		       struct berth_err *err)
{
	if (fetch_blob(s, reg, &m->config, err) < 0)
		return -1;
	for (size_t i = 0; i < m->n_layers; i++) {
		char dir[600];
		snprintf(dir, sizeof(dir), "%s/layers/%s", s->dir, m->layers[i].digest + 7);
		if (access(dir, F_OK) == 0)
			continue;
		if (fetch_blob(s, reg, &m->layers[i], err) < 0)
			return -1;
	}
	for (size_t i = 0; i < m->n_layers; i++)
		if (unpack_layer(s, m->layers[i].digest, err) < 0)
			return -1;
	return 0;
}

static int pull_held(struct image_store *s, const struct image_ref *ref, const struct image_request *req,
		     char top[72], struct berth_err *err)
{
	struct registry_auth auth;
	struct registry *reg;
	struct manifest m;
	int rc;

	if (find_credentials(s, ref, req->credentials_parameter, &auth, err) < 0)
		return -1;
	reg = registry_open(ref->domain, ref->path, &auth, listed_insecure(s, ref->domain), err);
	explicit_bzero(&auth, sizeof(auth));
	if (reg == NULL)
		return berth_err_wrap(err, "failed to resolve ref %s", ref->normalized);
	rc = resolve_remote(s, reg, ref, req->arch, &m, top, err);
	if (rc == 0) {
		rc = fetch_image(s, reg, &m, err);
		manifest_free(&m);
	}
	registry_close(reg);
	if (rc == 0 && !ref->digest[0]) {
		struct ref_record rec = { .source = "registry" };
		char name[1024];
		const char *names[] = { name };
		snprintf(name, sizeof(name), "%s/%s:%s", ref->domain, ref->path, ref->tag);
		snprintf(rec.digest, sizeof(rec.digest), "%s", top);
		snprintf(rec.repo_digest, sizeof(rec.repo_digest), "%s", top);
		rc = refs_set(s, names, 1, &rec, err);
	}
	return rc;
}

static void collect_if_over_budget(struct image_store *s)
{
	struct image_gc_result res;
	struct berth_err err = { 0 };

	if (s->budget_bytes == 0)
		return;
	if (image_gc(s, false, &res, &err) < 0)
		log_warn("image garbage collection: %s", err.msg);
	else if (res.images_removed)
		log_info("image store over its budget: removed %u images, %llu bytes", res.images_removed,
			 res.bytes_freed);
}

/* Collection needs the write lock, so it runs where no lock is held:
 * after the hold that covered a pull. */
void image_store_release(struct image_store *s)
{
	pthread_rwlock_unlock(&s->gc_lock);
	if (__atomic_exchange_n(&s->gc_wanted, false, __ATOMIC_RELAXED))
		collect_if_over_budget(s);
}

int image_pull(struct image_store *s, const struct image_request *req, char digest[72],
	       struct berth_err *err)
{
	struct image_ref ref;
	char key[1200];
	int rc = 0;

	if (image_ref_parse(req->ref, &ref, err) < 0)
		return -1;
	snprintf(key, sizeof(key), "ref:%s|%s", ref.normalized, req->arch ? req->arch : "");
	if (!flight_join(&s->flights, key, &rc, digest, 72, err))
		return rc;
	pthread_rwlock_rdlock(&s->gc_lock);
	rc = pull_held(s, &ref, req, digest, err);
	pthread_rwlock_unlock(&s->gc_lock);
	flight_land(&s->flights, key, rc, digest, err);
	if (rc == 0 && s->budget_bytes)
		__atomic_store_n(&s->gc_wanted, true, __ATOMIC_RELAXED); /* see image_store_release */
	return rc;
}

static bool wants_pull(const struct image_store *s, const struct image_ref *ref, int local,
		       const struct ref_record *rec)
{
	if (local != 0)
		return true;
	if (ref->digest[0] || s->policy == IMAGE_PULL_ONCE)
		return false; /* a digest never changes */
	if (s->policy == IMAGE_PULL_ALWAYS)
		return true;
	return strcmp(rec->source, "registry") == 0;
}

int image_get(struct image_store *s, const struct image_request *req, struct image_info *out,
	      struct berth_err *err)
{
	struct ref_record rec;
	struct image_ref ref;
	char name[1024], digest[72];
	int local;

	memset(out, 0, sizeof(*out));
	if (image_ref_parse(req->ref, &ref, err) < 0)
		return -1;
	snprintf(name, sizeof(name), "%s/%s:%s", ref.domain, ref.path, ref.tag);
	local = ref.digest[0] ? (image_resolve(s, ref.normalized, out, err) == 0 ? 0 : 1)
			      : refs_get(s, name, &rec, err) == 1 ? 0 : 1;
	if (ref.digest[0] && local == 0)
		return 0;
	if (wants_pull(s, &ref, local, &rec)) {
		if (image_pull(s, req, digest, err) < 0) {
			if (local != 0 || s->policy != IMAGE_PULL_DEFAULT || err->code == ENOKEY)
				return -1;
			log_warn("pull %s failed, using the local copy: %s", ref.normalized, err->msg);
		} else {
			snprintf(rec.digest, sizeof(rec.digest), "%s", digest);
			snprintf(rec.repo_digest, sizeof(rec.repo_digest), "%s", digest);
		}
	}
	if (image_load_local(s, rec.digest, req->arch, out, err) < 0)
		return -1;
	snprintf(out->manifest_digest, sizeof(out->manifest_digest), "%s", rec.repo_digest);
	return 0;
}
