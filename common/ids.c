/* ids.c: random identifiers and clocks (see ids.h). */
#include "ids.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

static int fill_random(unsigned char *buf, size_t n, struct berth_err *err)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = getrandom(buf + got, n - got, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return berth_err_errno(err, "getrandom");
		got += (size_t)r;
	}
	return 0;
}

int id_random_hex(char *out, size_t nchars, struct berth_err *err)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char buf[256];

	if (nchars > sizeof(buf))
		return berth_err_set(err, EINVAL, "id too long");
	if (fill_random(buf, nchars, err) < 0)
		return -1;
	for (size_t i = 0; i < nchars; i++)
		out[i] = hex[buf[i] & 15];
	out[nchars] = '\0';
	return 0;
}

int id_random_alnum(char *out, size_t nchars, const char *alphabet, struct berth_err *err)
{
	unsigned char buf[256];
	size_t n = strlen(alphabet);

	if (nchars > sizeof(buf) || n == 0)
		return berth_err_set(err, EINVAL, "id too long");
	if (fill_random(buf, nchars, err) < 0)
		return -1;
	for (size_t i = 0; i < nchars; i++)
		out[i] = alphabet[buf[i] % n];
	out[nchars] = '\0';
	return 0;
}

int64_t time_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t time_mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}
