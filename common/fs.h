/* fs.h: small filesystem helpers used across modules: whole-file reads,
 * atomic writes, recursive mkdir and removal.  None of these follow
 * paths inside a container's rootfs; isolation/ has its own resolver. */
#ifndef BERTH_COMMON_FS_H
#define BERTH_COMMON_FS_H

#include <stddef.h>
#include <sys/types.h>

#include "error.h"

/* Read a whole regular file of at most `max` bytes; *out is
 * NUL-terminated (one extra byte), caller frees. */
int fs_read_file(const char *path, size_t max, char **out, size_t *len, struct berth_err *err);

/* Write `len` bytes to `path` atomically: `path.tmp.PID`, fsync, rename,
 * fsync of the directory. */
int fs_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode,
			 struct berth_err *err);

/* mkdir -p with `mode` for created components.  Existing dirs are fine. */
int fs_mkdir_p(const char *path, mode_t mode, struct berth_err *err);

/* rm -rf that never crosses a mount point (stays on the device of
 * `path`) and never follows symlinks.  A missing path is success. */
int fs_rm_rf(const char *path, struct berth_err *err);

/* Write a string to an existing file (cgroup and proc files).  */
int fs_write_string(const char *path, const char *value, struct berth_err *err);

#endif
