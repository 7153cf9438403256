/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The generator's view of the coordinator, on a thread of its own: an observer of
 * statebus/<system>/system/+ and <root>/event (rollups, status, events, each with its receive
 * time), and the raw echo client that stands in for a coordinator doing nothing (ping -> pong,
 * trigger -> a command to every node), the broker baseline of the gate measurement.
 *
 * Every accessor copies under a lock and may be called from any thread; every new observation
 * wakes the loop given at start, so a wait there re-checks its condition at once.
 */
#ifndef STATEBUS_BENCH_WATCH_H
#define STATEBUS_BENCH_WATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "statebus/enums.h"
#include "statebus/limits.h"

#include "bench-loop.h"

#define WATCH_VALUES_MAX 16

typedef struct RollupView {
    bool valid;
    uint64_t epoch; /* the coordinator's epoch in the rollup */
    uint64_t seq;
    int state;
    bool mixed;
    uint32_t expected;
    uint32_t counts[WATCH_VALUES_MAX];
    uint32_t stale_total; /* listed + omitted */
    uint64_t recv_ns;
    uint64_t received; /* rollups of this kind received since start */
} RollupView;

typedef struct Watch Watch;

/* Connects and subscribes both clients (bounded by timeout_ms), then starts the thread. */
int watch_start(const BenchSystem *sys, BenchLoop *notify, uint64_t timeout_ms, Watch **ret);
/* Stops the thread and frees; NULL is fine. Returns NULL. */
Watch *watch_free(Watch *w);

/* True when a client of the watch lost its connection. */
bool watch_failed(Watch *w);

void watch_rollup(Watch *w, SbStateKind kind, RollupView *ret);

/* The last system/status seen: status, epoch and receive time (0 before any). */
void watch_status(Watch *w, SbStatus *ret_status, uint64_t *ret_epoch, uint64_t *ret_ns);

/* True once an event of kind with id was seen (the last one of each kind is kept). */
bool watch_event_seen(Watch *w, SbEventKind kind, const char *id);

/* "rejected" events and payloads of ours that did not decode: each is an error of the run.
 * Copies the last reason into why. */
uint64_t watch_errors(Watch *w, char *why, size_t size);

#endif
