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
    free(c->nodes);
    c->nodes = NULL;
}

bool coord_gate_is_open(const Coord *c)
{
    return c->connected && c->not_ready.count == 0;
}

void node_table_set_verified(Coord *c, uint32_t node, bool verified)
{
    Node *nd = &c->nodes[node];

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
            /* A probe sent before this is no evidence for a release any more (evidence.c). */
            c->unready_gen++;
        }
        rollup_mark_recheck(c, SB_KIND_BMC);
        /* "not_ready" and "waiting_for" of system/requests. */
        c->requests_dirty = true;
    }
    progress_on_bmc(c, node);
}

void node_table_reject(Coord *c, uint32_t node, const char *why)
{
    SbEvent *e = coord_event_add(c, SB_EVENT_REJECTED, NULL, why, NO_NODES);

    c->rejected_total++;
    if (e) {
        e->node = node;
    }
}

Node *node_table_accept(Coord *c, uint32_t node, uint32_t payload_node)
{
    if (node == 0 || node > c->cfg.nodes) {
        node_table_reject(c, node, "unexpected node number");
        return NULL;
    }
    if (payload_node != 0 && payload_node != node) {
        node_table_reject(c, node, "'node' does not match the topic");
        return NULL;
    }
    return &c->nodes[node];
}

void node_table_report(Coord *c, SbEventKind kind, uint32_t node, const char *why)
{
    SbEvent *e = coord_event_add(c, kind, NULL, why, NO_NODES);

    if (e) {
        e->node = node;
    }
}

void node_table_record_status(Coord *c, uint32_t node, const SbStatusMsg *m)
{
    Node *nd = &c->nodes[node];

    nd->status = (uint8_t) m->status;
    nd->epoch = m->epoch;
    nd->has_epoch = true;
    node_table_mark_heard(c, node);
}

void node_table_mark_heard(Coord *c, uint32_t node)
{
    Node *nd = &c->nodes[node];

    if (!nd->heard) {
        nd->heard = true;
        c->heard_count++;
    }
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

int node_table_record_state(Coord *c, const CoordEvent *ev, bool *ret_value_changed)
{
    const SbStateMsg *m = &ev->state;
    NodeKindValue *kv;
    uint8_t old, value;

    *ret_value_changed = false;
    if (!node_table_accept(c, ev->node, m->node)) {
        return -EINVAL;
    }
    if (!state_value_is_valid(m->kind, m->state)) {
        node_table_reject(c, ev->node, "invalid state kind or value");
        return -EINVAL;
    }
    kv = &c->nodes[ev->node].kinds[m->kind];
    if (kv->value != 0 && m->epoch == kv->epoch && m->seq <= kv->seq) {
        /* Within one epoch seq only grows: an older message is a replay. Equal seq: the retained
         * copy of the last message again; nothing changes, but a live copy (rebirth answer)
         * still verifies the node. */
        return m->seq < kv->seq ? -ESTALE : 0;
    }
    old = kv->value;
    value = (uint8_t) m->state;
    if (old != value) {
        node_list_remove(&c->values[m->kind][old], &c->value_links[m->kind], ev->node);
        node_list_push(&c->values[m->kind][value], &c->value_links[m->kind], ev->node);
        rollup_mark_changed(c, m->kind);
    }
    kv->value = value;
    kv->epoch = m->epoch;
    kv->seq = m->seq;
    kv->since_ms = m->since_ms;
    *ret_value_changed = old != value;
    return 1;
}

bool node_table_is_current_epoch(const Coord *c, const CoordEvent *ev, uint64_t epoch)
{
    const Node *nd = &c->nodes[ev->node];

    return !ev->retained && c->connected && nd->has_epoch && epoch == nd->epoch;
}

bool node_table_is_live_session(const Coord *c, const CoordEvent *ev, uint64_t epoch)
{
    return node_table_is_current_epoch(c, ev, epoch) &&
           c->nodes[ev->node].status == SB_STATUS_ONLINE;
}

void node_table_unverify(Coord *c, uint32_t node)
{
    node_table_set_verified(c, node, false);
    node_refresh(c, node);
}

void node_table_unverify_all(Coord *c)
{
    for (uint32_t n = 1; n <= c->cfg.nodes; n++) {
        node_table_set_verified(c, n, false);
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
        node_refresh(c, n);
    }
}
