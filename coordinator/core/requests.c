/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The request queue and the gate (topics/README.md "The gate" and "Requests"): validation,
 * queueing behind the gate, replacement, Off cancelling, dispatch, expiry and failure. Each target
 * has at most one queued and one active request; the last finished one is kept for
 * system/requests. A request the coordinator delays (a power restore's power-restore-delay) is held
 * aside, at most one, until its not-before time, then enters the gate like a new one. Every change
 * marks the durable state dirty so the batch starts with PERSIST.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "statebus/text.h"

#include "coord-internal.h"
#include "text-util.h"

void requests_init(Coord *c)
{
    memset(c->requests, 0, sizeof(c->requests));
    for (int t = 0; t < SB_TARGET_COUNT; t++) {
        c->pending[t] = -1;
        c->active[t] = -1;
        c->last[t] = -1;
        c->requested[t] = SB_TRANSITION_NONE;
    }
    c->delayed = -1;
    for (int i = 0; i < COORD_UNANNOUNCED_MAX; i++) {
        c->unannounced[i] = -1;
    }
    c->requested_last = SB_TARGET_NONE;
    join_reset(c);
}

void requests_reset(Coord *c)
{
    for (int t = 0; t < SB_TARGET_COUNT; t++) {
        progress_stop(c, (SbTarget) t);
    }
    requests_init(c);
    c->id_counter = 0;
    c->order_counter = 0;
}

Request *request_alloc(Coord *c, int *ret_slot)
{
    for (int i = 0; i < COORD_REQUEST_POOL; i++) {
        if (c->requests[i].phase == REQUEST_FREE) {
            memset(&c->requests[i], 0, sizeof(c->requests[i]));
            *ret_slot = i;
            return &c->requests[i];
        }
    }
    return NULL;
}

static bool target_is_valid(SbTarget target)
{
    return target == SB_TARGET_CHASSIS || target == SB_TARGET_HOST || target == SB_TARGET_BMC;
}

static void mark_changed(Coord *c)
{
    c->durable_dirty = true;
    c->requests_dirty = true;
}

int requests_find_open(const Coord *c, const char *id)
{
    if (c->delayed >= 0 && strcmp(c->requests[c->delayed].id, id) == 0) {
        return c->delayed;
    }
    for (int t = 0; t < SB_TARGET_COUNT; t++) {
        int slots[2] = { c->pending[t], c->active[t] };

        for (int i = 0; i < 2; i++) {
            if (slots[i] >= 0 && strcmp(c->requests[slots[i]].id, id) == 0) {
                return slots[i];
            }
        }
    }
    return -1;
}

/* The nodes holding the gate: up to SB_EVENT_NODES_MAX listed, the rest counted. */
static size_t collect_not_ready(const Coord *c, uint32_t *nodes, uint32_t *ret_omitted)
{
    size_t n = node_list_collect(&c->not_ready, &c->not_ready_links, nodes, SB_EVENT_NODES_MAX);

    *ret_omitted = c->not_ready.count - (uint32_t) n;
    return n;
}

/* The nodes an active request still waits for, listed into buf (SB_EVENT_NODES_MAX), the rest
 * counted. */
static EventNodes remaining_nodes(const Progress *p, uint32_t *buf)
{
    size_t n = node_list_collect(&p->remaining, &p->links, buf, SB_EVENT_NODES_MAX);

    return (EventNodes){ buf, n, p->remaining.count - (uint32_t) n };
}

/* The last finished request of a target is replaced: freed, unless its final event is still
 * waiting for the broker's acknowledgement (then kept, to be published again at the next connect;
 * the oldest such record gives way when there are too many). */
static void keep_or_free(Coord *c, int slot)
{
    if (c->requests[slot].announce == ANNOUNCE_DONE) {
        c->requests[slot].phase = REQUEST_FREE;
        return;
    }
    if (c->unannounced[0] >= 0 && c->unannounced[COORD_UNANNOUNCED_MAX - 1] >= 0) {
        c->requests[c->unannounced[0]].phase = REQUEST_FREE;
        memmove(&c->unannounced[0], &c->unannounced[1],
                (COORD_UNANNOUNCED_MAX - 1) * sizeof(c->unannounced[0]));
        c->unannounced[COORD_UNANNOUNCED_MAX - 1] = -1;
    }
    for (int i = 0; i < COORD_UNANNOUNCED_MAX; i++) {
        if (c->unannounced[i] < 0) {
            c->unannounced[i] = slot;
            return;
        }
    }
}

static void unannounced_remove(Coord *c, int i)
{
    c->requests[c->unannounced[i]].phase = REQUEST_FREE;
    memmove(&c->unannounced[i], &c->unannounced[i + 1],
            (size_t) (COORD_UNANNOUNCED_MAX - 1 - i) * sizeof(c->unannounced[0]));
    c->unannounced[COORD_UNANNOUNCED_MAX - 1] = -1;
    /* Not written at once either: a crash before the next write replays it, marked. */
}

void requests_finish(Coord *c, int slot, SbEventKind result, const char *why, EventNodes nodes)
{
    Request *r = &c->requests[slot];
    SbTarget t = r->target;

    if (c->pending[t] == slot) {
        c->pending[t] = -1;
    }
    if (c->delayed == slot) {
        c->delayed = -1;
        r->not_before_ms = 0;
    }
    if (c->active[t] == slot) {
        c->active[t] = -1;
        progress_stop(c, t);
    }
    r->phase = REQUEST_DONE;
    /* A rejection ends nothing that was accepted: a lost answer is retried by its sender. */
    r->announce = result == SB_EVENT_REJECTED ? ANNOUNCE_DONE : ANNOUNCE_SENDING;
    r->result = result;
    r->finished_ms = c->now_ms;
    (void) snprintf(r->why, sizeof(r->why), "%s", why);
    if (c->last[t] >= 0 && c->last[t] != slot) {
        keep_or_free(c, c->last[t]);
    }
    c->last[t] = slot;
    (void) coord_event_add(c, result, r, why, nodes);
    join_on_finish(c, slot, result, why, nodes);
    mark_changed(c);
}

static void cancel(Coord *c, int slot, const char *what, const Request *by)
{
    char why[SB_WHY_MAX + 1];

    (void) snprintf(why, sizeof(why), "%s %s", what, by->id);
    requests_finish(c, slot, SB_EVENT_CANCELLED, why, NO_NODES);
}

/* An active request ended by a newer one (issue #13): its commands went out, so it is not
 * "cancelled"; the event says how far its nodes got and names the ones that did not. */
static void supersede(Coord *c, int slot, const Request *by)
{
    const Request *r = &c->requests[slot];
    const Progress *p = &c->progress[r->target];
    uint32_t nodes[SB_EVENT_NODES_MAX];
    char why[SB_WHY_MAX + 1];

    (void) snprintf(why, sizeof(why),
                    "superseded by %s after its commands went out: %" PRIu32 " of %" PRIu32
                    " nodes reached %s",
                    by->id, p->total - p->remaining.count, p->total, progress_goal_name(r));
    requests_finish(c, slot, SB_EVENT_SUPERSEDED, why, remaining_nodes(p, nodes));
}

static void dispatch(Coord *c, int slot)
{
    Request *r = &c->requests[slot];
    SbTarget t = r->target;
    CoordAction *a;
    char why[SB_WHY_MAX + 1];

    if (c->pending[t] == slot) {
        c->pending[t] = -1;
    }
    /* A newer request supersedes the active one of its target. */
    if (c->active[t] >= 0) {
        supersede(c, c->active[t], r);
    }
    r->phase = REQUEST_ACTIVE;
    r->dispatched_ms = c->now_ms;
    r->expires_ms = 0;
    r->fails_ms = c->cfg.transition_timeout_ms ? c->now_ms + c->cfg.transition_timeout_ms : 0;
    r->restored = false;
    c->active[t] = slot;
    progress_start(c, slot);

    a = coord_action_add(c, COORD_ACT_DISPATCH);
    if (a) {
        a->target = t;
        a->request_slot = slot;
        a->command.transition = r->transition;
        (void) snprintf(a->command.id, sizeof(a->command.id), "%s", r->id);
        (void) snprintf(a->command.reason, sizeof(a->command.reason), "%s", r->reason);
        a->command.deadline_ms = c->now_ms + c->cfg.command_ttl_ms;
    }
    if (r->n_nodes > 0) {
        coord_format_nodes(why, sizeof(why), "dispatched to nodes", r->nodes, r->n_nodes, 0);
    } else {
        (void) snprintf(why, sizeof(why),
                        c->cfg.nodes == 1 ? "dispatched to the %" PRIu32 " node"
                                          : "dispatched to all %" PRIu32 " nodes",
                        c->cfg.nodes);
    }
    (void) coord_event_add(c, SB_EVENT_DISPATCHED, r, why, (EventNodes){ r->nodes, r->n_nodes, 0 });
    join_on_dispatch(c, slot, why);
    mark_changed(c);
}

/* The last requested system state, for power restore's Restore policy. */
static void remember_requested(Coord *c, const Request *r)
{
    if (r->target == SB_TARGET_CHASSIS || r->target == SB_TARGET_HOST) {
        c->requested[r->target] = r->transition;
        c->requested_last = r->target;
    }
}

static void accept_request(Coord *c, Request *r)
{
    remember_requested(c, r);
    /* Not "accepted: accepted": why it goes out at once. */
    (void) coord_event_add(c, SB_EVENT_ACCEPTED, r,
                           sb_transition_is_gated(r->target, r->transition)
                                   ? "the gate is open"
                                   : "not gated (Off and BMC reboots always go through)",
                           NO_NODES);
    mark_changed(c);
}

/* Slots sorted by submission order (at most a handful). */
static size_t sort_by_order(const Coord *c, int *slots, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        for (size_t j = i; j > 0 && c->requests[slots[j]].order < c->requests[slots[j - 1]].order;
             j--) {
            int tmp = slots[j];

            slots[j] = slots[j - 1];
            slots[j - 1] = tmp;
        }
    }
    return n;
}

