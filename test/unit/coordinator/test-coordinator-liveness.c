/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Heartbeat liveness (topics/README.md "Node lifecycle as the coordinator sees it", liveness.c):
 * the interval learned from a node's heartbeats; silent for K intervals plus half of one -> stale,
 * node-lost, the gate closed; the Will confirms without a second node-lost; a heartbeat, a state
 * or a new session brings it back; per-class deadlines, bursts split over steps, a stall of our
 * own loop forgiven, O(1) work per heartbeat.
 */
/* cmocka.h needs these four first. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "coord-harness.h"
#include "coord-internal.h"

#define INTERVAL_MS 1000u
#define MISSED      3u
/* K intervals plus half of one (liveness.c: jitter allowance). */
#define TIMEOUT_MS (MISSED * INTERVAL_MS + INTERVAL_MS / 2)

/* Heartbeat seq per node, as an agent counts them (one session each test). */
static uint64_t seqs[HARNESS_NODES_MAX + 1];

static Harness *make(uint32_t nodes, uint32_t missed)
{
    CoordConfig cfg = harness_config(nodes);
    Harness *h;

    cfg.missed_heartbeats = missed;
    memset(seqs, 0, sizeof(seqs));
    h = harness_new(&cfg);
    harness_bring_up(h);
    return h;
}

/* One heartbeat of node at h's clock; its own clock is clock_skew_ms off ours. Returns the
 * description of the step. */
static const char *beat_at(Harness *h, uint32_t node, int64_t clock_skew_ms)
{
    CoordEvent ev = { .kind = COORD_EV_NODE_HEARTBEAT, .node = node };

    ev.heartbeat = (SbHeartbeatMsg){
        .node = node,
        .epoch = h->agents[node].epoch,
        .seq = ++seqs[node],
        .time_ms = (uint64_t) ((int64_t) h->now_ms + clock_skew_ms),
    };
    return harness_feed_described(h, &ev);
}

static const char *beat(Harness *h, uint32_t node)
{
    return beat_at(h, node, 0);
}

/* Every node in first..last beats once per interval, count times (the clock advances first). */
static void beat_all(Harness *h, uint32_t first, uint32_t last, unsigned count)
{
    for (unsigned i = 0; i < count; i++) {
        assert_string_equal(harness_run(h, "advance 1000"), "");
        for (uint32_t n = first; n <= last; n++) {
            assert_string_equal(beat(h, n), "");
        }
    }
}

static void advance(Harness *h, uint64_t ms, const char *expect)
{
    char input[64];

    (void) snprintf(input, sizeof(input), "advance %" PRIu64, ms);
    assert_string_equal(harness_run(h, input), expect);
}

/* The event of kind in the last step's batch. */
static const SbEvent *step_event(const Harness *h, SbEventKind kind)
{
    const CoordAction *a = harness_find_event_kind(h, kind, 0);

    if (a) {
        return &a->event;
    }
    fail_msg("no %s event in the last step", sb_enum_to_string(SB_ENUM_EVENT_KIND, (int) kind));
    return NULL;
}

static CoordStats stats(const Harness *h)
{
    CoordStats st;

    coord_stats(h->c, &st);
    return st;
}

