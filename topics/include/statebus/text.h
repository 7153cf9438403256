/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Checks on untrusted text: what the payload decoders apply to every string they accept, for
 * other readers of untrusted bytes (the coordinator's state file). Inputs are (pointer, length)
 * and need no NUL: MQTT topics and payloads are not NUL-terminated.
 */
#ifndef STATEBUS_TEXT_H
#define STATEBUS_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF. */
bool sb_utf8_is_valid(const char *s, size_t len);

/* Valid UTF-8 without control characters (C0, DEL, C1) and without NUL: text we keep, log and
 * show to operators. */
bool sb_text_is_clean(const char *s, size_t len);

/* A request id: [A-Za-z0-9._:-]{1,SB_ID_MAX}. */
bool sb_request_id_is_valid(const char *s, size_t len);

#endif
