/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The gpio backend: gpio-power (pure) driven by the lines' edge-event descriptors and one timer
 * on the agent's sd-event loop (no polling), with every libgpiod call behind gpio-lines.h, and
 * the BMC's own state from systemd (backend-gpio-systemd.h) or --bmc-ready always.
 *
 * What the lines cannot tell is not made up: boot progress is Unspecified until POST_COMPLETE,
 * then SystemInitComplete (core/gpio-power.h), and the BMC's last_reboot_cause is POR after an
 * AC loss, else Unknown.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "statebus/topic.h"

#include "backend-gpio-systemd.h"
#include "backend.h"
#include "gpio-lines.h"
#include "gpio-power.h"
#include "log.h"

#define CONSUMER       "statebus-agent"
#define EDGES_PER_CALL 16u
#define PSM_LOST_POWER "/run/openbmc/chassis@%u-lost-power"

typedef struct GpioBackend {
    Backend base; /* first: a GpioBackend * is a Backend * */
    BackendOptions opts;
    GpioPower power;
    GpioLine *lines[GPIO_POWER_LINE_COUNT];              /* owned; NULL = not wired */
    sd_event_source *edge_source[GPIO_POWER_LINE_COUNT]; /* owned; inputs only */
    sd_event_source *timer;                              /* owned; at the core's next deadline */
    GpioSystemd *systemd;                                /* owned; NULL with --bmc-ready always */
    NodeObservation bmc;
    bool ac_loss;
    uint64_t bmc_boot_ms;
    bool stopped;
} GpioBackend;

static const BackendGpioLine *line_option(const GpioBackend *g, GpioPowerLine line)
{
    switch (line) {
    case GPIO_POWER_LINE_POWER_OUT:
        return &g->opts.power_out;
    case GPIO_POWER_LINE_RESET_OUT:
        return &g->opts.reset_out;
    case GPIO_POWER_LINE_POWER_GOOD:
        return &g->opts.power_good;
    default:
        return &g->opts.post_complete;
    }
}

static const char *line_name(const GpioBackend *g, GpioPowerLine line)
{
    return line_option(g, line)->name;
}

static const char *target_name(SbTarget target)
{
    const char *s = sb_target_topic_name(target);
    return s ? s : "?";
}

static uint64_t gpio_now_ms(const GpioBackend *g)
{
    uint64_t usec = 0;

    (void) sd_event_now(g->base.cfg.event, CLOCK_MONOTONIC, &usec);
    return usec / 1000u;
}

/* ---- the core's actions ------------------------------------------------------------------ */

static void act_write(GpioBackend *g, const GpioPowerAction *a)
{
    bool asserted = a->level != (line_option(g, a->line)->active_low ? 1 : 0);
    int r = gpio_line_set(g->lines[a->line], a->level);

    if (r < 0) {
        (void) log_error_errno(r, "gpio: failed to %s line='%s' level=%d: %m",
                               asserted ? "press" : "release", line_name(g, a->line), a->level);
        return;
    }
    log_info("gpio: %s line='%s' level=%d", asserted ? "pressed" : "released",
             line_name(g, a->line), a->level);
}

static int run(GpioBackend *g, const GpioPowerEvent *ev)
{
    GpioPowerActions out;
    int r;

    r = gpio_power_step(&g->power, ev, &out);
    if (r < 0) {
        return r;
    }
    for (size_t i = 0; i < out.n; i++) {
        const GpioPowerAction *a = &out.items[i];
        NodeObservation obs;

        switch (a->kind) {
        case GPIO_POWER_ACT_WRITE:
            act_write(g, a);
            break;
        case GPIO_POWER_ACT_OBSERVE:
            obs = a->obs;
            if (obs.kind == SB_KIND_CHASSIS) {
                obs.bmc_boot_ms = g->bmc_boot_ms;
            }
            g->base.cfg.report(&g->base, &obs, g->base.cfg.userdata);
            break;
        case GPIO_POWER_ACT_FAILED:
            log_warning("gpio: failed %s %s why='%s'", target_name(a->target),
                        sb_enum_to_string(SB_ENUM_TRANSITION, a->transition), a->why);
            backend_report_failed(&g->base, a->target, a->transition, a->why);
            break;
        }
    }
    if (!out.has_deadline) {
        return sd_event_source_set_enabled(g->timer, SD_EVENT_OFF);
    }
    r = sd_event_source_set_time(g->timer, out.next_deadline_ms * 1000u);
    if (r < 0) {
        return r;
    }
    return sd_event_source_set_enabled(g->timer, SD_EVENT_ONESHOT);
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
    GpioBackend *g = userdata;
    uint64_t now_ms = gpio_now_ms(g);
    int r;

    (void) s;
    if (g->stopped) {
        return 0;
    }
    if (now_ms < usec / 1000u) {
        now_ms = usec / 1000u;
    }
    r = run(g, &(GpioPowerEvent){ .kind = GPIO_POWER_EV_TIMER, .now_ms = now_ms });
    if (r < 0) {
        (void) log_error_errno(r, "gpio: failed to run the power sequence timer: %m");
    }
    return 0;
}

