/* registry.c: one repository of a v2 registry over libcurl (see
 * registry.h).  A request that is answered 401 with a challenge is
 * authenticated (Basic from the credentials, or a Bearer token from the
 * challenge's realm) and sent once more; a token that expires mid-pull
 * is renewed the same way. */
#include "registry.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/hex.h"
#include "common/json.h"
#include "manifest.h"

struct registry {
	CURL *curl;
	char base[600]; /* "https://host[:port]" */
	char domain[256];
	char repo[512];
	struct registry_auth auth;
	char authz[8192]; /* "Authorization: ..." or "" */
};

/* What one response carried.  The body goes to memory (capped) or to a
 * file through a running sha256. */
struct response {
	CURL *curl;
	long status;
	char content_type[128];
	char digest[80];
	char www_auth[2048];
	char *body;
	size_t len, cap, max;
	FILE *file;
	EVP_MD_CTX *md;
	int64_t written, limit;
	bool body_started; /* of the current response */
};

bool registry_is_loopback(const char *domain)
{
	char host[256];
	size_t n;

	if (domain[0] == '[') {
		n = strcspn(domain, "]");
		return n == 4 && strncmp(domain, "[::1", 4) == 0;
	}
	n = strcspn(domain, ":");
	snprintf(host, sizeof(host), "%.*s", (int)n, domain);
	return strcmp(host, "localhost") == 0 || strncmp(host, "127.", 4) == 0;
}

static size_t on_header(char *buf, size_t size, size_t n, void *arg)
{
	struct response *rs = arg;
	size_t len = size * n, klen;
	const char *colon = memchr(buf, ':', len);
	char *dest = NULL;
	size_t dlen = 0;

	if (len > 5 && strncmp(buf, "HTTP/", 5) == 0) { /* a new response (after a redirect) */
		rs->content_type[0] = rs->digest[0] = rs->www_auth[0] = '\0';
		rs->body_started = false;
		return len;
	}
	if (colon == NULL)
		return len;
	klen = (size_t)(colon - buf);
	if (klen == 12 && strncasecmp(buf, "content-type", 12) == 0)
		dest = rs->content_type, dlen = sizeof(rs->content_type);
	else if (klen == 21 && strncasecmp(buf, "docker-content-digest", 21) == 0)
		dest = rs->digest, dlen = sizeof(rs->digest);
	else if (klen == 16 && strncasecmp(buf, "www-authenticate", 16) == 0)
		dest = rs->www_auth, dlen = sizeof(rs->www_auth);
	if (dest) {
		const char *v = colon + 1, *end = buf + len;
		while (v < end && (*v == ' ' || *v == '\t'))
			v++;
		while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
			end--;
		snprintf(dest, dlen, "%.*s", (int)(end - v), v);
	}
	return len;
}

static int restart_file(struct response *rs)
{
	EVP_DigestInit_ex(rs->md, EVP_sha256(), NULL);
	rewind(rs->file);
	rs->written = 0;
	return ftruncate(fileno(rs->file), 0);
}

/* Success bodies of blob requests stream into the file (hashed, at
 * most `limit` bytes in all); everything else goes to memory. */
static size_t on_body(char *buf, size_t size, size_t n, void *arg)
{
	struct response *rs = arg;
	size_t len = size * n;
	long status = 0;

	curl_easy_getinfo(rs->curl, CURLINFO_RESPONSE_CODE, &status);
	if (rs->file && (status == 200 || status == 206)) {
		if (!rs->body_started && status == 200 && rs->written > 0 && restart_file(rs) < 0)
			return 0; /* the registry ignored our Range: start over */
		rs->body_started = true;
		if (rs->written + (int64_t)len > rs->limit)
			return 0; /* more than the descriptor's size: abort */
		EVP_DigestUpdate(rs->md, buf, len);
		if (fwrite(buf, 1, len, rs->file) != len)
			return 0;
		rs->written += (int64_t)len;
		return len;
	}
	if (rs->len + len > rs->max)
		return 0;
	if (rs->len + len + 1 > rs->cap) {
		size_t cap = (rs->len + len + 1) * 2;
		char *b = realloc(rs->body, cap);
		if (b == NULL)
			return 0;
		rs->body = b, rs->cap = cap;
	}
	memcpy(rs->body + rs->len, buf, len);
	rs->len += len;
	rs->body[rs->len] = '\0';
	return len;
}

static void response_free(struct response *rs)
{
	free(rs->body);
	rs->body = NULL;
	rs->len = rs->cap = 0;
}

