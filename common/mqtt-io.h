/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libmosquitto driven by an sd-event loop (no threads, no polling): an I/O source on the
 * mosquitto socket that asks for EPOLLOUT only while mosquitto_want_write(), a 1 s timer for
 * mosquitto_loop_misc() (keepalive), and a reconnect timer with capped exponential backoff.
 * Every client has TCP_NODELAY and a clean start (no broker-queued commands) and speaks MQTT 5,
 * 3.1.1, or (auto) 5 with a fall back to 3.1.1 when the broker refuses 5. On 3.1.1 there are no
 * properties: mqtt_io_publish() drops them and mqtt_io_subscribe() drops the v5 options, so
 * callers never need to know (answers are followed on <root>/event by request id).
 *
 * A broker may be a list of addresses (a cluster's nodes): a failed attempt or a lost connection
 * moves to the next address, with the same backoff.
 *
 * Publishes made inside callbacks are flushed before the loop sleeps again (a post source
 * checks mosquitto_want_write()), so an answer never waits for the next keepalive tick.
 */
#ifndef STATEBUS_MQTT_IO_H
#define STATEBUS_MQTT_IO_H

#include <mosquitto.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "broker-addr.h"

typedef struct MqttIo MqttIo;

/* The --mqtt-version choices, in the order of mqtt_version_choices[] (options.h). */
typedef enum MqttIoVersion {
    MQTT_IO_VERSION_AUTO = 0, /* 5; 3.1.1 when the broker refuses 5 */
    MQTT_IO_VERSION_5 = 1,
    MQTT_IO_VERSION_311 = 2,
} MqttIoVersion;

typedef struct MqttIoTls {
    const char *cafile; /* NULL = no TLS */
    const char *certfile;
    const char *keyfile;
} MqttIoTls;

typedef struct MqttIoConfig {
    const char *host; /* borrowed for the lifetime of the MqttIo; ignored when n_addrs > 0 */
    uint16_t port;
    const BrokerAddr *addrs; /* copied: the addresses tried in turn (n_addrs 0 = host/port) */
    size_t n_addrs;          /* at most BROKER_ADDRS_MAX */
    MqttIoVersion version;
    const char *client_id; /* stable per agent; unique per test */
    const char *username;  /* NULL = none */
    const char *password;
    MqttIoTls tls;
    unsigned keepalive_s;      /* >= 5 (libmosquitto's minimum) */
    unsigned reconnect_min_ms; /* first retry delay (default 100) */
    unsigned reconnect_max_ms; /* backoff cap (default 5000) */
    unsigned receive_maximum;  /* v5 receive-maximum we announce; 0 = library default */
} MqttIoConfig;

typedef struct MqttIoCallbacks {
    /* Before every connect attempt (first and each reconnect): the place to take a new epoch and
     * call mqtt_io_set_will(). May be NULL. A negative return aborts that attempt (retried). */
    int (*before_connect)(MqttIo *io, void *userdata);
    /* CONNACK accepted: subscribe, publish births. */
    void (*on_connect)(MqttIo *io, void *userdata);
    /* The connection is gone (reason: MOSQ_ERR_* or a v5 DISCONNECT reason code >= 128, see
     * mqtt_io_reason_string(); 0 = our own clean disconnect). Reconnects are scheduled
     * automatically unless mqtt_io_disconnect() was called. */
    void (*on_disconnect)(MqttIo *io, int reason, void *userdata);
    /* A message; props may be NULL. msg and props are only valid during the call. */
    void (*on_message)(MqttIo *io,
                       const struct mosquitto_message *msg,
                       const mosquitto_property *props,
                       void *userdata);
    /* PUBACK for a QoS 1 publish (or the write of a QoS 0 one). May be NULL. */
    void (*on_publish)(MqttIo *io, int mid, void *userdata);
    /* SUBACK granting a subscription (a refused one is retried: on_subscribe_refused). May be
     * NULL. */
    void (*on_subscribe)(MqttIo *io, int mid, void *userdata);
    /* A connect attempt failed before CONNACK (refused, unreachable, CONNACK with an error, ...);
     * reason is a human-readable string valid during the call, the next attempt starts in
     * retry_ms (0: at once, MQTT 3.1.1 after the broker refused 5; mqtt_io_broker_name() still
     * names the address that failed). When a broker refused both versions, reason says so and
     * names both refusals. Not called
     * for a connection that was up: that is on_disconnect. May be NULL. (Added after the first
     * version: leave it out of positional initializers.) */
    void (*on_connect_failed)(MqttIo *io, const char *reason, unsigned retry_ms, void *userdata);
    /* The broker refused a subscription (reason: an MQTT v5 reason code >= 0x80, e.g. 0x87 "not
     * authorized"); mqtt-io subscribes again in retry_ms on the same connection and reports
     * on_subscribe (with the first mid) once it is granted. May be NULL. */
    void (*on_subscribe_refused)(MqttIo *io,
                                 const char *filter,
                                 int reason,
                                 unsigned retry_ms,
                                 void *userdata);
} MqttIoCallbacks;

/* Creates the client attached to event (reference taken). cfg strings are borrowed.
 * Returns 0 or negative errno. */
int mqtt_io_new(sd_event *event,
                const MqttIoConfig *cfg,
                const MqttIoCallbacks *cb,
                void *userdata,
                MqttIo **ret);
/* Frees; NULL is fine. Does not publish anything. Returns NULL. */
MqttIo *mqtt_io_free(MqttIo *io);

/* Starts connecting (non-blocking); failures are retried with backoff. */
int mqtt_io_start(MqttIo *io);

/* Sets the Last Will used by the next CONNECT (retained/QoS as given). */
int mqtt_io_set_will(MqttIo *io,
                     const char *topic,
                     const void *payload,
                     size_t len,
                     int qos,
                     bool retain);

/* One message for mqtt_io_publish(). Fields left out are 0: QoS 0, not retained, no
 * properties. */
typedef struct MqttPublish {
    const char *topic;
    const void *payload; /* may be NULL when len is 0 */
    size_t len;
    int qos;
    bool retain;
    const mosquitto_property *props; /* may be NULL; copied by libmosquitto, dropped on 3.1.1 */
} MqttPublish;

/* Publishes msg (nothing of it is kept after the call). ret_mid may be NULL.
 * -ENOTCONN while disconnected, other negative errno on failure. */
int mqtt_io_publish(MqttIo *io, const MqttPublish *msg, int *ret_mid);

/* At most 8 subscriptions awaiting their SUBACK at once (-ENOSPC beyond).
 * options: MQTT v5 subscription options (MQTT_SUB_OPT_*, mqtt_protocol.h), 0 for none. With
 * MQTT_SUB_OPT_RETAIN_AS_PUBLISHED a message published retained arrives with the retain flag
 * even live, so "never retained" topics (commands) can refuse it at once. */
int mqtt_io_subscribe(MqttIo *io, const char *filter, int qos, int options, int *ret_mid);

/* Clean stop: DISCONNECT (the broker discards the will) and no more reconnects. Publish
 * "offline" and wait for its PUBACK before calling this. Returns 0 when a DISCONNECT was sent
 * (on_disconnect(0) follows once it is written: wait for it before leaving the loop), or
 * -ENOTCONN when no connection was up (an attempt in progress is abandoned; nothing follows). */
int mqtt_io_disconnect(MqttIo *io);

bool mqtt_io_is_connected(const MqttIo *io);

/* The address of the current (or last) attempt, "HOST:PORT" / "[V6]:PORT". */
const char *mqtt_io_broker_name(const MqttIo *io);

/* The protocol of the current (or last) attempt: "5" or "3.1.1". */
const char *mqtt_io_protocol_name(const MqttIo *io);

/* True when the current connection speaks MQTT 5 (properties, reason codes). */
bool mqtt_io_is_v5(const MqttIo *io);

/* True when bytes of the connection wait unread in the kernel (a backlog behind the message being
 * handled). Bytes a TLS library already decrypted are not seen. Added with issue #13. */
bool mqtt_io_input_pending(const MqttIo *io);

/* Translate a MOSQ_ERR_* code to negative errno. */
int mqtt_error_to_errno(int mosq_err);

/* A static string for on_disconnect's reason: a MOSQ_ERR_* code, or an MQTT v5 reason code
 * (>= 128) the broker sent in its DISCONNECT (e.g. 139 "server shutting down"). */
const char *mqtt_io_reason_string(int reason);

#endif
