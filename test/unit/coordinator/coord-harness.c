/* SPDX-License-Identifier: Apache-2.0 */
/* Test harness for the coordinator core (see coord-harness.h). */
/* cmocka.h needs these four first. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include "coord-harness.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ALL_MAX 512

/* Everything one script input produced, with the node sets of its dispatches captured at once
 * (a request record may be reused by a later event of the same input). */
typedef struct Captured {
    CoordAction items[ALL_MAX];
    uint32_t dispatch_nodes[ALL_MAX][HARNESS_NODES_MAX];
    size_t n_dispatch_nodes[ALL_MAX];
    size_t n;
} Captured;

static Captured *captured_of(const Harness *h);

typedef struct HarnessImpl {
    Harness pub;
    Captured captured;
} HarnessImpl;

static Captured *captured_of(const Harness *h)
{
    return &((HarnessImpl *) (uintptr_t) h)->captured;
}

CoordConfig harness_config(uint32_t nodes)
{
    return (CoordConfig){
        .nodes = nodes,
        .request_timeout_ms = 0,
        .transition_timeout_ms = 600000,
        .command_ttl_ms = 30000,
        .rebirth_window_ms = 1000,
        .when_not_ready = COORD_WHEN_NOT_READY_QUEUE,
        .allow_partial = false,
    };
}

Harness *harness_new(const CoordConfig *cfg)
{
    HarnessImpl *impl = calloc(1, sizeof(*impl));
    Harness *h;

    assert_non_null(impl);
    h = &impl->pub;
    h->cfg = *cfg;
    h->now_ms = 1700000000000ull;
    h->next_epoch = 1000;
    assert_int_equal(coord_new(cfg, &h->c), 0);
    for (size_t n = 0; n <= HARNESS_NODES_MAX; n++) {
        h->agents[n].values[SB_KIND_BMC] = SB_BMC_READY;
        h->agents[n].values[SB_KIND_CHASSIS] = SB_CHASSIS_OFF;
        h->agents[n].values[SB_KIND_HOST] = SB_HOST_OFF;
        h->agents[n].values[SB_KIND_BOOT_PROGRESS] = SB_BOOT_UNSPECIFIED;
    }
    return h;
}

void harness_free(Harness *h)
{
    if (!h) {
        return;
    }
    h->c = coord_free(h->c);
    free((HarnessImpl *) (uintptr_t) h);
}

static void capture(Harness *h, const CoordAction *a)
{
    Captured *cap = captured_of(h);
    size_t i = cap->n;

    if (i >= ALL_MAX) {
        return;
    }
    cap->items[i] = *a;
    cap->n_dispatch_nodes[i] = 0;
    if (a->kind == COORD_ACT_DISPATCH) {
        uint32_t cursor = 0, node;

        while ((node = coord_request_nodes(h->c, a->request_slot, &cursor)) != 0) {
            if (cap->n_dispatch_nodes[i] < HARNESS_NODES_MAX) {
                cap->dispatch_nodes[i][cap->n_dispatch_nodes[i]] = node;
            }
            cap->n_dispatch_nodes[i]++;
        }
        /* A dispatch that reaches nobody is a bug. */
        assert_true(cap->n_dispatch_nodes[i] > 0);
    }
    cap->n++;
}

static void feed_state(Harness *h,
                       uint32_t node,
                       SbStateKind kind,
                       int value,
                       uint64_t epoch,
                       uint64_t seq,
                       uint64_t since,
                       bool retained);

static SbStateKind target_kind(SbTarget target)
{
    return target == SB_TARGET_CHASSIS ? SB_KIND_CHASSIS
           : target == SB_TARGET_HOST  ? SB_KIND_HOST
                                       : SB_KIND_BMC;
}

/* What the broker and the agents do after a batch: the probe comes back, the receipts. */
typedef struct Answers {
    uint64_t probe;
    struct {
        uint32_t node;
        SbStateKind kind;
        char id[SB_ID_MAX + 1];
    } receipts[HARNESS_NODES_MAX * 2];
    size_t n_receipts;
    char acks[8][SB_ID_MAX + 1];
    size_t n_acks;
    CoordActions *own; /* the event's own batch, restored after the answers */
} Answers;

