/* SPDX-License-Identifier: Apache-2.0 */
/* gpio-power as pure logic: every transition, timeout, polarity and edge, with a fake clock. */
/* cmocka needs these first, in this order. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <errno.h>
#include <string.h>

#include "gpio-power.h"

/* x86-power-control's polarities: POWER_OUT, RESET_OUT and POST_COMPLETE active low, PS_PWROK
 * active high. Raw levels below are physical. */
#define PRESSED   0 /* POWER_OUT / RESET_OUT pressed */
#define RELEASED  1
#define PGOOD_ON  1
#define PGOOD_OFF 0
#define POST_DONE 0 /* POST_COMPLETE asserted */
#define POST_NOT  1

#define ON_PRESS      200u
#define OFF_PRESS     200u
#define FORCE_PRESS   15000u
#define RESET_PRESS   500u
#define CYCLE_OFF     5000u
#define ON_TIMEOUT    8000u
#define OFF_TIMEOUT   300000u
#define FORCE_TIMEOUT 20000u

#define POWER_OUT GPIO_POWER_LINE_POWER_OUT
#define RESET_OUT GPIO_POWER_LINE_RESET_OUT
#define PGOOD     GPIO_POWER_LINE_POWER_GOOD
#define POST      GPIO_POWER_LINE_POST_COMPLETE

typedef struct Fixture {
    GpioPower g;
    GpioPowerActions out;
    size_t next; /* the next action expect_*() looks at */
} Fixture;

static GpioPowerConfig x86_config(void)
{
    return (GpioPowerConfig){
        .active_low = { [POWER_OUT] = true, [RESET_OUT] = true, [PGOOD] = false, [POST] = true },
        .has_reset_out = true,
        .has_post_complete = true,
        .on_press_ms = ON_PRESS,
        .graceful_off_press_ms = OFF_PRESS,
        .force_off_press_ms = FORCE_PRESS,
        .reset_press_ms = RESET_PRESS,
        .power_cycle_off_ms = CYCLE_OFF,
        .on_timeout_ms = ON_TIMEOUT,
        .graceful_off_timeout_ms = OFF_TIMEOUT,
        .force_off_timeout_ms = FORCE_TIMEOUT,
    };
}

static int feed(Fixture *f, const GpioPowerEvent *ev)
{
    int r = gpio_power_step(&f->g, ev, &f->out);

    f->next = 0;
    if (f->out.has_deadline) {
        assert_true(f->out.next_deadline_ms >= ev->now_ms);
    }
    return r;
}

static int start(Fixture *f, const GpioPowerConfig *cfg, uint64_t now, int pgood, int post)
{
    gpio_power_init(&f->g, cfg);
    return feed(f, &(GpioPowerEvent){
                           .kind = GPIO_POWER_EV_START,
                           .now_ms = now,
                           .levels = { [PGOOD] = pgood, [POST] = post },
                   });
}

static int command(Fixture *f, uint64_t now, SbTarget target, SbTransition transition)
{
    return feed(f, &(GpioPowerEvent){
                           .kind = GPIO_POWER_EV_COMMAND,
                           .now_ms = now,
                           .target = target,
                           .transition = transition,
                   });
}

static int edge(Fixture *f, uint64_t now, GpioPowerLine line, int level)
{
    return feed(f, &(GpioPowerEvent){
                           .kind = GPIO_POWER_EV_EDGE,
                           .now_ms = now,
                           .line = line,
                           .level = level,
                   });
}

static int timer(Fixture *f, uint64_t now)
{
    return feed(f, &(GpioPowerEvent){ .kind = GPIO_POWER_EV_TIMER, .now_ms = now });
}

static const GpioPowerAction *next_action(Fixture *f)
{
    assert_true(f->next < f->out.n);
    return &f->out.items[f->next++];
}

static void expect_write(Fixture *f, GpioPowerLine line, int level)
{
    const GpioPowerAction *a = next_action(f);

    assert_int_equal(a->kind, GPIO_POWER_ACT_WRITE);
    assert_int_equal(a->line, line);
    assert_int_equal(a->level, level);
}

static const NodeObservation *expect_obs(Fixture *f, SbStateKind kind, int state)
{
    const GpioPowerAction *a = next_action(f);

    assert_int_equal(a->kind, GPIO_POWER_ACT_OBSERVE);
    assert_int_equal(a->obs.kind, kind);
    assert_int_equal(a->obs.state, state);
    return &a->obs;
}

static void expect_failed(Fixture *f, SbTarget target, SbTransition transition, const char *why)
{
    const GpioPowerAction *a = next_action(f);

    assert_int_equal(a->kind, GPIO_POWER_ACT_FAILED);
    assert_int_equal(a->target, target);
    assert_int_equal(a->transition, transition);
    assert_string_equal(a->why, why);
}

static void expect_end(Fixture *f)
{
    assert_int_equal(f->next, f->out.n);
}

static void expect_deadline(Fixture *f, uint64_t at)
{
    assert_true(f->out.has_deadline);
    assert_int_equal(f->out.next_deadline_ms, at);
}

static void expect_no_deadline(Fixture *f)
{
    assert_false(f->out.has_deadline);
}

/* A node that is on and has finished POST at t=0 (actions of the start consumed). */
static void start_running(Fixture *f)
{
    GpioPowerConfig cfg = x86_config();

    assert_int_equal(start(f, &cfg, 0, PGOOD_ON, POST_DONE), 0);
}

static void start_off(Fixture *f)
{
    GpioPowerConfig cfg = x86_config();

    assert_int_equal(start(f, &cfg, 0, PGOOD_OFF, POST_NOT), 0);
}

