/* SPDX-License-Identifier: Apache-2.0 */
/*
 * statebus-bench: the load generator of issue #8. Against a running broker it measures one real
 * statebus-agent's memory, then, for each system size, starts the real statebus-coordinator and
 * measures gate release, ingest, cold start and memory, each next to the broker's own baseline
 * from the same run (bench-run.h), and prints one table. scripts/bench.sh starts the broker and
 * runs this; see BENCHMARKS.md.
 *
 * Exit status: 0 when every run completed and was correct (rollups current, no errors), whether
 * or not the targets were met (the "met" column says that); 1 otherwise; 2 for bad usage.
 */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "statebus/limits.h"

#include "bench-agent.h"
#include "bench-report.h"
#include "bench-run.h"
#include "log.h"
#include "macro.h"
#include "options.h"

#define SIZES_MAX 8

#define USAGE                                                                            \
    "usage: statebus-bench --broker HOST:PORT --bin-dir DIR --run-dir DIR [options]\n"   \
    "Measures statebus-coordinator (gate release, ingest, cold start, memory) and one\n" \
    "statebus-agent against the broker's own baselines; prints one table."

typedef struct BenchOptions {
    OptBroker broker;
    char bin_dir[PATH_MAX];
    char run_dir[PATH_MAX];
    char state_dir[PATH_MAX];
    char nodes[128];
    char json[PATH_MAX];
    uint32_t connections;
    uint32_t pings;
    uint32_t gate_trials;
    uint32_t cold_trials;
    uint32_t ingest_updates;
    uint32_t ingest_bursts;
    uint32_t broker_pid;
} BenchOptions;

#define OFF(field)  offsetof(BenchOptions, field)
#define SIZE(field) sizeof(((BenchOptions *) NULL)->field)

static const OptSpec bench_option_specs[] = {
    { .name = "broker",
      .type = OPT_BROKER,
      .offset = OFF(broker),
      .required = true,
      .metavar = "HOST:PORT",
      .help = "the broker to measure (started by scripts/bench.sh)" },
    { .name = "bin-dir",
      .type = OPT_STRING,
      .offset = OFF(bin_dir),
      .size = SIZE(bin_dir),
      .required = true,
      .metavar = "DIR",
      .help = "where statebus-coordinator and statebus-agent are" },
    { .name = "run-dir",
      .type = OPT_STRING,
      .offset = OFF(run_dir),
      .size = SIZE(run_dir),
      .required = true,
      .metavar = "DIR",
      .help = "logs of the processes it starts" },
    { .name = "state-dir",
      .type = OPT_STRING,
      .offset = OFF(state_dir),
      .size = SIZE(state_dir),
      .metavar = "DIR",
      .help = "parent of the coordinator's --state-dir (default: --run-dir)" },
    { .name = "nodes",
      .type = OPT_STRING,
      .offset = OFF(nodes),
      .size = SIZE(nodes),
      .metavar = "N,N,...",
      .help = "system sizes, run in this order" },
    { .name = "json",
      .type = OPT_STRING,
      .offset = OFF(json),
      .size = SIZE(json),
      .metavar = "FILE",
      .help = "also write the results as JSON" },
    { .name = "connections",
      .type = OPT_UINT,
      .offset = OFF(connections),
      .min = 1,
      .max = 1000,
      .metavar = "C",
      .help = "node connections at most; beyond C nodes, connections carry several nodes" },
    { .name = "pings",
      .type = OPT_UINT,
      .offset = OFF(pings),
      .min = 1,
      .max = 100000,
      .metavar = "K",
      .help = "raw round trips per size" },
    { .name = "gate-trials",
      .type = OPT_UINT,
      .offset = OFF(gate_trials),
      .min = 1,
      .max = 10000,
      .metavar = "K",
      .help = "gate releases per size (at most 20 from 500 nodes, 10 from 5000)" },
    { .name = "cold-trials",
      .type = OPT_UINT,
      .offset = OFF(cold_trials),
      .min = 1,
      .max = 100,
      .metavar = "K",
      .help = "coordinator cold starts per size" },
    { .name = "ingest-updates",
      .type = OPT_UINT,
      .offset = OFF(ingest_updates),
      .min = 1,
      .max = 10000000,
      .metavar = "U",
      .help = "updates per ingest burst (at least 2 per node)" },
    { .name = "ingest-bursts",
      .type = OPT_UINT,
      .offset = OFF(ingest_bursts),
      .min = 1,
      .max = 100,
      .metavar = "K",
      .help = "ingest bursts per size" },
    { .name = "broker-pid",
      .type = OPT_UINT,
      .offset = OFF(broker_pid),
      .min = 0,
      .max = INT32_MAX,
      .metavar = "PID",
      .help = "the broker's pid, for its memory (0 = not reported)" },
};

