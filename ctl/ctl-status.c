/* SPDX-License-Identifier: Apache-2.0 */
/*
 * state / status: the status summary of a system (README.md "Operators", man statebusctl).
 * Subscribes to <root>/system/# and <root>/node/+/+, waits until the broker has delivered the
 * retained messages (bounded by --timeout) and prints obmcutil's four D-Bus lines, then the
 * coordinator (online or not, since when), the gate and what it waits for, the queued, active
 * and last requests with why, the settings, and a grid of the nodes. --json prints the same as
 * one object. Exit 0; 4 when the coordinator is not online (everything shown is its last view);
 * 1 when nothing is retained at all.
 *
 * settings / get-policy: the settings section alone.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "statebus/payload.h"
#include "statebus/topic.h"

#include "ctl-format.h"
#include "ctl-mqtt.h"
#include "ctl.h"
#include "text-util.h"
#include "time-util.h"

/* The grid lists this many nodes; the rest are counted (--node N shows one). */
#define GRID_ROWS_MAX 64

typedef struct NodeRow {
    bool have_status;
    SbStatus status;
    uint64_t epoch;
    bool have[SB_KIND_NODE_COUNT];
    int state[SB_KIND_NODE_COUNT];
    uint64_t last_ms; /* newest time from the node: status, states' since, heartbeats */
} NodeRow;

typedef struct Retained {
    bool have;
    char payload[SB_PAYLOAD_MAX + 1];
    size_t len;
} Retained;

typedef struct Status {
    const CtlOptions *o;
    char root[SB_TOPIC_MAX + 1]; /* "statebus/<system>/" */
    Retained status, requests, power_restore;
    Retained rollup[SB_KIND_COUNT];
    Retained setting[SB_SETTING_COUNT];
    NodeRow nodes[SB_NODES_MAX + 1];
    uint32_t max_node; /* highest node number heard */
    bool color;
} Status;

static void keep(Retained *r, const struct mosquitto_message *msg)
{
    if (msg->payloadlen <= 0 || (size_t) msg->payloadlen > SB_PAYLOAD_MAX) {
        r->have = false; /* a cleared or oversized value: nothing usable */
        return;
    }
    r->have = true;
    r->len = (size_t) msg->payloadlen;
    memcpy(r->payload, msg->payload, r->len);
    r->payload[r->len] = '\0';
}

static uint64_t newest(uint64_t a, uint64_t b)
{
    return a > b ? a : b;
}

static void on_node_message(Status *st, const SbTopic *t, const struct mosquitto_message *msg)
{
    NodeRow *row = &st->nodes[t->node];
    size_t len = (size_t) msg->payloadlen;
    SbHeartbeatMsg hb;
    SbStatusMsg sm;
    SbStateMsg s;

    if (msg->payloadlen <= 0 || len > SB_PAYLOAD_MAX) {
        return;
    }
    switch (t->kind) {
    case SB_TOPIC_NODE_STATUS:
        if (sb_status_decode(msg->payload, len, &sm, NULL) < 0) {
            return;
        }
        row->have_status = true;
        row->status = sm.status;
        row->epoch = sm.epoch;
        row->last_ms = newest(row->last_ms, sm.time_ms);
        break;
    case SB_TOPIC_NODE_STATE:
        if ((unsigned) t->state_kind >= SB_KIND_NODE_COUNT ||
            sb_state_decode(msg->payload, len, t->state_kind, &s, NULL) < 0) {
            return;
        }
        row->have[t->state_kind] = true;
        row->state[t->state_kind] = s.state;
        row->last_ms = newest(row->last_ms, s.since_ms);
        break;
    case SB_TOPIC_NODE_HEARTBEAT:
        if (sb_heartbeat_decode(msg->payload, len, &hb, NULL) < 0) {
            return;
        }
        row->last_ms = newest(row->last_ms, hb.time_ms);
        break;
    default:
        return;
    }
    st->max_node = t->node > st->max_node ? t->node : st->max_node;
}

