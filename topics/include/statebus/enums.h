/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Every enumeration of the contract, one table each (topics/src/enums.c).
 *
 * The C value of every state enum equals its wire "code": 1 + the value's position in its
 * phosphor-dbus-interfaces enumeration, 0 = unknown. Codes are contract: never renumbered,
 * new values only appended.
 */
#ifndef STATEBUS_ENUMS_H
#define STATEBUS_ENUMS_H

#include <stdbool.h>
#include <stddef.h>

/* xyz.openbmc_project.State.BMC.BMCState */
typedef enum SbBmcState {
    SB_BMC_UNKNOWN = 0,
    SB_BMC_READY = 1,
    SB_BMC_NOT_READY = 2,
    SB_BMC_UPDATE_IN_PROGRESS = 3,
    SB_BMC_QUIESCED = 4,
    SB_BMC_COUNT,
} SbBmcState;

/* xyz.openbmc_project.State.BMC.RebootCause */
typedef enum SbBmcRebootCause {
    SB_REBOOT_CAUSE_NONE = 0,
    SB_REBOOT_CAUSE_POR = 1,
    SB_REBOOT_CAUSE_PINHOLE_RESET = 2,
    SB_REBOOT_CAUSE_WATCHDOG = 3,
    SB_REBOOT_CAUSE_UNKNOWN = 4,
    /* Added to PDI after Watchdog and before Unknown (2024); appended here, since codes are never
     * renumbered: its code is 5, not its PDI position + 1 (topics/README.md "Enums and codes"). */
    SB_REBOOT_CAUSE_SOFTWARE = 5,
    SB_REBOOT_CAUSE_COUNT,
} SbBmcRebootCause;

/* xyz.openbmc_project.State.Chassis.PowerState */
typedef enum SbChassisState {
    SB_CHASSIS_UNKNOWN = 0,
    SB_CHASSIS_OFF = 1,
    SB_CHASSIS_TRANSITIONING_TO_OFF = 2,
    SB_CHASSIS_ON = 3,
    SB_CHASSIS_TRANSITIONING_TO_ON = 4,
    SB_CHASSIS_COUNT,
} SbChassisState;

/* xyz.openbmc_project.State.Chassis.PowerStatus */
typedef enum SbPowerStatus {
    SB_POWER_STATUS_NONE = 0,
    SB_POWER_STATUS_UNDEFINED = 1,
    SB_POWER_STATUS_BROWN_OUT = 2,
    SB_POWER_STATUS_UPS = 3, /* "UninterruptiblePowerSupply" */
    SB_POWER_STATUS_GOOD = 4,
    SB_POWER_STATUS_COUNT,
} SbPowerStatus;

/* xyz.openbmc_project.State.Host.HostState */
typedef enum SbHostState {
    SB_HOST_UNKNOWN = 0,
    SB_HOST_OFF = 1,
    SB_HOST_TRANSITIONING_TO_OFF = 2,
    SB_HOST_STANDBY = 3,
    SB_HOST_RUNNING = 4,
    SB_HOST_TRANSITIONING_TO_RUNNING = 5,
    SB_HOST_QUIESCED = 6,
    SB_HOST_DIAGNOSTIC_MODE = 7,
    SB_HOST_COUNT,
} SbHostState;

/* xyz.openbmc_project.State.Host.RestartCause */
typedef enum SbRestartCause {
    SB_RESTART_CAUSE_NONE = 0,
    SB_RESTART_CAUSE_UNKNOWN = 1,
    SB_RESTART_CAUSE_REMOTE_COMMAND = 2,
    SB_RESTART_CAUSE_RESET_BUTTON = 3,
    SB_RESTART_CAUSE_POWER_BUTTON = 4,
    SB_RESTART_CAUSE_WATCHDOG_TIMER = 5,
    SB_RESTART_CAUSE_POWER_POLICY_ALWAYS_ON = 6,
    SB_RESTART_CAUSE_POWER_POLICY_PREVIOUS_STATE = 7,
    SB_RESTART_CAUSE_SOFT_RESET = 8,
    SB_RESTART_CAUSE_SCHEDULED_POWER_ON = 9,
    SB_RESTART_CAUSE_HOST_CRASH = 10,
    SB_RESTART_CAUSE_COUNT,
} SbRestartCause;

