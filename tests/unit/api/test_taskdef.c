/* test_taskdef.c: RegisterTaskDefinition validation (api/taskdef_*.c):
 * a minimal Fargate definition normalizes as ECS does; each Fargate and
 * basic rule refuses with a message naming the field; the model-type
 * check; the cpu/memory parsers and the Fargate size table at its edges. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "api/taskdef_validate.h"
#include "common/json.h"

static int image_ok(const char *image, char *why, size_t len)
{
	if (strchr(image, ' ') || strchr(image, 'A')) {
		snprintf(why, len, "invalid reference format");
		return -1;
	}
	return 0;
}

static cJSON *parse(const char *s)
{
	struct berth_err err = { 0 };
	cJSON *j = json_parse_strict(s, strlen(s), &err);
	if (j == NULL)
		fail_msg("bad test JSON: %s: %s", err.msg, s);
	return j;
}

#define BASE                                                                                       \
	"{\"family\":\"web\",\"requiresCompatibilities\":[\"FARGATE\"],\"networkMode\":\"awsvpc\"," \
	"\"cpu\":\"256\",\"memory\":\"512\",\"containerDefinitions\":[{\"name\":\"app\","         \
	"\"image\":\"busybox:1.36\"},{\"name\":\"side\",\"image\":\"nginx\",\"essential\":false}]}"

/* Merge the members of `patch` into `dst` (replacing same-named ones);
 * a member whose value is the string "-" is deleted. */
static void merge(cJSON *dst, const char *patch)
{
	cJSON *p = parse(patch), *m;
	cJSON_ArrayForEach(m, p) {
		cJSON_DeleteItemFromObjectCaseSensitive(dst, m->string);
		if (!(cJSON_IsString(m) && strcmp(m->valuestring, "-") == 0))
			cJSON_AddItemToObject(dst, m->string, cJSON_Duplicate(m, true));
	}
	cJSON_Delete(p);
}

static int validate(const char *task_patch, const char *ctr_patch, cJSON **out,
		    struct api_error *e)
{
	cJSON *req = parse(BASE);
	int rc;
	if (task_patch)
		merge(req, task_patch);
	if (ctr_patch)
		merge(cJSON_GetArrayItem(cJSON_GetObjectItem(req, "containerDefinitions"), 0),
		      ctr_patch);
	memset(e, 0, sizeof(*e));
	rc = taskdef_validate(req, image_ok, out, e);
	cJSON_Delete(req);
	return rc;
}

static void test_minimal_fargate_normalizes(void **state)
{
	const char *req_text =
		"{\"family\":\"web\",\"requiresCompatibilities\":[\"FARGATE\"],"
		"\"networkMode\":\"awsvpc\",\"cpu\":\"1 vCPU\",\"memory\":\"2GB\","
		"\"tags\":[{\"key\":\"k\",\"value\":\"v\"}],\"containerDefinitions\":[{"
		"\"name\":\"app\",\"image\":\"busybox\",\"portMappings\":[{\"containerPort\":80}],"
		"\"healthCheck\":{\"command\":[\"CMD-SHELL\",\"true\"]},\"memoryReservation\":null}]}";
	cJSON *req = parse(req_text), *out = NULL, *c, *pm, *hc;
	char *before = cJSON_PrintUnformatted(req);
	struct api_error e = { 0 };
	(void)state;

	assert_int_equal(taskdef_validate(req, image_ok, &out, &e), 0);
	assert_string_equal(cJSON_GetObjectItem(out, "cpu")->valuestring, "1024");
	assert_string_equal(cJSON_GetObjectItem(out, "memory")->valuestring, "2048");
	assert_null(cJSON_GetObjectItem(out, "tags"));
	c = cJSON_GetArrayItem(cJSON_GetObjectItem(out, "containerDefinitions"), 0);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(c, "essential")));
	assert_null(cJSON_GetObjectItem(c, "memoryReservation"));
	pm = cJSON_GetArrayItem(cJSON_GetObjectItem(c, "portMappings"), 0);
	assert_int_equal(cJSON_GetObjectItem(pm, "hostPort")->valueint, 80);
	assert_string_equal(cJSON_GetObjectItem(pm, "protocol")->valuestring, "tcp");
	hc = cJSON_GetObjectItem(c, "healthCheck");
	assert_int_equal(cJSON_GetObjectItem(hc, "interval")->valueint, 30);
	assert_int_equal(cJSON_GetObjectItem(hc, "timeout")->valueint, 5);
	assert_int_equal(cJSON_GetObjectItem(hc, "retries")->valueint, 3);
	assert_null(cJSON_GetObjectItem(hc, "startPeriod"));
	/* The request itself is untouched. */
	char *after = cJSON_PrintUnformatted(req);
	assert_string_equal(before, after);
	cJSON_free(before);
	cJSON_free(after);
	cJSON_Delete(out);
	cJSON_Delete(req);
}