/* The registry's own words from an error body
 * ({"errors":[{"code":..,"message":..}]}), or "". */
static void registry_message(const struct response *rs, char *out, size_t len)
{
	cleanup_json cJSON *doc = rs->body ? cJSON_ParseWithLength(rs->body, rs->len) : NULL;
	const cJSON *e = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(doc, "errors"), 0);
	const char *msg = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "message"));
	const char *code = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "code"));

	if (msg || code)
		snprintf(out, len, "%s%s%s", code ? code : "", code && msg ? ": " : "", msg ? msg : "");
	else
		snprintf(out, len, "HTTP %ld", rs->status);
}

static int perform(struct registry *r, const char *url, const char *const *headers,
		   struct response *rs, struct berth_err *err)
{
	struct curl_slist *list = NULL;
	char errbuf[CURL_ERROR_SIZE] = "";
	CURLcode rc;

	for (size_t i = 0; headers && headers[i]; i++)
		list = curl_slist_append(list, headers[i]);
	if (r->authz[0])
		list = curl_slist_append(list, r->authz);
	rs->curl = r->curl;
	rs->status = 0;
	if (rs->max == 0)
		rs->max = MANIFEST_MAX_BYTES;
	curl_easy_setopt(r->curl, CURLOPT_URL, url);
	curl_easy_setopt(r->curl, CURLOPT_HTTPHEADER, list);
	curl_easy_setopt(r->curl, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(r->curl, CURLOPT_HEADERDATA, rs);
	curl_easy_setopt(r->curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(r->curl, CURLOPT_WRITEDATA, rs);
	curl_easy_setopt(r->curl, CURLOPT_ERRORBUFFER, errbuf);
	rc = curl_easy_perform(r->curl);
	curl_easy_getinfo(r->curl, CURLINFO_RESPONSE_CODE, &rs->status);
	curl_easy_setopt(r->curl, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(r->curl, CURLOPT_ERRORBUFFER, NULL);
	curl_slist_free_all(list);
	if (rc != CURLE_OK)
		return berth_err_set(err, 0, "GET \"%s\": %s", url, errbuf[0] ? errbuf : curl_easy_strerror(rc));
	return 0;
}

static CURL *new_handle(void)
{
	CURL *c = curl_easy_init();

	if (c == NULL)
		return NULL;
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 15L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L); /* stalled 30 s: give up */
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 30L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "berth");
	return c;
}

/* GET realm?service=..&scope=repository:REPO:pull, with the credentials
 * as Basic auth when there are some; the token goes to r->authz. */
static int fetch_token(struct registry *r, const struct auth_challenge *ch, struct berth_err *err)
{
	CURL *c = new_handle();
	cleanup_free char *svc = NULL, *scope = NULL, *url = NULL;
	cleanup_json cJSON *doc = NULL;
	struct response rs = { 0 };
	struct registry tr = { .curl = c };
	char scope_raw[700], msg[512];
	const char *tok;
	int rc;

	if (c == NULL)
		return berth_err_set(err, ENOMEM, "curl");
	snprintf(scope_raw, sizeof(scope_raw), "repository:%s:pull", r->repo);
	svc = curl_easy_escape(c, ch->service, 0);
	scope = curl_easy_escape(c, scope_raw, 0);
	if (asprintf(&url, "%s%sservice=%s&scope=%s", ch->realm, strchr(ch->realm, '?') ? "&" : "?",
		     svc ? svc : "", scope ? scope : "") < 0)
		url = NULL;
	if (r->auth.present) {
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(c, CURLOPT_USERNAME, r->auth.user);
		curl_easy_setopt(c, CURLOPT_PASSWORD, r->auth.secret);
	}
	rc = url ? perform(&tr, url, NULL, &rs, err) : berth_err_set(err, ENOMEM, "token url");
	curl_easy_cleanup(c);
	if (rc == 0 && rs.status != 200) {
		registry_message(&rs, msg, sizeof(msg));
		rc = berth_err_set(err, 0, "pull access denied for %s/%s: token server %s: %s%s",
				   r->domain, r->repo, ch->realm, msg,
				   r->auth.present ? " (check the registry credentials)" : "");
	}
	doc = rc == 0 ? cJSON_ParseWithLength(rs.body, rs.len) : NULL;
	tok = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "token"));
	if (tok == NULL)
		tok = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "access_token"));
	if (rc == 0 && (tok == NULL || strlen(tok) > sizeof(r->authz) - 32))
		rc = berth_err_set(err, 0, "token server %s answered without a usable token", ch->realm);
	if (rc == 0)
		snprintf(r->authz, sizeof(r->authz), "Authorization: Bearer %s", tok);
	response_free(&rs);
	return rc;
}

