/* SPDX-License-Identifier: Apache-2.0 */
#include "ctl-mqtt.h"

#include <errno.h>
#include <mqtt_protocol.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "statebus/topic.h"

#define CTL_KEEPALIVE_S 30
#define CTL_LOOP_SLICE_MS                                                  \
    500 /* mosquitto_loop() wait; SIGINT and deadlines are checked between \
         */
#define CTL_SUBS_MAX 16

struct CtlMqtt {
    struct mosquitto *mosq; /* owned */
    char client_id[96];
    char reply_topic[SB_TOPIC_MAX + 1];
    char marker[160]; /* payload of our sync marker */
    CtlMessageHandler handler;
    void *userdata;

    bool connack; /* a CONNACK arrived (connack_rc says which) */
    int connack_rc;
    bool connected;
    bool lost;
    int sub_mids[CTL_SUBS_MAX];
    size_t subs_pending;
    bool sub_refused;
    bool synced;
    int publish_refused; /* v5 PUBACK reason >= 0x80 (e.g. 0x87 not authorized by the ACL) */
};

static volatile sig_atomic_t ctl_interrupted;

static void on_sigint(int sig)
{
    (void) sig;
    ctl_interrupted = 1;
}

void ctl_catch_sigint(void)
{
    struct sigaction sa = { .sa_handler = on_sigint };

    /* No SA_RESTART: mosquitto_loop()'s select() returns early and the loop sees the flag. */
    (void) sigemptyset(&sa.sa_mask);
    (void) sigaction(SIGINT, &sa, NULL);
}

bool ctl_sigint_seen(void)
{
    return ctl_interrupted != 0;
}

uint64_t ctl_now_mono_ms(void)
{
    struct timespec ts;

    (void) clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t) ts.tv_sec * 1000u + (uint64_t) ts.tv_nsec / 1000000u;
}

static uint64_t ctl_now_unix_ms(void)
{
    struct timespec ts;

    (void) clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t) ts.tv_sec * 1000u + (uint64_t) ts.tv_nsec / 1000000u;
}

static void
on_connect(struct mosquitto *mosq, void *obj, int rc, int flags, const mosquitto_property *props)
{
    CtlMqtt *m = obj;

    (void) mosq;
    (void) flags;
    (void) props;
    m->connack = true;
    m->connack_rc = rc;
    m->connected = rc == 0;
}

static void
on_disconnect(struct mosquitto *mosq, void *obj, int rc, const mosquitto_property *props)
{
    CtlMqtt *m = obj;

    (void) mosq;
    (void) rc;
    (void) props;
    m->connected = false;
    m->lost = true;
}

static void on_subscribe(struct mosquitto *mosq,
                         void *obj,
                         int mid,
                         int qos_count,
                         const int *granted_qos,
                         const mosquitto_property *props)
{
    CtlMqtt *m = obj;

    (void) mosq;
    (void) props;
    for (size_t i = 0; i < CTL_SUBS_MAX; i++) {
        if (m->sub_mids[i] != mid || m->subs_pending == 0) {
            continue;
        }
        m->sub_mids[i] = -1;
        m->subs_pending--;
        for (int q = 0; q < qos_count; q++) {
            if (granted_qos[q] >= 0x80) {
                m->sub_refused = true; /* v5 reason code: not authorized, ... */
            }
        }
        return;
    }
}

static void on_publish(struct mosquitto *mosq,
                       void *obj,
                       int mid,
                       int reason_code,
                       const mosquitto_property *props)
{
    CtlMqtt *m = obj;

    (void) mosq;
    (void) mid;
    (void) props;
    if (reason_code >= 0x80 && m->publish_refused == 0) {
        m->publish_refused = reason_code;
    }
}

static void on_message(struct mosquitto *mosq,
                       void *obj,
                       const struct mosquitto_message *msg,
                       const mosquitto_property *props)
{
    CtlMqtt *m = obj;
    size_t marker_len = strlen(m->marker);

    (void) mosq;
    if (strcmp(msg->topic, m->reply_topic) == 0 && msg->payloadlen >= 0 &&
        (size_t) msg->payloadlen == marker_len &&
        memcmp(msg->payload, m->marker, marker_len) == 0) {
        m->synced = true;
        return;
    }
    if (m->handler) {
        m->handler(msg, props, m->userdata);
    }
}