/* ---- start ------------------------------------------------------------------------------- */

static void test_gpio_power_start_off_reports_every_kind(void **state)
{
    Fixture f = { 0 };
    GpioPowerConfig cfg = x86_config();
    const NodeObservation *o;

    (void) state;
    cfg.ac_loss = true;
    assert_int_equal(start(&f, &cfg, 50, PGOOD_OFF, POST_NOT), 0);
    o = expect_obs(&f, SB_KIND_CHASSIS, SB_CHASSIS_OFF);
    assert_true(o->ac_loss);
    assert_int_equal(o->power_status, SB_POWER_STATUS_GOOD);
    o = expect_obs(&f, SB_KIND_HOST, SB_HOST_OFF);
    assert_int_equal(o->restart_cause, SB_RESTART_CAUSE_UNKNOWN);
    expect_obs(&f, SB_KIND_BOOT_PROGRESS, SB_BOOT_UNSPECIFIED);
    expect_end(&f);
    expect_no_deadline(&f);
    assert_int_equal(f.g.phase, GPIO_POWER_IDLE);
}

static void test_gpio_power_start_running_after_post(void **state)
{
    Fixture f = { 0 };

    (void) state;
    start_running(&f);
    expect_obs(&f, SB_KIND_CHASSIS, SB_CHASSIS_ON);
    expect_obs(&f, SB_KIND_HOST, SB_HOST_RUNNING);
    expect_obs(&f, SB_KIND_BOOT_PROGRESS, SB_BOOT_SYSTEM_INIT_COMPLETE);
    expect_end(&f);
}

static void test_gpio_power_start_on_before_post(void **state)
{
    Fixture f = { 0 };
    GpioPowerConfig cfg = x86_config();

    (void) state;
    assert_int_equal(start(&f, &cfg, 0, PGOOD_ON, POST_NOT), 0);
    expect_obs(&f, SB_KIND_CHASSIS, SB_CHASSIS_ON);
    expect_obs(&f, SB_KIND_HOST, SB_HOST_TRANSITIONING_TO_RUNNING);
    expect_obs(&f, SB_KIND_BOOT_PROGRESS, SB_BOOT_UNSPECIFIED);
    expect_end(&f);
}

static void test_gpio_power_without_post_complete_power_good_is_running(void **state)
{
    Fixture f = { 0 };
    GpioPowerConfig cfg = x86_config();

    (void) state;
    cfg.has_post_complete = false;
    /* The POST level is ignored without the line. */
    assert_int_equal(start(&f, &cfg, 0, PGOOD_ON, POST_NOT), 0);
    expect_obs(&f, SB_KIND_CHASSIS, SB_CHASSIS_ON);
    expect_obs(&f, SB_KIND_HOST, SB_HOST_RUNNING);
    expect_obs(&f, SB_KIND_BOOT_PROGRESS, SB_BOOT_UNSPECIFIED);
    expect_end(&f);
    assert_int_equal(edge(&f, 10, POST, POST_DONE), -EINVAL);
}

/* ---- power on ---------------------------------------------------------------------------- */

static void test_gpio_power_chassis_on_presses_and_follows_power_good(void **state)
{
    Fixture f = { 0 };
    const NodeObservation *o;

    (void) state;
    start_off(&f);
    assert_int_equal(command(&f, 1000, SB_TARGET_CHASSIS, SB_TRANSITION_ON), 0);
    expect_write(&f, POWER_OUT, PRESSED);
    expect_obs(&f, SB_KIND_CHASSIS, SB_CHASSIS_TRANSITIONING_TO_ON);
    /* A chassis power-on is not a host request: the host stays Off until the power is there;
     * the cause of the coming boot is known now. */
    o = expect_obs(&f, SB_KIND_HOST, SB_HOST_OFF);
    assert_int_equal(o->restart_cause, SB_RESTART_CAUSE_REMOTE_COMMAND);
    expect_end(&f);
    expect_deadline(&f, 1000 + ON_PRESS);

    assert_int_equal(timer(&f, 1000 + ON_PRESS), 0);
    expect_write(&f, POWER_OUT, RELEASED);
    expect_end(&f);
    expect_deadline(&f, 1000 + ON_TIMEOUT);

    assert_int_equal(edge(&f, 1500, PGOOD, PGOOD_ON), 0);
    expect_obs(&f, SB_KIND_CHASSIS, SB_CHASSIS_ON);
    o = expect_obs(&f, SB_KIND_HOST, SB_HOST_TRANSITIONING_TO_RUNNING);
    assert_int_equal(o->restart_cause, SB_RESTART_CAUSE_REMOTE_COMMAND);
    expect_end(&f);
    expect_no_deadline(&f);

    assert_int_equal(edge(&f, 4000, POST, POST_DONE), 0);
    expect_obs(&f, SB_KIND_HOST, SB_HOST_RUNNING);
    expect_obs(&f, SB_KIND_BOOT_PROGRESS, SB_BOOT_SYSTEM_INIT_COMPLETE);
    expect_end(&f);
    assert_int_equal(f.g.phase, GPIO_POWER_IDLE);
}

