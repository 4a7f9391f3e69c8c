/* logs_common.c: helpers shared by the CloudWatch Logs handlers (see
 * logs_common.h). */
#include "logs_common.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "runner/daemon.h"

int logs_req_string(const cJSON *req, const char *name, const char **out, struct api_error *e)
{
	if (api_opt_string(req, name, out, e) < 0)
		return -1;
	if (*out == NULL || **out == '\0')
		return api_invalid_param(e, "1 validation error detected: Value null at '%s' "
					    "failed to satisfy constraint: Member must not be null",
					 name);
	return 0;
}

/* The group a log-group ARN names: "arn:aws:logs:R:A:log-group:NAME",
 * optionally ending in ":*". */
static int group_of_arn(const char *arn, char *group, size_t len)
{
	const char *p = strstr(arn, ":log-group:");
	size_t n;

	if (p == NULL)
		return -1;
	p += strlen(":log-group:");
	n = strcspn(p, ":");
	if (n == 0 || n >= len || (p[n] != '\0' && strcmp(p + n, ":*") != 0))
		return -1;
	memcpy(group, p, n);
	group[n] = '\0';
	return 0;
}

static int copy_name(const char *name, char *group, size_t len, struct api_error *e)
{
	if (strlen(name) >= len)
		return api_invalid_param(e, "logGroupName: Member must have length less than or "
					    "equal to 512");
	strcpy(group, name);
	return 0;
}

int logs_req_group(const cJSON *req, bool identifier_ok, char *group, size_t len,
		   struct api_error *e)
{
	const char *name = NULL, *ident = NULL;

	if (api_opt_string(req, "logGroupName", &name, e) < 0)
		return -1;
	if (identifier_ok && api_opt_string(req, "logGroupIdentifier", &ident, e) < 0)
		return -1;
	if (name && ident)
		return api_invalid_param(e, "LogGroup name and LogGroup ARN are mutually exclusive "
					    "parameters.");
	if (ident && strncmp(ident, "arn:", 4) == 0) {
		if (group_of_arn(ident, group, len) < 0)
			return api_invalid_param(e, "Invalid logGroupIdentifier: %s", ident);
		return 0;
	}
	if (ident)
		return copy_name(ident, group, len, e);
	if (name == NULL || *name == '\0')
		return api_invalid_param(e, "1 validation error detected: Value null at "
					    "'logGroupName' failed to satisfy constraint: Member "
					    "must not be null");
	return copy_name(name, group, len, e);
}

int logs_store_error(struct api_error *e, const struct berth_err *err)
{
	switch (err->code) {
	case ENOENT:
		return api_error_set(e, 400, "ResourceNotFoundException", "%s", err->msg);
	case EEXIST:
		return api_error_set(e, 400, "ResourceAlreadyExistsException", "%s", err->msg);
	case EINVAL:
		return api_invalid_param(e, "%s", err->msg);
	default:
		return api_error_set(e, 500, "ServiceUnavailableException", "%s", err->msg);
	}
}

void logs_group_arn(const struct berth_daemon *d, const char *group, char *buf, size_t len)
{
	snprintf(buf, len, "arn:aws:logs:%s:%s:log-group:%s", d->cfg.region, d->cfg.account_id,
		 group);
}

void logs_stream_arn(const struct berth_daemon *d, const char *group, const char *stream,
		     char *buf, size_t len)
{
	snprintf(buf, len, "arn:aws:logs:%s:%s:log-group:%s:log-stream:%s", d->cfg.region,
		 d->cfg.account_id, group, stream);
}
