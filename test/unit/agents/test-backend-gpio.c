/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The gpio backend on a real sd-event loop with libgpiod wrapped (-Wl,--wrap=gpiod_*): a fake
 * chip whose edge events arrive through real pipe descriptors, so the backend's io sources,
 * timers and line writes run exactly as on hardware. Waits are loop iterations until a condition,
 * bounded by a deadline.
 */
#define _GNU_SOURCE /* pipe2(); before any system header */

/* cmocka needs these first, in this order. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <errno.h>
#include <fcntl.h>
#include <gpiod.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-event.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"

#define PRESS_MS       30u
#define FORCE_PRESS_MS 400u
#define TIMEOUT_MS     150u
#define WAIT_MS        3000u /* bound of every wait for the loop to do something */

/* ---- the fake chip ----------------------------------------------------------------------- */

enum { MODE_NONE, MODE_OUTPUT, MODE_INPUT, MODE_EDGES };

/* One open of the chip; closing it gives back the line found through it. */
struct gpiod_chip {
    bool in_use;
    struct gpiod_line *line;
};

struct gpiod_line {
    const char *name;
    unsigned offset;
    int value; /* raw */
    int mode;
    struct gpiod_chip *chip; /* the open it was found through */
    int pipe[2];             /* readable while events are queued */
    int queue[32];
    size_t queued;
    bool read_fails;
};

typedef struct Write {
    unsigned offset;
    int value;
    uint64_t at_ms; /* CLOCK_MONOTONIC */
} Write;

static struct gpiod_chip opens[16];
static struct gpiod_line fake_lines[] = {
    { .name = "POWER_OUT", .offset = 0 }, { .name = "RESET_OUT", .offset = 1 },
    { .name = "PS_PWROK", .offset = 2 },  { .name = "POST_COMPLETE", .offset = 3 },
    { .name = "AC_LOST", .offset = 4 },
};
#define N_LINES         (sizeof(fake_lines) / sizeof(fake_lines[0]))
#define L_POWER_OUT     (&fake_lines[0])
#define L_RESET_OUT     (&fake_lines[1])
#define L_PGOOD         (&fake_lines[2])
#define L_POST_COMPLETE (&fake_lines[3])
#define L_AC_LOST       (&fake_lines[4])

static Write writes[64];
static size_t n_writes;
static char last_chip_opened[64];
static unsigned line_find_calls;

static uint64_t mono_ms(void)
{
    struct timespec ts;

    (void) clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t) ts.tv_sec * 1000u + (uint64_t) ts.tv_nsec / 1000000u;
}

static unsigned chip_opens(void)
{
    unsigned n = 0;

    for (size_t i = 0; i < sizeof(opens) / sizeof(opens[0]); i++) {
        n += opens[i].in_use;
    }
    return n;
}

static struct gpiod_chip *chip_open(void)
{
    for (size_t i = 0; i < sizeof(opens) / sizeof(opens[0]); i++) {
        if (!opens[i].in_use) {
            opens[i] = (struct gpiod_chip){ .in_use = true };
            return &opens[i];
        }
    }
    fail_msg("too many chip opens");
    return NULL;
}

static void line_give_back(struct gpiod_line *l)
{
    if (l->pipe[0] > 0) {
        close(l->pipe[0]);
        close(l->pipe[1]);
    }
    l->pipe[0] = l->pipe[1] = 0;
    l->mode = MODE_NONE;
    l->chip = NULL;
    l->queued = 0;
}

static struct gpiod_line *line_by_name(const char *name)
{
    for (size_t i = 0; i < N_LINES; i++) {
        if (strcmp(fake_lines[i].name, name) == 0) {
            return &fake_lines[i];
        }
    }
    return NULL;
}

static void fake_reset(void)
{
    for (size_t i = 0; i < N_LINES; i++) {
        line_give_back(&fake_lines[i]);
        fake_lines[i].read_fails = false;
    }
    memset(opens, 0, sizeof(opens));
    /* x86-power-control's polarities, everything at rest: power off, POST not complete. */
    L_POWER_OUT->value = 1;
    L_RESET_OUT->value = 1;
    L_PGOOD->value = 0;
    L_POST_COMPLETE->value = 1;
    L_AC_LOST->value = 0;
    n_writes = 0;
    last_chip_opened[0] = '\0';
    line_find_calls = 0;
}

