/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Carrying out the core's actions (coord.h). PERSIST comes first in a batch: when it fails, the
 * actions that reveal or act on the unsaved state (events, system/requests, dispatches) are held
 * back, so a failed write never turns into a power action. Rollups and system/requests are only
 * marked dirty here and published from the post source, at most once per loop iteration and only
 * when their payload changed, except in a batch with events: then every dirty retained view goes
 * out first and the events after it, on the same connection (topics/README.md "Causal order": an
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
    (void) sb_text_mask(s, buf, size, SB_MASK_NON_ASCII | SB_MASK_QUOTE);
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
    r = mqtt_io_publish(co->io, topic, payload, len, 1, false, props, NULL);
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
    r = mqtt_io_publish(co->io, co->topics.event, payload, (size_t) n, 1, false, NULL, ret_mid);
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

void coordinator_reject(Coordinator *co,
                        const char *topic,
                        const char *why,
                        uint32_t node,
                        SbTarget target,
                        const char *id,
                        SbTransition transition,
                        const CoordReplyTo *reply_to)
{
    char topic_excerpt[128];
    SbEvent ev;

    co->rejected_total++;
    if (!coordinator_rejection_allowed(co)) {
        return;
    }
    excerpt(topic, topic_excerpt, sizeof(topic_excerpt));
    log_warning("coordinator: rejected topic='%s' why='%s'", topic_excerpt, why);

    ev = (SbEvent){
        .kind = SB_EVENT_REJECTED,
        .target = target,
        .transition = transition,
        .node = node,
        .time_ms = now_unix_ms(),
    };
    if (id) {
        (void) snprintf(ev.id, sizeof(ev.id), "%s", id);
    }
    (void) snprintf(ev.why, sizeof(ev.why), "%s (topic '%s')", why, topic_excerpt);
    (void) coordinator_publish_event(co, &ev, reply_to);
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
    case SB_EVENT_POWER_RESTORE:
    case SB_EVENT_SCHEDULED:
    case SB_EVENT_SETTING:
        return LOG_NOTICE; /* decisions an operator reads back later */
    default:
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
            r = mqtt_io_publish(co->io, topic, payload, (size_t) n, 1, false, NULL, NULL);
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
    int r = mqtt_io_publish(co->io, co->topics.rebirth, payload, sizeof(payload) - 1, 1, false,
                            NULL, NULL);

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
    r = mqtt_io_publish(co->io, co->topics.probe, co->probe_payload, co->probe_len, 0, false, NULL,
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

static void flush_dirty(Coordinator *co, bool now);

static bool batch_has_events(const CoordActions *actions)
{
    for (size_t i = 0; i < actions->n; i++) {
        if (actions->items[i].kind == COORD_ACT_PUBLISH_EVENT) {
            return true;
        }
    }
    return false;
}

/* Two passes: everything but the events in the core's order (PERSIST first), then, when the batch
 * has events, the dirty retained views (this batch's and any earlier one's of this iteration),
 * then the events. A subscriber of both sees "completed" only after the rollup that shows it. */
static void coordinator_apply(Coordinator *co, const CoordActions *actions)
{
    bool persist_failed = false;

    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1) {
            if (!batch_has_events(actions)) {
                return;
            }
            flush_dirty(co, true);
        }
        for (size_t i = 0; i < actions->n; i++) {
            const CoordAction *a = &actions->items[i];
            int r;

            if ((a->kind == COORD_ACT_PUBLISH_EVENT) != (pass == 1)) {
                continue;
            }
            if (persist_failed && action_needs_persisted_state(a->kind)) {
                log_error("coordinator: held back action=%d id='%s' after failed persist",
                          (int) a->kind,
                          a->kind == COORD_ACT_DISPATCH ? a->command.id : a->event.id);
                continue;
            }
            switch (a->kind) {
            case COORD_ACT_PERSIST:
                r = state_store_save(&co->store, co->core);
                if (r < 0) {
                    persist_failed = true;
                    log_error_errno(r, "coordinator: failed to persist state path='%s': %m",
                                    co->store.path);
                }
                break;
            case COORD_ACT_PUBLISH_ROLLUP:
                if ((unsigned) a->state_kind < SB_KIND_COUNT) {
                    co->rollup_dirty[a->state_kind] = true;
                }
                break;
            case COORD_ACT_PUBLISH_REQUESTS:
                co->requests_dirty = true;
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
                    co->setting_dirty[a->setting] = true;
                }
                break;
            case COORD_ACT_PUBLISH_POWER_RESTORE:
                co->power_restore_dirty = true;
                break;
            case COORD_ACT_PUBLISH_PROBE:
                apply_probe(co, a->probe);
                break;
            }
        }
    }
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
    if (!co->backlog_fed || co->stopping || mqtt_io_input_pending(co->io)) {
        return;
    }
    ev.now_ms = now_unix_ms();
    coordinator_feed(co, &ev);
}

