/* SPDX-License-Identifier: Apache-2.0 */
/* sim-model as pure logic: every walk with a fake clock, in exact order and time. */
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

#include "sim-model.h"

#define ELEMENTS(a) (sizeof(a) / sizeof((a)[0]))

/* Durations chosen so each boot stage is a whole 500 ms apart (3500 / 7). */
#define READY_MS 2000u
#define POWER_MS 1000u
#define BOOT_MS  3500u
#define STAGE_MS (BOOT_MS / 7u)

typedef struct Rec {
    uint64_t at;
    SbStateKind kind;
    int state;
} Rec;

typedef struct Fixture {
    SimModel m;
    Rec log[256];
    size_t n;
    bool has_deadline;
    uint64_t deadline;
    SimAction last[SIM_ACTIONS_MAX]; /* the actions of the last step, with details */
    size_t n_last;
} Fixture;

#define B(s)                       \
    {                              \
        0, SB_KIND_BMC, SB_BMC_##s \
    }
#define C(s)                               \
    {                                      \
        0, SB_KIND_CHASSIS, SB_CHASSIS_##s \
    }
#define H(s)                         \
    {                                \
        0, SB_KIND_HOST, SB_HOST_##s \
    }
#define P(s)                                  \
    {                                         \
        0, SB_KIND_BOOT_PROGRESS, SB_BOOT_##s \
    }
#define AT(t) (t)

static int step(Fixture *f, SimEventKind kind, uint64_t now, SbTarget target, SbTransition tr)
{
    SimEvent ev = { .kind = kind, .now_ms = now, .target = target, .transition = tr };
    SimActions out;
    int r = sim_model_step(&f->m, &ev, &out);

    if (r < 0) {
        return r;
    }
    f->n_last = out.n;
    memcpy(f->last, out.items, out.n * sizeof(SimAction));
    for (size_t i = 0; i < out.n; i++) {
        assert_true(f->n < sizeof(f->log) / sizeof(f->log[0]));
        assert_true(out.items[i].at_ms <= now);
        f->log[f->n++] = (Rec){ out.items[i].at_ms, out.items[i].obs.kind, out.items[i].obs.state };
    }
    f->has_deadline = out.has_deadline;
    f->deadline = out.next_deadline_ms;
    if (out.has_deadline) {
        assert_true(out.next_deadline_ms > now);
    }
    return 0;
}

static void command(Fixture *f, uint64_t now, SbTarget target, SbTransition tr)
{
    assert_int_equal(step(f, SIM_EV_COMMAND, now, target, tr), 0);
}

/* Fires the timer at each deadline up to and including t, as the shell does. */
static void run_until(Fixture *f, uint64_t t)
{
    while (f->has_deadline && f->deadline <= t) {
        assert_int_equal(step(f, SIM_EV_TIMER, f->deadline, SB_TARGET_NONE, SB_TRANSITION_NONE), 0);
    }
}

static void run_all(Fixture *f)
{
    run_until(f, UINT64_MAX);
    assert_false(f->has_deadline);
}

static void setup_with(Fixture *f, uint64_t ready, uint64_t power, uint64_t boot, bool ac_loss)
{
    memset(f, 0, sizeof(*f));
    sim_model_init(&f->m, &(SimConfig){ .bmc_ready_ms = ready,
                                        .power_ms = power,
                                        .boot_ms = boot,
                                        .ac_loss = ac_loss });
    assert_int_equal(step(f, SIM_EV_START, 0, SB_TARGET_NONE, SB_TRANSITION_NONE), 0);
    run_all(f);
}

static int setup(void **state)
{
    static Fixture f;

    setup_with(&f, READY_MS, POWER_MS, BOOT_MS, false);
    f.n = 0; /* tests look at what follows the start */
    *state = &f;
    return 0;
}

/* The log since the last clear equals expected (times as given, kinds and states in order). */
static void expect_log(Fixture *f, const Rec *expected, size_t n)
{
    for (size_t i = 0; i < n && i < f->n; i++) {
        if (f->log[i].at != expected[i].at || f->log[i].kind != expected[i].kind ||
            f->log[i].state != expected[i].state) {
            fail_msg("action %zu: got at=%llu kind=%d state=%d, expected at=%llu kind=%d state=%d",
                     i, (unsigned long long) f->log[i].at, f->log[i].kind, f->log[i].state,
                     (unsigned long long) expected[i].at, expected[i].kind, expected[i].state);
        }
    }
    assert_int_equal(f->n, n);
    f->n = 0;
}

static Rec at(uint64_t t, Rec r)
{
    r.at = t;
    return r;
}

static int state_of(Fixture *f, SbStateKind kind)
{
    return sim_model_get(&f->m, kind)->state;
}

/* Brings the host to Running from the initial state, at t0 = 10000, clearing the log. */
static uint64_t boot_to_running(Fixture *f)
{
    command(f, 10000, SB_TARGET_HOST, SB_TRANSITION_ON);
    run_all(f);
    assert_int_equal(state_of(f, SB_KIND_HOST), SB_HOST_RUNNING);
    f->n = 0;
    return 20000;
}

/* ---- start ------------------------------------------------------------------------------- */

