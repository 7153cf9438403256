/* SPDX-License-Identifier: Apache-2.0 */
/* The bridge shell (see redfish-bridge.h): MQTT in, HTTP out, Reset requests through the
 * coordinator. The bridge publishes no status of its own: it is a client of the system like
 * statebusctl, not a part of it. */
#include "redfish-bridge.h"

#include <errno.h>
#include <inttypes.h>
#include <mqtt_protocol.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "statebus/payload.h"
#include "statebus/topic.h"

#include "daemon.h"
#include "log.h"
#include "macro.h"
#include "mqtt-auth-options.h"
#include "mqtt-io.h"
#include "redfish-error.h"
#include "redfish-http.h"
#include "redfish-model.h"
#include "redfish-render.h"
#include "redfish-reset.h"

#define PENDING_MAX   16u   /* Resets waiting for the coordinator at once */
#define STOP_WAIT_MS  2000u /* bound on the DISCONNECT being written */
#define SUBSCRIPTIONS 3u

typedef struct PendingReset {
    bool in_use;
    RedfishHttpRequest *req; /* borrowed; NULL once the connection is gone */
    char id[SB_ID_MAX + 1];  /* also the correlation data */
    const char *reset_type;  /* static */
    sd_event_source *timeout;
    RedfishBridge *bridge;
} PendingReset;

struct RedfishBridge {
    const RedfishOptions *opts; /* borrowed */
    sd_event *event;
    MqttIo *io;
    RedfishHttp *http;
    RedfishModel model;
    char filters[SUBSCRIPTIONS][SB_TOPIC_MAX + 1];
    char reply_topic[SB_TOPIC_MAX + 1];
    uint64_t next_id;
    PendingReset pending[PENDING_MAX];
    sd_event_source *stop_timer;
    bool stopping;
};

/* ---- HTTP answers ----------------------------------------------------------------------- */

static void respond_error(RedfishHttpRequest *req, const RedfishError *e, const char *allow)
{
    CLEANUP_FREE char *body = redfish_error_format(e);

    (void) redfish_http_respond(req, e->http_status, body, allow);
}

static void pending_release(PendingReset *p)
{
    p->timeout = sd_event_source_disable_unref(p->timeout);
    p->in_use = false;
    p->req = NULL;
}

/* The coordinator's first answer decides the HTTP status (topics/redfish.md "Reset"). */
static void pending_answer(PendingReset *p, const SbEvent *ev)
{
    RedfishError e;
    CLEANUP_FREE char *body = NULL;
    unsigned status = 0;

    switch (ev->kind) {
    case SB_EVENT_ACCEPTED:
    case SB_EVENT_DISPATCHED:
    case SB_EVENT_COMPLETED:
    case SB_EVENT_DUPLICATE:
        status = 204;
        break;
    case SB_EVENT_QUEUED:
        status = 202;
        body = redfish_message_format("Success", "OK", ev->why, p->id, "queued");
        break;
    default:
        redfish_error_set(&e, 409, "GeneralError",
                          "Resolve the condition named in the message and resubmit the request.",
                          "The statebus coordinator answered %s to ResetType %s: %s",
                          sb_enum_to_string(SB_ENUM_EVENT_KIND, (int) ev->kind)
                                  ? sb_enum_to_string(SB_ENUM_EVENT_KIND, (int) ev->kind)
                                  : "?",
                          p->reset_type, ev->why);
        status = e.http_status;
        body = redfish_error_format(&e);
        break;
    }
    log_info("redfish: answered reset id='%s' reset_type=%s kind=%s status=%u", p->id,
             p->reset_type, sb_enum_to_string(SB_ENUM_EVENT_KIND, (int) ev->kind), status);
    if (p->req) {
        (void) redfish_http_respond(p->req, status, body, NULL);
    }
    pending_release(p);
}

