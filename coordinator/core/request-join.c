/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Joining (topics/README.md "Joining"): a request identical to the queued one of its target (same
 * transition, same nodes) asks for what is already coming. Replacing the first would fail its
 * waiter ("cancelled: replaced by") although the system does what both asked; instead the new
 * request joins the first: it is answered queued ("joined <id>"), and every later event of the
 * first (dispatched, completed, failed, expired, cancelled) is sent for it too, with its own id
 * and reply topic. Joins are not persisted: after a coordinator restart only the first id is
 * followed, which statebusctl, having seen "joined <id>", follows as well.
 */
#include <stdio.h>
#include <string.h>

#include "coord-internal.h"

void join_reset(Coord *c)
{
    for (size_t i = 0; i < COORD_JOINS_MAX; i++) {
        c->joins[i].slot = -1;
    }
}

static bool identical(const Request *a, const Request *b)
{
    return a->target == b->target && a->transition == b->transition && a->n_nodes == b->n_nodes &&
           memcmp(a->nodes, b->nodes, a->n_nodes * sizeof(a->nodes[0])) == 0;
}

/* The event of a joiner: the first request's target and transition, its own id and answer. */
static void
join_event(Coord *c, const RequestJoin *j, SbEventKind kind, const char *why, EventNodes nodes)
{
    const Request *first = &c->requests[j->slot];
    Request r = { .target = first->target, .transition = first->transition };
    char text[SB_WHY_MAX + 1];

    (void) snprintf(r.id, sizeof(r.id), "%s", j->id);
    r.reply_to = j->reply_to;
    (void) snprintf(text, sizeof(text), "%s (joined %s)", why, first->id);
    (void) coord_event_add(c, kind, &r, text, nodes);
}

bool join_try(Coord *c, int slot)
{
    Request *r = &c->requests[slot];
    int first = c->pending[r->target];
    uint32_t nodes[SB_EVENT_NODES_MAX];
    char why[SB_WHY_MAX + 1], prefix[SB_ID_MAX + 64];
    RequestJoin *j = NULL;
    size_t n;

    if (first < 0 || first == slot || !identical(&c->requests[first], r)) {
        return false;
    }
    for (size_t i = 0; i < COORD_JOINS_MAX && !j; i++) {
        j = c->joins[i].slot < 0 ? &c->joins[i] : NULL;
    }
    if (!j) {
        return false;
    }
    j->slot = first;
    (void) snprintf(j->id, sizeof(j->id), "%s", r->id);
    j->reply_to = r->reply_to;
    n = node_list_collect(&c->not_ready, &c->not_ready_links, nodes, SB_EVENT_NODES_MAX);
    (void) snprintf(prefix, sizeof(prefix), "joined %s, which is waiting for BMC Ready on nodes",
                    c->requests[first].id);
    coord_format_nodes(why, sizeof(why), prefix, nodes, n, c->not_ready.count - (uint32_t) n);
    {
        Request answer = { .target = r->target, .transition = r->transition };

        (void) snprintf(answer.id, sizeof(answer.id), "%s", r->id);
        answer.reply_to = r->reply_to;
        (void) coord_event_add(c, SB_EVENT_QUEUED, &answer, why,
                               (EventNodes){ nodes, n, c->not_ready.count - (uint32_t) n });
    }
    /* The joiner has no record of its own: the first one's carries both. */
    r->phase = REQUEST_FREE;
    return true;
}

void join_on_dispatch(Coord *c, int slot, const char *why)
{
    const Request *first = &c->requests[slot];

    for (size_t i = 0; i < COORD_JOINS_MAX; i++) {
        if (c->joins[i].slot == slot) {
            join_event(c, &c->joins[i], SB_EVENT_DISPATCHED, why,
                       (EventNodes){ first->nodes, first->n_nodes, 0 });
        }
    }
}

void join_on_finish(Coord *c, int slot, SbEventKind result, const char *why, EventNodes nodes)
{
    for (size_t i = 0; i < COORD_JOINS_MAX; i++) {
        if (c->joins[i].slot == slot) {
            join_event(c, &c->joins[i], result, why, nodes);
            c->joins[i].slot = -1;
        }
    }
}

bool join_cancel(Coord *c, const char *id, const char *why)
{
    for (size_t i = 0; i < COORD_JOINS_MAX; i++) {
        if (c->joins[i].slot >= 0 && strcmp(c->joins[i].id, id) == 0) {
            join_event(c, &c->joins[i], SB_EVENT_CANCELLED, why, NO_NODES);
            c->joins[i].slot = -1;
            return true;
        }
    }
    return false;
}

const char *join_find(const Coord *c, const char *id)
{
    for (size_t i = 0; i < COORD_JOINS_MAX; i++) {
        if (c->joins[i].slot >= 0 && strcmp(c->joins[i].id, id) == 0) {
            return c->requests[c->joins[i].slot].id;
        }
    }
    return NULL;
}
