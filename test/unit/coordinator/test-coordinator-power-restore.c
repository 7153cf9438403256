/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Power restore (topics/README.md "Power restore"): the decision table (policy x system-wide or
 * node-local loss x previous state x one-time policy x a coordinator restart in between), one
 * decision per power-loss event across restarts, the delay (persisted, never lost, never
 * repeated), node-local rejoin, and what is published.
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

#define NODES 3

typedef enum Previous {
    PREVIOUS_NONE,     /* nothing was ever requested */
    PREVIOUS_HOST_ON,  /* host On, reached Running */
    PREVIOUS_HOST_OFF, /* host On, then host Off */
    PREVIOUS_COUNT,
} Previous;

static const char *const previous_names[] = { "none", "host On", "host Off" };

static Harness *make(CoordNodeRestore node_restore, uint32_t delay_s)
{
    CoordConfig cfg = harness_config(NODES);
    Harness *h;
    char input[64];

    cfg.node_restore = node_restore;
    h = harness_new(&cfg);
    harness_bring_up(h);
    if (delay_s > 0) {
        (void) snprintf(input, sizeof(input), "setting power-restore-delay %" PRIu32, delay_s);
        harness_run(h, input);
    }
    return h;
}

static void set_policies(Harness *h, SbRestorePolicy policy, SbRestorePolicy one_time)
{
    char input[96];

    (void) snprintf(input, sizeof(input), "setting power-restore-policy %s",
                    sb_enum_to_string(SB_ENUM_RESTORE_POLICY, (int) policy));
    harness_run(h, input);
    (void) snprintf(input, sizeof(input), "setting power-restore-one-time %s",
                    sb_enum_to_string(SB_ENUM_RESTORE_POLICY, (int) one_time));
    harness_run(h, input);
}

/* Every node's chassis On and host Running (the end of a completed power-on). */
static void run_all_nodes(Harness *h)
{
    char input[64];

    for (uint32_t n = 1; n <= NODES; n++) {
        (void) snprintf(input, sizeof(input), "state %" PRIu32 " chassis On", n);
        harness_run(h, input);
        (void) snprintf(input, sizeof(input), "state %" PRIu32 " host Running", n);
        harness_run(h, input);
    }
}

static void off_all_nodes(Harness *h)
{
    char input[64];

    for (uint32_t n = 1; n <= NODES; n++) {
        (void) snprintf(input, sizeof(input), "state %" PRIu32 " host Off", n);
        harness_run(h, input);
        (void) snprintf(input, sizeof(input), "state %" PRIu32 " chassis Off", n);
        harness_run(h, input);
    }
}

static void make_previous(Harness *h, Previous previous)
{
    switch (previous) {
    case PREVIOUS_NONE:
        return;
    case PREVIOUS_HOST_ON:
        harness_run(h, "request host On id=before");
        run_all_nodes(h);
        return;
    case PREVIOUS_HOST_OFF:
        harness_run(h, "request host On id=before");
        run_all_nodes(h);
        harness_run(h, "request host Off id=after");
        off_all_nodes(h);
        return;
    case PREVIOUS_COUNT:
        break;
    }
    fail();
}

/* The outage: the nodes in first..last lose AC (their Last Will fires), and their BMCs come back
 * from an AC-loss boot, NotReady at first, the chassis Off. Optionally the coordinator restarts
 * while they boot. Returns the harness (a new one after a restart), with the last BMC not Ready
 * yet: the next "state <last> bmc Ready" opens the gate. */
static Harness *outage(Harness *h, uint32_t first, uint32_t last, bool restart)
{
    char input[160];

    h->now_ms += 60000;
    for (uint32_t n = first; n <= last; n++) {
        (void) snprintf(input, sizeof(input), "status %" PRIu32 " lost", n);
        harness_run(h, input);
    }
    h->now_ms += 30000;
    for (uint32_t n = first; n <= last; n++) {
        (void) snprintf(input, sizeof(input),
                        "birth %" PRIu32
                        " bmc=NotReady chassis=Off host=Off boot=Unspecified ac_loss=1 "
                        "bmc_boot=now",
                        n);
        harness_run(h, input);
        h->now_ms += 10;
    }
    if (restart) {
        char range[32];

        h = harness_restart(h, 5000);
        harness_run(h, "connect");
        (void) snprintf(range, sizeof(range), "rebirth 1-%u", NODES);
        harness_run(h, range);
    }
    for (uint32_t n = first; n < last; n++) {
        (void) snprintf(input, sizeof(input), "state %" PRIu32 " bmc Ready", n);
        harness_run(h, input);
    }
    return h;
}

