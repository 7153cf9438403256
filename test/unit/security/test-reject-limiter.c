/* SPDX-License-Identifier: Apache-2.0 */
/* reject-limiter: a burst, then a steady rate, with what it refused counted. Time is an input. */
/* cmocka needs these first, in this order. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include "reject-limiter.h"

#define T0 UINT64_C(1000000)

static unsigned allowed_at(RejectLimiter *l, uint64_t now, unsigned tries)
{
    unsigned n = 0;

    for (unsigned i = 0; i < tries; i++) {
        n += reject_limiter_allow(l, now) ? 1u : 0u;
    }
    return n;
}

static void test_limiter_flood_gets_the_burst_then_nothing(void **state)
{
    RejectLimiter l;

    (void) state;
    reject_limiter_init(&l);
    assert_int_equal(allowed_at(&l, T0, 1000), REJECT_LIMITER_BURST);
    assert_int_equal(reject_limiter_take_suppressed(&l), 1000 - REJECT_LIMITER_BURST);
    assert_int_equal(reject_limiter_take_suppressed(&l), 0);
}

static void test_limiter_refills_at_its_rate(void **state)
{
    RejectLimiter l;

    (void) state;
    reject_limiter_init(&l);
    (void) allowed_at(&l, T0, 1000);
    /* One second later: RATE more, not the whole burst again and not more. */
    assert_int_equal(allowed_at(&l, T0 + 1000, 1000), REJECT_LIMITER_RATE_PER_S);
    /* Half a second: half the rate. */
    assert_int_equal(allowed_at(&l, T0 + 1500, 1000), REJECT_LIMITER_RATE_PER_S / 2);
}

static void test_limiter_quiet_period_restores_the_burst_only(void **state)
{
    RejectLimiter l;

    (void) state;
    reject_limiter_init(&l);
    (void) allowed_at(&l, T0, 1000);
    assert_int_equal(allowed_at(&l, T0 + UINT64_C(3600000), 1000), REJECT_LIMITER_BURST);
}

static void test_limiter_clock_going_back_gives_nothing_extra(void **state)
{
    RejectLimiter l;

    (void) state;
    reject_limiter_init(&l);
    (void) allowed_at(&l, T0, 1000);
    assert_int_equal(allowed_at(&l, T0 - 5000, 10), 0);
    assert_int_equal(allowed_at(&l, UINT64_MAX, 1000), REJECT_LIMITER_BURST);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_limiter_flood_gets_the_burst_then_nothing),
        cmocka_unit_test(test_limiter_refills_at_its_rate),
        cmocka_unit_test(test_limiter_quiet_period_restores_the_burst_only),
        cmocka_unit_test(test_limiter_clock_going_back_gives_nothing_extra),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
