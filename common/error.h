/* error.h: berth's one error type.
 *
 * Every fallible function takes a `struct berth_err *err` as its last
 * argument and returns a negative value on failure after filling it.
 * Each layer adds its context in front with berth_err_wrap(), so the
 * message the user reads goes from the outermost action down to the
 * failing syscall: "start container app: mount overlay on /x: No such
 * file or directory".  `code` keeps the errno (or -1 for non-errno
 * domains) of the innermost failure. */
#ifndef BERTH_COMMON_ERROR_H
#define BERTH_COMMON_ERROR_H

#include <stddef.h>

#define BERTH_ERR_MSG_MAX 1024

struct berth_err {
	int code;                    /* errno of the innermost failure, or -1 */
	char msg[BERTH_ERR_MSG_MAX]; /* human readable, most general context first */
};

/* Set the error.  When errnum > 0, ": strerror(errnum)" is appended.
 * Always returns -1 so callers can `return berth_err_set(...)`. */
int berth_err_set(struct berth_err *err, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Set from the current errno (captured before anything else runs). */
#define berth_err_errno(err, ...) berth_err_set((err), errno, __VA_ARGS__)

/* Prefix the existing message with more general context ("ctx: old").
 * Returns -1. */
int berth_err_wrap(struct berth_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Reset to "no error". */
void berth_err_clear(struct berth_err *err);

#endif
