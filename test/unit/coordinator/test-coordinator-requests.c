/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Request life cycle (topics/README.md "The gate" and "Requests"): duplicates, Off cancelling,
 * replacement and superseding, expiry, failure, ids, answers, PERSIST ordering, the single timer
 * and the system/requests view.
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

static Harness *make(uint32_t nodes, uint64_t request_timeout_ms, uint64_t transition_timeout_ms)
{
    CoordConfig cfg = harness_config(nodes);

    cfg.request_timeout_ms = request_timeout_ms;
    cfg.transition_timeout_ms = transition_timeout_ms;
    return harness_new(&cfg);
}

static CoordStats stats(const Harness *h)
{
    CoordStats st;

    coord_stats(h->c, &st);
    return st;
}

static void test_requests_duplicate_id_changes_nothing(void **state)
{
    Harness *h = make(3, 0, 600000);
    static const ScriptLine script[] = {
        { "state 2 bmc NotReady", "" },
        { "request host On id=r1", "persist queued:r1" },
        { "request host On id=r1", "duplicate:r1" },
        /* The id is what counts, whatever the target. */
        { "request chassis Off id=r1", "duplicate:r1" },
        { "state 2 bmc Ready", "persist dispatch:host:r1 dispatched:r1" },
        { "request host On id=r1", "duplicate:r1" },
    };
    const CoordAction *a;

    (void) state;
    harness_bring_up(h);
    HARNESS_SCRIPT(h, script);
    a = harness_find_event(h, SB_EVENT_DUPLICATE, "r1");
    assert_string_equal(a->event.why, "a request with this id is already active");
    assert_int_equal(stats(h).requests_active, 1);
    assert_int_equal(stats(h).requests_pending, 0);
    harness_free(h);
}

static void test_requests_off_during_a_dispatch(void **state)
{
    Harness *h = make(3, 0, 600000);
    static const ScriptLine script[] = {
        { "request host On id=on1", "persist accepted:on1 dispatch:host:on1 dispatched:on1" },
        { "state 1 host Running", "" },
        { "request host Off id=off1",
          "persist accepted:off1 superseded:on1 dispatch:host:off1 dispatched:off1" },
        { "state 2 host Running", "" },
        { "state 2 host Off", "" },
        { "state 1 host Off", "persist completed:off1" },
    };
    const CoordAction *a;

    (void) state;
    harness_bring_up(h);
    harness_run(h, script[0].input);
    harness_run(h, script[1].input);
    assert_string_equal(harness_run(h, script[2].input), script[2].expect);
    /* Its commands were out: superseded, saying how far it got and naming the rest. */
    a = harness_find_event(h, SB_EVENT_SUPERSEDED, "on1");
    assert_string_equal(a->event.why,
                        "superseded by off1 after its commands went out: 1 of 3 nodes reached "
                        "host Running");
    assert_int_equal(a->event.n_nodes, 2);
    assert_int_equal(a->event.nodes[0], 2);
    assert_int_equal(a->event.nodes[1], 3);
    for (size_t i = 3; i < sizeof(script) / sizeof(script[0]); i++) {
        assert_string_equal(harness_run(h, script[i].input), script[i].expect);
    }
    harness_free(h);
}

static void test_requests_off_cancels_queued_of_both_targets(void **state)
{
    Harness *h = make(3, 0, 600000);
    static const ScriptLine script[] = {
        { "state 3 bmc NotReady", "" },
        { "request chassis On id=c1", "persist queued:c1" },
        { "request host Reboot id=h1", "persist queued:h1" },
        /* BMC requests are not power: an Off leaves them alone. */
        { "request bmc Reboot id=b1 nodes=3", "persist accepted:b1 dispatch:bmc:b1 dispatched:b1" },
        /* Every host is Off already: the Off completes at once. */
        { "request host Off id=off",
          "persist accepted:off cancelled:c1 cancelled:h1 dispatch:host:off dispatched:off "
          "persist completed:off" },
        /* Nothing is left to release when the gate opens. */
        { "state 3 bmc Ready", "persist completed:b1" },
    };

    (void) state;
    harness_bring_up(h);
    HARNESS_SCRIPT(h, script);
    assert_int_equal(stats(h).requests_pending, 0);
    assert_int_equal(stats(h).requests_active, 0);
    harness_free(h);
}

