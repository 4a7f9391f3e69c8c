/* layer.c: unpacking layer tarballs (gzip, zstd or plain, as libarchive
 * detects) into DIR/layers/<hex>, with OCI whiteouts turned into
 * overlayfs ones: ".wh.NAME" becomes a 0:0 character device NAME,
 * ".wh..wh..opq" the trusted.overlay.opaque=y xattr of its directory.
 * A layer is unpacked under a temporary name and renamed when whole.
 * Entry paths are cleaned before use: absolute paths and ".." are
 * refused, hard links must point inside the layer, and libarchive's
 * SECURE_SYMLINKS keeps writes from going through a symlink. */
#include "store_internal.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/ids.h"

static void archive_freep(struct archive **a)
{
	if (*a)
		archive_free(*a);
}
#define cleanup_archive __attribute__((cleanup(archive_freep)))

/* "./a/b" -> "a/b"; NULL when absolute-escaping or containing "..". */
static const char *clean_path(const char *p, char *buf, size_t len)
{
	while (*p == '/' || (p[0] == '.' && p[1] == '/'))
		p += (*p == '/') ? 1 : 2;
	if (*p == '\0' || strcmp(p, ".") == 0)
		return NULL;
	snprintf(buf, len, "%s", p);
	for (char *c = buf, *e; *c; c = e + (*e == '/')) {
		e = strchrnul(c, '/');
		if (e - c == 2 && c[0] == '.' && c[1] == '.')
			return NULL;
	}
	size_t n = strlen(buf);
	while (n > 0 && buf[n - 1] == '/')
		buf[--n] = '\0';
	return buf;
}

static int whiteout(const char *dir, const char *rel, struct berth_err *err)
{
	char path[4096];
	const char *base = strrchr(rel, '/') ? strrchr(rel, '/') + 1 : rel;
	int dlen = (int)(base - rel);

	if (strcmp(base, ".wh..wh..opq") == 0) {
		snprintf(path, sizeof(path), "%s/%.*s", dir, dlen, rel);
		if (fs_mkdir_p(path, 0755, err) < 0)
			return -1;
		if (lsetxattr(path, "trusted.overlay.opaque", "y", 1, 0) < 0)
			return berth_err_errno(err, "mark %s opaque", path);
		return 0;
	}
	snprintf(path, sizeof(path), "%s/%.*s", dir, dlen, rel);
	if (fs_mkdir_p(path, 0755, err) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/%.*s%s", dir, dlen, rel, base + 4);
	fs_rm_rf(path, err);
	if (mknod(path, S_IFCHR | 0, makedev(0, 0)) < 0)
		return berth_err_errno(err, "whiteout %s", path);
	return 0;
}

static int extract(const char *archive_path, const char *dir, bool whiteouts, struct berth_err *err)
{
	cleanup_archive struct archive *in = archive_read_new();
	cleanup_archive struct archive *out = archive_write_disk_new();
	struct archive_entry *e;
	int rc;

	archive_read_support_filter_all(in);
	archive_read_support_format_tar(in);
	archive_write_disk_set_options(out, ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_OWNER |
						    ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_XATTR |
						    ARCHIVE_EXTRACT_SECURE_SYMLINKS |
						    ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_UNLINK);
	if (archive_read_open_filename(in, archive_path, 65536) != ARCHIVE_OK)
		return berth_err_set(err, EINVAL, "open layer %s: %s", archive_path, archive_error_string(in));
	while ((rc = archive_read_next_header(in, &e)) == ARCHIVE_OK) {
		char rel[4096], full[8192], link[4096];
		const char *p = clean_path(archive_entry_pathname(e), rel, sizeof(rel));
		const char *hl = archive_entry_hardlink(e);
		const char *base;
		if (p == NULL) {
			if (strcmp(archive_entry_pathname(e), "./") && strcmp(archive_entry_pathname(e), ".") &&
			    strcmp(archive_entry_pathname(e), "/"))
				return berth_err_set(err, EPERM, "layer entry '%s' leaves the layer",
						     archive_entry_pathname(e));
			continue;
		}
		base = strrchr(p, '/') ? strrchr(p, '/') + 1 : p;
		if (whiteouts && strncmp(base, ".wh.", 4) == 0) {
			if (whiteout(dir, p, err) < 0)
				return -1;
			continue;
		}
		snprintf(full, sizeof(full), "%s/%s", dir, p);
		archive_entry_set_pathname(e, full);
		if (hl) {
			if (clean_path(hl, link, sizeof(link)) == NULL)
				return berth_err_set(err, EPERM, "hard link '%s' leaves the layer", hl);
			snprintf(full, sizeof(full), "%s/%s", dir, link);
			archive_entry_set_hardlink(e, full);
		}
		if (archive_write_header(out, e) != ARCHIVE_OK)
			return berth_err_set(err, archive_errno(out), "unpack %s: %s", p,
					     archive_error_string(out));
		if (archive_entry_size(e) > 0) {
			const void *buf;
			size_t size;
			la_int64_t off;
			while ((rc = archive_read_data_block(in, &buf, &size, &off)) == ARCHIVE_OK)
				if (archive_write_data_block(out, buf, size, off) != ARCHIVE_OK)
					return berth_err_set(err, EIO, "write %s: %s", p, archive_error_string(out));
			if (rc != ARCHIVE_EOF)
				return berth_err_set(err, EIO, "read %s: %s", p, archive_error_string(in));
		}
		if (archive_write_finish_entry(out) != ARCHIVE_OK)
			return berth_err_set(err, EIO, "finish %s: %s", p, archive_error_string(out));
	}
	if (rc != ARCHIVE_EOF)
		return berth_err_set(err, EIO, "read layer %s: %s", archive_path, archive_error_string(in));
	return 0;
}

int archive_extract_plain(const char *archive, const char *dir, struct berth_err *err)
{
	return extract(archive, dir, false, err);
}

int layer_ensure(struct image_store *s, const char *digest, char *out, size_t len,
		 struct berth_err *err)
{
	char blob[600], tmp[700], rnd[17];
	int rc;

	if (blob_path(s, digest, blob, sizeof(blob)) < 0)
		return berth_err_set(err, EINVAL, "bad layer digest %s", digest ? digest : "(none)");
	snprintf(out, len, "%s/layers/%s", s->dir, digest + 7);
	if (access(out, F_OK) == 0)
		return 0;
	if (access(blob, F_OK) < 0)
		return berth_err_set(err, ENOENT, "layer %s is not in the store", digest);
	if (id_random_hex(rnd, 16, err) < 0)
		return -1;
	snprintf(tmp, sizeof(tmp), "%s/tmp/layer-%s", s->dir, rnd);
	if (fs_mkdir_p(tmp, 0755, err) < 0)
		return -1;
	rc = extract(blob, tmp, true, err);
	if (rc == 0 && rename(tmp, out) < 0 && access(out, F_OK) < 0)
		rc = berth_err_errno(err, "store layer %s", digest);
	if (access(tmp, F_OK) == 0) {
		struct berth_err ignored = { 0 };
		fs_rm_rf(tmp, &ignored);
	}
	return rc < 0 ? berth_err_wrap(err, "unpack layer %s", digest) : 0;
}