/* xyz.openbmc_project.State.Boot.Progress.ProgressStages */
typedef enum SbBootProgress {
    SB_BOOT_UNKNOWN = 0,
    SB_BOOT_UNSPECIFIED = 1,
    SB_BOOT_PRIMARY_PROC_INIT = 2,
    SB_BOOT_BUS_INIT = 3,
    SB_BOOT_MEMORY_INIT = 4,
    SB_BOOT_SECONDARY_PROC_INIT = 5,
    SB_BOOT_PCI_INIT = 6,
    SB_BOOT_SYSTEM_INIT_COMPLETE = 7,
    SB_BOOT_OS_START = 8,
    SB_BOOT_OS_RUNNING = 9,
    SB_BOOT_SYSTEM_SETUP = 10,
    SB_BOOT_MOTHERBOARD_INIT = 11,
    SB_BOOT_OEM = 12,
    SB_BOOT_COUNT,
} SbBootProgress;

/* Transitions of all three targets in one enum; sb_transition_valid_for() says which go where.
 * Strings are PSM's (Chassis.Transition, Host.Transition, BMC.Transition). */
typedef enum SbTransition {
    SB_TRANSITION_NONE = 0,
    SB_TRANSITION_ON = 1,
    SB_TRANSITION_OFF = 2,
    SB_TRANSITION_POWER_CYCLE = 3,
    SB_TRANSITION_REBOOT = 4,
    SB_TRANSITION_GRACEFUL_WARM_REBOOT = 5,
    SB_TRANSITION_FORCE_WARM_REBOOT = 6,
    SB_TRANSITION_HARD_REBOOT = 7,
    SB_TRANSITION_COUNT,
} SbTransition;

/* The command targets: <root>/node/<n>/set/<target> and <root>/system/set/<target>. */
typedef enum SbTarget {
    SB_TARGET_NONE = 0,
    SB_TARGET_CHASSIS = 1,
    SB_TARGET_HOST = 2,
    SB_TARGET_BMC = 3,
    SB_TARGET_COUNT,
} SbTarget;

/* Which state topic: <root>/node/<n>/<kind>, <root>/system/<kind>. Hypervisor is system-only. */
typedef enum SbStateKind {
    SB_KIND_BMC = 0,
    SB_KIND_CHASSIS = 1,
    SB_KIND_HOST = 2,
    SB_KIND_BOOT_PROGRESS = 3,
    SB_KIND_NODE_COUNT = 4, /* kinds a node publishes */
    SB_KIND_HYPERVISOR = 4, /* system only; Host states */
    SB_KIND_COUNT = 5,
} SbStateKind;

/* status payloads. */
typedef enum SbStatus {
    SB_STATUS_UNKNOWN = 0,
    SB_STATUS_ONLINE = 1,
    SB_STATUS_OFFLINE = 2,
    SB_STATUS_LOST = 3,
    SB_STATUS_COUNT,
} SbStatus;

/* xyz.openbmc_project.Control.Power.RestorePolicy.Policy */
typedef enum SbRestorePolicy {
    SB_POLICY_UNKNOWN = 0,
    SB_POLICY_NONE = 1,
    SB_POLICY_ALWAYS_ON = 2,
    SB_POLICY_ALWAYS_OFF = 3,
    SB_POLICY_RESTORE = 4,
    SB_POLICY_COUNT,
} SbRestorePolicy;