/* What the decision table says (topics/README.md "Power restore"). */
static bool
expect_action(bool system_wide, SbRestorePolicy policy, SbRestorePolicy one_time, Previous previous)
{
    SbRestorePolicy effective = one_time != SB_POLICY_NONE ? one_time : policy;

    if (!system_wide) {
        return false; /* node-local: the system stays as it is (no --node-restore) */
    }
    return effective == SB_POLICY_ALWAYS_ON ||
           (effective == SB_POLICY_RESTORE && previous == PREVIOUS_HOST_ON);
}

static void check_case(SbRestorePolicy policy,
                       bool system_wide,
                       Previous previous,
                       SbRestorePolicy one_time,
                       bool restart)
{
    Harness *h = make(COORD_NODE_RESTORE_NONE, 0);
    bool acts = expect_action(system_wide, policy, one_time, previous);
    const CoordAction *ev, *dispatch, *setting;
    SbPowerRestoreMsg m;
    char label[160], last[32];

    (void) snprintf(label, sizeof(label), "policy %s, %s, previous %s, one-time %s%s",
                    sb_enum_to_string(SB_ENUM_RESTORE_POLICY, (int) policy),
                    system_wide ? "system-wide" : "node-local", previous_names[previous],
                    sb_enum_to_string(SB_ENUM_RESTORE_POLICY, (int) one_time),
                    restart ? ", restart in between" : "");
    set_policies(h, policy, one_time);
    make_previous(h, previous);
    h = outage(h, system_wide ? 1 : 2, system_wide ? NODES : 2, restart);
    (void) snprintf(last, sizeof(last), "state %u bmc Ready", system_wide ? NODES : 2);
    harness_run(h, last);

    /* One decision, published and announced, acted on or not. */
    ev = harness_find_event_kind(h, SB_EVENT_POWER_RESTORE, 0);
    if (!ev || harness_find_event_kind(h, SB_EVENT_POWER_RESTORE, 1)) {
        fail_msg("%s: expected exactly one power-restore event", label);
    }
    assert_int_equal(harness_count(h, COORD_ACT_PUBLISH_POWER_RESTORE), 1);
    assert_int_equal(h->out.items[0].kind, COORD_ACT_PERSIST);
    assert_int_equal(coord_power_restore_build(h->c, &m), 0);
    assert_int_equal(m.system_wide, system_wide);
    assert_int_equal(m.n_nodes, system_wide ? NODES : 1);
    assert_string_equal(ev->event.why, m.why);
    dispatch = harness_find_dispatch(h, SB_TARGET_HOST);
    if (acts != (dispatch != NULL)) {
        fail_msg("%s: expected %s, why '%s'", label, acts ? "host On" : "no action", m.why);
    }
    if (acts) {
        assert_int_equal(dispatch->command.transition, SB_TRANSITION_ON);
        assert_string_equal(dispatch->command.id, "power-restore-1");
        assert_string_equal(m.id, "power-restore-1");
        assert_int_equal(m.action, SB_TRANSITION_ON);
        assert_non_null(
                strstr(dispatch->command.reason,
                       (one_time != SB_POLICY_NONE ? one_time : policy) == SB_POLICY_ALWAYS_ON
                               ? "PowerPolicyAlwaysOn"
                               : "PowerPolicyPreviousState"));
    } else {
        assert_int_equal(m.action, SB_TRANSITION_NONE);
        assert_string_equal(m.id, "");
        assert_int_equal(harness_count(h, COORD_ACT_DISPATCH), 0);
    }
    /* The one-time policy is used by a system-wide loss only, and then cleared. */
    setting = harness_find_setting(h, SB_SETTING_POWER_RESTORE_ONE_TIME);
    if (system_wide && one_time != SB_POLICY_NONE) {
        SbSettingValue v;

        assert_non_null(setting);
        assert_true(m.one_time);
        assert_int_equal(m.policy, one_time);
        assert_int_equal(coord_setting_build(h->c, SB_SETTING_POWER_RESTORE_ONE_TIME, &v), 0);
        assert_int_equal(v.policy, SB_POLICY_NONE);
    } else {
        assert_null(setting);
        assert_false(m.one_time);
        assert_int_equal(m.policy, policy);
    }
    if (!system_wide) {
        assert_non_null(strstr(m.why, "node-local loss"));
        assert_non_null(strstr(m.why, "the system stays as it is"));
    }
    /* Once per loss: the same reports again (a rebirth, a reconnect) decide nothing. */
    harness_run(h, "rebirth 1-3");
    assert_null(harness_find_event_kind(h, SB_EVENT_POWER_RESTORE, 0));
    h = harness_restart(h, 1000);
    harness_run(h, "connect");
    harness_run(h, "rebirth 1-3");
    assert_null(harness_find_event_kind(h, SB_EVENT_POWER_RESTORE, 0));
    assert_int_equal(harness_count(h, COORD_ACT_DISPATCH), 0);
    harness_free(h);
}

