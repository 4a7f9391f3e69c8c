/* sigv4.c: AWS Signature Version 4 (AWS4-HMAC-SHA256, Authorization
 * header form) verification and signing, see sigv4.h.
 *
 * Design: verification parses the Authorization header into a struct
 * sigv4_auth, checks the scope and the clock, rebuilds the canonical
 * request from what was received with the same code sigv4_sign() uses,
 * and compares signatures with CRYPTO_memcmp.  The canonicalization
 * follows botocore's SigV4Auth for non-S3 services: dot segments and
 * repeated slashes removed from the path, the path then URI-encoded
 * once more; query parameters decoded, re-encoded per RFC 3986 and
 * sorted; header values trimmed with inner whitespace runs collapsed,
 * repeated headers joined by ','.  The payload hash is always
 * recomputed from the body; a differing x-amz-content-sha256 is refused.
 *
 * Every input length is bounded (SIGV4_MAX_*), so hostile input costs
 * at most a few hundred kilobytes of work.  Never does I/O. */
#include "sigv4.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "common/cleanup.h"
#include "common/hex.h"

#define SIGV4_ALGO "AWS4-HMAC-SHA256"
#define SIGV4_MAX_AUTH 4096         /* Authorization header value */
#define SIGV4_MAX_SIGNED 64         /* names in SignedHeaders */
#define SIGV4_MAX_HNAME 128         /* one header name */
#define SIGV4_MAX_HVALUE 8192       /* one signed header value */
#define SIGV4_MAX_PATH 2048
#define SIGV4_MAX_QUERY 4096
#define SIGV4_MAX_PARAMS 64
#define SIGV4_SKEW 300              /* seconds either side of now */
#define SIGV4_MSG_MISMATCH                                                                         \
	"The request signature we calculated does not match the signature you provided. Check "   \
	"your AWS Secret Access Key and signing method. Consult the service documentation for "   \
	"details."

/* A growable byte buffer; `fail` latches on allocation failure. */
struct sbuf {
	char *p;
	size_t len, cap;
	bool fail;
};

static void sbuf_freep(struct sbuf *b)
{
	free(b->p);
}
#define cleanup_sbuf __attribute__((cleanup(sbuf_freep)))

static void sbuf_add(struct sbuf *b, const char *s, size_t n)
{
	if (b->fail)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (p == NULL) {
			b->fail = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void sbuf_str(struct sbuf *b, const char *s)
{
	sbuf_add(b, s, strlen(s));
}

static void sbuf_ch(struct sbuf *b, char c)
{
	sbuf_add(b, &c, 1);
}

static bool hmac(const void *key, size_t klen, const char *msg, unsigned char out[32])
{
	unsigned int olen = 32;
	return HMAC(EVP_sha256(), key, (int)klen, (const unsigned char *)msg, strlen(msg), out,
		    &olen) != NULL;
}

/* ---- canonicalization ------------------------------------------------ */

static bool unreserved(unsigned char c)
{
	return isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~';
}

static void uri_encode(struct sbuf *b, const char *s, size_t n, bool keep_slash)
{
	static const char hx[] = "0123456789ABCDEF";
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (unreserved(c) || (keep_slash && c == '/')) {
			sbuf_ch(b, (char)c);
		} else {
			char e[3] = { '%', hx[c >> 4], hx[c & 15] };
			sbuf_add(b, e, 3);
		}
	}
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
}

/* Percent-decode s[0..n) into out (>= n+1 bytes); returns the length.
 * A malformed escape is kept literally, as AWS does. */
static size_t uri_decode(const char *s, size_t n, char *out)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
			out[o++] = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
			i += 2;
		} else {
			out[o++] = s[i];
		}
	}
	out[o] = '\0';
	return o;
}

/* Canonical URI: remove_dot_segments (also dropping empty segments),
 * then URI-encode keeping '/', as botocore does for non-S3 services. */
