/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Carrying out the core's actions (coord.h). PERSIST comes first in a batch: when it fails, the
 * actions that reveal or act on the unsaved state (events, system/requests, dispatches) are held
 * back, so a failed write never turns into a power action. Retained topics (rollups,
 * system/requests, settings, power restore) are only marked due here (coordinator-retained.c) and
 * published from the post source, at most once per loop iteration and only when their payload
 * changed, except in a batch with events: then every due retained view goes out first and the
 * events after it, on the same connection (topics/README.md "Causal order": an
 * answer never precedes the state it reports).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "statebus/topic.h"

#include "coordinator-input.h"
#include "coordinator-internal.h"
#include "log.h"
#include "text-util.h"
#include "time-util.h"

/* Log lines list at most this many nodes; events carry the full (capped) list. */
#define LOG_NODES_MAX 16

static const char *target_name(SbTarget target)
{
    return sb_str_or(target == SB_TARGET_NONE ? NULL : sb_target_topic_name(target), "-");
}

static const char *transition_name(SbTransition transition)
{
    return sb_enum_name_or(SB_ENUM_TRANSITION, (int) transition, "-");
}

/* Topics and ids in log lines and events: printable ASCII only, at most size - 1 bytes. Topics
 * are UTF-8 checked by the broker, but a log line or an event is no place for the rest. */
static void excerpt(const char *s, char *buf, size_t size)
{
    size_t i = 0;

    for (; s && s[i] && i + 1 < size; i++) {
        unsigned char c = (unsigned char) s[i];
        buf[i] = (char) (c < 0x20 || c >= 0x7f || c == '\'' ? '?' : c);
    }
    buf[i] = '\0';
}

static void format_nodes(const uint32_t *nodes, size_t n, uint32_t omitted, char *buf, size_t size)
{
    size_t len = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < n && i < LOG_NODES_MAX; i++) {
        int w = snprintf(buf + len, size - len, "%s%u", i ? "," : "", nodes[i]);
        if (w < 0 || (size_t) w >= size - len) {
            return;
        }
        len += (size_t) w;
    }
    omitted += n > LOG_NODES_MAX ? (uint32_t) (n - LOG_NODES_MAX) : 0;
    if (omitted > 0) {
        (void) snprintf(buf + len, size - len, "+%u", omitted);
    }
}

static int publish_with_correlation(Coordinator *co,
                                    const char *topic,
                                    const char *payload,
                                    size_t len,
                                    const CoordReplyTo *reply_to)
{
    mosquitto_property *props = NULL;
    int r;

    if (reply_to->correlation_len > 0) {
        r = mosquitto_property_add_binary(&props, MQTT_PROP_CORRELATION_DATA, reply_to->correlation,
                                          (uint16_t) reply_to->correlation_len);
        if (r != MOSQ_ERR_SUCCESS) {
            return mqtt_error_to_errno(r);
        }
    }
    r = mqtt_io_publish(co->io,
                        &(MqttPublish){ .topic = topic,
                                        .payload = payload,
                                        .len = len,
                                        .qos = 1,
                                        .props = props },
                        NULL);
    mosquitto_property_free_all(&props);
    return r;
}

static int
publish_event_mid(Coordinator *co, const SbEvent *ev, const CoordReplyTo *reply_to, int *ret_mid);

int coordinator_publish_event(Coordinator *co, const SbEvent *ev, const CoordReplyTo *reply_to)
{
    return publish_event_mid(co, ev, reply_to, NULL);
}

/* A request's final event (the core wants its acknowledgement: coord.h). */
static bool event_is_final(const SbEvent *ev)
{
    return ev->id[0] != '\0' && ev->node == 0 &&
           (ev->kind == SB_EVENT_COMPLETED || ev->kind == SB_EVENT_FAILED ||
            ev->kind == SB_EVENT_CANCELLED || ev->kind == SB_EVENT_EXPIRED ||
            ev->kind == SB_EVENT_SUPERSEDED);
}