static void test_sim_start_reports_initial_state_then_bmc_ready(void **state)
{
    Fixture *f = *state;
    const NodeObservation *bmc, *chassis, *host;

    setup_with(f, READY_MS, POWER_MS, BOOT_MS, false);
    {
        const Rec expected[] = { B(NOT_READY), C(OFF), H(OFF), P(UNSPECIFIED),
                                 at(READY_MS, (Rec) B(READY)) };
        expect_log(f, expected, 5);
    }
    bmc = sim_model_get(&f->m, SB_KIND_BMC);
    chassis = sim_model_get(&f->m, SB_KIND_CHASSIS);
    host = sim_model_get(&f->m, SB_KIND_HOST);
    assert_int_equal(bmc->last_reboot_cause, SB_REBOOT_CAUSE_POR);
    assert_int_equal(chassis->power_status, SB_POWER_STATUS_GOOD);
    assert_false(chassis->ac_loss);
    assert_int_equal(host->restart_cause, SB_RESTART_CAUSE_UNKNOWN);
    assert_null(sim_model_get(&f->m, SB_KIND_HYPERVISOR));
}

static void test_sim_start_reports_ac_loss(void **state)
{
    Fixture *f = *state;

    setup_with(f, READY_MS, POWER_MS, BOOT_MS, true);
    assert_true(sim_model_get(&f->m, SB_KIND_CHASSIS)->ac_loss);
}

static void test_sim_start_deadline_is_bmc_ready(void **state)
{
    Fixture *f = *state;

    memset(f, 0, sizeof(*f));
    sim_model_init(&f->m, &(SimConfig){ .bmc_ready_ms = 1234, .power_ms = 1, .boot_ms = 7 });
    assert_int_equal(step(f, SIM_EV_START, 500, SB_TARGET_NONE, SB_TRANSITION_NONE), 0);
    assert_true(f->has_deadline);
    assert_int_equal(f->deadline, 1734);
    /* Nothing happens before the deadline. */
    assert_int_equal(step(f, SIM_EV_TIMER, 1733, SB_TARGET_NONE, SB_TRANSITION_NONE), 0);
    assert_int_equal(f->n_last, 0);
    assert_int_equal(state_of(f, SB_KIND_BMC), SB_BMC_NOT_READY);
    assert_int_equal(step(f, SIM_EV_TIMER, 1734, SB_TARGET_NONE, SB_TRANSITION_NONE), 0);
    assert_int_equal(state_of(f, SB_KIND_BMC), SB_BMC_READY);
}

static void test_sim_events_out_of_order_are_refused(void **state)
{
    Fixture *f = *state;

    memset(f, 0, sizeof(*f));
    sim_model_init(&f->m, &(SimConfig){ .bmc_ready_ms = 1, .power_ms = 1, .boot_ms = 7 });
    assert_int_equal(step(f, SIM_EV_COMMAND, 0, SB_TARGET_HOST, SB_TRANSITION_ON), -EINVAL);
    assert_int_equal(step(f, SIM_EV_TIMER, 0, SB_TARGET_NONE, SB_TRANSITION_NONE), -EINVAL);
    assert_int_equal(step(f, SIM_EV_START, 0, SB_TARGET_NONE, SB_TRANSITION_NONE), 0);
    assert_int_equal(step(f, SIM_EV_START, 0, SB_TARGET_NONE, SB_TRANSITION_NONE), -EINVAL);
}

/* ---- chassis ----------------------------------------------------------------------------- */

static void test_sim_chassis_on_walks_through_transitioning(void **state)
{
    Fixture *f = *state;
    const Rec expected[] = {
        at(10000, (Rec) C(TRANSITIONING_TO_ON)),
        at(10000 + POWER_MS, (Rec) C(ON)),
    };

    command(f, 10000, SB_TARGET_CHASSIS, SB_TRANSITION_ON);
    /* The first transitional state is immediate, the rest waits for the timer. */
    assert_int_equal(f->n_last, 1);
    assert_true(f->has_deadline);
    assert_int_equal(f->deadline, 10000 + POWER_MS);
    run_all(f);
    expect_log(f, expected, 2);
    assert_int_equal(state_of(f, SB_KIND_HOST), SB_HOST_OFF);
}

static void test_sim_chassis_off_from_on(void **state)
{
    Fixture *f = *state;
    const Rec expected[] = {
        at(20000, (Rec) C(TRANSITIONING_TO_OFF)),
        at(20000 + POWER_MS, (Rec) C(OFF)),
    };

    command(f, 10000, SB_TARGET_CHASSIS, SB_TRANSITION_ON);
    run_all(f);
    f->n = 0;
    command(f, 20000, SB_TARGET_CHASSIS, SB_TRANSITION_OFF);
    run_all(f);
    expect_log(f, expected, 2);
}

static void test_sim_chassis_off_drops_a_running_host(void **state)
{
    Fixture *f = *state;
    uint64_t t = boot_to_running(f);
    const Rec expected[] = {
        at(t, (Rec) C(TRANSITIONING_TO_OFF)),
        at(t + POWER_MS, (Rec) C(OFF)),
        at(t + POWER_MS, (Rec) H(OFF)),
        at(t + POWER_MS, (Rec) P(UNSPECIFIED)),
    };

    command(f, t, SB_TARGET_CHASSIS, SB_TRANSITION_OFF);
    /* The host keeps running until the power is gone. */
    assert_int_equal(state_of(f, SB_KIND_HOST), SB_HOST_RUNNING);
    run_all(f);
    expect_log(f, expected, 4);
}

