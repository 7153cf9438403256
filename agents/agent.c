/* SPDX-License-Identifier: Apache-2.0 */
/* The agent shell: life cycle, MQTT and backend callbacks, commands (see agent.h). */
#include <errno.h>
#include <inttypes.h>
#include <mqtt_protocol.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "statebus/payload.h"
#include "statebus/topic.h"

#include "agent-internal.h"
#include "command-filter.h"
#include "daemon.h"
#include "log.h"
#include "mqtt-io.h"
#include "node-observation.h"
#include "time-util.h"

/* Wait this long for the offline PUBACK. */
#define STOP_TIMEOUT_USEC (UINT64_C(2) * 1000u * 1000u)

/* ---- backend reports --------------------------------------------------------------------- */

static void on_backend_report(Backend *b, const NodeObservation *obs, void *userdata)
{
    Agent *a = userdata;
    SbStateKind kind = obs->kind;

    (void) b;
    if ((int) kind < 0 || kind >= SB_KIND_NODE_COUNT) {
        return;
    }
    if (a->have[kind] && node_observation_equal(&a->cur[kind], obs)) {
        return;
    }
    if (!a->have[kind] || a->cur[kind].state != obs->state) {
        a->since_ms[kind] = now_unix_ms();
    }
    a->cur[kind] = *obs;
    a->have[kind] = true;
    if (mqtt_io_is_connected(a->io) && !agent_is_stopping(a)) {
        (void) agent_publish_state(a, kind, true);
    } else {
        /* The next birth carries it. */
        log_debug("agent: node=%u observed %s=%s while offline", (unsigned) a->opts.node,
                  sb_state_kind_topic_name(kind), agent_state_name(obs));
    }
}

/* A transition the backend started did not get there (a power-good timeout, PSM refusing the
 * request): the coordinator's request will fail by its own time-out, but the operator should see
 * why at once. */
static void on_backend_failed(Backend *b,
                              SbTarget target,
                              SbTransition transition,
                              const char *why,
                              void *userdata)
{
    Agent *a = userdata;

    (void) b;
    log_warning("agent: node=%u failed %s %s why='%s'", (unsigned) a->opts.node,
                sb_target_topic_name(target), sb_enum_to_string(SB_ENUM_TRANSITION, transition),
                why);
    if (mqtt_io_is_connected(a->io) && !agent_is_stopping(a)) {
        agent_publish_event(a, SB_EVENT_FAILED, &(SbCommand){ .transition = transition }, target,
                            why);
    }
}

/* ---- commands ---------------------------------------------------------------------------- */

/* A flood of bad or repeated commands must not turn into a flood of events and log lines: past
 * the limiter's rate they are dropped and counted, and the count is logged with the next one. */
static bool command_answer_allowed(Agent *a)
{
    uint64_t suppressed;

    if (!reject_limiter_allow(&a->rejections, now_mono_ms())) {
        return false;
    }
    suppressed = reject_limiter_take_suppressed(&a->rejections);
    if (suppressed > 0) {
        log_warning("agent: node=%u suppressed answers to %llu rejected commands (rate limit)",
                    (unsigned) a->opts.node, (unsigned long long) suppressed);
    }
    return true;
}

