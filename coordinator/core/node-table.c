/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The node table: what the coordinator knows of each node (topics/README.md "Node lifecycle as the
 * coordinator sees it") and the indexes derived from it (per-value lists for the rollups, the
 * stale list, the not-Ready list of the gate). Every node message costs O(1): it changes one
 * record and moves it between lists; only a connection change sweeps all nodes.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "coord-internal.h"

int node_table_init(Coord *c)
{
    uint32_t n_nodes = c->cfg.nodes;
    int r;

    c->nodes = calloc((size_t) n_nodes + 1, sizeof(*c->nodes));
    if (!c->nodes) {
        return -ENOMEM;
    }
    for (int k = 0; k < SB_KIND_NODE_COUNT; k++) {
        r = node_links_init(&c->value_links[k], n_nodes);
        if (r < 0) {
            return r;
        }
    }
    r = node_links_init(&c->stale_links, n_nodes);
    if (r < 0) {
        return r;
    }
    r = node_links_init(&c->not_ready_links, n_nodes);
    if (r < 0) {
        return r;
    }
    r = liveness_init(c);
    if (r < 0) {
        return r;
    }
    /* Every node starts never heard from (value 0 of every kind) and not Ready. */
    for (uint32_t n = 1; n <= n_nodes; n++) {
        for (int k = 0; k < SB_KIND_NODE_COUNT; k++) {
            node_list_push(&c->values[k][0], &c->value_links[k], n);
        }
        node_list_push(&c->not_ready, &c->not_ready_links, n);
    }
    return 0;
}

void node_table_done(Coord *c)
{
    for (int k = 0; k < SB_KIND_NODE_COUNT; k++) {
        node_links_done(&c->value_links[k]);
    }
    node_links_done(&c->stale_links);
    node_links_done(&c->not_ready_links);
    liveness_done(c);
    free(c->nodes);
    c->nodes = NULL;
}

bool coord_gate_is_open(const Coord *c)
{
    return c->connected && c->not_ready.count == 0;
}

static void node_set_verified(Coord *c, Node *nd, bool verified)
{
    if (nd->verified == verified) {
        return;
    }
    nd->verified = verified;
    if (verified) {
        c->verified_count++;
    } else {
        c->verified_count--;
    }
}

static void node_set_heard(Coord *c, Node *nd)
{
    if (!nd->heard) {
        nd->heard = true;
        c->heard_count++;
    }
}

/* Re-derives usable/stale/ready from the record and moves the node between the lists. */
void node_refresh(Coord *c, uint32_t node)
{
    Node *nd = &c->nodes[node];
    const NodeKindValue *bmc = &nd->kinds[SB_KIND_BMC];
    /* A silent node (missed heartbeats, liveness.c) is not usable: its Will is still on its way. */
    bool usable =
            c->connected && nd->status == SB_STATUS_ONLINE && nd->verified && !nd->live.silent;
    bool stale = nd->heard && !usable;
    bool ready = usable && bmc->value == SB_BMC_READY && bmc->epoch == nd->epoch;

    c->node_visits++;
    if (usable != nd->usable) {
        nd->usable = usable;
        c->usable_count = usable ? c->usable_count + 1 : c->usable_count - 1;
        rollup_mark_recheck(c, SB_KIND_BMC);
    }
    if (stale != nd->stale) {
        nd->stale = stale;
        if (stale) {
            node_list_push(&c->stale, &c->stale_links, node);
        } else {
            node_list_remove(&c->stale, &c->stale_links, node);
        }
        /* "stale" is part of every kind's rollup. */
        rollup_mark_all_changed(c);
        if (hypervisor_follows(c, node)) {
            rollup_mark_changed(c, SB_KIND_HYPERVISOR);
        }
    }
    if (ready != nd->ready) {
        nd->ready = ready;
        if (ready) {
            node_list_remove(&c->not_ready, &c->not_ready_links, node);
        } else {
            node_list_push(&c->not_ready, &c->not_ready_links, node);
            /* A probe sent before this is no evidence for a release any more. */
            evidence_on_node_unready(c);
        }
        rollup_mark_recheck(c, SB_KIND_BMC);
        /* "not_ready" and "waiting_for" of system/requests. */
        c->requests_dirty = true;
    }
    progress_on_bmc(c, node);
}

