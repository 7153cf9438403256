/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Issue #13, the two defects of the fault campaign as deterministic sequences, and the rules that
 * fix them (topics/README.md "The gate" and "Requests"):
 * - gated decisions on current evidence: nothing is decided in the middle of a backlog, a gated
 *   dispatch waits for the probe, our own stall re-verifies every node;
 * - "completed" only by the request's own effect: states naming the request, a node that never
 *   got the command fails the request by its time-out.
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

static Harness *make(uint32_t nodes)
{
    CoordConfig cfg = harness_config(nodes);

    cfg.transition_timeout_ms = 60000;
    return harness_new(&cfg);
}

static CoordStats stats(const Harness *h)
{
    CoordStats st;

    coord_stats(h->c, &st);
    return st;
}

/* Defect 1, as the campaign saw it: a host On waits for node 3's BMC; the coordinator stalls;
 * node 3's BMC comes up, then node 2's agent dies. The backlog holds both, in that order. Read
 * in order, the Ready used to open the gate before the Will was read: the On went to every
 * node while node 2 was down. */
static void test_evidence_backlog_ready_then_lost_releases_nothing(void **state)
{
    Harness *h = make(3);
    static const ScriptLine script[] = {
        { "state 3 bmc NotReady", "" },
        { "request host On id=on", "persist queued:on" },
        /* The backlog: applied, nothing decided while more input waits. */
        { "backlog state 3 bmc Ready", "" },
        { "backlog heartbeat 1", "" },
        /* The last message of the backlog: now the gate is judged, with node 2 gone. */
        { "status 2 lost", "node-lost@2" },
        /* Node 2 comes back: the On goes out then, on current evidence. */
        { "birth 2", "node-back@2 persist dispatch:host:on dispatched:on" },
    };

    (void) state;
    harness_bring_up(h);
    HARNESS_SCRIPT(h, script);
    harness_free(h);
}

/* The same with no request waiting: a request read from the backlog is decided on the view the
 * whole backlog gives, not on the one from before the stall. */
static void test_evidence_request_in_backlog_waits_for_the_rest(void **state)
{
    Harness *h = make(3);
    static const ScriptLine script[] = {
        { "backlog request host On id=on", "" },
        { "backlog status 2 lost", "node-lost@2" },
        /* The bytes behind it were no message (a PINGRESP): the shell says so. */
        { "drained", "persist queued:on" },
        { "birth 2", "node-back@2 persist dispatch:host:on dispatched:on" },
    };

    (void) state;
    harness_bring_up(h);
    HARNESS_SCRIPT(h, script);
    assert_int_equal(stats(h).requests_active, 1);
    harness_free(h);
}

/* Requests held in a backlog keep their order: an Off read after an On cancels it. */
static void test_evidence_held_requests_keep_their_order(void **state)
{
    Harness *h = make(2);
    static const ScriptLine script[] = {
        { "backlog request host On id=on", "" },
        { "backlog request host Off id=off", "" },
        { "heartbeat 1", "persist accepted:on accepted:off cancelled:on dispatch:host:off "
                         "dispatched:off persist completed:off" },
    };

    (void) state;
    harness_bring_up(h);
    HARNESS_SCRIPT(h, script);
    harness_free(h);
}

/* The stronger rule: a gated dispatch goes out only once the probe is back, and only if no node
 * left Ready meanwhile. */
static void test_evidence_gated_dispatch_waits_for_the_probe(void **state)
{
    Harness *h = make(3);
    static const ScriptLine script[] = {
        { "request host On id=on", "persist accepted:on" },
        /* A node is lost between the probe and its echo: the echo releases nothing. */
        { "status 2 lost", "node-lost@2" },
        { "probe", "" },
        { "birth 2", "node-back@2" },
        /* A new probe went out when the gate opened again; it releases the On. */
        { "probe", "persist dispatch:host:on dispatched:on" },
        /* An Off is never gated: no probe. */
        { "request host Off id=off", "persist accepted:off superseded:on dispatch:host:off "
                                     "dispatched:off persist completed:off" },
    };

    (void) state;
    harness_bring_up(h);
    h->hold_probes = true;
    HARNESS_SCRIPT(h, script);
    harness_free(h);
}

/* A node that leaves Ready and comes back between the probe and its echo: the echo is evidence
 * from before the change, so a new probe is needed. */
