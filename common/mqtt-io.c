/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libmosquitto on sd-event: the event sources and the public API. Life of one connection attempt
 * (mqtt-io-connect.c):
 *
 *   mqtt_io_attempt_connect()  fresh struct mosquitto, before_connect() (epoch, will),
 *                              connect_bind_async, I/O source on the new socket
 *                              (EPOLLIN|EPOLLOUT until CONNECT is out)
 *   on_mosq_connect()          CONNACK 0: connected, backoff reset, user on_connect (births)
 *   on_mosq_disconnect()       socket gone: I/O source dropped, user on_disconnect or
 *                              on_connect_failed, reconnect timer armed with capped exponential
 *                              backoff (unless stopping)
 *
 * Each attempt gets a new struct mosquitto: libmosquitto resends unacknowledged QoS 1 messages of
 * the old session after a reconnect, and an agent's state publish from the previous epoch arriving
 * after the new birth would overwrite the retained birth with stale data. A fresh client has
 * nothing queued.
 */
#include <errno.h>
#include <mqtt_protocol.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "mqtt-io-internal.h"

/* ---- life cycle ---------------------------------------------------------------------------- */

static const char *const state_names[MQTT_IO_STATE_COUNT] = {
    [MQTT_IO_NEW] = "new",
    [MQTT_IO_WAITING] = "waiting",
    [MQTT_IO_CONNECTING] = "connecting",
    [MQTT_IO_CONNECTED] = "connected",
    [MQTT_IO_STOPPING] = "stopping",
    [MQTT_IO_STOPPED] = "stopped",
};

/* legal[from] has bit (1 << to) set for every legal transition (see mqtt-io-internal.h). */
#define TO(s) (1u << (s))
static const unsigned legal[MQTT_IO_STATE_COUNT] = {
    [MQTT_IO_NEW] = TO(MQTT_IO_WAITING) | TO(MQTT_IO_CONNECTING) | TO(MQTT_IO_STOPPED),
    [MQTT_IO_WAITING] = TO(MQTT_IO_WAITING) | TO(MQTT_IO_CONNECTING) | TO(MQTT_IO_STOPPED),
    [MQTT_IO_CONNECTING] = TO(MQTT_IO_WAITING) | TO(MQTT_IO_CONNECTED) | TO(MQTT_IO_STOPPED),
    [MQTT_IO_CONNECTED] = TO(MQTT_IO_WAITING) | TO(MQTT_IO_STOPPING),
    [MQTT_IO_STOPPING] = TO(MQTT_IO_STOPPED),
    [MQTT_IO_STOPPED] = TO(MQTT_IO_STOPPED),
};
#undef TO

const char *mqtt_io_state_name(MqttIoState state)
{
    return (unsigned) state < MQTT_IO_STATE_COUNT ? state_names[state] : "invalid";
}

bool mqtt_io_enter(MqttIo *io, MqttIoState next)
{
    if ((unsigned) next >= MQTT_IO_STATE_COUNT || !(legal[io->state] & (1u << next))) {
        /* A bug in mqtt-io: say so, and stay where we are rather than invent a state. */
        fprintf(stderr, "mqtt-io: refused state transition %s -> %s\n",
                mqtt_io_state_name(io->state), mqtt_io_state_name(next));
        return false;
    }
    io->state = next;
    return true;
}

/* ---- I/O source ------------------------------------------------------------------------ */

void mqtt_io_source_drop(MqttIo *io)
{
    /* Safe from inside the source's own callback: sd-event detaches the fd now and frees the
     * source after the dispatch. The socket itself is already closed by libmosquitto. */
    io->io_source = sd_event_source_disable_unref(io->io_source);
    io->io_fd = -1;
    io->io_events = 0;
}

/* EPOLLOUT only while libmosquitto has something to write, or the loop would spin. */
static void io_events_update(MqttIo *io)
{
    uint32_t events;

    if (!io->io_source) {
        return;
    }
    events = EPOLLIN | (mosquitto_want_write(io->mosq) ? EPOLLOUT : 0);
    if (events != io->io_events && sd_event_source_set_io_events(io->io_source, events) >= 0) {
        io->io_events = events;
    }
}

