/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Resources from the model. The PSM -> Redfish value tables follow bmcweb
 * (redfish-core/lib/systems.hpp getHostState and dbusToRfBootProgress, managers.hpp for the BMC
 * state, chassis.hpp for chassis power); topics/redfish.md lists them and says where statebus adds
 * to them (a node that is not online, the system-wide Health).
 */
#include "redfish-render.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "statebus/enums.h"

#include "redfish-reset.h"

typedef struct PowerMapping {
    const char *power_state; /* Resource.PowerState; NULL = null */
    const char *state;       /* Resource.State; NULL = null */
} PowerMapping;

/* Host (and hypervisor) states -> ComputerSystem PowerState and Status.State (bmcweb). */
static const PowerMapping host_mappings[SB_HOST_COUNT] = {
    [SB_HOST_UNKNOWN] = { NULL, NULL },
    [SB_HOST_OFF] = { "Off", "Disabled" },
    [SB_HOST_TRANSITIONING_TO_OFF] = { "PoweringOff", "Disabled" },
    [SB_HOST_STANDBY] = { "Paused", "StandbyOffline" },
    [SB_HOST_RUNNING] = { "On", "Enabled" },
    [SB_HOST_TRANSITIONING_TO_RUNNING] = { "PoweringOn", "Starting" },
    [SB_HOST_QUIESCED] = { "On", "Quiesced" },
    [SB_HOST_DIAGNOSTIC_MODE] = { "On", "InTest" },
};

/* Chassis power -> Chassis PowerState and Status.State (bmcweb: On Enabled, Off StandbyOffline). */
static const PowerMapping chassis_mappings[SB_CHASSIS_COUNT] = {
    [SB_CHASSIS_UNKNOWN] = { NULL, NULL },
    [SB_CHASSIS_OFF] = { "Off", "StandbyOffline" },
    [SB_CHASSIS_TRANSITIONING_TO_OFF] = { "PoweringOff", "Disabled" },
    [SB_CHASSIS_ON] = { "On", "Enabled" },
    [SB_CHASSIS_TRANSITIONING_TO_ON] = { "PoweringOn", "Starting" },
};

/* BMC state -> Manager Status.State (bmcweb managers.hpp). */
static const char *const bmc_states[SB_BMC_COUNT] = {
    [SB_BMC_UNKNOWN] = NULL,         [SB_BMC_READY] = "Enabled",
    [SB_BMC_NOT_READY] = "Starting", [SB_BMC_UPDATE_IN_PROGRESS] = "Updating",
    [SB_BMC_QUIESCED] = "Quiesced",
};

/* Boot progress -> BootProgress.LastState (bmcweb dbusToRfBootProgress; unmapped stages and
 * Unspecified are "None"). */
static const char *const boot_states[SB_BOOT_COUNT] = {
    [SB_BOOT_UNKNOWN] = "None",
    [SB_BOOT_UNSPECIFIED] = "None",
    [SB_BOOT_PRIMARY_PROC_INIT] = "PrimaryProcessorInitializationStarted",
    [SB_BOOT_BUS_INIT] = "BusInitializationStarted",
    [SB_BOOT_MEMORY_INIT] = "MemoryInitializationStarted",
    [SB_BOOT_SECONDARY_PROC_INIT] = "SecondaryProcessorInitializationStarted",
    [SB_BOOT_PCI_INIT] = "PCIResourceConfigStarted",
    [SB_BOOT_SYSTEM_INIT_COMPLETE] = "SystemHardwareInitializationComplete",
    [SB_BOOT_OS_START] = "OSBootStarted",
    [SB_BOOT_OS_RUNNING] = "OSRunning",
    [SB_BOOT_SYSTEM_SETUP] = "SetupEntered",
    [SB_BOOT_MOTHERBOARD_INIT] = "None",
    [SB_BOOT_OEM] = "OEM",
};

static PowerMapping host_mapping(int v)
{
    return v >= 0 && v < SB_HOST_COUNT ? host_mappings[v] : host_mappings[0];
}

static PowerMapping chassis_mapping(int v)
{
    return v >= 0 && v < SB_CHASSIS_COUNT ? chassis_mappings[v] : chassis_mappings[0];
}

/* A string, or JSON null for NULL (Redfish: the value is unknown). */
static void add_string_or_null(cJSON *obj, const char *key, const char *value)
{
    if (value) {
        (void) cJSON_AddStringToObject(obj, key, value);
    } else {
        (void) cJSON_AddNullToObject(obj, key);
    }
}

