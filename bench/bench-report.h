/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The benchmark's output: one table, one row per figure and size, each figure next to the broker
 * baseline measured in the same run and the target (scripts/bench.sh prints the machine
 * above it), and the same numbers as JSON for tools.
 */
#ifndef STATEBUS_BENCH_REPORT_H
#define STATEBUS_BENCH_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "bench-agent.h"
#include "bench-run.h"

/* True when every figure of every run met its target. */
bool bench_report_targets_met(const BenchResult *results, size_t n, const AgentMemory *agent);

void bench_report_table(FILE *f, const BenchResult *results, size_t n, const AgentMemory *agent);

/* Writes the results as one JSON object to path. Returns 0 or negative errno. */
int bench_report_json(const char *path,
                      const BenchResult *results,
                      size_t n,
                      const AgentMemory *agent);

#endif
