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

/* Request records: at most 2 queued (chassis, host), 1 delayed (a power restore's delay), 3 active
 * and 3 last finished are referenced at once, plus the one being submitted. */
#define COORD_REQUEST_POOL 16
/* Finished requests whose final event the broker has not acknowledged yet, besides the last of
 * each target (issue #13: a broker killed with several final events in flight). */
#define COORD_UNANNOUNCED_MAX 4
/* A PUBACK says the broker has a message, not that it survives the broker: mosquitto writes its
 * store every autosave_interval (1 s in the shipped configs) and a broker killed before that
 * loses the message, also from the queues of persistent sessions. A final event counts as out
 * once the broker was heard from this long after acknowledging it, on the same connection
 * (topics/README.md "Requests", durability). */
#define COORD_ANNOUNCE_SETTLE_MS 2000

/* Last applied message of one kind from one node. */
typedef struct NodeKindValue {
    uint64_t epoch; /* of the message that set value */
    uint64_t seq;
    uint64_t since_ms; /* "since" of that message */
    uint8_t value;     /* 0 = never heard */
} NodeKindValue;

/* Clock offset estimate of one node from its heartbeats (clock-offset.c). */
typedef struct NodeClock {
    uint64_t epoch;    /* samples are of this agent session */
    int64_t best_cur;  /* smallest |offset| of the window being filled */
    int64_t best_prev; /* ... of the last full window */
    uint8_t n_cur;     /* samples in the current window */
    bool has_prev;
    bool drifting; /* a clock-drift event was raised and not yet cleared */
} NodeClock;

/* Heartbeat liveness of one node (liveness.c). */
typedef struct NodeLiveness {
    uint64_t epoch;         /* the agent session the fields below are about */
    uint64_t last_heard_ms; /* coordinator time of the session's last live message */
    uint64_t hb_time_ms;    /* node "time" of the session's previous heartbeat */
    uint64_t hb_seq;        /* its "seq", 0 = none yet */
    uint64_t sample_ms;     /* an interval sample waiting for a second one that agrees */
    uint64_t interval_ms;   /* learned heartbeat interval of the session, 0 = not yet */
    int16_t class_slot;     /* index of the liveness class (deadline FIFO) it is in, -1 = none */
    bool silent;            /* missed its heartbeats: stale, node-lost raised, no Will yet */
} NodeLiveness;

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
    /* from the last applied chassis and host messages (issue #4) */
    bool ac_loss;         /* chassis "ac_loss" */
    bool in_losses;       /* listed in PowerRestore.losses */
    bool hv_claim;        /* host "hypervisor" */
    uint64_t bmc_boot_ms; /* chassis "bmc_boot", 0 = not reported */
    NodeClock clock;
    NodeLiveness live; /* issue #7 */
    /* issue #13: its evidence arrived late; not verified again before probe number
     * verify_after is back (evidence.c), 0 = no hold */
    uint64_t verify_after;
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
    /* PENDING, delayed (Coord.delayed): not submitted to the gate before this time (a power
     * restore's power-restore-delay); 0 = not delayed. Submitting clears it and sets queued_ms and
     * order. */
    uint64_t not_before_ms;
    uint64_t fails_ms;    /* ACTIVE: dispatched_ms + transition timeout, 0 = never */
    uint64_t finished_ms; /* DONE */
    bool restored;        /* ACTIVE: restored from a snapshot, node progress unknown */
    /* DONE (issue #13): whether its final event is known to have gone out. */
    uint8_t announce;
    uint64_t acked_ms; /* ANNOUNCE_ACKED: when the broker acknowledged it */
} Request;

enum {
    ANNOUNCE_DONE = 0,    /* the broker acknowledged its final event (or before issue #13) */
    ANNOUNCE_SENDING = 1, /* published, no acknowledgement yet: again at the next connect */
    ANNOUNCE_REPLAY = 2,  /* restored without the mark: published again at the next connect */
    ANNOUNCE_ACKED = 3,   /* acknowledged, the broker not yet heard from COORD_ANNOUNCE_SETTLE_MS
                             later: again at the next connect if the connection is lost first */
};

