/* SPDX-License-Identifier: Apache-2.0 */
/*
 * When a dispatched request completes (topics/README.md "Requests"): one table row per rule.
 * Each row brings up 2 nodes (BMC Ready, chassis Off, host Off), runs its setup, sends the request
 * and then its steps; "completed" must appear exactly after step complete_after (0 = in the
 * dispatch's own batch, -1 = never).
 */
/* cmocka.h needs these four first. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <stdio.h>
#include <string.h>

#include "coord-harness.h"

#define STEPS_MAX 8

typedef struct CompletionCase {
    const char *name;
    const char *setup[4];
    const char *request;
    const char *steps[STEPS_MAX];
    int complete_after;
} CompletionCase;

static const CompletionCase cases[] = {
    {
            .name = "chassis On reaches On",
            .request = "request chassis On id=r",
            .steps = { "state 1 chassis TransitioningToOn", "state 1 chassis On",
                       "state 2 chassis On" },
            .complete_after = 3,
    },
    {
            .name = "chassis Off reaches Off",
            .setup = { "state 1 chassis On", "state 2 chassis On" },
            .request = "request chassis Off id=r",
            .steps = { "state 1 chassis Off", "state 2 chassis TransitioningToOff",
                       "state 2 chassis Off" },
            .complete_after = 3,
    },
    {
            .name = "chassis Off when every chassis is Off already",
            .request = "request chassis Off id=r",
            .complete_after = 0,
    },
    {
            .name = "host On reaches Running, not Standby",
            .request = "request host On id=r",
            .steps = { "state 1 host Standby", "state 1 host Running",
                       "state 2 host TransitioningToRunning", "state 2 host Running" },
            .complete_after = 4,
    },
    {
            .name = "host Off reaches Off",
            .setup = { "state 1 host Running", "state 2 host Running" },
            .request = "request host Off id=r",
            .steps = { "state 1 host TransitioningToOff", "state 1 host Off", "state 2 host Off" },
            .complete_after = 3,
    },
    {
            .name = "PowerCycle needs chassis On after having left On",
            .setup = { "state 1 chassis On", "state 2 chassis On" },
            .request = "request chassis PowerCycle id=r",
            .steps = { "state 1 chassis On", "state 2 chassis On", "state 1 chassis Off",
                       "state 1 chassis On", "state 2 chassis TransitioningToOff",
                       "state 2 chassis On" },
            .complete_after = 6,
    },
    {
            .name = "PowerCycle of a chassis that is Off completes at On",
            .request = "request chassis PowerCycle id=r",
            .steps = { "state 1 chassis On", "state 2 chassis On" },
            .complete_after = 2,
    },
    {
            .name = "host Reboot needs Running after having left Running",
            .setup = { "state 1 host Running", "state 2 host Running" },
            .request = "request host Reboot id=r",
            .steps = { "state 1 host TransitioningToOff", "state 1 host Off",
                       "state 1 host TransitioningToRunning", "state 1 host Running",
                       "state 2 host Running", "state 2 host Off", "state 2 host Running" },
            .complete_after = 7,
    },
    {
            .name = "GracefulWarmReboot needs Running after having left Running",
            .setup = { "state 1 host Running", "state 2 host Running" },
            .request = "request host GracefulWarmReboot id=r",
            .steps = { "state 1 host TransitioningToRunning", "state 1 host Running",
                       "state 2 host Running", "state 2 host Quiesced", "state 2 host Running" },
            .complete_after = 5,
    },
    {
            .name = "ForceWarmReboot needs Running after having left Running",
            .setup = { "state 1 host Running", "state 2 host Running" },
            .request = "request host ForceWarmReboot id=r",
            .steps = { "state 1 host Standby", "state 1 host Running",
                       "state 2 host TransitioningToRunning", "state 2 host Running" },
            .complete_after = 4,
    },
    {
            .name = "BMC Reboot needs Ready after having left Ready",
            .request = "request bmc Reboot id=r",
            .steps = { "state 1 bmc Ready", "state 1 bmc NotReady", "state 1 bmc Ready",
                       "status 2 lost", "birth 2" },
            .complete_after = 5,
    },
    {
            .name = "BMC HardReboot: a new epoch counts as having left Ready",
            .request = "request bmc HardReboot id=r",
            .steps = { "birth 1", "birth 2" },
            .complete_after = 2,
    },
    {
            .name = "BMC Reboot of one node waits for that node only",
            .request = "request bmc Reboot id=r nodes=2",
            .steps = { "state 1 bmc NotReady", "state 1 bmc Ready", "state 2 bmc NotReady",
                       "state 2 bmc Ready" },
            .complete_after = 4,
    },
    {
            .name = "BMC Reboot: the coordinator's reconnect is not a reboot",
            .request = "request bmc Reboot id=r",
            .steps = { "disconnect", "connect", "rebirth 1-2" },
            .complete_after = -1,
    },
    {
            .name = "host On: a node that reached and left again is not there",
            .request = "request host On id=r",
            .steps = { "state 1 host Running", "state 1 host Off", "state 2 host Running",
                       "state 1 host Running" },
            .complete_after = 4,
    },
    {
            .name = "partial host On of node 2",
            .request = "request host On id=r nodes=2",
            .steps = { "state 1 host Running", "state 2 host Running" },
            .complete_after = 2,
    },
};

static bool completed(const Harness *h)
{
    return harness_find_event(h, SB_EVENT_COMPLETED, "r") != NULL;
}

static void run_case(const CompletionCase *tc)
{
    CoordConfig cfg = harness_config(2);
    Harness *h;
    const CoordAction *a;
    CoordStats st;

    cfg.allow_partial = true;
    h = harness_new(&cfg);
    harness_bring_up(h);
    for (size_t i = 0; i < 4 && tc->setup[i]; i++) {
        harness_run(h, tc->setup[i]);
    }
    harness_run(h, tc->request);
    if (!harness_find_dispatch(h, SB_TARGET_CHASSIS) && !harness_find_dispatch(h, SB_TARGET_HOST) &&
        !harness_find_dispatch(h, SB_TARGET_BMC)) {
        fail_msg("%s: not dispatched", tc->name);
    }
    if (completed(h) != (tc->complete_after == 0)) {
        fail_msg("%s: completed at dispatch: %d", tc->name, completed(h));
    }
    for (int i = 0; i < STEPS_MAX && tc->steps[i]; i++) {
        harness_run(h, tc->steps[i]);
        if (completed(h) != (tc->complete_after == i + 1)) {
            fail_msg("%s: after step %d '%s': completed=%d, got '%s'", tc->name, i + 1,
                     tc->steps[i], completed(h), h->described);
        }
        if (tc->complete_after == i + 1) {
            a = harness_find_event(h, SB_EVENT_COMPLETED, "r");
            assert_int_equal(h->out.items[0].kind, COORD_ACT_PERSIST);
            assert_non_null(strstr(a->event.why, "reached"));
        }
    }
    coord_stats(h->c, &st);
    assert_int_equal(st.requests_active, tc->complete_after < 0 ? 1 : 0);
    harness_free(h);
}

static void test_completion_rules(void **state)
{
    (void) state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        run_case(&cases[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_completion_rules),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
