/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Progress of the active request of each target (topics/README.md "Requests"): which nodes have
 * reached the target state. One flag byte per node and a list of the nodes still remaining, so a
 * node update costs O(1) and completion is "nothing remains".
 *
 * Completion by the request's own effect (issue #13): a node's part counts only from states that
 * name the request ("request", the id of the command the agent carries out; its receipt is the
 * current state naming it, republished as the command is accepted), and after the receipt from
 * states naming no request (a new agent session after a BMC reset does not know the command).
 * chassis On/Off -> a state naming it at chassis On/Off; host On -> Running; host Off -> Off;
 * PowerCycle -> chassis On naming it after a state naming it away from On; host Reboot and the warm
 * reboots -> Running after having left Running, likewise; BMC reboots -> BMC Ready (as the gate
 * counts it) after a state naming it that is not Ready, or a new agent session after its receipt. A
 * node that never got the command never counts: the request fails by its time-out, naming it.
 *
 * After a coordinator restart the snapshot has no per-node progress: every node of a restored
 * request starts remaining, a node counts as reached when a state naming the request is at the
 * target and, for cycle-type transitions, says it changed ("since") after the dispatch.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coord-internal.h"

int progress_init(Coord *c)
{
    for (int t = 0; t < SB_TARGET_COUNT; t++) {
        Progress *p = &c->progress[t];
        int r;

        p->slot = -1;
        p->flags = calloc((size_t) c->cfg.nodes + 1, 1);
        if (!p->flags) {
            return -ENOMEM;
        }
        r = node_links_init(&p->links, c->cfg.nodes);
        if (r < 0) {
            return r;
        }
    }
    return 0;
}

void progress_done(Coord *c)
{
    for (int t = 0; t < SB_TARGET_COUNT; t++) {
        free(c->progress[t].flags);
        c->progress[t].flags = NULL;
        node_links_done(&c->progress[t].links);
    }
}

/* Cycle-type transitions complete only after the node has left the target state. */
static bool transition_is_cycle(SbTarget target, SbTransition transition)
{
    switch (target) {
    case SB_TARGET_CHASSIS:
        return transition == SB_TRANSITION_POWER_CYCLE;
    case SB_TARGET_HOST:
        return transition == SB_TRANSITION_REBOOT ||
               transition == SB_TRANSITION_GRACEFUL_WARM_REBOOT ||
               transition == SB_TRANSITION_FORCE_WARM_REBOOT;
    case SB_TARGET_BMC:
        return true;
    case SB_TARGET_NONE:
    case SB_TARGET_COUNT:
        break;
    }
    return false;
}

/* The state value a chassis/host request ends in. */
static int transition_goal(SbTarget target, SbTransition transition)
{
    bool off = transition == SB_TRANSITION_OFF;

    if (target == SB_TARGET_CHASSIS) {
        return off ? SB_CHASSIS_OFF : SB_CHASSIS_ON;
    }
    if (target == SB_TARGET_HOST) {
        return off ? SB_HOST_OFF : SB_HOST_RUNNING;
    }
    return SB_BMC_READY;
}

const char *progress_goal_name(const Request *r)
{
    switch (r->target) {
    case SB_TARGET_CHASSIS:
        return r->transition == SB_TRANSITION_OFF ? "chassis Off" : "chassis On";
    case SB_TARGET_HOST:
        return r->transition == SB_TRANSITION_OFF ? "host Off" : "host Running";
    case SB_TARGET_BMC:
        return "BMC Ready";
    case SB_TARGET_NONE:
    case SB_TARGET_COUNT:
        break;
    }
    return "target";
}

static SbStateKind target_kind(SbTarget target)
{
    return target == SB_TARGET_CHASSIS ? SB_KIND_CHASSIS
           : target == SB_TARGET_HOST  ? SB_KIND_HOST
                                       : SB_KIND_BMC;
}

static bool node_at_goal(const Coord *c, const Request *r, uint32_t node)
{
    if (r->target == SB_TARGET_BMC) {
        return c->nodes[node].ready;
    }
    return c->nodes[node].kinds[target_kind(r->target)].value ==
           transition_goal(r->target, r->transition);
}

/* A state message of the request's kind from node, naming the request, was applied: what it
 * says about the request's own effect (README "Requests": completion). */
static uint8_t progress_learn(const Coord *c, const Request *r, uint32_t node, uint8_t flags)
{
    const NodeKindValue *kv = &c->nodes[node].kinds[target_kind(r->target)];
    bool cycle = transition_is_cycle(r->target, r->transition);
    bool at_goal = r->target == SB_TARGET_BMC
                           ? kv->value == SB_BMC_READY
                           : kv->value == transition_goal(r->target, r->transition);

    flags |= PROGRESS_RECEIVED;
    if (!at_goal) {
        flags |= PROGRESS_LEFT;
    } else if (!cycle || (flags & PROGRESS_LEFT)) {
        flags |= PROGRESS_REACHED;
    } else if (r->restored && kv->since_ms > r->dispatched_ms) {
        /* After our restart the leave was not seen: a value that changed after the dispatch,
         * in a state naming the request, is the return. */
        flags |= PROGRESS_LEFT | PROGRESS_REACHED;
    }
    return flags;
}

