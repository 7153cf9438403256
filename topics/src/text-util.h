/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal: helpers shared by the topic parser and the payload codecs (the public checks are in
 * statebus/text.h). Inputs are (pointer, length) and need no NUL, because MQTT topics and
 * payloads are not NUL-terminated.
 */
#ifndef STATEBUS_TEXT_UTIL_H
#define STATEBUS_TEXT_UTIL_H

#include <stdbool.h>
#include <stddef.h>

#include "statebus/enums.h"
#include "statebus/text.h"

#include "sb-macro.h"

/* Narrow [*s, *s + *len) to drop leading and trailing ASCII white space. */
void sb_ascii_trim(const char **s, size_t *len);

/* True when s[0..len) is non-empty and only ASCII letters and digits (a bare word). */
bool sb_is_alnum_word(const char *s, size_t len);

/* What sb_text_mask() replaces with '?' besides the C0 controls and DEL (flags, or'ed). */
#define SB_MASK_NON_ASCII 1u /* every byte >= 0x80 (an excerpt for a log line or an event) */
#define SB_MASK_QUOTE     2u /* '\'' (the excerpt goes between quotes) */

/* The one text sanitiser: copies s (NULL: "") into buf, cut to size - 1 bytes and always
 * terminated, each control character (and what flags add) as '?', so text from the network or
 * a file stays one line and never drives a terminal. buf may be s (in place). Returns buf. */
char *sb_text_mask(const char *s, char *buf, size_t size, unsigned flags);

/* s, or fallback when s is NULL. */
static inline const char *sb_str_or(const char *s, const char *fallback)
{
    return s ? s : fallback;
}

/* The wire name of value in type, or fallback for a value without one. */
const char *sb_enum_name_or(SbEnumType type, int value, const char *fallback);

#endif
