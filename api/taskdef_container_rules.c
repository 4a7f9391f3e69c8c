/* taskdef_container_rules.c: the rules for one entry of
 * containerDefinitions[] (see taskdef_rules.h), in table order: name,
 * image, essential, memory, cpu, port mappings, the Fargate refusals
 * (privileged, links, hostname, devices, ...), timeouts, health check,
 * log driver, ulimits, mount points, system controls.  Normalizes as ECS does: essential
 * defaults to true, hostPort filled from containerPort in awsvpc,
 * protocol defaults to tcp, health check timings get their defaults.
 * Rules that need every container (dependsOn, cpu sum) are task rules. */
#include <stdio.h>
#include <string.h>

#include "taskdef_rules.h"

static int rule_name(struct td_ctx *c, cJSON *cd, const char *path)
{
	const char *name = td_str(cd, "name");
	const cJSON *other;

	if (name == NULL || *name == '\0')
		return td_fail(c, "%s.name: Container.name should not be null or empty.", path);
	if (!td_valid_name(name))
		return td_fail(c, "%s.name: Container names must be 1-255 characters: letters "
			       "(uppercase and lowercase), numbers, hyphens and underscores; got "
			       "'%.64s'.", path, name);
	cJSON_ArrayForEach(other, c->containers) {
		if (other == cd)
			break;
		const char *o = td_str(other, "name");
		if (o && strcmp(o, name) == 0)
			return td_fail(c, "%s.name: Duplicate container name '%s'. Container names "
				       "must be unique within a task definition.", path, name);
	}
	return 0;
}

static int rule_image(struct td_ctx *c, cJSON *cd, const char *path)
{
	const char *image = td_str(cd, "image");
	char why[256] = "malformed";

	if (image == NULL || *image == '\0')
		return td_fail(c, "%s.image: Container.image should not be null or empty.", path);
	if (c->check_image && c->check_image(image, why, sizeof(why)) < 0)
		return td_fail(c, "%s.image: Invalid image reference '%.255s': %s", path, image, why);
	return 0;
}

static int rule_essential(struct td_ctx *c, cJSON *cd, const char *path)
{
	(void)c;
	(void)path;
	if (cJSON_GetObjectItemCaseSensitive(cd, "essential") == NULL)
		cJSON_AddBoolToObject(cd, "essential", 1);
	return 0;
}

static int rule_memory(struct td_ctx *c, cJSON *cd, const char *path)
{
	long long mem = 0, res = 0;
	int has_mem = td_int(cd, "memory", &mem), has_res = td_int(cd, "memoryReservation", &res);
	const char *name = td_str(cd, "name");

	if ((has_mem && mem < 6) || (has_res && res < 6))
		return td_fail(c, "%s.%s: Invalid setting for container '%s'. The memory must be at "
			       "least 6 MiB.", path, has_mem && mem < 6 ? "memory" : "memoryReservation",
			       name);
	if (has_mem && has_res && res > mem)
		return td_fail(c, "%s.memoryReservation: Invalid setting for container '%s'. "
			       "'memoryReservation' (%lld) must be lower than or equal to 'memory' "
			       "(%lld).", path, name, res, mem);
	if (c->mem && has_mem && mem > c->mem)
		return td_fail(c, "%s.memory: Invalid 'memory' setting for container '%s': %lld MiB "
			       "is greater than the task memory (%ld MiB).", path, name, mem, c->mem);
	if (c->mem && has_res && res > c->mem)
		return td_fail(c, "%s.memoryReservation: Invalid 'memoryReservation' setting for "
			       "container '%s': %lld MiB is greater than the task memory (%ld MiB).",
			       path, name, res, c->mem);
	if (!c->mem && !has_mem && !has_res)
		return td_fail(c, "%s: Invalid setting for container '%s'. At least one of 'memory' "
			       "or 'memoryReservation' must be specified.", path, name);
	return 0;
}

static int rule_cpu(struct td_ctx *c, cJSON *cd, const char *path)
{
	long long cpu = 0;

	if (!td_int(cd, "cpu", &cpu))
		return 0;
	if (cpu < 0 || cpu > 10240)
		return td_fail(c, "%s.cpu: Invalid 'cpu' setting for container '%s'.", path,
			       td_str(cd, "name"));
	if (c->cpu && cpu > c->cpu)
		return td_fail(c, "%s.cpu: Invalid 'cpu' setting for container '%s': %lld units is "
			       "greater than the task cpu (%ld).", path, td_str(cd, "name"), cpu, c->cpu);
	return 0;
}

