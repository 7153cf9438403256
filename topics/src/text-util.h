/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal: checks on byte strings shared by the topic parser and the payload codecs. Inputs are
 * (pointer, length) and need no NUL, because MQTT topics and payloads are not NUL-terminated.
 */
#ifndef STATEBUS_TEXT_UTIL_H
#define STATEBUS_TEXT_UTIL_H

#include <stdbool.h>
#include <stddef.h>

#define ELEMENTSOF(a) (sizeof(a) / sizeof((a)[0]))

/* Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF. */
bool sb_utf8_is_valid(const char *s, size_t len);

/* Valid UTF-8 without control characters (C0, DEL, C1) and without NUL: text we keep, log and
 * show to operators. */
bool sb_text_is_clean(const char *s, size_t len);

/* A request id: [A-Za-z0-9._:-]{1,SB_ID_MAX}. */
bool sb_request_id_is_valid(const char *s, size_t len);

/* Narrow [*s, *s + *len) to drop leading and trailing ASCII white space. */
void sb_ascii_trim(const char **s, size_t *len);

/* True when s[0..len) is non-empty and only ASCII letters and digits (a bare word). */
bool sb_is_alnum_word(const char *s, size_t len);

#endif
