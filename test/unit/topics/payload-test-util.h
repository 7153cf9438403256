/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Helpers shared by the payload codec tests: decoders are fed exact-length heap copies (no NUL
 * after the payload, so ASan catches any over-read), JSON is edited structurally to make each
 * malformed class from one valid payload, and the classes every decoder must refuse are checked
 * in one place.
 */
#ifndef STATEBUS_PAYLOAD_TEST_UTIL_H
#define STATEBUS_PAYLOAD_TEST_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "statebus/enums.h"

/* A decoder under test in one shape; the test keeps the decoded value where it wants it. */
typedef int (*TestDecodeFn)(const void *payload, size_t len, const char **reterr_why);
/* An encoder under test writing one fixed, valid message. */
typedef int (*TestEncodeFn)(char *buf, size_t size);

/* malloc()ed copy of bytes[0..len) of exactly len bytes (at least 1 allocated for len 0). */
void *test_exact_copy(const void *bytes, size_t len);

/* Decode bytes[0..len) (or the string text) from an exact-length heap copy. */
int test_decode_n(TestDecodeFn fn, const void *bytes, size_t len, const char **ret_why);
int test_decode(TestDecodeFn fn, const char *text, const char **ret_why);

/* Asserts the decoder returns expected for text; when expected < 0, that why is set and, when
 * name is not NULL, contains it. */
void test_expect(TestDecodeFn fn, const char *text, int expected, const char *name);

/* valid with the member at path ("a/b/0/c": object keys, array indexes) replaced by the raw
 * JSON text raw, or removed when raw is NULL. Returns a malloc()ed string; fails the test when
 * the path does not exist. */
char *test_json_edit(const char *valid, const char *path, const char *raw);
/* valid with the raw member "key": raw added to the object at path ("" = the root). */
char *test_json_add(const char *valid, const char *path, const char *key, const char *raw);

/* Size of the printed form of valid (to compute padding). */
size_t test_json_len(const char *valid);

/* The classes every decoder refuses whatever its fields: not JSON, trailing data, not an
 * object, oversize (4097 bytes refused, 4096 accepted), nesting (5 levels refused, 4 accepted),
 * invalid UTF-8, raw control characters, \u0000, duplicate key (dup_path), empty payload, every
 * truncation of valid, and a few hundred deterministic byte mutations (no crash, no over-read). */
void test_common_malformed(TestDecodeFn fn, const char *valid, const char *dup_path);

/* Each path: removed -> -EBADMSG naming the field. */
void test_required_fields(TestDecodeFn fn, const char *valid, const char *const *paths);
/* Each path: replaced by every JSON type other than its own -> -EBADMSG naming the field. */
void test_wrong_types(TestDecodeFn fn, const char *valid, const char *const *paths);
/* An integer field with the bounds min..max: min and max accepted; min - 1 (when min > 0),
 * max + 1, -1, 1.5, 1e300 and 2^53 + 2 refused. */
void test_integer_field(TestDecodeFn fn,
                        const char *valid,
                        const char *path,
                        uint64_t min,
                        uint64_t max);
/* A text field of at most bound bytes: bound accepted, bound + 1 -> -EMSGSIZE; escaped control
 * characters and raw invalid UTF-8 in it refused. */
void test_text_field(TestDecodeFn fn, const char *valid, const char *path, size_t bound);
/* An enum field: every value of type decodes (and "Unknown" when unknown_ok); "Unknown"
 * otherwise, a wrong case, padding and a made-up word are refused. */
void test_enum_field(TestDecodeFn fn,
                     const char *valid,
                     const char *path,
                     SbEnumType type,
                     bool unknown_ok);

/* The encoder's output fits a buffer of exactly len + 1 bytes and no smaller one (-EMSGSIZE),
 * and matches expected when that is not NULL. */
void test_encoder_bounds(TestEncodeFn fn, const char *expected);

#endif
