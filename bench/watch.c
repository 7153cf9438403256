/* SPDX-License-Identifier: Apache-2.0 */
/* The observer and the raw echo on their own thread (see watch.h). */
#include "watch.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "statebus/payload.h"
#include "statebus/topic.h"

#include "bench-thread.h"
#include "bench-topics.h"

struct Watch {
    char system[SB_SYSTEM_ID_MAX + 1];
    uint32_t nodes;
    BenchLoop *loop; /* owned */
    BenchLoop *notify;
    BenchThread thread;
    BenchClient *observer;
    BenchClient *echo;
    char topic_pong[SB_TOPIC_MAX + 1];

    pthread_mutex_t lock;
    RollupView rollups[SB_KIND_COUNT];
    SbStatus status;
    uint64_t status_epoch;
    uint64_t status_ns;
    char event_ids[SB_EVENT_COUNT][SB_ID_MAX + 1];
    uint64_t errors;
    char error_why[SB_WHY_MAX + 1];
};

static void record_error(Watch *w, const char *why)
{
    w->errors++;
    (void) snprintf(w->error_why, sizeof(w->error_why), "%s", why);
}

static void on_rollup(Watch *w, SbStateKind kind, const struct mosquitto_message *msg, uint64_t t)
{
    SbRollupMsg m;
    const char *why = NULL;
    RollupView *v = &w->rollups[kind];

    if (msg->payloadlen == 0) {
        return; /* a retained rollup being cleared */
    }
    if (sb_rollup_decode(msg->payload, (size_t) msg->payloadlen, kind, &m, &why) < 0) {
        record_error(w, why ? why : "undecodable rollup");
        return;
    }
    v->valid = true;
    v->epoch = m.epoch;
    v->seq = m.seq;
    v->state = m.state;
    v->mixed = m.mixed;
    v->expected = m.expected;
    for (size_t i = 0; i < WATCH_VALUES_MAX; i++) {
        v->counts[i] = i < sizeof(m.counts) / sizeof(m.counts[0]) ? m.counts[i] : 0;
    }
    v->stale_total = (uint32_t) m.n_stale + m.stale_omitted;
    v->recv_ns = t;
    v->received++;
}

static void on_event(Watch *w, const struct mosquitto_message *msg)
{
    SbEvent e;
    const char *why = NULL;

    if (sb_event_decode(msg->payload, (size_t) msg->payloadlen, &e, &why) < 0) {
        record_error(w, why ? why : "undecodable event");
        return;
    }
    if (e.kind == SB_EVENT_REJECTED) {
        record_error(w, e.why);
    }
    if ((unsigned) e.kind < SB_EVENT_COUNT) {
        memcpy(w->event_ids[e.kind], e.id, sizeof(w->event_ids[e.kind]));
    }
}

static void on_observer_message(BenchClient *c, const struct mosquitto_message *msg, void *userdata)
{
    Watch *w = userdata;
    uint64_t t = bench_now_ns();
    SbStatusMsg st;
    SbTopic topic;

    (void) c;
    if (sb_topic_parse(msg->topic, strlen(msg->topic), &topic) < 0) {
        return;
    }
    (void) pthread_mutex_lock(&w->lock);
    switch (topic.kind) {
    case SB_TOPIC_SYSTEM_ROLLUP:
        on_rollup(w, topic.state_kind, msg, t);
        break;
    case SB_TOPIC_SYSTEM_STATUS:
        if (msg->payloadlen > 0 &&
            sb_status_decode(msg->payload, (size_t) msg->payloadlen, &st, NULL) >= 0) {
            w->status = st.status;
            w->status_epoch = st.epoch;
            w->status_ns = t;
        }
        break;
    case SB_TOPIC_EVENT:
        on_event(w, msg);
        break;
    default:
        break; /* requests, summary, rebirth: not measured */
    }
    (void) pthread_mutex_unlock(&w->lock);
    bench_loop_wake(w->notify);
}

/* The raw baselines: what a coordinator that did no work at all would cost. */
static void on_echo_message(BenchClient *c, const struct mosquitto_message *msg, void *userdata)
{
    Watch *w = userdata;
    char topic[SB_TOPIC_MAX + 1];
    SbTopic t;

    if (msg->retain) {
        return;
    }
    if (strcmp(msg->topic, w->topic_pong) == 0) {
        return;
    }
    if (strstr(msg->topic, "/raw/ping")) {
        (void) bench_client_publish(c, w->topic_pong, msg->payload, (size_t) msg->payloadlen,
                                    false);
        return;
    }
    /* raw/trigger: the payload is the command every node gets, on the topic the coordinator
     * would use. */
    t = (SbTopic){ .kind = SB_TOPIC_NODE_SET, .target = SB_TARGET_HOST };
    (void) snprintf(t.system, sizeof(t.system), "%s", w->system);
    for (uint32_t n = 1; n <= w->nodes; n++) {
        t.node = n;
        if (sb_topic_format(topic, sizeof(topic), &t) >= 0) {
            (void) bench_client_publish(c, topic, msg->payload, (size_t) msg->payloadlen, false);
        }
    }
}

static bool clients_ready(void *arg)
{
    Watch *w = arg;

    return bench_loop_all_connected(w->loop) && bench_loop_all_acked(w->loop);
}