/* The socket libmosquitto holds is not the one we watch: it was closed without a disconnect
 * callback (should not happen, but a stale fd in epoll would be worse than a reconnect). */
static bool io_socket_is_stale(MqttIo *io)
{
    return io->io_source && mosquitto_socket(io->mosq) != io->io_fd;
}

static void io_handle_stale(MqttIo *io)
{
    bool was_connected = mqtt_io_state_connected(io);

    mqtt_io_source_drop(io);
    if (mqtt_io_state_stopping(io)) {
        (void) mqtt_io_enter(io, MQTT_IO_STOPPED);
        return;
    }
    (void) mqtt_io_enter(io, MQTT_IO_WAITING);
    if (was_connected && io->cb.on_disconnect) {
        io->cb.on_disconnect(io, MOSQ_ERR_CONN_LOST, io->userdata);
    }
    mqtt_io_reconnect_schedule(io, was_connected ? NULL : mosquitto_strerror(MOSQ_ERR_CONN_LOST));
}

/* libmosquitto 2.0 reads one packet per mosquitto_loop_read() for QoS 0/1 traffic (max_packets is
 * ignored): keep reading while the kernel holds more bytes, so a burst is handled in one wake-up
 * and what the post sources publish (the coordinator's rollups) goes out once for the burst, not
 * once per message. Bounded, so timers and signals still get their turn in a flood. Measured with
 * bench/ (BENCHMARKS.md). */
static void io_read(MqttIo *io)
{
    for (unsigned i = 0; i < READ_PACKETS_MAX; i++) {
        int avail = 0;

        io->saved_errno = 0;
        if (mosquitto_loop_read(io->mosq, 1) != MOSQ_ERR_SUCCESS) {
            return;
        }
        /* Gone (on_mosq_disconnect dropped the source) or still handshaking: one read is all. */
        if (!mqtt_io_state_connected(io) || !io->io_source ||
            mosquitto_socket(io->mosq) != io->io_fd) {
            return;
        }
        if (ioctl(io->io_fd, FIONREAD, &avail) < 0 || avail <= 0) {
            return;
        }
    }
}

int mqtt_io_on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
    MqttIo *io = userdata;
    /* During a TLS handshake libmosquitto advances it only from mosquitto_loop_read() (its own
     * loop does the same on writability); without a handshake pending it is a read that finds
     * nothing. */
    bool tls_handshake = io->cfg.tls.cafile && !mqtt_io_state_connected(io) && (revents & EPOLLOUT);

    (void) s;
    (void) fd;

    /* Writable without an error: the TCP connect of this attempt completed (a close without a
     * CONNACK after this is the broker's answer to our CONNECT, see refused_protocol()). */
    if (!mqtt_io_state_connected(io) && (revents & EPOLLOUT) &&
        !(revents & (EPOLLERR | EPOLLHUP))) {
        io->tcp_up = true;
    }
    if (tls_handshake || (revents & (EPOLLIN | EPOLLHUP | EPOLLERR))) {
        /* Errors (refused connect, reset, EOF) surface as a failed read, and libmosquitto then
         * closes the socket and calls on_mosq_disconnect(). */
        io_read(io);
    }
    if (io->io_source && (revents & EPOLLOUT)) {
        (void) mosquitto_loop_write(io->mosq, 1);
    }
    if (io_socket_is_stale(io)) {
        io_handle_stale(io);
        return 0;
    }
    io_events_update(io);
    return 0;
}

/* After every dispatch of any other source: publishes made inside libmosquitto callbacks are only
 * queued (packet__queue writes inline only outside callbacks), so write them now instead of at
 * the next keepalive tick, then watch EPOLLOUT if the socket could not take everything. */
static int on_post(sd_event_source *s, void *userdata)
{
    MqttIo *io = userdata;

    (void) s;
    if (io->io_source && mosquitto_want_write(io->mosq)) {
        (void) mosquitto_loop_write(io->mosq, 1);
    }
    if (io_socket_is_stale(io)) {
        io_handle_stale(io);
        return 0;
    }
    io_events_update(io);
    return 0;
}