static void announce_wait(Coordinator *co, int mid, const char *id)
{
    AnnounceWait *w = &co->announce_waits[co->announce_next++ % COORDINATOR_ANNOUNCE_WAITS];

    /* An entry overwritten before its PUBACK only means a replay at the next connect. */
    w->mid = mid;
    (void) snprintf(w->id, sizeof(w->id), "%s", id);
}

static int
publish_event_mid(Coordinator *co, const SbEvent *ev, const CoordReplyTo *reply_to, int *ret_mid)
{
    char payload[SB_PAYLOAD_MAX + 1];
    int n, r;

    n = sb_event_encode(ev, payload, sizeof(payload));
    if (n < 0) {
        return log_error_errno(n, "coordinator: failed to encode event kind=%d id='%s': %m",
                               (int) ev->kind, ev->id);
    }
    r = mqtt_io_publish(co->io,
                        &(MqttPublish){ .topic = co->topics.event,
                                        .payload = payload,
                                        .len = (size_t) n,
                                        .qos = 1 },
                        ret_mid);
    if (r < 0) {
        log_full_errno(r == -ENOTCONN ? LOG_DEBUG : LOG_WARNING, r,
                       "coordinator: failed to publish event kind=%d id='%s': %m", (int) ev->kind,
                       ev->id);
    }
    if (!reply_to || reply_to->topic[0] == '\0') {
        return r;
    }
    /* The snapshot file is untrusted too: check the answer address again before using it. */
    if (!input_reply_topic_is_valid(co->opts->system, reply_to->topic)) {
        log_warning("coordinator: refused to answer outside the reply tree id='%s'", ev->id);
        return r;
    }
    {
        int q = publish_with_correlation(co, reply_to->topic, payload, (size_t) n, reply_to);
        if (q < 0) {
            log_full_errno(q == -ENOTCONN ? LOG_DEBUG : LOG_WARNING, q,
                           "coordinator: failed to answer id='%s': %m", ev->id);
        }
    }
    return r;
}

bool coordinator_rejection_allowed(Coordinator *co)
{
    int enabled = SD_EVENT_OFF;

    if (reject_limiter_allow(&co->limiter, now_mono_ms())) {
        return true;
    }
    /* The first suppression of a burst arms the once-a-second summary line. */
    if (sd_event_source_get_enabled(co->suppress_timer, &enabled) >= 0 && enabled == SD_EVENT_OFF) {
        (void) sd_event_source_set_time_relative(co->suppress_timer, UINT64_C(1000000));
        (void) sd_event_source_set_enabled(co->suppress_timer, SD_EVENT_ONESHOT);
    }
    return false;
}

void coordinator_reject(Coordinator *co, const char *topic, const InputResult *res)
{
    char topic_excerpt[128];
    SbEvent ev;

    co->rejected_total++;
    if (!coordinator_rejection_allowed(co)) {
        return;
    }
    excerpt(topic, topic_excerpt, sizeof(topic_excerpt));
    log_warning("coordinator: rejected topic='%s' why='%s'", topic_excerpt, res->why);

    ev = (SbEvent){
        .kind = SB_EVENT_REJECTED,
        .target = res->target,
        .transition = res->transition,
        .node = res->node,
        .time_ms = now_unix_ms(),
    };
    (void) snprintf(ev.id, sizeof(ev.id), "%s", res->id);
    (void) snprintf(ev.why, sizeof(ev.why), "%s (topic '%s')", res->why, topic_excerpt);
    (void) coordinator_publish_event(co, &ev, &res->reply_to);
}

