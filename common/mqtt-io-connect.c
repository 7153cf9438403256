/* SPDX-License-Identifier: Apache-2.0 */
/* Connect attempts, reconnect backoff and libmosquitto's callbacks (see mqtt-io.c for the life
 * of one attempt). */
#include <errno.h>
#include <mqtt_protocol.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>

#include "mqtt-io-internal.h"

/* ---- libmosquitto callbacks -------------------------------------------------------------- */

static void on_mosq_connect(struct mosquitto *mosq,
                            void *obj,
                            int rc,
                            int flags,
                            const mosquitto_property *props)
{
    MqttIo *io = obj;

    (void) mosq;
    (void) flags;
    (void) props;
    if (rc != 0) {
        /* Refused (bad credentials, not authorized, ...): libmosquitto closes the socket next
         * and on_mosq_disconnect() reports this reason. */
        io->connack_reason = rc;
        return;
    }
    if (io->state != MQTT_IO_CONNECTING) {
        return; /* an abandoned attempt answered: it is not ours any more */
    }
    (void) mqtt_io_enter(io, MQTT_IO_CONNECTED);
    io->connack_reason = 0;
    io->fallback_attempt = false;
    mqtt_io_subscriptions_clear(io);
    io->backoff_ms = io->cfg.reconnect_min_ms;
    if (io->cb.on_connect) {
        io->cb.on_connect(io, io->userdata);
    }
}

static const char *attempt_failure_reason(MqttIo *io, int rc)
{
    if (io->connack_reason != 0) {
        return mosquitto_reason_string(io->connack_reason);
    }
    if (rc == MOSQ_ERR_ERRNO && io->saved_errno > 0) {
        return strerror(io->saved_errno);
    }
    return mosquitto_strerror(rc);
}

/* How a broker says "not this protocol" to an MQTT 5 CONNECT: CONNACK "unsupported protocol
 * version" (libmosquitto reports a 3.1.1 broker's refusal as 0x84 too), an answer that does not
 * parse, or no CONNACK at all once TCP was up (RabbitMQ 3.10 drops a v5 CONNECT as an unparsable
 * frame and closes). Refused credentials, TLS and unreachable addresses are not. */
static bool refused_protocol(const MqttIo *io, int rc)
{
    if (io->connack_reason == MQTT_RC_UNSUPPORTED_PROTOCOL_VERSION ||
        io->connack_reason == CONNACK_REFUSED_PROTOCOL_VERSION) {
        return true;
    }
    if (io->connack_reason != 0) {
        return false;
    }
    switch (rc) {
    case MOSQ_ERR_CONN_LOST: /* EOF: only ever after an established connection */
    case MOSQ_ERR_PROTOCOL:
    case MOSQ_ERR_MALFORMED_PACKET:
        return true;
    case MOSQ_ERR_KEEPALIVE: /* no CONNACK in time: only if TCP was up (not a black hole) */
        return io->tcp_up;
    case MOSQ_ERR_ERRNO:
        return io->saved_errno == ECONNRESET || io->saved_errno == EPIPE;
    default:
        return false;
    }
}

/* Arms the reconnect timer at once, same address, 3.1.1 (auto after a refused MQTT 5). */
static void fallback_schedule(MqttIo *io, const char *reason)
{
    io->fallback_due = true;
    (void) snprintf(io->failure_text, sizeof(io->failure_text),
                    "MQTT 5 refused (%s), trying MQTT 3.1.1", reason);
    (void) sd_event_source_set_time_relative(io->reconnect_timer, 1);
    (void) sd_event_source_set_enabled(io->reconnect_timer, SD_EVENT_ONESHOT);
    if (io->cb.on_connect_failed) {
        io->cb.on_connect_failed(io, io->failure_text, 0, io->userdata);
    }
}

/* An attempt that never got CONNACK 0: fall back to 3.1.1 (auto), or on to the next address. */
static void attempt_failed(MqttIo *io, int rc)
{
    const char *reason = attempt_failure_reason(io, rc);
    bool refused = refused_protocol(io, rc);
    bool fallback = io->fallback_attempt;

    io->fallback_attempt = false;
    if (io->cfg.version == MQTT_IO_VERSION_AUTO && refused) {
        if (io->attempt_protocol == MQTT_PROTOCOL_V5) {
            (void) snprintf(io->v5_refusal, sizeof(io->v5_refusal), "%s", reason);
            fallback_schedule(io, reason);
            return;
        }
        if (fallback) {
            (void) snprintf(io->failure_text, sizeof(io->failure_text),
                            "the broker refused both MQTT 5 (%s) and MQTT 3.1.1 (%s)",
                            io->v5_refusal, reason);
            reason = io->failure_text;
        }
    }
    mqtt_io_reconnect_schedule(io, reason);
}