static void handle_command(Agent *a, SbTarget target, const struct mosquitto_message *msg)
{
    const char *target_name = sb_target_topic_name(target);
    const char *why = NULL;
    char reason[SB_WHY_MAX + 1];
    SbStateKind kind;
    SbCommand cmd;
    int r;

    r = sb_command_decode(msg->payload, msg->payloadlen > 0 ? (size_t) msg->payloadlen : 0, target,
                          false, &cmd, &why);
    if (r < 0) {
        if (!command_answer_allowed(a)) {
            return;
        }
        (void) snprintf(reason, sizeof(reason), "invalid command: %s", why ? why : "undecodable");
        log_warning("agent: node=%u rejected command on set/%s why='%s'", (unsigned) a->opts.node,
                    target_name, reason);
        agent_publish_event(a, SB_EVENT_REJECTED, NULL, target, reason);
        return;
    }

    switch (command_filter_check(&a->filter, target, &cmd, msg->retain, now_unix_ms(), &why)) {
    case COMMAND_REJECT:
        if (!command_answer_allowed(a)) {
            return;
        }
        log_warning("agent: node=%u rejected command id='%s' why='%s'", (unsigned) a->opts.node,
                    cmd.id, why);
        agent_publish_event(a, SB_EVENT_REJECTED, &cmd, target, why);
        return;
    case COMMAND_DUPLICATE:
        if (!command_answer_allowed(a)) {
            return;
        }
        log_notice("agent: node=%u ignored duplicate command id='%s' %s %s",
                   (unsigned) a->opts.node, cmd.id, target_name,
                   sb_enum_to_string(SB_ENUM_TRANSITION, cmd.transition));
        agent_publish_event(a, SB_EVENT_DUPLICATE, &cmd, target, why);
        return;
    case COMMAND_ACCEPT:
        break;
    }

    command_filter_remember(&a->filter, cmd.id);
    log_notice("agent: node=%u accepted command id='%s' %s %s", (unsigned) a->opts.node, cmd.id,
               target_name, sb_enum_to_string(SB_ENUM_TRANSITION, cmd.transition));
    /* "accepted" goes out after the states the command causes in this loop iteration
     * (agent_publish_event() defers it): the state before the event that reports it. */
    agent_publish_event(a, SB_EVENT_ACCEPTED, &cmd, target, "");
    /* The receipt on the state topic the coordinator reads: the current state, now naming the
     * command; every later state of the kind names it too, until the next command. */
    kind = target == SB_TARGET_CHASSIS ? SB_KIND_CHASSIS
           : target == SB_TARGET_HOST  ? SB_KIND_HOST
                                       : SB_KIND_BMC;
    (void) snprintf(a->request_id[kind], sizeof(a->request_id[kind]), "%s", cmd.id);
    if (a->have[kind]) {
        (void) agent_publish_state(a, kind, true);
    }
    r = backend_apply(a->backend, target, cmd.transition);
    if (r < 0) {
        (void) log_error_errno(r, "agent: node=%u failed to carry out command id='%s': %m",
                               (unsigned) a->opts.node, cmd.id);
        (void) snprintf(reason, sizeof(reason), "backend %s failed: %s", a->backend->ops->name,
                        strerror(-r));
        agent_publish_event(a, SB_EVENT_FAILED, &cmd, target, reason);
    }
}

/* ---- MQTT callbacks ---------------------------------------------------------------------- */

static int on_mqtt_before_connect(MqttIo *io, void *userdata)
{
    Agent *a = userdata;
    uint64_t now = now_unix_ms();
    char buf[SB_PAYLOAD_MAX + 1];
    SbStatusMsg will;
    int len;

    /* Sparkplug's bdSeq: a new epoch per CONNECT, so a late will or a retained state of an
     * earlier connection is recognizably old. Unix ms keeps it increasing across restarts. */
    a->epoch = a->epoch + 1 > now ? a->epoch + 1 : now;
    a->seq = 0;
    a->heartbeat_seq = 0;
    will = (SbStatusMsg){
        .status = SB_STATUS_LOST,
        .epoch = a->epoch,
        .node = a->opts.node,
        .time_ms = now,
    };
    len = sb_status_encode(&will, buf, sizeof(buf));
    if (len < 0) {
        return log_error_errno(len, "agent: node=%u failed to encode the will: %m",
                               (unsigned) a->opts.node);
    }
    log_debug("agent: node=%u connecting to %s mqtt=%s epoch=%" PRIu64, (unsigned) a->opts.node,
              mqtt_io_broker_name(io), mqtt_io_protocol_name(io), a->epoch);
    return mqtt_io_set_will(io, a->topic_status, buf, (size_t) len, 1, true);
}

static void heartbeat_arm(Agent *a, bool on)
{
    if (a->opts.heartbeat_ms == 0) {
        return;
    }
    if (on) {
        (void) sd_event_source_set_time_relative(a->heartbeat_timer, a->opts.heartbeat_ms * 1000u);
    }
    (void) sd_event_source_set_enabled(a->heartbeat_timer, on ? SD_EVENT_ON : SD_EVENT_OFF);
}

