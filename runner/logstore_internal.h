/* logstore_internal.h: what logstore.c (groups, streams) and
 * logstore_events.c (records, writers, readers) share.  Not for use
 * outside the log store. */
#ifndef BERTH_RUNNER_LOGSTORE_INTERNAL_H
#define BERTH_RUNNER_LOGSTORE_INTERNAL_H

#include "logstore.h"

struct logstore {
	char *root; /* STATE/logs/groups */
};

/* The events file of a stream: 0 with `path` filled, or -1 (ENOENT when
 * the group or the stream does not exist). */
int logstore_events_path(struct logstore *ls, const char *group, const char *stream, char *path,
                         size_t size, struct berth_err *err);

#endif
