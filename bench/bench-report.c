/* SPDX-License-Identifier: Apache-2.0 */
/* The table and the JSON (see bench-report.h). Targets are the (#8). */
#include "bench-report.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "macro.h"

#define GATE_MARGIN_MS      1.0  /* gate release p99 within 1 ms of the raw baseline */
#define INGEST_RATIO_MIN    0.90 /* at least 90% of the plain subscriber's rate */
#define COLD_START_MAX_MS   1000.0
#define COORDINATOR_MAX_MIB 32.0
#define AGENT_MAX_MIB       4.0

static double ms(const Samples *s, double p)
{
    return samples_percentile(s, p) / 1000.0;
}

static double mib(uint64_t kib)
{
    return kib ? (double) kib / 1024.0 : NAN;
}

static double median(const Samples *s)
{
    return samples_percentile(s, 50);
}

typedef struct Verdicts {
    bool gate, ingest, cold, memory, checks;
} Verdicts;

/* The gate's baseline is the raw fan-out of the same N commands: an echo client in place of the
 * coordinator, so the broker's own cost of delivering N messages is on both sides. */
static Verdicts judge(const BenchResult *r)
{
    Verdicts v = {
        .gate = ms(&r->gate_all, 99) <= ms(&r->raw_all, 99) + GATE_MARGIN_MS,
        .ingest = median(&r->ingest_coordinator) >= INGEST_RATIO_MIN * median(&r->ingest_plain),
        .cold = ms(&r->cold, 100) < COLD_START_MAX_MS,
        .memory = mib(r->coordinator_hwm_kib) < COORDINATOR_MAX_MIB,
        .checks = r->completed && r->errors == 0,
    };

    return v;
}

/* The figure is the resident size; the private size is printed next to it. */
static bool agent_ok(const AgentMemory *a)
{
    return a->errors == 0 && mib(a->hwm_kib) < AGENT_MAX_MIB;
}

bool bench_report_targets_met(const BenchResult *results, size_t n, const AgentMemory *agent)
{
    for (size_t i = 0; i < n; i++) {
        Verdicts v = judge(&results[i]);

        if (!v.gate || !v.ingest || !v.cold || !v.memory || !v.checks) {
            return false;
        }
    }
    return agent_ok(agent);
}

/* ---- table ------------------------------------------------------------------------------- */

#define ROW_FORMAT "%6s %5s  %-36s %12s %12s  %-30s %-22s %s\n"

static void num(char *buf, size_t size, double value, int decimals)
{
    if (isnan(value)) {
        (void) snprintf(buf, size, "-");
    } else {
        (void) snprintf(buf, size, "%.*f", decimals, value);
    }
}

/* One figure of the table; NAN prints as "-". */
typedef struct Row {
    const char *figure;
    double coordinator;
    double baseline;
    int decimals;
    const char *baseline_name;
    const char *target; /* NULL: none */
    const char *met;    /* NULL: not judged */
} Row;

static void row(FILE *f, const BenchResult *r, const Row *w)
{
    char n[16], conns[16], a[32], b[32];

    (void) snprintf(n, sizeof(n), "%u", (unsigned) r->nodes);
    (void) snprintf(conns, sizeof(conns), "%u", r->connections);
    num(a, sizeof(a), w->coordinator, w->decimals);
    num(b, sizeof(b), w->baseline, w->decimals);
    (void) fprintf(f, ROW_FORMAT, n, conns, w->figure, a, b, w->baseline_name,
                   w->target ? w->target : "", w->met ? w->met : "");
}

static const char *yes_no(bool ok)
{
    return ok ? "yes" : "NO";
}