static void test_sim_chassis_power_cycle_is_off_then_on(void **state)
{
    Fixture *f = *state;
    const Rec expected[] = {
        at(20000, (Rec) C(TRANSITIONING_TO_OFF)),
        at(20000 + POWER_MS, (Rec) C(OFF)),
        at(20000 + POWER_MS, (Rec) C(TRANSITIONING_TO_ON)),
        at(20000 + 2 * POWER_MS, (Rec) C(ON)),
    };

    command(f, 10000, SB_TARGET_CHASSIS, SB_TRANSITION_ON);
    run_all(f);
    f->n = 0;
    command(f, 20000, SB_TARGET_CHASSIS, SB_TRANSITION_POWER_CYCLE);
    run_all(f);
    expect_log(f, expected, 4);
}

static void test_sim_chassis_power_cycle_from_off_just_powers_on(void **state)
{
    Fixture *f = *state;
    const Rec expected[] = {
        at(10000, (Rec) C(TRANSITIONING_TO_ON)),
        at(10000 + POWER_MS, (Rec) C(ON)),
    };

    command(f, 10000, SB_TARGET_CHASSIS, SB_TRANSITION_POWER_CYCLE);
    run_all(f);
    expect_log(f, expected, 2);
}

/* ---- host -------------------------------------------------------------------------------- */

static void test_sim_host_on_powers_chassis_then_boots_every_stage(void **state)
{
    Fixture *f = *state;
    const uint64_t t = 10000, b = t + POWER_MS;
    const Rec expected[] = {
        at(t, (Rec) C(TRANSITIONING_TO_ON)),
        at(b, (Rec) C(ON)),
        at(b, (Rec) H(TRANSITIONING_TO_RUNNING)),
        at(b, (Rec) P(PRIMARY_PROC_INIT)),
        at(b + 1 * STAGE_MS, (Rec) P(BUS_INIT)),
        at(b + 2 * STAGE_MS, (Rec) P(MEMORY_INIT)),
        at(b + 3 * STAGE_MS, (Rec) P(SECONDARY_PROC_INIT)),
        at(b + 4 * STAGE_MS, (Rec) P(PCI_INIT)),
        at(b + 5 * STAGE_MS, (Rec) P(SYSTEM_INIT_COMPLETE)),
        at(b + 6 * STAGE_MS, (Rec) P(OS_START)),
        at(b + BOOT_MS, (Rec) P(OS_RUNNING)),
        at(b + BOOT_MS, (Rec) H(RUNNING)),
    };

    command(f, t, SB_TARGET_HOST, SB_TRANSITION_ON);
    run_all(f);
    expect_log(f, expected, ELEMENTS(expected));
    assert_int_equal(sim_model_get(&f->m, SB_KIND_HOST)->restart_cause,
                     SB_RESTART_CAUSE_REMOTE_COMMAND);
    /* The last action carries the host's details. */
    assert_int_equal(f->last[f->n_last - 1].obs.kind, SB_KIND_HOST);
    assert_int_equal(f->last[f->n_last - 1].obs.restart_cause, SB_RESTART_CAUSE_REMOTE_COMMAND);
}

static void test_sim_host_on_with_chassis_on_boots_at_once(void **state)
{
    Fixture *f = *state;

    command(f, 10000, SB_TARGET_CHASSIS, SB_TRANSITION_ON);
    run_all(f);
    f->n = 0;
    command(f, 20000, SB_TARGET_HOST, SB_TRANSITION_ON);
    assert_int_equal(f->n_last, 2); /* TransitioningToRunning and PrimaryProcInit */
    assert_int_equal(f->last[0].obs.state, SB_HOST_TRANSITIONING_TO_RUNNING);
    assert_int_equal(f->last[1].obs.state, SB_BOOT_PRIMARY_PROC_INIT);
    run_all(f);
    assert_int_equal(f->n, 10);
    assert_int_equal(f->log[9].at, 20000 + BOOT_MS);
}

static void test_sim_host_off_stops_host_then_chassis(void **state)
{
    Fixture *f = *state;
    uint64_t t = boot_to_running(f);
    const Rec expected[] = {
        at(t, (Rec) H(TRANSITIONING_TO_OFF)),   at(t + POWER_MS, (Rec) H(OFF)),
        at(t + POWER_MS, (Rec) P(UNSPECIFIED)), at(t + POWER_MS, (Rec) C(TRANSITIONING_TO_OFF)),
        at(t + 2 * POWER_MS, (Rec) C(OFF)),
    };

    command(f, t, SB_TARGET_HOST, SB_TRANSITION_OFF);
    run_all(f);
    expect_log(f, expected, ELEMENTS(expected));
}

static void test_sim_host_off_with_host_off_powers_chassis_off(void **state)
{
    Fixture *f = *state;
    const Rec expected[] = {
        at(20000, (Rec) C(TRANSITIONING_TO_OFF)),
        at(20000 + POWER_MS, (Rec) C(OFF)),
    };

    command(f, 10000, SB_TARGET_CHASSIS, SB_TRANSITION_ON);
    run_all(f);
    f->n = 0;
    command(f, 20000, SB_TARGET_HOST, SB_TRANSITION_OFF);
    run_all(f);
    expect_log(f, expected, 2);
}

