/* fuzz_logs_pattern.c: libFuzzer harness for CloudWatch Logs filter
 * patterns (api/logs_pattern.c).
 *
 * Input: "PATTERN\nMESSAGE" — the bytes before the first '\n' are the
 * pattern (cut at a NUL, as a C string would be), the rest is the event
 * message, passed by length and never NUL-terminated so an over-read
 * runs off the fuzzer's buffer.  Properties: a refusal is EINVAL (or
 * ENOMEM) with a message; matching is deterministic. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/logs_pattern.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct berth_err err = { 0 };
	struct logs_pattern *p;
	const uint8_t *nl;
	const char *msg;
	size_t plen, mlen;
	char *pat;

	if (size > 65536)
		return 0;
	nl = memchr(data, '\n', size);
	plen = nl ? (size_t)(nl - data) : size;
	msg = nl ? (const char *)nl + 1 : (const char *)data + size;
	mlen = size - plen - (nl ? 1 : 0);
	pat = malloc(plen + 1);
	if (pat == NULL)
		return 0;
	memcpy(pat, data, plen);
	pat[plen] = '\0';
	p = logs_pattern_compile(pat, &err);
	free(pat);
	if (p == NULL) {
		if ((err.code != EINVAL && err.code != ENOMEM) || err.msg[0] == '\0')
			abort();
		return 0;
	}
	if (logs_pattern_match(p, msg, mlen) != logs_pattern_match(p, msg, mlen))
		abort();
	logs_pattern_free(p);
	return 0;
}