struct reject_case {
	const char *task_patch, *ctr_patch;
	const char *message; /* expected substring */
};

/* One rejection per rule; each message names its field. */
static const struct reject_case rejects[] = {
	/* Fargate task-level rules. */
	{ "{\"cpu\":\"-\"}", NULL, "Fargate requires that 'cpu' be defined at the task level." },
	{ "{\"memory\":\"-\"}", NULL, "Fargate requires that 'memory' be defined at the task level." },
	{ "{\"cpu\":\"512\",\"memory\":\"8192\"}", NULL,
	  "No Fargate configuration exists for given values: 512 CPU, 8192 memory. See the Amazon "
	  "ECS documentation for the valid combinations." },
	{ "{\"cpu\":\"lots\"}", NULL, "Invalid 'cpu' setting for task." },
	{ "{\"memory\":\"2 TB\"}", NULL, "Invalid 'memory' setting for task." },
	{ "{\"networkMode\":\"bridge\"}", NULL, "Fargate only supports network mode \u2018awsvpc\u2019." },
	{ "{\"networkMode\":\"-\"}", NULL, "Fargate only supports network mode \u2018awsvpc\u2019." },
	{ "{\"ipcMode\":\"task\"}", NULL, "Tasks using the Fargate launch type do not support ipcMode." },
	{ "{\"pidMode\":\"host\"}", NULL, "pidMode: Tasks using the Fargate launch type support only" },
	{ NULL, "{\"systemControls\":[{\"namespace\":\"kernel.domainname\",\"value\":\"x\"}]}",
	  "systemControls[0].namespace: 'kernel.domainname' is not a namespaced kernel parameter" },
	{ NULL, "{\"systemControls\":[{\"namespace\":\"net.ipv4/../../kernel\",\"value\":\"x\"}]}",
	  "systemControls[0].namespace: " },
	{ NULL, "{\"systemControls\":[{\"namespace\":\"net.core.somaxconn\",\"value\":\"1\\n2\"}]}",
	  "systemControls[0].value: must be a one-line value." },
	{ "{\"placementConstraints\":[{\"type\":\"memberOf\",\"expression\":\"x\"}]}", NULL,
	  "placementConstraints: " },
	{ "{\"volumes\":[{\"name\":\"v\",\"host\":{\"sourcePath\":\"/etc\"}}]}", NULL,
	  "volumes[0].host.sourcePath: not supported on Fargate" },
	{ "{\"volumes\":[{\"name\":\"v\",\"dockerVolumeConfiguration\":{\"scope\":\"task\"}}]}", NULL,
	  "volumes[0].dockerVolumeConfiguration: not supported on Fargate" },
	{ "{\"ephemeralStorage\":{\"sizeInGiB\":20}}", NULL, "ephemeralStorage.sizeInGiB: " },
	{ "{\"ephemeralStorage\":{\"sizeInGiB\":201}}", NULL, "ephemeralStorage.sizeInGiB: " },
	/* Fargate container rules. */
	{ NULL, "{\"privileged\":true}", "containerDefinitions[0].privileged: not supported on Fargate" },
	{ NULL, "{\"links\":[\"side\"]}",
	  "containerDefinitions[0].links: links are not supported when networkMode=awsvpc." },
	{ NULL, "{\"hostname\":\"h\"}",
	  "containerDefinitions[0].hostname: hostname is not supported on container when "
	  "networkMode=awsvpc." },
	{ NULL, "{\"linuxParameters\":{\"devices\":[{\"hostPath\":\"/dev/kvm\"}]}}",
	  "containerDefinitions[0].linuxParameters.devices: not supported on Fargate" },
	{ NULL, "{\"linuxParameters\":{\"sharedMemorySize\":64}}",
	  "containerDefinitions[0].linuxParameters.sharedMemorySize: not supported on Fargate" },
	{ NULL, "{\"linuxParameters\":{\"maxSwap\":64}}",
	  "containerDefinitions[0].linuxParameters.maxSwap: not supported on Fargate" },
	{ NULL, "{\"linuxParameters\":{\"swappiness\":10}}",
	  "containerDefinitions[0].linuxParameters.swappiness: not supported on Fargate" },
	{ NULL, "{\"linuxParameters\":{\"capabilities\":{\"add\":[\"SYS_PTRACE\",\"SYS_ADMIN\"]}}}",
	  "containerDefinitions[0].linuxParameters.capabilities.add[1]: Fargate only supports" },
	{ NULL, "{\"dockerSecurityOptions\":[\"apparmor:x\"]}",
	  "containerDefinitions[0].dockerSecurityOptions: not supported on Fargate" },
	{ NULL, "{\"memory\":1024}", "containerDefinitions[0].memory: Invalid 'memory' setting" },
	{ NULL, "{\"memoryReservation\":1024}", "containerDefinitions[0].memoryReservation: " },
	{ NULL, "{\"memory\":256,\"memoryReservation\":300}",
	  "containerDefinitions[0].memoryReservation: Invalid setting for container 'app'." },
	{ NULL, "{\"cpu\":512}", "containerDefinitions[0].cpu: Invalid 'cpu' setting" },
	{ NULL, "{\"portMappings\":[{\"containerPort\":80},{\"containerPort\":81,\"hostPort\":8081}]}",
	  "containerDefinitions[0].portMappings[1].hostPort: When networkMode=awsvpc, the host ports "
	  "and container ports in port mappings must match." },
	{ NULL, "{\"portMappings\":[{\"containerPort\":0}]}",
	  "containerDefinitions[0].portMappings[0].containerPort: Invalid 'containerPort' setting for "
	  "container 'app'." },
	{ NULL, "{\"portMappings\":[{\"containerPort\":80,\"protocol\":\"sctp\"}]}",
	  "containerDefinitions[0].portMappings[0].protocol, value: \"sctp\", valid values: tcp, udp" },
	{ NULL, "{\"stopTimeout\":121}", "containerDefinitions[0].stopTimeout: " },
	{ NULL, "{\"stopTimeout\":1}", "containerDefinitions[0].stopTimeout: " },
	{ NULL, "{\"logConfiguration\":{\"logDriver\":\"json-file\"}}",
	  "containerDefinitions[0].logConfiguration.logDriver: Fargate supports only" },
	{ NULL, "{\"logConfiguration\":{\"logDriver\":\"awslogs\",\"options\":{\"a\":1}}}",
	  "containerDefinitions[0].logConfiguration.options.a, value type: number, valid types: "
	  "string" },
	{ NULL, "{\"ulimits\":[{\"name\":\"nofile\",\"softLimit\":10,\"hardLimit\":2000000}]}",
	  "containerDefinitions[0].ulimits[0].hardLimit: " },
	{ NULL, "{\"ulimits\":[{\"name\":\"nofile\",\"softLimit\":10,\"hardLimit\":5}]}",
	  "containerDefinitions[0].ulimits[0]: softLimit" },
	/* dependsOn. */
	{ NULL, "{\"dependsOn\":[{\"containerName\":\"nope\",\"condition\":\"START\"}]}",
	  "containerDefinitions[0].dependsOn[0].containerName: no container named 'nope'" },
	{ NULL, "{\"dependsOn\":[{\"containerName\":\"side\",\"condition\":\"READY\"}]}",
	  "containerDefinitions[0].dependsOn[0].condition, value: \"READY\"" },
	{ NULL, "{\"dependsOn\":[{\"containerName\":\"app\",\"condition\":\"START\"}]}",
	  "cannot depend on itself" },
	{ NULL, "{\"dependsOn\":[{\"containerName\":\"side\",\"condition\":\"HEALTHY\"}]}",
	  "containerDefinitions[0].dependsOn[0].condition: HEALTHY needs a healthCheck" },
	{ NULL, "{\"dependsOn\":[{\"containerName\":\"side\"}]}",
	  "Missing required parameter in containerDefinitions[0].dependsOn[0]: \"condition\"" },
	/* Health check ranges. */
	{ NULL, "{\"healthCheck\":{\"command\":[\"CMD\",\"true\"],\"interval\":4}}",
	  "containerDefinitions[0].healthCheck.interval: must be between 5 and 300" },
	{ NULL, "{\"healthCheck\":{\"command\":[\"CMD\",\"true\"],\"timeout\":61}}",
	  "containerDefinitions[0].healthCheck.timeout: must be between 2 and 60" },
	{ NULL, "{\"healthCheck\":{\"command\":[\"CMD\",\"true\"],\"retries\":11}}",
	  "containerDefinitions[0].healthCheck.retries: must be between 1 and 10" },
	{ NULL, "{\"healthCheck\":{\"command\":[\"CMD\",\"true\"],\"startPeriod\":301}}",
	  "containerDefinitions[0].healthCheck.startPeriod: must be between 0 and 300" },
	{ NULL, "{\"healthCheck\":{\"command\":[\"true\"]}}", "containerDefinitions[0].healthCheck.command" },
	/* Basic rules. */
	{ "{\"family\":\"bad family\"}", NULL, "family: Family must be 1-255 characters" },
	{ "{\"family\":\"-\"}", NULL, "Missing required parameter in input: \"family\"" },
	{ "{\"containerDefinitions\":[]}", NULL, "containerDefinitions: a task definition has between 1" },
	{ NULL, "{\"name\":\"side\"}", "containerDefinitions[1].name: Duplicate container name 'side'" },
	{ NULL, "{\"name\":\"\"}", "containerDefinitions[0].name: Container.name should not be null" },
	{ NULL, "{\"name\":\"a.b\"}", "containerDefinitions[0].name: Container names must be" },
	{ NULL, "{\"image\":\"\"}", "containerDefinitions[0].image: Container.image should not be null" },
	{ NULL, "{\"image\":\"Bad Image\"}",
	  "containerDefinitions[0].image: Invalid image reference 'Bad Image': invalid reference format" },
	{ NULL, "{\"essential\":false}", "At least one essential container is required." },
	{ NULL, "{\"mountPoints\":[{\"sourceVolume\":\"data\",\"containerPath\":\"/d\"}]}",
	  "containerDefinitions[0].mountPoints[0].sourceVolume: " },
	{ NULL, "{\"volumesFrom\":[{\"sourceContainer\":\"ghost\"}]}",
	  "containerDefinitions[0].volumesFrom[0].sourceContainer: " },
	/* Model types. */
	{ "{\"surprise\":1}", NULL, "Unknown parameter in input: \"surprise\", must be one of: family" },
	{ NULL, "{\"colour\":\"red\"}", "Unknown parameter in containerDefinitions[0]: \"colour\"" },
	{ NULL, "{\"cpu\":\"256\"}",
	  "Invalid type for parameter containerDefinitions[0].cpu, value type: string, valid types: "
	  "integer" },
	{ NULL, "{\"cpu\":1.5}", "Invalid value for parameter containerDefinitions[0].cpu" },
	{ NULL, "{\"cpu\":4294967296}", "Invalid value for parameter containerDefinitions[0].cpu" },
	{ NULL, "{\"essential\":\"yes\"}", "containerDefinitions[0].essential, value type: string" },
	{ NULL, "{\"command\":[\"sh\",1]}", "containerDefinitions[0].command[1], value type: number" },
	{ "{\"networkMode\":\"overlay\"}", NULL, "Invalid value for parameter networkMode" },
	{ "{\"requiresCompatibilities\":\"FARGATE\"}", NULL, "requiresCompatibilities, value type: string" },
	{ "{\"tags\":[{\"key\":\"\",\"value\":\"v\"}]}", NULL, "Invalid length for parameter tags[0].key" },
	{ "{\"containerDefinitions\":[null]}", NULL, "containerDefinitions[0], value type: null" },
};