static void test_requests_newer_replaces_queued(void **state)
{
    Harness *h = make(3, 0, 600000);
    static const ScriptLine script[] = {
        { "state 3 bmc NotReady", "" },
        { "request host On id=r1", "persist queued:r1" },
        { "request host Reboot id=r2", "persist cancelled:r1 queued:r2" },
        /* One queued request per target: the chassis one does not replace the host one. */
        { "request chassis On id=c1", "persist queued:c1" },
        { "state 3 bmc Ready",
          "persist dispatch:host:r2 dispatched:r2 dispatch:chassis:c1 dispatched:c1" },
    };
    const CoordAction *a;

    (void) state;
    harness_bring_up(h);
    harness_run(h, script[0].input);
    harness_run(h, script[1].input);
    assert_string_equal(harness_run(h, script[2].input), script[2].expect);
    a = harness_find_event(h, SB_EVENT_CANCELLED, "r1");
    assert_string_equal(a->event.why, "replaced by r2");
    for (size_t i = 3; i < sizeof(script) / sizeof(script[0]); i++) {
        assert_string_equal(harness_run(h, script[i].input), script[i].expect);
    }
    harness_free(h);
}

static void test_requests_queued_supersedes_active_when_dispatched(void **state)
{
    Harness *h = make(3, 0, 600000);
    static const ScriptLine script[] = {
        { "request host On id=a1", "persist accepted:a1 persist dispatch:host:a1 dispatched:a1" },
        { "state 3 bmc NotReady", "" },
        /* The active request keeps running while the newer one waits... */
        { "request host Reboot id=r2", "persist queued:r2" },
        /* ...and is superseded when the newer one goes out. */
        { "state 3 bmc Ready", "persist superseded:a1 dispatch:host:r2 dispatched:r2" },
    };
    const CoordAction *a;

    (void) state;
    harness_bring_up(h);
    HARNESS_SCRIPT(h, script);
    a = harness_find_event(h, SB_EVENT_SUPERSEDED, "a1");
    assert_string_equal(a->event.why,
                        "superseded by r2 after its commands went out: 0 of 3 nodes reached "
                        "host Running");
    harness_free(h);
}

static void test_requests_queued_expire_after_request_timeout(void **state)
{
    Harness *h = make(3, 5000, 600000);
    static const ScriptLine script[] = {
        { "state 2 bmc NotReady", "" }, { "request host On id=r1", "persist queued:r1" },
        { "advance 4999", "" },         { "advance 1", "persist expired:r1" },
        { "state 2 bmc Ready", "" },
    };
    const CoordAction *a;

    (void) state;
    harness_bring_up(h);
    harness_run(h, script[0].input);
    harness_run(h, script[1].input);
    assert_int_equal(h->armed_at_ms, h->now_ms + 5000);
    harness_run(h, script[2].input);
    assert_string_equal(harness_run(h, script[3].input), script[3].expect);
    a = harness_find_event(h, SB_EVENT_EXPIRED, "r1");
    assert_int_equal(a->event.n_nodes, 1);
    assert_int_equal(a->event.nodes[0], 2);
    assert_int_equal(h->armed_at_ms, 0);
    assert_string_equal(harness_run(h, script[4].input), script[4].expect);
    assert_int_equal(harness_count(h, COORD_ACT_DISPATCH), 0);
    harness_free(h);
}

static void test_requests_transition_timeout_fails_with_nodes(void **state)
{
    Harness *h = make(5, 0, 10000);
    static const ScriptLine script[] = {
        { "request host On id=r1", "persist accepted:r1 persist dispatch:host:r1 dispatched:r1" },
        { "state 1 host Running", "" },
        { "state 3 host Running", "" },
        { "advance 9999", "" },
        { "advance 1", "persist failed:r1" },
    };
    const CoordAction *a;

    (void) state;
    harness_bring_up(h);
    HARNESS_SCRIPT(h, script);
    a = harness_find_event(h, SB_EVENT_FAILED, "r1");
    assert_int_equal(a->event.n_nodes, 3);
    assert_int_equal(a->event.nodes[0], 2);
    assert_int_equal(a->event.nodes[1], 4);
    assert_int_equal(a->event.nodes[2], 5);
    assert_int_equal(a->event.nodes_omitted, 0);
    assert_string_equal(a->event.why, "3 of 5 nodes did not reach host Running within 10 s");
    assert_int_equal(stats(h).requests_active, 0);
    harness_free(h);
}

