/* SPDX-License-Identifier: Apache-2.0 */
/*
 * watch: the system's rollups, system/requests, power-restore, the coordinator's status and every
 * event, one line each, until SIGINT (exit 0). Retained values come first (marked "retained") so
 * the stream starts from the current state. --json prints {"topic","retained","payload"} lines.
 * --node N: that node's status and states instead of the rollups, and the events about it (its
 * own, and the requests' events, which act on every node). A lost broker connection is retried
 * (0.1 s doubling to 5 s) until SIGINT; after the reconnect the retained values come again.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "statebus/payload.h"
#include "statebus/topic.h"

#include "ctl-format.h"
#include "ctl-mqtt.h"
#include "ctl.h"
#include "time-util.h"

typedef struct Watch {
    const CtlOptions *o;
    bool json;
    unsigned reconnects; /* failed attempts in a row */
    /* --brief: what was last shown, to print only changes of it */
    bool shown[SB_KIND_COUNT];
    int shown_state[SB_KIND_COUNT];
    size_t shown_stale[SB_KIND_COUNT];
    char shown_requests[512];
} Watch;

/* --brief: a rollup only when its state or stale nodes change (not its counts), system/requests
 * only when the gate, the nodes it waits for or a request's phase change (not the progress in
 * an active request's why), and no agent's accepted (the coordinator's dispatched says it). */
static bool brief_skips(Watch *w, const SbTopic *t, const struct mosquitto_message *msg)
{
    static union {
        SbRollupMsg rollup;
        SbRequestsMsg requests;
        SbEvent event;
    } v;
    size_t len = (size_t) msg->payloadlen;
    char key[sizeof(w->shown_requests)];
    size_t n = 0;

    switch (t->kind) {
    case SB_TOPIC_SYSTEM_ROLLUP:
        if ((unsigned) t->state_kind >= SB_KIND_COUNT ||
            sb_rollup_decode(msg->payload, len, t->state_kind, &v.rollup, NULL) < 0) {
            return false;
        }
        /* Not the mixed flag: it flips at every step of a walk the nodes take together. */
        if (w->shown[t->state_kind] && w->shown_state[t->state_kind] == v.rollup.state &&
            w->shown_stale[t->state_kind] == v.rollup.n_stale + v.rollup.stale_omitted) {
            return true;
        }
        w->shown[t->state_kind] = true;
        w->shown_stale[t->state_kind] = v.rollup.n_stale + v.rollup.stale_omitted;
        w->shown_state[t->state_kind] = v.rollup.state;
        return false;
    case SB_TOPIC_SYSTEM_REQUESTS:
        if (sb_requests_decode(msg->payload, len, &v.requests, NULL) < 0) {
            return false;
        }
        n += (size_t) snprintf(key, sizeof(key), "%d:", v.requests.gate_open);
        for (size_t i = 0; i < v.requests.n_waiting_for && n < sizeof(key) - 16; i++) {
            n += (size_t) snprintf(key + n, sizeof(key) - n, "%u,", v.requests.waiting_for[i]);
        }
        for (size_t i = 0; i < v.requests.n_requests && n < sizeof(key) - 80; i++) {
            n += (size_t) snprintf(key + n, sizeof(key) - n, ";%d%s",
                                   (int) v.requests.requests[i].phase, v.requests.requests[i].id);
        }
        if (strcmp(key, w->shown_requests) == 0) {
            return true;
        }
        memcpy(w->shown_requests, key, sizeof(key));
        return false;
    case SB_TOPIC_EVENT:
        return sb_event_decode(msg->payload, len, &v.event, NULL) >= 0 && v.event.node != 0 &&
               v.event.kind == SB_EVENT_ACCEPTED;
    default:
        return false;
    }
}

static void watch_print_json(const struct mosquitto_message *msg)
{
    cJSON *line = cJSON_CreateObject();
    cJSON *payload = cJSON_ParseWithLength(msg->payload, (size_t) msg->payloadlen);
    char *text = NULL;

    if (!payload) {
        (void) fprintf(stderr, "invalid payload on %s: not JSON\n", msg->topic);
    }
    if (!line || !payload || !cJSON_AddStringToObject(line, "topic", msg->topic) ||
        !cJSON_AddBoolToObject(line, "retained", msg->retain) ||
        !cJSON_AddItemToObject(line, "payload", payload)) {
        cJSON_Delete(payload);
        cJSON_Delete(line);
        return;
    }
    text = cJSON_PrintUnformatted(line);
    if (text) {
        printf("%s\n", text);
        cJSON_free(text);
    }
    cJSON_Delete(line);
}

