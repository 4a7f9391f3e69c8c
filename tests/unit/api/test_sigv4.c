/* test_sigv4.c: SigV4 verification (api/sigv4.c) against requests signed
 * by botocore, sign/verify round trips, and each refusal: wrong secret,
 * unknown key, missing headers, clock skew, tampering, scope errors.
 *
 * The botocore vectors were generated with Debian's python3-botocore
 * (1.29.27) by /usr/bin/python3, freezing the clock:
 *
 *   from unittest import mock; import datetime
 *   from botocore.auth import SigV4Auth
 *   from botocore.awsrequest import AWSRequest
 *   from botocore.credentials import Credentials
 *   creds = Credentials('AKIDBERTHTEST0000001', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY')
 *   fixed = datetime.datetime(2024, 3, 1, 12, 0, 0)
 *   # vector 1
 *   req = AWSRequest(method='POST', url='http://127.0.0.1:8080/', data=BODY1, headers={
 *       'Content-Type': 'application/x-amz-json-1.1',
 *       'X-Amz-Target': 'AmazonEC2ContainerServiceV20141113.RunTask'})
 *   with mock.patch('botocore.auth.datetime') as dt:
 *       dt.datetime.utcnow.return_value = fixed
 *       SigV4Auth(creds, 'ecs', 'eu-west-1').add_auth(req)
 *   # vector 2: GET 'http://localhost:9000/a/./b//c%20d/?z=1&a=b%20c&a=a', empty
 *   # body, header 'X-Custom': '  two   spaces  here ', SigV4Auth(creds, 'logs', 'us-east-1')
 *   print(req.headers)
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "api/sigv4.h"

#define AKID "AKIDBERTHTEST0000001"
#define SECRET "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
#define BODY1 "{\"cluster\":\"default\",\"taskDefinition\":\"web:1\"}"
#define AUTH1                                                                                      \
	"AWS4-HMAC-SHA256 Credential=AKIDBERTHTEST0000001/20240301/eu-west-1/ecs/aws4_request, "  \
	"SignedHeaders=content-type;host;x-amz-date;x-amz-target, "                               \
	"Signature=23e5b6aac7cc8cb9d0bbf355176dfd918b0a24048926dd9ae21e04da8b71e4bd"
#define AUTH2                                                                                      \
	"AWS4-HMAC-SHA256 Credential=AKIDBERTHTEST0000001/20240301/us-east-1/logs/aws4_request, " \
	"SignedHeaders=host;x-amz-date;x-custom, "                                                \
	"Signature=fe3b80f5f2a3a6ab5c6149df7e4cde056d124058d8c059ea43fa9f1b4f38dd06"
#define T0 ((time_t)1709294400) /* 2024-03-01T12:00:00Z */

static const char *const services[] = { "ecs", "logs", NULL };

static const char *lookup(void *arg, const char *akid)
{
	const char *secret = arg ? arg : SECRET;
	return strcmp(akid, AKID) == 0 ? secret : NULL;
}

struct fixture {
	struct sigv4_header h[8];
	struct sigv4_request r;
};

static void vector1(struct fixture *f)
{
	f->h[0] = (struct sigv4_header){ "Content-Type", "application/x-amz-json-1.1" };
	f->h[1] = (struct sigv4_header){ "X-Amz-Target", "AmazonEC2ContainerServiceV20141113.RunTask" };
	f->h[2] = (struct sigv4_header){ "X-Amz-Date", "20240301T120000Z" };
	f->h[3] = (struct sigv4_header){ "Authorization", AUTH1 };
	f->h[4] = (struct sigv4_header){ "Host", "127.0.0.1:8080" };
	f->r = (struct sigv4_request){ "POST", "/", "", f->h, 5, (const unsigned char *)BODY1,
				       strlen(BODY1) };
}

static int verify_at(const struct fixture *f, time_t now, void *secret, struct api_error *e)
{
	char svc[16] = "";
	memset(e, 0, sizeof(*e));
	return sigv4_verify(&f->r, services, now, lookup, secret, svc, e);
}

