/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A BenchLoop run by a thread of its own: the generator's observers (rollups, the plain
 * subscriber, the raw echo) must not share a thread with the publishing nodes, or their receive
 * times would include the publisher's work. Start it once the loop's clients are connected and
 * subscribed; from then on only the thread touches the loop.
 */
#ifndef STATEBUS_BENCH_THREAD_H
#define STATEBUS_BENCH_THREAD_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "bench-loop.h"

typedef struct BenchThread {
    BenchLoop *loop; /* borrowed; driven by the thread while it runs */
    pthread_t thread;
    atomic_bool stop;
    atomic_bool failed; /* a client of the loop lost its connection */
    bool running;
    /* Called in the thread after every loop round (may be NULL): for work the thread must do on
     * a request from another thread. */
    void (*tick)(void *userdata);
    void *userdata;
} BenchThread;

/* Starts the thread on loop. Returns 0 or negative errno. */
int bench_thread_start(BenchThread *t, BenchLoop *loop, void (*tick)(void *), void *userdata);
/* Stops and joins the thread (no-op when not running). */
void bench_thread_stop(BenchThread *t);

#endif
