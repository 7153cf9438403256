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
#include <stdlib.h>
#include <string.h>

#include "statebus/enums.h"

#include "redfish-metadata.h"
#include "redfish-reset.h"
#include "redfish-time.h"
#include "text-util.h"

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
    return sb_enum_name_or(type, v, "Unknown");
}

static void add_ref(cJSON *obj, const char *key, const char *path)
{
    (void) cJSON_AddStringToObject(cJSON_AddObjectToObject(obj, key), "@odata.id", path);
}

/* FNV-1a, 64 bits. */
static uint64_t fnv1a(uint64_t h, const char *s)
{
    for (; *s; s++) {
        h ^= (unsigned char) *s;
        h *= 0x100000001b3ull;
    }
    return h;
}

void redfish_uuid(const char *salt, const char *text, char out[37])
{
    uint64_t hi = fnv1a(fnv1a(0xcbf29ce484222325ull, salt), text);
    uint64_t lo = fnv1a(fnv1a(0x84222325cbf29ce4ull, text), salt);

    hi = (hi & ~0xf000ull) | 0x8000ull;       /* version 8 */
    lo = (lo & ~(3ull << 62)) | (2ull << 62); /* variant 10 */
    (void) snprintf(out, 37, "%08x-%04x-%04x-%04x-%012llx", (unsigned) (hi >> 32),
                    (unsigned) ((hi >> 16) & 0xffffu), (unsigned) (hi & 0xffffu),
                    (unsigned) (lo >> 48), (unsigned long long) (lo & 0xffffffffffffull));
}