static void on_status_message(const struct mosquitto_message *msg,
                              const mosquitto_property *props,
                              void *userdata)
{
    Status *st = userdata;
    SbTopic t;

    (void) props;
    if (!msg->topic || sb_topic_parse(msg->topic, strlen(msg->topic), &t) < 0 ||
        strcmp(t.system, st->o->system) != 0) {
        return;
    }
    switch (t.kind) {
    case SB_TOPIC_SYSTEM_STATUS:
        keep(&st->status, msg);
        return;
    case SB_TOPIC_SYSTEM_REQUESTS:
        keep(&st->requests, msg);
        return;
    case SB_TOPIC_SYSTEM_POWER_RESTORE:
        keep(&st->power_restore, msg);
        return;
    case SB_TOPIC_SYSTEM_ROLLUP:
        if ((unsigned) t.state_kind < SB_KIND_COUNT) {
            keep(&st->rollup[t.state_kind], msg);
        }
        return;
    case SB_TOPIC_SETTING:
        if (t.setting > SB_SETTING_NONE && t.setting < SB_SETTING_COUNT) {
            keep(&st->setting[t.setting], msg);
        }
        return;
    case SB_TOPIC_NODE_STATUS:
    case SB_TOPIC_NODE_STATE:
    case SB_TOPIC_NODE_HEARTBEAT:
        if (t.node >= 1 && t.node <= SB_NODES_MAX) {
            on_node_message(st, &t, msg);
        }
        return;
    default:
        return;
    }
}

/* ---- text helpers --------------------------------------------------------------------------- */

/* Green for what is well, red for what needs a person or is not there, yellow for on the way. */
static const char *color_of(const char *word)
{
    static const char *const good[] = { "Ready",  "On",   "Running",  "OSRunning",
                                        "online", "open", "completed" };
    static const char *const bad[] = { "NotReady", "Quiesced", "lost",    "offline",
                                       "closed",   "failed",   "stale",   "LOST",
                                       "OFFLINE",  "expired",  "Unknown", "DiagnosticMode" };

    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        if (strcmp(word, good[i]) == 0) {
            return "\033[32m";
        }
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (strcmp(word, bad[i]) == 0) {
            return "\033[31m";
        }
    }
    /* On the way: a transition, a request that waits for the gate or for power-restore-delay. */
    return strncmp(word, "Transitioning", 13) == 0 || strcmp(word, "queued") == 0 ||
                           strcmp(word, "delayed") == 0
                   ? "\033[33m"
                   : NULL;
}

/* word padded to width (0: no padding), colored when st->color. */
static void put_word(const Status *st, const char *word, int width)
{
    const char *c = st->color ? color_of(word) : NULL;
    int pad = width - (int) strlen(word);

    printf("%s%s%s%*s", c ? c : "", word, c ? "\033[0m" : "", pad > 0 ? pad : 0, "");
}

/* "22:00:00 local, 2026-12-02T22:00:00+01:00": local wall time and ISO 8601 with the offset. */
static void format_local_iso(char *buf, size_t size, uint64_t unix_s, bool with_date)
{
    time_t s = (time_t) unix_s;
    char hms[32], iso[40], off[8];
    struct tm tm;

    if (!localtime_r(&s, &tm) ||
        strftime(hms, sizeof(hms), with_date ? "%Y-%m-%d %H:%M:%S" : "%H:%M:%S", &tm) == 0 ||
        strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%S", &tm) == 0 ||
        strftime(off, sizeof(off), "%z", &tm) != 5) {
        (void) snprintf(buf, size, "%" PRIu64, unix_s);
        return;
    }
    /* %z is +hhmm; ISO 8601's extended form, which date -d and most parsers read, is +hh:mm. */
    (void) snprintf(buf, size, "%s local, %s%.3s:%.2s", hms, iso, off, off + 3);
}

static void format_ago(char *buf, size_t size, uint64_t then_ms, uint64_t now_ms)
{
    uint64_t s = now_ms > then_ms ? (now_ms - then_ms) / 1000u : 0;

    if (s < 120) {
        (void) snprintf(buf, size, "%" PRIu64 " s ago", s);
    } else if (s < 7200) {
        (void) snprintf(buf, size, "%" PRIu64 " min ago", s / 60);
    } else if (s < 172800) {
        (void) snprintf(buf, size, "%" PRIu64 " h ago", s / 3600);
    } else {
        (void) snprintf(buf, size, "%" PRIu64 " days ago", s / 86400);
    }
}

/* ---- sections ------------------------------------------------------------------------------ */

