/* SPDX-License-Identifier: Apache-2.0 */
/* file-util: atomic writes, bounded reads and mkdir_p, in a private mkdtemp directory. */
/* cmocka needs these first, in this order. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "file-util.h"

typedef struct Dir {
    char path[256]; /* short, so every path built in it fits PATH_MAX */
} Dir;

static int rm_rf(const char *path)
{
    struct stat st;

    if (lstat(path, &st) < 0) {
        return -errno;
    }
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        struct dirent *de;
        if (!d) {
            return -errno;
        }
        while ((de = readdir(d))) {
            char child[PATH_MAX];
            if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) {
                continue;
            }
            (void) snprintf(child, sizeof(child), "%s/%s", path, de->d_name);
            (void) rm_rf(child);
        }
        closedir(d);
        return rmdir(path) < 0 ? -errno : 0;
    }
    return unlink(path) < 0 ? -errno : 0;
}

static int setup(void **state)
{
    Dir *d = calloc(1, sizeof(*d));
    const char *tmp = getenv("TMPDIR");

    if (!d) {
        return -1;
    }
    (void) snprintf(d->path, sizeof(d->path), "%s/statebus-file-util-XXXXXX", tmp ? tmp : "/tmp");
    if (!mkdtemp(d->path)) {
        free(d);
        return -1;
    }
    *state = d;
    return 0;
}

static int teardown(void **state)
{
    Dir *d = *state;
    int r = rm_rf(d->path);

    free(d);
    return r;
}

static char *path_in(const Dir *d, const char *name, char *buf, size_t size)
{
    (void) snprintf(buf, size, "%s/%s", d->path, name);
    return buf;
}

static size_t count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    size_t n = 0;

    assert_non_null(d);
    while ((de = readdir(d))) {
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0) {
            n++;
        }
    }
    closedir(d);
    return n;
}

static void expect_content(const char *path, const char *expected)
{
    char *data = NULL;
    size_t len = 0;

    assert_int_equal(read_file_bounded(path, 1024, &data, &len), 0);
    assert_int_equal(len, strlen(expected));
    assert_memory_equal(data, expected, len);
    assert_int_equal(data[len], '\0');
    free(data);
}

static void test_write_atomic_creates_then_replaces(void **state)
{
    Dir *d = *state;
    char path[PATH_MAX];
    struct stat st;

    path_in(d, "state.json", path, sizeof(path));
    assert_int_equal(write_file_atomic(path, "{\"v\":1}", 7), 0);
    expect_content(path, "{\"v\":1}");
    assert_int_equal(write_file_atomic(path, "{\"v\":1,\"queue\":[]}", 18), 0);
    expect_content(path, "{\"v\":1,\"queue\":[]}");
    /* No temporary file is left behind, and the state is private. */
    assert_int_equal(count_entries(d->path), 1);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
}

static void test_write_atomic_empty_content(void **state)
{
    Dir *d = *state;
    char path[PATH_MAX];

    path_in(d, "empty", path, sizeof(path));
    assert_int_equal(write_file_atomic(path, NULL, 0), 0);
    expect_content(path, "");
}

static void test_write_atomic_missing_directory_leaves_nothing(void **state)
{
    Dir *d = *state;
    char path[PATH_MAX];

    path_in(d, "no-such-dir/state.json", path, sizeof(path));
    assert_int_equal(write_file_atomic(path, "x", 1), -ENOENT);
    assert_int_equal(count_entries(d->path), 0);
}

static void test_write_atomic_failed_rename_keeps_old_content(void **state)
{
    Dir *d = *state;
    char path[PATH_MAX], blocker[PATH_MAX];

    /* rename() over a non-empty directory fails: the old content (a directory here) stays and
     * the temporary file is removed. */
    path_in(d, "state.json", path, sizeof(path));
    assert_int_equal(mkdir(path, 0700), 0);
    path_in(d, "state.json/keep", blocker, sizeof(blocker));
    assert_int_equal(write_file_atomic(blocker, "keep", 4), 0);
    assert_true(write_file_atomic(path, "new", 3) < 0);
    assert_int_equal(count_entries(d->path), 1);
    expect_content(blocker, "keep");
}

