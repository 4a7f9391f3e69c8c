/* credentials.c: parse (and at first start write) the AWS
 * shared-credentials file of berthd (see credentials.h).  Every profile's
 * aws_access_key_id / aws_secret_access_key pair is accepted. */
#include "credentials.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/ids.h"

#define MAX_KEYS 32

struct key {
	char id[129];
	char secret[129];
};

struct credentials {
	struct key keys[MAX_KEYS];
	size_t n;
};

static char *trim(char *s)
{
	char *e;
	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static void parse(struct credentials *c, char *text)
{
	struct key cur = { 0 };

	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		char *l = trim(line), *eq;
		if (*l == '[' || *l == '\0' || *l == '#') {
			if (*l == '[')
				memset(&cur, 0, sizeof(cur));
			continue;
		}
		eq = strchr(l, '=');
		if (eq == NULL)
			continue;
		*eq = '\0';
		if (strcmp(trim(l), "aws_access_key_id") == 0)
			snprintf(cur.id, sizeof(cur.id), "%s", trim(eq + 1));
		else if (strcmp(trim(l), "aws_secret_access_key") == 0)
			snprintf(cur.secret, sizeof(cur.secret), "%s", trim(eq + 1));
		if (cur.id[0] && cur.secret[0] && c->n < MAX_KEYS) {
			c->keys[c->n++] = cur;
			memset(&cur, 0, sizeof(cur));
		}
	}
}

static int create_file(const char *path, struct berth_err *err)
{
	char id[21], secret[41];
	cleanup_free char *text = NULL;

	memcpy(id, "AKIA", 4);
	if (id_random_alnum(id + 4, 16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", err) < 0 ||
	    id_random_alnum(secret, 40,
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", err) < 0)
		return -1;
	if (asprintf(&text, "[berth]\naws_access_key_id = %s\naws_secret_access_key = %s\n", id,
		     secret) < 0)
		return berth_err_set(err, ENOMEM, "credentials");
	return fs_write_file_atomic(path, text, strlen(text), 0600, err);
}

struct credentials *credentials_load(const char *path, struct berth_err *err)
{
	cleanup_free char *text = NULL;
	struct credentials *c;

	if (fs_read_file(path, 1 << 20, &text, NULL, err) < 0)
		return NULL;
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		berth_err_set(err, ENOMEM, "credentials");
		return NULL;
	}
	parse(c, text);
	if (c->n == 0) {
		free(c);
		berth_err_set(err, EINVAL, "%s has no aws_access_key_id/aws_secret_access_key pair", path);
		return NULL;
	}
	return c;
}

struct credentials *credentials_load_or_create(const char *path, struct berth_err *err)
{
	if (access(path, F_OK) < 0 && create_file(path, err) < 0) {
		berth_err_wrap(err, "create %s", path);
		return NULL;
	}
	return credentials_load(path, err);
}

void credentials_free(struct credentials *c)
{
	if (c) {
		explicit_bzero(c, sizeof(*c));
		free(c);
	}
}

const char *credentials_secret(void *arg, const char *access_key_id)
{
	struct credentials *c = arg;
	for (size_t i = 0; c && i < c->n; i++)
		if (strcmp(c->keys[i].id, access_key_id) == 0)
			return c->keys[i].secret;
	return NULL;
}

const char *credentials_first_key(const struct credentials *c, const char **secret)
{
	*secret = c->keys[0].secret;
	return c->keys[0].id;
}
