/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The retained topics of the coordinator (coordinator-retained.h): one table, one flush loop, one
 * builder per kind of topic. Every retained publish is QoS 1 and goes out only when its payload
 * differs from what was last published there (status excepted), so a burst of node updates that
 * changes nothing visible publishes nothing.
 */
#include "coordinator-retained.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "statebus/topic.h"

#include "coordinator-internal.h"
#include "log.h"
#include "text-util.h"
#include "time-util.h"

static void payload_init(RetainedPayload *out, int len)
{
    out->len = (size_t) len;
    out->canonical = out->bytes;
    out->canonical_len = (size_t) len;
}

static int build_rollup(Coordinator *co, size_t slot, RetainedPayload *out)
{
    SbStateKind kind = (SbStateKind) co->retained[slot].arg;
    SbRollupMsg m;
    int n;

    n = coord_rollup_build(co->core, kind, &m);
    if (n >= 0) {
        n = sb_rollup_encode(&m, out->bytes, sizeof(out->bytes));
    }
    if (n < 0) {
        return log_error_errno(n, "coordinator: failed to build rollup kind='%s': %m",
                               sb_state_kind_topic_name(kind));
    }
    payload_init(out, n);
    /* Every rollup change at info was 400 lines in 10 minutes of 4 idle nodes; only what changes
     * the gate (system BMC Ready or not: topics/README.md "Rollup policy") is. */
    out->gate_ready = kind == SB_KIND_BMC ? m.state == SB_BMC_READY : -1;
    (void) snprintf(out->log_text, sizeof(out->log_text),
                    "published rollup kind=%s state=%s mixed=%s stale=%zu",
                    sb_state_kind_topic_name(kind),
                    sb_enum_name_or(sb_state_kind_enum(kind), m.state, "Unknown"),
                    m.mixed ? "true" : "false", m.n_stale + (size_t) m.stale_omitted);
    return 0;
}

