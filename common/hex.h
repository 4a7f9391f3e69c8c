/* hex.h: lowercase hex encoding of bytes (digests in names and files). */
#ifndef BERTH_COMMON_HEX_H
#define BERTH_COMMON_HEX_H

#include <stddef.h>

/* Write 2*n hex characters and a NUL to `out` (2*n + 1 bytes). */
void hex_encode(const unsigned char *in, size_t n, char *out);

#endif
