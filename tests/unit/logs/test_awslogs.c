/* test_awslogs.c: the awslogs options as the shipper reads them: what is
 * required, mode and max-buffer-size, and the multi-line start
 * expressions built from RE2 patterns and strftime formats. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "runner/awslogs_internal.h"

static cJSON *config(const char *options_json)
{
	char buf[1024];
	snprintf(buf, sizeof(buf), "{\"logDriver\":\"awslogs\",\"options\":%s}", options_json);
	return cJSON_Parse(buf);
}

static int parse(const char *options_json, struct awslogs_options *o, struct berth_err *err)
{
	cJSON *c = config(options_json);
	int rc = awslogs_options_parse(c, o, err);
	cJSON_Delete(c);
	return rc;
}

#define BASE "\"awslogs-group\":\"/g\",\"awslogs-stream-prefix\":\"p\""

static void test_required_and_defaults(void **state)
{
	struct awslogs_options o;
	struct berth_err err = { 0 };
	(void)state;

	assert_int_equal(parse("{" BASE "}", &o, &err), 0);
	assert_string_equal(o.group, "/g");
	assert_false(o.blocking); /* non-blocking, as on Fargate since 2025 */
	assert_int_equal(o.max_buffer, AWSLOGS_DEFAULT_BUFFER);
	assert_false(o.create_group);
	awslogs_options_free(&o);
	assert_int_equal(parse("{\"awslogs-group\":\"/g\"}", &o, &err), -1);
	assert_non_null(strstr(err.msg, "awslogs-stream-prefix"));
	assert_int_equal(parse("{\"awslogs-stream-prefix\":\"p\"}", &o, &err), -1);
	assert_non_null(strstr(err.msg, "awslogs-group"));
	cJSON *splunk = cJSON_Parse("{\"logDriver\":\"splunk\",\"options\":{}}");
	assert_int_equal(awslogs_check_config(splunk, &err), -1);
	assert_non_null(strstr(err.msg, "splunk"));
	cJSON_Delete(splunk);
}

static void test_mode_and_buffer(void **state)
{
	struct awslogs_options o;
	struct berth_err err = { 0 };
	(void)state;

	assert_int_equal(parse("{" BASE ",\"mode\":\"blocking\"}", &o, &err), 0);
	assert_true(o.blocking);
	awslogs_options_free(&o);
	assert_int_equal(parse("{" BASE ",\"max-buffer-size\":\"4m\"}", &o, &err), 0);
	assert_int_equal(o.max_buffer, 4 << 20);
	awslogs_options_free(&o);
	assert_int_equal(parse("{" BASE ",\"max-buffer-size\":\"512kb\"}", &o, &err), 0);
	assert_int_equal(o.max_buffer, 512 << 10);
	awslogs_options_free(&o);
	assert_int_equal(parse("{" BASE ",\"max-buffer-size\":\"lots\"}", &o, &err), -1);
	assert_int_equal(parse("{" BASE ",\"max-buffer-size\":\"0\"}", &o, &err), -1);
	assert_int_equal(parse("{" BASE ",\"mode\":\"fast\"}", &o, &err), -1);
	assert_int_equal(parse("{" BASE ",\"mode\":\"blocking\",\"max-buffer-size\":\"1m\"}", &o,
			       &err), -1);
	assert_int_equal(parse("{" BASE ",\"awslogs-create-group\":\"yes\"}", &o, &err), -1);
	assert_int_equal(parse("{" BASE ",\"awslogs-create-group\":\"true\"}", &o, &err), 0);
	assert_true(o.create_group);
	awslogs_options_free(&o);
}

static bool starts(const char *options_json, const char *line)
{
	struct awslogs_options o;
	struct berth_err err = { 0 };
	bool m;

	assert_int_equal(parse(options_json, &o, &err), 0);
	assert_true(o.has_start_re);
	m = regexec(&o.start_re, line, 0, NULL, 0) == 0;
	awslogs_options_free(&o);
	return m;
}

static void test_multiline_expressions(void **state)
{
	struct awslogs_options o;
	struct berth_err err = { 0 };
	(void)state;

	const char *re2 = "{" BASE ",\"awslogs-multiline-pattern\":\"^\\\\d{4}-\\\\d\\\\d\\\\s\\\\w+\"}";
	assert_true(starts(re2, "2026-12 INFO x"));
	assert_false(starts(re2, "  at a.B(C.java:1)"));
	const char *dt = "{" BASE ",\"awslogs-datetime-format\":\"%Y-%m-%dT%H:%M:%S\"}";
	assert_true(starts(dt, "2026-12-04T10:00:59 started"));
	assert_false(starts(dt, "x 2026-12-04T10:00:59"));  /* anchored at the start */
	assert_false(starts(dt, "2026-13-04T10:00:59"));    /* no month 13 */
	const char *mon = "{" BASE ",\"awslogs-datetime-format\":\"[%b %d, %Y %H:%M:%S]\"}";
	assert_true(starts(mon, "[Dec 04, 2026 10:00:00] boot"));
	assert_false(starts(mon, "Dec 04, 2026 10:00:00 no bracket"));
	assert_int_equal(parse("{" BASE ",\"awslogs-datetime-format\":\"%Q\"}", &o, &err), -1);
	assert_int_equal(parse("{" BASE ",\"awslogs-multiline-pattern\":\"(unclosed\"}", &o, &err),
			 -1);
	assert_int_equal(parse("{" BASE ",\"awslogs-multiline-pattern\":\"^a\","
			       "\"awslogs-datetime-format\":\"%Y\"}", &o, &err), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_required_and_defaults),
		cmocka_unit_test(test_mode_and_buffer),
		cmocka_unit_test(test_multiline_expressions),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