static void on_mqtt_connect(MqttIo *io, void *userdata)
{
    Agent *a = userdata;
    int r;

    if (a->failed_attempts > 0) {
        log_info("agent: node=%u connected to %s mqtt=%s epoch=%" PRIu64
                 " after %u failed attempts",
                 (unsigned) a->opts.node, mqtt_io_broker_name(io), mqtt_io_protocol_name(io),
                 a->epoch, a->failed_attempts);
    } else {
        log_info("agent: node=%u connected to %s mqtt=%s epoch=%" PRIu64, (unsigned) a->opts.node,
                 mqtt_io_broker_name(io), mqtt_io_protocol_name(io), a->epoch);
    }
    a->failed_attempts = 0;

    /* Subscribe before the birth: on one connection the broker handles packets in order, so no
     * command sent after our "online" can be missed. */
    /* Retain-as-published: a command or rebirth published retained keeps its flag even live,
     * and is dropped at once (command_filter_check), not only when replayed at a connect. */
    r = mqtt_io_subscribe(io, a->filter_set, 1, MQTT_SUB_OPT_RETAIN_AS_PUBLISHED, NULL);
    if (r >= 0) {
        r = mqtt_io_subscribe(io, a->topic_rebirth, 1, MQTT_SUB_OPT_RETAIN_AS_PUBLISHED, NULL);
    }
    if (r < 0) {
        (void) log_error_errno(r, "agent: node=%u failed to subscribe: %m",
                               (unsigned) a->opts.node);
    }
    agent_publish_birth(a, "birth");
    heartbeat_arm(a, true);
}

static void on_mqtt_disconnect(MqttIo *io, int reason, void *userdata)
{
    Agent *a = userdata;

    (void) io;
    heartbeat_arm(a, false);
    a->birth_status_mid = 0;
    if (agent_is_stopping(a)) {
        log_info("agent: node=%u disconnected epoch=%" PRIu64 " reason='%s'",
                 (unsigned) a->opts.node, a->epoch,
                 reason == 0 ? "clean stop" : mqtt_io_reason_string(reason));
        (void) sd_event_exit(a->event, 0);
        return;
    }
    log_warning("agent: node=%u lost the connection to %s epoch=%" PRIu64
                " reason='%s', reconnecting",
                (unsigned) a->opts.node, mqtt_io_broker_name(io), a->epoch,
                mqtt_io_reason_string(reason));
}

static void
on_mqtt_connect_failed(MqttIo *io, const char *reason, unsigned retry_ms, void *userdata)
{
    Agent *a = userdata;

    /* retry_ms 0: MQTT 5 refused, 3.1.1 next (auto): news, but not a failure to count. */
    if (retry_ms == 0) {
        log_info("agent: node=%u broker %s: %s", (unsigned) a->opts.node, mqtt_io_broker_name(io),
                 reason);
        return;
    }
    /* The first failure of a run is news; the next ones (every few seconds while the broker is
     * down) only for --verbose. */
    if (a->failed_attempts++ == 0) {
        log_warning("agent: node=%u failed to connect to %s reason='%s', retrying in %u ms",
                    (unsigned) a->opts.node, mqtt_io_broker_name(io), reason, retry_ms);
    } else {
        log_debug("agent: node=%u failed to connect to %s reason='%s' attempts=%u, retrying "
                  "in %u ms",
                  (unsigned) a->opts.node, mqtt_io_broker_name(io), reason, a->failed_attempts,
                  retry_ms);
    }
}

/* An ACL that checks subscriptions refused one: without it no command reaches this node. */
static void on_mqtt_subscribe_refused(MqttIo *io,
                                      const char *filter,
                                      int reason,
                                      unsigned retry_ms,
                                      void *userdata)
{
    Agent *a = userdata;

    (void) io;
    log_error("agent: node=%u subscription refused filter='%s' reason='%s' (0x%02x), retrying in "
              "%u ms (check the broker's ACL for this node)",
              (unsigned) a->opts.node, filter, mosquitto_reason_string(reason), (unsigned) reason,
              retry_ms);
}