static void pending_unavailable(PendingReset *p, const char *why)
{
    RedfishError e;

    redfish_error_set(
            &e, 503, "ServiceTemporarilyUnavailable",
            "Check that the statebus coordinator is running; the request may still be carried "
            "out: read the system's PowerState before retrying.",
            "The statebus coordinator did not answer ResetType %s (request %s): %s.", p->reset_type,
            p->id, why);
    log_warning("redfish: gave up waiting for reset id='%s' reason='%s'", p->id, why);
    if (p->req) {
        respond_error(p->req, &e, NULL);
    }
    pending_release(p);
}

static int on_pending_timeout(sd_event_source *s, uint64_t usec, void *userdata)
{
    (void) s;
    (void) usec;
    pending_unavailable(userdata, "no answer in time");
    return 0;
}

/* ---- Reset ------------------------------------------------------------------------------ */

static int publish_reset(RedfishBridge *b, const RedfishResetAction *a, const char *id)
{
    SbCommand c = { .transition = a->transition };
    char topic[SB_TOPIC_MAX + 1];
    char payload[SB_PAYLOAD_MAX + 1];
    mosquitto_property *props = NULL;
    SbTopic t = { .kind = SB_TOPIC_SYSTEM_SET, .target = a->target };
    int n, r;

    (void) snprintf(t.system, sizeof(t.system), "%s", b->opts->system);
    (void) snprintf(c.id, sizeof(c.id), "%s", id);
    (void) snprintf(c.reason, sizeof(c.reason), "Redfish ComputerSystem.Reset %s", a->reset_type);
    r = sb_topic_format(topic, sizeof(topic), &t);
    if (r < 0) {
        return r;
    }
    n = sb_command_encode(&c, payload, sizeof(payload));
    if (n < 0) {
        return n;
    }
    r = mosquitto_property_add_string(&props, MQTT_PROP_RESPONSE_TOPIC, b->reply_topic);
    if (r == MOSQ_ERR_SUCCESS) {
        r = mosquitto_property_add_binary(&props, MQTT_PROP_CORRELATION_DATA, id,
                                          (uint16_t) strlen(id));
    }
    if (r != MOSQ_ERR_SUCCESS) {
        mosquitto_property_free_all(&props);
        return mqtt_error_to_errno(r);
    }
    r = mqtt_io_publish(b->io, topic, payload, (size_t) n, 1, false, props, NULL);
    mosquitto_property_free_all(&props);
    return r;
}

static PendingReset *pending_new(RedfishBridge *b)
{
    for (size_t i = 0; i < PENDING_MAX; i++) {
        if (!b->pending[i].in_use) {
            b->pending[i] = (PendingReset){ .in_use = true, .bridge = b };
            return &b->pending[i];
        }
    }
    return NULL;
}

static void handle_reset(RedfishBridge *b, RedfishHttpRequest *req, const char *body, size_t len)
{
    RedfishResetAction a;
    RedfishError e;
    PendingReset *p = NULL;
    int r;

    if (redfish_reset_parse(body, len, &a, &e) < 0) {
        log_info("redfish: rejected reset reason='%s'", e.message);
        respond_error(req, &e, NULL);
        return;
    }
    p = mqtt_io_is_connected(b->io) ? pending_new(b) : NULL;
    if (!p) {
        redfish_error_set(
                &e, 503, "ServiceTemporarilyUnavailable", "Wait and resubmit the request.", "%s",
                mqtt_io_is_connected(b->io) ? "Too many Reset requests are waiting for the "
                                              "statebus coordinator."
                                            : "The bridge is not connected to the MQTT broker.");
        respond_error(req, &e, NULL);
        return;
    }
    p->req = req;
    p->reset_type = a.reset_type;
    (void) snprintf(p->id, sizeof(p->id), "redfish-%ld-%" PRIu64, (long) getpid(), ++b->next_id);
    r = sd_event_add_time_relative(b->event, &p->timeout, CLOCK_MONOTONIC,
                                   b->opts->reply_timeout_ms * 1000u, 1000, on_pending_timeout, p);
    if (r >= 0) {
        r = publish_reset(b, &a, p->id);
    }
    if (r < 0) {
        log_warning_errno(r, "redfish: failed to publish reset id='%s': %m", p->id);
        pending_unavailable(p, "the request could not be published");
        return;
    }
    log_notice("redfish: published reset id='%s' reset_type=%s target=%s transition=%s", p->id,
               a.reset_type, sb_enum_to_string(SB_ENUM_TARGET, (int) a.target),
               sb_enum_to_string(SB_ENUM_TRANSITION, (int) a.transition));
}