static void expect_error(const struct fixture *f, time_t now, void *secret, const char *type,
			 const char *msg_part)
{
	struct api_error e;
	assert_int_equal(verify_at(f, now, secret, &e), -1);
	assert_int_equal(e.status, 403);
	assert_string_equal(e.type, type);
	if (msg_part && strstr(e.message, msg_part) == NULL)
		fail_msg("message '%s' lacks '%s'", e.message, msg_part);
}

static void test_botocore_post(void **state)
{
	struct fixture f;
	struct api_error e;
	char svc[16] = "";
	(void)state;
	vector1(&f);
	assert_int_equal(sigv4_verify(&f.r, services, T0 + 60, lookup, NULL, svc, &e), 0);
	assert_string_equal(svc, "ecs");
}

static void test_botocore_path_query_spaces(void **state)
{
	struct fixture f;
	struct api_error e;
	(void)state;
	f.h[0] = (struct sigv4_header){ "X-Custom", "  two   spaces  here " };
	f.h[1] = (struct sigv4_header){ "X-Amz-Date", "20240301T120000Z" };
	f.h[2] = (struct sigv4_header){ "Authorization", AUTH2 };
	f.h[3] = (struct sigv4_header){ "host", "localhost:9000" };
	f.r = (struct sigv4_request){ "GET", "/a/./b//c%20d/", "z=1&a=b%20c&a=a", f.h, 4, NULL, 0 };
	assert_int_equal(verify_at(&f, T0, NULL, &e), 0);
	/* Query order does not matter; the values do. */
	f.r.query = "a=a&z=1&a=b%20c";
	assert_int_equal(verify_at(&f, T0, NULL, &e), 0);
	f.r.query = "a=a&z=2&a=b%20c";
	expect_error(&f, T0, NULL, "InvalidSignatureException", "does not match");
	/* So does the path, after normalization. */
	f.r.query = "z=1&a=b%20c&a=a";
	f.r.path = "/a/b/c%20d/";
	assert_int_equal(verify_at(&f, T0, NULL, &e), 0);
	f.r.path = "/a/b/c%20e/";
	expect_error(&f, T0, NULL, "InvalidSignatureException", "does not match");
}

static void test_header_case_and_whitespace(void **state)
{
	struct fixture f;
	struct api_error e;
	(void)state;
	vector1(&f);
	f.h[0].name = "CONTENT-TYPE";
	f.h[0].value = "   application/x-amz-json-1.1\t ";
	f.h[1].name = "x-amz-target";
	f.h[4].name = "hOsT";
	assert_int_equal(verify_at(&f, T0, NULL, &e), 0);
	/* Inner whitespace collapses, but content matters. */
	f.h[0].value = "application/x-amz-json-1.0";
	expect_error(&f, T0, NULL, "InvalidSignatureException", "does not match");
}

static void test_round_trip_repeated_headers(void **state)
{
	struct sigv4_header h[5] = {
		{ "Host", "berth.local" },
		{ "X-Amz-Date", "20240301T120000Z" },
		{ "X-Multi", "a" },
		{ "x-multi", "  b   c " },
		{ "Authorization", NULL },
	};
	struct sigv4_request r = { "POST", "/", "", h, 4, (const unsigned char *)"{}", 2 };
	char auth[512];
	struct api_error e;
	char svc[16];
	(void)state;
	assert_int_equal(sigv4_sign(&r, AKID, SECRET, "eu-west-1", "logs", "20240301T120000Z",
				    "host;x-amz-date;x-multi", auth, sizeof(auth)),
			 0);
	h[4].value = auth;
	r.n_headers = 5;
	assert_int_equal(sigv4_verify(&r, services, T0, lookup, NULL, svc, &e), 0);
	assert_string_equal(svc, "logs");
	/* The joined value is "a,b c": splitting it differently must fail. */
	h[2].value = "a,b";
	h[3].value = "c";
	assert_int_equal(sigv4_verify(&r, services, T0, lookup, NULL, svc, &e), -1);
	assert_string_equal(e.type, "InvalidSignatureException");
	/* Too small an output buffer is an error, not a truncated header. */
	assert_int_equal(sigv4_sign(&r, AKID, SECRET, "eu-west-1", "logs", "20240301T120000Z",
				    "host;x-amz-date", auth, 40),
			 -1);
}