static void test_sim_host_reboot_is_off_walk_then_on_walk(void **state)
{
    Fixture *f = *state;
    uint64_t t = boot_to_running(f);
    uint64_t b = t + 3 * POWER_MS;
    const Rec expected[] = {
        at(t, (Rec) H(TRANSITIONING_TO_OFF)),
        at(t + POWER_MS, (Rec) H(OFF)),
        at(t + POWER_MS, (Rec) P(UNSPECIFIED)),
        at(t + POWER_MS, (Rec) C(TRANSITIONING_TO_OFF)),
        at(t + 2 * POWER_MS, (Rec) C(OFF)),
        at(t + 2 * POWER_MS, (Rec) C(TRANSITIONING_TO_ON)),
        at(b, (Rec) C(ON)),
        at(b, (Rec) H(TRANSITIONING_TO_RUNNING)),
        at(b, (Rec) P(PRIMARY_PROC_INIT)),
        at(b + 1 * STAGE_MS, (Rec) P(BUS_INIT)),
        at(b + 2 * STAGE_MS, (Rec) P(MEMORY_INIT)),
        at(b + 3 * STAGE_MS, (Rec) P(SECONDARY_PROC_INIT)),
        at(b + 4 * STAGE_MS, (Rec) P(PCI_INIT)),
        at(b + 5 * STAGE_MS, (Rec) P(SYSTEM_INIT_COMPLETE)),
        at(b + 6 * STAGE_MS, (Rec) P(OS_START)),
        at(b + BOOT_MS, (Rec) P(OS_RUNNING)),
        at(b + BOOT_MS, (Rec) H(RUNNING)),
    };

    command(f, t, SB_TARGET_HOST, SB_TRANSITION_REBOOT);
    run_all(f);
    expect_log(f, expected, ELEMENTS(expected));
}

static void test_sim_graceful_warm_reboot_keeps_chassis_on(void **state)
{
    Fixture *f = *state;
    uint64_t t = boot_to_running(f);
    uint64_t b = t + POWER_MS;
    const Rec expected[] = {
        at(t, (Rec) H(TRANSITIONING_TO_OFF)),
        at(b, (Rec) H(TRANSITIONING_TO_RUNNING)),
        at(b, (Rec) P(PRIMARY_PROC_INIT)),
        at(b + 1 * STAGE_MS, (Rec) P(BUS_INIT)),
        at(b + 2 * STAGE_MS, (Rec) P(MEMORY_INIT)),
        at(b + 3 * STAGE_MS, (Rec) P(SECONDARY_PROC_INIT)),
        at(b + 4 * STAGE_MS, (Rec) P(PCI_INIT)),
        at(b + 5 * STAGE_MS, (Rec) P(SYSTEM_INIT_COMPLETE)),
        at(b + 6 * STAGE_MS, (Rec) P(OS_START)),
        at(b + BOOT_MS, (Rec) P(OS_RUNNING)),
        at(b + BOOT_MS, (Rec) H(RUNNING)),
    };

    command(f, t, SB_TARGET_HOST, SB_TRANSITION_GRACEFUL_WARM_REBOOT);
    run_all(f);
    expect_log(f, expected, ELEMENTS(expected));
    assert_int_equal(state_of(f, SB_KIND_CHASSIS), SB_CHASSIS_ON);
}

static void test_sim_force_warm_reboot_boots_at_once(void **state)
{
    Fixture *f = *state;
    uint64_t t = boot_to_running(f);
    const Rec expected[] = {
        at(t, (Rec) H(TRANSITIONING_TO_OFF)),
        at(t, (Rec) H(TRANSITIONING_TO_RUNNING)),
        at(t, (Rec) P(PRIMARY_PROC_INIT)),
        at(t + 1 * STAGE_MS, (Rec) P(BUS_INIT)),
        at(t + 2 * STAGE_MS, (Rec) P(MEMORY_INIT)),
        at(t + 3 * STAGE_MS, (Rec) P(SECONDARY_PROC_INIT)),
        at(t + 4 * STAGE_MS, (Rec) P(PCI_INIT)),
        at(t + 5 * STAGE_MS, (Rec) P(SYSTEM_INIT_COMPLETE)),
        at(t + 6 * STAGE_MS, (Rec) P(OS_START)),
        at(t + BOOT_MS, (Rec) P(OS_RUNNING)),
        at(t + BOOT_MS, (Rec) H(RUNNING)),
    };

    command(f, t, SB_TARGET_HOST, SB_TRANSITION_FORCE_WARM_REBOOT);
    /* The whole drop is immediate: no graceful wait. */
    assert_int_equal(f->n_last, 3);
    run_all(f);
    expect_log(f, expected, ELEMENTS(expected));
}

static void test_sim_warm_reboot_of_an_off_host_boots_it(void **state)
{
    Fixture *f = *state;

    command(f, 10000, SB_TARGET_HOST, SB_TRANSITION_GRACEFUL_WARM_REBOOT);
    assert_int_equal(f->last[0].obs.kind, SB_KIND_CHASSIS);
    assert_int_equal(f->last[0].obs.state, SB_CHASSIS_TRANSITIONING_TO_ON);
    run_all(f);
    assert_int_equal(f->n, 12); /* the same walk as host On */
    assert_int_equal(state_of(f, SB_KIND_HOST), SB_HOST_RUNNING);
}

/* ---- bmc --------------------------------------------------------------------------------- */

static void test_sim_bmc_reboot_leaves_running_host_untouched(void **state)
{
    Fixture *f = *state;
    uint64_t t = boot_to_running(f);
    const Rec expected[] = {
        at(t, (Rec) B(NOT_READY)),
        at(t + READY_MS, (Rec) B(READY)),
    };

    command(f, t, SB_TARGET_BMC, SB_TRANSITION_REBOOT);
    run_all(f);
    expect_log(f, expected, 2);
    assert_int_equal(state_of(f, SB_KIND_HOST), SB_HOST_RUNNING);
    assert_int_equal(state_of(f, SB_KIND_CHASSIS), SB_CHASSIS_ON);
    assert_int_equal(state_of(f, SB_KIND_BOOT_PROGRESS), SB_BOOT_OS_RUNNING);
    assert_int_equal(sim_model_get(&f->m, SB_KIND_BMC)->last_reboot_cause, SB_REBOOT_CAUSE_POR);
}