/* TLS and credentials (--cafile, --cert, --key, --username, --password-file). */
static int ctl_mqtt_auth_set(struct mosquitto *mosq, const MqttAuthOptions *auth)
{
    MqttIoTls tls = mqtt_auth_options_tls(auth);
    int rc = MOSQ_ERR_SUCCESS;

    if (tls.cafile) {
        rc = mosquitto_tls_set(mosq, tls.cafile, NULL, tls.certfile, tls.keyfile, NULL);
    }
    if (rc == MOSQ_ERR_SUCCESS && mqtt_auth_options_username(auth)) {
        rc = mosquitto_username_pw_set(mosq, mqtt_auth_options_username(auth),
                                       mqtt_auth_options_password(auth));
    }
    if (rc != MOSQ_ERR_SUCCESS) {
        (void) fprintf(stderr, "statebusctl: cannot use the TLS files or credentials: %s\n",
                       mosquitto_strerror(rc));
        return -EINVAL;
    }
    return 0;
}

static bool is_connack(void *userdata)
{
    return ((CtlMqtt *) userdata)->connack;
}

int ctl_mqtt_connect(const CtlOptions *o,
                     uint64_t deadline_mono_ms,
                     CtlMessageHandler handler,
                     void *userdata,
                     CtlMqtt **ret)
{
    CtlMqtt *m;
    int rc, r;

    m = calloc(1, sizeof(*m));
    if (!m) {
        return -ENOMEM;
    }
    m->handler = handler;
    m->userdata = userdata;
    for (size_t i = 0; i < CTL_SUBS_MAX; i++) {
        m->sub_mids[i] = -1;
    }
    /* Unique per run: a duplicate id would kick another client off (and fire its will). */
    (void) snprintf(m->client_id, sizeof(m->client_id), "statebusctl-%ld-%llu", (long) getpid(),
                    (unsigned long long) ctl_now_unix_ms());
    r = sb_reply_topic_format(m->reply_topic, sizeof(m->reply_topic), o->system, m->client_id);
    if (r < 0) {
        (void) fprintf(stderr, "statebusctl: cannot build reply topic: %s\n", strerror(-r));
        ctl_mqtt_free(m);
        return r;
    }
    (void) snprintf(m->marker, sizeof(m->marker), "{\"v\":1,\"sync\":\"%s\"}", m->client_id);

    m->mosq = mosquitto_new(m->client_id, true, m);
    if (!m->mosq) {
        ctl_mqtt_free(m);
        return -ENOMEM;
    }
    (void) mosquitto_int_option(m->mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);
    (void) mosquitto_int_option(m->mosq, MOSQ_OPT_TCP_NODELAY, 1);
    r = ctl_mqtt_auth_set(m->mosq, &o->auth);
    if (r < 0) {
        ctl_mqtt_free(m);
        return r;
    }
    mosquitto_connect_v5_callback_set(m->mosq, on_connect);
    mosquitto_disconnect_v5_callback_set(m->mosq, on_disconnect);
    mosquitto_subscribe_v5_callback_set(m->mosq, on_subscribe);
    mosquitto_publish_v5_callback_set(m->mosq, on_publish);
    mosquitto_message_v5_callback_set(m->mosq, on_message);

    errno = 0;
    rc = mosquitto_connect_bind_v5(m->mosq, o->broker.host, o->broker.port, CTL_KEEPALIVE_S, NULL,
                                   NULL);
    if (rc != MOSQ_ERR_SUCCESS) {
        /* A TLS broker that refuses our certificate (TLS 1.3 reports it after the handshake)
         * shows up as a TLS or protocol error: say where to look. */
        (void) fprintf(stderr, "statebusctl: cannot connect to broker %s:%u: %s%s\n",
                       o->broker.host, o->broker.port,
                       rc == MOSQ_ERR_ERRNO ? strerror(errno) : mosquitto_strerror(rc),
                       (rc == MOSQ_ERR_TLS || rc == MOSQ_ERR_PROTOCOL)
                               ? " (TLS: check --cafile, --cert and --key against the broker's CA)"
                               : "");
        ctl_mqtt_free(m);
        return -ECONNREFUSED;
    }
    r = ctl_mqtt_run(m, is_connack, m, deadline_mono_ms);
    if (r == 0 && m->connack_rc != 0) {
        (void) fprintf(stderr, "statebusctl: broker %s:%u refused the connection: %s\n",
                       o->broker.host, o->broker.port, mosquitto_reason_string(m->connack_rc));
        r = -ECONNREFUSED;
    } else if (r == -ETIMEDOUT) {
        (void) fprintf(stderr, "statebusctl: no answer from broker %s:%u\n", o->broker.host,
                       o->broker.port);
    }
    if (r < 0) {
        ctl_mqtt_free(m);
        return r;
    }
    *ret = m;
    return 0;
}