static int canonical_uri(struct sbuf *b, const char *path)
{
	const char *seg[SIGV4_MAX_PATH / 2 + 1];
	size_t seglen[SIGV4_MAX_PATH / 2 + 1], nseg = 0, plen = strnlen(path, SIGV4_MAX_PATH + 1);
	const char *p = path;

	if (plen > SIGV4_MAX_PATH)
		return -1;
	if (plen == 0) {
		sbuf_ch(b, '/');
		return 0;
	}
	while (p <= path + plen) {
		const char *slash = memchr(p, '/', (size_t)(path + plen - p));
		size_t n = slash ? (size_t)(slash - p) : (size_t)(path + plen - p);
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			if (nseg)
				nseg--;
		} else if (n > 0 && !(n == 1 && p[0] == '.')) {
			seg[nseg] = p;
			seglen[nseg++] = n;
		}
		if (slash == NULL)
			break;
		p = slash + 1;
	}
	if (path[0] == '/')
		sbuf_ch(b, '/');
	for (size_t i = 0; i < nseg; i++) {
		if (i)
			sbuf_ch(b, '/');
		uri_encode(b, seg[i], seglen[i], false);
	}
	if (path[plen - 1] == '/' && nseg > 0)
		sbuf_ch(b, '/');
	return 0;
}

struct qparam {
	char *key, *val; /* encoded canonical forms, owned */
};

static int qparam_cmp(const void *a, const void *b)
{
	const struct qparam *x = a, *y = b;
	int c = strcmp(x->key, y->key);
	return c ? c : strcmp(x->val, y->val);
}

static char *encode_piece(const char *s, size_t n)
{
	char dec[SIGV4_MAX_QUERY + 1];
	struct sbuf b = { 0 };
	size_t dn = uri_decode(s, n, dec);

	uri_encode(&b, dec, dn, false);
	if (b.p == NULL && !b.fail)
		return strdup("");
	if (b.fail) {
		free(b.p);
		return NULL;
	}
	return b.p;
}

/* Canonical query: split on '&', decode and re-encode names and values,
 * sort by name then value.  Returns -1 on allocation failure. */
static int canonical_query(struct sbuf *b, const char *query)
{
	struct qparam qp[SIGV4_MAX_PARAMS];
	size_t n = 0;
	int rc = 0;

	if (strnlen(query, SIGV4_MAX_QUERY + 1) > SIGV4_MAX_QUERY)
		return -1;
	for (const char *p = query; *p;) {
		const char *amp = strchr(p, '&');
		size_t len = amp ? (size_t)(amp - p) : strlen(p);
		if (len > 0 && n == SIGV4_MAX_PARAMS) {
			rc = -1;
		} else if (len > 0) {
			const char *eq = memchr(p, '=', len);
			size_t kl = eq ? (size_t)(eq - p) : len;
			qp[n].key = encode_piece(p, kl);
			qp[n].val = eq ? encode_piece(eq + 1, len - kl - 1) : strdup("");
			n++;
			if (qp[n - 1].key == NULL || qp[n - 1].val == NULL)
				rc = -1;
		}
		p += len + (amp ? 1 : 0);
	}
	if (rc == 0)
		qsort(qp, n, sizeof(qp[0]), qparam_cmp);
	for (size_t i = 0; i < n; i++) {
		if (rc == 0) {
			if (i)
				sbuf_ch(b, '&');
			sbuf_str(b, qp[i].key);
			sbuf_ch(b, '=');
			sbuf_str(b, qp[i].val);
		}
		free(qp[i].key);
		free(qp[i].val);
	}
	return rc;
}

/* Append a header value trimmed, runs of whitespace collapsed to one space. */
static void trimall(struct sbuf *b, const char *v)
{
	bool pending = false, any = false;
	for (; *v; v++) {
		if (isspace((unsigned char)*v)) {
			pending = any;
			continue;
		}
		if (pending)
			sbuf_ch(b, ' ');
		sbuf_ch(b, *v);
		pending = false;
		any = true;
	}
}

