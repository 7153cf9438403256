/* SPDX-License-Identifier: Apache-2.0 */
#include "sim-model.h"

#include <errno.h>
#include <string.h>

/* The boot stages a sim host walks through, in order (openbmc's Boot.Progress for a plain boot). */
static const SbBootProgress boot_stages[] = {
    SB_BOOT_PRIMARY_PROC_INIT, SB_BOOT_BUS_INIT,
    SB_BOOT_MEMORY_INIT,       SB_BOOT_SECONDARY_PROC_INIT,
    SB_BOOT_PCI_INIT,          SB_BOOT_SYSTEM_INIT_COMPLETE,
    SB_BOOT_OS_START,          SB_BOOT_OS_RUNNING,
};
#define BOOT_STAGES ((int) (sizeof(boot_stages) / sizeof(boot_stages[0])))

/* Builds a walk: a cursor time and the state the node will be in once the steps so far are done,
 * so each walk starts from where the previous one leaves the node. */
typedef struct PlanBuilder {
    const SimModel *m; /* the walk in progress stays untouched while a new one is built */
    const SimConfig *cfg;
    uint64_t t;
    int state[SB_KIND_NODE_COUNT];
    SimStep steps[SIM_PLAN_MAX];
    size_t n_steps;
    int error;
} PlanBuilder;

static bool value_in_range(SbEnumType type, int value)
{
    return value >= 1 && value < sb_enum_count(type);
}

/* The saved hardware after a BMC reset; a value out of range keeps the power-on default. */
static void restore_hardware(SimModel *m, const SimHardware *hw)
{
    NodeObservation *chassis = &m->obs[SB_KIND_CHASSIS];
    NodeObservation *host = &m->obs[SB_KIND_HOST];
    NodeObservation *boot = &m->obs[SB_KIND_BOOT_PROGRESS];

    if (value_in_range(SB_ENUM_CHASSIS_STATE, (int) hw->chassis)) {
        chassis->state = (int) hw->chassis;
    }
    if (value_in_range(SB_ENUM_POWER_STATUS, (int) hw->power_status)) {
        chassis->power_status = hw->power_status;
    }
    if (value_in_range(SB_ENUM_HOST_STATE, (int) hw->host)) {
        host->state = (int) hw->host;
    }
    if (value_in_range(SB_ENUM_RESTART_CAUSE, (int) hw->restart_cause)) {
        host->restart_cause = hw->restart_cause;
    }
    if (value_in_range(SB_ENUM_BOOT_PROGRESS, (int) hw->boot_progress)) {
        boot->state = (int) hw->boot_progress;
    }
    /* Without chassis power nothing runs, whatever the file says. */
    if (chassis->state == SB_CHASSIS_OFF) {
        host->state = SB_HOST_OFF;
        boot->state = SB_BOOT_UNSPECIFIED;
    }
}

void sim_model_init(SimModel *m, const SimConfig *cfg)
{
    memset(m, 0, sizeof(*m));
    m->cfg = *cfg;
    m->obs[SB_KIND_BMC] = (NodeObservation){
        .kind = SB_KIND_BMC,
        .state = SB_BMC_NOT_READY,
        .last_reboot_cause = SB_REBOOT_CAUSE_POR,
    };
    m->obs[SB_KIND_CHASSIS] = (NodeObservation){
        .kind = SB_KIND_CHASSIS,
        .state = SB_CHASSIS_OFF,
        .power_status = SB_POWER_STATUS_GOOD,
        .ac_loss = cfg->ac_loss,
    };
    m->obs[SB_KIND_HOST] = (NodeObservation){
        .kind = SB_KIND_HOST,
        .state = SB_HOST_OFF,
        .restart_cause = SB_RESTART_CAUSE_UNKNOWN,
    };
    m->obs[SB_KIND_BOOT_PROGRESS] = (NodeObservation){
        .kind = SB_KIND_BOOT_PROGRESS,
        .state = SB_BOOT_UNSPECIFIED,
    };
    m->obs[SB_KIND_CHASSIS].bmc_boot_ms = cfg->bmc_boot_ms;
    if (cfg->restore && !cfg->ac_loss) {
        restore_hardware(m, &cfg->hardware);
    }
}

const NodeObservation *sim_model_get(const SimModel *m, SbStateKind kind)
{
    if ((int) kind < 0 || kind >= SB_KIND_NODE_COUNT) {
        return NULL;
    }
    return &m->obs[kind];
}

