/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The memory of one real statebus-agent (sim backend) on the benchmark's broker: started, read
 * once it has published its birth, its BMC Ready and two heartbeats (its steady state), stopped
 * with SIGTERM (a clean exit is part of the check), its retained topics removed. Its baseline is
 * statebus-bench-floor: the same libraries loaded and initialised, nothing else.
 */
#ifndef STATEBUS_BENCH_AGENT_H
#define STATEBUS_BENCH_AGENT_H

#include <stddef.h>
#include <stdint.h>

typedef struct AgentMemory {
    uint64_t rss_kib;
    uint64_t hwm_kib;
    uint64_t pss_kib;       /* shared pages counted by share */
    uint64_t private_kib;   /* pages no other process maps */
    uint64_t floor_rss_kib; /* statebus-bench-floor: the agent's libraries alone */
    uint64_t floor_pss_kib;
    uint64_t floor_private_kib;
    unsigned errors; /* error lines in its log, or a stop that was not clean */
    char error_why[256];
} AgentMemory;

int bench_agent_memory(const char *host,
                       uint16_t port,
                       const char *agent_bin,
                       const char *floor_bin,
                       const char *run_dir,
                       AgentMemory *ret);

#endif