static int basic_authz(struct registry *r, struct berth_err *err)
{
	char raw[1400];
	unsigned char b64[2000];
	int n;

	if (!r->auth.present)
		return berth_err_set(err, 0,
				     "pull access denied for %s/%s: the registry requires "
				     "authorization and no credentials are configured for %s",
				     r->domain, r->repo, r->domain);
	n = snprintf(raw, sizeof(raw), "%s:%s", r->auth.user, r->auth.secret);
	EVP_EncodeBlock(b64, (const unsigned char *)raw, n);
	snprintf(r->authz, sizeof(r->authz), "Authorization: Basic %s", b64);
	return 0;
}

/* Answer a 401's challenge: a new Authorization for the next try. */
static int answer_challenge(struct registry *r, const struct response *rs, struct berth_err *err)
{
	struct auth_challenge ch;

	if (rs->www_auth[0] == '\0' || auth_challenge_parse(rs->www_auth, &ch) < 0)
		return berth_err_set(err, 0, "registry %s answered 401 without a usable challenge",
				     r->domain);
	if (strcasecmp(ch.scheme, "Bearer") == 0 && ch.realm[0])
		return fetch_token(r, &ch, err);
	if (strcasecmp(ch.scheme, "Basic") == 0)
		return basic_authz(r, err);
	return berth_err_set(err, 0, "registry %s asks for unsupported auth scheme '%s'",
			     r->domain, ch.scheme);
}

/* perform(), answering one 401 challenge and trying again. */
static int request(struct registry *r, const char *url, const char *const *headers,
		   struct response *rs, struct berth_err *err)
{
	if (perform(r, url, headers, rs, err) < 0)
		return -1;
	if (rs->status != 401)
		return 0;
	if (answer_challenge(r, rs, err) < 0)
		return -1;
	response_free(rs);
	return perform(r, url, headers, rs, err);
}

/* GET /v2/ over https, and over http where allowed when https fails. */
static int ping(struct registry *r, bool insecure, struct berth_err *err)
{
	const char *host = strcmp(r->domain, "docker.io") == 0 ? "registry-1.docker.io" : r->domain;
	struct response rs = { 0 };
	char url[700];
	int rc;

	snprintf(r->base, sizeof(r->base), "https://%s", host);
	snprintf(url, sizeof(url), "%s/v2/", r->base);
	rc = perform(r, url, NULL, &rs, err);
	if (rc < 0 && (insecure || registry_is_loopback(host))) {
		response_free(&rs);
		snprintf(r->base, sizeof(r->base), "http://%s", host);
		snprintf(url, sizeof(url), "%s/v2/", r->base);
		rc = perform(r, url, NULL, &rs, err);
	}
	if (rc == 0 && rs.status == 401)
		rc = answer_challenge(r, &rs, err);
	else if (rc == 0 && rs.status != 200)
		rc = berth_err_set(err, 0, "registry %s: GET /v2/ answered HTTP %ld", r->domain, rs.status);
	response_free(&rs);
	return rc;
}

struct registry *registry_open(const char *domain, const char *repository,
			       const struct registry_auth *auth, bool insecure, struct berth_err *err)
{
	struct registry *r = calloc(1, sizeof(*r));

	if (r == NULL || (r->curl = new_handle()) == NULL) {
		free(r);
		berth_err_set(err, ENOMEM, "registry client");
		return NULL;
	}
	snprintf(r->domain, sizeof(r->domain), "%s", domain);
	snprintf(r->repo, sizeof(r->repo), "%s", repository);
	if (auth)
		r->auth = *auth;
	if (ping(r, insecure, err) < 0) {
		registry_close(r);
		return NULL;
	}
	return r;
}

void registry_close(struct registry *r)
{
	if (r == NULL)
		return;
	curl_easy_cleanup(r->curl);
	explicit_bzero(&r->auth, sizeof(r->auth));
	explicit_bzero(r->authz, sizeof(r->authz));
	free(r);
}

/* "sha256:<hex>" of a finished SHA-256. */
static void digest_of_md(const unsigned char *md, char out[72])
{
	strcpy(out, "sha256:");
	hex_encode(md, 32, out + 7);
}

static int status_error(struct registry *r, const struct response *rs, const char *what,
			struct berth_err *err)
{
	char msg[512];

