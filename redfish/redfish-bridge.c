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
#include "file-util.h"
#include "log.h"
#include "macro.h"
#include "mqtt-client.h"
#include "redfish-bridge-internal.h"
#include "time-util.h"

#define STOP_WAIT_MS 2000u /* bound on the DISCONNECT being written */

/* ---- HTTP answers ----------------------------------------------------------------------- */

void bridge_respond_error(RedfishHttpRequest *req, const RedfishError *e, const char *allow)
{
    CLEANUP_FREE char *body = redfish_error_format(e);
    RedfishHttpAnswer a = { .status = e->http_status, .body = body };

    if (allow) {
        redfish_http_answer_header(&a, "Allow", allow);
    }
    if (e->http_status == 503) {
        redfish_http_answer_header(&a, "Retry-After", RETRY_AFTER_S);
    }
    if (e->http_status == 401) {
        redfish_http_answer_header(&a, "WWW-Authenticate", "Basic realm=\"statebus-redfish\"");
    }
    (void) redfish_http_respond(req, &a);
}

RedfishView bridge_view(RedfishBridge *b)
{
    return (RedfishView){
        .model = &b->model,
        .accounts = &b->accounts,
        .sessions = &b->sessions,
        .tasks = &b->tasks,
        .auth_enabled = b->opts->auth_enabled,
        .now_ms = now_unix_ms(),
    };
}

static void pending_release(PendingReset *p)
{
    p->timeout = sd_event_source_disable_unref(p->timeout);
    p->in_use = false;
    p->req = NULL;
}

/* A queued Reset becomes a Task: 202 with the task monitor's Location and the Task as body. */
static void answer_queued(PendingReset *p, const SbEvent *ev)
{
    RedfishBridge *b = p->bridge;
    RedfishTask *task =
            redfish_tasks_create(&b->tasks, p->id, p->target_uri, p->reset_type, now_unix_ms());
    CLEANUP_FREE char *body = NULL;
    char monitor[96];
    RedfishHttpAnswer a = { .status = 202 };

    if (!task) {
        /* Every task slot holds an unfinished task: still say what happened, without a monitor. */
        log_warning("redfish: no task slot for queued reset id='%s' (%u unfinished tasks)", p->id,
                    REDFISH_TASKS_MAX);
        RedfishMessage m;
        redfish_message_set(&m, REDFISH_MSG_SUCCESS);
        body = redfish_message_body(&m);
    } else {
        redfish_task_event(task, ev->kind, ev->why, ev->time_ms ? ev->time_ms : now_unix_ms());
        (void) redfish_render_task(task, &body);
        (void) snprintf(monitor, sizeof(monitor), "/redfish/v1/TaskService/TaskMonitors/%u",
                        task->id);
        redfish_http_answer_header(&a, "Location", monitor);
        redfish_http_answer_header(&a, "Retry-After", TASK_RETRY_AFTER);
        log_info("redfish: created task id=%u request='%s' why='%s'", task->id, p->id, ev->why);
    }
    a.body = body;
    if (p->req) {
        (void) redfish_http_respond(p->req, &a);
    }
}

/* The coordinator's first answer decides the HTTP status (topics/redfish.md "Reset"). */
static void pending_answer(PendingReset *p, const SbEvent *ev)
{
    RedfishError e;
    const char *kind = sb_enum_to_string(SB_ENUM_EVENT_KIND, (int) ev->kind);
    unsigned status = 0;

    kind = kind ? kind : "?";
    switch (ev->kind) {
    case SB_EVENT_ACCEPTED:
    case SB_EVENT_DISPATCHED:
    case SB_EVENT_COMPLETED:
    case SB_EVENT_DUPLICATE:
        status = 204;
        if (p->req) {
            const RedfishHttpAnswer a = { .status = 204 };
            (void) redfish_http_respond(p->req, &a);
        }
        break;
    case SB_EVENT_QUEUED:
        status = 202;
        answer_queued(p, ev);
        break;
    default:
        redfish_error_general(&e, 409, "The statebus coordinator answered %s to ResetType %s: %s",
                              kind, p->reset_type, ev->why);
        status = e.http_status;
        if (p->req) {
            bridge_respond_error(p->req, &e, NULL);
        }
        break;
    }
    log_info("redfish: answered reset id='%s' reset_type=%s kind=%s status=%u", p->id,
             p->reset_type, kind, status);
    pending_release(p);
}

