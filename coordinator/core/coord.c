/* SPDX-License-Identifier: Apache-2.0 */
/*
 * coord_step(): one event in, the batch of actions out. This file owns the connection life cycle
 * (epoch, rebirth window), the order of work inside a step and the batch's epilogue (rollups,
 * system/requests, the single timer, PERSIST at the head). Node facts live in node-table.c (the
 * bottom layer: it calls no rule; the gate's not-Ready list), the rules in liveness.c, evidence.c,
 * requests.c, request-progress.c, power-restore.c, schedule.c, hypervisor.c and rollup.c; where a
 * rule returns a verdict (progress_completed(), evidence_take_held(), hypervisor_on_host()), this
 * file carries it out.
 *
 * The pipeline of one step ("decide" is false while more input waits in the socket: a step in
 * the middle of a backlog applies its event and decides nothing, topics/README.md "The gate"):
 *  1. Clock checks (liveness_check_clock, evidence_check_stall): read the time since the last
 *     step; a stall of our own restarts heartbeat deadlines and makes every node prove itself
 *     again (unverify, probe, rebirth). First, so that nothing below trusts a stale view.
 *  2. Deadlines (requests_run_deadlines; decide, connected, outside the rebirth window): expire
 *     queued and fail active requests whose time is up. Before the event: a time-out is judged
 *     on what the nodes had said by then, not on what this event says.
 *  3. The event (handle_event): connection changes, node messages (on_node_*: node-table.c
 *     records the facts, then liveness, evidence, clock offsets, power restore and progress hear
 *     what changed, in that order; a heartbeat's lateness is judged before the node's refresh,
 *     so an unverified node never counts as Ready in between), requests, cancels, settings,
 *     probe echoes, acknowledgements. A request read from a backlog is held, not submitted.
 *  4. Schedule (schedule_run; decide, connected): a due scheduled transition is a verdict, the
 *     request this file submits.
 *  5. Held requests, liveness, probes (decide): requests held during a backlog are submitted in
 *     the order read; nodes whose heartbeats stopped go silent (after the event: a heartbeat in
 *     this very event must refresh its node first); an unanswered probe is sent again.
 *  6. Rebirth window (window_check_end): ends at its deadline or once every node answered.
 *  7. Decisions (decide): completions first (a request this event completed ends, with its final
 *     event, before anything new is decided on the same view), then the delayed request whose
 *     not-before time came enters the gate (requests_submit_due: before a new decision, which
 *     would replace it), then power restore (decides an AC loss once the gate is open; its
 *     verdict, a request, possibly delayed, is submitted here), then the release of queued
 *     requests through the gate (needs a fresh probe), then completions again (since issue #13
 *     a request dispatched in this step cannot be complete yet, every node must first show its
 *     receipt: the unit tests pass without it; kept until that is settled), then the probe's
 *     echo is consumed (evidence for this decision point only).
 *  8. Views (publish_views): rollups, system/requests, settings and power-restore, only while
 *     connected and outside the rebirth window, all of them once when the window ends; after
 *     every decision, so they show its outcome. The shell publishes them before the batch's
 *     events (coordinator-apply.c): a state goes out before the answer that reports it.
 *  9. Epilogue: the one timer re-armed at the earliest deadline, and PERSIST put at the head of
 *     the batch when anything durable changed (the shell writes state.json before any other
 *     action of the batch).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coord-internal.h"

int coord_new(const CoordConfig *cfg, Coord **ret)
{
    Coord *c;
    int r;

    if (!cfg || !ret || cfg->nodes == 0 || cfg->nodes > SB_NODES_MAX || cfg->command_ttl_ms == 0 ||
        (cfg->when_not_ready != COORD_WHEN_NOT_READY_QUEUE &&
         cfg->when_not_ready != COORD_WHEN_NOT_READY_REJECT) ||
        (cfg->node_restore != COORD_NODE_RESTORE_NONE &&
         cfg->node_restore != COORD_NODE_RESTORE_REJOIN)) {
        return -EINVAL;
    }
    c = calloc(1, sizeof(*c));
    if (!c) {
        return -ENOMEM;
    }
    c->cfg = *cfg;
    r = node_table_init(c);
    if (r >= 0) {
        r = liveness_init(c);
    }
    if (r >= 0) {
        r = progress_init(c);
    }
    if (r >= 0) {
        r = power_restore_init(c);
    }
    if (r >= 0) {
        r = hypervisor_init(c);
    }
    if (r >= 0) {
        c->scratch = calloc((size_t) cfg->nodes + 1, 1);
        r = c->scratch ? 0 : -ENOMEM;
    }
    if (r < 0) {
        (void) coord_free(c);
        return r;
    }
    requests_init(c);
    settings_init(c);
    *ret = c;
    return 0;
}

Coord *coord_free(Coord *c)
{
    if (!c) {
        return NULL;
    }
    liveness_done(c);
    node_table_done(c);
    progress_done(c);
    power_restore_done(c);
    hypervisor_done(c);
    free(c->scratch);
    free(c);
    return NULL;
}

uint64_t coord_epoch(const Coord *c)
{
    return c ? c->epoch : 0;
}

uint64_t coord_debug_node_visits(const Coord *c)
{
    return c->node_visits;
}

/* Requires: CONNACK and SUBACKs. Effects: new epoch (persisted first: the shell's will carries
 * epoch + 1), every node unverified and stale, rebirth asked for, rollups held back for the
 * rebirth window. */
