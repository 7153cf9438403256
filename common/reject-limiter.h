/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Token bucket for rejections: a flood of malformed messages must not turn into a flood of
 * rejected events and log lines (each input would otherwise cost an output). Pure: the caller
 * passes a monotonic clock. Suppressed rejections are counted so one summary line can say how
 * many were dropped.
 */
#ifndef STATEBUS_REJECT_LIMITER_H
#define STATEBUS_REJECT_LIMITER_H

#include <stdbool.h>
#include <stdint.h>

#define REJECT_LIMITER_RATE_PER_S 20u /* sustained rejections answered per second */
#define REJECT_LIMITER_BURST      20u /* answered at once after a quiet period */

typedef struct RejectLimiter {
    uint64_t tokens_milli; /* tokens x 1000, so refills need no floating point */
    uint64_t last_mono_ms; /* last refill */
    uint64_t suppressed;   /* rejections not answered since the last take */
    bool started;
} RejectLimiter;

void reject_limiter_init(RejectLimiter *l);

/* True when this rejection may be answered and logged; false (and counted) when suppressed. */
bool reject_limiter_allow(RejectLimiter *l, uint64_t now_mono_ms);

/* The number of rejections suppressed since the last call, and resets it. */
uint64_t reject_limiter_take_suppressed(RejectLimiter *l);

#endif