static void test_write_atomic_refuses_bad_arguments(void **state)
{
    (void) state;
    assert_int_equal(write_file_atomic(NULL, "x", 1), -EINVAL);
    assert_int_equal(write_file_atomic("", "x", 1), -EINVAL);
    assert_int_equal(write_file_atomic("/tmp/x", NULL, 1), -EINVAL);
}

static void test_read_bounded_limits(void **state)
{
    Dir *d = *state;
    char path[PATH_MAX], dirpath[PATH_MAX];
    char *data = NULL;
    size_t len = 99;

    path_in(d, "ten", path, sizeof(path));
    assert_int_equal(write_file_atomic(path, "0123456789", 10), 0);
    assert_int_equal(read_file_bounded(path, 10, &data, &len), 0);
    assert_int_equal(len, 10);
    assert_string_equal(data, "0123456789");
    free(data);
    data = NULL;

    len = 99;
    assert_int_equal(read_file_bounded(path, 9, &data, &len), -EFBIG);
    assert_null(data);
    assert_int_equal(len, 99);

    path_in(d, "missing", path, sizeof(path));
    assert_int_equal(read_file_bounded(path, 10, &data, &len), -ENOENT);
    path_in(d, "sub", dirpath, sizeof(dirpath));
    assert_int_equal(mkdir(dirpath, 0700), 0);
    assert_int_equal(read_file_bounded(dirpath, 10, &data, &len), -EISDIR);
    assert_null(data);
}

static void test_read_bounded_grows_past_small_first_guess(void **state)
{
    Dir *d = *state;
    char path[PATH_MAX];
    char big[20000];
    char *data = NULL;
    size_t len = 0;
    pid_t child;
    int fd, status = -1;

    /* A pipe-like source has no size: read through a FIFO fed by a child. */
    memset(big, 'x', sizeof(big));
    path_in(d, "fifo", path, sizeof(path));
    assert_int_equal(mkfifo(path, 0600), 0);
    child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        fd = open(path, O_WRONLY);
        if (fd >= 0) {
            (void) !write(fd, big, sizeof(big));
            close(fd);
        }
        _exit(0);
    }
    assert_int_equal(read_file_bounded(path, sizeof(big), &data, &len), 0);
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_int_equal(status, 0);
    assert_int_equal(len, sizeof(big));
    assert_memory_equal(data, big, len);
    free(data);
}

static void test_mkdir_p_nested_and_existing(void **state)
{
    Dir *d = *state;
    char path[PATH_MAX], file[PATH_MAX], below[PATH_MAX];
    struct stat st;

    path_in(d, "a/b/c", path, sizeof(path));
    assert_int_equal(mkdir_p(path), 0);
    assert_int_equal(stat(path, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    assert_int_equal(st.st_mode & 0777, 0700);
    assert_int_equal(mkdir_p(path), 0); /* already there: fine */

    path_in(d, "a/file", file, sizeof(file));
    assert_int_equal(write_file_atomic(file, "x", 1), 0);
    assert_int_equal(mkdir_p(file), -ENOTDIR);
    path_in(d, "a/file/below", below, sizeof(below));
    assert_int_equal(mkdir_p(below), -ENOTDIR);
    assert_int_equal(mkdir_p(""), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
        T(test_write_atomic_creates_then_replaces),
        T(test_write_atomic_empty_content),
        T(test_write_atomic_missing_directory_leaves_nothing),
        T(test_write_atomic_failed_rename_keeps_old_content),
        T(test_write_atomic_refuses_bad_arguments),
        T(test_read_bounded_limits),
        T(test_read_bounded_grows_past_small_first_guess),
        T(test_mkdir_p_nested_and_existing),
#undef T
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
