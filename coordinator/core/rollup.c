/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Instance-0 rollups (topics/README.md "Rollup policy"). The state is derived from the per-value
 * counts in O(number of enum values); the payload lists at most SB_ROLLUP_NODES_MAX nodes by
 * walking the per-value lists, so building one costs O(64) whatever the number of nodes.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "coord-internal.h"

/* "any node in <value> -> <value>" rules, first match wins; RULE_UNKNOWN is "any node never
 * heard from -> Unknown". What no rule decides is the least advanced value. */
#define RULE_UNKNOWN (-1)
#define RULES_END    (-2)

static const int chassis_rules[] = {
    SB_CHASSIS_TRANSITIONING_TO_OFF,
    SB_CHASSIS_TRANSITIONING_TO_ON,
    RULE_UNKNOWN,
    RULES_END,
};

static const int host_rules[] = {
    SB_HOST_QUIESCED,
    SB_HOST_DIAGNOSTIC_MODE,
    SB_HOST_TRANSITIONING_TO_OFF,
    SB_HOST_TRANSITIONING_TO_RUNNING,
    RULE_UNKNOWN,
    RULES_END,
};

static const int boot_progress_rules[] = {
    RULE_UNKNOWN,
    RULES_END,
};

void rollup_mark_changed(Coord *c, SbStateKind kind)
{
    c->rollups[kind].dirty = true;
    c->rollups[kind].content_changed = true;
}

void rollup_mark_all_changed(Coord *c)
{
    for (int k = 0; k < SB_KIND_NODE_COUNT; k++) {
        rollup_mark_changed(c, (SbStateKind) k);
    }
}

void rollup_mark_recheck(Coord *c, SbStateKind kind)
{
    c->rollups[kind].dirty = true;
}

static uint32_t value_count(const Coord *c, SbStateKind kind, int value)
{
    return c->values[kind][value].count;
}

static int kind_value_count(SbStateKind kind)
{
    int n = sb_enum_count(sb_state_kind_enum(kind));

    return n > COORD_VALUES_MAX ? COORD_VALUES_MAX : n;
}

static int least_advanced(const Coord *c, SbStateKind kind)
{
    int best = 0, best_rank = INT_MAX, n = kind_value_count(kind);

    for (int v = 1; v < n; v++) {
        int rank = sb_state_rank(kind, v);

        if (value_count(c, kind, v) > 0 && rank >= 0 && rank < best_rank) {
            best = v;
            best_rank = rank;
        }
    }
    return best;
}

static int apply_rules(const Coord *c, SbStateKind kind, const int *rules)
{
    for (const int *rule = rules; *rule != RULES_END; rule++) {
        int value = *rule == RULE_UNKNOWN ? 0 : *rule;

        if (value_count(c, kind, value) > 0) {
            return value;
        }
    }
    return least_advanced(c, kind);
}

/* BMC Ready means "a power-on goes through now": Ready exactly when the gate is open. */
static int bmc_state(const Coord *c)
{
    uint32_t nodes = c->cfg.nodes;

    if (value_count(c, SB_KIND_BMC, SB_BMC_QUIESCED) > 0) {
        return SB_BMC_QUIESCED;
    }
    /* Not online (offline, lost, unverified), never heard from, NotReady, or a Ready left from
     * another epoch: its BMC is not usable. */
    if (c->usable_count < nodes || value_count(c, SB_KIND_BMC, 0) > 0 ||
        value_count(c, SB_KIND_BMC, SB_BMC_NOT_READY) > 0 ||
        value_count(c, SB_KIND_BMC, SB_BMC_READY) > nodes - c->not_ready.count) {
        return SB_BMC_NOT_READY;
    }
    if (value_count(c, SB_KIND_BMC, SB_BMC_UPDATE_IN_PROGRESS) > 0) {
        return SB_BMC_UPDATE_IN_PROGRESS;
    }
    return SB_BMC_READY;
}

int rollup_compute_state(const Coord *c, SbStateKind kind)
{
    switch (kind) {
    case SB_KIND_BMC:
        return bmc_state(c);
    case SB_KIND_CHASSIS:
        return apply_rules(c, kind, chassis_rules);
    case SB_KIND_HOST:
        return apply_rules(c, kind, host_rules);
    case SB_KIND_BOOT_PROGRESS:
        return apply_rules(c, kind, boot_progress_rules);
    case SB_KIND_HYPERVISOR:
        return hypervisor_state(c);
    case SB_KIND_COUNT:
        break;
    }
    return 0;
}