static void on_mqtt_message(MqttIo *io,
                            const struct mosquitto_message *msg,
                            const mosquitto_property *props,
                            void *userdata)
{
    Agent *a = userdata;
    SbTopic t;

    (void) io;
    (void) props;
    if (agent_is_stopping(a) || !msg->topic) {
        return;
    }
    if (sb_topic_parse(msg->topic, strlen(msg->topic), &t) < 0 ||
        strcmp(t.system, a->opts.system) != 0) {
        log_debug("agent: node=%u ignored a message on a topic not ours", (unsigned) a->opts.node);
        return;
    }
    switch (t.kind) {
    case SB_TOPIC_NODE_SET:
        if (t.node == a->opts.node) {
            handle_command(a, t.target, msg);
        }
        break;
    case SB_TOPIC_SYSTEM_REBIRTH:
        /* The coordinator never retains it; a retained one would ask again at every connect. */
        if (msg->retain) {
            log_debug("agent: node=%u ignored a retained rebirth", (unsigned) a->opts.node);
            break;
        }
        agent_publish_birth(a, "rebirth");
        break;
    default:
        break;
    }
}

static void on_mqtt_publish(MqttIo *io, int mid, void *userdata)
{
    Agent *a = userdata;
    int r;

    if (a->life == AGENT_STOPPING && mid == a->offline_mid) {
        log_debug("agent: node=%u offline acknowledged, disconnecting", (unsigned) a->opts.node);
        (void) agent_enter(a, AGENT_DISCONNECTING);
        r = mqtt_io_disconnect(io);
        if (r < 0) {
            (void) sd_event_exit(a->event, 0);
        }
        return;
    }
    if (!a->ready_notified && a->birth_status_mid != 0 && mid == a->birth_status_mid) {
        a->ready_notified = true;
        (void) daemon_notify_status("online: the first birth reached the broker");
        log_info("agent: node=%u ready epoch=%" PRIu64, (unsigned) a->opts.node, a->epoch);
    }
}

/* ---- timers ------------------------------------------------------------------------------ */

static int on_heartbeat_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
    Agent *a = userdata;
    uint64_t period_usec = a->opts.heartbeat_ms * 1000u;
    uint64_t now_usec = 0;
    char buf[SB_PAYLOAD_MAX + 1];
    SbHeartbeatMsg m = {
        .node = a->opts.node,
        .epoch = a->epoch,
        .seq = a->heartbeat_seq + 1,
        .time_ms = now_unix_ms(),
    };
    int len = sb_heartbeat_encode(&m, buf, sizeof(buf));

    if (len >= 0 && mqtt_io_publish(a->io,
                                    &(MqttPublish){ .topic = a->topic_heartbeat,
                                                    .payload = buf,
                                                    .len = (size_t) len,
                                                    .qos = 0 },
                                    NULL) >= 0) {
        a->heartbeat_seq = m.seq;
    }
    /* Fixed rate from the scheduled time (no drift); after a stall, skip to the next slot. */
    (void) sd_event_now(a->event, CLOCK_MONOTONIC, &now_usec);
    usec += period_usec;
    if (usec <= now_usec) {
        usec = now_usec + period_usec;
    }
    (void) sd_event_source_set_time(s, usec);
    return 0;
}

static int on_stop_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
    Agent *a = userdata;

    (void) s;
    (void) usec;
    log_warning("agent: node=%u got no PUBACK for status offline within 2 s, disconnecting",
                (unsigned) a->opts.node);
    if (a->life == AGENT_STOPPING) {
        (void) agent_enter(a, AGENT_DISCONNECTING);
    }
    (void) mqtt_io_disconnect(a->io);
    (void) sd_event_exit(a->event, 0);
    return 0;
}

/* ---- life cycle -------------------------------------------------------------------------- */

static const char *const life_names[AGENT_LIFE_COUNT] = {
    [AGENT_RUNNING] = "running",
    [AGENT_STOPPING] = "stopping",
    [AGENT_DISCONNECTING] = "disconnecting",
};

#define TO(s) (1u << (s))
static const unsigned life_legal[AGENT_LIFE_COUNT] = {
    [AGENT_RUNNING] = TO(AGENT_STOPPING),
    [AGENT_STOPPING] = TO(AGENT_DISCONNECTING),
    [AGENT_DISCONNECTING] = 0,
};
#undef TO

bool agent_enter(Agent *a, AgentLife next)
{
    if ((unsigned) next >= AGENT_LIFE_COUNT || !(life_legal[a->life] & (1u << next))) {
        log_error("agent: node=%u refused life transition %s -> %s (a bug)",
                  (unsigned) a->opts.node, life_names[a->life],
                  (unsigned) next < AGENT_LIFE_COUNT ? life_names[next] : "invalid");
        return false;
    }
    a->life = next;
    return true;
}