static int build_requests(Coordinator *co, size_t slot, RetainedPayload *out)
{
    uint64_t time_ms;
    SbRequestsMsg m;
    int n, c;

    (void) slot;
    n = coord_requests_build(co->core, now_unix_ms(), &m);
    if (n < 0) {
        return log_error_errno(n, "coordinator: failed to build requests: %m");
    }
    /* "time" changes at every build: compare without it, or nothing would ever be equal. */
    time_ms = m.time_ms;
    m.time_ms = 0;
    c = sb_requests_encode(&m, out->canonical_buf, sizeof(out->canonical_buf));
    m.time_ms = time_ms;
    n = sb_requests_encode(&m, out->bytes, sizeof(out->bytes));
    if (n < 0 || c < 0) {
        return log_error_errno(n < 0 ? n : c, "coordinator: failed to encode requests: %m");
    }
    payload_init(out, n);
    out->canonical = out->canonical_buf;
    out->canonical_len = (size_t) c;
    out->log_level = LOG_DEBUG;
    (void) snprintf(out->log_text, sizeof(out->log_text),
                    "published requests gate=%s pending_or_active=%zu",
                    m.gate_open ? "open" : "closed", m.n_requests);
    return 0;
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
            (void) snprintf(buf, size, "host %s at %llu",
                            sb_enum_name_or(SB_ENUM_TRANSITION, (int) v->scheduled_transition, "-"),
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

static int build_setting(Coordinator *co, size_t slot, RetainedPayload *out)
{
    SbSettingName name = (SbSettingName) co->retained[slot].arg;
    char text[64];
    SbSettingValue v;
    int n;

    n = coord_setting_build(co->core, name, &v);
    if (n >= 0) {
        n = sb_setting_encode(&v, out->bytes, sizeof(out->bytes));
    }
    if (n < 0) {
        return log_error_errno(n, "coordinator: failed to build setting name='%s': %m",
                               sb_str_or(sb_setting_topic_name(name), "-"));
    }
    payload_init(out, n);
    setting_text(&v, text, sizeof(text));
    out->log_level = LOG_INFO;
    (void) snprintf(out->log_text, sizeof(out->log_text), "published setting name=%s value='%s'",
                    sb_str_or(sb_setting_topic_name(name), "-"), text);
    return 0;
}

static int build_power_restore(Coordinator *co, size_t slot, RetainedPayload *out)
{
    SbPowerRestoreMsg m;
    int n;

    (void) slot;
    n = coord_power_restore_build(co->core, &m);
    if (n == -ENOENT) {
        return n; /* no decision yet */
    }
    if (n >= 0) {
        n = sb_power_restore_encode(&m, out->bytes, sizeof(out->bytes));
    }
    if (n < 0) {
        return log_error_errno(n, "coordinator: failed to build power-restore decision: %m");
    }
    payload_init(out, n);
    out->log_level = LOG_INFO;
    (void) snprintf(out->log_text, sizeof(out->log_text),
                    "published power-restore loss_id=%llu policy=%s action=%s id='%s'",
                    (unsigned long long) m.loss_id,
                    sb_enum_name_or(SB_ENUM_RESTORE_POLICY, (int) m.policy, "-"),
                    sb_enum_name_or(SB_ENUM_TRANSITION, (int) m.action, "-"), m.id);
    return 0;
}

/* The status in arg, with the epoch of the current will. Not logged here: the callers log the
 * life-cycle step it belongs to. */
static int build_status(Coordinator *co, size_t slot, RetainedPayload *out)
{
    SbStatusMsg m = { .status = (SbStatus) co->retained[slot].arg,
                      .epoch = co->will_epoch,
                      .time_ms = now_unix_ms() };
    int n = sb_status_encode(&m, out->bytes, sizeof(out->bytes));

    if (n < 0) {
        return n;
    }
    payload_init(out, n);
    return 0;
}

static const RetainedClass rollup_class = {
    .build = build_rollup,
    .sync = RETAINED_SYNC_CACHED,
    .one_in_flight = true,
};
static const RetainedClass requests_class = {
    .build = build_requests,
    .sync = RETAINED_SYNC_REBUILD, /* the last bytes are kept without "time" */
};
static const RetainedClass setting_class = {
    .build = build_setting,
    .sync = RETAINED_SYNC_CACHED,
};
static const RetainedClass power_restore_class = {
    .build = build_power_restore,
    .sync = RETAINED_SYNC_CACHED,
};
static const RetainedClass status_class = {
    .build = build_status,
    .sync = RETAINED_SYNC_LAST,
    .always = true,
    .at_iteration_end = true,
};

static int format_slot(Coordinator *co, size_t slot, const RetainedClass *cls, SbTopic *t, int arg)
{
    RetainedTopic *rt = &co->retained[slot];

    (void) snprintf(t->system, sizeof(t->system), "%s", co->opts->system);
    rt->cls = cls;
    rt->arg = arg;
    return sb_topic_format(rt->topic, sizeof(rt->topic), t);
}

int retained_init(Coordinator *co)
{
    int r = 0;

    for (int kind = 0; r >= 0 && kind < SB_KIND_COUNT; kind++) {
        SbTopic t = { .kind = SB_TOPIC_SYSTEM_ROLLUP, .state_kind = (SbStateKind) kind };
        r = format_slot(co, retained_rollup((SbStateKind) kind), &rollup_class, &t, kind);
    }
    if (r >= 0) {
        SbTopic t = { .kind = SB_TOPIC_SYSTEM_REQUESTS };
        r = format_slot(co, RETAINED_REQUESTS, &requests_class, &t, 0);
    }
    for (int name = SB_SETTING_NONE + 1; r >= 0 && name < SB_SETTING_COUNT; name++) {
        SbTopic t = { .kind = SB_TOPIC_SETTING, .setting = (SbSettingName) name };
        r = format_slot(co, retained_setting((SbSettingName) name), &setting_class, &t, name);
    }
    if (r >= 0) {
        SbTopic t = { .kind = SB_TOPIC_SYSTEM_POWER_RESTORE };
        r = format_slot(co, RETAINED_POWER_RESTORE, &power_restore_class, &t, 0);
    }
    if (r >= 0) {
        SbTopic t = { .kind = SB_TOPIC_SYSTEM_STATUS };
        r = format_slot(co, RETAINED_STATUS, &status_class, &t, SB_STATUS_ONLINE);
    }
    if (r < 0) {
        return log_error_errno(r, "coordinator: failed to format retained topics system='%s': %m",
                               co->opts->system);
    }
    return 0;
}

void retained_mark(Coordinator *co, size_t slot)
{
    if (slot < RETAINED_COUNT && co->retained[slot].cls) {
        co->retained[slot].due = true;
    }
}

static void log_published(Coordinator *co, const RetainedPayload *p)
{
    int level = p->log_level;

    if (p->log_text[0] == '\0') {
        return;
    }
    if (p->gate_ready >= 0) {
        level = co->gate_logged != p->gate_ready ? LOG_INFO : LOG_DEBUG;
        co->gate_logged = p->gate_ready;
    }
    log_full_errno(level, 0, "coordinator: %s", p->log_text);
}

int retained_publish(Coordinator *co, size_t slot)
{
    RetainedTopic *rt = &co->retained[slot];
    RetainedPayload p = { .log_level = LOG_DEBUG, .gate_ready = -1 };
    int mid = 0, r;

    r = rt->cls->build(co, slot, &p);
    if (r < 0) {
        return r == -ENOENT ? 0 : r;
    }
    if (!rt->cls->always && rt->last_valid && rt->last_len == p.canonical_len &&
        memcmp(rt->last, p.canonical, p.canonical_len) == 0) {
        return 0;
    }
    r = mqtt_io_publish(co->io,
                        &(MqttPublish){ .topic = rt->topic,
                                        .payload = p.bytes,
                                        .len = p.len,
                                        .qos = 1,
                                        .retain = true },
                        &mid);
    if (r < 0) {
        /* Not resent later: the core asks again when it has something new, and after a
         * reconnect it republishes everything once the rebirth window is over. */
        rt->last_valid = false;
        log_full_errno(r == -ENOTCONN || rt->cls->always ? LOG_DEBUG : LOG_WARNING, r,
                       "coordinator: failed to publish topic='%s': %m", rt->topic);
        return r;
    }
    rt->mid = mid;
    memcpy(rt->last, p.canonical, p.canonical_len);
    rt->last_len = p.canonical_len;
    rt->last_valid = true;
    log_published(co, &p);
    return 1;
}

void retained_flush(Coordinator *co, RetainedFlush mode)
{
    bool before_events = mode == RETAINED_FLUSH_BEFORE_EVENTS;

    for (size_t slot = 0; slot < RETAINED_COUNT; slot++) {
        RetainedTopic *rt = &co->retained[slot];

        if (!rt->cls || !rt->due) {
            continue;
        }
        if (before_events ? rt->cls->at_iteration_end : rt->cls->one_in_flight && rt->mid != 0) {
            continue; /* held back (retained_acked) or left for the end of the iteration */
        }
        rt->due = false;
        (void) retained_publish(co, slot);
    }
}

void retained_forget(Coordinator *co)
{
    for (size_t slot = 0; slot < RETAINED_COUNT; slot++) {
        co->retained[slot].last_valid = false;
        co->retained[slot].mid = 0;
    }
}

size_t retained_acked(Coordinator *co, int mid)
{
    for (size_t slot = 0; slot < RETAINED_COUNT; slot++) {
        if (co->retained[slot].mid == mid && mid != 0) {
            co->retained[slot].mid = 0;
            return slot;
        }
    }
    return RETAINED_COUNT;
}

unsigned retained_sync(Coordinator *co)
{
    unsigned n = 0;

    for (size_t slot = 0; slot < RETAINED_COUNT; slot++) {
        RetainedTopic *rt = &co->retained[slot];
        int r;

        if (!rt->cls) {
            continue;
        }
        if (rt->cls->sync != RETAINED_SYNC_CACHED) {
            /* Built afresh by the next flush (the status after everything else). */
            rt->last_valid = false;
            rt->due = true;
            rt->arg = rt->cls == &status_class ? SB_STATUS_ONLINE : rt->arg;
            continue;
        }
        if (!rt->last_valid) {
            continue;
        }
        r = mqtt_io_publish(co->io,
                            &(MqttPublish){ .topic = rt->topic,
                                            .payload = rt->last,
                                            .len = rt->last_len,
                                            .qos = 1,
                                            .retain = true },
                            NULL);
        if (r < 0) {
            log_debug("coordinator: sync failed to republish topic='%s': %s", rt->topic,
                      strerror(-r));
            continue;
        }
        n++;
    }
    return n;
}
