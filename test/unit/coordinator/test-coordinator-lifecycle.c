/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Node lifecycle as the coordinator sees it (topics/README.md): epochs, late wills, verification
 * after the coordinator's (re)connect, the rebirth window, replays, node-lost/node-back and input
 * from unexpected node numbers.
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

static int setup3(void **state)
{
    CoordConfig cfg = harness_config(3);

    *state = harness_new(&cfg);
    return 0;
}

static int teardown(void **state)
{
    harness_free(*state);
    return 0;
}

static CoordStats stats(const Harness *h)
{
    CoordStats st;

    coord_stats(h->c, &st);
    return st;
}

static void test_lifecycle_connect_bumps_epoch_and_asks_rebirth(void **state)
{
    Harness *h = *state;
    static const ScriptLine script[] = {
        { "connect", "persist rebirth" },
        { "disconnect", "" },
        { "connect", "persist rebirth" },
    };

    assert_int_equal(coord_epoch(h->c), 0);
    HARNESS_SCRIPT(h, script);
    assert_int_equal(coord_epoch(h->c), 2);
    /* The rebirth window is the only deadline. */
    assert_int_equal(h->armed_at_ms, h->now_ms + h->cfg.rebirth_window_ms);
}

static void test_lifecycle_window_ends_when_every_node_answered(void **state)
{
    Harness *h = *state;

    harness_run(h, "connect");
    harness_run(h, "birth 1-2");
    /* Still waiting for node 3: nothing published from unverified data. */
    assert_int_equal(harness_count(h, COORD_ACT_PUBLISH_ROLLUP), 0);
    harness_run(h, "birth 3");
    for (int k = 0; k < SB_KIND_NODE_COUNT; k++) {
        assert_true(harness_rollup_published(h, (SbStateKind) k));
    }
    /* The hypervisor rollup (issue #4) is never published. */
    assert_false(harness_rollup_published(h, SB_KIND_HYPERVISOR));
    assert_int_equal(harness_count(h, COORD_ACT_PUBLISH_REQUESTS), 1);
    assert_true(stats(h).gate_open);
    /* The window is over: the timer is disarmed. */
    assert_int_equal(h->armed_at_ms, 0);
}

static void test_lifecycle_window_ends_at_deadline_with_unverified_nodes(void **state)
{
    Harness *h = *state;
    SbRollupMsg m;

    harness_run(h, "connect");
    /* Retained "online" can be a lie after a broker crash. */
    harness_run(h, "birth 1-3 retained");
    assert_int_equal(harness_count(h, COORD_ACT_PUBLISH_ROLLUP), 0);
    assert_false(stats(h).gate_open);
    assert_int_equal(stats(h).nodes_stale, 3);
    harness_run(h, "advance 999");
    assert_int_equal(harness_count(h, COORD_ACT_PUBLISH_ROLLUP), 0);
    harness_run(h, "advance 1");
    for (int k = 0; k < SB_KIND_NODE_COUNT; k++) {
        assert_true(harness_rollup_published(h, (SbStateKind) k));
    }
    assert_int_equal(coord_rollup_build(h->c, SB_KIND_BMC, &m), 0);
    assert_int_equal(m.state, SB_BMC_NOT_READY);
    assert_int_equal(m.n_stale, 3);
}

static void test_lifecycle_unverified_online_needs_a_live_message(void **state)
{
    Harness *h = *state;

    harness_run(h, "connect");
    harness_run(h, "birth 1-3 retained");
    harness_run(h, "advance 1000");
    assert_int_equal(stats(h).nodes_ready, 0);
    /* A live heartbeat of the current epoch verifies node 1. */
    harness_run(h, "heartbeat 1");
    assert_int_equal(stats(h).nodes_ready, 1);
    /* A heartbeat of another epoch does not. */
    harness_run(h, "heartbeat 2 epoch=1");
    assert_int_equal(stats(h).nodes_ready, 1);
    harness_run(h, "rebirth 2-3");
    assert_int_equal(stats(h).nodes_ready, 3);
    assert_true(stats(h).gate_open);
}

