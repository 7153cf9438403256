/* SPDX-License-Identifier: Apache-2.0 */
/* The fake libmosquitto of fake-mosquitto.h: one client at a time (the shells make one per
 * connect attempt and destroy the previous one). */
#include "fake-mosquitto.h"

#include <errno.h>
#include <fcntl.h>
#include <mosquitto.h>
#include <mqtt_protocol.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

FakeBroker fake;

typedef void (*ConnectCb)(struct mosquitto *, void *, int, int, const mosquitto_property *);
typedef void (*DisconnectCb)(struct mosquitto *, void *, int, const mosquitto_property *);
typedef void (*PublishCb)(struct mosquitto *, void *, int, int, const mosquitto_property *);
typedef void (*MessageCb)(struct mosquitto *,
                          void *,
                          const struct mosquitto_message *,
                          const mosquitto_property *);
typedef void (*SubscribeCb)(struct mosquitto *,
                            void *,
                            int,
                            int,
                            const int *,
                            const mosquitto_property *);

typedef struct FakeClient {
    void *obj;
    int protocol;
    ConnectCb on_connect;
    DisconnectCb on_disconnect;
    PublishCb on_publish;
    MessageCb on_message;
    SubscribeCb on_subscribe;
    int fds[2]; /* [0] the client's socket, [1] the broker's end; -1 = none */
    bool open;
} FakeClient;

typedef enum AnswerKind {
    ANSWER_CONNACK,
    ANSWER_SUBACK,
    ANSWER_PUBACK,
    ANSWER_MESSAGE,
    ANSWER_DROP
} AnswerKind;

typedef struct Answer {
    AnswerKind kind;
    int value; /* reason, mid or rc */
    int qos;
    bool retain;
    char topic[FAKE_TOPIC_MAX];
    char payload[FAKE_PAYLOAD_MAX];
} Answer;

#define ANSWERS_MAX 256
static Answer answers[ANSWERS_MAX];
static size_t answers_head, answers_n;
static FakeClient *current;
static int next_mid = 1;
static size_t subs_answered;

void fake_reset(void)
{
    memset(&fake, 0, sizeof(fake));
    fake.publish_fail_from = -1;
    answers_head = answers_n = 0;
    subs_answered = 0;
}

bool fake_socket_open(void)
{
    return current && current->open;
}

/* One byte on the broker's end per queued answer: the client's socket becomes readable. */
static void wake(FakeClient *c)
{
    if (write(c->fds[1], "x", 1) != 1) {
        abort(); /* a socketpair with room for ANSWERS_MAX bytes */
    }
}

static void close_socket(FakeClient *c)
{
    if (c->fds[0] >= 0) {
        close(c->fds[0]);
        close(c->fds[1]);
    }
    c->fds[0] = c->fds[1] = -1;
    c->open = false;
}

static void queue(const Answer *a)
{
    if (answers_n == ANSWERS_MAX) {
        abort();
    }
    answers[(answers_head + answers_n++) % ANSWERS_MAX] = *a;
    if (current && current->open) {
        wake(current);
    }
}

void fake_queue_connack(int reason)
{
    queue(&(Answer){ .kind = ANSWER_CONNACK, .value = reason });
}

void fake_queue_suback(int mid, int granted_qos)
{
    queue(&(Answer){ .kind = ANSWER_SUBACK, .value = mid, .qos = granted_qos });
}

void fake_queue_puback(int mid)
{
    queue(&(Answer){ .kind = ANSWER_PUBACK, .value = mid });
}

void fake_queue_message(const char *topic, const char *payload, bool retain)
{
    Answer a = { .kind = ANSWER_MESSAGE, .retain = retain };

    (void) snprintf(a.topic, sizeof(a.topic), "%s", topic);
    (void) snprintf(a.payload, sizeof(a.payload), "%s", payload);
    queue(&a);
}

void fake_queue_drop(int rc)
{
    queue(&(Answer){ .kind = ANSWER_DROP, .value = rc });
}

size_t fake_queued(void)
{
    return answers_n;
}

void fake_grant_subscriptions(void)
{
    for (; subs_answered < fake.n_subs; subs_answered++) {
        fake_queue_suback(fake.subs[subs_answered].mid, 1);
    }
}

