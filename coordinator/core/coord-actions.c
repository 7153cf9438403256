/* SPDX-License-Identifier: Apache-2.0 */
/* Appending actions and events to the batch of the step in progress. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "coord-internal.h"

CoordAction *coord_action_add(Coord *c, CoordActionKind kind)
{
    CoordAction *a;

    /* The last slot is kept for the PERSIST that coord_step() puts at the head. */
    if (c->out->n >= COORD_ACTIONS_MAX - 1) {
        c->overflow = true;
        return NULL;
    }
    a = &c->out->items[c->out->n++];
    /* Cleared one at a time: clearing the whole buffer per step would cost 150 KiB of writes
     * per node message. */
    memset(a, 0, sizeof(*a));
    a->kind = kind;
    a->request_slot = -1;
    return a;
}

SbEvent *
coord_event_add(Coord *c, SbEventKind kind, const Request *r, const char *why, EventNodes nodes)
{
    size_t n_nodes = nodes.n;
    uint32_t omitted = nodes.omitted;
    CoordAction *a = coord_action_add(c, COORD_ACT_PUBLISH_EVENT);
    SbEvent *e;

    if (!a) {
        return NULL;
    }
    e = &a->event;
    e->kind = kind;
    e->time_ms = c->now_ms;
    if (r) {
        (void) snprintf(e->id, sizeof(e->id), "%s", r->id);
        e->target = r->target;
        e->transition = r->transition;
        a->reply_to = r->reply_to;
    }
    (void) snprintf(e->why, sizeof(e->why), "%s", why ? why : "");
    if (n_nodes > SB_EVENT_NODES_MAX) {
        omitted += (uint32_t) (n_nodes - SB_EVENT_NODES_MAX);
        n_nodes = SB_EVENT_NODES_MAX;
    }
    if (n_nodes > 0) {
        memcpy(e->nodes, nodes.nodes, n_nodes * sizeof(*nodes.nodes));
    }
    e->n_nodes = n_nodes;
    e->nodes_omitted = omitted;
    return e;
}

void coord_format_nodes(char *buf,
                        size_t size,
                        const char *prefix,
                        const uint32_t *nodes,
                        size_t n,
                        uint32_t omitted)
{
    /* Room kept at the end for " and 4294967295 more". */
    const size_t tail_room = 24;
    size_t len;
    int w;

    if (size == 0) {
        return;
    }
    /* "on nodes 2" reads wrong: one node is "node" (a prefix ending in "nodes" loses its s). */
    size_t plen = strlen(prefix);
    bool one = n + omitted == 1 && plen >= 5 && strcmp(prefix + plen - 5, "nodes") == 0;

    w = snprintf(buf, size, "%.*s ", (int) (one ? plen - 1 : plen), prefix);
    len = w < 0 ? 0 : (size_t) w;
    if (len >= size) {
        return;
    }
    for (size_t i = 0; i < n; i++) {
        char number[16];
        int nw = snprintf(number, sizeof(number), "%s%" PRIu32, i ? "," : "", nodes[i]);

        if (nw < 0 || len + (size_t) nw + tail_room >= size) {
            omitted += (uint32_t) (n - i);
            break;
        }
        memcpy(buf + len, number, (size_t) nw + 1);
        len += (size_t) nw;
    }
    if (omitted > 0) {
        (void) snprintf(buf + len, size - len, " and %" PRIu32 " more", omitted);
    }
}

const char *coord_target_name(SbTarget target)
{
    const char *s = sb_enum_to_string(SB_ENUM_TARGET, (int) target);

    return s ? s : "none";
}

const char *coord_transition_name(SbTransition transition)
{
    const char *s = sb_enum_to_string(SB_ENUM_TRANSITION, (int) transition);

    return s ? s : "none";
}
