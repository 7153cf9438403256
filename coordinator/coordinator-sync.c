/* SPDX-License-Identifier: Apache-2.0 */
/*
 * system/sync (topics/README.md "Sync"): a client that has just connected asks, and the
 * coordinator republishes what it last published on its retained topics (every rollup, the
 * settings, the power-restore decision, a fresh system/requests) and then system/status, last, so
 * a client that sees that status live has the rest. This is the mirror image of the agents'
 * system/rebirth: nobody depends on the broker's retained store (an ejabberd cluster delivers a
 * retained message only to subscribers of the node it was published through; RabbitMQ never for
 * a wildcard subscription).
 *
 * Rate-limited: at most one republish per SYNC_INTERVAL_MS; requests within the interval are
 * coalesced into one republish at its end, so every asker is answered within the interval and a
 * flood of syncs costs one republish per interval.
 *
 * Only what was already published is republished, byte for byte: a sync never publishes a
 * rollup the core has not decided (during the rebirth window after a connect nothing is cached
 * yet, and the window's end publishes everything anyway).
 */
#include <errno.h>

#include "coordinator-internal.h"
#include "log.h"
#include "time-util.h"

static void sync_now(Coordinator *co)
{
    unsigned n;

    co->sync_last_mono_ms = now_mono_ms();
    co->sync_done = true;
    /* The last bytes of the rollups, settings and power restore; system/requests (kept without
     * "time") and then system/status are built afresh by the flush at the end of this iteration. */
    n = retained_sync(co);
    log_info("coordinator: sync republished topics=%u asked=%u", n + 2, co->sync_asked);
    co->sync_asked = 0;
}

int coordinator_on_sync_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
    Coordinator *co = userdata;

    (void) s;
    (void) usec;
    co->sync_pending = false;
    if (coordinator_is_online(co)) {
        sync_now(co);
    }
    return 0;
}

void coordinator_on_sync(Coordinator *co, bool retained)
{
    uint64_t now, due;

    if (retained) {
        /* A retained sync would be replayed at every connect; the connect republishes anyway. */
        log_debug("coordinator: ignored retained system/sync");
        return;
    }
    /* Not connected yet: the connect publishes everything (status when subscribed). */
    if (!coordinator_is_online(co)) {
        return;
    }
    co->sync_asked++;
    if (co->sync_pending) {
        return; /* coalesced into the republish already due */
    }
    now = now_mono_ms();
    due = co->sync_last_mono_ms + SYNC_INTERVAL_MS;
    if (!co->sync_done || now >= due) {
        sync_now(co);
        return;
    }
    co->sync_pending = true;
    (void) sd_event_source_set_time_relative(co->sync_timer, (due - now) * 1000u);
    (void) sd_event_source_set_enabled(co->sync_timer, SD_EVENT_ONESHOT);
}