static int on_edges(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
    GpioBackend *g = userdata;
    GpioPowerLine line = GPIO_POWER_LINE_POWER_GOOD;
    int levels[EDGES_PER_CALL];
    int n;

    (void) fd;
    if (s == g->edge_source[GPIO_POWER_LINE_POST_COMPLETE]) {
        line = GPIO_POWER_LINE_POST_COMPLETE;
    }
    if (g->stopped) {
        return 0;
    }
    if (revents & (EPOLLERR | EPOLLHUP)) {
        log_error("gpio: line='%s' event descriptor failed, no more edges from it",
                  line_name(g, line));
        return sd_event_source_set_enabled(s, SD_EVENT_OFF);
    }
    n = gpio_line_read_edges(g->lines[line], levels, EDGES_PER_CALL);
    if (n < 0) {
        (void) log_error_errno(n, "gpio: failed to read edges of line='%s', no more edges: %m",
                               line_name(g, line));
        return sd_event_source_set_enabled(s, SD_EVENT_OFF);
    }
    for (int i = 0; i < n; i++) {
        int r;

        log_info("gpio: saw line='%s' %s", line_name(g, line), levels[i] ? "rise" : "fall");
        r = run(g, &(GpioPowerEvent){
                           .kind = GPIO_POWER_EV_EDGE,
                           .now_ms = gpio_now_ms(g),
                           .line = line,
                           .level = levels[i],
                   });
        if (r < 0) {
            (void) log_error_errno(r, "gpio: failed to handle an edge of line='%s': %m",
                                   line_name(g, line));
        }
    }
    return 0;
}

/* ---- the BMC ----------------------------------------------------------------------------- */

static void report_bmc(GpioBackend *g, SbBmcState state)
{
    g->bmc.state = state;
    g->base.cfg.report(&g->base, &g->bmc, g->base.cfg.userdata);
}

static void on_systemd_state(GpioSystemd *s, SbBmcState state, void *userdata)
{
    GpioBackend *g = userdata;

    (void) s;
    if (!g->stopped) {
        report_bmc(g, state);
    }
}

static void on_systemd_reboot_failed(GpioSystemd *s, bool hard, const char *why, void *userdata)
{
    GpioBackend *g = userdata;

    (void) s;
    backend_report_failed(&g->base, SB_TARGET_BMC,
                          hard ? SB_TRANSITION_HARD_REBOOT : SB_TRANSITION_REBOOT, why);
}

/* ---- set-up ------------------------------------------------------------------------------ */

static bool read_ac_loss_file(const char *path)
{
    int r = backend_ac_loss_file_read(path);

    if (r < 0) {
        (void) log_warning_errno(r,
                                 "gpio: failed to read ac-loss file path='%s', assuming no "
                                 "AC loss: %m",
                                 path);
        return false;
    }
    return r > 0;
}

static bool read_ac_loss_line(const BackendOptions *o)
{
    GpioLine *l = NULL;
    int r;

    r = gpio_line_request(o->gpio_chip, o->ac_loss_line.name, CONSUMER, GPIO_LINE_INPUT, 0, &l);
    if (r >= 0) {
        r = gpio_line_get(l);
    }
    gpio_line_release(l);
    if (r < 0) {
        (void) log_warning_errno(r,
                                 "gpio: failed to read ac-loss line='%s', assuming no AC "
                                 "loss: %m",
                                 o->ac_loss_line.name);
        return false;
    }
    return (r != 0) != o->ac_loss_line.active_low;
}

static bool read_ac_loss(const BackendOptions *o, const char **ret_source)
{
    char path[64];
    int source = o->ac_loss;

    if (source == BACKEND_AC_LOSS_AUTO) {
        source = o->ac_loss_line.name[0] ? BACKEND_AC_LOSS_GPIO
                 : o->ac_loss_file[0]    ? BACKEND_AC_LOSS_FILE
                                         : BACKEND_AC_LOSS_NONE;
    }
    *ret_source = backend_ac_loss_names[source];
    switch (source) {
    case BACKEND_AC_LOSS_FILE:
        return read_ac_loss_file(o->ac_loss_file);
    case BACKEND_AC_LOSS_GPIO:
        return read_ac_loss_line(o);
    case BACKEND_AC_LOSS_PSM:
        (void) snprintf(path, sizeof(path), PSM_LOST_POWER, (unsigned) o->dbus_instance);
        return read_ac_loss_file(path);
    default:
        return false;
    }
}

