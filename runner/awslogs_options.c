/* awslogs_options.c: the options of the awslogs driver, checked and
 * turned into what the shipper needs (see awslogs_internal.h).
 *
 * awslogs-multiline-pattern is a Go (RE2) regular expression and
 * awslogs-datetime-format a strftime format; both become one POSIX
 * extended expression anchored where Docker anchors them (the datetime
 * format at the start of the line).  The RE2 shorthands \d \s \w and
 * their negations are rewritten into bracket expressions. */
#include "awslogs_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *opt(const cJSON *options, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(options, name);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* "10m", "512k", "1g", "4096", "2mb": bytes, or 0 when malformed. */
static size_t parse_size(const char *s)
{
	char *end;
	unsigned long long v;
	unsigned shift = 0;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return 0;
	switch (*end | 0x20) {
	case 'k': shift = 10; end++; break;
	case 'm': shift = 20; end++; break;
	case 'g': shift = 30; end++; break;
	default: break;
	}
	if ((*end | 0x20) == 'b')
		end++;
	if (*end != '\0' || v == 0 || v > (1ULL << 40) >> shift)
		return 0;
	return (size_t)(v << shift);
}

struct sbuf {
	char *p;
	size_t len, cap;
	bool failed;
};

static void sb_add(struct sbuf *b, const char *s)
{
	size_t n = strlen(s);

	if (b->failed)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->len + n + 1) * 2;
		char *p = realloc(b->p, cap);
		if (p == NULL) {
			b->failed = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n + 1);
	b->len += n;
}

static const char *re2_shorthand(char c, bool in_bracket)
{
	switch (c) {
	case 'd': return in_bracket ? "0-9" : "[0-9]";
	case 'D': return in_bracket ? NULL : "[^0-9]";
	case 's': return in_bracket ? "[:space:]" : "[[:space:]]";
	case 'S': return in_bracket ? NULL : "[^[:space:]]";
	case 'w': return in_bracket ? "[:alnum:]_" : "[[:alnum:]_]";
	case 'W': return in_bracket ? NULL : "[^[:alnum:]_]";
	default: return NULL;
	}
}

/* RE2 to POSIX ERE for the constructs log patterns use. */
static void re2_to_ere(struct sbuf *b, const char *re)
{
	bool in_bracket = false;
	char one[3] = { 0 };

	for (const char *p = re; *p; p++) {
		if (*p == '\\' && p[1]) {
			const char *sub = re2_shorthand(p[1], in_bracket);
			if (sub) {
				sb_add(b, sub);
				p++;
				continue;
			}
			one[0] = p[0], one[1] = p[1];
			sb_add(b, one);
			one[1] = '\0';
			p++;
			continue;
		}
		if (*p == '[' && !in_bracket)
			in_bracket = true;
		else if (*p == ']' && in_bracket && p[-1] != '[')
			in_bracket = false;
		one[0] = *p;
		sb_add(b, one);
	}
}

static const struct {
	char conv;
	const char *ere;
} strftime_ere[] = {
	{ 'a', "(Mon|Tue|Wed|Thu|Fri|Sat|Sun)" },
	{ 'A', "(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)" },
	{ 'b', "(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)" },
	{ 'B', "(January|February|March|April|May|June|July|August|September|October|November|"
	       "December)" },
	{ 'd', "(0[1-9]|[12][0-9]|3[01])" },
	{ 'e', "( [1-9]|[12][0-9]|3[01])" },
	{ 'f', "[0-9]{6}" },
	{ 'H', "(2[0-3]|[01][0-9])" },
	{ 'I', "(0[0-9]|1[0-2])" },
	{ 'j', "(00[1-9]|0[1-9][0-9]|[12][0-9][0-9]|3[0-5][0-9]|36[0-6])" },
	{ 'L', "\\.[0-9]{3}" },
	{ 'm', "(1[0-2]|0[1-9])" },
	{ 'M', "[0-5][0-9]" },
	{ 'p', "[AP]M" },
	{ 'S', "[0-5][0-9]" },
	{ 'U', "(0[0-9]|[1-4][0-9]|5[0-3])" },
	{ 'w', "[0-6]" },
	{ 'W', "(0[0-9]|[1-4][0-9]|5[0-3])" },
	{ 'y', "[0-9]{2}" },
	{ 'Y', "[0-9]{4}" },
	{ 'z', "[+-][0-9]{4}" },
	{ 'Z', "[A-Z]{1,4}T" },
	{ '%', "%" },
};

