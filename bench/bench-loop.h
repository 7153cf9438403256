/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A small epoll loop driving many libmosquitto clients from one thread, for the load generator.
 * Each loop belongs to one thread; bench_loop_wake() is the only call another thread may make.
 *
 * Unlike the daemons' mqtt-io there is no reconnect: a benchmark whose connection drops has
 * failed, and every wait returns -ECONNRESET from then on. Every read event drains the socket
 * (all complete packets the kernel holds, bounded), so one wake-up handles a whole burst.
 */
#ifndef STATEBUS_BENCH_LOOP_H
#define STATEBUS_BENCH_LOOP_H

#include <mosquitto.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct BenchLoop BenchLoop;
typedef struct BenchClient BenchClient;

typedef void (*BenchMessageFn)(BenchClient *client,
                               const struct mosquitto_message *msg,
                               void *userdata);

typedef struct BenchClientConfig {
    const char *host; /* copied */
    uint16_t port;
    const char *client_id;    /* copied; must be unique on the broker */
    unsigned receive_maximum; /* v5 receive-maximum we announce; 0 = library default */
    BenchMessageFn on_message;
    void *userdata;
    /* Optional Last Will (retained, QoS 1), as a real agent sets. */
    const char *will_topic;
    const void *will_payload;
    size_t will_len;
} BenchClientConfig;

/* Predicate for bench_loop_wait(). */
typedef bool (*BenchDoneFn)(void *arg);

int bench_loop_new(BenchLoop **ret);
/* Destroys every client of the loop (without DISCONNECT) and the loop. Returns NULL. */
BenchLoop *bench_loop_free(BenchLoop *loop);

/* Thread-safe: makes the loop's current or next epoll_wait() return. */
void bench_loop_wake(BenchLoop *loop);

/* One round: wait up to timeout_ms for I/O, handle it, flush what callbacks queued.
 * Returns 0, or -ECONNRESET once any client of the loop has lost its connection. */
int bench_loop_run_once(BenchLoop *loop, int timeout_ms);

/* Runs the loop until done(arg) is true (checked before every round) or timeout_ms passed.
 * Returns 0, -ETIMEDOUT or -ECONNRESET. */
int bench_loop_wait(BenchLoop *loop, BenchDoneFn done, void *arg, uint64_t timeout_ms);

/* Creates a client (MQTT v5, TCP_NODELAY, clean start) and starts connecting. */
int bench_client_new(BenchLoop *loop, const BenchClientConfig *cfg, BenchClient **ret);

/* Clean DISCONNECT and removal from the loop. */
void bench_client_disconnect(BenchClient *client);

bool bench_client_is_connected(const BenchClient *client);

/* QoS 1 publishes not yet acknowledged plus subscriptions not yet acknowledged. */
uint64_t bench_client_pending(const BenchClient *client);

/* Publish at QoS 1 (every statebus message the benchmark sends is QoS 1, and on_publish then
 * means PUBACK); outside a callback the packet is written at once when the socket takes it. */
int bench_client_publish(BenchClient *client,
                         const char *topic,
                         const void *payload,
                         size_t len,
                         bool retain);

/* One SUBSCRIBE for n filters (n <= 128) at QoS 1. */
int bench_client_subscribe(BenchClient *client, char *const *filters, int n);

/* One UNSUBSCRIBE for n filters (n <= 128). */
int bench_client_unsubscribe(BenchClient *client, char *const *filters, int n);

/* True when every client of the loop is connected; false once one has failed. */
bool bench_loop_all_connected(const BenchLoop *loop);
/* True when no client of the loop waits for a PUBACK or SUBACK. */
bool bench_loop_all_acked(const BenchLoop *loop);
/* Number of clients that lost their connection. */
unsigned bench_loop_failed(const BenchLoop *loop);

/* CLOCK_MONOTONIC in nanoseconds: every timestamp of the benchmark. */
uint64_t bench_now_ns(void);

/* The system under test: its broker, its name and its size (nodes 1..nodes). */
typedef struct BenchSystem {
    const char *host;
    uint16_t port;
    const char *system;
    uint32_t nodes;
} BenchSystem;

#endif