static void test_sim_bmc_hard_reboot_during_boot_does_not_disturb_it(void **state)
{
    Fixture *f = *state;
    const uint64_t t = 10000, b = t + POWER_MS;
    const uint64_t r = b + 2 * STAGE_MS + 100; /* just after MemoryInit */
    const Rec expected[] = {
        at(t, (Rec) C(TRANSITIONING_TO_ON)),
        at(b, (Rec) C(ON)),
        at(b, (Rec) H(TRANSITIONING_TO_RUNNING)),
        at(b, (Rec) P(PRIMARY_PROC_INIT)),
        at(b + 1 * STAGE_MS, (Rec) P(BUS_INIT)),
        at(b + 2 * STAGE_MS, (Rec) P(MEMORY_INIT)),
        at(r, (Rec) B(NOT_READY)),
        at(b + 3 * STAGE_MS, (Rec) P(SECONDARY_PROC_INIT)),
        at(b + 4 * STAGE_MS, (Rec) P(PCI_INIT)),
        at(b + 5 * STAGE_MS, (Rec) P(SYSTEM_INIT_COMPLETE)),
        at(b + 6 * STAGE_MS, (Rec) P(OS_START)),
        at(r + READY_MS, (Rec) B(READY)),
        at(b + BOOT_MS, (Rec) P(OS_RUNNING)),
        at(b + BOOT_MS, (Rec) H(RUNNING)),
    };

    command(f, t, SB_TARGET_HOST, SB_TRANSITION_ON);
    run_until(f, r);
    command(f, r, SB_TARGET_BMC, SB_TRANSITION_HARD_REBOOT);
    run_all(f);
    expect_log(f, expected, ELEMENTS(expected));
}

static void test_sim_bmc_reboot_while_not_ready_restarts_the_wait(void **state)
{
    Fixture *f = *state;

    memset(f, 0, sizeof(*f));
    sim_model_init(&f->m, &(SimConfig){ .bmc_ready_ms = 2000, .power_ms = 1, .boot_ms = 7 });
    assert_int_equal(step(f, SIM_EV_START, 0, SB_TARGET_NONE, SB_TRANSITION_NONE), 0);
    f->n = 0;
    command(f, 1500, SB_TARGET_BMC, SB_TRANSITION_REBOOT);
    assert_int_equal(f->n_last, 0); /* already NotReady: no change to report */
    assert_int_equal(f->deadline, 3500);
    run_all(f);
    {
        const Rec expected[] = { at(3500, (Rec) B(READY)) };
        expect_log(f, expected, 1);
    }
}

/* ---- BMC reset with the host up (--sim-state-file) ---------------------------------------- */

/* Starts a model from saved hardware at t = 0 (log kept, starting with the four initial states). */
static void start_restored(Fixture *f, const SimHardware *hw, bool ac_loss)
{
    memset(f, 0, sizeof(*f));
    sim_model_init(&f->m, &(SimConfig){ .bmc_ready_ms = READY_MS,
                                        .power_ms = POWER_MS,
                                        .boot_ms = BOOT_MS,
                                        .ac_loss = ac_loss,
                                        .bmc_boot_ms = 1700000000000,
                                        .restore = true,
                                        .hardware = *hw });
    assert_int_equal(step(f, SIM_EV_START, 0, SB_TARGET_NONE, SB_TRANSITION_NONE), 0);
}

static void test_sim_restore_keeps_a_running_host(void **state)
{
    Fixture *f = *state;
    const SimHardware hw = { .chassis = SB_CHASSIS_ON,
                             .power_status = SB_POWER_STATUS_GOOD,
                             .host = SB_HOST_RUNNING,
                             .restart_cause = SB_RESTART_CAUSE_REMOTE_COMMAND,
                             .boot_progress = SB_BOOT_OS_RUNNING,
                             .bmc_boot_ms = 1600000000000 };
    const Rec expected[] = { B(NOT_READY), C(ON), H(RUNNING), P(OS_RUNNING),
                             at(READY_MS, (Rec) B(READY)) };
    const NodeObservation *chassis;
    SimHardware saved;

    (void) state;
    start_restored(f, &hw, false);
    run_all(f);
    /* Only the BMC moves: nothing of the host changes because its BMC rebooted. */
    expect_log(f, expected, ELEMENTS(expected));
    chassis = sim_model_get(&f->m, SB_KIND_CHASSIS);
    assert_false(chassis->ac_loss); /* a BMC reset is not an AC loss */
    assert_true(chassis->bmc_boot_ms == 1700000000000);
    assert_int_equal(sim_model_get(&f->m, SB_KIND_HOST)->restart_cause,
                     SB_RESTART_CAUSE_REMOTE_COMMAND);
    sim_model_hardware(&f->m, &saved);
    assert_int_equal(saved.chassis, SB_CHASSIS_ON);
    assert_int_equal(saved.host, SB_HOST_RUNNING);
    assert_int_equal(saved.boot_progress, SB_BOOT_OS_RUNNING);
    assert_true(saved.bmc_boot_ms == 1700000000000);
}

