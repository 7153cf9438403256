/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One benchmark run at one system size: a fresh system id, the simulated nodes, the observers,
 * the real coordinator, then the four measurements, each next to its broker baseline from the
 * same run:
 *
 *   gate release  last node's BMC Ready -> the On command at the first and at every node,
 *                 against a raw QoS 1 round trip and a raw fan-out of the same N commands by an
 *                 echo client (a coordinator that does nothing);
 *   ingest        an update burst to every node's boot progress, ending in OSRunning (which no
 *                 earlier update of the burst uses): updates / (first publish -> the
 *                 boot-progress rollup whose counts equal what was sent), against
 *                 updates / (first publish -> the last update at a plain subscriber);
 *   cold start    coordinator exec -> all four rollups of its new epoch published and current,
 *                 with every node's state retained and the nodes answering the rebirth, against
 *                 a fresh plain client receiving the same snapshot and answers;
 *   memory        the coordinator's VmRSS (after the gate and ingest phases) and its VmHWM,
 *                 next to the broker's VmRSS.
 */
#ifndef STATEBUS_BENCH_RUN_H
#define STATEBUS_BENCH_RUN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "stats.h"

typedef struct BenchConfig {
    char host[256];
    uint16_t port;
    const char *coordinator_bin;
    const char *run_dir;   /* logs */
    const char *state_dir; /* the coordinator's --state-dir lives under it */
    unsigned max_connections;
    unsigned pings;
    unsigned gate_trials_max; /* fewer at large N, see bench_gate_trials() */
    unsigned cold_trials;
    uint32_t ingest_updates; /* per burst, at least 2 per node */
    unsigned ingest_bursts;
    pid_t broker_pid; /* 0 = unknown: no broker memory figure */
} BenchConfig;

typedef struct BenchResult {
    uint32_t nodes;
    unsigned connections;
    /* microseconds */
    Samples rtt;          /* raw QoS 1 round trip */
    Samples raw_first;    /* raw fan-out: trigger -> first node */
    Samples raw_all;      /* raw fan-out: trigger -> every node */
    Samples gate_first;   /* last Ready -> first node's On */
    Samples gate_all;     /* last Ready -> every node's On */
    Samples cold;         /* coordinator exec -> all rollups current */
    Samples cold_base;    /* plain client: connect -> snapshot and one answer per node */
    Samples cold_online;  /* cold start: exec -> system/status online (connected, subscribed) */
    Samples cold_rebirth; /* cold start: exec -> its rebirth request at the nodes */
    Samples cold_cpu;     /* cold start: the coordinator's own CPU time (user + system) */
    /* updates per second, one per burst */
    Samples ingest_coordinator;
    Samples ingest_plain;
    uint64_t ingest_messages;     /* per burst */
    uint64_t ingest_rollups;      /* boot-progress rollups the coordinator sent during bursts */
    uint64_t coordinator_rss_kib; /* after gate and ingest */
    uint64_t coordinator_hwm_kib; /* the largest VmHWM of any coordinator process of the run */
    uint64_t broker_rss_kib;      /* 0 = unknown */
    /* correctness */
    bool completed;         /* every phase ran to its end */
    unsigned rollup_checks; /* rollups found current after a phase */
    uint64_t errors;        /* coordinator error lines, rejected events, bad commands */
    char error_why[256];
} BenchResult;

/* Gate trials at N nodes: cfg->gate_trials_max, fewer for large N (each costs N commands). */
unsigned bench_gate_trials(const BenchConfig *cfg, uint32_t nodes);

/* Runs everything at nodes. Returns 0, or negative errno when the run could not complete (the
 * reason is in result->error_why; what was measured so far stays in result). */
int bench_run(const BenchConfig *cfg, uint32_t nodes, BenchResult *result);

void bench_result_done(BenchResult *result);

#endif