static void test_gpio_power_power_good_during_the_press_keeps_the_pulse(void **state)
{
    Fixture f = { 0 };

    (void) state;
    start_off(&f);
    assert_int_equal(command(&f, 0, SB_TARGET_HOST, SB_TRANSITION_ON), 0);
    expect_write(&f, POWER_OUT, PRESSED);
    expect_obs(&f, SB_KIND_CHASSIS, SB_CHASSIS_TRANSITIONING_TO_ON);
    /* A host power-on shows the host on its way at once. */
    expect_obs(&f, SB_KIND_HOST, SB_HOST_TRANSITIONING_TO_RUNNING);
    expect_end(&f);

    assert_int_equal(edge(&f, 100, PGOOD, PGOOD_ON), 0);
    expect_obs(&f, SB_KIND_CHASSIS, SB_CHASSIS_ON);
    expect_end(&f); /* the host was already TransitioningToRunning */
    expect_deadline(&f, ON_PRESS);

    /* x86-power-control's pulse runs to its end. */
    assert_int_equal(timer(&f, ON_PRESS), 0);
    expect_write(&f, POWER_OUT, RELEASED);
    expect_end(&f);
    expect_no_deadline(&f);
}

static void test_gpio_power_on_timeout_goes_back_and_says_why(void **state)
{
    Fixture f = { 0 };

    (void) state;
    start_off(&f);
    assert_int_equal(command(&f, 0, SB_TARGET_HOST, SB_TRANSITION_ON), 0);
    assert_int_equal(timer(&f, ON_PRESS), 0);
    expect_write(&f, POWER_OUT, RELEASED);
    expect_end(&f);
    /* Nothing happens before the timeout. */
    assert_int_equal(timer(&f, ON_TIMEOUT - 1), 0);
    expect_end(&f);
    expect_deadline(&f, ON_TIMEOUT);

    assert_int_equal(timer(&f, ON_TIMEOUT), 0);
    expect_failed(&f, SB_TARGET_HOST, SB_TRANSITION_ON,
                  "power good did not assert within 8000 ms of pressing power");
    expect_obs(&f, SB_KIND_CHASSIS, SB_CHASSIS_OFF);
    expect_obs(&f, SB_KIND_HOST, SB_HOST_OFF);
    expect_end(&f);
    expect_no_deadline(&f);
    assert_int_equal(f.g.phase, GPIO_POWER_IDLE);

    /* A late power good is then just the node powering on. */
    assert_int_equal(edge(&f, ON_TIMEOUT + 100, PGOOD, PGOOD_ON), 0);
    expect_obs(&f, SB_KIND_CHASSIS, SB_CHASSIS_ON);
    assert_int_equal(expect_obs(&f, SB_KIND_HOST, SB_HOST_TRANSITIONING_TO_RUNNING)->restart_cause,
                     SB_RESTART_CAUSE_UNKNOWN);
    expect_end(&f);
}

static void test_gpio_power_late_timer_releases_then_times_out_in_order(void **state)
{
    Fixture f = { 0 };

    (void) state;
    start_off(&f);
    assert_int_equal(command(&f, 0, SB_TARGET_CHASSIS, SB_TRANSITION_ON), 0);
    /* The loop was busy for longer than both deadlines: the release comes first. */
    assert_int_equal(timer(&f, ON_TIMEOUT + 5000), 0);
    expect_write(&f, POWER_OUT, RELEASED);
    expect_failed(&f, SB_TARGET_CHASSIS, SB_TRANSITION_ON,
                  "power good did not assert within 8000 ms of pressing power");
    expect_obs(&f, SB_KIND_CHASSIS, SB_CHASSIS_OFF);
    expect_end(&f);
}

/* ---- power off --------------------------------------------------------------------------- */

static void test_gpio_power_host_off_is_graceful(void **state)
{
    Fixture f = { 0 };

    (void) state;
    start_running(&f);
    assert_int_equal(command(&f, 100, SB_TARGET_HOST, SB_TRANSITION_OFF), 0);
    expect_write(&f, POWER_OUT, PRESSED);
    /* The chassis keeps its power while the OS shuts down. */
    expect_obs(&f, SB_KIND_HOST, SB_HOST_TRANSITIONING_TO_OFF);
    expect_end(&f);
    expect_deadline(&f, 100 + OFF_PRESS);

    assert_int_equal(timer(&f, 100 + OFF_PRESS), 0);
    expect_write(&f, POWER_OUT, RELEASED);
    expect_end(&f);
    expect_deadline(&f, 100 + OFF_TIMEOUT);

    assert_int_equal(edge(&f, 20000, POST, POST_NOT), 0);
    expect_obs(&f, SB_KIND_BOOT_PROGRESS, SB_BOOT_UNSPECIFIED);
    expect_end(&f);
    assert_int_equal(edge(&f, 21000, PGOOD, PGOOD_OFF), 0);
    expect_obs(&f, SB_KIND_CHASSIS, SB_CHASSIS_OFF);
    expect_obs(&f, SB_KIND_HOST, SB_HOST_OFF);
    expect_end(&f);
    expect_no_deadline(&f);
}

static void test_gpio_power_graceful_off_timeout_goes_back(void **state)
{
    Fixture f = { 0 };

    (void) state;
    start_running(&f);
    assert_int_equal(command(&f, 0, SB_TARGET_HOST, SB_TRANSITION_OFF), 0);
    assert_int_equal(timer(&f, OFF_PRESS), 0);
    assert_int_equal(timer(&f, OFF_TIMEOUT), 0);
    expect_failed(&f, SB_TARGET_HOST, SB_TRANSITION_OFF,
                  "power good still asserted 300000 ms after the graceful power-off press");
    expect_obs(&f, SB_KIND_HOST, SB_HOST_RUNNING);
    expect_end(&f);
    expect_no_deadline(&f);
}

