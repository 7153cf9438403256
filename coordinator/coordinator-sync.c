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
#include <string.h>

#include "coordinator-internal.h"
#include "log.h"
#include "time-util.h"

static unsigned republish_cached(Coordinator *co, const char *topic, const PublishedCache *cache)
{
    int r;

    if (!cache->valid) {
        return 0;
    }
    r = mqtt_io_publish(co->io, topic, cache->bytes, cache->len, 1, true, NULL, NULL);
    if (r < 0) {
        log_debug("coordinator: sync failed to republish topic='%s': %s", topic, strerror(-r));
        return 0;
    }
    return 1;
}

static void sync_now(Coordinator *co)
{
    unsigned n = 0;

    co->sync_last_mono_ms = now_mono_ms();
    co->sync_done = true;
    for (int kind = 0; kind < SB_KIND_COUNT; kind++) {
        n += republish_cached(co, co->topics.rollup[kind], &co->rollup_last[kind]);
    }
    for (int name = SB_SETTING_NONE + 1; name < SB_SETTING_COUNT; name++) {
        n += republish_cached(co, co->topics.setting[name], &co->setting_last[name]);
    }
    n += republish_cached(co, co->topics.power_restore, &co->power_restore_last);
    /* The cache holds requests without "time": the flush builds a fresh one (then the status). */
    co->requests_last.valid = false;
    co->requests_dirty = true;
    co->sync_status_due = true;
    log_info("coordinator: sync republished topics=%u asked=%u", n + 2, co->sync_asked);
    co->sync_asked = 0;
}

int coordinator_on_sync_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
    Coordinator *co = userdata;

    (void) s;
    (void) usec;
    co->sync_pending = false;
    if (co->core_connected && !co->stopping) {
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
    if (!co->core_connected || co->stopping) {
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

void coordinator_sync_flushed(Coordinator *co)
{
    int r;

    if (!co->sync_status_due) {
        return;
    }
    co->sync_status_due = false;
    r = coordinator_publish_status(co, SB_STATUS_ONLINE, NULL);
    if (r < 0) {
        log_debug("coordinator: sync failed to republish status: %s", strerror(-r));
    }
}
