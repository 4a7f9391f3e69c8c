/* api_params.h: typed optional members of a request, read into the
 * service's InvalidParameterException when present with the wrong type
 * (what every ECS and CloudWatch Logs handler does with its input). */
#ifndef BERTH_API_API_PARAMS_H
#define BERTH_API_API_PARAMS_H

#include <cjson/cJSON.h>
#include <stdbool.h>

#include "api_error.h"

int api_opt_string(const cJSON *req, const char *name, const char **out, struct api_error *e);
/* Integer in [min, max]; *present (may be NULL) says whether it was given. */
int api_opt_int(const cJSON *req, const char *name, long long min, long long max, long long *out,
		bool *present, struct api_error *e);
int api_opt_bool(const cJSON *req, const char *name, bool *out, struct api_error *e);

#endif
