/* json.h: strict cJSON parsing and typed member access.
 *
 * Client JSON is parsed with an explicit length, no trailing bytes and
 * duplicate member names refused (cJSON itself keeps duplicates).  Member
 * lookups are case-sensitive and typed: a member of the wrong type is an
 * error, not a silent default. */
#ifndef BERTH_COMMON_JSON_H
#define BERTH_COMMON_JSON_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

#include "error.h"

static inline void berth_json_deletep(cJSON **j)
{
	if (*j)
		cJSON_Delete(*j);
}
#define cleanup_json __attribute__((cleanup(berth_json_deletep)))

/* Parse exactly `len` bytes of `buf` as one JSON value.  Refuses trailing
 * bytes, duplicate member names and nesting deeper than cJSON's limit.
 * Returns the tree (caller owns it) or NULL with err set. */
cJSON *json_parse_strict(const char *buf, size_t len, struct berth_err *err);

/* Typed lookups.  Each returns the member, or NULL when it is absent.
 * A member that is present but of another type (or null) sets err and
 * returns NULL with *bad = true; `bad` may be NULL when the caller does
 * not need to tell absent from invalid. */
const char *json_get_string(const cJSON *obj, const char *name, bool *bad, struct berth_err *err);
const cJSON *json_get_array(const cJSON *obj, const char *name, bool *bad, struct berth_err *err);
const cJSON *json_get_object(const cJSON *obj, const char *name, bool *bad, struct berth_err *err);
/* Integer member into *out; returns 1 if present, 0 if absent, -1 on type
 * error (not a number, not integral, or out of [min, max]). */
int json_get_int(const cJSON *obj, const char *name, long long min, long long max, long long *out,
		 struct berth_err *err);
/* Boolean member; returns 1/0 as above, -1 on type error. */
int json_get_bool(const cJSON *obj, const char *name, bool *out, struct berth_err *err);

/* Read a whole file and parse it strictly (files berth itself wrote). */
cJSON *json_read_file(const char *path, struct berth_err *err);
/* Serialize unformatted and write atomically (temp file + fsync + rename). */
int json_write_file_atomic(const char *path, const cJSON *json, struct berth_err *err);

/* Deep-copy a string array member into a NULL-terminated strv.  Returns
 * 1 if present, 0 if absent (*out = NULL), -1 when it is not an array of
 * strings. */
int json_get_strv(const cJSON *obj, const char *name, char ***out, struct berth_err *err);

#endif