static void on_connected(Coord *c)
{
    evidence_on_connection(c);
    c->epoch++;
    c->durable_dirty = true;
    node_table_on_connected(c);
    c->in_window = true;
    c->window_end_ms = c->now_ms + c->cfg.rebirth_window_ms;
    (void) coord_action_add(c, COORD_ACT_PUBLISH_REBIRTH);
    /* A final event the last run persisted but may not have published (issue #13). */
    requests_replay_finals(c);
}

/* Requires: nothing. Effects: every node stale, gate closed; no events (the nodes did nothing). */
static void on_disconnected(Coord *c)
{
    evidence_on_connection(c);
    /* Nobody can be heard now: no heartbeat deadlines until the nodes are heard again. */
    for (uint32_t n = 1; n <= c->cfg.nodes; n++) {
        liveness_untrack(c, n);
    }
    node_table_on_disconnected(c);
    c->in_window = false;
}

/* The window ends at its deadline or as soon as every expected node answered the rebirth. */
static bool window_check_end(Coord *c)
{
    if (!c->in_window) {
        return false;
    }
    if (c->now_ms < c->window_end_ms && c->verified_count < c->cfg.nodes) {
        return false;
    }
    c->in_window = false;
    return true;
}

/* ---- node messages: node-table.c records the facts, the rules hear what changed -------- */

/* A live message of the node's current session, since our own connection, verifies the node
 * (unless evidence.c holds it until a probe is back) and proves it alive (liveness.c; hb is the
 * message when it is a heartbeat). */
static void
node_heard_live(Coord *c, const CoordEvent *ev, uint64_t epoch, const SbHeartbeatMsg *hb)
{
    if (!node_table_is_live_session(c, ev, epoch)) {
        return;
    }
    if (evidence_may_verify(c, ev->node)) {
        node_table_set_verified(c, ev->node, true);
    }
    liveness_on_heard(c, ev->node, hb);
}

static void on_node_down(Coord *c, uint32_t node, const Node *nd, const SbStatusMsg *m)
{
    bool was_online = nd->status == SB_STATUS_ONLINE, was_silent;

    /* A lost or offline of another epoch than the current one is a late will. */
    if (nd->has_epoch && m->epoch != nd->epoch) {
        return;
    }
    /* A node already declared lost by its missed heartbeats: the Will confirms it, no second
     * node-lost. */
    was_silent = liveness_forget(c, node);
    node_table_record_status(c, node, m);
    node_table_set_verified(c, node, false);
    if (was_online && !was_silent) {
        node_table_report(c, SB_EVENT_NODE_LOST, node,
                          m->status == SB_STATUS_LOST ? "status lost (Last Will)"
                                                      : "status offline (clean stop)");
    }
    progress_mark_bmc_left(c, node);
    node_refresh(c, node);
}

static void on_node_up(Coord *c, const CoordEvent *ev, const Node *nd)
{
    const SbStatusMsg *m = &ev->status;
    bool had_epoch = nd->has_epoch;
    bool epoch_changed = !nd->has_epoch || m->epoch != nd->epoch;
    bool was_down = nd->status == SB_STATUS_OFFLINE || nd->status == SB_STATUS_LOST;

    if (epoch_changed) {
        /* A new agent session: it has to prove itself again. A node silent since its old
         * session's heartbeats stopped is back too (that session's Will may never come). */
        was_down = liveness_forget(c, ev->node) || was_down;
        node_table_set_verified(c, ev->node, false);
        if (had_epoch) {
            progress_mark_bmc_left(c, ev->node);
        }
    }
    node_table_record_status(c, ev->node, m); /* online */
    /* Proves the session alive; liveness.c raises node-back when it had gone silent. */
    node_heard_live(c, ev, m->epoch, NULL);
    if (was_down) {
        char why[64];

        (void) snprintf(why, sizeof(why), "status online epoch=%" PRIu64, m->epoch);
        node_table_report(c, SB_EVENT_NODE_BACK, ev->node, why);
    }
    node_refresh(c, ev->node);
}