static void test_sim_restore_with_ac_loss_ignores_the_hardware(void **state)
{
    Fixture *f = *state;
    const SimHardware hw = { .chassis = SB_CHASSIS_ON,
                             .power_status = SB_POWER_STATUS_GOOD,
                             .host = SB_HOST_RUNNING,
                             .restart_cause = SB_RESTART_CAUSE_REMOTE_COMMAND,
                             .boot_progress = SB_BOOT_OS_RUNNING };
    const Rec expected[] = { B(NOT_READY), C(OFF), H(OFF), P(UNSPECIFIED),
                             at(READY_MS, (Rec) B(READY)) };

    (void) state;
    start_restored(f, &hw, true);
    run_all(f);
    expect_log(f, expected, ELEMENTS(expected));
    assert_true(sim_model_get(&f->m, SB_KIND_CHASSIS)->ac_loss);
}

static void test_sim_restore_continues_a_boot_from_its_stage(void **state)
{
    Fixture *f = *state;
    const SimHardware hw = { .chassis = SB_CHASSIS_ON,
                             .power_status = SB_POWER_STATUS_GOOD,
                             .host = SB_HOST_TRANSITIONING_TO_RUNNING,
                             .restart_cause = SB_RESTART_CAUSE_REMOTE_COMMAND,
                             .boot_progress = SB_BOOT_PCI_INIT };
    const Rec expected[] = {
        B(NOT_READY),
        C(ON),
        H(TRANSITIONING_TO_RUNNING),
        P(PCI_INIT),
        at(1 * STAGE_MS, (Rec) P(SYSTEM_INIT_COMPLETE)),
        at(2 * STAGE_MS, (Rec) P(OS_START)),
        at(3 * STAGE_MS, (Rec) P(OS_RUNNING)),
        at(3 * STAGE_MS, (Rec) H(RUNNING)),
        at(READY_MS, (Rec) B(READY)),
    };

    (void) state;
    start_restored(f, &hw, false);
    run_all(f);
    expect_log(f, expected, ELEMENTS(expected));
}

static void test_sim_restore_finishes_a_power_transition(void **state)
{
    Fixture *f = *state;
    SimHardware hw = { .chassis = SB_CHASSIS_TRANSITIONING_TO_ON,
                       .power_status = SB_POWER_STATUS_GOOD,
                       .host = SB_HOST_OFF,
                       .restart_cause = SB_RESTART_CAUSE_UNKNOWN,
                       .boot_progress = SB_BOOT_UNSPECIFIED };

    (void) state;
    start_restored(f, &hw, false);
    run_all(f);
    {
        const Rec expected[] = {
            B(NOT_READY),   C(TRANSITIONING_TO_ON),    H(OFF),
            P(UNSPECIFIED), at(POWER_MS, (Rec) C(ON)), at(READY_MS, (Rec) B(READY))
        };
        expect_log(f, expected, ELEMENTS(expected));
    }
    hw.chassis = SB_CHASSIS_ON;
    hw.host = SB_HOST_TRANSITIONING_TO_OFF;
    hw.boot_progress = SB_BOOT_OS_RUNNING;
    start_restored(f, &hw, false);
    run_all(f);
    {
        const Rec expected[] = {
            B(NOT_READY),
            C(ON),
            H(TRANSITIONING_TO_OFF),
            P(OS_RUNNING),
            at(POWER_MS, (Rec) H(OFF)),
            at(POWER_MS, (Rec) P(UNSPECIFIED)),
            at(POWER_MS, (Rec) C(TRANSITIONING_TO_OFF)),
            at(READY_MS, (Rec) B(READY)),
            at(2 * POWER_MS, (Rec) C(OFF)),
        };
        expect_log(f, expected, ELEMENTS(expected));
    }
}

static void test_sim_restore_without_power_has_no_host(void **state)
{
    Fixture *f = *state;
    const SimHardware hw = { .chassis = SB_CHASSIS_OFF,
                             .power_status = SB_POWER_STATUS_GOOD,
                             .host = SB_HOST_RUNNING,
                             .restart_cause = SB_RESTART_CAUSE_REMOTE_COMMAND,
                             .boot_progress = SB_BOOT_OS_RUNNING };
    const Rec expected[] = { B(NOT_READY), C(OFF), H(OFF), P(UNSPECIFIED),
                             at(READY_MS, (Rec) B(READY)) };

    (void) state;
    start_restored(f, &hw, false);
    run_all(f);
    expect_log(f, expected, ELEMENTS(expected));
}

static void test_sim_restore_out_of_range_keeps_defaults(void **state)
{
    Fixture *f = *state;
    const SimHardware hw = { .chassis = (SbChassisState) 99,
                             .power_status = SB_POWER_STATUS_NONE,
                             .host = (SbHostState) -1,
                             .restart_cause = SB_RESTART_CAUSE_COUNT,
                             .boot_progress = SB_BOOT_UNKNOWN };
    const Rec expected[] = { B(NOT_READY), C(OFF), H(OFF), P(UNSPECIFIED),
                             at(READY_MS, (Rec) B(READY)) };

    (void) state;
    start_restored(f, &hw, false);
    run_all(f);
    expect_log(f, expected, ELEMENTS(expected));
    assert_int_equal(sim_model_get(&f->m, SB_KIND_CHASSIS)->power_status, SB_POWER_STATUS_GOOD);
    assert_int_equal(sim_model_get(&f->m, SB_KIND_HOST)->restart_cause, SB_RESTART_CAUSE_UNKNOWN);
}

