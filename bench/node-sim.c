/* SPDX-License-Identifier: Apache-2.0 */
/* The simulated nodes (see node-sim.h). */
#include "node-sim.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "statebus/payload.h"
#include "statebus/topic.h"

#include "bench-topics.h"

#define SUBSCRIBE_CHUNK 64
#define TOPIC_SLOTS     (SB_KIND_NODE_COUNT + 1) /* the four states and status */
#define STATUS_SLOT     SB_KIND_NODE_COUNT

typedef struct SimNode {
    unsigned conn;
    uint64_t epoch;
    uint64_t seq; /* one counter across the four kinds, as the agent */
    int value[SB_KIND_NODE_COUNT];
    uint64_t since_ms[SB_KIND_NODE_COUNT];
} SimNode;

typedef struct SimConn {
    NodeSim *sim;
    unsigned index;
    uint32_t first, last; /* its nodes */
    BenchClient *client;
} SimConn;

/* Pre-encoded burst: payloads back to back, in publish order. */
typedef struct Burst {
    char *bytes; /* owned */
    size_t *offset;
    uint32_t *node;
    size_t n;
    uint32_t per_node;
} Burst;

struct NodeSim {
    BenchLoop *loop; /* borrowed */
    char host[256];
    uint16_t port;
    char system[SB_SYSTEM_ID_MAX + 1];
    uint32_t nodes;
    unsigned n_conns;
    SimConn *conns;
    SimNode *node; /* 1..nodes */
    char (*topics)[TOPIC_SLOTS][SB_TOPIC_MAX + 1];
    char topic_rebirth[SB_TOPIC_MAX + 1];
    char topic_raw_rebirth[SB_TOPIC_MAX + 1];
    uint32_t counts[SB_KIND_NODE_COUNT][WATCH_VALUES_MAX];
    CommandTrack commands;
    CommandTrack raw;
    Burst burst;
    uint64_t rebirths;
    uint64_t rebirth_ns; /* the first rebirth request since the last node_sim_rebirths() */
};

static uint64_t unix_ms(void)
{
    struct timespec ts;

    (void) clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t) ts.tv_sec * 1000u + (uint64_t) ts.tv_nsec / 1000000u;
}

/* ---- payloads ---------------------------------------------------------------------------- */

/* One state publish of a simulated node: what changes from one to the next. */
typedef struct StateUpdate {
    uint32_t node;
    SbStateKind kind;
    uint64_t seq;
    int value;
} StateUpdate;

/* u as the agent would send it (its since, epoch and the fields of the kind) into buf. */
static int encode_state(const NodeSim *s, const StateUpdate *u, char *buf, size_t size)
{
    const SimNode *nd = &s->node[u->node];
    SbStateKind kind = u->kind;
    SbStateMsg m = {
        .kind = kind,
        .node = u->node,
        .state = u->value,
        .since_ms = nd->since_ms[kind],
        .epoch = nd->epoch,
        .seq = u->seq,
    };

    switch (kind) {
    case SB_KIND_BMC:
        m.last_reboot_cause = SB_REBOOT_CAUSE_POR;
        break;
    case SB_KIND_CHASSIS:
        /* No AC loss, with the boot time our agents always send: power restore decides
         * nothing. */
        m.power_status = SB_POWER_STATUS_GOOD;
        m.has_ac_loss = true;
        m.ac_loss = false;
        m.bmc_boot_ms = nd->epoch;
        break;
    case SB_KIND_HOST:
        m.restart_cause = SB_RESTART_CAUSE_UNKNOWN;
        break;
    case SB_KIND_BOOT_PROGRESS:
        m.last_update_ms = nd->since_ms[kind];
        break;
    default:
        return -EINVAL;
    }
    return sb_state_encode(&m, buf, size);
}

static int publish_state(NodeSim *s, uint32_t n, SbStateKind kind)
{
    SimNode *nd = &s->node[n];
    char buf[SB_PAYLOAD_MAX + 1];
    const StateUpdate u = { .node = n, .kind = kind, .seq = nd->seq + 1, .value = nd->value[kind] };
    int len = encode_state(s, &u, buf, sizeof(buf));

    if (len < 0) {
        return len;
    }
    nd->seq++;
    return bench_client_publish(s->conns[nd->conn].client, s->topics[n][kind], buf, (size_t) len,
                                true);
}

