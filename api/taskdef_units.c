/* taskdef_units.c: task size values (see taskdef_validate.h): cpu as
 * units ("256") or vCPUs ("0.25 vCPU"), memory as MiB ("512") or GB
 * ("1GB", "0.5 GB"), and the table of task sizes Fargate offers.
 *
 * Numbers are parsed in fixed point (4 decimals) with bounded digit
 * counts, never through floating point, so "0.1 vCPU" (102.4 units)
 * is refused rather than rounded. */
#include "taskdef_validate.h"

#include <ctype.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#define UNITS_MAX_INT_DIGITS 7
#define UNITS_SCALE 10000L /* 4 fractional digits */

/* Parse "<int>[.<frac>][ ]<suffix>" with an optional suffix (case-
 * insensitive); *scaled = value * UNITS_SCALE; *had_suffix says which. */
static int parse_scaled(const char *s, const char *suffix, long *scaled, bool *had_suffix)
{
	long ip = 0, fp = 0, fscale = UNITS_SCALE;
	int nint = 0;

	if (s == NULL)
		return -1;
	while (*s == ' ')
		s++;
	for (; isdigit((unsigned char)*s); s++, nint++) {
		if (nint == UNITS_MAX_INT_DIGITS)
			return -1;
		ip = ip * 10 + (*s - '0');
	}
	if (nint == 0)
		return -1;
	if (*s == '.') {
		s++;
		if (!isdigit((unsigned char)*s))
			return -1;
		for (; isdigit((unsigned char)*s); s++) {
			if (fscale == 1)
				return -1; /* more than 4 decimals */
			fscale /= 10;
			fp += (*s - '0') * fscale;
		}
	}
	while (*s == ' ')
		s++;
	*had_suffix = false;
	if (*s && strncasecmp(s, suffix, strlen(suffix)) == 0) {
		s += strlen(suffix);
		*had_suffix = true;
	}
	while (*s == ' ')
		s++;
	if (*s)
		return -1;
	*scaled = ip * UNITS_SCALE + fp;
	return 0;
}

/* value * mult, which must be a positive whole number that itself
 * parses again (at most UNITS_MAX_INT_DIGITS digits), so that a
 * normalized definition validates as it was stored. */
static int whole(long scaled, bool had_suffix, long mult, long *out)
{
	long v = scaled * (had_suffix ? mult : 1);

	if (v % UNITS_SCALE != 0 || v == 0 || v / UNITS_SCALE > 9999999L)
		return -1;
	*out = v / UNITS_SCALE;
	return 0;
}

int taskdef_parse_cpu(const char *s, long *units)
{
	long scaled;
	bool vcpu;

	if (parse_scaled(s, "vcpu", &scaled, &vcpu) < 0)
		return -1;
	return whole(scaled, vcpu, 1024, units);
}

int taskdef_parse_memory(const char *s, long *mib)
{
	long scaled;
	bool gb;

	if (parse_scaled(s, "gb", &scaled, &gb) < 0)
		return -1;
	return whole(scaled, gb, 1024, mib);
}

/* Fargate task sizes: for `cpu`, memory from min to max by step (MiB). */
static const struct fargate_size {
	long cpu, min, max, step;
} fargate_sizes[] = {
	{ 256, 512, 512, 1 },
	{ 256, 1024, 2048, 1024 },
	{ 512, 1024, 4096, 1024 },
	{ 1024, 2048, 8192, 1024 },
	{ 2048, 4096, 16384, 1024 },
	{ 4096, 8192, 30720, 1024 },
	{ 8192, 16384, 61440, 4096 },
	{ 16384, 32768, 122880, 8192 },
};

int taskdef_fargate_size_ok(long cpu, long mem)
{
	for (size_t i = 0; i < sizeof(fargate_sizes) / sizeof(fargate_sizes[0]); i++) {
		const struct fargate_size *f = &fargate_sizes[i];
		if (f->cpu == cpu && mem >= f->min && mem <= f->max && (mem - f->min) % f->step == 0)
			return 1;
	}
	return 0;
}
