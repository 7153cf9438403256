/* SPDX-License-Identifier: Apache-2.0 */
#include "gpio-power.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void gpio_power_init(GpioPower *g, const GpioPowerConfig *cfg)
{
    memset(g, 0, sizeof(*g));
    g->cfg = *cfg;
    g->restart_cause = SB_RESTART_CAUSE_UNKNOWN;
}

int gpio_power_raw_level(const GpioPowerConfig *cfg, GpioPowerLine line, bool asserted)
{
    return (asserted != cfg->active_low[line]) ? 1 : 0;
}

const NodeObservation *gpio_power_get(const GpioPower *g, SbStateKind kind)
{
    if (kind != SB_KIND_CHASSIS && kind != SB_KIND_HOST && kind != SB_KIND_BOOT_PROGRESS) {
        return NULL;
    }
    return &g->last[kind];
}

/* ---- actions ----------------------------------------------------------------------------- */

static GpioPowerAction *act_push(GpioPowerActions *out, GpioPowerActionKind kind, int *error)
{
    GpioPowerAction *a = NULL;

    if (out->n >= GPIO_POWER_ACTIONS_MAX) {
        *error = -ENOSPC;
        return NULL;
    }
    a = &out->items[out->n++];
    memset(a, 0, sizeof(*a));
    a->kind = kind;
    return a;
}

typedef struct Step {
    GpioPower *g;
    GpioPowerActions *out;
    uint64_t now_ms;
    int error;
} Step;

static void line_write(Step *s, GpioPowerLine line, bool asserted)
{
    GpioPowerAction *a = act_push(s->out, GPIO_POWER_ACT_WRITE, &s->error);

    s->g->asserted[line] = asserted;
    if (a) {
        a->line = line;
        a->level = gpio_power_raw_level(&s->g->cfg, line, asserted);
    }
}

static void fail(Step *s, const char *format, ...) __attribute__((format(printf, 2, 3)));
static void fail(Step *s, const char *format, ...)
{
    GpioPowerAction *a = act_push(s->out, GPIO_POWER_ACT_FAILED, &s->error);
    va_list ap;

    if (!a) {
        return;
    }
    a->target = s->g->cmd_target;
    a->transition = s->g->cmd_transition;
    va_start(ap, format);
    (void) vsnprintf(a->why, sizeof(a->why), format, ap);
    va_end(ap);
}

/* ---- what the lines say ------------------------------------------------------------------ */

static bool power_good(const GpioPower *g)
{
    return g->asserted[GPIO_POWER_LINE_POWER_GOOD];
}

static bool post_complete(const GpioPower *g)
{
    return g->cfg.has_post_complete && g->asserted[GPIO_POWER_LINE_POST_COMPLETE];
}

static int chassis_state(const GpioPower *g)
{
    switch (g->phase) {
    case GPIO_POWER_WAIT_ON:
        return SB_CHASSIS_TRANSITIONING_TO_ON;
    case GPIO_POWER_WAIT_FORCE:
        return SB_CHASSIS_TRANSITIONING_TO_OFF;
    default:
        return power_good(g) ? SB_CHASSIS_ON : SB_CHASSIS_OFF;
    }
}

static int host_state(const GpioPower *g)
{
    if (!power_good(g)) {
        return (g->phase == GPIO_POWER_WAIT_ON && g->host_requested)
                       ? SB_HOST_TRANSITIONING_TO_RUNNING
                       : SB_HOST_OFF;
    }
    if (g->phase == GPIO_POWER_WAIT_OFF) {
        return SB_HOST_TRANSITIONING_TO_OFF;
    }
    if (g->phase == GPIO_POWER_RESET) {
        return SB_HOST_TRANSITIONING_TO_RUNNING;
    }
    /* Without a POST_COMPLETE line, power good is all there is to go by (x86-power-control's
     * CurrentHostState does the same). */
    if (!g->cfg.has_post_complete || post_complete(g)) {
        return SB_HOST_RUNNING;
    }
    return SB_HOST_TRANSITIONING_TO_RUNNING;
}

static int boot_state(const GpioPower *g)
{
    /* POST complete is the one stage a line shows; the others are not guessed. */
    if (power_good(g) && post_complete(g) && g->phase != GPIO_POWER_RESET) {
        return SB_BOOT_SYSTEM_INIT_COMPLETE;
    }
    return SB_BOOT_UNSPECIFIED;
}

static void observe_one(Step *s, const NodeObservation *now, bool force)
{
    NodeObservation *last = &s->g->last[now->kind];
    GpioPowerAction *a = NULL;

    if (!force && node_observation_equal(last, now)) {
        return;
    }
    *last = *now;
    a = act_push(s->out, GPIO_POWER_ACT_OBSERVE, &s->error);
    if (a) {
        a->obs = *now;
    }
}