static void test_requests_failure_caps_listed_nodes(void **state)
{
    Harness *h = make(100, 0, 10000);
    const CoordAction *a;

    (void) state;
    harness_bring_up(h);
    harness_run(h, "request chassis On id=big");
    harness_run(h, "state 7 chassis On");
    harness_run(h, "advance 10000");
    a = harness_find_event(h, SB_EVENT_FAILED, "big");
    assert_non_null(a);
    assert_int_equal(a->event.n_nodes, SB_EVENT_NODES_MAX);
    assert_int_equal(a->event.nodes_omitted, 99 - SB_EVENT_NODES_MAX);
    for (size_t i = 0; i < a->event.n_nodes; i++) {
        assert_int_not_equal(a->event.nodes[i], 7);
    }
    harness_free(h);
}

static void test_requests_single_timer_tracks_the_earliest_deadline(void **state)
{
    Harness *h = make(3, 5000, 20000);
    uint64_t t0;

    (void) state;
    harness_bring_up(h);
    assert_int_equal(h->armed_at_ms, 0);
    t0 = h->now_ms;
    harness_run(h, "request chassis On id=c1");
    assert_int_equal(h->armed_at_ms, t0 + 20000);
    harness_run(h, "advance 1000");
    harness_run(h, "state 1 bmc NotReady");
    harness_run(h, "request host On id=h1");
    assert_int_equal(h->armed_at_ms, t0 + 1000 + 5000);
    assert_string_equal(harness_run(h, "advance 5000"), "persist expired:h1");
    assert_int_equal(h->armed_at_ms, t0 + 20000);
    harness_run(h, "state 1 chassis On");
    harness_run(h, "state 2 chassis On");
    assert_string_equal(harness_run(h, "state 3 chassis On"), "persist completed:c1");
    /* Nothing left: disarmed. */
    assert_int_equal(h->armed_at_ms, 0);
    harness_free(h);
}

static void test_requests_ids_assigned_when_missing(void **state)
{
    Harness *h = make(2, 0, 600000);
    static const ScriptLine script[] = {
        { "request chassis On",
          "persist accepted:c1-1 persist dispatch:chassis:c1-1 dispatched:c1-1" },
        { "request chassis Off", "persist accepted:c1-2 superseded:c1-1 dispatch:chassis:c1-2 "
                                 "dispatched:c1-2 persist completed:c1-2" },
        { "disconnect", "" },
        /* Acknowledged less than COORD_ANNOUNCE_SETTLE_MS before the loss: replayed (#13). */
        { "connect", "persist rebirth superseded:c1-1 completed:c1-2" },
        /* Rejected requests get an id too, so the answer can be matched. */
        { "request chassis On nodes=1", "persist rejected:c2-3" },
    };

    (void) state;
    harness_bring_up(h);
    HARNESS_SCRIPT(h, script);
    harness_free(h);
}

static void test_requests_answers_carry_reply_to(void **state)
{
    Harness *h = make(2, 0, 600000);
    const CoordAction *a;

    (void) state;
    harness_bring_up(h);
    harness_run(h, "request host On id=r1 reply=statebus/system/reply/cli-1");
    for (SbEventKind k = SB_EVENT_ACCEPTED; k <= SB_EVENT_DISPATCHED; k++) {
        if (k == SB_EVENT_QUEUED) {
            continue;
        }
        a = harness_find_event(h, k, "r1");
        assert_non_null(a);
        assert_string_equal(a->reply_to.topic, "statebus/system/reply/cli-1");
        assert_int_equal(a->reply_to.correlation_len, 2);
        assert_int_equal(a->reply_to.correlation[0], 0xab);
        assert_int_equal(a->event.target, SB_TARGET_HOST);
        assert_int_equal(a->event.transition, SB_TRANSITION_ON);
        assert_int_equal(a->event.time_ms, h->now_ms);
    }
    /* A duplicate is answered on the duplicate's own response topic. */
    harness_run(h, "request host On id=r1 reply=statebus/system/reply/cli-2");
    a = harness_find_event(h, SB_EVENT_DUPLICATE, "r1");
    assert_string_equal(a->reply_to.topic, "statebus/system/reply/cli-2");
    /* Later events of the request go to the original requester. */
    harness_run(h, "request host Off id=r2");
    a = harness_find_event(h, SB_EVENT_SUPERSEDED, "r1");
    assert_string_equal(a->reply_to.topic, "statebus/system/reply/cli-1");
    a = harness_find_event(h, SB_EVENT_ACCEPTED, "r2");
    assert_string_equal(a->reply_to.topic, "");
    harness_free(h);
}

