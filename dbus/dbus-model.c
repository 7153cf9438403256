/* SPDX-License-Identifier: Apache-2.0 */
#include "dbus-model.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"

typedef struct PropInfo {
    const char *name;
    const char *interface;
    DbusObject object;
} PropInfo;

static const PropInfo props[DBUS_PROP_COUNT] = {
    [DBUS_PROP_REQUESTED_HOST] = { "RequestedHostTransition", DBUS_HOST_IFACE, DBUS_OBJECT_HOST },
    [DBUS_PROP_CURRENT_HOST] = { "CurrentHostState", DBUS_HOST_IFACE, DBUS_OBJECT_HOST },
    [DBUS_PROP_RESTART_CAUSE] = { "RestartCause", DBUS_HOST_IFACE, DBUS_OBJECT_HOST },
    [DBUS_PROP_BOOT_PROGRESS] = { "BootProgress", DBUS_BOOT_IFACE, DBUS_OBJECT_HOST },
    [DBUS_PROP_BOOT_LAST_UPDATE] = { "BootProgressLastUpdate", DBUS_BOOT_IFACE, DBUS_OBJECT_HOST },
    [DBUS_PROP_OS_STATE] = { "OperatingSystemState", DBUS_OS_IFACE, DBUS_OBJECT_HOST },
    [DBUS_PROP_REQUESTED_POWER] = { "RequestedPowerTransition", DBUS_CHASSIS_IFACE,
                                    DBUS_OBJECT_CHASSIS },
    [DBUS_PROP_CURRENT_POWER] = { "CurrentPowerState", DBUS_CHASSIS_IFACE, DBUS_OBJECT_CHASSIS },
    [DBUS_PROP_POWER_STATUS] = { "CurrentPowerStatus", DBUS_CHASSIS_IFACE, DBUS_OBJECT_CHASSIS },
    [DBUS_PROP_LAST_STATE_CHANGE] = { "LastStateChangeTime", DBUS_CHASSIS_IFACE,
                                      DBUS_OBJECT_CHASSIS },
    [DBUS_PROP_HV_REQUESTED] = { "RequestedHostTransition", DBUS_HOST_IFACE,
                                 DBUS_OBJECT_HYPERVISOR },
    [DBUS_PROP_HV_CURRENT] = { "CurrentHostState", DBUS_HOST_IFACE, DBUS_OBJECT_HYPERVISOR },
};

const char *dbus_prop_name(DbusProp p)
{
    return (int) p >= 0 && p < DBUS_PROP_COUNT ? props[p].name : NULL;
}

const char *dbus_prop_interface(DbusProp p)
{
    return (int) p >= 0 && p < DBUS_PROP_COUNT ? props[p].interface : NULL;
}

DbusObject dbus_prop_object(DbusProp p)
{
    return (int) p >= 0 && p < DBUS_PROP_COUNT ? props[p].object : DBUS_OBJECT_COUNT;
}

void dbus_model_init(DbusModel *m)
{
    *m = (DbusModel){ .coordinator = SB_STATUS_UNKNOWN };
}

void dbus_model_done(DbusModel *m)
{
    free(m->power_status);
    m->power_status = NULL;
    m->n_power_status = 0;
}

void dbus_model_rollup(DbusModel *m, const SbRollupMsg *r)
{
    if ((int) r->kind < 0 || r->kind >= SB_KIND_COUNT) {
        return;
    }
    if (r->kind == SB_KIND_HYPERVISOR) {
        /* "Unknown" here is the withdrawal (topics/README.md "Hypervisor"): nothing to show. */
        m->hypervisor_published = r->state != 0;
    }
    if (r->state == 0) {
        return; /* no PSM value: keep the last real one */
    }
    m->state[r->kind] = r->state;
    m->since_ms[r->kind] = r->since_ms;
}

