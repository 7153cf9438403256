/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What statebus-dbus knows of the system (rollups, requests, power-restore decision, coordinator
 * status, each node's power status) and the D-Bus view derived from it: every property value of
 * host0, chassis0 and hypervisor0 as PSM would send it. Pure: decoded payloads in, values out.
 *
 * The shell applies one MQTT message to the model, builds a new view, diffs it against the one the
 * bus shows and emits PropertiesChanged for exactly the changed properties: every change is
 * signalled, and only after the message that caused it is fully applied.
 */
#ifndef STATEBUS_DBUS_MODEL_H
#define STATEBUS_DBUS_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "statebus/enums.h"
#include "statebus/limits.h"
#include "statebus/payload.h"

#include "dbus-values.h"

typedef struct DbusModel {
    /* Rollups (instance 0) as last published with a real value: 0 = none yet. A later
     * "Unknown" is not shown (no PSM enum has it): the last real value stays. */
    int state[SB_KIND_COUNT];
    uint64_t since_ms[SB_KIND_COUNT];
    bool hypervisor_published; /* system/hypervisor names a node (not withdrawn) */

    /* system/requests */
    bool has_requests;
    bool gate_open;
    uint32_t not_ready;
    uint32_t waiting_for[SB_EVENT_NODES_MAX];
    size_t n_waiting_for;
    /* The last accepted request per target, from any origin: NONE = none seen yet. */
    SbTransition requested[SB_TARGET_COUNT];
    char requested_id[SB_TARGET_COUNT][SB_ID_MAX + 1];
    SbRestartCause restart_cause; /* of the last host power-on request; 0 = none yet */

    /* system/power-restore: the last decision that made a request. */
    char restore_id[SB_ID_MAX + 1];
    SbRestorePolicy restore_policy;

    SbStatus coordinator; /* system/status; UNKNOWN until heard */

    /* Each node's chassis power_status (0 = not reported), by node - 1; grown on demand. */
    uint8_t *power_status;
    uint32_t n_power_status;
    uint32_t power_counts[SB_POWER_STATUS_COUNT];
} DbusModel;

void dbus_model_init(DbusModel *m);
void dbus_model_done(DbusModel *m);

void dbus_model_rollup(DbusModel *m, const SbRollupMsg *r);
void dbus_model_requests(DbusModel *m, const SbRequestsMsg *q);
void dbus_model_power_restore(DbusModel *m, const SbPowerRestoreMsg *p);
void dbus_model_system_status(DbusModel *m, const SbStatusMsg *s);
/* A node's chassis state: its power_status. 0, -EINVAL (node out of range), -ENOMEM. */
int dbus_model_node_chassis(DbusModel *m, uint32_t node, const SbStateMsg *s);
/* A request this presenter has just published (the coordinator's requests follow later). */
void dbus_model_local_request(DbusModel *m, SbTarget target, SbTransition t, const char *id);

/* The properties, one bit each. */
typedef enum DbusProp {
    DBUS_PROP_REQUESTED_HOST = 0,
    DBUS_PROP_CURRENT_HOST,
    DBUS_PROP_RESTART_CAUSE,
    DBUS_PROP_BOOT_PROGRESS,
    DBUS_PROP_BOOT_LAST_UPDATE,
    DBUS_PROP_OS_STATE,
    DBUS_PROP_REQUESTED_POWER,
    DBUS_PROP_CURRENT_POWER,
    DBUS_PROP_POWER_STATUS,
    DBUS_PROP_LAST_STATE_CHANGE,
    DBUS_PROP_HV_REQUESTED,
    DBUS_PROP_HV_CURRENT,
    DBUS_PROP_COUNT,
} DbusProp;

typedef enum DbusObject {
    DBUS_OBJECT_HOST = 0,
    DBUS_OBJECT_CHASSIS,
    DBUS_OBJECT_HYPERVISOR,
    DBUS_OBJECT_COUNT,
} DbusObject;

/* The name, interface and object of a property (static strings). */
const char *dbus_prop_name(DbusProp p);
const char *dbus_prop_interface(DbusProp p);
DbusObject dbus_prop_object(DbusProp p);

typedef struct DbusView {
    /* host0: State.Host, State.Boot.Progress, State.OperatingSystem.Status */
    const char *requested_host;
    const char *current_host;
    const char *restart_cause;
    const char *boot_progress;
    uint64_t boot_last_update_us;
    const char *os_state;
    /* chassis0: State.Chassis */
    const char *requested_power;
    const char *current_power;
    const char *power_status;
    uint64_t last_state_change_ms;
    /* hypervisor0: State.Host (read-only) */
    const char *hv_requested;
    const char *hv_current;
    /* Every value of the object is a real PSM value: its names may be owned. */
    bool ready[DBUS_OBJECT_COUNT];
} DbusView;

/* The view of m. Strings are static; a value not known yet is NULL (its object is then not
 * ready). */
void dbus_view_build(const DbusModel *m, DbusView *v);

/* Bit (1u << DbusProp) for every property whose value differs between a and b. */
uint32_t dbus_view_diff(const DbusView *a, const DbusView *b);

#endif
