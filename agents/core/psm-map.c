/* SPDX-License-Identifier: Apache-2.0 */
#include "psm-map.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

typedef struct PsmPropertyInfo {
    const char *interface;
    const char *name;
    const char *prefix; /* of its values: "<interface>.<EnumName>." */
    SbEnumType type;
    SbStateKind kind;
} PsmPropertyInfo;

/* phosphor-dbus-interfaces yaml/xyz/openbmc_project/State/{BMC,Chassis,Host}.interface.yaml and
 * State/Boot/Progress.interface.yaml. */
static const PsmPropertyInfo properties[PSM_PROP_COUNT] = {
    [PSM_PROP_CURRENT_BMC_STATE] = { PSM_BMC_INTERFACE, "CurrentBMCState",
                                     PSM_BMC_INTERFACE ".BMCState.", SB_ENUM_BMC_STATE,
                                     SB_KIND_BMC },
    [PSM_PROP_LAST_REBOOT_CAUSE] = { PSM_BMC_INTERFACE, "LastRebootCause",
                                     PSM_BMC_INTERFACE ".RebootCause.", SB_ENUM_BMC_REBOOT_CAUSE,
                                     SB_KIND_BMC },
    [PSM_PROP_CURRENT_POWER_STATE] = { PSM_CHASSIS_INTERFACE, "CurrentPowerState",
                                       PSM_CHASSIS_INTERFACE ".PowerState.", SB_ENUM_CHASSIS_STATE,
                                       SB_KIND_CHASSIS },
    [PSM_PROP_CURRENT_POWER_STATUS] = { PSM_CHASSIS_INTERFACE, "CurrentPowerStatus",
                                        PSM_CHASSIS_INTERFACE ".PowerStatus.", SB_ENUM_POWER_STATUS,
                                        SB_KIND_CHASSIS },
    [PSM_PROP_CURRENT_HOST_STATE] = { PSM_HOST_INTERFACE, "CurrentHostState",
                                      PSM_HOST_INTERFACE ".HostState.", SB_ENUM_HOST_STATE,
                                      SB_KIND_HOST },
    [PSM_PROP_RESTART_CAUSE] = { PSM_HOST_INTERFACE, "RestartCause",
                                 PSM_HOST_INTERFACE ".RestartCause.", SB_ENUM_RESTART_CAUSE,
                                 SB_KIND_HOST },
    [PSM_PROP_BOOT_PROGRESS] = { PSM_BOOT_PROGRESS_INTERFACE, "BootProgress",
                                 PSM_BOOT_PROGRESS_INTERFACE ".ProgressStages.",
                                 SB_ENUM_BOOT_PROGRESS, SB_KIND_BOOT_PROGRESS },
};

static bool property_valid(PsmProperty p)
{
    return (int) p >= 0 && p < PSM_PROP_COUNT;
}

int psm_property_find(const char *interface, const char *name)
{
    if (!interface || !name) {
        return -ENOENT;
    }
    for (int p = 0; p < PSM_PROP_COUNT; p++) {
        if (strcmp(properties[p].interface, interface) == 0 &&
            strcmp(properties[p].name, name) == 0) {
            return p;
        }
    }
    return -ENOENT;
}

const char *psm_property_interface(PsmProperty p)
{
    return property_valid(p) ? properties[p].interface : NULL;
}

const char *psm_property_name(PsmProperty p)
{
    return property_valid(p) ? properties[p].name : NULL;
}

SbStateKind psm_property_kind(PsmProperty p)
{
    return property_valid(p) ? properties[p].kind : SB_KIND_NODE_COUNT;
}

bool psm_property_is_state(PsmProperty p)
{
    return p == PSM_PROP_CURRENT_BMC_STATE || p == PSM_PROP_CURRENT_POWER_STATE ||
           p == PSM_PROP_CURRENT_HOST_STATE || p == PSM_PROP_BOOT_PROGRESS;
}