const CoordActions *harness_feed(Harness *h, CoordEvent *ev)
{
    Answers *ans = calloc(1, sizeof(*ans));

    assert_non_null(ans);
    ev->now_ms = h->now_ms;
    ev->backlog = h->feeding_backlog;
    assert_int_equal(coord_step(h->c, ev, &h->out), 0);
    h->steps++;
    for (size_t i = 0; i < h->out.n; i++) {
        const CoordAction *a = &h->out.items[i];

        /* coord.h: PERSIST precedes every other action of its batch. */
        if (a->kind == COORD_ACT_PERSIST) {
            assert_int_equal(i, 0);
        }
        if (a->kind == COORD_ACT_ARM_TIMER) {
            h->armed_at_ms = a->at_ms;
        }
        if (a->kind == COORD_ACT_PUBLISH_PROBE) {
            ans->probe = a->probe;
        }
        if (a->kind == COORD_ACT_DISPATCH && !h->no_receipts) {
            uint32_t cursor = 0, node;

            while ((node = coord_request_nodes(h->c, a->request_slot, &cursor)) != 0) {
                const HarnessAgent *ag;

                if (node > HARNESS_NODES_MAX) {
                    continue; /* a node the harness does not simulate */
                }
                ag = &h->agents[node];
                if (ag->epoch == 0 || ag->down || ag->deaf ||
                    ans->n_receipts >= sizeof(ans->receipts) / sizeof(ans->receipts[0])) {
                    continue;
                }
                ans->receipts[ans->n_receipts].node = node;
                ans->receipts[ans->n_receipts].kind = target_kind(a->target);
                (void) snprintf(ans->receipts[ans->n_receipts].id, SB_ID_MAX + 1, "%s",
                                a->command.id);
                ans->n_receipts++;
            }
        }
        capture(h, a);
    }
    /* The answers below are steps of their own; h->out is left as this event's batch. */
    ans->own = malloc(sizeof(*ans->own));
    assert_non_null(ans->own);
    *ans->own = h->out;
    for (size_t i = 0; i < h->out.n && !h->hold_acks; i++) {
        const SbEvent *e = &h->out.items[i].event;

        /* The broker acknowledges a final event (the shell feeds COORD_EV_ANNOUNCED). */
        if (h->out.items[i].kind == COORD_ACT_PUBLISH_EVENT && e->id[0] && e->node == 0 &&
            (e->kind == SB_EVENT_COMPLETED || e->kind == SB_EVENT_FAILED ||
             e->kind == SB_EVENT_CANCELLED || e->kind == SB_EVENT_EXPIRED ||
             e->kind == SB_EVENT_SUPERSEDED) &&
            ans->n_acks < sizeof(ans->acks) / sizeof(ans->acks[0])) {
            (void) snprintf(ans->acks[ans->n_acks++], SB_ID_MAX + 1, "%s", e->id);
        }
    }
    for (size_t i = 0; i < ans->n_acks; i++) {
        CoordEvent ack = { .kind = COORD_EV_ANNOUNCED };

        (void) snprintf(ack.id, sizeof(ack.id), "%s", ans->acks[i]);
        (void) harness_feed(h, &ack);
    }
    if (ans->probe != 0 && h->hold_probes) {
        h->probe_held = ans->probe;
    } else if (ans->probe != 0) {
        CoordEvent echo = { .kind = COORD_EV_PROBE, .probe = ans->probe };

        (void) harness_feed(h, &echo);
    }
    for (size_t i = 0; i < ans->n_receipts; i++) {
        HarnessAgent *ag = &h->agents[ans->receipts[i].node];
        SbStateKind kind = ans->receipts[i].kind;

        (void) snprintf(ag->request[kind], sizeof(ag->request[kind]), "%s", ans->receipts[i].id);
        feed_state(h, ans->receipts[i].node, kind, ag->values[kind], ag->epoch, ++ag->seq,
                   ag->since[kind], false);
    }
    h->out = *ans->own;
    free(ans->own);
    free(ans);
    return &h->out;
}

static void append(char *buf, size_t size, const char *fmt, ...)
{
    size_t len = strlen(buf);
    va_list ap;

    if (len >= size - 1) {
        return;
    }
    if (len > 0) {
        buf[len++] = ' ';
        buf[len] = '\0';
    }
    va_start(ap, fmt);
    (void) vsnprintf(buf + len, size - len, fmt, ap);
    va_end(ap);
}

