/* awslogs_internal.h: the parsed awslogs options, shared by
 * awslogs_options.c (parsing) and awslogs.c (the shipper). */
#ifndef BERTH_RUNNER_AWSLOGS_INTERNAL_H
#define BERTH_RUNNER_AWSLOGS_INTERNAL_H

#include <regex.h>

#include "awslogs.h"

struct awslogs_options {
	char group[513];
	char prefix[257];
	bool create_group;
	bool blocking;     /* mode: blocking; default non-blocking, as on Fargate */
	size_t max_buffer; /* non-blocking: bytes held before events are dropped */
	bool has_start_re; /* multi-line: a line matching start_re begins an event */
	regex_t start_re;
};

int awslogs_options_parse(const cJSON *log_config, struct awslogs_options *o,
			  struct berth_err *err);
void awslogs_options_free(struct awslogs_options *o);

#endif