/* README "The gate": Off cancels every queued gated request of both targets (a queued Reboot
 * after an Off would power the system back on) and every active chassis/host request. */
static void cancel_for_off(Coord *c, const Request *off)
{
    int slots[4];
    size_t n = 0;

    for (int t = SB_TARGET_CHASSIS; t <= SB_TARGET_HOST; t++) {
        if (c->pending[t] >= 0) {
            slots[n++] = c->pending[t];
        }
        if (c->active[t] >= 0) {
            slots[n++] = c->active[t];
        }
    }
    n = sort_by_order(c, slots, n);
    for (size_t i = 0; i < n; i++) {
        if (c->requests[slots[i]].phase == REQUEST_ACTIVE) {
            supersede(c, slots[i], off);
        } else {
            cancel(c, slots[i], "cancelled by Off", off);
        }
    }
    /* A power restore waiting for its delay is a power-on too. */
    if (c->delayed >= 0) {
        char why[SB_WHY_MAX + 1];

        (void) snprintf(why, sizeof(why), "cancelled by Off %s before power-restore-delay was over",
                        off->id);
        requests_withdraw_delayed(c, why);
    }
}

/* Checks "nodes" (the shell only decoded them). Returns false with why filled. trusted: a
 * request of the coordinator's own, which may act on part of the system. */