static int publish_status(NodeSim *s, uint32_t n, SbStatus status)
{
    char buf[SB_PAYLOAD_MAX + 1];
    SbStatusMsg m = { .status = status,
                      .epoch = s->node[n].epoch,
                      .node = n,
                      .time_ms = unix_ms() };
    int len = sb_status_encode(&m, buf, sizeof(buf));

    if (len < 0) {
        return len;
    }
    return bench_client_publish(s->conns[s->node[n].conn].client, s->topics[n][STATUS_SLOT], buf,
                                (size_t) len, true);
}

static void count_move(NodeSim *s, SbStateKind kind, int from, int to)
{
    if (from >= 0 && from < WATCH_VALUES_MAX && s->counts[kind][from] > 0) {
        s->counts[kind][from]--;
    }
    if (to >= 0 && to < WATCH_VALUES_MAX) {
        s->counts[kind][to]++;
    }
}

static void set_value(NodeSim *s, uint32_t n, SbStateKind kind, int value)
{
    SimNode *nd = &s->node[n];

    if (nd->value[kind] != value) {
        count_move(s, kind, nd->value[kind], value);
        nd->value[kind] = value;
        nd->since_ms[kind] = unix_ms();
    }
}

/* The agents' birth and rebirth answer for a block of nodes: kind by kind across the nodes, as
 * many agents answering at once reach the broker, and status online last for each. */
static int publish_everything(NodeSim *s, uint32_t first, uint32_t last)
{
    int r = 0;

    for (int k = 0; r >= 0 && k < SB_KIND_NODE_COUNT; k++) {
        for (uint32_t n = first; r >= 0 && n <= last; n++) {
            r = publish_state(s, n, (SbStateKind) k);
        }
    }
    for (uint32_t n = first; r >= 0 && n <= last; n++) {
        r = publish_status(s, n, SB_STATUS_ONLINE);
    }
    return r;
}

/* ---- commands in ------------------------------------------------------------------------- */

static void on_node_message(BenchClient *c, const struct mosquitto_message *msg, void *userdata)
{
    SimConn *conn = userdata;
    NodeSim *s = conn->sim;
    uint64_t now = bench_now_ns();
    SbTopic t;

    (void) c;
    if (msg->retain) {
        return; /* commands are never retained; agents drop retained ones */
    }
    if (strcmp(msg->topic, s->topic_rebirth) == 0 ||
        strcmp(msg->topic, s->topic_raw_rebirth) == 0) {
        if (s->rebirth_ns == 0) {
            s->rebirth_ns = now;
        }
        s->rebirths++;
        (void) publish_everything(s, conn->first, conn->last);
        return;
    }
    if (sb_topic_parse(msg->topic, strlen(msg->topic), &t) == 0 && t.kind == SB_TOPIC_NODE_SET &&
        t.node >= conn->first && t.node <= conn->last) {
        /* The raw fan-out uses the same topics: told apart by the id it expects. */
        CommandTrack *track = command_track_matches(&s->raw, msg) ? &s->raw : &s->commands;

        command_track_arrived(track, t.node, msg, t.target, now);
    }
}

/* ---- life cycle -------------------------------------------------------------------------- */

static int format_topics(NodeSim *s)
{
    SbTopic t = { .kind = SB_TOPIC_SYSTEM_REBIRTH };
    int r;

    (void) snprintf(t.system, sizeof(t.system), "%s", s->system);
    r = sb_topic_format(s->topic_rebirth, sizeof(s->topic_rebirth), &t);
    if (r >= 0) {
        r = bench_topic_format(s->topic_raw_rebirth, sizeof(s->topic_raw_rebirth), s->system,
                               BENCH_TOPIC_REBIRTH);
    }
    for (uint32_t n = 1; r >= 0 && n <= s->nodes; n++) {
        t.node = n;
        t.kind = SB_TOPIC_NODE_STATE;
        for (int k = 0; r >= 0 && k < SB_KIND_NODE_COUNT; k++) {
            t.state_kind = (SbStateKind) k;
            r = sb_topic_format(s->topics[n][k], sizeof(s->topics[n][k]), &t);
        }
        t.kind = SB_TOPIC_NODE_STATUS;
        if (r >= 0) {
            r = sb_topic_format(s->topics[n][STATUS_SLOT], sizeof(s->topics[n][STATUS_SLOT]), &t);
        }
    }
    return r < 0 ? r : 0;
}