/* ---- HTTP requests ---------------------------------------------------------------------- */

static void on_http_request(RedfishHttpRequest *req,
                            const char *method,
                            const char *url,
                            const char *body,
                            size_t len,
                            void *userdata)
{
    RedfishBridge *b = userdata;
    RedfishError e;
    bool is_get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    CLEANUP_FREE char *out = NULL;

    log_debug("redfish: received http method=%s url='%s' len=%zu", method, url, len);
    switch (redfish_route(&b->model, url)) {
    case REDFISH_ROUTE_NONE:
        redfish_error_set(
                &e, 404, "ResourceMissingAtURI",
                "Place a valid resource at the URI or correct the URI and resubmit the request.",
                "The resource at the URI %.128s was not found.", url);
        respond_error(req, &e, NULL);
        return;
    case REDFISH_ROUTE_RESET:
        if (strcmp(method, "POST") != 0) {
            redfish_error_set(&e, 405, "OperationNotAllowed", "None.",
                              "The HTTP method %.16s is not allowed on an action; use POST.",
                              method);
            respond_error(req, &e, "POST");
            return;
        }
        handle_reset(b, req, body, len);
        return;
    case REDFISH_ROUTE_RESOURCE:
        break;
    }
    if (!is_get) {
        /* The bridge is read-only: state changes go through the Reset action only. */
        redfish_error_set(&e, 405, "OperationNotAllowed", "None.",
                          "The HTTP method %.16s is not allowed on this read-only resource.",
                          method);
        respond_error(req, &e, "GET, HEAD");
        return;
    }
    if (redfish_render(&b->model, url, &out) < 0) {
        redfish_error_set(&e, 500, "InternalError", "Resubmit the request.",
                          "The request failed due to an internal service error.");
        respond_error(req, &e, NULL);
        return;
    }
    (void) redfish_http_respond(req, 200, out, NULL);
}

static void on_http_request_gone(RedfishHttpRequest *req, void *userdata)
{
    RedfishBridge *b = userdata;

    for (size_t i = 0; i < PENDING_MAX; i++) {
        if (b->pending[i].in_use && b->pending[i].req == req) {
            b->pending[i].req = NULL; /* the answer, when it comes, is only logged */
        }
    }
}

/* ---- MQTT messages ---------------------------------------------------------------------- */

static void
handle_reply(RedfishBridge *b, const struct mosquitto_message *msg, const mosquitto_property *props)
{
    CLEANUP_FREE void *correlation = NULL;
    uint16_t correlation_len = 0;
    SbEvent ev;
    const char *why = NULL;

    if (strcmp(msg->topic, b->reply_topic) != 0) {
        return;
    }
    (void) mosquitto_property_read_binary(props, MQTT_PROP_CORRELATION_DATA, &correlation,
                                          &correlation_len, false);
    if (sb_event_decode(msg->payload, (size_t) msg->payloadlen, &ev, &why) < 0) {
        log_warning("redfish: ignored invalid reply reason='%s'", why);
        return;
    }
    for (size_t i = 0; i < PENDING_MAX; i++) {
        PendingReset *p = &b->pending[i];
        size_t id_len = strlen(p->id);
        if (p->in_use && correlation && correlation_len == id_len &&
            memcmp(correlation, p->id, id_len) == 0) {
            pending_answer(p, &ev);
            return;
        }
    }
    log_debug("redfish: ignored reply for no waiting request id='%s' kind=%s", ev.id,
              sb_enum_to_string(SB_ENUM_EVENT_KIND, (int) ev.kind));
}