/* Returns whether the coordinator is online (its values are current). */
static bool print_coordinator(const Status *st, uint64_t now_ms)
{
    char when[96], ago[32];
    SbStatusMsg m;

    printf("%-13s", "coordinator");
    if (!st->status.have || sb_status_decode(st->status.payload, st->status.len, &m, NULL) < 0) {
        put_word(st, "LOST", 0);
        printf(" (no status retained: never started on this broker, or its status was cleared);"
               " nothing below is current\n");
        return false;
    }
    format_local_iso(when, sizeof(when), m.time_ms / 1000u, true);
    format_ago(ago, sizeof(ago), m.time_ms, now_ms);
    switch (m.status) {
    case SB_STATUS_ONLINE:
        put_word(st, "online", 0);
        printf(" since %s (%s)\n", when, ago);
        return true;
    case SB_STATUS_OFFLINE:
        put_word(st, "OFFLINE", 0);
        printf(" (stopped cleanly) since %s (%s)\n", when, ago);
        break;
    default:
        /* The Will is composed at connect: its time is when that connection began. */
        put_word(st, "LOST", 0);
        printf(" (its Last Will: the connection made at %s dropped)\n", when);
        break;
    }
    printf("%-13s", "");
    put_word(st, "stale", 0);
    printf(": everything below is the coordinator's last published view, possibly out of date;"
           " nothing is gated or dispatched until it is back\n");
    return false;
}

static void
print_request_line(const Status *st, const SbRequestInfo *r, uint64_t now_ms, const char *label)
{
    const char *phase = ctl_request_phase_word(r);
    char when[32], ago[32], nodes[160] = "";
    size_t len = 0;

    ctl_format_clock(when, sizeof(when), r->since_ms);
    when[8] = '\0'; /* HH:MM:SS */
    format_ago(ago, sizeof(ago), r->since_ms, now_ms);
    printf("%-13s", label);
    put_word(st, phase, r->not_before_ms != 0 ? 8 : 7); /* "delayed" needs its space */
    printf("%s %s id=%s", sb_target_topic_name(r->target) ? sb_target_topic_name(r->target) : "?",
           sb_enum_to_string(SB_ENUM_TRANSITION, (int) r->transition)
                   ? sb_enum_to_string(SB_ENUM_TRANSITION, (int) r->transition)
                   : "?",
           r->id);
    if (r->phase == SB_REQUEST_DONE) {
        const char *result = sb_enum_to_string(SB_ENUM_EVENT_KIND, (int) r->result);

        printf(" ");
        put_word(st, result ? result : "?", 0);
        printf(" at %s (%s)", when, ago);
    } else {
        printf(" since %s (%s)", when, ago);
    }
    if (r->not_before_ms != 0) {
        char until[32];

        ctl_format_clock(until, sizeof(until), r->not_before_ms);
        until[8] = '\0';
        printf(" until %s", until);
    }
    for (size_t i = 0; i < r->n_nodes && i < 16; i++) {
        int w = snprintf(nodes + len, sizeof(nodes) - len, "%s%u", i ? "," : "", r->nodes[i]);
        len += w > 0 ? (size_t) w : 0;
    }
    if (r->why[0]) {
        printf(": %s", r->why);
    } else if (nodes[0]) {
        printf(": nodes %s", nodes);
    }
    printf("\n");
}

/* The gate line: open, or closed with the nodes it waits for. */
static void print_gate(const Status *st, const SbRequestsMsg *m)
{
    printf("%-13s", "gate");
    put_word(st, m->gate_open ? "open" : "closed", 0);
    if (!m->gate_open) {
        printf(": waiting for BMC Ready on %s ", m->not_ready == 1 ? "node" : "nodes");
        for (size_t i = 0; i < m->n_waiting_for && i < 32; i++) {
            printf("%s%u", i ? "," : "", m->waiting_for[i]);
        }
        if (m->not_ready > m->n_waiting_for) {
            printf(" and %zu more", (size_t) m->not_ready - m->n_waiting_for);
        }
        printf(" (power-ons wait; Off and BMC reboots go through)");
    }
    printf("\n");
}