static void on_node_status(Coord *c, const CoordEvent *ev)
{
    const Node *nd = node_table_accept(c, ev->node, ev->status.node);

    if (!nd) {
        return;
    }
    switch (ev->status.status) {
    case SB_STATUS_ONLINE:
        on_node_up(c, ev, nd);
        return;
    case SB_STATUS_OFFLINE:
    case SB_STATUS_LOST:
        on_node_down(c, ev->node, nd, &ev->status);
        return;
    case SB_STATUS_UNKNOWN:
    case SB_STATUS_COUNT:
        break;
    }
    node_table_reject(c, ev->node, "invalid status");
}

/* The per-kind details other rules follow: AC loss (power restore), the hypervisor claim. */
static void state_details(Coord *c, uint32_t node, const SbStateMsg *m, bool value_changed)
{
    switch (m->kind) {
    case SB_KIND_CHASSIS:
        power_restore_on_chassis(c, node, m->has_ac_loss && m->ac_loss, m->bmc_boot_ms);
        break;
    case SB_KIND_HOST:
        if (hypervisor_on_host(c, node, m->hypervisor)) {
            rollup_mark_changed(c, SB_KIND_HYPERVISOR);
        }
        break;
    case SB_KIND_BOOT_PROGRESS:
        if (value_changed && hypervisor_follows(c, node)) {
            rollup_mark_changed(c, SB_KIND_HYPERVISOR);
        }
        break;
    case SB_KIND_BMC:
    case SB_KIND_HYPERVISOR: /* not a node kind: refused before this */
    case SB_KIND_COUNT:
        break;
    }
}

static void on_node_state(Coord *c, const CoordEvent *ev)
{
    const SbStateMsg *m = &ev->state;
    bool value_changed = false;
    int r = node_table_record_state(c, ev, &value_changed);

    if (r < 0) {
        return;
    }
    if (r > 0) {
        state_details(c, ev->node, m, value_changed);
    }
    node_table_mark_heard(c, ev->node);
    node_heard_live(c, ev, m->epoch, NULL);
    node_refresh(c, ev->node);
    if (m->kind == SB_KIND_CHASSIS || m->kind == SB_KIND_HOST || m->kind == SB_KIND_BMC) {
        /* After the refresh: a BMC part is judged on the node's readiness as the gate sees it. */
        progress_on_state(c, ev->node, m->kind, m->request);
    }
}

static void on_node_heartbeat(Coord *c, const CoordEvent *ev)
{
    if (!node_table_accept(c, ev->node, ev->heartbeat.node)) {
        return;
    }
    /* A heartbeat carries no state: it proves that the current session is alive, and its time
     * tells how far the node's clock is from ours. Before the refresh: a heartbeat found late
     * unverifies its node (evidence.c), which must not count as Ready in between. */
    node_heard_live(c, ev, ev->heartbeat.epoch, &ev->heartbeat);
    if (node_table_is_current_epoch(c, ev, ev->heartbeat.epoch)) {
        clock_on_heartbeat(c, ev->node, &ev->heartbeat);
    }
    node_refresh(c, ev->node);
}

/* Requests read from a backlog and held by evidence.c go in now, in the order they were read. */
static void submit_held(Coord *c)
{
    size_t n = 0;
    const CoordEvent *held = evidence_take_held(c, &n);

    for (size_t i = 0; i < n; i++) {
        requests_on_request(c, &held[i]);
    }
}

/* Whether ev came from the broker (not from our own clock or input buffer). */
static bool from_broker(const CoordEvent *ev)
{
    return ev->kind != COORD_EV_CONNECTED && ev->kind != COORD_EV_DISCONNECTED &&
           ev->kind != COORD_EV_TIMER && ev->kind != COORD_EV_DRAINED;
}

