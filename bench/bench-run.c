/* SPDX-License-Identifier: Apache-2.0 */
/* One run at one size: set-up, the coordinator process, bounded waits, clean-up (bench-run.h). */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "statebus/payload.h"
#include "statebus/topic.h"

#include "bench-run-internal.h"
#include "bench-topics.h"

#define STOP_TIMEOUT_MS  5000u
#define COMMAND_TTL_MS   30000u
#define TIMEOUT_BASE_MS  15000u
#define TIMEOUT_PER_NODE 3u /* ms per node on top: a 10,000-node snapshot is 50,000 messages */

unsigned bench_gate_trials(const BenchConfig *cfg, uint32_t nodes)
{
    /* Each trial moves N commands (and N raw ones): keep a run at 10,000 nodes in seconds, and
     * enough trials at 1,000 that p99 is not just the one slowest trial. */
    unsigned bound = nodes >= 5000 ? 20 : nodes >= 500 ? 60 : cfg->gate_trials_max;

    return bound < cfg->gate_trials_max ? bound : cfg->gate_trials_max;
}

int run_fail(Run *r, int err, const char *fmt, ...)
{
    va_list ap;

    if (r->res->error_why[0] == '\0') {
        va_start(ap, fmt);
        (void) vsnprintf(r->res->error_why, sizeof(r->res->error_why), fmt, ap);
        va_end(ap);
    }
    return err;
}

/* ---- waiting ----------------------------------------------------------------------------- */

typedef struct WaitCtx {
    Run *r;
    BenchDoneFn done;
    void *arg;
    const char *broken; /* why the wait ended without done() */
} WaitCtx;

static bool wait_step(void *arg)
{
    WaitCtx *w = arg;

    if (w->done(w->arg)) {
        return true;
    }
    if (w->r->coordinator.pid > 0 && !proc_alive(&w->r->coordinator)) {
        w->broken = "the coordinator exited";
    } else if (watch_failed(w->r->watch) || plain_failed(w->r->plain)) {
        w->broken = "an observer lost its broker connection";
    }
    return w->broken != NULL;
}

int run_wait(Run *r, BenchDoneFn done, void *arg, const char *what)
{
    WaitCtx w = { .r = r, .done = done, .arg = arg };
    int e = bench_loop_wait(r->loop, wait_step, &w, r->timeout_ms);

    if (e == -ETIMEDOUT) {
        return run_fail(r, e, "timed out after %" PRIu64 " ms waiting for %s", r->timeout_ms, what);
    }
    if (e < 0) {
        return run_fail(r, e, "a node connection dropped while waiting for %s", what);
    }
    if (w.broken) {
        return run_fail(r, -ECONNRESET, "%s while waiting for %s", w.broken, what);
    }
    return 0;
}

typedef struct RollupWait {
    Run *r;
    SbStateKind first, last;
    uint64_t min_epoch;
    uint64_t after_ns;
} RollupWait;

static bool rollups_current(void *arg)
{
    RollupWait *w = arg;

    for (int k = w->first; k <= (int) w->last; k++) {
        if (!node_sim_rollup_current(w->r->sim, w->r->watch, (SbStateKind) k, w->min_epoch,
                                     w->after_ns)) {
            return false;
        }
    }
    return true;
}

int run_wait_all_rollups(Run *r, uint64_t min_epoch, uint64_t after_ns, uint64_t *ret_last_ns)
{
    RollupWait w = {
        .r = r,
        .first = SB_KIND_BMC,
        .last = SB_KIND_BOOT_PROGRESS,
        .min_epoch = min_epoch,
        .after_ns = after_ns,
    };
    uint64_t last = 0;
    int e = run_wait(r, rollups_current, &w, "every rollup to show the nodes' states");

    if (e < 0) {
        return e;
    }
    for (int k = SB_KIND_BMC; k <= SB_KIND_BOOT_PROGRESS; k++) {
        RollupView v;

        watch_rollup(r->watch, (SbStateKind) k, &v);
        last = v.recv_ns > last ? v.recv_ns : last;
        r->epoch = v.epoch > r->epoch ? v.epoch : r->epoch;
    }
    r->res->rollup_checks++;
    if (ret_last_ns) {
        *ret_last_ns = last;
    }
    return 0;
}

static bool nodes_acked(void *arg)
{
    Run *r = arg;

    return bench_loop_all_acked(r->loop);
}

