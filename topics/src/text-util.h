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

#include "statebus/text.h"

#include "sb-macro.h"

/* Narrow [*s, *s + *len) to drop leading and trailing ASCII white space. */
void sb_ascii_trim(const char **s, size_t *len);

/* True when s[0..len) is non-empty and only ASCII letters and digits (a bare word). */
bool sb_is_alnum_word(const char *s, size_t len);

#endif
