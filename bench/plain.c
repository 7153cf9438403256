/* SPDX-License-Identifier: Apache-2.0 */
/* Plain subscribers: the broker baselines of ingest and cold start (see plain.h). */
#include "plain.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "statebus/limits.h"
#include "statebus/topic.h"

#include "bench-thread.h"
#include "bench-topics.h"

typedef enum ColdPhase {
    COLD_IDLE,
    COLD_REQUESTED,  /* set by the main thread */
    COLD_CONNECTING, /* the rest by the plain thread */
    COLD_RECEIVING,
    COLD_DONE,
} ColdPhase;

struct Plain {
    char system[SB_SYSTEM_ID_MAX + 1];
    char host[256];
    uint16_t port;
    uint32_t nodes;
    BenchLoop *loop; /* owned */
    BenchLoop *notify;
    BenchThread thread;
    BenchClient *counter;
    char filter[SB_TOPIC_MAX + 1];

    atomic_uint_fast64_t count;
    atomic_uint_fast64_t last_ns;
    atomic_uint_fast64_t wake_at; /* the count that wakes the main thread */
    /* The main thread sets listen_wanted, then bumps listen_request; the plain thread copies
     * the request number to listen_acked once the broker acknowledged that state. */
    atomic_bool listen_wanted;
    atomic_uint listen_request;
    atomic_uint listen_acked;
    unsigned listen_seen; /* plain thread: the request being carried out */
    bool listening;

    /* Cold-start baseline: phase is shared, the rest belongs to the plain thread. */
    atomic_int cold_phase;
    atomic_uint_fast64_t cold_ns;
    uint64_t cold_retained_expected;
    uint64_t cold_t0;
    uint64_t cold_retained;
    uint32_t cold_live_nodes;
    uint8_t *cold_live; /* per node: a live answer was seen */
    BenchClient *cold;
    bool cold_rebirth_sent;
    unsigned cold_serial;
};

static void on_counter_message(BenchClient *c, const struct mosquitto_message *msg, void *userdata)
{
    Plain *p = userdata;

    (void) c;
    (void) msg;
    atomic_store(&p->last_ns, bench_now_ns());
    /* One wake-up when the awaited count is reached, not one per message: the baseline must not
     * pay (nor load the machine with) work the coordinator does not do. */
    if (atomic_fetch_add(&p->count, 1) + 1 == atomic_load(&p->wake_at)) {
        bench_loop_wake(p->notify);
    }
}

static void cold_finish(Plain *p, uint64_t duration_ns)
{
    atomic_store(&p->cold_ns, duration_ns);
    atomic_store(&p->cold_phase, COLD_DONE);
    bench_loop_wake(p->notify);
}

static void on_cold_message(BenchClient *c, const struct mosquitto_message *msg, void *userdata)
{
    Plain *p = userdata;
    SbTopic t;

    (void) c;
    if (atomic_load(&p->cold_phase) != COLD_RECEIVING ||
        sb_topic_parse(msg->topic, strlen(msg->topic), &t) < 0) {
        return;
    }
    if (msg->retain) {
        p->cold_retained++;
    } else if (t.node <= p->nodes && !p->cold_live[t.node]) {
        p->cold_live[t.node] = 1;
        p->cold_live_nodes++;
    }
    if (p->cold_retained >= p->cold_retained_expected && p->cold_live_nodes == p->nodes) {
        cold_finish(p, bench_now_ns() - p->cold_t0);
    }
}

/* The counter's subscription follows listen_wanted. */
static void listen_tick(Plain *p)
{
    char *filters[1] = { p->filter };
    unsigned request = atomic_load(&p->listen_request);
    bool wanted = atomic_load(&p->listen_wanted);

    if (request == atomic_load(&p->listen_acked)) {
        return;
    }
    if (request != p->listen_seen) {
        p->listen_seen = request;
        if (wanted != p->listening) {
            int r = wanted ? bench_client_subscribe(p->counter, filters, 1)
                           : bench_client_unsubscribe(p->counter, filters, 1);

            if (r < 0) {
                atomic_store(&p->thread.failed, true);
                return;
            }
            p->listening = wanted;
        }
    }
    if (bench_client_pending(p->counter) == 0) {
        atomic_store(&p->listen_acked, request);
        bench_loop_wake(p->notify);
    }
}

/* Runs in the plain thread after every loop round: the counter's subscription and the
 * cold-start baseline. */
