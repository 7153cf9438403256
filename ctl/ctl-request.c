/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Requests: poweron, poweroff, chassison, chassisoff, chassiskill, hostreboot, bmcreboot.
 * An MQTT v5 publish on system/set/<target> with a generated id, our reply topic as response
 * topic and the id as correlation data; the reply topic is subscribed before publishing. The
 * first answer decides the exit code without --wait; with --wait, answers and the target's
 * rollup are printed as they change until the request ends or the time runs out.
 */
#include <errno.h>
#include <mqtt_protocol.h>
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
#include "time-util.h"

#define SEEN_MAX 32 /* answers arrive on the reply topic and on <root>/event: print each once */

typedef struct RequestVerb {
    const char *name;
    SbTarget target;
    SbTransition transition;
    const char *reason;
} RequestVerb;

static const RequestVerb request_verbs[] = {
    { "poweron", SB_TARGET_HOST, SB_TRANSITION_ON, "statebusctl poweron" },
    { "poweroff", SB_TARGET_HOST, SB_TRANSITION_OFF, "statebusctl poweroff" },
    { "chassison", SB_TARGET_CHASSIS, SB_TRANSITION_ON, "statebusctl chassison" },
    { "chassisoff", SB_TARGET_CHASSIS, SB_TRANSITION_OFF, "statebusctl chassisoff" },
    { "chassiskill", SB_TARGET_CHASSIS, SB_TRANSITION_OFF, "chassiskill" },
    { "hostreboot", SB_TARGET_HOST, SB_TRANSITION_REBOOT, "statebusctl hostreboot" },
    { "bmcreboot", SB_TARGET_BMC, SB_TRANSITION_REBOOT, "statebusctl bmcreboot" },
};

typedef struct Seen {
    SbEventKind kind;
    uint32_t node; /* agents' events of one request differ only by node, often in the same ms */
    uint64_t time_ms;
    size_t why_len;
} Seen;

typedef struct Request {
    const CtlOptions *o;
    const RequestVerb *verb;
    char id[SB_ID_MAX + 1];
    char status_topic[SB_TOPIC_MAX + 1];
    char rollup_topic[SB_TOPIC_MAX + 1];
    char event_topic[SB_TOPIC_MAX + 1];
    char set_topic[SB_TOPIC_MAX + 1];
    const char *reply_topic;
    SbStateKind rollup_kind;
    int target_state; /* the rollup state the request aims at, for progress */

    bool have_status;
    SbStatus status;
    bool sent;
    char progress[256]; /* last progress line printed (or seen before sending) */
    bool progress_printed;

    bool answered; /* the first answer arrived */
    bool finished; /* completed, failed, expired, cancelled or rejected */
    /* The latest non-final answer (queued, accepted, dispatched) from the coordinator: what the
     * request waits for when the wait ends first. */
    SbEventKind phase;
    char phase_why[SB_WHY_MAX + 1];
    /* "joined <id>": our request joined the identical queued one; its final events count too
     * (topics/README.md "Joining": after a coordinator restart only that id is followed). */
    char joined[SB_ID_MAX + 1];
    CtlExit result;
    Seen seen[SEEN_MAX];
    size_t n_seen;
} Request;

static const RequestVerb *request_verb_find(const char *verb)
{
    for (size_t i = 0; i < sizeof(request_verbs) / sizeof(request_verbs[0]); i++) {
        if (strcmp(request_verbs[i].name, verb) == 0) {
            return &request_verbs[i];
        }
    }
    return NULL;
}

bool ctl_request_handles(const char *verb)
{
    return request_verb_find(verb) != NULL;
}

/* topics/README.md "Requests": what "completed" means, as a rollup state to count nodes in. */
static void request_goal(const RequestVerb *v, SbStateKind *ret_kind, int *ret_state)
{
    switch (v->target) {
    case SB_TARGET_CHASSIS:
        *ret_kind = SB_KIND_CHASSIS;
        *ret_state = v->transition == SB_TRANSITION_OFF ? SB_CHASSIS_OFF : SB_CHASSIS_ON;
        return;
    case SB_TARGET_BMC:
        *ret_kind = SB_KIND_BMC;
        *ret_state = SB_BMC_READY;
        return;
    case SB_TARGET_HOST:
    case SB_TARGET_NONE:
    case SB_TARGET_COUNT:
        break;
    }
    *ret_kind = SB_KIND_HOST;
    *ret_state = v->transition == SB_TRANSITION_OFF ? SB_HOST_OFF : SB_HOST_RUNNING;
}