int run_settle(Run *r)
{
    int value = node_sim_value(r->sim, 1, SB_KIND_BOOT_PROGRESS);
    int fence[2] = { value == SB_BOOT_PCI_INIT ? SB_BOOT_BUS_INIT : SB_BOOT_PCI_INIT, value };
    int e = run_wait(r, nodes_acked, r, "the nodes' publishes to be acknowledged");

    for (int i = 0; e >= 0 && r->coordinator.pid > 0 && i < 2; i++) {
        uint64_t t = bench_now_ns();

        e = node_sim_set_state(r->sim, 1, SB_KIND_BOOT_PROGRESS, fence[i]);
        if (e >= 0) {
            e = run_wait_rollup(r, SB_KIND_BOOT_PROGRESS, t);
        }
    }
    return e;
}

int run_wait_rollup(Run *r, SbStateKind kind, uint64_t after_ns)
{
    RollupWait w = { .r = r, .first = kind, .last = kind, .after_ns = after_ns };

    return run_wait(r, rollups_current, &w, "a rollup to show the nodes' states");
}

/* ---- the coordinator --------------------------------------------------------------------- */

int run_coordinator_start(Run *r)
{
    char broker[300], nodes[16];
    char *argv[] = {
        (char *) r->cfg->coordinator_bin,
        (char *) "--broker",
        broker,
        (char *) "--system",
        r->system,
        (char *) "--nodes",
        nodes,
        (char *) "--state-dir",
        r->state_dir,
        (char *) "--client-id",
        r->coordinator_id,
        NULL,
    };
    int e;

    (void) snprintf(broker, sizeof(broker), "%s:%u", r->cfg->host, (unsigned) r->cfg->port);
    (void) snprintf(nodes, sizeof(nodes), "%u", (unsigned) r->nodes);
    e = proc_spawn(&r->coordinator, argv, r->log_path);
    if (e < 0) {
        return run_fail(r, e, "cannot start %s: %s", r->cfg->coordinator_bin, strerror(-e));
    }
    return 0;
}

void run_coordinator_sample_memory(Run *r, uint64_t *ret_rss_kib)
{
    uint64_t rss = 0, hwm = 0;

    if (r->coordinator.pid > 0 && proc_memory(r->coordinator.pid, &rss, &hwm) >= 0) {
        if (hwm > r->res->coordinator_hwm_kib) {
            r->res->coordinator_hwm_kib = hwm;
        }
        if (ret_rss_kib) {
            *ret_rss_kib = rss;
        }
    }
}

int run_coordinator_stop(Run *r)
{
    int status;

    if (r->coordinator.pid <= 0) {
        return 0;
    }
    run_coordinator_sample_memory(r, NULL);
    status = proc_stop(&r->coordinator, STOP_TIMEOUT_MS);
    if (status != 0) {
        return run_fail(r, status < 0 ? status : -EPROTO,
                        "the coordinator did not stop cleanly on SIGTERM (status %d)", status);
    }
    return 0;
}

/* ---- operator ---------------------------------------------------------------------------- */

static void on_operator_message(BenchClient *c, const struct mosquitto_message *msg, void *userdata)
{
    Run *r = userdata;
    char text[32];
    size_t len = msg->payloadlen > 0 && (size_t) msg->payloadlen < sizeof(text)
                         ? (size_t) msg->payloadlen
                         : 0;

    (void) c;
    memcpy(text, msg->payload, len);
    text[len] = '\0';
    if (strcmp(msg->topic, r->topic_pong) == 0 && strtoull(text, NULL, 10) == r->pong_expected) {
        r->pong_ns = bench_now_ns();
    }
}

int run_publish_command(Run *r, const char *topic, const char *id)
{
    char payload[SB_PAYLOAD_MAX + 1];
    struct timespec ts;
    SbCommand cmd = { .transition = SB_TRANSITION_ON };
    int len;

    (void) clock_gettime(CLOCK_REALTIME, &ts);
    (void) snprintf(cmd.id, sizeof(cmd.id), "%s", id);
    if (strcmp(topic, r->topic_trigger) == 0) {
        /* The raw fan-out carries what the coordinator would send: id and deadline. */
        cmd.deadline_ms =
                (uint64_t) ts.tv_sec * 1000u + (uint64_t) ts.tv_nsec / 1000000u + COMMAND_TTL_MS;
    }
    len = sb_command_encode(&cmd, payload, sizeof(payload));
    if (len < 0) {
        return len;
    }
    return bench_client_publish(r->operator, topic, payload, (size_t) len, false);
}

static bool loop_settled(void *arg)
{
    Run *r = arg;

    return bench_loop_all_connected(r->loop) && bench_loop_all_acked(r->loop);
}

