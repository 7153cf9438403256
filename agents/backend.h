/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What carries out power commands and observes a node's states: the sim (software model), gpio
 * (libgpiod v1) or dbus (phosphor-state-manager over sd-bus). Chosen by --backend; all of a
 * backend's library calls stay in its own file. Backends run on the agent's sd-event loop and
 * report every observed value through BackendConfig.report, the initial ones from start().
 */
#ifndef STATEBUS_BACKEND_H
#define STATEBUS_BACKEND_H

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "statebus/enums.h"

#include "node-observation.h"

typedef struct Backend Backend;

/* A value of one kind, observed now (the first of each kind from start(), then every change). */
typedef void (*BackendReportFn)(Backend *b, const NodeObservation *obs, void *userdata);

typedef struct BackendConfig {
    sd_event *event; /* borrowed; the backend's timers and fds attach here */
    BackendReportFn report;
    void *userdata;
    uint64_t sim_bmc_ready_ms; /* sim */
    uint64_t sim_power_ms;
    uint64_t sim_boot_ms;
    bool sim_ac_loss;
} BackendConfig;

typedef struct BackendOps {
    const char *name; /* the --backend word */
    int (*create)(const BackendConfig *cfg, Backend **ret);
    /* Begins observing; reports the initial value of every kind before it returns. */
    int (*start)(Backend *b);
    /* Carries out a transition already checked to be valid for target; the resulting changes
     * are reported as they happen. -EINVAL for a transition the backend cannot do. */
    int (*apply)(Backend *b, SbTarget target, SbTransition transition);
    /* Stops observing and acting (clean stop); no report after it. */
    void (*stop)(Backend *b);
    Backend *(*destroy)(Backend *b);
} BackendOps;

/* The part every backend starts with (its own struct embeds it first). */
struct Backend {
    const BackendOps *ops;
    BackendConfig cfg;
};

extern const BackendOps backend_sim_ops;

/* The backend called name, or NULL when there is none (yet): "gpio" and "dbus" are issue #5. */
const BackendOps *backend_find(const char *name);

int backend_new(const BackendOps *ops, const BackendConfig *cfg, Backend **ret);
int backend_start(Backend *b);
int backend_apply(Backend *b, SbTarget target, SbTransition transition);
void backend_stop(Backend *b);
Backend *backend_free(Backend *b); /* NULL is fine; returns NULL */

#endif