static void test_power_restore_decision_table(void **state)
{
    static const SbRestorePolicy one_times[] = { SB_POLICY_NONE, SB_POLICY_ALWAYS_ON,
                                                 SB_POLICY_ALWAYS_OFF, SB_POLICY_RESTORE };
    unsigned cases = 0;

    (void) state;
    for (int policy = SB_POLICY_NONE; policy < SB_POLICY_COUNT; policy++) {
        for (int wide = 0; wide < 2; wide++) {
            for (int previous = 0; previous < PREVIOUS_COUNT; previous++) {
                for (size_t o = 0; o < sizeof(one_times) / sizeof(one_times[0]); o++) {
                    for (int restart = 0; restart < 2; restart++) {
                        check_case((SbRestorePolicy) policy, wide, (Previous) previous,
                                   one_times[o], restart);
                        cases++;
                    }
                }
            }
        }
    }
    assert_int_equal(cases, 4 * 2 * 3 * 4 * 2);
}

static void test_power_restore_words(void **state)
{
    Harness *h = make(COORD_NODE_RESTORE_NONE, 0);
    SbPowerRestoreMsg m;

    (void) state;
    set_policies(h, SB_POLICY_NONE, SB_POLICY_NONE);
    h = outage(h, 1, NODES, false);
    harness_run(h, "state 3 bmc Ready");
    assert_int_equal(coord_power_restore_build(h->c, &m), 0);
    assert_string_equal(m.why, "every node (3) lost AC power; policy None: no action");

    set_policies(h, SB_POLICY_RESTORE, SB_POLICY_NONE);
    h = outage(h, 1, NODES, false);
    harness_run(h, "state 3 bmc Ready");
    assert_int_equal(coord_power_restore_build(h->c, &m), 0);
    assert_string_equal(m.why, "every node (3) lost AC power; policy Restore: no state was ever "
                               "requested: no action");

    set_policies(h, SB_POLICY_ALWAYS_OFF, SB_POLICY_ALWAYS_ON);
    h = outage(h, 1, NODES, false);
    harness_run(h, "state 3 bmc Ready");
    assert_int_equal(coord_power_restore_build(h->c, &m), 0);
    assert_string_equal(m.why, "every node (3) lost AC power; one-time policy AlwaysOn: host On");
    assert_true(m.loss_id == h->agents[3].bmc_boot_ms);
    assert_int_equal(m.n_nodes, 3);
    assert_true(m.due_ms == h->now_ms);
    harness_free(h);
}