static void test_rejections(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(rejects) / sizeof(rejects[0]); i++) {
		struct api_error e;
		cJSON *out = NULL;
		const struct reject_case *r = &rejects[i];
		if (validate(r->task_patch, r->ctr_patch, &out, &e) != -1)
			fail_msg("case %zu (%s %s) was accepted", i, r->task_patch ? r->task_patch : "",
				 r->ctr_patch ? r->ctr_patch : "");
		assert_null(out);
		assert_int_equal(e.status, 400);
		assert_string_equal(e.type, "ClientException");
		if (strstr(e.message, r->message) == NULL)
			fail_msg("case %zu: message '%s' lacks '%s'", i, e.message, r->message);
	}
}

/* Accepted variants, including what only a non-Fargate definition may do. */
static const struct {
	const char *task_patch, *ctr_patch;
} accepts[] = {
	{ NULL, "{\"privileged\":false,\"linuxParameters\":{\"capabilities\":{\"add\":[\"SYS_PTRACE\"],"
		"\"drop\":[\"NET_RAW\"]},\"initProcessEnabled\":true}}" },
	{ NULL, "{\"portMappings\":[{\"containerPort\":80,\"hostPort\":80,\"protocol\":\"udp\"}]}" },
	{ NULL, "{\"ulimits\":[{\"name\":\"nofile\",\"softLimit\":1024,\"hardLimit\":65536}]}" },
	{ NULL, "{\"systemControls\":[{\"namespace\":\"net.ipv4.tcp_keepalive_time\",\"value\":\"600\"},"
		"{\"namespace\":\"kernel.shm_rmid_forced\",\"value\":\"1\"}]}" },
	{ NULL, "{\"dependsOn\":[{\"containerName\":\"side\",\"condition\":\"COMPLETE\"}]}" },
	{ NULL, "{\"stopTimeout\":120,\"memory\":512,\"memoryReservation\":256,\"cpu\":256}" },
	{ "{\"pidMode\":\"task\",\"ephemeralStorage\":{\"sizeInGiB\":21},\"volumes\":[{\"name\":\"d\"}]}",
	  "{\"mountPoints\":[{\"sourceVolume\":\"d\",\"containerPath\":\"/d\",\"readOnly\":true}]}" },
	{ "{\"cpu\":\"0.25 vcpu\",\"memory\":\"0.5 GB\"}", NULL },
	/* Not Fargate: only the basic rules apply. */
	{ "{\"requiresCompatibilities\":[\"EC2\"],\"networkMode\":\"bridge\",\"cpu\":\"-\","
	  "\"memory\":\"-\",\"ipcMode\":\"host\"}",
	  "{\"privileged\":true,\"memory\":128,\"links\":[\"side:s\"],\"hostname\":\"h\","
	  "\"portMappings\":[{\"containerPort\":80,\"hostPort\":8080}],\"stopTimeout\":300}" },
};