/* One portMappings[] entry: ports in range, hostPort in awsvpc, protocol. */
static int port_mapping(struct td_ctx *c, cJSON *pm, const char *path, int i, const char *name)
{
	long long cp = 0, hp = 0;
	int has_cp = td_int(pm, "containerPort", &cp), has_hp = td_int(pm, "hostPort", &hp);
	const char *range = td_str(pm, "containerPortRange");
	unsigned lo, hi;
	char tail;

	if (range) {
		if (has_cp || has_hp)
			return td_fail(c, "%s.portMappings[%d].containerPortRange: cannot be combined "
				       "with containerPort or hostPort.", path, i);
		if (sscanf(range, "%u-%u%c", &lo, &hi, &tail) != 2 || lo < 1 || hi > 65535 || lo >= hi)
			return td_fail(c, "%s.portMappings[%d].containerPortRange: Invalid port range "
				       "'%.32s'; expected 'start-end' with 1 <= start < end <= 65535.",
				       path, i, range);
	} else if (!has_cp || cp < 1 || cp > 65535) {
		return td_fail(c, "%s.portMappings[%d].containerPort: Invalid 'containerPort' setting "
			       "for container '%s'.", path, i, name);
	}
	if (has_hp && (hp < 0 || hp > 65535))
		return td_fail(c, "%s.portMappings[%d].hostPort: Invalid 'hostPort' setting for "
			       "container '%s'.", path, i, name);
	if (c->awsvpc && has_hp && hp != 0 && hp != cp)
		return td_fail(c, "%s.portMappings[%d].hostPort: When networkMode=awsvpc, the host "
			       "ports and container ports in port mappings must match.", path, i);
	if (c->awsvpc && !range) {
		cJSON *h = cJSON_GetObjectItemCaseSensitive(pm, "hostPort");
		if (h)
			cJSON_SetNumberValue(h, (double)cp);
		else
			cJSON_AddNumberToObject(pm, "hostPort", (double)cp);
	}
	if (td_str(pm, "protocol") == NULL)
		cJSON_AddStringToObject(pm, "protocol", "tcp");
	return 0;
}

static int rule_ports(struct td_ctx *c, cJSON *cd, const char *path)
{
	cJSON *pm, *arr = cJSON_GetObjectItemCaseSensitive(cd, "portMappings");
	int i = 0;

	cJSON_ArrayForEach(pm, arr) {
		if (port_mapping(c, pm, path, i, td_str(cd, "name")) < 0)
			return -1;
		for (cJSON *q = arr->child; q != pm; q = q->next) {
			long long a = 0, b = 0;
			const char *pa = td_str(pm, "protocol"), *pb = td_str(q, "protocol");
			if (td_int(pm, "containerPort", &a) && td_int(q, "containerPort", &b) &&
			    a == b && pa && pb && strcmp(pa, pb) == 0)
				return td_fail(c, "%s.portMappings[%d].containerPort: Duplicate port "
					       "mapping %lld/%s.", path, i, a, pa);
		}
		i++;
	}
	return 0;
}

/* Container members refused in awsvpc network mode (so on Fargate). */
static const struct {
	const char *member;
	const char *why;
} awsvpc_refused[] = {
	{ "links", "links are not supported when networkMode=awsvpc." },
	{ "hostname", "hostname is not supported on container when networkMode=awsvpc." },
};

static int rule_awsvpc_refusals(struct td_ctx *c, cJSON *cd, const char *path)
{
	for (size_t i = 0; c->awsvpc && i < sizeof(awsvpc_refused) / sizeof(awsvpc_refused[0]); i++) {
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(cd, awsvpc_refused[i].member);
		if (m && !(cJSON_IsArray(m) && cJSON_GetArraySize(m) == 0))
			return td_fail(c, "%s.%s: %s", path, awsvpc_refused[i].member,
				       awsvpc_refused[i].why);
	}
	return 0;
}

static int rule_fargate_refusals(struct td_ctx *c, cJSON *cd, const char *path)
{
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(cd, "privileged");
	const cJSON *rr;

	if (cJSON_IsTrue(p))
		return td_fail(c, "%s.privileged: not supported on Fargate", path);
	if (td_nonempty(cd, "dockerSecurityOptions"))
		return td_fail(c, "%s.dockerSecurityOptions: not supported on Fargate", path);
	cJSON_ArrayForEach(rr, cJSON_GetObjectItemCaseSensitive(cd, "resourceRequirements"))
		if (strcmp(td_str(rr, "type"), "GPU") == 0)
			return td_fail(c, "%s.resourceRequirements: GPU resources are not supported "
				       "on Fargate.", path);
	return 0;
}

/* linuxParameters members Fargate refuses. */
static const char *const fargate_linux_refused[] = { "devices", "sharedMemorySize", "maxSwap",
						     "swappiness", "tmpfs", NULL };