static int handle_node_message(RedfishBridge *b,
                               const SbTopic *t,
                               const void *p,
                               size_t len,
                               const char **reterr_why)
{
    SbStatusMsg status;
    SbStateMsg state;
    int r;

    if (t->kind == SB_TOPIC_NODE_STATUS) {
        r = sb_status_decode(p, len, &status, reterr_why);
        return r < 0 ? r : redfish_model_node_status(&b->model, t->node, &status);
    }
    r = sb_state_decode(p, len, t->state_kind, &state, reterr_why);
    if (r >= 0 && state.node != t->node) {
        *reterr_why = "'node' differs from the topic's";
        return -EBADMSG;
    }
    return r < 0 ? r : redfish_model_node_state(&b->model, t->node, &state);
}

static int handle_system_message(RedfishBridge *b,
                                 const SbTopic *t,
                                 const void *p,
                                 size_t len,
                                 const char **reterr_why)
{
    SbStatusMsg status;
    SbRollupMsg rollup;
    SbRequestsMsg requests;
    int r = 0;

    switch (t->kind) {
    case SB_TOPIC_SYSTEM_STATUS:
        r = sb_status_decode(p, len, &status, reterr_why);
        if (r >= 0) {
            redfish_model_system_status(&b->model, &status);
        }
        break;
    case SB_TOPIC_SYSTEM_ROLLUP:
        r = sb_rollup_decode(p, len, t->state_kind, &rollup, reterr_why);
        if (r >= 0) {
            redfish_model_rollup(&b->model, &rollup);
        }
        break;
    case SB_TOPIC_SYSTEM_REQUESTS:
        r = sb_requests_decode(p, len, &requests, reterr_why);
        if (r >= 0) {
            redfish_model_requests(&b->model, &requests);
        }
        break;
    default:
        break;
    }
    return r;
}

static void on_mqtt_message(MqttIo *io,
                            const struct mosquitto_message *msg,
                            const mosquitto_property *props,
                            void *userdata)
{
    RedfishBridge *b = userdata;
    SbTopic t;
    const char *why = "invalid";
    int r = 0;

    (void) io;
    if (!msg->topic || sb_topic_parse(msg->topic, strlen(msg->topic), &t) < 0 ||
        msg->payloadlen <= 0) {
        return; /* not ours, or a retained value being cleared */
    }
    switch (t.kind) {
    case SB_TOPIC_REPLY:
        handle_reply(b, msg, props);
        return;
    case SB_TOPIC_NODE_STATUS:
    case SB_TOPIC_NODE_STATE:
        r = handle_node_message(b, &t, msg->payload, (size_t) msg->payloadlen, &why);
        break;
    default:
        r = handle_system_message(b, &t, msg->payload, (size_t) msg->payloadlen, &why);
        break;
    }
    if (r == -ENOMEM) {
        log_error("redfish: out of memory topic='%s', ignoring", msg->topic);
    } else if (r < 0) {
        log_debug("redfish: ignored invalid message topic='%s' reason='%s'", msg->topic, why);
    }
}

static void on_mqtt_connect(MqttIo *io, void *userdata)
{
    RedfishBridge *b = userdata;

    log_info("redfish: connected broker=%s:%u", b->opts->broker.host, b->opts->broker.port);
    for (size_t i = 0; i < SUBSCRIPTIONS; i++) {
        int r = mqtt_io_subscribe(io, b->filters[i], 1, 0, NULL);
        if (r < 0) {
            log_warning_errno(r, "redfish: failed to subscribe filter='%s': %m", b->filters[i]);
        }
    }
    (void) daemon_notify_ready();
}