static cJSON *render_service_root(const RedfishView *v)
{
    cJSON *o = new_resource("#ServiceRoot.v1_5_0.ServiceRoot", "/redfish/v1", "RootService",
                            "Root Service");
    cJSON *features = NULL, *expand = NULL;
    char uuid[37];

    (void) cJSON_AddStringToObject(o, "RedfishVersion", "1.6.0");
    redfish_uuid("statebus-redfish-service", v->model->system, uuid);
    (void) cJSON_AddStringToObject(o, "UUID", uuid);
    (void) cJSON_AddStringToObject(o, "Vendor", "statebus");
    (void) cJSON_AddStringToObject(o, "Product", "statebus-redfish");
    add_ref(o, "Systems", "/redfish/v1/Systems");
    add_ref(o, "Chassis", "/redfish/v1/Chassis");
    add_ref(o, "Managers", "/redfish/v1/Managers");
    add_ref(o, "SessionService", "/redfish/v1/SessionService");
    add_ref(o, "AccountService", "/redfish/v1/AccountService");
    add_ref(o, "Tasks", "/redfish/v1/TaskService");
    add_ref(cJSON_AddObjectToObject(o, "Links"), "Sessions", REDFISH_SESSIONS_URI);
    /* No query parameters at all: each is answered 501 (topics/redfish.md "Protocol"). */
    features = cJSON_AddObjectToObject(o, "ProtocolFeaturesSupported");
    expand = cJSON_AddObjectToObject(features, "ExpandQuery");
    (void) cJSON_AddBoolToObject(expand, "ExpandAll", false);
    (void) cJSON_AddBoolToObject(expand, "Levels", false);
    (void) cJSON_AddBoolToObject(expand, "Links", false);
    (void) cJSON_AddBoolToObject(expand, "NoLinks", false);
    (void) cJSON_AddBoolToObject(features, "FilterQuery", false);
    (void) cJSON_AddBoolToObject(features, "SelectQuery", false);
    (void) cJSON_AddBoolToObject(features, "ExcerptQuery", false);
    (void) cJSON_AddBoolToObject(features, "OnlyMemberQuery", false);
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

    (void) cJSON_AddStringToObject(sb, "@odata.type", "#StatebusOem.v1_0_0.ComputerSystem");
    static const char *const keys[SB_KIND_COUNT] = {
        /* the rollups' keys */
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
    cJSON *reset = NULL, *allowed = NULL, *boot_obj = NULL;
    const char *health = system_health(m);
    char uuid[37];

    (void) cJSON_AddStringToObject(o, "SystemType", "Physical");
    redfish_uuid("statebus-system", m->system, uuid);
    (void) cJSON_AddStringToObject(o, "UUID", uuid);
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
    redfish_add_time(bp, "LastStateTime", boot->state.since_ms);

    /* statebus sets no boot source: no override, and none can be set. */
    boot_obj = cJSON_AddObjectToObject(o, "Boot");
    (void) cJSON_AddStringToObject(boot_obj, "BootSourceOverrideEnabled", "Disabled");
    (void) cJSON_AddItemToArray(
            cJSON_AddArrayToObject(boot_obj, "BootSourceOverrideEnabled@Redfish.AllowableValues"),
            cJSON_CreateString("Disabled"));
    (void) cJSON_AddStringToObject(boot_obj, "BootSourceOverrideTarget", "None");
    (void) cJSON_AddItemToArray(
            cJSON_AddArrayToObject(boot_obj, "BootSourceOverrideTarget@Redfish.AllowableValues"),
            cJSON_CreateString("None"));

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

static void add_node_oem(cJSON *o, const char *type, uint32_t n, const RedfishNode *node)
{
    cJSON *sb = cJSON_AddObjectToObject(cJSON_AddObjectToObject(o, "Oem"), "Statebus");

    (void) cJSON_AddStringToObject(sb, "@odata.type", type);
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
    add_node_oem(o, "#StatebusOem.v1_0_0.Chassis", n, node);
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
    cJSON *o = NULL, *status = NULL, *links = NULL, *reset = NULL, *allowed = NULL;
    const char *health = "OK";
    char target[96];

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
    reset = cJSON_AddObjectToObject(cJSON_AddObjectToObject(o, "Actions"), "#Manager.Reset");
    (void) snprintf(target, sizeof(target), "%s/Actions/Manager.Reset", path);
    (void) cJSON_AddStringToObject(reset, "target", target);
    allowed = cJSON_AddArrayToObject(reset, "ResetType@Redfish.AllowableValues");
    for (size_t i = 0; redfish_manager_reset_allowable[i]; i++) {
        (void) cJSON_AddItemToArray(allowed,
                                    cJSON_CreateString(redfish_manager_reset_allowable[i]));
    }
    add_node_oem(o, "#StatebusOem.v1_0_0.Manager", n, node);
    if (node && node->last_reboot_cause) {
        (void) cJSON_AddStringToObject(
                cJSON_GetObjectItem(cJSON_GetObjectItem(o, "Oem"), "Statebus"), "LastRebootCause",
                enum_name(SB_ENUM_BMC_REBOOT_CAUSE, node->last_reboot_cause));
    }
    return o;
}

/* ---- sessions, accounts, roles, tasks ------------------------------------------------- */

static cJSON *session_json(const RedfishSession *s)
{
    char path[96], id[16];
    cJSON *o = NULL;

    (void) snprintf(id, sizeof(id), "%u", s->id);
    (void) snprintf(path, sizeof(path), "%s/%u", REDFISH_SESSIONS_URI, s->id);
    o = new_resource("#Session.v1_3_0.Session", path, id, "User Session");
    (void) cJSON_AddStringToObject(o, "UserName", s->user);
    (void) cJSON_AddNullToObject(o, "Password");
    (void) cJSON_AddStringToObject(o, "SessionType", "Redfish");
    return o;
}

static cJSON *render_session_service(const RedfishView *v)
{
    cJSON *o = new_resource("#SessionService.v1_1_8.SessionService", "/redfish/v1/SessionService",
                            "SessionService", "Session Service");
    cJSON *status = cJSON_AddObjectToObject(o, "Status");
    uint64_t timeout_s = v->sessions->timeout_ms / 1000u; /* whole seconds, as declared */

    (void) cJSON_AddBoolToObject(o, "ServiceEnabled", v->auth_enabled);
    (void) cJSON_AddNumberToObject(o, "SessionTimeout", (double) timeout_s);
    (void) cJSON_AddStringToObject(status, "State", v->auth_enabled ? "Enabled" : "Disabled");
    (void) cJSON_AddStringToObject(status, "Health", "OK");
    add_ref(o, "Sessions", REDFISH_SESSIONS_URI);
    return o;
}

static cJSON *render_sessions(const RedfishView *v)
{
    cJSON *o = new_resource("#SessionCollection.SessionCollection", REDFISH_SESSIONS_URI, NULL,
                            "Session Collection");
    cJSON *members = cJSON_AddArrayToObject(o, "Members");
    size_t n = 0;

    for (size_t i = 0; i < REDFISH_SESSIONS_MAX; i++) {
        const RedfishSession *s = &v->sessions->sessions[i];
        char path[96];
        if (s->in_use) {
            (void) snprintf(path, sizeof(path), "%s/%u", REDFISH_SESSIONS_URI, s->id);
            add_link(members, path);
            n++;
        }
    }
    (void) cJSON_AddNumberToObject(o, "Members@odata.count", (double) n);
    return o;
}

static cJSON *render_account_service(const RedfishView *v)
{
    cJSON *o = new_resource("#AccountService.v1_5_0.AccountService", "/redfish/v1/AccountService",
                            "AccountService", "Account Service");
    cJSON *status = cJSON_AddObjectToObject(o, "Status");

    (void) cJSON_AddStringToObject(o, "Description",
                                   "Accounts from the bridge's accounts file (read-only here)");
    (void) cJSON_AddBoolToObject(o, "ServiceEnabled", v->auth_enabled);
    (void) cJSON_AddStringToObject(status, "State", v->auth_enabled ? "Enabled" : "Disabled");
    (void) cJSON_AddStringToObject(status, "Health", "OK");
    (void) cJSON_AddStringToObject(o, "LocalAccountAuth", v->auth_enabled ? "Enabled" : "Disabled");
    add_ref(o, "Accounts", "/redfish/v1/AccountService/Accounts");
    add_ref(o, "Roles", "/redfish/v1/AccountService/Roles");
    return o;
}

static cJSON *render_accounts(const RedfishView *v)
{
    cJSON *o = new_resource("#ManagerAccountCollection.ManagerAccountCollection",
                            "/redfish/v1/AccountService/Accounts", NULL, "Accounts Collection");
    cJSON *members = cJSON_AddArrayToObject(o, "Members");

    for (size_t i = 0; i < v->accounts->n; i++) {
        char path[96];
        (void) snprintf(path, sizeof(path), "/redfish/v1/AccountService/Accounts/%s",
                        v->accounts->accounts[i].user);
        add_link(members, path);
    }
    (void) cJSON_AddNumberToObject(o, "Members@odata.count", (double) v->accounts->n);
    return o;
}

static cJSON *render_account(const RedfishAccount *a)
{
    char path[96], role[96];
    cJSON *o = NULL;

    (void) snprintf(path, sizeof(path), "/redfish/v1/AccountService/Accounts/%s", a->user);
    (void) snprintf(role, sizeof(role), "/redfish/v1/AccountService/Roles/%s",
                    redfish_role_name(a->role));
    o = new_resource("#ManagerAccount.v1_3_0.ManagerAccount", path, a->user, "User Account");
    (void) cJSON_AddStringToObject(o, "UserName", a->user);
    (void) cJSON_AddStringToObject(o, "RoleId", redfish_role_name(a->role));
    (void) cJSON_AddBoolToObject(o, "Enabled", true);
    (void) cJSON_AddBoolToObject(o, "Locked", false);
    (void) cJSON_AddNullToObject(o, "Password");
    add_ref(cJSON_AddObjectToObject(o, "Links"), "Role", role);
    return o;
}

static cJSON *render_roles(void)
{
    cJSON *o = new_resource("#RoleCollection.RoleCollection", "/redfish/v1/AccountService/Roles",
                            NULL, "Roles Collection");
    cJSON *members = cJSON_AddArrayToObject(o, "Members");

    for (unsigned r = REDFISH_ROLE_READ_ONLY; r < REDFISH_ROLE_COUNT; r++) {
        char path[96];
        (void) snprintf(path, sizeof(path), "/redfish/v1/AccountService/Roles/%s",
                        redfish_role_name((RedfishRole) r));
        add_link(members, path);
    }
    (void) cJSON_AddNumberToObject(o, "Members@odata.count", REDFISH_ROLE_COUNT - 1);
    return o;
}

static cJSON *render_role(RedfishRole role)
{
    const char *name = redfish_role_name(role);
    char path[96];
    cJSON *o = NULL, *privs = NULL;

    (void) snprintf(path, sizeof(path), "/redfish/v1/AccountService/Roles/%s", name);
    o = new_resource("#Role.v1_2_0.Role", path, name, name);
    (void) cJSON_AddStringToObject(o, "RoleId", name);
    (void) cJSON_AddBoolToObject(o, "IsPredefined", true);
    privs = cJSON_AddArrayToObject(o, "AssignedPrivileges");
    for (unsigned p = 0; p < REDFISH_PRIV_COUNT; p++) {
        if (redfish_role_has(role, (RedfishPrivilege) p)) {
            (void) cJSON_AddItemToArray(
                    privs, cJSON_CreateString(redfish_privilege_name((RedfishPrivilege) p)));
        }
    }
    (void) cJSON_AddArrayToObject(o, "OemPrivileges");
    return o;
}

static cJSON *render_task_service(const RedfishView *v)
{
    cJSON *o = new_resource("#TaskService.v1_2_0.TaskService", "/redfish/v1/TaskService",
                            "TaskService", "Task Service");
    cJSON *status = cJSON_AddObjectToObject(o, "Status");

    (void) cJSON_AddBoolToObject(o, "ServiceEnabled", true);
    (void) cJSON_AddStringToObject(status, "State", "Enabled");
    (void) cJSON_AddStringToObject(status, "Health", "OK");
    (void) cJSON_AddStringToObject(o, "CompletedTaskOverWritePolicy", "Oldest");
    (void) cJSON_AddBoolToObject(o, "LifeCycleEventOnTaskStateChange", false);
    (void) cJSON_AddNumberToObject(o, "TaskAutoDeleteTimeoutMinutes", REDFISH_TASK_KEEP_MIN);
    redfish_add_time(o, "DateTime", v->now_ms);
    add_ref(o, "Tasks", "/redfish/v1/TaskService/Tasks");
    return o;
}

static cJSON *render_tasks(const RedfishView *v)
{
    cJSON *o = new_resource("#TaskCollection.TaskCollection", "/redfish/v1/TaskService/Tasks", NULL,
                            "Task Collection");
    cJSON *members = cJSON_AddArrayToObject(o, "Members");
    size_t n = 0;

    for (size_t i = 0; i < REDFISH_TASKS_MAX; i++) {
        const RedfishTask *t = &v->tasks->tasks[i];
        char path[96];
        if (t->in_use) {
            (void) snprintf(path, sizeof(path), "/redfish/v1/TaskService/Tasks/%u", t->id);
            add_link(members, path);
            n++;
        }
    }
    (void) cJSON_AddNumberToObject(o, "Members@odata.count", (double) n);
    return o;
}

static cJSON *render_odata(void)
{
    static const char *const entries[][2] = {
        { "Service", "/redfish/v1/" },
        { "Systems", "/redfish/v1/Systems" },
        { "Chassis", "/redfish/v1/Chassis" },
        { "Managers", "/redfish/v1/Managers" },
        { "SessionService", "/redfish/v1/SessionService" },
        { "AccountService", "/redfish/v1/AccountService" },
        { "TaskService", "/redfish/v1/TaskService" },
        { "Sessions", REDFISH_SESSIONS_URI },
    };
    cJSON *o = cJSON_CreateObject();
    cJSON *value = NULL;

    (void) cJSON_AddStringToObject(o, "@odata.context", "/redfish/v1/$metadata");
    value = cJSON_AddArrayToObject(o, "value");
    for (size_t i = 0; i < sizeof(entries) / sizeof(entries[0]); i++) {
        cJSON *e = cJSON_CreateObject();
        (void) cJSON_AddStringToObject(e, "name", entries[i][0]);
        (void) cJSON_AddStringToObject(e, "kind", "Singleton");
        (void) cJSON_AddStringToObject(e, "url", entries[i][1]);
        if (!cJSON_AddItemToArray(value, e)) {
            cJSON_Delete(e);
        }
    }
    return o;
}

/* ---- routing ---------------------------------------------------------------------------- */

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

/* A number, strictly: 1..max, digits only, no leading zero. 0 = not one. */
static uint32_t parse_number(const char *s, uint32_t max)
{
    uint64_t v = 0;

    if (*s < '1' || *s > '9') {
        return 0;
    }
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > max) {
            return 0;
        }
        v = v * 10u + (uint64_t) (*s - '0');
    }
    return v <= max ? (uint32_t) v : 0;
}