/* The hardware changes an input: the level and one queued edge event. */
static void fake_edge(struct gpiod_line *l, int value)
{
    char byte = 'e';

    assert_int_equal(l->mode, MODE_EDGES);
    assert_true(l->queued < sizeof(l->queue) / sizeof(l->queue[0]));
    l->value = value;
    l->queue[l->queued++] = value;
    assert_int_equal(write(l->pipe[1], &byte, 1), 1);
}

struct gpiod_chip *__wrap_gpiod_chip_open_by_name(const char *name);
struct gpiod_chip *__wrap_gpiod_chip_open_by_name(const char *name)
{
    (void) snprintf(last_chip_opened, sizeof(last_chip_opened), "%s", name);
    if (strcmp(name, "gpiochip0") != 0) {
        errno = ENOENT;
        return NULL;
    }
    return chip_open();
}

struct gpiod_line *__wrap_gpiod_chip_find_line(struct gpiod_chip *chip, const char *name);
struct gpiod_line *__wrap_gpiod_chip_find_line(struct gpiod_chip *chip, const char *name)
{
    struct gpiod_line *l = line_by_name(name);

    assert_true(chip->in_use);
    if (!l) {
        errno = ENOENT;
        return NULL;
    }
    chip->line = l;
    l->chip = chip;
    return l;
}

struct gpiod_line *__wrap_gpiod_line_find(const char *name);
struct gpiod_line *__wrap_gpiod_line_find(const char *name)
{
    struct gpiod_line *l = line_by_name(name);

    line_find_calls++;
    if (!l) {
        errno = ENOENT;
        return NULL;
    }
    /* gpiod_line_find() opens the chip; its caller closes it. */
    l->chip = chip_open();
    l->chip->line = l;
    return l;
}

struct gpiod_chip *__wrap_gpiod_line_get_chip(struct gpiod_line *line);
struct gpiod_chip *__wrap_gpiod_line_get_chip(struct gpiod_line *line)
{
    return line->chip;
}

void __wrap_gpiod_chip_close(struct gpiod_chip *chip);
void __wrap_gpiod_chip_close(struct gpiod_chip *chip)
{
    assert_true(chip->in_use);
    if (chip->line) {
        line_give_back(chip->line);
    }
    chip->in_use = false;
    chip->line = NULL;
}

const char *__wrap_gpiod_chip_name(struct gpiod_chip *chip);
const char *__wrap_gpiod_chip_name(struct gpiod_chip *chip)
{
    assert_true(chip->in_use);
    return "gpiochip0";
}

unsigned int __wrap_gpiod_line_offset(struct gpiod_line *line);
unsigned int __wrap_gpiod_line_offset(struct gpiod_line *line)
{
    return line->offset;
}

static int request(struct gpiod_line *l, int mode)
{
    if (l->mode != MODE_NONE) {
        errno = EBUSY;
        return -1;
    }
    l->mode = mode;
    return 0;
}

int __wrap_gpiod_line_request_output(struct gpiod_line *line, const char *consumer, int value);
int __wrap_gpiod_line_request_output(struct gpiod_line *line, const char *consumer, int value)
{
    assert_string_equal(consumer, "statebus-agent");
    if (request(line, MODE_OUTPUT) < 0) {
        return -1;
    }
    line->value = value;
    return 0;
}

int __wrap_gpiod_line_request_input(struct gpiod_line *line, const char *consumer);
int __wrap_gpiod_line_request_input(struct gpiod_line *line, const char *consumer)
{
    assert_string_equal(consumer, "statebus-agent");
    return request(line, MODE_INPUT);
}

int __wrap_gpiod_line_request_both_edges_events(struct gpiod_line *line, const char *consumer);
int __wrap_gpiod_line_request_both_edges_events(struct gpiod_line *line, const char *consumer)
{
    assert_string_equal(consumer, "statebus-agent");
    if (request(line, MODE_EDGES) < 0) {
        return -1;
    }
    assert_int_equal(pipe2(line->pipe, O_NONBLOCK | O_CLOEXEC), 0);
    return 0;
}

int __wrap_gpiod_line_get_value(struct gpiod_line *line);
int __wrap_gpiod_line_get_value(struct gpiod_line *line)
{
    assert_true(line->mode != MODE_NONE);
    return line->value;
}

