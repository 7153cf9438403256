/* SPDX-License-Identifier: Apache-2.0 */
/* One observed value of one state kind of a node, with that kind's details: what a backend reports
 * and what the agent publishes on node/<n>/<kind>. */
#ifndef STATEBUS_NODE_OBSERVATION_H
#define STATEBUS_NODE_OBSERVATION_H

#include <stdbool.h>
#include <stdint.h>

#include "statebus/enums.h"

typedef struct NodeObservation {
    SbStateKind kind;                   /* BMC, CHASSIS, HOST or BOOT_PROGRESS */
    int state;                          /* value of sb_state_kind_enum(kind), >= 1 */
    SbBmcRebootCause last_reboot_cause; /* bmc */
    SbPowerStatus power_status;         /* chassis */
    bool ac_loss;                       /* chassis: this BMC booted from an AC loss */
    uint64_t bmc_boot_ms;               /* chassis: unix ms this BMC booted, 0 = unknown */
    SbRestartCause restart_cause;       /* host */
} NodeObservation;

/* True when x and y are the same observation: every field above, compared one by one (padding
 * makes memcmp() unreliable). The agent publishes an observation only when it is not equal to the
 * last one of its kind, and the GPIO power model reports one only then: a change of any detail
 * (a cause, ac_loss, the BMC's boot time) is news as much as a change of state. */
bool node_observation_equal(const NodeObservation *x, const NodeObservation *y);

#endif
