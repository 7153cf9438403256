/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Scheduled host transitions (topics/README.md "Scheduled transitions"): the setting
 * scheduled-transition {"time": unix s, "transition": On|Off|Reboot} fires once, on the
 * coordinator's clock. At its time the transition enters the gate like any request from
 * system/set/host (id "scheduled-<time>", a verdict coord.c submits), and the setting is cleared
 * (persisted, published as null), as PSM's ScheduledHostTransition sets ScheduledTime back to 0
 * after firing.
 *
 * A schedule whose time passed while the coordinator was not running: PSM
 * (scheduled_host_transition.cpp, restoreScheduledValues -> handleTimeUpdates) runs it at start
 * however late. We run it when it is late by at most --schedule-grace-s (default 300 s: a
 * coordinator restart or upgrade) and otherwise drop it with a "scheduled" event "missed by N s":
 * a power-on planned for 02:00 that happens at 15:00 after a long outage surprises everyone who
 * planned around it. Grace 0 keeps PSM's behaviour.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "coord-internal.h"

uint64_t schedule_next_deadline(const Coord *c)
{
    return c->settings.scheduled ? c->settings.scheduled_time_s * 1000u : 0;
}

static void scheduled_event(Coord *c, const char *id, SbTransition transition, const char *why)
{
    SbEvent *e = coord_event_add(c, SB_EVENT_SCHEDULED, NULL, why, NO_NODES);

    if (e) {
        (void) snprintf(e->id, sizeof(e->id), "%s", id);
        e->target = SB_TARGET_HOST;
        e->transition = transition;
    }
}

bool schedule_run(Coord *c, RequestSpec *ret)
{
    Settings *s = &c->settings;
    uint64_t due_ms, late_ms;
    SbTransition transition;
    char id[SB_ID_MAX + 1], why[SB_WHY_MAX + 1];

    if (!s->scheduled) {
        return false;
    }
    due_ms = s->scheduled_time_s * 1000u;
    if (c->now_ms < due_ms) {
        return false;
    }
    late_ms = c->now_ms - due_ms;
    transition = s->scheduled_transition;
    (void) snprintf(id, sizeof(id), "scheduled-%" PRIu64, s->scheduled_time_s);
    /* Cleared first: it fires once, whatever happens to the request. */
    s->scheduled = false;
    s->scheduled_time_s = 0;
    s->scheduled_transition = SB_TRANSITION_NONE;
    settings_changed(c, SB_SETTING_SCHEDULED_TRANSITION);

    if (c->cfg.schedule_grace_ms != 0 && late_ms > c->cfg.schedule_grace_ms) {
        (void) snprintf(why, sizeof(why),
                        "missed by %" PRIu64 " s (more than the %" PRIu64
                        " s grace): dropped, not run",
                        late_ms / 1000u, c->cfg.schedule_grace_ms / 1000u);
        scheduled_event(c, id, transition, why);
        return false;
    }
    if (late_ms >= 1000u) {
        (void) snprintf(why, sizeof(why), "due %" PRIu64 " s ago: host %s submitted",
                        late_ms / 1000u, coord_transition_name(transition));
    } else {
        (void) snprintf(why, sizeof(why), "due now: host %s submitted",
                        coord_transition_name(transition));
    }
    scheduled_event(c, id, transition, why);
    *ret = (RequestSpec){ .target = SB_TARGET_HOST, .transition = transition };
    /* A power restore waiting for its delay stays: the two are independent (as in PSM). */
    (void) snprintf(ret->id, sizeof(ret->id), "%s", id);
    /* PSM's RestartCause for a boot it scheduled; the reason carries it to the request. */
    (void) snprintf(ret->reason, sizeof(ret->reason), "%s",
                    transition == SB_TRANSITION_ON ? "ScheduledPowerOn" : "scheduled transition");
    return true;
}