static bool request_is_valid(Coord *c, const Request *r, bool trusted, char *why, size_t size)
{
    bool ok = true;

    for (size_t i = 0; i < r->n_nodes && ok; i++) {
        uint32_t n = r->nodes[i];

        if (n == 0 || n > c->cfg.nodes) {
            (void) snprintf(why, size, "node %" PRIu32 " is not an expected node (1..%" PRIu32 ")",
                            n, c->cfg.nodes);
            ok = false;
        } else if (c->scratch[n]) {
            (void) snprintf(why, size, "node %" PRIu32 " is listed twice", n);
            ok = false;
        } else {
            c->scratch[n] = 1;
        }
    }
    for (size_t i = 0; i < r->n_nodes; i++) {
        if (r->nodes[i] >= 1 && r->nodes[i] <= c->cfg.nodes) {
            c->scratch[r->nodes[i]] = 0;
        }
    }
    if (ok && r->n_nodes > 0 && r->target != SB_TARGET_BMC && !c->cfg.allow_partial && !trusted) {
        /* A single BMC's reboot is always allowed; power on part of a system is not. */
        (void) snprintf(why, size,
                        "power actions on part of the system are not allowed: the coordinator"
                        " runs without its --allow-partial flag (statebus-coordinator"
                        " --allow-partial)");
        ok = false;
    }
    return ok;
}

