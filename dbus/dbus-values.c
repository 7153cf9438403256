/* SPDX-License-Identifier: Apache-2.0 */
#include "dbus-values.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "macro.h"

#define STATE "xyz.openbmc_project.State."

/* Indexed by the statebus value (= its code); index 0 has no D-Bus string. */
static const char *const host_states[] = {
    [SB_HOST_OFF] = STATE "Host.HostState.Off",
    [SB_HOST_TRANSITIONING_TO_OFF] = STATE "Host.HostState.TransitioningToOff",
    [SB_HOST_STANDBY] = STATE "Host.HostState.Standby",
    [SB_HOST_RUNNING] = STATE "Host.HostState.Running",
    [SB_HOST_TRANSITIONING_TO_RUNNING] = STATE "Host.HostState.TransitioningToRunning",
    [SB_HOST_QUIESCED] = STATE "Host.HostState.Quiesced",
    [SB_HOST_DIAGNOSTIC_MODE] = STATE "Host.HostState.DiagnosticMode",
};
_Static_assert(ELEMENTSOF(host_states) == SB_HOST_COUNT, "host states");

static const char *const chassis_states[] = {
    [SB_CHASSIS_OFF] = STATE "Chassis.PowerState.Off",
    [SB_CHASSIS_TRANSITIONING_TO_OFF] = STATE "Chassis.PowerState.TransitioningToOff",
    [SB_CHASSIS_ON] = STATE "Chassis.PowerState.On",
    [SB_CHASSIS_TRANSITIONING_TO_ON] = STATE "Chassis.PowerState.TransitioningToOn",
};
_Static_assert(ELEMENTSOF(chassis_states) == SB_CHASSIS_COUNT, "chassis states");

static const char *const power_statuses[] = {
    [SB_POWER_STATUS_UNDEFINED] = STATE "Chassis.PowerStatus.Undefined",
    [SB_POWER_STATUS_BROWN_OUT] = STATE "Chassis.PowerStatus.BrownOut",
    [SB_POWER_STATUS_UPS] = STATE "Chassis.PowerStatus.UninterruptiblePowerSupply",
    [SB_POWER_STATUS_GOOD] = STATE "Chassis.PowerStatus.Good",
};
_Static_assert(ELEMENTSOF(power_statuses) == SB_POWER_STATUS_COUNT, "power statuses");

static const char *const restart_causes[] = {
    [SB_RESTART_CAUSE_UNKNOWN] = STATE "Host.RestartCause.Unknown",
    [SB_RESTART_CAUSE_REMOTE_COMMAND] = STATE "Host.RestartCause.RemoteCommand",
    [SB_RESTART_CAUSE_RESET_BUTTON] = STATE "Host.RestartCause.ResetButton",
    [SB_RESTART_CAUSE_POWER_BUTTON] = STATE "Host.RestartCause.PowerButton",
    [SB_RESTART_CAUSE_WATCHDOG_TIMER] = STATE "Host.RestartCause.WatchdogTimer",
    [SB_RESTART_CAUSE_POWER_POLICY_ALWAYS_ON] = STATE "Host.RestartCause.PowerPolicyAlwaysOn",
    [SB_RESTART_CAUSE_POWER_POLICY_PREVIOUS_STATE] =
            STATE "Host.RestartCause.PowerPolicyPreviousState",
    [SB_RESTART_CAUSE_SOFT_RESET] = STATE "Host.RestartCause.SoftReset",
    [SB_RESTART_CAUSE_SCHEDULED_POWER_ON] = STATE "Host.RestartCause.ScheduledPowerOn",
    [SB_RESTART_CAUSE_HOST_CRASH] = STATE "Host.RestartCause.HostCrash",
};
_Static_assert(ELEMENTSOF(restart_causes) == SB_RESTART_CAUSE_COUNT, "restart causes");

static const char *const boot_stages[] = {
    [SB_BOOT_UNSPECIFIED] = STATE "Boot.Progress.ProgressStages.Unspecified",
    [SB_BOOT_PRIMARY_PROC_INIT] = STATE "Boot.Progress.ProgressStages.PrimaryProcInit",
    [SB_BOOT_BUS_INIT] = STATE "Boot.Progress.ProgressStages.BusInit",
    [SB_BOOT_MEMORY_INIT] = STATE "Boot.Progress.ProgressStages.MemoryInit",
    [SB_BOOT_SECONDARY_PROC_INIT] = STATE "Boot.Progress.ProgressStages.SecondaryProcInit",
    [SB_BOOT_PCI_INIT] = STATE "Boot.Progress.ProgressStages.PCIInit",
    [SB_BOOT_SYSTEM_INIT_COMPLETE] = STATE "Boot.Progress.ProgressStages.SystemInitComplete",
    [SB_BOOT_OS_START] = STATE "Boot.Progress.ProgressStages.OSStart",
    [SB_BOOT_OS_RUNNING] = STATE "Boot.Progress.ProgressStages.OSRunning",
    [SB_BOOT_SYSTEM_SETUP] = STATE "Boot.Progress.ProgressStages.SystemSetup",
    [SB_BOOT_MOTHERBOARD_INIT] = STATE "Boot.Progress.ProgressStages.MotherboardInit",
    [SB_BOOT_OEM] = STATE "Boot.Progress.ProgressStages.OEM",
};
_Static_assert(ELEMENTSOF(boot_stages) == SB_BOOT_COUNT, "boot stages");