static void reject_input(Coord *c, uint32_t node, const char *why)
{
    SbEvent *e = coord_event_add(c, SB_EVENT_REJECTED, NULL, why, NULL, 0, 0);

    c->rejected_total++;
    if (e) {
        e->node = node;
    }
}

/* Node numbers outside 1..nodes are ignored with one rejected event (the shell rate-limits);
 * a payload "node" naming another node is a misconfigured agent. */
static Node *node_accept(Coord *c, uint32_t node, uint32_t payload_node)
{
    if (node == 0 || node > c->cfg.nodes) {
        reject_input(c, node, "unexpected node number");
        return NULL;
    }
    if (payload_node != 0 && payload_node != node) {
        reject_input(c, node, "'node' does not match the topic");
        return NULL;
    }
    return &c->nodes[node];
}

static void node_event(Coord *c, SbEventKind kind, uint32_t node, const char *why)
{
    SbEvent *e = coord_event_add(c, kind, NULL, why, NULL, 0, 0);

    if (e) {
        e->node = node;
    }
}

static void node_went_down(Coord *c, uint32_t node, Node *nd, const SbStatusMsg *m)
{
    bool was_online = nd->status == SB_STATUS_ONLINE, was_silent;

    /* A lost or offline of another epoch than the current one is a late will. */
    if (nd->has_epoch && m->epoch != nd->epoch) {
        return;
    }
    /* A node already declared lost by its missed heartbeats: the Will confirms it, no second
     * node-lost. */
    was_silent = liveness_forget(c, node);
    nd->status = (uint8_t) m->status;
    nd->epoch = m->epoch;
    nd->has_epoch = true;
    node_set_heard(c, nd);
    node_set_verified(c, nd, false);
    if (was_online && !was_silent) {
        node_event(c, SB_EVENT_NODE_LOST, node,
                   m->status == SB_STATUS_LOST ? "status lost (Last Will)"
                                               : "status offline (clean stop)");
    }
    progress_mark_bmc_left(c, node);
    node_refresh(c, node);
}

static void node_came_up(Coord *c, const CoordEvent *ev, Node *nd)
{
    const SbStatusMsg *m = &ev->status;
    bool had_epoch = nd->has_epoch;
    bool epoch_changed = !nd->has_epoch || m->epoch != nd->epoch;
    bool was_down = nd->status == SB_STATUS_OFFLINE || nd->status == SB_STATUS_LOST;
    bool live = !ev->retained && c->connected;

    if (epoch_changed) {
        /* A new agent session: it has to prove itself again. A node silent since its old
         * session's heartbeats stopped is back too (that session's Will may never come). */
        was_down = liveness_forget(c, ev->node) || was_down;
        node_set_verified(c, nd, false);
        if (had_epoch) {
            progress_mark_bmc_left(c, ev->node);
        }
    }
    nd->status = SB_STATUS_ONLINE;
    nd->epoch = m->epoch;
    nd->has_epoch = true;
    node_set_heard(c, nd);
    if (live) {
        if (evidence_may_verify(c, ev->node)) {
            node_set_verified(c, nd, true);
        }
        /* Proves the session alive; liveness.c raises node-back when it had gone silent. */
        liveness_on_heard(c, ev->node, NULL);
    }
    if (was_down) {
        char why[64];

        (void) snprintf(why, sizeof(why), "status online epoch=%" PRIu64, m->epoch);
        node_event(c, SB_EVENT_NODE_BACK, ev->node, why);
    }
    node_refresh(c, ev->node);
}

void node_table_on_status(Coord *c, const CoordEvent *ev)
{
    Node *nd = node_accept(c, ev->node, ev->status.node);

    if (!nd) {
        return;
    }
    switch (ev->status.status) {
    case SB_STATUS_ONLINE:
        node_came_up(c, ev, nd);
        return;
    case SB_STATUS_OFFLINE:
    case SB_STATUS_LOST:
        node_went_down(c, ev->node, nd, &ev->status);
        return;
    case SB_STATUS_UNKNOWN:
    case SB_STATUS_COUNT:
        break;
    }
    reject_input(c, ev->node, "invalid status");
}

static bool state_value_is_valid(SbStateKind kind, int state)
{
    int count;

    if ((int) kind < 0 || kind >= SB_KIND_NODE_COUNT) {
        return false;
    }
    count = sb_enum_count(sb_state_kind_enum(kind));
    return state >= 1 && state < count && state < COORD_VALUES_MAX;
}