/* "name:v1,v2\n" for every received header called `name`. */
static int canonical_header(struct sbuf *b, const struct sigv4_request *req, const char *name)
{
	bool first = true;

	sbuf_str(b, name);
	sbuf_ch(b, ':');
	for (size_t i = 0; i < req->n_headers; i++) {
		const struct sigv4_header *h = &req->headers[i];
		if (h->name == NULL || h->value == NULL || strcasecmp(h->name, name) != 0)
			continue;
		if (strnlen(h->value, SIGV4_MAX_HVALUE + 1) > SIGV4_MAX_HVALUE)
			return -1;
		if (!first)
			sbuf_ch(b, ',');
		trimall(b, h->value);
		first = false;
	}
	sbuf_ch(b, '\n');
	return 0;
}

/* The signed-header names, split from "a;b;c": lowercase tokens,
 * strictly ascending (so unique), at most SIGV4_MAX_SIGNED. */
struct hnames {
	char name[SIGV4_MAX_SIGNED][SIGV4_MAX_HNAME + 1];
	size_t n;
};

static bool token_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || strchr("-_.!#$%&'*+^`|~", c);
}

static int split_signed_headers(const char *s, size_t len, struct hnames *out)
{
	size_t i = 0;

	out->n = 0;
	while (i <= len) {
		size_t start = i;
		while (i < len && s[i] != ';')
			i++;
		size_t n = i - start;
		if (n == 0 || n > SIGV4_MAX_HNAME || out->n == SIGV4_MAX_SIGNED)
			return -1;
		for (size_t k = start; k < i; k++)
			if (!token_char((unsigned char)s[k]))
				return -1;
		memcpy(out->name[out->n], s + start, n);
		out->name[out->n][n] = '\0';
		if (out->n && strcmp(out->name[out->n - 1], out->name[out->n]) >= 0)
			return -1;
		out->n++;
		i++;
	}
	return 0;
}

static bool hnames_has(const struct hnames *h, const char *name)
{
	for (size_t i = 0; i < h->n; i++)
		if (strcmp(h->name[i], name) == 0)
			return true;
	return false;
}

/* hex(sha256(canonical request)) into out. */
static int canonical_request_hash(const struct sigv4_request *req, const struct hnames *hn,
				  const char *signed_headers, const char *payload_hex, char out[65])
{
	cleanup_sbuf struct sbuf b = { 0 };

	sbuf_str(&b, req->method ? req->method : "");
	sbuf_ch(&b, '\n');
	if (canonical_uri(&b, req->path ? req->path : "/") < 0)
		return -1;
	sbuf_ch(&b, '\n');
	if (canonical_query(&b, req->query ? req->query : "") < 0)
		return -1;
	sbuf_ch(&b, '\n');
	for (size_t i = 0; i < hn->n; i++)
		if (canonical_header(&b, req, hn->name[i]) < 0)
			return -1;
	sbuf_ch(&b, '\n');
	sbuf_str(&b, signed_headers);
	sbuf_ch(&b, '\n');
	sbuf_str(&b, payload_hex);
	if (b.fail)
		return -1;
	sha256_hex(b.p, b.len, out);
	return 0;
}

/* The hex signature of the request for `scope` = "DATE/REGION/SERVICE/aws4_request". */
static int compute_signature(const struct sigv4_request *req, const struct hnames *hn,
			     const char *signed_headers, const char *amz_date, const char *date,
			     const char *region, const char *service, const char *secret,
			     char out[65])
{
	char payload[65], creq[65], sts[512];
	unsigned char k[32];
	cleanup_free char *kstart = NULL;

	sha256_hex(req->body ? (const void *)req->body : "", req->body_len, payload);
	if (canonical_request_hash(req, hn, signed_headers, payload, creq) < 0)
		return -1;
	if (snprintf(sts, sizeof(sts), SIGV4_ALGO "\n%s\n%s/%s/%s/aws4_request\n%s", amz_date,
		     date, region, service, creq) >= (int)sizeof(sts))
		return -1;
	if (asprintf(&kstart, "AWS4%s", secret) < 0) {
		kstart = NULL;
		return -1;
	}
	const char *chain[] = { region, service, "aws4_request", sts };
	unsigned char next[32];
	bool ok = hmac(kstart, strlen(kstart), date, k);
	OPENSSL_cleanse(kstart, strlen(kstart));
	for (size_t i = 0; ok && i < sizeof(chain) / sizeof(chain[0]); i++) {
		ok = hmac(k, sizeof(k), chain[i], next);
		memcpy(k, next, sizeof(k));
	}
	if (ok)
		hex_encode(k, 32, out);
	OPENSSL_cleanse(k, sizeof(k));
	OPENSSL_cleanse(next, sizeof(next));
	return ok ? 0 : -1;
}

