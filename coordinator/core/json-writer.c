/* SPDX-License-Identifier: Apache-2.0 */
/* Bounded JSON writer for the snapshot (see json-writer.h). */
#include "json-writer.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>

void json_writer_init(JsonWriter *w, char *buf, size_t size)
{
    *w = (JsonWriter){ .buf = buf, .size = size };
    if (size == 0) {
        w->overflow = true;
    } else {
        buf[0] = '\0';
    }
}

/* One byte is always kept for the NUL. */
static void put(JsonWriter *w, char ch)
{
    if (w->overflow || w->len + 1 >= w->size) {
        w->overflow = true;
        return;
    }
    w->buf[w->len++] = ch;
}

static void put_str(JsonWriter *w, const char *s)
{
    for (; *s; s++) {
        put(w, *s);
    }
}

static void value_prefix(JsonWriter *w)
{
    if (w->need_comma) {
        put(w, ',');
    }
    w->need_comma = true;
}

void json_object_begin(JsonWriter *w)
{
    value_prefix(w);
    put(w, '{');
    w->need_comma = false;
}

void json_object_end(JsonWriter *w)
{
    put(w, '}');
    w->need_comma = true;
}

void json_array_begin(JsonWriter *w)
{
    value_prefix(w);
    put(w, '[');
    w->need_comma = false;
}

void json_array_end(JsonWriter *w)
{
    put(w, ']');
    w->need_comma = true;
}

static void put_escaped(JsonWriter *w, const char *s)
{
    static const char hex[] = "0123456789abcdef";

    put(w, '"');
    for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
        if (*p == '"' || *p == '\\') {
            put(w, '\\');
            put(w, (char) *p);
        } else if (*p < 0x20 || *p == 0x7f) {
            put_str(w, "\\u00");
            put(w, hex[*p >> 4]);
            put(w, hex[*p & 0xf]);
        } else {
            put(w, (char) *p);
        }
    }
    put(w, '"');
}

void json_key(JsonWriter *w, const char *key)
{
    if (w->need_comma) {
        put(w, ',');
    }
    put_escaped(w, key);
    put(w, ':');
    w->need_comma = false;
}

void json_string(JsonWriter *w, const char *s)
{
    value_prefix(w);
    put_escaped(w, s);
}

void json_uint(JsonWriter *w, uint64_t value)
{
    char number[24];

    value_prefix(w);
    (void) snprintf(number, sizeof(number), "%" PRIu64, value);
    put_str(w, number);
}

void json_bool(JsonWriter *w, bool value)
{
    value_prefix(w);
    put_str(w, value ? "true" : "false");
}

void json_null(JsonWriter *w)
{
    value_prefix(w);
    put_str(w, "null");
}

void json_hex(JsonWriter *w, const uint8_t *data, size_t len)
{
    static const char hex[] = "0123456789abcdef";

    value_prefix(w);
    put(w, '"');
    for (size_t i = 0; i < len; i++) {
        put(w, hex[data[i] >> 4]);
        put(w, hex[data[i] & 0xf]);
    }
    put(w, '"');
}

int json_writer_finish(JsonWriter *w)
{
    if (w->overflow || w->len > INT_MAX) {
        return -ENOSPC;
    }
    w->buf[w->len] = '\0';
    return (int) w->len;
}