static void test_requests_invalid_requests_rejected(void **state)
{
    Harness *h = make(3, 0, 600000);
    static const ScriptLine script[] = {
        /* A transition the target does not have: answered, not recorded. */
        { "request chassis Reboot id=x1", "rejected:x1" },
        { "request bmc On id=x2", "rejected:x2" },
        { "request host HardReboot id=x3", "rejected:x3" },
        /* No target: nothing to record. */
        { "request nowhere On id=x4", "rejected:x4" },
        /* An invalid id is not echoed (the event could not be encoded with it). */
        { "request host On id=bad/id", "rejected@0" },
    };
    const CoordAction *a;
    SbSummaryMsg sum;

    (void) state;
    harness_bring_up(h);
    harness_run(h, script[0].input);
    a = harness_find_event(h, SB_EVENT_REJECTED, "x1");
    assert_string_equal(a->event.why, "transition Reboot is not valid for chassis");
    for (size_t i = 1; i < sizeof(script) / sizeof(script[0]); i++) {
        assert_string_equal(harness_run(h, script[i].input), script[i].expect);
    }
    assert_int_equal(coord_summary_build(h->c, h->now_ms, &sum), 0);
    assert_int_equal(sum.rejected_total, 5);
    assert_int_equal(stats(h).requests_active, 0);
    harness_free(h);
}

/* Every batch that reveals a queue or active change starts with PERSIST (the harness also checks
 * that PERSIST is never anywhere but first). */
static void test_requests_persist_precedes_every_change(void **state)
{
    static const char *const inputs[] = {
        "state 2 bmc NotReady",
        "request host On id=a",
        "request host Reboot id=b",
        "request chassis PowerCycle id=c",
        "request bmc Reboot id=d nodes=1",
        "state 2 bmc Ready",
        "state 1 bmc NotReady",
        "request chassis Off id=e",
        "request host On id=f",
        "state 1 bmc Ready",
        "advance 600000",
        "request host Off",
    };
    Harness *h = make(2, 0, 600000);

    (void) state;
    harness_bring_up(h);
    for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
        const char *d = harness_run(h, inputs[i]);
        bool reveals = harness_count(h, COORD_ACT_DISPATCH) > 0 ||
                       (harness_count(h, COORD_ACT_PUBLISH_EVENT) > 0 &&
                        !harness_find_event(h, SB_EVENT_DUPLICATE, NULL));

        if (reveals) {
            /* Every batch that reveals starts with PERSIST (harness_feed checks each batch). */
            assert_true(strncmp(d, "persist", 7) == 0);
        }
    }
    harness_free(h);
}

static void test_requests_view_lists_pending_active_and_last(void **state)
{
    Harness *h = make(3, 5000, 600000);
    SbRequestsMsg m;

    (void) state;
    harness_bring_up(h);
    harness_run(h, "request bmc Reboot id=b1 nodes=2");
    harness_run(h, "status 2 lost");
    harness_run(h, "birth 2");
    harness_run(h, "request chassis On id=c1");
    harness_run(h, "state 1 chassis On");
    harness_run(h, "state 3 bmc NotReady");
    harness_run(h, "request host On id=h1");
    harness_run(h, "request chassis Off id=c2");
    harness_run(h, "state 1 chassis On");
    harness_run(h, "request host On id=h2");
    assert_int_equal(coord_requests_build(h->c, h->now_ms, &m), 0);
    assert_false(m.gate_open);
    assert_int_equal(m.not_ready, 1);
    assert_int_equal(m.waiting_for[0], 3);
    assert_int_equal(m.time_ms, h->now_ms);
    /* pending h2; active c2; last: chassis c1 (cancelled), host h1 (cancelled), bmc b1. */
    assert_int_equal(m.n_requests, 5);
    assert_int_equal(m.requests[0].phase, SB_REQUEST_PENDING);
    assert_string_equal(m.requests[0].id, "h2");
    assert_int_equal(m.requests[0].deadline_ms, h->now_ms + 5000);
    assert_int_equal(m.requests[0].n_nodes, 1);
    assert_int_equal(m.requests[0].nodes[0], 3);
    assert_int_equal(m.requests[1].phase, SB_REQUEST_ACTIVE);
    assert_string_equal(m.requests[1].id, "c2");
    assert_int_equal(m.requests[1].n_nodes, 1);
    assert_int_equal(m.requests[1].nodes[0], 1);
    assert_string_equal(m.requests[1].why, "waiting for 1 of 3 nodes to reach chassis Off");
    assert_int_equal(m.requests[2].phase, SB_REQUEST_DONE);
    assert_string_equal(m.requests[2].id, "c1");
    assert_int_equal(m.requests[2].result, SB_EVENT_SUPERSEDED);
    assert_string_equal(m.requests[3].id, "h1");
    assert_int_equal(m.requests[3].result, SB_EVENT_CANCELLED);
    assert_string_equal(m.requests[4].id, "b1");
    assert_int_equal(m.requests[4].result, SB_EVENT_COMPLETED);
    assert_int_equal(stats(h).requests_pending, 1);
    assert_int_equal(stats(h).requests_active, 1);
    harness_free(h);
}

