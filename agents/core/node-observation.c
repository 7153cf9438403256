/* SPDX-License-Identifier: Apache-2.0 */
#include "node-observation.h"

/* Every field counts, kind and bmc_boot_ms too: in the agent the kind always matches (it compares
 * with the last observation of that kind) and in the GPIO model bmc_boot_ms is always 0 (its shell
 * fills it in), so comparing them there changes nothing and both mean the same "equal". */
bool node_observation_equal(const NodeObservation *x, const NodeObservation *y)
{
    return x->kind == y->kind && x->state == y->state &&
           x->last_reboot_cause == y->last_reboot_cause && x->power_status == y->power_status &&
           x->ac_loss == y->ac_loss && x->bmc_boot_ms == y->bmc_boot_ms &&
           x->restart_cause == y->restart_cause;
}
