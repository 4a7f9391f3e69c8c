/* reference.c: image references parsed and normalized as Docker does
 * (distribution/reference): [DOMAIN/]PATH[:TAG][@DIGEST].  The first
 * component is a domain when it has a '.' or ':' or is "localhost";
 * without one the domain is docker.io, and a single-component path on
 * docker.io gets "library/".  Neither tag nor digest means ":latest". */
#include "images.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

static bool path_component_ok(const char *s, size_t n)
{
	/* [a-z0-9]+ separated by one '.', one or two '_', or '-'s. */
	if (n == 0 || !(islower((unsigned char)s[0]) || isdigit((unsigned char)s[0])))
		return false;
	if (!(islower((unsigned char)s[n - 1]) || isdigit((unsigned char)s[n - 1])))
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (islower((unsigned char)c) || isdigit((unsigned char)c))
			continue;
		if (c == '.' && s[i + 1] != '.' && s[i + 1] != '_' && s[i + 1] != '-')
			continue;
		if (c == '_' || c == '-')
			continue;
		return false;
	}
	return true;
}

static bool tag_ok(const char *t)
{
	size_t n = strlen(t);
	if (n == 0 || n > 128 || !(isalnum((unsigned char)t[0]) || t[0] == '_'))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!(isalnum((unsigned char)t[i]) || t[i] == '_' || t[i] == '.' || t[i] == '-'))
			return false;
	return true;
}

static bool digest_ok(const char *d)
{
	if (strncmp(d, "sha256:", 7) != 0 || strlen(d) != 71)
		return false;
	for (const char *p = d + 7; *p; p++)
		if (!isxdigit((unsigned char)*p) || isupper((unsigned char)*p))
			return false;
	return true;
}

static bool domain_ok(const char *d, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!(isalnum((unsigned char)d[i]) || d[i] == '.' || d[i] == '-' || d[i] == ':'))
			return false;
	return n > 0;
}

int image_ref_parse(const char *ref, struct image_ref *out, struct berth_err *err)
{
	char buf[1024];
	char *at, *name = buf, *slash, *colon;

	memset(out, 0, sizeof(*out));
	if (ref == NULL || *ref == '\0' || strlen(ref) >= sizeof(buf))
		return berth_err_set(err, EINVAL, "invalid reference format: empty or too long");
	snprintf(buf, sizeof(buf), "%s", ref);
	if ((at = strchr(buf, '@')) != NULL) {
		*at = '\0';
		if (!digest_ok(at + 1))
			return berth_err_set(err, EINVAL, "invalid reference format: bad digest '%s'", at + 1);
		snprintf(out->digest, sizeof(out->digest), "%s", at + 1);
	}
	slash = strchr(name, '/');
	if (slash && (memchr(name, '.', (size_t)(slash - name)) || memchr(name, ':', (size_t)(slash - name)) ||
		      strncmp(name, "localhost/", 10) == 0)) {
		if (!domain_ok(name, (size_t)(slash - name)))
			return berth_err_set(err, EINVAL, "invalid reference format: bad domain in '%s'", ref);
		snprintf(out->domain, sizeof(out->domain), "%.*s", (int)(slash - name), name);
		name = slash + 1;
	} else {
		snprintf(out->domain, sizeof(out->domain), "docker.io");
	}
	colon = strrchr(name, ':');
	if (colon) {
		*colon = '\0';
		if (!tag_ok(colon + 1))
			return berth_err_set(err, EINVAL, "invalid reference format: bad tag '%s'", colon + 1);
		snprintf(out->tag, sizeof(out->tag), "%s", colon + 1);
	}
	for (char *c = name, *e; *c; c = e + (*e == '/')) {
		e = strchrnul(c, '/');
		if (!path_component_ok(c, (size_t)(e - c)))
			return berth_err_set(err, EINVAL,
					     "invalid reference format: repository name must be "
					     "lowercase ('%s')", ref);
	}
	if (*name == '\0')
		return berth_err_set(err, EINVAL, "invalid reference format: no repository in '%s'", ref);
	if (strlen(name) > 255)
		return berth_err_set(err, EINVAL, "invalid reference format: repository name too long");
	if (strcmp(out->domain, "docker.io") == 0 && strchr(name, '/') == NULL)
		snprintf(out->path, sizeof(out->path), "library/%.255s", name);
	else
		snprintf(out->path, sizeof(out->path), "%.255s", name);
	if (!out->tag[0] && !out->digest[0])
		snprintf(out->tag, sizeof(out->tag), "latest");
	snprintf(out->normalized, sizeof(out->normalized), "%s/%s%s%s%s%s", out->domain, out->path,
		 out->tag[0] ? ":" : "", out->tag, out->digest[0] ? "@" : "", out->digest);
	return 0;
}