static void describe_items(const CoordAction *items, size_t n, char *buf, size_t size)
{
    buf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        const CoordAction *a = &items[i];
        const char *kind;

        switch (a->kind) {
        case COORD_ACT_PERSIST:
            append(buf, size, "persist");
            break;
        case COORD_ACT_PUBLISH_REBIRTH:
            append(buf, size, "rebirth");
            break;
        case COORD_ACT_PUBLISH_PROBE:
            break; /* answered by the harness (harness_feed) unless a test holds it */
        case COORD_ACT_DISPATCH:
            append(buf, size, "dispatch:%s:%s", sb_enum_to_string(SB_ENUM_TARGET, (int) a->target),
                   a->command.id);
            break;
        case COORD_ACT_PUBLISH_EVENT:
            kind = sb_enum_to_string(SB_ENUM_EVENT_KIND, (int) a->event.kind);
            if (a->event.id[0]) {
                append(buf, size, "%s:%s", kind, a->event.id);
            } else {
                append(buf, size, "%s@%" PRIu32, kind, a->event.node);
            }
            break;
        case COORD_ACT_PUBLISH_ROLLUP:
        case COORD_ACT_PUBLISH_REQUESTS:
        case COORD_ACT_ARM_TIMER:
        case COORD_ACT_PUBLISH_SETTING:
        case COORD_ACT_PUBLISH_POWER_RESTORE:
            break;
        }
    }
}

void harness_describe(const CoordActions *a, char *buf, size_t size)
{
    describe_items(a->items, a->n, buf, size);
}

/* ---- script parsing ------------------------------------------------------------------------ */

typedef struct Args {
    char *words[16];
    size_t n;
} Args;

static void split(char *line, Args *args)
{
    char *save = NULL;

    args->n = 0;
    for (char *w = strtok_r(line, " ", &save); w && args->n < 16; w = strtok_r(NULL, " ", &save)) {
        args->words[args->n++] = w;
    }
}

/* "key=value" among the words after the first skip ones; NULL if absent. */
static const char *opt(const Args *args, size_t skip, const char *key)
{
    size_t klen = strlen(key);

    for (size_t i = skip; i < args->n; i++) {
        if (strncmp(args->words[i], key, klen) == 0 && args->words[i][klen] == '=') {
            return args->words[i] + klen + 1;
        }
    }
    return NULL;
}

static bool flag(const Args *args, size_t skip, const char *word)
{
    for (size_t i = skip; i < args->n; i++) {
        if (strcmp(args->words[i], word) == 0) {
            return true;
        }
    }
    return false;
}

static uint64_t number(const char *s)
{
    char *end = NULL;
    unsigned long long v;

    assert_non_null(s);
    v = strtoull(s, &end, 10);
    assert_true(end != s);
    return v;
}

static SbStateKind kind_of(const char *s)
{
    static const char *const names[SB_KIND_NODE_COUNT] = { "bmc", "chassis", "host", "boot" };

    for (int k = 0; k < SB_KIND_NODE_COUNT; k++) {
        if (strcmp(names[k], s) == 0) {
            return (SbStateKind) k;
        }
    }
    fail_msg("unknown kind '%s'", s);
    return SB_KIND_BMC;
}

static int value_of(SbStateKind kind, const char *s)
{
    int v = sb_enum_from_string(sb_state_kind_enum(kind), s, strlen(s));

    if (v < 1) {
        fail_msg("unknown value '%s'", s);
    }
    return v;
}

static void node_range(const char *s, uint32_t *first, uint32_t *last)
{
    const char *dash = strchr(s, '-');

    *first = (uint32_t) number(s);
    *last = dash ? (uint32_t) number(dash + 1) : *first;
    assert_true(*first >= 1 && *last <= HARNESS_NODES_MAX && *first <= *last);
}