static void test_power_restore_no_action_while_power_is_on(void **state)
{
    Harness *h = make(COORD_NODE_RESTORE_NONE, 0);
    SbPowerRestoreMsg m;

    (void) state;
    set_policies(h, SB_POLICY_ALWAYS_ON, SB_POLICY_ALWAYS_ON);
    h = outage(h, 1, NODES, false);
    /* A UPS kept one chassis powered: PSM restores only a chassis that is off. */
    harness_run(h, "state 2 chassis On");
    harness_run(h, "state 3 bmc Ready");
    assert_int_equal(coord_power_restore_build(h->c, &m), 0);
    assert_int_equal(harness_count(h, COORD_ACT_DISPATCH), 0);
    assert_non_null(strstr(m.why, "the chassis power is on on 1 nodes: no action"));
    /* The one-time policy was not used, so it stays. */
    assert_null(harness_find_setting(h, SB_SETTING_POWER_RESTORE_ONE_TIME));
    harness_free(h);
}

static void test_power_restore_waits_for_the_gate(void **state)
{
    Harness *h = make(COORD_NODE_RESTORE_NONE, 0);

    (void) state;
    set_policies(h, SB_POLICY_ALWAYS_ON, SB_POLICY_NONE);
    h = outage(h, 1, NODES, false);
    /* Nothing is decided while a BMC is not Ready (PSM decides at BMC Ready). */
    assert_null(harness_find_event_kind(h, SB_EVENT_POWER_RESTORE, 0));
    assert_string_equal(harness_run(h, "state 3 bmc Ready"),
                        "persist power-restore:power-restore-1 accepted:power-restore-1 "
                        "persist dispatch:host:power-restore-1 dispatched:power-restore-1");
    harness_free(h);
}

static void test_power_restore_report_without_bmc_boot_is_never_acted_on(void **state)
{
    Harness *h = make(COORD_NODE_RESTORE_NONE, 0);

    (void) state;
    set_policies(h, SB_POLICY_ALWAYS_ON, SB_POLICY_NONE);
    /* An agent that cannot tell when its BMC booted: the report cannot be told apart from one
     * already decided, so it never powers anything on. */
    harness_run(h, "birth 1-3 bmc=NotReady ac_loss=1 bmc_boot=0");
    harness_run(h, "state 1 bmc Ready");
    harness_run(h, "state 2 bmc Ready");
    harness_run(h, "state 3 bmc Ready");
    assert_null(harness_find_event_kind(h, SB_EVENT_POWER_RESTORE, 0));
    assert_int_equal(coord_power_restore_build(h->c, &(SbPowerRestoreMsg){ 0 }), -ENOENT);
    harness_free(h);
}

static void test_power_restore_bmc_reset_is_not_a_loss(void **state)
{
    Harness *h = make(COORD_NODE_RESTORE_NONE, 0);

    (void) state;
    set_policies(h, SB_POLICY_ALWAYS_ON, SB_POLICY_NONE);
    harness_run(h, "request host On id=on");
    run_all_nodes(h);
    /* Node 2's BMC reboots with the host up: stale meanwhile, no AC loss, no action. */
    harness_run(h, "status 2 lost");
    harness_run(h, "birth 2 bmc=NotReady chassis=On host=Running boot=OSRunning ac_loss=0 "
                   "bmc_boot=now");
    assert_string_equal(harness_run(h, "state 2 bmc Ready"), "");
    assert_null(harness_find_event_kind(h, SB_EVENT_POWER_RESTORE, 0));
    harness_free(h);
}

static void test_power_restore_newer_loss_after_an_old_one(void **state)
{
    Harness *h = make(COORD_NODE_RESTORE_NONE, 0);
    SbPowerRestoreMsg m;

    (void) state;
    set_policies(h, SB_POLICY_ALWAYS_ON, SB_POLICY_NONE);
    h = outage(h, 1, NODES, false);
    harness_run(h, "state 3 bmc Ready");
    assert_non_null(harness_find_dispatch(h, SB_TARGET_HOST));
    run_all_nodes(h);
    /* Later node 2 alone loses AC again; nodes 1 and 3 still say ac_loss from the old boot. */
    h = outage(h, 2, 2, false);
    harness_run(h, "state 2 bmc Ready");
    assert_int_equal(coord_power_restore_build(h->c, &m), 0);
    assert_false(m.system_wide);
    assert_int_equal(m.n_nodes, 1);
    assert_int_equal(m.nodes[0], 2);
    assert_int_equal(harness_count(h, COORD_ACT_DISPATCH), 0);
    /* And then the whole system: every bmc_boot is newer than the last decided one. */
    h = outage(h, 1, NODES, false);
    harness_run(h, "state 3 bmc Ready");
    assert_int_equal(coord_power_restore_build(h->c, &m), 0);
    assert_true(m.system_wide);
    assert_string_equal(m.id, "power-restore-2");
    harness_free(h);
}