static void
on_mosq_disconnect(struct mosquitto *mosq, void *obj, int rc, const mosquitto_property *props)
{
    MqttIo *io = obj;
    bool was_connected = mqtt_io_state_connected(io);

    (void) mosq;
    (void) props;
    if (rc == MOSQ_ERR_ERRNO) {
        io->saved_errno = errno;
    }
    /* libmosquitto can report one loss twice (a broker DISCONNECT, then the read of the closed
     * socket): only the first counts. */
    if (!mqtt_io_state_open(io)) {
        return;
    }
    (void) mqtt_io_enter(io, mqtt_io_state_stopping(io) ? MQTT_IO_STOPPED : MQTT_IO_WAITING);
    mqtt_io_subscriptions_clear(io);
    mqtt_io_source_drop(io);

    if (mqtt_io_state_stopping(io)) {
        if (was_connected && io->cb.on_disconnect) {
            io->cb.on_disconnect(io, rc, io->userdata);
        }
        return;
    }
    if (was_connected) {
        /* 0 means "our own clean disconnect" to the user; a broker DISCONNECT "normal" is not. */
        if (io->cb.on_disconnect) {
            io->cb.on_disconnect(io, rc == 0 ? MOSQ_ERR_CONN_LOST : rc, io->userdata);
        }
        mqtt_io_reconnect_schedule(io, NULL);
        return;
    }
    attempt_failed(io, rc);
}

static void on_mosq_message(struct mosquitto *mosq,
                            void *obj,
                            const struct mosquitto_message *msg,
                            const mosquitto_property *props)
{
    MqttIo *io = obj;

    (void) mosq;
    if (io->cb.on_message && msg) {
        io->cb.on_message(io, msg, props, io->userdata);
    }
}

static void on_mosq_publish(struct mosquitto *mosq,
                            void *obj,
                            int mid,
                            int reason,
                            const mosquitto_property *props)
{
    MqttIo *io = obj;

    (void) mosq;
    (void) reason;
    (void) props;
    if (io->cb.on_publish) {
        io->cb.on_publish(io, mid, io->userdata);
    }
}

static void on_mosq_subscribe(struct mosquitto *mosq,
                              void *obj,
                              int mid,
                              int qos_count,
                              const int *granted_qos,
                              const mosquitto_property *props)
{
    MqttIo *io = obj;

    (void) mosq;
    (void) props;
    mqtt_io_on_suback(io, mid, qos_count, granted_qos);
}

/* ---- connecting -------------------------------------------------------------------------- */

int mqtt_io_will_apply(MqttIo *io)
{
    if (!io->will_topic) {
        return 0;
    }
    return mqtt_error_to_errno(mosquitto_will_set_v5(io->mosq, io->will_topic, (int) io->will_len,
                                                     io->will_payload, io->will_qos,
                                                     io->will_retain, NULL));
}

/* A new client with every option set: the protocol of the attempt (io->attempt_protocol),
 * TCP_NODELAY, clean start, TLS and credentials. */
int mqtt_io_client_create(MqttIo *io)
{
    struct mosquitto *mosq = NULL;
    int rc;

    mosq = mosquitto_new(io->cfg.client_id, true, io);
    if (!mosq) {
        return errno == EINVAL ? -EINVAL : -ENOMEM;
    }
    rc = mosquitto_int_option(mosq, MOSQ_OPT_PROTOCOL_VERSION, io->attempt_protocol);
    if (rc == MOSQ_ERR_SUCCESS) {
        rc = mosquitto_int_option(mosq, MOSQ_OPT_TCP_NODELAY, 1);
    }
    if (rc == MOSQ_ERR_SUCCESS && io->cfg.receive_maximum > 0 &&
        io->attempt_protocol == MQTT_PROTOCOL_V5) {
        rc = mosquitto_int_option(mosq, MOSQ_OPT_RECEIVE_MAXIMUM, (int) io->cfg.receive_maximum);
    }
    if (rc == MOSQ_ERR_SUCCESS && io->cfg.tls.cafile) {
        rc = mosquitto_tls_set(mosq, io->cfg.tls.cafile, NULL, io->cfg.tls.certfile,
                               io->cfg.tls.keyfile, NULL);
    }
    if (rc == MOSQ_ERR_SUCCESS && io->cfg.username) {
        rc = mosquitto_username_pw_set(mosq, io->cfg.username, io->cfg.password);
    }
    if (rc != MOSQ_ERR_SUCCESS) {
        int r = mqtt_error_to_errno(rc);
        mosquitto_destroy(mosq);
        return r;
    }
    mosquitto_connect_v5_callback_set(mosq, on_mosq_connect);
    mosquitto_disconnect_v5_callback_set(mosq, on_mosq_disconnect);
    mosquitto_message_v5_callback_set(mosq, on_mosq_message);
    mosquitto_publish_v5_callback_set(mosq, on_mosq_publish);
    mosquitto_subscribe_v5_callback_set(mosq, on_mosq_subscribe);

    if (io->mosq) {
        mosquitto_destroy(io->mosq);
    }
    io->mosq = mosq;
    io->client_protocol = io->attempt_protocol;
    return mqtt_io_will_apply(io);
}