static void test_evidence_flap_during_probe_needs_a_new_probe(void **state)
{
    Harness *h = make(2);
    static const ScriptLine script[] = {
        { "request chassis On id=on", "persist accepted:on" },
        { "state 2 bmc NotReady", "" },
        { "state 2 bmc Ready", "" },
        /* The first probe, sent before the flap, comes back: no evidence. */
        { "probe 1", "" },
        /* The one sent when the gate opened again releases it. */
        { "probe", "persist dispatch:chassis:on dispatched:on" },
    };

    (void) state;
    harness_bring_up(h);
    h->hold_probes = true;
    HARNESS_SCRIPT(h, script);
    harness_free(h);
}

/* Our own stall (the timer served 5 s late): every node proves itself again. What arrives before
 * the probe's echo may be as old as the stall and verifies nobody; after it, live messages do. */
static void test_evidence_stall_reverifies_before_a_gated_dispatch(void **state)
{
    Harness *h = make(2);
    CoordEvent timer = { .kind = COORD_EV_TIMER };

    (void) state;
    harness_bring_up(h);
    h->hold_probes = true;
    /* A gated request with the gate open: accepted, its probe out, the retry timer armed. */
    assert_string_equal(harness_run(h, "request host On id=on"), "persist accepted:on");
    assert_true(h->armed_at_ms != 0);
    /* The timer is served 5 s late: the stall. A probe (held here) and then a rebirth. */
    h->now_ms = h->armed_at_ms + 5000;
    h->armed_at_ms = 0;
    assert_string_equal(harness_feed_described(h, &timer), "rebirth");
    assert_int_equal(stats(h).nodes_online, 0);
    assert_false(stats(h).gate_open);
    /* Backlog from before the stall: live messages verify nobody yet. */
    assert_string_equal(harness_run(h, "heartbeat 1"), "");
    assert_string_equal(harness_run(h, "state 2 host Off"), "");
    assert_int_equal(stats(h).nodes_online, 0);
    /* The probe is back: the rebirth answers that follow are new. */
    assert_string_equal(harness_run(h, "probe"), "");
    assert_string_equal(harness_run(h, "rebirth 1"), "");
    assert_string_equal(harness_run(h, "rebirth 2"), "");
    assert_true(stats(h).gate_open);
    /* The release still waits for a probe of its own. */
    assert_int_equal(harness_count(h, COORD_ACT_DISPATCH), 0);
    assert_string_equal(harness_run(h, "probe"), "persist dispatch:host:on dispatched:on");
    harness_free(h);
}

/* Defect 2, as the campaign saw it: a chassis On is under way; a PowerCycle supersedes it; its
 * commands never reach a node (the broker died as it arrived); the On finishes. The PowerCycle
 * used to be "completed" ("all 3 nodes reached chassis On"): it must fail by its time-out, naming
 * every node. */
static void test_evidence_cycle_no_node_performed_fails(void **state)
{
    Harness *h = make(3);
    const CoordAction *failed;
    static const ScriptLine script[] = {
        { "request chassis On id=on", NULL },
        { "state 1 chassis TransitioningToOn", "" },
        { "deaf 1", "" },
        { "deaf 2", "" },
        { "deaf 3", "" },
        { "request chassis PowerCycle id=pc", NULL },
        /* The superseded On finishes: its states name "on", not "pc". */
        { "state 1 chassis On", "" },
        { "state 2 chassis TransitioningToOn", "" },
        { "state 2 chassis On", "" },
        { "state 3 chassis On", "" },
        { "advance 59999", "" },
        { "advance 1", "persist failed:pc" },
    };

    (void) state;
    harness_bring_up(h);
    HARNESS_SCRIPT(h, script);
    failed = harness_find_event(h, SB_EVENT_FAILED, "pc");
    assert_non_null(failed);
    assert_int_equal(failed->event.n_nodes, 3);
    assert_string_equal(failed->event.why, "3 of 3 nodes did not reach chassis On within 60 s");
    harness_free(h);
}

/* Same with one node deaf: the others carry it out, the request fails naming that node only. */
static void test_evidence_node_without_the_command_is_named(void **state)
{
    Harness *h = make(3);
    const CoordAction *failed;
    static const ScriptLine script[] = {
        { "deaf 2", "" },
        { "request chassis On id=on", NULL },
        { "state 1 chassis On", "" },
        /* Node 2 powers on for another reason (a button): not this request's effect. */
        { "state 2 chassis On", "" },
        { "state 3 chassis On", "" },
        { "advance 60000", "persist failed:on" },
    };

    (void) state;
    harness_bring_up(h);
    HARNESS_SCRIPT(h, script);
    failed = harness_find_event(h, SB_EVENT_FAILED, "on");
    assert_int_equal(failed->event.n_nodes, 1);
    assert_int_equal(failed->event.nodes[0], 2);
    harness_free(h);
}