static void test_liveness_silent_node_lost_then_back(void **state)
{
    Harness *h = make(2, MISSED);
    const CoordAction *lost;
    SbRequestsMsg rq;
    SbRollupMsg bmc;

    (void) state;
    /* The third heartbeat gives the second sample that agrees: the interval is learned. */
    beat_all(h, 1, 2, 3);
    assert_int_equal(h->c->nodes[1].live.interval_ms, INTERVAL_MS);
    assert_int_equal(h->armed_at_ms, h->now_ms + TIMEOUT_MS);

    /* Node 2 keeps beating, node 1 goes silent: lost exactly TIMEOUT_MS after it was last heard. */
    beat_all(h, 2, 2, 3);
    advance(h, TIMEOUT_MS - 3 * INTERVAL_MS - 1, "");
    assert_int_equal(stats(h).nodes_stale, 0);
    advance(h, 1, "node-lost@1");
    lost = harness_find_event_kind(h, SB_EVENT_NODE_LOST, 0);
    assert_non_null(lost);
    assert_string_equal(lost->event.why, "no heartbeat for 3500 ms (3 missed, interval 1000 ms)");

    /* Stale like an offline node: listed in the rollups, not Ready, the gate closed. */
    assert_int_equal(stats(h).nodes_stale, 1);
    assert_false(stats(h).gate_open);
    assert_int_equal(coord_rollup_build(h->c, SB_KIND_BMC, &bmc), 0);
    assert_int_equal(bmc.state, SB_BMC_NOT_READY);
    assert_int_equal(bmc.n_stale, 1);
    assert_int_equal(bmc.stale[0], 1);
    assert_string_equal(harness_run(h, "request host On id=on-1"), "persist queued:on-1");
    assert_int_equal(coord_requests_build(h->c, h->now_ms, &rq), 0);
    assert_int_equal(rq.n_waiting_for, 1);
    assert_int_equal(rq.waiting_for[0], 1);

    /* Its next heartbeat brings it back and the queued power-on goes out at once. */
    h->now_ms += 200;
    assert_string_equal(beat(h, 1), "node-back@1 persist dispatch:host:on-1 dispatched:on-1");
    assert_string_equal(step_event(h, SB_EVENT_NODE_BACK)->why,
                        "heard again after 3700 ms without heartbeats");
    assert_int_equal(stats(h).nodes_stale, 0);
    assert_true(stats(h).gate_open);
    harness_free(h);
}

static void test_liveness_will_confirms_without_second_lost(void **state)
{
    Harness *h = make(2, MISSED);

    (void) state;
    beat_all(h, 1, 2, 3);
    beat_all(h, 2, 2, 3);
    advance(h, TIMEOUT_MS - 3 * INTERVAL_MS, "node-lost@1");
    /* The broker's Will, seconds later: it confirms, no second node-lost. */
    beat_all(h, 2, 2, 6);
    assert_string_equal(harness_run(h, "status 1 lost"), "");
    assert_int_equal(stats(h).nodes_stale, 1);
    /* The agent restarts: one node-back for the new session. */
    assert_string_equal(harness_run(h, "birth 1"), "node-back@1");
    assert_int_equal(stats(h).nodes_stale, 0);

    /* Without heartbeats stopping first, the Will is the loss as before. */
    assert_string_equal(harness_run(h, "status 2 lost"), "node-lost@2");
    harness_free(h);
}

static void test_liveness_state_or_new_session_brings_back(void **state)
{
    Harness *h = make(3, MISSED);

    (void) state;
    beat_all(h, 1, 3, 3);
    beat_all(h, 3, 3, 3);
    advance(h, TIMEOUT_MS - 3 * INTERVAL_MS, "node-lost@1 node-lost@2");
    /* A state message of the current session proves it alive as well as a heartbeat. */
    assert_string_equal(harness_run(h, "state 1 host Off"), "node-back@1");
    /* The agent reconnected with a new epoch before its old session's Will: the new birth is
     * node-back, and the late Will of the old epoch changes nothing. */
    {
        uint64_t old_epoch = h->agents[2].epoch;
        char input[64];

        assert_string_equal(harness_run(h, "birth 2"), "node-back@2");
        (void) snprintf(input, sizeof(input), "status 2 lost epoch=%" PRIu64, old_epoch);
        assert_string_equal(harness_run(h, input), "");
    }
    assert_int_equal(stats(h).nodes_stale, 0);
    /* The new session is watched once its interval is learned again. */
    memset(&seqs[2], 0, sizeof(seqs[2]));
    beat_all(h, 1, 3, 3);
    advance(h, TIMEOUT_MS, "node-lost@1 node-lost@2 node-lost@3");
    harness_free(h);
}