/* Per-node progress of the active request of one target (README "Requests": completion). */
enum {
    PROGRESS_IN_SET = 1u << 0, /* the request went to this node */
    PROGRESS_LEFT = 1u << 1,   /* cycle-type: the node has left the target state */
    PROGRESS_DONE = 1u << 2,   /* reached the target (not in the remaining list) */
    /* issue #13: what states naming the request said */
    PROGRESS_RECEIVED = 1u << 3, /* a state naming the request arrived: the node got it */
    PROGRESS_REACHED = 1u << 4,  /* such a state was at the goal (after LEFT for cycles) */
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

/* A request that joined the identical queued one (request-join.c, issue #15): it ends with it.
 * Not persisted: after a restart only the first id is followed (statebusctl follows it too). */
#define COORD_JOINS_MAX 8

typedef struct RequestJoin {
    int slot; /* the request it joined (PENDING or ACTIVE), -1 = free entry */
    char id[SB_ID_MAX + 1];
    CoordReplyTo reply_to;
} RequestJoin;

/* Runtime settings (settings.c), persisted. */
typedef struct Settings {
    SbRestorePolicy policy;   /* power-restore-policy */
    uint32_t delay_s;         /* power-restore-delay */
    SbRestorePolicy one_time; /* power-restore-one-time; NONE = not set */
    bool scheduled;           /* scheduled-transition set */
    uint64_t scheduled_time_s;
    SbTransition scheduled_transition;
} Settings;

/* Power restore (power-restore.c). A decision's action is a request (delayed while
 * power-restore-delay runs: Coord.delayed), not part of this record. */
typedef struct PowerRestore {
    uint64_t decided_boot_ms; /* persisted: newest bmc_boot whose AC loss was decided */
    uint64_t counter;         /* persisted: ids power-restore-<n> */
    NodeLinks loss_links;
    NodeList losses; /* nodes reporting an AC loss not decided yet */
    bool has_last;   /* persisted: the last decision, for system/power-restore */
    SbPowerRestoreMsg last;
} PowerRestore;

/* A request a rule of the coordinator makes (a power-restore decision, a due schedule): the
 * rule's verdict, which coord.c submits with requests_submit(). */
typedef struct RequestSpec {
    SbTarget target; /* SB_TARGET_NONE: no request */
    SbTransition transition;
    char id[SB_ID_MAX + 1];
    char reason[SB_REASON_MAX + 1];
    uint32_t nodes[SB_COMMAND_NODES_MAX]; /* none = every node */
    size_t n_nodes;
    uint64_t not_before_ms; /* delayed until then (power-restore-delay), 0 = now */
    bool replaces_delayed;  /* a newer power-restore decision: the delayed request gives way */
} RequestSpec;

/* Heartbeat liveness (liveness.c). Nodes whose learned intervals agree share a class; inside a
 * class every node has the same timeout, so a FIFO ordered by last-heard time is ordered by
 * deadline too and its head is the next to expire. */
#define LIVENESS_CLASSES 8

typedef struct LivenessClass {
    uint64_t interval_ms; /* the longest interval of its members; 0 = free */
    NodeList fifo;        /* members, least recently heard first */
} LivenessClass;

typedef struct Liveness {
    NodeLinks links; /* a node is in at most one class FIFO */
    LivenessClass classes[LIVENESS_CLASSES];
    uint64_t hold_until_ms; /* after a stall of our own loop: no expiry before this */
    uint64_t latest_ms;     /* the latest clock reading seen, to notice it stepping back */
} Liveness;

/* The single hypervisor (hypervisor.c). */
typedef struct Hypervisor {
    NodeLinks links;
    NodeList claims; /* nodes whose host state says "hypervisor": true */
    uint32_t node;   /* the lowest claimant: the one whose state is shown, 0 = none */
    bool published;  /* published at least once in this run */
} Hypervisor;

/* Current evidence for gated decisions (evidence.c, topics/README.md "The gate"). */
#define EVIDENCE_HELD_MAX 16

typedef struct Evidence {
    uint64_t probe_counter; /* the last probe token sent */
    uint64_t outstanding;   /* the probe awaited, 0 = none */
    uint64_t echoed;        /* the highest probe number that came back */
    uint64_t sent_ms;       /* when it was sent (resent after EVIDENCE_PROBE_RETRY_MS) */
    uint64_t sent_gen;      /* unready_gen when it was sent */
    bool outstanding_reverify;
    bool fresh;            /* an echo came back with no node leaving Ready since it was sent */
    uint64_t fresh_gen;    /* unready_gen of that echo */
    bool reverifying;      /* after our own stall: no node verifies before the probe's echo */
    uint64_t timer_due_ms; /* when the armed timer should fire (its time, or the arming step's) */
    uint64_t stalls;       /* stalls detected (CoordStats) */
    /* Requests read while .backlog was set, submitted in order at the next decision point. */
    CoordEvent held[EVIDENCE_HELD_MAX];
    size_t n_held;
} Evidence;

struct Coord {
    CoordConfig cfg;
    Node *nodes; /* owned: cfg.nodes + 1, index = node number (0 unused) */