static void test_power_restore_node_local_rejoin(void **state)
{
    Harness *h = make(COORD_NODE_RESTORE_REJOIN, 0);
    const CoordAction *d;
    uint32_t nodes[HARNESS_NODES_MAX];
    SbPowerRestoreMsg m;

    (void) state;
    set_policies(h, SB_POLICY_ALWAYS_OFF, SB_POLICY_NONE);
    harness_run(h, "request host On id=on");
    run_all_nodes(h);
    h = outage(h, 2, 2, false);
    harness_run(h, "state 2 bmc Ready");
    /* Node 2 rejoins the running system: a host On to node 2 only, through the gate. */
    d = harness_find_dispatch(h, SB_TARGET_HOST);
    assert_non_null(d);
    assert_int_equal(harness_dispatch_nodes(h, d, nodes, HARNESS_NODES_MAX), 1);
    assert_int_equal(nodes[0], 2);
    assert_int_equal(coord_power_restore_build(h->c, &m), 0);
    assert_false(m.system_wide);
    assert_int_equal(m.action, SB_TRANSITION_ON);
    assert_non_null(strstr(m.why, "they rejoin the running system"));

    /* Not when the system was asked to be off. */
    harness_run(h, "request host Off id=off");
    off_all_nodes(h);
    h = outage(h, 3, 3, false);
    harness_run(h, "state 3 bmc Ready");
    assert_int_equal(harness_count(h, COORD_ACT_DISPATCH), 0);
    assert_int_equal(coord_power_restore_build(h->c, &m), 0);
    assert_non_null(strstr(m.why, "nothing to rejoin"));
    harness_free(h);
}

static void test_power_restore_delay_survives_a_restart(void **state)
{
    Harness *h = make(COORD_NODE_RESTORE_NONE, 30);
    SbPowerRestoreMsg m;
    uint64_t due;
    unsigned dispatches = 0;

    (void) state;
    set_policies(h, SB_POLICY_ALWAYS_ON, SB_POLICY_NONE);
    h = outage(h, 1, NODES, false);
    assert_string_equal(harness_run(h, "state 3 bmc Ready"),
                        "persist power-restore:power-restore-1");
    assert_int_equal(coord_power_restore_build(h->c, &m), 0);
    due = h->now_ms + 30000;
    assert_true(m.due_ms == due);
    assert_int_equal(m.delay_s, 30);
    assert_non_null(strstr(m.why, "in 30 s (power-restore-delay)"));
    assert_true(h->armed_at_ms == due);

    /* The coordinator restarts in the middle of the delay: the decision is neither lost nor
     * taken again, and the request goes out at the original due time. */
    harness_run(h, "advance 10000");
    h = harness_restart(h, 5000);
    harness_run(h, "connect");
    harness_run(h, "rebirth 1-3");
    assert_null(harness_find_event_kind(h, SB_EVENT_POWER_RESTORE, 0));
    harness_run(h, "advance 14000");
    dispatches += (unsigned) harness_count(h, COORD_ACT_DISPATCH);
    assert_int_equal(dispatches, 0);
    harness_run(h, "advance 1000");
    assert_non_null(harness_find_event_kind(h, SB_EVENT_POWER_RESTORE, 0));
    assert_non_null(harness_find_dispatch(h, SB_TARGET_HOST));
    assert_string_equal(harness_find_dispatch(h, SB_TARGET_HOST)->command.id, "power-restore-1");
    /* Submitted once. */
    h = harness_restart(h, 1000);
    harness_run(h, "connect");
    harness_run(h, "rebirth 1-3");
    harness_run(h, "advance 60000");
    assert_int_equal(harness_count(h, COORD_ACT_DISPATCH), 0);
    harness_free(h);
}

