/* test_logs_pattern.c: CloudWatch Logs filter patterns (api/logs_pattern.c):
 * text terms, quoted phrases and escapes, '-' exclusions, '?'
 * alternatives, JSON selector conditions of every operator with && / ||
 * and parentheses, events that are not JSON, lengths taken from the
 * caller rather than a NUL, and each refusal: bad characters, unbalanced
 * quotes and parentheses, too long, too deep, the unsupported forms. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/logs_pattern.h"

/* Compile `pat` (which must be valid) and match it against `msg`. */
static bool match_n(const char *pat, const char *msg, size_t len)
{
	struct berth_err err = { 0 };
	struct logs_pattern *p = logs_pattern_compile(pat, &err);
	bool hit;

	if (p == NULL)
		fail_msg("pattern '%s' refused: %s", pat, err.msg);
	hit = logs_pattern_match(p, msg, len);
	logs_pattern_free(p);
	return hit;
}

static bool match(const char *pat, const char *msg)
{
	return match_n(pat, msg, strlen(msg));
}

/* `pat` must be refused with EINVAL and a message containing `why`. */
static void refused(const char *pat, const char *why)
{
	struct berth_err err = { 0 };
	struct logs_pattern *p = logs_pattern_compile(pat, &err);

	if (p != NULL) {
		logs_pattern_free(p);
		fail_msg("pattern '%s' was accepted", pat);
	}
	assert_int_equal(err.code, EINVAL);
	if (strstr(err.msg, why) == NULL)
		fail_msg("pattern '%s': message '%s' lacks '%s'", pat, err.msg, why);
}

/* ---- text patterns --------------------------------------------------- */

static void test_empty_matches_all(void **state)
{
	(void)state;
	assert_true(match("", "anything"));
	assert_true(match("   \t ", "anything"));
	assert_true(match("", ""));
	assert_true(match("\"\"", "anything"));
	assert_true(match_n(NULL, "x", 1));
}

static void test_terms_all_required(void **state)
{
	(void)state;
	assert_true(match("ERROR", "2024 ERROR disk full"));
	assert_false(match("ERROR", "2024 INFO disk full"));
	assert_true(match("ERROR Exception", "ERROR: NullPointerException at x"));
	assert_true(match("Exception ERROR", "ERROR: NullPointerException at x"));
	assert_false(match("ERROR Exception", "ERROR: disk full"));
	assert_false(match("ERROR", "error: lowercase")); /* case-sensitive */
	assert_true(match("ERR", "ERROR")); /* substring */
	assert_true(match("  ERROR \t  disk  ", "ERROR disk"));
	assert_true(match("caf\xc3\xa9", "un caf\xc3\xa9 noir"));
	assert_true(match("status_code 404", "status_code=404"));
}

static void test_quoted_phrases(void **state)
{
	(void)state;
	assert_true(match("\"Connection refused\"", "dial: Connection refused (111)"));
	assert_false(match("\"Connection refused\"", "Connection was refused"));
	assert_true(match("\"ERROR:\" \"a-b\"", "ERROR: a-b"));
	assert_true(match("\"say \\\"hi\\\"\"", "they say \"hi\" twice"));
	assert_false(match("\"say \\\"hi\\\"\"", "they say hi twice"));
	assert_true(match("\"C:\\\\temp\"", "open C:\\temp failed"));
	assert_true(match("\"a\\nb\"", "x a\\nb y")); /* other escapes stay literal */
}

static void test_exclusion(void **state)
{
	(void)state;
	assert_true(match("ERROR -Timeout", "ERROR disk full"));
	assert_false(match("ERROR -Timeout", "ERROR Timeout after 3s"));
	assert_true(match("-DEBUG", "INFO started"));
	assert_false(match("-DEBUG", "DEBUG tick"));
	assert_false(match("ERROR -\"read timed out\"", "ERROR: read timed out"));
	assert_true(match("ERROR -\"read timed out\"", "ERROR: read timed"));
}

