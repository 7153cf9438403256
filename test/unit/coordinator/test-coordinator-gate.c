/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The power-on gate (topics/README.md "The gate"): gated transitions wait until every expected
 * node is Ready and are then dispatched exactly once, to every node.
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

static Harness *make(uint32_t nodes, CoordWhenNotReady when, bool allow_partial)
{
    CoordConfig cfg = harness_config(nodes);

    cfg.when_not_ready = when;
    cfg.allow_partial = allow_partial;
    return harness_new(&cfg);
}

static CoordStats stats(const Harness *h)
{
    CoordStats st;

    coord_stats(h->c, &st);
    return st;
}

static void assert_dispatched_to_all(const Harness *h, SbTarget target, uint32_t nodes)
{
    const CoordAction *a = harness_find_dispatch(h, target);
    uint32_t got[HARNESS_NODES_MAX];
    size_t n;

    assert_non_null(a);
    n = harness_dispatch_nodes(h, a, got, HARNESS_NODES_MAX);
    assert_int_equal(n, nodes);
    for (uint32_t i = 0; i < nodes; i++) {
        assert_int_equal(got[i], i + 1);
    }
    assert_int_equal(a->command.deadline_ms, h->now_ms + h->cfg.command_ttl_ms);
}

static void test_gate_opens_on_the_last_ready(void **state)
{
    Harness *h = make(3, COORD_WHEN_NOT_READY_QUEUE, false);
    static const ScriptLine script[] = {
        { "connect", "persist rebirth" },
        { "birth 1-2", "" },
        { "birth 3 bmc=NotReady", "" },
        { "request host On id=r1", "persist queued:r1" },
        { "state 1 host Standby", "" },
        { "state 3 bmc Ready", "persist dispatch:host:r1 dispatched:r1" },
        /* Exactly once. */
        { "state 3 bmc Ready", "" },
        { "rebirth 1-3", "" },
    };
    const CoordAction *queued;

    (void) state;
    harness_run(h, script[0].input);
    harness_run(h, script[1].input);
    harness_run(h, script[2].input);
    harness_run(h, script[3].input);
    queued = harness_find_event(h, SB_EVENT_QUEUED, "r1");
    assert_non_null(queued);
    assert_int_equal(queued->event.n_nodes, 1);
    assert_int_equal(queued->event.nodes[0], 3);
    assert_string_equal(queued->event.why, "waiting for BMC Ready on node 3");
    harness_run(h, script[4].input);
    assert_string_equal(harness_run(h, script[5].input), script[5].expect);
    assert_dispatched_to_all(h, SB_TARGET_HOST, 3);
    assert_string_equal(harness_run(h, script[6].input), script[6].expect);
    assert_string_equal(harness_run(h, script[7].input), script[7].expect);
    harness_free(h);
}

static void test_gate_open_dispatches_at_once(void **state)
{
    Harness *h = make(3, COORD_WHEN_NOT_READY_QUEUE, false);
    static const ScriptLine script[] = {
        { "request chassis On id=a", "persist accepted:a persist dispatch:chassis:a dispatched:a" },
        { "request host Reboot id=b", "persist accepted:b persist dispatch:host:b dispatched:b" },
        { "request chassis PowerCycle id=c",
          "persist accepted:c persist superseded:a dispatch:chassis:c dispatched:c" },
        { "request host GracefulWarmReboot id=d",
          "persist accepted:d persist superseded:b dispatch:host:d dispatched:d" },
        { "request host ForceWarmReboot id=e",
          "persist accepted:e persist superseded:d dispatch:host:e dispatched:e" },
    };

    (void) state;
    harness_bring_up(h);
    HARNESS_SCRIPT(h, script);
    assert_dispatched_to_all(h, SB_TARGET_HOST, 3);
    harness_free(h);
}