static int event_log_level(SbEventKind kind)
{
    switch (kind) {
    case SB_EVENT_REJECTED:
    case SB_EVENT_FAILED:
    case SB_EVENT_EXPIRED:
    case SB_EVENT_NODE_LOST:
    case SB_EVENT_CLOCK_DRIFT:
        return LOG_WARNING;
    case SB_EVENT_DISPATCHED:
        return LOG_DEBUG; /* the DISPATCH action logs it, with the node count */
    default:
        /* The rest, among them the decisions an operator reads back later (power restore,
         * scheduled, setting). */
        return LOG_NOTICE;
    }
}

static void apply_event(Coordinator *co, const CoordAction *a)
{
    const SbEvent *ev = &a->event;
    char what[64] = "", id[SB_ID_MAX + 8] = "", node[24] = "", nodes[160];

    if (ev->kind == SB_EVENT_REJECTED && !coordinator_rejection_allowed(co)) {
        return;
    }
    if (ev->target != SB_TARGET_NONE) {
        (void) snprintf(what, sizeof(what), " %s %s", target_name(ev->target),
                        transition_name(ev->transition));
    }
    if (ev->id[0]) {
        (void) snprintf(id, sizeof(id), " id='%s'", ev->id);
    }
    if (ev->node) {
        (void) snprintf(node, sizeof(node), " node=%u", ev->node);
    }
    format_nodes(ev->nodes, ev->n_nodes, ev->nodes_omitted, nodes, sizeof(nodes));
    log_full_errno(event_log_level(ev->kind), 0, "coordinator: %s%s%s%s%s%s why='%s'",
                   sb_enum_name_or(SB_ENUM_EVENT_KIND, (int) ev->kind, "event"), what, id, node,
                   nodes[0] ? " nodes=" : "", nodes, ev->why);
    {
        int mid = 0;

        if (publish_event_mid(co, ev, &a->reply_to, &mid) >= 0 && mid > 0 && event_is_final(ev)) {
            announce_wait(co, mid, ev->id);
        }
    }
}

static void apply_dispatch(Coordinator *co, const CoordAction *a)
{
    char payload[SB_PAYLOAD_MAX + 1], topic[SB_TOPIC_MAX + 1];
    SbTopic t = { .kind = SB_TOPIC_NODE_SET, .target = a->target };
    unsigned sent = 0, failed = 0;
    uint32_t cursor = 0, node, first_failed = 0;
    int n, r, last_error = 0;

    n = sb_command_encode(&a->command, payload, sizeof(payload));
    if (n < 0) {
        log_error_errno(n, "coordinator: failed to encode command %s %s id='%s': %m",
                        target_name(a->target), transition_name(a->command.transition),
                        a->command.id);
        return;
    }
    (void) snprintf(t.system, sizeof(t.system), "%s", co->opts->system);
    while ((node = coord_request_nodes(co->core, a->request_slot, &cursor)) != 0) {
        t.node = node;
        r = sb_topic_format(topic, sizeof(topic), &t);
        if (r >= 0) {
            r = mqtt_io_publish(co->io,
                                &(MqttPublish){ .topic = topic,
                                                .payload = payload,
                                                .len = (size_t) n,
                                                .qos = 1 },
                                NULL);
        }
        if (r < 0) {
            failed++;
            first_failed = first_failed ? first_failed : node;
            last_error = r;
            continue;
        }
        sent++;
    }
    log_notice("coordinator: dispatched %s %s id='%s' nodes=%u", target_name(a->target),
               transition_name(a->command.transition), a->command.id, sent);
    if (failed > 0) {
        log_error_errno(last_error,
                        "coordinator: failed to dispatch %s %s id='%s' nodes=%u first_node=%u: %m",
                        target_name(a->target), transition_name(a->command.transition),
                        a->command.id, failed, first_failed);
    }
}

static void apply_rebirth(Coordinator *co)
{
    static const char payload[] = "{}";
    int r = mqtt_io_publish(co->io,
                            &(MqttPublish){ .topic = co->topics.rebirth,
                                            .payload = payload,
                                            .len = sizeof(payload) - 1,
                                            .qos = 1 },
                            NULL);

    if (r < 0) {
        log_warning_errno(r, "coordinator: failed to publish rebirth: %m");
        return;
    }
    log_info("coordinator: published rebirth");
}

