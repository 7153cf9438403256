/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A bounded JSON writer into a caller's buffer: no allocation (the core allocates only in
 * coord_new()), commas handled, strings escaped. Errors are sticky: after an overflow every call
 * is a no-op and json_writer_finish() returns -ENOSPC.
 */
#ifndef STATEBUS_COORD_JSON_WRITER_H
#define STATEBUS_COORD_JSON_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct JsonWriter {
    char *buf; /* borrowed */
    size_t size;
    size_t len;
    bool overflow;
    bool need_comma;
} JsonWriter;

void json_writer_init(JsonWriter *w, char *buf, size_t size);
void json_object_begin(JsonWriter *w);
void json_object_end(JsonWriter *w);
void json_array_begin(JsonWriter *w);
void json_array_end(JsonWriter *w);
/* "key": (the value follows) */
void json_key(JsonWriter *w, const char *key);
void json_string(JsonWriter *w, const char *s);
void json_uint(JsonWriter *w, uint64_t value);
void json_bool(JsonWriter *w, bool value);
void json_null(JsonWriter *w);
/* A string of lowercase hex digits. */
void json_hex(JsonWriter *w, const uint8_t *data, size_t len);
/* NUL-terminates; returns the length without the NUL, or -ENOSPC. */
int json_writer_finish(JsonWriter *w);

#endif