    /* rollup indexes: per kind, one list per value; counts are the lists' counts */
    NodeLinks value_links[SB_KIND_NODE_COUNT];
    NodeList values[SB_KIND_NODE_COUNT][COORD_VALUES_MAX];
    NodeLinks stale_links;
    NodeList stale;
    NodeLinks not_ready_links;
    NodeList not_ready;   /* the gate waits for these */
    uint64_t unready_gen; /* +1 whenever a node leaves Ready (node_refresh; evidence.c) */
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
    int delayed;                  /* the request waiting for its not-before time, or -1 */
    int active[SB_TARGET_COUNT];
    int last[SB_TARGET_COUNT];
    int unannounced[COORD_UNANNOUNCED_MAX]; /* slot or -1, oldest first */
    Progress progress[SB_TARGET_COUNT];
    SbTransition requested[SB_TARGET_COUNT]; /* last accepted chassis/host transition */
    SbTarget requested_last;                 /* which of the two was requested last */
    uint64_t id_counter;                     /* persisted: assigned ids c<epoch>-<counter> */
    uint64_t order_counter;
    uint8_t *scratch; /* owned: cfg.nodes + 1 bytes, duplicate check of "nodes" */
    RequestJoin joins[COORD_JOINS_MAX];

    Settings settings;
    PowerRestore restore;
    Hypervisor hv;
    Liveness liveness;
    Evidence evidence; /* issue #13 */

    uint64_t armed_at_ms; /* last ARM_TIMER, 0 after it fired (one-shot) */
    uint64_t rejected_total;
    bool started; /* first event seen: snapshot_restore is no longer allowed */

    /* the step in progress */
    CoordActions *out;
    uint64_t now_ms;
    bool overflow;
    bool durable_dirty; /* needs PERSIST at the head of this batch */
    /* What the snapshot named beyond --nodes and the restore left out (CoordStats). */
    unsigned restore_nodes_dropped, restore_requests_dropped;
    bool requests_dirty; /* needs PUBLISH_REQUESTS */