static int operator_connect(Run *r)
{
    char id[160], *filters[1] = { r->topic_pong };
    BenchClientConfig cfg = {
        .host = r->cfg->host,
        .port = r->cfg->port,
        .client_id = id,
        .on_message = on_operator_message,
        .userdata = r,
    };
    SbTopic t = { .kind = SB_TOPIC_SYSTEM_SET, .target = SB_TARGET_HOST };
    int e;

    (void) snprintf(t.system, sizeof(t.system), "%s", r->system);
    e = sb_topic_format(r->topic_set_host, sizeof(r->topic_set_host), &t);
    if (e >= 0) {
        e = bench_topic_format(r->topic_ping, sizeof(r->topic_ping), r->system, BENCH_TOPIC_PING);
    }
    if (e >= 0) {
        e = bench_topic_format(r->topic_pong, sizeof(r->topic_pong), r->system, BENCH_TOPIC_PONG);
    }
    if (e >= 0) {
        e = bench_topic_format(r->topic_trigger, sizeof(r->topic_trigger), r->system,
                               BENCH_TOPIC_TRIGGER);
    }
    (void) snprintf(id, sizeof(id), "bench-%d-%s-operator", (int) getpid(), r->system);
    if (e >= 0) {
        e = bench_client_new(r->loop, &cfg, &r->operator);
    }
    if (e >= 0) {
        e = run_wait(r, loop_settled, r, "the operator connection");
    }
    if (e >= 0) {
        e = bench_client_subscribe(r->operator, filters, 1);
    }
    if (e >= 0) {
        e = run_wait(r, loop_settled, r, "the operator subscription");
    }
    return e;
}

/* ---- set-up and clean-up ----------------------------------------------------------------- */

static int run_setup(Run *r)
{
    const BenchSystem sys = { .host = r->cfg->host,
                              .port = r->cfg->port,
                              .system = r->system,
                              .nodes = r->nodes };
    int e;

    e = bench_loop_new(&r->loop);
    if (e >= 0) {
        e = watch_start(&sys, r->loop, r->timeout_ms, &r->watch);
    }
    if (e >= 0) {
        e = plain_start(&sys, r->loop, r->timeout_ms, &r->plain);
    }
    if (e < 0) {
        return run_fail(r, e, "cannot start the observers: %s", strerror(-e));
    }
    e = operator_connect(r);
    if (e >= 0) {
        e = node_sim_new(r->loop, &sys, r->cfg->max_connections, &r->sim);
        if (e < 0) {
            return run_fail(r, e, "cannot set up %u nodes: %s", (unsigned) r->nodes, strerror(-e));
        }
        r->res->connections = node_sim_connections(r->sim);
        e = node_sim_connect(r->sim, r->timeout_ms);
        if (e < 0) {
            return run_fail(r, e, "the node connections did not come up: %s", strerror(-e));
        }
    }
    if (e >= 0) {
        e = node_sim_birth(r->sim, r->timeout_ms);
        if (e < 0) {
            return run_fail(r, e, "the nodes' births were not acknowledged: %s", strerror(-e));
        }
    }
    /* The nodes' states are retained before the coordinator starts, as after a power-on of a
     * rack whose coordinator comes up last. */
    if (e >= 0) {
        e = run_coordinator_start(r);
    }
    if (e >= 0) {
        e = run_wait_all_rollups(r, 1, 0, NULL);
    }
    return e < 0 ? e : run_settle(r);
}

/* Zero-length retained publishes remove what this run left on the broker. */
static void run_clear_system_topics(Run *r)
{
    char topic[SB_TOPIC_MAX + 1];
    SbTopic t = { 0 };
    const SbTopicKind fixed[] = { SB_TOPIC_SYSTEM_STATUS, SB_TOPIC_SYSTEM_REQUESTS,
                                  SB_TOPIC_SYSTEM_POWER_RESTORE };

    (void) snprintf(t.system, sizeof(t.system), "%s", r->system);
    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
        t.kind = fixed[i];
        if (sb_topic_format(topic, sizeof(topic), &t) >= 0) {
            (void) bench_client_publish(r->operator, topic, NULL, 0, true);
        }
    }
    t.kind = SB_TOPIC_SYSTEM_ROLLUP;
    for (int k = 0; k < SB_KIND_COUNT; k++) {
        t.state_kind = (SbStateKind) k;
        if (sb_topic_format(topic, sizeof(topic), &t) >= 0) {
            (void) bench_client_publish(r->operator, topic, NULL, 0, true);
        }
    }
    t.kind = SB_TOPIC_SETTING;
    for (int s = SB_SETTING_NONE + 1; s < SB_SETTING_COUNT; s++) {
        t.setting = (SbSettingName) s;
        if (sb_topic_format(topic, sizeof(topic), &t) >= 0) {
            (void) bench_client_publish(r->operator, topic, NULL, 0, true);
        }
    }
}