/* ISO 8601 UTC, as Redfish's Edm.DateTimeOffset. */
static void add_time(cJSON *obj, const char *key, uint64_t unix_ms)
{
    char buf[40];
    struct tm tm;
    time_t t = (time_t) (unix_ms / 1000u);

    if (unix_ms == 0 || !gmtime_r(&t, &tm) ||
        strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S+00:00", &tm) == 0) {
        (void) cJSON_AddNullToObject(obj, key);
        return;
    }
    (void) cJSON_AddStringToObject(obj, key, buf);
}

static void add_link(cJSON *array, const char *path)
{
    cJSON *o = cJSON_CreateObject();

    (void) cJSON_AddStringToObject(o, "@odata.id", path);
    if (!cJSON_AddItemToArray(array, o)) {
        cJSON_Delete(o);
    }
}

/* A link to prefix followed by a node number, e.g. "/redfish/v1/Managers/bmc" 3. */
static void add_node_link(cJSON *array, const char *prefix, uint32_t n)
{
    char path[96];

    (void) snprintf(path, sizeof(path), "%s%u", prefix, n);
    add_link(array, path);
}

static cJSON *new_resource(const char *type, const char *id_path, const char *id, const char *name)
{
    cJSON *o = cJSON_CreateObject();

    (void) cJSON_AddStringToObject(o, "@odata.id", id_path);
    (void) cJSON_AddStringToObject(o, "@odata.type", type);
    if (id) {
        (void) cJSON_AddStringToObject(o, "Id", id);
    }
    (void) cJSON_AddStringToObject(o, "Name", name);
    return o;
}

static const char *enum_name(SbEnumType type, int v)
{
    const char *s = sb_enum_to_string(type, v);
    return s ? s : "Unknown";
}

static cJSON *render_service_root(void)
{
    cJSON *o = new_resource("#ServiceRoot.v1_5_0.ServiceRoot", "/redfish/v1", "RootService",
                            "Root Service");

    (void) cJSON_AddStringToObject(o, "RedfishVersion", "1.6.0");
    (void) cJSON_AddStringToObject(cJSON_AddObjectToObject(o, "Systems"), "@odata.id",
                                   "/redfish/v1/Systems");
    (void) cJSON_AddStringToObject(cJSON_AddObjectToObject(o, "Chassis"), "@odata.id",
                                   "/redfish/v1/Chassis");
    (void) cJSON_AddStringToObject(cJSON_AddObjectToObject(o, "Managers"), "@odata.id",
                                   "/redfish/v1/Managers");
    return o;
}

/* A collection of members member_prefix1..member_prefixN. */
static cJSON *render_collection(const char *type,
                                const char *path,
                                const char *name,
                                const char *member_prefix,
                                uint32_t n)
{
    cJSON *o = new_resource(type, path, NULL, name);
    cJSON *members = cJSON_AddArrayToObject(o, "Members");

    for (uint32_t i = 1; i <= n; i++) {
        add_node_link(members, member_prefix, i);
    }
    (void) cJSON_AddNumberToObject(o, "Members@odata.count", n);
    return o;
}

/* System health: Critical when a BMC or host is Quiesced (it needs a person); Warning when the
 * picture is incomplete (coordinator not online, a node stale) or nodes disagree; else OK. */
static const char *system_health(const RedfishModel *m)
{
    const RedfishRollup *r = m->rollups;

    if (r[SB_KIND_BMC].state.value == SB_BMC_QUIESCED ||
        r[SB_KIND_HOST].state.value == SB_HOST_QUIESCED) {
        return "Critical";
    }
    if (m->coordinator_status != SB_STATUS_ONLINE) {
        return "Warning";
    }
    for (size_t k = 0; k < SB_KIND_COUNT; k++) {
        if (r[k].seen && (r[k].n_stale > 0 || r[k].mixed)) {
            return "Warning";
        }
    }
    return "OK";
}