/* Publishes payload retained at QoS 1 unless canonical equals what was last published there.
 * Returns 1 when published (*ret_mid, when not NULL, is its mid), 0 when unchanged, negative
 * errno on failure (logged). */
static int publish_if_changed(Coordinator *co,
                              const char *topic,
                              PublishedCache *cache,
                              const char *canonical,
                              size_t canonical_len,
                              const char *payload,
                              size_t len,
                              int *ret_mid)
{
    int r;

    if (cache->valid && cache->len == canonical_len &&
        memcmp(cache->bytes, canonical, canonical_len) == 0) {
        return 0;
    }
    r = mqtt_io_publish(co->io, topic, payload, len, 1, true, NULL, ret_mid);
    if (r < 0) {
        /* Not resent later: the core asks again when it has something new, and after a
         * reconnect it republishes everything once the rebirth window is over. */
        cache->valid = false;
        log_full_errno(r == -ENOTCONN ? LOG_DEBUG : LOG_WARNING, r,
                       "coordinator: failed to publish topic='%s': %m", topic);
        return r;
    }
    memcpy(cache->bytes, canonical, canonical_len);
    cache->len = canonical_len;
    cache->valid = true;
    return 1;
}

static void flush_rollup(Coordinator *co, SbStateKind kind)
{
    char payload[SB_PAYLOAD_MAX + 1];
    SbRollupMsg m;
    int n;

    n = coord_rollup_build(co->core, kind, &m);
    if (n >= 0) {
        n = sb_rollup_encode(&m, payload, sizeof(payload));
    }
    if (n < 0) {
        log_error_errno(n, "coordinator: failed to build rollup kind='%s': %m",
                        sb_state_kind_topic_name(kind));
        return;
    }
    if (publish_if_changed(co, co->topics.rollup[kind], &co->rollup_last[kind], payload, (size_t) n,
                           payload, (size_t) n, &co->rollup_mid[kind]) > 0) {
        /* Every rollup change at info was 400 lines in 10 minutes of 4 idle nodes; only what
         * changes the gate (system BMC Ready or not: topics/README.md "Rollup policy") is. */
        static int gate_logged = -1;
        bool gate_change = kind == SB_KIND_BMC && gate_logged != (m.state == SB_BMC_READY);
        if (kind == SB_KIND_BMC) {
            gate_logged = m.state == SB_BMC_READY;
        }
        log_full_errno(gate_change ? LOG_INFO : LOG_DEBUG, 0,
                       "coordinator: published rollup kind=%s state=%s mixed=%s stale=%zu",
                       sb_state_kind_topic_name(kind),
                       sb_enum_name_or(sb_state_kind_enum(kind), m.state, "Unknown"),
                       m.mixed ? "true" : "false", m.n_stale + (size_t) m.stale_omitted);
    }
}

static void flush_requests(Coordinator *co)
{
    char payload[SB_PAYLOAD_MAX + 1], canonical[SB_PAYLOAD_MAX + 1];
    uint64_t time_ms;
    SbRequestsMsg m;
    int n, c;

    n = coord_requests_build(co->core, now_unix_ms(), &m);
    if (n < 0) {
        log_error_errno(n, "coordinator: failed to build requests: %m");
        return;
    }
    /* "time" changes at every build: compare without it, or nothing would ever be equal. */
    time_ms = m.time_ms;
    m.time_ms = 0;
    c = sb_requests_encode(&m, canonical, sizeof(canonical));
    m.time_ms = time_ms;
    n = sb_requests_encode(&m, payload, sizeof(payload));
    if (n < 0 || c < 0) {
        log_error_errno(n < 0 ? n : c, "coordinator: failed to encode requests: %m");
        return;
    }
    if (publish_if_changed(co, co->topics.requests, &co->requests_last, canonical, (size_t) c,
                           payload, (size_t) n, NULL) > 0) {
        log_debug("coordinator: published requests gate=%s pending_or_active=%zu",
                  m.gate_open ? "open" : "closed", m.n_requests);
    }
}