static void test_liveness_late_heartbeat_at_deadline_is_not_a_loss(void **state)
{
    Harness *h = make(1, MISSED);

    (void) state;
    beat_all(h, 1, 1, 3);
    /* The heartbeat arrives in the same millisecond the deadline falls due, before the timer
     * is served: handled first, it refreshes the node. */
    h->now_ms += TIMEOUT_MS;
    assert_string_equal(beat(h, 1), "");
    assert_int_equal(stats(h).nodes_stale, 0);
    advance(h, TIMEOUT_MS - 1, "");
    advance(h, 1, "node-lost@1");
    harness_free(h);
}

static void test_liveness_disabled_keeps_will_only(void **state)
{
    Harness *h = make(1, 0);

    (void) state;
    beat_all(h, 1, 1, 3);
    assert_int_equal(h->c->nodes[1].live.interval_ms, 0);
    advance(h, 60000, "");
    assert_int_equal(stats(h).nodes_stale, 0);
    assert_string_equal(harness_run(h, "status 1 lost"), "node-lost@1");
    harness_free(h);
}

/* Each node's own interval: a 250 ms node and a 5 s node, heard at the same moment, expire at
 * their own deadlines (their samples come from the nodes' "time", not our receive time). */
static void test_liveness_intervals_learned_per_node(void **state)
{
    Harness *h = make(2, MISSED);

    (void) state;
    for (int64_t k = 0; k < 3; k++) {
        assert_string_equal(beat_at(h, 1, k * 250), "");
        assert_string_equal(beat_at(h, 2, k * 5000), "");
    }
    assert_int_equal(h->c->nodes[1].live.interval_ms, 250);
    assert_int_equal(h->c->nodes[2].live.interval_ms, 5000);
    assert_int_not_equal(h->c->nodes[1].live.class_slot, h->c->nodes[2].live.class_slot);
    /* Node 1: 3 x 250 + 125 = 875 ms; node 2: 3 x 5000 + 2500 = 17.5 s. */
    assert_int_equal(h->armed_at_ms, h->now_ms + 875);
    advance(h, 874, "");
    advance(h, 1, "node-lost@1");
    assert_int_equal(h->armed_at_ms, h->now_ms - 875 + 17500);
    advance(h, 17500 - 875 - 1, "");
    advance(h, 1, "node-lost@2");
    harness_free(h);
}

/* The interval comes from the node's clock ("time"), never from one sample alone: a clock step
 * between two heartbeats, a heartbeat lost in transit, a replay. */
static void test_liveness_learning_is_robust(void **state)
{
    Harness *h = make(1, MISSED);

    (void) state;
    h->now_ms += 1000;
    assert_string_equal(beat(h, 1), "");
    h->now_ms += 1000;
    /* The node's clock was stepped 1 h ahead in between: a wild sample, not adopted alone. */
    assert_string_equal(beat_at(h, 1, 3600000), "");
    assert_int_equal(h->c->nodes[1].live.interval_ms, 0);
    h->now_ms += 1000;
    assert_string_equal(beat_at(h, 1, 3600000), "");
    assert_int_equal(h->c->nodes[1].live.interval_ms, 0);
    /* One heartbeat lost in transit (seq gap 2, time gap 2 s): still a 1 s sample, which agrees
     * with the one before: adopted. (Samples of 1000 and 5000 ms never agree.) */
    h->now_ms += 2000;
    seqs[1]++;
    assert_string_equal(beat_at(h, 1, 3600000), "");
    assert_int_equal(h->c->nodes[1].live.interval_ms, 1000);
    /* Retained copies and other epochs never count as heard. */
    {
        CoordEvent ev = { .kind = COORD_EV_NODE_HEARTBEAT, .node = 1, .retained = true };
        uint64_t heard = h->c->nodes[1].live.last_heard_ms;

        h->now_ms += 500;
        ev.heartbeat = (SbHeartbeatMsg){ .node = 1,
                                         .epoch = h->agents[1].epoch,
                                         .seq = ++seqs[1],
                                         .time_ms = h->now_ms };
        (void) harness_feed(h, &ev);
        ev.retained = false;
        ev.heartbeat.epoch = h->agents[1].epoch + 99;
        (void) harness_feed(h, &ev);
        assert_int_equal(h->c->nodes[1].live.last_heard_ms, heard);
    }
    advance(h, TIMEOUT_MS - 500 - 1, "");
    advance(h, 1, "node-lost@1");
    harness_free(h);
}

