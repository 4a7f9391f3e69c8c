/* api_params.c: typed optional request members (see api_params.h). */
#include "api_params.h"

#include "common/json.h"

int api_opt_string(const cJSON *req, const char *name, const char **out, struct api_error *e)
{
	struct berth_err err = { 0 };
	bool bad = false;

	*out = json_get_string(req, name, &bad, &err);
	if (bad)
		return api_invalid_param(e, "%s", err.msg);
	return 0;
}

int api_opt_int(const cJSON *req, const char *name, long long min, long long max, long long *out,
		bool *present, struct api_error *e)
{
	struct berth_err err = { 0 };
	int rc = json_get_int(req, name, min, max, out, &err);

	if (rc < 0)
		return api_invalid_param(e, "%s", err.msg);
	if (present)
		*present = rc == 1;
	return 0;
}

int api_opt_bool(const cJSON *req, const char *name, bool *out, struct api_error *e)
{
	struct berth_err err = { 0 };

	if (json_get_bool(req, name, out, &err) < 0)
		return api_invalid_param(e, "%s", err.msg);
	return 0;
}
