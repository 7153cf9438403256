/* SPDX-License-Identifier: Apache-2.0 */
/*
 * system/set/cancel (topics/README.md "Cancel"): an operator ends a queued or active request by
 * its id. A queued one is never dispatched. An active one is only no longer followed: the nodes
 * already have the command and carry it out (nothing is sent to them; a power-off is what stops
 * a power-on). A joiner leaves the request it joined, which goes on for the others. A delayed
 * power restore ends cancelled like a queued one.
 */
#include <stdio.h>
#include <string.h>

#include "coord-internal.h"

static int find_last(const Coord *c, const char *id)
{
    for (int t = 0; t < SB_TARGET_COUNT; t++) {
        if (c->last[t] >= 0 && strcmp(c->requests[c->last[t]].id, id) == 0) {
            return c->last[t];
        }
    }
    return -1;
}

/* Answers the canceller (its id is the one it asked to cancel). */
static void refuse(Coord *c, const CoordEvent *ev, const char *why)
{
    Request r = { .target = SB_TARGET_NONE };

    (void) snprintf(r.id, sizeof(r.id), "%s", ev->cancel.id);
    r.reply_to = ev->reply_to;
    c->rejected_total++;
    (void) coord_event_add(c, SB_EVENT_REJECTED, &r, why, NO_NODES);
}

void requests_on_cancel(Coord *c, const CoordEvent *ev)
{
    const char *id = ev->cancel.id;
    char by[160], why[SB_WHY_MAX + 1];
    int slot;

    if (ev->cancel.reason[0]) {
        (void) snprintf(by, sizeof(by), "cancelled by an operator (%.100s)", ev->cancel.reason);
    } else {
        (void) snprintf(by, sizeof(by), "cancelled by an operator");
    }
    if (join_cancel(c, id, by)) {
        return;
    }
    slot = requests_find_open(c, id);
    if (slot >= 0) {
        if (slot == c->delayed) {
            (void) snprintf(why, sizeof(why),
                            "%s; it was waiting for power-restore-delay, nothing was dispatched",
                            by);
        } else if (c->requests[slot].phase == REQUEST_ACTIVE) {
            (void) snprintf(why, sizeof(why),
                            "%s; it was already dispatched: the nodes carry it out, no longer "
                            "followed",
                            by);
        } else {
            (void) snprintf(why, sizeof(why), "%s; it was queued, nothing was dispatched", by);
        }
        requests_finish(c, slot, SB_EVENT_CANCELLED, why, NO_NODES);
        return;
    }
    slot = find_last(c, id);
    if (slot >= 0) {
        (void) snprintf(why, sizeof(why), "nothing to cancel: request %s already ended %s", id,
                        sb_enum_to_string(SB_ENUM_EVENT_KIND, (int) c->requests[slot].result));
        refuse(c, ev, why);
        return;
    }
    (void) snprintf(why, sizeof(why), "nothing to cancel: no queued or active request has id %s",
                    id);
    refuse(c, ev, why);
}