/* One line of text for a decoded message; false when it does not decode (why set). */
static bool watch_format(const SbTopic *t,
                         bool brief,
                         const struct mosquitto_message *msg,
                         char *buf,
                         size_t size,
                         const char **ret_why)
{
    static union {
        SbRollupMsg rollup;
        SbRequestsMsg requests;
        SbEvent event;
        SbStatusMsg status;
        SbPowerRestoreMsg power_restore;
        SbStateMsg state;
    } v;
    size_t len = (size_t) msg->payloadlen;
    int r = -EBADMSG;

    switch (t->kind) {
    case SB_TOPIC_SYSTEM_ROLLUP:
        r = sb_rollup_decode(msg->payload, len, t->state_kind, &v.rollup, ret_why);
        if (r >= 0) {
            ctl_format_rollup_line(buf, size, &v.rollup);
        }
        break;
    case SB_TOPIC_SYSTEM_REQUESTS:
        r = sb_requests_decode(msg->payload, len, &v.requests, ret_why);
        for (size_t i = 0; r >= 0 && brief && i < v.requests.n_requests; i++) {
            v.requests.requests[i].why[0] = '\0'; /* the rollups show the progress */
        }
        if (r >= 0) {
            ctl_format_requests(buf, size, &v.requests);
        }
        break;
    case SB_TOPIC_EVENT:
        r = sb_event_decode(msg->payload, len, &v.event, ret_why);
        if (r >= 0) {
            size_t n;
            (void) snprintf(buf, size, "event ");
            n = strlen(buf);
            ctl_format_event(buf + n, size - n, &v.event);
        }
        break;
    case SB_TOPIC_SYSTEM_STATUS:
        r = sb_status_decode(msg->payload, len, &v.status, ret_why);
        if (r >= 0) {
            size_t n;
            (void) snprintf(buf, size, "coordinator: ");
            n = strlen(buf);
            ctl_format_status(buf + n, size - n, &v.status);
        }
        break;
    case SB_TOPIC_SYSTEM_POWER_RESTORE:
        r = sb_power_restore_decode(msg->payload, len, &v.power_restore, ret_why);
        if (r >= 0) {
            ctl_format_power_restore(buf, size, &v.power_restore);
        }
        break;
    case SB_TOPIC_NODE_STATUS:
        r = sb_status_decode(msg->payload, len, &v.status, ret_why);
        if (r >= 0) {
            size_t n;
            (void) snprintf(buf, size, "node %u: ", t->node);
            n = strlen(buf);
            ctl_format_status(buf + n, size - n, &v.status);
        }
        break;
    case SB_TOPIC_NODE_STATE:
        r = sb_state_decode(msg->payload, len, t->state_kind, &v.state, ret_why);
        if (r >= 0) {
            (void) snprintf(buf, size, "node %u %s: %s", t->node,
                            sb_state_kind_topic_name(t->state_kind),
                            ctl_state_name(t->state_kind, v.state.state));
        }
        break;
    default:
        *ret_why = "unexpected topic";
        break;
    }
    return r >= 0;
}

/* --node N: the node's own events (node == N, or N listed) and the requests' events (no node:
 * they act on every node, or list theirs). Undecodable events are shown (as invalid). */
static bool event_is_about(uint32_t node, const struct mosquitto_message *msg)
{
    static SbEvent e;

    if (sb_event_decode(msg->payload, (size_t) msg->payloadlen, &e, NULL) < 0) {
        return true;
    }
    if (e.node == node) {
        return true;
    }
    for (size_t i = 0; i < e.n_nodes; i++) {
        if (e.nodes[i] == node) {
            return true;
        }
    }
    return e.node == 0 && e.id[0] && e.n_nodes == 0 && e.target != SB_TARGET_NONE;
}

static void on_watch_message(const struct mosquitto_message *msg,
                             const mosquitto_property *props,
                             void *userdata)
{
    Watch *w = userdata;
    const char *why = NULL;
    char clock[32], line[2048];
    SbTopic t;

    (void) props;
    if (msg->payloadlen <= 0 || (size_t) msg->payloadlen > SB_PAYLOAD_MAX ||
        sb_topic_parse(msg->topic, strlen(msg->topic), &t) < 0) {
        return;
    }
    if (w->o->node && t.kind == SB_TOPIC_EVENT && !event_is_about(w->o->node, msg)) {
        return;
    }
    if (w->o->brief && !w->json && brief_skips(w, &t, msg)) {
        return;
    }
    if (w->json) {
        watch_print_json(msg);
    } else {
        ctl_format_clock(clock, sizeof(clock), now_unix_ms());
        if (w->o->brief) {
            clock[8] = '\0'; /* HH:MM:SS: the lines stay within a terminal's width */
        }
        if (watch_format(&t, w->o->brief, msg, line, sizeof(line), &why)) {
            printf("%s %s%s\n", clock, msg->retain ? "(retained) " : "", line);
        } else {
            /* Someone else's garbage: say so once per message, keep watching. */
            (void) fprintf(stderr, "%s invalid payload on %s: %s\n", clock, msg->topic,
                           why ? why : "invalid");
        }
    }
    (void) fflush(stdout);
}

static bool never(void *userdata)
{
    (void) userdata;
    return false;
}

