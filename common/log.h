/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One line per event on stderr with a syslog priority prefix ("<6>...") that journald files at
 * the right level. Shape: "<N>subsystem: past-tense verb ... key=value". Only shells log.
 */
#ifndef STATEBUS_LOG_H
#define STATEBUS_LOG_H

#include <syslog.h>

/* Messages above this level are dropped (default LOG_INFO; LOG_DEBUG with --verbose). */
void log_set_max_level(int level);
int log_get_max_level(void);

/* Writes one line; when error != 0, errno is set to -error/error first so "%m" works.
 * Returns -abs(error) so callers can "return log_error_errno(r, ...)". */
int log_full_errno(int level, int error, const char *format, ...)
        __attribute__((format(printf, 3, 4)));

#define log_debug(...)            ((void) log_full_errno(LOG_DEBUG, 0, __VA_ARGS__))
#define log_info(...)             ((void) log_full_errno(LOG_INFO, 0, __VA_ARGS__))
#define log_notice(...)           ((void) log_full_errno(LOG_NOTICE, 0, __VA_ARGS__))
#define log_warning(...)          ((void) log_full_errno(LOG_WARNING, 0, __VA_ARGS__))
#define log_error(...)            ((void) log_full_errno(LOG_ERR, 0, __VA_ARGS__))
#define log_warning_errno(e, ...) log_full_errno(LOG_WARNING, (e), __VA_ARGS__)
#define log_error_errno(e, ...)   log_full_errno(LOG_ERR, (e), __VA_ARGS__)

#endif
