/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The coordinator's whole input path on a fuzzed message sequence: bytes -> MQTT message (topic,
 * payload, retain flag, v5 response topic and correlation data) -> input_translate() -> the core
 * -> actions, with the clock, (dis)connects and the core's timer interleaved. Invariants are in
 * fuzz-coord-check.c.
 *
 * The input is a program of one-byte opcodes with their operands. Besides raw messages, some
 * opcodes build well-formed payloads with our own encoders from a few operand bytes, so that the
 * fuzzer reaches deep core states (a gate opening, requests completing, power restore) instead of
 * spending its time on JSON syntax.
 */
#include <stdio.h>

#include "statebus/payload.h"
#include "statebus/topic.h"

#include "coordinator-input.h"
#include "fuzz-coord-check.h"
#include "fuzz-util.h"

#define START_MS  UINT64_C(1700000000000) /* Nov 2023: any real unix ms */
#define OPS_MAX   512                     /* bounds one input's run time */
#define NODES_MAX 4                       /* small systems reach full gates quickly */
#define RAW_MAX   4200                    /* above SB_PAYLOAD_MAX: oversized payloads too */

typedef struct Reader {
    const uint8_t *p;
    size_t n;
} Reader;

static uint8_t rd_u8(Reader *r)
{
    uint8_t v;

    if (r->n == 0) {
        return 0;
    }
    v = *r->p++;
    r->n--;
    return v;
}

static uint16_t rd_u16(Reader *r)
{
    uint16_t hi = rd_u8(r);

    return (uint16_t) (hi << 8 | rd_u8(r));
}

/* Up to want bytes of the input itself (no copy). */
static size_t rd_bytes(Reader *r, size_t want, const uint8_t **ret)
{
    size_t n = want < r->n ? want : r->n;

    *ret = r->p;
    r->p += n;
    r->n -= n;
    return n;
}

typedef struct Fuzz {
    FuzzCoord fc;
    Reader in;
    char topic[SB_TOPIC_MAX + 64];
    char response_topic[SB_TOPIC_MAX + 64];
    char payload[RAW_MAX + 1];
} Fuzz;

static const char *const ids[] = { "", "a", "b", "r-1", "power-restore-1", "bad id!" };

/* Translates and feeds one message the way coordinator-receive.c does. */
static void deliver(Fuzz *z, const void *payload, size_t len, bool retained, uint8_t props)
{
    static const uint8_t correlation[80] = { 1, 2, 3 };
    InputMessage m = {
        .topic = z->topic,
        .payload = payload,
        .len = len,
        .retained = retained,
        .now_ms = z->fc.now_ms,
    };
    InputResult res;
    CoordEvent ev;

    switch (props & 3u) {
    case 1:
        (void) snprintf(z->response_topic, sizeof(z->response_topic), "statebus/%s/reply/ctl-%u",
                        FUZZ_SYSTEM, props >> 2);
        m.response_topic = z->response_topic;
        break;
    case 2: /* a response topic outside the reply tree must never be answered */
        (void) snprintf(z->response_topic, sizeof(z->response_topic), "statebus/%s/node/1/set/host",
                        FUZZ_SYSTEM);
        m.response_topic = z->response_topic;
        break;
    default:
        break;
    }
    if (props & 0x40u) {
        m.correlation = correlation;
        m.correlation_len = (props & 0x80u) ? sizeof(correlation) : 8;
    }
    input_translate(FUZZ_SYSTEM, &m, &ev, &res);
    switch (res.verdict) {
    case INPUT_FEED:
        fuzz_coord_step(&z->fc, &ev);
        break;
    case INPUT_IGNORE:
    case INPUT_REJECT:
        FUZZ_REQUIRE(res.why != NULL, "an ignored or rejected message says why");
        break;
    default:
        FUZZ_REQUIRE(false, "a known verdict");
    }
    FUZZ_REQUIRE(res.reply_to.topic[0] == '\0' ||
                         input_reply_topic_is_valid(FUZZ_SYSTEM, res.reply_to.topic),
                 "a kept response topic is under <root>/reply/");
}

/* Node numbers 0..nodes+1: 0 and nodes+1 are not expected nodes. */
static uint32_t pick_node(Fuzz *z)
{
    return rd_u8(&z->in) % (z->fc.cfg.nodes + 2);
}

static void node_topic(Fuzz *z, uint32_t node, const char *suffix)
{
    (void) snprintf(z->topic, sizeof(z->topic), "statebus/%s/node/%u/%s", FUZZ_SYSTEM,
                    (unsigned) node, suffix);
}

