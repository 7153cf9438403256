/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Redfish resources the bridge serves, rendered on each GET from what it knows (the model,
 * accounts, sessions, tasks), and the routing of a URL to them (topics/redfish.md). Pure: no I/O,
 * no clock (times are passed in).
 */
#ifndef STATEBUS_REDFISH_RENDER_H
#define STATEBUS_REDFISH_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "redfish-auth.h"
#include "redfish-model.h"
#include "redfish-task.h"

#define REDFISH_RESET_TARGET     "/redfish/v1/Systems/system/Actions/ComputerSystem.Reset"
#define REDFISH_SESSIONS_URI     "/redfish/v1/SessionService/Sessions"
#define REDFISH_DESCRIBED_BY_MAX 128u

/* Everything a resource may show. */
typedef struct RedfishView {
    const RedfishModel *model;
    const RedfishAccounts *accounts; /* may be empty */
    const RedfishSessions *sessions;
    const RedfishTasks *tasks;
    bool auth_enabled;
    uint64_t now_ms; /* TaskService.DateTime */
} RedfishView;

typedef enum RedfishResource {
    RES_NONE,
    RES_REDFISH, /* /redfish: the version map */
    RES_ROOT,
    RES_METADATA,   /* $metadata (XML) */
    RES_ODATA,      /* the OData service document */
    RES_OEM_SCHEMA, /* /redfish/v1/schemas/StatebusOem_v1.xml */
    RES_SYSTEMS,
    RES_SYSTEM,
    RES_SYSTEM_RESET,
    RES_CHASSIS_COLLECTION,
    RES_CHASSIS,
    RES_MANAGERS,
    RES_MANAGER,
    RES_MANAGER_RESET,
    RES_SESSION_SERVICE,
    RES_SESSIONS,
    RES_SESSIONS_MEMBERS, /* .../Sessions/Members: POST there is a login too (DSP0266) */
    RES_SESSION,
    RES_ACCOUNT_SERVICE,
    RES_ACCOUNTS,
    RES_ACCOUNT,
    RES_ROLES,
    RES_ROLE,
    RES_TASK_SERVICE,
    RES_TASKS,
    RES_TASK,
    RES_TASK_MONITOR,
} RedfishResource;

typedef struct RedfishTarget {
    RedfishResource kind;
    uint32_t node;                   /* CHASSIS, MANAGER, MANAGER_RESET */
    uint32_t id;                     /* SESSION, TASK, TASK_MONITOR */
    char name[REDFISH_USER_MAX + 1]; /* ACCOUNT (user), ROLE */
} RedfishTarget;

/* What url (untrusted, NUL-terminated, without its query; one trailing '/' is ignored) names.
 * kind RES_NONE: nothing (404). Members that do not exist (a session, task, account, node not
 * there) are RES_NONE too. */
RedfishTarget redfish_resolve(const RedfishView *v, const char *url);

/* The Allow header for a target ("GET, HEAD", "POST", ...). */
const char *redfish_target_allow(const RedfishTarget *t);
/* Whether the target may be read without authentication (DSP0266: the service root, /redfish,
 * $metadata, the OData document; and our OEM schema). */
bool redfish_target_is_public(const RedfishTarget *t);

/* The body of the resource at t, NUL-terminated, owned by the caller (free()), its content type
 * (static) and, for a JSON resource, the URL of its DMTF JSON schema for Link rel=describedby
 * ("" when none). Returns 0, -ENOENT when t is not a readable resource, -ENOMEM. */
int redfish_render(const RedfishView *v,
                   const RedfishTarget *t,
                   char **ret_body,
                   const char **ret_content_type,
                   char *described_by,
                   size_t described_by_size);

/* A Session resource, for the answer to a login. Same ownership and returns. */
int redfish_render_session(const RedfishSession *s, char **ret_body);
/* A Task resource (the task monitor's 202 body). */
int redfish_render_task(const RedfishTask *task, char **ret_body);

/* A stable UUID (RFC 9562 version 8, from a hash of the text) for a system id. */
void redfish_uuid(const char *salt, const char *text, char out[37]);

#endif