static bool request_seen(Request *rq, const SbEvent *e)
{
    Seen s = { .kind = e->kind, .node = e->node, .time_ms = e->time_ms, .why_len = strlen(e->why) };

    for (size_t i = 0; i < rq->n_seen && i < SEEN_MAX; i++) {
        if (rq->seen[i].kind == s.kind && rq->seen[i].node == s.node &&
            rq->seen[i].time_ms == s.time_ms && rq->seen[i].why_len == s.why_len) {
            return true;
        }
    }
    rq->seen[rq->n_seen % SEEN_MAX] = s;
    rq->n_seen++;
    return false;
}

static bool event_is_final(SbEventKind kind)
{
    return kind == SB_EVENT_COMPLETED || kind == SB_EVENT_FAILED || kind == SB_EVENT_EXPIRED ||
           kind == SB_EVENT_CANCELLED || kind == SB_EVENT_REJECTED;
}

/* "joined r1, which is waiting ...": remembers r1. */
static void request_note_join(Request *rq, const SbEvent *e)
{
    static const char prefix[] = "joined ";
    size_t n;

    if (e->kind != SB_EVENT_QUEUED || strncmp(e->why, prefix, sizeof(prefix) - 1) != 0) {
        return;
    }
    n = strcspn(e->why + sizeof(prefix) - 1, ", ");
    if (n == 0 || n > SB_ID_MAX) {
        return;
    }
    memcpy(rq->joined, e->why + sizeof(prefix) - 1, n);
    rq->joined[n] = '\0';
}

static void request_on_answer(Request *rq, const SbEvent *e)
{
    char line[1024];
    bool ours = strcmp(e->id, rq->id) == 0;
    bool joined = !ours && rq->joined[0] && strcmp(e->id, rq->joined) == 0;

    /* Of the joined request only how it ends counts (we get its other events with our id). */
    if ((!ours && !(joined && event_is_final(e->kind))) || request_seen(rq, e)) {
        return;
    }
    if (rq->o->json) {
        if (sb_event_encode(e, line, sizeof(line)) > 0) {
            printf("%s\n", line);
        }
    } else {
        ctl_format_event(line, sizeof(line), e);
        printf("%s\n", line);
    }
    (void) fflush(stdout);
    rq->answered = true;
    if (e->node == 0 && !event_is_final(e->kind)) {
        /* The coordinator's own answers, not the agents' accepted (they carry a node). */
        rq->phase = e->kind;
        (void) snprintf(rq->phase_why, sizeof(rq->phase_why), "%s", e->why);
        request_note_join(rq, e);
    }
    switch (e->kind) {
    case SB_EVENT_COMPLETED:
        rq->finished = true;
        rq->result = CTL_EXIT_OK;
        break;
    case SB_EVENT_FAILED:
    case SB_EVENT_EXPIRED:
    case SB_EVENT_CANCELLED:
    case SB_EVENT_REJECTED:
    case SB_EVENT_SUPERSEDED: /* issue #13: a newer request took over after it went out */
        rq->finished = true;
        rq->result = CTL_EXIT_FAILURE;
        break;
    default:
        /* accepted, queued, dispatched, duplicate (the id is already queued or active) */
        rq->result = CTL_EXIT_OK;
        break;
    }
}

static bool correlation_matches(const Request *rq, const mosquitto_property *props)
{
    void *data = NULL;
    uint16_t len = 0;
    bool match;

    if (!mosquitto_property_read_binary(props, MQTT_PROP_CORRELATION_DATA, &data, &len, false)) {
        return true; /* no correlation data: the id in the payload decides */
    }
    match = len == strlen(rq->id) && memcmp(data, rq->id, len) == 0;
    free(data);
    return match;
}

static void request_print_progress(Request *rq)
{
    if (rq->o->json) {
        return; /* --json: answers only, one JSON object per line */
    }
    if (rq->progress[0] && !rq->progress_printed) {
        printf("%s\n", rq->progress);
        (void) fflush(stdout);
        rq->progress_printed = true;
    }
}

static void request_on_rollup(Request *rq, const struct mosquitto_message *msg)
{
    char line[sizeof(rq->progress)];
    SbRollupMsg m;

    if (sb_rollup_decode(msg->payload, (size_t) msg->payloadlen, rq->rollup_kind, &m, NULL) < 0) {
        return;
    }
    ctl_format_progress(line, sizeof(line), &m, rq->target_state);
    if (strcmp(line, rq->progress) != 0) {
        memcpy(rq->progress, line, sizeof(line));
        rq->progress_printed = false;
    }
    if (rq->sent && rq->o->wait_s > 0 && !rq->finished) {
        request_print_progress(rq);
    }
}

static void request_on_status(Request *rq, const struct mosquitto_message *msg)
{
    SbStatusMsg m;
    char line[128];

    if (sb_status_decode(msg->payload, (size_t) msg->payloadlen, &m, NULL) < 0) {
        return;
    }
    if (rq->sent && rq->o->wait_s > 0 && !rq->o->json &&
        (!rq->have_status || m.status != rq->status)) {
        ctl_format_status(line, sizeof(line), &m);
        printf("coordinator: %s\n", line);
        (void) fflush(stdout);
    }
    rq->have_status = true;
    rq->status = m.status;
}

