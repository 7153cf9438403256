/* SPDX-License-Identifier: Apache-2.0 */
#include "coordinator-input.h"

#include <stdio.h>
#include <string.h>

#include "statebus/limits.h"
#include "statebus/payload.h"
#include "statebus/topic.h"

bool input_reply_topic_is_valid(const char *system, const char *topic)
{
    SbTopic t;

    if (!topic || sb_topic_parse(topic, strlen(topic), &t) < 0) {
        return false;
    }
    return t.kind == SB_TOPIC_REPLY && strcmp(t.system, system) == 0;
}

static InputVerdict reject(InputResult *ret, const char *why)
{
    ret->verdict = INPUT_REJECT;
    ret->why = why;
    return INPUT_REJECT;
}

/* Node topics: status, the four states, heartbeat. The payload's "node" must name the topic's
 * node: Grafana and the Redfish bridge read it, and a mismatch is a misconfigured agent. */
static void
translate_node(const SbTopic *t, const InputMessage *m, CoordEvent *ev, InputResult *ret)
{
    const char *why = NULL;
    uint32_t payload_node = 0;
    int r = -1;

    ret->node = t->node;
    if (m->len == 0) {
        /* A zero-length retained publish deletes the retained value (an admin removing a node
         * with mosquitto_sub --remove-retained): not malformed, and no new state either. */
        ret->verdict = INPUT_IGNORE;
        ret->why = "empty payload (retained value deleted)";
        return;
    }

    *ev = (CoordEvent){ .now_ms = m->now_ms, .node = t->node, .retained = m->retained };
    switch (t->kind) {
    case SB_TOPIC_NODE_STATUS:
        ev->kind = COORD_EV_NODE_STATUS;
        r = sb_status_decode(m->payload, m->len, &ev->status, &why);
        payload_node = ev->status.node;
        break;
    case SB_TOPIC_NODE_STATE:
        ev->kind = COORD_EV_NODE_STATE;
        r = sb_state_decode(m->payload, m->len, t->state_kind, &ev->state, &why);
        ev->state.kind = t->state_kind;
        payload_node = ev->state.node;
        break;
    case SB_TOPIC_NODE_HEARTBEAT:
        ev->kind = COORD_EV_NODE_HEARTBEAT;
        r = sb_heartbeat_decode(m->payload, m->len, &ev->heartbeat, &why);
        payload_node = ev->heartbeat.node;
        break;
    default:
        (void) reject(ret, "not a topic the coordinator reads");
        return;
    }
    if (r < 0) {
        (void) reject(ret, why ? why : "invalid payload");
        return;
    }
    if (payload_node != t->node) {
        (void) reject(ret, "'node' does not match the topic");
        return;
    }
    ret->verdict = INPUT_FEED;
}

/* The answer address of a request: only a response topic under our own <root>/reply/ is kept
 * (never publish where a client says: it could name a node's command topic). */
static void translate_reply_to(const char *system, const InputMessage *m, InputResult *ret)
{
    size_t len;

    if (!m->response_topic) {
        return;
    }
    len = strlen(m->response_topic);
    if (len >= sizeof(ret->reply_to.topic) ||
        !input_reply_topic_is_valid(system, m->response_topic)) {
        ret->reply_topic_refused = true;
        return;
    }
    memcpy(ret->reply_to.topic, m->response_topic, len + 1);
    if (m->correlation && m->correlation_len <= SB_CORRELATION_MAX) {
        memcpy(ret->reply_to.correlation, m->correlation, m->correlation_len);
        ret->reply_to.correlation_len = m->correlation_len;
    }
}

static void translate_request(const char *system,
                              const SbTopic *t,
                              const InputMessage *m,
                              CoordEvent *ev,
                              InputResult *ret)
{
    const char *why = NULL;
    int r;

    ret->target = t->target;
    translate_reply_to(system, m, ret);
    *ev = (CoordEvent){
        .kind = COORD_EV_REQUEST,
        .now_ms = m->now_ms,
        .target = t->target,
        .reply_to = ret->reply_to,
    };
    r = sb_command_decode(m->payload, m->len, t->target, true, &ev->request, &why);
    /* The decoder leaves a well-formed id and transition readable even when the rest is
     * invalid: echo them with any rejection, so the sender can match it to its request. */
    (void) snprintf(ret->id, sizeof(ret->id), "%s", ev->request.id);
    ret->transition = ev->request.transition;
    /* Commands are never retained (contract.md "Lifecycle rules"): a retained power-on would be
     * replayed at every coordinator start, the classic random power-on. */
    if (m->retained) {
        (void) reject(ret, "retained command ignored (commands are never retained)");
        return;
    }
    if (m->correlation && m->correlation_len > SB_CORRELATION_MAX) {
        (void) reject(ret, "correlation data longer than 64 bytes");
        return;
    }
    if (r < 0) {
        (void) reject(ret, why ? why : "invalid command");
        return;
    }
    ret->verdict = INPUT_FEED;
}

