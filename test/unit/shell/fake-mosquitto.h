/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libmosquitto replaced at link time (-Wl,--wrap=mosquitto_...) for the shells' unit tests: one
 * fake client that records what the shell sends (CONNECT, SUBSCRIBE, PUBLISH, DISCONNECT) and
 * plays back what a broker would answer. Answers are queued and each wakes the real socket
 * (one end of a socketpair is the client's socket), so they arrive the way libmosquitto delivers
 * them: from mosquitto_loop_read() inside the shell's sd-event I/O callback, followed by the
 * shell's post sources. A publish on a topic the client subscribed to exactly comes back to it,
 * as from a broker (the coordinator's probe).
 */
#ifndef STATEBUS_TEST_FAKE_MOSQUITTO_H
#define STATEBUS_TEST_FAKE_MOSQUITTO_H

#include <stdbool.h>
#include <stddef.h>
#include <systemd/sd-event.h>

#define FAKE_LOG_MAX     512
#define FAKE_TOPIC_MAX   256
#define FAKE_PAYLOAD_MAX 4200

typedef struct FakePublish {
    char topic[FAKE_TOPIC_MAX];
    char payload[FAKE_PAYLOAD_MAX];
    int qos;
    bool retain;
    int mid;
} FakePublish;

typedef struct FakeSubscribe {
    char filter[FAKE_TOPIC_MAX];
    int mid;
} FakeSubscribe;

typedef struct FakeBroker {
    unsigned connects;    /* mosquitto_connect_bind_async() calls */
    unsigned disconnects; /* mosquitto_disconnect() calls on an open socket */
    int last_protocol;    /* MOSQ_OPT_PROTOCOL_VERSION of the client that connected last */
    FakePublish pubs[FAKE_LOG_MAX];
    size_t n_pubs;
    FakeSubscribe subs[FAKE_LOG_MAX];
    size_t n_subs;
    int publish_fail_from; /* publishes from this index of pubs on fail (NO_CONN); -1 never */
    /* After a publish on a topic ending so: later publishes fail and the connection drops. */
    char lose_after[FAKE_TOPIC_MAX];
} FakeBroker;

extern FakeBroker fake;

void fake_reset(void);
bool fake_socket_open(void);

/* Queued answers, delivered from mosquitto_loop_read(). */
void fake_queue_connack(int reason);
void fake_queue_suback(int mid, int granted_qos);
void fake_queue_puback(int mid);
void fake_queue_message(const char *topic, const char *payload, bool retain);
void fake_queue_drop(int rc); /* the connection is lost: disconnect callback with rc */
size_t fake_queued(void);

/* Runs the loop until every queued answer is delivered and nothing else is pending. */
void fake_pump(sd_event *e);
/* Runs the loop (timers included) until cond() or timeout_ms; returns cond(). */
bool fake_run_until(sd_event *e, bool (*cond)(void), unsigned timeout_ms);

/* Index of the first publish at or after from on topic (suffix match), or -1. */
int fake_find_pub(size_t from, const char *topic_suffix);
/* Grants every SUBSCRIBE not yet answered. */
void fake_grant_subscriptions(void);

#endif