static void on_request_message(const struct mosquitto_message *msg,
                               const mosquitto_property *props,
                               void *userdata)
{
    Request *rq = userdata;
    SbEvent e;

    /* Every byte is untrusted: payloads that do not decode are ignored. */
    if (msg->payloadlen <= 0 || (size_t) msg->payloadlen > SB_PAYLOAD_MAX) {
        return;
    }
    if (strcmp(msg->topic, rq->status_topic) == 0) {
        request_on_status(rq, msg);
    } else if (strcmp(msg->topic, rq->rollup_topic) == 0) {
        request_on_rollup(rq, msg);
    } else if (strcmp(msg->topic, rq->reply_topic) == 0 ||
               strcmp(msg->topic, rq->event_topic) == 0) {
        if (!rq->sent || (props && !correlation_matches(rq, props)) ||
            sb_event_decode(msg->payload, (size_t) msg->payloadlen, &e, NULL) < 0) {
            return;
        }
        request_on_answer(rq, &e);
    }
}

static bool is_online(void *userdata)
{
    Request *rq = userdata;

    return rq->have_status && rq->status == SB_STATUS_ONLINE;
}

static bool is_answered(void *userdata)
{
    return ((Request *) userdata)->answered;
}

static bool is_finished(void *userdata)
{
    return ((Request *) userdata)->finished;
}

static int request_topics(Request *rq)
{
    SbTopic t = { .target = rq->verb->target, .state_kind = rq->rollup_kind };
    int r = 0;

    (void) snprintf(t.system, sizeof(t.system), "%s", rq->o->system);
    t.kind = SB_TOPIC_SYSTEM_STATUS;
    r = r < 0 ? r : sb_topic_format(rq->status_topic, sizeof(rq->status_topic), &t);
    t.kind = SB_TOPIC_SYSTEM_ROLLUP;
    r = r < 0 ? r : sb_topic_format(rq->rollup_topic, sizeof(rq->rollup_topic), &t);
    t.kind = SB_TOPIC_EVENT;
    r = r < 0 ? r : sb_topic_format(rq->event_topic, sizeof(rq->event_topic), &t);
    t.kind = SB_TOPIC_SYSTEM_SET;
    r = r < 0 ? r : sb_topic_format(rq->set_topic, sizeof(rq->set_topic), &t);
    return r < 0 ? r : 0;
}

static int request_send(Request *rq, CtlMqtt *m)
{
    char payload[SB_PAYLOAD_MAX + 1];
    mosquitto_property *props = NULL;
    SbCommand c = { .transition = rq->verb->transition };
    int n, r;

    (void) snprintf(c.id, sizeof(c.id), "%s", rq->id);
    (void) snprintf(c.reason, sizeof(c.reason), "%s", rq->verb->reason);
    if (rq->o->node) {
        c.nodes[0] = rq->o->node;
        c.n_nodes = 1;
    }
    n = sb_command_encode(&c, payload, sizeof(payload));
    if (n < 0) {
        (void) fprintf(stderr, "statebusctl: cannot encode the command: %s\n", strerror(-n));
        return n;
    }
    if (mosquitto_property_add_string(&props, MQTT_PROP_RESPONSE_TOPIC, rq->reply_topic) !=
                MOSQ_ERR_SUCCESS ||
        mosquitto_property_add_binary(&props, MQTT_PROP_CORRELATION_DATA, rq->id,
                                      (uint16_t) strlen(rq->id)) != MOSQ_ERR_SUCCESS) {
        mosquitto_property_free_all(&props);
        return -ENOMEM;
    }
    rq->sent = true;
    r = ctl_mqtt_publish(m, rq->set_topic, payload, (size_t) n, props);
    mosquitto_property_free_all(&props);
    return r;
}

/* The wait ended (time-out or Ctrl-C) before the request did: it is not failed, it goes on in
 * the coordinator. Say so, what it waits for, its id and how to cancel it; exit 3. */
static CtlExit request_still_pending(const Request *rq, const char *ended)
{
    const char *verb = rq->verb->name;
    bool queued = rq->phase == SB_EVENT_QUEUED;
    const char *what = rq->phase_why[0] ? rq->phase_why : "no reason given";

    (void) fflush(stdout);
    if (queued) {
        (void) fprintf(stderr,
                       "statebusctl: %s: %s is still queued (id %s): %s.\n"
                       "statebusctl: it stays queued and is carried out when the gate opens;"
                       " to cancel it: statebusctl cancel %s\n",
                       ended, verb, rq->id, what, rq->id);
    } else {
        (void) fprintf(stderr,
                       "statebusctl: %s: %s is still active (id %s): %s%s%s.\n"
                       "statebusctl: the nodes carry it out; to stop following it: statebusctl"
                       " cancel %s (a poweroff stops a power-on)\n",
                       ended, verb, rq->id, what, rq->progress[0] ? "; " : "", rq->progress,
                       rq->id);
    }
    if (rq->o->json) {
        printf("{\"v\":1,\"id\":\"%s\",\"pending\":\"%s\",\"exit\":%d}\n", rq->id,
               queued ? "queued" : "active", (int) CTL_EXIT_PENDING);
        (void) fflush(stdout);
    }
    return CTL_EXIT_PENDING;
}

