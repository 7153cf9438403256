/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The gpio backend on a real sd-event loop with libgpiod wrapped (-Wl,--wrap=gpiod_*): a fake
 * chip (fake-gpio-chip.c) whose edge events arrive through real pipe descriptors, so the
 * backend's io sources, timers and line writes run exactly as on hardware. The same tests run on
 * the libgpiod API CMake chose: fake-gpiod-v1.c or fake-gpiod-v2.c puts it on the fake chip.
 * Waits are loop iterations until a condition, bounded by a deadline.
 */

/* cmocka needs these first, in this order. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-event.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "fake-gpio-chip.h"

#define PRESS_MS       30u
#define FORCE_PRESS_MS 400u
#define TIMEOUT_MS     150u
#define WAIT_MS        3000u /* bound of every wait for the loop to do something */

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
    /* Every line went back, every chip and request was closed. */
    assert_int_equal(fake_api_open_handles(), 0);
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
    return fake_n_writes >= 2 && fake_writes[fake_n_writes - 1].offset == 0 &&
           fake_writes[fake_n_writes - 1].value == 1;
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
    assert_int_equal(fake_any_chip_lookups, 4);
    assert_int_equal(fake_n_writes, 0);

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
    assert_int_equal(fake_n_writes, 1);
    assert_int_equal(fake_writes[0].offset, 0);
    assert_int_equal(fake_writes[0].value, 0); /* pressed */
    assert_int_equal(f->last[SB_KIND_CHASSIS].state, SB_CHASSIS_TRANSITIONING_TO_ON);

    run_until(f, power_out_released, "POWER_OUT released");
    held = fake_writes[1].at_ms - fake_writes[0].at_ms;
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
    assert_int_equal(fake_n_writes, 2);
    assert_int_equal(fake_writes[1].value, 1);
    assert_true(fake_writes[1].at_ms - fake_writes[0].at_ms < FORCE_PRESS_MS);
}

static void test_backend_gpio_chip_by_name_and_missing_lines(void **state)
{
    Fixture *f = *state;

    (void) snprintf(f->opts.gpio_chip, sizeof(f->opts.gpio_chip), "gpiochip0");
    create_and_start(f);
    assert_string_equal(fake_last_chip_opened, "gpiochip0");
    assert_int_equal(fake_any_chip_lookups, 0);
    f->b = backend_free(f->b);
    assert_int_equal(fake_api_open_handles(), 0);
    fake_reset();

    /* A chip that is not there, then a line that is not there: create fails, nothing leaks. */
    (void) snprintf(f->opts.gpio_chip, sizeof(f->opts.gpio_chip), "gpiochip9");
    assert_int_equal(create(f), -ENOENT);
    f->b = NULL;
    f->opts.gpio_chip[0] = '\0';
    (void) snprintf(f->opts.post_complete.name, sizeof(f->opts.post_complete.name), "NOPE");
    assert_int_equal(create(f), -ENOENT);
    f->b = NULL;
    assert_int_equal(fake_api_open_handles(), 0);

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
