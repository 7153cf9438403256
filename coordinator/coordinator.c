/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The coordinator's loop: one sd-event loop drives the MQTT client (mqtt-io), SIGTERM/SIGINT, the
 * core's single timer, the summary timer, the post source that flushes rollups, and the systemd
 * watchdog. The connection life cycle (contract.md "Lifecycle rules"):
 *   before connect: the will, system/status "lost" with the epoch the core takes on CONNECTED;
 *   CONNACK: subscribe (system/set/+, system/settings/+/set, then the node topics);
 *   all SUBACKs: COORD_EV_CONNECTED (the core bumps the epoch, asks for a rebirth), then
 *                system/status "online", then READY=1 for systemd;
 *   disconnect: COORD_EV_DISCONNECTED (every node stale, gate closed), mqtt-io reconnects;
 *   SIGTERM: system/status "offline" (QoS 1, PUBACK awaited at most 2 s), DISCONNECT, exit 0.
 */
#include <errno.h>
#include <mqtt_protocol.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "statebus/topic.h"

#include "coordinator-internal.h"
#include "daemon.h"
#include "log.h"
#include "macro.h"
#include "time-util.h"

#define STOP_PUBACK_WAIT_MS     2000u  /* how long a clean stop waits for the offline PUBACK */
#define STOP_DISCONNECT_WAIT_MS 1000u  /* then for the DISCONNECT to be written */
#define RECEIVE_MAXIMUM         65535u /* the retained snapshot of every node arrives at once */

/* SB_FILTER_COUNT stands for the coordinator's own probe topic (topics.probe). */
#define SUBSCRIPTION_PROBE SB_FILTER_COUNT

static const SbFilter subscription_filters[COORDINATOR_SUBSCRIPTIONS] = {
    /* Node topics last: their retained snapshot follows the last SUBACK, so the core hears
     * CONNECTED as the snapshot starts arriving. */
    SB_FILTER_SYSTEM_SET, SB_FILTER_SETTINGS_SET, SB_FILTER_SYSTEM_SYNC,
    SUBSCRIPTION_PROBE,   SB_FILTER_NODE_TOPICS,
};

/* Node topics are delivered to us at QoS 0: on a clean session QoS 1 adds nothing on the broker's
 * leg to us (TCP keeps a connection's messages in order and whole; what is in flight when it
 * drops is lost either way and the rebirth after the reconnect replaces it; mosquitto 2.0 drops
 * QoS 0 and QoS 1 alike once max_queued_messages is reached), but a PUBACK per node message
 * doubles the packets the broker handles for us and cost the coordinator a third of its CPU:
 * measured with bench/, cold start at 10,000 nodes 2.35 s -> 0.8 s (BENCHMARKS.md). Requests and
 * settings keep QoS 1 (the agents' publishes are QoS 1 too, contract.md "Topic tree"). */
static int subscription_qos(SbFilter filter)
{
    /* The probe at the node topics' QoS: the broker then queues it behind them, in order. */
    return filter == SB_FILTER_NODE_TOPICS || filter == SUBSCRIPTION_PROBE ? 0 : 1;
}

/* Requests and settings are never retained (contract.md "Lifecycle rules"): with
 * retain-as-published one published retained is refused at once, not only when the broker
 * replays it at our next connect. Not for node topics: there the retain flag tells the retained
 * snapshot from live updates. */
static int subscription_options(SbFilter filter)
{
    return filter == SB_FILTER_NODE_TOPICS || filter == SUBSCRIPTION_PROBE
                   ? 0
                   : MQTT_SUB_OPT_RETAIN_AS_PUBLISHED;
}

static int format_system_topic(const char *system,
                               SbTopicKind kind,
                               SbStateKind state_kind,
                               char *buf,
                               size_t size)
{
    SbTopic t = { .kind = kind, .state_kind = state_kind };

    (void) snprintf(t.system, sizeof(t.system), "%s", system);
    return sb_topic_format(buf, size, &t);
}

