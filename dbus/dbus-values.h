/* SPDX-License-Identifier: Apache-2.0 */
/*
 * PSM's D-Bus values for instance 0: bus names, paths, interfaces, the full enum strings
 * (`xyz.openbmc_project.State.<If>.<Enum>.<Value>`, what sdbusplus servers send and accept) and
 * the error names clients act on (bmcweb: BMCNotReady -> 503, Unavailable -> 409, NotAllowed ->
 * 405). Sources: phosphor-dbus-interfaces yaml/xyz/openbmc_project/State/ and Common.errors.yaml.
 * Pure tables and lookups.
 */
#ifndef STATEBUS_DBUS_VALUES_H
#define STATEBUS_DBUS_VALUES_H

#include <stdbool.h>

#include "statebus/enums.h"

#define DBUS_STATE_ROOT      "/xyz/openbmc_project/state"
#define DBUS_HOST_PATH       DBUS_STATE_ROOT "/host0"
#define DBUS_CHASSIS_PATH    DBUS_STATE_ROOT "/chassis0"
#define DBUS_HYPERVISOR_PATH DBUS_STATE_ROOT "/hypervisor0"

/* PSM owns both the legacy and the numbered name for instance 0. */
#define DBUS_HOST_NAME       "xyz.openbmc_project.State.Host"
#define DBUS_HOST0_NAME      "xyz.openbmc_project.State.Host0"
#define DBUS_CHASSIS_NAME    "xyz.openbmc_project.State.Chassis"
#define DBUS_CHASSIS0_NAME   "xyz.openbmc_project.State.Chassis0"
#define DBUS_HYPERVISOR_NAME "xyz.openbmc_project.State.Hypervisor"

#define DBUS_HOST_IFACE    "xyz.openbmc_project.State.Host"
#define DBUS_BOOT_IFACE    "xyz.openbmc_project.State.Boot.Progress"
#define DBUS_OS_IFACE      "xyz.openbmc_project.State.OperatingSystem.Status"
#define DBUS_CHASSIS_IFACE "xyz.openbmc_project.State.Chassis"

#define DBUS_ERROR_HOST_NOT_READY    "xyz.openbmc_project.State.Host.Error.BMCNotReady"
#define DBUS_ERROR_CHASSIS_NOT_READY "xyz.openbmc_project.State.Chassis.Error.BMCNotReady"
#define DBUS_ERROR_UNAVAILABLE       "xyz.openbmc_project.Common.Error.Unavailable"
#define DBUS_ERROR_NOT_ALLOWED       "xyz.openbmc_project.Common.Error.NotAllowed"
#define DBUS_ERROR_INVALID_ENUM      "xyz.openbmc_project.sdbusplus.Error.InvalidEnumString"

/* xyz.openbmc_project.State.OperatingSystem.Status.OSStatus (not a statebus enum: the presenter
 * derives it, topics/README.md "D-Bus presenter"). */
typedef enum DbusOsStatus {
    DBUS_OS_CBOOT = 0,
    DBUS_OS_PXE_BOOT,
    DBUS_OS_DIAG_BOOT,
    DBUS_OS_CDROM_BOOT,
    DBUS_OS_ROM_BOOT,
    DBUS_OS_BOOT_COMPLETE,
    DBUS_OS_INACTIVE,
    DBUS_OS_STANDBY,
    DBUS_OS_COUNT,
} DbusOsStatus;

/* The full D-Bus string of a statebus value of type (host and chassis states, power status,
 * restart cause, boot progress), NULL for 0/unknown and out of range: there is no D-Bus string
 * for "Unknown" except where PSM has that value itself (RestartCause.Unknown). Static. */
const char *dbus_value_string(SbEnumType type, int value);

/* Full string of a transition of target (chassis: Chassis.Transition.*, host:
 * Host.Transition.*); NULL when transition is not one of target's. Static. */
const char *dbus_transition_string(SbTarget target, SbTransition transition);

/* Parses a full transition string of target (exact, as sdbusplus' convertStringToTransition).
 * Returns the transition, or -EINVAL (InvalidEnumString). */
int dbus_transition_parse(SbTarget target, const char *s);

const char *dbus_os_status_string(DbusOsStatus s);

/* OperatingSystemState derived from the rollups (statebus has no OS state): host Off or going
 * off -> Inactive; boot progress OSRunning with the host Running -> BootComplete; otherwise
 * Standby (powered, OS not up). host/boot 0 = unknown -> Inactive. */
DbusOsStatus dbus_os_status_derive(SbHostState host, SbBootProgress boot);

#endif