static void test_sim_hardware_kinds(void **state)
{
    (void) state;
    assert_false(sim_kind_is_hardware(SB_KIND_BMC));
    assert_true(sim_kind_is_hardware(SB_KIND_CHASSIS));
    assert_true(sim_kind_is_hardware(SB_KIND_HOST));
    assert_true(sim_kind_is_hardware(SB_KIND_BOOT_PROGRESS));
    assert_false(sim_kind_is_hardware(SB_KIND_HYPERVISOR));
}

/* ---- walks replaced, commands that change nothing, bad commands -------------------------- */

static void test_sim_off_during_boot_replaces_the_walk(void **state)
{
    Fixture *f = *state;
    const uint64_t t = 10000, b = t + POWER_MS;
    const uint64_t o = b + 2 * STAGE_MS + 100; /* during MemoryInit */
    const Rec expected[] = {
        at(o, (Rec) H(TRANSITIONING_TO_OFF)),   at(o + POWER_MS, (Rec) H(OFF)),
        at(o + POWER_MS, (Rec) P(UNSPECIFIED)), at(o + POWER_MS, (Rec) C(TRANSITIONING_TO_OFF)),
        at(o + 2 * POWER_MS, (Rec) C(OFF)),
    };

    command(f, t, SB_TARGET_HOST, SB_TRANSITION_ON);
    run_until(f, o);
    assert_int_equal(state_of(f, SB_KIND_BOOT_PROGRESS), SB_BOOT_MEMORY_INIT);
    f->n = 0;
    command(f, o, SB_TARGET_HOST, SB_TRANSITION_OFF);
    run_all(f);
    /* No boot stage of the old walk shows up after the Off. */
    expect_log(f, expected, ELEMENTS(expected));
}

static void test_sim_chassis_off_during_chassis_on_turns_back(void **state)
{
    Fixture *f = *state;
    const Rec expected[] = {
        at(10000, (Rec) C(TRANSITIONING_TO_ON)),
        at(10400, (Rec) C(TRANSITIONING_TO_OFF)),
        at(10400 + POWER_MS, (Rec) C(OFF)),
    };

    command(f, 10000, SB_TARGET_CHASSIS, SB_TRANSITION_ON);
    run_until(f, 10400);
    command(f, 10400, SB_TARGET_CHASSIS, SB_TRANSITION_OFF);
    run_all(f);
    expect_log(f, expected, ELEMENTS(expected));
}

static void test_sim_host_on_during_boot_continues_it(void **state)
{
    Fixture *f = *state;
    const uint64_t t = 10000, b = t + POWER_MS;
    const uint64_t again = b + 2 * STAGE_MS + 100;

    command(f, t, SB_TARGET_HOST, SB_TRANSITION_ON);
    run_until(f, again);
    f->n = 0;
    command(f, again, SB_TARGET_HOST, SB_TRANSITION_ON);
    assert_int_equal(f->n_last, 0);
    run_all(f);
    {
        /* The remaining stages come at the pace of the boot that was under way. */
        const uint64_t s = again - 100;
        const Rec expected[] = {
            at(s + 1 * STAGE_MS, (Rec) P(SECONDARY_PROC_INIT)),
            at(s + 2 * STAGE_MS, (Rec) P(PCI_INIT)),
            at(s + 3 * STAGE_MS, (Rec) P(SYSTEM_INIT_COMPLETE)),
            at(s + 4 * STAGE_MS, (Rec) P(OS_START)),
            at(s + 5 * STAGE_MS, (Rec) P(OS_RUNNING)),
            at(s + 5 * STAGE_MS, (Rec) H(RUNNING)),
        };
        expect_log(f, expected, ELEMENTS(expected));
    }
}

static void test_sim_command_that_changes_nothing_emits_nothing(void **state)
{
    Fixture *f = *state;
    uint64_t t = boot_to_running(f);

    command(f, t, SB_TARGET_HOST, SB_TRANSITION_ON);
    assert_int_equal(f->n_last, 0);
    assert_false(f->has_deadline);
    command(f, t, SB_TARGET_CHASSIS, SB_TRANSITION_ON);
    assert_int_equal(f->n_last, 0);
    assert_false(f->has_deadline);
    assert_int_equal(state_of(f, SB_KIND_HOST), SB_HOST_RUNNING);
}

static void test_sim_chassis_on_during_boot_leaves_the_boot_alone(void **state)
{
    Fixture *f = *state;
    const uint64_t t = 10000, b = t + POWER_MS;

    command(f, 10000, SB_TARGET_HOST, SB_TRANSITION_ON);
    run_until(f, b + STAGE_MS);
    command(f, b + STAGE_MS + 10, SB_TARGET_CHASSIS, SB_TRANSITION_ON);
    assert_int_equal(f->n_last, 0);
    assert_true(f->has_deadline);
    assert_int_equal(f->deadline, b + 2 * STAGE_MS);
    run_all(f);
    assert_int_equal(state_of(f, SB_KIND_HOST), SB_HOST_RUNNING);
}

