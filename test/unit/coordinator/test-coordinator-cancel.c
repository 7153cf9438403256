/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Cancel and joining (topics/README.md "Cancel", "Joining"): an operator ends a queued or active
 * request by id; a request identical to the queued one joins it and ends with it.
 */
/* cmocka.h needs these four first. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <stdio.h>
#include <string.h>

#include "coord-harness.h"

static Harness *gated_system(void)
{
    CoordConfig cfg = harness_config(2);
    Harness *h = harness_new(&cfg);
    static const ScriptLine script[] = {
        { "connect", "persist rebirth" },
        { "birth 1", "" },
        { "birth 2 bmc=NotReady", "" },
    };

    HARNESS_SCRIPT(h, script);
    return h;
}

static const CoordActions *cancel(Harness *h, const char *id, const char *reply)
{
    CoordEvent ev = { .kind = COORD_EV_CANCEL };

    (void) snprintf(ev.cancel.id, sizeof(ev.cancel.id), "%s", id);
    if (reply) {
        (void) snprintf(ev.reply_to.topic, sizeof(ev.reply_to.topic), "%s", reply);
    }
    return harness_feed(h, &ev);
}

static const SbEvent *only_event(const CoordActions *a, SbEventKind kind)
{
    const SbEvent *found = NULL;

    for (size_t i = 0; i < a->n; i++) {
        if (a->items[i].kind == COORD_ACT_PUBLISH_EVENT && a->items[i].event.kind == kind) {
            assert_null(found);
            found = &a->items[i].event;
        }
    }
    assert_non_null(found);
    return found;
}

static void test_identical_request_joins_the_queued_one(void **state)
{
    Harness *h = gated_system();
    static const ScriptLine script[] = {
        { "request host On id=r1", "persist queued:r1" },
        /* Not "cancelled:r1 replaced by r2": the first waiter is not failed. */
        { "request host On id=r2", "queued:r2" },
        /* The same id again is a duplicate, as for any queued id. */
        { "request host On id=r2", "duplicate:r2" },
        { "state 2 bmc Ready", "persist dispatch:host:r1 dispatched:r1 dispatched:r2" },
        { "state 1 host Running", "" },
        { "state 2 host Running", "persist completed:r1 completed:r2" },
    };
    const CoordAction *joined;

    (void) state;
    harness_run(h, script[0].input);
    assert_string_equal(harness_run(h, script[1].input), script[1].expect);
    joined = harness_find_event(h, SB_EVENT_QUEUED, "r2");
    assert_non_null(joined);
    assert_string_equal(joined->event.why, "joined r1, which is waiting for BMC Ready on node 2");
    for (size_t i = 2; i < sizeof(script) / sizeof(script[0]); i++) {
        const char *got = harness_run(h, script[i].input);

        if (strstr(script[i].expect, "completed") || strstr(script[i].expect, "dispatch")) {
            assert_non_null(strstr(got, script[i].expect));
        } else if (script[i].expect[0]) {
            assert_string_equal(got, script[i].expect);
        }
    }
    joined = harness_find_event(h, SB_EVENT_COMPLETED, "r2");
    assert_non_null(joined);
    assert_non_null(strstr(joined->event.why, "(joined r1)"));
    harness_free(h);
}

static void test_different_request_still_replaces(void **state)
{
    Harness *h = gated_system();
    static const ScriptLine script[] = {
        { "request host On id=r1", "persist queued:r1" },
        { "request host Reboot id=r2", "persist cancelled:r1 queued:r2" },
    };

    (void) state;
    HARNESS_SCRIPT(h, script);
    harness_free(h);
}

static void test_cancel_queued_request(void **state)
{
    Harness *h = gated_system();
    const SbEvent *e;

    (void) state;
    harness_run(h, "request host On id=r1");
    harness_run(h, "request host On id=r2");
    (void) cancel(h, "r1", "statebus/system/reply/x");
    e = &harness_find_event(h, SB_EVENT_CANCELLED, "r1")->event;
    assert_string_equal(e->id, "r1");
    assert_non_null(strstr(e->why, "queued, nothing was dispatched"));
    /* The joiner ends with it; nothing goes to the nodes when the gate opens. */
    assert_non_null(harness_find_event(h, SB_EVENT_CANCELLED, "r2"));
    assert_string_equal(harness_run(h, "state 2 bmc Ready"), "");
    assert_null(harness_find_dispatch(h, SB_TARGET_HOST));
    harness_free(h);
}

static void test_cancel_joiner_leaves_the_first(void **state)
{
    Harness *h = gated_system();
    const SbEvent *e;

    (void) state;
    harness_run(h, "request host On id=r1");
    harness_run(h, "request host On id=r2");
    e = only_event(cancel(h, "r2", NULL), SB_EVENT_CANCELLED);
    assert_string_equal(e->id, "r2");
    assert_non_null(strstr(harness_run(h, "state 2 bmc Ready"), "dispatched:r1"));
    assert_null(harness_find_event(h, SB_EVENT_DISPATCHED, "r2"));
    harness_free(h);
}

static void test_cancel_active_request_sends_nothing(void **state)
{
    Harness *h = gated_system();
    const CoordActions *a;
    const SbEvent *e;

    (void) state;
    harness_run(h, "state 2 bmc Ready");
    assert_non_null(strstr(harness_run(h, "request host On id=r1"), "dispatch:host:r1"));
    a = cancel(h, "r1", NULL);
    e = only_event(a, SB_EVENT_CANCELLED);
    assert_non_null(strstr(e->why, "already dispatched"));
    for (size_t i = 0; i < a->n; i++) {
        assert_int_not_equal(a->items[i].kind, COORD_ACT_DISPATCH);
    }
    /* No longer followed: reaching Running completes nothing. */
    harness_run(h, "state 1 host Running");
    harness_run(h, "state 2 host Running");
    assert_null(harness_find_event(h, SB_EVENT_COMPLETED, "r1"));
    harness_free(h);
}

static void test_cancel_unknown_or_ended_is_rejected(void **state)
{
    Harness *h = gated_system();
    const CoordActions *a;
    const SbEvent *e;

    (void) state;
    a = cancel(h, "nope", "statebus/system/reply/x");
    e = only_event(a, SB_EVENT_REJECTED);
    assert_string_equal(e->id, "nope");
    assert_string_equal(e->why, "nothing to cancel: no queued or active request has id nope");
    for (size_t i = 0; i < a->n; i++) {
        if (a->items[i].kind == COORD_ACT_PUBLISH_EVENT) {
            assert_string_equal(a->items[i].reply_to.topic, "statebus/system/reply/x");
        }
    }
    harness_run(h, "request host On id=r1");
    harness_run(h, "request host Off id=off");
    /* r1 ended cancelled by the Off, which itself completed at once (every host is Off). */
    e = only_event(cancel(h, "off", NULL), SB_EVENT_REJECTED);
    assert_string_equal(e->why, "nothing to cancel: request off already ended completed");
    harness_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_identical_request_joins_the_queued_one),
        cmocka_unit_test(test_different_request_still_replaces),
        cmocka_unit_test(test_cancel_queued_request),
        cmocka_unit_test(test_cancel_joiner_leaves_the_first),
        cmocka_unit_test(test_cancel_active_request_sends_nothing),
        cmocka_unit_test(test_cancel_unknown_or_ended_is_rejected),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
