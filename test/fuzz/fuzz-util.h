/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared by the libFuzzer targets: an invariant that does not hold aborts, so libFuzzer keeps the
 * input as a reproducer (crash-<sha1> under the test's artifact prefix) and the ctest run fails.
 */
#ifndef STATEBUS_FUZZ_UTIL_H
#define STATEBUS_FUZZ_UTIL_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "statebus/limits.h"

/* libFuzzer's entry point; declared here so -Wmissing-prototypes stays quiet. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_REQUIRE(cond, what)                                                                \
    do {                                                                                        \
        if (!(cond)) {                                                                          \
            (void) fprintf(stderr, "fuzz: invariant failed at %s:%d: %s\n", __FILE__, __LINE__, \
                           (what));                                                             \
            abort();                                                                            \
        }                                                                                       \
    } while (0)

/* What every decoder promises on failure (topics/include/statebus/payload.h): -EBADMSG or
 * -EMSGSIZE with a static, printable reason; anything longer than SB_PAYLOAD_MAX is -EMSGSIZE. */
static inline void fuzz_check_decode_failure(int r, const char *why, size_t len)
{
    FUZZ_REQUIRE(r == -EBADMSG || r == -EMSGSIZE, "a decoder fails with -EBADMSG or -EMSGSIZE");
    FUZZ_REQUIRE(why != NULL && why[0] != '\0' && strlen(why) < 200, "a decoder says why");
    FUZZ_REQUIRE(len <= SB_PAYLOAD_MAX || r == -EMSGSIZE, "oversized payloads are -EMSGSIZE");
}

/* After a successful decode the value is re-encoded: that must work, except that our canonical
 * form may be longer than the input (a number written as 1e3, an omitted "code") and so exceed
 * SB_PAYLOAD_MAX; in that case there is nothing more to compare. */
static inline bool fuzz_encoded_fits(int len, const char *what)
{
    if (len == -EMSGSIZE) {
        return false;
    }
    FUZZ_REQUIRE(len > 0 && (size_t) len <= SB_PAYLOAD_MAX, what);
    return true;
}

/* The canonical encoding is a fixed point: encode(decode(encode(x))) == encode(x). */
static inline void fuzz_check_same(const char *a, int la, const char *b, int lb)
{
    FUZZ_REQUIRE(la == lb && memcmp(a, b, (size_t) la) == 0,
                 "encode(decode(encode(x))) differs from encode(x)");
}

#endif