static void test_alternatives(void **state)
{
	(void)state;
	assert_true(match("?ERROR ?WARN", "WARN low memory"));
	assert_true(match("?ERROR ?WARN", "ERROR oom"));
	assert_false(match("?ERROR ?WARN", "INFO fine"));
	assert_true(match("?\"disk full\" ?oom", "the disk full again"));
	/* plain terms stay required; one alternative must hit; no exclusion may */
	assert_true(match("db ?ERROR ?WARN -retry", "db WARN slow"));
	assert_false(match("db ?ERROR ?WARN -retry", "api WARN slow"));
	assert_false(match("db ?ERROR ?WARN -retry", "db INFO slow"));
	assert_false(match("db ?ERROR ?WARN -retry", "db WARN slow, retry"));
}

static void test_length_not_nul(void **state)
{
	static const char buf[] = "ERROR here and Timeout";

	(void)state;
	assert_true(match_n("ERROR", buf, 5));
	assert_false(match_n("ERRORX", "ERRORX", 5));
	assert_true(match_n("ERROR -Timeout", buf, 10));
	assert_false(match_n("ERROR -Timeout", buf, sizeof(buf) - 1));
	assert_false(match_n("ERROR", NULL, 0));
	assert_true(match_n("{ $.a = 1 }", "{\"a\":1}trailing", 7));
}

static void test_text_syntax_errors(void **state)
{
	(void)state;
	refused("ERROR:", "Invalid character(s) in term 'ERROR:'");
	refused("a-b", "Invalid character(s) in term");
	refused("ok ERROR*", "Invalid character(s) in term");
	refused("\"abc", "unbalanced quote");
	refused("ERROR \"abc\\\"", "unbalanced quote");
	refused("\"abc\"def", "Invalid character(s) in term");
	refused("- ERROR", "Invalid character(s) in term '-'");
	refused("ERROR ?", "Invalid character(s) in term '?'");
	refused("?-x", "Invalid character(s) in term");
	refused("%ERR[0-9]%", "regular expression filter patterns are not supported");
	refused("[ip, user, ...]", "space-delimited filter patterns are not supported");
	refused("  [w1=ERROR]", "space-delimited filter patterns are not supported");
}

static void test_pattern_length(void **state)
{
	char buf[LOGS_PATTERN_MAX + 2];

	(void)state;
	memset(buf, 'a', LOGS_PATTERN_MAX);
	buf[LOGS_PATTERN_MAX] = '\0';
	assert_false(match(buf, "aaa"));
	buf[LOGS_PATTERN_MAX] = 'a';
	buf[LOGS_PATTERN_MAX + 1] = '\0';
	refused(buf, "longer than 1024");
}

/* ---- JSON patterns --------------------------------------------------- */

#define EV "{\"level\":\"error\",\"status\":404,\"latency\":1.75,\"ok\":false,\"done\":true," \
	   "\"gone\":null,\"user\":{\"id\":\"alice-42\",\"name\":\"A \\\"B\\\"\"}," \
	   "\"tags\":[\"x\",\"y\",{\"k\":3}]}"

static void test_json_strings(void **state)
{
	(void)state;
	assert_true(match("{ $.level = \"error\" }", EV));
	assert_true(match("{$.level=error}", EV));
	assert_false(match("{ $.level = \"ERROR\" }", EV));
	assert_false(match("{ $.level = \"err\" }", EV)); /* whole value, not substring */
	assert_true(match("{ $.level != \"info\" }", EV));
	assert_false(match("{ $.level != \"error\" }", EV));
	assert_false(match("{ $.missing != \"error\" }", EV));
	assert_true(match("{ $.user.name = \"A \\\"B\\\"\" }", EV));
	assert_false(match("{ $.status = \"404\" }", EV)); /* a string is not a number */
}

static void test_json_wildcards(void **state)
{
	(void)state;
	assert_true(match("{ $.user.id = \"alice*\" }", EV));
	assert_true(match("{ $.user.id = a*42 }", EV));
	assert_true(match("{ $.user.id = \"*ce-*\" }", EV));
	assert_false(match("{ $.user.id = \"bob*\" }", EV));
	assert_false(match("{ $.user.id = \"*41\" }", EV));
	assert_true(match("{ $.status = \"*\" }", EV)); /* any existing value */
	assert_false(match("{ $.nope = \"*\" }", EV));
}