/* "4,64,1000": strictly decimal sizes in 1..SB_NODES_MAX. */
static int parse_sizes(const char *s, uint32_t *sizes, size_t *ret_n, char *err, size_t err_size)
{
    size_t n = 0;

    while (*s) {
        char *end;
        unsigned long v;

        if (*s < '1' || *s > '9' || n == SIZES_MAX) {
            break;
        }
        v = strtoul(s, &end, 10);
        if (v > SB_NODES_MAX || (*end != ',' && *end != '\0')) {
            break;
        }
        sizes[n++] = (uint32_t) v;
        s = *end == ',' ? end + 1 : end;
        if (*end == '\0') {
            *ret_n = n;
            return 0;
        }
    }
    (void) snprintf(err, err_size, "--nodes: expected up to %d sizes 1..%u separated by commas",
                    SIZES_MAX, (unsigned) SB_NODES_MAX);
    return -EINVAL;
}

static int bench_options_parse(int argc, char **argv, BenchOptions *o, char *err, size_t size)
{
    const char *positional[1];
    size_t n_positional = 0;
    const OptionsSpec spec = {
        .specs = bench_option_specs,
        .n_specs = ELEMENTSOF(bench_option_specs),
        .usage = USAGE,
        .positional = positional,
        .max_positional = ELEMENTSOF(positional),
        .ret_n_positional = &n_positional,
    };
    int r;

    *o = (BenchOptions){
        .nodes = "4,64,1000,10000",
        .connections = 64,
        .pings = 500,
        .gate_trials = 100,
        .cold_trials = 5,
        .ingest_updates = 40000,
        .ingest_bursts = 3,
    };
    r = options_parse(&spec, o, argc, argv, err, size);
    if (r == OPT_RESULT_OK && n_positional > 0) {
        (void) snprintf(err, size, "unexpected argument '%s'", positional[0]);
        return -EINVAL;
    }
    if (r == OPT_RESULT_OK && o->state_dir[0] == '\0') {
        (void) snprintf(o->state_dir, sizeof(o->state_dir), "%s", o->run_dir);
    }
    return r;
}

/* statebus-bench-floor is built next to this program (<build>/bench/). */
static int floor_path(char *buf, size_t size)
{
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    char *slash;

    if (n < 0) {
        return -errno;
    }
    self[n] = '\0';
    slash = strrchr(self, '/');
    if (!slash) {
        return -ENOENT;
    }
    *slash = '\0';
    if (snprintf(buf, size, "%s/statebus-bench-floor", self) >= (int) size) {
        return -ENAMETOOLONG;
    }
    return access(buf, X_OK) < 0 ? -errno : 0;
}

int main(int argc, char **argv)
{
    BenchOptions o;
    BenchConfig cfg;
    BenchResult results[SIZES_MAX];
    AgentMemory agent;
    uint32_t sizes[SIZES_MAX];
    size_t n_sizes = 0;
    char err[512], coordinator[PATH_MAX + 32], agent_bin[PATH_MAX + 32], floor_bin[PATH_MAX + 32];
    bool correct = true;
    int r;

    r = bench_options_parse(argc, argv, &o, err, sizeof(err));
    if (r == OPT_RESULT_HELP || r == OPT_RESULT_VERSION) {
        return EXIT_SUCCESS;
    }
    if (r >= 0) {
        r = parse_sizes(o.nodes, sizes, &n_sizes, err, sizeof(err));
    }
    if (r < 0) {
        (void) fprintf(stderr, "statebus-bench: %s\n", err);
        return 2;
    }
    (void) snprintf(coordinator, sizeof(coordinator), "%s/statebus-coordinator", o.bin_dir);
    (void) snprintf(agent_bin, sizeof(agent_bin), "%s/statebus-agent", o.bin_dir);
    r = floor_path(floor_bin, sizeof(floor_bin));
    if (r < 0) {
        (void) fprintf(stderr, "statebus-bench: cannot find statebus-bench-floor: %s\n",
                       strerror(-r));
        return 2;
    }
    cfg = (BenchConfig){
        .port = o.broker.port,
        .coordinator_bin = coordinator,
        .run_dir = o.run_dir,
        .state_dir = o.state_dir,
        .max_connections = o.connections,
        .pings = o.pings,
        .gate_trials_max = o.gate_trials,
        .cold_trials = o.cold_trials,
        .ingest_updates = o.ingest_updates,
        .ingest_bursts = o.ingest_bursts,
        .broker_pid = (pid_t) o.broker_pid,
    };
    (void) snprintf(cfg.host, sizeof(cfg.host), "%s", o.broker.host);

    if (bench_agent_memory(cfg.host, cfg.port, agent_bin, floor_bin, o.run_dir, &agent) < 0 ||
        agent.errors > 0) {
        log_error("bench: agent measurement failed: %s", agent.error_why);
        correct = false;
    }
    for (size_t i = 0; i < n_sizes; i++) {
        log_info("bench: running nodes=%u", (unsigned) sizes[i]);
        r = bench_run(&cfg, sizes[i], &results[i]);
        if (r < 0 || results[i].errors > 0) {
            log_error("bench: run failed nodes=%u: %s", (unsigned) sizes[i], results[i].error_why);
            correct = false;
        }
    }
    bench_report_table(stdout, results, n_sizes, &agent);
    if (o.json[0] && bench_report_json(o.json, results, n_sizes, &agent) < 0) {
        log_error("bench: failed to write '%s'", o.json);
        correct = false;
    }
    for (size_t i = 0; i < n_sizes; i++) {
        bench_result_done(&results[i]);
    }
    return correct ? EXIT_SUCCESS : EXIT_FAILURE;
}