int fake_find_pub(size_t from, const char *topic_suffix)
{
    size_t sl = strlen(topic_suffix);

    for (size_t i = from; i < fake.n_pubs; i++) {
        size_t tl = strlen(fake.pubs[i].topic);
        if (tl >= sl && strcmp(fake.pubs[i].topic + tl - sl, topic_suffix) == 0) {
            return (int) i;
        }
    }
    return -1;
}

void fake_pump(sd_event *e)
{
    /* Each answer wakes the socket; post sources run in the iterations after. */
    for (int i = 0; i < 10000; i++) {
        int r = sd_event_run(e, answers_n > 0 ? 100000 : 0);
        if (r <= 0 && answers_n == 0) {
            return;
        }
    }
}

bool fake_run_until(sd_event *e, bool (*cond)(void), unsigned timeout_ms)
{
    uint64_t start = 0, now = 0;

    (void) sd_event_now(e, CLOCK_MONOTONIC, &start);
    while (!cond()) {
        (void) sd_event_run(e, 10000);
        (void) sd_event_now(e, CLOCK_MONOTONIC, &now);
        if (now - start > (uint64_t) timeout_ms * 1000u) {
            break;
        }
    }
    fake_pump(e);
    return cond();
}

/* ---- the wrapped API ------------------------------------------------------------------------ */

struct mosquitto *__wrap_mosquitto_new(const char *id, bool clean_session, void *obj);
struct mosquitto *__wrap_mosquitto_new(const char *id, bool clean_session, void *obj)
{
    FakeClient *c = calloc(1, sizeof(*c));

    (void) id;
    (void) clean_session;
    if (!c) {
        return NULL;
    }
    c->obj = obj;
    c->fds[0] = c->fds[1] = -1;
    c->protocol = MQTT_PROTOCOL_V311;
    return (struct mosquitto *) c;
}

void __wrap_mosquitto_destroy(struct mosquitto *mosq);
void __wrap_mosquitto_destroy(struct mosquitto *mosq)
{
    FakeClient *c = (FakeClient *) mosq;

    if (!c) {
        return;
    }
    close_socket(c);
    if (current == c) {
        current = NULL;
    }
    free(c);
}

int __wrap_mosquitto_int_option(struct mosquitto *mosq, enum mosq_opt_t option, int value);
int __wrap_mosquitto_int_option(struct mosquitto *mosq, enum mosq_opt_t option, int value)
{
    if (option == MOSQ_OPT_PROTOCOL_VERSION) {
        ((FakeClient *) mosq)->protocol = value;
    }
    return MOSQ_ERR_SUCCESS;
}

int __wrap_mosquitto_tls_set(struct mosquitto *mosq,
                             const char *cafile,
                             const char *capath,
                             const char *certfile,
                             const char *keyfile,
                             int (*pw_callback)(char *buf, int size, int rwflag, void *userdata));
int __wrap_mosquitto_tls_set(struct mosquitto *mosq,
                             const char *cafile,
                             const char *capath,
                             const char *certfile,
                             const char *keyfile,
                             int (*pw_callback)(char *buf, int size, int rwflag, void *userdata))
{
    (void) mosq;
    (void) cafile;
    (void) capath;
    (void) certfile;
    (void) keyfile;
    (void) pw_callback;
    return MOSQ_ERR_SUCCESS;
}

int __wrap_mosquitto_username_pw_set(struct mosquitto *mosq, const char *u, const char *p);
int __wrap_mosquitto_username_pw_set(struct mosquitto *mosq, const char *u, const char *p)
{
    (void) mosq;
    (void) u;
    (void) p;
    return MOSQ_ERR_SUCCESS;
}

int __wrap_mosquitto_will_set_v5(struct mosquitto *mosq,
                                 const char *topic,
                                 int payloadlen,
                                 const void *payload,
                                 int qos,
                                 bool retain,
                                 mosquitto_property *properties);
int __wrap_mosquitto_will_set_v5(struct mosquitto *mosq,
                                 const char *topic,
                                 int payloadlen,
                                 const void *payload,
                                 int qos,
                                 bool retain,
                                 mosquitto_property *properties)
{
    (void) mosq;
    (void) topic;
    (void) payloadlen;
    (void) payload;
    (void) qos;
    (void) retain;
    (void) properties;
    return MOSQ_ERR_SUCCESS;
}