void sim_model_hardware(const SimModel *m, SimHardware *ret)
{
    *ret = (SimHardware){
        .chassis = (SbChassisState) m->obs[SB_KIND_CHASSIS].state,
        .power_status = m->obs[SB_KIND_CHASSIS].power_status,
        .host = (SbHostState) m->obs[SB_KIND_HOST].state,
        .restart_cause = m->obs[SB_KIND_HOST].restart_cause,
        .boot_progress = (SbBootProgress) m->obs[SB_KIND_BOOT_PROGRESS].state,
        .bmc_boot_ms = m->obs[SB_KIND_CHASSIS].bmc_boot_ms,
    };
}

bool sim_kind_is_hardware(SbStateKind kind)
{
    return kind == SB_KIND_CHASSIS || kind == SB_KIND_HOST || kind == SB_KIND_BOOT_PROGRESS;
}

static int emit(SimActions *out, const NodeObservation *obs, uint64_t at_ms)
{
    if (out->n >= SIM_ACTIONS_MAX) {
        return -ENOSPC;
    }
    out->items[out->n++] = (SimAction){ .obs = *obs, .at_ms = at_ms };
    return 0;
}

/* ---- plan building ----------------------------------------------------------------------- */

static void plan_push(PlanBuilder *b, SbStateKind kind, int state, SbRestartCause cause)
{
    if (b->state[kind] == state) {
        return; /* already there (or will be): not a change, not a step */
    }
    if (b->n_steps >= SIM_PLAN_MAX) {
        b->error = -ENOSPC;
        return;
    }
    b->steps[b->n_steps++] = (SimStep){
        .at_ms = b->t,
        .kind = kind,
        .state = state,
        .restart_cause = cause,
    };
    b->state[kind] = state;
}

static void plan_wait(PlanBuilder *b, uint64_t ms)
{
    b->t += ms;
}

static void walk_chassis_on(PlanBuilder *b)
{
    if (b->state[SB_KIND_CHASSIS] == SB_CHASSIS_ON) {
        return;
    }
    plan_push(b, SB_KIND_CHASSIS, SB_CHASSIS_TRANSITIONING_TO_ON, SB_RESTART_CAUSE_NONE);
    plan_wait(b, b->cfg->power_ms);
    plan_push(b, SB_KIND_CHASSIS, SB_CHASSIS_ON, SB_RESTART_CAUSE_NONE);
}

static void walk_chassis_off(PlanBuilder *b)
{
    if (b->state[SB_KIND_CHASSIS] != SB_CHASSIS_OFF) {
        plan_push(b, SB_KIND_CHASSIS, SB_CHASSIS_TRANSITIONING_TO_OFF, SB_RESTART_CAUSE_NONE);
        plan_wait(b, b->cfg->power_ms);
        plan_push(b, SB_KIND_CHASSIS, SB_CHASSIS_OFF, SB_RESTART_CAUSE_NONE);
    }
    /* Without power the host is off, whatever it was doing. */
    plan_push(b, SB_KIND_HOST, SB_HOST_OFF, SB_RESTART_CAUSE_NONE);
    plan_push(b, SB_KIND_BOOT_PROGRESS, SB_BOOT_UNSPECIFIED, SB_RESTART_CAUSE_NONE);
}

static void walk_host_off(PlanBuilder *b)
{
    if (b->state[SB_KIND_HOST] != SB_HOST_OFF) {
        plan_push(b, SB_KIND_HOST, SB_HOST_TRANSITIONING_TO_OFF, SB_RESTART_CAUSE_NONE);
        plan_wait(b, b->cfg->power_ms);
        plan_push(b, SB_KIND_HOST, SB_HOST_OFF, SB_RESTART_CAUSE_NONE);
    }
    plan_push(b, SB_KIND_BOOT_PROGRESS, SB_BOOT_UNSPECIFIED, SB_RESTART_CAUSE_NONE);
}

static int boot_stage_index(int boot)
{
    for (int i = 0; i < BOOT_STAGES; i++) {
        if ((int) boot_stages[i] == boot) {
            return i;
        }
    }
    return -1;
}

/* When the walk in progress has stage `stage` still to come, its time. */
static bool pending_stage_at(const SimModel *m, int stage, uint64_t *ret_at)
{
    for (size_t i = m->plan_pos; i < m->plan_len; i++) {
        if (m->plan[i].kind == SB_KIND_BOOT_PROGRESS && m->plan[i].state == stage) {
            *ret_at = m->plan[i].at_ms;
            return true;
        }
    }
    return false;
}

/* Host TransitioningToRunning, the boot stages evenly over boot_ms (the first at once, OSRunning
 * at the end), then Running. With resume, a boot already in progress goes on from its current
 * stage on its own schedule instead of starting over. */
