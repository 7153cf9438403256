/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Node clock offsets from heartbeats (topics/README.md "Clock offsets"). Each live heartbeat of
 * the node's current session gives one sample, offset = node "time" - coordinator receive time.
 * Transit delay only ever makes a sample smaller than the true offset, and a delayed heartbeat
 * (a busy broker, a paused VM) makes it wildly smaller, so one sample proves little. The estimate
 * is the sample smallest in magnitude over the last 8 to 16 heartbeats: two windows of 8, the
 * full previous one and the one being filled, so each heartbeat costs O(1) and a single late
 * heartbeat never raises an event, while a clock that is really off (every sample off) does.
 *
 * A "clock-drift" event is raised when the estimate's magnitude exceeds --clock-drift-ms, once
 * per crossing, and "back within bound" when it falls to 3/4 of the bound (hysteresis: an offset
 * hovering at the bound does not flap). No judgement before 4 samples of a session.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "coord-internal.h"

#define CLOCK_WINDOW       8u
#define CLOCK_MIN_SAMPLES  4u
#define CLOCK_CLEAR_NUM    3u /* back within bound at 3/4 of it */
#define CLOCK_CLEAR_DENOM  4u
#define CLOCK_SAMPLE_LIMIT (INT64_C(1) << 52) /* beyond any real offset: ignored */

static uint64_t magnitude(int64_t x)
{
    return x < 0 ? (uint64_t) -x : (uint64_t) x;
}

static int64_t smaller_magnitude(int64_t a, int64_t b)
{
    return magnitude(b) < magnitude(a) ? b : a;
}

static bool estimate(const NodeClock *k, int64_t *ret)
{
    if (k->n_cur > 0 && k->has_prev) {
        *ret = smaller_magnitude(k->best_prev, k->best_cur);
    } else if (k->has_prev) {
        *ret = k->best_prev;
    } else if (k->n_cur > 0) {
        *ret = k->best_cur;
    } else {
        return false;
    }
    return true;
}

static void add_sample(NodeClock *k, int64_t sample)
{
    k->best_cur = k->n_cur == 0 ? sample : smaller_magnitude(k->best_cur, sample);
    if (++k->n_cur == CLOCK_WINDOW) {
        k->best_prev = k->best_cur;
        k->has_prev = true;
        k->n_cur = 0;
    }
}

static void drift_event(Coord *c, uint32_t node, const char *why)
{
    SbEvent *e = coord_event_add(c, SB_EVENT_CLOCK_DRIFT, NULL, why, NO_NODES);

    if (e) {
        e->node = node;
    }
}

static void check_bound(Coord *c, uint32_t node, NodeClock *k, int64_t offset)
{
    uint64_t bound = c->cfg.clock_drift_ms, size = magnitude(offset);
    char why[SB_WHY_MAX + 1];

    if (!k->drifting && size > bound) {
        k->drifting = true;
        (void) snprintf(why, sizeof(why),
                        "clock offset %+" PRId64 " ms (node time - coordinator time) exceeds the "
                        "%" PRIu64 " ms bound",
                        offset, bound);
        drift_event(c, node, why);
    } else if (k->drifting && size * CLOCK_CLEAR_DENOM <= bound * CLOCK_CLEAR_NUM) {
        k->drifting = false;
        (void) snprintf(why, sizeof(why),
                        "clock offset back within bound: %+" PRId64 " ms (bound %" PRIu64 " ms)",
                        offset, bound);
        drift_event(c, node, why);
    }
}

void clock_on_heartbeat(Coord *c, uint32_t node, const SbHeartbeatMsg *hb)
{
    NodeClock *k = &c->nodes[node].clock;
    int64_t sample, offset;

    if (k->epoch != hb->epoch) {
        /* A new agent session may run on a rebooted BMC with another clock. */
        *k = (NodeClock){ .epoch = hb->epoch, .drifting = k->drifting };
    }
    /* Both are unix ms below 2^53 (the decoder's bound), so the difference is exact. */
    sample = (int64_t) hb->time_ms - (int64_t) c->now_ms;
    if (sample > CLOCK_SAMPLE_LIMIT || sample < -CLOCK_SAMPLE_LIMIT) {
        return;
    }
    /* The sample falls short of the node's offset by the time the heartbeat took to reach us:
     * one that waited more than a second makes its node's evidence late (evidence.c). */
    if ((k->has_prev || k->n_cur >= CLOCK_MIN_SAMPLES) && estimate(k, &offset) && offset > sample) {
        evidence_on_late(c, node, (uint64_t) (offset - sample));
    }
    add_sample(k, sample);
    if (c->cfg.clock_drift_ms == 0 || (!k->has_prev && k->n_cur < CLOCK_MIN_SAMPLES) ||
        !estimate(k, &offset)) {
        return;
    }
    check_bound(c, node, k, offset);
}

int coord_clock_offset(const Coord *c, uint32_t node, int64_t *ret_ms)
{
    if (!c || !ret_ms || node == 0 || node > c->cfg.nodes) {
        return -EINVAL;
    }
    return estimate(&c->nodes[node].clock, ret_ms) ? 0 : -ENOENT;
}
