/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The benchmark's own topics, outside the statebus tree (the coordinator never sees them): the
 * raw baselines go through the same broker on "bench/<system>/raw/...".
 *   raw/ping -> raw/pong          one QoS 1 round trip through an echo client
 *   raw/trigger                   the echo fans the command in its payload out to every node's
 *                                 own command topic (statebus/<system>/node/<n>/set/host), as
 *                                 the coordinator does at gate release, with none of its work:
 *                                 the same topics, subscriptions and payload size for the broker
 *   raw/rebirth                   the simulated nodes answer it as they answer system/rebirth
 */
#ifndef STATEBUS_BENCH_TOPICS_H
#define STATEBUS_BENCH_TOPICS_H

#include <stddef.h>

typedef enum BenchTopic {
    BENCH_TOPIC_PING,
    BENCH_TOPIC_PONG,
    BENCH_TOPIC_TRIGGER,
    BENCH_TOPIC_REBIRTH,
} BenchTopic;

/* "bench/<system>/raw/<ping|pong|trigger|rebirth>". Returns the length or -ENOSPC. */
int bench_topic_format(char *buf, size_t size, const char *system, BenchTopic topic);

#endif