/* Our own link dies: every node goes silent at once. The burst is split over steps (one batch
 * never overflows: the harness asserts coord_step() returns 0) and every node is lost once. */
static void test_liveness_burst_split_over_steps(void **state)
{
    Harness *h = make(100, MISSED);
    unsigned steps_before;
    size_t lost = 0;

    (void) state;
    beat_all(h, 1, 100, 3);
    steps_before = h->steps;
    (void) harness_run(h, "advance 3500");
    for (size_t i = 0; harness_find_event_kind(h, SB_EVENT_NODE_LOST, i); i++) {
        lost++;
    }
    assert_int_equal(lost, 100);
    assert_true(h->steps - steps_before >= 100 / 16);
    assert_int_equal(stats(h).nodes_stale, 100);
    harness_free(h);
}

/* The timer is served 5 s late (the coordinator was suspended): the heartbeats that arrived
 * meanwhile are still unread. No node is judged until every node had one more interval. */
static void test_liveness_own_stall_is_forgiven(void **state)
{
    Harness *h = make(3, MISSED);
    CoordEvent ev = { .kind = COORD_EV_TIMER };

    (void) state;
    beat_all(h, 1, 3, 3);
    h->now_ms = h->armed_at_ms + 5000;
    h->armed_at_ms = 0;
    /* Issue #13: our own stall also makes every node prove itself again (a probe, then a
     * rebirth; here the probe comes back at once). */
    assert_string_equal(harness_feed_described(h, &ev), "rebirth");
    /* The queued heartbeats of nodes 1 and 2 are read now; node 3 really is gone. */
    assert_string_equal(beat(h, 1), "");
    assert_string_equal(beat(h, 2), "");
    advance(h, INTERVAL_MS - 1, "");
    advance(h, 1, "node-lost@3");
    assert_int_equal(stats(h).nodes_stale, 1);
    harness_free(h);
}

/* The wall clock steps back an hour: deadlines computed before would come an hour late. Every
 * timed node starts a full timeout from the step; a node silent from then on is still lost
 * within one timeout, not an hour later. */
static void test_liveness_clock_stepped_back(void **state)
{
    Harness *h = make(2, MISSED);

    (void) state;
    beat_all(h, 1, 2, 3);
    h->now_ms -= UINT64_C(3600) * 1000u;
    h->armed_at_ms = 0; /* the shell's realtime timer would fire an hour from now */
    assert_string_equal(beat(h, 2), "");
    assert_int_equal(h->armed_at_ms, h->now_ms + TIMEOUT_MS);
    advance(h, TIMEOUT_MS - 1, "");
    advance(h, 1, "node-lost@1 node-lost@2");
    harness_free(h);
}

/* While we are disconnected nothing is judged; after the reconnect a node must be heard again,
 * and a node that was silent before comes back with one node-back. */
static void test_liveness_disconnect_and_reconnect(void **state)
{
    Harness *h = make(2, MISSED);

    (void) state;
    beat_all(h, 1, 2, 3);
    beat_all(h, 2, 2, 3);
    advance(h, TIMEOUT_MS - 3 * INTERVAL_MS, "node-lost@1");
    assert_string_equal(harness_run(h, "disconnect"), "");
    assert_int_equal(h->armed_at_ms, 0);
    advance(h, 60000, "");
    assert_string_equal(harness_run(h, "connect"), "persist rebirth");
    assert_string_equal(harness_run(h, "rebirth 1-2"), "node-back@1");
    /* Both timed again from their rebirth answers (the interval is kept for the same session):
     * silent from then on, both are lost after one timeout, in the order they were heard. */
    assert_string_equal(beat(h, 2), "");
    advance(h, TIMEOUT_MS - 1, "");
    advance(h, 1, "node-lost@1 node-lost@2");
    harness_free(h);
}