static unsigned rand_next(MqttIo *io)
{
    /* xorshift32: jitter only, so a rack of agents does not reconnect in lockstep. */
    unsigned x = io->rand_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    io->rand_state = x ? x : 0x9e3779b9u;
    return io->rand_state;
}

void mqtt_io_reconnect_schedule(MqttIo *io, const char *failed_reason)
{
    unsigned delay = io->backoff_ms + rand_next(io) % (io->backoff_ms / 4 + 1);

    if (mqtt_io_state_stopping(io)) {
        return;
    }
    io->fallback_due = false;
    io->backoff_ms = io->backoff_ms >= io->cfg.reconnect_max_ms / 2 ? io->cfg.reconnect_max_ms
                                                                    : io->backoff_ms * 2;
    (void) sd_event_source_set_time_relative(io->reconnect_timer, (uint64_t) delay * 1000u);
    (void) sd_event_source_set_enabled(io->reconnect_timer, SD_EVENT_ONESHOT);
    if (failed_reason && io->cb.on_connect_failed) {
        io->cb.on_connect_failed(io, failed_reason, delay, io->userdata);
    }
    /* After the report, which names the address that failed: a cluster's next node. */
    if (io->n_addrs > 1) {
        io->addr_index = (io->addr_index + 1) % io->n_addrs;
    }
}

void mqtt_io_broker_name_update(MqttIo *io)
{
    const BrokerAddr *a = &io->addrs[io->addr_index];

    (void) broker_addr_format(a->host, a->port, io->broker_name, sizeof(io->broker_name));
}

/* The protocol of the next attempt. auto is not sticky: every new round starts with MQTT 5 (a
 * broker that was restarting can close a v5 CONNECT without an answer too; the fall back costs a
 * 3.1.1-only broker one refused attempt per reconnect, not a mosquitto client MQTT 5 for
 * good). */
static int attempt_protocol_choose(MqttIo *io)
{
    switch (io->cfg.version) {
    case MQTT_IO_VERSION_5:
        return MQTT_PROTOCOL_V5;
    case MQTT_IO_VERSION_311:
        return MQTT_PROTOCOL_V311;
    case MQTT_IO_VERSION_AUTO:
        break;
    }
    return io->fallback_due ? MQTT_PROTOCOL_V311 : MQTT_PROTOCOL_V5;
}

void mqtt_io_attempt_connect(MqttIo *io)
{
    bool fresh_client = io->state == MQTT_IO_NEW; /* the one mqtt_io_new() made */
    int rc, r;

    mqtt_io_source_drop(io);
    (void) mqtt_io_enter(io, MQTT_IO_WAITING); /* until the socket of this attempt exists */
    io->connack_reason = 0;
    io->saved_errno = 0;
    io->tcp_up = false;
    io->attempt_protocol = attempt_protocol_choose(io);
    io->fallback_attempt = io->fallback_due;
    io->fallback_due = false;
    mqtt_io_broker_name_update(io);

    if (!fresh_client || io->client_protocol != io->attempt_protocol) {
        r = mqtt_io_client_create(io);
        if (r < 0) {
            mqtt_io_reconnect_schedule(io, strerror(-r));
            return;
        }
    }

    if (io->cb.before_connect) {
        r = io->cb.before_connect(io, io->userdata);
        if (r < 0) {
            mqtt_io_reconnect_schedule(io, strerror(-r));
            return;
        }
    }

    /* Non-blocking: queues CONNECT on a connecting socket. Host names still resolve with a
     * blocking getaddrinfo() (libmosquitto), so brokers are best given as addresses. */
    errno = 0;
    rc = mosquitto_connect_bind_async(io->mosq, io->addrs[io->addr_index].host,
                                      io->addrs[io->addr_index].port, (int) io->cfg.keepalive_s,
                                      NULL);
    if (rc != MOSQ_ERR_SUCCESS) {
        io->saved_errno = errno;
        mqtt_io_reconnect_schedule(io, attempt_failure_reason(io, rc));
        return;
    }
    io->io_fd = mosquitto_socket(io->mosq);
    if (io->io_fd < 0) {
        mqtt_io_reconnect_schedule(io, mosquitto_strerror(MOSQ_ERR_NO_CONN));
        return;
    }
    /* EPOLLOUT: a non-blocking connect completes when the socket becomes writable. */
    r = sd_event_add_io(io->event, &io->io_source, io->io_fd, EPOLLIN | EPOLLOUT, mqtt_io_on_io,
                        io);
    if (r < 0) {
        io->io_fd = -1;
        mqtt_io_reconnect_schedule(io, strerror(-r));
        return;
    }
    io->io_events = EPOLLIN | EPOLLOUT;
    (void) mqtt_io_enter(io, MQTT_IO_CONNECTING);
}

int mqtt_io_on_reconnect_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
    MqttIo *io = userdata;

    (void) s;
    (void) usec;
    if (!mqtt_io_state_stopping(io)) {
        mqtt_io_attempt_connect(io);
    }
    return 0;
}