static void test_power_restore_off_cancels_the_delayed_power_on(void **state)
{
    Harness *h = make(COORD_NODE_RESTORE_NONE, 30);
    const CoordAction *ev;

    (void) state;
    set_policies(h, SB_POLICY_ALWAYS_ON, SB_POLICY_NONE);
    h = outage(h, 1, NODES, false);
    harness_run(h, "state 3 bmc Ready");
    harness_run(h, "request host Off id=stop");
    ev = harness_find_event(h, SB_EVENT_POWER_RESTORE, "power-restore-1");
    assert_non_null(ev);
    assert_string_equal(ev->event.why, "cancelled by Off stop before power-restore-delay was over");
    harness_run(h, "advance 60000");
    assert_int_equal(harness_count(h, COORD_ACT_DISPATCH), 0);
    harness_free(h);
}

static void test_power_restore_published_after_every_connect(void **state)
{
    Harness *h = make(COORD_NODE_RESTORE_NONE, 0);

    (void) state;
    set_policies(h, SB_POLICY_NONE, SB_POLICY_NONE);
    harness_run(h, "disconnect");
    harness_run(h, "connect");
    assert_int_equal(harness_count(h, COORD_ACT_PUBLISH_POWER_RESTORE), 0);
    harness_run(h, "rebirth 1-3");
    /* No decision yet: nothing to publish. */
    assert_int_equal(harness_count(h, COORD_ACT_PUBLISH_POWER_RESTORE), 0);
    h = outage(h, 1, NODES, false);
    harness_run(h, "state 3 bmc Ready");
    h = harness_restart(h, 1000);
    harness_run(h, "connect");
    /* Held back during the rebirth window, then published with the rollups. */
    assert_int_equal(harness_count(h, COORD_ACT_PUBLISH_POWER_RESTORE), 0);
    harness_run(h, "rebirth 1-3");
    assert_int_equal(harness_count(h, COORD_ACT_PUBLISH_POWER_RESTORE), 1);
    assert_int_equal(harness_count(h, COORD_ACT_PUBLISH_SETTING), SB_SETTING_COUNT - 1);
    harness_free(h);
}

/* The delayed action is a request (issue #14): listed in system/requests with its not-before
 * time, counted as pending, refused as a duplicate id, and cancelled by its id like any queued
 * one. */
static void test_power_restore_delayed_action_is_a_request(void **state)
{
    Harness *h = make(COORD_NODE_RESTORE_NONE, 30);
    SbRequestsMsg m;
    CoordStats st;
    CoordEvent ev = { .kind = COORD_EV_CANCEL };
    const CoordAction *e;
    uint64_t due;

    (void) state;
    set_policies(h, SB_POLICY_ALWAYS_ON, SB_POLICY_NONE);
    h = outage(h, 1, NODES, false);
    harness_run(h, "state 3 bmc Ready");
    due = h->now_ms + 30000;
    assert_int_equal(coord_requests_build(h->c, h->now_ms, &m), 0);
    assert_int_equal(m.n_requests, 1);
    assert_int_equal(m.requests[0].phase, SB_REQUEST_PENDING);
    assert_string_equal(m.requests[0].id, "power-restore-1");
    assert_int_equal(m.requests[0].target, SB_TARGET_HOST);
    assert_int_equal(m.requests[0].transition, SB_TRANSITION_ON);
    assert_true(m.requests[0].not_before_ms == due);
    assert_true(m.requests[0].since_ms == h->now_ms);
    assert_string_equal(m.requests[0].why,
                        "power-restore-delay: waits 30 s from its decision, then enters the gate");
    coord_stats(h->c, &st);
    assert_int_equal(st.requests_pending, 1);

    /* Its id is taken. */
    assert_string_equal(harness_run(h, "request host On id=power-restore-1"),
                        "duplicate:power-restore-1");

    (void) snprintf(ev.cancel.id, sizeof(ev.cancel.id), "power-restore-1");
    (void) harness_feed(h, &ev);
    e = harness_find_event(h, SB_EVENT_CANCELLED, "power-restore-1");
    assert_non_null(e);
    assert_string_equal(e->event.why, "cancelled by an operator; it was waiting for "
                                      "power-restore-delay, nothing was dispatched");
    assert_int_equal(e->event.target, SB_TARGET_HOST);
    assert_int_equal(e->event.transition, SB_TRANSITION_ON);
    assert_int_equal(coord_requests_build(h->c, h->now_ms, &m), 0);
    assert_int_equal(m.n_requests, 1);
    assert_int_equal(m.requests[0].phase, SB_REQUEST_DONE);
    assert_int_equal(m.requests[0].result, SB_EVENT_CANCELLED);
    assert_true(m.requests[0].not_before_ms == 0);
    harness_run(h, "advance 60000");
    assert_int_equal(harness_count(h, COORD_ACT_DISPATCH), 0);
    harness_free(h);
}