static void test_gpio_power_chassis_off_holds_until_power_good_drops(void **state)
{
    Fixture f = { 0 };

    (void) state;
    start_running(&f);
    assert_int_equal(command(&f, 0, SB_TARGET_CHASSIS, SB_TRANSITION_OFF), 0);
    expect_write(&f, POWER_OUT, PRESSED);
    expect_obs(&f, SB_KIND_CHASSIS, SB_CHASSIS_TRANSITIONING_TO_OFF);
    expect_end(&f);
    expect_deadline(&f, FORCE_PRESS);

    /* The power goes after a 4 s hold: the button is let go at once (x86-power-control). */
    assert_int_equal(edge(&f, 4000, PGOOD, PGOOD_OFF), 0);
    expect_write(&f, POWER_OUT, RELEASED);
    expect_obs(&f, SB_KIND_CHASSIS, SB_CHASSIS_OFF);
    expect_obs(&f, SB_KIND_HOST, SB_HOST_OFF);
    expect_obs(&f, SB_KIND_BOOT_PROGRESS, SB_BOOT_UNSPECIFIED);
    expect_end(&f);
    expect_no_deadline(&f);
}

static void test_gpio_power_force_off_timeout_goes_back(void **state)
{
    Fixture f = { 0 };

    (void) state;
    start_running(&f);
    assert_int_equal(command(&f, 0, SB_TARGET_CHASSIS, SB_TRANSITION_OFF), 0);
    assert_int_equal(timer(&f, FORCE_PRESS), 0);
    expect_write(&f, POWER_OUT, RELEASED);
    expect_end(&f);
    expect_deadline(&f, FORCE_TIMEOUT);
    assert_int_equal(timer(&f, FORCE_TIMEOUT), 0);
    expect_failed(&f, SB_TARGET_CHASSIS, SB_TRANSITION_OFF,
                  "power good still asserted 20000 ms after holding power");
    expect_obs(&f, SB_KIND_CHASSIS, SB_CHASSIS_ON);
    expect_end(&f);
}

static void test_gpio_power_chassis_off_escalates_a_graceful_off(void **state)
{
    Fixture f = { 0 };

    (void) state;
    start_running(&f);
    assert_int_equal(command(&f, 0, SB_TARGET_HOST, SB_TRANSITION_OFF), 0);
    assert_int_equal(timer(&f, OFF_PRESS), 0);
    expect_write(&f, POWER_OUT, RELEASED);

    assert_int_equal(command(&f, 1000, SB_TARGET_CHASSIS, SB_TRANSITION_OFF), 0);
    expect_write(&f, POWER_OUT, PRESSED);
    expect_obs(&f, SB_KIND_CHASSIS, SB_CHASSIS_TRANSITIONING_TO_OFF);
    expect_obs(&f, SB_KIND_HOST, SB_HOST_RUNNING); /* no longer a graceful off */
    expect_end(&f);
    expect_deadline(&f, 1000 + FORCE_PRESS);

    assert_int_equal(timer(&f, 1000 + FORCE_TIMEOUT), 0);
    expect_write(&f, POWER_OUT, RELEASED);
    expect_failed(&f, SB_TARGET_CHASSIS, SB_TRANSITION_OFF,
                  "power good still asserted 20000 ms after holding power");
    expect_obs(&f, SB_KIND_CHASSIS, SB_CHASSIS_ON);
    expect_end(&f);
}

/* ---- cycles and reboots ------------------------------------------------------------------ */

static void test_gpio_power_chassis_power_cycle(void **state)
{
    Fixture f = { 0 };

    (void) state;
    start_running(&f);
    assert_int_equal(command(&f, 0, SB_TARGET_CHASSIS, SB_TRANSITION_POWER_CYCLE), 0);
    expect_write(&f, POWER_OUT, PRESSED);
    expect_obs(&f, SB_KIND_CHASSIS, SB_CHASSIS_TRANSITIONING_TO_OFF);
    expect_end(&f);

    assert_int_equal(edge(&f, 3000, PGOOD, PGOOD_OFF), 0);
    expect_write(&f, POWER_OUT, RELEASED);
    expect_obs(&f, SB_KIND_CHASSIS, SB_CHASSIS_OFF);
    expect_obs(&f, SB_KIND_HOST, SB_HOST_OFF);
    expect_obs(&f, SB_KIND_BOOT_PROGRESS, SB_BOOT_UNSPECIFIED);
    expect_end(&f);
    expect_deadline(&f, 3000 + CYCLE_OFF);
    /* Without power POST_COMPLETE goes too; the host was already shown Off. */
    assert_int_equal(edge(&f, 3001, POST, POST_NOT), 0);
    expect_end(&f);
    expect_deadline(&f, 3000 + CYCLE_OFF);

    assert_int_equal(timer(&f, 3000 + CYCLE_OFF), 0);
    expect_write(&f, POWER_OUT, PRESSED);
    expect_obs(&f, SB_KIND_CHASSIS, SB_CHASSIS_TRANSITIONING_TO_ON);
    expect_obs(&f, SB_KIND_HOST, SB_HOST_OFF); /* restart_cause RemoteCommand */
    expect_end(&f);
    assert_int_equal(timer(&f, 3000 + CYCLE_OFF + ON_PRESS), 0);
    expect_write(&f, POWER_OUT, RELEASED);
    assert_int_equal(edge(&f, 9000, PGOOD, PGOOD_ON), 0);
    expect_obs(&f, SB_KIND_CHASSIS, SB_CHASSIS_ON);
    expect_obs(&f, SB_KIND_HOST, SB_HOST_TRANSITIONING_TO_RUNNING);
    expect_end(&f);
    expect_no_deadline(&f);
}

