/* logs_forward.h: forwarding the local log store to a CloudWatch Logs
 * endpoint (AWS, or another berthd).
 *
 * One thread of berthd walks every stream of the store and sends what is
 * new as PutLogEvents batches (at most 10,000 events and 1 MiB counting
 * 26 bytes per event, within 24 hours, chronological), creating the
 * remote group and stream on first use, signed with SigV4 (service
 * logs).  Failures back off from 1 s to 30 s and retry the same batch.
 *
 * Each stream has a checkpoint under STATE/logs/forward/: the offset
 * sent so far, and while a batch is in flight, its end and its last
 * event.  After a restart with a batch in flight, the remote stream's
 * last event says whether it arrived, so a crash at any point neither
 * resends a batch nor loses one.  A checkpoint belongs to the stream's
 * creation time (a stream deleted and made again starts over) and is
 * removed once its stream is gone. */
#ifndef BERTH_API_LOGS_FORWARD_H
#define BERTH_API_LOGS_FORWARD_H

#include "common/error.h"

struct logstore;
struct logs_forwarder;

struct logs_forward_options {
	const char *endpoint;    /* "https://logs.us-east-1.amazonaws.com", "http://127.0.0.1:8671" */
	const char *region;      /* of the signature */
	const char *credentials; /* AWS shared-credentials file; its first key pair signs */
	const char *state_dir;   /* checkpoints go to STATE/logs/forward */
};

struct logs_forwarder *logs_forwarder_start(struct logstore *ls,
					    const struct logs_forward_options *o,
					    struct berth_err *err);
/* Stop the thread (a batch in flight is finished or abandoned to the
 * checkpoint) and free. NULL is fine. */
void logs_forwarder_stop(struct logs_forwarder *f);

#endif