/* The probe carries its token and this process's nonce; the echo must equal it byte for byte
 * (coordinator-receive.c). QoS 0 as the node topics, never retained. */
static void apply_probe(Coordinator *co, uint64_t token)
{
    int n, r;

    if (co->probe_nonce == 0) {
        co->probe_nonce = (now_unix_ms() << 20) ^ (uint64_t) getpid() ^ (uint64_t) (uintptr_t) co;
    }
    n = snprintf(co->probe_payload, sizeof(co->probe_payload),
                 "{\"v\":1,\"probe\":%" PRIu64 ",\"nonce\":%" PRIu64 "}", token, co->probe_nonce);
    if (n < 0 || (size_t) n >= sizeof(co->probe_payload)) {
        co->probe_len = 0;
        return;
    }
    co->probe_len = (size_t) n;
    co->probe_token = token;
    r = mqtt_io_publish(co->io,
                        &(MqttPublish){ .topic = co->topics.probe,
                                        .payload = co->probe_payload,
                                        .len = co->probe_len,
                                        .qos = 0 },
                        NULL);
    if (r < 0) {
        /* The core sends it again when it is not back in time. */
        log_full_errno(r == -ENOTCONN ? LOG_DEBUG : LOG_WARNING, r,
                       "coordinator: failed to publish probe=%" PRIu64 ": %m", token);
        return;
    }
    log_debug("coordinator: published probe=%" PRIu64, token);
}

static void apply_arm_timer(Coordinator *co, uint64_t at_ms)
{
    uint64_t usec;
    int r;

    if (at_ms == 0) {
        (void) sd_event_source_set_enabled(co->core_timer, SD_EVENT_OFF);
        return;
    }
    usec = at_ms > (UINT64_MAX - 1) / 1000u ? UINT64_MAX - 1 : at_ms * 1000u;
    r = sd_event_source_set_time(co->core_timer, usec);
    if (r >= 0) {
        r = sd_event_source_set_enabled(co->core_timer, SD_EVENT_ONESHOT);
    }
    if (r < 0) {
        log_error_errno(r, "coordinator: failed to arm core timer at_ms=%llu: %m",
                        (unsigned long long) at_ms);
    }
}

/* Actions that reveal or act on state the failed PERSIST did not save. */
static bool action_needs_persisted_state(CoordActionKind kind)
{
    return kind == COORD_ACT_DISPATCH || kind == COORD_ACT_PUBLISH_EVENT ||
           kind == COORD_ACT_PUBLISH_REQUESTS || kind == COORD_ACT_PUBLISH_SETTING ||
           kind == COORD_ACT_PUBLISH_POWER_RESTORE;
}

static bool batch_has_events(const CoordActions *actions)
{
    for (size_t i = 0; i < actions->n; i++) {
        if (actions->items[i].kind == COORD_ACT_PUBLISH_EVENT) {
            return true;
        }
    }
    return false;
}

/* Carries out one action. Returns negative errno only for a failed PERSIST (the actions after it
 * that need the saved state are held back); the others log their own failures. */
