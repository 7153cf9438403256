/* SPDX-License-Identifier: Apache-2.0 */
/* The measurements of one run: gate release, ingest, cold start (bench-run.h says what each
 * one measures and against which baseline). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "bench-run-internal.h"

#define NS_PER_US 1000.0

static double us_between(uint64_t from_ns, uint64_t to_ns)
{
    return to_ns > from_ns ? (double) (to_ns - from_ns) / NS_PER_US : 0.0;
}

/* ---- gate release ------------------------------------------------------------------------ */

static bool pong_arrived(void *arg)
{
    Run *r = arg;

    return r->pong_ns != 0;
}

typedef struct TrackWait {
    CommandTrack *track;
    uint32_t nodes;
} TrackWait;

static bool track_complete(void *arg)
{
    TrackWait *w = arg;

    return w->track->count >= w->nodes;
}

typedef struct EventWait {
    Watch *watch;
    SbEventKind kind;
    const char *id;
} EventWait;

static bool event_seen(void *arg)
{
    EventWait *w = arg;

    return watch_event_seen(w->watch, w->kind, w->id);
}

static int measure_pings(Run *r)
{
    char payload[32];
    int e = 0;

    for (unsigned i = 1; e >= 0 && i <= r->cfg->pings; i++) {
        uint64_t t0;
        int len = snprintf(payload, sizeof(payload), "%u", i);

        r->pong_expected = i;
        r->pong_ns = 0;
        t0 = bench_now_ns();
        e = bench_client_publish(r->operator, r->topic_ping, payload, (size_t) len, false);
        if (e >= 0) {
            e = run_wait(r, pong_arrived, r, "a raw pong");
        }
        if (e >= 0) {
            e = samples_add(&r->res->rtt, us_between(t0, r->pong_ns));
        }
    }
    return e;
}

/* The echo client publishes the command to every node's raw topic: the broker's cost of the
 * fan-out the coordinator does at gate release. */
static int measure_raw_fanout(Run *r, unsigned trial)
{
    CommandTrack *raw = node_sim_raw(r->sim);
    TrackWait w = { .track = raw, .nodes = r->nodes };
    char id[SB_ID_MAX + 1];
    uint64_t t0;
    int e;

    (void) snprintf(id, sizeof(id), "raw-%u", trial);
    command_track_expect(raw, r->nodes, id);
    t0 = bench_now_ns();
    e = run_publish_command(r, r->topic_trigger, id);
    if (e >= 0) {
        e = run_wait(r, track_complete, &w, "the raw fan-out to every node");
    }
    if (e >= 0) {
        e = samples_add(&r->res->raw_first, us_between(t0, raw->first_ns));
    }
    if (e >= 0) {
        e = samples_add(&r->res->raw_all, us_between(t0, raw->last_ns));
    }
    return e;
}

/* Close the gate (last node NotReady), queue a power-on, reopen it (last node Ready) and time
 * the On commands at the nodes. */
static int measure_gate(Run *r, unsigned trial)
{
    CommandTrack *cmds = node_sim_commands(r->sim);
    TrackWait w = { .track = cmds, .nodes = r->nodes };
    char id[SB_ID_MAX + 1];
    EventWait queued = { .watch = r->watch, .kind = SB_EVENT_QUEUED, .id = id };
    uint64_t t0 = bench_now_ns();
    int e;

    (void) snprintf(id, sizeof(id), "gate-%u", trial);
    e = node_sim_set_state(r->sim, r->nodes, SB_KIND_BMC, SB_BMC_NOT_READY);
    if (e >= 0) {
        e = run_wait_rollup(r, SB_KIND_BMC, t0);
    }
    if (e >= 0) {
        e = run_publish_command(r, r->topic_set_host, id);
    }
    if (e >= 0) {
        e = run_wait(r, event_seen, &queued, "the power-on to be queued");
    }
    if (e < 0) {
        return e;
    }
    command_track_expect(cmds, r->nodes, id);
    t0 = bench_now_ns();
    e = node_sim_set_state(r->sim, r->nodes, SB_KIND_BMC, SB_BMC_READY);
    if (e >= 0) {
        e = run_wait(r, track_complete, &w, "the On command at every node");
    }
    if (e >= 0) {
        e = samples_add(&r->res->gate_first, us_between(t0, cmds->first_ns));
    }
    if (e >= 0) {
        e = samples_add(&r->res->gate_all, us_between(t0, cmds->last_ns));
    }
    /* The gate is open again and the system BMC Ready before the next trial closes it. */
    if (e >= 0) {
        e = run_wait_rollup(r, SB_KIND_BMC, t0);
    }
    return e;
}