/* The round trip and gate release rows. */
static void table_rows_gate(FILE *f, const BenchResult *r, const Verdicts *vp)
{
    Verdicts v = *vp;

    row(f, r,
        &(Row){ .figure = "raw QoS 1 round trip p50 (ms)",
                .coordinator = NAN,
                .baseline = ms(&r->rtt, 50),
                .decimals = 3,
                .baseline_name = "ping -> echo -> pong p50" });
    row(f, r,
        &(Row){ .figure = "raw QoS 1 round trip p99 (ms)",
                .coordinator = NAN,
                .baseline = ms(&r->rtt, 99),
                .decimals = 3,
                .baseline_name = "ping -> echo -> pong p99" });
    row(f, r,
        &(Row){ .figure = "gate release, first node p50 (ms)",
                .coordinator = ms(&r->gate_first, 50),
                .baseline = ms(&r->raw_first, 50),
                .decimals = 3,
                .baseline_name = "raw fan-out, first node p50" });
    row(f, r,
        &(Row){ .figure = "gate release, first node p99 (ms)",
                .coordinator = ms(&r->gate_first, 99),
                .baseline = ms(&r->raw_first, 99),
                .decimals = 3,
                .baseline_name = "raw fan-out, first node p99" });
    row(f, r,
        &(Row){ .figure = "gate release, every node p50 (ms)",
                .coordinator = ms(&r->gate_all, 50),
                .baseline = ms(&r->raw_all, 50),
                .decimals = 3,
                .baseline_name = "raw fan-out, every node p50" });
    row(f, r,
        &(Row){ .figure = "gate release, every node p99 (ms)",
                .coordinator = ms(&r->gate_all, 99),
                .baseline = ms(&r->raw_all, 99),
                .decimals = 3,
                .baseline_name = "raw fan-out, every node p99",
                .target = "<= baseline + 1 ms",
                .met = yes_no(v.gate) });
    row(f, r,
        &(Row){ .figure = "gate release minus raw, p50 (ms)",
                .coordinator = samples_paired_difference_percentile(&r->gate_all, &r->raw_all, 50) /
                               1000.0,
                .baseline = NAN,
                .decimals = 3,
                .baseline_name = "per trial: gate - adjacent raw" });
}

/* The ingest and cold start rows. */
static void table_rows_ingest_cold(FILE *f, const BenchResult *r, const Verdicts *vp)
{
    Verdicts v = *vp;
    double ingest_c = median(&r->ingest_coordinator), ingest_p = median(&r->ingest_plain);
    char met[32];

    (void) snprintf(met, sizeof(met), "%s (%.0f%%)", yes_no(v.ingest),
                    ingest_p > 0 ? 100.0 * ingest_c / ingest_p : 0.0);
    row(f, r,
        &(Row){ .figure = "ingest, rollups current (updates/s)",
                .coordinator = ingest_c,
                .baseline = ingest_p,
                .decimals = 0,
                .baseline_name = "plain subscriber (updates/s)",
                .target = ">= 90% of baseline",
                .met = met });
    row(f, r,
        &(Row){ .figure = "cold start p50 (ms)",
                .coordinator = ms(&r->cold, 50),
                .baseline = ms(&r->cold_base, 50),
                .decimals = 1,
                .baseline_name = "plain client snapshot p50" });
    row(f, r,
        &(Row){ .figure = "cold start max (ms)",
                .coordinator = ms(&r->cold, 100),
                .baseline = ms(&r->cold_base, 100),
                .decimals = 1,
                .baseline_name = "plain client snapshot max",
                .target = "< 1000 ms",
                .met = yes_no(v.cold) });
}

