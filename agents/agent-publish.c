/* SPDX-License-Identifier: Apache-2.0 */
/* What the agent puts on the wire: states, status, births and events. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "statebus/payload.h"
#include "statebus/topic.h"

#include "agent-internal.h"
#include "log.h"
#include "text-util.h"
#include "time-util.h"

/* ---- publishing -------------------------------------------------------------------------- */

const char *agent_state_name(const NodeObservation *o)
{
    return sb_enum_name_or(sb_state_kind_enum(o->kind), o->state, "Unknown");
}

int agent_publish_state(Agent *a, SbStateKind kind, bool log_it)
{
    const NodeObservation *o = &a->cur[kind];
    char buf[SB_PAYLOAD_MAX + 1];
    SbStateMsg m = {
        .kind = kind,
        .node = a->opts.node,
        .state = o->state,
        .since_ms = a->since_ms[kind],
        .epoch = a->epoch,
        .seq = a->seq + 1,
    };
    int len, r;

    (void) snprintf(m.request, sizeof(m.request), "%s", a->request_id[kind]);
    switch (kind) {
    case SB_KIND_BMC:
        m.last_reboot_cause = o->last_reboot_cause;
        break;
    case SB_KIND_CHASSIS:
        m.power_status = o->power_status;
        m.has_ac_loss = true;
        m.ac_loss = o->ac_loss;
        m.bmc_boot_ms = o->bmc_boot_ms;
        break;
    case SB_KIND_HOST:
        m.restart_cause = o->restart_cause;
        m.hypervisor = a->opts.hypervisor;
        break;
    case SB_KIND_BOOT_PROGRESS:
        m.last_update_ms = a->since_ms[kind];
        break;
    default:
        return -EINVAL;
    }
    len = sb_state_encode(&m, buf, sizeof(buf));
    if (len < 0) {
        return log_error_errno(len, "agent: node=%u failed to encode %s state: %m",
                               (unsigned) a->opts.node, sb_state_kind_topic_name(kind));
    }
    r = mqtt_io_publish(a->io,
                        &(MqttPublish){ .topic = a->topic_state[kind],
                                        .payload = buf,
                                        .len = (size_t) len,
                                        .qos = 1,
                                        .retain = true },
                        NULL);
    if (r < 0) {
        return log_warning_errno(r, "agent: node=%u failed to publish %s=%s: %m",
                                 (unsigned) a->opts.node, sb_state_kind_topic_name(kind),
                                 agent_state_name(o));
    }
    a->seq = m.seq;
    if (log_it) {
        log_info("agent: node=%u published %s=%s seq=%" PRIu64, (unsigned) a->opts.node,
                 sb_state_kind_topic_name(kind), agent_state_name(o), m.seq);
    }
    return 0;
}

int agent_publish_status(Agent *a, SbStatus status, int *ret_mid)
{
    char buf[SB_PAYLOAD_MAX + 1];
    SbStatusMsg m = {
        .status = status,
        .epoch = a->epoch,
        .node = a->opts.node,
        .time_ms = now_unix_ms(),
    };
    int len = sb_status_encode(&m, buf, sizeof(buf));

    if (len < 0) {
        return len;
    }
    return mqtt_io_publish(a->io,
                           &(MqttPublish){ .topic = a->topic_status,
                                           .payload = buf,
                                           .len = (size_t) len,
                                           .qos = 1,
                                           .retain = true },
                           ret_mid);
}

