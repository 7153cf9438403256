/* SPDX-License-Identifier: Apache-2.0 */
#include "log.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log-internal.h"
#include "text-util.h"

/* One line of at most this many bytes; longer messages are cut (a log line is not a data channel).
 */
#define LOG_LINE_MAX 2048

static int log_max_level = LOG_INFO;

/* stderr is unbuffered by default; line buffering plus one fprintf per event keeps each event one
 * write(2), so lines of concurrent writers (journald's stream) never interleave mid-line. Runs
 * before main(), before anything is written to stderr, as setvbuf() requires. */
/* How a line starts: "<6>" for journald (and for files and pipes, which the contract's readers
 * parse), or a local time stamp and the level's name for a person at a terminal. */
static bool log_to_terminal;

/* One number of JOURNAL_STREAM at s; *ret_end is the first byte after it. */
static bool read_ull(const char *s, const char **ret_end, unsigned long long *ret)
{
    const char *p = s;
    unsigned long long v;
    char *end = NULL;

    while (isspace((unsigned char) *p)) {
        p++;
    }
    /* strtoull() negates "-1" into ULLONG_MAX instead of refusing it. */
    if (*p == '-') {
        return false;
    }
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno != 0 || end == s) {
        return false;
    }
    *ret_end = end;
    *ret = v;
    return true;
}

bool log_journal_stream_parse(const char *s,
                              unsigned long long *ret_dev,
                              unsigned long long *ret_ino)
{
    unsigned long long dev, ino;
    const char *end = NULL;

    if (!read_ull(s, &end, &dev) || *end != ':' || !read_ull(end + 1, &end, &ino) || *end != '\0') {
        return false;
    }
    *ret_dev = dev;
    *ret_ino = ino;
    return true;
}

/* systemd sets JOURNAL_STREAM to "<dev>:<inode>" of the stream it connected to stderr; a child
 * whose stderr was redirected elsewhere inherits the variable, so it is compared. */
static bool stderr_is_journal(void)
{
    const char *e = getenv("JOURNAL_STREAM");
    unsigned long long dev, ino;
    struct stat st;

    return e && log_journal_stream_parse(e, &dev, &ino) && fstat(STDERR_FILENO, &st) == 0 &&
           (unsigned long long) st.st_dev == dev && (unsigned long long) st.st_ino == ino;
}

__attribute__((constructor)) static void log_setup_stderr(void)
{
    (void) setvbuf(stderr, NULL, _IOLBF, 0);
    log_to_terminal = !stderr_is_journal() && isatty(STDERR_FILENO);
}

static const char *level_name(int level)
{
    static const char *const names[] = { "emerg", "alert",  "crit", "error",
                                         "warn",  "notice", "info", "debug" };

    return level >= 0 && level <= LOG_DEBUG ? names[level] : "?";
}

void log_set_max_level(int level)
{
    if (level < LOG_EMERG) {
        level = LOG_EMERG;
    }
    if (level > LOG_DEBUG) {
        level = LOG_DEBUG;
    }
    log_max_level = level;
}

int log_get_max_level(void)
{
    return log_max_level;
}

/* A byte from the network could carry a newline or an escape sequence; one event stays one line and
 * a terminal is never driven by log content. */
static void log_sanitize(char *s)
{
    (void) sb_text_mask(s, s, strlen(s) + 1, 0);
}

int log_full_errno(int level, int error, const char *format, ...)
{
    int saved_errno = errno;
    int abs_error = error < 0 ? -error : error;
    char line[LOG_LINE_MAX];
    va_list ap;

    if (level > log_max_level) {
        errno = saved_errno;
        return -abs_error;
    }
    if (level < LOG_EMERG) {
        level = LOG_EMERG;
    }

    /* "%m" in format prints strerror(errno): make it the error we were given. */
    errno = abs_error != 0 ? abs_error : saved_errno;
    va_start(ap, format);
    (void) vsnprintf(line, sizeof(line), format, ap);
    va_end(ap);
    log_sanitize(line);

    if (log_to_terminal) {
        struct timespec ts;
        struct tm tm;
        char hms[16] = "??:??:??";

        (void) clock_gettime(CLOCK_REALTIME, &ts);
        if (localtime_r(&ts.tv_sec, &tm)) {
            (void) strftime(hms, sizeof(hms), "%H:%M:%S", &tm);
        }
        (void) fprintf(stderr, "%s.%03ld %-6s %s\n", hms, ts.tv_nsec / 1000000L, level_name(level),
                       line);
    } else {
        (void) fprintf(stderr, "<%d>%s\n", level, line);
    }
    errno = saved_errno;
    return -abs_error;
}
