/* hex.h: lowercase hex encoding of bytes and SHA-256 digests in hex. */
#ifndef BERTH_COMMON_HEX_H
#define BERTH_COMMON_HEX_H

#include <stddef.h>

/* Write 2*n hex characters and a NUL to `out` (2*n + 1 bytes). */
void hex_encode(const unsigned char *in, size_t n, char *out);
/* The SHA-256 of `len` bytes as 64 hex characters and a NUL. */
void sha256_hex(const void *data, size_t len, char out[65]);

#endif
