/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The enum tables of the contract: wire strings (PSM's own, without the D-Bus prefix), the
 * "least advanced" orders of topics/README.md "Rollup policy", and which transitions exist for
 * which target and which of them the gate holds (README "The gate").
 */
#include "statebus/enums.h"

#include <errno.h>
#include <string.h>

#include "text-util.h"

/* Index 0 of the state enums is "Unknown" (README: the one value that is not PSM's); index 0 of
 * the other enums has no string. */
static const char *const bmc_state_strings[] = {
    [SB_BMC_UNKNOWN] = "Unknown",    [SB_BMC_READY] = "Ready",
    [SB_BMC_NOT_READY] = "NotReady", [SB_BMC_UPDATE_IN_PROGRESS] = "UpdateInProgress",
    [SB_BMC_QUIESCED] = "Quiesced",
};
_Static_assert(ELEMENTSOF(bmc_state_strings) == SB_BMC_COUNT, "BMC state table");

static const char *const bmc_reboot_cause_strings[] = {
    [SB_REBOOT_CAUSE_NONE] = NULL,
    [SB_REBOOT_CAUSE_POR] = "POR",
    [SB_REBOOT_CAUSE_PINHOLE_RESET] = "PinholeReset",
    [SB_REBOOT_CAUSE_WATCHDOG] = "Watchdog",
    [SB_REBOOT_CAUSE_UNKNOWN] = "Unknown",
    [SB_REBOOT_CAUSE_SOFTWARE] = "Software",
};
_Static_assert(ELEMENTSOF(bmc_reboot_cause_strings) == SB_REBOOT_CAUSE_COUNT, "reboot causes");

static const char *const chassis_state_strings[] = {
    [SB_CHASSIS_UNKNOWN] = "Unknown",
    [SB_CHASSIS_OFF] = "Off",
    [SB_CHASSIS_TRANSITIONING_TO_OFF] = "TransitioningToOff",
    [SB_CHASSIS_ON] = "On",
    [SB_CHASSIS_TRANSITIONING_TO_ON] = "TransitioningToOn",
};
_Static_assert(ELEMENTSOF(chassis_state_strings) == SB_CHASSIS_COUNT, "chassis state table");

static const char *const power_status_strings[] = {
    [SB_POWER_STATUS_NONE] = NULL,
    [SB_POWER_STATUS_UNDEFINED] = "Undefined",
    [SB_POWER_STATUS_BROWN_OUT] = "BrownOut",
    [SB_POWER_STATUS_UPS] = "UninterruptiblePowerSupply",
    [SB_POWER_STATUS_GOOD] = "Good",
};
_Static_assert(ELEMENTSOF(power_status_strings) == SB_POWER_STATUS_COUNT, "power status table");

static const char *const host_state_strings[] = {
    [SB_HOST_UNKNOWN] = "Unknown",
    [SB_HOST_OFF] = "Off",
    [SB_HOST_TRANSITIONING_TO_OFF] = "TransitioningToOff",
    [SB_HOST_STANDBY] = "Standby",
    [SB_HOST_RUNNING] = "Running",
    [SB_HOST_TRANSITIONING_TO_RUNNING] = "TransitioningToRunning",
    [SB_HOST_QUIESCED] = "Quiesced",
    [SB_HOST_DIAGNOSTIC_MODE] = "DiagnosticMode",
};
_Static_assert(ELEMENTSOF(host_state_strings) == SB_HOST_COUNT, "host state table");

static const char *const restart_cause_strings[] = {
    [SB_RESTART_CAUSE_NONE] = NULL,
    [SB_RESTART_CAUSE_UNKNOWN] = "Unknown",
    [SB_RESTART_CAUSE_REMOTE_COMMAND] = "RemoteCommand",
    [SB_RESTART_CAUSE_RESET_BUTTON] = "ResetButton",
    [SB_RESTART_CAUSE_POWER_BUTTON] = "PowerButton",
    [SB_RESTART_CAUSE_WATCHDOG_TIMER] = "WatchdogTimer",
    [SB_RESTART_CAUSE_POWER_POLICY_ALWAYS_ON] = "PowerPolicyAlwaysOn",
    [SB_RESTART_CAUSE_POWER_POLICY_PREVIOUS_STATE] = "PowerPolicyPreviousState",
    [SB_RESTART_CAUSE_SOFT_RESET] = "SoftReset",
    [SB_RESTART_CAUSE_SCHEDULED_POWER_ON] = "ScheduledPowerOn",
    [SB_RESTART_CAUSE_HOST_CRASH] = "HostCrash",
};
_Static_assert(ELEMENTSOF(restart_cause_strings) == SB_RESTART_CAUSE_COUNT, "restart causes");

static const char *const boot_progress_strings[] = {
    [SB_BOOT_UNKNOWN] = "Unknown",
    [SB_BOOT_UNSPECIFIED] = "Unspecified",
    [SB_BOOT_PRIMARY_PROC_INIT] = "PrimaryProcInit",
    [SB_BOOT_BUS_INIT] = "BusInit",
    [SB_BOOT_MEMORY_INIT] = "MemoryInit",
    [SB_BOOT_SECONDARY_PROC_INIT] = "SecondaryProcInit",
    [SB_BOOT_PCI_INIT] = "PCIInit",
    [SB_BOOT_SYSTEM_INIT_COMPLETE] = "SystemInitComplete",
    [SB_BOOT_OS_START] = "OSStart",
    [SB_BOOT_OS_RUNNING] = "OSRunning",
    [SB_BOOT_SYSTEM_SETUP] = "SystemSetup",
    [SB_BOOT_MOTHERBOARD_INIT] = "MotherboardInit",
    [SB_BOOT_OEM] = "OEM",
};
_Static_assert(ELEMENTSOF(boot_progress_strings) == SB_BOOT_COUNT, "boot progress table");

static const char *const transition_strings[] = {
    [SB_TRANSITION_NONE] = NULL,
    [SB_TRANSITION_ON] = "On",
    [SB_TRANSITION_OFF] = "Off",
    [SB_TRANSITION_POWER_CYCLE] = "PowerCycle",
    [SB_TRANSITION_REBOOT] = "Reboot",
    [SB_TRANSITION_GRACEFUL_WARM_REBOOT] = "GracefulWarmReboot",
    [SB_TRANSITION_FORCE_WARM_REBOOT] = "ForceWarmReboot",
    [SB_TRANSITION_HARD_REBOOT] = "HardReboot",
};
_Static_assert(ELEMENTSOF(transition_strings) == SB_TRANSITION_COUNT, "transition table");

/* Targets and kinds are written as their topic level names (events carry "target": "host"). */
static const char *const target_strings[] = {
    [SB_TARGET_NONE] = NULL,
    [SB_TARGET_CHASSIS] = "chassis",
    [SB_TARGET_HOST] = "host",
    [SB_TARGET_BMC] = "bmc",
};
_Static_assert(ELEMENTSOF(target_strings) == SB_TARGET_COUNT, "target table");

/* Every state kind is a real value, SB_KIND_BMC included: this table has no "none" at 0. */
static const char *const state_kind_strings[] = {
    [SB_KIND_BMC] = "bmc",
    [SB_KIND_CHASSIS] = "chassis",
    [SB_KIND_HOST] = "host",
    [SB_KIND_BOOT_PROGRESS] = "boot-progress",
    [SB_KIND_HYPERVISOR] = "hypervisor",
};
_Static_assert(ELEMENTSOF(state_kind_strings) == SB_KIND_COUNT, "state kind table");

static const char *const status_strings[] = {
    [SB_STATUS_UNKNOWN] = NULL,
    [SB_STATUS_ONLINE] = "online",
    [SB_STATUS_OFFLINE] = "offline",
    [SB_STATUS_LOST] = "lost",
};
_Static_assert(ELEMENTSOF(status_strings) == SB_STATUS_COUNT, "status table");

static const char *const restore_policy_strings[] = {
    [SB_POLICY_UNKNOWN] = NULL,         [SB_POLICY_NONE] = "None",
    [SB_POLICY_ALWAYS_ON] = "AlwaysOn", [SB_POLICY_ALWAYS_OFF] = "AlwaysOff",
    [SB_POLICY_RESTORE] = "Restore",
};
_Static_assert(ELEMENTSOF(restore_policy_strings) == SB_POLICY_COUNT, "restore policy table");

static const char *const event_kind_strings[] = {
    [SB_EVENT_NONE] = NULL,
    [SB_EVENT_ACCEPTED] = "accepted",
    [SB_EVENT_QUEUED] = "queued",
    [SB_EVENT_DISPATCHED] = "dispatched",
    [SB_EVENT_COMPLETED] = "completed",
    [SB_EVENT_FAILED] = "failed",
    [SB_EVENT_REJECTED] = "rejected",
    [SB_EVENT_CANCELLED] = "cancelled",
    [SB_EVENT_EXPIRED] = "expired",
    [SB_EVENT_DUPLICATE] = "duplicate",
    [SB_EVENT_NODE_LOST] = "node-lost",
    [SB_EVENT_NODE_BACK] = "node-back",
    [SB_EVENT_POWER_RESTORE] = "power-restore",
    [SB_EVENT_SETTING] = "setting",
    [SB_EVENT_CLOCK_DRIFT] = "clock-drift",
    [SB_EVENT_SCHEDULED] = "scheduled",
    [SB_EVENT_SUPERSEDED] = "superseded",
};
_Static_assert(ELEMENTSOF(event_kind_strings) == SB_EVENT_COUNT, "event kind table");

static const char *const setting_name_strings[] = {
    [SB_SETTING_NONE] = NULL,
    [SB_SETTING_POWER_RESTORE_POLICY] = "power-restore-policy",
    [SB_SETTING_POWER_RESTORE_DELAY] = "power-restore-delay",
    [SB_SETTING_POWER_RESTORE_ONE_TIME] = "power-restore-one-time",
    [SB_SETTING_SCHEDULED_TRANSITION] = "scheduled-transition",
};
_Static_assert(ELEMENTSOF(setting_name_strings) == SB_SETTING_COUNT, "setting name table");

typedef struct EnumTable {
    const char *const *strings;
    int count;
    int first; /* lowest value with a wire string that from_string may return */
} EnumTable;

#define ENUM_TABLE(strings, first)                    \
    {                                                 \
        (strings), (int) ELEMENTSOF(strings), (first) \
    }

static const EnumTable enum_tables[] = {
    [SB_ENUM_BMC_STATE] = ENUM_TABLE(bmc_state_strings, 1),
    [SB_ENUM_BMC_REBOOT_CAUSE] = ENUM_TABLE(bmc_reboot_cause_strings, 1),
    [SB_ENUM_CHASSIS_STATE] = ENUM_TABLE(chassis_state_strings, 1),
    [SB_ENUM_POWER_STATUS] = ENUM_TABLE(power_status_strings, 1),
    [SB_ENUM_HOST_STATE] = ENUM_TABLE(host_state_strings, 1),
    [SB_ENUM_RESTART_CAUSE] = ENUM_TABLE(restart_cause_strings, 1),
    [SB_ENUM_BOOT_PROGRESS] = ENUM_TABLE(boot_progress_strings, 1),
    [SB_ENUM_TRANSITION] = ENUM_TABLE(transition_strings, 1),
    [SB_ENUM_TARGET] = ENUM_TABLE(target_strings, 1),
    [SB_ENUM_STATE_KIND] = ENUM_TABLE(state_kind_strings, 0),
    [SB_ENUM_STATUS] = ENUM_TABLE(status_strings, 1),
    [SB_ENUM_RESTORE_POLICY] = ENUM_TABLE(restore_policy_strings, 1),
    [SB_ENUM_EVENT_KIND] = ENUM_TABLE(event_kind_strings, 1),
    [SB_ENUM_SETTING_NAME] = ENUM_TABLE(setting_name_strings, 1),
};
_Static_assert(ELEMENTSOF(enum_tables) == SB_ENUM_TYPE_COUNT, "one table per enum");

static const EnumTable *enum_table(SbEnumType type)
{
    if ((int) type < 0 || type >= SB_ENUM_TYPE_COUNT) {
        return NULL;
    }
    return &enum_tables[type];
}

int sb_enum_count(SbEnumType type)
{
    const EnumTable *t = enum_table(type);

    return t ? t->count : -EINVAL;
}

const char *sb_enum_to_string(SbEnumType type, int value)
{
    const EnumTable *t = enum_table(type);

    if (!t || value < 0 || value >= t->count) {
        return NULL;
    }
    return t->strings[value];
}

int sb_enum_from_string(SbEnumType type, const char *s, size_t len)
{
    const EnumTable *t = enum_table(type);

    if (!t || !s) {
        return -EINVAL;
    }
    for (int v = t->first; v < t->count; v++) {
        const char *name = t->strings[v];

        if (name && strlen(name) == len && memcmp(name, s, len) == 0) {
            return v;
        }
    }
    return -EINVAL;
}

SbEnumType sb_state_kind_enum(SbStateKind kind)
{
    static const SbEnumType kind_enums[] = {
        [SB_KIND_BMC] = SB_ENUM_BMC_STATE,         [SB_KIND_CHASSIS] = SB_ENUM_CHASSIS_STATE,
        [SB_KIND_HOST] = SB_ENUM_HOST_STATE,       [SB_KIND_BOOT_PROGRESS] = SB_ENUM_BOOT_PROGRESS,
        [SB_KIND_HYPERVISOR] = SB_ENUM_HOST_STATE,
    };
    _Static_assert(ELEMENTSOF(kind_enums) == SB_KIND_COUNT, "one enum per state kind");

    if ((int) kind < 0 || kind >= SB_KIND_COUNT) {
        return SB_ENUM_TYPE_COUNT; /* selects no table: every sb_enum_* call fails on it */
    }
    return kind_enums[kind];
}

/* README "The gate": which transitions PSM defines per target, and which the gate holds. An Off
 * must always work and a BMC reboot is how a stuck BMC is fixed, so neither is gated. */
static const bool transition_valid[SB_TARGET_COUNT][SB_TRANSITION_COUNT] = {
    [SB_TARGET_CHASSIS] = {
        [SB_TRANSITION_ON] = true,
        [SB_TRANSITION_OFF] = true,
        [SB_TRANSITION_POWER_CYCLE] = true,
    },
    [SB_TARGET_HOST] = {
        [SB_TRANSITION_ON] = true,
        [SB_TRANSITION_OFF] = true,
        [SB_TRANSITION_REBOOT] = true,
        [SB_TRANSITION_GRACEFUL_WARM_REBOOT] = true,
        [SB_TRANSITION_FORCE_WARM_REBOOT] = true,
    },
    [SB_TARGET_BMC] = {
        [SB_TRANSITION_REBOOT] = true,
        [SB_TRANSITION_HARD_REBOOT] = true,
    },
};

static const bool transition_gated[SB_TARGET_COUNT][SB_TRANSITION_COUNT] = {
    [SB_TARGET_CHASSIS] = {
        [SB_TRANSITION_ON] = true,
        [SB_TRANSITION_POWER_CYCLE] = true,
    },
    [SB_TARGET_HOST] = {
        [SB_TRANSITION_ON] = true,
        [SB_TRANSITION_REBOOT] = true,
        [SB_TRANSITION_GRACEFUL_WARM_REBOOT] = true,
        [SB_TRANSITION_FORCE_WARM_REBOOT] = true,
    },
};

static bool target_transition_in_range(SbTarget target, SbTransition transition)
{
    return (int) target >= 0 && target < SB_TARGET_COUNT && (int) transition >= 0 &&
           transition < SB_TRANSITION_COUNT;
}

bool sb_transition_valid_for(SbTarget target, SbTransition transition)
{
    return target_transition_in_range(target, transition) && transition_valid[target][transition];
}

bool sb_transition_is_gated(SbTarget target, SbTransition transition)
{
    return target_transition_in_range(target, transition) && transition_gated[target][transition];
}

/* README "Rollup policy", least advanced first. -1: not on the order (Unknown, Quiesced,
 * DiagnosticMode and the transitional states are decided by precedence rules instead). */
static const int bmc_rank[SB_BMC_COUNT] = {
    [SB_BMC_UNKNOWN] = -1,           [SB_BMC_READY] = 2,     [SB_BMC_NOT_READY] = 0,
    [SB_BMC_UPDATE_IN_PROGRESS] = 1, [SB_BMC_QUIESCED] = -1,
};

static const int chassis_rank[SB_CHASSIS_COUNT] = {
    [SB_CHASSIS_UNKNOWN] = -1,
    [SB_CHASSIS_OFF] = 0,
    [SB_CHASSIS_TRANSITIONING_TO_OFF] = -1,
    [SB_CHASSIS_ON] = 1,
    [SB_CHASSIS_TRANSITIONING_TO_ON] = -1,
};

static const int host_rank[SB_HOST_COUNT] = {
    [SB_HOST_UNKNOWN] = -1,
    [SB_HOST_OFF] = 0,
    [SB_HOST_TRANSITIONING_TO_OFF] = -1,
    [SB_HOST_STANDBY] = 1,
    [SB_HOST_RUNNING] = 2,
    [SB_HOST_TRANSITIONING_TO_RUNNING] = -1,
    [SB_HOST_QUIESCED] = -1,
    [SB_HOST_DIAGNOSTIC_MODE] = -1,
};

/* The boot's real order, not the enum's: OEM stages have no known place and rank just above
 * Unspecified; SystemSetup (firmware halted in setup) ranks below SystemInitComplete. */
static const int boot_progress_rank[SB_BOOT_COUNT] = {
    [SB_BOOT_UNKNOWN] = -1,         [SB_BOOT_UNSPECIFIED] = 0,          [SB_BOOT_OEM] = 1,
    [SB_BOOT_MOTHERBOARD_INIT] = 2, [SB_BOOT_PRIMARY_PROC_INIT] = 3,    [SB_BOOT_BUS_INIT] = 4,
    [SB_BOOT_MEMORY_INIT] = 5,      [SB_BOOT_SECONDARY_PROC_INIT] = 6,  [SB_BOOT_PCI_INIT] = 7,
    [SB_BOOT_SYSTEM_SETUP] = 8,     [SB_BOOT_SYSTEM_INIT_COMPLETE] = 9, [SB_BOOT_OS_START] = 10,
    [SB_BOOT_OS_RUNNING] = 11,
};

int sb_state_rank(SbStateKind kind, int state)
{
    switch (kind) {
    case SB_KIND_BMC:
        return state >= 0 && state < SB_BMC_COUNT ? bmc_rank[state] : -1;
    case SB_KIND_CHASSIS:
        return state >= 0 && state < SB_CHASSIS_COUNT ? chassis_rank[state] : -1;
    case SB_KIND_HOST:
    case SB_KIND_HYPERVISOR:
        return state >= 0 && state < SB_HOST_COUNT ? host_rank[state] : -1;
    case SB_KIND_BOOT_PROGRESS:
        return state >= 0 && state < SB_BOOT_COUNT ? boot_progress_rank[state] : -1;
    case SB_KIND_COUNT:
        break;
    }
    return -1;
}

bool sb_state_is_transitional(SbStateKind kind, int state)
{
    switch (kind) {
    case SB_KIND_CHASSIS:
        return state == SB_CHASSIS_TRANSITIONING_TO_OFF || state == SB_CHASSIS_TRANSITIONING_TO_ON;
    case SB_KIND_HOST:
    case SB_KIND_HYPERVISOR:
        return state == SB_HOST_TRANSITIONING_TO_OFF || state == SB_HOST_TRANSITIONING_TO_RUNNING;
    case SB_KIND_BMC:
    case SB_KIND_BOOT_PROGRESS:
    case SB_KIND_COUNT:
        break;
    }
    return false;
}