static void print_requests(const Status *st, uint64_t now_ms)
{
    static SbRequestsMsg m;
    bool any = false;

    if (!st->requests.have ||
        sb_requests_decode(st->requests.payload, st->requests.len, &m, NULL) < 0) {
        printf("%-13sunknown (no system/requests retained)\n", "gate");
        return;
    }
    print_gate(st, &m);
    for (size_t i = 0; i < m.n_requests && i < SB_REQUESTS_MAX; i++) {
        any = any || m.requests[i].phase != SB_REQUEST_DONE;
    }
    if (!any) {
        printf("%-13snone queued or active\n", "requests");
    }
    for (int phase = SB_REQUEST_PENDING; phase <= SB_REQUEST_DONE; phase++) {
        for (size_t i = 0; i < m.n_requests && i < SB_REQUESTS_MAX; i++) {
            if ((int) m.requests[i].phase == phase) {
                print_request_line(st, &m.requests[i], now_ms, any ? "requests" : "");
                any = false;
            }
        }
    }
}

static bool setting_value(const Status *st, SbSettingName name, SbSettingValue *v)
{
    const Retained *r = &st->setting[name];

    return r->have && sb_setting_decode(r->payload, r->len, name, false, v, NULL) >= 0;
}

static const char *policy_name(SbRestorePolicy p)
{
    return sb_enum_name_or(SB_ENUM_RESTORE_POLICY, (int) p, "?");
}

static void print_settings(const Status *st, uint64_t now_ms)
{
    SbSettingValue v;
    char when[96];

    printf("%-13s", "settings");
    printf("power-restore-policy %s", setting_value(st, SB_SETTING_POWER_RESTORE_POLICY, &v)
                                              ? policy_name(v.policy)
                                              : "(not retained)");
    printf(", one-time %s", setting_value(st, SB_SETTING_POWER_RESTORE_ONE_TIME, &v)
                                    ? policy_name(v.policy)
                                    : "(not retained)");
    if (setting_value(st, SB_SETTING_POWER_RESTORE_DELAY, &v)) {
        printf(", delay %" PRIu32 " s\n", v.delay_s);
    } else {
        printf(", delay (not retained)\n");
    }
    printf("%-13s", "");
    if (!setting_value(st, SB_SETTING_SCHEDULED_TRANSITION, &v)) {
        printf("schedule (not retained)\n");
    } else if (!v.scheduled) {
        printf("schedule none\n");
    } else {
        uint64_t now_s = now_ms / 1000u;

        format_local_iso(when, sizeof(when), v.scheduled_time_s, true);
        printf("schedule host %s at %s",
               sb_enum_to_string(SB_ENUM_TRANSITION, (int) v.scheduled_transition)
                       ? sb_enum_to_string(SB_ENUM_TRANSITION, (int) v.scheduled_transition)
                       : "?",
               when);
        if (v.scheduled_time_s > now_s) {
            uint64_t in = v.scheduled_time_s - now_s;
            printf(" (in %" PRIu64 " h %02" PRIu64 " min)", in / 3600, (in % 3600) / 60);
        }
        printf("\n");
    }
}

static void print_extras(const Status *st)
{
    static SbPowerRestoreMsg pr;
    static SbRollupMsg hv;
    char line[1024];

    if (st->power_restore.have &&
        sb_power_restore_decode(st->power_restore.payload, st->power_restore.len, &pr, NULL) >= 0) {
        ctl_format_power_restore(line, sizeof(line), &pr);
        printf("%-13s%s\n", "last restore", line + strlen("power-restore: "));
    }
    if (st->rollup[SB_KIND_HYPERVISOR].have &&
        sb_rollup_decode(st->rollup[SB_KIND_HYPERVISOR].payload, st->rollup[SB_KIND_HYPERVISOR].len,
                         SB_KIND_HYPERVISOR, &hv, NULL) >= 0) {
        printf("%-13s%s", "hypervisor", ctl_state_name(SB_KIND_HYPERVISOR, hv.state));
        if (hv.n_nodes > 0) {
            printf(" (node %u)", hv.nodes[0].node);
        }
        printf("\n");
    }
}

static bool node_is_stale(const NodeRow *row, bool coordinator_online)
{
    return !coordinator_online || !row->have_status || row->status != SB_STATUS_ONLINE;
}