static CtlExit request_timed_out(const Request *rq, unsigned budget_s)
{
    char ended[64];

    if (!rq->sent) {
        (void) fprintf(stderr,
                       "statebusctl: the coordinator of system '%s' is not online after %u s; "
                       "request not sent\n",
                       rq->o->system, budget_s);
    } else if (!rq->answered) {
        (void) fprintf(stderr,
                       "statebusctl: no answer from the coordinator within %u s (id %s); it may"
                       " not have received the request: see statebusctl state\n",
                       budget_s, rq->id);
    } else {
        (void) snprintf(ended, sizeof(ended), "stopped waiting after %u s", budget_s);
        return request_still_pending(rq, ended);
    }
    return CTL_EXIT_FAILURE;
}

static CtlExit request_run(Request *rq, CtlMqtt *m, uint64_t deadline, unsigned budget_s)
{
    const char *filters[] = { rq->status_topic, rq->rollup_topic, rq->event_topic };
    int r;

    r = ctl_mqtt_subscribe_sync(m, filters, sizeof(filters) / sizeof(filters[0]), deadline);
    if (r < 0 && r != -ETIMEDOUT) {
        return CTL_EXIT_FAILURE;
    }
    if (!is_online(rq)) {
        /* Commands are not retained or queued by the broker: sending now would lose it. */
        (void) fprintf(
                stderr,
                "statebusctl: warning: the coordinator of system '%s' is not online (%s); the "
                "request will wait for it\n",
                rq->o->system,
                rq->have_status ? sb_enum_to_string(SB_ENUM_STATUS, (int) rq->status)
                                : "no status retained");
        r = ctl_mqtt_run(m, is_online, rq, deadline);
        if (r < 0) {
            return r == -ETIMEDOUT ? request_timed_out(rq, budget_s) : CTL_EXIT_FAILURE;
        }
    }
    r = request_send(rq, m);
    if (r < 0) {
        return CTL_EXIT_FAILURE;
    }
    if (rq->o->wait_s > 0) {
        request_print_progress(rq);
    }
    r = ctl_mqtt_run(m, rq->o->wait_s > 0 ? is_finished : is_answered, rq, deadline);
    if (r == -ETIMEDOUT) {
        return request_timed_out(rq, budget_s);
    }
    if (r == -EINTR && rq->answered && !rq->finished) {
        return request_still_pending(rq, "interrupted");
    }
    if (r == -EINTR) {
        (void) fprintf(stderr,
                       "statebusctl: interrupted before the coordinator answered (id %s); it may"
                       " have the request: see statebusctl state\n",
                       rq->id);
    }
    if (r < 0) {
        return CTL_EXIT_FAILURE;
    }
    return rq->result;
}

CtlExit ctl_request(const CtlOptions *o, const char *verb)
{
    static Request rq;
    unsigned budget_s = o->wait_s > 0 ? o->wait_s : o->timeout_s;
    uint64_t deadline = now_mono_ms() + (uint64_t) budget_s * 1000u;
    CtlMqtt *m = NULL;
    CtlExit ret;
    int r;

    rq = (Request){ .o = o, .verb = request_verb_find(verb), .result = CTL_EXIT_FAILURE };
    if (!rq.verb) {
        return CTL_EXIT_USAGE;
    }
    request_goal(rq.verb, &rq.rollup_kind, &rq.target_state);
    (void) snprintf(rq.id, sizeof(rq.id), "ctl-%ld-%llu", (long) getpid(),
                    (unsigned long long) now_unix_ms());
    if (request_topics(&rq) < 0) {
        (void) fprintf(stderr, "statebusctl: cannot build topics for system '%s'\n", o->system);
        return CTL_EXIT_USAGE;
    }

    r = ctl_mqtt_connect(o, deadline, on_request_message, &rq, &m);
    if (r < 0) {
        return CTL_EXIT_FAILURE;
    }
    rq.reply_topic = ctl_mqtt_reply_topic(m);
    if (o->wait_s > 0) {
        ctl_catch_sigint(); /* Ctrl-C ends the wait, not the request: say where it stands */
    }
    ret = request_run(&rq, m, deadline, budget_s);
    m = ctl_mqtt_free(m);
    return ret;
}
