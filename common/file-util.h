/* SPDX-License-Identifier: Apache-2.0 */
#ifndef STATEBUS_FILE_UTIL_H
#define STATEBUS_FILE_UTIL_H

#include <stddef.h>

/* Writes data to path atomically: a temporary file in the same directory, fsync, rename over
 * path, fsync of the directory. Either the old or the new content survives a crash.
 * Returns 0 or negative errno. */
int write_file_atomic(const char *path, const void *data, size_t len);

/* Reads at most max bytes of path into a new NUL-terminated buffer (*ret, owned by the caller,
 * free()), *ret_len its length. -ENOENT if missing, -EFBIG if larger than max. */
int read_file_bounded(const char *path, size_t max, char **ret, size_t *ret_len);

/* Creates dir (and parents) with mode 0700 if missing. */
int mkdir_p(const char *dir);

#endif
