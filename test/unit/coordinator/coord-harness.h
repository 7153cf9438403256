/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test harness for the coordinator core: a fake clock, simulated agents (epoch, seq, values) and
 * a small script language so tests read as tables of {input, expected actions}.
 *
 * Inputs (one per script line; each may feed several events):
 *   connect | disconnect | timer | advance <ms>
 *   birth <n>[-<m>] [bmc=<v>] [chassis=<v>] [host=<v>] [boot=<v>] [retained]
 *       a new agent session: the four states, then status online (live unless "retained")
 *   rebirth <n>[-<m>]           the same session republishes everything live (rebirth answer)
 *   state <n> <kind> <Value> [retained] [seq=<k>] [epoch=<e>] [since=<ms>]
 *   status <n> online|offline|lost [retained] [epoch=<e>]
 *   heartbeat <n> [epoch=<e>]
 *   request <target> <Transition> [id=<id>] [nodes=<a,b,...>] [reply=<topic>]
 *   raw-node <n> state|status    a message for an arbitrary node number (unexpected ones)
 *   setting <name> <value>       an operator's settings/<name>/set payload (bare values allowed)
 *   deaf <n>                     commands to node n are lost from now on (no receipt)
 *   probe [<n>]                  the held probe (or probe number n) comes back (hold_probes)
 *   backlog <input>              the input, fed with .backlog (more input waits behind it)
 *   drained                      COORD_EV_DRAINED
 * Dispatches are answered as the agents do: each live, not deaf node of the dispatch publishes
 * its receipt (its current state of the target's kind, naming the command) right after the
 * batch; its later states of that kind name the command too ("req=<id>" on a state sets it).
 * birth and state also take the node's details, kept for its later messages: ac_loss=0|1 and
 * bmc_boot=<ms>|now (chassis), hv=0|1 (host "hypervisor"); heartbeat takes offset=<ms> (the
 * node's clock minus ours).
 *
 * Expected actions are written as a space-separated description of the batch (see
 * harness_describe()): "persist", "rebirth", "dispatch:<target>:<id>", "<event>:<id>" for request
 * events, "<event>@<node>" for node events. Rollup, requests and timer actions are left out of
 * the description (they have their own tests and accessors).
 */
#ifndef STATEBUS_TEST_COORD_HARNESS_H
#define STATEBUS_TEST_COORD_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "coord.h"

#define HARNESS_NODES_MAX    128
#define HARNESS_DESCRIBE_MAX 4096

typedef struct HarnessAgent {
    uint64_t epoch;
    uint64_t seq;
    int values[SB_KIND_NODE_COUNT];
    bool ac_loss;         /* chassis ac_loss */
    uint64_t bmc_boot_ms; /* chassis bmc_boot, 0 = not sent */
    bool hypervisor;      /* host hypervisor */
    /* issue #13: the agent's "request" per kind (the last command it accepted; sticky until
     * the next one or a new session), whether it is down (no command reaches it) and deaf
     * (commands to it are lost: "deaf <n>"). */
    char request[SB_KIND_NODE_COUNT][SB_ID_MAX + 1];
    uint64_t since[SB_KIND_NODE_COUNT]; /* when each value last changed */
    bool down;
    bool deaf;
} HarnessAgent;

typedef struct Harness {
    Coord *c;
    CoordConfig cfg;
    uint64_t now_ms;
    uint64_t next_epoch;
    HarnessAgent agents[HARNESS_NODES_MAX + 1];
    CoordActions out;                     /* the last step's batch */
    char described[HARNESS_DESCRIBE_MAX]; /* description of the last script input */
    uint64_t armed_at_ms;                 /* last ARM_TIMER seen */
    unsigned steps;
    /* issue #13: like the real system, a probe comes back at once and every live agent the
     * dispatch goes to answers with its receipt (its current state naming the command). Tests
     * of what the core does meanwhile switch these off. */
    bool hold_probes;
    bool no_receipts;
    bool hold_acks;       /* final events are not acknowledged (a broker that dies with them) */
    uint64_t probe_held;  /* the last probe published while hold_probes, 0 = none */
    bool feeding_backlog; /* "backlog <input>": its events carry .backlog */
} Harness;

typedef struct ScriptLine {
    const char *input;
    const char *expect; /* NULL: not checked */
} ScriptLine;

/* Defaults: request timeout 0, transition timeout 600 s, command ttl 30 s, rebirth window 1 s,
 * queue when not ready, no partial actions. */
CoordConfig harness_config(uint32_t nodes);
Harness *harness_new(const CoordConfig *cfg);
void harness_free(Harness *h);

/* Feeds one event at h->now_ms (ev->now_ms is overwritten); asserts coord_step() returned 0 and
 * that PERSIST, if present, is the first action. Returns the batch. */
const CoordActions *harness_feed(Harness *h, CoordEvent *ev);
/* Feeds ev and what answers it (probe, receipts); returns the description of all of it. */
const char *harness_feed_described(Harness *h, CoordEvent *ev);
/* Runs one script input; returns its description. Fails the test on a syntax error. */
const char *harness_run(Harness *h, const char *input);
/* Runs every line and compares the description with expect (exact match). */
void harness_script(Harness *h, const ScriptLine *lines, size_t n);
#define HARNESS_SCRIPT(h, lines) harness_script((h), (lines), sizeof(lines) / sizeof((lines)[0]))

/* Description of a batch, as in ScriptLine.expect. */
void harness_describe(const CoordActions *a, char *buf, size_t size);

/* Queries on h->all (the last script input). */
size_t harness_count(const Harness *h, CoordActionKind kind);
const CoordAction *harness_find_event(const Harness *h, SbEventKind kind, const char *id);
const CoordAction *harness_find_dispatch(const Harness *h, SbTarget target);
/* The nodes a DISPATCH goes to (coord_request_nodes()). */
size_t harness_dispatch_nodes(const Harness *h, const CoordAction *a, uint32_t *nodes, size_t max);
bool harness_rollup_published(const Harness *h, SbStateKind kind);
/* PUBLISH_SETTING of name in the last script input, or NULL. */
const CoordAction *harness_find_setting(const Harness *h, SbSettingName name);
/* The nth (from 0) event of kind in the last script input, or NULL. */
const CoordAction *harness_find_event_kind(const Harness *h, SbEventKind kind, size_t nth);

/* The coordinator restarts later_ms after h's clock: a new core restored from h's snapshot,
 * the simulated agents kept. Frees h; returns the new harness (not connected yet). */
Harness *harness_restart(Harness *h, uint64_t later_ms);

/* Convenience: connect, birth every node with BMC Ready, chassis Off, host Off, boot Unspecified,
 * and end the rebirth window. */
void harness_bring_up(Harness *h);

#endif