static bool is_power_on(SbTransition t)
{
    return t == SB_TRANSITION_ON || t == SB_TRANSITION_REBOOT ||
           t == SB_TRANSITION_GRACEFUL_WARM_REBOOT || t == SB_TRANSITION_FORCE_WARM_REBOOT ||
           t == SB_TRANSITION_POWER_CYCLE;
}

/* PSM's RestartCause for a power-on the coordinator carries out, from who asked for it
 * (topics/README.md: power restore ids "power-restore-<n>", schedules "scheduled-<time>"). */
static SbRestartCause restart_cause_of(const DbusModel *m, const char *id)
{
    if (strncmp(id, "power-restore-", 14) == 0) {
        bool same = strcmp(id, m->restore_id) == 0;
        return same && m->restore_policy == SB_POLICY_RESTORE
                       ? SB_RESTART_CAUSE_POWER_POLICY_PREVIOUS_STATE
                       : SB_RESTART_CAUSE_POWER_POLICY_ALWAYS_ON;
    }
    if (strncmp(id, "scheduled-", 10) == 0) {
        return SB_RESTART_CAUSE_SCHEDULED_POWER_ON;
    }
    return SB_RESTART_CAUSE_REMOTE_COMMAND;
}

/* The last accepted request of target in q: a queued one is the newest (not a delayed one), then
 * the one being carried out, then the last finished one unless it was refused (a rejected request
 * was never accepted; a cancelled or failed one was). */
static const SbRequestInfo *last_accepted(const SbRequestsMsg *q, SbTarget target)
{
    static const SbRequestPhase order[] = { SB_REQUEST_PENDING, SB_REQUEST_ACTIVE,
                                            SB_REQUEST_DONE };

    for (size_t o = 0; o < ELEMENTSOF(order); o++) {
        for (size_t i = 0; i < q->n_requests; i++) {
            const SbRequestInfo *r = &q->requests[i];
            if (r->target != target || r->phase != order[o]) {
                continue;
            }
            if (r->not_before_ms != 0) {
                /* A power restore waiting for power-restore-delay: PSM sets the requested
                 * transition only when the delay is over (phosphor-discover-system-state). */
                continue;
            }
            if (r->phase == SB_REQUEST_DONE &&
                (r->result == SB_EVENT_REJECTED || r->result == SB_EVENT_DUPLICATE)) {
                continue;
            }
            return r;
        }
    }
    return NULL;
}

static bool was_refused(const SbRequestsMsg *q, SbTarget target, const char *id)
{
    for (size_t i = 0; id[0] && i < q->n_requests; i++) {
        const SbRequestInfo *r = &q->requests[i];
        if (r->target == target && r->phase == SB_REQUEST_DONE && r->result == SB_EVENT_REJECTED &&
            strcmp(r->id, id) == 0) {
            return true;
        }
    }
    return false;
}

static void set_requested(DbusModel *m, SbTarget target, SbTransition t, const char *id)
{
    m->requested[target] = t;
    (void) snprintf(m->requested_id[target], sizeof(m->requested_id[target]), "%s", id);
    if (target == SB_TARGET_HOST && is_power_on(t)) {
        m->restart_cause = restart_cause_of(m, id);
    }
}

void dbus_model_requests(DbusModel *m, const SbRequestsMsg *q)
{
    m->has_requests = true;
    m->gate_open = q->gate_open;
    m->not_ready = q->not_ready;
    m->n_waiting_for =
            q->n_waiting_for < SB_EVENT_NODES_MAX ? q->n_waiting_for : SB_EVENT_NODES_MAX;
    (void) memcpy(m->waiting_for, q->waiting_for, m->n_waiting_for * sizeof(m->waiting_for[0]));
    for (int t = SB_TARGET_CHASSIS; t <= SB_TARGET_HOST; t++) {
        const SbRequestInfo *r = last_accepted(q, (SbTarget) t);
        if (r && sb_transition_valid_for((SbTarget) t, r->transition)) {
            set_requested(m, (SbTarget) t, r->transition, r->id);
        } else if (!r && was_refused(q, (SbTarget) t, m->requested_id[t])) {
            /* The request shown (a D-Bus write the coordinator then refused) was never
             * accepted: back to what the state says, as at start. */
            m->requested[t] = SB_TRANSITION_NONE;
            m->requested_id[t][0] = '\0';
        }
    }
}