static void test_accepts(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(accepts) / sizeof(accepts[0]); i++) {
		struct api_error e;
		cJSON *out = NULL;
		if (i == sizeof(accepts) / sizeof(accepts[0]) - 1) {
			/* The second container needs memory too without task memory. */
			cJSON *req = parse(BASE);
			merge(req, accepts[i].task_patch);
			merge(cJSON_GetArrayItem(cJSON_GetObjectItem(req, "containerDefinitions"), 0),
			      accepts[i].ctr_patch);
			merge(cJSON_GetArrayItem(cJSON_GetObjectItem(req, "containerDefinitions"), 1),
			      "{\"memoryReservation\":64}");
			if (taskdef_validate(req, image_ok, &out, &e) != 0)
				fail_msg("non-Fargate case refused: %s", e.message);
			cJSON *pm = cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetArrayItem(
				cJSON_GetObjectItem(out, "containerDefinitions"), 0), "portMappings"), 0);
			assert_int_equal(cJSON_GetObjectItem(pm, "hostPort")->valueint, 8080);
			cJSON_Delete(req);
		} else if (validate(accepts[i].task_patch, accepts[i].ctr_patch, &out, &e) != 0) {
			fail_msg("case %zu refused: %s", i, e.message);
		}
		cJSON_Delete(out);
	}
}