static void print_grid(const Status *st, uint32_t expected, bool coordinator_online)
{
    static const int widths[SB_KIND_NODE_COUNT] = { 17, 19, 23, 19 };
    uint32_t last = expected > st->max_node ? expected : st->max_node, shown = 0;

    printf("\n%5s  %-8s %-17s%-19s%-23s%-19s%s\n", "node", "status", "BMC", "chassis", "host",
           "boot progress", "last heard");
    for (uint32_t n = 1; n <= last && n <= SB_NODES_MAX; n++) {
        const NodeRow *row = &st->nodes[n];
        char clock[32];

        if (shown == GRID_ROWS_MAX) {
            printf("%5s  ... %u more nodes: statebusctl --node N state\n", "", last - n + 1);
            break;
        }
        shown++;
        printf("%5u  ", n);
        put_word(st,
                 row->have_status ? sb_enum_to_string(SB_ENUM_STATUS, (int) row->status) : "never",
                 9);
        for (int k = 0; k < SB_KIND_NODE_COUNT; k++) {
            /* The gate's view: a BMC whose node is not online is not usable (topics/README.md
             * "Rollup policy"), whatever its last retained value says. */
            const char *s = row->have[k] ? ctl_state_name((SbStateKind) k, row->state[k]) : "-";

            if (k == SB_KIND_BMC && row->have[k] && node_is_stale(row, true) &&
                row->state[k] == SB_BMC_READY) {
                s = "NotReady";
            }
            put_word(st, s, widths[k]);
        }
        if (row->last_ms) {
            ctl_format_clock(clock, sizeof(clock), row->last_ms);
            clock[8] = '\0';
        } else {
            (void) snprintf(clock, sizeof(clock), "-");
        }
        if (node_is_stale(row, coordinator_online)) {
            printf("%-9s ", clock);
            put_word(st, "stale", 0);
        } else {
            printf("%s", clock);
        }
        printf("\n");
    }
}

static CtlExit status_print_text(Status *st)
{
    static SbRollupMsg rollups[SB_KIND_NODE_COUNT];
    bool have_rollup[SB_KIND_NODE_COUNT] = { false };
    uint64_t now_ms = now_unix_ms();
    uint32_t expected = 0;
    bool online, any = false;
    char line[256];

    for (int k = 0; k < SB_KIND_NODE_COUNT; k++) {
        const Retained *r = &st->rollup[k];

        have_rollup[k] = r->have && sb_rollup_decode(r->payload, r->len, (SbStateKind) k,
                                                     &rollups[k], NULL) >= 0;
        if (have_rollup[k]) {
            ctl_format_dbus_line(line, sizeof(line), (SbStateKind) k, rollups[k].state);
            printf("%s\n", line);
            expected = rollups[k].expected > expected ? rollups[k].expected : expected;
            any = true;
        } else {
            (void) fprintf(stderr, "statebusctl: no system/%s rollup retained\n",
                           sb_state_kind_topic_name((SbStateKind) k));
        }
    }
    printf("\nsystem '%s'", st->o->system);
    if (expected) {
        printf(", %u %s", expected, expected == 1 ? "node" : "nodes");
    }
    printf("\n");
    online = print_coordinator(st, now_ms);
    print_requests(st, now_ms);
    print_settings(st, now_ms);
    print_extras(st);
    print_grid(st, expected, online);
    (void) fflush(stdout);
    if (!any && !st->status.have) {
        (void) fprintf(stderr, "statebusctl: nothing retained for system '%s' on this broker\n",
                       st->o->system);
        return CTL_EXIT_FAILURE;
    }
    return online ? CTL_EXIT_OK : CTL_EXIT_STALE;
}

/* ---- JSON ----------------------------------------------------------------------------------- */

static void add_retained(cJSON *obj, const char *key, const Retained *r)
{
    cJSON *item;

    if (!r->have) {
        return; /* not published: left out rather than null */
    }
    item = cJSON_ParseWithLength(r->payload, r->len);
    (void) cJSON_AddItemToObject(obj, key, item ? item : cJSON_CreateNull());
}

/* One node's entry of --json's "nodes" object; false when out of memory. */
static bool add_node_json(cJSON *nodes, uint32_t n, const NodeRow *row, bool online)
{
    cJSON *o;
    char key[16];

    (void) snprintf(key, sizeof(key), "%u", n);
    o = cJSON_AddObjectToObject(nodes, key);
    if (!o) {
        return false;
    }
    if (row->have_status) {
        (void) cJSON_AddStringToObject(o, "status",
                                       sb_enum_to_string(SB_ENUM_STATUS, (int) row->status));
    }
    for (int k = 0; k < SB_KIND_NODE_COUNT; k++) {
        if (row->have[k]) {
            (void) cJSON_AddStringToObject(o, sb_state_kind_topic_name((SbStateKind) k),
                                           ctl_state_name((SbStateKind) k, row->state[k]));
        }
    }
    (void) cJSON_AddNumberToObject(o, "last_heard", (double) row->last_ms);
    (void) cJSON_AddBoolToObject(o, "stale", node_is_stale(row, online));
    return true;
}