static void test_gpio_power_host_reboot_is_a_graceful_cycle(void **state)
{
    Fixture f = { 0 };
    const NodeObservation *o;

    (void) state;
    start_running(&f);
    assert_int_equal(command(&f, 0, SB_TARGET_HOST, SB_TRANSITION_REBOOT), 0);
    expect_write(&f, POWER_OUT, PRESSED);
    expect_obs(&f, SB_KIND_HOST, SB_HOST_TRANSITIONING_TO_OFF);
    expect_end(&f);
    assert_int_equal(timer(&f, OFF_PRESS), 0);
    expect_write(&f, POWER_OUT, RELEASED);
    assert_int_equal(edge(&f, 10000, PGOOD, PGOOD_OFF), 0);
    expect_obs(&f, SB_KIND_CHASSIS, SB_CHASSIS_OFF);
    expect_obs(&f, SB_KIND_HOST, SB_HOST_OFF);
    expect_obs(&f, SB_KIND_BOOT_PROGRESS, SB_BOOT_UNSPECIFIED);
    expect_end(&f);
    expect_deadline(&f, 10000 + CYCLE_OFF);

    assert_int_equal(timer(&f, 10000 + CYCLE_OFF), 0);
    expect_write(&f, POWER_OUT, PRESSED);
    expect_obs(&f, SB_KIND_CHASSIS, SB_CHASSIS_TRANSITIONING_TO_ON);
    o = expect_obs(&f, SB_KIND_HOST, SB_HOST_TRANSITIONING_TO_RUNNING);
    assert_int_equal(o->restart_cause, SB_RESTART_CAUSE_REMOTE_COMMAND);
    expect_end(&f);

    /* A cycle's power-on that fails is the reboot's failure. */
    assert_int_equal(timer(&f, 10000 + CYCLE_OFF + ON_TIMEOUT), 0);
    expect_write(&f, POWER_OUT, RELEASED);
    expect_failed(&f, SB_TARGET_HOST, SB_TRANSITION_REBOOT,
                  "power good did not assert within 8000 ms of pressing power");
    expect_obs(&f, SB_KIND_CHASSIS, SB_CHASSIS_OFF);
    expect_obs(&f, SB_KIND_HOST, SB_HOST_OFF);
    expect_end(&f);
}

static void test_gpio_power_graceful_warm_reboot_is_a_graceful_cycle(void **state)
{
    Fixture f = { 0 };

    (void) state;
    start_running(&f);
    assert_int_equal(command(&f, 0, SB_TARGET_HOST, SB_TRANSITION_GRACEFUL_WARM_REBOOT), 0);
    expect_write(&f, POWER_OUT, PRESSED);
    expect_obs(&f, SB_KIND_HOST, SB_HOST_TRANSITIONING_TO_OFF);
    expect_end(&f);
    assert_true(f.g.cycle);
    assert_int_equal(f.g.phase, GPIO_POWER_WAIT_OFF);
}

static void test_gpio_power_off_cancels_the_power_on_of_a_cycle(void **state)
{
    Fixture f = { 0 };

    (void) state;
    start_running(&f);
    assert_int_equal(command(&f, 0, SB_TARGET_CHASSIS, SB_TRANSITION_POWER_CYCLE), 0);
    assert_int_equal(edge(&f, 1000, PGOOD, PGOOD_OFF), 0);
    expect_deadline(&f, 1000 + CYCLE_OFF);
    assert_int_equal(command(&f, 2000, SB_TARGET_HOST, SB_TRANSITION_OFF), 0);
    expect_end(&f);
    expect_no_deadline(&f);
    assert_int_equal(timer(&f, 1000 + CYCLE_OFF), 0);
    expect_end(&f); /* no press */
    assert_int_equal(f.g.phase, GPIO_POWER_IDLE);
}

static void test_gpio_power_off_during_a_reboot_drops_the_power_on(void **state)
{
    Fixture f = { 0 };

    (void) state;
    start_running(&f);
    assert_int_equal(command(&f, 0, SB_TARGET_HOST, SB_TRANSITION_REBOOT), 0);
    assert_int_equal(command(&f, 50, SB_TARGET_HOST, SB_TRANSITION_OFF), 0);
    expect_end(&f);
    assert_false(f.g.cycle);
    assert_int_equal(edge(&f, 5000, PGOOD, PGOOD_OFF), 0);
    expect_write(&f, POWER_OUT, RELEASED); /* the release timer has not run yet */
    expect_obs(&f, SB_KIND_CHASSIS, SB_CHASSIS_OFF);
    expect_obs(&f, SB_KIND_HOST, SB_HOST_OFF);
    expect_obs(&f, SB_KIND_BOOT_PROGRESS, SB_BOOT_UNSPECIFIED);
    expect_end(&f);
    expect_no_deadline(&f);
}

static void test_gpio_power_someone_powers_on_during_the_cycle_wait(void **state)
{
    Fixture f = { 0 };

    (void) state;
    start_running(&f);
    assert_int_equal(command(&f, 0, SB_TARGET_CHASSIS, SB_TRANSITION_POWER_CYCLE), 0);
    assert_int_equal(edge(&f, 1000, PGOOD, PGOOD_OFF), 0);
    assert_int_equal(edge(&f, 1001, POST, POST_NOT), 0);
    assert_int_equal(edge(&f, 2000, PGOOD, PGOOD_ON), 0);
    expect_obs(&f, SB_KIND_CHASSIS, SB_CHASSIS_ON);
    assert_int_equal(expect_obs(&f, SB_KIND_HOST, SB_HOST_TRANSITIONING_TO_RUNNING)->restart_cause,
                     SB_RESTART_CAUSE_UNKNOWN);
    expect_end(&f);
    expect_no_deadline(&f);
}