/* "<prefix><n><suffix>" with n a number 1..max. */
static uint32_t match_number(const char *rest, const char *prefix, const char *suffix, uint32_t max)
{
    size_t pl = strlen(prefix), sl = strlen(suffix), rl = strlen(rest);
    char digits[16];

    if (rl <= pl + sl || strncmp(rest, prefix, pl) != 0 || strcmp(rest + rl - sl, suffix) != 0 ||
        rl - pl - sl >= sizeof(digits)) {
        return 0;
    }
    (void) memcpy(digits, rest + pl, rl - pl - sl);
    digits[rl - pl - sl] = '\0';
    return parse_number(digits, max);
}

static RedfishTarget resolve_rest(const RedfishView *v, const char *rest)
{
    static const struct {
        const char *path;
        RedfishResource kind;
    } fixed[] = {
        { "", RES_ROOT },
        { "/$metadata", RES_METADATA },
        { "/odata", RES_ODATA },
        { "/schemas/StatebusOem_v1.xml", RES_OEM_SCHEMA },
        { "/Systems", RES_SYSTEMS },
        { "/Systems/system", RES_SYSTEM },
        { "/Systems/system/Actions/ComputerSystem.Reset", RES_SYSTEM_RESET },
        { "/Chassis", RES_CHASSIS_COLLECTION },
        { "/Managers", RES_MANAGERS },
        { "/SessionService", RES_SESSION_SERVICE },
        { "/SessionService/Sessions", RES_SESSIONS },
        { "/SessionService/Sessions/Members", RES_SESSIONS_MEMBERS },
        { "/AccountService", RES_ACCOUNT_SERVICE },
        { "/AccountService/Accounts", RES_ACCOUNTS },
        { "/AccountService/Roles", RES_ROLES },
        { "/TaskService", RES_TASK_SERVICE },
        { "/TaskService/Tasks", RES_TASKS },
    };
    uint32_t count = redfish_model_node_count(v->model);
    RedfishTarget t = { .kind = RES_NONE };
    uint32_t n;

    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
        if (strcmp(rest, fixed[i].path) == 0) {
            t.kind = fixed[i].kind;
            return t;
        }
    }
    if ((n = match_number(rest, "/Chassis/", "", count)) != 0) {
        t = (RedfishTarget){ .kind = RES_CHASSIS, .node = n };
    } else if ((n = match_number(rest, "/Managers/bmc", "", count)) != 0) {
        t = (RedfishTarget){ .kind = RES_MANAGER, .node = n };
    } else if ((n = match_number(rest, "/Managers/bmc", "/Actions/Manager.Reset", count)) != 0) {
        t = (RedfishTarget){ .kind = RES_MANAGER_RESET, .node = n };
    } else if ((n = match_number(rest, "/SessionService/Sessions/", "", UINT32_MAX)) != 0) {
        if (redfish_sessions_find((RedfishSessions *) v->sessions, n)) {
            t = (RedfishTarget){ .kind = RES_SESSION, .id = n };
        }
    } else if ((n = match_number(rest, "/TaskService/Tasks/", "", UINT32_MAX)) != 0) {
        if (redfish_tasks_find((RedfishTasks *) v->tasks, n)) {
            t = (RedfishTarget){ .kind = RES_TASK, .id = n };
        }
    } else if ((n = match_number(rest, "/TaskService/TaskMonitors/", "", UINT32_MAX)) != 0) {
        if (redfish_tasks_find((RedfishTasks *) v->tasks, n)) {
            t = (RedfishTarget){ .kind = RES_TASK_MONITOR, .id = n };
        }
    } else if (strncmp(rest, "/AccountService/Accounts/", 25) == 0) {
        if (redfish_user_is_valid(rest + 25) && redfish_accounts_find(v->accounts, rest + 25)) {
            t.kind = RES_ACCOUNT;
            (void) memcpy(t.name, rest + 25, strlen(rest + 25) + 1); /* valid: fits */
        }
    } else if (strncmp(rest, "/AccountService/Roles/", 22) == 0) {
        RedfishRole role = redfish_role_parse(rest + 22);
        if (role != REDFISH_ROLE_NONE) {
            t.kind = RES_ROLE;
            (void) snprintf(t.name, sizeof(t.name), "%s", redfish_role_name(role));
        }
    }
    return t;
}

