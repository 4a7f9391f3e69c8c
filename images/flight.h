/* flight.h: one flight per key.  The first caller for a key does the
 * work ("leads"); callers that arrive while it is in flight wait for it
 * to land and take its result, so two tasks starting from the same
 * image cause one pull, and one layer shared by two images is fetched
 * once. */
#ifndef BERTH_IMAGES_FLIGHT_H
#define BERTH_IMAGES_FLIGHT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"

struct flight;

struct flight_table {
	pthread_mutex_t lock;
	pthread_cond_t landed;
	struct flight *head;
};

void flight_table_init(struct flight_table *t);
void flight_table_destroy(struct flight_table *t);

/* Lead the flight for `key` (returns true: do the work, then call
 * flight_land), or wait for the one in the air and copy its outcome
 * (returns false; *rc, result and err as the leader landed them). */
bool flight_join(struct flight_table *t, const char *key, int *rc, char *result, size_t result_len,
		 struct berth_err *err);
void flight_land(struct flight_table *t, const char *key, int rc, const char *result,
		 const struct berth_err *err);

#endif