static void test_gpio_power_reboot_of_a_node_that_is_off_powers_it_on(void **state)
{
    static const struct {
        SbTarget target;
        SbTransition transition;
        int host;
    } cases[] = {
        { SB_TARGET_CHASSIS, SB_TRANSITION_POWER_CYCLE, SB_HOST_OFF },
        { SB_TARGET_HOST, SB_TRANSITION_REBOOT, SB_HOST_TRANSITIONING_TO_RUNNING },
        { SB_TARGET_HOST, SB_TRANSITION_GRACEFUL_WARM_REBOOT, SB_HOST_TRANSITIONING_TO_RUNNING },
        { SB_TARGET_HOST, SB_TRANSITION_FORCE_WARM_REBOOT, SB_HOST_TRANSITIONING_TO_RUNNING },
    };

    (void) state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        Fixture f = { 0 };

        start_off(&f);
        assert_int_equal(command(&f, 0, cases[i].target, cases[i].transition), 0);
        expect_write(&f, POWER_OUT, PRESSED);
        expect_obs(&f, SB_KIND_CHASSIS, SB_CHASSIS_TRANSITIONING_TO_ON);
        expect_obs(&f, SB_KIND_HOST, cases[i].host);
        expect_end(&f);
        assert_int_equal(f.g.phase, GPIO_POWER_WAIT_ON);
    }
}

static void test_gpio_power_force_warm_reboot_presses_reset(void **state)
{
    Fixture f = { 0 };

    (void) state;
    start_running(&f);
    assert_int_equal(command(&f, 0, SB_TARGET_HOST, SB_TRANSITION_FORCE_WARM_REBOOT), 0);
    expect_write(&f, RESET_OUT, PRESSED);
    assert_int_equal(expect_obs(&f, SB_KIND_HOST, SB_HOST_TRANSITIONING_TO_RUNNING)->restart_cause,
                     SB_RESTART_CAUSE_REMOTE_COMMAND);
    expect_obs(&f, SB_KIND_BOOT_PROGRESS, SB_BOOT_UNSPECIFIED);
    expect_end(&f);
    expect_deadline(&f, RESET_PRESS);

    /* The platform reset drops POST_COMPLETE during the press. */
    assert_int_equal(edge(&f, 100, POST, POST_NOT), 0);
    expect_end(&f);
    assert_int_equal(timer(&f, RESET_PRESS), 0);
    expect_write(&f, RESET_OUT, RELEASED);
    expect_end(&f);
    expect_no_deadline(&f);
    assert_int_equal(edge(&f, 3000, POST, POST_DONE), 0);
    assert_int_equal(expect_obs(&f, SB_KIND_HOST, SB_HOST_RUNNING)->restart_cause,
                     SB_RESTART_CAUSE_REMOTE_COMMAND);
    expect_obs(&f, SB_KIND_BOOT_PROGRESS, SB_BOOT_SYSTEM_INIT_COMPLETE);
    expect_end(&f);
}

static void test_gpio_power_force_warm_reboot_needs_reset_out(void **state)
{
    Fixture f = { 0 };
    GpioPowerConfig cfg = x86_config();

    (void) state;
    cfg.has_reset_out = false;
    assert_int_equal(start(&f, &cfg, 0, PGOOD_ON, POST_DONE), 0);
    assert_int_equal(command(&f, 10, SB_TARGET_HOST, SB_TRANSITION_FORCE_WARM_REBOOT), -EOPNOTSUPP);
    expect_end(&f);
    assert_int_equal(f.g.phase, GPIO_POWER_IDLE);
}

/* ---- commands that change nothing, and refusals ------------------------------------------ */

static void test_gpio_power_commands_that_change_nothing(void **state)
{
    Fixture on = { 0 }, off = { 0 };

    (void) state;
    start_running(&on);
    assert_int_equal(command(&on, 5, SB_TARGET_CHASSIS, SB_TRANSITION_ON), 0);
    expect_end(&on);
    assert_int_equal(command(&on, 5, SB_TARGET_HOST, SB_TRANSITION_ON), 0);
    expect_end(&on);
    expect_no_deadline(&on);

    start_off(&off);
    assert_int_equal(command(&off, 5, SB_TARGET_CHASSIS, SB_TRANSITION_OFF), 0);
    expect_end(&off);
    assert_int_equal(command(&off, 5, SB_TARGET_HOST, SB_TRANSITION_OFF), 0);
    expect_end(&off);
    expect_no_deadline(&off);

    /* The same request again while it runs changes nothing either. */
    assert_int_equal(command(&off, 10, SB_TARGET_HOST, SB_TRANSITION_ON), 0);
    assert_int_equal(command(&off, 20, SB_TARGET_CHASSIS, SB_TRANSITION_ON), 0);
    expect_end(&off);
    expect_deadline(&off, 10 + ON_PRESS);
}