static int coordinator_format_topics(Coordinator *co)
{
    CoordinatorTopics *t = &co->topics;
    const char *system = co->opts->system;
    const struct {
        char *buf;
        SbTopicKind kind;
    } fixed[] = {
        { t->event, SB_TOPIC_EVENT },
        { t->rebirth, SB_TOPIC_SYSTEM_REBIRTH },
        { t->sync, SB_TOPIC_SYSTEM_SYNC },
        { t->summary, SB_TOPIC_SYSTEM_SUMMARY },
    };
    int r = 0;

    for (size_t i = 0; r >= 0 && i < ELEMENTSOF(fixed); i++) {
        r = format_system_topic(system, fixed[i].kind, 0, fixed[i].buf, SB_TOPIC_MAX + 1);
    }
    if (r >= 0) {
        char suffix[SB_TOPIC_MAX + 1];

        (void) snprintf(suffix, sizeof(suffix), "%s/probe", co->opts->client_id);
        r = sb_reply_topic_format(t->probe, sizeof(t->probe), system, suffix);
    }
    for (size_t i = 0; r >= 0 && i < COORDINATOR_SUBSCRIPTIONS; i++) {
        if (subscription_filters[i] == SUBSCRIPTION_PROBE) {
            r = snprintf(t->filters[i], sizeof(t->filters[i]), "%s", t->probe);
            continue;
        }
        r = sb_filter_format(t->filters[i], sizeof(t->filters[i]), system, subscription_filters[i],
                             0);
    }
    if (r < 0) {
        return log_error_errno(r, "coordinator: failed to format topics system='%s': %m", system);
    }
    return 0;
}

int coordinator_publish_status(Coordinator *co, SbStatus status)
{
    int r;

    co->retained[RETAINED_STATUS].arg = (int) status;
    r = retained_publish(co, RETAINED_STATUS);
    return r < 0 ? r : 0;
}

/* ---- life cycle ---------------------------------------------------------------------------- */

static const char *const life_names[COORDINATOR_LIFE_COUNT] = {
    [COORDINATOR_CONNECTING] = "connecting",
    [COORDINATOR_ONLINE] = "online",
    [COORDINATOR_STOPPING] = "stopping",
    [COORDINATOR_DISCONNECTING] = "disconnecting",
};

#define TO(s) (1u << (s))
static const unsigned life_legal[COORDINATOR_LIFE_COUNT] = {
    [COORDINATOR_CONNECTING] =
            TO(COORDINATOR_ONLINE) | TO(COORDINATOR_STOPPING) | TO(COORDINATOR_DISCONNECTING),
    [COORDINATOR_ONLINE] =
            TO(COORDINATOR_CONNECTING) | TO(COORDINATOR_STOPPING) | TO(COORDINATOR_DISCONNECTING),
    [COORDINATOR_STOPPING] = TO(COORDINATOR_DISCONNECTING),
    [COORDINATOR_DISCONNECTING] = 0,
};
#undef TO

bool coordinator_enter(Coordinator *co, CoordinatorLife next)
{
    if ((unsigned) next >= COORDINATOR_LIFE_COUNT || !(life_legal[co->life] & (1u << next))) {
        log_error("coordinator: refused life transition %s -> %s (a bug)", life_names[co->life],
                  (unsigned) next < COORDINATOR_LIFE_COUNT ? life_names[next] : "invalid");
        return false;
    }
    co->life = next;
    return true;
}

/* ---- connection ------------------------------------------------------------------------- */

static int on_mqtt_before_connect(MqttIo *io, void *userdata)
{
    Coordinator *co = userdata;
    char payload[SB_PAYLOAD_MAX + 1];
    SbStatusMsg will;
    int n;

    /* The core bumps its epoch by one on COORD_EV_CONNECTED (coord.h); the will must carry that
     * epoch so a late will of this connection is recognised as such. No "time": a will's time
     * would be the CONNECT time, not the time of the loss. */
    co->will_epoch = coord_epoch(co->core) + 1;
    will = (SbStatusMsg){ .status = SB_STATUS_LOST, .epoch = co->will_epoch };
    n = sb_status_encode(&will, payload, sizeof(payload));
    if (n < 0) {
        return log_error_errno(n, "coordinator: failed to encode will: %m");
    }
    return mqtt_io_set_will(io, co->retained[RETAINED_STATUS].topic, payload, (size_t) n, 1, true);
}

static void on_mqtt_connect(MqttIo *io, void *userdata)
{
    Coordinator *co = userdata;

    log_notice("coordinator: connected broker=%s mqtt=%s client_id='%s' epoch=%llu",
               mqtt_io_broker_name(io), mqtt_io_protocol_name(io), co->opts->client_id,
               (unsigned long long) co->will_epoch);
    co->subs_pending = 0;
    for (size_t i = 0; i < COORDINATOR_SUBSCRIPTIONS; i++) {
        int r = mqtt_io_subscribe(io, co->topics.filters[i],
                                  subscription_qos(subscription_filters[i]),
                                  subscription_options(subscription_filters[i]), &co->sub_mids[i]);
        if (r < 0) {
            /* Only on a connection that is already going away: its disconnect reconnects. */
            log_error_errno(r, "coordinator: failed to subscribe filter='%s': %m",
                            co->topics.filters[i]);
            co->sub_mids[i] = -1;
            continue;
        }
        co->subs_pending++;
    }
}