static int open_line(GpioBackend *g, GpioPowerLine line)
{
    const BackendGpioLine *o = line_option(g, line);
    bool output = line == GPIO_POWER_LINE_POWER_OUT || line == GPIO_POWER_LINE_RESET_OUT;
    int r;

    if (o->name[0] == '\0') {
        return 0; /* not wired */
    }
    /* Outputs start released: requesting a line drives it at once. */
    r = gpio_line_request(g->opts.gpio_chip, o->name, CONSUMER,
                          output ? GPIO_LINE_OUTPUT : GPIO_LINE_INPUT_EDGES,
                          output ? (o->active_low ? 1 : 0) : 0, &g->lines[line]);
    if (r < 0) {
        return log_error_errno(r, "gpio: failed to request line='%s' chip='%s' as %s: %m", o->name,
                               g->opts.gpio_chip[0] ? g->opts.gpio_chip : "any",
                               output ? "output" : "input with edge events");
    }
    log_info("gpio: requested line='%s' chip=%s offset=%u as %s active_low=%s", o->name,
             gpio_line_chip_name(g->lines[line]), gpio_line_offset(g->lines[line]),
             output ? "output" : "input", o->active_low ? "yes" : "no");
    if (output) {
        return 0;
    }
    r = gpio_line_event_fd(g->lines[line]);
    if (r >= 0) {
        r = sd_event_add_io(g->base.cfg.event, &g->edge_source[line], r, EPOLLIN, on_edges, g);
    }
    if (r >= 0) {
        r = sd_event_source_set_enabled(g->edge_source[line], SD_EVENT_OFF);
    }
    return r < 0 ? r : 0;
}

static void power_config(const GpioBackend *g, GpioPowerConfig *c)
{
    const BackendOptions *o = &g->opts;

    *c = (GpioPowerConfig){
        .has_reset_out = g->lines[GPIO_POWER_LINE_RESET_OUT] != NULL,
        .has_post_complete = g->lines[GPIO_POWER_LINE_POST_COMPLETE] != NULL,
        .on_press_ms = o->power_on_press_ms,
        .graceful_off_press_ms = o->power_off_press_ms,
        .force_off_press_ms = o->force_off_press_ms,
        .reset_press_ms = o->reset_press_ms,
        .power_cycle_off_ms = o->power_cycle_off_ms,
        .on_timeout_ms = o->power_on_timeout_ms,
        .graceful_off_timeout_ms = o->power_off_timeout_ms,
        .force_off_timeout_ms = o->force_off_timeout_ms,
        .ac_loss = g->ac_loss,
    };
    for (int l = 0; l < GPIO_POWER_LINE_COUNT; l++) {
        c->active_low[l] = line_option(g, (GpioPowerLine) l)->active_low;
    }
}

static Backend *gpio_destroy(Backend *b);

static int gpio_create(const BackendConfig *cfg, Backend **ret)
{
    GpioBackend *g = calloc(1, sizeof(*g));
    const char *ac_loss_source = NULL;
    GpioPowerConfig pc;
    int r = 0;

    if (!g) {
        return -ENOMEM;
    }
    g->base.ops = &backend_gpio_ops;
    g->base.cfg = *cfg;
    g->opts = *cfg->options;
    g->base.cfg.options = NULL; /* borrowed for create() only */
    g->ac_loss = read_ac_loss(&g->opts, &ac_loss_source);
    g->bmc_boot_ms = backend_bmc_boot_unix_ms();
    g->bmc = (NodeObservation){
        .kind = SB_KIND_BMC,
        .state = SB_BMC_NOT_READY,
        /* An AC loss is a power-on reset of the BMC too; nothing else on these lines tells. */
        .last_reboot_cause = g->ac_loss ? SB_REBOOT_CAUSE_POR : SB_REBOOT_CAUSE_UNKNOWN,
    };
    for (int l = 0; l < GPIO_POWER_LINE_COUNT && r >= 0; l++) {
        r = open_line(g, (GpioPowerLine) l);
    }
    if (r >= 0) {
        r = sd_event_add_time(cfg->event, &g->timer, CLOCK_MONOTONIC, 0, 1000u, on_timer, g);
    }
    if (r >= 0) {
        r = sd_event_source_set_enabled(g->timer, SD_EVENT_OFF);
    }
    if (r >= 0 && g->opts.bmc_ready == BACKEND_BMC_READY_SYSTEMD) {
        r = gpio_systemd_new(cfg->event, g->opts.bmc_ready_unit,
                             &(GpioSystemdCallbacks){
                                     .on_state = on_systemd_state,
                                     .on_reboot_failed = on_systemd_reboot_failed,
                             },
                             g, &g->systemd);
    }
    if (r < 0) {
        gpio_destroy(&g->base);
        return r;
    }
    power_config(g, &pc);
    gpio_power_init(&g->power, &pc);
    log_info("gpio: configured chip='%s' ac_loss=%s (from %s) bmc_ready=%s",
             g->opts.gpio_chip[0] ? g->opts.gpio_chip : "any", g->ac_loss ? "yes" : "no",
             ac_loss_source, backend_bmc_ready_names[g->opts.bmc_ready]);
    *ret = &g->base;
    return 0;
}