void agent_stop(Agent *a)
{
    int r;

    if (agent_is_stopping(a)) {
        log_warning("agent: node=%u stopping at once (second signal)", (unsigned) a->opts.node);
        (void) sd_event_exit(a->event, 0);
        return;
    }
    (void) agent_enter(a, AGENT_STOPPING); /* before backend_stop(): publish nothing new */
    (void) daemon_notify_stopping();
    log_info("agent: node=%u stopping", (unsigned) a->opts.node);
    heartbeat_arm(a, false);
    backend_stop(a->backend);

    if (!mqtt_io_is_connected(a->io)) {
        (void) agent_enter(a, AGENT_DISCONNECTING);
        (void) mqtt_io_disconnect(a->io);
        (void) sd_event_exit(a->event, 0);
        return;
    }
    r = agent_publish_status(a, SB_STATUS_OFFLINE, &a->offline_mid);
    if (r < 0) {
        (void) agent_enter(a, AGENT_DISCONNECTING);
        (void) log_warning_errno(r, "agent: node=%u failed to publish status offline: %m",
                                 (unsigned) a->opts.node);
        if (mqtt_io_disconnect(a->io) < 0) {
            (void) sd_event_exit(a->event, 0);
        }
        return;
    }
    log_info("agent: node=%u published status offline epoch=%" PRIu64, (unsigned) a->opts.node,
             a->epoch);
    (void) sd_event_source_set_time_relative(a->stop_timer, STOP_TIMEOUT_USEC);
    (void) sd_event_source_set_enabled(a->stop_timer, SD_EVENT_ONESHOT);
}

static int topics_format(Agent *a)
{
    SbTopic t = { 0 };
    int r;

    (void) snprintf(t.system, sizeof(t.system), "%s", a->opts.system);
    t.node = a->opts.node;
    for (int k = 0; k < SB_KIND_NODE_COUNT; k++) {
        t.kind = SB_TOPIC_NODE_STATE;
        t.state_kind = (SbStateKind) k;
        r = sb_topic_format(a->topic_state[k], sizeof(a->topic_state[k]), &t);
        if (r < 0) {
            return r;
        }
    }
    t.kind = SB_TOPIC_NODE_STATUS;
    r = sb_topic_format(a->topic_status, sizeof(a->topic_status), &t);
    if (r >= 0) {
        t.kind = SB_TOPIC_NODE_HEARTBEAT;
        r = sb_topic_format(a->topic_heartbeat, sizeof(a->topic_heartbeat), &t);
    }
    if (r >= 0) {
        t.kind = SB_TOPIC_EVENT;
        r = sb_topic_format(a->topic_event, sizeof(a->topic_event), &t);
    }
    if (r >= 0) {
        t.kind = SB_TOPIC_SYSTEM_REBIRTH;
        r = sb_topic_format(a->topic_rebirth, sizeof(a->topic_rebirth), &t);
    }
    if (r >= 0) {
        r = sb_filter_format(a->filter_set, sizeof(a->filter_set), a->opts.system,
                             SB_FILTER_NODE_SET, a->opts.node);
    }
    return r < 0 ? r : 0;
}

static int agent_backend_new(Agent *a, sd_event *event, const BackendOps *backend)
{
    return backend_new(backend,
                       &(BackendConfig){
                               .event = event,
                               .report = on_backend_report,
                               .failed = on_backend_failed,
                               .options = &a->opts.backend_options,
                               .userdata = a,
                               .sim_bmc_ready_ms = a->opts.sim_bmc_ready_ms,
                               .sim_power_ms = a->opts.sim_power_ms,
                               .sim_boot_ms = a->opts.sim_boot_ms,
                               .sim_ac_loss = a->opts.sim_ac_loss,
                               .sim_state_file = a->opts.sim_state_file,
                       },
                       &a->backend);
}

