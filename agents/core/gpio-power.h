/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Power sequencing over GPIO lines as a pure state machine (x86-power-control's model): line
 * edges, commands and time in; line writes, chassis/host/boot-progress observations and failure
 * notes out. No clock reads and no I/O: the shell passes raw line levels and its monotonic time,
 * writes the raw levels it is told to, and calls back at next_deadline_ms.
 *
 * Lines (x86-power-control's names are the shell's defaults): POWER_OUT (the power button),
 * RESET_OUT (the reset button), POWER_GOOD (PS_PWROK in) and POST_COMPLETE (in). Levels crossing
 * this API are raw (physical); active_low is applied here, so "asserted" means pressed / good /
 * complete.
 *
 * Transitions (x86-power-control's timings are the defaults of the shell):
 *   chassis On, host On   press POWER_OUT for on_press_ms; power good must assert within
 *                         on_timeout_ms of the press, else the chassis goes back to Off and a
 *                         failure says why
 *   host Off              graceful: press POWER_OUT for graceful_off_press_ms (the OS shuts down);
 *                         power good must drop within graceful_off_timeout_ms
 *   chassis Off           forced: hold POWER_OUT for force_off_press_ms, released as soon as
 *                         power good drops; it must drop within force_off_timeout_ms
 *   chassis PowerCycle    forced off, power_cycle_off_ms with the power off, then On
 *   host Reboot, GracefulWarmReboot
 *                         graceful off, power_cycle_off_ms, then On. GPIO has no way to ask an OS
 *                         for a warm reboot, so GracefulWarmReboot is x86-power-control's
 *                         graceful power cycle.
 *   host ForceWarmReboot  press RESET_OUT for reset_press_ms (needs RESET_OUT)
 * A reboot or power cycle of a node that is off powers it on; On while on and Off while off
 * change nothing. While a transition runs, a command that would contradict it is refused
 * (-EBUSY), except that chassis Off escalates a graceful off to a forced one and any Off cancels
 * the pending power-on of a cycle.
 *
 * What is observed (only what the lines can tell):
 *   chassis  On/Off from power good; TransitioningToOn/ToOff while a power-on/forced-off runs
 *   host     Off without power good; with it, Running while POST_COMPLETE is asserted and
 *            TransitioningToRunning before (without a POST_COMPLETE line: Running with power
 *            good); TransitioningToOff during a graceful off, TransitioningToRunning during a
 *            reset press. restart_cause RemoteCommand when our command started the boot,
 *            Unknown otherwise (a front-panel press and an OS reset look the same on these lines)
 *   boot     Unspecified, SystemInitComplete once POST_COMPLETE asserts with power good: the
 *            stages in between and after are not on any line, and are not guessed.
 */
#ifndef STATEBUS_GPIO_POWER_H
#define STATEBUS_GPIO_POWER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "statebus/enums.h"
#include "statebus/limits.h"

#include "node-observation.h"

typedef enum GpioPowerLine {
    GPIO_POWER_LINE_POWER_OUT = 0,     /* output: the power button */
    GPIO_POWER_LINE_RESET_OUT = 1,     /* output: the reset button */
    GPIO_POWER_LINE_POWER_GOOD = 2,    /* input: PS_PWROK */
    GPIO_POWER_LINE_POST_COMPLETE = 3, /* input: POST_COMPLETE */
    GPIO_POWER_LINE_COUNT,
} GpioPowerLine;

typedef struct GpioPowerConfig {
    bool active_low[GPIO_POWER_LINE_COUNT];
    bool has_reset_out;     /* RESET_OUT is wired (ForceWarmReboot needs it) */
    bool has_post_complete; /* POST_COMPLETE is wired (host Running follows it) */
    uint64_t on_press_ms;
    uint64_t graceful_off_press_ms;
    uint64_t force_off_press_ms;
    uint64_t reset_press_ms;
    uint64_t power_cycle_off_ms;
    uint64_t on_timeout_ms;           /* from the start of the press */
    uint64_t graceful_off_timeout_ms; /* from the start of the press */
    uint64_t force_off_timeout_ms;    /* from the start of the press */
    bool ac_loss;                     /* chassis ac_loss: this BMC booted from an AC loss */
} GpioPowerConfig;

typedef enum GpioPowerEventKind {
    GPIO_POWER_EV_START,   /* once, first: .levels of the inputs; reports every kind */
    GPIO_POWER_EV_EDGE,    /* an input changed: .line, .level (raw, after the edge) */
    GPIO_POWER_EV_COMMAND, /* .target, .transition */
    GPIO_POWER_EV_TIMER,   /* time has passed: everything due at .now_ms */
    GPIO_POWER_EV_STOP,    /* the shell stops: release any button held; nothing more after it */
} GpioPowerEventKind;

typedef struct GpioPowerEvent {
    GpioPowerEventKind kind;
    uint64_t now_ms;                   /* the shell's monotonic clock; never goes backwards */
    int levels[GPIO_POWER_LINE_COUNT]; /* START: raw levels (0/1) of the inputs */
    GpioPowerLine line;                /* EDGE */
    int level;                         /* EDGE: raw level (0/1) after the edge */
    SbTarget target;                   /* COMMAND */
    SbTransition transition;           /* COMMAND */
} GpioPowerEvent;

typedef enum GpioPowerActionKind {
    GPIO_POWER_ACT_WRITE,   /* set output .line to raw .level now */
    GPIO_POWER_ACT_OBSERVE, /* .obs is the kind's complete new value */
    GPIO_POWER_ACT_FAILED,  /* the transition .target/.transition did not happen: .why */
} GpioPowerActionKind;

typedef struct GpioPowerAction {
    GpioPowerActionKind kind;
    GpioPowerLine line; /* WRITE */
    int level;          /* WRITE: raw */
    NodeObservation obs;
    SbTarget target;
    SbTransition transition;
    char why[SB_WHY_MAX + 1];
} GpioPowerAction;

#define GPIO_POWER_ACTIONS_MAX 12

typedef struct GpioPowerActions {
    GpioPowerAction items[GPIO_POWER_ACTIONS_MAX];
    size_t n;
    bool has_deadline;         /* something is pending ... */
    uint64_t next_deadline_ms; /* ... at this time: send GPIO_POWER_EV_TIMER then */
} GpioPowerActions;

/* What the machine is doing (exposed for tests and the shell's log lines). */
typedef enum GpioPowerPhase {
    GPIO_POWER_IDLE = 0,   /* no transition: the lines say it all */
    GPIO_POWER_WAIT_ON,    /* power button pressed for on: power good expected */
    GPIO_POWER_WAIT_OFF,   /* graceful: power button pressed, the OS shuts down */
    GPIO_POWER_WAIT_FORCE, /* forced: power button held until power good drops */
    GPIO_POWER_CYCLE_OFF,  /* off within a cycle or reboot: on again at cycle_at_ms */
    GPIO_POWER_RESET,      /* reset button pressed */
    GPIO_POWER_STOPPED,    /* after GPIO_POWER_EV_STOP */
} GpioPowerPhase;

typedef struct GpioPower {
    GpioPowerConfig cfg;
    bool started;
    GpioPowerPhase phase;
    bool asserted[GPIO_POWER_LINE_COUNT]; /* inputs as last seen, outputs as last written */
    bool pressing;                        /* a button (press_line) is held ... */
    GpioPowerLine press_line;
    uint64_t release_at_ms; /* ... until then */
    uint64_t deadline_ms;   /* the phase's timeout (WAIT_*) or the cycle's power-on */
    bool cycle;             /* power on again after the off completes */
    bool host_requested;    /* the running power-on is for the host */
    SbTarget cmd_target;    /* the command the phase carries out, for failures */
    SbTransition cmd_transition;
    SbRestartCause restart_cause;
    NodeObservation last[SB_KIND_NODE_COUNT]; /* as last reported (bmc unused) */
} GpioPower;

/* Sets the initial state; nothing is reported until GPIO_POWER_EV_START. */
void gpio_power_init(GpioPower *g, const GpioPowerConfig *cfg);

/* Feeds one event; fills *out (cleared first) in the order the shell must carry it out.
 * Returns 0; for COMMAND -EINVAL (a bmc target, or a transition not valid for the target),
 * -EOPNOTSUPP (ForceWarmReboot without RESET_OUT) or -EBUSY (refused while another transition
 * runs), with nothing changed; -EINVAL for an event out of order; -ENOSPC if out overflowed
 * (a bug). */
int gpio_power_step(GpioPower *g, const GpioPowerEvent *ev, GpioPowerActions *out);

/* The raw level that means asserted (or not) on line. */
int gpio_power_raw_level(const GpioPowerConfig *cfg, GpioPowerLine line, bool asserted);

/* The current value of kind as last reported (NULL for bmc or an invalid kind). */
const NodeObservation *gpio_power_get(const GpioPower *g, SbStateKind kind);

#endif
