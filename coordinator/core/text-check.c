/* SPDX-License-Identifier: Apache-2.0 */
/* UTF-8 and request id checks (see text-check.h). */
#include "text-check.h"

#include <stdint.h>
#include <string.h>

#include "statebus/limits.h"

/* Length of the UTF-8 sequence at p (at most left bytes), 0 if it is not valid. */
static size_t utf8_sequence_len(const unsigned char *p, size_t left)
{
    uint32_t cp;
    size_t len;

    if (p[0] < 0x80) {
        return 1;
    }
    if (p[0] >= 0xc2 && p[0] <= 0xdf) {
        len = 2;
        cp = p[0] & 0x1fu;
    } else if (p[0] >= 0xe0 && p[0] <= 0xef) {
        len = 3;
        cp = p[0] & 0x0fu;
    } else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
        len = 4;
        cp = p[0] & 0x07u;
    } else {
        return 0;
    }
    if (left < len) {
        return 0;
    }
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80) {
            return 0;
        }
        cp = (cp << 6) | (p[i] & 0x3fu);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
        (cp >= 0xd800 && cp <= 0xdfff)) {
        return 0;
    }
    return len;
}

bool text_is_clean(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *) s;

    for (size_t i = 0; i < len;) {
        size_t n;

        if (p[i] < 0x20 || p[i] == 0x7f) {
            return false;
        }
        n = utf8_sequence_len(p + i, len - i);
        if (n == 0) {
            return false;
        }
        i += n;
    }
    return true;
}

bool text_is_request_id(const char *s)
{
    size_t len = strnlen(s, SB_ID_MAX + 1);

    if (len == 0 || len > SB_ID_MAX) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        char ch = s[i];
        bool ok = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
                  (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == ':' || ch == '-';

        if (!ok) {
            return false;
        }
    }
    return true;
}
