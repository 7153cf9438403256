/* SPDX-License-Identifier: Apache-2.0 */
/* Reset action bodies -> system requests (topics/redfish.md "Reset"). */
#include "redfish-reset.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "statebus/limits.h"

typedef struct ResetMapping {
    const char *reset_type;
    SbTarget target;
    SbTransition transition;
} ResetMapping;

/* bmcweb redfish-core/lib/systems.hpp (handleComputerSystemResetActionPost): ForceOff acts on the
 * chassis, everything else on the host; PowerCycle is PSM's host Reboot (off, then on again). */
static const ResetMapping system_mappings[] = {
    { "On", SB_TARGET_HOST, SB_TRANSITION_ON },
    { "ForceOn", SB_TARGET_HOST, SB_TRANSITION_ON },
    { "ForceOff", SB_TARGET_CHASSIS, SB_TRANSITION_OFF },
    { "GracefulShutdown", SB_TARGET_HOST, SB_TRANSITION_OFF },
    { "GracefulRestart", SB_TARGET_HOST, SB_TRANSITION_GRACEFUL_WARM_REBOOT },
    { "ForceRestart", SB_TARGET_HOST, SB_TRANSITION_FORCE_WARM_REBOOT },
    { "PowerCycle", SB_TARGET_HOST, SB_TRANSITION_REBOOT },
    { NULL, 0, 0 },
};

/* bmcweb managers.hpp (Manager.Reset): GracefulRestart is PSM's BMC Reboot, ForceRestart its
 * HardReboot. */
static const ResetMapping manager_mappings[] = {
    { "GracefulRestart", SB_TARGET_BMC, SB_TRANSITION_REBOOT },
    { "ForceRestart", SB_TARGET_BMC, SB_TRANSITION_HARD_REBOOT },
    { NULL, 0, 0 },
};

const char *const redfish_reset_allowable[] = {
    "On",           "ForceOn",    "ForceOff", "GracefulShutdown", "GracefulRestart",
    "ForceRestart", "PowerCycle", NULL,
};

const char *const redfish_manager_reset_allowable[] = { "GracefulRestart", "ForceRestart", NULL };

/* DMTF Resource.ResetType values the bridge has no transition for: a statebus system has no NMI
 * path, and a "button press" whose meaning depends on the current state is not something to do
 * to several nodes at once (an operator says On or GracefulShutdown). A BMC has no power of its
 * own to switch. */
static const char *const reset_types[] = {
    "On",
    "ForceOff",
    "GracefulShutdown",
    "GracefulRestart",
    "ForceRestart",
    "Nmi",
    "ForceOn",
    "PushPowerButton",
    "PowerCycle",
    "Suspend",
    "Pause",
    "Resume",
    "FullPowerCycle",
    NULL,
};

const char *redfish_reset_action_name(RedfishResetKind kind)
{
    return kind == REDFISH_RESET_MANAGER ? "Manager.Reset" : "ComputerSystem.Reset";
}

static int reset_lookup(RedfishResetKind kind,
                        const char *value,
                        RedfishResetAction *ret,
                        RedfishError *reterr)
{
    const ResetMapping *m = kind == REDFISH_RESET_MANAGER ? manager_mappings : system_mappings;
    const char *action = redfish_reset_action_name(kind);

    for (; m->reset_type; m++) {
        if (strcmp(value, m->reset_type) == 0) {
            *ret = (RedfishResetAction){
                .reset_type = m->reset_type,
                .target = m->target,
                .transition = m->transition,
            };
            return 0;
        }
    }
    for (size_t i = 0; reset_types[i]; i++) {
        if (strcmp(value, reset_types[i]) == 0) {
            redfish_error_set(reterr, 400, REDFISH_MSG_ACTION_PARAMETER_NOT_SUPPORTED,
                              reset_types[i], action);
            return -EINVAL;
        }
    }
    redfish_error_set(reterr, 400, REDFISH_MSG_ACTION_PARAMETER_VALUE_NOT_IN_LIST, value,
                      "ResetType", action);
    return -EINVAL;
}

int redfish_reset_parse(RedfishResetKind kind,
                        const char *body,
                        size_t len,
                        RedfishResetAction *ret,
                        RedfishError *reterr)
{
    const char *action = redfish_reset_action_name(kind);
    cJSON *root = NULL;
    const cJSON *item = NULL;
    const cJSON *reset_type = NULL;
    int r;

    if (len > REDFISH_RESET_BODY_MAX) {
        redfish_error_set(reterr, 413, REDFISH_MSG_PAYLOAD_TOO_LARGE);
        return -EINVAL;
    }
    root = cJSON_ParseWithLength(body, len);
    if (!root || !cJSON_IsObject(root)) {
        cJSON_Delete(root);
        redfish_error_set(reterr, 400, REDFISH_MSG_MALFORMED_JSON);
        return -EINVAL;
    }
    cJSON_ArrayForEach(item, root)
    {
        if (strcmp(item->string, "ResetType") == 0) {
            reset_type = item;
        } else {
            redfish_error_set(reterr, 400, REDFISH_MSG_ACTION_PARAMETER_UNKNOWN, action,
                              item->string);
            cJSON_Delete(root);
            return -EINVAL;
        }
    }
    if (!reset_type) {
        redfish_error_set(reterr, 400, REDFISH_MSG_ACTION_PARAMETER_MISSING, action, "ResetType");
        r = -EINVAL;
    } else if (!cJSON_IsString(reset_type) || !reset_type->valuestring) {
        /* The registry: numbers as text, null as "null". */
        char shown[REDFISH_MSG_ARG_MAX + 1] = "null";
        char *printed = cJSON_IsNull(reset_type) ? NULL : cJSON_PrintUnformatted(reset_type);
        if (printed) {
            (void) snprintf(shown, sizeof(shown), "%s", printed);
            cJSON_free(printed);
        }
        redfish_error_set(reterr, 400, REDFISH_MSG_ACTION_PARAMETER_VALUE_TYPE_ERROR, shown,
                          "ResetType", action);
        r = -EINVAL;
    } else {
        r = reset_lookup(kind, reset_type->valuestring, ret, reterr);
    }
    cJSON_Delete(root);
    return r;
}