void __wrap_mosquitto_connect_v5_callback_set(struct mosquitto *mosq, ConnectCb cb);
void __wrap_mosquitto_connect_v5_callback_set(struct mosquitto *mosq, ConnectCb cb)
{
    ((FakeClient *) mosq)->on_connect = cb;
}

void __wrap_mosquitto_disconnect_v5_callback_set(struct mosquitto *mosq, DisconnectCb cb);
void __wrap_mosquitto_disconnect_v5_callback_set(struct mosquitto *mosq, DisconnectCb cb)
{
    ((FakeClient *) mosq)->on_disconnect = cb;
}

void __wrap_mosquitto_publish_v5_callback_set(struct mosquitto *mosq, PublishCb cb);
void __wrap_mosquitto_publish_v5_callback_set(struct mosquitto *mosq, PublishCb cb)
{
    ((FakeClient *) mosq)->on_publish = cb;
}

void __wrap_mosquitto_message_v5_callback_set(struct mosquitto *mosq, MessageCb cb);
void __wrap_mosquitto_message_v5_callback_set(struct mosquitto *mosq, MessageCb cb)
{
    ((FakeClient *) mosq)->on_message = cb;
}

void __wrap_mosquitto_subscribe_v5_callback_set(struct mosquitto *mosq, SubscribeCb cb);
void __wrap_mosquitto_subscribe_v5_callback_set(struct mosquitto *mosq, SubscribeCb cb)
{
    ((FakeClient *) mosq)->on_subscribe = cb;
}

int __wrap_mosquitto_connect_bind_async(struct mosquitto *mosq,
                                        const char *host,
                                        int port,
                                        int keepalive,
                                        const char *bind_address);
int __wrap_mosquitto_connect_bind_async(struct mosquitto *mosq,
                                        const char *host,
                                        int port,
                                        int keepalive,
                                        const char *bind_address)
{
    FakeClient *c = (FakeClient *) mosq;

    (void) host;
    (void) port;
    (void) keepalive;
    (void) bind_address;
    close_socket(c);
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, c->fds) < 0) {
        return MOSQ_ERR_ERRNO;
    }
    c->open = true;
    current = c;
    fake.connects++;
    fake.last_protocol = c->protocol;
    /* Answers queued before the socket existed wake it now. */
    for (size_t i = 0; i < answers_n; i++) {
        wake(c);
    }
    return MOSQ_ERR_SUCCESS;
}

int __wrap_mosquitto_socket(struct mosquitto *mosq);
int __wrap_mosquitto_socket(struct mosquitto *mosq)
{
    FakeClient *c = (FakeClient *) mosq;

    return c && c->open ? c->fds[0] : -1;
}

bool __wrap_mosquitto_want_write(struct mosquitto *mosq);
bool __wrap_mosquitto_want_write(struct mosquitto *mosq)
{
    (void) mosq;
    return false;
}

int __wrap_mosquitto_loop_write(struct mosquitto *mosq, int max_packets);
int __wrap_mosquitto_loop_write(struct mosquitto *mosq, int max_packets)
{
    (void) mosq;
    (void) max_packets;
    return MOSQ_ERR_SUCCESS;
}

int __wrap_mosquitto_loop_misc(struct mosquitto *mosq);
int __wrap_mosquitto_loop_misc(struct mosquitto *mosq)
{
    (void) mosq;
    return MOSQ_ERR_SUCCESS;
}

/* One answer per call, as libmosquitto reads one packet per call. */
int __wrap_mosquitto_loop_read(struct mosquitto *mosq, int max_packets);
int __wrap_mosquitto_loop_read(struct mosquitto *mosq, int max_packets)
{
    FakeClient *c = (FakeClient *) mosq;
    Answer a;
    char byte;

    (void) max_packets;
    if (!c->open) {
        return MOSQ_ERR_NO_CONN;
    }
    if (read(c->fds[0], &byte, 1) != 1 || answers_n == 0) {
        return MOSQ_ERR_SUCCESS;
    }
    a = answers[answers_head];
    answers_head = (answers_head + 1) % ANSWERS_MAX;
    answers_n--;
    switch (a.kind) {
    case ANSWER_CONNACK:
        c->on_connect(mosq, c->obj, a.value, 0, NULL);
        break;
    case ANSWER_SUBACK:
        c->on_subscribe(mosq, c->obj, a.value, 1, &a.qos, NULL);
        break;
    case ANSWER_PUBACK:
        c->on_publish(mosq, c->obj, a.value, 0, NULL);
        break;
    case ANSWER_MESSAGE: {
        struct mosquitto_message m = {
            .mid = 0,
            .topic = a.topic,
            .payload = a.payload,
            .payloadlen = (int) strlen(a.payload),
            .qos = 0,
            .retain = a.retain,
        };
        c->on_message(mosq, c->obj, &m, NULL);
        break;
    }
    case ANSWER_DROP:
        /* libmosquitto closes the socket, then calls back. */
        c->open = false;
        c->on_disconnect(mosq, c->obj, a.value, NULL);
        close_socket(c);
        return a.value;
    }
    return MOSQ_ERR_SUCCESS;
}