/* The memory rows and the line saying whether every correctness check held. */
static void table_rows_memory_checks(FILE *f, const BenchResult *r, const Verdicts *vp)
{
    Verdicts v = *vp;
    char details[200];

    row(f, r,
        &(Row){ .figure = "coordinator RSS (MiB)",
                .coordinator = mib(r->coordinator_rss_kib),
                .baseline = mib(r->broker_rss_kib),
                .decimals = 1,
                .baseline_name = "broker RSS" });
    row(f, r,
        &(Row){ .figure = "coordinator peak VmHWM (MiB)",
                .coordinator = mib(r->coordinator_hwm_kib),
                .baseline = NAN,
                .decimals = 1,
                .baseline_name = "",
                .target = "< 32 MiB",
                .met = yes_no(v.memory) });
    (void) snprintf(details, sizeof(details),
                    "%u rollup checks current, %zu gate trials, %zu bursts of %" PRIu64
                    ", %zu cold starts, %" PRIu64 " errors",
                    r->rollup_checks, r->gate_all.n, r->ingest_plain.n, r->ingest_messages,
                    r->cold.n, r->errors);
    (void) fprintf(f, "%6u %5u  %-36s %12s  %s%s%s\n", (unsigned) r->nodes, r->connections,
                   "checks", v.checks ? "ok" : "FAILED", details, r->error_why[0] ? ": " : "",
                   r->error_why);
}

static void table_run(FILE *f, const BenchResult *r)
{
    Verdicts v = judge(r);

    table_rows_gate(f, r, &v);
    table_rows_ingest_cold(f, r, &v);
    table_rows_memory_checks(f, r, &v);
}

static void pair(char *buf, size_t size, uint64_t a_kib, uint64_t b_kib)
{
    char a[32], b[32];

    num(a, sizeof(a), mib(a_kib), 1);
    num(b, sizeof(b), mib(b_kib), 1);
    (void) snprintf(buf, size, "%s/%s", a, b);
}

void bench_report_table(FILE *f, const BenchResult *results, size_t n, const AgentMemory *agent)
{
    char rss[64], priv[64], floor_rss[32], floor_priv[64];

    (void) fprintf(f, ROW_FORMAT, "N", "conns", "figure", "coordinator", "baseline", "baseline is",
                   "target", "met");
    for (size_t i = 0; i < n; i++) {
        table_run(f, &results[i]);
    }
    pair(rss, sizeof(rss), agent->rss_kib, agent->hwm_kib);
    pair(priv, sizeof(priv), agent->private_kib, agent->pss_kib);
    num(floor_rss, sizeof(floor_rss), mib(agent->floor_rss_kib), 1);
    pair(floor_priv, sizeof(floor_priv), agent->floor_private_kib, agent->floor_pss_kib);
    (void) fprintf(f, ROW_FORMAT, "agent", "1", "statebus-agent RSS/VmHWM (MiB)", rss, floor_rss,
                   agent->errors ? agent->error_why : "its libraries alone (RSS)", "< 4 MiB",
                   yes_no(agent_ok(agent)));
    (void) fprintf(f, ROW_FORMAT, "agent", "1", "statebus-agent private/PSS (MiB)", priv,
                   floor_priv, "its libraries alone (priv/PSS)", "", "");
}

/* ---- JSON -------------------------------------------------------------------------------- */

static cJSON *percentiles(const Samples *s)
{
    cJSON *o = cJSON_CreateObject();

    if (o) {
        (void) cJSON_AddNumberToObject(o, "n", (double) s->n);
        if (s->n > 0) {
            (void) cJSON_AddNumberToObject(o, "p50_us", samples_percentile(s, 50));
            (void) cJSON_AddNumberToObject(o, "p99_us", samples_percentile(s, 99));
            (void) cJSON_AddNumberToObject(o, "max_us", samples_percentile(s, 100));
        }
    }
    return o;
}