/* A cycle counts only the leave-and-return after the receipt: a node already Off at dispatch,
 * whose Off does not name the request, has not left for it. */
static void test_evidence_cycle_needs_its_own_leave_and_return(void **state)
{
    Harness *h = make(1);
    static const ScriptLine script[] = {
        { "state 1 chassis On", "" },
        { "request chassis PowerCycle id=pc", NULL },
        /* The receipt (On, naming pc) came with the dispatch; On again is no return. */
        { "state 1 chassis On", "" },
        { "state 1 chassis TransitioningToOff", "" },
        { "state 1 chassis Off", "" },
        { "state 1 chassis On", "persist completed:pc" },
    };

    (void) state;
    harness_bring_up(h);
    HARNESS_SCRIPT(h, script);
    harness_free(h);
}

/* A BMC HardReboot read from a backlog, behind which an old restart of node 1 waits: the restart
 * happened before the dispatch and is no effect of it. It used to complete the reboot. */
static void test_evidence_bmc_reboot_not_completed_by_older_backlog(void **state)
{
    Harness *h = make(2);
    static const ScriptLine script[] = {
        { "backlog request bmc HardReboot id=hr", "" },
        { "backlog status 1 lost", "node-lost@1" },
        { "backlog birth 1", "node-back@1" },
        { "backlog status 2 lost", "node-lost@2" },
        { "backlog birth 2", "node-back@2" },
        { "drained", "persist accepted:hr dispatch:bmc:hr dispatched:hr" },
        /* Receipts came with the dispatch; nothing left Ready since: not completed. */
        { "heartbeat 1", "" },
        /* Now the reboots: node 1 by a new session after its receipt, node 2 in place. */
        { "status 1 lost", "node-lost@1" },
        { "birth 1", "node-back@1" },
        { "state 2 bmc NotReady", "" },
        { "state 2 bmc Ready", "persist completed:hr" },
    };

    (void) state;
    harness_bring_up(h);
    HARNESS_SCRIPT(h, script);
    harness_free(h);
}

/* The node got the command (its receipt), then its BMC rebooted while the host went on booting:
 * the new agent session names no request, and its states count for the one the node got. A
 * state naming another request does not. */
static void test_evidence_new_session_after_receipt_counts(void **state)
{
    Harness *h = make(2);
    static const ScriptLine script[] = {
        { "request host On id=on", NULL },
        { "state 1 host TransitioningToRunning", "" },
        { "status 1 lost", "node-lost@1" },
        { "birth 1 host=TransitioningToRunning", "node-back@1" },
        { "state 1 host Running", "" },
        { "state 2 host Running req=other", "" },
        { "state 2 host Off req=on", "" },
        { "state 2 host Running", "persist completed:on" },
    };

    (void) state;
    harness_bring_up(h);
    HARNESS_SCRIPT(h, script);
    harness_free(h);
}

/* A final event the broker never acknowledged (it died with it, or the connection did, or we were
 * killed before the mark was written) is published again at the next connect, marked "replay",
 * until acknowledged; one acknowledged is not. */
/* The broker is heard from (a heartbeat) COORD_ANNOUNCE_SETTLE_MS after the last
 * acknowledgement: every acknowledged final event counts as out. */
static void settle(Harness *h)
{
    (void) harness_run(h, "advance 2000");
    (void) harness_run(h, "heartbeat 1");
}

static void test_evidence_unacknowledged_final_event_replayed(void **state)
{
    Harness *h = make(2);
    const CoordAction *a;

    (void) state;
    harness_bring_up(h);
    h->hold_acks = true;
    assert_string_equal(harness_run(h, "request chassis Off id=off"),
                        "persist accepted:off dispatch:chassis:off dispatched:off persist "
                        "completed:off");
    /* The broker dies with it: at the reconnect it goes out again. */
    assert_string_equal(harness_run(h, "disconnect"), "");
    h->hold_acks = false;
    assert_string_equal(harness_run(h, "connect"), "persist rebirth completed:off");
    a = harness_find_event(h, SB_EVENT_COMPLETED, "off");
    assert_true(a->event.replay);
    assert_string_equal(a->event.why, "all 2 nodes reached chassis Off");
    /* Acknowledged now, and the broker heard from after the settle time: the next reconnect has
     * nothing to replay. */
    settle(h);
    assert_string_equal(harness_run(h, "disconnect"), "");
    assert_string_equal(harness_run(h, "connect"), "persist rebirth");

    /* Killed before its acknowledgement: the restart replays it. */
    assert_string_equal(harness_run(h, "birth 1-2"), "");
    h->hold_acks = true;
    harness_run(h, "request chassis Off id=off2");
    h = harness_restart(h, 1000);
    assert_string_equal(harness_run(h, "connect"), "persist rebirth completed:off2");
    assert_true(harness_find_event(h, SB_EVENT_COMPLETED, "off2")->event.replay);
    /* Settled, and written with the mark by the next write (here a request's): no replay
     * after that. */
    assert_string_equal(harness_run(h, "birth 1-2"), "");
    settle(h);
    assert_string_equal(harness_run(h, "request bmc Reboot id=b nodes=1"),
                        "persist accepted:b dispatch:bmc:b dispatched:b");
    h = harness_restart(h, 1000);
    assert_string_equal(harness_run(h, "connect"), "persist rebirth");
    harness_free(h);
}