static void test_gate_waits_through_flapping_nodes(void **state)
{
    Harness *h = make(3, COORD_WHEN_NOT_READY_QUEUE, false);
    static const ScriptLine script[] = {
        { "state 2 bmc NotReady", "" },
        { "request host On id=r1", "persist queued:r1" },
        /* Node 1 flaps Ready -> NotReady -> Ready while node 2 holds the gate. */
        { "state 1 bmc NotReady", "" },
        { "state 1 bmc Ready", "" },
        /* Node 3 flaps online -> lost -> online. */
        { "status 3 lost", "node-lost@3" },
        { "birth 3", "node-back@3" },
        /* Node 2's BMC reboots before becoming Ready. */
        { "status 2 lost", "node-lost@2" },
        { "birth 2 bmc=NotReady", "node-back@2" },
        { "state 2 bmc Ready", "persist dispatch:host:r1 dispatched:r1" },
        { "state 1 bmc NotReady", "" },
        { "state 1 bmc Ready", "" },
    };

    (void) state;
    harness_bring_up(h);
    HARNESS_SCRIPT(h, script);
    harness_free(h);
}

static void test_gate_node_that_appears_late(void **state)
{
    Harness *h = make(3, COORD_WHEN_NOT_READY_QUEUE, false);
    static const ScriptLine script[] = {
        { "connect", "persist rebirth" },
        { "birth 1-2", "" },
        { "advance 1000", "" },
        /* Node 3 was never heard from: it counts as not Ready. */
        { "request chassis On id=r1", "persist queued:r1" },
        { "advance 3600000", "" },
        { "birth 3", "persist dispatch:chassis:r1 dispatched:r1" },
    };
    SbRequestsMsg m;

    (void) state;
    harness_run(h, script[0].input);
    harness_run(h, script[1].input);
    harness_run(h, script[2].input);
    assert_int_equal(stats(h).nodes_never_seen, 1);
    assert_string_equal(harness_run(h, script[3].input), script[3].expect);
    assert_int_equal(coord_requests_build(h->c, h->now_ms, &m), 0);
    assert_false(m.gate_open);
    assert_int_equal(m.not_ready, 1);
    assert_int_equal(m.n_waiting_for, 1);
    assert_int_equal(m.waiting_for[0], 3);
    assert_int_equal(m.n_requests, 1);
    assert_int_equal(m.requests[0].phase, SB_REQUEST_PENDING);
    assert_int_equal(m.requests[0].nodes[0], 3);
    assert_string_equal(harness_run(h, script[4].input), script[4].expect);
    assert_string_equal(harness_run(h, script[5].input), script[5].expect);
    assert_dispatched_to_all(h, SB_TARGET_CHASSIS, 3);
    harness_free(h);
}

static void test_gate_coordinator_disconnect_closes_it(void **state)
{
    Harness *h = make(3, COORD_WHEN_NOT_READY_QUEUE, false);
    static const ScriptLine script[] = {
        { "disconnect", "" },
        { "request host On id=r1", "persist queued:r1" },
        { "connect", "persist rebirth" },
        /* Retained copies do not open the gate... */
        { "birth 1-3 retained", "" },
        /* ...the live answers to the rebirth do, at the last one. */
        { "rebirth 1-2", "" },
        { "rebirth 3", "persist dispatch:host:r1 dispatched:r1" },
    };

    (void) state;
    harness_bring_up(h);
    assert_true(stats(h).gate_open);
    HARNESS_SCRIPT(h, script);
    harness_free(h);
}

static void test_gate_off_is_never_gated(void **state)
{
    Harness *h = make(3, COORD_WHEN_NOT_READY_QUEUE, false);
    static const ScriptLine script[] = {
        { "state 1 chassis On", "" },
        { "state 1 host Running", "" },
        { "status 2 lost", "node-lost@2" },
        { "request chassis Off id=off1",
          "persist accepted:off1 dispatch:chassis:off1 dispatched:off1" },
        { "request host Off id=off2",
          "persist accepted:off2 superseded:off1 dispatch:host:off2 dispatched:off2" },
        /* BMC reboots are never gated either. */
        { "request bmc Reboot id=b1", "persist accepted:b1 dispatch:bmc:b1 dispatched:b1" },
    };

    (void) state;
    harness_bring_up(h);
    HARNESS_SCRIPT(h, script);
    harness_free(h);
}