static int rule_fargate_linux(struct td_ctx *c, cJSON *cd, const char *path)
{
	const cJSON *lp = cJSON_GetObjectItemCaseSensitive(cd, "linuxParameters");
	const cJSON *cap;
	int i = 0;

	if (lp == NULL)
		return 0;
	for (const char *const *m = fargate_linux_refused; *m; m++)
		if (cJSON_GetObjectItemCaseSensitive(lp, *m))
			return td_fail(c, "%s.linuxParameters.%s: not supported on Fargate", path, *m);
	cap = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(lp, "capabilities"),
					       "add");
	for (const cJSON *a = cap ? cap->child : NULL; a; a = a->next, i++)
		if (strcmp(a->valuestring, "SYS_PTRACE") != 0)
			return td_fail(c, "%s.linuxParameters.capabilities.add[%d]: Fargate only "
				       "supports adding the SYS_PTRACE kernel capability, not '%.32s'.",
				       path, i, a->valuestring);
	return 0;
}

static int rule_timeouts(struct td_ctx *c, cJSON *cd, const char *path)
{
	long long v;

	if (td_int(cd, "stopTimeout", &v) && (c->fargate ? (v < 2 || v > 120) : v < 0))
		return td_fail(c, "%s.stopTimeout: Invalid 'stopTimeout' setting for container '%s'%s",
			       path, td_str(cd, "name"),
			       c->fargate ? ": must be between 2 and 120 seconds on Fargate." : ".");
	if (td_int(cd, "startTimeout", &v) && (v < 2 || v > 600))
		return td_fail(c, "%s.startTimeout: Invalid 'startTimeout' setting for container "
			       "'%s': must be between 2 and 600 seconds.", path, td_str(cd, "name"));
	return 0;
}

/* healthCheck timings: {member, min, max, default or -1}. */
static const struct {
	const char *member;
	long long min, max, dflt;
} health_ranges[] = {
	{ "interval", 5, 300, 30 },
	{ "timeout", 2, 60, 5 },
	{ "retries", 1, 10, 3 },
	{ "startPeriod", 0, 300, -1 },
};

static int rule_health(struct td_ctx *c, cJSON *cd, const char *path)
{
	cJSON *hc = cJSON_GetObjectItemCaseSensitive(cd, "healthCheck");
	const cJSON *cmd = cJSON_GetObjectItemCaseSensitive(hc, "command");
	const char *first = cmd && cmd->child ? cmd->child->valuestring : NULL;

	if (hc == NULL)
		return 0;
	if (first == NULL || (strcmp(first, "CMD") != 0 && strcmp(first, "CMD-SHELL") != 0) ||
	    cJSON_GetArraySize(cmd) < 2)
		return td_fail(c, "%s.healthCheck.command: must be [\"CMD\", exe, args...] or "
			       "[\"CMD-SHELL\", command].", path);
	for (size_t i = 0; i < sizeof(health_ranges) / sizeof(health_ranges[0]); i++) {
		long long v;
		if (!td_int(hc, health_ranges[i].member, &v)) {
			if (health_ranges[i].dflt >= 0)
				cJSON_AddNumberToObject(hc, health_ranges[i].member,
							(double)health_ranges[i].dflt);
			continue;
		}
		if (v < health_ranges[i].min || v > health_ranges[i].max)
			return td_fail(c, "%s.healthCheck.%s: must be between %lld and %lld, got %lld.",
				       path, health_ranges[i].member, health_ranges[i].min,
				       health_ranges[i].max, v);
	}
	return 0;
}

static const char *const fargate_log_drivers[] = { "awslogs", "splunk", "awsfirelens", NULL };

/* Fargate refuses an awslogs configuration without a group or a stream
 * prefix at registration. */
static int awslogs_required_options(struct td_ctx *c, cJSON *cd, const char *path)
{
	static const char *const required[] = { "awslogs-group", "awslogs-stream-prefix" };
	const cJSON *lc = cJSON_GetObjectItemCaseSensitive(cd, "logConfiguration");
	const cJSON *opts = cJSON_GetObjectItemCaseSensitive(lc, "options");

	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
		const char *v = td_str(opts, required[i]);
		if (v == NULL || *v == '\0')
			return td_fail(c, "%s.logConfiguration: Log driver awslogs option '%s' should "
				       "not be null or empty.", path, required[i]);
	}
	return 0;
}

static int rule_fargate_logs(struct td_ctx *c, cJSON *cd, const char *path)
{
	const char *drv = td_str(cJSON_GetObjectItemCaseSensitive(cd, "logConfiguration"), "logDriver");

	if (drv == NULL)
		return 0;
	if (strcmp(drv, "awslogs") == 0)
		return awslogs_required_options(c, cd, path);
	for (const char *const *d = fargate_log_drivers; *d; d++)
		if (strcmp(*d, drv) == 0)
			return 0;
	return td_fail(c, "%s.logConfiguration.logDriver: Fargate supports only the awslogs, "
		       "splunk and awsfirelens log drivers, not '%s'.", path, drv);
}

