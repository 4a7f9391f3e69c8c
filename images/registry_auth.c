/* registry_auth.c: what a registry asks for and what berth answers
 * with: WWW-Authenticate challenges (RFC 7235 auth-params, as the
 * distribution token spec uses them) and credentials from a Docker
 * config.json `auths` map ("auth": base64 "user:password", or
 * "username"/"password"). */
#include "registry.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/cleanup.h"
#include "common/json.h"

/* One auth-param: name=value or name="quoted\"value"; *p advanced. */
static int next_param(const char **p, char *name, size_t nlen, char *val, size_t vlen)
{
	const char *s = *p;
	size_t n = 0, v = 0;

	while (*s == ' ' || *s == '\t' || *s == ',')
		s++;
	if (*s == '\0')
		return 0;
	while (*s && *s != '=' && *s != ' ' && *s != ',')
		if (n + 1 < nlen)
			name[n++] = *s++;
		else
			return -1;
	name[n] = '\0';
	if (*s != '=' || n == 0)
		return -1;
	s++;
	if (*s == '"') {
		for (s++; *s && *s != '"'; s++) {
			if (*s == '\\' && s[1])
				s++;
			if (v + 1 >= vlen)
				return -1;
			val[v++] = *s;
		}
		if (*s != '"')
			return -1;
		s++;
	} else {
		while (*s && *s != ',' && *s != ' ')
			if (v + 1 < vlen)
				val[v++] = *s++;
			else
				return -1;
	}
	val[v] = '\0';
	*p = s;
	return 1;
}

int auth_challenge_parse(const char *header, struct auth_challenge *out)
{
	const char *p = header;
	size_t n = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	while (*p == ' ')
		p++;
	while (isalpha((unsigned char)*p) && n + 1 < sizeof(out->scheme))
		out->scheme[n++] = *p++;
	if (n == 0 || (*p != ' ' && *p != '\0'))
		return -1;
	for (;;) {
		char name[32], val[1024];
		rc = next_param(&p, name, sizeof(name), val, sizeof(val));
		if (rc <= 0)
			return rc;
		if (strcasecmp(name, "realm") == 0)
			snprintf(out->realm, sizeof(out->realm), "%s", val);
		else if (strcasecmp(name, "service") == 0)
			snprintf(out->service, sizeof(out->service), "%.255s", val);
		else if (strcasecmp(name, "scope") == 0)
			snprintf(out->scope, sizeof(out->scope), "%.511s", val);
	}
}

static int decode_auth(const char *b64, struct registry_auth *out, struct berth_err *err)
{
	size_t len = strlen(b64);
	cleanup_free unsigned char *raw = malloc(len + 4);
	int n;
	char *colon;

	if (raw == NULL)
		return berth_err_set(err, ENOMEM, "registry auth");
	n = EVP_DecodeBlock(raw, (const unsigned char *)b64, (int)len);
	if (n < 0)
		return berth_err_set(err, 0, "registry auth entry is not base64");
	while (len > 0 && b64[len - 1] == '=' && n > 0) /* EVP_DecodeBlock keeps padding bytes */
		len--, n--;
	raw[n] = '\0';
	colon = strchr((char *)raw, ':');
	if (colon == NULL)
		return berth_err_set(err, 0, "registry auth entry is not user:password");
	*colon = '\0';
	snprintf(out->user, sizeof(out->user), "%s", (char *)raw);
	snprintf(out->secret, sizeof(out->secret), "%s", colon + 1);
	out->present = true;
	return 1;
}

static int entry_to_auth(const cJSON *e, struct registry_auth *out, struct berth_err *err)
{
	const char *auth = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "auth"));
	const char *user = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "username"));
	const char *pass = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "password"));

	if (auth && auth[0])
		return decode_auth(auth, out, err);
	if (user && pass) {
		snprintf(out->user, sizeof(out->user), "%s", user);
		snprintf(out->secret, sizeof(out->secret), "%s", pass);
		out->present = true;
		return 1;
	}
	return berth_err_set(err, 0, "registry auth entry has neither auth nor username/password");
}

/* Keys Docker writes for a domain: "d", "https://d", "http://d", with a
 * trailing "/v1/" or "/" for Docker Hub's legacy name. */
static bool key_matches_domain(const char *key, const char *domain)
{
	const char *k = key;
	size_t n;

	if (strncmp(k, "https://", 8) == 0)
		k += 8;
	else if (strncmp(k, "http://", 7) == 0)
		k += 7;
	n = strcspn(k, "/");
	if (strcmp(domain, "docker.io") == 0 &&
	    ((n == 15 && strncmp(k, "index.docker.io", 15) == 0) ||
	     (n == 20 && strncmp(k, "registry-1.docker.io", 20) == 0)))
		return true;
	return strlen(domain) == n && strncmp(k, domain, n) == 0;
}

/* "arn:aws:secretsmanager:R:A:secret:NAME" -> "NAME". */
static const char *secret_name(const char *param)
{
	const char *s = strstr(param, ":secret:");
	return s ? s + 8 : param;
}

int registry_auth_lookup(const char *file, const char *key, bool by_parameter,
			 struct registry_auth *out, struct berth_err *err)
{
	cleanup_json cJSON *doc = NULL;
	const cJSON *auths, *e;

	memset(out, 0, sizeof(*out));
	if (file == NULL || file[0] == '\0')
		return 0;
	doc = json_read_file(file, err);
	if (doc == NULL)
		return berth_err_wrap(err, "registry auth file");
	auths = cJSON_GetObjectItemCaseSensitive(doc, "auths");
	cJSON_ArrayForEach(e, auths) {
		bool hit = by_parameter ? (strcmp(e->string, key) == 0 ||
					   strcmp(e->string, secret_name(key)) == 0)
					: key_matches_domain(e->string, key);
		if (hit)
			return entry_to_auth(e, out, err);
	}
	return 0;
}