int psm_value_decode(PsmProperty p, const char *s)
{
    size_t prefix_len;
    int v;

    if (!property_valid(p) || !s) {
        return -EINVAL;
    }
    prefix_len = strlen(properties[p].prefix);
    if (strncmp(s, properties[p].prefix, prefix_len) != 0) {
        return -EINVAL;
    }
    v = sb_enum_from_string(properties[p].type, s + prefix_len, strlen(s + prefix_len));
    return v >= 1 ? v : -EINVAL;
}

int psm_transition_encode(SbTarget target,
                          SbTransition transition,
                          const char **ret_interface,
                          const char **ret_property,
                          char *buf,
                          size_t size)
{
    const char *interface = NULL, *property = NULL, *word = NULL;
    int n;

    if (!sb_transition_valid_for(target, transition)) {
        return -EINVAL;
    }
    switch (target) {
    case SB_TARGET_CHASSIS:
        interface = PSM_CHASSIS_INTERFACE;
        property = "RequestedPowerTransition";
        break;
    case SB_TARGET_HOST:
        interface = PSM_HOST_INTERFACE;
        property = "RequestedHostTransition";
        break;
    case SB_TARGET_BMC:
        interface = PSM_BMC_INTERFACE;
        property = "RequestedBMCTransition";
        break;
    default:
        return -EINVAL;
    }
    word = sb_enum_to_string(SB_ENUM_TRANSITION, transition);
    if (!word) {
        return -EINVAL;
    }
    n = snprintf(buf, size, "%s.Transition.%s", interface, word);
    if (n < 0 || (size_t) n >= size) {
        return -ENOSPC;
    }
    *ret_interface = interface;
    *ret_property = property;
    return 0;
}

bool psm_observation_apply(NodeObservation *obs, PsmProperty p, int value)
{
    int *field = NULL;

    switch (p) {
    case PSM_PROP_CURRENT_BMC_STATE:
    case PSM_PROP_CURRENT_POWER_STATE:
    case PSM_PROP_CURRENT_HOST_STATE:
    case PSM_PROP_BOOT_PROGRESS:
        field = &obs->state;
        break;
    case PSM_PROP_LAST_REBOOT_CAUSE:
        if (obs->last_reboot_cause == (SbBmcRebootCause) value) {
            return false;
        }
        obs->last_reboot_cause = (SbBmcRebootCause) value;
        return true;
    case PSM_PROP_CURRENT_POWER_STATUS:
        if (obs->power_status == (SbPowerStatus) value) {
            return false;
        }
        obs->power_status = (SbPowerStatus) value;
        return true;
    case PSM_PROP_RESTART_CAUSE:
        if (obs->restart_cause == (SbRestartCause) value) {
            return false;
        }
        obs->restart_cause = (SbRestartCause) value;
        return true;
    default:
        return false;
    }
    if (*field == value) {
        return false;
    }
    *field = value;
    return true;
}

int psm_os_status_boot_progress(const char *s)
{
    static const struct {
        const char *name;
        SbBootProgress boot;
    } map[] = {
        { "Inactive", SB_BOOT_UNSPECIFIED }, { "Standby", SB_BOOT_SYSTEM_INIT_COMPLETE },
        { "CBoot", SB_BOOT_OS_START },       { "PXEBoot", SB_BOOT_OS_START },
        { "DiagBoot", SB_BOOT_OS_START },    { "CDROMBoot", SB_BOOT_OS_START },
        { "ROMBoot", SB_BOOT_OS_START },     { "BootComplete", SB_BOOT_OS_RUNNING },
    };
    static const char prefix[] = PSM_OS_INTERFACE ".OSStatus.";

    if (!s || strncmp(s, prefix, sizeof(prefix) - 1) != 0) {
        return -EINVAL;
    }
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        if (strcmp(s + sizeof(prefix) - 1, map[i].name) == 0) {
            return (int) map[i].boot;
        }
    }
    return -EINVAL;
}