/* Found by the campaign (seed 1): a HardReboot sent to a node whose agent was just restarting
 * (the command lost), the coordinator killed, restored: the node's new session is Ready "since"
 * after the dispatch, yet the command never reached it. Not completed; failed by its time-out. */
static void test_evidence_restored_bmc_reboot_needs_its_own_effect(void **state)
{
    Harness *h = make(2);

    (void) state;
    harness_bring_up(h);
    assert_string_equal(harness_run(h, "deaf 1"), "");
    assert_string_equal(harness_run(h, "request bmc HardReboot id=hr nodes=1"),
                        "persist accepted:hr dispatch:bmc:hr dispatched:hr");
    h = harness_restart(h, 500);
    assert_string_equal(harness_run(h, "connect"), "persist rebirth");
    assert_string_equal(harness_run(h, "birth 1"), "");
    assert_string_equal(harness_run(h, "birth 2"), "");
    assert_string_equal(harness_run(h, "advance 59499"), "");
    assert_string_equal(harness_run(h, "advance 1"), "persist failed:hr");
    harness_free(h);
}

/* Found by the campaign (seed 104): an Off ends a queued request and supersedes the active one
 * of the same target, the broker dies with both final events, and another request of the target
 * ends before the reconnect. Every unacknowledged final event is published again, also after a
 * restart, not only the last of the target. */
static void test_evidence_every_unacknowledged_final_replayed(void **state)
{
    Harness *h = make(2);
    (void) state;
    harness_bring_up(h);
    assert_string_equal(harness_run(h, "deaf 1"), "");
    harness_run(h, "request host On id=a");
    h->hold_acks = true;
    assert_string_equal(harness_run(h, "request host Off id=off"),
                        "persist accepted:off superseded:a dispatch:host:off dispatched:off");
    assert_string_equal(harness_run(h, "state 1 host Off req=off"), "persist completed:off");
    assert_string_equal(harness_run(h, "disconnect"), "");
    h = harness_restart(h, 1000);
    h->hold_acks = false;
    assert_string_equal(harness_run(h, "connect"), "persist rebirth superseded:a completed:off");
    assert_true(harness_find_event(h, SB_EVENT_SUPERSEDED, "a")->event.replay);
    assert_true(harness_find_event(h, SB_EVENT_COMPLETED, "off")->event.replay);
    /* Acknowledged and settled: nothing to replay at the next connect. */
    settle(h);
    assert_string_equal(harness_run(h, "disconnect"), "");
    assert_string_equal(harness_run(h, "connect"), "persist rebirth");
    harness_free(h);
}

/* Found by the campaign (ASan seed 19): the broker acknowledged a final event and was killed
 * within its autosave interval, so the event was in no queue of the restarted broker. An
 * acknowledgement counts only once the broker is heard from COORD_ANNOUNCE_SETTLE_MS after it
 * on the same connection; a connection lost before that replays the event. */
static void test_evidence_final_acknowledged_by_a_dying_broker_replayed(void **state)
{
    Harness *h = make(2);

    (void) state;
    harness_bring_up(h);
    assert_string_equal(harness_run(h, "request chassis Off id=off"),
                        "persist accepted:off dispatch:chassis:off dispatched:off persist "
                        "completed:off");
    /* Acknowledged, then heard from too soon: not yet out. */
    assert_string_equal(harness_run(h, "advance 1999"), "");
    assert_string_equal(harness_run(h, "heartbeat 1"), "");
    assert_string_equal(harness_run(h, "disconnect"), "");
    assert_string_equal(harness_run(h, "connect"), "persist rebirth completed:off");
    assert_true(harness_find_event(h, SB_EVENT_COMPLETED, "off")->event.replay);
    /* The replay acknowledged; the clock alone (no word from the broker) settles nothing. */
    assert_string_equal(harness_run(h, "advance 5000"), "");
    assert_string_equal(harness_run(h, "disconnect"), "");
    assert_string_equal(harness_run(h, "connect"), "persist rebirth completed:off");
    /* Acknowledged and the broker heard from 2 s later: out, no replay. */
    settle(h);
    assert_string_equal(harness_run(h, "disconnect"), "");
    assert_string_equal(harness_run(h, "connect"), "persist rebirth");
    /* Also a coordinator restart: settled before the kill and written, not replayed. */
    assert_string_equal(harness_run(h, "birth 1-2"), "");
    assert_string_equal(harness_run(h, "request chassis Off id=off2"),
                        "persist accepted:off2 dispatch:chassis:off2 dispatched:off2 persist "
                        "completed:off2");
    settle(h);
    assert_string_equal(harness_run(h, "request bmc Reboot id=b nodes=1"),
                        "persist accepted:b dispatch:bmc:b dispatched:b");
    h = harness_restart(h, 1000);
    assert_string_equal(harness_run(h, "connect"), "persist rebirth");
    harness_free(h);
}