/* ---- verification ------------------------------------------------------ */

struct sigv4_auth {
	char akid[129], date[9], region[33], service[33], term[33];
	char signed_headers[SIGV4_MAX_AUTH + 1];
	char signature[129];
	struct hnames hn;
};

static const char *find_header(const struct sigv4_request *req, const char *name)
{
	for (size_t i = 0; i < req->n_headers; i++)
		if (req->headers[i].name && req->headers[i].value &&
		    strcasecmp(req->headers[i].name, name) == 0)
			return req->headers[i].value;
	return NULL;
}

static int copy_field(char *dst, size_t cap, const char *s, size_t n)
{
	if (n == 0 || n >= cap)
		return -1;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return 0;
}

/* Credential=AKID/DATE/REGION/SERVICE/TERM */
static int parse_credential(const char *s, size_t n, struct sigv4_auth *a)
{
	char *dst[5] = { a->akid, a->date, a->region, a->service, a->term };
	size_t cap[5] = { sizeof(a->akid), sizeof(a->date), sizeof(a->region), sizeof(a->service),
			  sizeof(a->term) };
	size_t k = 0, start = 0;

	for (size_t i = 0; i <= n; i++) {
		if (i < n && s[i] != '/')
			continue;
		if (k == 5 || copy_field(dst[k], cap[k], s + start, i - start) < 0)
			return -1;
		k++;
		start = i + 1;
	}
	return k == 5 ? 0 : -1;
}

static int incomplete(struct api_error *e, const char *what, const char *auth)
{
	return api_error_set(e, 403, "IncompleteSignatureException",
			     "Authorization header requires '%s' parameter. Authorization=%.200s",
			     what, auth);
}

/* Parse "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...". */
static int parse_authorization(const char *auth, struct sigv4_auth *a, struct api_error *e)
{
	size_t alen = strnlen(auth, SIGV4_MAX_AUTH + 1), i = strlen(SIGV4_ALGO);
	bool cred = false, sh = false, sig = false;

	if (alen > SIGV4_MAX_AUTH)
		return api_error_set(e, 403, "IncompleteSignatureException",
				     "Authorization header is too long");
	if (strncmp(auth, SIGV4_ALGO, i) != 0 || (auth[i] != ' ' && auth[i] != '\t'))
		return api_error_set(e, 403, "IncompleteSignatureException",
				     "Unsupported AWS 'algorithm': '%.40s'", auth);
	while (i < alen) {
		while (i < alen && (auth[i] == ' ' || auth[i] == '\t' || auth[i] == ','))
			i++;
		size_t start = i;
		while (i < alen && auth[i] != ',' && auth[i] != ' ')
			i++;
		const char *p = auth + start, *eq = memchr(p, '=', i - start);
		if (eq == NULL)
			continue;
		size_t kl = (size_t)(eq - p), vl = i - start - kl - 1;
		if (kl == 10 && strncmp(p, "Credential", 10) == 0 && !cred) {
			if (parse_credential(eq + 1, vl, a) < 0)
				return api_error_set(e, 403, "IncompleteSignatureException",
						     "Credential must have exactly 5 slash-delimited "
						     "elements, e.g. keyid/date/region/service/term, "
						     "got '%.*s'", (int)(vl > 200 ? 200 : vl), eq + 1);
			cred = true;
		} else if (kl == 13 && strncmp(p, "SignedHeaders", 13) == 0 && !sh) {
			if (split_signed_headers(eq + 1, vl, &a->hn) < 0)
				return api_error_set(e, 403, "IncompleteSignatureException",
						     "SignedHeaders must be at most %d lowercase "
						     "header names, sorted and separated by ';'",
						     SIGV4_MAX_SIGNED);
			copy_field(a->signed_headers, sizeof(a->signed_headers), eq + 1, vl);
			sh = true;
		} else if (kl == 9 && strncmp(p, "Signature", 9) == 0 && !sig) {
			sig = copy_field(a->signature, sizeof(a->signature), eq + 1, vl) == 0;
		}
	}
	if (!cred)
		return incomplete(e, "Credential", auth);
	if (!sh)
		return incomplete(e, "SignedHeaders", auth);
	if (!sig)
		return incomplete(e, "Signature", auth);
	return 0;
}

