/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The hypervisor (topics/README.md "Hypervisor"): derived from the claimant's host state and
 * boot progress as PSM's hypervisor state manager derives it; not published without a claimant;
 * two claimants -> the lower number wins and the other is named in a rejected event.
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

static SbRollupMsg hypervisor(const Harness *h)
{
    SbRollupMsg m;

    assert_int_equal(coord_rollup_build(h->c, SB_KIND_HYPERVISOR, &m), 0);
    return m;
}

static Harness *make(void)
{
    CoordConfig cfg = harness_config(3);

    return harness_new(&cfg);
}

static void test_hypervisor_not_published_without_a_claimant(void **state)
{
    Harness *h = make();
    SbSummaryMsg sum;

    (void) state;
    harness_bring_up(h);
    assert_false(harness_rollup_published(h, SB_KIND_HYPERVISOR));
    assert_true(harness_rollup_published(h, SB_KIND_HOST));
    harness_run(h, "state 1 host Running");
    harness_run(h, "state 1 boot OSRunning");
    assert_false(harness_rollup_published(h, SB_KIND_HYPERVISOR));
    assert_int_equal(hypervisor(h).state, SB_HOST_UNKNOWN);
    assert_int_equal(coord_summary_build(h->c, h->now_ms, &sum), 0);
    assert_int_equal(sum.codes[SB_KIND_HYPERVISOR], 0);
    harness_free(h);
}

static void test_hypervisor_follows_boot_progress_as_psm(void **state)
{
    /* hypervisor_state_manager.cpp: SystemInitComplete -> Standby, OSRunning -> Running,
     * Unspecified and every other stage -> Off. */
    static const struct {
        const char *boot;
        SbHostState expect;
    } table[] = {
        { "Unspecified", SB_HOST_OFF }, { "PrimaryProcInit", SB_HOST_OFF },
        { "PCIInit", SB_HOST_OFF },     { "SystemInitComplete", SB_HOST_STANDBY },
        { "OSStart", SB_HOST_OFF },     { "OSRunning", SB_HOST_RUNNING },
        { "SystemSetup", SB_HOST_OFF }, { "OEM", SB_HOST_OFF },
    };
    Harness *h = make();
    char input[64];
    SbRollupMsg m;

    (void) state;
    harness_run(h, "connect");
    harness_run(h, "birth 1 hv=1 host=TransitioningToRunning");
    harness_run(h, "birth 2-3");
    assert_true(harness_rollup_published(h, SB_KIND_HYPERVISOR));
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        (void) snprintf(input, sizeof(input), "state 1 boot %s", table[i].boot);
        harness_run(h, input);
        if (hypervisor(h).state != (int) table[i].expect) {
            fail_msg("boot %s: hypervisor %d, expected %d", table[i].boot, hypervisor(h).state,
                     table[i].expect);
        }
    }
    harness_run(h, "state 1 boot OSRunning");
    m = hypervisor(h);
    assert_int_equal(m.n_nodes, 1);
    assert_int_equal(m.nodes[0].node, 1);
    assert_int_equal(m.nodes[0].state, SB_HOST_RUNNING);
    assert_int_equal(m.counts[SB_HOST_RUNNING], 1);
    assert_false(m.mixed);
    /* Another node's boot progress does not matter. */
    harness_run(h, "state 2 boot OSStart");
    assert_false(harness_rollup_published(h, SB_KIND_HYPERVISOR));
    harness_free(h);
}

static void test_hypervisor_host_overrides(void **state)
{
    Harness *h = make();

    (void) state;
    harness_run(h, "connect");
    harness_run(h, "birth 1-3");
    harness_run(h, "state 2 host Running hv=1");
    harness_run(h, "state 2 boot OSRunning");
    assert_int_equal(hypervisor(h).state, SB_HOST_RUNNING);
    /* The coordinator sees the host halted, which PSM on the node cannot. */
    harness_run(h, "state 2 host Quiesced");
    assert_true(harness_rollup_published(h, SB_KIND_HYPERVISOR));
    assert_int_equal(hypervisor(h).state, SB_HOST_QUIESCED);
    harness_run(h, "state 2 host DiagnosticMode");
    assert_int_equal(hypervisor(h).state, SB_HOST_DIAGNOSTIC_MODE);
    harness_run(h, "state 2 host Off");
    assert_int_equal(hypervisor(h).state, SB_HOST_OFF);
    harness_free(h);
}

static void test_hypervisor_stale_keeps_last_value(void **state)
{
    Harness *h = make();
    SbRollupMsg m;

    (void) state;
    harness_run(h, "connect");
    harness_run(h, "birth 1-3 host=Running boot=OSRunning");
    harness_run(h, "state 3 host Running hv=1");
    /* Its BMC resets with the host up: Running stays, node 3 is listed stale. */
    harness_run(h, "status 3 lost");
    assert_true(harness_rollup_published(h, SB_KIND_HYPERVISOR));
    m = hypervisor(h);
    assert_int_equal(m.state, SB_HOST_RUNNING);
    assert_int_equal(m.n_stale, 1);
    assert_int_equal(m.stale[0], 3);
    harness_free(h);
}

static void test_hypervisor_two_claimants_lower_wins(void **state)
{
    Harness *h = make();
    const CoordAction *rej;

    (void) state;
    harness_run(h, "connect");
    harness_run(h, "birth 1-3 host=Running boot=OSRunning");
    harness_run(h, "state 3 host Running hv=1");
    assert_int_equal(hypervisor(h).nodes[0].node, 3);
    /* Node 2 claims it too: the lower number wins, node 3 is named. */
    assert_string_equal(harness_run(h, "state 2 host Running hv=1"), "rejected@3");
    rej = harness_find_event_kind(h, SB_EVENT_REJECTED, 0);
    assert_string_equal(rej->event.why, "node 3 also claims the hypervisor; node 2 (the lower "
                                        "number) is the one shown on system/hypervisor");
    assert_int_equal(hypervisor(h).nodes[0].node, 2);
    /* Node 3 again (a rebirth): already a claimant, nothing new to say. */
    assert_string_equal(harness_run(h, "state 3 host Running"), "");
    /* A higher claimant arriving later is the one named. */
    harness_free(h);
    h = make();
    harness_run(h, "connect");
    harness_run(h, "birth 1-3");
    harness_run(h, "state 1 host Off hv=1");
    assert_string_equal(harness_run(h, "state 3 host Off hv=1"), "rejected@3");
    assert_int_equal(hypervisor(h).nodes[0].node, 1);
    /* Node 1 stops claiming: node 3 takes over. */
    harness_run(h, "state 1 host Off hv=0");
    assert_int_equal(hypervisor(h).nodes[0].node, 3);
    /* Nobody claims it any more: Unknown is published once. */
    harness_run(h, "state 3 host Off hv=0");
    assert_true(harness_rollup_published(h, SB_KIND_HYPERVISOR));
    assert_int_equal(hypervisor(h).state, SB_HOST_UNKNOWN);
    assert_int_equal(hypervisor(h).n_nodes, 0);
    harness_run(h, "state 3 host Running");
    assert_false(harness_rollup_published(h, SB_KIND_HYPERVISOR));
    harness_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hypervisor_not_published_without_a_claimant),
        cmocka_unit_test(test_hypervisor_follows_boot_progress_as_psm),
        cmocka_unit_test(test_hypervisor_host_overrides),
        cmocka_unit_test(test_hypervisor_stale_keeps_last_value),
        cmocka_unit_test(test_hypervisor_two_claimants_lower_wins),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