/* The value as text for the log line ("AlwaysOn", "30", "host On at 1700003600", "none"). */
static void setting_text(const SbSettingValue *v, char *buf, size_t size)
{
    switch (v->name) {
    case SB_SETTING_POWER_RESTORE_POLICY:
    case SB_SETTING_POWER_RESTORE_ONE_TIME:
        (void) snprintf(buf, size, "%s",
                        sb_enum_name_or(SB_ENUM_RESTORE_POLICY, (int) v->policy, "-"));
        return;
    case SB_SETTING_POWER_RESTORE_DELAY:
        (void) snprintf(buf, size, "%u", (unsigned) v->delay_s);
        return;
    case SB_SETTING_SCHEDULED_TRANSITION:
        if (v->scheduled) {
            (void) snprintf(buf, size, "host %s at %llu", transition_name(v->scheduled_transition),
                            (unsigned long long) v->scheduled_time_s);
        } else {
            (void) snprintf(buf, size, "none");
        }
        return;
    case SB_SETTING_NONE:
    case SB_SETTING_COUNT:
        break;
    }
    (void) snprintf(buf, size, "-");
}

static void flush_setting(Coordinator *co, SbSettingName name)
{
    char payload[SB_PAYLOAD_MAX + 1], text[64];
    SbSettingValue v;
    int n;

    n = coord_setting_build(co->core, name, &v);
    if (n >= 0) {
        n = sb_setting_encode(&v, payload, sizeof(payload));
    }
    if (n < 0) {
        log_error_errno(n, "coordinator: failed to build setting name='%s': %m",
                        sb_str_or(sb_setting_topic_name(name), "-"));
        return;
    }
    if (publish_if_changed(co, co->topics.setting[name], &co->setting_last[name], payload,
                           (size_t) n, payload, (size_t) n, NULL) > 0) {
        setting_text(&v, text, sizeof(text));
        log_info("coordinator: published setting name=%s value='%s'",
                 sb_str_or(sb_setting_topic_name(name), "-"), text);
    }
}

static void flush_power_restore(Coordinator *co)
{
    char payload[SB_PAYLOAD_MAX + 1];
    SbPowerRestoreMsg m;
    int n;

    n = coord_power_restore_build(co->core, &m);
    if (n == -ENOENT) {
        return; /* no decision yet */
    }
    if (n >= 0) {
        n = sb_power_restore_encode(&m, payload, sizeof(payload));
    }
    if (n < 0) {
        log_error_errno(n, "coordinator: failed to build power-restore decision: %m");
        return;
    }
    if (publish_if_changed(co, co->topics.power_restore, &co->power_restore_last, payload,
                           (size_t) n, payload, (size_t) n, NULL) > 0) {
        log_info("coordinator: published power-restore loss_id=%llu policy=%s action=%s id='%s'",
                 (unsigned long long) m.loss_id,
                 sb_enum_name_or(SB_ENUM_RESTORE_POLICY, (int) m.policy, "-"),
                 transition_name(m.action), m.id);
    }
}

/* now: a batch with events follows, so a rollup awaiting the PUBACK of its previous publish goes
 * out too (the hold-back only coalesces bursts of node updates; it must not delay a state past the
 * event that reports it). */
static void flush_dirty(Coordinator *co, bool now)
{
    for (int kind = 0; kind < SB_KIND_COUNT; kind++) {
        /* Held back while the previous one awaits its PUBACK (coordinator_on_published). */
        if (co->rollup_dirty[kind] && (now || co->rollup_mid[kind] == 0)) {
            co->rollup_dirty[kind] = false;
            flush_rollup(co, (SbStateKind) kind);
        }
    }
    if (co->requests_dirty) {
        co->requests_dirty = false;
        flush_requests(co);
    }
    for (int name = SB_SETTING_NONE + 1; name < SB_SETTING_COUNT; name++) {
        if (co->setting_dirty[name]) {
            co->setting_dirty[name] = false;
            flush_setting(co, (SbSettingName) name);
        }
    }
    if (co->power_restore_dirty) {
        co->power_restore_dirty = false;
        flush_power_restore(co);
    }
}

void coordinator_flush(Coordinator *co)
{
    flush_dirty(co, false);
}

void coordinator_forget_published(Coordinator *co)
{
    for (int kind = 0; kind < SB_KIND_COUNT; kind++) {
        co->rollup_last[kind].valid = false;
        /* The PUBACKs of the old connection will never come. */
        co->rollup_mid[kind] = 0;
    }
    co->requests_last.valid = false;
    for (int name = 0; name < SB_SETTING_COUNT; name++) {
        co->setting_last[name].valid = false;
    }
    co->power_restore_last.valid = false;
}

void coordinator_on_published(Coordinator *co, int mid)
{
    for (int kind = 0; kind < SB_KIND_COUNT; kind++) {
        if (co->rollup_mid[kind] == mid) {
            co->rollup_mid[kind] = 0;
        }
    }
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