static void handle_event(Coord *c, const CoordEvent *ev)
{
    if (from_broker(ev)) {
        /* The broker lived on after acknowledging our final events: they survive it. */
        requests_on_broker_heard(c);
    }
    switch (ev->kind) {
    case COORD_EV_CONNECTED:
        on_connected(c);
        return;
    case COORD_EV_DISCONNECTED:
        on_disconnected(c);
        return;
    case COORD_EV_NODE_STATUS:
        on_node_status(c, ev);
        return;
    case COORD_EV_NODE_STATE:
        on_node_state(c, ev);
        return;
    case COORD_EV_NODE_HEARTBEAT:
        on_node_heartbeat(c, ev);
        return;
    case COORD_EV_REQUEST:
        if (ev->backlog) {
            /* Decided at the next decision point, on the view the whole backlog gives. */
            if (!evidence_hold_request(c, ev)) {
                requests_refuse_busy(c, ev);
            }
            return;
        }
        /* Requests read before this one were held: they go first, in order. */
        submit_held(c);
        requests_on_request(c, ev);
        return;
    case COORD_EV_PROBE:
        evidence_on_probe(c, ev->probe);
        return;
    case COORD_EV_DRAINED:
        return;
    case COORD_EV_ANNOUNCED:
        requests_on_announced(c, ev->id);
        return;
    case COORD_EV_TIMER:
        /* Deadlines are checked at every step; the timer only makes sure a step happens. It is
         * one-shot (coord.h): the next deadline is armed again even when it is the same time. */
        c->armed_at_ms = 0;
        return;
    case COORD_EV_SETTING:
        settings_on_setting(c, ev);
        return;
    case COORD_EV_CANCEL:
        requests_on_cancel(c, ev);
        return;
    }
}

/* Progress's verdicts carried out: an active request whose nodes all got there completes. */
static void check_completions(Coord *c)
{
    char why[SB_WHY_MAX + 1];

    for (int t = 0; t < SB_TARGET_COUNT; t++) {
        int slot = progress_completed(c, (SbTarget) t, why, sizeof(why));

        if (slot >= 0) {
            requests_finish(c, slot, SB_EVENT_COMPLETED, why, NO_NODES);
        }
    }
}

static uint64_t earliest(uint64_t a, uint64_t b)
{
    if (a == 0) {
        return b;
    }
    return b != 0 && b < a ? b : a;
}

static uint64_t next_deadline(const Coord *c)
{
    /* Time-outs wait for the connection and the rebirth window (coord_step): not armed before. */
    uint64_t next = c->connected && !c->in_window ? requests_next_deadline(c) : 0;

    next = earliest(next, requests_delayed_until(c));
    next = earliest(next, c->connected ? schedule_next_deadline(c) : 0);
    next = earliest(next, liveness_next_deadline(c));
    next = earliest(next, evidence_next_deadline(c));
    if (c->in_window) {
        next = earliest(next, c->window_end_ms);
    }
    return next;
}

/* Rollups and system/requests go out only while connected and outside the rebirth window; at the
 * window's end everything is published once, the broker's retained copies may be old. */
static void publish_views(Coord *c, bool force, bool gate_changed)
{
    unsigned changed = rollup_update(c);
    bool publishing = c->connected && !c->in_window;
    CoordAction *a;

    if (!publishing) {
        return;
    }
    for (int k = 0; k < SB_KIND_COUNT; k++) {
        /* system/hypervisor only once a node claims it (hypervisor.c). */
        if (k == SB_KIND_HYPERVISOR && !hypervisor_is_published(c)) {
            continue;
        }
        if (force || (changed & (1u << k))) {
            a = coord_action_add(c, COORD_ACT_PUBLISH_ROLLUP);
            if (a) {
                a->state_kind = (SbStateKind) k;
            }
            if (k == SB_KIND_HYPERVISOR) {
                c->hv.published = true;
            }
        }
    }
    if (force || gate_changed || c->requests_dirty) {
        (void) coord_action_add(c, COORD_ACT_PUBLISH_REQUESTS);
    }
    if (force) {
        /* The effective settings and the last decision, as for the rollups. */
        settings_publish_all(c);
        if (c->restore.has_last) {
            (void) coord_action_add(c, COORD_ACT_PUBLISH_POWER_RESTORE);
        }
    }
}

/* PERSIST goes first: nothing of this batch may reveal a state that is not on disk yet. */
static void prepend_persist(Coord *c)
{
    CoordActions *out = c->out;

    memmove(&out->items[1], &out->items[0], out->n * sizeof(out->items[0]));
    memset(&out->items[0], 0, sizeof(out->items[0]));
    out->items[0].kind = COORD_ACT_PERSIST;
    out->items[0].request_slot = -1;
    out->n++;
}