/* At most LIVENESS_CLASSES distinct intervals are timed; a node whose interval fits no class
 * takes the shortest longer one (slower to notice, never a false loss) or, longer than all, is
 * left to its Will. */
static void test_liveness_class_overflow(void **state)
{
    Harness *h = make(LIVENESS_CLASSES + 2, MISSED);
    const uint32_t extra_short = LIVENESS_CLASSES + 1, extra_long = LIVENESS_CLASSES + 2;

    (void) state;
    /* Node n beats every 1000 x 2^(n-1) ms (n = 1..8: no two agree), then extra_short every
     * 1500 ms and extra_long every 300 s. Three beats each; only their own clocks move. */
    for (uint32_t n = 1; n <= extra_long; n++) {
        int64_t period = n <= LIVENESS_CLASSES ? INT64_C(1000) << (n - 1)
                         : n == extra_short    ? 1500
                                               : 300000;

        for (int64_t k = 0; k < 3; k++) {
            assert_string_equal(beat_at(h, n, k * period), "");
        }
        assert_int_equal(h->c->nodes[n].live.interval_ms, (uint64_t) period);
    }
    for (uint32_t n = 1; n <= LIVENESS_CLASSES; n++) {
        assert_true(h->c->nodes[n].live.class_slot >= 0);
    }
    /* 1500 ms agrees with no class and none is free: it shares the 2000 ms class. */
    assert_int_equal(h->c->nodes[extra_short].live.class_slot, h->c->nodes[2].live.class_slot);
    /* 300 s is longer than every class: not timed, its Will watches it. */
    assert_int_equal(h->c->nodes[extra_long].live.class_slot, -1);
    /* Node 1 (1 s) is lost first, after 3.5 s; extra_short with the 2 s class after 3 x 2 + 1 =
     * 7 s (not at 3 x 1.5 + 0.75 = 5.25 s, but never too early). */
    advance(h, TIMEOUT_MS, "node-lost@1");
    advance(h, 7000 - TIMEOUT_MS, "node-lost@2 node-lost@9");
    harness_free(h);
}

/* O(1) per heartbeat: with 100 nodes tracked, a heartbeat visits one node record, and a timer
 * tick with nothing due visits none. */
static void test_liveness_work_per_message_is_constant(void **state)
{
    Harness *h = make(100, MISSED);
    uint64_t before;
    CoordEvent ev = { .kind = COORD_EV_TIMER };

    (void) state;
    beat_all(h, 1, 100, 3);
    before = coord_debug_node_visits(h->c);
    h->now_ms += 10;
    (void) beat(h, 50);
    assert_int_equal(coord_debug_node_visits(h->c) - before, 1);
    before = coord_debug_node_visits(h->c);
    (void) harness_feed(h, &ev);
    assert_int_equal(coord_debug_node_visits(h->c) - before, 0);
    harness_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_liveness_silent_node_lost_then_back),
        cmocka_unit_test(test_liveness_will_confirms_without_second_lost),
        cmocka_unit_test(test_liveness_state_or_new_session_brings_back),
        cmocka_unit_test(test_liveness_late_heartbeat_at_deadline_is_not_a_loss),
        cmocka_unit_test(test_liveness_disabled_keeps_will_only),
        cmocka_unit_test(test_liveness_intervals_learned_per_node),
        cmocka_unit_test(test_liveness_learning_is_robust),
        cmocka_unit_test(test_liveness_burst_split_over_steps),
        cmocka_unit_test(test_liveness_own_stall_is_forgiven),
        cmocka_unit_test(test_liveness_clock_stepped_back),
        cmocka_unit_test(test_liveness_disconnect_and_reconnect),
        cmocka_unit_test(test_liveness_class_overflow),
        cmocka_unit_test(test_liveness_work_per_message_is_constant),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