static void test_json_numbers(void **state)
{
	(void)state;
	assert_true(match("{ $.status = 404 }", EV));
	assert_true(match("{ $.status != 200 }", EV));
	assert_false(match("{ $.status != 404 }", EV));
	assert_true(match("{ $.latency > 1.5 }", EV));
	assert_false(match("{ $.latency < 1.5 }", EV));
	assert_true(match("{ $.latency >= 1.75 }", EV));
	assert_true(match("{ $.latency <= 1.75 }", EV));
	assert_false(match("{ $.latency > 1.75 }", EV));
	assert_true(match("{ $.status >= 4e2 }", EV));
	assert_true(match("{ $.status > -1 }", EV));
	assert_false(match("{ $.level > 1 }", EV)); /* not a number */
	assert_false(match("{ $.nope < 1 }", EV));
}

static void test_json_selectors(void **state)
{
	(void)state;
	assert_true(match("{ $.tags[0] = \"x\" }", EV));
	assert_true(match("{ $.tags[1] = y }", EV));
	assert_false(match("{ $.tags[1] = \"x\" }", EV));
	assert_true(match("{ $.tags[2].k = 3 }", EV));
	assert_false(match("{ $.tags[3] = \"x\" }", EV));
	assert_false(match("{ $.user[0] = \"x\" }", EV)); /* not an array */
	assert_false(match("{ $.tags.x = \"x\" }", EV));  /* not an object */
	assert_true(match("{ $[1] = 2 }", "[1,2]"));
}

static void test_json_keywords(void **state)
{
	(void)state;
	assert_true(match("{ $.done IS TRUE }", EV));
	assert_false(match("{ $.ok IS TRUE }", EV));
	assert_true(match("{ $.ok IS FALSE }", EV));
	assert_false(match("{ $.missing IS FALSE }", EV));
	assert_true(match("{ $.gone IS NULL }", EV));
	assert_false(match("{ $.ok IS NULL }", EV));
	assert_true(match("{ $.missing NOT EXISTS }", EV));
	assert_false(match("{ $.gone NOT EXISTS }", EV));
	assert_false(match("{ $.user.id NOT EXISTS }", EV));
	assert_true(match("{ $.user.email not exists }", EV));
}

static void test_json_logic(void **state)
{
	(void)state;
	assert_true(match("{ ($.status = 404) && ($.level = \"error\" || $.latency > 2) }", EV));
	assert_false(match("{ ($.status = 200) && ($.level = \"error\" || $.latency > 2) }", EV));
	assert_true(match("{ $.status = 200 || $.status = 404 }", EV));
	assert_false(match("{ $.status = 200 || $.status = 500 }", EV));
	assert_true(match("{ $.status = 1 && $.x = 2 || $.done IS TRUE }", EV)); /* && binds tighter */
	assert_false(match("{ $.status = 1 && ($.x = 2 || $.done IS TRUE) }", EV));
	assert_true(match("{ ((($.ok IS FALSE))) }", EV));
	assert_true(match("{ $.a = 1 && $.b = 2 && $.c = 3 }", "{\"a\":1,\"b\":2,\"c\":3}"));
	assert_false(match("{ $.a = 1 && $.b = 2 && $.c = 3 }", "{\"a\":1,\"b\":2,\"c\":4}"));
}

static void test_json_non_json_events(void **state)
{
	(void)state;
	assert_false(match("{ $.level = \"error\" }", "level=error"));
	assert_false(match("{ $.level NOT EXISTS }", "plain text"));
	assert_false(match("{ $.level NOT EXISTS }", ""));
	assert_false(match("{ $.a = 1 }", "{\"a\":1} extra"));
	assert_true(match("{ $.a = 1 }", "  {\"a\":1}\n"));
	assert_false(match("{ $.a = 1 }", "{\"a\":1"));
}