static void test_non_fargate_needs_container_memory(void **state)
{
	struct api_error e;
	cJSON *out = NULL;
	(void)state;
	assert_int_equal(validate("{\"requiresCompatibilities\":\"-\",\"memory\":\"-\"}", NULL, &out, &e),
			 -1);
	assert_non_null(strstr(e.message, "containerDefinitions[0]: Invalid setting for container "
					  "'app'. At least one of 'memory' or 'memoryReservation' "
					  "must be specified."));
	/* Still bounded by the task memory when there is one. */
	assert_int_equal(validate("{\"requiresCompatibilities\":\"-\"}", "{\"memory\":4096}", &out, &e),
			 -1);
	assert_non_null(strstr(e.message, "containerDefinitions[0].memory: Invalid 'memory'"));
}

static void test_dependency_cycle(void **state)
{
	struct api_error e;
	cJSON *out = NULL;
	cJSON *req = parse(BASE);
	(void)state;
	merge(cJSON_GetArrayItem(cJSON_GetObjectItem(req, "containerDefinitions"), 0),
	      "{\"dependsOn\":[{\"containerName\":\"side\",\"condition\":\"START\"}]}");
	merge(cJSON_GetArrayItem(cJSON_GetObjectItem(req, "containerDefinitions"), 1),
	      "{\"dependsOn\":[{\"containerName\":\"app\",\"condition\":\"START\"}]}");
	assert_int_equal(taskdef_validate(req, image_ok, &out, &e), -1);
	assert_non_null(strstr(e.message, "form a cycle"));
	/* COMPLETE on an essential container is refused. */
	merge(cJSON_GetArrayItem(cJSON_GetObjectItem(req, "containerDefinitions"), 1),
	      "{\"dependsOn\":[{\"containerName\":\"app\",\"condition\":\"SUCCESS\"}]}");
	merge(cJSON_GetArrayItem(cJSON_GetObjectItem(req, "containerDefinitions"), 0),
	      "{\"dependsOn\":\"-\"}");
	assert_int_equal(taskdef_validate(req, image_ok, &out, &e), -1);
	assert_non_null(strstr(e.message, "containerDefinitions[1].dependsOn[0].condition: SUCCESS "
					  "cannot be used on essential container 'app'"));
	cJSON_Delete(req);
}