static void walk_boot(PlanBuilder *b, bool resume)
{
    uint64_t boot_ms = b->cfg->boot_ms;
    uint64_t base = b->t; /* time of stage `first` */
    int first = 0;

    if (resume && b->state[SB_KIND_HOST] == SB_HOST_TRANSITIONING_TO_RUNNING) {
        int current = boot_stage_index(b->state[SB_KIND_BOOT_PROGRESS]);
        if (current >= 0) {
            first = current + 1;
            if (first < BOOT_STAGES && !pending_stage_at(b->m, boot_stages[first], &base)) {
                base = b->t + boot_ms * (uint64_t) first / (BOOT_STAGES - 1) -
                       boot_ms * (uint64_t) current / (BOOT_STAGES - 1);
            }
        }
    }
    /* A new boot: restart_cause says who asked for it. */
    plan_push(b, SB_KIND_HOST, SB_HOST_TRANSITIONING_TO_RUNNING, SB_RESTART_CAUSE_REMOTE_COMMAND);
    for (int i = first; i < BOOT_STAGES; i++) {
        b->t = base + boot_ms * (uint64_t) i / (BOOT_STAGES - 1) -
               boot_ms * (uint64_t) first / (BOOT_STAGES - 1);
        plan_push(b, SB_KIND_BOOT_PROGRESS, boot_stages[i], SB_RESTART_CAUSE_NONE);
    }
    plan_push(b, SB_KIND_HOST, SB_HOST_RUNNING, SB_RESTART_CAUSE_REMOTE_COMMAND);
}

static void walk_host_on(PlanBuilder *b)
{
    walk_chassis_on(b);
    if (b->state[SB_KIND_HOST] != SB_HOST_RUNNING) {
        walk_boot(b, true);
    }
}

static void walk_warm_reboot(PlanBuilder *b, bool graceful)
{
    int host = b->state[SB_KIND_HOST];

    /* A warm reboot of a host that is not up is a boot. */
    if (b->state[SB_KIND_CHASSIS] != SB_CHASSIS_ON || host == SB_HOST_OFF) {
        walk_host_on(b);
        return;
    }
    plan_push(b, SB_KIND_HOST, SB_HOST_TRANSITIONING_TO_OFF, SB_RESTART_CAUSE_NONE);
    if (graceful) {
        plan_wait(b, b->cfg->power_ms);
    }
    walk_boot(b, false);
}

/* Replaces the walk in progress by the walk of target/transition from the current state; a
 * command whose walk has no step (it changes nothing) leaves the walk in progress alone, as PSM
 * ignores a chassis On while the chassis is on and a host boot goes on. */
static int plan_build(SimModel *m, uint64_t now_ms, SbTarget target, SbTransition transition)
{
    PlanBuilder b = { .m = m, .cfg = &m->cfg, .t = now_ms };

    for (int k = 0; k < SB_KIND_NODE_COUNT; k++) {
        b.state[k] = m->obs[k].state;
    }

    switch (target) {
    case SB_TARGET_CHASSIS:
        switch (transition) {
        case SB_TRANSITION_ON:
            walk_chassis_on(&b);
            break;
        case SB_TRANSITION_OFF:
            walk_chassis_off(&b);
            break;
        case SB_TRANSITION_POWER_CYCLE:
            walk_chassis_off(&b);
            walk_chassis_on(&b);
            break;
        default:
            return -EINVAL;
        }
        break;
    case SB_TARGET_HOST:
        switch (transition) {
        case SB_TRANSITION_ON:
            walk_host_on(&b);
            break;
        case SB_TRANSITION_OFF:
            walk_host_off(&b);
            walk_chassis_off(&b);
            break;
        case SB_TRANSITION_REBOOT:
            walk_host_off(&b);
            walk_chassis_off(&b);
            walk_host_on(&b);
            break;
        case SB_TRANSITION_GRACEFUL_WARM_REBOOT:
            walk_warm_reboot(&b, true);
            break;
        case SB_TRANSITION_FORCE_WARM_REBOOT:
            walk_warm_reboot(&b, false);
            break;
        default:
            return -EINVAL;
        }
        break;
    default:
        return -EINVAL;
    }
    if (b.error < 0) {
        return b.error;
    }
    if (b.n_steps > 0) {
        memcpy(m->plan, b.steps, b.n_steps * sizeof(SimStep));
        m->plan_len = b.n_steps;
        m->plan_pos = 0;
    }
    return 0;
}

