/* awslogs.h: the awslogs log driver of the task monitor.
 *
 * A container whose logConfiguration names awslogs gets one shipper: it
 * cuts the container's stdout and stderr into events the way the awslogs
 * driver does (one event per line without its newline, empty lines
 * skipped, lines longer than an event split at LOGSTORE_MSG_MAX on a
 * UTF-8 boundary, or several lines joined into one event by
 * awslogs-multiline-pattern / awslogs-datetime-format), stamps each with
 * the time it was read and appends them to the log stream
 * PREFIX/CONTAINER/TASK-ID of the durable log store, in batches.
 *
 * The monitor is one thread (containers are cloned from it, so no other
 * thread may hold a lock at that moment); the shipper therefore writes
 * from the monitor's loop, to the page cache, and fsyncs on ticks.  The
 * modes differ where the store refuses a batch (disk full, I/O error):
 * `blocking` keeps the events and asks the monitor to stop reading the
 * container's pipes until a retry succeeds, so nothing is lost and the
 * container waits; `non-blocking` keeps reading and holds at most
 * max-buffer-size bytes, dropping newer events past that and counting
 * them; the count is written to the stream once the store takes events
 * again. */
#ifndef BERTH_RUNNER_AWSLOGS_H
#define BERTH_RUNNER_AWSLOGS_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

#define AWSLOGS_DEFAULT_BUFFER (1024 * 1024) /* max-buffer-size, as Docker's */
#define AWSLOGS_MULTILINE_WAIT_MS 1000       /* a multi-line event is flushed after this quiet */
#define AWSLOGS_SYNC_INTERVAL_MS 1000        /* fsync at least this often while dirty */

struct awslogs;

/* Check a logConfiguration of driver awslogs (options: awslogs-group,
 * awslogs-stream-prefix, awslogs-region, awslogs-create-group, mode,
 * max-buffer-size, awslogs-datetime-format, awslogs-multiline-pattern).
 * The message names the option. */
int awslogs_check_config(const cJSON *log_config, struct berth_err *err);

/* Open the shipper of one container: the group (created when
 * awslogs-create-group is true, else it must exist) and the stream. */
struct awslogs *awslogs_open(const char *state_dir, const cJSON *log_config, const char *container,
			     const char *task_id, struct berth_err *err);
/* Bytes the container wrote on `stream` (0 stdout, 1 stderr). */
void awslogs_write(struct awslogs *a, int stream, const char *buf, size_t n);
/* Periodic work: flush quiet multi-line events, retry, fsync. */
void awslogs_tick(struct awslogs *a);
/* True while a blocking-mode shipper cannot store and the container's
 * pipes must not be read. */
bool awslogs_stalled(const struct awslogs *a);
/* Events dropped so far (non-blocking mode). */
uint64_t awslogs_dropped(const struct awslogs *a);
/* Flush everything (partial lines become events), sync and free. */
void awslogs_close(struct awslogs *a);

#endif
