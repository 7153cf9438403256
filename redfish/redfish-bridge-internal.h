/* SPDX-License-Identifier: Apache-2.0 */
/* What redfish-bridge.c (MQTT, Resets, life cycle) and redfish-serve.c (HTTP requests) share. */
#ifndef STATEBUS_REDFISH_BRIDGE_INTERNAL_H
#define STATEBUS_REDFISH_BRIDGE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "statebus/limits.h"

#include "mqtt-io.h"
#include "redfish-auth.h"
#include "redfish-bridge.h"
#include "redfish-error.h"
#include "redfish-http.h"
#include "redfish-model.h"
#include "redfish-render.h"
#include "redfish-reset.h"
#include "redfish-task.h"

#define PENDING_MAX   16u /* Resets waiting for the coordinator at once */
#define SUBSCRIPTIONS 4u  /* system/#, node/+/+, our reply topic, event (3.1.1 answers) */
#define RETRY_AFTER_S "5" /* 503: when to try again */
/* A task monitor: when to look again, in delta-seconds. (Of Debian's clients, redfishtool 1.1.5
 * follows a task monitor only with delta-seconds: an HTTP-date crashes its waitForTask(); sushy
 * 4.3.3's TaskMonitor.wait() the other way round. sushy's reset_system() does not read it.) */
#define TASK_RETRY_AFTER "2"

typedef struct PendingReset {
    bool in_use;
    RedfishHttpRequest *req; /* borrowed; NULL once the connection is gone */
    char id[SB_ID_MAX + 1];  /* also the correlation data */
    const char *reset_type;  /* static */
    RedfishResetKind kind;
    char target_uri[REDFISH_TASK_URI_MAX];
    sd_event_source *timeout;
    RedfishBridge *bridge;
} PendingReset;

struct RedfishBridge {
    const RedfishOptions *opts; /* borrowed */
    sd_event *event;
    MqttIo *io;
    RedfishHttp *http;
    RedfishModel model;
    RedfishAccounts accounts;
    RedfishSessions sessions;
    RedfishTasks tasks;
    char filters[SUBSCRIPTIONS][SB_TOPIC_MAX + 1];
    char reply_topic[SB_TOPIC_MAX + 1];
    char sync_topic[SB_TOPIC_MAX + 1]; /* system/sync, asked at every connect */
    uint64_t next_id;
    PendingReset pending[PENDING_MAX];
    sd_event_source *stop_timer;
    bool stopping;
};

/* Answers req with a Redfish error body (plus Retry-After for 503, WWW-Authenticate for 401). */
void bridge_respond_error(RedfishHttpRequest *req, const RedfishError *e, const char *allow);

/* Which Reset action a POST is for: kind, node (Manager.Reset only) and the action's URI. */
typedef struct ResetAction {
    RedfishResetKind kind;
    uint32_t node;
    const char *target_uri;
} ResetAction;

/* POST of a Reset action (body, len bytes): parsed, published, answered when the coordinator
 * answers. */
void bridge_handle_reset(RedfishBridge *b,
                         RedfishHttpRequest *req,
                         const ResetAction *action,
                         const char *body,
                         size_t len);

/* The HTTP callbacks (redfish-serve.c). */
void bridge_on_http_request(RedfishHttpRequest *req, const RedfishHttpMessage *msg, void *userdata);
void bridge_on_http_request_gone(RedfishHttpRequest *req, void *userdata);

/* What the resources show now. */
RedfishView bridge_view(RedfishBridge *b);

#endif
