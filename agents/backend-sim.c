/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The sim backend: sim-model (pure) driven by one sd-event timer on CLOCK_MONOTONIC.
 *
 * With --sim-state-file the model's hardware (chassis, host, boot progress, bmc_boot) is written
 * there atomically after every change and read back at the next start, so an agent restart
 * behaves as a BMC reset with the host up: the node's state comes from the "hardware", not from
 * power-on defaults (sim-model.h). --sim-ac-loss ignores the file (the power was gone) and
 * overwrites it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "file-util.h"
#include "log.h"
#include "sim-model.h"
#include "time-util.h"

typedef struct SimBackend {
    Backend base; /* first: a SimBackend * is a Backend * */
    SimModel model;
    sd_event_source *timer; /* owned; armed at the model's next deadline */
    bool stopped;
    bool save_failing; /* the last save failed (logged once per failing streak) */
} SimBackend;

static bool has_state_file(const SimBackend *s)
{
    return s->base.cfg.sim_state_file && s->base.cfg.sim_state_file[0] != '\0';
}

/* Reads the saved hardware; false (logged) when there is none to use. */
static bool load_hardware(const char *path, SimHardware *ret)
{
    const char *why = NULL;
    char *text = NULL;
    size_t len = 0;
    int r;

    r = read_file_bounded(path, SIM_HARDWARE_FILE_MAX, &text, &len);
    if (r == -ENOENT) {
        log_info("sim: found no saved hardware path='%s', starting powered off", path);
        return false;
    }
    if (r < 0) {
        (void) log_warning_errno(r, "sim: failed to read saved hardware path='%s', ignoring: %m",
                                 path);
        return false;
    }
    r = sim_hardware_decode(text, len, ret, &why);
    free(text);
    if (r < 0) {
        log_warning("sim: ignored invalid saved hardware path='%s' why='%s'", path, why);
        return false;
    }
    return true;
}

static void save_hardware(SimBackend *s)
{
    const char *path = s->base.cfg.sim_state_file;
    char buf[SIM_HARDWARE_FILE_MAX];
    SimHardware hw;
    int n, r;

    sim_model_hardware(&s->model, &hw);
    n = sim_hardware_encode(&hw, buf, sizeof(buf));
    r = n < 0 ? n : write_file_atomic(path, buf, (size_t) n);
    if (r < 0) {
        if (!s->save_failing) {
            (void) log_warning_errno(r, "sim: failed to save hardware path='%s', continuing: %m",
                                     path);
        }
        s->save_failing = true;
        return;
    }
    if (s->save_failing) {
        log_info("sim: saved hardware again path='%s'", path);
    }
    s->save_failing = false;
}

static uint64_t sim_now_ms(SimBackend *s)
{
    uint64_t usec = 0;

    /* The loop iteration's timestamp (the current time before the loop first runs). */
    (void) sd_event_now(s->base.cfg.event, CLOCK_MONOTONIC, &usec);
    return usec / 1000u;
}

static int sim_run(SimBackend *s, const SimEvent *ev)
{
    SimActions out;
    int r;

    bool hardware_changed = ev->kind == SIM_EV_START;

    r = sim_model_step(&s->model, ev, &out);
    if (r < 0) {
        return r;
    }
    /* Saved before it is reported: what the bus has seen is never newer than the file. */
    for (size_t i = 0; i < out.n; i++) {
        hardware_changed = hardware_changed || sim_kind_is_hardware(out.items[i].obs.kind);
    }
    if (hardware_changed && has_state_file(s)) {
        save_hardware(s);
    }
    for (size_t i = 0; i < out.n; i++) {
        s->base.cfg.report(&s->base, &out.items[i].obs, s->base.cfg.userdata);
    }
    if (!out.has_deadline) {
        return sd_event_source_set_enabled(s->timer, SD_EVENT_OFF);
    }
    r = sd_event_source_set_time(s->timer, out.next_deadline_ms * 1000u);
    if (r < 0) {
        return r;
    }
    return sd_event_source_set_enabled(s->timer, SD_EVENT_ONESHOT);
}

