/* SPDX-License-Identifier: Apache-2.0 */
#include "bench-thread.h"

#include <errno.h>

static void *thread_main(void *arg)
{
    BenchThread *t = arg;

    while (!atomic_load(&t->stop)) {
        /* 100 ms rounds: bench_thread_stop() wakes the loop, this only bounds a missed wake. */
        if (bench_loop_run_once(t->loop, 100) < 0) {
            atomic_store(&t->failed, true);
        }
        if (t->tick) {
            t->tick(t->userdata);
        }
    }
    return NULL;
}

int bench_thread_start(BenchThread *t, BenchLoop *loop, void (*tick)(void *), void *userdata)
{
    int r;

    t->loop = loop;
    t->tick = tick;
    t->userdata = userdata;
    atomic_store(&t->stop, false);
    atomic_store(&t->failed, false);
    r = pthread_create(&t->thread, NULL, thread_main, t);
    if (r != 0) {
        return -r;
    }
    t->running = true;
    return 0;
}

void bench_thread_stop(BenchThread *t)
{
    if (!t->running) {
        return;
    }
    atomic_store(&t->stop, true);
    bench_loop_wake(t->loop);
    (void) pthread_join(t->thread, NULL);
    t->running = false;
}