static void test_sim_invalid_transitions_change_nothing(void **state)
{
    Fixture *f = *state;
    static const struct {
        SbTarget target;
        SbTransition transition;
    } bad[] = {
        { SB_TARGET_CHASSIS, SB_TRANSITION_REBOOT },
        { SB_TARGET_CHASSIS, SB_TRANSITION_HARD_REBOOT },
        { SB_TARGET_HOST, SB_TRANSITION_POWER_CYCLE },
        { SB_TARGET_HOST, SB_TRANSITION_NONE },
        { SB_TARGET_BMC, SB_TRANSITION_ON },
        { SB_TARGET_BMC, SB_TRANSITION_OFF },
        { SB_TARGET_NONE, SB_TRANSITION_ON },
        { SB_TARGET_COUNT, SB_TRANSITION_ON },
    };

    command(f, 10000, SB_TARGET_CHASSIS, SB_TRANSITION_ON);
    for (size_t i = 0; i < ELEMENTS(bad); i++) {
        assert_int_equal(step(f, SIM_EV_COMMAND, 10100, bad[i].target, bad[i].transition), -EINVAL);
    }
    /* The walk in progress goes on as planned. */
    run_all(f);
    {
        const Rec expected[] = {
            at(10000, (Rec) C(TRANSITIONING_TO_ON)),
            at(10000 + POWER_MS, (Rec) C(ON)),
        };
        expect_log(f, expected, 2);
    }
}

/* ---- timing ------------------------------------------------------------------------------ */

static void test_sim_late_timer_carries_out_every_due_step_in_order(void **state)
{
    Fixture *f = *state;
    const uint64_t t = 10000, b = t + POWER_MS;

    command(f, t, SB_TARGET_HOST, SB_TRANSITION_ON);
    /* The loop was busy: one timer far past every deadline. */
    assert_int_equal(step(f, SIM_EV_TIMER, t + 60000, SB_TARGET_NONE, SB_TRANSITION_NONE), 0);
    assert_false(f->has_deadline);
    assert_int_equal(f->n, 12);
    for (size_t i = 1; i < f->n; i++) {
        assert_true(f->log[i - 1].at <= f->log[i].at);
    }
    assert_int_equal(f->log[11].at, b + BOOT_MS);
    assert_int_equal(f->log[11].state, SB_HOST_RUNNING);
}

static void test_sim_zero_durations_emit_every_state_at_once(void **state)
{
    Fixture *f = *state;
    const Rec expected[] = {
        B(NOT_READY),
        C(OFF),
        H(OFF),
        P(UNSPECIFIED),
        B(READY),
        C(TRANSITIONING_TO_ON),
        C(ON),
        H(TRANSITIONING_TO_RUNNING),
        P(PRIMARY_PROC_INIT),
        P(BUS_INIT),
        P(MEMORY_INIT),
        P(SECONDARY_PROC_INIT),
        P(PCI_INIT),
        P(SYSTEM_INIT_COMPLETE),
        P(OS_START),
        P(OS_RUNNING),
        H(RUNNING),
    };

    memset(f, 0, sizeof(*f));
    sim_model_init(&f->m, &(SimConfig){ 0 });
    assert_int_equal(step(f, SIM_EV_START, 0, SB_TARGET_NONE, SB_TRANSITION_NONE), 0);
    assert_false(f->has_deadline);
    command(f, 0, SB_TARGET_HOST, SB_TRANSITION_ON);
    assert_false(f->has_deadline);
    expect_log(f, expected, ELEMENTS(expected));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup(name, setup)
        T(test_sim_start_reports_initial_state_then_bmc_ready),
        T(test_sim_start_reports_ac_loss),
        T(test_sim_start_deadline_is_bmc_ready),
        T(test_sim_events_out_of_order_are_refused),
        T(test_sim_chassis_on_walks_through_transitioning),
        T(test_sim_chassis_off_from_on),
        T(test_sim_chassis_off_drops_a_running_host),
        T(test_sim_chassis_power_cycle_is_off_then_on),
        T(test_sim_chassis_power_cycle_from_off_just_powers_on),
        T(test_sim_host_on_powers_chassis_then_boots_every_stage),
        T(test_sim_host_on_with_chassis_on_boots_at_once),
        T(test_sim_host_off_stops_host_then_chassis),
        T(test_sim_host_off_with_host_off_powers_chassis_off),
        T(test_sim_host_reboot_is_off_walk_then_on_walk),
        T(test_sim_graceful_warm_reboot_keeps_chassis_on),
        T(test_sim_force_warm_reboot_boots_at_once),
        T(test_sim_warm_reboot_of_an_off_host_boots_it),
        T(test_sim_bmc_reboot_leaves_running_host_untouched),
        T(test_sim_bmc_hard_reboot_during_boot_does_not_disturb_it),
        T(test_sim_bmc_reboot_while_not_ready_restarts_the_wait),
        T(test_sim_restore_keeps_a_running_host),
        T(test_sim_restore_with_ac_loss_ignores_the_hardware),
        T(test_sim_restore_continues_a_boot_from_its_stage),
        T(test_sim_restore_finishes_a_power_transition),
        T(test_sim_restore_without_power_has_no_host),
        T(test_sim_restore_out_of_range_keeps_defaults),
        T(test_sim_hardware_kinds),
        T(test_sim_off_during_boot_replaces_the_walk),
        T(test_sim_chassis_off_during_chassis_on_turns_back),
        T(test_sim_host_on_during_boot_continues_it),
        T(test_sim_command_that_changes_nothing_emits_nothing),
        T(test_sim_chassis_on_during_boot_leaves_the_boot_alone),
        T(test_sim_invalid_transitions_change_nothing),
        T(test_sim_late_timer_carries_out_every_due_step_in_order),
        T(test_sim_zero_durations_emit_every_state_at_once),
#undef T
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