void dbus_model_power_restore(DbusModel *m, const SbPowerRestoreMsg *p)
{
    if (p->id[0] == '\0') {
        return; /* a decision without a request restarts nothing */
    }
    (void) snprintf(m->restore_id, sizeof(m->restore_id), "%s", p->id);
    m->restore_policy = p->policy;
    if (strcmp(m->requested_id[SB_TARGET_HOST], p->id) == 0 &&
        is_power_on(m->requested[SB_TARGET_HOST])) {
        m->restart_cause = restart_cause_of(m, p->id);
    }
}

void dbus_model_system_status(DbusModel *m, const SbStatusMsg *s)
{
    m->coordinator = s->status;
}

int dbus_model_node_chassis(DbusModel *m, uint32_t node, const SbStateMsg *s)
{
    int v = s->power_status;

    if (node < 1 || node > SB_NODES_MAX) {
        return -EINVAL;
    }
    if (v < 0 || v >= SB_POWER_STATUS_COUNT) {
        return -EINVAL;
    }
    if (v == 0) {
        return 0; /* not reported in this message: the last report stands */
    }
    if (node > m->n_power_status) {
        uint32_t n = m->n_power_status ? m->n_power_status : 16;
        uint8_t *grown;

        while (n < node) {
            n *= 2;
        }
        n = n > SB_NODES_MAX ? SB_NODES_MAX : n;
        grown = realloc(m->power_status, n);
        if (!grown) {
            return -ENOMEM;
        }
        (void) memset(grown + m->n_power_status, 0, n - m->n_power_status);
        m->power_status = grown;
        m->n_power_status = n;
    }
    if (m->power_status[node - 1] != 0) {
        m->power_counts[m->power_status[node - 1]]--;
    }
    m->power_status[node - 1] = (uint8_t) v;
    m->power_counts[v]++;
    return 0;
}

void dbus_model_local_request(DbusModel *m, SbTarget target, SbTransition t, const char *id)
{
    if (target == SB_TARGET_CHASSIS || target == SB_TARGET_HOST) {
        set_requested(m, target, t, id);
    }
}

/* Worst case first, as PSM's SMP aggregator rolls up its chassis (BrownOut >
 * UninterruptiblePowerSupply > Good), with Undefined (a node that cannot tell) above Good: Good
 * is claimed only when every node that reported says so. No report at all: Undefined. */
static int power_status_rollup(const DbusModel *m)
{
    static const int worst_first[] = { SB_POWER_STATUS_BROWN_OUT, SB_POWER_STATUS_UPS,
                                       SB_POWER_STATUS_UNDEFINED, SB_POWER_STATUS_GOOD };

    for (size_t i = 0; i < ELEMENTSOF(worst_first); i++) {
        if (m->power_counts[worst_first[i]] > 0) {
            return worst_first[i];
        }
    }
    return SB_POWER_STATUS_UNDEFINED;
}

static SbTransition requested_or_initial(const DbusModel *m, SbTarget target)
{
    if (m->requested[target] != SB_TRANSITION_NONE) {
        return m->requested[target];
    }
    /* None seen yet: PSM's determineInitialState (On when the host runs / the chassis is on). */
    if (target == SB_TARGET_HOST) {
        return m->state[SB_KIND_HOST] == SB_HOST_RUNNING ? SB_TRANSITION_ON : SB_TRANSITION_OFF;
    }
    return m->state[SB_KIND_CHASSIS] == SB_CHASSIS_ON ? SB_TRANSITION_ON : SB_TRANSITION_OFF;
}