static int gpio_start(Backend *b)
{
    GpioBackend *g = (GpioBackend *) b;
    GpioPowerEvent ev = { .kind = GPIO_POWER_EV_START, .now_ms = gpio_now_ms(g) };
    int r;

    /* The edge descriptors have queued every change since the request: an edge the levels
     * below already show is ignored by the core. */
    for (int l = GPIO_POWER_LINE_POWER_GOOD; l < GPIO_POWER_LINE_COUNT; l++) {
        if (!g->lines[l]) {
            continue;
        }
        r = gpio_line_get(g->lines[l]);
        if (r < 0) {
            return log_error_errno(r, "gpio: failed to read line='%s': %m",
                                   line_name(g, (GpioPowerLine) l));
        }
        ev.levels[l] = r;
    }
    report_bmc(g, g->systemd ? SB_BMC_NOT_READY : SB_BMC_READY);
    r = run(g, &ev);
    for (int l = 0; l < GPIO_POWER_LINE_COUNT && r >= 0; l++) {
        if (g->edge_source[l]) {
            r = sd_event_source_set_enabled(g->edge_source[l], SD_EVENT_ON);
        }
    }
    if (r >= 0 && g->systemd) {
        r = gpio_systemd_start(g->systemd);
    }
    return r < 0 ? r : 0;
}

static int gpio_apply(Backend *b, SbTarget target, SbTransition transition)
{
    GpioBackend *g = (GpioBackend *) b;
    int r;

    if (g->stopped) {
        return -ESHUTDOWN;
    }
    if (target == SB_TARGET_BMC) {
        if (!g->systemd) {
            return -EOPNOTSUPP; /* --bmc-ready always: there is no systemd to reboot through */
        }
        if (!sb_transition_valid_for(target, transition)) {
            return -EINVAL;
        }
        r = gpio_systemd_reboot(g->systemd, transition == SB_TRANSITION_HARD_REBOOT);
        if (r >= 0) {
            report_bmc(g, SB_BMC_NOT_READY); /* as PSM does when it starts a BMC reboot */
        }
        return r;
    }
    return run(g, &(GpioPowerEvent){
                          .kind = GPIO_POWER_EV_COMMAND,
                          .now_ms = gpio_now_ms(g),
                          .target = target,
                          .transition = transition,
                  });
}

static void gpio_stop(Backend *b)
{
    GpioBackend *g = (GpioBackend *) b;

    if (g->stopped) {
        return;
    }
    /* A held button is let go: a forced off must not outlive the agent half-done. */
    (void) run(g, &(GpioPowerEvent){ .kind = GPIO_POWER_EV_STOP, .now_ms = gpio_now_ms(g) });
    g->stopped = true;
    (void) sd_event_source_set_enabled(g->timer, SD_EVENT_OFF);
    for (int l = 0; l < GPIO_POWER_LINE_COUNT; l++) {
        if (g->edge_source[l]) {
            (void) sd_event_source_set_enabled(g->edge_source[l], SD_EVENT_OFF);
        }
    }
}

static Backend *gpio_destroy(Backend *b)
{
    GpioBackend *g = (GpioBackend *) b;

    g->systemd = gpio_systemd_free(g->systemd);
    g->timer = sd_event_source_disable_unref(g->timer);
    for (int l = 0; l < GPIO_POWER_LINE_COUNT; l++) {
        g->edge_source[l] = sd_event_source_disable_unref(g->edge_source[l]);
        g->lines[l] = gpio_line_release(g->lines[l]);
    }
    free(g);
    return NULL;
}

const BackendOps backend_gpio_ops = {
    .name = "gpio",
    .create = gpio_create,
    .start = gpio_start,
    .apply = gpio_apply,
    .stop = gpio_stop,
    .destroy = gpio_destroy,
};