static int on_misc_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
    MqttIo *io = userdata;

    (void) usec;
    /* PINGREQ when due; closes the socket (-> on_mosq_disconnect) when the broker stayed silent
     * for the keepalive, which also ends a connect attempt that never got a CONNACK. */
    if (io->io_source) {
        (void) mosquitto_loop_misc(io->mosq);
    }
    if (io_socket_is_stale(io)) {
        io_handle_stale(io);
    } else {
        io_events_update(io);
    }
    /* A time source is one-shot: after firing it is disabled, and re-arming its time does not
     * enable it again. Without this the keepalive PINGREQ stops after the first tick. */
    (void) sd_event_source_set_time_relative(s, MISC_INTERVAL_USEC);
    (void) sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
    return 0;
}

/* ---- public API ---------------------------------------------------------------------------- */

/* What no connect attempt could use: -EINVAL before anything is made. */
static int config_check(const MqttIoConfig *cfg)
{
    if (cfg->n_addrs == 0 ? !cfg->host || cfg->port == 0
                          : !cfg->addrs || cfg->n_addrs > BROKER_ADDRS_MAX) {
        return -EINVAL;
    }
    if (cfg->version != MQTT_IO_VERSION_AUTO && cfg->version != MQTT_IO_VERSION_5 &&
        cfg->version != MQTT_IO_VERSION_311) {
        return -EINVAL;
    }
    /* libmosquitto refuses 1..4 and 0 would disable the keepalive (no Last Will on a dead link). */
    if (cfg->keepalive_s < 5 || cfg->keepalive_s > 65535) {
        return -EINVAL;
    }
    return 0;
}

/* The reconnect delays of io->cfg with their defaults; the cap is never below the first delay. */
static void backoff_setup(MqttIo *io)
{
    if (io->cfg.reconnect_min_ms == 0) {
        io->cfg.reconnect_min_ms = RECONNECT_MIN_DEFAULT;
    }
    if (io->cfg.reconnect_max_ms == 0) {
        io->cfg.reconnect_max_ms = RECONNECT_MAX_DEFAULT;
    }
    if (io->cfg.reconnect_max_ms < io->cfg.reconnect_min_ms) {
        io->cfg.reconnect_max_ms = io->cfg.reconnect_min_ms;
    }
    io->backoff_ms = io->cfg.reconnect_min_ms;
}

/* The addresses tried in turn, copied: cfg's list, or its host and port alone. -EINVAL for an
 * address without host or port, or a host longer than an address holds. */
static int addrs_setup(MqttIo *io, const MqttIoConfig *cfg)
{
    if (cfg->n_addrs > 0) {
        for (size_t i = 0; i < cfg->n_addrs; i++) {
            if (cfg->addrs[i].port == 0 || !cfg->addrs[i].host[0]) {
                return -EINVAL;
            }
        }
        memcpy(io->addrs, cfg->addrs, cfg->n_addrs * sizeof(cfg->addrs[0]));
        io->n_addrs = cfg->n_addrs;
    } else {
        if (strlen(cfg->host) >= sizeof(io->addrs[0].host)) {
            return -EINVAL;
        }
        memcpy(io->addrs[0].host, cfg->host, strlen(cfg->host) + 1);
        io->addrs[0].port = cfg->port;
        io->n_addrs = 1;
    }
    /* io->cfg keeps no pointer into the caller's list. */
    io->cfg.host = io->addrs[0].host;
    io->cfg.port = io->addrs[0].port;
    io->cfg.addrs = NULL;
    mqtt_io_broker_name_update(io);
    return 0;
}

/* The reconnect jitter's seed: differs between processes and between starts of one. */
static void rand_seed(MqttIo *io)
{
    struct timespec ts;

    (void) clock_gettime(CLOCK_MONOTONIC, &ts);
    io->rand_state = (unsigned) getpid() * 2654435761u ^ (unsigned) ts.tv_nsec;
    if (io->rand_state == 0) {
        io->rand_state = 1;
    }
}

