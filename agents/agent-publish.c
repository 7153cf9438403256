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
#include "time-util.h"

/* ---- publishing -------------------------------------------------------------------------- */

const char *agent_state_name(const NodeObservation *o)
{
    const char *s = sb_enum_to_string(sb_state_kind_enum(o->kind), o->state);
    return s ? s : "Unknown";
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
    r = mqtt_io_publish(a->io, a->topic_state[kind], buf, (size_t) len, 1, true, NULL, NULL);
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
    return mqtt_io_publish(a->io, a->topic_status, buf, (size_t) len, 1, true, NULL, ret_mid);
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

void agent_publish_event(Agent *a,
                         SbEventKind kind,
                         const SbCommand *cmd,
                         SbTarget target,
                         const char *why)
{
    char buf[SB_PAYLOAD_MAX + 1];
    SbEvent e = {
        .kind = kind,
        .target = target,
        .transition = cmd ? cmd->transition : SB_TRANSITION_NONE,
        .time_ms = now_unix_ms(),
        .node = a->opts.node,
    };
    int len, r;

    if (cmd) {
        memcpy(e.id, cmd->id, sizeof(e.id));
    }
    (void) snprintf(e.why, sizeof(e.why), "%s", why ? why : "");
    len = sb_event_encode(&e, buf, sizeof(buf));
    if (len < 0) {
        (void) log_error_errno(len, "agent: node=%u failed to encode an event: %m",
                               (unsigned) a->opts.node);
        return;
    }
    r = mqtt_io_publish(a->io, a->topic_event, buf, (size_t) len, 1, false, NULL, NULL);
    if (r < 0) {
        (void) log_warning_errno(r, "agent: node=%u failed to publish an event: %m",
                                 (unsigned) a->opts.node);
    }
}