static void feed_state(Harness *h,
                       uint32_t node,
                       SbStateKind kind,
                       int value,
                       uint64_t epoch,
                       uint64_t seq,
                       uint64_t since,
                       bool retained)
{
    CoordEvent ev = {
        .kind = COORD_EV_NODE_STATE,
        .node = node,
        .retained = retained,
    };

    ev.state = (SbStateMsg){
        .kind = kind,
        .node = node,
        .state = value,
        .since_ms = since,
        .epoch = epoch,
        .seq = seq,
    };
    if (node <= HARNESS_NODES_MAX) {
        const HarnessAgent *ag = &h->agents[node];

        (void) snprintf(ev.state.request, sizeof(ev.state.request), "%s", ag->request[kind]);

        if (kind == SB_KIND_CHASSIS) {
            ev.state.has_ac_loss = true;
            ev.state.ac_loss = ag->ac_loss;
            ev.state.bmc_boot_ms = ag->bmc_boot_ms;
        } else if (kind == SB_KIND_HOST) {
            ev.state.hypervisor = ag->hypervisor;
        }
    }
    harness_feed(h, &ev);
}

/* ac_loss=0|1, bmc_boot=<ms>|now, hv=0|1 after the first skip words. */
static void read_details(Harness *h, HarnessAgent *ag, const Args *args, size_t skip)
{
    const char *o = opt(args, skip, "ac_loss");

    if (o) {
        ag->ac_loss = number(o) != 0;
    }
    o = opt(args, skip, "bmc_boot");
    if (o) {
        ag->bmc_boot_ms = strcmp(o, "now") == 0 ? h->now_ms : number(o);
    }
    o = opt(args, skip, "hv");
    if (o) {
        ag->hypervisor = number(o) != 0;
    }
}

static void feed_status(Harness *h, uint32_t node, SbStatus status, uint64_t epoch, bool retained)
{
    CoordEvent ev = {
        .kind = COORD_EV_NODE_STATUS,
        .node = node,
        .retained = retained,
    };

    ev.status = (SbStatusMsg){ .status = status, .epoch = epoch, .node = node };
    harness_feed(h, &ev);
}

/* A session publishes its four states, then online (contract "Lifecycle rules"). */
static void publish_session(Harness *h, uint32_t node, bool retained)
{
    HarnessAgent *ag = &h->agents[node];

    for (int k = 0; k < SB_KIND_NODE_COUNT; k++) {
        feed_state(h, node, (SbStateKind) k, ag->values[k], ag->epoch, ++ag->seq, h->now_ms,
                   retained);
    }
    feed_status(h, node, SB_STATUS_ONLINE, ag->epoch, retained);
}

static void run_birth(Harness *h, const Args *args, bool new_session)
{
    static const char *const keys[SB_KIND_NODE_COUNT] = { "bmc", "chassis", "host", "boot" };
    uint32_t first, last;

    assert_true(args->n >= 2);
    node_range(args->words[1], &first, &last);
    for (uint32_t n = first; n <= last; n++) {
        HarnessAgent *ag = &h->agents[n];

        for (int k = 0; k < SB_KIND_NODE_COUNT; k++) {
            const char *v = opt(args, 2, keys[k]);

            if (v) {
                ag->values[k] = value_of((SbStateKind) k, v);
            }
        }
        read_details(h, ag, args, 2);
        if (new_session) {
            /* A new agent session knows no command (a BMC reboot restarts the agent). */
            ag->epoch = h->next_epoch++;
            ag->seq = 0;
            memset(ag->request, 0, sizeof(ag->request));
            ag->down = false;
            for (int k = 0; k < SB_KIND_NODE_COUNT; k++) {
                ag->since[k] = h->now_ms;
            }
        }
        publish_session(h, n, flag(args, 2, "retained"));
    }
}

static void run_state(Harness *h, const Args *args)
{
    uint32_t node;
    SbStateKind kind;
    HarnessAgent *ag;
    const char *o;
    uint64_t seq, epoch, since;
    int value;

    assert_true(args->n >= 4);
    node = (uint32_t) number(args->words[1]);
    ag = &h->agents[node];
    kind = kind_of(args->words[2]);
    value = value_of(kind, args->words[3]);
    o = opt(args, 4, "seq");
    seq = o ? number(o) : ++ag->seq;
    o = opt(args, 4, "epoch");
    epoch = o ? number(o) : ag->epoch;
    o = opt(args, 4, "since");
    since = o                                                   ? number(o)
            : value != ag->values[kind] || ag->since[kind] == 0 ? h->now_ms
                                                                : ag->since[kind];
    ag->values[kind] = value;
    ag->since[kind] = since;
    o = opt(args, 4, "req");
    if (o) {
        (void) snprintf(ag->request[kind], sizeof(ag->request[kind]), "%s",
                        strcmp(o, "-") == 0 ? "" : o);
    }
    read_details(h, ag, args, 4);
    feed_state(h, node, kind, ag->values[kind], epoch, seq, since, flag(args, 4, "retained"));
}

