/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The gpio backend's BMC side: BMC Ready from systemd, as phosphor-state-manager's BMC state
 * manager derives it, and BMC reboots through systemd.
 *
 * Follows one unit's ActiveState (multi-user.target by default) on org.freedesktop.systemd1
 * (system bus; Manager.Subscribe() so systemd sends PropertiesChanged): "active" is Ready,
 * "failed" is Quiesced, everything else (activating, reloading, inactive, deactivating, no
 * systemd reachable) is NotReady. Reboot starts reboot.target ("replace-irreversibly"), as PSM
 * does; HardReboot calls Manager.Reboot() (no orderly stop of services), as PSM does.
 */
#ifndef STATEBUS_BACKEND_GPIO_SYSTEMD_H
#define STATEBUS_BACKEND_GPIO_SYSTEMD_H

#include <stdbool.h>
#include <systemd/sd-event.h>

#include "statebus/enums.h"

typedef struct GpioSystemd GpioSystemd;

typedef struct GpioSystemdCallbacks {
    /* The BMC state changed (from NotReady, which is where it starts). */
    void (*on_state)(GpioSystemd *s, SbBmcState state, void *userdata);
    /* systemd refused a reboot gpio_systemd_reboot() asked for; why is human text. */
    void (*on_reboot_failed)(GpioSystemd *s, bool hard, const char *why, void *userdata);
} GpioSystemdCallbacks;

/* unit is copied. Nothing happens before gpio_systemd_start(). */
int gpio_systemd_new(sd_event *event,
                     const char *unit,
                     const GpioSystemdCallbacks *cb,
                     void *userdata,
                     GpioSystemd **ret);
GpioSystemd *gpio_systemd_free(GpioSystemd *s); /* NULL is fine; returns NULL */

int gpio_systemd_start(GpioSystemd *s);

/* Asks systemd to reboot the BMC (hard: at once). -ENOTCONN while systemd is not reachable; a
 * refusal from systemd is logged when it arrives. */
int gpio_systemd_reboot(GpioSystemd *s, bool hard);

/* The BMC state for a unit's ActiveState string (pure; for tests too). */
SbBmcState gpio_systemd_bmc_state(const char *active_state);

#endif