int phase_gate(Run *r)
{
    unsigned trials = bench_gate_trials(r->cfg, r->nodes);
    int e = measure_pings(r);

    /* Raw and real trials alternate, so both see the same machine load, and in both orders:
     * the second trial of a pair starts while the broker still handles the first one's
     * acknowledgements, which at 10,000 nodes cost it about 5% (measured both ways). */
    for (unsigned k = 1; e >= 0 && k <= trials; k++) {
        bool raw_first = k % 2 == 1;

        e = raw_first ? measure_raw_fanout(r, k) : measure_gate(r, k);
        if (e >= 0) {
            e = raw_first ? measure_gate(r, k) : measure_raw_fanout(r, k);
        }
    }
    return e < 0 ? e : run_wait_all_rollups(r, r->epoch, 0, NULL);
}

/* ---- ingest ------------------------------------------------------------------------------ */

typedef struct IngestWait {
    Run *r;
    uint64_t messages; /* at the plain subscriber */
    uint64_t after_ns;
} IngestWait;

static bool ingest_done(void *arg)
{
    IngestWait *w = arg;
    uint64_t last_ns;

    return plain_count(w->r->plain, &last_ns) >= w->messages &&
           node_sim_rollup_current(w->r->sim, w->r->watch, SB_KIND_BOOT_PROGRESS, w->r->epoch,
                                   w->after_ns);
}

/* Every node back to Unspecified, and everyone (coordinator and plain subscriber) past it. */
static int ingest_reset(Run *r)
{
    IngestWait w = { .r = r };
    int sent;

    /* Every node whose boot progress is not Unspecified gets one message. */
    plain_reset(r->plain,
                r->nodes - node_sim_counts(r->sim, SB_KIND_BOOT_PROGRESS)[SB_BOOT_UNSPECIFIED]);
    w.after_ns = bench_now_ns();
    sent = node_sim_set_all(r->sim, SB_KIND_BOOT_PROGRESS, SB_BOOT_UNSPECIFIED, r->timeout_ms);
    if (sent < 0) {
        return run_fail(r, sent, "the reset before a burst was not acknowledged");
    }
    w.messages = (uint64_t) sent;
    if (sent == 0) {
        w.after_ns = 0; /* nothing changed: the rollup already shown is the current one */
    }
    return run_wait(r, ingest_done, &w, "the reset before a burst");
}

static int ingest_burst(Run *r, uint32_t per_node)
{
    IngestWait w = { .r = r };
    RollupView before, after;
    uint64_t t_first, plain_last_ns;
    int n, e;

    e = ingest_reset(r);
    if (e < 0) {
        return e;
    }
    n = node_sim_burst_prepare(r->sim, per_node);
    if (n <= 0) {
        return run_fail(r, n < 0 ? n : -EINVAL, "cannot prepare a burst of %u updates per node",
                        (unsigned) per_node);
    }
    watch_rollup(r->watch, SB_KIND_BOOT_PROGRESS, &before);
    plain_reset(r->plain, (uint64_t) n);
    w.messages = (uint64_t) n;
    t_first = bench_now_ns();
    w.after_ns = t_first;
    e = node_sim_burst_publish(r->sim);
    if (e < 0) {
        return run_fail(r, e, "the burst could not be published: %s", strerror(-e));
    }
    e = run_wait(r, ingest_done, &w, "the burst at the coordinator and the plain subscriber");
    if (e < 0) {
        return e;
    }
    (void) plain_count(r->plain, &plain_last_ns);
    watch_rollup(r->watch, SB_KIND_BOOT_PROGRESS, &after);
    r->res->ingest_messages = (uint64_t) n;
    r->res->ingest_rollups += after.received - before.received;
    e = samples_add(&r->res->ingest_coordinator, n / (us_between(t_first, after.recv_ns) / 1e6));
    if (e >= 0) {
        e = samples_add(&r->res->ingest_plain, n / (us_between(t_first, plain_last_ns) / 1e6));
    }
    return e < 0 ? e : node_sim_wait_acked(r->sim, r->timeout_ms);
}