static SbStatus status_of(const char *s)
{
    int v = sb_enum_from_string(SB_ENUM_STATUS, s, strlen(s));

    assert_true(v >= 1);
    return (SbStatus) v;
}

static void run_status(Harness *h, const Args *args)
{
    uint32_t node;
    const char *o;

    assert_true(args->n >= 3);
    node = (uint32_t) number(args->words[1]);
    o = opt(args, 3, "epoch");
    if (!o && node <= HARNESS_NODES_MAX) {
        h->agents[node].down = status_of(args->words[2]) != SB_STATUS_ONLINE;
    }
    feed_status(h, node, status_of(args->words[2]), o ? number(o) : h->agents[node].epoch,
                flag(args, 3, "retained"));
}

static void run_heartbeat(Harness *h, const Args *args)
{
    CoordEvent ev = { .kind = COORD_EV_NODE_HEARTBEAT };
    const char *o;

    assert_true(args->n >= 2);
    ev.node = (uint32_t) number(args->words[1]);
    o = opt(args, 2, "epoch");
    ev.heartbeat = (SbHeartbeatMsg){
        .node = ev.node,
        .epoch = o ? number(o) : h->agents[ev.node].epoch,
        .seq = 1,
        .time_ms = h->now_ms,
    };
    /* offset=<ms>: the node's clock runs that far from ours (may be negative). */
    o = opt(args, 2, "offset");
    if (o) {
        ev.heartbeat.time_ms = (uint64_t) ((int64_t) h->now_ms + strtoll(o, NULL, 10));
    }
    harness_feed(h, &ev);
}

static void run_request(Harness *h, const Args *args)
{
    CoordEvent ev = { .kind = COORD_EV_REQUEST };
    const char *o;
    int v;

    assert_true(args->n >= 3);
    v = sb_enum_from_string(SB_ENUM_TARGET, args->words[1], strlen(args->words[1]));
    ev.target = v > 0 ? (SbTarget) v : SB_TARGET_NONE;
    v = sb_enum_from_string(SB_ENUM_TRANSITION, args->words[2], strlen(args->words[2]));
    ev.request.transition = v > 0 ? (SbTransition) v : SB_TRANSITION_NONE;
    o = opt(args, 3, "id");
    if (o) {
        (void) snprintf(ev.request.id, sizeof(ev.request.id), "%s", o);
    }
    o = opt(args, 3, "nodes");
    for (const char *p = o; p && *p && ev.request.n_nodes < SB_COMMAND_NODES_MAX;) {
        char *end = NULL;

        ev.request.nodes[ev.request.n_nodes++] = (uint32_t) strtoul(p, &end, 10);
        p = *end == ',' ? end + 1 : end;
    }
    o = opt(args, 3, "reply");
    if (o) {
        (void) snprintf(ev.reply_to.topic, sizeof(ev.reply_to.topic), "%s", o);
        ev.reply_to.correlation[0] = 0xab;
        ev.reply_to.correlation[1] = 0x01;
        ev.reply_to.correlation_len = 2;
    }
    harness_feed(h, &ev);
}

/* setting <name> <value...>: the rest of the line as an operator's payload, decoded as the shell
 * does (sb_setting_decode with bare values allowed); the line fails the test if it does not
 * decode. */
static void run_setting(Harness *h, const char *input)
{
    CoordEvent ev = { .kind = COORD_EV_SETTING };
    char name[64];
    const char *value, *why = NULL;
    int n = 0, v;

    assert_int_equal(sscanf(input, "setting %63s %n", name, &n), 1);
    assert_true(n > 0);
    value = input + n;
    v = sb_enum_from_string(SB_ENUM_SETTING_NAME, name, strlen(name));
    if (v < 1) {
        fail_msg("unknown setting '%s'", name);
    }
    if (sb_setting_decode(value, strlen(value), (SbSettingName) v, true, &ev.setting, &why) < 0) {
        fail_msg("setting '%s' does not decode: %s", value, why ? why : "?");
    }
    (void) snprintf(ev.reply_to.topic, sizeof(ev.reply_to.topic), "statebus/system/reply/set");
    harness_feed(h, &ev);
}