static void test_lifecycle_stale_ready_of_old_epoch_does_not_count(void **state)
{
    Harness *h = *state;

    harness_run(h, "connect");
    harness_run(h, "birth 2-3");
    /* Node 1's BMC said Ready in epoch 5; its agent now runs epoch 6 and has not said it yet. */
    harness_run(h, "state 1 bmc Ready epoch=5 seq=1 retained");
    harness_run(h, "status 1 online epoch=6");
    harness_run(h, "heartbeat 1 epoch=6");
    assert_int_equal(stats(h).nodes_ready, 2);
    assert_false(stats(h).gate_open);
    harness_run(h, "state 1 bmc Ready epoch=6 seq=1");
    assert_int_equal(stats(h).nodes_ready, 3);
    assert_true(stats(h).gate_open);
}

static void test_lifecycle_new_epoch_must_be_verified_again(void **state)
{
    Harness *h = *state;

    harness_bring_up(h);
    /* A retained birth of a new session, not (yet) confirmed live. */
    harness_run(h, "state 1 bmc Ready epoch=77 seq=1 retained");
    harness_run(h, "status 1 online epoch=77 retained");
    assert_int_equal(stats(h).nodes_ready, 2);
    assert_int_equal(stats(h).nodes_stale, 1);
    harness_run(h, "heartbeat 1 epoch=77");
    assert_int_equal(stats(h).nodes_ready, 3);
    assert_int_equal(stats(h).nodes_stale, 0);
}

static void test_lifecycle_late_will_is_ignored(void **state)
{
    Harness *h = *state;
    uint64_t old_epoch;
    char input[64];

    harness_bring_up(h);
    old_epoch = h->agents[2].epoch;
    /* Node 2's agent restarted before the broker noticed: the new session is online... */
    harness_run(h, "birth 2");
    assert_true(stats(h).gate_open);
    /* ...and the will of the old session arrives late. */
    (void) snprintf(input, sizeof(input), "status 2 lost epoch=%llu",
                    (unsigned long long) old_epoch);
    assert_string_equal(harness_run(h, input), "");
    assert_true(stats(h).gate_open);
    assert_int_equal(stats(h).nodes_online, 3);
    /* A will of the current epoch is not late. */
    assert_string_equal(harness_run(h, "status 2 lost"), "node-lost@2");
    assert_false(stats(h).gate_open);
}

static void test_lifecycle_node_lost_and_back_events(void **state)
{
    Harness *h = *state;
    static const ScriptLine script[] = {
        { "status 3 lost", "node-lost@3" },
        { "status 3 lost", "" },
        { "birth 3", "node-back@3" },
        { "status 3 offline", "node-lost@3" },
        { "birth 3", "node-back@3" },
        /* A new session without a will in between: no lost, no back. */
        { "birth 3", "" },
        /* The coordinator's own disconnect is not the nodes' doing. */
        { "disconnect", "" },
        { "connect", "persist rebirth" },
        { "rebirth 1-3", "" },
    };

    harness_bring_up(h);
    HARNESS_SCRIPT(h, script);
    assert_true(stats(h).gate_open);
}

static void test_lifecycle_no_node_lost_for_a_node_never_online(void **state)
{
    Harness *h = *state;

    harness_run(h, "connect");
    assert_string_equal(harness_run(h, "status 1 lost epoch=5 retained"), "");
    assert_int_equal(stats(h).nodes_stale, 1);
    /* Coming up after having been lost is "back". */
    assert_string_equal(harness_run(h, "birth 1"), "node-back@1");
}

