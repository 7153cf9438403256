/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Coordinator object, shared by the files of the shell: coordinator.c (loop, connection,
 * signals, timers), coordinator-apply.c (carrying out the core's actions), coordinator-receive.c
 * (messages in). Not a public API.
 */
#ifndef STATEBUS_COORDINATOR_INTERNAL_H
#define STATEBUS_COORDINATOR_INTERNAL_H

#include <mosquitto.h>
#include <mqtt_protocol.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "statebus/enums.h"
#include "statebus/limits.h"
#include "statebus/payload.h"

#include "coord.h"
#include "coordinator-options.h"
#include "coordinator.h"
#include "mqtt-io.h"
#include "reject-limiter.h"
#include "state-store.h"

#define COORDINATOR_SUBSCRIPTIONS 5
#define SYNC_INTERVAL_MS          1000u /* system/sync: at most one republish per interval */

/* The last payload published on a retained topic, so an unchanged one is not sent again. */
typedef struct PublishedCache {
    char bytes[SB_PAYLOAD_MAX + 1];
    size_t len;
    bool valid;
} PublishedCache;

/* A request's final event published, waiting for its PUBACK (COORD_EV_ANNOUNCED, issue #13). */
#define COORDINATOR_ANNOUNCE_WAITS 16
typedef struct AnnounceWait {
    int mid; /* 0 = free */
    char id[SB_ID_MAX + 1];
} AnnounceWait;

typedef struct CoordinatorTopics {
    char event[SB_TOPIC_MAX + 1];
    char status[SB_TOPIC_MAX + 1];
    char rebirth[SB_TOPIC_MAX + 1];
    char sync[SB_TOPIC_MAX + 1];
    char summary[SB_TOPIC_MAX + 1];
    char requests[SB_TOPIC_MAX + 1];
    char rollup[SB_KIND_COUNT][SB_TOPIC_MAX + 1];
    char setting[SB_SETTING_COUNT][SB_TOPIC_MAX + 1]; /* index = SbSettingName, 0 unused */
    char power_restore[SB_TOPIC_MAX + 1];
    char probe[SB_TOPIC_MAX +
               1]; /* <root>/reply/<client id>/probe: our own, see COORD_ACT_PUBLISH_PROBE */
    char filters[COORDINATOR_SUBSCRIPTIONS][SB_TOPIC_MAX + 1];
} CoordinatorTopics;

struct Coordinator {
    const CoordinatorOptions *opts; /* borrowed */
    CoordinatorTopics topics;

    sd_event *event; /* owned */
    MqttIo *io;      /* owned */
    Coord *core;     /* owned */
    StateStore store;
    CoordActions actions; /* one batch, reused (too large for the stack) */

    sd_event_source *core_timer;     /* CLOCK_REALTIME: COORD_ACT_ARM_TIMER, re-armed */
    sd_event_source *summary_timer;  /* CLOCK_MONOTONIC, every --summary-ms */
    sd_event_source *flush_source;   /* post source: dirty rollups/requests, once per iteration */
    sd_event_source *suppress_timer; /* CLOCK_MONOTONIC: "suppressed N rejections" once a second */
    sd_event_source *stop_timer;     /* CLOCK_MONOTONIC: bounds the clean stop */
    sd_event_source *sync_timer;     /* CLOCK_MONOTONIC: a coalesced system/sync answer */

    /* system/sync (coordinator-sync.c). */
    uint64_t sync_last_mono_ms; /* the last republish */
    bool sync_done;             /* one republish happened (sync_last_mono_ms is valid) */
    bool sync_pending;          /* sync_timer armed */
    bool sync_status_due;       /* system/status goes out after the next flush */
    unsigned sync_asked;        /* sync requests since the last republish */

    /* Connection: the core hears CONNECTED only once every SUBACK is in. */
    int sub_mids[COORDINATOR_SUBSCRIPTIONS];
    unsigned subs_pending;
    bool core_connected;
    uint64_t will_epoch; /* the epoch in the will of the current connection */
    bool ready_notified;

    /* Coalescing: rollups and system/requests are published at most once per loop iteration;
     * settings and the power-restore decision likewise. */
    bool rollup_dirty[SB_KIND_COUNT];
    bool requests_dirty;
    bool setting_dirty[SB_SETTING_COUNT];
    bool power_restore_dirty;
    PublishedCache rollup_last[SB_KIND_COUNT];
    /* At most one rollup of each kind awaits its PUBACK (0 = none): a change made meanwhile stays
     * dirty and goes out, with the latest payload, when the PUBACK arrives. A burst that outruns
     * the broker then costs one rollup per broker round trip, not one per loop iteration queued
     * in libmosquitto (memory) and in the broker (load) - measured with bench/, BENCHMARKS.md. */
    int rollup_mid[SB_KIND_COUNT];
    PublishedCache requests_last; /* compared with "time" zeroed: it changes every build */
    PublishedCache setting_last[SB_SETTING_COUNT];
    PublishedCache power_restore_last;

    /* The gate's evidence (issue #13): the last probe published (an echo must equal it byte for
     * byte; the nonce makes one of another process or a forger useless), and whether the core was
     * fed an event with .backlog and has not yet had a step without it. */
    char probe_payload[128];
    size_t probe_len;
    uint64_t probe_nonce;
    bool backlog_fed;
    AnnounceWait announce_waits[COORDINATOR_ANNOUNCE_WAITS];
    unsigned announce_next;

    RejectLimiter limiter;
    uint64_t rejected_total; /* the shell's own rejections (the core counts its own) */

    /* Clean stop: offline published, waiting for its PUBACK, then for the DISCONNECT. */
    bool stopping;
    int offline_mid;
    bool disconnect_sent;
};

/* coordinator-apply.c */

/* Feeds ev to the core and carries out the resulting actions. */
void coordinator_feed(Coordinator *co, const CoordEvent *ev);

/* Publishes every dirty rollup, system/requests, setting and the power-restore decision whose
 * payload changed. */
void coordinator_flush(Coordinator *co);

/* Forgets what was published: after a reconnect the broker's retained copy may be gone. */
void coordinator_forget_published(Coordinator *co);

/* The PUBACK of mid arrived: a rollup held back behind it may go out at the next flush. */
void coordinator_on_published(Coordinator *co, int mid);

/* Publishes ev on <root>/event and, when reply_to names a valid topic, there too with its
 * correlation data. Returns 0 or negative errno of the <root>/event publish. */
int coordinator_publish_event(Coordinator *co, const SbEvent *ev, const CoordReplyTo *reply_to);

/* A rejection found by the shell: counted, and (rate-limited) logged and answered. */
void coordinator_reject(Coordinator *co,
                        const char *topic,
                        const char *why,
                        uint32_t node,
                        SbTarget target,
                        const char *id,
                        SbTransition transition,
                        const CoordReplyTo *reply_to);

/* True when a rejected event or log line may go out now (token bucket); counts suppressions. */
bool coordinator_rejection_allowed(Coordinator *co);

/* coordinator.c */

/* Publishes system/status (retained, QoS 1) with the epoch of the current will. */
int coordinator_publish_status(Coordinator *co, SbStatus status, int *ret_mid);

/* coordinator-sync.c */

/* A message on system/sync: republish now, or once the rate limit allows. */
void coordinator_on_sync(Coordinator *co, bool retained);
int coordinator_on_sync_timer(sd_event_source *s, uint64_t usec, void *userdata);
/* After each flush: the status that ends a sync answer. */
void coordinator_sync_flushed(Coordinator *co);

/* After a loop iteration: when the core holds decisions for a backlog that is now read, feeds
 * COORD_EV_DRAINED. */
void coordinator_feed_drained(Coordinator *co);

/* coordinator-receive.c */

void coordinator_on_message(MqttIo *io,
                            const struct mosquitto_message *msg,
                            const mosquitto_property *props,
                            void *userdata);

#endif