RedfishTarget redfish_resolve(const RedfishView *v, const char *url)
{
    char path[256];
    const char *rest = NULL;

    if (!path_under_v1(url, path, sizeof(path), &rest)) {
        return (RedfishTarget){ .kind = RES_NONE };
    }
    if (!rest) {
        return (RedfishTarget){ .kind = RES_REDFISH };
    }
    return resolve_rest(v, rest);
}

const char *redfish_target_allow(const RedfishTarget *t)
{
    switch (t->kind) {
    case RES_SYSTEM_RESET:
    case RES_MANAGER_RESET:
    case RES_SESSIONS_MEMBERS:
        return "POST";
    case RES_SESSIONS:
        return "GET, HEAD, POST";
    case RES_SESSION:
        return "GET, HEAD, DELETE";
    default:
        return "GET, HEAD";
    }
}

bool redfish_target_is_public(const RedfishTarget *t)
{
    switch (t->kind) {
    case RES_REDFISH:
    case RES_ROOT:
    case RES_METADATA:
    case RES_ODATA:
    case RES_OEM_SCHEMA:
        return true;
    default:
        return false;
    }
}

/* https://redfish.dmtf.org/schemas/v1/<Type>.json from "#Type.v1_2_3.Type" or "#Type.Type". */
static void described_by_url(const cJSON *o, char *buf, size_t size)
{
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(o, "@odata.type");
    const char *s = cJSON_IsString(type) ? type->valuestring : NULL;
    const char *last = s ? strrchr(s, '.') : NULL;

    if (size == 0) {
        return;
    }
    buf[0] = '\0';
    if (!s || s[0] != '#' || !last || last == s + 1) {
        return;
    }
    /* "#ComputerSystem.v1_13_0" (a version) or "#ComputerSystemCollection" (none). */
    if (strchr(s + 1, '.') == last) {
        (void) snprintf(buf, size, "https://redfish.dmtf.org/schemas/v1/%.*s.json",
                        (int) (strchr(s + 1, '.') - s - 1), s + 1);
    } else {
        (void) snprintf(buf, size, "https://redfish.dmtf.org/schemas/v1/%.*s.json",
                        (int) (last - s - 1), s + 1);
    }
}

