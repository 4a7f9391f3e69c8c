/* log.c: stderr logger (see log.h).  The role and threshold are the only
 * process-wide settings; they are written once before threads start. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

static struct {
	char role[64];
	enum berth_log_level threshold;
} log_cfg = { "berth", BERTH_LOG_INFO };

void berth_log_init(const char *role, enum berth_log_level threshold)
{
	snprintf(log_cfg.role, sizeof(log_cfg.role), "%s", role);
	log_cfg.threshold = threshold;
}

void berth_log(enum berth_log_level level, const char *fmt, ...)
{
	static const char *const names[] = { "debug", "info", "warn", "error" };
	char line[2048];
	struct timespec ts;
	struct tm tm;
	va_list ap;
	int n;

	if (level < log_cfg.threshold)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = snprintf(line, sizeof(line), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s %s: ",
		     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		     ts.tv_nsec / 1000000, log_cfg.role, names[level]);
	va_start(ap, fmt);
	if (n > 0 && (size_t)n < sizeof(line))
		vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s\n", line);
}