/* settings/<name>/set: decoded here (bare values allowed, operators type them); what only the
 * core can judge (a schedule in the past) is its to refuse. */
static void translate_setting(const char *system,
                              const SbTopic *t,
                              const InputMessage *m,
                              CoordEvent *ev,
                              InputResult *ret)
{
    const char *why = NULL;

    translate_reply_to(system, m, ret);
    if (m->retained) {
        (void) reject(ret, "retained setting ignored (settings/<name>/set is never retained)");
        return;
    }
    if (m->correlation && m->correlation_len > SB_CORRELATION_MAX) {
        (void) reject(ret, "correlation data longer than 64 bytes");
        return;
    }
    *ev = (CoordEvent){
        .kind = COORD_EV_SETTING,
        .now_ms = m->now_ms,
        .reply_to = ret->reply_to,
    };
    if (sb_setting_decode(m->payload, m->len, t->setting, true, &ev->setting, &why) < 0) {
        (void) reject(ret, why ? why : "invalid setting");
        return;
    }
    ret->verdict = INPUT_FEED;
}

/* system/set/cancel (issue #15): which request to cancel; whether one has that id is the core's
 * to say. */
static void
translate_cancel(const char *system, const InputMessage *m, CoordEvent *ev, InputResult *ret)
{
    const char *why = NULL;
    int r;

    translate_reply_to(system, m, ret);
    *ev = (CoordEvent){
        .kind = COORD_EV_CANCEL,
        .now_ms = m->now_ms,
        .reply_to = ret->reply_to,
    };
    r = sb_cancel_decode(m->payload, m->len, true, &ev->cancel, &why);
    (void) snprintf(ret->id, sizeof(ret->id), "%s", ev->cancel.id);
    if (m->retained) {
        (void) reject(ret, "retained cancel ignored (commands are never retained)");
        return;
    }
    if (m->correlation && m->correlation_len > SB_CORRELATION_MAX) {
        (void) reject(ret, "correlation data longer than 64 bytes");
        return;
    }
    if (r < 0) {
        (void) reject(ret, why ? why : "invalid cancel");
        return;
    }
    ret->verdict = INPUT_FEED;
}

void input_translate(const char *system,
                     const InputMessage *m,
                     CoordEvent *ret_event,
                     InputResult *ret)
{
    SbTopic t;

    *ret = (InputResult){ .verdict = INPUT_REJECT };
    if (!m->topic || sb_topic_parse(m->topic, strlen(m->topic), &t) < 0) {
        (void) reject(ret, "topic not in the statebus tree");
        return;
    }
    if (strcmp(t.system, system) != 0) {
        (void) reject(ret, "topic of another system");
        return;
    }

    switch (t.kind) {
    case SB_TOPIC_NODE_STATUS:
    case SB_TOPIC_NODE_STATE:
    case SB_TOPIC_NODE_HEARTBEAT:
        translate_node(&t, m, ret_event, ret);
        return;
    case SB_TOPIC_SYSTEM_SET:
        translate_request(system, &t, m, ret_event, ret);
        return;
    case SB_TOPIC_SETTING_SET:
        translate_setting(system, &t, m, ret_event, ret);
        return;
    case SB_TOPIC_SYSTEM_CANCEL:
        translate_cancel(system, m, ret_event, ret);
        return;
    case SB_TOPIC_INVALID:
    case SB_TOPIC_NODE_SET:
    case SB_TOPIC_SYSTEM_STATUS:
    case SB_TOPIC_SYSTEM_REBIRTH:
    case SB_TOPIC_SYSTEM_SYNC: /* handled by the shell before this (coordinator-sync.c) */
    case SB_TOPIC_SYSTEM_SUMMARY:
    case SB_TOPIC_SYSTEM_ROLLUP:
    case SB_TOPIC_SYSTEM_REQUESTS:
    case SB_TOPIC_SYSTEM_POWER_RESTORE:
    case SB_TOPIC_SETTING:
    case SB_TOPIC_EVENT:
    case SB_TOPIC_REPLY:
    case SB_TOPIC_KIND_COUNT:
        break;
    }
    /* We subscribe only to what we read, so this is a broker or configuration surprise. */
    if (t.kind == SB_TOPIC_NODE_SET) {
        ret->node = t.node;
    }
    (void) reject(ret, "not a topic the coordinator reads");
}
