/* test_arn_doc.c: ARN building and parsing, and the Task document rules:
 * snapshots fold in, desiredStatus never goes back from STOPPED, the
 * version grows, a stop without a monitor settles every container. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "common/json.h"
#include "runner/arn.h"
#include "runner/daemon.h"
#include "runner/task_doc.h"

static struct berth_config cfg = { .region = "eu-west-1", .account_id = "123456789012" };

static void test_arns(void **state)
{
	char out[ARN_MAX], id[64], cl[64];
	(void)state;
	arn_task(&cfg, "prod", "abc", out, sizeof(out));
	assert_string_equal(out, "arn:aws:ecs:eu-west-1:123456789012:task/prod/abc");
	assert_true(arn_parse_task(&cfg, out, id, sizeof(id), cl, sizeof(cl)));
	assert_string_equal(id, "abc");
	assert_string_equal(cl, "prod");
	assert_true(arn_parse_task(&cfg, "arn:aws:ecs:eu-west-1:123456789012:task/abc", id, sizeof(id),
				   cl, sizeof(cl)));
	assert_string_equal(id, "abc");
	assert_true(arn_parse_task(&cfg, "abc", id, sizeof(id), NULL, 0));
	assert_false(arn_parse_task(&cfg, "arn:aws:ecs:us-east-1:123456789012:task/x/abc", id,
				    sizeof(id), NULL, 0));
	assert_false(arn_parse_task(&cfg, "a/b", id, sizeof(id), NULL, 0));
	assert_true(arn_parse_cluster(&cfg, NULL, cl, sizeof(cl)));
	assert_string_equal(cl, "default");
	assert_true(arn_parse_cluster(&cfg, "arn:aws:ecs:eu-west-1:123456789012:cluster/x", cl, sizeof(cl)));
	assert_string_equal(cl, "x");
	assert_false(arn_parse_cluster(&cfg, "bad name", cl, sizeof(cl)));
	assert_false(arn_parse_cluster(&cfg, "arn:aws:ecs:eu-west-1:123456789012:task/x", cl, sizeof(cl)));
}

static cJSON *parse(const char *s)
{
	struct berth_err err = { 0 };
	cJSON *j = json_parse_strict(s, strlen(s), &err);
	assert_non_null(j);
	return j;
}

static void test_snapshot_rules(void **state)
{
	cleanup_json cJSON *doc = parse("{\"lastStatus\":\"PENDING\",\"desiredStatus\":\"STOPPED\","
					"\"version\":1,\"containers\":[{\"name\":\"a\","
					"\"lastStatus\":\"PENDING\"},{\"name\":\"b\",\"lastStatus\":\"PENDING\"}]}");
	cleanup_json cJSON *snap = parse("{\"lastStatus\":\"RUNNING\",\"desiredStatus\":\"RUNNING\","
					 "\"startedAt\":5.25,\"connectivityAt\":5.0,\"containers\":["
					 "{\"name\":\"a\",\"lastStatus\":\"STOPPED\",\"exitCode\":3}]}");
	(void)state;
	task_doc_apply_snapshot(doc, snap);
	assert_string_equal(task_doc_str(doc, "lastStatus"), "RUNNING");
	assert_string_equal(task_doc_str(doc, "desiredStatus"), "STOPPED");
	assert_string_equal(task_doc_str(doc, "connectivity"), "CONNECTED");
	assert_int_equal(cJSON_GetObjectItem(doc, "version")->valueint, 2);
	assert_int_equal(cJSON_GetObjectItem(task_doc_container(doc, "a"), "exitCode")->valueint, 3);
	task_doc_stop(doc, "TaskFailedToStart", "why", "creason", 9000);
	assert_string_equal(task_doc_str(doc, "lastStatus"), "STOPPED");
	assert_string_equal(task_doc_str(doc, "stopCode"), "TaskFailedToStart");
	assert_string_equal(task_doc_str(task_doc_container(doc, "b"), "lastStatus"), "STOPPED");
	assert_string_equal(task_doc_str(task_doc_container(doc, "b"), "reason"), "creason");
	assert_null(cJSON_GetObjectItem(task_doc_container(doc, "a"), "reason"));
	assert_true(cJSON_GetObjectItem(doc, "stoppedAt")->valuedouble == 9.0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arns),
		cmocka_unit_test(test_snapshot_rules),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
