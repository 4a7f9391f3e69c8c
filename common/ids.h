/* ids.h: identifiers and clocks: random hex ids (task ids, keys) from
 * getrandom(2), and wall/monotonic time in the units the APIs use. */
#ifndef BERTH_COMMON_IDS_H
#define BERTH_COMMON_IDS_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* Fill `out` with `nchars` lowercase hex characters and a NUL
 * (`out` holds nchars + 1).  Returns 0 or -1 with err set. */
int id_random_hex(char *out, size_t nchars, struct berth_err *err);

/* Random string over [A-Za-z0-9+/] (secret keys) or [A-Z0-9] (key ids). */
int id_random_alnum(char *out, size_t nchars, const char *alphabet, struct berth_err *err);

/* Wall clock in milliseconds since the epoch. */
int64_t time_now_ms(void);
/* Monotonic clock in nanoseconds. */
int64_t time_mono_ns(void);

#endif