static void op_state(Fuzz *z)
{
    /* Operands in this order (initializers of one struct are not sequenced). */
    uint8_t b0 = rd_u8(&z->in), b1 = rd_u8(&z->in), b2 = rd_u8(&z->in), b3 = rd_u8(&z->in);
    uint8_t seq = rd_u8(&z->in);
    uint32_t node = pick_node(z);
    SbStateKind kind = (SbStateKind) (b0 % SB_KIND_NODE_COUNT);
    SbStateMsg m = {
        .kind = kind,
        .node = node,
        .state = 1 + b1 % (sb_enum_count(sb_state_kind_enum(kind)) - 1),
        .since_ms = z->fc.now_ms,
        .epoch = 1 + (b2 & 3u),
        .seq = seq,
        .has_ac_loss = kind == SB_KIND_CHASSIS,
        .ac_loss = (b3 & 1u) != 0,
        .bmc_boot_ms = kind == SB_KIND_CHASSIS && (b3 & 2u) ? START_MS + (b3 >> 2) * 1000u : 0,
        .hypervisor = kind == SB_KIND_HOST && (b3 & 4u),
        .last_update_ms = kind == SB_KIND_BOOT_PROGRESS ? z->fc.now_ms : 0,
    };
    int len;

    node_topic(z, (b2 & 0x80u) ? m.node + 1 : m.node, sb_state_kind_topic_name(kind));
    if (m.node == 0) {
        m.node = 1; /* the encoder refuses node 0; the topic still names it */
    }
    len = sb_state_encode(&m, z->payload, sizeof(z->payload));
    if (len > 0) {
        deliver(z, z->payload, (size_t) len, (b2 & 0x40u) != 0, 0);
    }
}

static void op_status(Fuzz *z)
{
    uint8_t b0 = rd_u8(&z->in);
    SbStatusMsg m = {
        .status = (SbStatus) (1 + b0 % 3),
        .epoch = 1 + ((b0 >> 2) & 3u),
        .node = pick_node(z),
        .time_ms = z->fc.now_ms,
    };
    int len;

    node_topic(z, m.node, "status");
    if (m.node == 0) {
        m.node = 1;
    }
    len = sb_status_encode(&m, z->payload, sizeof(z->payload));
    if (len > 0) {
        deliver(z, z->payload, (size_t) len, (b0 & 0x80u) != 0, 0);
    }
}

static void op_heartbeat(Fuzz *z)
{
    uint8_t b0 = rd_u8(&z->in);
    int8_t skew = (int8_t) rd_u8(&z->in);
    SbHeartbeatMsg m = {
        .node = pick_node(z),
        .epoch = 1 + (b0 & 3u),
        .seq = b0 >> 2,
        .time_ms = z->fc.now_ms + (uint64_t) ((int64_t) skew * 100),
    };
    int len;

    node_topic(z, m.node, "heartbeat");
    if (m.node == 0) {
        m.node = 1;
    }
    len = sb_heartbeat_encode(&m, z->payload, sizeof(z->payload));
    if (len > 0) {
        deliver(z, z->payload, (size_t) len, false, 0);
    }
}

static void op_command(Fuzz *z)
{
    uint8_t b0 = rd_u8(&z->in), b1 = rd_u8(&z->in), props = rd_u8(&z->in);
    SbTarget target = (SbTarget) (1 + b0 % 3);
    SbCommand c = { .transition = (SbTransition) (1 + b1 % (SB_TRANSITION_COUNT - 1)) };
    int len;

    (void) snprintf(c.id, sizeof(c.id), "%s", ids[(b0 >> 2) % (sizeof(ids) / sizeof(ids[0]))]);
    c.n_nodes = (b1 >> 4) % 3;
    for (size_t i = 0; i < c.n_nodes; i++) {
        c.nodes[i] = (uint32_t) (i + 1 + ((b1 >> 6) & 1u));
    }
    (void) snprintf(z->topic, sizeof(z->topic), "statebus/%s/system/set/%s", FUZZ_SYSTEM,
                    sb_target_topic_name(target));
    len = (b0 & 0x80u) ? snprintf(z->payload, sizeof(z->payload), " %s\n",
                                  sb_enum_to_string(SB_ENUM_TRANSITION, (int) c.transition))
                       : sb_command_encode(&c, z->payload, sizeof(z->payload));
    if (len > 0) {
        deliver(z, z->payload, (size_t) len, (b1 & 0x08u) != 0, props);
    }
}

static void op_setting(Fuzz *z)
{
    uint8_t b0 = rd_u8(&z->in), props = rd_u8(&z->in);
    int16_t offset_s = (int16_t) rd_u16(&z->in);
    SbSettingValue s = {
        .name = (SbSettingName) (1 + b0 % 4),
        .policy = (SbRestorePolicy) (1 + (b0 >> 2) % 4),
        .delay_s = (uint32_t) (uint16_t) offset_s % 90,
        .scheduled = (b0 & 0x10u) != 0,
        .scheduled_time_s = z->fc.now_ms / 1000 + (uint64_t) (int64_t) offset_s,
        .scheduled_transition = (b0 & 0x20u)
                                        ? SB_TRANSITION_ON
                                        : ((b0 & 0x40u) ? SB_TRANSITION_REBOOT : SB_TRANSITION_OFF),
    };
    int len;

    (void) snprintf(z->topic, sizeof(z->topic), "statebus/%s/system/settings/%s/set", FUZZ_SYSTEM,
                    sb_setting_topic_name(s.name));
    len = sb_setting_encode(&s, z->payload, sizeof(z->payload));
    if (len > 0) {
        deliver(z, z->payload, (size_t) len, (b0 & 0x80u) != 0, props);
    }
}