static void test_parse_units(void **state)
{
	static const struct {
		const char *s;
		long cpu, mem; /* -1 = refused */
	} cases[] = {
		{ "256", 256, 256 },     { "1 vCPU", 1024, -1 }, { "0.25 vCPU", 256, -1 },
		{ "0.5vcpu", 512, -1 },  { "16 VCPU", 16384, -1 }, { "1GB", -1, 1024 },
		{ "2 GB", -1, 2048 },  { "0.5 gb", -1, 512 }, { " 512 ", 512, 512 },
		{ "0.1 vCPU", -1, -1 },  { "0", -1, -1 },        { "", -1, -1 },
		{ "1.", -1, -1 },        { ".5", -1, -1 },       { "-256", -1, -1 },
		{ "1 GiB", -1, -1 },     { "12345678", -1, -1 }, { "1.00001", -1, -1 },
		{ "256 vCPU GB", -1, -1 }, { "1e3", -1, -1 },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		long v = 0;
		int rc = taskdef_parse_cpu(cases[i].s, &v);
		if (cases[i].cpu < 0 ? rc != -1 : (rc != 0 || v != cases[i].cpu))
			fail_msg("cpu '%s': rc %d v %ld", cases[i].s, rc, v);
		rc = taskdef_parse_memory(cases[i].s, &v);
		if (cases[i].mem < 0 ? rc != -1 : (rc != 0 || v != cases[i].mem))
			fail_msg("memory '%s': rc %d v %ld", cases[i].s, rc, v);
	}
	assert_int_equal(taskdef_parse_cpu(NULL, &(long){ 0 }), -1);
}