static void test_gate_when_not_ready_reject(void **state)
{
    Harness *h = make(3, COORD_WHEN_NOT_READY_REJECT, false);
    static const ScriptLine script[] = {
        { "state 2 bmc NotReady", "" },
        { "status 3 lost", "node-lost@3" },
        { "request host On id=r1", "persist rejected:r1" },
        /* Every chassis is Off already, but node 3 is down: it never got the command, so r2
         * cannot complete by its own effect (issue #13) until node 3 carries it out. */
        { "request chassis Off id=r2", "persist accepted:r2 dispatch:chassis:r2 dispatched:r2" },
        { "state 2 bmc Ready", "" },
        { "birth 3", "node-back@3" },
        { "state 3 chassis Off req=r2", "persist completed:r2" },
        { "request host On id=r3", "persist accepted:r3 persist dispatch:host:r3 dispatched:r3" },
    };
    const CoordAction *rejected;

    (void) state;
    harness_bring_up(h);
    harness_run(h, script[0].input);
    harness_run(h, script[1].input);
    assert_string_equal(harness_run(h, script[2].input), script[2].expect);
    rejected = harness_find_event(h, SB_EVENT_REJECTED, "r1");
    assert_non_null(rejected);
    assert_int_equal(rejected->event.n_nodes, 2);
    assert_int_equal(rejected->event.nodes[0], 2);
    assert_int_equal(rejected->event.nodes[1], 3);
    assert_string_equal(rejected->event.why, "BMC not Ready on nodes 2,3");
    for (size_t i = 3; i < sizeof(script) / sizeof(script[0]); i++) {
        assert_string_equal(harness_run(h, script[i].input), script[i].expect);
    }
    harness_free(h);
}

static void test_gate_partial_requires_allow_partial(void **state)
{
    Harness *h = make(3, COORD_WHEN_NOT_READY_QUEUE, false);
    static const ScriptLine script[] = {
        { "request host On id=p1 nodes=2", "persist rejected:p1" },
        { "request chassis Off id=p2 nodes=1,3", "persist rejected:p2" },
        /* A single BMC's reboot is always allowed, gate open or not. */
        { "state 1 bmc NotReady", "" },
        { "request bmc Reboot id=b1 nodes=2", "persist accepted:b1 dispatch:bmc:b1 dispatched:b1" },
    };
    const CoordAction *a;
    uint32_t nodes[HARNESS_NODES_MAX];

    (void) state;
    harness_bring_up(h);
    harness_run(h, script[0].input);
    a = harness_find_event(h, SB_EVENT_REJECTED, "p1");
    assert_non_null(a);
    assert_non_null(strstr(a->event.why, "--allow-partial"));
    for (size_t i = 1; i < sizeof(script) / sizeof(script[0]); i++) {
        assert_string_equal(harness_run(h, script[i].input), script[i].expect);
    }
    a = harness_find_dispatch(h, SB_TARGET_BMC);
    assert_int_equal(harness_dispatch_nodes(h, a, nodes, HARNESS_NODES_MAX), 1);
    assert_int_equal(nodes[0], 2);
    harness_free(h);
}

static void test_gate_partial_with_allow_partial_goes_through_the_gate(void **state)
{
    Harness *h = make(3, COORD_WHEN_NOT_READY_QUEUE, true);
    static const ScriptLine script[] = {
        { "request chassis On id=p1 nodes=3,1",
          "persist accepted:p1 dispatch:chassis:p1 dispatched:p1" },
        /* A partial power-on still needs every node Ready. */
        { "state 2 bmc NotReady", "" },
        { "request host On id=p2 nodes=1", "persist queued:p2" },
        { "state 2 bmc Ready", "persist dispatch:host:p2 dispatched:p2" },
        { "request host Off id=p3 nodes=9", "persist rejected:p3" },
        { "request host Off id=p4 nodes=0", "persist rejected:p4" },
        { "request host Off id=p5 nodes=2,2", "persist rejected:p5" },
    };
    const CoordAction *a;
    uint32_t nodes[HARNESS_NODES_MAX];

    (void) state;
    harness_bring_up(h);
    harness_run(h, script[0].input);
    a = harness_find_dispatch(h, SB_TARGET_CHASSIS);
    assert_int_equal(harness_dispatch_nodes(h, a, nodes, HARNESS_NODES_MAX), 2);
    assert_int_equal(nodes[0], 1);
    assert_int_equal(nodes[1], 3);
    a = harness_find_event(h, SB_EVENT_DISPATCHED, "p1");
    assert_int_equal(a->event.n_nodes, 2);
    for (size_t i = 1; i < sizeof(script) / sizeof(script[0]); i++) {
        assert_string_equal(harness_run(h, script[i].input), script[i].expect);
    }
    a = harness_find_event(h, SB_EVENT_REJECTED, "p5");
    assert_string_equal(a->event.why, "node 2 is listed twice");
    harness_free(h);
}