static void run_raw_node(Harness *h, const Args *args)
{
    uint32_t node;

    assert_true(args->n >= 3);
    node = (uint32_t) number(args->words[1]);
    if (strcmp(args->words[2], "state") == 0) {
        feed_state(h, node, SB_KIND_BMC, SB_BMC_READY, 1, 1, h->now_ms, false);
    } else {
        feed_status(h, node, SB_STATUS_ONLINE, 1, false);
    }
}

static void run_advance(Harness *h, uint64_t ms)
{
    uint64_t target = h->now_ms + ms;

    /* The shell's timer fires at the time the core asked for. */
    while (h->armed_at_ms != 0 && h->armed_at_ms <= target) {
        CoordEvent ev = { .kind = COORD_EV_TIMER };

        h->now_ms = h->armed_at_ms > h->now_ms ? h->armed_at_ms : h->now_ms;
        h->armed_at_ms = 0;
        harness_feed(h, &ev);
    }
    h->now_ms = target;
}

static void run_simple(Harness *h, CoordEventKind kind)
{
    CoordEvent ev = { .kind = kind };

    harness_feed(h, &ev);
}

static void run_input(Harness *h, const char *input);

const char *harness_feed_described(Harness *h, CoordEvent *ev)
{
    captured_of(h)->n = 0;
    (void) harness_feed(h, ev);
    describe_items(captured_of(h)->items, captured_of(h)->n, h->described, sizeof(h->described));
    return h->described;
}

const char *harness_run(Harness *h, const char *input)
{
    captured_of(h)->n = 0;
    run_input(h, input);
    describe_items(captured_of(h)->items, captured_of(h)->n, h->described, sizeof(h->described));
    return h->described;
}

static void run_input(Harness *h, const char *input)
{
    char line[512];
    Args args;
    const char *cmd;

    (void) snprintf(line, sizeof(line), "%s", input);
    split(line, &args);
    assert_true(args.n >= 1);
    cmd = args.words[0];
    if (strcmp(cmd, "connect") == 0) {
        run_simple(h, COORD_EV_CONNECTED);
    } else if (strcmp(cmd, "disconnect") == 0) {
        run_simple(h, COORD_EV_DISCONNECTED);
    } else if (strcmp(cmd, "timer") == 0) {
        run_simple(h, COORD_EV_TIMER);
    } else if (strcmp(cmd, "advance") == 0) {
        assert_true(args.n == 2);
        run_advance(h, number(args.words[1]));
    } else if (strcmp(cmd, "birth") == 0) {
        run_birth(h, &args, true);
    } else if (strcmp(cmd, "rebirth") == 0) {
        run_birth(h, &args, false);
    } else if (strcmp(cmd, "state") == 0) {
        run_state(h, &args);
    } else if (strcmp(cmd, "status") == 0) {
        run_status(h, &args);
    } else if (strcmp(cmd, "heartbeat") == 0) {
        run_heartbeat(h, &args);
    } else if (strcmp(cmd, "request") == 0) {
        run_request(h, &args);
    } else if (strcmp(cmd, "raw-node") == 0) {
        run_raw_node(h, &args);
    } else if (strcmp(cmd, "setting") == 0) {
        run_setting(h, input);
    } else if (strcmp(cmd, "deaf") == 0) {
        assert_true(args.n == 2);
        h->agents[number(args.words[1])].deaf = true;
    } else if (strcmp(cmd, "probe") == 0) {
        CoordEvent echo = { .kind = COORD_EV_PROBE, .probe = h->probe_held };

        if (args.n == 2) {
            echo.probe = number(args.words[1]); /* an older probe, by its number */
        } else {
            assert_true(h->probe_held != 0);
            h->probe_held = 0;
        }
        (void) harness_feed(h, &echo);
    } else if (strcmp(cmd, "drained") == 0) {
        run_simple(h, COORD_EV_DRAINED);
    } else if (strcmp(cmd, "backlog") == 0) {
        assert_true(args.n >= 2);
        h->feeding_backlog = true;
        run_input(h, input + strlen("backlog "));
        h->feeding_backlog = false;
    } else {
        fail_msg("unknown script input '%s'", input);
    }
}