/* Reports every kind whose value changed (all of them when force). */
static void observe(Step *s, bool force)
{
    const GpioPower *g = s->g;
    NodeObservation chassis = {
        .kind = SB_KIND_CHASSIS,
        .state = chassis_state(g),
        /* Nothing on these lines tells a brown-out or a UPS: "Good", as PSM reports without
         * such inputs. */
        .power_status = SB_POWER_STATUS_GOOD,
        .ac_loss = g->cfg.ac_loss,
    };
    NodeObservation host = {
        .kind = SB_KIND_HOST,
        .state = host_state(g),
        .restart_cause = g->restart_cause,
    };
    NodeObservation boot = {
        .kind = SB_KIND_BOOT_PROGRESS,
        .state = boot_state(g),
    };

    observe_one(s, &chassis, force);
    observe_one(s, &host, force);
    observe_one(s, &boot, force);
}

/* ---- buttons and phases ------------------------------------------------------------------ */

static void press(Step *s, GpioPowerLine line, uint64_t ms)
{
    GpioPower *g = s->g;

    if (!g->pressing || g->press_line != line) {
        line_write(s, line, true);
    }
    g->pressing = true;
    g->press_line = line;
    g->release_at_ms = s->now_ms + ms;
}

static void release(Step *s)
{
    if (!s->g->pressing) {
        return;
    }
    s->g->pressing = false;
    line_write(s, s->g->press_line, false);
}

static void phase_idle(GpioPower *g)
{
    g->phase = GPIO_POWER_IDLE;
    g->cycle = false;
    g->host_requested = false;
}

static void start_on(Step *s, bool for_host)
{
    GpioPower *g = s->g;

    press(s, GPIO_POWER_LINE_POWER_OUT, g->cfg.on_press_ms);
    g->phase = GPIO_POWER_WAIT_ON;
    g->deadline_ms = s->now_ms + g->cfg.on_timeout_ms;
    g->cycle = false;
    g->host_requested = for_host;
    g->restart_cause = SB_RESTART_CAUSE_REMOTE_COMMAND;
}

static void start_graceful_off(Step *s, bool cycle)
{
    GpioPower *g = s->g;

    press(s, GPIO_POWER_LINE_POWER_OUT, g->cfg.graceful_off_press_ms);
    g->phase = GPIO_POWER_WAIT_OFF;
    g->deadline_ms = s->now_ms + g->cfg.graceful_off_timeout_ms;
    g->cycle = cycle;
}

static void start_force_off(Step *s, bool cycle)
{
    GpioPower *g = s->g;

    press(s, GPIO_POWER_LINE_POWER_OUT, g->cfg.force_off_press_ms);
    g->phase = GPIO_POWER_WAIT_FORCE;
    g->deadline_ms = s->now_ms + g->cfg.force_off_timeout_ms;
    g->cycle = cycle;
}

static void start_reset(Step *s)
{
    GpioPower *g = s->g;

    press(s, GPIO_POWER_LINE_RESET_OUT, g->cfg.reset_press_ms);
    g->phase = GPIO_POWER_RESET;
    g->restart_cause = SB_RESTART_CAUSE_REMOTE_COMMAND;
}

/* Power good dropped at the end of an off: done, or the off half of a cycle. */
static void off_completed(Step *s)
{
    GpioPower *g = s->g;
    bool for_host = g->cmd_target == SB_TARGET_HOST;

    release(s);
    if (g->cycle) {
        g->phase = GPIO_POWER_CYCLE_OFF;
        g->deadline_ms = s->now_ms + g->cfg.power_cycle_off_ms;
        g->host_requested = for_host;
        return;
    }
    phase_idle(g);
}

/* ---- commands ---------------------------------------------------------------------------- */

static bool is_off(SbTarget target, SbTransition transition)
{
    (void) target;
    return transition == SB_TRANSITION_OFF;
}

/* Requires: phase IDLE. Effects: starts the transition, or nothing when already there. */
static int command_idle(Step *s, SbTarget target, SbTransition transition)
{
    GpioPower *g = s->g;
    bool on = power_good(g);
    bool host = target == SB_TARGET_HOST;

    switch (transition) {
    case SB_TRANSITION_ON:
        if (!on) {
            start_on(s, host);
        }
        return 0;
    case SB_TRANSITION_OFF:
        if (on && host) {
            start_graceful_off(s, false);
        } else if (on) {
            start_force_off(s, false);
        }
        return 0;
    case SB_TRANSITION_POWER_CYCLE:
        if (on) {
            start_force_off(s, true);
        } else {
            start_on(s, false);
        }
        return 0;
    case SB_TRANSITION_REBOOT:
    case SB_TRANSITION_GRACEFUL_WARM_REBOOT:
        if (on) {
            start_graceful_off(s, true);
        } else {
            start_on(s, true);
        }
        return 0;
    case SB_TRANSITION_FORCE_WARM_REBOOT:
        if (!on) {
            start_on(s, true);
        } else if (!g->cfg.has_reset_out) {
            return -EOPNOTSUPP;
        } else {
            start_reset(s);
        }
        return 0;
    default:
        return -EINVAL;
    }
}

