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
#include "coordinator-input.h"
#include "coordinator-options.h"
#include "coordinator-retained.h"
#include "coordinator.h"
#include "mqtt-io.h"
#include "reject-limiter.h"
#include "state-store.h"

#define COORDINATOR_SUBSCRIPTIONS 5
#define SYNC_INTERVAL_MS          1000u /* system/sync: at most one republish per interval */

/* A request's final event published, waiting for its PUBACK (COORD_EV_ANNOUNCED, issue #13). */
#define COORDINATOR_ANNOUNCE_WAITS 16
typedef struct AnnounceWait {
    int mid; /* 0 = free */
    char id[SB_ID_MAX + 1];
} AnnounceWait;

typedef struct CoordinatorTopics {
    char event[SB_TOPIC_MAX + 1];
    char rebirth[SB_TOPIC_MAX + 1];
    char sync[SB_TOPIC_MAX + 1];
    char summary[SB_TOPIC_MAX + 1];
    char probe[SB_TOPIC_MAX +
               1]; /* <root>/reply/<client id>/probe: our own, see COORD_ACT_PUBLISH_PROBE */
    char filters[COORDINATOR_SUBSCRIPTIONS][SB_TOPIC_MAX + 1];
} CoordinatorTopics;

/* The shell's life; every change goes through coordinator_enter() (coordinator.c), which holds the
 * table of legal transitions:
 *
 *   CONNECTING --every SUBACK in--> ONLINE --disconnect--> CONNECTING
 *   CONNECTING, ONLINE --SIGTERM/SIGINT--> STOPPING (offline status published, PUBACK awaited)
 *   CONNECTING, ONLINE, STOPPING --DISCONNECT sent--> DISCONNECTING --written or timed out--> exit
 */
typedef enum CoordinatorLife {
    COORDINATOR_CONNECTING,    /* no connection, or subscriptions pending: the core is offline */
    COORDINATOR_ONLINE,        /* every SUBACK in: the core heard CONNECTED */
    COORDINATOR_STOPPING,      /* a clean stop: offline status published, its PUBACK awaited */
    COORDINATOR_DISCONNECTING, /* DISCONNECT sent: the loop ends once it is written */
    COORDINATOR_LIFE_COUNT,
} CoordinatorLife;

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
    sd_event_source *flush_source;   /* post source: due retained topics, once per iteration */
    sd_event_source *suppress_timer; /* CLOCK_MONOTONIC: "suppressed N rejections" once a second */
    sd_event_source *stop_timer;     /* CLOCK_MONOTONIC: bounds the clean stop */
    sd_event_source *sync_timer;     /* CLOCK_MONOTONIC: a coalesced system/sync answer */

    /* system/sync (coordinator-sync.c). */
    uint64_t sync_last_mono_ms; /* the last republish */
    bool sync_done;             /* one republish happened (sync_last_mono_ms is valid) */
    bool sync_pending;          /* sync_timer armed */
    unsigned sync_asked;        /* sync requests since the last republish */

    /* Connection: the core hears CONNECTED only once every SUBACK is in. */
    int sub_mids[COORDINATOR_SUBSCRIPTIONS];
    unsigned subs_pending;
    CoordinatorLife life;
    uint64_t will_epoch; /* the epoch in the will of the current connection */
    bool ready_notified;

    /* Rollups, system/requests, settings, power restore, status (coordinator-retained.h):
     * published at most once per loop iteration, and only when their payload changed. */
    RetainedTopic retained[RETAINED_COUNT];
    int gate_logged; /* the gate state last logged at info (-1 none yet) */

    /* The gate's evidence (issue #13): the last probe published (an echo must equal it byte for
     * byte; the nonce makes one of another process or a forger useless), and whether the core was
     * fed an event with .backlog and has not yet had a step without it. */
    char probe_payload[128];
    size_t probe_len;
    uint64_t probe_token; /* the token in probe_payload */
    uint64_t probe_nonce;
    bool backlog_fed;
    AnnounceWait announce_waits[COORDINATOR_ANNOUNCE_WAITS];
    unsigned announce_next;

    RejectLimiter limiter;
    uint64_t rejected_total; /* the shell's own rejections (the core counts its own) */
};

/* coordinator.c */

/* The one place co->life changes: false (and a log line) for a transition outside the table. */
bool coordinator_enter(Coordinator *co, CoordinatorLife next);

static inline bool coordinator_is_online(const Coordinator *co)
{
    return co->life == COORDINATOR_ONLINE;
}

/* A clean stop is under way: start nothing new. */
static inline bool coordinator_is_stopping(const Coordinator *co)
{
    return co->life == COORDINATOR_STOPPING || co->life == COORDINATOR_DISCONNECTING;
}

/* coordinator-apply.c */

/* Feeds ev to the core and carries out the resulting actions. */
void coordinator_feed(Coordinator *co, const CoordEvent *ev);

/* The PUBACK of mid arrived: a request's final event the broker now has is COORD_EV_ANNOUNCED. */
void coordinator_on_announced(Coordinator *co, int mid);

/* Publishes ev on <root>/event and, when reply_to names a valid topic, there too with its
 * correlation data. Returns 0 or negative errno of the <root>/event publish. */
int coordinator_publish_event(Coordinator *co, const SbEvent *ev, const CoordReplyTo *reply_to);

/* A rejection found by the shell on topic: counted, and (rate-limited) logged and answered with
 * what res holds (why, node, target, id, transition, reply_to). */
void coordinator_reject(Coordinator *co, const char *topic, const InputResult *res);

/* True when a rejected event or log line may go out now (token bucket); counts suppressions. */
bool coordinator_rejection_allowed(Coordinator *co);

/* Publishes system/status (retained, QoS 1) with the epoch of the current will; its PUBACK is
 * the one retained_acked() reports for RETAINED_STATUS. */
int coordinator_publish_status(Coordinator *co, SbStatus status);

/* coordinator-sync.c */

/* A message on system/sync: republish now, or once the rate limit allows. */
void coordinator_on_sync(Coordinator *co, bool retained);
int coordinator_on_sync_timer(sd_event_source *s, uint64_t usec, void *userdata);

/* After a loop iteration: when the core holds decisions for a backlog that is now read, feeds
 * COORD_EV_DRAINED. */
void coordinator_feed_drained(Coordinator *co);

/* coordinator-receive.c */

void coordinator_on_message(MqttIo *io,
                            const struct mosquitto_message *msg,
                            const mosquitto_property *props,
                            void *userdata);

#endif