void harness_script(Harness *h, const ScriptLine *lines, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *got = harness_run(h, lines[i].input);

        if (lines[i].expect && strcmp(got, lines[i].expect) != 0) {
            fail_msg("line %zu '%s':\n  expected '%s'\n  got      '%s'", i + 1, lines[i].input,
                     lines[i].expect, got);
        }
    }
}

size_t harness_count(const Harness *h, CoordActionKind kind)
{
    const Captured *cap = captured_of(h);
    size_t n = 0;

    for (size_t i = 0; i < cap->n; i++) {
        n += cap->items[i].kind == kind;
    }
    return n;
}

const CoordAction *harness_find_event(const Harness *h, SbEventKind kind, const char *id)
{
    const Captured *cap = captured_of(h);

    for (size_t i = 0; i < cap->n; i++) {
        const CoordAction *a = &cap->items[i];

        if (a->kind == COORD_ACT_PUBLISH_EVENT && a->event.kind == kind &&
            (!id || strcmp(a->event.id, id) == 0)) {
            return a;
        }
    }
    return NULL;
}

const CoordAction *harness_find_dispatch(const Harness *h, SbTarget target)
{
    const Captured *cap = captured_of(h);

    for (size_t i = 0; i < cap->n; i++) {
        if (cap->items[i].kind == COORD_ACT_DISPATCH && cap->items[i].target == target) {
            return &cap->items[i];
        }
    }
    return NULL;
}

size_t harness_dispatch_nodes(const Harness *h, const CoordAction *a, uint32_t *nodes, size_t max)
{
    const Captured *cap = captured_of(h);
    size_t i = (size_t) (a - cap->items), n;

    assert_true(i < cap->n);
    n = cap->n_dispatch_nodes[i];
    for (size_t j = 0; j < n && j < max && j < HARNESS_NODES_MAX; j++) {
        nodes[j] = cap->dispatch_nodes[i][j];
    }
    return n;
}

bool harness_rollup_published(const Harness *h, SbStateKind kind)
{
    const Captured *cap = captured_of(h);

    for (size_t i = 0; i < cap->n; i++) {
        if (cap->items[i].kind == COORD_ACT_PUBLISH_ROLLUP && cap->items[i].state_kind == kind) {
            return true;
        }
    }
    return false;
}

void harness_bring_up(Harness *h)
{
    char input[64];

    (void) harness_run(h, "connect");
    (void) snprintf(input, sizeof(input), "birth 1-%" PRIu32, h->cfg.nodes);
    (void) harness_run(h, input);
}

const CoordAction *harness_find_setting(const Harness *h, SbSettingName name)
{
    const Captured *cap = captured_of(h);

    for (size_t i = 0; i < cap->n; i++) {
        if (cap->items[i].kind == COORD_ACT_PUBLISH_SETTING && cap->items[i].setting == name) {
            return &cap->items[i];
        }
    }
    return NULL;
}

const CoordAction *harness_find_event_kind(const Harness *h, SbEventKind kind, size_t nth)
{
    const Captured *cap = captured_of(h);

    for (size_t i = 0; i < cap->n; i++) {
        const CoordAction *a = &cap->items[i];

        if (a->kind == COORD_ACT_PUBLISH_EVENT && a->event.kind == kind && nth-- == 0) {
            return a;
        }
    }
    return NULL;
}

Harness *harness_restart(Harness *h, uint64_t later_ms)
{
    size_t size = coord_snapshot_size_max(h->c);
    char *buf = malloc(size);
    const char *why = NULL;
    Harness *h2;
    int n;

    assert_non_null(buf);
    n = coord_snapshot_encode(h->c, buf, size);
    assert_true(n > 0);
    h2 = harness_new(&h->cfg);
    h2->now_ms = h->now_ms + later_ms;
    h2->next_epoch = h->next_epoch;
    memcpy(h2->agents, h->agents, sizeof(h->agents));
    if (coord_snapshot_restore(h2->c, buf, (size_t) n, h2->now_ms, &why) != 0) {
        fail_msg("restore failed: %s", why ? why : "?");
    }
    free(buf);
    harness_free(h);
    return h2;
}
