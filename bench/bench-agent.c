/* SPDX-License-Identifier: Apache-2.0 */
#include "bench-agent.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "statebus/payload.h"
#include "statebus/topic.h"

#include "bench-loop.h"
#include "proc.h"

#define AGENT_TIMEOUT_MS   15000u
#define AGENT_STOP_MS      5000u
#define HEARTBEATS_AWAITED 2u

typedef struct AgentWatch {
    Proc *agent;
    char topic_bmc[SB_TOPIC_MAX + 1];
    char topic_heartbeat[SB_TOPIC_MAX + 1];
    bool bmc_ready;
    unsigned heartbeats;
} AgentWatch;

static void on_message(BenchClient *c, const struct mosquitto_message *msg, void *userdata)
{
    AgentWatch *w = userdata;
    SbStateMsg m;

    (void) c;
    if (strcmp(msg->topic, w->topic_heartbeat) == 0) {
        w->heartbeats++;
    } else if (strcmp(msg->topic, w->topic_bmc) == 0 && msg->payloadlen > 0 &&
               sb_state_decode(msg->payload, (size_t) msg->payloadlen, SB_KIND_BMC, &m, NULL) >=
                       0) {
        w->bmc_ready = m.state == SB_BMC_READY;
    }
}

static bool watcher_settled(void *arg)
{
    BenchLoop *loop = arg;

    return bench_loop_all_connected(loop) && bench_loop_all_acked(loop);
}

static bool agent_steady(void *arg)
{
    AgentWatch *w = arg;

    return (w->bmc_ready && w->heartbeats >= HEARTBEATS_AWAITED) || !proc_alive(w->agent);
}

static int format_topics(AgentWatch *w, const char *system)
{
    SbTopic t = { .kind = SB_TOPIC_NODE_STATE, .node = 1, .state_kind = SB_KIND_BMC };
    int r;

    (void) snprintf(t.system, sizeof(t.system), "%s", system);
    r = sb_topic_format(w->topic_bmc, sizeof(w->topic_bmc), &t);
    t.kind = SB_TOPIC_NODE_HEARTBEAT;
    if (r >= 0) {
        r = sb_topic_format(w->topic_heartbeat, sizeof(w->topic_heartbeat), &t);
    }
    return r < 0 ? r : 0;
}

/* The agent's retained birth would stay on the broker: remove it. */
static void clear_retained(BenchLoop *loop, BenchClient *c, const char *system)
{
    char topic[SB_TOPIC_MAX + 1];
    SbTopic t = { .kind = SB_TOPIC_NODE_STATUS, .node = 1 };

    (void) snprintf(t.system, sizeof(t.system), "%s", system);
    if (sb_topic_format(topic, sizeof(topic), &t) >= 0) {
        (void) bench_client_publish(c, topic, NULL, 0, true);
    }
    t.kind = SB_TOPIC_NODE_STATE;
    for (int k = 0; k < SB_KIND_NODE_COUNT; k++) {
        t.state_kind = (SbStateKind) k;
        if (sb_topic_format(topic, sizeof(topic), &t) >= 0) {
            (void) bench_client_publish(c, topic, NULL, 0, true);
        }
    }
    (void) bench_loop_wait(loop, watcher_settled, loop, AGENT_TIMEOUT_MS);
}

/* Starts agent_bin (node 1 of sys, sim backend, its log in log_path), reads its memory once it is
 * steady, stops it. */
static int run_agent(BenchLoop *loop,
                     AgentWatch *w,
                     const BenchSystem *sys,
                     const char *agent_bin,
                     const char *log_path,
                     AgentMemory *ret)
{
    char broker[300];
    char *argv[] = {
        (char *) agent_bin,
        (char *) "--broker",
        broker,
        (char *) "--system",
        (char *) sys->system,
        (char *) "--node",
        (char *) "1",
        (char *) "--backend",
        (char *) "sim",
        (char *) "--sim-bmc-ready-ms",
        (char *) "100",
        NULL,
    };
    int r, status;

    (void) snprintf(broker, sizeof(broker), "%s:%u", sys->host, (unsigned) sys->port);
    r = proc_spawn(w->agent, argv, log_path);
    if (r < 0) {
        (void) snprintf(ret->error_why, sizeof(ret->error_why), "cannot start %s: %s", agent_bin,
                        strerror(-r));
        return r;
    }
    r = bench_loop_wait(loop, agent_steady, w, AGENT_TIMEOUT_MS);
    if (r >= 0 && !proc_alive(w->agent)) {
        r = -ECHILD;
    }
    if (r >= 0) {
        r = proc_memory(w->agent->pid, &ret->rss_kib, &ret->hwm_kib);
    }
    if (r >= 0) {
        r = proc_memory_private(w->agent->pid, &ret->pss_kib, &ret->private_kib);
    }
    if (r < 0) {
        (void) snprintf(ret->error_why, sizeof(ret->error_why),
                        "the agent did not reach BMC Ready and %u heartbeats: %s",
                        HEARTBEATS_AWAITED, strerror(-r));
    }
    status = proc_stop(w->agent, AGENT_STOP_MS);
    if (status != 0 && r >= 0) {
        ret->errors++;
        (void) snprintf(ret->error_why, sizeof(ret->error_why),
                        "the agent did not stop cleanly on SIGTERM (status %d)", status);
    }
    return r;
}