static void render_system_oem(const RedfishModel *m, cJSON *o)
{
    cJSON *sb = cJSON_AddObjectToObject(cJSON_AddObjectToObject(o, "Oem"), "Statebus");
    cJSON *waiting = NULL;
    static const char *const keys[SB_KIND_COUNT] = {
        [SB_KIND_BMC] = "BMCState",
        [SB_KIND_CHASSIS] = "ChassisState",
        [SB_KIND_HOST] = "HostState",
        [SB_KIND_BOOT_PROGRESS] = "BootProgress",
        [SB_KIND_HYPERVISOR] = "HypervisorState",
    };

    (void) cJSON_AddStringToObject(sb, "SystemId", m->system);
    (void) cJSON_AddStringToObject(
            sb, "CoordinatorStatus",
            m->coordinator_status ? enum_name(SB_ENUM_STATUS, m->coordinator_status) : "unknown");
    for (size_t k = 0; k < SB_KIND_COUNT; k++) {
        if (m->rollups[k].seen) {
            (void) cJSON_AddStringToObject(
                    sb, keys[k],
                    enum_name(sb_state_kind_enum((SbStateKind) k), m->rollups[k].state.value));
        }
    }
    if (m->has_requests) {
        (void) cJSON_AddStringToObject(sb, "PowerOnGate", m->gate_open ? "open" : "closed");
        waiting = cJSON_AddArrayToObject(sb, "GateWaitingForNodes");
        for (size_t i = 0; i < m->n_waiting_for; i++) {
            (void) cJSON_AddItemToArray(waiting, cJSON_CreateNumber(m->waiting_for[i]));
        }
        (void) cJSON_AddNumberToObject(sb, "PendingRequests", (double) m->n_pending);
        (void) cJSON_AddNumberToObject(sb, "ActiveRequests", (double) m->n_active);
    }
}

static cJSON *render_system(const RedfishModel *m)
{
    const RedfishRollup *host = &m->rollups[SB_KIND_HOST];
    const RedfishRollup *boot = &m->rollups[SB_KIND_BOOT_PROGRESS];
    PowerMapping pm = host_mapping(host->state.value);
    uint32_t n = redfish_model_node_count(m);
    cJSON *o = new_resource("#ComputerSystem.v1_13_0.ComputerSystem", "/redfish/v1/Systems/system",
                            "system", "system");
    cJSON *status = NULL, *bp = NULL, *links = NULL, *chassis = NULL, *managers = NULL;
    cJSON *reset = NULL, *allowed = NULL;
    const char *health = system_health(m);

    (void) cJSON_AddStringToObject(o, "SystemType", "Physical");
    (void) cJSON_AddStringToObject(o, "Description", "statebus multi-node system (instance 0)");
    add_string_or_null(o, "PowerState", pm.power_state);
    status = cJSON_AddObjectToObject(o, "Status");
    add_string_or_null(status, "State", pm.state);
    (void) cJSON_AddStringToObject(status, "Health", health);
    (void) cJSON_AddStringToObject(status, "HealthRollup", health);
    bp = cJSON_AddObjectToObject(o, "BootProgress");
    (void) cJSON_AddStringToObject(
            bp, "LastState",
            boot_states[boot->state.value >= 0 && boot->state.value < SB_BOOT_COUNT
                                ? boot->state.value
                                : 0]);
    add_time(bp, "LastStateTime", boot->state.since_ms);

    links = cJSON_AddObjectToObject(o, "Links");
    chassis = cJSON_AddArrayToObject(links, "Chassis");
    managers = cJSON_AddArrayToObject(links, "ManagedBy");
    for (uint32_t i = 1; i <= n; i++) {
        add_node_link(chassis, "/redfish/v1/Chassis/", i);
        add_node_link(managers, "/redfish/v1/Managers/bmc", i);
    }

    reset = cJSON_AddObjectToObject(cJSON_AddObjectToObject(o, "Actions"), "#ComputerSystem.Reset");
    (void) cJSON_AddStringToObject(reset, "target", REDFISH_RESET_TARGET);
    allowed = cJSON_AddArrayToObject(reset, "ResetType@Redfish.AllowableValues");
    for (size_t i = 0; redfish_reset_allowable[i]; i++) {
        (void) cJSON_AddItemToArray(allowed, cJSON_CreateString(redfish_reset_allowable[i]));
    }
    render_system_oem(m, o);
    return o;
}

/* A node that is not online: its last known values are shown, its State says it is gone. */
static bool node_is_online(const RedfishNode *node)
{
    return node && node->status == SB_STATUS_ONLINE;
}

static void add_node_oem(cJSON *o, uint32_t n, const RedfishNode *node)
{
    cJSON *sb = cJSON_AddObjectToObject(cJSON_AddObjectToObject(o, "Oem"), "Statebus");

    (void) cJSON_AddNumberToObject(sb, "Node", n);
    (void) cJSON_AddStringToObject(sb, "NodeStatus",
                                   node && node->status ? enum_name(SB_ENUM_STATUS, node->status)
                                                        : "unknown");
}