static void test_wrong_secret_unknown_key(void **state)
{
	struct fixture f;
	(void)state;
	vector1(&f);
	expect_error(&f, T0, "not-the-secret", "InvalidSignatureException",
		     "The request signature we calculated does not match the signature you "
		     "provided. Check your AWS Secret Access Key and signing method.");
	f.h[3].value = "AWS4-HMAC-SHA256 Credential=AKIDUNKNOWN/20240301/eu-west-1/ecs/aws4_request, "
		       "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=00";
	expect_error(&f, T0, NULL, "UnrecognizedClientException",
		     "The security token included in the request is invalid.");
}

static void test_missing_headers(void **state)
{
	struct fixture f;
	(void)state;
	vector1(&f);
	f.r.n_headers = 3; /* no Authorization, no Host */
	expect_error(&f, T0, NULL, "MissingAuthenticationTokenException",
		     "Missing Authentication Token");
	vector1(&f);
	f.h[2].name = "X-Not-Date";
	expect_error(&f, T0, NULL, "IncompleteSignatureException", "'X-Amz-Date' or a 'Date'");
	vector1(&f);
	f.h[3].value = "AWS4-HMAC-SHA256 Credential=" AKID "/20240301/eu-west-1/ecs/aws4_request";
	expect_error(&f, T0, NULL, "IncompleteSignatureException", "'SignedHeaders'");
	f.h[3].value = "AWS4-HMAC-SHA256 SignedHeaders=host;x-amz-date, Signature=ab";
	expect_error(&f, T0, NULL, "IncompleteSignatureException", "'Credential'");
	f.h[3].value = "AWS4-HMAC-SHA256 Credential=" AKID "/20240301/eu-west-1/ecs/aws4_request, "
		       "SignedHeaders=host;x-amz-date";
	expect_error(&f, T0, NULL, "IncompleteSignatureException", "'Signature'");
	f.h[3].value = "AWS4-HMAC-SHA1 Credential=x";
	expect_error(&f, T0, NULL, "IncompleteSignatureException", "algorithm");
	f.h[3].value = "AWS4-HMAC-SHA256 Credential=" AKID "/20240301/ecs/aws4_request, "
		       "SignedHeaders=host;x-amz-date, Signature=ab";
	expect_error(&f, T0, NULL, "IncompleteSignatureException", "5 slash-delimited");
}

static void test_clock(void **state)
{
	struct fixture f;
	struct api_error e;
	(void)state;
	vector1(&f);
	assert_int_equal(verify_at(&f, T0 + 300, NULL, &e), 0);
	assert_int_equal(verify_at(&f, T0 - 300, NULL, &e), 0);
	expect_error(&f, T0 + 600, NULL, "InvalidSignatureException",
		     "Signature expired: 20240301T120000Z is now earlier than 20240301T120500Z "
		     "(20240301T121000Z - 5 min.)");
	expect_error(&f, T0 - 301, NULL, "InvalidSignatureException", "Signature not yet current");
	f.h[2].value = "2024-03-01T12:00:00Z";
	expect_error(&f, T0, NULL, "IncompleteSignatureException", "ISO-8601");
}

static void test_tampering(void **state)
{
	struct fixture f;
	struct api_error e;
	(void)state;
	vector1(&f);
	f.r.body = (const unsigned char *)"{\"cluster\":\"default\",\"taskDefinition\":\"web:2\"}";
	expect_error(&f, T0, NULL, "InvalidSignatureException", "does not match");
	vector1(&f);
	f.r.method = "PUT";
	expect_error(&f, T0, NULL, "InvalidSignatureException", "does not match");
	vector1(&f);
	f.h[1].value = "AmazonEC2ContainerServiceV20141113.StopTask";
	expect_error(&f, T0, NULL, "InvalidSignatureException", "does not match");
	/* x-amz-content-sha256: accepted when right, refused when not. */
	vector1(&f);
	f.h[5] = (struct sigv4_header){ "X-Amz-Content-Sha256",
		"b3f1e74d3f0a56dbcfaa59a8b63d5e8e38c8e3ff1b01b25ea8b5dc36c1a0cd5c" };
	f.r.n_headers = 6;
	expect_error(&f, T0, NULL, "InvalidSignatureException", "x-amz-content-sha256");
	f.h[5].value = "UNSIGNED-PAYLOAD";
	expect_error(&f, T0, NULL, "InvalidSignatureException", "x-amz-content-sha256");
	f.r.body = (const unsigned char *)"";
	f.r.body_len = 0;
	f.h[5].value = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
	expect_error(&f, T0, NULL, "InvalidSignatureException", "does not match");
	(void)e;
}

