/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Heartbeat liveness (topics/README.md "Node lifecycle as the coordinator sees it"). A broker
 * fires a Last Will only 1.5 keepalives after a link goes silent, and mosquitto 2.0 checks
 * keepalives every ~6 s: 8 to 14 s with keepalive 5. Agents publish a heartbeat every
 * --heartbeat-ms; a node not heard from for --missed-heartbeats of its own intervals (plus half
 * an interval for jitter) is silent: stale, not Ready (the gate closes), node-lost raised. Its
 * Will later only confirms it; any live message of the session brings it back (node-back).
 *
 * The interval is learned per agent session from consecutive heartbeats (node "time" difference
 * over "seq" difference: the agent's own timer, no transit jitter), adopted once two samples
 * agree within 1/8, then fixed for the session. Nothing has to be configured twice, and a
 * coordinator cannot disagree with its agents. A session whose interval is not learned yet (its
 * first three heartbeats) is watched by its Will only.
 *
 * Deadlines: nodes whose intervals agree share a class with one timeout, so a FIFO ordered by
 * last-heard time is in deadline order (a heard node moves to the tail): O(1) per message, and
 * the next deadline is the earliest of at most LIVENESS_CLASSES heads. Nothing scans the nodes.
 */
#include <inttypes.h>
#include <stdio.h>

#include "coord-internal.h"

/* Intervals outside 10 ms (transit jitter would be the interval) .. 1 h (the agent's own bound
 * for --heartbeat-ms) are not timed. */
#define LIVENESS_INTERVAL_MIN_MS 10u
#define LIVENESS_INTERVAL_MAX_MS (UINT64_C(3600) * 1000u)
#define LIVENESS_SEQ_GAP_MAX     8u    /* heartbeats lost in between: still a sample */
#define LIVENESS_AGREE_DIV       8u    /* two intervals agree within 1/8 */
#define LIVENESS_GRACE_MIN_MS    100u  /* jitter allowance floor for short intervals */
#define LIVENESS_STALL_MS        1000u /* a timer this late: our own loop stalled */
/* Expiries per step: a burst (our own link died, every node went silent at once) is split over
 * several steps so one batch of actions never overflows. */
#define LIVENESS_EXPIRE_PER_STEP 16u

int liveness_init(Coord *c)
{
    for (uint32_t n = 0; n <= c->cfg.nodes; n++) {
        c->nodes[n].live.class_slot = -1;
    }
    return node_links_init(&c->liveness.links, c->cfg.nodes);
}

void liveness_done(Coord *c)
{
    node_links_done(&c->liveness.links);
}

static bool liveness_enabled(const Coord *c)
{
    return c->cfg.missed_heartbeats > 0;
}

static bool intervals_agree(uint64_t a, uint64_t b)
{
    uint64_t larger = a > b ? a : b, diff = a > b ? a - b : b - a;

    return diff * LIVENESS_AGREE_DIV <= larger;
}

/* K missed intervals plus half an interval (at least LIVENESS_GRACE_MIN_MS) for a heartbeat
 * delayed in transit or by a busy broker. */
static uint64_t class_timeout(const Coord *c, const LivenessClass *k)
{
    uint64_t grace = k->interval_ms / 2;

    if (grace < LIVENESS_GRACE_MIN_MS) {
        grace = LIVENESS_GRACE_MIN_MS;
    }
    return (uint64_t) c->cfg.missed_heartbeats * k->interval_ms + grace;
}

static uint64_t node_deadline(const Coord *c, uint32_t node)
{
    const NodeLiveness *lv = &c->nodes[node].live;

    return lv->last_heard_ms + class_timeout(c, &c->liveness.classes[lv->class_slot]);
}

void liveness_untrack(Coord *c, uint32_t node)
{
    NodeLiveness *lv = &c->nodes[node].live;
    LivenessClass *k;

    if (lv->class_slot < 0) {
        return;
    }
    k = &c->liveness.classes[lv->class_slot];
    node_list_remove(&k->fifo, &c->liveness.links, node);
    if (k->fifo.count == 0) {
        k->interval_ms = 0;
    }
    lv->class_slot = -1;
}

/* The class for a node of this interval: one that agrees (raised to the longer interval: a
 * later deadline for everyone in it keeps its FIFO order), else a free one, else the shortest
 * longer one (slower detection, never a false loss); -1 = none, the Will alone watches it. */
static int class_find(Coord *c, uint64_t interval_ms)
{
    LivenessClass *classes = c->liveness.classes;
    int free_slot = -1, longer = -1;

    for (int i = 0; i < LIVENESS_CLASSES; i++) {
        uint64_t have = classes[i].interval_ms;

        if (have == 0) {
            if (free_slot < 0) {
                free_slot = i;
            }
        } else if (intervals_agree(have, interval_ms)) {
            if (interval_ms > have) {
                classes[i].interval_ms = interval_ms;
            }
            return i;
        } else if (have > interval_ms && (longer < 0 || have < classes[longer].interval_ms)) {
            longer = i;
        }
    }
    if (free_slot >= 0) {
        classes[free_slot].interval_ms = interval_ms;
        return free_slot;
    }
    return longer;
}

/* Moves the node to the tail of its class: it is now the last to expire there. */
static void track(Coord *c, uint32_t node)
{
    NodeLiveness *lv = &c->nodes[node].live;
    int slot = lv->class_slot;

    if (slot >= 0 && intervals_agree(c->liveness.classes[slot].interval_ms, lv->interval_ms)) {
        node_list_remove(&c->liveness.classes[slot].fifo, &c->liveness.links, node);
    } else {
        liveness_untrack(c, node);
        slot = class_find(c, lv->interval_ms);
        if (slot < 0) {
            return;
        }
    }
    node_list_push(&c->liveness.classes[slot].fifo, &c->liveness.links, node);
    lv->class_slot = (int16_t) slot;
}

static void learn(NodeLiveness *lv, const SbHeartbeatMsg *hb)
{
    if (lv->interval_ms == 0 && lv->hb_seq != 0 && hb->seq > lv->hb_seq &&
        hb->seq - lv->hb_seq <= LIVENESS_SEQ_GAP_MAX && hb->time_ms > lv->hb_time_ms) {
        uint64_t sample = (hb->time_ms - lv->hb_time_ms) / (hb->seq - lv->hb_seq);

        /* One sample proves little (the node's clock may have been stepped in between): two
         * in a row that agree do. */
        if (sample >= LIVENESS_INTERVAL_MIN_MS && sample <= LIVENESS_INTERVAL_MAX_MS) {
            if (lv->sample_ms != 0 && intervals_agree(lv->sample_ms, sample)) {
                lv->interval_ms = sample > lv->sample_ms ? sample : lv->sample_ms;
            } else {
                lv->sample_ms = sample;
            }
        }
    }
    lv->hb_seq = hb->seq;
    lv->hb_time_ms = hb->time_ms;
}

static void liveness_event(Coord *c, SbEventKind kind, uint32_t node, const char *why)
{
    SbEvent *e = coord_event_add(c, kind, NULL, why, NO_NODES);

    if (e) {
        e->node = node;
    }
}

void liveness_on_heard(Coord *c, uint32_t node, const SbHeartbeatMsg *hb)
{
    Node *nd = &c->nodes[node];
    NodeLiveness *lv = &nd->live;
    char why[SB_WHY_MAX + 1];

    if (!liveness_enabled(c)) {
        return;
    }
    if (lv->epoch != nd->epoch) {
        /* The first message of a session the node table already accepted. */
        liveness_untrack(c, node);
        *lv = (NodeLiveness){
            .epoch = nd->epoch,
            .last_heard_ms = lv->last_heard_ms,
            .class_slot = -1,
            .silent = lv->silent,
        };
    }
    if (hb) {
        learn(lv, hb);
    }
    if (lv->silent) {
        lv->silent = false;
        (void) snprintf(why, sizeof(why), "heard again after %" PRIu64 " ms without heartbeats",
                        c->now_ms >= lv->last_heard_ms ? c->now_ms - lv->last_heard_ms : 0);
        liveness_event(c, SB_EVENT_NODE_BACK, node, why);
    }
    lv->last_heard_ms = c->now_ms;
    if (lv->interval_ms != 0) {
        track(c, node);
    }
}

bool liveness_forget(Coord *c, uint32_t node)
{
    NodeLiveness *lv = &c->nodes[node].live;
    bool was_silent = lv->silent;

    liveness_untrack(c, node);
    *lv = (NodeLiveness){ .class_slot = -1 };
    return was_silent;
}

/* The wall clock went back (a step by NTP or by hand): every deadline, computed from earlier
 * readings, would come that much later. Every timed node counts as heard now, one full timeout
 * from now: O(timed nodes), once per step of the clock, never per message or tick. */
static void clock_stepped_back(Coord *c)
{
    for (int i = 0; i < LIVENESS_CLASSES; i++) {
        const LivenessClass *k = &c->liveness.classes[i];

        for (uint32_t n = k->fifo.head; n; n = node_list_next(&c->liveness.links, n)) {
            c->nodes[n].live.last_heard_ms = c->now_ms;
        }
    }
    c->liveness.hold_until_ms = 0;
}

void liveness_check_clock(Coord *c)
{
    uint64_t longest = 0;

    if (!liveness_enabled(c)) {
        return;
    }
    if (c->now_ms + LIVENESS_STALL_MS < c->liveness.latest_ms) {
        clock_stepped_back(c);
    }
    c->liveness.latest_ms = c->now_ms;
    if (c->armed_at_ms == 0 || c->now_ms <= c->armed_at_ms + LIVENESS_STALL_MS) {
        return;
    }
    for (int i = 0; i < LIVENESS_CLASSES; i++) {
        if (c->liveness.classes[i].interval_ms > longest) {
            longest = c->liveness.classes[i].interval_ms;
        }
    }
    /* Every node gets one more interval to be heard: what it sent meanwhile may still be unread
     * behind this timer. O(classes); the deadlines themselves are not touched. */
    if (c->now_ms + longest > c->liveness.hold_until_ms) {
        c->liveness.hold_until_ms = c->now_ms + longest;
    }
}

/* The class whose head expires first, -1 when every class is empty. */
static int earliest_class(const Coord *c, uint64_t *ret_deadline)
{
    int best = -1;

    for (int i = 0; i < LIVENESS_CLASSES; i++) {
        const LivenessClass *k = &c->liveness.classes[i];
        uint64_t deadline;

        if (k->fifo.count == 0) {
            continue;
        }
        deadline = node_deadline(c, k->fifo.head);
        if (best < 0 || deadline < *ret_deadline) {
            best = i;
            *ret_deadline = deadline;
        }
    }
    return best;
}

static void go_silent(Coord *c, uint32_t node)
{
    NodeLiveness *lv = &c->nodes[node].live;
    char why[SB_WHY_MAX + 1];

    (void) snprintf(why, sizeof(why),
                    "no heartbeat for %" PRIu64 " ms (%" PRIu32 " missed, interval %" PRIu64 " ms)",
                    c->now_ms - lv->last_heard_ms, c->cfg.missed_heartbeats, lv->interval_ms);
    liveness_untrack(c, node);
    lv->silent = true;
    liveness_event(c, SB_EVENT_NODE_LOST, node, why);
    node_refresh(c, node);
}

void liveness_run(Coord *c)
{
    uint64_t deadline = 0;

    if (!liveness_enabled(c) || !c->connected || c->now_ms < c->liveness.hold_until_ms) {
        return;
    }
    for (unsigned done = 0; done < LIVENESS_EXPIRE_PER_STEP; done++) {
        int slot = earliest_class(c, &deadline);

        if (slot < 0 || deadline > c->now_ms) {
            return;
        }
        go_silent(c, c->liveness.classes[slot].fifo.head);
    }
}

uint64_t liveness_next_deadline(const Coord *c)
{
    uint64_t deadline = 0;

    if (!liveness_enabled(c) || !c->connected || earliest_class(c, &deadline) < 0) {
        return 0;
    }
    return deadline > c->liveness.hold_until_ms ? deadline : c->liveness.hold_until_ms;
}