static void coordinator_connected(Coordinator *co)
{
    CoordEvent ev = { .kind = COORD_EV_CONNECTED, .now_ms = now_unix_ms() };
    CoordStats st;
    int r;

    (void) coordinator_enter(co, COORDINATOR_ONLINE);
    /* The broker's retained copies may be gone (a broker restarted without persistence). */
    retained_forget(co);
    coordinator_feed(co, &ev);
    if (coord_epoch(co->core) != co->will_epoch) {
        log_warning("coordinator: core took epoch=%llu but the will carries epoch=%llu",
                    (unsigned long long) coord_epoch(co->core),
                    (unsigned long long) co->will_epoch);
        co->will_epoch = coord_epoch(co->core);
    }

    r = coordinator_publish_status(co, SB_STATUS_ONLINE);
    if (r < 0) {
        log_warning_errno(r, "coordinator: failed to publish online status: %m");
    }
    coord_stats(co->core, &st);
    log_notice("coordinator: subscribed epoch=%llu nodes=%u pending=%u active=%u",
               (unsigned long long) coord_epoch(co->core), co->opts->nodes, st.requests_pending,
               st.requests_active);
    if (!co->ready_notified) {
        co->ready_notified = true;
        (void) daemon_notify_ready();
    }
    (void) daemon_notify_status("connected, epoch %llu",
                                (unsigned long long) coord_epoch(co->core));
}

static void on_mqtt_subscribe(MqttIo *io, int mid, void *userdata)
{
    Coordinator *co = userdata;

    (void) io;
    for (size_t i = 0; i < COORDINATOR_SUBSCRIPTIONS; i++) {
        if (co->sub_mids[i] != mid || co->subs_pending == 0) {
            continue;
        }
        co->sub_mids[i] = -1;
        co->subs_pending--;
        if (co->subs_pending == 0 && co->life == COORDINATOR_CONNECTING) {
            coordinator_connected(co);
        }
        return;
    }
}

static void on_mqtt_disconnect(MqttIo *io, int reason, void *userdata)
{
    Coordinator *co = userdata;
    bool was_connected = coordinator_is_online(co);

    (void) io;
    co->subs_pending = 0;
    if (coordinator_is_stopping(co)) {
        if (reason != 0) {
            log_warning("coordinator: lost the broker while stopping reason='%s'",
                        mqtt_io_reason_string(reason));
        }
        (void) sd_event_exit(co->event, 0);
        return;
    }
    log_warning("coordinator: disconnected broker=%s reason='%s'", mqtt_io_broker_name(io),
                mqtt_io_reason_string(reason));
    (void) daemon_notify_status("disconnected, reconnecting");
    if (was_connected) {
        (void) coordinator_enter(co, COORDINATOR_CONNECTING);
        CoordEvent ev = { .kind = COORD_EV_DISCONNECTED, .now_ms = now_unix_ms() };
        coordinator_feed(co, &ev);
    }
}

static void
on_mqtt_connect_failed(MqttIo *io, const char *reason, unsigned retry_ms, void *userdata)
{
    Coordinator *co = userdata;

    (void) co;
    /* retry_ms 0: MQTT 5 refused, 3.1.1 at once (auto). */
    if (retry_ms == 0) {
        log_info("coordinator: broker=%s %s", mqtt_io_broker_name(io), reason);
        return;
    }
    log_warning("coordinator: failed to connect broker=%s reason='%s' retry_ms=%u",
                mqtt_io_broker_name(io), reason, retry_ms);
}

/* Until every subscription is granted the coordinator is not online: it would publish rollups
 * and gate decisions from a partial view. */
static void on_mqtt_subscribe_refused(MqttIo *io,
                                      const char *filter,
                                      int reason,
                                      unsigned retry_ms,
                                      void *userdata)
{
    (void) io;
    (void) userdata;
    log_error("coordinator: subscription refused filter='%s' reason='%s' (0x%02x), not online "
              "until it is granted, retrying in %u ms (check the broker's ACL for the "
              "coordinator)",
              filter, mosquitto_reason_string(reason), (unsigned) reason, retry_ms);
    (void) daemon_notify_status("subscription refused: %s (%s)", filter,
                                mosquitto_reason_string(reason));
}