int __wrap_gpiod_line_set_value(struct gpiod_line *line, int value);
int __wrap_gpiod_line_set_value(struct gpiod_line *line, int value)
{
    assert_int_equal(line->mode, MODE_OUTPUT);
    assert_true(n_writes < sizeof(writes) / sizeof(writes[0]));
    writes[n_writes++] = (Write){ .offset = line->offset, .value = value, .at_ms = mono_ms() };
    line->value = value;
    return 0;
}

int __wrap_gpiod_line_event_get_fd(struct gpiod_line *line);
int __wrap_gpiod_line_event_get_fd(struct gpiod_line *line)
{
    if (line->mode != MODE_EDGES) {
        errno = EPERM;
        return -1;
    }
    return line->pipe[0];
}

int __wrap_gpiod_line_event_read_multiple(struct gpiod_line *line,
                                          struct gpiod_line_event *events,
                                          unsigned int num_events);
int __wrap_gpiod_line_event_read_multiple(struct gpiod_line *line,
                                          struct gpiod_line_event *events,
                                          unsigned int num_events)
{
    char drain[64];
    unsigned n = 0;

    assert_int_equal(line->mode, MODE_EDGES);
    if (line->read_fails) {
        errno = EIO;
        return -1;
    }
    while (read(line->pipe[0], drain, sizeof(drain)) > 0) {
    }
    for (; n < num_events && n < line->queued; n++) {
        memset(&events[n], 0, sizeof(events[n]));
        events[n].event_type =
                line->queue[n] ? GPIOD_LINE_EVENT_RISING_EDGE : GPIOD_LINE_EVENT_FALLING_EDGE;
    }
    memmove(line->queue, line->queue + n, (line->queued - n) * sizeof(line->queue[0]));
    line->queued -= n;
    if (line->queued > 0) {
        char byte = 'e';
        assert_int_equal(write(line->pipe[1], &byte, 1), 1);
    }
    return (int) n;
}

/* ---- the backend's side ------------------------------------------------------------------ */

typedef struct Fixture {
    sd_event *event;
    Backend *b;
    BackendOptions opts;
    NodeObservation last[SB_KIND_NODE_COUNT];
    bool have[SB_KIND_NODE_COUNT];
    unsigned reports;
    SbTarget failed_target;
    SbTransition failed_transition;
    char failed_why[256];
    unsigned failures;
} Fixture;

static void on_report(Backend *b, const NodeObservation *obs, void *userdata)
{
    Fixture *f = userdata;

    (void) b;
    assert_true(obs->kind >= 0 && obs->kind < SB_KIND_NODE_COUNT);
    f->last[obs->kind] = *obs;
    f->have[obs->kind] = true;
    f->reports++;
}

static void
on_failed(Backend *b, SbTarget target, SbTransition transition, const char *why, void *userdata)
{
    Fixture *f = userdata;

    (void) b;
    f->failed_target = target;
    f->failed_transition = transition;
    (void) snprintf(f->failed_why, sizeof(f->failed_why), "%s", why);
    f->failures++;
}

static int setup(void **state)
{
    static Fixture f;

    memset(&f, 0, sizeof(f));
    fake_reset();
    if (sd_event_new(&f.event) < 0) {
        return -1;
    }
    backend_options_init(&f.opts);
    f.opts.bmc_ready = BACKEND_BMC_READY_ALWAYS; /* no systemd in a unit test */
    f.opts.gpio_chip[0] = '\0';
    f.opts.power_on_press_ms = PRESS_MS;
    f.opts.power_off_press_ms = PRESS_MS;
    f.opts.force_off_press_ms = FORCE_PRESS_MS;
    f.opts.reset_press_ms = PRESS_MS;
    f.opts.power_cycle_off_ms = PRESS_MS;
    f.opts.power_on_timeout_ms = TIMEOUT_MS;
    f.opts.power_off_timeout_ms = TIMEOUT_MS;
    f.opts.force_off_timeout_ms = FORCE_PRESS_MS + TIMEOUT_MS;
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    Fixture *f = *state;

    f->b = backend_free(f->b);
    f->event = sd_event_unref(f->event);
    /* Every line went back with its chip. */
    assert_int_equal(chip_opens(), 0);
    fake_reset();
    return 0;
}

static int create(Fixture *f)
{
    return backend_new(&backend_gpio_ops,
                       &(BackendConfig){
                               .event = f->event,
                               .report = on_report,
                               .userdata = f,
                               .options = &f->opts,
                               .failed = on_failed,
                       },
                       &f->b);
}