typedef enum SbEventKind {
    SB_EVENT_NONE = 0,
    SB_EVENT_ACCEPTED = 1,
    SB_EVENT_QUEUED = 2,
    SB_EVENT_DISPATCHED = 3,
    SB_EVENT_COMPLETED = 4,
    SB_EVENT_FAILED = 5,
    SB_EVENT_REJECTED = 6,
    SB_EVENT_CANCELLED = 7,
    SB_EVENT_EXPIRED = 8,
    SB_EVENT_DUPLICATE = 9,
    SB_EVENT_NODE_LOST = 10,
    SB_EVENT_NODE_BACK = 11,
    SB_EVENT_POWER_RESTORE = 12,
    SB_EVENT_SETTING = 13,
    SB_EVENT_CLOCK_DRIFT = 14,
    SB_EVENT_SCHEDULED = 15,
    SB_EVENT_SUPERSEDED = 16, /* issue #13: an active request ended by a newer one */
    SB_EVENT_COUNT,
} SbEventKind;

/* Runtime settings: <root>/system/settings/<name>. */
typedef enum SbSettingName {
    SB_SETTING_NONE = 0,
    SB_SETTING_POWER_RESTORE_POLICY = 1,
    SB_SETTING_POWER_RESTORE_DELAY = 2,
    SB_SETTING_POWER_RESTORE_ONE_TIME = 3,
    SB_SETTING_SCHEDULED_TRANSITION = 4,
    SB_SETTING_COUNT,
} SbSettingName;

/* Every enum above has a table; these select one. */
typedef enum SbEnumType {
    SB_ENUM_BMC_STATE,
    SB_ENUM_BMC_REBOOT_CAUSE,
    SB_ENUM_CHASSIS_STATE,
    SB_ENUM_POWER_STATUS,
    SB_ENUM_HOST_STATE,
    SB_ENUM_RESTART_CAUSE,
    SB_ENUM_BOOT_PROGRESS,
    SB_ENUM_TRANSITION,
    SB_ENUM_TARGET,
    SB_ENUM_STATE_KIND,
    SB_ENUM_STATUS,
    SB_ENUM_RESTORE_POLICY,
    SB_ENUM_EVENT_KIND,
    SB_ENUM_SETTING_NAME,
    SB_ENUM_TYPE_COUNT,
} SbEnumType;

/* Number of values of the enum including 0 (unknown/none). */
int sb_enum_count(SbEnumType type);

/* The wire string of value; "Unknown" for 0 of the state enums, NULL for 0 of others and for
 * anything out of range. The pointer is static. */
const char *sb_enum_to_string(SbEnumType type, int value);

/* Strict lookup of s[0..len) (no NUL needed): the value, or -EINVAL. Case-sensitive, exact.
 * For every enum whose 0 means unknown/none it never matches 0, so "Unknown" is not accepted
 * as a state from the wire; SB_ENUM_STATE_KIND has a real value 0 ("bmc"). */
int sb_enum_from_string(SbEnumType type, const char *s, size_t len);

/* The enum a state kind's "state" field uses (Host states for the hypervisor);
 * SB_ENUM_TYPE_COUNT for an invalid kind. */
SbEnumType sb_state_kind_enum(SbStateKind kind);

/* True when transition is one PSM defines for target (chassis On/Off/PowerCycle; host On/Off/
 * Reboot/GracefulWarmReboot/ForceWarmReboot; bmc Reboot/HardReboot). */
bool sb_transition_valid_for(SbTarget target, SbTransition transition);

/* True for the transitions the gate holds: On, Reboot, PowerCycle and the warm reboots on
 * chassis or host (contract "Behaviour": power-on gating). */
bool sb_transition_is_gated(SbTarget target, SbTransition transition);

/* Position in the "least advanced" order of topics/README.md (0 = least advanced), used by the
 * rollups; -1 for values that are not ordered that way (0/unknown or out of range). */
int sb_state_rank(SbStateKind kind, int state);

/* True for a transitional state (TransitioningTo*). */
bool sb_state_is_transitional(SbStateKind kind, int state);

#endif