/* The keepalive timer (running), the reconnect and subscription retry timers (off until armed)
 * and the post source. */
static int sources_add(MqttIo *io)
{
    int r;

    r = sd_event_add_time_relative(io->event, &io->misc_timer, CLOCK_MONOTONIC, MISC_INTERVAL_USEC,
                                   MISC_ACCURACY_USEC, on_misc_timer, io);
    if (r >= 0) {
        r = sd_event_add_time_relative(io->event, &io->reconnect_timer, CLOCK_MONOTONIC, 0,
                                       TIMER_ACCURACY_USEC, mqtt_io_on_reconnect_timer, io);
    }
    if (r >= 0) {
        r = sd_event_source_set_enabled(io->reconnect_timer, SD_EVENT_OFF);
    }
    if (r >= 0) {
        r = sd_event_add_post(io->event, &io->post_source, on_post, io);
    }
    if (r >= 0) {
        r = sd_event_add_time_relative(io->event, &io->sub_retry_timer, CLOCK_MONOTONIC, 0,
                                       TIMER_ACCURACY_USEC, mqtt_io_on_sub_retry_timer, io);
    }
    if (r >= 0) {
        r = sd_event_source_set_enabled(io->sub_retry_timer, SD_EVENT_OFF);
    }
    return r;
}

int mqtt_io_new(sd_event *event,
                const MqttIoConfig *cfg,
                const MqttIoCallbacks *cb,
                void *userdata,
                MqttIo **ret)
{
    MqttIo *io = NULL;
    int r;

    if (!event || !cfg || !cfg->client_id || !ret) {
        return -EINVAL;
    }
    r = config_check(cfg);
    if (r < 0) {
        return r;
    }
    io = calloc(1, sizeof(*io));
    if (!io) {
        return -ENOMEM;
    }
    (void) mosquitto_lib_init(); /* reference counted by libmosquitto 2.0 */
    io->lib_initialized = true;
    io->event = sd_event_ref(event);
    io->cfg = *cfg;
    backoff_setup(io);
    r = addrs_setup(io, cfg);
    if (r < 0) {
        mqtt_io_free(io);
        return r;
    }
    io->attempt_protocol =
            cfg->version == MQTT_IO_VERSION_311 ? MQTT_PROTOCOL_V311 : MQTT_PROTOCOL_V5;
    if (cb) {
        io->cb = *cb;
    }
    io->userdata = userdata;
    io->io_fd = -1;
    rand_seed(io);

    /* The first client is made here so a bad TLS file or client id fails at start, not in a
     * retry loop. */
    r = mqtt_io_client_create(io);
    if (r >= 0) {
        r = sources_add(io);
    }
    if (r < 0) {
        mqtt_io_free(io);
        return r;
    }
    *ret = io;
    return 0;
}

MqttIo *mqtt_io_free(MqttIo *io)
{
    if (!io) {
        return NULL;
    }
    mqtt_io_source_drop(io);
    io->misc_timer = sd_event_source_disable_unref(io->misc_timer);
    io->reconnect_timer = sd_event_source_disable_unref(io->reconnect_timer);
    io->post_source = sd_event_source_disable_unref(io->post_source);
    io->sub_retry_timer = sd_event_source_disable_unref(io->sub_retry_timer);
    mqtt_io_subscriptions_clear(io);
    if (io->mosq) {
        mosquitto_destroy(io->mosq);
    }
    if (io->lib_initialized) {
        (void) mosquitto_lib_cleanup();
    }
    free(io->will_topic);
    free(io->will_payload);
    sd_event_unref(io->event);
    free(io);
    return NULL;
}

int mqtt_io_start(MqttIo *io)
{
    if (!io) {
        return -EINVAL;
    }
    if (io->state != MQTT_IO_NEW) {
        return -EALREADY;
    }
    mqtt_io_attempt_connect(io); /* leaves NEW */
    return 0;
}