static void create_and_start(Fixture *f)
{
    assert_int_equal(create(f), 0);
    assert_int_equal(backend_start(f->b), 0);
}

/* Runs the loop until pred(f) holds; fails after WAIT_MS. */
static void run_until(Fixture *f, bool (*pred)(Fixture *f), const char *what)
{
    uint64_t deadline = mono_ms() + WAIT_MS;

    while (!pred(f)) {
        uint64_t now = mono_ms();
        if (now >= deadline) {
            fail_msg("timed out after %u ms waiting for %s", WAIT_MS, what);
        }
        assert_true(sd_event_run(f->event, (deadline - now) * 1000u) >= 0);
    }
}

static bool chassis_on(Fixture *f)
{
    return f->have[SB_KIND_CHASSIS] && f->last[SB_KIND_CHASSIS].state == SB_CHASSIS_ON;
}

static bool chassis_off(Fixture *f)
{
    return f->have[SB_KIND_CHASSIS] && f->last[SB_KIND_CHASSIS].state == SB_CHASSIS_OFF;
}

static bool power_out_released(Fixture *f)
{
    (void) f;
    return n_writes >= 2 && writes[n_writes - 1].offset == 0 && writes[n_writes - 1].value == 1;
}

static bool host_running(Fixture *f)
{
    return f->have[SB_KIND_HOST] && f->last[SB_KIND_HOST].state == SB_HOST_RUNNING;
}

static bool failed_once(Fixture *f)
{
    return f->failures > 0;
}

/* ---- tests ------------------------------------------------------------------------------- */

static void test_backend_gpio_start_requests_lines_and_reports(void **state)
{
    Fixture *f = *state;

    create_and_start(f);
    /* Outputs released (active low: 1), inputs with edge events, found on any chip by name. */
    assert_int_equal(L_POWER_OUT->mode, MODE_OUTPUT);
    assert_int_equal(L_POWER_OUT->value, 1);
    assert_int_equal(L_RESET_OUT->mode, MODE_OUTPUT);
    assert_int_equal(L_RESET_OUT->value, 1);
    assert_int_equal(L_PGOOD->mode, MODE_EDGES);
    assert_int_equal(L_POST_COMPLETE->mode, MODE_EDGES);
    assert_int_equal(L_AC_LOST->mode, MODE_NONE);
    assert_int_equal(line_find_calls, 4);
    assert_int_equal(n_writes, 0);

    assert_int_equal(f->reports, 4);
    assert_int_equal(f->last[SB_KIND_BMC].state, SB_BMC_READY);
    assert_int_equal(f->last[SB_KIND_BMC].last_reboot_cause, SB_REBOOT_CAUSE_UNKNOWN);
    assert_int_equal(f->last[SB_KIND_CHASSIS].state, SB_CHASSIS_OFF);
    assert_false(f->last[SB_KIND_CHASSIS].ac_loss);
    assert_true(f->last[SB_KIND_CHASSIS].bmc_boot_ms > 0);
    assert_int_equal(f->last[SB_KIND_HOST].state, SB_HOST_OFF);
    assert_int_equal(f->last[SB_KIND_BOOT_PROGRESS].state, SB_BOOT_UNSPECIFIED);
}

static void test_backend_gpio_chassis_on_presses_and_sees_power_good(void **state)
{
    Fixture *f = *state;
    uint64_t held;

    create_and_start(f);
    assert_int_equal(backend_apply(f->b, SB_TARGET_CHASSIS, SB_TRANSITION_ON), 0);
    assert_int_equal(n_writes, 1);
    assert_int_equal(writes[0].offset, 0);
    assert_int_equal(writes[0].value, 0); /* pressed */
    assert_int_equal(f->last[SB_KIND_CHASSIS].state, SB_CHASSIS_TRANSITIONING_TO_ON);

    run_until(f, power_out_released, "POWER_OUT released");
    held = writes[1].at_ms - writes[0].at_ms;
    assert_true(held >= PRESS_MS);
    assert_true(held < PRESS_MS + 1000u);

    /* The board raises power good; the backend sees the edge through the loop. */
    fake_edge(L_PGOOD, 1);
    run_until(f, chassis_on, "chassis On");
    assert_int_equal(f->last[SB_KIND_HOST].state, SB_HOST_TRANSITIONING_TO_RUNNING);
    assert_int_equal(f->last[SB_KIND_HOST].restart_cause, SB_RESTART_CAUSE_REMOTE_COMMAND);
    fake_edge(L_POST_COMPLETE, 0); /* active low: POST complete */
    run_until(f, host_running, "host Running");
    assert_int_equal(f->last[SB_KIND_BOOT_PROGRESS].state, SB_BOOT_SYSTEM_INIT_COMPLETE);
    assert_int_equal(f->failures, 0);
}

