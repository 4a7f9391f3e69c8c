/* test_store.c: the SQLite state store: clusters, task definition
 * revisions and lookups, tasks and their list queries, idempotency
 * tokens and pruning, and that everything is still there after reopen. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/json.h"
#include "runner/store.h"

struct fixture {
	char dir[64];
	struct store *s;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct berth_err err = { 0 };
	snprintf(f->dir, sizeof(f->dir), "/tmp/berth-store-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	f->s = store_open(f->dir, &err);
	assert_non_null(f->s);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	struct berth_err err = { 0 };
	store_close(f->s);
	fs_rm_rf(f->dir, &err);
	free(f);
	return 0;
}

static void test_clusters(void **state)
{
	struct fixture *f = *state;
	struct berth_err err = { 0 };
	bool created = false;
	char arn[128], status[16];
	cleanup_strv char **names = NULL;

	assert_int_equal(store_cluster_put(f->s, "b", "arn:b", 1, &created, &err), 0);
	assert_true(created);
	assert_int_equal(store_cluster_put(f->s, "b", "arn:b", 2, &created, &err), 0);
	assert_false(created);
	assert_int_equal(store_cluster_put(f->s, "a", "arn:a", 3, NULL, &err), 0);
	assert_int_equal(store_cluster_get(f->s, "b", arn, sizeof(arn), status, sizeof(status), &err), 1);
	assert_string_equal(arn, "arn:b");
	assert_string_equal(status, "ACTIVE");
	assert_int_equal(store_cluster_get(f->s, "zz", NULL, 0, NULL, 0, &err), 0);
	assert_int_equal(store_cluster_set_status(f->s, "b", "INACTIVE", &err), 0);
	assert_int_equal(store_cluster_list(f->s, &names, &err), 0);
	assert_string_equal(names[0], "a");
	assert_null(names[1]);
}

static cJSON *def(const char *family)
{
	cJSON *d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "family", family);
	return d;
}

static void test_taskdefs(void **state)
{
	struct fixture *f = *state;
	struct berth_err err = { 0 };
	cleanup_json cJSON *a = def("web"), *b = def("web"), *c = def("db");
	cJSON *got = NULL;
	cleanup_strv char **arns = NULL;
	cleanup_strv char **fams = NULL;

	assert_int_equal(store_taskdef_register(f->s, a, "arn:td/", 1000, &err), 0);
	assert_int_equal(store_taskdef_register(f->s, b, "arn:td/", 2000, &err), 0);
	assert_int_equal(store_taskdef_register(f->s, c, "arn:td/", 3000, &err), 0);
	assert_string_equal(cJSON_GetObjectItem(b, "taskDefinitionArn")->valuestring, "arn:td/web:2");
	assert_int_equal(store_taskdef_get(f->s, "web", &got, &err), 1);
	assert_int_equal(cJSON_GetObjectItem(got, "revision")->valueint, 2);
	cJSON_Delete(got);
	assert_int_equal(store_taskdef_get(f->s, "web:1", &got, &err), 1);
	assert_int_equal(cJSON_GetObjectItem(got, "revision")->valueint, 1);
	cJSON_Delete(got);
	assert_int_equal(store_taskdef_get(f->s, "arn:td/db:1", &got, &err), 1);
	cJSON_Delete(got);
	assert_int_equal(store_taskdef_get(f->s, "web:9", &got, &err), 0);
	assert_int_equal(store_taskdef_get(f->s, "web:x", &got, &err), 0);
	assert_int_equal(store_taskdef_deregister(f->s, "web", 2, 4000, &got, &err), 1);
	assert_string_equal(cJSON_GetObjectItem(got, "status")->valuestring, "INACTIVE");
	cJSON_Delete(got);
	assert_int_equal(store_taskdef_get(f->s, "web", &got, &err), 1);
	assert_int_equal(cJSON_GetObjectItem(got, "revision")->valueint, 1);
	cJSON_Delete(got);
	assert_int_equal(store_taskdef_list(f->s, NULL, NULL, false, &arns, &err), 0);
	assert_string_equal(arns[0], "arn:td/db:1");
	assert_string_equal(arns[1], "arn:td/web:1");
	assert_null(arns[2]);
	assert_int_equal(store_taskdef_families(f->s, "w", "ALL", &fams, &err), 0);
	assert_string_equal(fams[0], "web");
	assert_null(fams[1]);
}

static cJSON *task(const char *last, const char *desired, double stopped)
{
	cJSON *d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "lastStatus", last);
	cJSON_AddStringToObject(d, "desiredStatus", desired);
	cJSON_AddNumberToObject(d, "createdAt", 1.5);
	if (stopped > 0)
		cJSON_AddNumberToObject(d, "stoppedAt", stopped);
	return d;
}

static void test_tasks(void **state)
{
	struct fixture *f = *state;
	struct berth_err err = { 0 };
	struct store_task_row rows[2] = { { "t1", "default", "web", "me", "tok" },
					  { "t2", "default", "db", NULL, NULL } };
	cJSON *docs[2] = { task("PROVISIONING", "RUNNING", 0), task("RUNNING", "RUNNING", 0) };
	cJSON *got = NULL;
	char **ids = NULL;
	long n = 0;

	assert_int_equal(store_task_insert(f->s, rows, docs, 2, &err), 0);
	assert_int_equal(store_task_get(f->s, "t1", &got, &err), 1);
	assert_string_equal(cJSON_GetObjectItem(got, "lastStatus")->valuestring, "PROVISIONING");
	cJSON_Delete(got);
	assert_int_equal(store_task_list(f->s, "default", "web", NULL, "RUNNING", &ids, &err), 0);
	assert_string_equal(ids[0], "t1");
	assert_null(ids[1]);
	berth_strv_free(ids);
	assert_int_equal(store_task_by_token(f->s, "default", "tok", &ids, &err), 0);
	assert_string_equal(ids[0], "t1");
	berth_strv_free(ids);
	cJSON_Delete(docs[1]);
	docs[1] = task("STOPPED", "STOPPED", 10.0);
	assert_int_equal(store_task_put(f->s, "t2", docs[1], &err), 0);
	assert_int_equal(store_task_list(f->s, NULL, NULL, NULL, "STOPPED", &ids, &err), 0);
	assert_string_equal(ids[0], "t2");
	berth_strv_free(ids);
	assert_int_equal(store_task_list_live(f->s, &ids, &err), 0);
	assert_string_equal(ids[0], "t1");
	assert_null(ids[1]);
	berth_strv_free(ids);
	assert_int_equal(store_task_prune(f->s, 20000, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(store_task_get(f->s, "t2", &got, &err), 0);
	/* Reopen: what was committed is there. */
	store_close(f->s);
	f->s = store_open(f->dir, &err);
	assert_non_null(f->s);
	assert_int_equal(store_task_get(f->s, "t1", &got, &err), 1);
	cJSON_Delete(got);
	cJSON_Delete(docs[0]);
	cJSON_Delete(docs[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_clusters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_taskdefs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tasks, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
