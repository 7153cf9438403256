/* SPDX-License-Identifier: Apache-2.0 */
/* Checks for text read back from the state file: it is untrusted like any other input. */
#ifndef STATEBUS_COORD_TEXT_CHECK_H
#define STATEBUS_COORD_TEXT_CHECK_H

#include <stdbool.h>
#include <stddef.h>

/* True when s[0..len) is valid UTF-8 (no overlong forms, surrogates or code points above
 * U+10FFFF) without control characters (C0, DEL). */
bool text_is_clean(const char *s, size_t len);

/* True for a request id: [A-Za-z0-9._:-]{1,SB_ID_MAX}. */
bool text_is_request_id(const char *s);

#endif
