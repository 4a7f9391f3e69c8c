/* logstore_retention.c: retention over the whole log store: each
 * group's retentionInDays (PutRetentionPolicy) and berthd's per-stream
 * size limit (--log-stream-max-mib), applied stream by stream with
 * logstore_stream_trim.  berthd runs it once a minute. */
#include "logstore.h"

#include <errno.h>

#include "common/cleanup.h"
#include "common/log.h"

static int trim_group(struct logstore *ls, const char *group, int64_t keep_from,
		      uint64_t max_bytes, uint64_t *trimmed, struct berth_err *err)
{
	cleanup_strv char **streams = NULL;

	if (logstore_stream_list(ls, group, &streams, err) < 0)
		return err->code == ENOENT ? 0 : -1; /* deleted meanwhile */
	for (size_t i = 0; streams[i]; i++) {
		uint64_t n = 0;
		if (logstore_stream_trim(ls, group, streams[i], keep_from, max_bytes, &n, err) < 0) {
			if (err->code == ENOENT)
				continue;
			log_warn("log retention: %s %s: %s", group, streams[i], err->msg);
			continue;
		}
		*trimmed += n;
	}
	return 0;
}

int logstore_group_apply_retention(struct logstore *ls, const char *group, int64_t now_ms,
                                   uint64_t stream_max_bytes, uint64_t *trimmed,
                                   struct berth_err *err)
{
	struct logstore_group_info gi;
	int64_t keep_from = INT64_MIN;

	*trimmed = 0;
	if (logstore_group_get(ls, group, &gi, err) < 0)
		return -1;
	if (gi.retention_days > 0)
		keep_from = now_ms - gi.retention_days * LOGS_DAY_MS;
	if (keep_from == INT64_MIN && stream_max_bytes == 0)
		return 0;
	return trim_group(ls, group, keep_from, stream_max_bytes, trimmed, err);
}

int logstore_apply_retention(struct logstore *ls, int64_t now_ms, uint64_t stream_max_bytes,
                             uint64_t *trimmed, struct berth_err *err)
{
	cleanup_strv char **groups = NULL;

	*trimmed = 0;
	if (logstore_group_list(ls, &groups, err) < 0)
		return -1;
	for (size_t i = 0; groups[i]; i++) {
		uint64_t n = 0;
		if (logstore_group_apply_retention(ls, groups[i], now_ms, stream_max_bytes, &n, err) < 0 &&
		    err->code != ENOENT)
			log_warn("log retention: %s: %s", groups[i], err->msg);
		*trimmed += n;
	}
	return 0;
}