/* Step 7 of the pipeline (the header comment). */
static void run_decisions(Coord *c)
{
    RequestSpec spec;

    check_completions(c);
    requests_submit_due(c);
    if (power_restore_run(c, &spec)) {
        requests_submit(c, &spec);
    }
    requests_release(c);
    check_completions(c);
    /* A probe's echo is evidence for the decision point that follows it, not for later ones: a
     * release wanted later asks for a probe of its own. */
    evidence_consume(c);
}

int coord_step(Coord *c, const CoordEvent *ev, CoordActions *out)
{
    bool gate_was_open, window_ended, decide;
    RequestSpec spec;
    uint64_t next;
    CoordAction *a;

    if (!c || !ev || !out) {
        return -EINVAL;
    }
    out->n = 0;
    c->out = out;
    c->now_ms = ev->now_ms;
    c->overflow = false;
    c->durable_dirty = false;
    c->requests_dirty = false;
    c->started = true;
    gate_was_open = coord_gate_is_open(c);
    /* A step with more input waiting behind it applies its event and decides nothing
     * (evidence.c): no dispatch, completion, deadline or power-restore decision in the middle
     * of a backlog. */
    decide = !ev->backlog;

    liveness_check_clock(c);
    evidence_check_stall(c);
    if (decide && c->connected && !c->in_window) {
        /* A time-out is judged on what the nodes said: not while we cannot hear them, and not
         * before the rebirth after a (re)connect is in (a node may have got there meanwhile). */
        requests_run_deadlines(c);
    }
    handle_event(c, ev);
    if (decide && c->connected && schedule_run(c, &spec)) {
        /* A schedule fires once its request can go out. */
        requests_submit(c, &spec);
    }
    if (decide) {
        if (ev->kind != COORD_EV_REQUEST) {
            submit_held(c);
        }
        /* After the event: a late heartbeat being handled now refreshes its node before it could
         * expire. */
        liveness_run(c);
        evidence_run(c);
    }
    window_ended = window_check_end(c);
    if (decide) {
        run_decisions(c);
    }
    publish_views(c, window_ended, gate_was_open != coord_gate_is_open(c));

    next = next_deadline(c);
    if (next != c->armed_at_ms) {
        a = coord_action_add(c, COORD_ACT_ARM_TIMER);
        if (a) {
            a->at_ms = next;
            c->armed_at_ms = next;
            evidence_on_armed(c, next);
        }
    }
    if (ev->kind == COORD_EV_TIMER && c->armed_at_ms == 0) {
        evidence_on_armed(c, 0);
    }
    if (c->durable_dirty) {
        prepend_persist(c);
    }
    c->out = NULL;
    return c->overflow ? -ENOSPC : 0;
}

static uint32_t count_slots(const int *slots)
{
    uint32_t n = 0;

    for (int t = 0; t < SB_TARGET_COUNT; t++) {
        n += slots[t] >= 0;
    }
    return n;
}

void coord_stats(const Coord *c, CoordStats *ret)
{
    memset(ret, 0, sizeof(*ret));
    ret->nodes_online = c->usable_count;
    ret->nodes_ready = c->cfg.nodes - c->not_ready.count;
    ret->nodes_stale = c->stale.count;
    ret->nodes_never_seen = c->cfg.nodes - c->heard_count;
    ret->requests_pending = count_slots(c->pending) + (c->delayed >= 0);
    ret->requests_active = count_slots(c->active);
    ret->gate_open = coord_gate_is_open(c);
    ret->connected = c->connected;
    ret->restore_nodes_dropped = c->restore_nodes_dropped;
    ret->restore_requests_dropped = c->restore_requests_dropped;
}

int coord_summary_build(const Coord *c, uint64_t now_ms, SbSummaryMsg *ret)
{
    CoordStats st;

    if (!c || !ret) {
        return -EINVAL;
    }
    coord_stats(c, &st);
    memset(ret, 0, sizeof(*ret));
    ret->time_ms = now_ms;
    for (int k = 0; k < SB_KIND_COUNT; k++) {
        ret->codes[k] = c->rollups[k].state;
        if (c->rollups[k].mixed) {
            ret->mixed |= 1u << k;
        }
    }
    ret->nodes_expected = c->cfg.nodes;
    ret->nodes_online = st.nodes_online;
    ret->nodes_ready = st.nodes_ready;
    ret->nodes_stale = st.nodes_stale;
    ret->requests_pending = st.requests_pending;
    ret->requests_active = st.requests_active;
    ret->rejected_total = c->rejected_total;
    ret->gate_open = st.gate_open ? 1 : 0;
    return 0;
}
