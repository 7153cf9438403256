/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The coordinator core's data model, shared by its modules (node-table.c, rollup.c, requests.c,
 * request-progress.c, snapshot-*.c, coord.c). Not part of coord.h: the shell never sees it.
 * Unit tests include it for the debug counters at the end.
 */
#ifndef STATEBUS_COORD_INTERNAL_H
#define STATEBUS_COORD_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "coord.h"
#include "node-list.h"

/* Values a state kind can take, including 0 (never heard); the largest enum (BootProgress) has
 * 13. Rollup counts index by value. */
#define COORD_VALUES_MAX 16

/* Request records: at most 2 queued (chassis, host), 3 active and 3 last finished are referenced
 * at once, plus the one being submitted. */
#define COORD_REQUEST_POOL 12

/* Last applied message of one kind from one node. */
typedef struct NodeKindValue {
    uint64_t epoch; /* of the message that set value */
    uint64_t seq;
    uint64_t since_ms; /* "since" of that message */
    uint8_t value;     /* 0 = never heard */
} NodeKindValue;

typedef struct Node {
    NodeKindValue kinds[SB_KIND_NODE_COUNT];
    uint64_t epoch; /* current epoch: of the last accepted status */
    uint8_t status; /* SbStatus of the last accepted status, 0 = none */
    bool has_epoch;
    bool heard;    /* any message accepted from this node */
    bool verified; /* a live message of the current epoch since our connection */
    /* derived by node_refresh() */
    bool usable; /* connected && online && verified */
    bool stale;  /* heard && !usable: last known values are shown */
    bool ready;  /* usable && bmc Ready of the current epoch: the gate's test */
} Node;

typedef enum RequestPhase {
    REQUEST_FREE = 0,
    REQUEST_PENDING,
    REQUEST_ACTIVE,
    REQUEST_DONE,
} RequestPhase;

typedef struct Request {
    RequestPhase phase;
    char id[SB_ID_MAX + 1];
    char reason[SB_REASON_MAX + 1];
    char why[SB_WHY_MAX + 1]; /* DONE: how it ended */
    SbTarget target;
    SbTransition transition;
    SbEventKind result; /* DONE */
    CoordReplyTo reply_to;
    uint32_t nodes[SB_COMMAND_NODES_MAX]; /* the request's "nodes", sorted; none = every node */
    size_t n_nodes;
    uint64_t order;         /* submission order: queued requests are released in it */
    uint64_t queued_ms;     /* submitted */
    uint64_t dispatched_ms; /* 0 = not yet */
    uint64_t expires_ms;    /* PENDING: queued_ms + request timeout, 0 = never */
    uint64_t fails_ms;      /* ACTIVE: dispatched_ms + transition timeout, 0 = never */
    uint64_t finished_ms;   /* DONE */
    bool restored;          /* ACTIVE: restored from a snapshot, node progress unknown */
} Request;

/* Per-node progress of the active request of one target (README "Requests": completion). */
enum {
    PROGRESS_IN_SET = 1u << 0, /* the request went to this node */
    PROGRESS_LEFT = 1u << 1,   /* cycle-type: the node has left the target state */
    PROGRESS_DONE = 1u << 2,   /* reached the target (not in the remaining list) */
};

typedef struct Progress {
    int slot;       /* request record, -1 = no active request for this target */
    uint8_t *flags; /* owned: PROGRESS_* per node number */
    NodeLinks links;
    NodeList remaining; /* in the set and not DONE */
    uint32_t total;
} Progress;

typedef struct Rollup {
    int state;
    bool mixed;
    bool dirty;           /* state or payload may have changed this step: recompute */
    bool content_changed; /* counts, nodes or stale changed this step */
    bool initialised;
    uint64_t since_ms;
    uint64_t seq;
} Rollup;

struct Coord {
    CoordConfig cfg;
    Node *nodes; /* owned: cfg.nodes + 1, index = node number (0 unused) */

    /* rollup indexes: per kind, one list per value; counts are the lists' counts */
    NodeLinks value_links[SB_KIND_NODE_COUNT];
    NodeList values[SB_KIND_NODE_COUNT][COORD_VALUES_MAX];
    NodeLinks stale_links;
    NodeList stale;
    NodeLinks not_ready_links;
    NodeList not_ready; /* the gate waits for these */
    uint32_t usable_count, verified_count, heard_count;
    Rollup rollups[SB_KIND_COUNT];

    /* connection */
    bool connected;
    bool in_window; /* rebirth window: rollups/requests held back */
    uint64_t window_end_ms;
    uint64_t epoch; /* persisted; bumped at every connection */

    /* requests */
    Request requests[COORD_REQUEST_POOL];
    int pending[SB_TARGET_COUNT]; /* slot or -1 */
    int active[SB_TARGET_COUNT];
    int last[SB_TARGET_COUNT];
    Progress progress[SB_TARGET_COUNT];
    SbTransition requested[SB_TARGET_COUNT]; /* last accepted chassis/host transition */
    uint64_t id_counter;                     /* persisted: assigned ids c<epoch>-<counter> */
    uint64_t order_counter;
    uint8_t *scratch; /* owned: cfg.nodes + 1 bytes, duplicate check of "nodes" */