static void test_gate_releases_both_targets_in_submission_order(void **state)
{
    Harness *h = make(2, COORD_WHEN_NOT_READY_QUEUE, false);
    static const ScriptLine script[] = {
        { "state 1 bmc UpdateInProgress", "" },
        { "request host On id=h1", "persist queued:h1" },
        { "request chassis On id=c1", "persist queued:c1" },
        { "state 1 bmc Ready",
          "persist dispatch:host:h1 dispatched:h1 dispatch:chassis:c1 dispatched:c1" },
    };

    (void) state;
    harness_bring_up(h);
    HARNESS_SCRIPT(h, script);
    harness_free(h);
}

/* Reference: the gate is open when connected and every node online, verified, bmc Ready of its
 * current epoch. Checked against the core for every combination on 3 nodes. */
static void test_gate_exhaustive_three_nodes(void **state)
{
    /* Per node: 0 never heard, 1 online+Ready, 2 online+NotReady, 3 online+UpdateInProgress,
     * 4 lost (Ready before), 5 retained online+Ready (unverified), 6 online, Ready of an old epoch
     */
    enum { CASES = 7 };

    (void) state;
    for (int combo = 0; combo < CASES * CASES * CASES; combo++) {
        Harness *h = make(3, COORD_WHEN_NOT_READY_QUEUE, false);
        int cases[3] = { combo % CASES, combo / CASES % CASES, combo / (CASES * CASES) };
        bool expect_open = true;
        char input[96];

        harness_run(h, "connect");
        for (uint32_t n = 1; n <= 3; n++) {
            switch (cases[n - 1]) {
            case 0:
                break;
            case 1:
                (void) snprintf(input, sizeof(input), "birth %u", n);
                harness_run(h, input);
                break;
            case 2:
            case 3:
                (void) snprintf(input, sizeof(input), "birth %u bmc=%s", n,
                                cases[n - 1] == 2 ? "NotReady" : "UpdateInProgress");
                harness_run(h, input);
                break;
            case 4:
                (void) snprintf(input, sizeof(input), "birth %u bmc=Ready", n);
                harness_run(h, input);
                (void) snprintf(input, sizeof(input), "status %u lost", n);
                harness_run(h, input);
                break;
            case 5:
                (void) snprintf(input, sizeof(input), "birth %u retained", n);
                harness_run(h, input);
                break;
            default:
                (void) snprintf(input, sizeof(input), "state %u bmc Ready epoch=7 seq=1", n);
                harness_run(h, input);
                (void) snprintf(input, sizeof(input), "status %u online epoch=8", n);
                harness_run(h, input);
                break;
            }
            expect_open = expect_open && cases[n - 1] == 1;
        }
        harness_run(h, "advance 1000");
        assert_int_equal(stats(h).gate_open, expect_open);
        /* A gated request goes out at once exactly when the gate is open. */
        harness_run(h, "request host On id=x");
        assert_int_equal(harness_count(h, COORD_ACT_DISPATCH), expect_open ? 1 : 0);
        harness_free(h);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gate_opens_on_the_last_ready),
        cmocka_unit_test(test_gate_open_dispatches_at_once),
        cmocka_unit_test(test_gate_waits_through_flapping_nodes),
        cmocka_unit_test(test_gate_node_that_appears_late),
        cmocka_unit_test(test_gate_coordinator_disconnect_closes_it),
        cmocka_unit_test(test_gate_off_is_never_gated),
        cmocka_unit_test(test_gate_when_not_ready_reject),
        cmocka_unit_test(test_gate_partial_requires_allow_partial),
        cmocka_unit_test(test_gate_partial_with_allow_partial_goes_through_the_gate),
        cmocka_unit_test(test_gate_releases_both_targets_in_submission_order),
        cmocka_unit_test(test_gate_exhaustive_three_nodes),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
