/* SPDX-License-Identifier: Apache-2.0 */
/* The sim backend: sim-model (pure) driven by one sd-event timer on CLOCK_MONOTONIC. */
#include <errno.h>
#include <stdlib.h>

#include "backend.h"
#include "sim-model.h"

typedef struct SimBackend {
    Backend base; /* first: a SimBackend * is a Backend * */
    SimModel model;
    sd_event_source *timer; /* owned; armed at the model's next deadline */
    bool stopped;
} SimBackend;

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

    r = sim_model_step(&s->model, ev, &out);
    if (r < 0) {
        return r;
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
    int r;

    if (!s) {
        return -ENOMEM;
    }
    s->base.ops = &backend_sim_ops;
    s->base.cfg = *cfg;
    sim_model_init(&s->model, &(SimConfig){
                                      .bmc_ready_ms = cfg->sim_bmc_ready_ms,
                                      .power_ms = cfg->sim_power_ms,
                                      .boot_ms = cfg->sim_boot_ms,
                                      .ac_loss = cfg->sim_ac_loss,
                              });
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
