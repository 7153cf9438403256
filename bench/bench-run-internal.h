/* SPDX-License-Identifier: Apache-2.0 */
/* One run's insides, shared by bench-run.c (set-up, coordinator, waits) and bench-phases.c (the
 * measurements). Not for other users. */
#ifndef STATEBUS_BENCH_RUN_INTERNAL_H
#define STATEBUS_BENCH_RUN_INTERNAL_H

#include <limits.h>

#include "statebus/limits.h"

#include "bench-loop.h"
#include "bench-run.h"
#include "node-sim.h"
#include "plain.h"
#include "proc.h"
#include "watch.h"

typedef struct Run {
    const BenchConfig *cfg;
    BenchResult *res;
    uint32_t nodes;
    uint64_t timeout_ms; /* bound of every single wait at this size */
    char system[SB_SYSTEM_ID_MAX + 1];
    char state_dir[PATH_MAX];
    char log_path[PATH_MAX];
    char coordinator_id[128];

    BenchLoop *loop; /* owned: the nodes and the operator, in the main thread */
    NodeSim *sim;
    Watch *watch;
    Plain *plain;
    BenchClient *operator; /* requests, raw pings and triggers */
    Proc coordinator;
    uint64_t epoch; /* the coordinator's epoch as last seen in its rollups */

    char topic_ping[SB_TOPIC_MAX + 1];
    char topic_pong[SB_TOPIC_MAX + 1];
    char topic_trigger[SB_TOPIC_MAX + 1];
    char topic_set_host[SB_TOPIC_MAX + 1];
    uint64_t pong_expected;
    uint64_t pong_ns; /* 0 until the expected pong arrived */
} Run;

/* Waits for done(arg) with the run's bound; fails early when the coordinator died, a connection
 * dropped or an observer thread failed. what names the condition in the error. */
int run_wait(Run *r, BenchDoneFn done, void *arg, const char *what);

/* Records a failure reason (the first one wins) and returns err. */
int run_fail(Run *r, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

int run_coordinator_start(Run *r);
/* Reads its VmHWM, then stops it (SIGTERM, bounded); a non-zero exit is a failure. */
int run_coordinator_stop(Run *r);
void run_coordinator_sample_memory(Run *r, uint64_t *ret_rss_kib);

/* Waits until the four node-kind rollups are current (node_sim_rollup_current) with an epoch of
 * at least min_epoch, each received at or after after_ns; *ret_last_ns = the latest receive
 * time among them. Counts a rollup check. */
int run_wait_all_rollups(Run *r, uint64_t min_epoch, uint64_t after_ns, uint64_t *ret_last_ns);
/* The same for one kind. */
int run_wait_rollup(Run *r, SbStateKind kind, uint64_t after_ns);

/* Waits until every publish of the nodes is acknowledged and, when the coordinator runs, until
 * it has handled everything before a fence (a change of node 1's boot progress and back, seen in
 * the rollup): the next measurement starts on a quiet broker, not in the tail of a storm of
 * rebirth answers. */
int run_settle(Run *r);

/* Publishes a command object on system/set/host or the raw trigger. */
int run_publish_command(Run *r, const char *topic, const char *id);

/* bench-phases.c */
int phase_gate(Run *r);
int phase_ingest(Run *r);
int phase_cold_start(Run *r);

#endif
