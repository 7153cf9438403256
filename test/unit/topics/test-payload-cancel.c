/* SPDX-License-Identifier: Apache-2.0 */
/* Cancel requests on system/set/cancel (issue #15): an object with "id", or the bare id. */
/* cmocka.h needs these four first. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "statebus/payload.h"

#include "payload-test-util.h"

static SbCancel decoded;

static int decode_object(const void *p, size_t len, const char **why)
{
    return sb_cancel_decode(p, len, false, &decoded, why);
}

static int decode_bare(const void *p, size_t len, const char **why)
{
    return sb_cancel_decode(p, len, true, &decoded, why);
}

static void test_cancel_round_trip(void **state)
{
    SbCancel c = { 0 };
    char buf[SB_PAYLOAD_MAX + 1];
    int n;

    (void) state;
    (void) snprintf(c.id, sizeof(c.id), "%s", "ctl-12-1796190000000");
    (void) snprintf(c.reason, sizeof(c.reason), "%s", "statebusctl cancel");
    n = sb_cancel_encode(&c, buf, sizeof(buf));
    assert_true(n > 0);
    assert_int_equal(test_decode(decode_object, buf, NULL), 0);
    assert_string_equal(decoded.id, c.id);
    assert_string_equal(decoded.reason, c.reason);
    assert_false(decoded.bare);
    /* Nothing to cancel without an id. */
    assert_int_equal(sb_cancel_encode(&(SbCancel){ 0 }, buf, sizeof(buf)), -EINVAL);
}

static void test_cancel_bare_id(void **state)
{
    (void) state;
    assert_int_equal(test_decode(decode_bare, "  r1.a:b-C_2\n", NULL), 0);
    assert_string_equal(decoded.id, "r1.a:b-C_2");
    assert_true(decoded.bare);
    /* Not an id: refused, whether bare or not. */
    test_expect(decode_bare, "two words", -EBADMSG, NULL);
    test_expect(decode_object, "r1", -EBADMSG, NULL);
}

static void test_cancel_refuses_bad_objects(void **state)
{
    (void) state;
    test_expect(decode_object, "{}", -EBADMSG, "id");
    test_expect(decode_object, "{\"id\":\"a b\"}", -EBADMSG, "id");
    test_expect(decode_object, "{\"id\":7}", -EBADMSG, "id");
    test_expect(decode_object, "{\"id\":\"r1\",\"reason\":5}", -EBADMSG, "reason");
    test_expect(decode_object, "{\"id\":\"r1\",\"v\":0}", -EBADMSG, NULL);
    test_expect(decode_object, "[\"r1\"]", -EBADMSG, NULL);
    assert_int_equal(test_decode(decode_object, "{\"id\":\"r1\",\"later\":true}", NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cancel_round_trip),
        cmocka_unit_test(test_cancel_bare_id),
        cmocka_unit_test(test_cancel_refuses_bad_objects),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