static int strftime_to_ere(struct sbuf *b, const char *fmt, struct berth_err *err)
{
	char one[3] = { 0 };

	sb_add(b, "^");
	for (const char *p = fmt; *p; p++) {
		size_t i, n = sizeof(strftime_ere) / sizeof(strftime_ere[0]);
		if (*p != '%') {
			one[0] = strchr(".[]{}()\\*+?|^$", *p) ? '\\' : *p;
			one[1] = one[0] == '\\' ? *p : '\0';
			sb_add(b, one);
			one[1] = '\0';
			continue;
		}
		for (i = 0; i < n && strftime_ere[i].conv != p[1]; i++)
			;
		if (i == n)
			return berth_err_set(err, EINVAL, "awslogs-datetime-format: unsupported "
							  "conversion %%%c", p[1] ? p[1] : ' ');
		sb_add(b, strftime_ere[i].ere);
		p++;
	}
	return 0;
}

static int compile_start(struct awslogs_options *o, const char *multiline, const char *datetime,
			 struct berth_err *err)
{
	struct sbuf b = { 0 };
	int rc;

	if (multiline)
		re2_to_ere(&b, multiline);
	else if (strftime_to_ere(&b, datetime, err) < 0)
		goto fail;
	if (b.failed) {
		berth_err_set(err, ENOMEM, "multi-line pattern");
		goto fail;
	}
	rc = regcomp(&o->start_re, b.p, REG_EXTENDED | REG_NOSUB);
	if (rc != 0) {
		char msg[256];
		regerror(rc, &o->start_re, msg, sizeof(msg));
		berth_err_set(err, EINVAL, "%s: %s",
			      multiline ? "awslogs-multiline-pattern" : "awslogs-datetime-format", msg);
		goto fail;
	}
	o->has_start_re = true;
	free(b.p);
	return 0;
fail:
	free(b.p);
	return -1;
}

static int read_flags(struct awslogs_options *o, const cJSON *options, struct berth_err *err)
{
	const char *create = opt(options, "awslogs-create-group");
	const char *mode = opt(options, "mode");
	const char *size = opt(options, "max-buffer-size");

	if (create && strcmp(create, "true") != 0 && strcmp(create, "false") != 0)
		return berth_err_set(err, EINVAL, "awslogs-create-group: must be true or false, "
						  "not '%s'", create);
	o->create_group = create && strcmp(create, "true") == 0;
	if (mode && strcmp(mode, "blocking") != 0 && strcmp(mode, "non-blocking") != 0)
		return berth_err_set(err, EINVAL, "mode: must be blocking or non-blocking, not '%s'",
				     mode);
	o->blocking = mode && strcmp(mode, "blocking") == 0;
	if (size && o->blocking)
		return berth_err_set(err, EINVAL, "max-buffer-size: only for mode non-blocking");
	o->max_buffer = size ? parse_size(size) : AWSLOGS_DEFAULT_BUFFER;
	if (o->max_buffer == 0)
		return berth_err_set(err, EINVAL, "max-buffer-size: '%s' is not a size", size);
	return 0;
}

int awslogs_options_parse(const cJSON *log_config, struct awslogs_options *o,
			  struct berth_err *err)
{
	const cJSON *options = cJSON_GetObjectItemCaseSensitive(log_config, "options");
	const char *driver = NULL, *group, *prefix, *multiline, *datetime;
	const cJSON *d = cJSON_GetObjectItemCaseSensitive(log_config, "logDriver");

	memset(o, 0, sizeof(*o));
	if (cJSON_IsString(d))
		driver = d->valuestring;
	if (driver == NULL || strcmp(driver, "awslogs") != 0)
		return berth_err_set(err, EINVAL, "log driver '%s' is not supported by berth "
						  "(only awslogs)", driver ? driver : "");
	group = opt(options, "awslogs-group");
	prefix = opt(options, "awslogs-stream-prefix");
	multiline = opt(options, "awslogs-multiline-pattern");
	datetime = opt(options, "awslogs-datetime-format");
	if (group == NULL || *group == '\0' || strlen(group) >= sizeof(o->group))
		return berth_err_set(err, EINVAL, "awslogs-group: required, 1 to 512 characters");
	if (prefix == NULL || *prefix == '\0' || strlen(prefix) >= sizeof(o->prefix))
		return berth_err_set(err, EINVAL, "awslogs-stream-prefix: required on Fargate");
	if (multiline && datetime)
		return berth_err_set(err, EINVAL, "awslogs-multiline-pattern and "
						  "awslogs-datetime-format are mutually exclusive");
	strcpy(o->group, group);
	strcpy(o->prefix, prefix);
	if (read_flags(o, options, err) < 0)
		return -1;
	if ((multiline || datetime) && compile_start(o, multiline, datetime, err) < 0)
		return -1;
	return 0;
}

void awslogs_options_free(struct awslogs_options *o)
{
	if (o->has_start_re)
		regfree(&o->start_re);
	o->has_start_re = false;
}

int awslogs_check_config(const cJSON *log_config, struct berth_err *err)
{
	struct awslogs_options o;
	int rc = awslogs_options_parse(log_config, &o, err);

	awslogs_options_free(&o);
	return rc;
}