static void test_backend_gpio_power_on_timeout_fails_and_goes_back(void **state)
{
    Fixture *f = *state;

    create_and_start(f);
    assert_int_equal(backend_apply(f->b, SB_TARGET_HOST, SB_TRANSITION_ON), 0);
    run_until(f, failed_once, "the power-on timeout");
    assert_int_equal(f->failed_target, SB_TARGET_HOST);
    assert_int_equal(f->failed_transition, SB_TRANSITION_ON);
    assert_string_equal(f->failed_why, "power good did not assert within 150 ms of pressing power");
    assert_int_equal(f->last[SB_KIND_CHASSIS].state, SB_CHASSIS_OFF);
    assert_int_equal(f->last[SB_KIND_HOST].state, SB_HOST_OFF);
    assert_int_equal(L_POWER_OUT->value, 1);
}

static void test_backend_gpio_refusals_reach_the_caller(void **state)
{
    Fixture *f = *state;

    create_and_start(f);
    assert_int_equal(backend_apply(f->b, SB_TARGET_CHASSIS, SB_TRANSITION_ON), 0);
    assert_int_equal(backend_apply(f->b, SB_TARGET_CHASSIS, SB_TRANSITION_OFF), -EBUSY);
    /* --bmc-ready always: no systemd to reboot the BMC through. */
    assert_int_equal(backend_apply(f->b, SB_TARGET_BMC, SB_TRANSITION_REBOOT), -EOPNOTSUPP);
}

static void test_backend_gpio_stop_releases_a_forced_off(void **state)
{
    Fixture *f = *state;

    L_PGOOD->value = 1;
    L_POST_COMPLETE->value = 0;
    create_and_start(f);
    assert_int_equal(f->last[SB_KIND_HOST].state, SB_HOST_RUNNING);
    assert_int_equal(backend_apply(f->b, SB_TARGET_CHASSIS, SB_TRANSITION_OFF), 0);
    assert_int_equal(L_POWER_OUT->value, 0);
    backend_stop(f->b);
    assert_int_equal(L_POWER_OUT->value, 1);
    assert_int_equal(backend_apply(f->b, SB_TARGET_CHASSIS, SB_TRANSITION_ON), -ESHUTDOWN);
    /* An edge after the stop is not reported. */
    f->reports = 0;
    fake_edge(L_PGOOD, 0);
    assert_true(sd_event_run(f->event, 20000) >= 0);
    assert_int_equal(f->reports, 0);
}

static void test_backend_gpio_forced_off_lets_go_when_power_drops(void **state)
{
    Fixture *f = *state;

    L_PGOOD->value = 1;
    create_and_start(f);
    assert_int_equal(backend_apply(f->b, SB_TARGET_CHASSIS, SB_TRANSITION_OFF), 0);
    assert_int_equal(f->last[SB_KIND_CHASSIS].state, SB_CHASSIS_TRANSITIONING_TO_OFF);
    fake_edge(L_PGOOD, 0);
    run_until(f, chassis_off, "chassis Off");
    /* Released at the edge, long before the hold would have ended. */
    assert_int_equal(n_writes, 2);
    assert_int_equal(writes[1].value, 1);
    assert_true(writes[1].at_ms - writes[0].at_ms < FORCE_PRESS_MS);
}

