/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The broker's own limits, measured by plain subscribers on a thread of their own:
 *
 * - a plain subscriber of statebus/<system>/node/+/+ (the coordinator's filter, QoS 1, the same
 *   receive-maximum) that only counts: what the broker delivers of an ingest burst;
 * - on request, a fresh client that connects, subscribes to the same filter, asks the simulated
 *   nodes for a rebirth on bench/<system>/raw/rebirth and stops once it holds every retained
 *   message and one live answer of every node: the cold start of a coordinator that does no work
 *   (the coordinator's own rebirth window ends at that same point).
 */
#ifndef STATEBUS_BENCH_PLAIN_H
#define STATEBUS_BENCH_PLAIN_H

#include <stdbool.h>
#include <stdint.h>

#include "bench-loop.h"

typedef struct Plain Plain;

int plain_start(const BenchSystem *sys, BenchLoop *notify, uint64_t timeout_ms, Plain **ret);
Plain *plain_free(Plain *p);

bool plain_failed(Plain *p);

/* Subscribes (on) or unsubscribes the counting subscriber; plain_listening() is true once the
 * broker acknowledged it. It listens only while an ingest burst is measured: at other times its
 * deliveries would load the broker and the generator during measurements of the coordinator. */
void plain_listen(Plain *p, bool on);
bool plain_listening(Plain *p, bool on);

/* Node messages received since the last reset, and the receive time of the last one. The
 * notify loop is woken when the count reaches wake_at. */
void plain_reset(Plain *p, uint64_t wake_at);
uint64_t plain_count(Plain *p, uint64_t *ret_last_ns);

/* Starts one cold-start baseline; retained is how many retained node messages exist. */
void plain_cold_start(Plain *p, uint64_t retained);
/* True once the baseline finished; *ret_ns is its duration (connect to complete), 0 when it
 * failed. */
bool plain_cold_done(Plain *p, uint64_t *ret_ns);

#endif