static void pending_unavailable(PendingReset *p, const char *why)
{
    RedfishError e;

    if (p->bridge->stopping) {
        redfish_error_set(&e, 503, REDFISH_MSG_SERVICE_SHUTTING_DOWN);
    } else {
        redfish_error_set(&e, 503, REDFISH_MSG_SERVICE_TEMPORARILY_UNAVAILABLE, RETRY_AFTER_S);
    }
    log_warning("redfish: gave up waiting for reset id='%s' reason='%s'", p->id, why);
    if (p->req) {
        bridge_respond_error(p->req, &e, NULL);
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

static int
publish_reset(RedfishBridge *b, const RedfishResetAction *a, uint32_t node, const char *id)
{
    SbCommand c = { .transition = a->transition };
    char topic[SB_TOPIC_MAX + 1];
    char payload[SB_PAYLOAD_MAX + 1];
    mosquitto_property *props = NULL;
    SbTopic t = { .kind = SB_TOPIC_SYSTEM_SET, .target = a->target };
    int n, r;

    (void) snprintf(t.system, sizeof(t.system), "%s", b->opts->system);
    (void) snprintf(c.id, sizeof(c.id), "%s", id);
    if (node > 0) {
        c.nodes[0] = node;
        c.n_nodes = 1;
    }
    (void) snprintf(c.reason, sizeof(c.reason), "Redfish %s %s",
                    a->target == SB_TARGET_BMC ? "Manager.Reset" : "ComputerSystem.Reset",
                    a->reset_type);
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
    r = mqtt_io_publish(b->io,
                        &(MqttPublish){ .topic = topic,
                                        .payload = payload,
                                        .len = (size_t) n,
                                        .qos = 1,
                                        .props = props },
                        NULL);
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

void bridge_handle_reset(RedfishBridge *b,
                         RedfishHttpRequest *req,
                         const ResetAction *action,
                         const char *body,
                         size_t len)
{
    const RedfishResetKind kind = action->kind;
    const uint32_t node = action->node;
    RedfishResetAction a;
    RedfishError e;
    PendingReset *p = NULL;
    int r;

    if (redfish_reset_parse(kind, body, len, &a, &e) < 0) {
        char text[512];
        log_info("redfish: rejected reset reason='%s'",
                 redfish_message_text(&e.msg, text, sizeof(text)));
        bridge_respond_error(req, &e, NULL);
        return;
    }
    p = mqtt_io_is_connected(b->io) && !b->stopping ? pending_new(b) : NULL;
    if (!p) {
        /* Not connected, or too many Resets waiting for the coordinator. */
        redfish_error_set(&e, 503, REDFISH_MSG_SERVICE_TEMPORARILY_UNAVAILABLE, RETRY_AFTER_S);
        log_warning("redfish: refused reset reason='%s'",
                    mqtt_io_is_connected(b->io) ? "too many waiting" : "not connected");
        bridge_respond_error(req, &e, NULL);
        return;
    }
    p->req = req;
    p->reset_type = a.reset_type;
    p->kind = kind;
    (void) snprintf(p->target_uri, sizeof(p->target_uri), "%s", action->target_uri);
    (void) snprintf(p->id, sizeof(p->id), "redfish-%ld-%" PRIu64, (long) getpid(), ++b->next_id);
    r = sd_event_add_time_relative(b->event, &p->timeout, CLOCK_MONOTONIC,
                                   b->opts->reply_timeout_ms * 1000u, 1000, on_pending_timeout, p);
    if (r >= 0) {
        r = publish_reset(b, &a, node, p->id);
    }
    if (r < 0) {
        log_warning_errno(r, "redfish: failed to publish reset id='%s': %m", p->id);
        pending_unavailable(p, "the request could not be published");
        return;
    }
    log_notice("redfish: published reset id='%s' reset_type=%s target=%s transition=%s node=%u",
               p->id, a.reset_type, sb_enum_to_string(SB_ENUM_TARGET, (int) a.target),
               sb_enum_to_string(SB_ENUM_TRANSITION, (int) a.transition), node);
}

void bridge_on_http_request_gone(RedfishHttpRequest *req, void *userdata)
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
    /* Later events of a queued request: its task follows them. */
    if (correlation && correlation_len <= SB_ID_MAX) {
        char id[SB_ID_MAX + 1];
        RedfishTask *task = NULL;
        (void) memcpy(id, correlation, correlation_len);
        id[correlation_len] = '\0';
        task = redfish_tasks_find_request(&b->tasks, id);
        if (task) {
            redfish_task_event(task, ev.kind, ev.why, ev.time_ms ? ev.time_ms : now_unix_ms());
            log_info("redfish: task id=%u request='%s' event=%s state=%s", task->id, id,
                     sb_enum_to_string(SB_ENUM_EVENT_KIND, (int) ev.kind),
                     redfish_task_state_name(task->state));
            return;
        }
    }
    log_debug("redfish: ignored reply for no waiting request id='%s' kind=%s", ev.id,
              sb_enum_to_string(SB_ENUM_EVENT_KIND, (int) ev.kind));
}

/* MQTT 3.1.1 has no response topic: the answer is followed on <root>/event by request id (every
 * client sees it there, contract.md). On MQTT 5 the reply topic answers, once. */
static void handle_event(RedfishBridge *b, const struct mosquitto_message *msg)
{
    SbEvent ev;

    if (mqtt_io_is_v5(b->io) ||
        sb_event_decode(msg->payload, (size_t) msg->payloadlen, &ev, NULL) < 0 || !ev.id[0]) {
        return;
    }
    for (size_t i = 0; i < PENDING_MAX; i++) {
        PendingReset *p = &b->pending[i];
        if (p->in_use && strcmp(p->id, ev.id) == 0) {
            pending_answer(p, &ev);
            return;
        }
    }
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
    case SB_TOPIC_EVENT:
        handle_event(b, msg);
        return;
    case SB_TOPIC_SYSTEM_SYNC:
        return; /* our own (or another client's) sync request */
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

    log_info("redfish: connected broker=%s mqtt=%s", mqtt_io_broker_name(io),
             mqtt_io_protocol_name(io));
    for (size_t i = 0; i < SUBSCRIPTIONS; i++) {
        int r = mqtt_io_subscribe(io, b->filters[i], 1, 0, NULL);
        if (r < 0) {
            log_warning_errno(r, "redfish: failed to subscribe filter='%s': %m", b->filters[i]);
        }
    }
    /* Not the broker's retained store (another cluster node's, RabbitMQ's wildcards): the
     * coordinator republishes its topics (topics/README.md "Sync"). After the SUBSCRIBEs on
     * this connection, so the answer finds them. An ACL without system/sync refuses it:
     * harmless, the retained copies are then all there is. */
    (void) mqtt_io_publish(
            io, &(MqttPublish){ .topic = b->sync_topic, .payload = "{}", .len = 2, .qos = 1 },
            NULL);
    (void) daemon_notify_ready();
}

static void on_mqtt_disconnect(MqttIo *io, int reason, void *userdata)
{
    RedfishBridge *b = userdata;

    if (b->stopping) {
        (void) sd_event_exit(b->event, 0);
        return;
    }
    /* What it shows may go stale meanwhile: say so in Health (coordinator status unknown). */
    b->model.coordinator_status = SB_STATUS_UNKNOWN;
    log_warning("redfish: disconnected broker=%s reason='%s'", mqtt_io_broker_name(io),
                mqtt_io_reason_string(reason));
}

static void on_mqtt_connect_failed(MqttIo *io, const char *reason, unsigned retry_ms, void *ud)
{
    (void) ud;
    mqtt_client_log_connect_failed("redfish", io, reason, retry_ms);
}

static void
on_mqtt_subscribe_refused(MqttIo *io, const char *filter, int reason, unsigned retry_ms, void *ud)
{
    (void) io;
    (void) ud;
    mqtt_client_log_subscribe_refused("redfish", filter, reason, retry_ms);
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
    SbTopic event = { .kind = SB_TOPIC_EVENT };
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
        (void) snprintf(event.system, sizeof(event.system), "%s", system);
        r = sb_topic_format(b->filters[3], sizeof(b->filters[3]), &event);
    }
    if (r >= 0) {
        r = sb_filter_format(b->sync_topic, sizeof(b->sync_topic), system, SB_FILTER_SYSTEM_SYNC,
                             0);
    }
    return r < 0 ? log_error_errno(r, "redfish: failed to format topics system='%s': %m", system)
                 : 0;
}

static int bridge_add_mqtt(RedfishBridge *b)
{
    const MqttClientOptions client = {
        .broker = &b->opts->broker,
        .mqtt_version = b->opts->mqtt_version,
        .client_id = b->opts->client_id,
        .auth = &b->opts->auth,
        .keepalive_s = b->opts->keepalive_s,
    };
    BrokerAddr first;
    const MqttIoConfig cfg = mqtt_client_config(&client, &first);
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
        .on_request = bridge_on_http_request,
        .on_request_gone = bridge_on_http_request_gone,
    };
    CLEANUP_FREE char *cert = NULL;
    CLEANUP_FREE char *key = NULL;
    size_t len = 0;
    int r = 0;

    if (b->opts->https_cert[0]) {
        r = read_file_bounded(b->opts->https_cert, (size_t) 256 * 1024, &cert, &len);
        if (r < 0) {
            return log_error_errno(r, "redfish: failed to read --https-cert '%s': %m",
                                   b->opts->https_cert);
        }
        r = read_file_bounded(b->opts->https_key, (size_t) 64 * 1024, &key, &len);
        if (r < 0) {
            return log_error_errno(r, "redfish: failed to read --https-key '%s': %m",
                                   b->opts->https_key);
        }
    }
    const RedfishHttpListen where = { .host = b->opts->listen_host,
                                      .port = b->opts->listen_port,
                                      .tls_cert_pem = cert,
                                      .tls_key_pem = key };

    r = redfish_http_new(b->event, &where, &cb, b, &b->http);
    if (key) {
        explicit_bzero(key, strlen(key));
    }
    if (r < 0) {
        return log_error_errno(r, "redfish: failed to listen address='%s' port=%u: %m",
                               b->opts->listen_host, b->opts->listen_port);
    }
    return 0;
}