static void cold_tick(void *userdata)
{
    Plain *p = userdata;
    char id[128], rebirth[SB_TOPIC_MAX + 1];
    char *filters[1] = { p->filter };
    BenchClientConfig cfg = {
        .host = p->host,
        .port = p->port,
        .client_id = id,
        .receive_maximum = 65535,
        .on_message = on_cold_message,
        .userdata = p,
    };

    listen_tick(p);
    switch ((ColdPhase) atomic_load(&p->cold_phase)) {
    case COLD_REQUESTED:
        if (p->cold) {
            bench_client_disconnect(p->cold);
            p->cold = NULL;
        }
        memset(p->cold_live, 0, (size_t) p->nodes + 1);
        p->cold_live_nodes = 0;
        p->cold_retained = 0;
        (void) snprintf(id, sizeof(id), "bench-%d-%s-cold-%u", (int) getpid(), p->system,
                        ++p->cold_serial);
        p->cold_t0 = bench_now_ns();
        if (bench_client_new(p->loop, &cfg, &p->cold) < 0) {
            cold_finish(p, 0);
            return;
        }
        atomic_store(&p->cold_phase, COLD_CONNECTING);
        return;
    case COLD_CONNECTING:
        if (!bench_client_is_connected(p->cold)) {
            return;
        }
        /* Counting starts now: the retained messages follow the SUBACK in the same read. */
        p->cold_rebirth_sent = false;
        atomic_store(&p->cold_phase, COLD_RECEIVING);
        if (bench_client_subscribe(p->cold, filters, 1) < 0) {
            cold_finish(p, 0);
        }
        return;
    case COLD_RECEIVING:
        /* Ask for the answers once subscribed, as the coordinator does. */
        if (!p->cold_rebirth_sent && bench_client_pending(p->cold) == 0) {
            p->cold_rebirth_sent = true;
            if (bench_topic_format(rebirth, sizeof(rebirth), p->system, BENCH_TOPIC_REBIRTH) < 0 ||
                bench_client_publish(p->cold, rebirth, "{}", 2, false) < 0) {
                cold_finish(p, 0);
            }
        }
        return;
    case COLD_DONE:
        if (p->cold) {
            bench_client_disconnect(p->cold);
            p->cold = NULL;
        }
        return;
    case COLD_IDLE:
        return;
    }
}

static bool counter_ready(void *arg)
{
    Plain *p = arg;

    return bench_loop_all_connected(p->loop) && bench_loop_all_acked(p->loop);
}

int plain_start(const BenchSystem *sys, BenchLoop *notify, uint64_t timeout_ms, Plain **ret)
{
    const char *host = sys->host, *system = sys->system;
    uint16_t port = sys->port;
    uint32_t nodes = sys->nodes;
    Plain *p = calloc(1, sizeof(*p));
    char id[128];
    BenchClientConfig cfg = {
        .host = host,
        .port = port,
        .client_id = id,
        .receive_maximum = 65535, /* as the coordinator announces */
        .on_message = on_counter_message,
    };
    int r;

    if (!p) {
        return -ENOMEM;
    }
    cfg.userdata = p;
    (void) snprintf(p->system, sizeof(p->system), "%s", system);
    (void) snprintf(p->host, sizeof(p->host), "%s", host);
    p->port = port;
    p->nodes = nodes;
    p->notify = notify;
    p->cold_live = calloc((size_t) nodes + 1, 1);
    r = p->cold_live ? 0 : -ENOMEM;
    if (r >= 0) {
        r = sb_filter_format(p->filter, sizeof(p->filter), system, SB_FILTER_NODE_TOPICS, 0);
    }
    if (r >= 0) {
        r = bench_loop_new(&p->loop);
    }
    if (r >= 0) {
        (void) snprintf(id, sizeof(id), "bench-%d-%s-plain", (int) getpid(), system);
        r = bench_client_new(p->loop, &cfg, &p->counter);
    }
    if (r >= 0) {
        r = bench_loop_wait(p->loop, counter_ready, p, timeout_ms);
    }
    if (r >= 0) {
        r = bench_thread_start(&p->thread, p->loop, cold_tick, p);
    }
    if (r < 0) {
        (void) plain_free(p);
        return r;
    }
    *ret = p;
    return 0;
}

Plain *plain_free(Plain *p)
{
    if (!p) {
        return NULL;
    }
    bench_thread_stop(&p->thread);
    if (p->loop) {
        if (p->cold) {
            bench_client_disconnect(p->cold);
        }
        if (p->counter) {
            bench_client_disconnect(p->counter);
        }
        p->loop = bench_loop_free(p->loop);
    }
    free(p->cold_live);
    free(p);
    return NULL;
}

bool plain_failed(Plain *p)
{
    return atomic_load(&p->thread.failed);
}

void plain_listen(Plain *p, bool on)
{
    atomic_store(&p->listen_wanted, on);
    atomic_fetch_add(&p->listen_request, 1);
    bench_loop_wake(p->loop);
}

bool plain_listening(Plain *p, bool on)
{
    return atomic_load(&p->listen_wanted) == on &&
           atomic_load(&p->listen_acked) == atomic_load(&p->listen_request);
}

void plain_reset(Plain *p, uint64_t wake_at)
{
    atomic_store(&p->wake_at, wake_at);
    atomic_store(&p->count, 0);
    atomic_store(&p->last_ns, 0);
}

uint64_t plain_count(Plain *p, uint64_t *ret_last_ns)
{
    uint64_t n = atomic_load(&p->count);

    *ret_last_ns = atomic_load(&p->last_ns);
    return n;
}

void plain_cold_start(Plain *p, uint64_t retained)
{
    /* Written before the phase flips: the thread reads it only after seeing COLD_REQUESTED. */
    p->cold_retained_expected = retained;
    atomic_store(&p->cold_ns, 0);
    atomic_store(&p->cold_phase, COLD_REQUESTED);
    bench_loop_wake(p->loop);
}

bool plain_cold_done(Plain *p, uint64_t *ret_ns)
{
    if (atomic_load(&p->cold_phase) != COLD_DONE) {
        return false;
    }
    *ret_ns = atomic_load(&p->cold_ns);
    return true;
}