int node_sim_new(BenchLoop *loop, const BenchSystem *sys, unsigned max_connections, NodeSim **ret)
{
    const char *host = sys->host, *system = sys->system;
    uint16_t port = sys->port;
    uint32_t nodes = sys->nodes;
    NodeSim *s = calloc(1, sizeof(*s));
    uint64_t epoch = unix_ms();
    int r;

    if (!s) {
        return -ENOMEM;
    }
    s->loop = loop;
    (void) snprintf(s->host, sizeof(s->host), "%s", host);
    s->port = port;
    (void) snprintf(s->system, sizeof(s->system), "%s", system);
    s->nodes = nodes;
    s->n_conns = nodes < max_connections ? nodes : max_connections;
    s->conns = calloc(s->n_conns, sizeof(*s->conns));
    s->node = calloc((size_t) nodes + 1, sizeof(*s->node));
    s->topics = calloc((size_t) nodes + 1, sizeof(*s->topics));
    if (!s->conns || !s->node || !s->topics || command_track_init(&s->commands, nodes) < 0 ||
        command_track_init(&s->raw, nodes) < 0) {
        (void) node_sim_free(s);
        return -ENOMEM;
    }
    for (unsigned c = 0; c < s->n_conns; c++) {
        s->conns[c] = (SimConn){
            .sim = s,
            .index = c,
            .first = (uint32_t) ((uint64_t) c * nodes / s->n_conns) + 1,
            .last = (uint32_t) ((uint64_t) (c + 1) * nodes / s->n_conns),
        };
        for (uint32_t n = s->conns[c].first; n <= s->conns[c].last; n++) {
            s->node[n].conn = c;
        }
    }
    for (uint32_t n = 1; n <= nodes; n++) {
        /* A distinct epoch per node, as independent agents would have. */
        s->node[n].epoch = epoch + n;
    }
    for (int k = 0; k < SB_KIND_NODE_COUNT; k++) {
        s->counts[k][0] = nodes; /* never heard from */
    }
    r = format_topics(s);
    if (r < 0) {
        (void) node_sim_free(s);
        return r;
    }
    *ret = s;
    return 0;
}

NodeSim *node_sim_free(NodeSim *s)
{
    if (!s) {
        return NULL;
    }
    for (unsigned c = 0; s->conns && c < s->n_conns; c++) {
        if (s->conns[c].client) {
            bench_client_disconnect(s->conns[c].client);
        }
    }
    free(s->burst.bytes);
    free(s->burst.offset);
    free(s->burst.node);
    command_track_done(&s->commands);
    command_track_done(&s->raw);
    free(s->topics);
    free(s->node);
    free(s->conns);
    free(s);
    return NULL;
}

unsigned node_sim_connections(const NodeSim *s)
{
    return s->n_conns;
}

static bool loop_settled(void *arg)
{
    BenchLoop *loop = arg;

    return bench_loop_all_connected(loop) && bench_loop_all_acked(loop);
}

static int connect_one(NodeSim *s, SimConn *conn)
{
    char id[160], will[SB_PAYLOAD_MAX + 1];
    BenchClientConfig cfg = {
        .host = s->host,
        .port = s->port,
        .client_id = id,
        .on_message = on_node_message,
        .userdata = conn,
    };

    (void) snprintf(id, sizeof(id), "bench-%d-%s-nodes-%u", (int) getpid(), s->system, conn->index);
    if (conn->first == conn->last) {
        /* One node on its own connection: the agent's Last Will. */
        SbStatusMsg m = { .status = SB_STATUS_LOST,
                          .epoch = s->node[conn->first].epoch,
                          .node = conn->first };
        int len = sb_status_encode(&m, will, sizeof(will));

        if (len < 0) {
            return len;
        }
        cfg.will_topic = s->topics[conn->first][STATUS_SLOT];
        cfg.will_payload = will;
        cfg.will_len = (size_t) len;
    }
    return bench_client_new(s->loop, &cfg, &conn->client);
}

