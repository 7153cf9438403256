/* SPDX-License-Identifier: Apache-2.0 */
/* Read-only views of the requests for the shell: system/requests and dispatch node sets. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "coord-internal.h"

static void info_common(const Request *r, SbRequestInfo *info)
{
    (void) snprintf(info->id, sizeof(info->id), "%s", r->id);
    info->target = r->target;
    info->transition = r->transition;
}

static void info_pending(const Coord *c, const Request *r, SbRequestInfo *info)
{
    size_t n;

    info->phase = SB_REQUEST_PENDING;
    info_common(r, info);
    info->since_ms = r->queued_ms;
    info->deadline_ms = r->expires_ms;
    n = node_list_collect(&c->not_ready, &c->not_ready_links, info->nodes, SB_EVENT_NODES_MAX);
    info->n_nodes = n;
    info->nodes_omitted = c->not_ready.count - (uint32_t) n;
    if (c->not_ready.count > 0) {
        coord_format_nodes(info->why, sizeof(info->why), "waiting for BMC Ready on nodes",
                           info->nodes, n, info->nodes_omitted);
    } else {
        (void) snprintf(info->why, sizeof(info->why), "waiting for the coordinator's connection");
    }
}

/* A delayed request waits for its time, not for nodes. */
static void info_delayed(const Request *r, SbRequestInfo *info)
{
    uint64_t delay_s = r->not_before_ms > r->queued_ms && r->queued_ms != 0
                               ? (r->not_before_ms - r->queued_ms) / 1000u
                               : 0;

    info->phase = SB_REQUEST_PENDING;
    info_common(r, info);
    info->since_ms = r->queued_ms;
    info->not_before_ms = r->not_before_ms;
    if (delay_s > 0) {
        (void) snprintf(info->why, sizeof(info->why),
                        "power-restore-delay: waits %" PRIu64
                        " s from its decision, then enters the gate",
                        delay_s);
    } else {
        (void) snprintf(info->why, sizeof(info->why),
                        "power-restore-delay: waits until not_before, then enters the gate");
    }
}

static void info_active(const Coord *c, const Request *r, SbRequestInfo *info)
{
    const Progress *p = &c->progress[r->target];
    size_t n;

    info->phase = SB_REQUEST_ACTIVE;
    info_common(r, info);
    info->since_ms = r->dispatched_ms;
    info->deadline_ms = r->fails_ms;
    n = node_list_collect(&p->remaining, &p->links, info->nodes, SB_EVENT_NODES_MAX);
    info->n_nodes = n;
    info->nodes_omitted = p->remaining.count - (uint32_t) n;
    (void) snprintf(info->why, sizeof(info->why),
                    "waiting for %" PRIu32 " of %" PRIu32 " nodes to reach %s%s",
                    p->remaining.count, p->total, progress_goal_name(r),
                    r->restored ? " (tracked again after a coordinator restart)" : "");
}

static void info_done(const Request *r, SbRequestInfo *info)
{
    info->phase = SB_REQUEST_DONE;
    info_common(r, info);
    info->since_ms = r->finished_ms;
    info->result = r->result;
    (void) snprintf(info->why, sizeof(info->why), "%s", r->why);
}

int coord_requests_build(const Coord *c, uint64_t now_ms, SbRequestsMsg *ret)
{
    int pending[2];
    size_t n_pending = 0;

    if (!c || !ret) {
        return -EINVAL;
    }
    memset(ret, 0, sizeof(*ret));
    ret->time_ms = now_ms;
    ret->gate_open = coord_gate_is_open(c);
    ret->not_ready = c->not_ready.count;
    ret->n_waiting_for = node_list_collect(&c->not_ready, &c->not_ready_links, ret->waiting_for,
                                           SB_EVENT_NODES_MAX);
    for (int t = SB_TARGET_CHASSIS; t <= SB_TARGET_HOST; t++) {
        if (c->pending[t] >= 0) {
            pending[n_pending++] = c->pending[t];
        }
    }
    if (n_pending == 2 && c->requests[pending[1]].order < c->requests[pending[0]].order) {
        int tmp = pending[0];

        pending[0] = pending[1];
        pending[1] = tmp;
    }
    for (size_t i = 0; i < n_pending && ret->n_requests < SB_REQUESTS_MAX; i++) {
        info_pending(c, &c->requests[pending[i]], &ret->requests[ret->n_requests++]);
    }
    /* After the queued ones: it enters the gate after them. */
    if (c->delayed >= 0 && ret->n_requests < SB_REQUESTS_MAX) {
        info_delayed(&c->requests[c->delayed], &ret->requests[ret->n_requests++]);
    }
    for (int t = 0; t < SB_TARGET_COUNT && ret->n_requests < SB_REQUESTS_MAX; t++) {
        if (c->active[t] >= 0) {
            info_active(c, &c->requests[c->active[t]], &ret->requests[ret->n_requests++]);
        }
    }
    for (int t = 0; t < SB_TARGET_COUNT && ret->n_requests < SB_REQUESTS_MAX; t++) {
        if (c->last[t] >= 0) {
            info_done(&c->requests[c->last[t]], &ret->requests[ret->n_requests++]);
        }
    }
    return 0;
}

uint32_t coord_request_nodes(const Coord *c, int request_slot, uint32_t *cursor)
{
    const Request *r;

    if (!c || !cursor || request_slot < 0 || request_slot >= COORD_REQUEST_POOL) {
        return 0;
    }
    r = &c->requests[request_slot];
    if (r->phase == REQUEST_FREE) {
        return 0;
    }
    if (r->n_nodes > 0) {
        return *cursor < r->n_nodes ? r->nodes[(*cursor)++] : 0;
    }
    if (*cursor >= c->cfg.nodes) {
        return 0;
    }
    return ++(*cursor);
}

SbTransition coord_last_requested(const Coord *c, SbTarget target)
{
    if (!c || (target != SB_TARGET_CHASSIS && target != SB_TARGET_HOST)) {
        return SB_TRANSITION_NONE;
    }
    return c->requested[target];
}

SbTarget coord_last_requested_target(const Coord *c)
{
    return c ? c->requested_last : SB_TARGET_NONE;
}
