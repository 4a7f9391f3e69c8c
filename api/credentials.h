/* credentials.h: the access keys berthd accepts, from an AWS
 * shared-credentials file (STATE_DIR/credentials).  At first start the
 * file is created (mode 0600) with one generated key pair under the
 * profile "berth".  Loaded once at start-up; read-only afterwards. */
#ifndef BERTH_API_CREDENTIALS_H
#define BERTH_API_CREDENTIALS_H

#include <stddef.h>

#include "common/error.h"

struct credentials;

/* Load `path` (an AWS shared-credentials file); it must hold a pair. */
struct credentials *credentials_load(const char *path, struct berth_err *err);
/* Load `path`, creating it with a fresh "berth" profile when missing. */
struct credentials *credentials_load_or_create(const char *path, struct berth_err *err);
void credentials_free(struct credentials *c);
/* The secret of `access_key_id`, or NULL. */
const char *credentials_secret(void *credentials, const char *access_key_id);
/* The first key pair (what `berth` and tests sign with). */
const char *credentials_first_key(const struct credentials *c, const char **secret);

#endif
