/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The coordinator's pure core: node table, instance-0 rollups, the power-on gate and the request
 * queue. Events in, actions out. No I/O, no clock (time is in every event), no logging, no
 * allocation after coord_new(). O(1) work per node update: counts and lists are maintained
 * incrementally, never rebuilt by scanning the nodes.
 *
 * The rules are documented in topics/README.md ("Rollup policy", "The gate", "Requests",
 * "Settings", "Power restore", "Scheduled transitions", "Clock offsets", "Hypervisor", "Node
 * lifecycle" for heartbeat liveness); every rule there has a unit test in test/unit/coordinator/.
 */
#ifndef STATEBUS_COORD_H
#define STATEBUS_COORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "statebus/enums.h"
#include "statebus/limits.h"
#include "statebus/payload.h"

typedef struct Coord Coord;

typedef enum CoordWhenNotReady {
    COORD_WHEN_NOT_READY_QUEUE = 0,  /* default, PSM's bmc-boot-ready behaviour */
    COORD_WHEN_NOT_READY_REJECT = 1, /* answer rejected with the nodes not Ready (BMCNotReady) */
} CoordWhenNotReady;

/* --node-restore: what a node-local AC loss does (topics/README.md "Power restore"). */
typedef enum CoordNodeRestore {
    COORD_NODE_RESTORE_NONE = 0,   /* default: the system stays as it is */
    COORD_NODE_RESTORE_REJOIN = 1, /* the node rejoins a running system (partial host On) */
} CoordNodeRestore;

typedef struct CoordConfig {
    uint32_t nodes;                 /* expected nodes 1..nodes (1..SB_NODES_MAX) */
    uint64_t request_timeout_ms;    /* queued longer than this -> expired; 0 = wait forever */
    uint64_t transition_timeout_ms; /* dispatched longer than this -> failed */
    uint64_t command_ttl_ms;        /* deadline of commands to agents = dispatch time + ttl */
    uint64_t rebirth_window_ms;     /* after connect: wait this long for rebirth answers before
                                       publishing rollups from unverified retained data */
    CoordWhenNotReady when_not_ready;
    bool allow_partial; /* power actions on part of the system ("nodes": [...]) */
    /* Added with issue #4; 0 keeps the behaviour of a shell that does not know them. */
    uint64_t schedule_grace_ms; /* a schedule missed by more than this is dropped; 0 = run
                                   it however late (PSM's behaviour) */
    uint64_t clock_drift_ms;    /* clock-drift event past this node clock offset; 0 = off */
    CoordNodeRestore node_restore;
    /* Added with issue #7 (topics/README.md "Node lifecycle"): a node whose heartbeats stop for
     * this many of its own intervals (learned from its heartbeats) is stale and raises node-lost
     * before its Last Will; 0 = off, the Will alone decides. */
    uint32_t missed_heartbeats;
} CoordConfig;

/* Where an answer to a request goes besides <root>/event: the MQTT v5 response topic (already
 * checked by the shell to be under <root>/reply/) and its correlation data. */
typedef struct CoordReplyTo {
    char topic[SB_TOPIC_MAX + 1]; /* "" = none */
    uint8_t correlation[SB_CORRELATION_MAX];
    size_t correlation_len;
} CoordReplyTo;

typedef enum CoordEventKind {
    COORD_EV_CONNECTED,      /* CONNACK + subscriptions done (SUBACK) */
    COORD_EV_DISCONNECTED,   /* lost the broker: every node stale, gate closed */
    COORD_EV_NODE_STATUS,    /* .status for .node */
    COORD_EV_NODE_STATE,     /* .state (kind inside) for .node */
    COORD_EV_NODE_HEARTBEAT, /* .heartbeat for .node */
    COORD_EV_REQUEST,        /* .request on system/set/<.target>, answer to .reply_to */
    COORD_EV_TIMER,          /* the time asked for by COORD_ACT_ARM_TIMER has come */
    COORD_EV_SETTING,        /* .setting (decoded by sb_setting_decode()) on settings/<name>/set,
                                answer to .reply_to */
    COORD_EV_CANCEL,         /* .cancel on system/set/cancel, answer to .reply_to (issue #15) */
    /* Added with issue #13 (topics/README.md "The gate"): */
    COORD_EV_PROBE,     /* the probe .probe published by COORD_ACT_PUBLISH_PROBE came back */
    COORD_EV_DRAINED,   /* nothing more waits in the input: decisions held by .backlog may run */
    COORD_EV_ANNOUNCED, /* the final event of request .id reached the broker (its PUBACK) */
} CoordEventKind;

typedef struct CoordEvent {
    CoordEventKind kind;
    uint64_t now_ms; /* unix ms, read by the shell */
    uint32_t node;   /* NODE_*: as parsed from the topic (may be > nodes: rejected) */
    bool retained;   /* NODE_*: delivered from the broker's retained store */
    /* More input already waits behind this event (bytes in the socket): the event is applied,
     * but no dispatch, completion, deadline or power-restore decision is taken until a step
     * without it (COORD_EV_DRAINED when nothing else comes). Requests are held, in order. */
    bool backlog;
    uint64_t probe;         /* PROBE */
    char id[SB_ID_MAX + 1]; /* ANNOUNCED */
    SbTarget target;        /* REQUEST */
    union {
        SbStatusMsg status;
        SbStateMsg state;
        SbHeartbeatMsg heartbeat;
        SbCommand request;
        SbSettingValue setting;
        SbCancel cancel;
    };
    CoordReplyTo reply_to; /* REQUEST, SETTING, CANCEL */
} CoordEvent;

typedef enum CoordActionKind {
    /* Write coord_snapshot_encode() to --state-dir before doing any later action of this batch:
     * an accepted request is never lost, a dispatch is never repeated. */
    COORD_ACT_PERSIST,
    /* Publish coord_rollup_build(.state_kind) retained on system/<kind>. */
    COORD_ACT_PUBLISH_ROLLUP,
    /* Publish coord_requests_build() retained on system/requests. */
    COORD_ACT_PUBLISH_REQUESTS,
    /* Publish .event on <root>/event, and on .reply_to.topic when set. When .event is a request's
     * final event (completed, failed, cancelled, expired, superseded; not rejected), feed
     * COORD_EV_ANNOUNCED with its id once the broker acknowledged it (issue #13). */
    COORD_ACT_PUBLISH_EVENT,
    /* Send .command on node/<n>/set/<.target> to every node coord_request_nodes(.request_slot)
     * lists (all expected nodes, or the request's "nodes"). */
    COORD_ACT_DISPATCH,
    /* Publish system/rebirth ({}). */
    COORD_ACT_PUBLISH_REBIRTH,
    /* (Re)arm the single core timer at .at_ms (unix ms); 0 = disarm. The timer is one-shot: once
     * COORD_EV_TIMER was fed, the core counts it as disarmed. .at_ms may be in the past (more work
     * is due at once, e.g. a burst of heartbeat expiries split over several steps): fire at once.
     */
    COORD_ACT_ARM_TIMER,
    /* Publish coord_setting_build(.setting) retained on system/settings/<.setting>. */
    COORD_ACT_PUBLISH_SETTING,
    /* Publish coord_power_restore_build() retained on system/power-restore. */
    COORD_ACT_PUBLISH_POWER_RESTORE,
    /* Publish probe .probe to the coordinator's own probe topic (a subscription of its own, at
     * QoS 0 like the node topics, so it is delivered behind every node message the broker had
     * routed to us before it) and feed COORD_EV_PROBE when it comes back. Never retained. */
    COORD_ACT_PUBLISH_PROBE,
} CoordActionKind;

typedef struct CoordAction {
    CoordActionKind kind;
    SbStateKind state_kind; /* PUBLISH_ROLLUP */
    SbEvent event;          /* PUBLISH_EVENT */
    CoordReplyTo reply_to;  /* PUBLISH_EVENT */
    SbTarget target;        /* DISPATCH */
    SbCommand command;      /* DISPATCH: transition, id, reason, deadline (nodes empty) */
    int request_slot;       /* DISPATCH: argument for coord_request_nodes() */
    uint64_t at_ms;         /* ARM_TIMER */
    SbSettingName setting;  /* PUBLISH_SETTING */
    uint64_t probe;         /* PUBLISH_PROBE */
} CoordAction;

#define COORD_ACTIONS_MAX 64

typedef struct CoordActions {
    CoordAction items[COORD_ACTIONS_MAX];
    size_t n;
} CoordActions;

/* Allocates the node table for cfg->nodes. Returns 0, -EINVAL (bad config) or -ENOMEM. */
int coord_new(const CoordConfig *cfg, Coord **ret);
Coord *coord_free(Coord *c);

/* Feeds one event; fills *out (cleared first) with the actions, in the order the shell must
 * carry them out. Returns 0, or -ENOSPC if the action buffer overflowed (a bug). */
int coord_step(Coord *c, const CoordEvent *ev, CoordActions *out);

/* Rebuilds the durable state (queue, active requests, last requested state, id counter, epoch)
 * from a snapshot written by coord_snapshot_encode(). Call once, before the first event.
 * Returns 0, or -EBADMSG with *reterr_why for a corrupt snapshot (the core is left empty). Nodes
 * above cfg->nodes are not corrupt: they are left out and counted in CoordStats. */
int coord_snapshot_restore(Coord *c,
                           const char *json,
                           size_t len,
                           uint64_t now_ms,
                           const char **reterr_why);
/* Encodes the durable state as JSON into buf. Returns the length or -ENOSPC. */
int coord_snapshot_encode(const Coord *c, char *buf, size_t size);
/* Upper bound for the snapshot buffer. */
size_t coord_snapshot_size_max(const Coord *c);

/* The coordinator's epoch for this connection (bumped at every COORD_EV_CONNECTED; persisted). */
uint64_t coord_epoch(const Coord *c);

/* Builders the shell calls to carry out actions. */
int coord_rollup_build(const Coord *c, SbStateKind kind, SbRollupMsg *ret);
int coord_requests_build(const Coord *c, uint64_t now_ms, SbRequestsMsg *ret);
int coord_summary_build(const Coord *c, uint64_t now_ms, SbSummaryMsg *ret);

/* The effective value of a setting (the default until one is set). Returns 0 or -EINVAL. */
int coord_setting_build(const Coord *c, SbSettingName name, SbSettingValue *ret);
/* The last power-restore decision. Returns 0, -ENOENT when none was made yet, or -EINVAL. */
int coord_power_restore_build(const Coord *c, SbPowerRestoreMsg *ret);

/* The transition of the latest accepted (or queued) chassis/host request, persisted: power
 * restore's Restore policy uses it. SB_TRANSITION_NONE when there was none. */
SbTransition coord_last_requested(const Coord *c, SbTarget target);
/* Which target's request was the latest of the two (the system's last requested state), or
 * SB_TARGET_NONE when neither was ever requested. */
SbTarget coord_last_requested_target(const Coord *c);

/* A node's clock offset as estimated from its heartbeats (node time - coordinator receive time,
 * the smallest in magnitude over the last 8 to 16 heartbeats). Returns 0, or -ENOENT when no
 * estimate exists yet, -EINVAL for a node out of range. */
int coord_clock_offset(const Coord *c, uint32_t node, int64_t *ret_ms);

/* Iterates the nodes a DISPATCH goes to: call with *cursor = 0; returns the next node number
 * (>= 1) and advances *cursor, or 0 when done. */
uint32_t coord_request_nodes(const Coord *c, int request_slot, uint32_t *cursor);

/* Counters for logs and the summary. */
typedef struct CoordStats {
    uint32_t nodes_online, nodes_ready, nodes_stale, nodes_never_seen;
    uint32_t requests_pending, requests_active;
    bool gate_open, connected;
    /* Left out by the snapshot restore: node numbers above --nodes, and requests that named only
     * such nodes (the system was made smaller since the file was written). */
    unsigned restore_nodes_dropped, restore_requests_dropped;
} CoordStats;
void coord_stats(const Coord *c, CoordStats *ret);

#endif
