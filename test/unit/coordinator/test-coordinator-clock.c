/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Clock offsets (topics/README.md "Clock offsets"): the estimate from heartbeats, robust to a
 * single late heartbeat; one clock-drift event per crossing of the bound, with hysteresis, and
 * "back within bound" on the way back.
 */
/* cmocka.h needs these four first. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "coord-harness.h"

static Harness *make(uint64_t bound_ms)
{
    CoordConfig cfg = harness_config(2);
    Harness *h;

    cfg.clock_drift_ms = bound_ms;
    h = harness_new(&cfg);
    harness_bring_up(h);
    return h;
}

/* The why of the last clock-drift event beats() saw. */
static char last_why[SB_WHY_MAX + 1];

/* n heartbeats of node 1, one per second, its clock offset_ms from ours; out gets the
 * descriptions of what they produced, joined. */
static void beats(Harness *h, unsigned n, int64_t offset_ms, char *out, size_t size)
{
    char input[64];

    out[0] = '\0';
    for (unsigned i = 0; i < n; i++) {
        const char *got;

        h->now_ms += 1000;
        (void) snprintf(input, sizeof(input), "heartbeat 1 offset=%" PRId64, offset_ms);
        got = harness_run(h, input);
        if (harness_find_event_kind(h, SB_EVENT_CLOCK_DRIFT, 0)) {
            (void) snprintf(last_why, sizeof(last_why), "%s",
                            harness_find_event_kind(h, SB_EVENT_CLOCK_DRIFT, 0)->event.why);
        }
        if (got[0]) {
            size_t len = strlen(out);

            (void) snprintf(out + len, size - len, "%s%s", len ? " " : "", got);
        }
    }
}

static int64_t offset_of(const Harness *h, uint32_t node)
{
    int64_t v = 0;

    assert_int_equal(coord_clock_offset(h->c, node, &v), 0);
    return v;
}

static void test_clock_offset_estimate(void **state)
{
    Harness *h = make(2000);
    char got[512];
    int64_t v;

    (void) state;
    assert_int_equal(coord_clock_offset(h->c, 1, &v), -ENOENT);
    assert_int_equal(coord_clock_offset(h->c, 0, &v), -EINVAL);
    assert_int_equal(coord_clock_offset(h->c, 3, &v), -EINVAL);
    beats(h, 3, 150, got, sizeof(got));
    assert_int_equal(offset_of(h, 1), 150);
    /* Transit delay makes samples smaller than the truth; the smallest magnitude wins. */
    beats(h, 2, -40, got, sizeof(got));
    assert_int_equal(offset_of(h, 1), -40);
    harness_free(h);
}

static void test_clock_drift_raised_once_and_cleared_with_hysteresis(void **state)
{
    Harness *h = make(2000);
    const CoordAction *ev;
    char got[1024];

    (void) state;
    /* Below 4 samples nothing is judged. */
    beats(h, 3, 2500, got, sizeof(got));
    assert_string_equal(got, "");
    beats(h, 1, 2500, got, sizeof(got));
    assert_string_equal(got, "clock-drift@1");
    ev = harness_find_event_kind(h, SB_EVENT_CLOCK_DRIFT, 0);
    assert_non_null(ev);
    assert_string_equal(ev->event.why, "clock offset +2500 ms (node time - coordinator time) "
                                       "exceeds the 2000 ms bound");
    assert_int_equal(ev->event.node, 1);
    /* Once per crossing: staying out raises nothing more. */
    beats(h, 20, 2600, got, sizeof(got));
    assert_string_equal(got, "");
    /* Hovering just under the bound is not "back": the hysteresis is 3/4 of the bound. */
    beats(h, 20, 1800, got, sizeof(got));
    assert_string_equal(got, "");
    beats(h, 20, 1400, got, sizeof(got));
    assert_string_equal(got, "clock-drift@1");
    assert_string_equal(last_why, "clock offset back within bound: +1400 ms (bound 2000 ms)");
    /* A negative offset crosses the same bound. */
    beats(h, 20, -3000, got, sizeof(got));
    assert_string_equal(got, "clock-drift@1");
    harness_free(h);
}

static void test_clock_single_late_heartbeat_is_not_drift(void **state)
{
    Harness *h = make(2000);
    char got[512];

    (void) state;
    beats(h, 8, 20, got, sizeof(got));
    /* One heartbeat delayed 5 s (a stalled broker) among good ones. */
    beats(h, 1, -5000, got, sizeof(got));
    assert_string_equal(got, "");
    beats(h, 8, 20, got, sizeof(got));
    assert_string_equal(got, "");
    assert_int_equal(offset_of(h, 1), 20);
    harness_free(h);
}

static void test_clock_new_session_starts_over(void **state)
{
    Harness *h = make(2000);
    char got[512];

    (void) state;
    beats(h, 10, 5000, got, sizeof(got));
    assert_string_equal(got, "clock-drift@1");
    /* The BMC rebooted with its clock fixed: old samples are forgotten, and "back" follows. */
    harness_run(h, "birth 1");
    beats(h, 3, 10, got, sizeof(got));
    assert_string_equal(got, "");
    beats(h, 1, 10, got, sizeof(got));
    assert_string_equal(got, "clock-drift@1");
    assert_non_null(strstr(last_why, "back within bound"));
    harness_free(h);
}

static void test_clock_only_live_heartbeats_of_the_session_count(void **state)
{
    Harness *h = make(2000);
    char got[512];
    int64_t v;

    (void) state;
    /* A heartbeat of another epoch (a late one of the previous session) is not a sample. */
    for (int i = 0; i < 10; i++) {
        h->now_ms += 1000;
        harness_run(h, "heartbeat 1 epoch=7 offset=9000");
    }
    assert_int_equal(coord_clock_offset(h->c, 1, &v), -ENOENT);
    /* Off: no events whatever the offset. */
    harness_free(h);
    h = make(0);
    beats(h, 20, 60000, got, sizeof(got));
    assert_string_equal(got, "");
    assert_int_equal(offset_of(h, 1), 60000);
    harness_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clock_offset_estimate),
        cmocka_unit_test(test_clock_drift_raised_once_and_cleared_with_hysteresis),
        cmocka_unit_test(test_clock_single_late_heartbeat_is_not_drift),
        cmocka_unit_test(test_clock_new_session_starts_over),
        cmocka_unit_test(test_clock_only_live_heartbeats_of_the_session_count),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