static int agent_mqtt_new(Agent *a, sd_event *event)
{
    BrokerAddr first; /* mqtt_io_new() copies the list */
    size_t n_addrs = 0;
    const BrokerAddr *addrs = optbroker_list(&a->opts.broker, &first, &n_addrs);

    return mqtt_io_new(event,
                       &(MqttIoConfig){
                               .host = a->opts.broker.host,
                               .port = a->opts.broker.port,
                               .addrs = addrs,
                               .n_addrs = n_addrs,
                               .version = (MqttIoVersion) a->opts.mqtt_version,
                               .client_id = a->opts.client_id,
                               .username = mqtt_auth_options_username(&a->opts.auth),
                               .password = mqtt_auth_options_password(&a->opts.auth),
                               .tls = mqtt_auth_options_tls(&a->opts.auth),
                               .keepalive_s = a->opts.keepalive_s,
                       },
                       &(MqttIoCallbacks){
                               .before_connect = on_mqtt_before_connect,
                               .on_connect = on_mqtt_connect,
                               .on_disconnect = on_mqtt_disconnect,
                               .on_message = on_mqtt_message,
                               .on_publish = on_mqtt_publish,
                               .on_connect_failed = on_mqtt_connect_failed,
                               .on_subscribe_refused = on_mqtt_subscribe_refused,
                       },
                       a, &a->io);
}

/* The heartbeat and the stop timers, both off until armed. */
static int agent_timers_new(Agent *a, sd_event *event)
{
    int r;

    r = sd_event_add_time_relative(event, &a->heartbeat_timer, CLOCK_MONOTONIC,
                                   a->opts.heartbeat_ms * 1000u, 1000u, on_heartbeat_timer, a);
    if (r >= 0) {
        r = sd_event_source_set_enabled(a->heartbeat_timer, SD_EVENT_OFF);
    }
    if (r >= 0) {
        r = sd_event_add_time_relative(event, &a->stop_timer, CLOCK_MONOTONIC, STOP_TIMEOUT_USEC,
                                       1000u, on_stop_timer, a);
    }
    if (r >= 0) {
        r = sd_event_source_set_enabled(a->stop_timer, SD_EVENT_OFF);
    }
    return r;
}

int agent_new(sd_event *event, const AgentOptions *opts, const BackendOps *backend, Agent **ret)
{
    Agent *a = NULL;
    int r;

    if (!event || !opts || !backend || !ret) {
        return -EINVAL;
    }
    a = calloc(1, sizeof(*a));
    if (!a) {
        return -ENOMEM;
    }
    a->event = sd_event_ref(event);
    a->opts = *opts;
    command_filter_init(&a->filter);
    reject_limiter_init(&a->rejections);

    r = topics_format(a);
    if (r >= 0) {
        r = agent_backend_new(a, event, backend);
    }
    if (r >= 0) {
        r = agent_mqtt_new(a, event);
    }
    if (r >= 0) {
        r = agent_timers_new(a, event);
    }
    if (r < 0) {
        agent_free(a);
        return r;
    }
    *ret = a;
    return 0;
}

Agent *agent_free(Agent *a)
{
    if (!a) {
        return NULL;
    }
    a->heartbeat_timer = sd_event_source_disable_unref(a->heartbeat_timer);
    a->stop_timer = sd_event_source_disable_unref(a->stop_timer);
    a->event_flush = sd_event_source_disable_unref(a->event_flush);
    a->io = mqtt_io_free(a->io);
    a->backend = backend_free(a->backend);
    sd_event_unref(a->event);
    free(a);
    return NULL;
}

int agent_start(Agent *a)
{
    int r;

    r = backend_start(a->backend);
    if (r < 0) {
        return log_error_errno(r, "agent: node=%u failed to start backend %s: %m",
                               (unsigned) a->opts.node, a->backend->ops->name);
    }
    log_info("agent: node=%u started backend=%s system=%s broker=%s:%u client-id='%s'%s",
             (unsigned) a->opts.node, a->backend->ops->name, a->opts.system, a->opts.broker.host,
             (unsigned) a->opts.broker.port, a->opts.client_id,
             a->opts.hypervisor ? " hypervisor=yes" : "");
    r = mqtt_io_start(a->io);
    if (r < 0) {
        return log_error_errno(r, "agent: node=%u failed to start MQTT: %m",
                               (unsigned) a->opts.node);
    }
    /* READY=1 with the backend up, not at the broker's first answer: a broker that is away must
     * not hold the unit's start job, and with it multi-user.target (which the gpio backend's
     * BMC Ready waits for). Being on the bus is node/N/status, not systemd's business. */
    (void) daemon_notify_ready();
    (void) daemon_notify_status("connecting to the broker %s:%u", a->opts.broker.host,
                                (unsigned) a->opts.broker.port);
    return 0;
}
