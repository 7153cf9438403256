/* SPDX-License-Identifier: Apache-2.0 */
#include "file-util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "macro.h"

static void closep(const int *fd)
{
    if (*fd >= 0) {
        (void) close(*fd);
    }
}
#define CLEANUP_CLOSE CLEANUP(closep)

static int write_all(int fd, const void *data, size_t len)
{
    const char *p = data;

    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -errno;
        }
        p += n;
        len -= (size_t) n;
    }
    return 0;
}

/* The directory part of path ("." when there is none), for the temporary file and the fsync. */
static int dir_of(const char *path, char *buf, size_t size)
{
    const char *slash = strrchr(path, '/');
    size_t len;

    if (!slash) {
        return snprintf(buf, size, ".") < (int) size ? 0 : -ENAMETOOLONG;
    }
    len = slash == path ? 1 : (size_t) (slash - path);
    if (len >= size) {
        return -ENAMETOOLONG;
    }
    memcpy(buf, path, len);
    buf[len] = '\0';
    return 0;
}

static int fsync_dir(const char *dir)
{
    CLEANUP_CLOSE int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    if (fd < 0) {
        return -errno;
    }
    return fsync(fd) < 0 ? -errno : 0;
}

/* data into fd, then synced and closed (also on failure). A failing close() counts: some file
 * systems report write errors only there. */
static int write_sync_close(int fd, const void *data, size_t len)
{
    int r = write_all(fd, data, len);

    if (r == 0 && fsync(fd) < 0) {
        r = -errno;
    }
    if (close(fd) < 0 && r == 0) {
        r = -errno;
    }
    return r;
}

int write_file_atomic(const char *path, const void *data, size_t len)
{
    char dir[PATH_MAX];
    char tmp[PATH_MAX];
    int fd, r;

    if (!path || !*path || (!data && len > 0)) {
        return -EINVAL;
    }
    r = dir_of(path, dir, sizeof(dir));
    if (r < 0) {
        return r;
    }
    if (snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path) >= (int) sizeof(tmp)) {
        return -ENAMETOOLONG;
    }
    /* mkostemp: a unique name (two writers never share a temporary) with mode 0600. */
    fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0) {
        return -errno;
    }
    r = write_sync_close(fd, data, len);
    if (r == 0 && rename(tmp, path) < 0) {
        r = -errno;
    }
    if (r < 0) {
        (void) unlink(tmp);
        return r;
    }
    /* The rename is durable only once the directory entry is on disk. */
    return fsync_dir(dir);
}

/* The first buffer for a file of st, at most max + 1 bytes: its size and one byte more (to see
 * it grow), or 4096 for what has no size (a pipe). */
static size_t first_capacity(const struct stat *st, size_t max)
{
    size_t cap = S_ISREG(st->st_mode) ? (size_t) st->st_size + 1 : 4096;

    return cap > max + 1 ? max + 1 : cap;
}

/* Doubles *buf (cap bytes and a NUL), up to max + 1 bytes: -EFBIG once it holds that many. */
static int grow(char **buf, size_t *cap, size_t max)
{
    char *bigger;
    size_t next;

    if (*cap >= max + 1) {
        return -EFBIG;
    }
    next = *cap * 2 > max + 1 ? max + 1 : *cap * 2;
    bigger = realloc(*buf, next + 1);
    if (!bigger) {
        return -ENOMEM;
    }
    *buf = bigger;
    *cap = next;
    return 0;
}

/* Reads fd to its end into *buf (*cap bytes and a NUL, grown as needed); -EFBIG beyond max bytes.
 * Up to max + 1 bytes are read whatever fstat() said: the file may grow, or be a pipe. */
static int read_to_end(int fd, size_t max, char **buf, size_t *cap, size_t *ret_len)
{
    size_t len = 0;
    int r;

    for (;;) {
        ssize_t n;

        if (len == *cap) {
            r = grow(buf, cap, max);
            if (r < 0) {
                return r;
            }
        }
        n = read(fd, *buf + len, *cap - len);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -errno;
        }
        if (n == 0) {
            break;
        }
        len += (size_t) n;
        if (len > max) {
            return -EFBIG;
        }
    }
    *ret_len = len;
    return 0;
}

int read_file_bounded(const char *path, size_t max, char **ret, size_t *ret_len)
{
    CLEANUP_CLOSE int fd = -1;
    CLEANUP_FREE char *buf = NULL;
    struct stat st;
    size_t cap, len = 0;
    int r;

    if (!path || !ret || !ret_len || max == SIZE_MAX) {
        return -EINVAL;
    }
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        return -errno;
    }
    if (fstat(fd, &st) < 0) {
        return -errno;
    }
    if (S_ISDIR(st.st_mode)) {
        return -EISDIR;
    }
    if (S_ISREG(st.st_mode) && (uint64_t) st.st_size > max) {
        return -EFBIG;
    }
    cap = first_capacity(&st, max);
    buf = malloc(cap + 1);
    if (!buf) {
        return -ENOMEM;
    }
    r = read_to_end(fd, max, &buf, &cap, &len);
    if (r < 0) {
        return r;
    }
    buf[len] = '\0';
    *ret_len = len;
    *ret = TAKE_PTR(buf);
    return 0;
}

static int mkdir_one(const char *dir)
{
    struct stat st;

    if (mkdir(dir, 0700) == 0) {
        return 0;
    }
    if (errno != EEXIST) {
        return -errno;
    }
    if (stat(dir, &st) < 0) {
        return -errno;
    }
    return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

int mkdir_p(const char *dir)
{
    char buf[PATH_MAX];
    size_t len;
    int r;

    if (!dir || !*dir) {
        return -EINVAL;
    }
    len = strlen(dir);
    if (len >= sizeof(buf)) {
        return -ENAMETOOLONG;
    }
    memcpy(buf, dir, len + 1);

    /* Create every parent in turn: "a/b/c" makes "a", "a/b", then "a/b/c". */
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/') {
            continue;
        }
        *p = '\0';
        r = mkdir_one(buf);
        *p = '/';
        if (r < 0) {
            return r;
        }
    }
    return mkdir_one(buf);
}