static void on_mqtt_disconnect(MqttIo *io, int reason, void *userdata)
{
    RedfishBridge *b = userdata;

    (void) io;
    if (b->stopping) {
        (void) sd_event_exit(b->event, 0);
        return;
    }
    /* What it shows may go stale meanwhile: say so in Health (coordinator status unknown). */
    b->model.coordinator_status = SB_STATUS_UNKNOWN;
    log_warning("redfish: disconnected broker=%s:%u reason='%s'", b->opts->broker.host,
                b->opts->broker.port, mqtt_io_reason_string(reason));
}

static void on_mqtt_connect_failed(MqttIo *io, const char *reason, unsigned retry_ms, void *ud)
{
    RedfishBridge *b = ud;

    (void) io;
    log_warning("redfish: failed to connect broker=%s:%u reason='%s' retry_ms=%u",
                b->opts->broker.host, b->opts->broker.port, reason, retry_ms);
}

static void
on_mqtt_subscribe_refused(MqttIo *io, const char *filter, int reason, unsigned retry_ms, void *ud)
{
    (void) io;
    (void) ud;
    log_error("redfish: subscription refused filter='%s' reason='%s' (0x%02x), retrying in %u ms "
              "(check the broker's ACL for this client)",
              filter, mosquitto_reason_string(reason), (unsigned) reason, retry_ms);
}

/* ---- life cycle ------------------------------------------------------------------------- */

static int on_stop_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
    RedfishBridge *b = userdata;

    (void) s;
    (void) usec;
    log_warning("redfish: DISCONNECT not written within %u ms, exiting", STOP_WAIT_MS);
    return sd_event_exit(b->event, 0);
}

static int on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
    RedfishBridge *b = userdata;

    (void) s;
    if (b->stopping) {
        return sd_event_exit(b->event, 0);
    }
    b->stopping = true;
    log_notice("redfish: stopping signal=%s", strsignal((int) si->ssi_signo));
    (void) daemon_notify_stopping();
    for (size_t i = 0; i < PENDING_MAX; i++) {
        if (b->pending[i].in_use) {
            pending_unavailable(&b->pending[i], "the bridge is stopping");
        }
    }
    if (mqtt_io_disconnect(b->io) < 0) {
        return sd_event_exit(b->event, 0);
    }
    (void) sd_event_source_set_time_relative(b->stop_timer, (uint64_t) STOP_WAIT_MS * 1000u);
    return sd_event_source_set_enabled(b->stop_timer, SD_EVENT_ONESHOT);
}

static int bridge_format_topics(RedfishBridge *b)
{
    const char *system = b->opts->system;
    char suffix[64];
    int r;

    r = sb_filter_format(b->filters[0], sizeof(b->filters[0]), system, SB_FILTER_SYSTEM_ALL, 0);
    if (r >= 0) {
        r = sb_filter_format(b->filters[1], sizeof(b->filters[1]), system, SB_FILTER_NODE_TOPICS,
                             0);
    }
    if (r >= 0) {
        (void) snprintf(suffix, sizeof(suffix), "redfish-%ld", (long) getpid());
        r = sb_reply_topic_format(b->reply_topic, sizeof(b->reply_topic), system, suffix);
    }
    if (r >= 0) {
        (void) snprintf(b->filters[2], sizeof(b->filters[2]), "%s", b->reply_topic);
    }
    return r < 0 ? log_error_errno(r, "redfish: failed to format topics system='%s': %m", system)
                 : 0;
}