    uint64_t node_visits; /* debug: node records touched (see coord_debug_node_visits) */
};

/* ---- coord-actions.c: building the batch ------------------------------------------------ */
/* The nodes an event names: nodes[0..n) (borrowed), and omitted more that are counted only. */
typedef struct EventNodes {
    const uint32_t *nodes;
    size_t n;
    uint32_t omitted;
} EventNodes;
#define NO_NODES ((EventNodes){ NULL, 0, 0 })

CoordAction *coord_action_add(Coord *c, CoordActionKind kind);
/* Appends PUBLISH_EVENT of kind about request r (id, target, transition, reply_to), why and
 * nodes (up to SB_EVENT_NODES_MAX are copied, the rest counted with nodes.omitted). r may be
 * NULL. */
SbEvent *
coord_event_add(Coord *c, SbEventKind kind, const Request *r, const char *why, EventNodes nodes);
/* Writes "<prefix> 1,2,3" (as many numbers as fit, then " and K more") into buf. */
void coord_format_nodes(char *buf,
                        size_t size,
                        const char *prefix,
                        const uint32_t *nodes,
                        size_t n,
                        uint32_t omitted);

/* ---- node-table.c: node facts (the bottom layer: it calls no rule) ---------------------- */
int node_table_init(Coord *c);
void node_table_done(Coord *c);
/* Re-derives usable/stale/ready from the record and moves the node between the lists; a node
 * leaving Ready bumps c->unready_gen (evidence.c reads it). */
void node_refresh(Coord *c, uint32_t node);
/* The record of node, or NULL with a rejected event: a number outside 1..nodes, or a payload
 * "node" naming another node (a misconfigured agent). */
Node *node_table_accept(Coord *c, uint32_t node, uint32_t payload_node);
void node_table_reject(Coord *c, uint32_t node, const char *why);
/* An event about node (node-lost, node-back). */
void node_table_report(Coord *c, SbEventKind kind, uint32_t node, const char *why);
/* A status message of m's epoch: the node's status (online, offline or lost) and session. */
void node_table_record_status(Coord *c, uint32_t node, const SbStatusMsg *m);
/* A state message of ev: -EINVAL (refused, rejected event), -ESTALE (an older message of the
 * epoch: a replay), 0 (the last message again: nothing changed), 1 (applied; *value_changed
 * when the value moved, the rollup of its kind is marked). */
int node_table_record_state(Coord *c, const CoordEvent *ev, bool *ret_value_changed);
void node_table_mark_heard(Coord *c, uint32_t node);
void node_table_set_verified(Coord *c, uint32_t node, bool verified);
/* A live message (not retained, while connected) of the node's current epoch; "live session":
 * and the node is online. */
bool node_table_is_current_epoch(const Coord *c, const CoordEvent *ev, uint64_t epoch);
bool node_table_is_live_session(const Coord *c, const CoordEvent *ev, uint64_t epoch);
/* Connection changes: O(nodes), once per (re)connect. */
void node_table_on_connected(Coord *c);
void node_table_on_disconnected(Coord *c);
/* Every node has to prove itself again (a connect, our own stall): O(nodes). */
void node_table_unverify_all(Coord *c);
void node_table_unverify(Coord *c, uint32_t node);
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
/* A request that cannot be held (the backlog hold is full): rejected, nothing recorded. */
void requests_refuse_busy(Coord *c, const CoordEvent *ev);
/* Dispatches the queued requests when the gate is open, in submission order. */
void requests_release(Coord *c);
/* Expires queued and fails active requests whose deadline is <= now. */
void requests_run_deadlines(Coord *c);
/* The delayed request whose not-before time has come enters the gate (as a new request would). */
void requests_submit_due(Coord *c);
/* The delayed request is dropped before its time by an Off or a newer decision: a power-restore
 * event says why, as before issue #14 (system/set/cancel ends it cancelled, as a queued one). */
void requests_withdraw_delayed(Coord *c, const char *why);
/* Earliest request deadline, 0 = none. */
uint64_t requests_next_deadline(const Coord *c);
/* The delayed request's not-before time, 0 = none (due whether connected or not). */
uint64_t requests_delayed_until(const Coord *c);
/* Ends the request in slot with its final event (result, why, the nodes it names). */
void requests_finish(Coord *c, int slot, SbEventKind result, const char *why, EventNodes nodes);
Request *request_alloc(Coord *c, int *ret_slot);
/* The queued, delayed or active request with id: its slot, or -1. */
int requests_find_open(const Coord *c, const char *id);
/* Puts a restored record in its phase (snapshot-restore.c). Returns 0 or -EBADMSG. */
int requests_adopt(Coord *c, int slot);
void requests_reset(Coord *c);
/* The broker acknowledged the final event of id: ANNOUNCE_ACKED from now. */
void requests_on_announced(Coord *c, const char *id);
/* Something came from the broker: final events it acknowledged COORD_ANNOUNCE_SETTLE_MS ago or
 * more count as out (marked, written with the next write). At most 3 + COORD_UNANNOUNCED_MAX
 * records looked at. */
void requests_on_broker_heard(Coord *c);
/* Connected: final events not acknowledged (lost with a broker or a connection, or by our own
 * crash before the mark was written) are published again, marked "replay". */
void requests_replay_finals(Coord *c);

/* ---- request-progress.c ----------------------------------------------------------------- */
int progress_init(Coord *c);
void progress_done(Coord *c);
/* Starts tracking request slot (now ACTIVE) for its target: O(nodes), at dispatch/restore. */
void progress_start(Coord *c, int slot);
void progress_stop(Coord *c, SbTarget target);
/* A state message of kind (bmc, chassis or host) from node, naming request ("" = none), was
 * applied. */
void progress_on_state(Coord *c, uint32_t node, SbStateKind kind, const char *request);
/* The node's BMC readiness may have changed (node_refresh). */
void progress_on_bmc(Coord *c, uint32_t node);
/* The node's agent went away or took a new epoch: its BMC has left Ready. */
void progress_mark_bmc_left(Coord *c, uint32_t node);
/* The verdict on the target's active request: its slot when nothing remains (why filled:
 * "all N nodes reached ..."), else -1. coord.c finishes it (no call up into requests.c). */
int progress_completed(const Coord *c, SbTarget target, char *why, size_t size);
/* "chassis On", "host Running", "BMC Ready": what the request waits for, for events. */
const char *progress_goal_name(const Request *r);

/* Submits a request the coordinator makes itself (power restore, schedules): like one from
 * system/set/<target>, except that it may name nodes without --allow-partial and always queues
 * behind the gate (nobody would retry a rejected one). With a not-before time in the future it is
 * delayed until then (replacing the delayed one): listed in system/requests, persisted, cancelled
 * by an Off or by system/set/cancel; its being replaced, cancelled by an Off or submitted are
 * power-restore events (the only rule that delays requests), as the decision's own. */
void requests_submit(Coord *c, const RequestSpec *spec);

/* ---- request-join.c: an identical request joins the queued one (issue #15) --------------- */
void join_reset(Coord *c);
/* The new request in slot is identical (target, transition, nodes) to the target's queued one:
 * it joins it (answered queued, "joined <id>"), its record is freed. Returns false when it is not
 * identical or no join entry is free (it then replaces the queued one, as before). */
bool join_try(Coord *c, int slot);
/* The request in slot was dispatched (why as in its own event) or ended: its joiners follow. */
void join_on_dispatch(Coord *c, int slot, const char *why);
void join_on_finish(Coord *c, int slot, SbEventKind result, const char *why, EventNodes nodes);
/* Cancels the joiner with id (answered cancelled). Returns false when no joiner has it. */
bool join_cancel(Coord *c, const char *id, const char *why);
/* The request id a joiner joined, or NULL when id is not a joiner. */
const char *join_find(const Coord *c, const char *id);

/* ---- request-cancel.c: system/set/cancel (issue #15) ------------------------------------- */
void requests_on_cancel(Coord *c, const CoordEvent *ev);

/* ---- settings.c ------------------------------------------------------------------------- */
void settings_init(Coord *c);
void settings_on_setting(Coord *c, const CoordEvent *ev);
/* Appends PUBLISH_SETTING of name and marks the durable state dirty (a changed value). */
void settings_changed(Coord *c, SbSettingName name);
/* Appends PUBLISH_SETTING of every setting (after a (re)connect). */
void settings_publish_all(Coord *c);
/* A setting event (no request id) answered to reply_to (may be NULL). */
void settings_event(Coord *c, SbEventKind kind, const char *why, const CoordReplyTo *reply_to);

/* ---- schedule.c: scheduled-transition --------------------------------------------------- */
/* Fires (or drops, when missed by more than the grace) a schedule whose time has come. True when
 * it fires (*ret filled): coord.c submits the request. */
bool schedule_run(Coord *c, RequestSpec *ret);
/* When the schedule is due (unix ms), 0 = none. */
uint64_t schedule_next_deadline(const Coord *c);

/* ---- power-restore.c -------------------------------------------------------------------- */
int power_restore_init(Coord *c);
void power_restore_done(Coord *c);
/* Forgets the persisted part (a corrupt snapshot). */
void power_restore_reset(Coord *c);
/* A chassis message of node was applied: its ac_loss and bmc_boot may have changed. */
void power_restore_on_chassis(Coord *c, uint32_t node, bool ac_loss, uint64_t bmc_boot_ms);
/* Decides the undecided AC losses once the gate is open. True when the decision makes a request
 * (*ret filled, delayed by power-restore-delay when that is not 0): coord.c submits it. */
bool power_restore_run(Coord *c, RequestSpec *ret);

/* ---- clock-offset.c --------------------------------------------------------------------- */
void clock_on_heartbeat(Coord *c, uint32_t node, const SbHeartbeatMsg *hb);

/* ---- liveness.c: heartbeat liveness (topics/README.md "Node lifecycle") ------------------ */
int liveness_init(Coord *c);
void liveness_done(Coord *c);
/* A live (not retained) message of node's current session arrived while connected and online;
 * hb is its heartbeat, NULL for any other message. Learns the interval, moves the node to the
 * tail of its class and, when it was silent, raises node-back. The caller refreshes the node. */
void liveness_on_heard(Coord *c, uint32_t node, const SbHeartbeatMsg *hb);
/* The node's session ended (a Will, a clean stop) or a new one began: forgets what was learned.
 * Returns whether the node was silent (its node-lost was already raised). */
bool liveness_forget(Coord *c, uint32_t node);
/* Our own disconnect: stops timing the node, keeps what was learned and its silence. */
void liveness_untrack(Coord *c, uint32_t node);
/* At the start of a step: a timer served far later than asked means our own loop stalled (a
 * suspended process, a paused VM, the wall clock stepped forward): heartbeats may be waiting
 * unread. A clock stepped back would push every deadline out by the step: they restart now. */
void liveness_check_clock(Coord *c);
/* Declares silent the nodes whose deadline passed, a bounded number per step (the rest are due
 * at once: liveness_next_deadline() is then in the past). */
void liveness_run(Coord *c);
uint64_t liveness_next_deadline(const Coord *c);

/* ---- evidence.c: current evidence for gated decisions (topics/README.md "The gate") ----- */
/* At the start of a step: the timer served more than a second late means our own loop stalled;
 * every node is re-verified (probe, then rebirth) before it counts as Ready again. */
void evidence_check_stall(Coord *c);
/* A request read from a backlog: held for the next decision point. False when the hold is full
 * (the caller answers). */
bool evidence_hold_request(Coord *c, const CoordEvent *ev);
/* At a decision point: the held requests, in the order they were read, for coord.c to submit
 * (*ret_n of them; the hold is empty afterwards, the array valid until the next hold). */
const CoordEvent *evidence_take_held(Coord *c, size_t *ret_n);
/* May node be verified now (not while re-verifying after a stall, nor while its own late
 * evidence is held, before the probe's echo)? */
bool evidence_may_verify(const Coord *c, uint32_t node);
/* A heartbeat of node arrived late_ms later than its clock says it was sent (more than a second:
 * it waited in our socket, the broker or its link): the node is unverified until a probe sent
 * now is back and a live message of it follows. */
void evidence_on_late(Coord *c, uint32_t node, uint64_t late_ms);
/* True when a gated release may go out now: a probe sent while the gate was open came back and
 * no node left Ready since. Otherwise sends a probe (unless one is awaited) and returns false. */
bool evidence_allows_release(Coord *c);
/* A release went out on the evidence: the next one needs a new probe. */
void evidence_consume(Coord *c);
void evidence_on_probe(Coord *c, uint64_t token);
void evidence_on_connection(Coord *c);
uint64_t evidence_next_deadline(const Coord *c);
/* Sends an awaited probe again when it is not back within its retry time. */
void evidence_run(Coord *c);
/* The armed timer's due time, for the stall check (coord.c arms it). */
void evidence_on_armed(Coord *c, uint64_t at_ms);

/* ---- hypervisor.c ----------------------------------------------------------------------- */
int hypervisor_init(Coord *c);
void hypervisor_done(Coord *c);
/* A host message of node was applied, claiming the hypervisor or not. True when the hypervisor
 * rollup may have changed (the caller marks it). */
bool hypervisor_on_host(Coord *c, uint32_t node, bool claims);
/* Whether node is the one the hypervisor follows: a change of its host or boot-progress value,
 * or of its staleness, changes the hypervisor rollup. */
bool hypervisor_follows(const Coord *c, uint32_t node);
/* The hypervisor's state (Host states) from the claimant's host state and boot progress. */
int hypervisor_state(const Coord *c);
/* Whether system/hypervisor is published at all (a claimant exists or once did). */
bool hypervisor_is_published(const Coord *c);

/* ---- names shared by events and snapshots ---------------------------------------------- */
const char *coord_target_name(SbTarget target);
const char *coord_transition_name(SbTransition transition);

/* ---- debug accessors for unit tests ---------------------------------------------------- */
/* Node records visited by the core since coord_new(): one per node message, plus every node of
 * a connect/disconnect sweep or a dispatch. The O(1) test asserts it grows by O(1) per update. */
uint64_t coord_debug_node_visits(const Coord *c);

#endif