/* The per-kind details other modules follow: AC loss (power restore), the hypervisor claim. */
static void apply_details(Coord *c, uint32_t node, const SbStateMsg *m, bool value_changed)
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

/* A live message of the node's current epoch, since our own connection, verifies the node and
 * proves it alive (liveness.c; hb is the message when it is a heartbeat). */
static void node_maybe_verify(Coord *c,
                              const CoordEvent *ev,
                              Node *nd,
                              uint64_t epoch,
                              const SbHeartbeatMsg *hb)
{
    if (!ev->retained && c->connected && nd->status == SB_STATUS_ONLINE && nd->has_epoch &&
        epoch == nd->epoch) {
        if (evidence_may_verify(c, ev->node)) {
            node_set_verified(c, nd, true);
        }
        liveness_on_heard(c, ev->node, hb);
    }
}

void node_table_on_state(Coord *c, const CoordEvent *ev)
{
    const SbStateMsg *m = &ev->state;
    Node *nd = node_accept(c, ev->node, m->node);
    NodeKindValue *kv;

    if (!nd) {
        return;
    }
    if (!state_value_is_valid(m->kind, m->state)) {
        reject_input(c, ev->node, "invalid state kind or value");
        return;
    }
    kv = &nd->kinds[m->kind];
    if (kv->value != 0 && m->epoch == kv->epoch && m->seq <= kv->seq) {
        if (m->seq < kv->seq) {
            /* Within one epoch seq only grows: an older message is a replay. */
            return;
        }
        /* Equal seq: the retained copy of the last message again. Nothing changes, but a live
         * copy (rebirth answer) still verifies the node. */
    } else {
        uint8_t old = kv->value, value = (uint8_t) m->state;

        if (old != value) {
            node_list_remove(&c->values[m->kind][old], &c->value_links[m->kind], ev->node);
            node_list_push(&c->values[m->kind][value], &c->value_links[m->kind], ev->node);
            rollup_mark_changed(c, m->kind);
        }
        kv->value = value;
        kv->epoch = m->epoch;
        kv->seq = m->seq;
        kv->since_ms = m->since_ms;
        apply_details(c, ev->node, m, old != value);
    }
    node_set_heard(c, nd);
    node_maybe_verify(c, ev, nd, m->epoch, NULL);
    node_refresh(c, ev->node);
    if (m->kind == SB_KIND_CHASSIS || m->kind == SB_KIND_HOST || m->kind == SB_KIND_BMC) {
        /* After the refresh: a BMC part is judged on the node's readiness as the gate sees it. */
        progress_on_state(c, ev->node, m->kind, m->request);
    }
}

void node_table_on_heartbeat(Coord *c, const CoordEvent *ev)
{
    Node *nd = node_accept(c, ev->node, ev->heartbeat.node);

    if (!nd) {
        return;
    }
    /* A heartbeat carries no state: it proves that the current session is alive, and its time
     * tells how far the node's clock is from ours. */
    node_maybe_verify(c, ev, nd, ev->heartbeat.epoch, &ev->heartbeat);
    if (!ev->retained && c->connected && nd->has_epoch && ev->heartbeat.epoch == nd->epoch) {
        clock_on_heartbeat(c, ev->node, &ev->heartbeat);
    }
    node_refresh(c, ev->node);
}

void node_table_unverify(Coord *c, uint32_t node)
{
    node_set_verified(c, &c->nodes[node], false);
    node_refresh(c, node);
}

void node_table_unverify_all(Coord *c)
{
    for (uint32_t n = 1; n <= c->cfg.nodes; n++) {
        node_set_verified(c, &c->nodes[n], false);
        node_refresh(c, n);
    }
}

void node_table_on_connected(Coord *c)
{
    c->connected = true;
    /* Retained "online" can be a lie after a broker crash: every node proves itself again by
     * answering the rebirth. */
    node_table_unverify_all(c);
}

void node_table_on_disconnected(Coord *c)
{
    c->connected = false;
    for (uint32_t n = 1; n <= c->cfg.nodes; n++) {
        /* Nobody can be heard now: no deadlines until the nodes are heard again. */
        liveness_untrack(c, n);
        node_refresh(c, n);
    }
}