/* The four states, then status "online" last: a reader that sees "online" has seen them all. */
void agent_publish_birth(Agent *a, const char *why)
{
    uint64_t first_seq = a->seq + 1;
    int mid = 0, r;

    for (int k = 0; k < SB_KIND_NODE_COUNT; k++) {
        if (a->have[k]) {
            (void) agent_publish_state(a, (SbStateKind) k, false);
        }
    }
    r = agent_publish_status(a, SB_STATUS_ONLINE, &mid);
    if (r < 0) {
        (void) log_warning_errno(r, "agent: node=%u failed to publish status online: %m",
                                 (unsigned) a->opts.node);
        return;
    }
    if (!a->ready_notified) {
        a->birth_status_mid = mid;
    }
    log_info("agent: node=%u published %s epoch=%" PRIu64 " seq=%" PRIu64 "..%" PRIu64
             " bmc=%s chassis=%s host=%s boot-progress=%s",
             (unsigned) a->opts.node, why, a->epoch, first_seq, a->seq,
             agent_state_name(&a->cur[SB_KIND_BMC]), agent_state_name(&a->cur[SB_KIND_CHASSIS]),
             agent_state_name(&a->cur[SB_KIND_HOST]),
             agent_state_name(&a->cur[SB_KIND_BOOT_PROGRESS]));
}

static void publish_event_now(Agent *a, const SbEvent *e)
{
    char buf[SB_PAYLOAD_MAX + 1];
    int len, r;

    len = sb_event_encode(e, buf, sizeof(buf));
    if (len < 0) {
        (void) log_error_errno(len, "agent: node=%u failed to encode an event: %m",
                               (unsigned) a->opts.node);
        return;
    }
    r = mqtt_io_publish(a->io,
                        &(MqttPublish){ .topic = a->topic_event,
                                        .payload = buf,
                                        .len = (size_t) len,
                                        .qos = 1 },
                        NULL);
    if (r < 0) {
        (void) log_warning_errno(r, "agent: node=%u failed to publish an event: %m",
                                 (unsigned) a->opts.node);
    }
}

/* Events go out in the order they were made: the deferred ones first. */
void agent_flush_events(Agent *a)
{
    for (size_t i = 0; i < a->n_deferred; i++) {
        publish_event_now(a, &a->deferred[i]);
    }
    a->n_deferred = 0;
    if (a->event_flush) {
        (void) sd_event_source_set_enabled(a->event_flush, SD_EVENT_OFF);
    }
}

static int on_event_flush(sd_event_source *s, void *userdata)
{
    (void) s;
    agent_flush_events(userdata);
    return 0;
}

/* accepted and failed report what the command did to the node: a reader acting on them must find
 * the node's state of that moment already published. The backend reports the states a command or
 * a failure causes within the same loop iteration (synchronously, or in the step that also reports
 * the failure), so the event waits for a defer source, which runs after this iteration's work. */
static bool defer_event(Agent *a, const SbEvent *e)
{
    int r;

    if (e->kind != SB_EVENT_ACCEPTED && e->kind != SB_EVENT_FAILED) {
        return false;
    }
    if (a->n_deferred == sizeof(a->deferred) / sizeof(a->deferred[0])) {
        agent_flush_events(a);
    }
    if (!a->event_flush) {
        r = sd_event_add_defer(a->event, &a->event_flush, on_event_flush, a);
        if (r < 0) {
            (void) log_warning_errno(r, "agent: node=%u cannot defer an event, sending it now: %m",
                                     (unsigned) a->opts.node);
            return false;
        }
    }
    if (sd_event_source_set_enabled(a->event_flush, SD_EVENT_ONESHOT) < 0) {
        return false;
    }
    a->deferred[a->n_deferred++] = *e;
    return true;
}

void agent_publish_event(Agent *a,
                         SbEventKind kind,
                         const SbCommand *cmd,
                         SbTarget target,
                         const char *why)
{
    SbEvent e = {
        .kind = kind,
        .target = target,
        .transition = cmd ? cmd->transition : SB_TRANSITION_NONE,
        .time_ms = now_unix_ms(),
        .node = a->opts.node,
    };

    if (cmd) {
        memcpy(e.id, cmd->id, sizeof(e.id));
    }
    (void) snprintf(e.why, sizeof(e.why), "%s", why ? why : "");
    if (defer_event(a, &e)) {
        return;
    }
    agent_flush_events(a);
    publish_event_now(a, &e);
}
