/* SPDX-License-Identifier: Apache-2.0 */
/* log.c's insides that its unit test reaches. Not for users of log.h. */
#ifndef STATEBUS_LOG_INTERNAL_H
#define STATEBUS_LOG_INTERNAL_H

#include <stdbool.h>

/* JOURNAL_STREAM's "<dev>:<inode>": two decimal numbers as strtoull() reads them, a ':' between
 * them and nothing after. False for anything else, a number out of range, or a negative one
 * (strtoull would wrap it); *ret_dev and *ret_ino are then untouched. */
bool log_journal_stream_parse(const char *s,
                              unsigned long long *ret_dev,
                              unsigned long long *ret_ino);

#endif