/* ---- clean stop ------------------------------------------------------------------------- */

static void coordinator_send_disconnect(Coordinator *co)
{
    int r;

    (void) coordinator_enter(co, COORDINATOR_DISCONNECTING);
    r = mqtt_io_disconnect(co->io);
    if (r < 0) {
        /* Nothing was up: nothing follows, leave now. */
        (void) sd_event_exit(co->event, 0);
        return;
    }
    /* on_mqtt_disconnect(0) ends the loop once the DISCONNECT is written; bound the wait. */
    (void) sd_event_source_set_time_relative(co->stop_timer,
                                             (uint64_t) STOP_DISCONNECT_WAIT_MS * 1000u);
    (void) sd_event_source_set_enabled(co->stop_timer, SD_EVENT_ONESHOT);
}

static void on_mqtt_publish(MqttIo *io, int mid, void *userdata)
{
    Coordinator *co = userdata;

    /* A rollup held back behind this PUBACK may go out at the next flush. */
    size_t slot = retained_acked(co, mid);

    (void) io;
    coordinator_on_announced(co, mid);
    if (slot == RETAINED_STATUS && co->life == COORDINATOR_STOPPING &&
        co->retained[RETAINED_STATUS].arg == SB_STATUS_OFFLINE) {
        log_info("coordinator: published offline status epoch=%llu",
                 (unsigned long long) co->will_epoch);
        coordinator_send_disconnect(co);
    }
}

static int on_stop_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
    Coordinator *co = userdata;

    (void) s;
    (void) usec;
    if (co->life != COORDINATOR_DISCONNECTING) {
        log_warning("coordinator: offline status not acknowledged within %u ms, disconnecting",
                    STOP_PUBACK_WAIT_MS);
        coordinator_send_disconnect(co);
        return 0;
    }
    log_warning("coordinator: DISCONNECT not written within %u ms, exiting",
                STOP_DISCONNECT_WAIT_MS);
    return sd_event_exit(co->event, 0);
}

static int on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
    Coordinator *co = userdata;
    int r;

    (void) s;
    if (coordinator_is_stopping(co)) {
        log_notice("coordinator: stopping now signal=%s (second signal)",
                   strsignal((int) si->ssi_signo));
        return sd_event_exit(co->event, 0);
    }
    (void) coordinator_enter(co, COORDINATOR_STOPPING);
    log_notice("coordinator: stopping signal=%s", strsignal((int) si->ssi_signo));
    (void) daemon_notify_stopping();

    if (!mqtt_io_is_connected(co->io)) {
        coordinator_send_disconnect(co);
        return 0;
    }
    /* contract.md "Command lines": the offline status goes out before the DISCONNECT (which
     * makes the broker discard the will). */
    r = coordinator_publish_status(co, SB_STATUS_OFFLINE);
    if (r < 0) {
        log_warning_errno(r, "coordinator: failed to publish offline status: %m");
        coordinator_send_disconnect(co);
        return 0;
    }
    r = sd_event_source_set_time_relative(co->stop_timer, (uint64_t) STOP_PUBACK_WAIT_MS * 1000u);
    if (r >= 0) {
        r = sd_event_source_set_enabled(co->stop_timer, SD_EVENT_ONESHOT);
    }
    return r;
}

/* ---- timers ----------------------------------------------------------------------------- */

static int on_core_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
    Coordinator *co = userdata;
    CoordEvent ev = { .kind = COORD_EV_TIMER, .now_ms = now_unix_ms() };

    (void) s;
    (void) usec;
    ev.backlog = mqtt_io_input_pending(co->io);
    if (!coordinator_is_stopping(co)) {
        coordinator_feed(co, &ev);
    }
    return 0;
}