static void test_gpio_power_contradicting_commands_are_refused(void **state)
{
    Fixture f = { 0 };

    (void) state;
    start_off(&f);
    assert_int_equal(command(&f, 0, SB_TARGET_CHASSIS, SB_TRANSITION_ON), 0);
    /* An off while the power-on waits would press the button again: refused, nothing changes. */
    assert_int_equal(command(&f, 10, SB_TARGET_CHASSIS, SB_TRANSITION_OFF), -EBUSY);
    assert_int_equal(command(&f, 10, SB_TARGET_HOST, SB_TRANSITION_REBOOT), -EBUSY);
    assert_int_equal(f.out.n, 0);
    assert_false(f.out.has_deadline);
    assert_int_equal(f.g.phase, GPIO_POWER_WAIT_ON);
    assert_int_equal(f.g.cmd_target, SB_TARGET_CHASSIS);
    assert_int_equal(f.g.cmd_transition, SB_TRANSITION_ON);
    assert_true(f.g.pressing);
    assert_int_equal(f.g.release_at_ms, ON_PRESS);

    assert_int_equal(timer(&f, ON_PRESS), 0);
    assert_int_equal(edge(&f, 500, PGOOD, PGOOD_ON), 0);
    assert_int_equal(command(&f, 600, SB_TARGET_CHASSIS, SB_TRANSITION_OFF), 0);
    assert_int_equal(command(&f, 700, SB_TARGET_HOST, SB_TRANSITION_ON), -EBUSY);
    assert_int_equal(command(&f, 700, SB_TARGET_HOST, SB_TRANSITION_FORCE_WARM_REBOOT), -EBUSY);
}

static void test_gpio_power_invalid_input(void **state)
{
    Fixture f = { 0 };
    GpioPowerConfig cfg = x86_config();

    (void) state;
    gpio_power_init(&f.g, &cfg);
    /* Nothing before the start. */
    assert_int_equal(timer(&f, 0), -EINVAL);
    assert_int_equal(command(&f, 0, SB_TARGET_CHASSIS, SB_TRANSITION_ON), -EINVAL);
    start_off(&f);
    assert_int_equal(feed(&f, &(GpioPowerEvent){ .kind = GPIO_POWER_EV_START }), -EINVAL);
    /* The BMC is not on these lines; transitions of another target are refused. */
    assert_int_equal(command(&f, 0, SB_TARGET_BMC, SB_TRANSITION_REBOOT), -EINVAL);
    assert_int_equal(command(&f, 0, SB_TARGET_CHASSIS, SB_TRANSITION_REBOOT), -EINVAL);
    assert_int_equal(command(&f, 0, SB_TARGET_HOST, SB_TRANSITION_POWER_CYCLE), -EINVAL);
    assert_int_equal(command(&f, 0, SB_TARGET_NONE, SB_TRANSITION_ON), -EINVAL);
    assert_int_equal(command(&f, 0, SB_TARGET_CHASSIS, (SbTransition) 99), -EINVAL);
    /* Outputs have no edges. */
    assert_int_equal(edge(&f, 0, POWER_OUT, 1), -EINVAL);
    assert_int_equal(edge(&f, 0, (GpioPowerLine) 7, 1), -EINVAL);
    assert_int_equal(f.g.phase, GPIO_POWER_IDLE);
}

/* ---- edges and polarity ------------------------------------------------------------------ */

static void test_gpio_power_edges_follow_the_lines(void **state)
{
    Fixture f = { 0 };

    (void) state;
    start_off(&f);
    /* An edge the start level already shows (queued before the read) changes nothing. */
    assert_int_equal(edge(&f, 10, PGOOD, PGOOD_OFF), 0);
    expect_end(&f);
    /* The front-panel button: not ours, cause Unknown. */
    assert_int_equal(edge(&f, 20, PGOOD, PGOOD_ON), 0);
    expect_obs(&f, SB_KIND_CHASSIS, SB_CHASSIS_ON);
    assert_int_equal(expect_obs(&f, SB_KIND_HOST, SB_HOST_TRANSITIONING_TO_RUNNING)->restart_cause,
                     SB_RESTART_CAUSE_UNKNOWN);
    expect_end(&f);
    assert_int_equal(edge(&f, 30, POST, POST_DONE), 0);
    expect_obs(&f, SB_KIND_HOST, SB_HOST_RUNNING);
    expect_obs(&f, SB_KIND_BOOT_PROGRESS, SB_BOOT_SYSTEM_INIT_COMPLETE);
    expect_end(&f);
    /* The OS resets the platform: POST_COMPLETE drops under power. */
    assert_int_equal(edge(&f, 40, POST, POST_NOT), 0);
    expect_obs(&f, SB_KIND_HOST, SB_HOST_TRANSITIONING_TO_RUNNING);
    expect_obs(&f, SB_KIND_BOOT_PROGRESS, SB_BOOT_UNSPECIFIED);
    expect_end(&f);
    /* Power lost. */
    assert_int_equal(edge(&f, 50, PGOOD, PGOOD_OFF), 0);
    expect_obs(&f, SB_KIND_CHASSIS, SB_CHASSIS_OFF);
    expect_obs(&f, SB_KIND_HOST, SB_HOST_OFF);
    expect_end(&f);
    expect_no_deadline(&f);
}

