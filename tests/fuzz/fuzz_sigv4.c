/* fuzz_sigv4.c: libFuzzer harness for sigv4_verify() and sigv4_sign().
 *
 * Input: "METHOD\nPATH\nQUERY\nName: value\n...\n\nBODY" — three request
 * lines, header lines up to an empty line, the rest is the body.  The
 * request is verified against one fixed key and a fixed clock
 * (2024-03-01T12:00:00Z).  Then the property: the same request, re-signed
 * by sigv4_sign() with a fresh X-Amz-Date, must verify. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/sigv4.h"

#define AKID "AKIDBERTHTEST0000001"
#define SECRET "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
#define NOW ((time_t)1709294400)
#define MAX_HDRS 80

static const char *lookup(void *arg, const char *akid)
{
	(void)arg;
	return strcmp(akid, AKID) == 0 ? SECRET : NULL;
}

/* Next line of [*p, end), NUL-terminated in place (the buffer is ours). */
static char *next_line(char **p, char *end)
{
	char *s = *p, *nl;
	if (s >= end)
		return NULL;
	nl = memchr(s, '\n', (size_t)(end - s));
	if (nl == NULL)
		nl = end;
	*nl = '\0';
	*p = nl + 1;
	return s;
}

static void resign_and_verify(struct sigv4_request *r, struct sigv4_header *h, size_t n)
{
	static const char *const services[] = { "ecs", NULL };
	char auth[512], svc[16];
	struct api_error e;
	size_t k = 0;
	int has_host = 0;

	for (size_t i = 0; i < n; i++) {
		if (strcasecmp(h[i].name, "authorization") == 0 ||
		    strcasecmp(h[i].name, "x-amz-date") == 0 ||
		    strcasecmp(h[i].name, "x-amz-content-sha256") == 0)
			continue;
		has_host |= strcasecmp(h[i].name, "host") == 0;
		h[k++] = h[i];
	}
	if (!has_host)
		h[k++] = (struct sigv4_header){ "Host", "berth.local" };
	h[k++] = (struct sigv4_header){ "X-Amz-Date", "20240301T120000Z" };
	r->n_headers = k;
	if (sigv4_sign(r, AKID, SECRET, "eu-west-1", "ecs", "20240301T120000Z", "host;x-amz-date",
		       auth, sizeof(auth)) < 0)
		return; /* oversized path, query or header: refused, fine */
	h[k++] = (struct sigv4_header){ "Authorization", auth };
	r->n_headers = k;
	if (sigv4_verify(r, services, NOW, lookup, NULL, svc, &e) != 0)
		abort(); /* a request we signed must verify */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const services[] = { "ecs", "logs", NULL };
	struct sigv4_header h[MAX_HDRS + 3];
	struct sigv4_request r = { 0 };
	struct api_error e;
	char svc[16], *buf, *p, *end, *line;
	size_t n = 0;

	if (size > 65536)
		return 0;
	buf = malloc(size + 1);
	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	p = buf;
	end = buf + size;
	r.method = (line = next_line(&p, end)) ? line : "";
	r.path = (line = next_line(&p, end)) ? line : "/";
	r.query = (line = next_line(&p, end)) ? line : "";
	while (n < MAX_HDRS && (line = next_line(&p, end)) && *line) {
		char *colon = strchr(line, ':');
		if (colon == NULL)
			continue;
		*colon = '\0';
		h[n++] = (struct sigv4_header){ line, colon + 1 + (colon[1] == ' ') };
	}
	r.headers = h;
	r.n_headers = n;
	r.body = (const unsigned char *)(p < end ? p : end);
	r.body_len = p < end ? (size_t)(end - p) : 0;
	sigv4_verify(&r, services, NOW, lookup, NULL, svc, &e);
	resign_and_verify(&r, h, n);
	free(buf);
	return 0;
}
