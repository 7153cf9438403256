/* SPDX-License-Identifier: Apache-2.0 */
/* MqttIo's insides, shared by mqtt-io.c (sd-event sources, public API) and mqtt-io-connect.c
 * (connect attempts, libmosquitto callbacks). Not for users of mqtt-io.h. */
#ifndef STATEBUS_MQTT_IO_INTERNAL_H
#define STATEBUS_MQTT_IO_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "mqtt-io.h"

/* mosquitto_loop_misc(): "around once per second", up to 100 ms late. sd-event times are uint64_t
 * microseconds, so the products are made in that type. */
#define MISC_INTERVAL_USEC        (UINT64_C(1000) * 1000u)
#define MISC_ACCURACY_USEC        (UINT64_C(100) * 1000u)
#define TIMER_ACCURACY_USEC       (1000u)
#define RECONNECT_MIN_DEFAULT     100u
#define RECONNECT_MAX_DEFAULT     5000u
#define READ_PACKETS_MAX          1024u /* packets read per wake-up before other sources run */
#define MQTT_IO_SUBSCRIPTIONS_MAX 8u
#define SUBSCRIBE_RETRY_MIN_MS    1000u  /* a refused subscription is tried again after this, */
#define SUBSCRIBE_RETRY_MAX_MS    60000u /* doubling up to this */

/* The life of an MqttIo; every change goes through mqtt_io_enter() (mqtt-io.c), which holds the
 * table of legal transitions:
 *
 *   NEW --start--> (first attempt) --> CONNECTING or WAITING
 *   WAITING --reconnect timer--> CONNECTING          (or WAITING again: the attempt failed at once)
 *   CONNECTING --CONNACK 0--> CONNECTED
 *   CONNECTING --socket gone, CONNACK refused--> WAITING
 *   CONNECTED --socket gone--> WAITING
 *   CONNECTED --mqtt_io_disconnect()--> STOPPING --socket gone--> STOPPED
 *   NEW, WAITING, CONNECTING --mqtt_io_disconnect()--> STOPPED  (an attempt is abandoned)
 */
typedef enum MqttIoState {
    MQTT_IO_NEW,        /* made, not started: the client made by mqtt_io_new() is unused */
    MQTT_IO_WAITING,    /* started, no socket: the reconnect timer is armed */
    MQTT_IO_CONNECTING, /* a socket of the current attempt exists, no CONNACK 0 yet */
    MQTT_IO_CONNECTED,  /* CONNACK 0 received and the socket still up */
    MQTT_IO_STOPPING,   /* mqtt_io_disconnect() on a connection: DISCONNECT being written */
    MQTT_IO_STOPPED,    /* stopped, no socket; nothing reconnects */
    MQTT_IO_STATE_COUNT,
} MqttIoState;

/* One subscription of the current connection until its SUBACK grants it (mqtt-io-subscribe.c). */
typedef struct MqttIoSubscription {
    char *filter; /* owned; NULL = free slot */
    int qos;
    int options;
    int mid;       /* of the SUBSCRIBE awaiting its SUBACK; 0 = refused, due for a retry */
    int first_mid; /* what mqtt_io_subscribe() returned: on_subscribe reports this one */
} MqttIoSubscription;

struct MqttIo {
    sd_event *event;        /* owned reference */
    struct mosquitto *mosq; /* owned; replaced at every connect attempt */
    MqttIoConfig cfg;       /* strings borrowed from the caller */
    MqttIoCallbacks cb;
    void *userdata;

    sd_event_source *io_source; /* owned; on mosquitto_socket(), NULL while no socket */
    int io_fd;
    uint32_t io_events;
    sd_event_source *misc_timer;      /* owned */
    sd_event_source *reconnect_timer; /* owned */
    sd_event_source *post_source;     /* owned */
    sd_event_source *sub_retry_timer; /* owned */

