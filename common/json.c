/* json.c: strict parsing and typed access over cJSON (see json.h). */
#include "json.h"

#include <stdbool.h>

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "fs.h"

static bool has_duplicate_members(const cJSON *node)
{
	for (const cJSON *c = node ? node->child : NULL; c; c = c->next) {
		if (cJSON_IsObject(node) && c->string) {
			for (const cJSON *d = c->next; d; d = d->next)
				if (d->string && strcmp(c->string, d->string) == 0)
					return true;
		}
		if ((cJSON_IsObject(c) || cJSON_IsArray(c)) && has_duplicate_members(c))
			return true;
	}
	return false;
}

/* RFC 8259: no byte below 0x20 inside a string, no NUL anywhere (cJSON
 * would cut the string there, so "1\0GB" would read as "1"). */
static bool raw_control_at(const char *buf, size_t len, size_t *at)
{
	bool in_string = false;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)buf[i];
		if (c == 0 || (in_string && c < 0x20)) {
			*at = i;
			return true;
		}
		if (in_string && c == '\\')
			i++;
		else if (c == '"')
			in_string = !in_string;
	}
	return false;
}

cJSON *json_parse_strict(const char *buf, size_t len, struct berth_err *err)
{
	const char *end = NULL;
	cJSON *json;
	size_t at;

	if (raw_control_at(buf, len, &at)) {
		berth_err_set(err, 0, "malformed JSON: unescaped control character at byte %zu", at);
		return NULL;
	}
	json = cJSON_ParseWithLengthOpts(buf, len, &end, false);
	if (json == NULL) {
		berth_err_set(err, 0, "malformed JSON near byte %zu",
			      end ? (size_t)(end - buf) : (size_t)0);
		return NULL;
	}
	while (end && end < buf + len && (*end == ' ' || *end == '\n' || *end == '\r' || *end == '\t'))
		end++;
	if (end != buf + len) {
		cJSON_Delete(json);
		berth_err_set(err, 0, "trailing bytes after JSON value");
		return NULL;
	}
	if (has_duplicate_members(json)) {
		cJSON_Delete(json);
		berth_err_set(err, 0, "duplicate member name in JSON object");
		return NULL;
	}
	return json;
}

static const cJSON *get_typed(const cJSON *obj, const char *name, cJSON_bool (*is)(const cJSON *),
			      const char *what, bool *bad, struct berth_err *err)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(obj, name);

	if (bad)
		*bad = false;
	if (m == NULL || cJSON_IsNull(m))
		return NULL;
	if (!is(m)) {
		if (bad)
			*bad = true;
		berth_err_set(err, 0, "%s must be %s", name, what);
		return NULL;
	}
	return m;
}

const char *json_get_string(const cJSON *obj, const char *name, bool *bad, struct berth_err *err)
{
	const cJSON *m = get_typed(obj, name, cJSON_IsString, "a string", bad, err);
	return m ? m->valuestring : NULL;
}

const cJSON *json_get_array(const cJSON *obj, const char *name, bool *bad, struct berth_err *err)
{
	return get_typed(obj, name, cJSON_IsArray, "an array", bad, err);
}

const cJSON *json_get_object(const cJSON *obj, const char *name, bool *bad, struct berth_err *err)
{
	return get_typed(obj, name, cJSON_IsObject, "an object", bad, err);
}

int json_get_int(const cJSON *obj, const char *name, long long min, long long max, long long *out,
		 struct berth_err *err)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(obj, name);
	double v;

	if (m == NULL || cJSON_IsNull(m))
		return 0;
	if (!cJSON_IsNumber(m))
		return berth_err_set(err, 0, "%s must be a number", name);
	v = m->valuedouble;
	if (!isfinite(v) || v != floor(v))
		return berth_err_set(err, 0, "%s must be an integer", name);
	if (v < (double)min || v > (double)max)
		return berth_err_set(err, 0, "%s must be between %lld and %lld", name, min, max);
	*out = (long long)v;
	return 1;
}

int json_get_bool(const cJSON *obj, const char *name, bool *out, struct berth_err *err)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(obj, name);

	if (m == NULL || cJSON_IsNull(m))
		return 0;
	if (!cJSON_IsBool(m))
		return berth_err_set(err, 0, "%s must be a boolean", name);
	*out = cJSON_IsTrue(m);
	return 1;
}

int json_get_strv(const cJSON *obj, const char *name, char ***out, struct berth_err *err)
{
	bool bad;
	const cJSON *arr = json_get_array(obj, name, &bad, err);
	const cJSON *it;
	size_t n = 0, i = 0;
	char **v;

	*out = NULL;
	if (arr == NULL)
		return bad ? -1 : 0;
	cJSON_ArrayForEach(it, arr) {
		if (!cJSON_IsString(it))
			return berth_err_set(err, 0, "%s must be an array of strings", name);
		n++;
	}
	v = calloc(n + 1, sizeof(*v));
	if (v == NULL)
		return berth_err_set(err, ENOMEM, "copy %s", name);
	cJSON_ArrayForEach(it, arr) {
		v[i] = strdup(it->valuestring);
		if (v[i++] == NULL) {
			berth_strv_free(v);
			return berth_err_set(err, ENOMEM, "copy %s", name);
		}
	}
	*out = v;
	return 1;
}

cJSON *json_read_file(const char *path, struct berth_err *err)
{
	cleanup_free char *buf = NULL;
	size_t len = 0;
	cJSON *json;

	if (fs_read_file(path, 64u << 20, &buf, &len, err) < 0)
		return NULL;
	json = json_parse_strict(buf, len, err);
	if (json == NULL)
		berth_err_wrap(err, "parse %s", path);
	return json;
}

int json_write_file_atomic(const char *path, const cJSON *json, struct berth_err *err)
{
	cleanup_free char *text = cJSON_PrintUnformatted(json);

	if (text == NULL)
		return berth_err_set(err, ENOMEM, "serialize JSON for %s", path);
	return fs_write_file_atomic(path, text, strlen(text), 0600, err);
}