static cJSON *render_chassis(const RedfishModel *m, uint32_t n)
{
    const RedfishNode *node = redfish_model_node(m, n);
    char path[64], id[16];
    int v = node ? node->states[SB_KIND_CHASSIS].value : 0;
    PowerMapping pm = chassis_mapping(v);
    cJSON *o = NULL, *status = NULL, *links = NULL;

    (void) snprintf(path, sizeof(path), "/redfish/v1/Chassis/%u", n);
    (void) snprintf(id, sizeof(id), "%u", n);
    o = new_resource("#Chassis.v1_14_0.Chassis", path, id, id);
    (void) cJSON_AddStringToObject(o, "ChassisType", "RackMount");
    add_string_or_null(o, "PowerState", pm.power_state);
    status = cJSON_AddObjectToObject(o, "Status");
    add_string_or_null(status, "State", node_is_online(node) ? pm.state : "UnavailableOffline");
    (void) cJSON_AddStringToObject(status, "Health", node_is_online(node) ? "OK" : "Warning");
    links = cJSON_AddObjectToObject(o, "Links");
    add_link(cJSON_AddArrayToObject(links, "ComputerSystems"), "/redfish/v1/Systems/system");
    add_node_link(cJSON_AddArrayToObject(links, "ManagedBy"), "/redfish/v1/Managers/bmc", n);
    add_node_oem(o, n, node);
    if (node && node->power_status) {
        (void) cJSON_AddStringToObject(
                cJSON_GetObjectItem(cJSON_GetObjectItem(o, "Oem"), "Statebus"), "PowerStatus",
                enum_name(SB_ENUM_POWER_STATUS, node->power_status));
    }
    return o;
}

static cJSON *render_manager(const RedfishModel *m, uint32_t n)
{
    const RedfishNode *node = redfish_model_node(m, n);
    char path[64], id[24];
    int v = node ? node->states[SB_KIND_BMC].value : 0;
    const char *state = v > 0 && v < SB_BMC_COUNT ? bmc_states[v] : NULL;
    cJSON *o = NULL, *status = NULL, *links = NULL;
    const char *health = "OK";

    if (!node_is_online(node)) {
        state = "UnavailableOffline";
        health = "Warning";
    } else if (v == SB_BMC_QUIESCED) {
        health = "Critical";
    }
    (void) snprintf(path, sizeof(path), "/redfish/v1/Managers/bmc%u", n);
    (void) snprintf(id, sizeof(id), "bmc%u", n);
    o = new_resource("#Manager.v1_11_0.Manager", path, id, "OpenBMC Manager");
    (void) cJSON_AddStringToObject(o, "ManagerType", "BMC");
    status = cJSON_AddObjectToObject(o, "Status");
    add_string_or_null(status, "State", state);
    (void) cJSON_AddStringToObject(status, "Health", health);
    links = cJSON_AddObjectToObject(o, "Links");
    add_link(cJSON_AddArrayToObject(links, "ManagerForServers"), "/redfish/v1/Systems/system");
    add_node_link(cJSON_AddArrayToObject(links, "ManagerForChassis"), "/redfish/v1/Chassis/", n);
    add_node_oem(o, n, node);
    if (node && node->last_reboot_cause) {
        (void) cJSON_AddStringToObject(
                cJSON_GetObjectItem(cJSON_GetObjectItem(o, "Oem"), "Statebus"), "LastRebootCause",
                enum_name(SB_ENUM_BMC_REBOOT_CAUSE, node->last_reboot_cause));
    }
    return o;
}

/* Strips "/redfish/v1" and one trailing '/': rest points into path. */
static bool path_under_v1(const char *url, char *path, size_t size, const char **ret_rest)
{
    size_t len = strlen(url);

    if (len == 0 || len >= size) {
        return false;
    }
    (void) memcpy(path, url, len + 1);
    if (len > 1 && path[len - 1] == '/') {
        path[len - 1] = '\0';
    }
    if (strncmp(path, "/redfish/v1", 11) != 0 || (path[11] != '\0' && path[11] != '/')) {
        *ret_rest = NULL;
        return strcmp(path, "/redfish") == 0;
    }
    *ret_rest = path + 11;
    return true;
}

/* A node number, strictly: 1..count, digits only, no leading zero. 0 = not one. */
static uint32_t parse_node(const char *s, uint32_t count)
{
    uint32_t v = 0;

    if (*s < '1' || *s > '9') {
        return 0;
    }
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > SB_NODES_MAX) {
            return 0;
        }
        v = v * 10u + (uint32_t) (*s - '0');
    }
    return v <= count ? v : 0;
}

