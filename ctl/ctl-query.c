/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Queries: state, bmcstate, chassisstate, hoststate, bootprogress. Subscribe to the retained
 * topics, wait until the broker has delivered them (bounded by --timeout), print obmcutil's
 * D-Bus lines plus a detail block, or the raw payloads with --json.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "statebus/payload.h"
#include "statebus/topic.h"

#include "ctl-format.h"
#include "ctl-mqtt.h"
#include "ctl.h"
#include "time-util.h"

/* four states and the node's status, or four rollups, the hypervisor and power-restore */
#define QUERY_SLOTS_MAX (SB_KIND_NODE_COUNT + 2)

typedef struct QuerySlot {
    bool is_status;        /* node/<n>/status; otherwise a state or rollup of .kind */
    bool is_power_restore; /* system/power-restore */
    bool optional;         /* absent is normal: printed when present (hypervisor, power-restore) */
    SbStateKind kind;
    char topic[SB_TOPIC_MAX + 1];
    char payload[SB_PAYLOAD_MAX + 1];
    size_t len;
    bool have;
    bool oversize;
} QuerySlot;

typedef struct Query {
    const CtlOptions *o;
    const struct QueryVerb *verb;
    QuerySlot slots[QUERY_SLOTS_MAX];
    size_t n_slots;
} Query;

typedef struct QueryVerb {
    const char *name;
    int kind; /* SbStateKind, or -1 for all four */
    bool os;  /* osstate: obmcutil's OperatingSystemState, derived from boot progress */
} QueryVerb;

static const QueryVerb query_verbs[] = {
    { "state", -1, false },
    { "bmcstate", SB_KIND_BMC, false },
    { "chassisstate", SB_KIND_CHASSIS, false },
    { "hoststate", SB_KIND_HOST, false },
    { "bootprogress", SB_KIND_BOOT_PROGRESS, false },
    /* statebus carries no OperatingSystem.Status (the host firmware sets it on the node, not
     * the BMC's state machine): osstate says BootComplete once boot progress is OSRunning and
     * Inactive before (man statebusctl). */
    { "osstate", SB_KIND_BOOT_PROGRESS, true },
};

static const QueryVerb *query_verb_find(const char *verb)
{
    for (size_t i = 0; i < sizeof(query_verbs) / sizeof(query_verbs[0]); i++) {
        if (strcmp(query_verbs[i].name, verb) == 0) {
            return &query_verbs[i];
        }
    }
    return NULL;
}

bool ctl_query_handles(const char *verb)
{
    return query_verb_find(verb) != NULL;
}

static int query_add_slot(Query *q, bool is_status, SbStateKind kind)
{
    QuerySlot *s = &q->slots[q->n_slots];
    SbTopic t = { .node = q->o->node, .state_kind = kind };

    (void) snprintf(t.system, sizeof(t.system), "%s", q->o->system);
    if (is_status) {
        t.kind = SB_TOPIC_NODE_STATUS;
    } else {
        t.kind = q->o->node ? SB_TOPIC_NODE_STATE : SB_TOPIC_SYSTEM_ROLLUP;
    }
    *s = (QuerySlot){ .is_status = is_status, .kind = kind };
    if (sb_topic_format(s->topic, sizeof(s->topic), &t) < 0) {
        return -EINVAL;
    }
    q->n_slots++;
    return 0;
}

/* "state" of the system also shows the hypervisor and the last power-restore decision, when the
 * coordinator has published them (no node runs a hypervisor, no AC loss was decided yet). */
static int query_add_system_extras(Query *q)
{
    QuerySlot *hv = &q->slots[q->n_slots], *pr = &q->slots[q->n_slots + 1];
    SbTopic t = { .kind = SB_TOPIC_SYSTEM_ROLLUP, .state_kind = SB_KIND_HYPERVISOR };

    (void) snprintf(t.system, sizeof(t.system), "%s", q->o->system);
    *hv = (QuerySlot){ .kind = SB_KIND_HYPERVISOR, .optional = true };
    *pr = (QuerySlot){ .is_power_restore = true, .optional = true };
    if (sb_topic_format(hv->topic, sizeof(hv->topic), &t) < 0) {
        return -EINVAL;
    }
    t.kind = SB_TOPIC_SYSTEM_POWER_RESTORE;
    if (sb_topic_format(pr->topic, sizeof(pr->topic), &t) < 0) {
        return -EINVAL;
    }
    q->n_slots += 2;
    return 0;
}

static void on_query_message(const struct mosquitto_message *msg,
                             const mosquitto_property *props,
                             void *userdata)
{
    Query *q = userdata;

    (void) props;
    for (size_t i = 0; i < q->n_slots; i++) {
        QuerySlot *s = &q->slots[i];
        if (strcmp(msg->topic, s->topic) != 0) {
            continue;
        }
        s->have = true;
        s->oversize = msg->payloadlen < 0 || (size_t) msg->payloadlen > SB_PAYLOAD_MAX;
        s->len = s->oversize ? 0 : (size_t) msg->payloadlen;
        if (s->len > 0) {
            memcpy(s->payload, msg->payload, s->len);
        }
        s->payload[s->len] = '\0';
        return;
    }
}

