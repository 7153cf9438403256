/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The simulated node as a pure state machine (PSM-like): events in (start, command, time passed),
 * actions out (each state change, in order, and the next deadline). No clock reads: the shell
 * passes its monotonic time in every event and calls back at next_deadline_ms.
 *
 * Walks (power = SimConfig.power_ms, boot = SimConfig.boot_ms):
 *   start            bmc NotReady (POR), chassis Off (Good, ac_loss), host Off, boot Unspecified;
 *                    bmc Ready after bmc_ready_ms
 *   chassis On       TransitioningToOn -power-> On
 *   chassis Off      TransitioningToOff -power-> Off, host Off, boot Unspecified
 *   chassis PowerCycle  the Off walk, then the On walk
 *   host On          the chassis On walk when the chassis is not On; host TransitioningToRunning
 *                    (restart_cause RemoteCommand), boot PrimaryProcInit .. OSRunning evenly over
 *                    boot, host Running with OSRunning
 *   host Off         host TransitioningToOff -power-> host Off, boot Unspecified, then the chassis
 *                    Off walk (PSM powers the chassis off after the host stops)
 *   host Reboot      the host Off walk, then the host On walk
 *   GracefulWarmReboot  host TransitioningToOff -power-> the boot walk, chassis staying On
 *   ForceWarmReboot  the same without the graceful wait
 *   bmc Reboot, HardReboot  bmc NotReady now, Ready after bmc_ready_ms; host and chassis untouched
 *
 * Start after a BMC reset (SimConfig.restore, from --sim-state-file, without ac_loss): the chassis,
 * host and boot progress are the saved hardware's, ac_loss is false (a BMC reset is not an AC
 * loss), and a transition that was under way when the BMC went away goes on to its end (the
 * hardware does not stop because its BMC rebooted): TransitioningToOn walks on to On, a boot goes
 * on from its saved stage, TransitioningToOff walks on to Off. A chassis that is Off has no host
 * running, whatever the file says. With ac_loss the file is ignored: the power was gone.
 *
 * A power command replaces the walk in progress, starting from the current state (an Off during a
 * boot stops the boot where it is; an On during a boot continues it). A command that changes
 * nothing (chassis On while On) emits nothing and leaves the walk in progress alone, as PSM does.
 * A warm reboot of a host that is not up boots it. Every change is one action, so every
 * transitional state is seen.
 */
#ifndef STATEBUS_SIM_MODEL_H
#define STATEBUS_SIM_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "statebus/enums.h"

#include "node-observation.h"
#include "sim-hardware.h"

typedef struct SimConfig {
    uint64_t bmc_ready_ms; /* BMC NotReady -> Ready after start and after a BMC reboot */
    uint64_t power_ms;     /* each chassis or host power transition */
    uint64_t boot_ms;      /* PrimaryProcInit .. OSRunning */
    bool ac_loss;          /* chassis ac_loss: this BMC booted from an AC loss */
    uint64_t bmc_boot_ms;  /* chassis bmc_boot: unix ms this BMC booted (read by the shell) */
    bool restore;          /* start from .hardware: a BMC reset (ignored with ac_loss) */
    SimHardware hardware;  /* the saved hardware (bmc_boot_ms there is the previous boot's) */
} SimConfig;

typedef enum SimEventKind {
    SIM_EV_START,   /* once, first: reports the initial state of every kind */
    SIM_EV_COMMAND, /* .target, .transition (valid for the target, or -EINVAL) */
    SIM_EV_TIMER,   /* time has passed: carry out every step due at .now_ms */
} SimEventKind;

typedef struct SimEvent {
    SimEventKind kind;
    uint64_t now_ms; /* the shell's monotonic clock; never goes backwards */
    SbTarget target;
    SbTransition transition;
} SimEvent;

typedef struct SimAction {
    NodeObservation obs; /* the kind's complete new value */
    uint64_t at_ms;      /* when the change happened in model time */
} SimAction;

#define SIM_ACTIONS_MAX 48

typedef struct SimActions {
    SimAction items[SIM_ACTIONS_MAX];
    size_t n;
    bool has_deadline;         /* a step is pending ... */
    uint64_t next_deadline_ms; /* ... at this time: send SIM_EV_TIMER then */
} SimActions;

/* One pending step of a walk. */
typedef struct SimStep {
    uint64_t at_ms;
    SbStateKind kind;
    int state;
    SbRestartCause restart_cause; /* host steps: set with the state, NONE = unchanged */
} SimStep;

#define SIM_PLAN_MAX 32

typedef struct SimModel {
    SimConfig cfg;
    NodeObservation obs[SB_KIND_NODE_COUNT];
    bool started;
    bool bmc_pending; /* BMC becomes Ready at bmc_ready_at_ms */
    uint64_t bmc_ready_at_ms;
    SimStep plan[SIM_PLAN_MAX]; /* the power walk in progress, in time order */
    size_t plan_len, plan_pos;
} SimModel;

/* Sets the initial state; no action until SIM_EV_START. */
void sim_model_init(SimModel *m, const SimConfig *cfg);

/* Feeds one event; fills *out (cleared first) with the changes in order and the next deadline.
 * Returns 0, -EINVAL for an event out of order or a transition not valid for its target (nothing
 * changes), or -ENOSPC if the action buffer overflowed (a bug). */
int sim_model_step(SimModel *m, const SimEvent *ev, SimActions *out);

/* The current value of kind (NULL for a kind a node does not have). */
const NodeObservation *sim_model_get(const SimModel *m, SbStateKind kind);

/* The hardware to save (--sim-state-file): current chassis, host, boot progress and bmc_boot. */
void sim_model_hardware(const SimModel *m, SimHardware *ret);

/* True when kind is part of the saved hardware (everything but the BMC's own state). */
bool sim_kind_is_hardware(SbStateKind kind);

#endif