static int subscribe_one(NodeSim *s, SimConn *conn)
{
    char buf[SUBSCRIBE_CHUNK][SB_TOPIC_MAX + 1];
    char *filters[SUBSCRIBE_CHUNK];
    int n = 0, r = 0;

    for (int i = 0; i < SUBSCRIBE_CHUNK; i++) {
        filters[i] = buf[i];
    }
    (void) snprintf(buf[n++], sizeof(buf[0]), "%s", s->topic_rebirth);
    (void) snprintf(buf[n++], sizeof(buf[0]), "%s", s->topic_raw_rebirth);
    for (uint32_t node = conn->first; r >= 0 && node <= conn->last; node++) {
        r = sb_filter_format(buf[n++], sizeof(buf[0]), s->system, SB_FILTER_NODE_SET, node);
        if (r >= 0 && n == SUBSCRIBE_CHUNK) {
            r = bench_client_subscribe(conn->client, filters, n);
            n = 0;
        }
    }
    if (r >= 0 && n > 0) {
        r = bench_client_subscribe(conn->client, filters, n);
    }
    return r < 0 ? r : 0;
}

int node_sim_connect(NodeSim *s, uint64_t timeout_ms)
{
    int r = 0;

    for (unsigned c = 0; r >= 0 && c < s->n_conns; c++) {
        r = connect_one(s, &s->conns[c]);
    }
    if (r >= 0) {
        r = bench_loop_wait(s->loop, loop_settled, s->loop, timeout_ms);
    }
    for (unsigned c = 0; r >= 0 && c < s->n_conns; c++) {
        r = subscribe_one(s, &s->conns[c]);
    }
    if (r >= 0) {
        r = bench_loop_wait(s->loop, loop_settled, s->loop, timeout_ms);
    }
    return r;
}

int node_sim_wait_acked(NodeSim *s, uint64_t timeout_ms)
{
    return bench_loop_wait(s->loop, loop_settled, s->loop, timeout_ms);
}

int node_sim_birth(NodeSim *s, uint64_t timeout_ms)
{
    static const int initial[SB_KIND_NODE_COUNT] = {
        [SB_KIND_BMC] = SB_BMC_READY,
        [SB_KIND_CHASSIS] = SB_CHASSIS_OFF,
        [SB_KIND_HOST] = SB_HOST_OFF,
        [SB_KIND_BOOT_PROGRESS] = SB_BOOT_UNSPECIFIED,
    };
    int r = 0;

    for (uint32_t n = 1; n <= s->nodes; n++) {
        for (int k = 0; k < SB_KIND_NODE_COUNT; k++) {
            set_value(s, n, (SbStateKind) k, initial[k]);
        }
    }
    for (unsigned c = 0; r >= 0 && c < s->n_conns; c++) {
        r = publish_everything(s, s->conns[c].first, s->conns[c].last);
    }
    return r < 0 ? r : node_sim_wait_acked(s, timeout_ms);
}

int node_sim_set_state(NodeSim *s, uint32_t node, SbStateKind kind, int value)
{
    if (node == 0 || node > s->nodes || (int) kind < 0 || kind >= SB_KIND_NODE_COUNT) {
        return -EINVAL;
    }
    set_value(s, node, kind, value);
    return publish_state(s, node, kind);
}

int node_sim_set_all(NodeSim *s, SbStateKind kind, int value, uint64_t timeout_ms)
{
    int r = 0, sent = 0;

    for (uint32_t n = 1; r >= 0 && n <= s->nodes; n++) {
        if (s->node[n].value[kind] != value) {
            r = node_sim_set_state(s, n, kind, value);
            sent++;
        }
    }
    if (r >= 0) {
        r = node_sim_wait_acked(s, timeout_ms);
    }
    return r < 0 ? r : sent;
}

/* ---- ingest burst ------------------------------------------------------------------------ */

/* The stages a burst walks through before the final OSRunning (which none of them is). */
static const int burst_stages[] = {
    SB_BOOT_PRIMARY_PROC_INIT, SB_BOOT_BUS_INIT,
    SB_BOOT_MEMORY_INIT,       SB_BOOT_SECONDARY_PROC_INIT,
    SB_BOOT_PCI_INIT,          SB_BOOT_SYSTEM_INIT_COMPLETE,
    SB_BOOT_OS_START,
};
#define BURST_STAGES (sizeof(burst_stages) / sizeof(burst_stages[0]))