/* "YYYYMMDDTHHMMSSZ" -> time_t (UTC); -1 when malformed. */
static int parse_amz_date(const char *s, time_t *out)
{
	struct tm tm = { 0 };

	if (strlen(s) != 16 || s[8] != 'T' || s[15] != 'Z')
		return -1;
	for (int i = 0; i < 15; i++)
		if (i != 8 && !isdigit((unsigned char)s[i]))
			return -1;
	tm.tm_year = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0') - 1900;
	tm.tm_mon = (s[4] - '0') * 10 + (s[5] - '0') - 1;
	tm.tm_mday = (s[6] - '0') * 10 + (s[7] - '0');
	tm.tm_hour = (s[9] - '0') * 10 + (s[10] - '0');
	tm.tm_min = (s[11] - '0') * 10 + (s[12] - '0');
	tm.tm_sec = (s[13] - '0') * 10 + (s[14] - '0');
	if (tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 ||
	    tm.tm_min > 59 || tm.tm_sec > 60)
		return -1;
	*out = timegm(&tm);
	return 0;
}

static void fmt_amz_date(time_t t, char out[17])
{
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm);
}

/* The clock window and the scope's date, as AWS words them. */
static int check_time(const char *amz_date, const struct sigv4_auth *a, time_t now,
		      struct api_error *e)
{
	time_t t;
	char lim[17], nows[17];

	if (parse_amz_date(amz_date, &t) < 0)
		return api_error_set(e, 403, "IncompleteSignatureException",
				     "Date must be in ISO-8601 'basic format'. Got '%.32s'. See "
				     "http://en.wikipedia.org/wiki/ISO_8601", amz_date);
	fmt_amz_date(now, nows);
	if (t < now - SIGV4_SKEW) {
		fmt_amz_date(now - SIGV4_SKEW, lim);
		return api_error_set(e, 403, "InvalidSignatureException",
				     "Signature expired: %s is now earlier than %s (%s - 5 min.)",
				     amz_date, lim, nows);
	}
	if (t > now + SIGV4_SKEW) {
		fmt_amz_date(now + SIGV4_SKEW, lim);
		return api_error_set(e, 403, "InvalidSignatureException",
				     "Signature not yet current: %s is still later than %s (%s + "
				     "5 min.)", amz_date, lim, nows);
	}
	if (strncmp(a->date, amz_date, 8) != 0)
		return api_error_set(e, 403, "InvalidSignatureException",
				     "Date in Credential scope does not match YYYYMMDD from ISO-8601 "
				     "version of date from HTTP: '%s' != '%.8s', from '%s'.",
				     a->date, amz_date, amz_date);
	return 0;
}

static int check_scope(const struct sigv4_auth *a, const char *const *services,
		       struct api_error *e)
{
	bool ok = false;

	if (strcmp(a->term, "aws4_request") != 0)
		return api_error_set(e, 403, "InvalidSignatureException",
				     "Credential should be scoped with a valid terminator: "
				     "'aws4_request', not '%s'.", a->term);
	for (size_t i = 0; services && services[i]; i++)
		ok = ok || strcmp(services[i], a->service) == 0;
	if (!ok)
		return api_error_set(e, 403, "InvalidSignatureException",
				     "Credential should be scoped to correct service: '%s'.",
				     services && services[0] ? services[0] : "");
	if (!hnames_has(&a->hn, "host"))
		return api_error_set(e, 403, "InvalidSignatureException",
				     "'Host' or ':authority' must be a 'SignedHeader' in the AWS "
				     "Authorization.");
	if (!hnames_has(&a->hn, "x-amz-date"))
		return api_error_set(e, 403, "InvalidSignatureException",
				     "'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization.");
	return 0;
}