static int watch_filters(const CtlOptions *o, char (*topics)[SB_TOPIC_MAX + 1], size_t *ret_n)
{
    SbTopic t = { .node = o->node };
    size_t n = 0;
    int r = 0;

    (void) snprintf(t.system, sizeof(t.system), "%s", o->system);
    t.kind = SB_TOPIC_SYSTEM_STATUS;
    r = r < 0 ? r : sb_topic_format(topics[n++], SB_TOPIC_MAX + 1, &t);
    if (o->node) {
        t.kind = SB_TOPIC_NODE_STATUS;
        r = r < 0 ? r : sb_topic_format(topics[n++], SB_TOPIC_MAX + 1, &t);
    }
    for (int kind = 0; kind < (o->node ? SB_KIND_NODE_COUNT : SB_KIND_COUNT); kind++) {
        t.kind = o->node ? SB_TOPIC_NODE_STATE : SB_TOPIC_SYSTEM_ROLLUP;
        t.state_kind = (SbStateKind) kind;
        r = r < 0 ? r : sb_topic_format(topics[n++], SB_TOPIC_MAX + 1, &t);
    }
    t.kind = SB_TOPIC_SYSTEM_REQUESTS;
    r = r < 0 ? r : sb_topic_format(topics[n++], SB_TOPIC_MAX + 1, &t);
    if (!o->node) {
        t.kind = SB_TOPIC_SYSTEM_POWER_RESTORE;
        r = r < 0 ? r : sb_topic_format(topics[n++], SB_TOPIC_MAX + 1, &t);
    }
    t.kind = SB_TOPIC_EVENT;
    r = r < 0 ? r : sb_topic_format(topics[n++], SB_TOPIC_MAX + 1, &t);
    *ret_n = n;
    return r < 0 ? -EINVAL : 0;
}

/* Waits ms unless SIGINT comes first (nanosleep returns early on the signal). */
static void pause_ms(uint64_t ms)
{
    struct timespec ts = { .tv_sec = (time_t) (ms / 1000u),
                           .tv_nsec = (long) (ms % 1000u) * 1000000L };

    if (!ctl_sigint_seen()) {
        (void) nanosleep(&ts, NULL);
    }
}

/* One connection: connect, subscribe, print until it ends. Returns -EINTR (SIGINT), -ECONNRESET
 * or -ECONNREFUSED (retried), or another negative errno (fatal: refused by the ACL...). */
static int watch_session(const CtlOptions *o, Watch *w, const char *const *filters, size_t n)
{
    uint64_t connect_deadline = now_mono_ms() + (uint64_t) o->timeout_s * 1000u;
    CtlMqtt *m = NULL;
    int r;

    r = ctl_mqtt_connect(o, connect_deadline, on_watch_message, w, &m);
    if (r < 0) {
        return ctl_sigint_seen() ? -EINTR : r == -ETIMEDOUT ? -ECONNREFUSED : r;
    }
    if (w->reconnects > 0) {
        (void) fprintf(stderr, "statebusctl: watch: reconnected to the broker\n");
    }
    r = ctl_mqtt_subscribe_sync(m, filters, n, connect_deadline);
    if (r == 0 || r == -ETIMEDOUT) {
        w->reconnects = 0;
        r = ctl_mqtt_run(m, never, NULL, UINT64_MAX);
    }
    m = ctl_mqtt_free(m);
    return r;
}

CtlExit ctl_watch(const CtlOptions *o)
{
    char topics[SB_KIND_COUNT + 5][SB_TOPIC_MAX + 1];
    const char *filters[SB_KIND_COUNT + 5];
    Watch w = { .o = o, .json = o->json };
    uint64_t backoff_ms = 100;
    size_t n = 0;
    int r;

    if (watch_filters(o, topics, &n) < 0) {
        (void) fprintf(stderr, "statebusctl: cannot build topics for system '%s'\n", o->system);
        return CTL_EXIT_USAGE;
    }
    for (size_t i = 0; i < n; i++) {
        filters[i] = topics[i];
    }
    ctl_catch_sigint();
    for (;;) {
        r = watch_session(o, &w, filters, n);
        if (r == -EINTR) {
            return CTL_EXIT_OK;
        }
        if (r != -ECONNRESET && r != -ECONNREFUSED) {
            return CTL_EXIT_FAILURE;
        }
        /* The broker restarts, or is not up yet: keep trying, as the daemons do. */
        if (w.reconnects++ == 0) {
            backoff_ms = 100;
            (void) fprintf(stderr,
                           "statebusctl: watch: broker %s:%u unreachable, retrying (every 0.1 s"
                           " doubling to 5 s; Ctrl-C to stop)\n",
                           o->broker.host, o->broker.port);
        }
        pause_ms(backoff_ms);
        backoff_ms = backoff_ms * 2 > 5000 ? 5000 : backoff_ms * 2;
    }
}
