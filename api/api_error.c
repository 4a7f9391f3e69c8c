/* api_error.c: filling struct api_error (see api_error.h). */
#include "api_error.h"

#include <stdarg.h>
#include <stdio.h>

int api_error_set(struct api_error *e, int status, const char *type, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return -1;
	e->status = status;
	snprintf(e->type, sizeof(e->type), "%s", type);
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
	return -1;
}