void dbus_view_build(const DbusModel *m, DbusView *v)
{
    int host = m->state[SB_KIND_HOST];
    int boot = m->state[SB_KIND_BOOT_PROGRESS];
    int hv = m->state[SB_KIND_HYPERVISOR];

    *v = (DbusView){ 0 };
    v->current_host = dbus_value_string(SB_ENUM_HOST_STATE, host);
    v->boot_progress = dbus_value_string(SB_ENUM_BOOT_PROGRESS, boot);
    v->boot_last_update_us = m->since_ms[SB_KIND_BOOT_PROGRESS] * 1000u;
    v->requested_host =
            dbus_transition_string(SB_TARGET_HOST, requested_or_initial(m, SB_TARGET_HOST));
    v->restart_cause =
            dbus_value_string(SB_ENUM_RESTART_CAUSE,
                              m->restart_cause ? (int) m->restart_cause : SB_RESTART_CAUSE_UNKNOWN);
    v->os_state =
            dbus_os_status_string(dbus_os_status_derive((SbHostState) host, (SbBootProgress) boot));
    v->ready[DBUS_OBJECT_HOST] = v->current_host && v->boot_progress;

    v->current_power = dbus_value_string(SB_ENUM_CHASSIS_STATE, m->state[SB_KIND_CHASSIS]);
    v->last_state_change_ms = m->since_ms[SB_KIND_CHASSIS];
    v->requested_power =
            dbus_transition_string(SB_TARGET_CHASSIS, requested_or_initial(m, SB_TARGET_CHASSIS));
    v->power_status = dbus_value_string(SB_ENUM_POWER_STATUS, power_status_rollup(m));
    v->ready[DBUS_OBJECT_CHASSIS] = v->current_power != NULL;

    v->hv_current = dbus_value_string(SB_ENUM_HOST_STATE, hv);
    v->hv_requested = dbus_transition_string(
            SB_TARGET_HOST, hv == SB_HOST_RUNNING ? SB_TRANSITION_ON : SB_TRANSITION_OFF);
    v->ready[DBUS_OBJECT_HYPERVISOR] = m->hypervisor_published && v->hv_current != NULL;
}

static bool str_differs(const char *a, const char *b)
{
    if (!a || !b) {
        return a != b;
    }
    return strcmp(a, b) != 0;
}

uint32_t dbus_view_diff(const DbusView *a, const DbusView *b)
{
    uint32_t mask = 0;

#define DIFF_STR(field, prop)              \
    if (str_differs(a->field, b->field)) { \
        mask |= 1u << (prop);              \
    }
#define DIFF_NUM(field, prop)   \
    if (a->field != b->field) { \
        mask |= 1u << (prop);   \
    }
    DIFF_STR(requested_host, DBUS_PROP_REQUESTED_HOST)
    DIFF_STR(current_host, DBUS_PROP_CURRENT_HOST)
    DIFF_STR(restart_cause, DBUS_PROP_RESTART_CAUSE)
    DIFF_STR(boot_progress, DBUS_PROP_BOOT_PROGRESS)
    DIFF_NUM(boot_last_update_us, DBUS_PROP_BOOT_LAST_UPDATE)
    DIFF_STR(os_state, DBUS_PROP_OS_STATE)
    DIFF_STR(requested_power, DBUS_PROP_REQUESTED_POWER)
    DIFF_STR(current_power, DBUS_PROP_CURRENT_POWER)
    DIFF_STR(power_status, DBUS_PROP_POWER_STATUS)
    DIFF_NUM(last_state_change_ms, DBUS_PROP_LAST_STATE_CHANGE)
    DIFF_STR(hv_requested, DBUS_PROP_HV_REQUESTED)
    DIFF_STR(hv_current, DBUS_PROP_HV_CURRENT)
#undef DIFF_STR
#undef DIFF_NUM
    return mask;
}