static void test_backend_gpio_chip_by_name_and_missing_lines(void **state)
{
    Fixture *f = *state;

    (void) snprintf(f->opts.gpio_chip, sizeof(f->opts.gpio_chip), "gpiochip0");
    create_and_start(f);
    assert_string_equal(last_chip_opened, "gpiochip0");
    assert_int_equal(line_find_calls, 0);
    f->b = backend_free(f->b);
    assert_int_equal(chip_opens(), 0);
    fake_reset();

    /* A chip that is not there, then a line that is not there: create fails, nothing leaks. */
    (void) snprintf(f->opts.gpio_chip, sizeof(f->opts.gpio_chip), "gpiochip9");
    assert_int_equal(create(f), -ENOENT);
    f->b = NULL;
    f->opts.gpio_chip[0] = '\0';
    (void) snprintf(f->opts.post_complete.name, sizeof(f->opts.post_complete.name), "NOPE");
    assert_int_equal(create(f), -ENOENT);
    f->b = NULL;
    assert_int_equal(chip_opens(), 0);

    /* Optional lines left out: no reset button, no POST complete. */
    f->opts.post_complete.name[0] = '\0';
    f->opts.reset_out.name[0] = '\0';
    L_PGOOD->value = 1;
    create_and_start(f);
    assert_int_equal(L_RESET_OUT->mode, MODE_NONE);
    assert_int_equal(f->last[SB_KIND_HOST].state, SB_HOST_RUNNING);
    assert_int_equal(backend_apply(f->b, SB_TARGET_HOST, SB_TRANSITION_FORCE_WARM_REBOOT),
                     -EOPNOTSUPP);
}

static void test_backend_gpio_ac_loss_sources(void **state)
{
    Fixture *f = *state;
    char path[] = "/tmp/statebus-ac-loss-XXXXXX";
    int fd;

    /* A line, active high, asserted at start: a boot from AC loss, the BMC's POR. */
    (void) snprintf(f->opts.ac_loss_line.name, sizeof(f->opts.ac_loss_line.name), "AC_LOST");
    L_AC_LOST->value = 1;
    create_and_start(f);
    assert_true(f->last[SB_KIND_CHASSIS].ac_loss);
    assert_int_equal(f->last[SB_KIND_BMC].last_reboot_cause, SB_REBOOT_CAUSE_POR);
    assert_int_equal(L_AC_LOST->mode, MODE_NONE); /* read once, then given back */
    f->b = backend_free(f->b);

    /* Active low, not asserted. */
    f->opts.ac_loss_line.active_low = true;
    create_and_start(f);
    assert_false(f->last[SB_KIND_CHASSIS].ac_loss);
    f->b = backend_free(f->b);

    /* A file: present means yes, "0" means no; --ac-loss none ignores everything. */
    f->opts.ac_loss_line.name[0] = '\0';
    fd = mkstemp(path);
    assert_true(fd >= 0);
    (void) snprintf(f->opts.ac_loss_file, sizeof(f->opts.ac_loss_file), "%s", path);
    create_and_start(f);
    assert_true(f->last[SB_KIND_CHASSIS].ac_loss);
    f->b = backend_free(f->b);
    assert_int_equal(write(fd, "0\n", 2), 2);
    create_and_start(f);
    assert_false(f->last[SB_KIND_CHASSIS].ac_loss);
    f->b = backend_free(f->b);
    assert_int_equal(ftruncate(fd, 0), 0);
    f->opts.ac_loss = BACKEND_AC_LOSS_NONE;
    create_and_start(f);
    assert_false(f->last[SB_KIND_CHASSIS].ac_loss);
    close(fd);
    assert_int_equal(unlink(path), 0);
}

static void test_backend_gpio_edge_read_failure_is_survived(void **state)
{
    Fixture *f = *state;
    unsigned before;

    create_and_start(f);
    before = f->reports;
    L_PGOOD->read_fails = true;
    fake_edge(L_PGOOD, 1);
    /* One iteration handles it: the source is switched off, nothing is reported. */
    assert_true(sd_event_run(f->event, 100000) >= 0);
    assert_int_equal(f->reports, before);
    assert_int_equal(sd_event_run(f->event, 0), 0); /* and does not spin */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
        T(test_backend_gpio_start_requests_lines_and_reports),
        T(test_backend_gpio_chassis_on_presses_and_sees_power_good),
        T(test_backend_gpio_power_on_timeout_fails_and_goes_back),
        T(test_backend_gpio_refusals_reach_the_caller),
        T(test_backend_gpio_stop_releases_a_forced_off),
        T(test_backend_gpio_forced_off_lets_go_when_power_drops),
        T(test_backend_gpio_chip_by_name_and_missing_lines),
        T(test_backend_gpio_ac_loss_sources),
        T(test_backend_gpio_edge_read_failure_is_survived),
#undef T
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
