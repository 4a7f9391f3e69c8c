/* logs_pattern.h: CloudWatch Logs filter patterns, as FilterLogEvents'
 * filterPattern (and metric and subscription filters) use them: compile
 * a pattern once, then test event messages against it.
 *
 * Supported: text terms (all required), quoted phrases, -term (must not
 * occur), ?term (at least one must occur), and JSON patterns
 * `{ $.a.b[0] = "x*" && ($.n > 2 || $.ok IS TRUE) }`.  Refused with
 * EINVAL: space-delimited `[a, b, ...]` and regular expression `%...%`
 * patterns.  See logs_pattern.c for the exact rules. */
#ifndef BERTH_API_LOGS_PATTERN_H
#define BERTH_API_LOGS_PATTERN_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"

#define LOGS_PATTERN_MAX 1024 /* bytes of pattern text */
#define LOGS_PATTERN_DEPTH 32 /* parentheses in a JSON pattern */

struct logs_pattern;

/* Compile a filter pattern; NULL with err->code EINVAL and a message like
 * "Invalid character(s) in term" / "unbalanced quote" on bad syntax.
 * An empty or all-blank pattern matches every event. */
struct logs_pattern *logs_pattern_compile(const char *text, struct berth_err *err);

/* Does the event message (len bytes, not NUL-terminated) match? */
bool logs_pattern_match(const struct logs_pattern *p, const char *msg, size_t len);

void logs_pattern_free(struct logs_pattern *p);

#endif
