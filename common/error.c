/* error.c: formatting and wrapping of struct berth_err (see error.h). */
#include "error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int berth_err_set(struct berth_err *err, int errnum, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (err == NULL)
		return -1;
	va_start(ap, fmt);
	n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		err->msg[0] = '\0', n = 0;
	if (errnum > 0 && (size_t)n < sizeof(err->msg))
		snprintf(err->msg + n, sizeof(err->msg) - (size_t)n, ": %s", strerror(errnum));
	err->code = errnum > 0 ? errnum : -1;
	return -1;
}

int berth_err_wrap(struct berth_err *err, const char *fmt, ...)
{
	char prefix[BERTH_ERR_MSG_MAX];
	char old[BERTH_ERR_MSG_MAX];
	va_list ap;

	if (err == NULL)
		return -1;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	old[sizeof(old) - 1] = '\0';
	if (old[0] == '\0') {
		memcpy(err->msg, prefix, sizeof(err->msg));
	} else {
		size_t n = strnlen(prefix, sizeof(err->msg) - 3);
		memcpy(err->msg, prefix, n);
		memcpy(err->msg + n, ": ", 2);
		n += 2;
		size_t rest = strnlen(old, sizeof(err->msg) - n - 1);
		memcpy(err->msg + n, old, rest);
		err->msg[n + rest] = '\0';
	}
	if (err->code == 0)
		err->code = -1;
	return -1;
}

void berth_err_clear(struct berth_err *err)
{
	if (err) {
		err->code = 0;
		err->msg[0] = '\0';
	}
}
