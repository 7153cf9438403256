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

#include "statebus/payload.h"
#include "statebus/topic.h"

#include "broker-addr.h"
#include "mqtt-io.h"
#include "time-util.h"

#define CTL_KEEPALIVE_S 30
#define CTL_LOOP_SLICE_MS                                                  \
    500 /* mosquitto_loop() wait; SIGINT and deadlines are checked between \
         */
#define CTL_SUBS_MAX 16
/* One address of a --broker list gets this long for its CONNACK before the next is tried (the
 * last one gets what is left of the deadline). */
#define CTL_ATTEMPT_MS 3000u
/* When no retained system/status arrived: how long to wait for the coordinator's answer to
 * system/sync (its status, live, comes last). It answers within its rate limit (1 s) when up. */
#define CTL_SYNC_WAIT_MS 2000u

struct CtlMqtt {
    struct mosquitto *mosq; /* owned */
    char client_id[96];
    char reply_topic[SB_TOPIC_MAX + 1];
    char marker[160];                    /* payload of our sync marker */
    char status_topic[SB_TOPIC_MAX + 1]; /* <root>/system/status */
    char sync_topic[SB_TOPIC_MAX + 1];   /* <root>/system/sync */
    char broker_name[BROKER_HOST_SIZE + 16];
    bool v5;            /* the connection speaks MQTT 5 (else 3.1.1: no properties) */
    bool status_wanted; /* a filter of the caller covers system/status */
    bool status_online; /* the last system/status (retained or live) said online */
    bool status_live;   /* a live (not retained) system/status arrived: the sync answer */
    int sync_mid;       /* of our system/sync publish: an ACL refusing it is not fatal */
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
    (void) props;
    if (reason_code >= 0x80 && mid == m->sync_mid) {
        return; /* an older ACL without system/sync: the retained copies are all we get */
    }
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
    if (strcmp(msg->topic, m->status_topic) == 0) {
        SbStatusMsg st;

        m->status_online =
                msg->payloadlen > 0 &&
                sb_status_decode(msg->payload, (size_t) msg->payloadlen, &st, NULL) >= 0 &&
                st.status == SB_STATUS_ONLINE;
        m->status_live = m->status_live || !msg->retain;
        if (!m->status_wanted) {
            return; /* ours only: asked for the sync */
        }
    }
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
    CtlMqtt *m = userdata;

    return m->connack || m->lost;
}

/* How a broker refuses the protocol of our CONNECT: CONNACK "unsupported protocol version"
 * (libmosquitto reports a 3.1.1 broker's refusal as 0x84 too), or a close without CONNACK
 * (RabbitMQ 3.10 drops an MQTT 5 CONNECT as an unparsable frame). */
static bool refused_protocol(const CtlMqtt *m)
{
    if (m->connack) {
        return m->connack_rc == MQTT_RC_UNSUPPORTED_PROTOCOL_VERSION ||
               m->connack_rc == CONNACK_REFUSED_PROTOCOL_VERSION;
    }
    return m->lost;
}

/* One address's attempt: the address, until when, and where to say why it failed. */
typedef struct ConnectAttempt {
    const BrokerAddr *addr;
    uint64_t deadline_mono_ms;
    char *why;
    size_t why_size;
} ConnectAttempt;

/* One CONNECT to at's address with one protocol, on a fresh client. Returns 0 (connected),
 * -EPROTONOSUPPORT (the broker refused the protocol; why is in at->why), or another negative
 * errno with at->why filled. */