static void test_fargate_sizes(void **state)
{
	static const struct {
		long cpu, mem;
		int ok;
	} cases[] = {
		{ 256, 512, 1 },      { 256, 1024, 1 },     { 256, 2048, 1 },    { 256, 1536, 0 },
		{ 256, 3072, 0 },     { 256, 256, 0 },      { 512, 1024, 1 },    { 512, 4096, 1 },
		{ 512, 512, 0 },      { 512, 5120, 0 },     { 512, 1536, 0 },    { 1024, 2048, 1 },
		{ 1024, 8192, 1 },    { 1024, 1024, 0 },    { 1024, 9216, 0 },   { 2048, 4096, 1 },
		{ 2048, 16384, 1 },   { 2048, 3072, 0 },    { 2048, 17408, 0 },  { 4096, 8192, 1 },
		{ 4096, 30720, 1 },   { 4096, 31744, 0 },   { 4096, 7168, 0 },   { 8192, 16384, 1 },
		{ 8192, 61440, 1 },   { 8192, 20480, 1 },   { 8192, 17408, 0 },  { 8192, 65536, 0 },
		{ 16384, 32768, 1 },  { 16384, 122880, 1 }, { 16384, 40960, 1 }, { 16384, 36864, 0 },
		{ 16384, 131072, 0 }, { 128, 512, 0 },      { 3072, 8192, 0 },   { 0, 0, 0 },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (taskdef_fargate_size_ok(cases[i].cpu, cases[i].mem) != cases[i].ok)
			fail_msg("%ld CPU / %ld MiB: expected %d", cases[i].cpu, cases[i].mem,
				 cases[i].ok);
}

static void test_not_an_object(void **state)
{
	struct api_error e;
	cJSON *out = NULL, *arr = cJSON_CreateArray();
	(void)state;
	assert_int_equal(taskdef_validate(arr, image_ok, &out, &e), -1);
	assert_string_equal(e.type, "ClientException");
	cJSON_Delete(arr);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_minimal_fargate_normalizes),
		cmocka_unit_test(test_rejections),
		cmocka_unit_test(test_accepts),
		cmocka_unit_test(test_non_fargate_needs_container_memory),
		cmocka_unit_test(test_dependency_cycle),
		cmocka_unit_test(test_parse_units),
		cmocka_unit_test(test_fargate_sizes),
		cmocka_unit_test(test_not_an_object),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