    MqttIoSubscription subs[MQTT_IO_SUBSCRIPTIONS_MAX];
    unsigned sub_backoff_ms; /* 0 = nothing refused on this connection yet */

    char *will_topic;   /* owned; NULL = no will */
    void *will_payload; /* owned */
    size_t will_len;
    int will_qos;
    bool will_retain;

    BrokerAddr addrs[BROKER_ADDRS_MAX]; /* copied from cfg (or cfg.host/port alone) */
    size_t n_addrs;
    size_t addr_index; /* the address of the current attempt */
    char broker_name[BROKER_HOST_SIZE + 16];
    int attempt_protocol;  /* MQTT_PROTOCOL_V5 or _V311 of the current attempt */
    int client_protocol;   /* of io->mosq as created */
    bool fallback_due;     /* auto: the next attempt is 3.1.1 on the same address */
    bool fallback_attempt; /* auto: the current attempt is that 3.1.1 fall back */
    bool tcp_up;           /* the current attempt's TCP connect completed */
    char v5_refusal[128];  /* why the broker refused MQTT 5, for the "refused both" line */
    char failure_text[320];

    unsigned backoff_ms;
    int connack_reason; /* CONNACK reason of the current attempt, 0 = none/success */
    int saved_errno;    /* errno at a MOSQ_ERR_ERRNO, for the reason text */
    unsigned rand_state;
    bool lib_initialized; /* mosquitto_lib_init() reference taken */
    MqttIoState state;
};

/* The one place the state changes (mqtt-io.c): a transition outside the table is a bug, logged
 * and refused. Returns true when the state is now next. */
bool mqtt_io_enter(MqttIo *io, MqttIoState next);
const char *mqtt_io_state_name(MqttIoState state);

/* CONNACK 0 seen and the socket still up (also while the DISCONNECT of a stop is written). */
static inline bool mqtt_io_state_connected(const MqttIo *io)
{
    return io->state == MQTT_IO_CONNECTED || io->state == MQTT_IO_STOPPING;
}

/* A socket of the current attempt exists. */
static inline bool mqtt_io_state_open(const MqttIo *io)
{
    return io->state == MQTT_IO_CONNECTING || mqtt_io_state_connected(io);
}

/* mqtt_io_disconnect() was called: nothing reconnects. */
static inline bool mqtt_io_state_stopping(const MqttIo *io)
{
    return io->state == MQTT_IO_STOPPING || io->state == MQTT_IO_STOPPED;
}

/* Drops the I/O source (safe from inside its own callback). */
void mqtt_io_source_drop(MqttIo *io);
/* The sd-event I/O callback on the socket. */
int mqtt_io_on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata);

/* A new struct mosquitto with every option, callback and the will; replaces io->mosq. */
int mqtt_io_client_create(MqttIo *io);
/* Sets the stored will on io->mosq. */
int mqtt_io_will_apply(MqttIo *io);
/* One connect attempt: new client (after the first), before_connect, async connect, I/O source. */
void mqtt_io_attempt_connect(MqttIo *io);
/* Arms the reconnect timer with the current backoff (plus jitter) and doubles it;
 * failed_reason != NULL also reports a failed attempt to on_connect_failed. The next attempt
 * goes to the next address of the list. */
void mqtt_io_reconnect_schedule(MqttIo *io, const char *failed_reason);
/* Points broker_name at addrs[addr_index]. */
void mqtt_io_broker_name_update(MqttIo *io);
int mqtt_io_on_reconnect_timer(sd_event_source *s, uint64_t usec, void *userdata);

/* A SUBACK: grants go to on_subscribe, refusals are retried (mqtt-io-subscribe.c). */
void mqtt_io_on_suback(MqttIo *io, int mid, int n, const int *granted);
int mqtt_io_on_sub_retry_timer(sd_event_source *s, uint64_t usec, void *userdata);
/* Forgets every subscription of the connection (it is new or gone). */
void mqtt_io_subscriptions_clear(MqttIo *io);

#endif