static void test_lifecycle_disconnect_makes_everything_stale(void **state)
{
    Harness *h = *state;
    SbRollupMsg m;

    harness_bring_up(h);
    assert_int_equal(stats(h).nodes_stale, 0);
    assert_string_equal(harness_run(h, "disconnect"), "");
    assert_false(stats(h).gate_open);
    assert_false(stats(h).connected);
    assert_int_equal(stats(h).nodes_stale, 3);
    assert_int_equal(stats(h).nodes_ready, 0);
    /* Nothing is published while disconnected. */
    assert_int_equal(harness_count(h, COORD_ACT_PUBLISH_ROLLUP), 0);
    assert_int_equal(coord_rollup_build(h->c, SB_KIND_CHASSIS, &m), 0);
    assert_int_equal(m.n_stale, 3);
    /* Last known values are kept. */
    assert_int_equal(m.state, SB_CHASSIS_OFF);
    /* After the reconnect every node proves itself again. */
    harness_run(h, "connect");
    assert_false(stats(h).gate_open);
    harness_run(h, "rebirth 1-3");
    assert_true(stats(h).gate_open);
    assert_int_equal(stats(h).nodes_stale, 0);
}

static void test_lifecycle_unexpected_node_numbers(void **state)
{
    Harness *h = *state;
    static const ScriptLine script[] = {
        { "raw-node 0 state", "rejected@0" },
        { "raw-node 0 status", "rejected@0" },
        { "raw-node 4 state", "rejected@4" },
        { "raw-node 4 status", "rejected@4" },
        { "raw-node 16385 state", "rejected@16385" },
        { "raw-node 4294967295 status", "rejected@4294967295" },
    };
    SbSummaryMsg sum;

    harness_bring_up(h);
    HARNESS_SCRIPT(h, script);
    /* Nothing changed for the expected nodes. */
    assert_int_equal(stats(h).nodes_ready, 3);
    assert_int_equal(coord_summary_build(h->c, h->now_ms, &sum), 0);
    assert_int_equal(sum.rejected_total, 6);
    assert_string_equal(h->out.items[0].event.why, "unexpected node number");
}

static void test_lifecycle_payload_node_must_match_topic(void **state)
{
    Harness *h = *state;
    CoordEvent ev = { .kind = COORD_EV_NODE_STATE, .node = 2 };
    const CoordActions *out;

    harness_bring_up(h);
    ev.state = (SbStateMsg){
        .kind = SB_KIND_HOST,
        .node = 3,
        .state = SB_HOST_RUNNING,
        .epoch = h->agents[2].epoch,
        .seq = 100,
    };
    out = harness_feed(h, &ev);
    assert_int_equal(out->n, 1);
    assert_int_equal(out->items[0].event.kind, SB_EVENT_REJECTED);
    assert_int_equal(out->items[0].event.node, 2);
}

static void test_lifecycle_invalid_state_values_rejected(void **state)
{
    Harness *h = *state;
    CoordEvent ev = { .kind = COORD_EV_NODE_STATE, .node = 1 };
    const CoordActions *out;
    SbRollupMsg m;

    harness_bring_up(h);
    ev.state = (SbStateMsg){ .kind = SB_KIND_HOST, .node = 1, .state = SB_HOST_COUNT, .seq = 99 };
    out = harness_feed(h, &ev);
    assert_int_equal(out->items[0].event.kind, SB_EVENT_REJECTED);
    ev.state = (SbStateMsg){ .kind = SB_KIND_COUNT, .node = 1, .state = 1, .seq = 99 };
    out = harness_feed(h, &ev);
    assert_int_equal(out->items[0].event.kind, SB_EVENT_REJECTED);
    ev.state = (SbStateMsg){ .kind = SB_KIND_BMC, .node = 1, .state = 0, .seq = 99 };
    out = harness_feed(h, &ev);
    assert_int_equal(out->items[0].event.kind, SB_EVENT_REJECTED);
    ev.kind = COORD_EV_NODE_STATUS;
    ev.status = (SbStatusMsg){ .status = SB_STATUS_UNKNOWN, .node = 1 };
    out = harness_feed(h, &ev);
    assert_int_equal(out->items[0].event.kind, SB_EVENT_REJECTED);
    assert_int_equal(coord_rollup_build(h->c, SB_KIND_HOST, &m), 0);
    assert_int_equal(m.nodes[0].state, SB_HOST_OFF);
    assert_true(stats(h).gate_open);
}