/* Whether the node's part is done now: reached by the request's own effect and still there. */
static bool progress_node_done(const Coord *c, const Request *r, uint32_t node, uint8_t flags)
{
    if (r->target == SB_TARGET_BMC) {
        /* Left after it got the command (a state naming it that is not Ready, or a new agent
         * session after its receipt), and Ready again as the gate counts it. A BMC that changed
         * after the dispatch proves nothing by itself: the fault campaign saw a restored
         * HardReboot "completed" by an agent restart that the command never reached. */
        return (flags & PROGRESS_LEFT) && c->nodes[node].ready;
    }
    return (flags & PROGRESS_REACHED) && node_at_goal(c, r, node);
}

/* request: the "request" of the state message just applied (NULL when the call is not about a
 * message of the request's kind, e.g. a BMC readiness change). */
static void progress_update(Coord *c, SbTarget target, uint32_t node, const char *request)
{
    Progress *p = &c->progress[target];
    const Request *r;
    uint8_t flags;
    bool done;

    if (p->slot < 0 || !(p->flags[node] & PROGRESS_IN_SET)) {
        return;
    }
    r = &c->requests[p->slot];
    flags = p->flags[node];
    /* A state counts when it names the request, or names none after the node's receipt: a new
     * agent session (its BMC rebooted while the hardware carried on) does not know the command
     * the node got; a state naming another request is that one's effect. */
    if (request &&
        (strcmp(request, r->id) == 0 || (request[0] == '\0' && (flags & PROGRESS_RECEIVED)))) {
        flags = progress_learn(c, r, node, flags);
    }
    done = progress_node_done(c, r, node, flags);
    if (done && !(flags & PROGRESS_DONE)) {
        flags |= PROGRESS_DONE;
        node_list_remove(&p->remaining, &p->links, node);
        c->requests_dirty = true;
    } else if (!done && (flags & PROGRESS_DONE)) {
        /* Reached and then moved away again (someone pressed a button): not there any more. */
        flags &= (uint8_t) ~PROGRESS_DONE;
        node_list_push(&p->remaining, &p->links, node);
        c->requests_dirty = true;
    }
    p->flags[node] = flags;
}

static void progress_add_node(Coord *c, Progress *p, uint32_t node)
{
    c->node_visits++;
    p->flags[node] = PROGRESS_IN_SET;
    node_list_push(&p->remaining, &p->links, node);
    p->total++;
}

void progress_start(Coord *c, int slot)
{
    const Request *r = &c->requests[slot];
    Progress *p = &c->progress[r->target];

    p->slot = slot;
    memset(p->flags, 0, (size_t) c->cfg.nodes + 1);
    p->remaining = (NodeList){ 0 };
    p->total = 0;
    if (r->n_nodes > 0) {
        for (size_t i = 0; i < r->n_nodes; i++) {
            progress_add_node(c, p, r->nodes[i]);
        }
    } else {
        for (uint32_t n = 1; n <= c->cfg.nodes; n++) {
            progress_add_node(c, p, n);
        }
    }
    /* Nothing is done at dispatch: no node can have carried out a command it has not got yet.
     * A restored request is re-evaluated as the nodes' states (naming it) arrive. */
}

void progress_stop(Coord *c, SbTarget target)
{
    Progress *p = &c->progress[target];

    p->slot = -1;
    p->remaining = (NodeList){ 0 };
    p->total = 0;
}

void progress_on_state(Coord *c, uint32_t node, SbStateKind kind, const char *request)
{
    SbTarget target = kind == SB_KIND_CHASSIS ? SB_TARGET_CHASSIS
                      : kind == SB_KIND_HOST  ? SB_TARGET_HOST
                                              : SB_TARGET_BMC;

    progress_update(c, target, node, request);
}

void progress_on_bmc(Coord *c, uint32_t node)
{
    progress_update(c, SB_TARGET_BMC, node, NULL);
}

void progress_mark_bmc_left(Coord *c, uint32_t node)
{
    Progress *p = &c->progress[SB_TARGET_BMC];

    /* Only after its receipt: a session that ended before the command reached it is no reboot
     * of this request's. */
    if (p->slot >= 0 && (p->flags[node] & PROGRESS_IN_SET) &&
        (p->flags[node] & PROGRESS_RECEIVED)) {
        p->flags[node] |= PROGRESS_LEFT;
    }
}

int progress_completed(const Coord *c, SbTarget target, char *why, size_t size)
{
    const Progress *p = &c->progress[target];

    if (p->slot < 0 || p->remaining.count > 0) {
        return -1;
    }
    (void) snprintf(why, size, p->total == 1 ? "%u node reached %s" : "all %u nodes reached %s",
                    (unsigned) p->total, progress_goal_name(&c->requests[p->slot]));
    return p->slot;
}
