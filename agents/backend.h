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

/* A transition the backend started did not get where it was asked to go (a timeout, or PSM
 * refusing a property write); why is human text for the agent's "failed" event. */
typedef void (*BackendFailedFn)(Backend *b,
                                SbTarget target,
                                SbTransition transition,
                                const char *why,
                                void *userdata);

#define BACKEND_NAME_MAX 63   /* GPIO line and chip names (the kernel's are at most 31), units */
#define BACKEND_PATH_MAX 4095 /* --ac-loss-file */

/* --bmc-ready: where the gpio backend learns BMC Ready. */
typedef enum BackendBmcReady {
    BACKEND_BMC_READY_SYSTEMD = 0, /* --bmc-ready-unit's ActiveState over sd-bus */
    BACKEND_BMC_READY_ALWAYS = 1,  /* Ready from the start (no systemd, e.g. a test guest) */
} BackendBmcReady;
extern const char *const backend_bmc_ready_names[]; /* NULL-terminated */

/* --ac-loss: where chassis ac_loss comes from. */
typedef enum BackendAcLoss {
    BACKEND_AC_LOSS_AUTO = 0, /* dbus: psm; gpio: the line if named, else the file if named */
    BACKEND_AC_LOSS_NONE = 1, /* always false */
    BACKEND_AC_LOSS_FILE = 2, /* --ac-loss-file exists (and does not say "0") */
    BACKEND_AC_LOSS_GPIO = 3, /* the --gpio-ac-loss line is asserted at start */
    BACKEND_AC_LOSS_PSM = 4,  /* PSM's /run/openbmc/chassis@<instance>-lost-power exists */
} BackendAcLoss;
extern const char *const backend_ac_loss_names[]; /* NULL-terminated */

/* One GPIO line by name; "" = not wired. */
typedef struct BackendGpioLine {
    char name[BACKEND_NAME_MAX + 1];
    bool active_low;
} BackendGpioLine;

/* Options of the gpio and dbus backends (--gpio-*, --bmc-ready*, --ac-loss*, --dbus-*); the
 * defaults are x86-power-control's names and timings. */
typedef struct BackendOptions {
    char gpio_chip[BACKEND_NAME_MAX + 1];      /* "" = find each line by name on every chip */
    BackendGpioLine power_out;                 /* POWER_OUT, active low */
    BackendGpioLine reset_out;                 /* RESET_OUT, active low */
    BackendGpioLine power_good;                /* PS_PWROK, active high */
    BackendGpioLine post_complete;             /* POST_COMPLETE, active low */
    BackendGpioLine ac_loss_line;              /* none */
    uint64_t power_on_press_ms;                /* PowerPulseMs: 200 */
    uint64_t power_off_press_ms;               /* graceful off, PowerPulseMs: 200 */
    uint64_t force_off_press_ms;               /* ForceOffPulseMs: 15000 */
    uint64_t reset_press_ms;                   /* ResetPulseMs: 500 */
    uint64_t power_cycle_off_ms;               /* PowerCycleMs: 5000 */
    uint64_t power_on_timeout_ms;              /* PsPowerOKWatchdogMs: 8000 */
    uint64_t power_off_timeout_ms;             /* GracefulPowerOffS: 300 s */
    uint64_t force_off_timeout_ms;             /* the hold plus 5 s: 20000 */
    int bmc_ready;                             /* BackendBmcReady */
    char bmc_ready_unit[BACKEND_NAME_MAX + 1]; /* multi-user.target */
    int ac_loss;                               /* BackendAcLoss */
    char ac_loss_file[BACKEND_PATH_MAX + 1];
    uint32_t dbus_instance; /* PSM's chassis<N> and host<N> (the BMC is always bmc0) */
} BackendOptions;

/* The defaults above. */
void backend_options_init(BackendOptions *o);

typedef struct BackendConfig {
    sd_event *event; /* borrowed; the backend's timers and fds attach here */
    BackendReportFn report;
    void *userdata;
    uint64_t sim_bmc_ready_ms; /* sim */
    uint64_t sim_power_ms;
    uint64_t sim_boot_ms;
    bool sim_ac_loss;
    const char *sim_state_file; /* borrowed; NULL or "" = the sim keeps no hardware state */
    /* gpio, dbus; borrowed during create() only. NULL = the options agent_options_parse() read
     * last (a workaround while agent.c does not pass them), else the defaults. */
    const BackendOptions *options;
    BackendFailedFn failed; /* may be NULL: a failed transition is then only logged */
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
extern const BackendOps backend_gpio_ops;
extern const BackendOps backend_dbus_ops;

/* The backend called name ("sim", "gpio", "dbus"), or NULL. */
const BackendOps *backend_find(const char *name);

int backend_new(const BackendOps *ops, const BackendConfig *cfg, Backend **ret);
int backend_start(Backend *b);
int backend_apply(Backend *b, SbTarget target, SbTransition transition);
void backend_stop(Backend *b);
Backend *backend_free(Backend *b); /* NULL is fine; returns NULL */

/* Reports a failed transition through cfg.failed (when set). */
void backend_report_failed(Backend *b, SbTarget target, SbTransition transition, const char *why);

/* Whether path says this BMC booted from an AC loss (core/ac-loss.h): 1 yes, 0 no (absent
 * included), negative errno when it exists but cannot be read. */
int backend_ac_loss_file_read(const char *path);

/* Unix ms this BMC booted (now minus CLOCK_BOOTTIME), for chassis bmc_boot_ms; 0 = unknown. */
uint64_t backend_bmc_boot_unix_ms(void);

#endif
