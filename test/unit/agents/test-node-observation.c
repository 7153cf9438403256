/* SPDX-License-Identifier: Apache-2.0 */
/* node_observation_equal: which fields of a NodeObservation count (all of them), and that padding
 * does not. */
/* cmocka needs these first, in this order. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <string.h>

#include "node-observation.h"

/* A chassis observation with every field set to something other than its zero value; fill is the
 * byte the padding between the fields gets. */
static void sample(NodeObservation *o, unsigned char fill)
{
    memset(o, fill, sizeof(*o));
    o->kind = SB_KIND_CHASSIS;
    o->state = SB_CHASSIS_ON;
    o->last_reboot_cause = SB_REBOOT_CAUSE_POR;
    o->power_status = SB_POWER_STATUS_GOOD;
    o->ac_loss = true;
    o->bmc_boot_ms = 1700000000000ull;
    o->restart_cause = SB_RESTART_CAUSE_REMOTE_COMMAND;
}

static void test_equal_ignores_padding(void **state)
{
    NodeObservation x, y;

    (void) state;
    sample(&x, 0x00);
    sample(&y, 0xff);
    assert_true(node_observation_equal(&x, &y));
    assert_true(node_observation_equal(&y, &x));
    assert_true(node_observation_equal(&x, &x));
}

static void change_kind(NodeObservation *o)
{
    o->kind = SB_KIND_HOST;
}
static void change_state(NodeObservation *o)
{
    o->state = SB_CHASSIS_OFF;
}
static void change_last_reboot_cause(NodeObservation *o)
{
    o->last_reboot_cause = SB_REBOOT_CAUSE_WATCHDOG;
}
static void change_power_status(NodeObservation *o)
{
    o->power_status = SB_POWER_STATUS_BROWN_OUT;
}
static void change_ac_loss(NodeObservation *o)
{
    o->ac_loss = false;
}
static void change_bmc_boot_ms(NodeObservation *o)
{
    o->bmc_boot_ms += 1;
}
static void change_restart_cause(NodeObservation *o)
{
    o->restart_cause = SB_RESTART_CAUSE_UNKNOWN;
}

/* A change of any one field is a different observation, whatever the kind: the agent publishes it
 * and the GPIO model reports it. */
static void test_every_field_counts(void **state)
{
    static void (*const change[])(NodeObservation *) = {
        change_kind,    change_state,       change_last_reboot_cause, change_power_status,
        change_ac_loss, change_bmc_boot_ms, change_restart_cause,
    };
    NodeObservation base;

    (void) state;
    sample(&base, 0x00);
    for (size_t i = 0; i < sizeof(change) / sizeof(change[0]); i++) {
        NodeObservation other = base;

        change[i](&other);
        assert_false(node_observation_equal(&base, &other));
        assert_false(node_observation_equal(&other, &base));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_equal_ignores_padding),
        cmocka_unit_test(test_every_field_counts),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