static int burst_value(uint32_t j, uint32_t per_node)
{
    return j + 1 == per_node ? SB_BOOT_OS_RUNNING : burst_stages[j % BURST_STAGES];
}

int node_sim_burst_prepare(NodeSim *s, uint32_t per_node)
{
    Burst *b = &s->burst;
    size_t total = (size_t) per_node * s->nodes, used = 0;
    char buf[SB_PAYLOAD_MAX + 1];

    free(b->bytes);
    free(b->offset);
    free(b->node);
    *b = (Burst){ .per_node = per_node };
    b->bytes = malloc(total * 256);
    b->offset = malloc((total + 1) * sizeof(*b->offset));
    b->node = malloc(total * sizeof(*b->node));
    if (!b->bytes || !b->offset || !b->node || per_node == 0) {
        return -ENOMEM;
    }
    /* Round-robin over the nodes: update j of every node before update j + 1 of any. */
    for (uint32_t j = 0; j < per_node; j++) {
        for (uint32_t n = 1; n <= s->nodes; n++) {
            SimNode *nd = &s->node[n];
            const StateUpdate u = {
                .node = n,
                .kind = SB_KIND_BOOT_PROGRESS,
                .seq = nd->seq + j + 1,
                .value = burst_value(j, per_node),
            };
            int len = encode_state(s, &u, buf, sizeof(buf));

            if (len < 0 || (size_t) len > 256 || used + (size_t) len > total * 256) {
                return len < 0 ? len : -EMSGSIZE;
            }
            memcpy(b->bytes + used, buf, (size_t) len);
            b->offset[b->n] = used;
            b->node[b->n] = n;
            b->n++;
            used += (size_t) len;
        }
    }
    b->offset[b->n] = used;
    return (int) b->n;
}

int node_sim_burst_publish(NodeSim *s)
{
    Burst *b = &s->burst;
    int r;

    for (size_t i = 0; i < b->n; i++) {
        uint32_t n = b->node[i];

        r = bench_client_publish(s->conns[s->node[n].conn].client,
                                 s->topics[n][SB_KIND_BOOT_PROGRESS], b->bytes + b->offset[i],
                                 b->offset[i + 1] - b->offset[i], true);
        if (r < 0) {
            return r;
        }
    }
    /* The nodes now stand where the burst left them. */
    for (uint32_t n = 1; n <= s->nodes; n++) {
        s->node[n].seq += b->per_node;
        set_value(s, n, SB_KIND_BOOT_PROGRESS, SB_BOOT_OS_RUNNING);
    }
    return (int) b->n;
}

/* ---- what a current rollup shows --------------------------------------------------------- */

int node_sim_value(const NodeSim *s, uint32_t node, SbStateKind kind)
{
    return node >= 1 && node <= s->nodes ? s->node[node].value[kind] : 0;
}

const uint32_t *node_sim_counts(const NodeSim *s, SbStateKind kind)
{
    return s->counts[kind];
}

bool node_sim_rollup_current(const NodeSim *s,
                             Watch *w,
                             SbStateKind kind,
                             uint64_t min_epoch,
                             uint64_t after_ns)
{
    RollupView v;

    watch_rollup(w, kind, &v);
    if (!v.valid || v.epoch < min_epoch || v.recv_ns < after_ns || v.expected != s->nodes ||
        v.stale_total != 0) {
        return false;
    }
    return memcmp(v.counts, s->counts[kind], sizeof(v.counts)) == 0;
}

CommandTrack *node_sim_commands(NodeSim *s)
{
    return &s->commands;
}

CommandTrack *node_sim_raw(NodeSim *s)
{
    return &s->raw;
}

uint64_t node_sim_rebirths(NodeSim *s, uint64_t *ret_first_ns)
{
    *ret_first_ns = s->rebirth_ns;
    s->rebirth_ns = 0;
    return s->rebirths;
}

int node_sim_clear_retained(NodeSim *s, uint64_t timeout_ms)
{
    int r = 0;

    for (uint32_t n = 1; r >= 0 && n <= s->nodes; n++) {
        for (int slot = 0; r >= 0 && slot < TOPIC_SLOTS; slot++) {
            r = bench_client_publish(s->conns[s->node[n].conn].client, s->topics[n][slot], NULL, 0,
                                     true);
        }
    }
    return r < 0 ? r : node_sim_wait_acked(s, timeout_ms);
}