/* Two system-wide losses, the first decided with a 300 s delay, the second with second_delay_s:
 * the second decision replaces the delayed request of the first (one action at a time). */
static Harness *replace_delayed(uint32_t second_delay_s)
{
    Harness *h = make(COORD_NODE_RESTORE_NONE, 300);
    char input[64];
    const CoordAction *e;

    set_policies(h, SB_POLICY_ALWAYS_ON, SB_POLICY_NONE);
    h = outage(h, 1, NODES, false);
    harness_run(h, "state 3 bmc Ready");
    (void) snprintf(input, sizeof(input), "setting power-restore-delay %" PRIu32, second_delay_s);
    harness_run(h, input);
    h = outage(h, 1, NODES, false);
    harness_run(h, "state 3 bmc Ready");
    e = harness_find_event(h, SB_EVENT_POWER_RESTORE, "power-restore-1");
    assert_non_null(e);
    assert_string_equal(e->event.why, "replaced by power-restore-2, a newer decision");
    return h;
}

/* Delayed too: only the newer one is listed, and it goes out at its own time. */
static void test_power_restore_newer_decision_replaces_the_delayed_one(void **state)
{
    Harness *h = replace_delayed(300);
    SbRequestsMsg m;

    (void) state;
    assert_int_equal(coord_requests_build(h->c, h->now_ms, &m), 0);
    assert_int_equal(m.n_requests, 1);
    assert_string_equal(m.requests[0].id, "power-restore-2");
    harness_run(h, "advance 299000");
    assert_int_equal(harness_count(h, COORD_ACT_DISPATCH), 0);
    harness_run(h, "advance 1000");
    assert_non_null(harness_find_dispatch(h, SB_TARGET_HOST));
    assert_string_equal(harness_find_dispatch(h, SB_TARGET_HOST)->command.id, "power-restore-2");
    harness_free(h);
}

/* Not delayed: the replaced request never goes out. */
static void test_power_restore_undelayed_decision_replaces_the_delayed_one(void **state)
{
    Harness *h = replace_delayed(0);
    SbRequestsMsg m;

    (void) state;
    harness_run(h, "advance 600000");
    assert_int_equal(coord_requests_build(h->c, h->now_ms, &m), 0);
    for (size_t i = 0; i < m.n_requests; i++) {
        assert_string_not_equal(m.requests[i].id, "power-restore-1");
    }
    harness_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_power_restore_decision_table),
        cmocka_unit_test(test_power_restore_words),
        cmocka_unit_test(test_power_restore_no_action_while_power_is_on),
        cmocka_unit_test(test_power_restore_waits_for_the_gate),
        cmocka_unit_test(test_power_restore_report_without_bmc_boot_is_never_acted_on),
        cmocka_unit_test(test_power_restore_bmc_reset_is_not_a_loss),
        cmocka_unit_test(test_power_restore_newer_loss_after_an_old_one),
        cmocka_unit_test(test_power_restore_node_local_rejoin),
        cmocka_unit_test(test_power_restore_delay_survives_a_restart),
        cmocka_unit_test(test_power_restore_off_cancels_the_delayed_power_on),
        cmocka_unit_test(test_power_restore_published_after_every_connect),
        cmocka_unit_test(test_power_restore_delayed_action_is_a_request),
        cmocka_unit_test(test_power_restore_newer_decision_replaces_the_delayed_one),
        cmocka_unit_test(test_power_restore_undelayed_decision_replaces_the_delayed_one),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
