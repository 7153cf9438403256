/* SPDX-License-Identifier: Apache-2.0 */
#include "backend.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ac-loss.h"
#include "file-util.h"
#include "time-util.h"

#define AC_LOSS_FILE_MAX 64u /* "1", "0", "true"...: anything longer is still a yes */
#define PROC_STAT_MAX    ((size_t) 256u * 1024u)

const char *const backend_bmc_ready_names[] = { "systemd", "always", NULL };
const char *const backend_ac_loss_names[] = { "auto", "none", "file", "gpio", "psm", NULL };

static const BackendOps *const backends[] = {
    &backend_sim_ops,
#ifdef STATEBUS_WITH_GPIO
    &backend_gpio_ops,
#endif
#ifdef STATEBUS_WITH_DBUS
    &backend_dbus_ops,
#endif
};

static void line_init(BackendGpioLine *l, const char *name, bool active_low)
{
    (void) snprintf(l->name, sizeof(l->name), "%s", name);
    l->active_low = active_low;
}

void backend_options_init(BackendOptions *o)
{
    memset(o, 0, sizeof(*o));
    /* x86-power-control's config/power-config-host0.json: names, polarities and timings. */
    line_init(&o->power_out, "POWER_OUT", true);
    line_init(&o->reset_out, "RESET_OUT", true);
    line_init(&o->power_good, "PS_PWROK", false);
    line_init(&o->post_complete, "POST_COMPLETE", true);
    line_init(&o->ac_loss_line, "", false);
    o->power_on_press_ms = 200;
    o->power_off_press_ms = 200;
    o->force_off_press_ms = 15000;
    o->reset_press_ms = 500;
    o->power_cycle_off_ms = 5000;
    o->power_on_timeout_ms = 8000;
    o->power_off_timeout_ms = UINT64_C(300) * 1000u;
    o->force_off_timeout_ms = 20000;
    o->bmc_ready = BACKEND_BMC_READY_SYSTEMD;
    (void) snprintf(o->bmc_ready_unit, sizeof(o->bmc_ready_unit), "multi-user.target");
    o->ac_loss = BACKEND_AC_LOSS_AUTO;
    o->dbus_instance = 0;
}

const BackendOps *backend_find(const char *name)
{
    if (!name) {
        return NULL;
    }
    for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++) {
        if (strcmp(backends[i]->name, name) == 0) {
            return backends[i];
        }
    }
    return NULL;
}

int backend_new(const BackendOps *ops, const BackendConfig *cfg, Backend **ret)
{
    BackendOptions defaults;
    BackendConfig c;

    if (!ops || !cfg || !cfg->event || !cfg->report || !ret) {
        return -EINVAL;
    }
    c = *cfg;
    if (!c.options) {
        backend_options_init(&defaults);
        c.options = &defaults;
    }
    return ops->create(&c, ret);
}

int backend_start(Backend *b)
{
    return b->ops->start(b);
}

int backend_apply(Backend *b, SbTarget target, SbTransition transition)
{
    return b->ops->apply(b, target, transition);
}

void backend_stop(Backend *b)
{
    b->ops->stop(b);
}

Backend *backend_free(Backend *b)
{
    if (!b) {
        return NULL;
    }
    return b->ops->destroy(b);
}

void backend_report_failed(Backend *b, SbTarget target, SbTransition transition, const char *why)
{
    if (b->cfg.failed) {
        b->cfg.failed(b, target, transition, why, b->cfg.userdata);
    }
}

int backend_ac_loss_file_read(const char *path)
{
    char *text = NULL;
    size_t len = 0;
    bool yes;
    int r;

    r = read_file_bounded(path, AC_LOSS_FILE_MAX, &text, &len);
    if (r == -ENOENT) {
        return 0;
    }
    if (r == -EFBIG) {
        return 1; /* it exists and says more than a plain no */
    }
    if (r < 0) {
        return r;
    }
    yes = ac_loss_file_says(text, len);
    free(text);
    return yes ? 1 : 0;
}

/* "btime <unix s>" of /proc/stat: the kernel keeps it, so every agent run of one boot agrees. */
static uint64_t proc_stat_btime_s(void)
{
    static const char key[] = "\nbtime ";
    char *text = NULL, *line = NULL, *end = NULL;
    unsigned long long btime = 0;
    size_t len = 0;

    if (read_file_bounded("/proc/stat", PROC_STAT_MAX, &text, &len) < 0) {
        return 0;
    }
    line = strstr(text, key);
    if (line) {
        errno = 0;
        btime = strtoull(line + sizeof(key) - 1, &end, 10);
        if (end == line + sizeof(key) - 1 || errno != 0) {
            btime = 0; /* no number, or one out of range: unknown */
        }
    }
    free(text);
    return btime;
}

uint64_t backend_bmc_boot_unix_ms(void)
{
    struct timespec boot;
    uint64_t btime_s = proc_stat_btime_s();
    uint64_t now = now_unix_ms(), up_ms;

    if (btime_s > 0) {
        return btime_s * 1000u;
    }
    if (clock_gettime(CLOCK_BOOTTIME, &boot) < 0) {
        return 0;
    }
    up_ms = (uint64_t) boot.tv_sec * 1000u + (uint64_t) boot.tv_nsec / 1000000u;
    return now > up_ms ? now - up_ms : 0;
}