static CtlExit status_print_json(const Status *st, bool settings_only)
{
    cJSON *all = cJSON_CreateObject(), *settings = cJSON_CreateObject(), *nodes = NULL;
    bool online = false;
    SbStatusMsg m;
    char *text;

    if (st->status.have && sb_status_decode(st->status.payload, st->status.len, &m, NULL) >= 0) {
        online = m.status == SB_STATUS_ONLINE;
    }
    for (int n = SB_SETTING_NONE + 1; settings && n < SB_SETTING_COUNT; n++) {
        add_retained(settings, sb_setting_topic_name((SbSettingName) n), &st->setting[n]);
    }
    if (all && settings) {
        (void) cJSON_AddItemToObject(all, "settings", settings);
        settings = NULL;
    }
    if (all && !settings_only) {
        (void) cJSON_AddBoolToObject(all, "stale", !online);
        add_retained(all, "status", &st->status);
        for (int k = 0; k < SB_KIND_COUNT; k++) {
            add_retained(all, sb_state_kind_topic_name((SbStateKind) k), &st->rollup[k]);
        }
        add_retained(all, "requests", &st->requests);
        add_retained(all, "power-restore", &st->power_restore);
        nodes = cJSON_AddObjectToObject(all, "nodes");
        for (uint32_t n = 1; nodes && n <= st->max_node; n++) {
            if (!add_node_json(nodes, n, &st->nodes[n], online)) {
                break;
            }
        }
    }
    cJSON_Delete(settings);
    text = all ? cJSON_PrintUnformatted(all) : NULL;
    cJSON_Delete(all);
    if (!text) {
        (void) fprintf(stderr, "statebusctl: out of memory\n");
        return CTL_EXIT_FAILURE;
    }
    printf("%s\n", text);
    cJSON_free(text);
    return settings_only || online ? CTL_EXIT_OK : CTL_EXIT_STALE;
}

/* ---- entry points --------------------------------------------------------------------------- */

static int status_collect(Status *st, const CtlOptions *o, bool with_nodes)
{
    char system_filter[SB_TOPIC_MAX + 1], node_filter[SB_TOPIC_MAX + 1];
    const char *filters[2] = { system_filter, node_filter };
    uint64_t deadline = now_mono_ms() + (uint64_t) o->timeout_s * 1000u;
    const char *no_color = getenv("NO_COLOR");
    CtlMqtt *m = NULL;
    int r;

    memset(st, 0, sizeof(*st));
    st->o = o;
    /* NO_COLOR (no-color.org): any non-empty value turns color off. */
    st->color = isatty(STDOUT_FILENO) && !(no_color && no_color[0]) && !o->json;
    if (sb_filter_format(system_filter, sizeof(system_filter), o->system, SB_FILTER_SYSTEM_ALL, 0) <
                0 ||
        sb_filter_format(node_filter, sizeof(node_filter), o->system, SB_FILTER_NODE_TOPICS, 0) <
                0) {
        (void) fprintf(stderr, "statebusctl: cannot build topics for system '%s'\n", o->system);
        return -EINVAL;
    }
    r = ctl_mqtt_connect(o, deadline, on_status_message, st, &m);
    if (r < 0) {
        return r;
    }
    r = ctl_mqtt_subscribe_sync(m, filters, with_nodes ? 2 : 1, deadline);
    m = ctl_mqtt_free(m);
    return r == -ETIMEDOUT ? 0 : r;
}

CtlExit ctl_status(const CtlOptions *o)
{
    static Status st; /* the node table: too large for the stack */

    if (o->node) {
        return ctl_query(o, "state"); /* one node: its states and status (ctl-query.c) */
    }
    if (status_collect(&st, o, true) < 0) {
        return CTL_EXIT_FAILURE;
    }
    return o->json ? status_print_json(&st, false) : status_print_text(&st);
}

CtlExit ctl_settings(const CtlOptions *o)
{
    static Status st;

    if (status_collect(&st, o, false) < 0) {
        return CTL_EXIT_FAILURE;
    }
    if (o->json) {
        return status_print_json(&st, true);
    }
    print_settings(&st, now_unix_ms());
    return CTL_EXIT_OK;
}