static void answer_without_record(Coord *c, const CoordEvent *ev, SbEventKind kind, const char *why)
{
    Request r = { .target = ev->target, .transition = ev->request.transition };

    /* An id that is not one cannot be echoed: the event encoder refuses it. */
    if (sb_request_id_is_valid(ev->request.id, strlen(ev->request.id))) {
        (void) snprintf(r.id, sizeof(r.id), "%s", ev->request.id);
    }
    if (!target_is_valid(r.target)) {
        r.target = SB_TARGET_NONE;
    }
    if (r.transition <= SB_TRANSITION_NONE || r.transition >= SB_TRANSITION_COUNT) {
        r.transition = SB_TRANSITION_NONE;
    }
    r.reply_to = ev->reply_to;
    if (kind == SB_EVENT_REJECTED) {
        c->rejected_total++;
    }
    (void) coord_event_add(c, kind, &r, why, NO_NODES);
}

/* The decoder already refuses control characters and invalid UTF-8; checked again because the
 * record is persisted and the snapshot reader refuses such text: what is written must read back. */
static void keep_clean_text(Request *r)
{
    size_t len = strnlen(r->reply_to.topic, sizeof(r->reply_to.topic) - 1);

    r->reply_to.topic[len] = '\0';
    if (!sb_text_is_clean(r->reply_to.topic, len) || strpbrk(r->reply_to.topic, "+#")) {
        /* Not a topic we can answer on: the answer still goes to <root>/event. */
        r->reply_to.topic[0] = '\0';
    }
    if (r->reply_to.correlation_len > SB_CORRELATION_MAX) {
        r->reply_to.correlation_len = SB_CORRELATION_MAX;
    }
    if (!sb_text_is_clean(r->reason, strlen(r->reason))) {
        (void) sb_text_mask(r->reason, r->reason, sizeof(r->reason), SB_MASK_NON_ASCII);
    }
}

/* Builds the record; NULL (answered) for a duplicate, a bad id or a full pool. */
static Request *request_create(Coord *c, const CoordEvent *ev, int *ret_slot)
{
    const SbCommand *cmd = &ev->request;
    Request *r;
    int open;

    if (cmd->id[0] != '\0') {
        if (!sb_request_id_is_valid(cmd->id, strlen(cmd->id))) {
            answer_without_record(c, ev, SB_EVENT_REJECTED, "invalid id");
            return NULL;
        }
        if (join_find(c, cmd->id)) {
            answer_without_record(c, ev, SB_EVENT_DUPLICATE,
                                  "a request with this id is already queued (joined)");
            return NULL;
        }
        open = requests_find_open(c, cmd->id);
        if (open >= 0) {
            /* QoS 1 can deliver twice; an operator may retry: nothing changes. */
            answer_without_record(c, ev, SB_EVENT_DUPLICATE,
                                  c->requests[open].phase == REQUEST_PENDING
                                          ? "a request with this id is already queued"
                                          : "a request with this id is already active");
            return NULL;
        }
    }
    r = request_alloc(c, ret_slot);
    if (!r) {
        answer_without_record(c, ev, SB_EVENT_REJECTED, "no free request slot");
        return NULL;
    }
    if (cmd->id[0] != '\0') {
        (void) snprintf(r->id, sizeof(r->id), "%s", cmd->id);
    } else {
        (void) snprintf(r->id, sizeof(r->id), "c%" PRIu64 "-%" PRIu64, c->epoch, ++c->id_counter);
        c->durable_dirty = true;
    }
    (void) snprintf(r->reason, sizeof(r->reason), "%s", cmd->reason);
    r->target = ev->target;
    r->transition = cmd->transition;
    r->reply_to = ev->reply_to;
    keep_clean_text(r);
    r->n_nodes = cmd->n_nodes > SB_COMMAND_NODES_MAX ? SB_COMMAND_NODES_MAX : cmd->n_nodes;
    memcpy(r->nodes, cmd->nodes, r->n_nodes * sizeof(r->nodes[0]));
    node_numbers_sort(r->nodes, r->n_nodes);
    r->order = ++c->order_counter;
    r->queued_ms = c->now_ms;
    return r;
}

