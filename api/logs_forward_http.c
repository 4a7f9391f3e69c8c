/* logs_forward_http.c: the forwarder's CloudWatch Logs client: AWS JSON
 * 1.1 over libcurl, signed with SigV4 (service logs) by sigv4_sign. */
#include "logs_forward_internal.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "credentials.h"
#include "sigv4.h"

#define RESPONSE_MAX (4u << 20)
#define SIGNED_HEADERS "content-type;host;x-amz-date;x-amz-target"

static int host_of(const char *url, char *host, size_t len, struct berth_err *err)
{
	CURLU *u = curl_url();
	char *h = NULL, *port = NULL, *scheme = NULL;
	int rc = -1;

	if (u == NULL || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &h, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK) {
		berth_err_set(err, EINVAL, "logs forward endpoint %s: not a URL", url);
		goto out;
	}
	if (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0) {
		berth_err_set(err, EINVAL, "logs forward endpoint %s: http or https only", url);
		goto out;
	}
	/* curl names the port in Host only when it is not the scheme's own. */
	if (curl_url_get(u, CURLUPART_PORT, &port, 0) == CURLUE_OK &&
	    !((strcmp(scheme, "http") == 0 && strcmp(port, "80") == 0) ||
	      (strcmp(scheme, "https") == 0 && strcmp(port, "443") == 0)))
		snprintf(host, len, "%s:%s", h, port);
	else
		snprintf(host, len, "%s", h);
	rc = 0;
out:
	curl_free(h);
	curl_free(port);
	curl_free(scheme);
	curl_url_cleanup(u);
	return rc;
}

int logs_client_init(struct logs_client *c, const char *endpoint, const char *region,
		     const char *credentials_file, struct berth_err *err)
{
	struct credentials *cr;
	const char *id, *secret;

	memset(c, 0, sizeof(*c));
	if (snprintf(c->url, sizeof(c->url), "%s", endpoint) >= (int)sizeof(c->url) ||
	    host_of(endpoint, c->host, sizeof(c->host), err) < 0)
		return berth_err_set(err, EINVAL, "logs forward endpoint: bad URL");
	snprintf(c->region, sizeof(c->region), "%s", region);
	cr = credentials_load(credentials_file, err);
	if (cr == NULL)
		return berth_err_wrap(err, "logs forward credentials");
	id = credentials_first_key(cr, &secret);
	snprintf(c->key, sizeof(c->key), "%s", id);
	snprintf(c->secret, sizeof(c->secret), "%s", secret);
	credentials_free(cr);
	c->curl = curl_easy_init();
	if (c->curl == NULL)
		return berth_err_set(err, ENOMEM, "curl");
	return 0;
}

void logs_client_free(struct logs_client *c)
{
	if (c->curl)
		curl_easy_cleanup(c->curl);
	explicit_bzero(c->secret, sizeof(c->secret));
	c->curl = NULL;
}

struct body {
	char *p;
	size_t len;
	bool too_big;
};

static size_t on_data(char *ptr, size_t size, size_t n, void *arg)
{
	struct body *b = arg;
	size_t add = size * n;
	char *p;

	if (b->len + add > RESPONSE_MAX) {
		b->too_big = true;
		return 0;
	}
	p = realloc(b->p, b->len + add + 1);
	if (p == NULL)
		return 0;
	memcpy(p + b->len, ptr, add);
	b->p = p;
	b->len += add;
	b->p[b->len] = '\0';
	return add;
}

/* The headers of one call, Authorization included. */
static struct curl_slist *signed_headers(struct logs_client *c, const char *target,
					 const char *payload, struct berth_err *err)
{
	char amz_date[20], auth[600], line[700];
	time_t now = time(NULL);
	struct tm tm;
	struct sigv4_header hs[] = {
		{ "content-type", "application/x-amz-json-1.1" },
		{ "host", c->host },
		{ "x-amz-date", amz_date },
		{ "x-amz-target", target },
	};
	struct sigv4_request req = { "POST", "/", "", hs, 4, (const unsigned char *)payload,
				     strlen(payload) };
	struct curl_slist *h = NULL;

	gmtime_r(&now, &tm);
	strftime(amz_date, sizeof(amz_date), "%Y%m%dT%H%M%SZ", &tm);
	if (sigv4_sign(&req, c->key, c->secret, c->region, "logs", amz_date, SIGNED_HEADERS, auth,
		       sizeof(auth)) < 0) {
		berth_err_set(err, EINVAL, "sign request");
		return NULL;
	}
	h = curl_slist_append(h, "Content-Type: application/x-amz-json-1.1");
	snprintf(line, sizeof(line), "X-Amz-Target: %s", target);
	h = curl_slist_append(h, line);
	snprintf(line, sizeof(line), "X-Amz-Date: %s", amz_date);
	h = curl_slist_append(h, line);
	snprintf(line, sizeof(line), "Authorization: %s", auth);
	h = curl_slist_append(h, line);
	h = curl_slist_append(h, "Expect:");
	return h;
}

static int parse_answer(long status, struct body *b, cJSON **resp, char *type, size_t type_len,
			struct berth_err *err)
{
	struct berth_err perr = { 0 };
	cJSON *j = b->len ? json_parse_strict(b->p, b->len, &perr) : cJSON_CreateObject();
	const cJSON *t;

	if (j == NULL)
		return berth_err_set(err, 0, "logs endpoint answered %ld with no JSON", status);
	if (status == 200) {
		*resp = j;
		return 0;
	}
	t = cJSON_GetObjectItemCaseSensitive(j, "__type");
	snprintf(type, type_len, "%s", cJSON_IsString(t) ? t->valuestring : "");
	/* "com.amazonaws...#ResourceNotFoundException" -> the short name */
	if (strchr(type, '#'))
		memmove(type, strchr(type, '#') + 1, strlen(strchr(type, '#')));
	berth_err_set(err, 0, "logs endpoint answered %ld %s", status, type);
	err->code = EREMOTEIO;
	cJSON_Delete(j);
	return -1;
}

int logs_client_call(struct logs_client *c, const char *action, const cJSON *body, cJSON **resp,
		     char *type, size_t type_len, struct berth_err *err)
{
	cleanup_free char *payload = cJSON_PrintUnformatted(body);
	char target[96];
	struct body b = { 0 };
	struct curl_slist *h;
	long status = 0;
	CURLcode cc;
	int rc;

	*resp = NULL;
	type[0] = '\0';
	snprintf(target, sizeof(target), "Logs_20140328.%s", action);
	if (payload == NULL)
		return berth_err_set(err, ENOMEM, "request body");
	h = signed_headers(c, target, payload, err);
	if (h == NULL)
		return -1;
	curl_easy_reset(c->curl);
	curl_easy_setopt(c->curl, CURLOPT_URL, c->url);
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, payload);
	curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE, (long)strlen(payload));
	curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT, 5L);
	curl_easy_setopt(c->curl, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
	cc = curl_easy_perform(c->curl);
	curl_slist_free_all(h);
	if (cc != CURLE_OK) {
		free(b.p);
		berth_err_set(err, 0, "%s %s: %s", action, c->url, curl_easy_strerror(cc));
		err->code = EIO;
		return -1;
	}
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
	rc = parse_answer(status, &b, resp, type, type_len, err);
	if (rc < 0 && err->code != EREMOTEIO)
		err->code = EIO;
	free(b.p);
	return rc;
}