/* Decoded view of one slot; false (and a line on stderr) when absent or invalid. */
typedef union QueryValue {
    SbRollupMsg rollup;
    SbStateMsg state;
    SbStatusMsg status;
    SbPowerRestoreMsg power_restore;
} QueryValue;

static bool query_decode(const Query *q, const QuerySlot *s, QueryValue *ret)
{
    const char *why = "payload too large";
    int r = -EMSGSIZE;

    if (!s->have) {
        if (!s->optional) {
            (void) fprintf(stderr, "statebusctl: no state retained on %s\n", s->topic);
        }
        return false;
    }
    if (!s->oversize) {
        if (s->is_power_restore) {
            r = sb_power_restore_decode(s->payload, s->len, &ret->power_restore, &why);
        } else if (s->is_status) {
            r = sb_status_decode(s->payload, s->len, &ret->status, &why);
        } else if (q->o->node) {
            r = sb_state_decode(s->payload, s->len, s->kind, &ret->state, &why);
        } else {
            r = sb_rollup_decode(s->payload, s->len, s->kind, &ret->rollup, &why);
        }
    }
    if (r < 0) {
        (void) fprintf(stderr, "statebusctl: invalid payload on %s: %s\n", s->topic,
                       why ? why : "invalid");
        return false;
    }
    return true;
}

static void print_node_state_detail(const SbStateMsg *m)
{
    char since[32];

    ctl_format_clock(since, sizeof(since), m->since_ms);
    printf("%-14s: %s  since=%s epoch=%llu seq=%llu", sb_state_kind_topic_name(m->kind),
           ctl_state_name(m->kind, m->state), since, (unsigned long long) m->epoch,
           (unsigned long long) m->seq);
    if (m->last_reboot_cause) {
        printf(" last_reboot_cause=%s",
               sb_enum_to_string(SB_ENUM_BMC_REBOOT_CAUSE, m->last_reboot_cause));
    }
    if (m->power_status) {
        printf(" power_status=%s", sb_enum_to_string(SB_ENUM_POWER_STATUS, m->power_status));
    }
    if (m->has_ac_loss) {
        printf(" ac_loss=%s", m->ac_loss ? "yes" : "no");
    }
    if (m->bmc_boot_ms) {
        ctl_format_clock(since, sizeof(since), m->bmc_boot_ms);
        printf(" bmc_boot=%s", since);
    }
    if (m->restart_cause) {
        printf(" restart_cause=%s", sb_enum_to_string(SB_ENUM_RESTART_CAUSE, m->restart_cause));
    }
    if (m->hypervisor) {
        printf(" hypervisor=yes");
    }
    printf("\n");
}

/* Decodes every slot into values/ok; *node_down when the node's status slot is not online.
 * Returns CTL_EXIT_FAILURE when a slot that must be there is missing or undecodable. */
static CtlExit query_decode_all(const Query *q, QueryValue *values, bool *ok, bool *node_down)
{
    CtlExit ret = CTL_EXIT_OK;

    *node_down = false;
    for (size_t i = 0; i < q->n_slots; i++) {
        ok[i] = query_decode(q, &q->slots[i], &values[i]);
        ret = ok[i] || (q->slots[i].optional && !q->slots[i].have) ? ret : CTL_EXIT_FAILURE;
        if (q->slots[i].is_status) {
            *node_down = !ok[i] || values[i].status.status != SB_STATUS_ONLINE;
        }
    }
    return ret;
}

/* obmcutil's lines, one per property (or the OS status line). */
static void
query_print_headlines(const Query *q, const QueryValue *values, const bool *ok, bool node_down)
{
    char line[2048];

    for (size_t i = 0; i < q->n_slots; i++) {
        const QuerySlot *s = &q->slots[i];
        int state = q->o->node ? values[i].state.state : values[i].rollup.state;

        /* obmcutil's lines only for its four properties: a second CurrentHostState line for
         * the hypervisor would confuse scripts that grep for it. */
        if (!ok[i] || s->is_status || s->optional) {
            continue;
        }
        if (q->verb->os) {
            printf("%-20s: xyz.openbmc_project.State.OperatingSystem.Status.OSStatus.%s\n",
                   "OperatingSystemState",
                   state == SB_BOOT_OS_RUNNING ? "BootComplete" : "Inactive");
            continue;
        }
        /* A node that is not online has no usable BMC (topics/README.md "Rollup policy"),
         * whatever its last retained value says: no Ready headline for it. */
        if (node_down && s->kind == SB_KIND_BMC && state == SB_BMC_READY) {
            state = SB_BMC_NOT_READY;
        }
        ctl_format_dbus_line(line, sizeof(line), s->kind, state);
        printf("%s\n", line);
    }
}

