/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Power restore for the whole system (topics/README.md "Power restore"), decided once per
 * power-loss event, in one place.
 *
 * A node reports a loss with chassis "ac_loss": true; its "bmc_boot" (when that BMC booted)
 * identifies the event. A report is new when its bmc_boot is later than the newest one already
 * decided (persisted), so a coordinator restart never decides the same loss twice; a report
 * without bmc_boot cannot be told apart from one already decided and is never acted on.
 *
 * The decision waits for the gate to open (every BMC Ready: PSM runs its restore at BMC Ready):
 *   every expected node reports a new loss -> system-wide: the one-time policy when it is not
 *     None (then cleared), else power-restore-policy: AlwaysOn -> host On; Restore -> the last
 *     requested system state when it was a power-on; AlwaysOff, None -> nothing. Nothing either
 *     when a chassis is already powered (PSM restores only a chassis that is off).
 *   some nodes only -> node-local: the system stays as it is; with --node-restore rejoin the
 *     nodes rejoin a running system (a partial power-on to the last requested state, when that
 *     was a power-on and another node's chassis is on).
 * An action is request "power-restore-<n>", a verdict coord.c submits (requests_submit): delayed
 * by power-restore-delay, it waits in the request queue with its not-before time (persisted with
 * the queue: never lost, never repeated), then enters the gate. Every decision, acted on or not,
 * goes to system/power-restore and a "power-restore" event.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "coord-internal.h"

int power_restore_init(Coord *c)
{
    return node_links_init(&c->restore.loss_links, c->cfg.nodes);
}

void power_restore_done(Coord *c)
{
    node_links_done(&c->restore.loss_links);
}

void power_restore_reset(Coord *c)
{
    PowerRestore *pr = &c->restore;

    /* Only called before the first event, while no node is listed. */
    pr->decided_boot_ms = 0;
    pr->counter = 0;
    pr->has_last = false;
    memset(&pr->last, 0, sizeof(pr->last));
}

void power_restore_on_chassis(Coord *c, uint32_t node, bool ac_loss, uint64_t bmc_boot_ms)
{
    PowerRestore *pr = &c->restore;
    Node *nd = &c->nodes[node];
    bool is_new = ac_loss && bmc_boot_ms != 0 && bmc_boot_ms > pr->decided_boot_ms;

    nd->ac_loss = ac_loss;
    nd->bmc_boot_ms = bmc_boot_ms;
    if (is_new && !nd->in_losses) {
        node_list_push(&pr->losses, &pr->loss_links, node);
        nd->in_losses = true;
    } else if (!is_new && nd->in_losses) {
        node_list_remove(&pr->losses, &pr->loss_links, node);
        nd->in_losses = false;
    }
}

static bool chassis_is_powered(int value)
{
    return value == SB_CHASSIS_ON || value == SB_CHASSIS_TRANSITIONING_TO_ON ||
           value == SB_CHASSIS_TRANSITIONING_TO_OFF;
}

static uint32_t chassis_powered_count(const Coord *c)
{
    const NodeList *v = c->values[SB_KIND_CHASSIS];

    return v[SB_CHASSIS_ON].count + v[SB_CHASSIS_TRANSITIONING_TO_ON].count +
           v[SB_CHASSIS_TRANSITIONING_TO_OFF].count;
}

/* The power-on that brings the system back to its last requested state, if that was one. */
static SbTarget restore_target(const Coord *c, SbTransition *ret_transition)
{
    SbTarget t = c->requested_last;
    SbTransition last = t == SB_TARGET_NONE ? SB_TRANSITION_NONE : c->requested[t];

    *ret_transition = SB_TRANSITION_NONE;
    if (last == SB_TRANSITION_NONE || last == SB_TRANSITION_OFF) {
        return SB_TARGET_NONE;
    }
    /* Every other chassis or host transition ends with the system on. */
    *ret_transition = SB_TRANSITION_ON;
    return t;
}

/* What the system was last asked to be, for the decision's words. */
static void describe_last_requested(const Coord *c, char *buf, size_t size)
{
    SbTarget t = c->requested_last;

    if (t == SB_TARGET_NONE || c->requested[t] == SB_TRANSITION_NONE) {
        (void) snprintf(buf, size, "no state was ever requested");
        return;
    }
    (void) snprintf(buf, size, "the last requested state was %s %s", coord_target_name(t),
                    coord_transition_name(c->requested[t]));
}

typedef struct Decision {
    SbPowerRestoreMsg msg;
    SbTarget target; /* NONE = no action */
    SbTransition transition;
    const char *cause;                    /* PSM's RestartCause word for the request's reason */
    uint32_t nodes[SB_COMMAND_NODES_MAX]; /* the nodes a rejoin goes to, none = every node */
    size_t n_nodes;
} Decision;

static const char *policy_name(SbRestorePolicy p)
{
    const char *s = sb_enum_to_string(SB_ENUM_RESTORE_POLICY, (int) p);

    return s ? s : "None";
}

static void decide_system_wide(Coord *c, Decision *d, char *why, size_t size)
{
    Settings *s = &c->settings;
    uint32_t powered = chassis_powered_count(c);
    bool one_time = s->one_time != SB_POLICY_NONE;
    SbRestorePolicy policy = one_time ? s->one_time : s->policy;
    char last[96], head[96];
    int w;

    (void) snprintf(head, sizeof(head), "every node (%" PRIu32 ") lost AC power", c->cfg.nodes);
    if (powered > 0) {
        /* PSM restores only when the chassis power is off; the one-time policy stays. */
        d->msg.policy = policy;
        (void) snprintf(why, size,
                        "%s, but the chassis power is on on %" PRIu32 " nodes: no action", head,
                        powered);
        return;
    }
    d->msg.policy = policy;
    d->msg.one_time = one_time;
    if (one_time) {
        /* Applied once, then None (openbmc/docs designs/power-recovery.md). */
        s->one_time = SB_POLICY_NONE;
        settings_changed(c, SB_SETTING_POWER_RESTORE_ONE_TIME);
        settings_event(c, SB_EVENT_SETTING, "power-restore-one-time cleared after use", NULL);
    }
    w = snprintf(why, size, "%s; %s %s", head, one_time ? "one-time policy" : "policy",
                 policy_name(policy));
    if (w < 0 || (size_t) w >= size) {
        return;
    }
    switch (policy) {
    case SB_POLICY_ALWAYS_ON:
        d->target = SB_TARGET_HOST;
        d->transition = SB_TRANSITION_ON;
        d->cause = "PowerPolicyAlwaysOn";
        (void) snprintf(why + w, size - (size_t) w, ": host On");
        return;
    case SB_POLICY_RESTORE:
        describe_last_requested(c, last, sizeof(last));
        d->target = restore_target(c, &d->transition);
        d->cause = "PowerPolicyPreviousState";
        if (d->target == SB_TARGET_NONE) {
            (void) snprintf(why + w, size - (size_t) w, ": %s: no action", last);
        } else {
            (void) snprintf(why + w, size - (size_t) w, ": %s: %s On", last,
                            coord_target_name(d->target));
        }
        return;
    case SB_POLICY_ALWAYS_OFF:
        (void) snprintf(why + w, size - (size_t) w, ": the system stays off");
        return;
    case SB_POLICY_NONE:
    case SB_POLICY_UNKNOWN:
    case SB_POLICY_COUNT:
        break;
    }
    (void) snprintf(why + w, size - (size_t) w, ": no action");
}

static void decide_node_local(Coord *c, Decision *d, char *why, size_t size)
{
    const PowerRestore *pr = &c->restore;
    uint32_t powered = chassis_powered_count(c), lost_powered = 0;
    char nodes[128];
    SbTarget target;
    SbTransition transition;

    for (uint32_t n = pr->losses.head; n; n = node_list_next(&pr->loss_links, n)) {
        lost_powered += chassis_is_powered(c->nodes[n].kinds[SB_KIND_CHASSIS].value);
    }
    d->msg.policy = c->settings.policy;
    coord_format_nodes(nodes, sizeof(nodes), "nodes", d->msg.nodes, d->msg.n_nodes,
                       d->msg.nodes_omitted);
    if (c->cfg.node_restore != COORD_NODE_RESTORE_REJOIN) {
        (void) snprintf(why, size,
                        "node-local loss: %s lost AC power, the others did not; the system "
                        "stays as it is",
                        nodes);
        return;
    }
    target = restore_target(c, &transition);
    if (powered <= lost_powered) {
        (void) snprintf(why, size,
                        "node-local loss: %s lost AC power; no other node's chassis is on: "
                        "nothing to rejoin",
                        nodes);
        return;
    }
    if (target == SB_TARGET_NONE) {
        (void) snprintf(why, size,
                        "node-local loss: %s lost AC power; the system's last requested state "
                        "is not on: no rejoin",
                        nodes);
        return;
    }
    d->target = target;
    d->transition = transition;
    d->cause = "PowerPolicyPreviousState";
    d->n_nodes = node_list_collect(&pr->losses, &pr->loss_links, d->nodes, SB_COMMAND_NODES_MAX);
    (void) snprintf(why, size,
                    "node-local loss: %s lost AC power; they rejoin the running system: "
                    "%s On to them",
                    nodes, coord_target_name(target));
}

/* The decision's "power-restore" event, with the words of system/power-restore. */
static void announce(Coord *c, const Decision *d)
{
    const SbPowerRestoreMsg *m = &d->msg;
    SbEvent *e = coord_event_add(c, SB_EVENT_POWER_RESTORE, NULL, m->why,
                                 (EventNodes){ m->nodes, m->n_nodes, m->nodes_omitted });

    if (!e) {
        return;
    }
    (void) snprintf(e->id, sizeof(e->id), "%s", m->id);
    e->target = d->target;
    e->transition = d->target == SB_TARGET_NONE ? SB_TRANSITION_NONE : d->transition;
}

/* Gives the decision's action an id and its request: into the gate now, or delayed until
 * power-restore-delay is over. */
static void act(Coord *c, Decision *d, char *why, size_t size, RequestSpec *ret)
{
    SbPowerRestoreMsg *m = &d->msg;
    size_t len = strlen(why);

    (void) snprintf(m->id, sizeof(m->id), "power-restore-%" PRIu64, ++c->restore.counter);
    m->action = d->transition;
    m->due_ms = c->now_ms;
    ret->target = d->target;
    ret->transition = d->transition;
    (void) snprintf(ret->id, sizeof(ret->id), "%s", m->id);
    /* PSM's RestartCause goes with the request, in its reason. */
    (void) snprintf(ret->reason, sizeof(ret->reason), "%s: power restore after %s AC loss",
                    d->cause, m->system_wide ? "a system-wide" : "a node-local");
    memcpy(ret->nodes, d->nodes, d->n_nodes * sizeof(d->nodes[0]));
    ret->n_nodes = d->n_nodes;
    ret->not_before_ms = 0;
    ret->replaces_delayed = true; /* one decision's action at a time, the newest */
    if (c->settings.delay_s == 0) {
        return;
    }
    m->delay_s = c->settings.delay_s;
    m->due_ms = c->now_ms + (uint64_t) c->settings.delay_s * 1000u;
    ret->not_before_ms = m->due_ms;
    if (len < size) {
        (void) snprintf(why + len, size - len, " in %" PRIu32 " s (power-restore-delay)",
                        m->delay_s);
    }
}

static bool decide(Coord *c, RequestSpec *ret)
{
    PowerRestore *pr = &c->restore;
    Decision d = { .target = SB_TARGET_NONE };
    SbPowerRestoreMsg *m = &d.msg;
    char why[SB_WHY_MAX + 1];
    uint64_t newest = 0;

    for (uint32_t n = pr->losses.head; n; n = node_list_next(&pr->loss_links, n)) {
        if (c->nodes[n].bmc_boot_ms > newest) {
            newest = c->nodes[n].bmc_boot_ms;
        }
    }
    m->time_ms = c->now_ms;
    m->loss_id = newest;
    m->system_wide = pr->losses.count == c->cfg.nodes;
    m->n_nodes = node_list_collect(&pr->losses, &pr->loss_links, m->nodes, SB_EVENT_NODES_MAX);
    m->nodes_omitted = pr->losses.count - (uint32_t) m->n_nodes;
    if (m->system_wide) {
        decide_system_wide(c, &d, why, sizeof(why));
    } else {
        decide_node_local(c, &d, why, sizeof(why));
    }
    if (d.target != SB_TARGET_NONE) {
        act(c, &d, why, sizeof(why), ret);
    }
    (void) snprintf(m->why, sizeof(m->why), "%s", why);

    /* Decided: these reports are old from now on. */
    pr->decided_boot_ms = newest;
    while (pr->losses.head) {
        uint32_t n = pr->losses.head;

        node_list_remove(&pr->losses, &pr->loss_links, n);
        c->nodes[n].in_losses = false;
    }
    pr->last = *m;
    pr->has_last = true;
    c->durable_dirty = true;
    (void) coord_action_add(c, COORD_ACT_PUBLISH_POWER_RESTORE);
    announce(c, &d);
    return d.target != SB_TARGET_NONE;
}

bool power_restore_run(Coord *c, RequestSpec *ret)
{
    if (c->restore.losses.count > 0 && coord_gate_is_open(c)) {
        return decide(c, ret);
    }
    return false;
}

int coord_power_restore_build(const Coord *c, SbPowerRestoreMsg *ret)
{
    if (!c || !ret) {
        return -EINVAL;
    }
    if (!c->restore.has_last) {
        return -ENOENT;
    }
    *ret = c->restore.last;
    return 0;
}
