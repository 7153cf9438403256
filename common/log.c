/* SPDX-License-Identifier: Apache-2.0 */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

/* One line of at most this many bytes; longer messages are cut (a log line is not a data channel).
 */
#define LOG_LINE_MAX 2048

static int log_max_level = LOG_INFO;

/* stderr is unbuffered by default; line buffering plus one fprintf per event keeps each event one
 * write(2), so lines of concurrent writers (journald's stream) never interleave mid-line. Runs
 * before main(), before anything is written to stderr, as setvbuf() requires. */
__attribute__((constructor)) static void log_setup_stderr(void)
{
    (void) setvbuf(stderr, NULL, _IOLBF, 0);
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
    for (; *s; s++) {
        unsigned char c = (unsigned char) *s;
        if (c < 0x20 || c == 0x7f) {
            *s = '?';
        }
    }
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

    (void) fprintf(stderr, "<%d>%s\n", level, line);
    errno = saved_errno;
    return -abs_error;
}