static void test_json_syntax_errors(void **state)
{
	char deep[256], *q = deep;

	(void)state;
	refused("{ $.level = \"error\" ", "missing '}'");
	refused("{ }", "empty");
	refused("{ level = 1 }", "expected a selector");
	refused("{ $.level }", "expected an operator");
	refused("{ $.level == 1 }", "Invalid character(s) in term");
	refused("{ $.level = }", "expected a value");
	refused("{ $.level = \"abc }", "unbalanced quote");
	refused("{ ($.a = 1 }", "expected ')'");
	refused("{ $.a = 1) }", "unexpected text");
	refused("{ $.a = 1 && }", "expected a selector");
	refused("{ $.a = 1 $.b = 2 }", "unexpected text");
	refused("{ $.a > \"x\" }", "> needs a number");
	refused("{ $.a <= abc }", "<= needs a number");
	refused("{ $.a IS MAYBE }", "expected TRUE, FALSE or NULL");
	refused("{ $.a NOT THERE }", "expected EXISTS");
	refused("{ $.a[x] = 1 }", "expected an array index");
	refused("{ $.a[1234567890] = 1 }", "array index too large");
	refused("{ $. = 1 }", "expected a member name");
	refused("{ $.a = %err% }", "regular expression filter patterns are not supported");

	/* LOGS_PATTERN_DEPTH parentheses are fine, one more is not */
	for (int i = 0; i < LOGS_PATTERN_DEPTH; i++)
		*q++ = '(';
	q += sprintf(q, "$.a = 1");
	for (int i = 0; i < LOGS_PATTERN_DEPTH; i++)
		*q++ = ')';
	*q = '\0';
	{
		char pat[300];
		snprintf(pat, sizeof(pat), "{%s}", deep);
		assert_true(match(pat, "{\"a\":1}"));
		snprintf(pat, sizeof(pat), "{(%s)}", deep);
		refused(pat, "nests deeper than 32");
	}
}

/* The compiled pattern keeps no pointer into the caller's text. */
static void test_pattern_owns_text(void **state)
{
	struct berth_err err = { 0 };
	struct logs_pattern *p;
	char *text;

	(void)state;
	text = strdup("ERROR ?disk ?\"no space\" -retry");
	assert_non_null(text);
	p = logs_pattern_compile(text, &err);
	assert_non_null(p);
	memset(text, 'Z', strlen(text));
	free(text);
	assert_true(logs_pattern_match(p, "ERROR disk", 10));
	assert_false(logs_pattern_match(p, "ERROR disk retry", 16));
	logs_pattern_free(p);

	text = strdup("{ $.user.id = alice* && $.n = 3 }");
	assert_non_null(text);
	p = logs_pattern_compile(text, &err);
	assert_non_null(p);
	memset(text, 'Z', strlen(text));
	free(text);
	assert_true(logs_pattern_match(p, "{\"user\":{\"id\":\"alice1\"},\"n\":3}", 30));
	logs_pattern_free(p);
}

/* A wildcard that would explode with naive backtracking must stay fast. */
static void test_wildcard_linear(void **state)
{
	static char msg[70000];
	size_t n;

	(void)state;
	n = (size_t)snprintf(msg, sizeof(msg), "{\"a\":\"");
	memset(msg + n, 'a', 60000);
	n += 60000;
	n += (size_t)snprintf(msg + n, sizeof(msg) - n, "\"}");
	assert_false(match_n("{ $.a = \"*a*a*a*a*a*a*a*a*a*a*b\" }", msg, n));
	assert_true(match_n("{ $.a = \"*a*a*a*a*a*a*a*a*a*a*\" }", msg, n));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_matches_all),
		cmocka_unit_test(test_terms_all_required),
		cmocka_unit_test(test_quoted_phrases),
		cmocka_unit_test(test_exclusion),
		cmocka_unit_test(test_alternatives),
		cmocka_unit_test(test_length_not_nul),
		cmocka_unit_test(test_text_syntax_errors),
		cmocka_unit_test(test_pattern_length),
		cmocka_unit_test(test_json_strings),
		cmocka_unit_test(test_json_wildcards),
		cmocka_unit_test(test_json_numbers),
		cmocka_unit_test(test_json_selectors),
		cmocka_unit_test(test_json_keywords),
		cmocka_unit_test(test_json_logic),
		cmocka_unit_test(test_json_non_json_events),
		cmocka_unit_test(test_json_syntax_errors),
		cmocka_unit_test(test_pattern_owns_text),
		cmocka_unit_test(test_wildcard_linear),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