static void test_requests_last_requested_state(void **state)
{
    Harness *h = make(2, 0, 600000);

    (void) state;
    harness_bring_up(h);
    assert_int_equal(coord_last_requested(h->c, SB_TARGET_HOST), SB_TRANSITION_NONE);
    harness_run(h, "request host On id=a");
    assert_int_equal(coord_last_requested(h->c, SB_TARGET_HOST), SB_TRANSITION_ON);
    harness_run(h, "state 1 bmc NotReady");
    harness_run(h, "request host Reboot id=b");
    assert_int_equal(coord_last_requested(h->c, SB_TARGET_HOST), SB_TRANSITION_REBOOT);
    /* Rejected requests are not what the operator got. */
    harness_run(h, "request host HardReboot id=c");
    assert_int_equal(coord_last_requested(h->c, SB_TARGET_HOST), SB_TRANSITION_REBOOT);
    harness_run(h, "request chassis Off id=d");
    assert_int_equal(coord_last_requested(h->c, SB_TARGET_CHASSIS), SB_TRANSITION_OFF);
    assert_int_equal(coord_last_requested(h->c, SB_TARGET_BMC), SB_TRANSITION_NONE);
    harness_free(h);
}

static void test_requests_summary_counts(void **state)
{
    Harness *h = make(3, 0, 600000);
    SbSummaryMsg sum;

    (void) state;
    harness_bring_up(h);
    harness_run(h, "state 1 host Running");
    harness_run(h, "status 3 lost");
    harness_run(h, "request host On id=q");
    assert_int_equal(coord_summary_build(h->c, 42, &sum), 0);
    assert_int_equal(sum.time_ms, 42);
    assert_int_equal(sum.nodes_expected, 3);
    assert_int_equal(sum.nodes_online, 2);
    assert_int_equal(sum.nodes_ready, 2);
    assert_int_equal(sum.nodes_stale, 1);
    assert_int_equal(sum.requests_pending, 1);
    assert_int_equal(sum.requests_active, 0);
    assert_int_equal(sum.gate_open, 0);
    assert_int_equal(sum.codes[SB_KIND_BMC], SB_BMC_NOT_READY);
    assert_int_equal(sum.codes[SB_KIND_HOST], SB_HOST_OFF);
    assert_int_equal(sum.codes[SB_KIND_HYPERVISOR], 0);
    assert_int_equal(sum.mixed, 1u << SB_KIND_HOST);
    harness_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_requests_duplicate_id_changes_nothing),
        cmocka_unit_test(test_requests_off_during_a_dispatch),
        cmocka_unit_test(test_requests_off_cancels_queued_of_both_targets),
        cmocka_unit_test(test_requests_newer_replaces_queued),
        cmocka_unit_test(test_requests_queued_supersedes_active_when_dispatched),
        cmocka_unit_test(test_requests_queued_expire_after_request_timeout),
        cmocka_unit_test(test_requests_transition_timeout_fails_with_nodes),
        cmocka_unit_test(test_requests_failure_caps_listed_nodes),
        cmocka_unit_test(test_requests_single_timer_tracks_the_earliest_deadline),
        cmocka_unit_test(test_requests_ids_assigned_when_missing),
        cmocka_unit_test(test_requests_answers_carry_reply_to),
        cmocka_unit_test(test_requests_invalid_requests_rejected),
        cmocka_unit_test(test_requests_persist_precedes_every_change),
        cmocka_unit_test(test_requests_view_lists_pending_active_and_last),
        cmocka_unit_test(test_requests_last_requested_state),
        cmocka_unit_test(test_requests_summary_counts),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