static int subscribe_all(Watch *w)
{
    char obs[2][SB_TOPIC_MAX + 1], echo[2][SB_TOPIC_MAX + 1];
    char *obs_filters[2] = { obs[0], obs[1] }, *echo_filters[2] = { echo[0], echo[1] };
    SbTopic ev = { .kind = SB_TOPIC_EVENT };
    int r;

    (void) snprintf(ev.system, sizeof(ev.system), "%s", w->system);
    r = sb_filter_format(obs[0], sizeof(obs[0]), w->system, SB_FILTER_SYSTEM_ALL, 0);
    if (r >= 0) {
        /* system/# minus the deeper levels we do not need: system/+ */
        size_t len = strlen(obs[0]);
        obs[0][len - 1] = '+';
        r = sb_topic_format(obs[1], sizeof(obs[1]), &ev);
    }
    if (r >= 0) {
        r = bench_topic_format(echo[0], sizeof(echo[0]), w->system, BENCH_TOPIC_PING);
    }
    if (r >= 0) {
        r = bench_topic_format(echo[1], sizeof(echo[1]), w->system, BENCH_TOPIC_TRIGGER);
    }
    if (r >= 0) {
        r = bench_client_subscribe(w->observer, obs_filters, 2);
    }
    if (r >= 0) {
        r = bench_client_subscribe(w->echo, echo_filters, 2);
    }
    return r;
}

static int watch_connect(Watch *w, const char *host, uint16_t port, uint64_t timeout_ms)
{
    char id[128];
    BenchClientConfig cfg = {
        .host = host,
        .port = port,
        .client_id = id,
        .receive_maximum = 65535,
        .userdata = w,
    };
    int r;

    (void) snprintf(id, sizeof(id), "bench-%d-%s-observer", (int) getpid(), w->system);
    cfg.on_message = on_observer_message;
    r = bench_client_new(w->loop, &cfg, &w->observer);
    if (r >= 0) {
        (void) snprintf(id, sizeof(id), "bench-%d-%s-echo", (int) getpid(), w->system);
        cfg.on_message = on_echo_message;
        r = bench_client_new(w->loop, &cfg, &w->echo);
    }
    if (r >= 0) {
        r = bench_loop_wait(w->loop, clients_ready, w, timeout_ms);
    }
    if (r >= 0) {
        r = subscribe_all(w);
    }
    if (r >= 0) {
        r = bench_loop_wait(w->loop, clients_ready, w, timeout_ms);
    }
    return r;
}

int watch_start(const BenchSystem *sys, BenchLoop *notify, uint64_t timeout_ms, Watch **ret)
{
    const char *host = sys->host, *system = sys->system;
    uint16_t port = sys->port;
    uint32_t nodes = sys->nodes;
    Watch *w = calloc(1, sizeof(*w));
    int r;

    if (!w) {
        return -ENOMEM;
    }
    (void) pthread_mutex_init(&w->lock, NULL);
    (void) snprintf(w->system, sizeof(w->system), "%s", system);
    w->nodes = nodes;
    w->notify = notify;
    r = bench_topic_format(w->topic_pong, sizeof(w->topic_pong), system, BENCH_TOPIC_PONG);
    if (r >= 0) {
        r = bench_loop_new(&w->loop);
    }
    if (r >= 0) {
        r = watch_connect(w, host, port, timeout_ms);
    }
    if (r >= 0) {
        r = bench_thread_start(&w->thread, w->loop, NULL, NULL);
    }
    if (r < 0) {
        (void) watch_free(w);
        return r;
    }
    *ret = w;
    return 0;
}

Watch *watch_free(Watch *w)
{
    if (!w) {
        return NULL;
    }
    bench_thread_stop(&w->thread);
    if (w->loop) {
        if (w->observer) {
            bench_client_disconnect(w->observer);
        }
        if (w->echo) {
            bench_client_disconnect(w->echo);
        }
        w->loop = bench_loop_free(w->loop);
    }
    (void) pthread_mutex_destroy(&w->lock);
    free(w);
    return NULL;
}

bool watch_failed(Watch *w)
{
    return atomic_load(&w->thread.failed);
}

void watch_rollup(Watch *w, SbStateKind kind, RollupView *ret)
{
    (void) pthread_mutex_lock(&w->lock);
    *ret = w->rollups[kind];
    (void) pthread_mutex_unlock(&w->lock);
}

void watch_status(Watch *w, SbStatus *ret_status, uint64_t *ret_epoch, uint64_t *ret_ns)
{
    (void) pthread_mutex_lock(&w->lock);
    *ret_status = w->status;
    *ret_epoch = w->status_epoch;
    *ret_ns = w->status_ns;
    (void) pthread_mutex_unlock(&w->lock);
}

bool watch_event_seen(Watch *w, SbEventKind kind, const char *id)
{
    bool seen;

    (void) pthread_mutex_lock(&w->lock);
    seen = (unsigned) kind < SB_EVENT_COUNT && strcmp(w->event_ids[kind], id) == 0;
    (void) pthread_mutex_unlock(&w->lock);
    return seen;
}

uint64_t watch_errors(Watch *w, char *why, size_t size)
{
    uint64_t n;

    (void) pthread_mutex_lock(&w->lock);
    n = w->errors;
    (void) snprintf(why, size, "%s", w->error_why);
    (void) pthread_mutex_unlock(&w->lock);
    return n;
}
