/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the Redfish bridge knows of one system: the coordinator's status, rollups and gate, and
 * each node's status and states, kept current from decoded statebus payloads (topics/redfish.md).
 * Pure: no I/O, no clock, no logging; the shell decodes and feeds it, the renderer reads it.
 */
#ifndef STATEBUS_REDFISH_MODEL_H
#define STATEBUS_REDFISH_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "statebus/enums.h"
#include "statebus/payload.h"

/* One state as last heard: value 0 = never heard from. */
typedef struct RedfishState {
    int value;
    uint64_t since_ms;
} RedfishState;

typedef struct RedfishNode {
    bool seen;       /* any valid message of this node arrived */
    SbStatus status; /* SB_STATUS_UNKNOWN until its status arrives */
    uint64_t epoch;
    RedfishState states[SB_KIND_NODE_COUNT]; /* by SbStateKind (bmc, chassis, host, boot) */
    int last_reboot_cause;                   /* bmc: SbBmcRebootCause, 0 = absent */
    int power_status;                        /* chassis: SbPowerStatus, 0 = absent */
    bool ac_loss;
    int restart_cause; /* host: SbRestartCause, 0 = absent */
} RedfishNode;

typedef struct RedfishRollup {
    bool seen;
    RedfishState state;
    uint32_t expected;
    bool mixed;
    size_t n_stale; /* listed + omitted */
} RedfishRollup;

typedef struct RedfishModel {
    char system[SB_SYSTEM_ID_MAX + 1];
    SbStatus coordinator_status; /* system/status */
    RedfishRollup rollups[SB_KIND_COUNT];
    bool has_requests;
    bool gate_open;
    uint32_t not_ready;
    uint32_t waiting_for[SB_EVENT_NODES_MAX];
    size_t n_waiting_for;
    size_t n_pending, n_active;
    RedfishNode *nodes; /* owned; index node - 1; n_nodes entries (capacity) */
    uint32_t n_nodes;
    uint32_t max_node; /* highest node heard from */
} RedfishModel;

/* Initializes an empty model for system (a valid system id). Returns 0 or -EINVAL. */
int redfish_model_init(RedfishModel *m, const char *system);
void redfish_model_done(RedfishModel *m);

/* The nodes the resources list: 1..max(expected of any rollup, highest node heard from). */
uint32_t redfish_model_node_count(const RedfishModel *m);
/* The node's entry, NULL when nothing was heard from it (it may still be listed as expected). */
const RedfishNode *redfish_model_node(const RedfishModel *m, uint32_t node);

/* Updates from decoded payloads. Node updates may grow the table (capped at SB_NODES_MAX):
 * 0, -EINVAL for a node out of range, -ENOMEM. */
int redfish_model_node_status(RedfishModel *m, uint32_t node, const SbStatusMsg *s);
int redfish_model_node_state(RedfishModel *m, uint32_t node, const SbStateMsg *s);
void redfish_model_system_status(RedfishModel *m, const SbStatusMsg *s);
void redfish_model_rollup(RedfishModel *m, const SbRollupMsg *r);
void redfish_model_requests(RedfishModel *m, const SbRequestsMsg *q);

#endif