static cJSON *run_json(const BenchResult *r)
{
    cJSON *o = cJSON_CreateObject();
    const struct {
        const char *name;
        const Samples *s;
    } series[] = {
        { "raw_round_trip", &r->rtt },
        { "raw_fanout_first", &r->raw_first },
        { "raw_fanout_all", &r->raw_all },
        { "gate_first", &r->gate_first },
        { "gate_all", &r->gate_all },
        { "cold_start", &r->cold },
        { "cold_start_baseline", &r->cold_base },
        { "cold_start_online", &r->cold_online },
        { "cold_start_rebirth_at_nodes", &r->cold_rebirth },
        { "cold_start_coordinator_cpu", &r->cold_cpu },
    };

    if (!o) {
        return NULL;
    }
    (void) cJSON_AddNumberToObject(o, "nodes", r->nodes);
    (void) cJSON_AddNumberToObject(o, "connections", r->connections);
    for (size_t i = 0; i < ELEMENTSOF(series); i++) {
        (void) cJSON_AddItemToObject(o, series[i].name, percentiles(series[i].s));
    }
    (void) cJSON_AddNumberToObject(
            o, "gate_all_minus_raw_p50_us",
            samples_paired_difference_percentile(&r->gate_all, &r->raw_all, 50));
    (void) cJSON_AddNumberToObject(o, "ingest_coordinator_per_s", median(&r->ingest_coordinator));
    (void) cJSON_AddNumberToObject(o, "ingest_plain_per_s", median(&r->ingest_plain));
    (void) cJSON_AddNumberToObject(o, "ingest_messages_per_burst", (double) r->ingest_messages);
    (void) cJSON_AddNumberToObject(o, "ingest_rollups_published", (double) r->ingest_rollups);
    (void) cJSON_AddNumberToObject(o, "coordinator_rss_kib", (double) r->coordinator_rss_kib);
    (void) cJSON_AddNumberToObject(o, "coordinator_hwm_kib", (double) r->coordinator_hwm_kib);
    (void) cJSON_AddNumberToObject(o, "broker_rss_kib", (double) r->broker_rss_kib);
    (void) cJSON_AddBoolToObject(o, "completed", r->completed);
    (void) cJSON_AddNumberToObject(o, "rollup_checks", r->rollup_checks);
    (void) cJSON_AddNumberToObject(o, "errors", (double) r->errors);
    (void) cJSON_AddStringToObject(o, "error", r->error_why);
    return o;
}

int bench_report_json(const char *path,
                      const BenchResult *results,
                      size_t n,
                      const AgentMemory *agent)
{
    cJSON *root = cJSON_CreateObject(), *runs = cJSON_CreateArray(), *a = cJSON_CreateObject();
    char *text = NULL;
    FILE *f = NULL;
    int r = 0;

    if (!root || !runs || !a) {
        r = -ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        (void) cJSON_AddItemToArray(runs, run_json(&results[i]));
    }
    (void) cJSON_AddItemToObject(root, "runs", runs);
    runs = NULL;
    (void) cJSON_AddNumberToObject(a, "rss_kib", (double) agent->rss_kib);
    (void) cJSON_AddNumberToObject(a, "hwm_kib", (double) agent->hwm_kib);
    (void) cJSON_AddNumberToObject(a, "pss_kib", (double) agent->pss_kib);
    (void) cJSON_AddNumberToObject(a, "private_kib", (double) agent->private_kib);
    (void) cJSON_AddNumberToObject(a, "floor_rss_kib", (double) agent->floor_rss_kib);
    (void) cJSON_AddNumberToObject(a, "floor_pss_kib", (double) agent->floor_pss_kib);
    (void) cJSON_AddNumberToObject(a, "floor_private_kib", (double) agent->floor_private_kib);
    (void) cJSON_AddNumberToObject(a, "errors", agent->errors);
    (void) cJSON_AddItemToObject(root, "agent", a);
    a = NULL;
    (void) cJSON_AddBoolToObject(root, "targets_met", bench_report_targets_met(results, n, agent));
    text = cJSON_Print(root);
    f = text ? fopen(path, "we") : NULL;
    if (!f || fputs(text, f) < 0 || fputc('\n', f) < 0) {
        r = -EIO;
    }
    if (f && fclose(f) != 0) {
        r = -EIO;
    }
out:
    cJSON_free(text);
    cJSON_Delete(root);
    cJSON_Delete(runs);
    cJSON_Delete(a);
    return r;
}