static const char *const host_transitions[] = {
    [SB_TRANSITION_ON] = STATE "Host.Transition.On",
    [SB_TRANSITION_OFF] = STATE "Host.Transition.Off",
    [SB_TRANSITION_REBOOT] = STATE "Host.Transition.Reboot",
    [SB_TRANSITION_GRACEFUL_WARM_REBOOT] = STATE "Host.Transition.GracefulWarmReboot",
    [SB_TRANSITION_FORCE_WARM_REBOOT] = STATE "Host.Transition.ForceWarmReboot",
    [SB_TRANSITION_HARD_REBOOT] = NULL,
};

static const char *const chassis_transitions[] = {
    [SB_TRANSITION_ON] = STATE "Chassis.Transition.On",
    [SB_TRANSITION_OFF] = STATE "Chassis.Transition.Off",
    [SB_TRANSITION_POWER_CYCLE] = STATE "Chassis.Transition.PowerCycle",
    [SB_TRANSITION_HARD_REBOOT] = NULL,
};

static const char *const os_statuses[] = {
    [DBUS_OS_CBOOT] = STATE "OperatingSystem.Status.OSStatus.CBoot",
    [DBUS_OS_PXE_BOOT] = STATE "OperatingSystem.Status.OSStatus.PXEBoot",
    [DBUS_OS_DIAG_BOOT] = STATE "OperatingSystem.Status.OSStatus.DiagBoot",
    [DBUS_OS_CDROM_BOOT] = STATE "OperatingSystem.Status.OSStatus.CDROMBoot",
    [DBUS_OS_ROM_BOOT] = STATE "OperatingSystem.Status.OSStatus.ROMBoot",
    [DBUS_OS_BOOT_COMPLETE] = STATE "OperatingSystem.Status.OSStatus.BootComplete",
    [DBUS_OS_INACTIVE] = STATE "OperatingSystem.Status.OSStatus.Inactive",
    [DBUS_OS_STANDBY] = STATE "OperatingSystem.Status.OSStatus.Standby",
};
_Static_assert(ELEMENTSOF(os_statuses) == DBUS_OS_COUNT, "OS statuses");

static const char *table_lookup(const char *const *table, size_t n, int value)
{
    return value >= 0 && (size_t) value < n ? table[value] : NULL;
}

const char *dbus_value_string(SbEnumType type, int value)
{
    switch (type) {
    case SB_ENUM_HOST_STATE:
        return table_lookup(host_states, ELEMENTSOF(host_states), value);
    case SB_ENUM_CHASSIS_STATE:
        return table_lookup(chassis_states, ELEMENTSOF(chassis_states), value);
    case SB_ENUM_POWER_STATUS:
        return table_lookup(power_statuses, ELEMENTSOF(power_statuses), value);
    case SB_ENUM_RESTART_CAUSE:
        return table_lookup(restart_causes, ELEMENTSOF(restart_causes), value);
    case SB_ENUM_BOOT_PROGRESS:
        return table_lookup(boot_stages, ELEMENTSOF(boot_stages), value);
    default:
        return NULL;
    }
}

const char *dbus_transition_string(SbTarget target, SbTransition transition)
{
    switch (target) {
    case SB_TARGET_HOST:
        return table_lookup(host_transitions, ELEMENTSOF(host_transitions), (int) transition);
    case SB_TARGET_CHASSIS:
        return table_lookup(chassis_transitions, ELEMENTSOF(chassis_transitions), (int) transition);
    default:
        return NULL;
    }
}

int dbus_transition_parse(SbTarget target, const char *s)
{
    if (!s) {
        return -EINVAL;
    }
    for (int t = SB_TRANSITION_ON; t < SB_TRANSITION_COUNT; t++) {
        const char *name = dbus_transition_string(target, (SbTransition) t);
        if (name && strcmp(name, s) == 0) {
            return t;
        }
    }
    return -EINVAL;
}

const char *dbus_os_status_string(DbusOsStatus s)
{
    return table_lookup(os_statuses, ELEMENTSOF(os_statuses), (int) s);
}

DbusOsStatus dbus_os_status_derive(SbHostState host, SbBootProgress boot)
{
    switch (host) {
    case SB_HOST_UNKNOWN:
    case SB_HOST_OFF:
    case SB_HOST_TRANSITIONING_TO_OFF:
        return DBUS_OS_INACTIVE;
    default:
        break;
    }
    return host == SB_HOST_RUNNING && boot == SB_BOOT_OS_RUNNING ? DBUS_OS_BOOT_COMPLETE
                                                                 : DBUS_OS_STANDBY;
}