static void test_scope(void **state)
{
	struct fixture f;
	(void)state;
	vector1(&f);
	f.h[3].value = "AWS4-HMAC-SHA256 Credential=" AKID "/20240302/eu-west-1/ecs/aws4_request, "
		       "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=00";
	expect_error(&f, T0, NULL, "InvalidSignatureException",
		     "Date in Credential scope does not match YYYYMMDD");
	f.h[3].value = "AWS4-HMAC-SHA256 Credential=" AKID "/20240301/eu-west-1/s3/aws4_request, "
		       "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=00";
	expect_error(&f, T0, NULL, "InvalidSignatureException", "scoped to correct service");
	f.h[3].value = "AWS4-HMAC-SHA256 Credential=" AKID "/20240301/eu-west-1/ecs/aws5_request, "
		       "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=00";
	expect_error(&f, T0, NULL, "InvalidSignatureException", "valid terminator");
	f.h[3].value = "AWS4-HMAC-SHA256 Credential=" AKID "/20240301/eu-west-1/ecs/aws4_request, "
		       "SignedHeaders=content-type;x-amz-date;x-amz-target, Signature=00";
	expect_error(&f, T0, NULL, "InvalidSignatureException", "'Host'");
	f.h[3].value = "AWS4-HMAC-SHA256 Credential=" AKID "/20240301/eu-west-1/ecs/aws4_request, "
		       "SignedHeaders=content-type;host;x-amz-target, Signature=00";
	expect_error(&f, T0, NULL, "InvalidSignatureException", "'X-Amz-Date'");
	f.h[3].value = "AWS4-HMAC-SHA256 Credential=" AKID "/20240301/eu-west-1/ecs/aws4_request, "
		       "SignedHeaders=host;content-type;x-amz-date, Signature=00";
	expect_error(&f, T0, NULL, "IncompleteSignatureException", "SignedHeaders");
	f.h[3].value = "AWS4-HMAC-SHA256 Credential=" AKID "/20240301/eu-west-1/ecs/aws4_request, "
		       "SignedHeaders=Host;x-amz-date, Signature=00";
	expect_error(&f, T0, NULL, "IncompleteSignatureException", "SignedHeaders");
}

static void test_bounds(void **state)
{
	struct fixture f;
	static char auth[8192], big[9000];
	size_t n;
	(void)state;
	vector1(&f);
	/* 65 signed header names. */
	n = (size_t)snprintf(auth, sizeof(auth), "AWS4-HMAC-SHA256 Credential=" AKID
			     "/20240301/eu-west-1/ecs/aws4_request, SignedHeaders=");
	for (int i = 0; i < 65; i++)
		n += (size_t)snprintf(auth + n, sizeof(auth) - n, "%sh%03d", i ? ";" : "", i);
	snprintf(auth + n, sizeof(auth) - n, ";host;x-amz-date, Signature=00");
	f.h[3].value = auth;
	expect_error(&f, T0, NULL, "IncompleteSignatureException", "SignedHeaders");
	/* An oversized Authorization header. */
	memset(auth, 'a', 5000);
	memcpy(auth, "AWS4-HMAC-SHA256 ", 17);
	auth[5000] = '\0';
	expect_error(&f, T0, NULL, "IncompleteSignatureException", "too long");
	/* An oversized signed header value cannot verify. */
	vector1(&f);
	memset(big, 'x', sizeof(big) - 1);
	f.h[1].value = big;
	expect_error(&f, T0, NULL, "InvalidSignatureException", "does not match");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_botocore_post),
		cmocka_unit_test(test_botocore_path_query_spaces),
		cmocka_unit_test(test_header_case_and_whitespace),
		cmocka_unit_test(test_round_trip_repeated_headers),
		cmocka_unit_test(test_wrong_secret_unknown_key),
		cmocka_unit_test(test_missing_headers),
		cmocka_unit_test(test_clock),
		cmocka_unit_test(test_tampering),
		cmocka_unit_test(test_scope),
		cmocka_unit_test(test_bounds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