static int rule_ulimits(struct td_ctx *c, cJSON *cd, const char *path)
{
	const cJSON *u, *arr = cJSON_GetObjectItemCaseSensitive(cd, "ulimits");
	int i = 0;

	cJSON_ArrayForEach(u, arr) {
		long long soft = 0, hard = 0;
		const char *name = td_str(u, "name");
		td_int(u, "softLimit", &soft);
		td_int(u, "hardLimit", &hard);
		if (soft < 0 || hard < 0 || soft > hard)
			return td_fail(c, "%s.ulimits[%d]: softLimit must be between 0 and hardLimit.",
				       path, i);
		if (c->fargate && strcmp(name, "nofile") == 0 && hard > 1048576)
			return td_fail(c, "%s.ulimits[%d].hardLimit: Fargate allows a nofile limit of "
				       "at most 1048576.", path, i);
		for (const cJSON *q = arr->child; q != u; q = q->next)
			if (strcmp(td_str(q, "name"), name) == 0)
				return td_fail(c, "%s.ulimits[%d].name: Duplicate ulimit '%s'.", path,
					       i, name);
		i++;
	}
	return 0;
}

static bool has_volume(const struct td_ctx *c, const char *name)
{
	const cJSON *v;
	cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(c->def, "volumes")) {
		const char *n = td_str(v, "name");
		if (n && strcmp(n, name) == 0)
			return true;
	}
	return false;
}

static int rule_mounts(struct td_ctx *c, cJSON *cd, const char *path)
{
	const cJSON *m;
	int i = 0;

	cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(cd, "mountPoints")) {
		const char *src = td_str(m, "sourceVolume"), *dst = td_str(m, "containerPath");
		if (src == NULL || !has_volume(c, src))
			return td_fail(c, "%s.mountPoints[%d].sourceVolume: Invalid 'sourceVolume' "
				       "setting for container '%s': no task volume named '%.64s'.",
				       path, i, td_str(cd, "name"), src ? src : "");
		if (dst == NULL || dst[0] != '/')
			return td_fail(c, "%s.mountPoints[%d].containerPath: must be an absolute path.",
				       path, i);
		i++;
	}
	return 0;
}

/* The sysctls a container may set: those of its own ipc and network
 * namespaces, as Docker's --sysctl allows them. */
static bool namespaced_sysctl(const char *name)
{
	static const char *const ipc[] = { "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni",
					   "kernel.sem", "kernel.shmall", "kernel.shmmax",
					   "kernel.shmmni", "kernel.shm_rmid_forced", NULL };

	for (const char *const *k = ipc; *k; k++)
		if (strcmp(name, *k) == 0)
			return true;
	if (strncmp(name, "fs.mqueue.", 10) != 0 && strncmp(name, "net.", 4) != 0)
		return false;
	for (const char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' || *p == '.' ||
		      *p == '-'))
			return false;
	return strstr(name, "..") == NULL && name[strlen(name) - 1] != '.';
}

static int rule_system_controls(struct td_ctx *c, cJSON *cd, const char *path)
{
	const cJSON *sc;
	int i = 0;

	cJSON_ArrayForEach(sc, cJSON_GetObjectItemCaseSensitive(cd, "systemControls")) {
		const char *ns = td_str(sc, "namespace"), *v = td_str(sc, "value");
		if (ns == NULL || !namespaced_sysctl(ns))
			return td_fail(c, "%s.systemControls[%d].namespace: '%.64s' is not a namespaced "
				       "kernel parameter a task may set (kernel.shm*, kernel.msg*, "
				       "kernel.sem, fs.mqueue.*, net.*).", path, i, ns ? ns : "");
		if (v == NULL || *v == '\0' || strpbrk(v, "\n\r") || strlen(v) > 1024)
			return td_fail(c, "%s.systemControls[%d].value: must be a one-line value.", path, i);
		i++;
	}
	return 0;
}

const struct td_container_rule td_container_rules[] = {
	{ "name", false, rule_name },
	{ "image", false, rule_image },
	{ "essential", false, rule_essential },
	{ "memory", false, rule_memory },
	{ "cpu", false, rule_cpu },
	{ "portMappings", false, rule_ports },
	{ "awsvpc", false, rule_awsvpc_refusals },
	{ "fargate", true, rule_fargate_refusals },
	{ "linuxParameters", true, rule_fargate_linux },
	{ "timeouts", false, rule_timeouts },
	{ "healthCheck", false, rule_health },
	{ "logConfiguration", true, rule_fargate_logs },
	{ "ulimits", false, rule_ulimits },
	{ "mountPoints", false, rule_mounts },
	{ "systemControls", false, rule_system_controls },
	{ NULL, false, NULL },
};