static void test_gpio_power_active_high_lines(void **state)
{
    Fixture f = { 0 };
    GpioPowerConfig cfg = x86_config();

    (void) state;
    /* Every polarity flipped: the same walk with every raw level inverted. */
    for (int l = 0; l < GPIO_POWER_LINE_COUNT; l++) {
        cfg.active_low[l] = !cfg.active_low[l];
    }
    assert_int_equal(gpio_power_raw_level(&cfg, POWER_OUT, true), 1);
    assert_int_equal(gpio_power_raw_level(&cfg, PGOOD, true), 0);
    assert_int_equal(start(&f, &cfg, 0, !PGOOD_OFF, !POST_NOT), 0);
    expect_obs(&f, SB_KIND_CHASSIS, SB_CHASSIS_OFF);
    expect_obs(&f, SB_KIND_HOST, SB_HOST_OFF);
    expect_obs(&f, SB_KIND_BOOT_PROGRESS, SB_BOOT_UNSPECIFIED);
    expect_end(&f);
    assert_int_equal(command(&f, 0, SB_TARGET_CHASSIS, SB_TRANSITION_ON), 0);
    expect_write(&f, POWER_OUT, !PRESSED);
    assert_int_equal(timer(&f, ON_PRESS), 0);
    expect_write(&f, POWER_OUT, !RELEASED);
    assert_int_equal(edge(&f, 300, PGOOD, !PGOOD_ON), 0);
    expect_obs(&f, SB_KIND_CHASSIS, SB_CHASSIS_ON);
    assert_int_equal(edge(&f, 400, POST, !POST_DONE), 0);
    expect_obs(&f, SB_KIND_HOST, SB_HOST_RUNNING);

    assert_int_equal(command(&f, 500, SB_TARGET_HOST, SB_TRANSITION_FORCE_WARM_REBOOT), 0);
    expect_write(&f, RESET_OUT, 1);
}

static void test_gpio_power_stop_releases_a_held_button(void **state)
{
    Fixture f = { 0 };

    (void) state;
    start_running(&f);
    assert_int_equal(command(&f, 0, SB_TARGET_CHASSIS, SB_TRANSITION_OFF), 0);
    assert_int_equal(feed(&f, &(GpioPowerEvent){ .kind = GPIO_POWER_EV_STOP, .now_ms = 1000 }), 0);
    expect_write(&f, POWER_OUT, RELEASED);
    expect_end(&f);
    expect_no_deadline(&f);
    assert_int_equal(f.g.phase, GPIO_POWER_STOPPED);
    assert_int_equal(timer(&f, FORCE_PRESS), -EINVAL);
    assert_int_equal(edge(&f, 2000, PGOOD, PGOOD_OFF), -EINVAL);

    /* Nothing held: nothing to write. */
    start_running(&f);
    assert_int_equal(feed(&f, &(GpioPowerEvent){ .kind = GPIO_POWER_EV_STOP, .now_ms = 1 }), 0);
    expect_end(&f);
}

static void test_gpio_power_get_returns_the_last_reported(void **state)
{
    Fixture f = { 0 };

    (void) state;
    start_running(&f);
    assert_int_equal(gpio_power_get(&f.g, SB_KIND_CHASSIS)->state, SB_CHASSIS_ON);
    assert_int_equal(gpio_power_get(&f.g, SB_KIND_HOST)->state, SB_HOST_RUNNING);
    assert_int_equal(gpio_power_get(&f.g, SB_KIND_BOOT_PROGRESS)->state,
                     SB_BOOT_SYSTEM_INIT_COMPLETE);
    assert_null(gpio_power_get(&f.g, SB_KIND_BMC));
    assert_null(gpio_power_get(&f.g, (SbStateKind) 9));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gpio_power_start_off_reports_every_kind),
        cmocka_unit_test(test_gpio_power_start_running_after_post),
        cmocka_unit_test(test_gpio_power_start_on_before_post),
        cmocka_unit_test(test_gpio_power_without_post_complete_power_good_is_running),
        cmocka_unit_test(test_gpio_power_chassis_on_presses_and_follows_power_good),
        cmocka_unit_test(test_gpio_power_power_good_during_the_press_keeps_the_pulse),
        cmocka_unit_test(test_gpio_power_on_timeout_goes_back_and_says_why),
        cmocka_unit_test(test_gpio_power_late_timer_releases_then_times_out_in_order),
        cmocka_unit_test(test_gpio_power_host_off_is_graceful),
        cmocka_unit_test(test_gpio_power_graceful_off_timeout_goes_back),
        cmocka_unit_test(test_gpio_power_chassis_off_holds_until_power_good_drops),
        cmocka_unit_test(test_gpio_power_force_off_timeout_goes_back),
        cmocka_unit_test(test_gpio_power_chassis_off_escalates_a_graceful_off),
        cmocka_unit_test(test_gpio_power_chassis_power_cycle),
        cmocka_unit_test(test_gpio_power_host_reboot_is_a_graceful_cycle),
        cmocka_unit_test(test_gpio_power_graceful_warm_reboot_is_a_graceful_cycle),
        cmocka_unit_test(test_gpio_power_off_cancels_the_power_on_of_a_cycle),
        cmocka_unit_test(test_gpio_power_off_during_a_reboot_drops_the_power_on),
        cmocka_unit_test(test_gpio_power_someone_powers_on_during_the_cycle_wait),
        cmocka_unit_test(test_gpio_power_reboot_of_a_node_that_is_off_powers_it_on),
        cmocka_unit_test(test_gpio_power_force_warm_reboot_presses_reset),
        cmocka_unit_test(test_gpio_power_force_warm_reboot_needs_reset_out),
        cmocka_unit_test(test_gpio_power_commands_that_change_nothing),
        cmocka_unit_test(test_gpio_power_contradicting_commands_are_refused),
        cmocka_unit_test(test_gpio_power_invalid_input),
        cmocka_unit_test(test_gpio_power_edges_follow_the_lines),
        cmocka_unit_test(test_gpio_power_active_high_lines),
        cmocka_unit_test(test_gpio_power_stop_releases_a_held_button),
        cmocka_unit_test(test_gpio_power_get_returns_the_last_reported),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