static int apply_action(Coordinator *co, const CoordAction *a)
{
    int r = 0;

    switch (a->kind) {
    case COORD_ACT_PERSIST:
        r = state_store_save(&co->store, co->core);
        if (r < 0) {
            log_error_errno(r, "coordinator: failed to persist state path='%s': %m",
                            co->store.path);
        }
        break;
    case COORD_ACT_PUBLISH_ROLLUP:
        if ((unsigned) a->state_kind < SB_KIND_COUNT) {
            retained_mark(co, retained_rollup(a->state_kind));
        }
        break;
    case COORD_ACT_PUBLISH_REQUESTS:
        retained_mark(co, RETAINED_REQUESTS);
        break;
    case COORD_ACT_PUBLISH_EVENT:
        apply_event(co, a);
        break;
    case COORD_ACT_DISPATCH:
        apply_dispatch(co, a);
        break;
    case COORD_ACT_PUBLISH_REBIRTH:
        apply_rebirth(co);
        break;
    case COORD_ACT_ARM_TIMER:
        apply_arm_timer(co, a->at_ms);
        break;
    case COORD_ACT_PUBLISH_SETTING:
        if (a->setting > SB_SETTING_NONE && a->setting < SB_SETTING_COUNT) {
            retained_mark(co, retained_setting(a->setting));
        }
        break;
    case COORD_ACT_PUBLISH_POWER_RESTORE:
        retained_mark(co, RETAINED_POWER_RESTORE);
        break;
    case COORD_ACT_PUBLISH_PROBE:
        apply_probe(co, a->probe);
        break;
    }
    return r;
}

/* One pass over the batch in the core's order: its events (events true) or everything else.
 * *persist_failed is set by a failed PERSIST and holds back what needs the saved state. */
static void
apply_pass(Coordinator *co, const CoordActions *actions, bool events, bool *persist_failed)
{
    for (size_t i = 0; i < actions->n; i++) {
        const CoordAction *a = &actions->items[i];

        if ((a->kind == COORD_ACT_PUBLISH_EVENT) != events) {
            continue;
        }
        if (*persist_failed && action_needs_persisted_state(a->kind)) {
            log_error("coordinator: held back action=%d id='%s' after failed persist",
                      (int) a->kind, a->kind == COORD_ACT_DISPATCH ? a->command.id : a->event.id);
            continue;
        }
        if (apply_action(co, a) < 0) {
            *persist_failed = true;
        }
    }
}

/* Two passes: everything but the events in the core's order (PERSIST first), then, when the batch
 * has events, the dirty retained views (this batch's and any earlier one's of this iteration),
 * then the events. A subscriber of both sees "completed" only after the rollup that shows it. */
static void coordinator_apply(Coordinator *co, const CoordActions *actions)
{
    bool persist_failed = false;

    apply_pass(co, actions, false, &persist_failed);
    if (!batch_has_events(actions)) {
        return;
    }
    retained_flush(co, RETAINED_FLUSH_BEFORE_EVENTS);
    apply_pass(co, actions, true, &persist_failed);
}

void coordinator_feed(Coordinator *co, const CoordEvent *ev)
{
    int r = coord_step(co->core, ev, &co->actions);

    co->backlog_fed = ev->backlog;
    if (r < 0) {
        /* coord.h: only a full action buffer, a bug; what fitted is still carried out. */
        log_error_errno(r, "coordinator: core step failed event=%d: %m", (int) ev->kind);
    }
    coordinator_apply(co, &co->actions);
}
void coordinator_feed_drained(Coordinator *co)
{
    CoordEvent ev = { .kind = COORD_EV_DRAINED };

    /* The bytes behind the last message were no message for the core (a PUBACK, a PINGRESP, a
     * partial packet): the decisions it holds for them may run now. */
    if (!co->backlog_fed || coordinator_is_stopping(co) || mqtt_io_input_pending(co->io)) {
        return;
    }
    ev.now_ms = now_unix_ms();
    coordinator_feed(co, &ev);
}

void coordinator_on_announced(Coordinator *co, int mid)
{
    for (size_t i = 0; mid > 0 && i < COORDINATOR_ANNOUNCE_WAITS; i++) {
        AnnounceWait *w = &co->announce_waits[i];

        if (w->mid == mid) {
            CoordEvent ev = { .kind = COORD_EV_ANNOUNCED, .now_ms = now_unix_ms() };

            /* The broker has the final event: no replay at the next connect. */
            (void) snprintf(ev.id, sizeof(ev.id), "%s", w->id);
            w->mid = 0;
            coordinator_feed(co, &ev);
        }
    }
}