/* After a BMC reset the hardware finishes the transition it was in (sim-model.h). */
static int plan_resume(SimModel *m, uint64_t now_ms)
{
    int chassis = m->obs[SB_KIND_CHASSIS].state, host = m->obs[SB_KIND_HOST].state;

    if (host == SB_HOST_TRANSITIONING_TO_RUNNING) {
        return plan_build(m, now_ms, SB_TARGET_HOST, SB_TRANSITION_ON);
    }
    if (host == SB_HOST_TRANSITIONING_TO_OFF) {
        return plan_build(m, now_ms, SB_TARGET_HOST, SB_TRANSITION_OFF);
    }
    if (chassis == SB_CHASSIS_TRANSITIONING_TO_ON) {
        return plan_build(m, now_ms, SB_TARGET_CHASSIS, SB_TRANSITION_ON);
    }
    if (chassis == SB_CHASSIS_TRANSITIONING_TO_OFF) {
        return plan_build(m, now_ms, SB_TARGET_CHASSIS, SB_TRANSITION_OFF);
    }
    return 0;
}

/* ---- carrying out ------------------------------------------------------------------------ */

static int apply_step(SimModel *m, const SimStep *s, SimActions *out)
{
    NodeObservation *o = &m->obs[s->kind];

    if (s->restart_cause != SB_RESTART_CAUSE_NONE) {
        o->restart_cause = s->restart_cause;
    }
    if (o->state == s->state) {
        return 0;
    }
    o->state = s->state;
    return emit(out, o, s->at_ms);
}

/* Every step due at now, in time order; the BMC goes first on a tie (it is independent). */
static int advance(SimModel *m, uint64_t now_ms, SimActions *out)
{
    int r;

    for (;;) {
        bool plan_due = m->plan_pos < m->plan_len && m->plan[m->plan_pos].at_ms <= now_ms;
        bool bmc_due = m->bmc_pending && m->bmc_ready_at_ms <= now_ms;

        if (bmc_due && (!plan_due || m->bmc_ready_at_ms <= m->plan[m->plan_pos].at_ms)) {
            m->bmc_pending = false;
            r = apply_step(m,
                           &(SimStep){ .at_ms = m->bmc_ready_at_ms,
                                       .kind = SB_KIND_BMC,
                                       .state = SB_BMC_READY },
                           out);
        } else if (plan_due) {
            r = apply_step(m, &m->plan[m->plan_pos++], out);
        } else {
            break;
        }
        if (r < 0) {
            return r;
        }
    }

    out->has_deadline = false;
    if (m->plan_pos < m->plan_len) {
        out->has_deadline = true;
        out->next_deadline_ms = m->plan[m->plan_pos].at_ms;
    }
    if (m->bmc_pending && (!out->has_deadline || m->bmc_ready_at_ms < out->next_deadline_ms)) {
        out->has_deadline = true;
        out->next_deadline_ms = m->bmc_ready_at_ms;
    }
    return 0;
}

static int bmc_reboot(SimModel *m, uint64_t now_ms, SimActions *out)
{
    NodeObservation *bmc = &m->obs[SB_KIND_BMC];

    /* The sim has no slow graceful shutdown of its own: both reboots drop the BMC at once.
     * last_reboot_cause is the hardware's record of the last power-on reset and stays. */
    m->bmc_pending = true;
    m->bmc_ready_at_ms = now_ms + m->cfg.bmc_ready_ms;
    if (bmc->state == SB_BMC_NOT_READY) {
        return 0;
    }
    bmc->state = SB_BMC_NOT_READY;
    return emit(out, bmc, now_ms);
}

int sim_model_step(SimModel *m, const SimEvent *ev, SimActions *out)
{
    int r = 0;

    out->n = 0;
    out->has_deadline = false;
    out->next_deadline_ms = 0;

    switch (ev->kind) {
    case SIM_EV_START:
        if (m->started) {
            return -EINVAL;
        }
        m->started = true;
        for (int k = 0; k < SB_KIND_NODE_COUNT && r == 0; k++) {
            r = emit(out, &m->obs[k], ev->now_ms);
        }
        m->bmc_pending = true;
        m->bmc_ready_at_ms = ev->now_ms + m->cfg.bmc_ready_ms;
        if (r == 0 && m->cfg.restore && !m->cfg.ac_loss) {
            r = plan_resume(m, ev->now_ms);
        }
        break;
    case SIM_EV_COMMAND:
        if (!m->started) {
            return -EINVAL;
        }
        if (ev->target == SB_TARGET_BMC) {
            if (ev->transition != SB_TRANSITION_REBOOT &&
                ev->transition != SB_TRANSITION_HARD_REBOOT) {
                return -EINVAL;
            }
            r = bmc_reboot(m, ev->now_ms, out);
            break;
        }
        /* plan_build() touches the walk in progress only on success. */
        r = plan_build(m, ev->now_ms, ev->target, ev->transition);
        if (r < 0) {
            return r;
        }
        break;
    case SIM_EV_TIMER:
        if (!m->started) {
            return -EINVAL;
        }
        break;
    default:
        return -EINVAL;
    }
    if (r < 0) {
        return r;
    }
    return advance(m, ev->now_ms, out);
}
