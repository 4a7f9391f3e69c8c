/* fuzz_taskdef.c: libFuzzer harness for RegisterTaskDefinition
 * validation: bytes -> json_parse_strict -> taskdef_validate() with a
 * trivial image check.  Property: normalization is a fixed point — an
 * accepted definition's output validates again to the same document. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/taskdef_validate.h"
#include "common/json.h"

static int image_check(const char *image, char *why, size_t len)
{
	if (strchr(image, ' ') == NULL)
		return 0;
	strncpy(why, "whitespace in reference", len - 1);
	why[len - 1] = '\0';
	return -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct berth_err err = { 0 };
	struct api_error e;
	cJSON *req, *out = NULL, *again = NULL;
	char *a, *b;

	if (size > 65536)
		return 0;
	req = json_parse_strict((const char *)data, size, &err);
	if (req == NULL)
		return 0;
	if (taskdef_validate(req, image_check, &out, &e) == 0) {
		if (taskdef_validate(out, image_check, &again, &e) != 0)
			abort(); /* the normalized output must be valid */
		a = cJSON_PrintUnformatted(out);
		b = cJSON_PrintUnformatted(again);
		if (a == NULL || b == NULL || strcmp(a, b) != 0)
			abort(); /* and normalizing it must change nothing */
		cJSON_free(a);
		cJSON_free(b);
		cJSON_Delete(again);
		cJSON_Delete(out);
	} else if (e.status != 400 && e.status != 500) {
		abort();
	}
	cJSON_Delete(req);
	return 0;
}