typedef enum ResourceKind {
    RES_NONE,
    RES_REDFISH, /* /redfish: the version map */
    RES_ROOT,
    RES_SYSTEMS,
    RES_SYSTEM,
    RES_RESET,
    RES_CHASSIS_COLLECTION,
    RES_CHASSIS,
    RES_MANAGERS,
    RES_MANAGER,
} ResourceKind;

static ResourceKind resolve(const RedfishModel *m, const char *url, uint32_t *ret_node)
{
    char path[256];
    const char *rest = NULL;
    uint32_t count = redfish_model_node_count(m);

    *ret_node = 0;
    if (!path_under_v1(url, path, sizeof(path), &rest)) {
        return RES_NONE;
    }
    if (!rest) {
        return RES_REDFISH;
    }
    if (strcmp(rest, "") == 0) {
        return RES_ROOT;
    }
    if (strcmp(rest, "/Systems") == 0) {
        return RES_SYSTEMS;
    }
    if (strcmp(rest, "/Systems/system") == 0) {
        return RES_SYSTEM;
    }
    if (strcmp(rest, "/Systems/system/Actions/ComputerSystem.Reset") == 0) {
        return RES_RESET;
    }
    if (strcmp(rest, "/Chassis") == 0) {
        return RES_CHASSIS_COLLECTION;
    }
    if (strcmp(rest, "/Managers") == 0) {
        return RES_MANAGERS;
    }
    if (strncmp(rest, "/Chassis/", 9) == 0 && (*ret_node = parse_node(rest + 9, count)) != 0) {
        return RES_CHASSIS;
    }
    if (strncmp(rest, "/Managers/bmc", 13) == 0 &&
        (*ret_node = parse_node(rest + 13, count)) != 0) {
        return RES_MANAGER;
    }
    return RES_NONE;
}

RedfishRoute redfish_route(const RedfishModel *m, const char *url)
{
    uint32_t node;

    switch (resolve(m, url, &node)) {
    case RES_NONE:
        return REDFISH_ROUTE_NONE;
    case RES_RESET:
        return REDFISH_ROUTE_RESET;
    case RES_REDFISH:
    case RES_ROOT:
    case RES_SYSTEMS:
    case RES_SYSTEM:
    case RES_CHASSIS_COLLECTION:
    case RES_CHASSIS:
    case RES_MANAGERS:
    case RES_MANAGER:
        return REDFISH_ROUTE_RESOURCE;
    }
    return REDFISH_ROUTE_NONE;
}

int redfish_render(const RedfishModel *m, const char *url, char **ret_body)
{
    uint32_t node = 0;
    uint32_t count = redfish_model_node_count(m);
    cJSON *o = NULL;
    char *out = NULL;

    switch (resolve(m, url, &node)) {
    case RES_NONE:
    case RES_RESET:
        return -ENOENT;
    case RES_REDFISH:
        o = cJSON_CreateObject();
        (void) cJSON_AddStringToObject(o, "v1", "/redfish/v1/");
        break;
    case RES_ROOT:
        o = render_service_root();
        break;
    case RES_SYSTEMS:
        o = render_collection("#ComputerSystemCollection.ComputerSystemCollection",
                              "/redfish/v1/Systems", "Computer System Collection", NULL, 0);
        add_link(cJSON_GetObjectItem(o, "Members"), "/redfish/v1/Systems/system");
        cJSON_SetNumberValue(cJSON_GetObjectItem(o, "Members@odata.count"), 1);
        break;
    case RES_SYSTEM:
        o = render_system(m);
        break;
    case RES_CHASSIS_COLLECTION:
        o = render_collection("#ChassisCollection.ChassisCollection", "/redfish/v1/Chassis",
                              "Chassis Collection", "/redfish/v1/Chassis/", count);
        break;
    case RES_CHASSIS:
        o = render_chassis(m, node);
        break;
    case RES_MANAGERS:
        o = render_collection("#ManagerCollection.ManagerCollection", "/redfish/v1/Managers",
                              "Manager Collection", "/redfish/v1/Managers/bmc", count);
        break;
    case RES_MANAGER:
        o = render_manager(m, node);
        break;
    }
    out = o ? cJSON_PrintUnformatted(o) : NULL;
    cJSON_Delete(o);
    if (!out) {
        return -ENOMEM;
    }
    *ret_body = out;
    return 0;
}