bool rollup_compute_mixed(const Coord *c, SbStateKind kind)
{
    int n;

    if (kind >= SB_KIND_NODE_COUNT) {
        return false;
    }
    n = kind_value_count(kind);
    for (int v = 0; v < n; v++) {
        if (value_count(c, kind, v) == c->cfg.nodes) {
            return false;
        }
    }
    return true;
}

unsigned rollup_update(Coord *c)
{
    unsigned changed_mask = 0;

    for (int k = 0; k < SB_KIND_COUNT; k++) {
        Rollup *r = &c->rollups[k];
        int state;
        bool mixed, changed;

        if (r->initialised && !r->dirty) {
            continue;
        }
        state = rollup_compute_state(c, (SbStateKind) k);
        mixed = rollup_compute_mixed(c, (SbStateKind) k);
        changed = !r->initialised || state != r->state || mixed != r->mixed || r->content_changed;
        /* The cached state starts as Unknown "since" the restore or the first event. */
        if (state != r->state || r->since_ms == 0) {
            r->since_ms = c->now_ms;
        }
        if (changed) {
            r->seq++;
            changed_mask |= 1u << k;
        }
        r->state = state;
        r->mixed = mixed;
        r->dirty = false;
        r->content_changed = false;
        r->initialised = true;
    }
    return changed_mask;
}

static int compare_rollup_nodes(const void *a, const void *b)
{
    uint32_t x = ((const SbRollupNode *) a)->node, y = ((const SbRollupNode *) b)->node;

    return (x > y) - (x < y);
}

/* N <= 64: every node; else the nodes whose value differs from the rollup's state. */
static void build_nodes(const Coord *c, SbStateKind kind, SbRollupMsg *m)
{
    uint32_t nodes = c->cfg.nodes;
    int n_values = kind_value_count(kind);

    if (nodes <= SB_ROLLUP_NODES_MAX) {
        for (uint32_t n = 1; n <= nodes; n++) {
            m->nodes[m->n_nodes++] = (SbRollupNode){
                .node = n,
                .state = c->nodes[n].kinds[kind].value,
            };
        }
        return;
    }
    for (int v = 0; v < n_values && m->n_nodes < SB_ROLLUP_NODES_MAX; v++) {
        const NodeList *list = &c->values[kind][v];

        if (v == m->state) {
            continue;
        }
        for (uint32_t n = list->head; n && m->n_nodes < SB_ROLLUP_NODES_MAX;
             n = node_list_next(&c->value_links[kind], n)) {
            m->nodes[m->n_nodes++] = (SbRollupNode){ .node = n, .state = v };
        }
    }
    qsort(m->nodes, m->n_nodes, sizeof(m->nodes[0]), compare_rollup_nodes);
    m->nodes_omitted = nodes - value_count(c, kind, m->state) - (uint32_t) m->n_nodes;
}

/* The hypervisor is one per system: its one node, counted once, stale when that node is. */
static void build_hypervisor(const Coord *c, SbRollupMsg *m)
{
    uint32_t node = c->hv.node;

    if (node == 0) {
        return; /* withdrawn: Unknown with no detail */
    }
    m->nodes[m->n_nodes++] = (SbRollupNode){ .node = node, .state = m->state };
    m->counts[m->state] = 1;
    if (c->nodes[node].stale) {
        m->stale[m->n_stale++] = node;
    }
}

int coord_rollup_build(const Coord *c, SbStateKind kind, SbRollupMsg *ret)
{
    const Rollup *r;

    if (!c || !ret || (int) kind < 0 || kind >= SB_KIND_COUNT) {
        return -EINVAL;
    }
    r = &c->rollups[kind];
    memset(ret, 0, sizeof(*ret));
    ret->kind = kind;
    ret->state = r->state;
    ret->since_ms = r->since_ms;
    ret->epoch = c->epoch;
    ret->seq = r->seq;
    ret->expected = c->cfg.nodes;
    ret->mixed = r->mixed;
    if (kind == SB_KIND_HYPERVISOR) {
        build_hypervisor(c, ret);
        return 0;
    }
    for (int v = 0; v < kind_value_count(kind); v++) {
        ret->counts[v] = value_count(c, kind, v);
    }
    build_nodes(c, kind, ret);
    ret->n_stale = node_list_collect(&c->stale, &c->stale_links, ret->stale, SB_ROLLUP_NODES_MAX);
    ret->stale_omitted = c->stale.count - (uint32_t) ret->n_stale;
    return 0;
}