/* Makes slot the pending request of its target, replacing the one there. */
static void make_pending(Coord *c, int slot)
{
    Request *r = &c->requests[slot];

    if (c->pending[r->target] >= 0) {
        cancel(c, c->pending[r->target], "replaced by", r);
    }
    r->phase = REQUEST_PENDING;
    r->expires_ms = c->cfg.request_timeout_ms ? c->now_ms + c->cfg.request_timeout_ms : 0;
    c->pending[r->target] = slot;
    mark_changed(c);
}

static void accept_pending(Coord *c, int slot)
{
    make_pending(c, slot);
    accept_request(c, &c->requests[slot]);
}

void requests_refuse_busy(Coord *c, const CoordEvent *ev)
{
    answer_without_record(c, ev, SB_EVENT_REJECTED,
                          "coordinator busy: too many requests wait in its input backlog; retry");
}

static void queue_or_reject(Coord *c, int slot, bool trusted)
{
    Request *r = &c->requests[slot];
    uint32_t nodes[SB_EVENT_NODES_MAX], omitted;
    size_t n = collect_not_ready(c, nodes, &omitted);
    char why[SB_WHY_MAX + 1];

    if (c->cfg.when_not_ready == COORD_WHEN_NOT_READY_REJECT && !trusted) {
        /* PSM's BMCNotReady. */
        coord_format_nodes(why, sizeof(why), "BMC not Ready on nodes", nodes, n, omitted);
        c->rejected_total++;
        requests_finish(c, slot, SB_EVENT_REJECTED, why, (EventNodes){ nodes, n, omitted });
        return;
    }
    if (join_try(c, slot)) {
        return; /* identical to the queued one: it ends with it (topics/README.md "Joining") */
    }
    make_pending(c, slot);
    remember_requested(c, r);
    coord_format_nodes(why, sizeof(why), "waiting for BMC Ready on nodes", nodes, n, omitted);
    (void) coord_event_add(c, SB_EVENT_QUEUED, r, why, (EventNodes){ nodes, n, omitted });
    mark_changed(c);
}

/* The record of a new request, or NULL when it was refused (answered). */
static Request *create_checked(Coord *c, const CoordEvent *ev, bool trusted, int *ret_slot)
{
    char why[SB_WHY_MAX + 1];
    Request *r;

    if (!target_is_valid(ev->target)) {
        answer_without_record(c, ev, SB_EVENT_REJECTED, "unknown target");
        return NULL;
    }
    if (!sb_transition_valid_for(ev->target, ev->request.transition)) {
        /* Not recorded in "last": a record must name a real transition of its target. */
        (void) snprintf(why, sizeof(why), "transition %s is not valid for %s",
                        coord_transition_name(ev->request.transition),
                        coord_target_name(ev->target));
        answer_without_record(c, ev, SB_EVENT_REJECTED, why);
        return NULL;
    }
    r = request_create(c, ev, ret_slot);
    if (!r) {
        return NULL;
    }
    if (!request_is_valid(c, r, trusted, why, sizeof(why))) {
        c->rejected_total++;
        /* Kept as the last request, it is persisted: a node outside 1..--nodes there would make
         * the snapshot unreadable at the next start (found by test/fuzz/fuzz-coordinator.c). */
        r->n_nodes = 0;
        requests_finish(c, *ret_slot, SB_EVENT_REJECTED, why, NO_NODES);
        return NULL;
    }
    return r;
}

/* A valid new request (slot) goes through the gate: Off and the ungated ones at once, the gated
 * ones released by requests_release(), queued or refused while the gate is closed. */