	registry_message(rs, msg, sizeof(msg));
	if (rs->status == 404)
		return berth_err_set(err, 0, "%s/%s: %s: not found (%s)", r->domain, r->repo, what, msg);
	if (rs->status == 401 || rs->status == 403)
		return berth_err_set(err, 0,
				     "pull access denied for %s/%s, repository does not exist or may "
				     "require authorization: %s", r->domain, r->repo, msg);
	return berth_err_set(err, 0, "%s/%s: %s: registry answered HTTP %ld (%s)", r->domain,
			     r->repo, what, rs->status, msg);
}

int registry_get_manifest(struct registry *r, const char *reference, char **body, size_t *len,
			  char content_type[128], char digest[72], struct berth_err *err)
{
	const char *headers[] = { manifest_accept, NULL };
	struct response rs = { 0 };
	unsigned char md[32];
	char url[1400];

	snprintf(url, sizeof(url), "%s/v2/%s/manifests/%s", r->base, r->repo, reference);
	if (request(r, url, headers, &rs, err) < 0) {
		response_free(&rs);
		return -1;
	}
	if (rs.status != 200) {
		status_error(r, &rs, reference, err);
		response_free(&rs);
		return -1;
	}
	EVP_Digest(rs.body ? rs.body : "", rs.len, md, NULL, EVP_sha256(), NULL);
	digest_of_md(md, digest);
	if (strncmp(rs.digest, "sha256:", 7) == 0 && strcmp(rs.digest, digest) != 0) {
		response_free(&rs);
		return berth_err_set(err, 0, "manifest %s: digest mismatch: registry says %s, content is %s",
				     reference, rs.digest, digest);
	}
	snprintf(content_type, 128, "%s", rs.content_type);
	*body = rs.body ? rs.body : strdup("");
	*len = rs.len;
	return 0;
}

/* Hash what an earlier attempt left in `f` (its whole length). */
static int hash_prefix(FILE *f, EVP_MD_CTX *md, int64_t *len)
{
	unsigned char buf[65536];
	size_t n;

	rewind(f);
	*len = 0;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		EVP_DigestUpdate(md, buf, n);
		*len += (int64_t)n;
	}
	return ferror(f) ? -1 : 0;
}

static int finish_blob(struct registry *r, struct response *rs, const char *digest, int64_t size,
		       const char *partial, struct berth_err *err)
{
	unsigned char md[32];
	unsigned int mdlen = 0;
	char got[72];

	(void)r;
	if (fflush(rs->file) != 0 || fsync(fileno(rs->file)) < 0)
		return berth_err_errno(err, "write blob %s", digest);
	EVP_DigestFinal_ex(rs->md, md, &mdlen);
	digest_of_md(md, got);
	if (rs->written != size || strcmp(got, digest) != 0) {
		unlink(partial);
		if (rs->written != size)
			return berth_err_set(err, 0, "blob %s: got %lld bytes, the manifest says %lld",
					     digest, (long long)rs->written, (long long)size);
		return berth_err_set(err, 0, "blob %s: digest mismatch: content is %s", digest, got);
	}
	return 0;
}

int registry_get_blob(struct registry *r, const char *digest, int64_t size, const char *partial,
		      struct berth_err *err)
{
	cleanup_fclose FILE *f = fopen(partial, "a+e");
	struct response rs = { .limit = size, .max = 1 << 20 };
	char url[1400], range[64];
	const char *headers[] = { range, NULL };
	int64_t have = 0;
	int rc;

	if (f == NULL)
		return berth_err_errno(err, "open %s", partial);
	rs.md = EVP_MD_CTX_new();
	EVP_DigestInit_ex(rs.md, EVP_sha256(), NULL);
	rs.file = f;
	if (hash_prefix(f, rs.md, &have) < 0 || have > size) {
		if (restart_file(&rs) < 0)
			return berth_err_errno(err, "truncate %s", partial);
		have = 0;
	}
	rs.written = have;
	rc = 0;
	if (have < size) {
		snprintf(range, sizeof(range), "Range: bytes=%lld-", (long long)have);
		snprintf(url, sizeof(url), "%s/v2/%s/blobs/%s", r->base, r->repo, digest);
		rc = request(r, url, have > 0 ? headers : NULL, &rs, err);
		if (rc == 0 && rs.status == 416)
			unlink(partial);
		if (rc == 0 && rs.status != 200 && rs.status != 206)
			rc = status_error(r, &rs, digest, err);
	}
	if (rc == 0)
		rc = finish_blob(r, &rs, digest, size, partial, err);
	else if (rs.written > size)
		unlink(partial);
	response_free(&rs);
	EVP_MD_CTX_free(rs.md);
	return rc;
}
