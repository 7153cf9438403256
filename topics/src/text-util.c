/* SPDX-License-Identifier: Apache-2.0 */
/* Byte-string checks for untrusted input: UTF-8, control characters, request ids, trimming. */
#include "text-util.h"

#include <stdint.h>

#include "statebus/limits.h"

/* Length of the UTF-8 sequence at s[0..len) and its code point, or 0 when it is malformed. */
static size_t utf8_decode(const unsigned char *s, size_t len, uint32_t *ret_cp)
{
    unsigned char c = s[0];
    size_t n;
    uint32_t cp, min;

    if (c < 0x80) {
        *ret_cp = c;
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
        cp = c & 0x1FU;
        min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        cp = c & 0x0FU;
        min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        cp = c & 0x07U;
        min = 0x10000;
    } else {
        return 0; /* continuation byte, C0/C1 overlong lead, or F5..FF */
    }
    if (len < n) {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            return 0;
        }
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        return 0;
    }
    *ret_cp = cp;
    return n;
}

static bool utf8_walk(const char *s, size_t len, bool reject_controls)
{
    const unsigned char *p = (const unsigned char *) s;
    size_t i = 0;

    while (i < len) {
        uint32_t cp = 0;
        size_t n = utf8_decode(p + i, len - i, &cp);

        if (n == 0) {
            return false;
        }
        if (reject_controls && (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F))) {
            return false;
        }
        i += n;
    }
    return true;
}

bool sb_utf8_is_valid(const char *s, size_t len)
{
    if (!s) {
        return len == 0;
    }
    return utf8_walk(s, len, false);
}

bool sb_text_is_clean(const char *s, size_t len)
{
    if (!s) {
        return len == 0;
    }
    return utf8_walk(s, len, true);
}

static bool is_alnum(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

bool sb_request_id_is_valid(const char *s, size_t len)
{
    if (!s || len == 0 || len > SB_ID_MAX) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        char c = s[i];

        if (!is_alnum(c) && c != '.' && c != '_' && c != ':' && c != '-') {
            return false;
        }
    }
    return true;
}

static bool is_ascii_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

void sb_ascii_trim(const char **s, size_t *len)
{
    while (*len > 0 && is_ascii_space((*s)[0])) {
        (*s)++;
        (*len)--;
    }
    while (*len > 0 && is_ascii_space((*s)[*len - 1])) {
        (*len)--;
    }
}

bool sb_is_alnum_word(const char *s, size_t len)
{
    if (!s || len == 0) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        if (!is_alnum(s[i])) {
            return false;
        }
    }
    return true;
}

char *sb_text_mask(const char *s, char *buf, size_t size, unsigned flags)
{
    size_t i = 0;

    if (size == 0) {
        return buf;
    }
    for (; s && s[i] && i + 1 < size; i++) {
        unsigned char c = (unsigned char) s[i];
        bool masked = c < 0x20 || c == 0x7f || ((flags & SB_MASK_NON_ASCII) && c >= 0x80) ||
                      ((flags & SB_MASK_QUOTE) && c == '\'');

        buf[i] = (char) (masked ? '?' : c);
    }
    buf[i] = '\0';
    return buf;
}

const char *sb_enum_name_or(SbEnumType type, int value, const char *fallback)
{
    return sb_str_or(sb_enum_to_string(type, value), fallback);
}