static int bridge_load_accounts(RedfishBridge *b)
{
    CLEANUP_FREE char *text = NULL;
    size_t len = 0;
    char err[256];
    int r;

    if (b->opts->accounts[0] == '\0') {
        return 0;
    }
    r = read_file_bounded(b->opts->accounts, (size_t) REDFISH_ACCOUNTS_FILE_MAX, &text, &len);
    if (r < 0) {
        return log_error_errno(r, "redfish: failed to read --accounts '%s': %m", b->opts->accounts);
    }
    r = redfish_accounts_parse(text, len, &b->accounts, err, sizeof(err));
    if (r < 0) {
        return log_error_errno(r, "redfish: invalid --accounts '%s': %s", b->opts->accounts, err);
    }
    log_info("redfish: loaded accounts file='%s' count=%zu auth=%s", b->opts->accounts,
             b->accounts.n, b->opts->auth_enabled ? "on" : "off");
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
    redfish_sessions_init(&b->sessions, (uint64_t) opts->session_timeout_s * 1000u);
    redfish_tasks_init(&b->tasks);
    r = redfish_model_init(&b->model, opts->system);
    if (r >= 0) {
        r = bridge_load_accounts(b);
    }
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

    log_notice("redfish: started system='%s' broker=%s:%u listen=%s port=%u scheme=%s auth=%s",
               b->opts->system, b->opts->broker.host, b->opts->broker.port, b->opts->listen_host,
               redfish_http_port(b->http), b->opts->https_cert[0] ? "https" : "http",
               b->opts->auth_enabled ? "on" : "off");
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