static uint64_t hb_seq[3];

/* A heartbeat of node sent sent_ago_ms before now by its own clock (which agrees with ours). */
static const char *beat(Harness *h, uint32_t node, uint64_t sent_ago_ms)
{
    CoordEvent ev = { .kind = COORD_EV_NODE_HEARTBEAT, .node = node };

    ev.heartbeat = (SbHeartbeatMsg){
        .node = node,
        .epoch = h->agents[node].epoch,
        .seq = ++hb_seq[node],
        .time_ms = h->now_ms - sent_ago_ms,
    };
    return harness_feed_described(h, &ev);
}

/* A stall too short for a timer to come due: a heartbeat that arrives 1.5 s after its node sent
 * it. Its node is held (not verified, the gate shut) until a probe sent then is back and a live
 * message of it follows. */
static void test_evidence_late_heartbeat_holds_its_node(void **state)
{
    Harness *h = make(2);

    (void) state;
    memset(hb_seq, 0, sizeof(hb_seq));
    harness_bring_up(h);
    for (int i = 0; i < 4; i++) {
        assert_string_equal(harness_run(h, "advance 1000"), "");
        assert_string_equal(beat(h, 1, 2), "");
        assert_string_equal(beat(h, 2, 2), "");
    }
    h->hold_probes = true;
    /* 900 ms late is within the bound; 1.5 s is not. */
    assert_string_equal(beat(h, 1, 900), "");
    assert_int_equal(stats(h).nodes_online, 2);
    assert_string_equal(beat(h, 1, 1500), "");
    assert_int_equal(stats(h).nodes_online, 1);
    assert_false(stats(h).gate_open);
    assert_string_equal(harness_run(h, "request host On id=on"), "persist queued:on");
    /* More of the same backlog: still held, no second probe. */
    assert_string_equal(beat(h, 1, 1200), "");
    assert_string_equal(beat(h, 1, 10), "");
    assert_false(stats(h).gate_open);
    assert_string_equal(harness_run(h, "probe"), "");
    /* After the echo, a live message of the node verifies it; the release has its own probe. */
    assert_string_equal(beat(h, 1, 10), "");
    assert_true(stats(h).gate_open);
    assert_string_equal(harness_run(h, "probe"), "persist dispatch:host:on dispatched:on");
    harness_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_evidence_backlog_ready_then_lost_releases_nothing),
        cmocka_unit_test(test_evidence_request_in_backlog_waits_for_the_rest),
        cmocka_unit_test(test_evidence_held_requests_keep_their_order),
        cmocka_unit_test(test_evidence_gated_dispatch_waits_for_the_probe),
        cmocka_unit_test(test_evidence_flap_during_probe_needs_a_new_probe),
        cmocka_unit_test(test_evidence_stall_reverifies_before_a_gated_dispatch),
        cmocka_unit_test(test_evidence_cycle_no_node_performed_fails),
        cmocka_unit_test(test_evidence_node_without_the_command_is_named),
        cmocka_unit_test(test_evidence_cycle_needs_its_own_leave_and_return),
        cmocka_unit_test(test_evidence_bmc_reboot_not_completed_by_older_backlog),
        cmocka_unit_test(test_evidence_new_session_after_receipt_counts),
        cmocka_unit_test(test_evidence_late_heartbeat_holds_its_node),
        cmocka_unit_test(test_evidence_restored_bmc_reboot_needs_its_own_effect),
        cmocka_unit_test(test_evidence_every_unacknowledged_final_replayed),
        cmocka_unit_test(test_evidence_unacknowledged_final_event_replayed),
        cmocka_unit_test(test_evidence_final_acknowledged_by_a_dying_broker_replayed),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