static void enter_gate(Coord *c, int slot, bool trusted)
{
    Request *r = &c->requests[slot];

    if (r->transition == SB_TRANSITION_OFF) {
        /* An Off must always work: never gated, and it clears the way. */
        accept_request(c, r);
        cancel_for_off(c, r);
        dispatch(c, slot);
        return;
    }
    if (!sb_transition_is_gated(r->target, r->transition)) {
        accept_request(c, r);
        dispatch(c, slot);
        return;
    }
    if (coord_gate_is_open(c)) {
        /* Accepted, and released by requests_release() once the probe says the open gate is
         * current (evidence.c): one broker round trip. */
        accept_pending(c, slot);
        return;
    }
    queue_or_reject(c, slot, trusted);
}

void requests_on_request(Coord *c, const CoordEvent *ev)
{
    int slot;

    if (create_checked(c, ev, false, &slot)) {
        enter_gate(c, slot, false);
    }
}

/* Freed without an end of its own, as before issue #14 (topics/README.md "Power restore"). */
void requests_withdraw_delayed(Coord *c, const char *why)
{
    Request *r = c->delayed >= 0 ? &c->requests[c->delayed] : NULL;

    if (!r) {
        return;
    }
    (void) coord_event_add(c, SB_EVENT_POWER_RESTORE, r, why, NO_NODES);
    r->phase = REQUEST_FREE;
    c->delayed = -1;
    mark_changed(c);
}

static void delay(Coord *c, int slot, uint64_t not_before_ms)
{
    Request *r = &c->requests[slot];

    r->phase = REQUEST_PENDING;
    r->not_before_ms = not_before_ms;
    c->delayed = slot;
    mark_changed(c);
}

void requests_submit_due(Coord *c)
{
    Request *r = c->delayed >= 0 ? &c->requests[c->delayed] : NULL;
    char why[SB_WHY_MAX + 1];
    int slot;

    if (!r || c->now_ms < r->not_before_ms) {
        return;
    }
    slot = c->delayed;
    c->delayed = -1;
    (void) snprintf(why, sizeof(why), "power-restore-delay over: %s %s submitted",
                    coord_target_name(r->target), coord_transition_name(r->transition));
    (void) coord_event_add(c, SB_EVENT_POWER_RESTORE, r, why,
                           (EventNodes){ r->nodes, r->n_nodes, 0 });
    /* From now on a request like any other: queued (and timed out) from now, in this order. */
    r->phase = REQUEST_FREE;
    r->not_before_ms = 0;
    r->queued_ms = c->now_ms;
    r->order = ++c->order_counter;
    mark_changed(c);
    enter_gate(c, slot, true);
}

void requests_submit(Coord *c, const RequestSpec *spec)
{
    CoordEvent ev = { .kind = COORD_EV_REQUEST, .now_ms = c->now_ms, .target = spec->target };
    size_t n_nodes = spec->n_nodes > SB_COMMAND_NODES_MAX ? SB_COMMAND_NODES_MAX : spec->n_nodes;
    int slot;

    ev.request.transition = spec->transition;
    (void) snprintf(ev.request.id, sizeof(ev.request.id), "%s", spec->id);
    (void) snprintf(ev.request.reason, sizeof(ev.request.reason), "%s", spec->reason);
    memcpy(ev.request.nodes, spec->nodes, n_nodes * sizeof(spec->nodes[0]));
    ev.request.n_nodes = n_nodes;
    if (!create_checked(c, &ev, true, &slot)) {
        return;
    }
    if (c->delayed >= 0 && (spec->replaces_delayed || spec->not_before_ms > c->now_ms)) {
        /* One delayed request at a time: the newest decision's. */
        char why[SB_WHY_MAX + 1];

        (void) snprintf(why, sizeof(why), "replaced by %s, a newer decision", spec->id);
        requests_withdraw_delayed(c, why);
    }
    if (spec->not_before_ms > c->now_ms) {
        delay(c, slot, spec->not_before_ms);
    } else {
        enter_gate(c, slot, true);
    }
}

/* r's final event, published as id, was acknowledged now: true when r is that record. */
static bool ack_if_sent(const Coord *c, Request *r, const char *id)
{
    if (r->announce != ANNOUNCE_SENDING || strcmp(r->id, id) != 0) {
        return false;
    }
    r->announce = ANNOUNCE_ACKED;
    r->acked_ms = c->now_ms;
    return true;
}

