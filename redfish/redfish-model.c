/* SPDX-License-Identifier: Apache-2.0 */
/* The bridge's picture of the system, updated from decoded payloads (see redfish-model.h). */
#include "redfish-model.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "statebus/topic.h"

int redfish_model_init(RedfishModel *m, const char *system)
{
    if (!sb_system_id_is_valid(system)) {
        return -EINVAL;
    }
    *m = (RedfishModel){ 0 };
    (void) snprintf(m->system, sizeof(m->system), "%s", system); /* length checked above */
    return 0;
}

void redfish_model_done(RedfishModel *m)
{
    free(m->nodes);
    m->nodes = NULL;
    m->n_nodes = 0;
    m->max_node = 0;
}

uint32_t redfish_model_node_count(const RedfishModel *m)
{
    uint32_t n = m->max_node;

    for (size_t k = 0; k < SB_KIND_COUNT; k++) {
        if (m->rollups[k].seen && m->rollups[k].expected > n) {
            n = m->rollups[k].expected;
        }
    }
    return n;
}

const RedfishNode *redfish_model_node(const RedfishModel *m, uint32_t node)
{
    if (node == 0 || node > m->n_nodes || !m->nodes[node - 1].seen) {
        return NULL;
    }
    return &m->nodes[node - 1];
}

/* Grows the table so node fits; amortized doubling, zero-filled. */
static int model_node_get(RedfishModel *m, uint32_t node, RedfishNode **ret)
{
    if (node == 0 || node > SB_NODES_MAX) {
        return -EINVAL;
    }
    if (node > m->n_nodes) {
        uint32_t n = m->n_nodes ? m->n_nodes : 4;
        while (n < node) {
            n *= 2;
        }
        if (n > SB_NODES_MAX) {
            n = SB_NODES_MAX;
        }
        RedfishNode *grown = realloc(m->nodes, (size_t) n * sizeof(*grown));
        if (!grown) {
            return -ENOMEM;
        }
        (void) memset(grown + m->n_nodes, 0, (size_t) (n - m->n_nodes) * sizeof(*grown));
        m->nodes = grown;
        m->n_nodes = n;
    }
    *ret = &m->nodes[node - 1];
    (*ret)->seen = true;
    if (node > m->max_node) {
        m->max_node = node;
    }
    return 0;
}

int redfish_model_node_status(RedfishModel *m, uint32_t node, const SbStatusMsg *s)
{
    RedfishNode *n = NULL;
    int r = model_node_get(m, node, &n);

    if (r < 0) {
        return r;
    }
    /* contract.md "Lifecycle": a lost/offline of an older epoch is a late will. */
    if (s->status != SB_STATUS_ONLINE && n->status == SB_STATUS_ONLINE && s->epoch != n->epoch) {
        return 0;
    }
    n->status = s->status;
    n->epoch = s->epoch;
    return 0;
}

int redfish_model_node_state(RedfishModel *m, uint32_t node, const SbStateMsg *s)
{
    RedfishNode *n = NULL;
    int r;

    if ((unsigned) s->kind >= SB_KIND_NODE_COUNT) {
        return -EINVAL;
    }
    r = model_node_get(m, node, &n);
    if (r < 0) {
        return r;
    }
    n->states[s->kind] = (RedfishState){ .value = s->state, .since_ms = s->since_ms };
    switch (s->kind) {
    case SB_KIND_BMC:
        n->last_reboot_cause = s->last_reboot_cause;
        break;
    case SB_KIND_CHASSIS:
        n->power_status = s->power_status;
        n->ac_loss = s->has_ac_loss && s->ac_loss;
        break;
    case SB_KIND_HOST:
        n->restart_cause = s->restart_cause;
        break;
    case SB_KIND_BOOT_PROGRESS:
    case SB_KIND_NODE_COUNT: /* also SB_KIND_HYPERVISOR: not a node kind, refused above */
    case SB_KIND_COUNT:
        break;
    }
    return 0;
}

void redfish_model_system_status(RedfishModel *m, const SbStatusMsg *s)
{
    m->coordinator_status = s->status;
}

void redfish_model_rollup(RedfishModel *m, const SbRollupMsg *r)
{
    if ((unsigned) r->kind >= SB_KIND_COUNT) {
        return;
    }
    m->rollups[r->kind] = (RedfishRollup){
        .seen = true,
        .state = { .value = r->state, .since_ms = r->since_ms },
        .expected = r->expected,
        .mixed = r->mixed,
        .n_stale = r->n_stale + r->stale_omitted,
    };
}

void redfish_model_requests(RedfishModel *m, const SbRequestsMsg *q)
{
    m->has_requests = true;
    m->gate_open = q->gate_open;
    m->not_ready = q->not_ready;
    m->n_waiting_for = q->n_waiting_for;
    (void) memcpy(m->waiting_for, q->waiting_for, q->n_waiting_for * sizeof(q->waiting_for[0]));
    m->n_pending = 0;
    m->n_active = 0;
    for (size_t i = 0; i < q->n_requests; i++) {
        if (q->requests[i].phase == SB_REQUEST_PENDING) {
            m->n_pending++;
        } else if (q->requests[i].phase == SB_REQUEST_ACTIVE) {
            m->n_active++;
        }
    }
}