/* Requires: a transition in progress. Effects: an Off escalates or cancels what it can; the same
 * request again changes nothing; anything else is refused. */
static int command_busy(Step *s, SbTarget target, SbTransition transition)
{
    GpioPower *g = s->g;

    switch (g->phase) {
    case GPIO_POWER_WAIT_OFF:
        if (is_off(target, transition) && target == SB_TARGET_CHASSIS) {
            /* Holding the button forces what the OS did not do. */
            start_force_off(s, false);
            return 0;
        }
        if (is_off(target, transition)) {
            g->cycle = false;
            return 0;
        }
        break;
    case GPIO_POWER_WAIT_FORCE:
        if (is_off(target, transition)) {
            g->cycle = false;
            return 0;
        }
        break;
    case GPIO_POWER_CYCLE_OFF:
        if (is_off(target, transition)) {
            phase_idle(g); /* it is off already: stay there */
            return 0;
        }
        break;
    case GPIO_POWER_WAIT_ON:
        if (transition == SB_TRANSITION_ON) {
            return 0;
        }
        break;
    default:
        break;
    }
    return -EBUSY;
}

static int on_command(Step *s, const GpioPowerEvent *ev)
{
    GpioPower *g = s->g;
    int r;

    if (ev->target != SB_TARGET_CHASSIS && ev->target != SB_TARGET_HOST) {
        return -EINVAL; /* the BMC is the shell's (systemd), not the lines' */
    }
    if (!sb_transition_valid_for(ev->target, ev->transition)) {
        return -EINVAL;
    }
    if (g->phase == GPIO_POWER_IDLE) {
        /* Attribute what follows to this command before anything happens. */
        SbTarget prev_target = g->cmd_target;
        SbTransition prev_transition = g->cmd_transition;

        g->cmd_target = ev->target;
        g->cmd_transition = ev->transition;
        r = command_idle(s, ev->target, ev->transition);
        if (r < 0 || g->phase == GPIO_POWER_IDLE) {
            g->cmd_target = prev_target;
            g->cmd_transition = prev_transition;
        }
        return r;
    }
    r = command_busy(s, ev->target, ev->transition);
    if (r == 0 && g->phase == GPIO_POWER_WAIT_FORCE && ev->target == SB_TARGET_CHASSIS) {
        g->cmd_target = ev->target;
        g->cmd_transition = ev->transition;
    }
    return r;
}

/* ---- edges and time ---------------------------------------------------------------------- */

static void on_power_good(Step *s, bool asserted)
{
    GpioPower *g = s->g;

    if (asserted) {
        switch (g->phase) {
        case GPIO_POWER_WAIT_ON:
            /* The press runs to its end, as x86-power-control's pulse does. */
            phase_idle(g);
            break;
        case GPIO_POWER_CYCLE_OFF:
            /* Powered on by someone else while we waited: the cycle is moot. */
            phase_idle(g);
            g->restart_cause = SB_RESTART_CAUSE_UNKNOWN;
            break;
        case GPIO_POWER_IDLE:
            g->restart_cause = SB_RESTART_CAUSE_UNKNOWN;
            break;
        default:
            break;
        }
        return;
    }
    switch (g->phase) {
    case GPIO_POWER_WAIT_OFF:
    case GPIO_POWER_WAIT_FORCE:
        /* x86-power-control releases a held button as soon as the power is gone. */
        off_completed(s);
        break;
    case GPIO_POWER_RESET:
        release(s);
        phase_idle(g);
        break;
    default:
        break;
    }
}

static void on_edge(Step *s, const GpioPowerEvent *ev)
{
    GpioPower *g = s->g;
    bool asserted = (ev->level != 0) != g->cfg.active_low[ev->line];

    if (g->asserted[ev->line] == asserted) {
        return; /* a bounce, or an edge the start levels already had */
    }
    g->asserted[ev->line] = asserted;
    if (ev->line == GPIO_POWER_LINE_POWER_GOOD) {
        on_power_good(s, asserted);
    } else if (!asserted && power_good(g) && g->phase == GPIO_POWER_IDLE) {
        /* POST_COMPLETE dropped under power: the host restarts, and we did not ask for it. */
        g->restart_cause = SB_RESTART_CAUSE_UNKNOWN;
    }
}