void requests_on_announced(Coord *c, const char *id)
{
    for (int t = 0; t < SB_TARGET_COUNT; t++) {
        if (c->last[t] >= 0) {
            (void) ack_if_sent(c, &c->requests[c->last[t]], id);
        }
    }
    for (int i = 0; i < COORD_UNANNOUNCED_MAX && c->unannounced[i] >= 0; i++) {
        if (ack_if_sent(c, &c->requests[c->unannounced[i]], id)) {
            return;
        }
    }
}

static bool settled(const Coord *c, const Request *r)
{
    return r->announce == ANNOUNCE_ACKED && c->now_ms >= r->acked_ms + COORD_ANNOUNCE_SETTLE_MS;
}

void requests_on_broker_heard(Coord *c)
{
    for (int t = 0; t < SB_TARGET_COUNT; t++) {
        Request *r = c->last[t] >= 0 ? &c->requests[c->last[t]] : NULL;

        if (r && settled(c, r)) {
            /* Not written at once (no write per request end): a crash before the next write
             * replays it, marked, which a reader matches with the first. */
            r->announce = ANNOUNCE_DONE;
        }
    }
    for (int i = 0; i < COORD_UNANNOUNCED_MAX && c->unannounced[i] >= 0;) {
        if (settled(c, &c->requests[c->unannounced[i]])) {
            unannounced_remove(c, i);
        } else {
            i++;
        }
    }
}

/* Published again from the record, marked, waiting for its acknowledgement like the first. */
static void replay_final(Coord *c, Request *r)
{
    SbEvent *e;

    r->announce = ANNOUNCE_SENDING;
    e = coord_event_add(c, r->result, r, r->why, NO_NODES);
    if (e) {
        e->replay = true;
    }
}

void requests_replay_finals(Coord *c)
{
    /* The oldest first, as they ended. */
    for (int i = 0; i < COORD_UNANNOUNCED_MAX && c->unannounced[i] >= 0; i++) {
        replay_final(c, &c->requests[c->unannounced[i]]);
    }
    for (int t = 0; t < SB_TARGET_COUNT; t++) {
        Request *r = c->last[t] >= 0 ? &c->requests[c->last[t]] : NULL;

        if (r && r->announce != ANNOUNCE_DONE) {
            replay_final(c, r);
        }
    }
}

void requests_release(Coord *c)
{
    int slots[2];
    size_t n = 0;

    if (!coord_gate_is_open(c)) {
        return;
    }
    for (int t = SB_TARGET_CHASSIS; t <= SB_TARGET_HOST; t++) {
        if (c->pending[t] >= 0) {
            slots[n++] = c->pending[t];
        }
    }
    /* Only on evidence younger than one broker round trip (evidence.c). */
    if (n == 0 || !evidence_allows_release(c)) {
        return;
    }
    evidence_consume(c);
    /* Both targets released at once go out in the order they were submitted. */
    n = sort_by_order(c, slots, n);
    for (size_t i = 0; i < n; i++) {
        dispatch(c, slots[i]);
    }
}

static void expire(Coord *c, int slot)
{
    uint32_t nodes[SB_EVENT_NODES_MAX], omitted;
    size_t n = collect_not_ready(c, nodes, &omitted);
    char why[SB_WHY_MAX + 1];

    coord_format_nodes(why, sizeof(why),
                       "not dispatched within the request timeout; BMC not Ready on nodes", nodes,
                       n, omitted);
    requests_finish(c, slot, SB_EVENT_EXPIRED, why, (EventNodes){ nodes, n, omitted });
}

static void fail(Coord *c, int slot)
{
    const Request *r = &c->requests[slot];
    const Progress *p = &c->progress[r->target];
    uint32_t nodes[SB_EVENT_NODES_MAX];
    char why[SB_WHY_MAX + 1];

    (void) snprintf(why, sizeof(why),
                    "%" PRIu32 " of %" PRIu32 " nodes did not reach %s within %" PRIu64 " s",
                    p->remaining.count, p->total, progress_goal_name(r),
                    c->cfg.transition_timeout_ms / 1000u);
    requests_finish(c, slot, SB_EVENT_FAILED, why, remaining_nodes(p, nodes));
}

