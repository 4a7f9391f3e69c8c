/* fuzz_manifest.c: libFuzzer harness for what a registry answers:
 * manifest_parse() over the bytes (with each Content-Type berth may
 * see, and each platform), and auth_challenge_parse() over the same
 * bytes as a WWW-Authenticate header.  Properties: no crash, no leak,
 * and a parsed image manifest's descriptors all carry valid digests. */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "images/manifest.h"
#include "images/registry.h"

static const char *const types[] = {
	NULL,
	"application/vnd.oci.image.index.v1+json",
	"application/vnd.docker.distribution.manifest.v2+json; charset=utf-8",
	"application/vnd.docker.distribution.manifest.v1+prettyjws",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct manifest_platform amd = { "linux", "amd64", "" }, arm = { "linux", "arm64", "v8" };
	struct auth_challenge ch;
	char *hdr = malloc(size + 1);

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		struct berth_err err = { 0 };
		struct manifest m;
		if (manifest_parse((const char *)data, size, types[i], i % 2 ? &arm : &amd, &m, &err) < 0)
			continue;
		if (m.kind == MANIFEST_IMAGE) {
			assert(manifest_digest_ok(m.config.digest));
			for (size_t l = 0; l < m.n_layers; l++)
				assert(manifest_digest_ok(m.layers[l].digest) && m.layers[l].size >= 0);
		} else {
			assert(manifest_digest_ok(m.platform_entry.digest));
		}
		manifest_free(&m);
	}
	if (hdr) {
		memcpy(hdr, data, size);
		hdr[size] = '\0';
		auth_challenge_parse(hdr, &ch);
		free(hdr);
	}
	return 0;
}