static int check_payload_header(const struct sigv4_request *req, struct api_error *e)
{
	const char *claimed = find_header(req, "x-amz-content-sha256");
	char actual[65];

	if (claimed == NULL)
		return 0;
	sha256_hex(req->body ? (const void *)req->body : "", req->body_len, actual);
	if (strlen(claimed) != 64 || strcasecmp(claimed, actual) != 0)
		return api_error_set(e, 403, "InvalidSignatureException",
				     "The provided 'x-amz-content-sha256' header does not match what "
				     "was computed.");
	return 0;
}

int sigv4_verify(const struct sigv4_request *req, const char *const *services, time_t now,
		 sigv4_secret_lookup lookup, void *lookup_arg, char *service_out,
		 struct api_error *e)
{
	const char *auth = find_header(req, "authorization");
	const char *amz_date = find_header(req, "x-amz-date");
	const char *secret;
	char sig[65];
	cleanup_free struct sigv4_auth *a = NULL;

	if (auth == NULL || *auth == '\0')
		return api_error_set(e, 403, "MissingAuthenticationTokenException",
				     "Missing Authentication Token");
	a = calloc(1, sizeof(*a));
	if (a == NULL)
		return api_error_set(e, 500, "ServerException", "out of memory checking signature");
	if (parse_authorization(auth, a, e) < 0)
		return -1;
	if (amz_date == NULL)
		return api_error_set(e, 403, "IncompleteSignatureException",
				     "Authorization header requires existence of either a "
				     "'X-Amz-Date' or a 'Date' header. Authorization=%.200s", auth);
	if (check_scope(a, services, e) < 0 || check_time(amz_date, a, now, e) < 0)
		return -1;
	secret = lookup ? lookup(lookup_arg, a->akid) : NULL;
	if (secret == NULL)
		return api_error_set(e, 403, "UnrecognizedClientException",
				     "The security token included in the request is invalid.");
	if (check_payload_header(req, e) < 0)
		return -1;
	if (compute_signature(req, &a->hn, a->signed_headers, amz_date, a->date, a->region,
			      a->service, secret, sig) < 0)
		return api_error_set(e, 403, "InvalidSignatureException", SIGV4_MSG_MISMATCH);
	if (strlen(a->signature) != 64 || CRYPTO_memcmp(sig, a->signature, 64) != 0)
		return api_error_set(e, 403, "InvalidSignatureException", SIGV4_MSG_MISMATCH);
	if (service_out)
		snprintf(service_out, 16, "%.15s", a->service);
	return 0;
}

int sigv4_sign(const struct sigv4_request *req, const char *access_key_id, const char *secret,
	       const char *region, const char *service, const char *amz_date,
	       const char *signed_headers, char *out, size_t out_len)
{
	cleanup_free struct hnames *hn = calloc(1, sizeof(*hn));
	char date[9], sig[65];
	time_t t;
	int n;

	if (hn == NULL || parse_amz_date(amz_date, &t) < 0)
		return -1;
	if (split_signed_headers(signed_headers, strlen(signed_headers), hn) < 0)
		return -1;
	memcpy(date, amz_date, 8);
	date[8] = '\0';
	if (compute_signature(req, hn, signed_headers, amz_date, date, region, service, secret,
			      sig) < 0)
		return -1;
	n = snprintf(out, out_len,
		     SIGV4_ALGO " Credential=%s/%s/%s/%s/aws4_request, SignedHeaders=%s, Signature=%s",
		     access_key_id, date, region, service, signed_headers, sig);
	return (n < 0 || (size_t)n >= out_len) ? -1 : 0;
}