static bool phase_has_deadline(const GpioPower *g)
{
    return g->phase == GPIO_POWER_WAIT_ON || g->phase == GPIO_POWER_WAIT_OFF ||
           g->phase == GPIO_POWER_WAIT_FORCE || g->phase == GPIO_POWER_CYCLE_OFF;
}

static void on_deadline(Step *s)
{
    GpioPower *g = s->g;

    switch (g->phase) {
    case GPIO_POWER_WAIT_ON:
        release(s);
        fail(s, "power good did not assert within %" PRIu64 " ms of pressing power",
             g->cfg.on_timeout_ms);
        phase_idle(g);
        break;
    case GPIO_POWER_WAIT_OFF:
        release(s);
        fail(s, "power good still asserted %" PRIu64 " ms after the graceful power-off press",
             g->cfg.graceful_off_timeout_ms);
        phase_idle(g);
        break;
    case GPIO_POWER_WAIT_FORCE:
        release(s);
        fail(s, "power good still asserted %" PRIu64 " ms after holding power",
             g->cfg.force_off_timeout_ms);
        phase_idle(g);
        break;
    case GPIO_POWER_CYCLE_OFF:
        start_on(s, g->host_requested);
        break;
    default:
        break;
    }
}

static void on_timer(Step *s)
{
    GpioPower *g = s->g;

    /* Everything due, in time order (a release before a timeout due at the same time). */
    for (int guard = 0; guard < 8; guard++) {
        bool release_due = g->pressing && g->release_at_ms <= s->now_ms;
        bool deadline_due = phase_has_deadline(g) && g->deadline_ms <= s->now_ms;

        if (!release_due && !deadline_due) {
            return;
        }
        if (release_due && (!deadline_due || g->release_at_ms <= g->deadline_ms)) {
            release(s);
            if (g->phase == GPIO_POWER_RESET) {
                phase_idle(g);
            }
        } else {
            on_deadline(s);
        }
    }
}

static void next_deadline(const GpioPower *g, GpioPowerActions *out)
{
    if (g->pressing) {
        out->has_deadline = true;
        out->next_deadline_ms = g->release_at_ms;
    }
    if (phase_has_deadline(g) && (!out->has_deadline || g->deadline_ms < out->next_deadline_ms)) {
        out->has_deadline = true;
        out->next_deadline_ms = g->deadline_ms;
    }
}

int gpio_power_step(GpioPower *g, const GpioPowerEvent *ev, GpioPowerActions *out)
{
    Step s = { .g = g, .out = out, .now_ms = ev->now_ms };
    GpioPower saved = *g;
    int r = 0;

    memset(out, 0, sizeof(*out));
    if (g->phase == GPIO_POWER_STOPPED || (!g->started && ev->kind != GPIO_POWER_EV_START) ||
        (g->started && ev->kind == GPIO_POWER_EV_START)) {
        return -EINVAL;
    }
    switch (ev->kind) {
    case GPIO_POWER_EV_START:
        g->started = true;
        g->asserted[GPIO_POWER_LINE_POWER_GOOD] = (ev->levels[GPIO_POWER_LINE_POWER_GOOD] != 0) !=
                                                  g->cfg.active_low[GPIO_POWER_LINE_POWER_GOOD];
        g->asserted[GPIO_POWER_LINE_POST_COMPLETE] =
                (ev->levels[GPIO_POWER_LINE_POST_COMPLETE] != 0) !=
                g->cfg.active_low[GPIO_POWER_LINE_POST_COMPLETE];
        observe(&s, true);
        break;
    case GPIO_POWER_EV_EDGE:
        if (ev->line != GPIO_POWER_LINE_POWER_GOOD &&
            (ev->line != GPIO_POWER_LINE_POST_COMPLETE || !g->cfg.has_post_complete)) {
            return -EINVAL;
        }
        on_edge(&s, ev);
        observe(&s, false);
        break;
    case GPIO_POWER_EV_COMMAND:
        r = on_command(&s, ev);
        if (r < 0) {
            *g = saved;
            memset(out, 0, sizeof(*out));
            return r;
        }
        observe(&s, false);
        break;
    case GPIO_POWER_EV_TIMER:
        on_timer(&s);
        observe(&s, false);
        break;
    case GPIO_POWER_EV_STOP:
        release(&s);
        g->phase = GPIO_POWER_STOPPED;
        return s.error;
    default:
        return -EINVAL;
    }
    next_deadline(g, out);
    return s.error;
}