static int on_summary_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
    Coordinator *co = userdata;
    char payload[SB_PAYLOAD_MAX + 1];
    SbSummaryMsg m;
    int r;

    (void) usec;
    r = sd_event_source_set_time_relative(s, co->opts->summary_ms * 1000u);
    if (r < 0) {
        return log_error_errno(r, "coordinator: failed to re-arm summary timer: %m");
    }
    if (!coordinator_is_online(co)) {
        return 0;
    }
    r = coord_summary_build(co->core, now_unix_ms(), &m);
    if (r >= 0) {
        m.rejected_total += co->rejected_total;
        r = sb_summary_encode(&m, payload, sizeof(payload));
    }
    if (r < 0) {
        log_error_errno(r, "coordinator: failed to build summary: %m");
        return 0;
    }
    r = mqtt_io_publish(co->io,
                        &(MqttPublish){ .topic = co->topics.summary,
                                        .payload = payload,
                                        .len = (size_t) r,
                                        .qos = 0 },
                        NULL);
    if (r < 0) {
        log_debug("coordinator: failed to publish summary: %s", strerror(-r));
    }
    return 0;
}

static int on_suppress_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
    Coordinator *co = userdata;
    uint64_t n = reject_limiter_take_suppressed(&co->limiter);

    (void) s;
    (void) usec;
    if (n > 0) {
        log_warning("coordinator: suppressed rejections count=%llu in the last second "
                    "rejected_total=%llu",
                    (unsigned long long) n, (unsigned long long) co->rejected_total);
    }
    return 0;
}

static int on_flush(sd_event_source *s, void *userdata)
{
    Coordinator *co = userdata;

    (void) s;
    coordinator_feed_drained(co);
    retained_flush(co, RETAINED_FLUSH_ITERATION_END);
    return 0;
}

/* ---- construction ----------------------------------------------------------------------- */

static int coordinator_add_sources(Coordinator *co)
{
    int r;

    /* SIGTERM/SIGINT and the systemd watchdog (WATCHDOG=1 when WatchdogSec= is set). */
    r = daemon_setup(co->event, on_signal, co);
    /* The core's deadlines are unix ms: CLOCK_REALTIME; created once, re-armed by ARM_TIMER. */
    if (r >= 0) {
        r = sd_event_add_time(co->event, &co->core_timer, CLOCK_REALTIME, 0, 1000, on_core_timer,
                              co);
    }
    if (r >= 0) {
        r = sd_event_source_set_enabled(co->core_timer, SD_EVENT_OFF);
    }
    if (r >= 0) {
        r = sd_event_add_time_relative(co->event, &co->summary_timer, CLOCK_MONOTONIC,
                                       co->opts->summary_ms * 1000u, 1000, on_summary_timer, co);
    }
    if (r >= 0) {
        /* Time sources start as ONESHOT; this one stays on and is re-armed at every tick. */
        r = sd_event_source_set_enabled(co->summary_timer, SD_EVENT_ON);
    }
    if (r >= 0) {
        r = sd_event_add_time_relative(co->event, &co->suppress_timer, CLOCK_MONOTONIC,
                                       UINT64_C(1000000), 1000, on_suppress_timer, co);
    }
    if (r >= 0) {
        r = sd_event_source_set_enabled(co->suppress_timer, SD_EVENT_OFF);
    }
    if (r >= 0) {
        r = sd_event_add_time_relative(co->event, &co->stop_timer, CLOCK_MONOTONIC,
                                       (uint64_t) STOP_PUBACK_WAIT_MS * 1000u, 1000, on_stop_timer,
                                       co);
    }
    if (r >= 0) {
        r = sd_event_source_set_enabled(co->stop_timer, SD_EVENT_OFF);
    }
    if (r >= 0) {
        r = sd_event_add_time_relative(co->event, &co->sync_timer, CLOCK_MONOTONIC,
                                       (uint64_t) SYNC_INTERVAL_MS * 1000u, 1000,
                                       coordinator_on_sync_timer, co);
    }
    if (r >= 0) {
        r = sd_event_source_set_enabled(co->sync_timer, SD_EVENT_OFF);
    }
    /* A post source runs after every other dispatch: one flush per loop iteration. */
    if (r >= 0) {
        r = sd_event_add_post(co->event, &co->flush_source, on_flush, co);
    }
    return r < 0 ? log_error_errno(r, "coordinator: failed to set up the event loop: %m") : 0;
}