static char *print_and_free(cJSON *o)
{
    char *out = o ? cJSON_PrintUnformatted(o) : NULL;

    cJSON_Delete(o);
    return out;
}

static char *dup_text(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = malloc(n);

    if (p) {
        (void) memcpy(p, s, n);
    }
    return p;
}

static cJSON *render_json(const RedfishView *v, const RedfishTarget *t)
{
    const RedfishModel *m = v->model;
    uint32_t count = redfish_model_node_count(m);
    cJSON *o = NULL;

    switch (t->kind) {
    case RES_REDFISH:
        o = cJSON_CreateObject();
        (void) cJSON_AddStringToObject(o, "v1", "/redfish/v1/");
        return o;
    case RES_ROOT:
        return render_service_root(v);
    case RES_ODATA:
        return render_odata();
    case RES_SYSTEMS:
        o = render_collection("#ComputerSystemCollection.ComputerSystemCollection",
                              "/redfish/v1/Systems", "Computer System Collection", NULL, 0);
        add_link(cJSON_GetObjectItem(o, "Members"), "/redfish/v1/Systems/system");
        cJSON_SetNumberValue(cJSON_GetObjectItem(o, "Members@odata.count"), 1);
        return o;
    case RES_SYSTEM:
        return render_system(m);
    case RES_CHASSIS_COLLECTION:
        return render_collection("#ChassisCollection.ChassisCollection", "/redfish/v1/Chassis",
                                 "Chassis Collection", "/redfish/v1/Chassis/", count);
    case RES_CHASSIS:
        return render_chassis(m, t->node);
    case RES_MANAGERS:
        return render_collection("#ManagerCollection.ManagerCollection", "/redfish/v1/Managers",
                                 "Manager Collection", "/redfish/v1/Managers/bmc", count);
    case RES_MANAGER:
        return render_manager(m, t->node);
    case RES_SESSION_SERVICE:
        return render_session_service(v);
    case RES_SESSIONS:
        return render_sessions(v);
    case RES_SESSION: {
        const RedfishSession *s = redfish_sessions_find((RedfishSessions *) v->sessions, t->id);
        return s ? session_json(s) : NULL;
    }
    case RES_ACCOUNT_SERVICE:
        return render_account_service(v);
    case RES_ACCOUNTS:
        return render_accounts(v);
    case RES_ACCOUNT: {
        const RedfishAccount *a = redfish_accounts_find(v->accounts, t->name);
        return a ? render_account(a) : NULL;
    }
    case RES_ROLES:
        return render_roles();
    case RES_ROLE:
        return render_role(redfish_role_parse(t->name));
    case RES_TASK_SERVICE:
        return render_task_service(v);
    case RES_TASKS:
        return render_tasks(v);
    case RES_TASK: {
        const RedfishTask *task = redfish_tasks_find((RedfishTasks *) v->tasks, t->id);
        return task ? redfish_task_json(task) : NULL;
    }
    default:
        return NULL;
    }
}

