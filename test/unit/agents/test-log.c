/* SPDX-License-Identifier: Apache-2.0 */
/* log: "<N>" prefix, one line per event, %m from the error given, levels, hostile bytes. */
/* cmocka needs these first, in this order. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <errno.h>
#include <string.h>

#include "capture.h"
#include "log-internal.h"
#include "log.h"

static int reset_level(void **state)
{
    (void) state;
    log_set_max_level(LOG_INFO);
    return 0;
}

static void test_log_line_has_priority_prefix_and_errno_text(void **state)
{
    Capture c;
    char *out;
    int r;

    (void) state;
    assert_int_equal(capture_begin(&c, stderr), 0);
    r = log_error_errno(-ENOENT, "agent: failed to open '%s': %m", "x.json");
    log_warning("agent: node=%u rejected command id='%s' why='%s'", 3u, "x", "past deadline");
    out = capture_end(&c);
    assert_int_equal(r, -ENOENT);
    assert_string_equal(out, "<3>agent: failed to open 'x.json': No such file or directory\n"
                             "<4>agent: node=3 rejected command id='x' why='past deadline'\n");
    free(out);
}

static void test_log_returns_negative_error_whatever_its_sign(void **state)
{
    Capture c;
    char *out;

    (void) state;
    assert_int_equal(capture_begin(&c, stderr), 0);
    assert_int_equal(log_warning_errno(EACCES, "x: %m"), -EACCES);
    assert_int_equal(log_full_errno(LOG_INFO, 0, "y"), 0);
    out = capture_end(&c);
    assert_string_equal(out, "<4>x: Permission denied\n<6>y\n");
    free(out);
}

static void test_log_filters_by_level_and_keeps_errno(void **state)
{
    Capture c;
    char *out;
    int saved_errno, level;

    (void) state;
    assert_int_equal(capture_begin(&c, stderr), 0);

    errno = EBUSY;
    log_debug("hidden %d", 1);
    saved_errno = errno;
    level = log_get_max_level();
    log_set_max_level(LOG_DEBUG);
    log_debug("shown %d", 2);
    log_set_max_level(LOG_WARNING);
    log_info("hidden %d", 3);
    log_notice("hidden %d", 4);
    /* Filtered lines still return the error for "return log_..._errno(r, ...)". */
    assert_int_equal(log_full_errno(LOG_INFO, -EIO, "hidden"), -EIO);
    out = capture_end(&c);
    assert_int_equal(saved_errno, EBUSY);
    assert_int_equal(level, LOG_INFO);
    assert_string_equal(out, "<7>shown 2\n");
    free(out);
}

static void test_log_keeps_one_event_on_one_line(void **state)
{
    Capture c;
    char *out;

    (void) state;
    assert_int_equal(capture_begin(&c, stderr), 0);
    log_warning("agent: bad topic '%s'", "a\nb\r\x1b[31mc");
    out = capture_end(&c);
    assert_string_equal(out, "<4>agent: bad topic 'a?b??[31mc'\n");
    free(out);
}

static void test_log_cuts_very_long_lines(void **state)
{
    Capture c;
    char big[5000];
    char *out;

    (void) state;
    memset(big, 'z', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    assert_int_equal(capture_begin(&c, stderr), 0);
    log_info("%s", big);
    out = capture_end(&c);
    /* One line, cut but still ended by its newline. */
    assert_true(strlen(out) < 2100);
    assert_int_equal(strncmp(out, "<6>zzz", 6), 0);
    assert_ptr_equal(strchr(out, '\n'), out + strlen(out) - 1);
    free(out);
}

/* JOURNAL_STREAM: what systemd writes (and strtoull's white space and '+') is read; stray
 * characters, a missing part, an overflow and a negative number are refused. */
static void test_log_journal_stream_read_strictly(void **state)
{
    static const char *const refused[] = {
        "",
        "12",
        ":34",
        "12:",
        "12:34x",
        "12x:34",
        "12;34",
        "12:34:56",
        "-1:34",
        "12:-1",
        "18446744073709551616:1",
        "1:18446744073709551616",
    };
    unsigned long long dev = 7, ino = 8;

    (void) state;
    assert_true(log_journal_stream_parse("0:0", &dev, &ino));
    assert_true(dev == 0 && ino == 0);
    assert_true(log_journal_stream_parse("64769:1234567", &dev, &ino));
    assert_true(dev == 64769 && ino == 1234567);
    assert_true(log_journal_stream_parse("18446744073709551615:18446744073709551615", &dev, &ino));
    assert_true(dev == 18446744073709551615ull && ino == 18446744073709551615ull);
    assert_true(log_journal_stream_parse(" 12:+34", &dev, &ino));
    assert_true(dev == 12 && ino == 34);
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        dev = 7;
        ino = 8;
        assert_false(log_journal_stream_parse(refused[i], &dev, &ino));
        assert_true(dev == 7 && ino == 8);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup(name, reset_level)
        T(test_log_line_has_priority_prefix_and_errno_text),
        T(test_log_returns_negative_error_whatever_its_sign),
        T(test_log_filters_by_level_and_keeps_errno),
        T(test_log_keeps_one_event_on_one_line),
        T(test_log_cuts_very_long_lines),
        T(test_log_journal_stream_read_strictly),
#undef T
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