static int node1_host(const Harness *h)
{
    SbRollupMsg m;

    assert_int_equal(coord_rollup_build(h->c, SB_KIND_HOST, &m), 0);
    return m.nodes[0].state;
}

static void test_lifecycle_replayed_seq_is_ignored(void **state)
{
    Harness *h = *state;
    char input[64];

    harness_bring_up(h);
    harness_run(h, "state 1 host Running seq=10");
    assert_int_equal(node1_host(h), SB_HOST_RUNNING);
    /* An older message of the same epoch is a replay. */
    harness_run(h, "state 1 host Off seq=9");
    assert_int_equal(node1_host(h), SB_HOST_RUNNING);
    /* Equal seq: the retained copy of the last message, idempotent. */
    harness_run(h, "state 1 host Off seq=10 retained");
    assert_int_equal(node1_host(h), SB_HOST_RUNNING);
    assert_int_equal(harness_count(h, COORD_ACT_PUBLISH_ROLLUP), 0);
    harness_run(h, "state 1 host Off seq=11");
    assert_int_equal(node1_host(h), SB_HOST_OFF);
    /* Another epoch starts its own sequence. */
    (void) snprintf(input, sizeof(input), "state 1 host Running seq=1 epoch=%llu",
                    (unsigned long long) h->agents[1].epoch + 100);
    harness_run(h, input);
    assert_int_equal(node1_host(h), SB_HOST_RUNNING);
}

static void test_lifecycle_new_session_states_before_online(void **state)
{
    Harness *h = *state;

    harness_bring_up(h);
    /* Node 1's BMC reboots: lost, then the new session's states, then online. */
    harness_run(h, "status 1 lost");
    harness_run(h, "state 1 bmc NotReady epoch=5000 seq=1");
    assert_false(stats(h).gate_open);
    harness_run(h, "state 1 bmc Ready epoch=5000 seq=2");
    /* Ready of an epoch that is not (yet) the node's current one does not count. */
    assert_false(stats(h).gate_open);
    harness_run(h, "status 1 online epoch=5000");
    assert_true(stats(h).gate_open);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_lifecycle_connect_bumps_epoch_and_asks_rebirth, setup3,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_lifecycle_window_ends_when_every_node_answered, setup3,
                                        teardown),
        cmocka_unit_test_setup_teardown(
                test_lifecycle_window_ends_at_deadline_with_unverified_nodes, setup3, teardown),
        cmocka_unit_test_setup_teardown(test_lifecycle_unverified_online_needs_a_live_message,
                                        setup3, teardown),
        cmocka_unit_test_setup_teardown(test_lifecycle_stale_ready_of_old_epoch_does_not_count,
                                        setup3, teardown),
        cmocka_unit_test_setup_teardown(test_lifecycle_new_epoch_must_be_verified_again, setup3,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_lifecycle_late_will_is_ignored, setup3, teardown),
        cmocka_unit_test_setup_teardown(test_lifecycle_node_lost_and_back_events, setup3, teardown),
        cmocka_unit_test_setup_teardown(test_lifecycle_no_node_lost_for_a_node_never_online, setup3,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_lifecycle_disconnect_makes_everything_stale, setup3,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_lifecycle_unexpected_node_numbers, setup3, teardown),
        cmocka_unit_test_setup_teardown(test_lifecycle_payload_node_must_match_topic, setup3,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_lifecycle_invalid_state_values_rejected, setup3,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_lifecycle_replayed_seq_is_ignored, setup3, teardown),
        cmocka_unit_test_setup_teardown(test_lifecycle_new_session_states_before_online, setup3,
                                        teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