int redfish_render(const RedfishView *v,
                   const RedfishTarget *t,
                   char **ret_body,
                   const char **ret_content_type,
                   char *described_by,
                   size_t described_by_size)
{
    cJSON *o = NULL;
    char *out = NULL;

    if (described_by_size > 0) {
        described_by[0] = '\0';
    }
    switch (t->kind) {
    case RES_NONE:
    case RES_SYSTEM_RESET:
    case RES_MANAGER_RESET:
    case RES_SESSIONS_MEMBERS:
    case RES_TASK_MONITOR:
        return -ENOENT;
    case RES_METADATA:
    case RES_OEM_SCHEMA:
        out = dup_text(t->kind == RES_METADATA ? redfish_metadata_xml() : redfish_oem_csdl());
        *ret_content_type = "application/xml;charset=utf-8";
        break;
    default:
        o = render_json(v, t);
        if (!o) {
            return -ENOMEM;
        }
        if (t->kind != RES_REDFISH && t->kind != RES_ODATA) {
            described_by_url(o, described_by, described_by_size);
        }
        out = print_and_free(o);
        *ret_content_type = "application/json;charset=utf-8";
        break;
    }
    if (!out) {
        return -ENOMEM;
    }
    *ret_body = out;
    return 0;
}

int redfish_render_session(const RedfishSession *s, char **ret_body)
{
    char *out = print_and_free(session_json(s));

    if (!out) {
        return -ENOMEM;
    }
    *ret_body = out;
    return 0;
}

int redfish_render_task(const RedfishTask *task, char **ret_body)
{
    char *out = print_and_free(redfish_task_json(task));

    if (!out) {
        return -ENOMEM;
    }
    *ret_body = out;
    return 0;
}