/* Starts statebus-bench-floor, waits (blocking) until it has stopped itself with its libraries
 * initialised, reads its memory, ends it. */
static int measure_floor(const char *floor_bin, const char *log_path, AgentMemory *ret)
{
    Proc floor = { .pidfd = -1 };
    char *argv[] = { (char *) floor_bin, NULL };
    siginfo_t si = { 0 };
    int r = proc_spawn(&floor, argv, log_path);

    if (r < 0) {
        (void) snprintf(ret->error_why, sizeof(ret->error_why), "cannot start %s: %s", floor_bin,
                        strerror(-r));
        return r;
    }
    if (waitid(P_PID, (id_t) floor.pid, &si, WSTOPPED | WEXITED | WNOWAIT) < 0) {
        r = -errno;
    } else if (si.si_code != CLD_STOPPED) {
        r = -ECHILD; /* it exited instead: its log says why */
    }
    if (r >= 0) {
        uint64_t hwm_kib;

        r = proc_memory(floor.pid, &ret->floor_rss_kib, &hwm_kib);
    }
    if (r >= 0) {
        r = proc_memory_private(floor.pid, &ret->floor_pss_kib, &ret->floor_private_kib);
    }
    if (r < 0) {
        (void) snprintf(ret->error_why, sizeof(ret->error_why),
                        "%s did not stop with its libraries loaded: %s", floor_bin, strerror(-r));
    }
    /* Queued while stopped, acted on once continued. */
    (void) kill(floor.pid, SIGTERM);
    (void) kill(floor.pid, SIGCONT);
    (void) proc_stop(&floor, AGENT_STOP_MS);
    return r;
}

int bench_agent_memory(const char *host,
                       uint16_t port,
                       const char *agent_bin,
                       const char *floor_bin,
                       const char *run_dir,
                       AgentMemory *ret)
{
    Proc agent = { .pidfd = -1 };
    AgentWatch w = { .agent = &agent };
    BenchLoop *loop = NULL;
    BenchClient *c = NULL;
    char system[SB_SYSTEM_ID_MAX + 1], id[128], log_path[4096], floor_log[4096], first[200];
    char *filters[2] = { w.topic_bmc, w.topic_heartbeat };
    BenchClientConfig cfg = {
        .host = host,
        .port = port,
        .client_id = id,
        .on_message = on_message,
        .userdata = &w,
    };
    int r, errors;

    memset(ret, 0, sizeof(*ret));
    (void) snprintf(system, sizeof(system), "bench-%d-agent", (int) getpid());
    (void) snprintf(id, sizeof(id), "%s-watch", system);
    (void) snprintf(log_path, sizeof(log_path), "%s/agent.log", run_dir);
    (void) unlink(log_path);
    (void) snprintf(floor_log, sizeof(floor_log), "%s/floor.log", run_dir);
    (void) unlink(floor_log);
    r = measure_floor(floor_bin, floor_log, ret);
    if (r >= 0) {
        r = format_topics(&w, system);
    }
    if (r >= 0) {
        r = bench_loop_new(&loop);
    }
    if (r >= 0) {
        r = bench_client_new(loop, &cfg, &c);
    }
    if (r >= 0) {
        r = bench_loop_wait(loop, watcher_settled, loop, AGENT_TIMEOUT_MS);
    }
    if (r >= 0) {
        r = bench_client_subscribe(c, filters, 2);
    }
    if (r >= 0) {
        r = bench_loop_wait(loop, watcher_settled, loop, AGENT_TIMEOUT_MS);
    }
    if (r >= 0) {
        const BenchSystem sys = { .host = host, .port = port, .system = system, .nodes = 1 };

        r = run_agent(loop, &w, &sys, agent_bin, log_path, ret);
        clear_retained(loop, c, system);
    } else {
        (void) snprintf(ret->error_why, sizeof(ret->error_why),
                        "cannot watch the agent's topics: %s", strerror(-r));
    }
    errors = log_count_errors(log_path, first, sizeof(first));
    if (errors > 0) {
        ret->errors += (unsigned) errors;
        (void) snprintf(ret->error_why, sizeof(ret->error_why), "agent log: %s", first);
    }
    (void) bench_loop_free(loop);
    return r;
}