static int coordinator_add_mqtt(Coordinator *co)
{
    BrokerAddr first;
    size_t n_addrs = 0;
    const BrokerAddr *addrs = optbroker_list(&co->opts->broker, &first, &n_addrs);
    const MqttIoConfig cfg = {
        .host = co->opts->broker.host,
        .port = co->opts->broker.port,
        .addrs = addrs,
        .n_addrs = n_addrs,
        .version = (MqttIoVersion) co->opts->mqtt_version,
        .client_id = co->opts->client_id,
        .username = mqtt_auth_options_username(&co->opts->auth),
        .password = mqtt_auth_options_password(&co->opts->auth),
        .tls = mqtt_auth_options_tls(&co->opts->auth),
        .keepalive_s = co->opts->keepalive_s,
        .reconnect_min_ms = 100,
        .reconnect_max_ms = 5000,
        .receive_maximum = RECEIVE_MAXIMUM,
    };
    const MqttIoCallbacks cb = {
        .before_connect = on_mqtt_before_connect,
        .on_connect = on_mqtt_connect,
        .on_disconnect = on_mqtt_disconnect,
        .on_message = coordinator_on_message,
        .on_publish = on_mqtt_publish,
        .on_subscribe = on_mqtt_subscribe,
        .on_connect_failed = on_mqtt_connect_failed,
        .on_subscribe_refused = on_mqtt_subscribe_refused,
    };
    int r = mqtt_io_new(co->event, &cfg, &cb, co, &co->io);

    return r < 0 ? log_error_errno(r, "coordinator: failed to create MQTT client: %m") : 0;
}

int coordinator_new(const CoordinatorOptions *opts, Coordinator **ret)
{
    CoordConfig cfg;
    Coordinator *co;
    int r;

    co = calloc(1, sizeof(*co));
    if (!co) {
        return log_error_errno(-ENOMEM, "coordinator: failed to allocate: %m");
    }
    co->opts = opts;
    co->gate_logged = -1;
    for (size_t i = 0; i < COORDINATOR_SUBSCRIPTIONS; i++) {
        co->sub_mids[i] = -1;
    }
    reject_limiter_init(&co->limiter);

    coordinator_options_to_config(opts, &cfg);
    r = coord_new(&cfg, &co->core);
    if (r < 0) {
        log_error_errno(r, "coordinator: failed to create core nodes=%u: %m", opts->nodes);
        goto fail;
    }
    r = coordinator_format_topics(co);
    if (r >= 0) {
        r = retained_init(co);
    }
    if (r < 0) {
        goto fail;
    }
    r = state_store_init(&co->store, opts->state_dir, co->core);
    if (r < 0) {
        goto fail;
    }
    r = state_store_load(&co->store, co->core, now_unix_ms());
    if (r < 0) {
        goto fail;
    }
    /* Write once now: an unwritable state dir is a start-up failure, not a surprise at the
     * first power request. */
    r = state_store_save(&co->store, co->core);
    if (r < 0) {
        log_error_errno(r, "coordinator: failed to write state path='%s': %m", co->store.path);
        goto fail;
    }
    r = sd_event_new(&co->event);
    if (r < 0) {
        log_error_errno(r, "coordinator: failed to create event loop: %m");
        goto fail;
    }
    r = coordinator_add_sources(co);
    if (r < 0) {
        goto fail;
    }
    r = coordinator_add_mqtt(co);
    if (r < 0) {
        goto fail;
    }
    *ret = co;
    return 0;

fail:
    coordinator_free(co);
    return r;
}

Coordinator *coordinator_free(Coordinator *co)
{
    if (!co) {
        return NULL;
    }
    co->io = mqtt_io_free(co->io);
    co->flush_source = sd_event_source_disable_unref(co->flush_source);
    co->core_timer = sd_event_source_disable_unref(co->core_timer);
    co->summary_timer = sd_event_source_disable_unref(co->summary_timer);
    co->suppress_timer = sd_event_source_disable_unref(co->suppress_timer);
    co->stop_timer = sd_event_source_disable_unref(co->stop_timer);
    co->sync_timer = sd_event_source_disable_unref(co->sync_timer);
    co->event = sd_event_unref(co->event);
    state_store_done(&co->store);
    co->core = coord_free(co->core);
    free(co);
    return NULL;
}

int coordinator_run(Coordinator *co)
{
    int r;

    log_notice("coordinator: started system='%s' nodes=%u broker=%s:%u state='%s'",
               co->opts->system, co->opts->nodes, co->opts->broker.host, co->opts->broker.port,
               co->store.path);
    r = mqtt_io_start(co->io);
    if (r < 0) {
        return log_error_errno(r, "coordinator: failed to start MQTT client: %m");
    }
    r = sd_event_loop(co->event);
    if (r < 0) {
        return log_error_errno(r, "coordinator: event loop failed: %m");
    }
    log_notice("coordinator: stopped rejected_total=%llu", (unsigned long long) co->rejected_total);
    return r;
}