int __wrap_mosquitto_publish_v5(struct mosquitto *mosq,
                                int *mid,
                                const char *topic,
                                int payloadlen,
                                const void *payload,
                                int qos,
                                bool retain,
                                const mosquitto_property *properties);
int __wrap_mosquitto_publish_v5(struct mosquitto *mosq,
                                int *mid,
                                const char *topic,
                                int payloadlen,
                                const void *payload,
                                int qos,
                                bool retain,
                                const mosquitto_property *properties)
{
    FakeClient *c = (FakeClient *) mosq;
    FakePublish *p;

    (void) properties;
    if (!c->open) {
        return MOSQ_ERR_NO_CONN;
    }
    if (fake.publish_fail_from >= 0 && fake.n_pubs >= (size_t) fake.publish_fail_from) {
        return MOSQ_ERR_NO_CONN;
    }
    if (fake.n_pubs == FAKE_LOG_MAX) {
        abort();
    }
    p = &fake.pubs[fake.n_pubs++];
    (void) snprintf(p->topic, sizeof(p->topic), "%s", topic);
    (void) snprintf(p->payload, sizeof(p->payload), "%.*s", payloadlen, (const char *) payload);
    p->qos = qos;
    p->retain = retain;
    p->mid = next_mid++;
    if (mid) {
        *mid = p->mid;
    }
    /* The connection is lost right after this one was written: the rest of the batch fails. */
    if (fake.lose_after[0] && fake_find_pub(fake.n_pubs - 1, fake.lose_after) >= 0) {
        fake.lose_after[0] = '\0';
        fake.publish_fail_from = (int) fake.n_pubs;
        fake_queue_drop(MOSQ_ERR_CONN_LOST);
        return MOSQ_ERR_SUCCESS;
    }
    /* A broker delivers a publish to its own publisher when it subscribed to that exact topic
     * (the coordinator's probe: its gate evidence, issue #13). */
    for (size_t i = 0; i < fake.n_subs; i++) {
        if (strcmp(fake.subs[i].filter, topic) == 0) {
            fake_queue_message(topic, p->payload, false);
            break;
        }
    }
    return MOSQ_ERR_SUCCESS;
}

int __wrap_mosquitto_subscribe_v5(struct mosquitto *mosq,
                                  int *mid,
                                  const char *sub,
                                  int qos,
                                  int options,
                                  const mosquitto_property *properties);
int __wrap_mosquitto_subscribe_v5(struct mosquitto *mosq,
                                  int *mid,
                                  const char *sub,
                                  int qos,
                                  int options,
                                  const mosquitto_property *properties)
{
    FakeClient *c = (FakeClient *) mosq;
    FakeSubscribe *s;

    (void) qos;
    (void) options;
    (void) properties;
    if (!c->open) {
        return MOSQ_ERR_NO_CONN;
    }
    s = &fake.subs[fake.n_subs++];
    (void) snprintf(s->filter, sizeof(s->filter), "%s", sub);
    s->mid = next_mid++;
    if (mid) {
        *mid = s->mid;
    }
    return MOSQ_ERR_SUCCESS;
}

int __wrap_mosquitto_disconnect(struct mosquitto *mosq);
int __wrap_mosquitto_disconnect(struct mosquitto *mosq)
{
    FakeClient *c = (FakeClient *) mosq;

    if (!c->open) {
        return MOSQ_ERR_NO_CONN;
    }
    fake.disconnects++;
    /* Outside a callback libmosquitto writes DISCONNECT and calls back before returning. */
    c->open = false;
    c->on_disconnect(mosq, c->obj, 0, NULL);
    close_socket(c);
    return MOSQ_ERR_SUCCESS;
}