void requests_run_deadlines(Coord *c)
{
    for (int t = 0; t < SB_TARGET_COUNT; t++) {
        int slot = c->pending[t];

        if (slot >= 0 && c->requests[slot].expires_ms &&
            c->now_ms >= c->requests[slot].expires_ms) {
            expire(c, slot);
        }
    }
    for (int t = 0; t < SB_TARGET_COUNT; t++) {
        int slot = c->active[t];

        if (slot >= 0 && c->requests[slot].fails_ms && c->now_ms >= c->requests[slot].fails_ms) {
            fail(c, slot);
        }
    }
}

static uint64_t earliest(uint64_t a, uint64_t b)
{
    if (a == 0) {
        return b;
    }
    if (b == 0) {
        return a;
    }
    return a < b ? a : b;
}

uint64_t requests_next_deadline(const Coord *c)
{
    uint64_t next = 0;

    for (int t = 0; t < SB_TARGET_COUNT; t++) {
        if (c->pending[t] >= 0) {
            next = earliest(next, c->requests[c->pending[t]].expires_ms);
        }
        if (c->active[t] >= 0) {
            next = earliest(next, c->requests[c->active[t]].fails_ms);
        }
    }
    return next;
}

uint64_t requests_delayed_until(const Coord *c)
{
    return c->delayed >= 0 ? c->requests[c->delayed].not_before_ms : 0;
}

/* A restored queued request: delayed (it enters the gate at its time, whatever the transition)
 * or waiting for the gate. */
static int adopt_pending(Coord *c, int slot)
{
    const Request *r = &c->requests[slot];

    if (r->not_before_ms != 0) {
        if (c->delayed >= 0) {
            return -EBADMSG;
        }
        c->delayed = slot;
        return 0;
    }
    if (!sb_transition_is_gated(r->target, r->transition) || c->pending[r->target] >= 0) {
        return -EBADMSG;
    }
    c->pending[r->target] = slot;
    return 0;
}

/* A restored finished request: the last of its target, or one whose final event was not
 * acknowledged (written before the last; kept for its replay). Two acknowledged ones of a target
 * are corrupt. */
static int adopt_done(Coord *c, int slot)
{
    SbTarget t = c->requests[slot].target;
    int older = c->last[t];

    if (older < 0) {
        c->last[t] = slot;
        return 0;
    }
    if (c->requests[slot].announce == ANNOUNCE_DONE &&
        c->requests[older].announce == ANNOUNCE_DONE) {
        return -EBADMSG;
    }
    if (c->requests[slot].finished_ms <= c->requests[older].finished_ms) {
        older = slot;
    } else {
        c->last[t] = slot;
    }
    if (c->requests[older].announce == ANNOUNCE_DONE) {
        return -EBADMSG;
    }
    for (int i = 0; i < COORD_UNANNOUNCED_MAX; i++) {
        if (c->unannounced[i] < 0) {
            c->unannounced[i] = older;
            return 0;
        }
    }
    return -EBADMSG;
}

int requests_adopt(Coord *c, int slot)
{
    Request *r = &c->requests[slot];
    SbTarget t = r->target;

    if (!target_is_valid(t) || !sb_transition_valid_for(t, r->transition) ||
        !sb_request_id_is_valid(r->id, strlen(r->id))) {
        return -EBADMSG;
    }
    if (r->phase != REQUEST_DONE && requests_find_open(c, r->id) >= 0) {
        return -EBADMSG;
    }
    switch (r->phase) {
    case REQUEST_PENDING:
        return adopt_pending(c, slot);
    case REQUEST_ACTIVE:
        if (c->active[t] >= 0) {
            return -EBADMSG;
        }
        /* Never dispatched again: at most once for power. */
        r->restored = true;
        c->active[t] = slot;
        progress_start(c, slot);
        return 0;
    case REQUEST_DONE:
        return adopt_done(c, slot);
    case REQUEST_FREE:
        break;
    }
    return -EBADMSG;
}
