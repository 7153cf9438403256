/* SPDX-License-Identifier: Apache-2.0 */
/* ComputerSystem.Reset body -> system request (topics/redfish.md "Reset"). */
#include "redfish-reset.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <string.h>

#include "statebus/limits.h"

typedef struct ResetMapping {
    const char *reset_type;
    SbTarget target;
    SbTransition transition;
} ResetMapping;

/* bmcweb redfish-core/lib/systems.hpp (handleComputerSystemResetActionPost): ForceOff acts on the
 * chassis, everything else on the host; PowerCycle is PSM's host Reboot (off, then on again). */
static const ResetMapping reset_mappings[] = {
    { "On", SB_TARGET_HOST, SB_TRANSITION_ON },
    { "ForceOn", SB_TARGET_HOST, SB_TRANSITION_ON },
    { "ForceOff", SB_TARGET_CHASSIS, SB_TRANSITION_OFF },
    { "GracefulShutdown", SB_TARGET_HOST, SB_TRANSITION_OFF },
    { "GracefulRestart", SB_TARGET_HOST, SB_TRANSITION_GRACEFUL_WARM_REBOOT },
    { "ForceRestart", SB_TARGET_HOST, SB_TRANSITION_FORCE_WARM_REBOOT },
    { "PowerCycle", SB_TARGET_HOST, SB_TRANSITION_REBOOT },
};

const char *const redfish_reset_allowable[] = {
    "On",           "ForceOn",    "ForceOff", "GracefulShutdown", "GracefulRestart",
    "ForceRestart", "PowerCycle", NULL,
};

/* DMTF Resource.ResetType values statebus has no transition for: a statebus system has no NMI
 * path, and a "button press" whose meaning depends on the current state is not something to do
 * to several nodes at once (an operator says On or GracefulShutdown). */
static const char *const reset_unsupported[] = {
    "Nmi", "PushPowerButton", "Suspend", "Pause", "Resume", "FullPowerCycle",
};

/* Echo untrusted text in an error: at most size - 1 bytes of printable ASCII ('?' for anything
 * else), so the error body stays short and valid UTF-8. */
static void printable_copy(const char *s, char *buf, size_t size)
{
    size_t i = 0;

    for (; s[i] && i < size - 1; i++) {
        buf[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
    }
    buf[i] = '\0';
}

static int reset_fail(RedfishError *e, const char *id, const char *resolution, const char *text)
{
    redfish_error_set(e, 400, id, resolution, "%s", text);
    return -EINVAL;
}

static int reset_lookup(const char *value, RedfishResetAction *ret, RedfishError *reterr)
{
    for (size_t i = 0; i < sizeof(reset_mappings) / sizeof(reset_mappings[0]); i++) {
        if (strcmp(value, reset_mappings[i].reset_type) == 0) {
            *ret = (RedfishResetAction){
                .reset_type = reset_mappings[i].reset_type,
                .target = reset_mappings[i].target,
                .transition = reset_mappings[i].transition,
            };
            return 0;
        }
    }
    for (size_t i = 0; i < sizeof(reset_unsupported) / sizeof(reset_unsupported[0]); i++) {
        if (strcmp(value, reset_unsupported[i]) == 0) {
            redfish_error_set(
                    reterr, 400, "ActionParameterNotSupported",
                    "Remove the parameter supplied and resubmit the request if the operation "
                    "failed.",
                    "The parameter %s for the action ComputerSystem.Reset is not supported on "
                    "the target resource.",
                    reset_unsupported[i]);
            return -EINVAL;
        }
    }
    char shown[65];

    printable_copy(value, shown, sizeof(shown));
    redfish_error_set(
            reterr, 400, "ActionParameterValueNotInList",
            "Choose a value from the enumeration list that the implementation can support and "
            "resubmit the request if the operation failed.",
            "The value '%s' for the parameter ResetType in the action ComputerSystem.Reset is "
            "not in the list of acceptable values.",
            shown);
    return -EINVAL;
}

int redfish_reset_parse(const char *body, size_t len, RedfishResetAction *ret, RedfishError *reterr)
{
    cJSON *root = NULL;
    const cJSON *item = NULL;
    const cJSON *reset_type = NULL;
    int r;

    if (len > REDFISH_RESET_BODY_MAX) {
        return reset_fail(reterr, "MalformedJSON", "Ensure that the request body is valid JSON.",
                          "The request body submitted was too large to be a ComputerSystem.Reset.");
    }
    root = cJSON_ParseWithLength(body, len);
    if (!root || !cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return reset_fail(
                reterr, "MalformedJSON",
                "Ensure that the request body is valid JSON and resubmit the request.",
                "The request body submitted was malformed JSON and could not be parsed by the "
                "receiving service.");
    }
    cJSON_ArrayForEach(item, root)
    {
        if (strcmp(item->string, "ResetType") == 0) {
            reset_type = item;
        } else {
            char shown[65];
            printable_copy(item->string, shown, sizeof(shown));
            redfish_error_set(
                    reterr, 400, "ActionParameterUnknown",
                    "Correct the invalid action parameter and resubmit the request if the "
                    "operation failed.",
                    "The action ComputerSystem.Reset was submitted with the invalid parameter "
                    "%s.",
                    shown);
            cJSON_Delete(root);
            return -EINVAL;
        }
    }
    if (!reset_type) {
        r = reset_fail(
                reterr, "ActionParameterMissing",
                "Supply the action with the required parameter in the request body when the "
                "request is resubmitted.",
                "The action ComputerSystem.Reset requires the parameter ResetType to be present "
                "in the request body.");
    } else if (!cJSON_IsString(reset_type) || !reset_type->valuestring) {
        r = reset_fail(
                reterr, "ActionParameterValueTypeError",
                "Correct the value for the parameter in the request body and resubmit the request "
                "if the operation failed.",
                "The value for the parameter ResetType in the action ComputerSystem.Reset is of a "
                "different type than the parameter can accept.");
    } else {
        r = reset_lookup(reset_type->valuestring, ret, reterr);
    }
    cJSON_Delete(root);
    return r;
}