static void run_count_errors(Run *r)
{
    char first[256] = "", why[SB_WHY_MAX + 1] = "";
    int log_errors = log_count_errors(r->log_path, first, sizeof(first));
    uint64_t watch_errs = r->watch ? watch_errors(r->watch, why, sizeof(why)) : 0;
    CommandTrack *cmds = r->sim ? node_sim_commands(r->sim) : NULL;
    CommandTrack *raw = r->sim ? node_sim_raw(r->sim) : NULL;

    if (log_errors > 0) {
        r->res->errors += (uint64_t) log_errors;
        (void) run_fail(r, 0, "coordinator log: %s", first);
    }
    if (watch_errs > 0) {
        r->res->errors += watch_errs;
        (void) run_fail(r, 0, "coordinator event: %s", why);
    }
    if (cmds && cmds->unexpected > 0) {
        r->res->errors += cmds->unexpected;
        (void) run_fail(r, 0, "node command: %s", cmds->unexpected_why);
    }
    if (raw && raw->unexpected > 0) {
        r->res->errors += raw->unexpected;
        (void) run_fail(r, 0, "raw fan-out: %s", raw->unexpected_why);
    }
}

/* The coordinator's state dir holds only its own flat files (state.json and its temporary). */
static void remove_state_dir(const char *dir)
{
    char path[PATH_MAX];
    struct dirent *de;
    DIR *d = opendir(dir);

    if (!d) {
        return;
    }
    while ((de = readdir(d))) {
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0 &&
            (size_t) snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) < sizeof(path)) {
            (void) unlink(path);
        }
    }
    (void) closedir(d);
    (void) rmdir(dir);
}

static void run_teardown(Run *r)
{
    (void) run_coordinator_stop(r);
    run_count_errors(r);
    if (r->sim && r->operator&& bench_loop_failed(r->loop) == 0) {
        (void) node_sim_clear_retained(r->sim, r->timeout_ms);
        run_clear_system_topics(r);
        (void) run_wait(r, loop_settled, r, "the clean-up to be acknowledged");
    }
    r->sim = node_sim_free(r->sim);
    r->watch = watch_free(r->watch);
    r->plain = plain_free(r->plain);
    r->loop = bench_loop_free(r->loop);
    remove_state_dir(r->state_dir);
}

int bench_run(const BenchConfig *cfg, uint32_t nodes, BenchResult *result)
{
    Run r = { .cfg = cfg, .res = result, .nodes = nodes };
    int e;

    memset(result, 0, sizeof(*result));
    result->nodes = nodes;
    r.timeout_ms = TIMEOUT_BASE_MS + (uint64_t) TIMEOUT_PER_NODE * nodes;
    r.coordinator.pidfd = -1;
    (void) snprintf(r.system, sizeof(r.system), "bench-%d-n%u", (int) getpid(), (unsigned) nodes);
    (void) snprintf(r.coordinator_id, sizeof(r.coordinator_id), "%s-coordinator", r.system);
    (void) snprintf(r.state_dir, sizeof(r.state_dir), "%s/%s", cfg->state_dir, r.system);
    (void) snprintf(r.log_path, sizeof(r.log_path), "%s/coordinator-n%u.log", cfg->run_dir,
                    (unsigned) nodes);
    (void) unlink(r.log_path);
    if (mkdir(r.state_dir, 0700) < 0 && errno != EEXIST) {
        return run_fail(&r, -errno, "cannot create %s: %s", r.state_dir, strerror(errno));
    }

    e = run_setup(&r);
    if (e >= 0) {
        e = phase_gate(&r);
    }
    if (e >= 0) {
        e = phase_ingest(&r);
    }
    if (e >= 0) {
        run_coordinator_sample_memory(&r, &result->coordinator_rss_kib);
        if (cfg->broker_pid > 0) {
            uint64_t hwm;
            (void) proc_memory(cfg->broker_pid, &result->broker_rss_kib, &hwm);
        }
        e = phase_cold_start(&r);
    }
    result->completed = e >= 0;
    run_teardown(&r);
    return e;
}

void bench_result_done(BenchResult *result)
{
    Samples *all[] = { &result->rtt,         &result->raw_first,          &result->raw_all,
                       &result->gate_first,  &result->gate_all,           &result->cold,
                       &result->cold_base,   &result->ingest_coordinator, &result->ingest_plain,
                       &result->cold_online, &result->cold_rebirth,       &result->cold_cpu };

    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        samples_done(all[i]);
    }
}
