/* SPDX-License-Identifier: Apache-2.0 */
/*
 * phosphor-state-manager's D-Bus names and the contract's enums, both ways (pure).
 *
 * PSM's values are full D-Bus enum strings ("xyz.openbmc_project.State.Host.HostState.Running");
 * the contract's are the last component ("Running"). A value is accepted only with exactly its
 * property's prefix and a name the contract knows: the bus is not trusted either.
 */
#ifndef STATEBUS_PSM_MAP_H
#define STATEBUS_PSM_MAP_H

#include <stdbool.h>
#include <stddef.h>

#include "statebus/enums.h"

#include "node-observation.h"

#define PSM_BMC_INTERFACE           "xyz.openbmc_project.State.BMC"
#define PSM_CHASSIS_INTERFACE       "xyz.openbmc_project.State.Chassis"
#define PSM_HOST_INTERFACE          "xyz.openbmc_project.State.Host"
#define PSM_BOOT_PROGRESS_INTERFACE "xyz.openbmc_project.State.Boot.Progress"
/* On host<N> too; x86-power-control has it (Standby once POST completes) but no Boot.Progress. */
#define PSM_OS_INTERFACE "xyz.openbmc_project.State.OperatingSystem.Status"
#define PSM_OS_PROPERTY  "OperatingSystemState"

/* The properties the dbus backend reads. */
typedef enum PsmProperty {
    PSM_PROP_CURRENT_BMC_STATE = 0,    /* BMC: CurrentBMCState */
    PSM_PROP_LAST_REBOOT_CAUSE = 1,    /* BMC: LastRebootCause */
    PSM_PROP_CURRENT_POWER_STATE = 2,  /* Chassis: CurrentPowerState */
    PSM_PROP_CURRENT_POWER_STATUS = 3, /* Chassis: CurrentPowerStatus */
    PSM_PROP_CURRENT_HOST_STATE = 4,   /* Host: CurrentHostState */
    PSM_PROP_RESTART_CAUSE = 5,        /* Host: RestartCause */
    PSM_PROP_BOOT_PROGRESS = 6,        /* Boot.Progress (on the host object): BootProgress */
    PSM_PROP_COUNT,
} PsmProperty;

/* The property called name on interface, or -ENOENT for one we do not read. */
int psm_property_find(const char *interface, const char *name);

/* The interface and name of p (static strings); NULL for an invalid p. */
const char *psm_property_interface(PsmProperty p);
const char *psm_property_name(PsmProperty p);

/* The state kind p belongs to. */
SbStateKind psm_property_kind(PsmProperty p);

/* True for the property that is its kind's "state" (CurrentBMCState, CurrentPowerState,
 * CurrentHostState, BootProgress), false for the details. */
bool psm_property_is_state(PsmProperty p);

/* The contract's value (>= 1) of PSM's string s for p, or -EINVAL for a string without p's
 * prefix or with a name the contract does not know. */
int psm_value_decode(PsmProperty p, const char *s);

/* The property to set for transition on target and its full D-Bus value, written into buf
 * (NUL-terminated): "RequestedHostTransition" = "xyz.openbmc_project.State.Host.Transition.On".
 * *ret_interface and *ret_property are static. Returns 0, -EINVAL for a transition not valid for
 * target, -ENOSPC when buf is too small. */
int psm_transition_encode(SbTarget target,
                          SbTransition transition,
                          const char **ret_interface,
                          const char **ret_property,
                          char *buf,
                          size_t size);

/* The boot progress an OperatingSystemState implies, for a node without State.Boot.Progress
 * (x86-power-control): Inactive -> Unspecified, Standby (POST complete) -> SystemInitComplete, a
 * boot from a device (CBoot, PXEBoot, DiagBoot, CDROMBoot, ROMBoot) -> OSStart, BootComplete ->
 * OSRunning. -EINVAL for anything else (full strings only). */
int psm_os_status_boot_progress(const char *s);

/* Applies value (from psm_value_decode) of p to obs, the node's observation of p's kind (its
 * .kind must already be set). Returns true when obs changed. */
bool psm_observation_apply(NodeObservation *obs, PsmProperty p, int value);

#endif