static int connect_once(CtlMqtt *m, const CtlOptions *o, const ConnectAttempt *at, int protocol)
{
    const BrokerAddr *a = at->addr;
    char *why = at->why;
    const size_t why_size = at->why_size;
    int rc, r;

    if (m->mosq) {
        mosquitto_destroy(m->mosq);
    }
    m->connack = m->connected = m->lost = false;
    m->connack_rc = 0;
    m->mosq = mosquitto_new(m->client_id, true, m);
    if (!m->mosq) {
        (void) snprintf(why, why_size, "out of memory");
        return -ENOMEM;
    }
    (void) mosquitto_int_option(m->mosq, MOSQ_OPT_PROTOCOL_VERSION, protocol);
    (void) mosquitto_int_option(m->mosq, MOSQ_OPT_TCP_NODELAY, 1);
    r = ctl_mqtt_auth_set(m->mosq, &o->auth);
    if (r < 0) {
        why[0] = '\0'; /* printed already: the same for every address */
        return r;
    }
    mosquitto_connect_v5_callback_set(m->mosq, on_connect);
    mosquitto_disconnect_v5_callback_set(m->mosq, on_disconnect);
    mosquitto_subscribe_v5_callback_set(m->mosq, on_subscribe);
    mosquitto_publish_v5_callback_set(m->mosq, on_publish);
    mosquitto_message_v5_callback_set(m->mosq, on_message);

    errno = 0;
    rc = mosquitto_connect_bind_v5(m->mosq, a->host, a->port, CTL_KEEPALIVE_S, NULL, NULL);
    if (rc != MOSQ_ERR_SUCCESS) {
        /* A TLS broker that refuses our certificate (TLS 1.3 reports it after the handshake)
         * shows up as a TLS or protocol error: say where to look. */
        (void) snprintf(why, why_size, "%s%s",
                        rc == MOSQ_ERR_ERRNO ? strerror(errno) : mosquitto_strerror(rc),
                        (rc == MOSQ_ERR_TLS || rc == MOSQ_ERR_PROTOCOL)
                                ? " (TLS: check --cafile, --cert and --key against the broker's CA)"
                                : "");
        return -ECONNREFUSED;
    }
    r = ctl_mqtt_run(m, is_connack, m, at->deadline_mono_ms);
    if (r == -ETIMEDOUT) {
        (void) snprintf(why, why_size, "no answer");
        return r;
    }
    if (r < 0 && r != -ECONNRESET) {
        why[0] = '\0';
        return r;
    }
    if (m->connected) {
        m->v5 = protocol == MQTT_PROTOCOL_V5;
        return 0;
    }
    if (m->connack) {
        (void) snprintf(why, why_size, "refused the connection: %s",
                        mosquitto_reason_string(m->connack_rc));
    } else {
        (void) snprintf(why, why_size, "closed the connection without an answer");
    }
    return refused_protocol(m) ? -EPROTONOSUPPORT : -ECONNREFUSED;
}

/* One address: its protocol (auto: 5, then 3.1.1 when 5 is refused). */
static int connect_address(CtlMqtt *m, const CtlOptions *o, const ConnectAttempt *at)
{
    char *why = at->why;
    char why5[160];
    int r;

    if (o->mqtt_version == MQTT_IO_VERSION_311) {
        return connect_once(m, o, at, MQTT_PROTOCOL_V311);
    }
    r = connect_once(m, o, at, MQTT_PROTOCOL_V5);
    if (r != -EPROTONOSUPPORT || o->mqtt_version == MQTT_IO_VERSION_5) {
        return r;
    }
    (void) snprintf(why5, sizeof(why5), "%s", why);
    r = connect_once(m, o, at, MQTT_PROTOCOL_V311);
    if (r == 0) {
        (void) fprintf(stderr, "statebusctl: broker %s refused MQTT 5 (%s); using MQTT 3.1.1\n",
                       m->broker_name, why5);
    } else if (r == -EPROTONOSUPPORT) {
        char both[400];

        (void) snprintf(both, sizeof(both), "refused both MQTT 5 (%s) and MQTT 3.1.1 (%s)", why5,
                        why);
        (void) snprintf(why, at->why_size, "%s", both);
    }
    return r;
}

static int ctl_mqtt_topics(CtlMqtt *m, const char *system)
{
    SbTopic t = { .kind = SB_TOPIC_SYSTEM_STATUS };
    int r;

    (void) snprintf(t.system, sizeof(t.system), "%s", system);
    r = sb_topic_format(m->status_topic, sizeof(m->status_topic), &t);
    t.kind = SB_TOPIC_SYSTEM_SYNC;
    if (r >= 0) {
        r = sb_topic_format(m->sync_topic, sizeof(m->sync_topic), &t);
    }
    if (r >= 0) {
        r = sb_reply_topic_format(m->reply_topic, sizeof(m->reply_topic), system, m->client_id);
    }
    return r < 0 ? r : 0;
}