int mqtt_io_set_will(MqttIo *io,
                     const char *topic,
                     const void *payload,
                     size_t len,
                     int qos,
                     bool retain)
{
    char *t = NULL;
    void *p = NULL;

    if (!io || !topic || (!payload && len > 0) || len > INT32_MAX || qos < 0 || qos > 2) {
        return -EINVAL;
    }
    t = strdup(topic);
    p = malloc(len > 0 ? len : 1);
    if (!t || !p) {
        free(t);
        free(p);
        return -ENOMEM;
    }
    if (len > 0) {
        memcpy(p, payload, len);
    }
    free(io->will_topic);
    free(io->will_payload);
    io->will_topic = t;
    io->will_payload = p;
    io->will_len = len;
    io->will_qos = qos;
    io->will_retain = retain;
    /* Applies to the next CONNECT of the current client; later clients get it in
     * mqtt_io_client_create().
     */
    return mqtt_io_will_apply(io);
}

int mqtt_io_publish(MqttIo *io, const MqttPublish *msg, int *ret_mid)
{
    int mid = 0;
    int rc;

    if (!io || !msg || !msg->topic || (!msg->payload && msg->len > 0) || msg->len > INT32_MAX) {
        return -EINVAL;
    }
    /* Nothing is queued while offline: a birth republishes the current state at reconnect, and a
     * stale message sent after it would be wrong. */
    if (!mqtt_io_state_connected(io)) {
        return -ENOTCONN;
    }
    /* MQTT 3.1.1 has no properties (libmosquitto refuses them): what they carried (response
     * topic, correlation data, expiry) is in the payloads too. */
    rc = mosquitto_publish_v5(io->mosq, &mid, msg->topic, (int) msg->len, msg->payload, msg->qos,
                              msg->retain, mqtt_io_is_v5(io) ? msg->props : NULL);
    if (rc != MOSQ_ERR_SUCCESS) {
        return mqtt_error_to_errno(rc);
    }
    if (ret_mid) {
        *ret_mid = mid;
    }
    return 0;
}

int mqtt_io_disconnect(MqttIo *io)
{
    int rc;

    if (!io) {
        return -EINVAL;
    }
    (void) sd_event_source_set_enabled(io->reconnect_timer, SD_EVENT_OFF);
    if (!mqtt_io_state_connected(io)) {
        /* An attempt in progress is abandoned: no CONNACK was seen, so nothing of ours was
         * published on it. */
        bool open = mqtt_io_state_open(io);

        (void) mqtt_io_enter(io, MQTT_IO_STOPPED);
        if (open) {
            mqtt_io_source_drop(io);
            (void) mosquitto_disconnect(io->mosq);
        }
        return -ENOTCONN;
    }
    if (io->state == MQTT_IO_CONNECTED) {
        (void) mqtt_io_enter(io, MQTT_IO_STOPPING);
    }
    /* Outside a libmosquitto callback this writes DISCONNECT at once and on_mosq_disconnect()
     * runs before we return; inside one, on_post() writes it after the callback. */
    rc = mosquitto_disconnect(io->mosq);
    if (rc != MOSQ_ERR_SUCCESS) {
        return mqtt_error_to_errno(rc);
    }
    io_events_update(io);
    return 0;
}

bool mqtt_io_is_connected(const MqttIo *io)
{
    return io && mqtt_io_state_connected(io);
}

const char *mqtt_io_broker_name(const MqttIo *io)
{
    return io ? io->broker_name : "";
}

const char *mqtt_io_protocol_name(const MqttIo *io)
{
    return io && io->attempt_protocol == MQTT_PROTOCOL_V311 ? "3.1.1" : "5";
}

bool mqtt_io_is_v5(const MqttIo *io)
{
    return io && io->client_protocol == MQTT_PROTOCOL_V5;
}

bool mqtt_io_input_pending(const MqttIo *io)
{
    int avail = 0;

    if (!io || !mqtt_io_state_connected(io) || !io->io_source || io->io_fd < 0) {
        return false;
    }
    return ioctl(io->io_fd, FIONREAD, &avail) == 0 && avail > 0;
}
