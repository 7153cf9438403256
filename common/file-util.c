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

static void closep(int *fd)
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

int write_file_atomic(const char *path, const void *data, size_t len)
{
    char dir[PATH_MAX];
    char tmp[PATH_MAX];
    int r;

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

    {
        /* mkostemp: a unique name (two writers never share a temporary) with mode 0600. */
        CLEANUP_CLOSE int fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0) {
            return -errno;
        }
        r = write_all(fd, data, len);
        if (r == 0 && fsync(fd) < 0) {
            r = -errno;
        }
        if (r == 0) {
            int fd_to_close = fd;
            fd = -1;
            if (close(fd_to_close) < 0) {
                r = -errno;
            }
        }
    }
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

int read_file_bounded(const char *path, size_t max, char **ret, size_t *ret_len)
{
    CLEANUP_CLOSE int fd = -1;
    CLEANUP_FREE char *buf = NULL;
    struct stat st;
    size_t cap, len = 0;

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

    /* Read up to max + 1 bytes whatever fstat() said: the file may grow, or be a pipe. */
    cap = S_ISREG(st.st_mode) ? (size_t) st.st_size + 1 : 4096;
    if (cap > max + 1) {
        cap = max + 1;
    }
    buf = malloc(cap + 1);
    if (!buf) {
        return -ENOMEM;
    }
    for (;;) {
        ssize_t n;

        if (len == cap) {
            char *bigger;
            if (cap >= max + 1) {
                return -EFBIG;
            }
            cap = cap * 2 > max + 1 ? max + 1 : cap * 2;
            bigger = realloc(buf, cap + 1);
            if (!bigger) {
                return -ENOMEM;
            }
            buf = bigger;
        }
        n = read(fd, buf + len, cap - len);
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