static int on_sim_timer(sd_event_source *src, uint64_t usec, void *userdata)
{
    SimBackend *s = userdata;
    uint64_t now_ms;

    (void) src;
    if (s->stopped) {
        return 0;
    }
    now_ms = sim_now_ms(s);

    /* usec is the deadline asked for; the iteration's time is never earlier. Steps that came due
     * while the loop was busy are carried out together, in order. */
    if (now_ms < usec / 1000u) {
        now_ms = usec / 1000u;
    }
    return sim_run(s, &(SimEvent){ .kind = SIM_EV_TIMER, .now_ms = now_ms });
}

static int sim_create(const BackendConfig *cfg, Backend **ret)
{
    SimBackend *s = calloc(1, sizeof(*s));
    SimConfig sim = {
        .bmc_ready_ms = cfg->sim_bmc_ready_ms,
        .power_ms = cfg->sim_power_ms,
        .boot_ms = cfg->sim_boot_ms,
        .ac_loss = cfg->sim_ac_loss,
        /* The sim's BMC boots with the process. */
        .bmc_boot_ms = now_unix_ms(),
    };
    int r;

    if (!s) {
        return -ENOMEM;
    }
    s->base.ops = &backend_sim_ops;
    s->base.cfg = *cfg;
    if (has_state_file(s) && !cfg->sim_ac_loss) {
        sim.restore = load_hardware(cfg->sim_state_file, &sim.hardware);
    }
    if (sim.restore) {
        log_notice("sim: restored hardware after a BMC reset path='%s' chassis=%s host=%s "
                   "boot-progress=%s previous_bmc_boot=%" PRIu64,
                   cfg->sim_state_file,
                   sb_enum_to_string(SB_ENUM_CHASSIS_STATE, (int) sim.hardware.chassis),
                   sb_enum_to_string(SB_ENUM_HOST_STATE, (int) sim.hardware.host),
                   sb_enum_to_string(SB_ENUM_BOOT_PROGRESS, (int) sim.hardware.boot_progress),
                   sim.hardware.bmc_boot_ms);
    } else if (has_state_file(s) && cfg->sim_ac_loss) {
        log_notice("sim: AC loss: saved hardware powered off path='%s'", cfg->sim_state_file);
    }
    sim_model_init(&s->model, &sim);
    /* 1 ms accuracy: sd-event's default 250 ms slack would blur the walk's timing. */
    r = sd_event_add_time(cfg->event, &s->timer, CLOCK_MONOTONIC, 0, 1000u, on_sim_timer, s);
    if (r >= 0) {
        r = sd_event_source_set_enabled(s->timer, SD_EVENT_OFF);
    }
    if (r < 0) {
        sd_event_source_disable_unref(s->timer);
        free(s);
        return r;
    }
    *ret = &s->base;
    return 0;
}

static int sim_start(Backend *b)
{
    SimBackend *s = (SimBackend *) b;

    return sim_run(s, &(SimEvent){ .kind = SIM_EV_START, .now_ms = sim_now_ms(s) });
}

static int sim_apply(Backend *b, SbTarget target, SbTransition transition)
{
    SimBackend *s = (SimBackend *) b;

    if (s->stopped) {
        return -ESHUTDOWN;
    }
    return sim_run(s, &(SimEvent){
                              .kind = SIM_EV_COMMAND,
                              .now_ms = sim_now_ms(s),
                              .target = target,
                              .transition = transition,
                      });
}

static void sim_stop(Backend *b)
{
    SimBackend *s = (SimBackend *) b;

    s->stopped = true;
    (void) sd_event_source_set_enabled(s->timer, SD_EVENT_OFF);
}

static Backend *sim_destroy(Backend *b)
{
    SimBackend *s = (SimBackend *) b;

    sd_event_source_disable_unref(s->timer);
    free(s);
    return NULL;
}

const BackendOps backend_sim_ops = {
    .name = "sim",
    .create = sim_create,
    .start = sim_start,
    .apply = sim_apply,
    .stop = sim_stop,
    .destroy = sim_destroy,
};