/* A known topic with raw payload bytes from the input. */
static void op_raw(Fuzz *z)
{
    static const char *const node_suffixes[] = {
        "status", "bmc", "chassis", "host", "boot-progress", "heartbeat", "set/host",
    };
    static const char *const system_suffixes[] = {
        "system/set/chassis",
        "system/set/host",
        "system/set/bmc",
        "system/set/cancel",
        "system/settings/power-restore-policy/set",
        "system/settings/power-restore-delay/set",
        "system/settings/power-restore-one-time/set",
        "system/settings/scheduled-transition/set",
        "system/status",
        "event",
    };
    const size_t n_node = sizeof(node_suffixes) / sizeof(node_suffixes[0]);
    const size_t n_system = sizeof(system_suffixes) / sizeof(system_suffixes[0]);
    uint8_t sel = rd_u8(&z->in), flags = rd_u8(&z->in);
    const uint8_t *payload;
    size_t len;

    if (sel % (n_node + n_system) < n_node) {
        node_topic(z, pick_node(z), node_suffixes[sel % (n_node + n_system)]);
    } else {
        (void) snprintf(z->topic, sizeof(z->topic), "statebus/%s/%s", FUZZ_SYSTEM,
                        system_suffixes[sel % (n_node + n_system) - n_node]);
    }
    len = rd_bytes(&z->in, rd_u16(&z->in) % (RAW_MAX + 1), &payload);
    deliver(z, payload, len, (flags & 0x80u) != 0, flags);
}

/* Any topic at all (NUL-terminated, as libmosquitto hands it over). */
static void op_raw_topic(Fuzz *z)
{
    const uint8_t *bytes, *payload;
    size_t n = rd_bytes(&z->in, rd_u8(&z->in), &bytes), len;

    memcpy(z->topic, bytes, n);
    z->topic[n] = '\0';
    len = rd_bytes(&z->in, rd_u8(&z->in), &payload);
    deliver(z, payload, len, false, rd_u8(&z->in));
}

static CoordConfig config_from(Reader *in)
{
    uint8_t b0 = rd_u8(in), b1 = rd_u8(in);

    return (CoordConfig){
        .nodes = 1 + b0 % NODES_MAX,
        .request_timeout_ms = (b1 & 0x08u) ? 5000 : 0,
        .transition_timeout_ms = 60000,
        .command_ttl_ms = 30000,
        .rebirth_window_ms = (b1 & 0x10u) ? 1000 : 0,
        .when_not_ready = (b1 & 0x01u) ? COORD_WHEN_NOT_READY_REJECT : COORD_WHEN_NOT_READY_QUEUE,
        .allow_partial = (b1 & 0x02u) != 0,
        .schedule_grace_ms = (b1 & 0x20u) ? 0 : 300000,
        .clock_drift_ms = (b1 & 0x40u) ? 2000 : 0,
        .node_restore = (b1 & 0x04u) ? COORD_NODE_RESTORE_REJOIN : COORD_NODE_RESTORE_NONE,
    };
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static Fuzz z;
    CoordConfig cfg;

    z.in = (Reader){ .p = data, .n = size };
    cfg = config_from(&z.in);
    fuzz_coord_init(&z.fc, &cfg, START_MS);
    z.fc.replies_checked = true;
    for (int ops = 0; ops < OPS_MAX && z.in.n > 0; ops++) {
        uint8_t op = rd_u8(&z.in);

        switch (op % 10) {
        case 0:
            fuzz_coord_step(&z.fc, &(CoordEvent){ .kind = COORD_EV_CONNECTED });
            break;
        case 1:
            fuzz_coord_step(&z.fc, &(CoordEvent){ .kind = COORD_EV_DISCONNECTED });
            break;
        case 2:
            fuzz_coord_advance(&z.fc, (uint64_t) rd_u16(&z.in) * 16u);
            break;
        case 3:
            op_state(&z);
            break;
        case 4:
            op_status(&z);
            break;
        case 5:
            op_heartbeat(&z);
            break;
        case 6:
            op_command(&z);
            break;
        case 7:
            op_setting(&z);
            break;
        case 8:
            op_raw(&z);
            break;
        default:
            op_raw_topic(&z);
            break;
        }
    }
    fuzz_coord_done(&z.fc);
    return 0;
}