/* The detail below the headlines: what the node or system is, then each value in full. */
static void query_print_details(const Query *q, const QueryValue *values, const bool *ok)
{
    char line[2048];

    printf("\n");
    if (q->o->node) {
        printf("node %u", q->o->node);
        for (size_t i = 0; i < q->n_slots; i++) {
            if (ok[i] && q->slots[i].is_status) {
                ctl_format_status(line, sizeof(line), &values[i].status);
                printf(": %s", line);
            }
        }
        printf("\n");
    } else {
        printf("system '%s'\n", q->o->system);
    }
    for (size_t i = 0; i < q->n_slots; i++) {
        if (!ok[i] || q->slots[i].is_status) {
            continue;
        }
        if (q->slots[i].is_power_restore) {
            ctl_format_power_restore(line, sizeof(line), &values[i].power_restore);
            printf("%s\n", line);
        } else if (q->o->node) {
            print_node_state_detail(&values[i].state);
        } else {
            ctl_format_rollup_detail(line, sizeof(line), &values[i].rollup);
            printf("%s", line);
        }
    }
}

static CtlExit query_print_text(const Query *q)
{
    static QueryValue values[QUERY_SLOTS_MAX];
    bool ok[QUERY_SLOTS_MAX];
    bool node_down = false;
    CtlExit ret = query_decode_all(q, values, ok, &node_down);

    query_print_headlines(q, values, ok, node_down);
    if (q->o->node && node_down) {
        (void) fprintf(stderr,
                       "statebusctl: node %u is not online: the values below are its last known"
                       " (stale), its BMC is not usable\n",
                       q->o->node);
        ret = ret == CTL_EXIT_OK ? CTL_EXIT_STALE : ret;
    }
    if (q->verb->os) {
        return ret; /* derived: there is no detail of its own */
    }
    query_print_details(q, values, ok);
    return ret;
}

/* --json: one slot prints its payload as received; several print one object keyed by kind
 * ("bmc", "chassis", "host", "boot-progress", "status"). */
static CtlExit query_print_json(const Query *q)
{
    CtlExit ret = CTL_EXIT_OK;
    cJSON *all = NULL;
    char *text = NULL;

    for (size_t i = 0; i < q->n_slots; i++) {
        static QueryValue v;
        if (!query_decode(q, &q->slots[i], &v) && !(q->slots[i].optional && !q->slots[i].have)) {
            ret = CTL_EXIT_FAILURE;
        }
    }
    if (q->n_slots == 1) {
        if (ret == CTL_EXIT_OK) {
            printf("%s\n", q->slots[0].payload);
        }
        return ret;
    }
    all = cJSON_CreateObject();
    for (size_t i = 0; all && i < q->n_slots; i++) {
        const QuerySlot *s = &q->slots[i];
        cJSON *item = NULL;

        if (s->optional && !s->have) {
            continue; /* not published: left out rather than null */
        }
        item = s->have ? cJSON_ParseWithLength(s->payload, s->len) : cJSON_CreateNull();
        if (!item) {
            item = cJSON_CreateNull();
        }
        (void) cJSON_AddItemToObject(all,
                                     s->is_status          ? "status"
                                     : s->is_power_restore ? "power-restore"
                                                           : sb_state_kind_topic_name(s->kind),
                                     item);
    }
    text = all ? cJSON_PrintUnformatted(all) : NULL;
    if (!text) {
        (void) fprintf(stderr, "statebusctl: out of memory\n");
        cJSON_Delete(all);
        return CTL_EXIT_FAILURE;
    }
    printf("%s\n", text);
    cJSON_free(text);
    cJSON_Delete(all);
    return ret;
}

CtlExit ctl_query(const CtlOptions *o, const char *verb)
{
    static Query q; /* payload buffers: too large for the stack */
    const char *filters[QUERY_SLOTS_MAX];
    const QueryVerb *v = query_verb_find(verb);
    uint64_t deadline = now_mono_ms() + (uint64_t) o->timeout_s * 1000u;
    CtlMqtt *m = NULL;
    CtlExit ret;
    int r = 0;

    if (!v) {
        return CTL_EXIT_USAGE;
    }
    q = (Query){ .o = o, .verb = v };
    for (int kind = 0; r == 0 && kind < SB_KIND_NODE_COUNT; kind++) {
        if (v->kind < 0 || v->kind == kind) {
            r = query_add_slot(&q, false, (SbStateKind) kind);
        }
    }
    if (r == 0 && o->node) {
        r = query_add_slot(&q, true, SB_KIND_BMC);
    }
    if (r == 0 && !o->node && v->kind < 0) {
        r = query_add_system_extras(&q);
    }
    if (r < 0) {
        (void) fprintf(stderr, "statebusctl: cannot build topics for system '%s'\n", o->system);
        return CTL_EXIT_USAGE;
    }
    for (size_t i = 0; i < q.n_slots; i++) {
        filters[i] = q.slots[i].topic;
    }

    r = ctl_mqtt_connect(o, deadline, on_query_message, &q, &m);
    if (r < 0) {
        return CTL_EXIT_FAILURE;
    }
    r = ctl_mqtt_subscribe_sync(m, filters, q.n_slots, deadline);
    m = ctl_mqtt_free(m);
    if (r < 0 && r != -ETIMEDOUT) {
        return CTL_EXIT_FAILURE;
    }
    ret = o->json ? query_print_json(&q) : query_print_text(&q);
    return ret;
}