CtlMqtt *ctl_mqtt_free(CtlMqtt *m)
{
    if (!m) {
        return NULL;
    }
    if (m->mosq) {
        if (m->connected) {
            /* Outside a callback libmosquitto writes the DISCONNECT at once. */
            (void) mosquitto_disconnect(m->mosq);
        }
        mosquitto_destroy(m->mosq);
    }
    free(m);
    return NULL;
}

const char *ctl_mqtt_reply_topic(const CtlMqtt *m)
{
    return m->reply_topic;
}

static bool is_subscribed(void *userdata)
{
    return ((CtlMqtt *) userdata)->subs_pending == 0;
}

static bool is_synced(void *userdata)
{
    return ((CtlMqtt *) userdata)->synced;
}

static int subscribe_one(CtlMqtt *m, const char *filter)
{
    int mid = 0;
    int rc = mosquitto_subscribe_v5(m->mosq, &mid, filter, 1, 0, NULL);

    if (rc != MOSQ_ERR_SUCCESS) {
        (void) fprintf(stderr, "statebusctl: cannot subscribe to %s: %s\n", filter,
                       mosquitto_strerror(rc));
        return -EIO;
    }
    for (size_t i = 0; i < CTL_SUBS_MAX; i++) {
        if (m->sub_mids[i] < 0) {
            m->sub_mids[i] = mid;
            m->subs_pending++;
            return 0;
        }
    }
    return -ENOBUFS;
}

int ctl_mqtt_subscribe_sync(CtlMqtt *m,
                            const char *const *filters,
                            size_t n_filters,
                            uint64_t deadline_mono_ms)
{
    int r;

    if (n_filters + 1 > CTL_SUBS_MAX) {
        return -E2BIG;
    }
    /* The reply topic first: answers and the marker must never be missed. */
    r = subscribe_one(m, m->reply_topic);
    for (size_t i = 0; r == 0 && i < n_filters; i++) {
        r = subscribe_one(m, filters[i]);
    }
    if (r < 0) {
        return r;
    }
    r = ctl_mqtt_run(m, is_subscribed, m, deadline_mono_ms);
    if (r < 0) {
        return r;
    }
    if (m->sub_refused) {
        (void) fprintf(stderr, "statebusctl: the broker refused a subscription (ACL?)\n");
        return -EACCES;
    }
    m->synced = false;
    r = ctl_mqtt_publish(m, m->reply_topic, m->marker, strlen(m->marker), NULL);
    if (r < 0) {
        return r;
    }
    return ctl_mqtt_run(m, is_synced, m, deadline_mono_ms);
}

int ctl_mqtt_publish(CtlMqtt *m,
                     const char *topic,
                     const void *payload,
                     size_t len,
                     const mosquitto_property *props)
{
    int rc = mosquitto_publish_v5(m->mosq, NULL, topic, (int) len, payload, 1, false, props);

    if (rc != MOSQ_ERR_SUCCESS) {
        (void) fprintf(stderr, "statebusctl: cannot publish on %s: %s\n", topic,
                       mosquitto_strerror(rc));
        return -EIO;
    }
    return 0;
}

int ctl_mqtt_run(CtlMqtt *m,
                 bool (*done)(void *userdata),
                 void *userdata,
                 uint64_t deadline_mono_ms)
{
    for (;;) {
        uint64_t now, slice;
        int rc;

        if (done(userdata)) {
            return 0;
        }
        if (ctl_interrupted) {
            return -EINTR;
        }
        if (m->lost) {
            (void) fprintf(stderr, "statebusctl: lost the connection to the broker\n");
            return -ECONNRESET;
        }
        if (m->publish_refused) {
            /* Nobody will answer a message the broker dropped: say why now, not at the
             * deadline. */
            (void) fprintf(stderr, "statebusctl: the broker refused our publish: %s\n",
                           mosquitto_reason_string(m->publish_refused));
            return -EACCES;
        }
        now = ctl_now_mono_ms();
        if (now >= deadline_mono_ms) {
            return -ETIMEDOUT;
        }
        slice = deadline_mono_ms - now < CTL_LOOP_SLICE_MS ? deadline_mono_ms - now
                                                           : CTL_LOOP_SLICE_MS;
        errno = 0;
        rc = mosquitto_loop(m->mosq, (int) slice, 1);
        if (rc == MOSQ_ERR_ERRNO && errno == EINTR) {
            continue;
        }
        if (rc != MOSQ_ERR_SUCCESS) {
            m->lost = true;
        }
    }
}