    uint64_t armed_at_ms; /* last ARM_TIMER */
    uint64_t rejected_total;
    bool started; /* first event seen: snapshot_restore is no longer allowed */

    /* the step in progress */
    CoordActions *out;
    uint64_t now_ms;
    bool overflow;
    bool durable_dirty;  /* needs PERSIST at the head of this batch */
    bool requests_dirty; /* needs PUBLISH_REQUESTS */

    uint64_t node_visits; /* debug: node records touched (see coord_debug_node_visits) */
};

/* ---- coord-actions.c: building the batch ------------------------------------------------ */
CoordAction *coord_action_add(Coord *c, CoordActionKind kind);
/* Appends PUBLISH_EVENT of kind about request r (id, target, transition, reply_to), why and
 * nodes (up to SB_EVENT_NODES_MAX are copied; omitted counts the rest). r may be NULL. */
SbEvent *coord_event_add(Coord *c,
                         SbEventKind kind,
                         const Request *r,
                         const char *why,
                         const uint32_t *nodes,
                         size_t n_nodes,
                         uint32_t omitted);
/* Writes "<prefix> 1,2,3" (as many numbers as fit, then " and K more") into buf. */
void coord_format_nodes(char *buf,
                        size_t size,
                        const char *prefix,
                        const uint32_t *nodes,
                        size_t n,
                        uint32_t omitted);

/* ---- node-table.c ----------------------------------------------------------------------- */
int node_table_init(Coord *c);
void node_table_done(Coord *c);
void node_refresh(Coord *c, uint32_t node);
void node_table_on_status(Coord *c, const CoordEvent *ev);
void node_table_on_state(Coord *c, const CoordEvent *ev);
void node_table_on_heartbeat(Coord *c, const CoordEvent *ev);
/* Connection changes: O(nodes), once per (re)connect. */
void node_table_on_connected(Coord *c);
void node_table_on_disconnected(Coord *c);
bool coord_gate_is_open(const Coord *c);

/* ---- rollup.c --------------------------------------------------------------------------- */
/* A node's value of kind, or the stale set (all kinds), changed: the payload changed. */
void rollup_mark_changed(Coord *c, SbStateKind kind);
void rollup_mark_all_changed(Coord *c);
/* Something the state depends on changed (BMC: usable or Ready nodes): recompute it. */
void rollup_mark_recheck(Coord *c, SbStateKind kind);
int rollup_compute_state(const Coord *c, SbStateKind kind);
bool rollup_compute_mixed(const Coord *c, SbStateKind kind);
/* Recomputes the dirty kinds; returns the mask of kinds whose payload changed (seq bumped). */
unsigned rollup_update(Coord *c);

/* ---- requests.c ------------------------------------------------------------------------- */
void requests_init(Coord *c);
void requests_on_request(Coord *c, const CoordEvent *ev);
/* Dispatches the queued requests when the gate is open, in submission order. */
void requests_release(Coord *c);
/* Expires queued and fails active requests whose deadline is <= now. */
void requests_run_deadlines(Coord *c);
/* Earliest request deadline, 0 = none. */
uint64_t requests_next_deadline(const Coord *c);
void requests_finish(Coord *c,
                     int slot,
                     SbEventKind result,
                     const char *why,
                     const uint32_t *nodes,
                     size_t n_nodes,
                     uint32_t omitted);
Request *request_alloc(Coord *c, int *ret_slot);
/* Puts a restored record in its phase (snapshot-restore.c). Returns 0 or -EBADMSG. */
int requests_adopt(Coord *c, int slot);
void requests_reset(Coord *c);

/* ---- request-progress.c ----------------------------------------------------------------- */
int progress_init(Coord *c);
void progress_done(Coord *c);
/* Starts tracking request slot (now ACTIVE) for its target: O(nodes), at dispatch/restore. */
void progress_start(Coord *c, int slot);
void progress_stop(Coord *c, SbTarget target);
/* A state message of kind (chassis or host) from node was applied. */
void progress_on_state(Coord *c, uint32_t node, SbStateKind kind);
/* The node's BMC readiness may have changed (node_refresh). */
void progress_on_bmc(Coord *c, uint32_t node);
/* The node's agent went away or took a new epoch: its BMC has left Ready. */
void progress_mark_bmc_left(Coord *c, uint32_t node);
/* Completes the target's active request when nothing remains. */
void progress_check_complete(Coord *c, SbTarget target);
/* "chassis On", "host Running", "BMC Ready": what the request waits for, for events. */
const char *progress_goal_name(const Request *r);

/* ---- names shared by events and snapshots ---------------------------------------------- */
const char *coord_target_name(SbTarget target);
const char *coord_transition_name(SbTransition transition);

/* ---- debug accessors for unit tests ---------------------------------------------------- */
/* Node records visited by the core since coord_new(): one per node message, plus every node of
 * a connect/disconnect sweep or a dispatch. The O(1) test asserts it grows by O(1) per update. */
uint64_t coord_debug_node_visits(const Coord *c);

#endif