int ctl_mqtt_connect(const CtlOptions *o,
                     uint64_t deadline_mono_ms,
                     CtlMessageHandler handler,
                     void *userdata,
                     CtlMqtt **ret)
{
    BrokerAddr first;
    const BrokerAddr *addrs;
    size_t n_addrs = 0;
    CtlMqtt *m;
    int r = -ECONNREFUSED;

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
                    (unsigned long long) now_unix_ms());
    r = ctl_mqtt_topics(m, o->system);
    if (r < 0) {
        (void) fprintf(stderr, "statebusctl: cannot build topics: %s\n", strerror(-r));
        ctl_mqtt_free(m);
        return r;
    }
    (void) snprintf(m->marker, sizeof(m->marker), "{\"v\":1,\"sync\":\"%s\"}", m->client_id);

    /* A cluster's nodes in turn: the first that answers. */
    addrs = optbroker_list(&o->broker, &first, &n_addrs);
    for (size_t i = 0; i < n_addrs; i++) {
        uint64_t now = now_mono_ms();
        uint64_t until = i + 1 < n_addrs && now + CTL_ATTEMPT_MS < deadline_mono_ms
                                 ? now + CTL_ATTEMPT_MS
                                 : deadline_mono_ms;
        char why[480];

        (void) broker_addr_format(addrs[i].host, addrs[i].port, m->broker_name,
                                  sizeof(m->broker_name));
        why[0] = '\0';
        r = connect_address(m, o,
                            &(ConnectAttempt){ .addr = &addrs[i],
                                               .deadline_mono_ms = until,
                                               .why = why,
                                               .why_size = sizeof(why) });
        if (r == 0) {
            *ret = m;
            return 0;
        }
        if (why[0]) {
            (void) fprintf(stderr, "statebusctl: cannot connect to broker %s: %s\n", m->broker_name,
                           why);
        }
        if (r == -EINVAL || r == -ENOMEM || r == -EINTR || now_mono_ms() >= deadline_mono_ms) {
            break;
        }
    }
    ctl_mqtt_free(m);
    return r == -EPROTONOSUPPORT ? -ECONNREFUSED : r;
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

static bool is_status_live(void *userdata)
{
    return ((CtlMqtt *) userdata)->status_live;
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

    if (n_filters + 2 > CTL_SUBS_MAX) {
        return -E2BIG;
    }
    for (size_t i = 0; i < n_filters; i++) {
        bool match = false;

        if (mosquitto_topic_matches_sub(filters[i], m->status_topic, &match) == MOSQ_ERR_SUCCESS &&
            match) {
            m->status_wanted = true;
        }
    }
    /* The reply topic first: answers and the marker must never be missed. */
    r = subscribe_one(m, m->reply_topic);
    for (size_t i = 0; r == 0 && i < n_filters; i++) {
        r = subscribe_one(m, filters[i]);
    }
    if (r == 0 && !m->status_wanted) {
        r = subscribe_one(m, m->status_topic); /* for the sync answer only */
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
    r = ctl_mqtt_run(m, is_synced, m, deadline_mono_ms);
    if (r < 0 || m->status_online) {
        /* The retained status of the coordinator's current connection is here, so is what it
         * published after it (on an ejabberd cluster retained messages are served by the node
         * they were published through, and the coordinator republishes everything at each
         * connect). */
        return r;
    }
    /* No retained status, or one that is not online (another cluster node's retained store,
     * RabbitMQ's wildcards, a broker without persistence, a cluster node serving an older copy
     * such as the Will of the coordinator's previous connection): ask the coordinator to
     * republish its topics (system/sync, topics/README.md "Sync"), status last, and wait for
     * that status, bounded: a coordinator that is down cannot answer (when it comes back its
     * status arrives live anyway). */
    if (mosquitto_publish_v5(m->mosq, &m->sync_mid, m->sync_topic, 2, "{}", 1, false, NULL) !=
        MOSQ_ERR_SUCCESS) {
        return 0;
    }
    {
        uint64_t until = now_mono_ms() + CTL_SYNC_WAIT_MS;

        r = ctl_mqtt_run(m, is_status_live, m, until < deadline_mono_ms ? until : deadline_mono_ms);
    }
    return r == -ETIMEDOUT ? 0 : r;
}

int ctl_mqtt_publish(CtlMqtt *m,
                     const char *topic,
                     const void *payload,
                     size_t len,
                     const mosquitto_property *props)
{
    /* MQTT 3.1.1 has no properties: answers are followed on <root>/event by request id. */
    int rc = mosquitto_publish_v5(m->mosq, NULL, topic, (int) len, payload, 1, false,
                                  m->v5 ? props : NULL);

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
        now = now_mono_ms();
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