static bool plain_on(void *arg)
{
    return plain_listening(arg, true);
}

static bool plain_off(void *arg)
{
    return plain_listening(arg, false);
}

int phase_ingest(Run *r)
{
    uint32_t per_node = r->cfg->ingest_updates / r->nodes;
    int e;

    if (per_node < 2) {
        per_node = 2; /* at least one intermediate stage before OSRunning */
    }
    plain_listen(r->plain, true);
    e = run_wait(r, plain_on, r->plain, "the plain subscriber's subscription");
    for (unsigned b = 0; e >= 0 && b < r->cfg->ingest_bursts; b++) {
        e = ingest_burst(r, per_node);
    }
    if (e >= 0) {
        plain_listen(r->plain, false);
        e = run_wait(r, plain_off, r->plain, "the plain subscriber to unsubscribe");
    }
    return e < 0 ? e : run_wait_all_rollups(r, r->epoch, 0, NULL);
}

/* ---- cold start -------------------------------------------------------------------------- */

typedef struct ColdWait {
    Plain *plain;
    uint64_t duration_ns;
} ColdWait;

static bool cold_baseline_done(void *arg)
{
    ColdWait *w = arg;

    return plain_cold_done(w->plain, &w->duration_ns);
}

static int cold_baseline(Run *r)
{
    ColdWait w = { .plain = r->plain };
    int e;

    plain_cold_start(r->plain, (uint64_t) r->nodes * SIM_MESSAGES_PER_NODE);
    e = run_wait(r, cold_baseline_done, &w, "the plain client's snapshot and rebirth answers");
    if (e >= 0 && w.duration_ns == 0) {
        e = run_fail(r, -EIO, "the plain client's cold start failed");
    }
    if (e >= 0) {
        e = samples_add(&r->res->cold_base, (double) w.duration_ns / NS_PER_US);
    }
    return e < 0 ? e : run_settle(r);
}

int phase_cold_start(Run *r)
{
    int e = 0;

    for (unsigned k = 0; e >= 0 && k < r->cfg->cold_trials; k++) {
        uint64_t epoch_before = r->epoch, t0, last_ns = 0, rebirth_ns = 0;
        uint64_t status_epoch = 0, status_ns = 0;
        SbStatus status = SB_STATUS_UNKNOWN;

        e = run_coordinator_stop(r);
        /* The baseline runs while no coordinator is connected: nothing else loads the broker. */
        if (e >= 0) {
            e = cold_baseline(r);
        }
        if (e < 0) {
            return e;
        }
        (void) node_sim_rebirths(r->sim, &rebirth_ns);
        t0 = bench_now_ns();
        e = run_coordinator_start(r);
        if (e >= 0) {
            e = run_wait_all_rollups(r, epoch_before + 1, t0, &last_ns);
        }
        if (e >= 0) {
            uint64_t cpu_us;

            run_coordinator_sample_memory(r, NULL);
            e = samples_add(&r->res->cold, us_between(t0, last_ns));
            if (e >= 0 && proc_cpu_us(r->coordinator.pid, &cpu_us) >= 0) {
                e = samples_add(&r->res->cold_cpu, (double) cpu_us);
            }
        }
        /* Where the time went: start and connect, then the snapshot and the answers. */
        watch_status(r->watch, &status, &status_epoch, &status_ns);
        (void) node_sim_rebirths(r->sim, &rebirth_ns);
        if (e >= 0 && status == SB_STATUS_ONLINE && status_epoch > epoch_before) {
            e = samples_add(&r->res->cold_online, us_between(t0, status_ns));
        }
        if (e >= 0 && rebirth_ns > t0) {
            e = samples_add(&r->res->cold_rebirth, us_between(t0, rebirth_ns));
        }
        /* The rollups are current after one answer per node: let the rest through before the
         * next measurement. */
        if (e >= 0) {
            e = run_settle(r);
        }
    }
    return e;
}