static int bridge_add_mqtt(RedfishBridge *b)
{
    const MqttIoConfig cfg = {
        .host = b->opts->broker.host,
        .port = b->opts->broker.port,
        .client_id = b->opts->client_id,
        .username = mqtt_auth_options_username(&b->opts->auth),
        .password = mqtt_auth_options_password(&b->opts->auth),
        .tls = mqtt_auth_options_tls(&b->opts->auth),
        .keepalive_s = b->opts->keepalive_s,
        .reconnect_min_ms = 100,
        .reconnect_max_ms = 5000,
    };
    const MqttIoCallbacks cb = {
        .on_connect = on_mqtt_connect,
        .on_disconnect = on_mqtt_disconnect,
        .on_message = on_mqtt_message,
        .on_connect_failed = on_mqtt_connect_failed,
        .on_subscribe_refused = on_mqtt_subscribe_refused,
    };
    int r = mqtt_io_new(b->event, &cfg, &cb, b, &b->io);

    return r < 0 ? log_error_errno(r, "redfish: failed to create MQTT client: %m") : 0;
}

static int bridge_add_http(RedfishBridge *b)
{
    const RedfishHttpCallbacks cb = {
        .on_request = on_http_request,
        .on_request_gone = on_http_request_gone,
    };
    int r = redfish_http_new(b->event, b->opts->listen_host, b->opts->listen_port, &cb, b,
                             &b->http);

    if (r < 0) {
        return log_error_errno(r, "redfish: failed to listen address='%s' port=%u: %m",
                               b->opts->listen_host, b->opts->listen_port);
    }
    return 0;
}

int redfish_bridge_new(const RedfishOptions *opts, RedfishBridge **ret)
{
    RedfishBridge *b = calloc(1, sizeof(*b));
    int r;

    if (!b) {
        return log_error_errno(-ENOMEM, "redfish: failed to allocate: %m");
    }
    b->opts = opts;
    r = redfish_model_init(&b->model, opts->system);
    if (r >= 0) {
        r = bridge_format_topics(b);
    }
    if (r >= 0) {
        r = sd_event_new(&b->event);
    }
    if (r >= 0) {
        r = daemon_setup(b->event, on_signal, b);
    }
    if (r >= 0) {
        r = sd_event_add_time_relative(b->event, &b->stop_timer, CLOCK_MONOTONIC, 0, 0,
                                       on_stop_timer, b);
    }
    if (r >= 0) {
        r = sd_event_source_set_enabled(b->stop_timer, SD_EVENT_OFF);
    }
    if (r < 0) {
        log_error_errno(r, "redfish: failed to set up the event loop: %m");
    }
    if (r >= 0) {
        r = bridge_add_mqtt(b);
    }
    if (r >= 0) {
        r = bridge_add_http(b);
    }
    if (r < 0) {
        (void) redfish_bridge_free(b);
        return r;
    }
    *ret = b;
    return 0;
}

RedfishBridge *redfish_bridge_free(RedfishBridge *b)
{
    if (!b) {
        return NULL;
    }
    b->http = redfish_http_free(b->http); /* before the pendings: it reports requests gone */
    for (size_t i = 0; i < PENDING_MAX; i++) {
        if (b->pending[i].in_use) {
            pending_release(&b->pending[i]);
        }
    }
    b->io = mqtt_io_free(b->io);
    b->stop_timer = sd_event_source_disable_unref(b->stop_timer);
    b->event = sd_event_unref(b->event);
    redfish_model_done(&b->model);
    free(b);
    return NULL;
}

int redfish_bridge_run(RedfishBridge *b)
{
    int r;

    log_notice("redfish: started system='%s' broker=%s:%u listen=%s port=%u", b->opts->system,
               b->opts->broker.host, b->opts->broker.port, b->opts->listen_host,
               redfish_http_port(b->http));
    r = mqtt_io_start(b->io);
    if (r < 0) {
        return log_error_errno(r, "redfish: failed to start MQTT client: %m");
    }
    r = sd_event_loop(b->event);
    if (r < 0) {
        return log_error_errno(r, "redfish: event loop failed: %m");
    }
    log_notice("redfish: stopped");
    return 0;
}
