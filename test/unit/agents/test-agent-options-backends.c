/* SPDX-License-Identifier: Apache-2.0 */
/* statebus-agent's gpio and dbus options: defaults (x86-power-control's), flags, config keys, the
 * checks across options, and how backend_new() finds them. */
/* cmocka needs these first, in this order. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent-options-fixture.h"
#include "agent-options.h"
#include "backend.h"
#include "file-util.h"

static void test_agent_options_backend_defaults(void **state)
{
    Fixture *f = *state;
    const BackendOptions *b = &f->o.backend_options;

    assert_int_equal(parse(f, "--node", "1", "--backend", "gpio", NULL), OPT_RESULT_OK);
    assert_string_equal(b->gpio_chip, "");
    assert_string_equal(b->power_out.name, "POWER_OUT");
    assert_true(b->power_out.active_low);
    assert_string_equal(b->reset_out.name, "RESET_OUT");
    assert_true(b->reset_out.active_low);
    assert_string_equal(b->power_good.name, "PS_PWROK");
    assert_false(b->power_good.active_low);
    assert_string_equal(b->post_complete.name, "POST_COMPLETE");
    assert_true(b->post_complete.active_low);
    assert_string_equal(b->ac_loss_line.name, "");
    assert_int_equal(b->power_on_press_ms, 200);
    assert_int_equal(b->power_off_press_ms, 200);
    assert_int_equal(b->force_off_press_ms, 15000);
    assert_int_equal(b->reset_press_ms, 500);
    assert_int_equal(b->power_cycle_off_ms, 5000);
    assert_int_equal(b->power_on_timeout_ms, 8000);
    assert_int_equal(b->power_off_timeout_ms, 300000);
    assert_int_equal(b->force_off_timeout_ms, 20000);
    assert_int_equal(b->bmc_ready, BACKEND_BMC_READY_SYSTEMD);
    assert_string_equal(b->bmc_ready_unit, "multi-user.target");
    assert_int_equal(b->ac_loss, BACKEND_AC_LOSS_AUTO);
    assert_string_equal(b->ac_loss_file, "");
    assert_int_equal(b->dbus_instance, 0);
}

static void test_agent_options_backend_every_flag(void **state)
{
    Fixture *f = *state;
    const BackendOptions *b = &f->o.backend_options;

    assert_int_equal(parse(f, "--node", "2", "--backend", "gpio", "--gpio-chip", "gpiochip3",
                           "--gpio-power-out", "PWR_BTN", "--gpio-power-out-active-low=false",
                           "--gpio-reset-out=", "--gpio-power-good", "PGOOD",
                           "--gpio-power-good-active-low", "--gpio-post-complete", "",
                           "--gpio-ac-loss", "AC_FAIL", "--gpio-ac-loss-active-low",
                           "--gpio-power-on-press-ms", "100", "--gpio-power-off-press-ms", "300",
                           "--gpio-force-off-press-ms", "6000", "--gpio-reset-press-ms", "50",
                           "--gpio-power-cycle-ms", "0", "--gpio-power-on-timeout-ms", "2000",
                           "--gpio-power-off-timeout-ms", "60000", "--gpio-force-off-timeout-ms",
                           "9000", "--bmc-ready", "always", "--bmc-ready-unit", "obmc.target",
                           "--ac-loss", "gpio", "--ac-loss-file", "/run/x", "--dbus-instance", "3",
                           NULL),
                     OPT_RESULT_OK);
    assert_string_equal(b->gpio_chip, "gpiochip3");
    assert_string_equal(b->power_out.name, "PWR_BTN");
    assert_false(b->power_out.active_low);
    assert_string_equal(b->reset_out.name, "");
    assert_string_equal(b->power_good.name, "PGOOD");
    assert_true(b->power_good.active_low);
    assert_string_equal(b->post_complete.name, "");
    assert_string_equal(b->ac_loss_line.name, "AC_FAIL");
    assert_true(b->ac_loss_line.active_low);
    assert_int_equal(b->power_on_press_ms, 100);
    assert_int_equal(b->power_off_press_ms, 300);
    assert_int_equal(b->force_off_press_ms, 6000);
    assert_int_equal(b->reset_press_ms, 50);
    assert_int_equal(b->power_cycle_off_ms, 0);
    assert_int_equal(b->power_on_timeout_ms, 2000);
    assert_int_equal(b->power_off_timeout_ms, 60000);
    assert_int_equal(b->force_off_timeout_ms, 9000);
    assert_int_equal(b->bmc_ready, BACKEND_BMC_READY_ALWAYS);
    assert_string_equal(b->bmc_ready_unit, "obmc.target");
    assert_int_equal(b->ac_loss, BACKEND_AC_LOSS_GPIO);
    assert_string_equal(b->ac_loss_file, "/run/x");
    assert_int_equal(b->dbus_instance, 3);
}

static void test_agent_options_backend_config_file(void **state)
{
    Fixture *f = *state;
    static const char json[] = "{\"node\": 4, \"backend\": \"dbus\", \"dbus-instance\": 1,"
                               " \"ac-loss\": \"file\", \"ac-loss-file\": \"/run/lost\","
                               " \"gpio-power-good-active-low\": true}";

    write_config(f, json);
    assert_int_equal(parse(f, "--config", f->config, "--dbus-instance", "2", NULL), OPT_RESULT_OK);
    assert_int_equal(f->o.backend, AGENT_BACKEND_DBUS);
    assert_int_equal(f->o.backend_options.dbus_instance, 2); /* the flag wins */
    assert_int_equal(f->o.backend_options.ac_loss, BACKEND_AC_LOSS_FILE);
    assert_string_equal(f->o.backend_options.ac_loss_file, "/run/lost");
    assert_true(f->o.backend_options.power_good.active_low);
}

static void test_agent_options_backend_checks(void **state)
{
    Fixture *f = *state;

    assert_int_equal(parse(f, "--node", "1", "--backend", "gpio", "--ac-loss", "file", NULL),
                     -EINVAL);
    assert_string_equal(f->err, "--ac-loss file: needs --ac-loss-file PATH");
    assert_int_equal(parse(f, "--node", "1", "--backend", "dbus", "--ac-loss", "gpio",
                           "--gpio-ac-loss", "X", NULL),
                     -EINVAL);
    assert_string_equal(f->err, "--ac-loss gpio: needs --backend gpio and --gpio-ac-loss LINE");
    assert_int_equal(parse(f, "--node", "1", "--backend", "gpio", "--ac-loss", "gpio", NULL),
                     -EINVAL);
    assert_int_equal(parse(f, "--node", "1", "--backend", "gpio", "--gpio-power-good=", NULL),
                     -EINVAL);
    assert_string_equal(f->err, "--backend gpio: needs --gpio-power-out and --gpio-power-good");
    assert_int_equal(parse(f, "--node", "1", "--backend", "gpio", "--bmc-ready-unit=", NULL),
                     -EINVAL);
    assert_string_equal(f->err, "--bmc-ready systemd: needs --bmc-ready-unit UNIT");
    /* The same options mean nothing to the sim, and are not checked for it. */
    assert_int_equal(parse(f, "--node", "1", "--backend", "sim", "--gpio-power-good=", NULL),
                     OPT_RESULT_OK);
    assert_int_equal(parse(f, "--node", "1", "--backend", "gpio", "--bmc-ready", "maybe", NULL),
                     -EINVAL);
    assert_string_equal(f->err, "--bmc-ready: expected one of systemd|always, got 'maybe'");
    assert_true(parse(f, "--node", "1", "--backend", "gpio", "--gpio-power-on-press-ms", "0",
                      NULL) < 0);
    assert_string_equal(f->err, "--gpio-power-on-press-ms: expected 1..86400000, got '0'");
    assert_true(parse(f, "--node", "1", "--backend", "dbus", "--dbus-instance", "16385", NULL) < 0);
    assert_string_equal(f->err, "--dbus-instance: expected 0..16384, got '16385'");
}

static void test_agent_options_backends_are_registered(void **state)
{
    Fixture *f = *state;

    (void) f;
#ifdef STATEBUS_WITH_GPIO
    assert_ptr_equal(backend_find("gpio"), &backend_gpio_ops);
    assert_ptr_equal(backend_find(agent_backend_names[AGENT_BACKEND_GPIO]), &backend_gpio_ops);
#else
    assert_null(backend_find("gpio")); /* -DSTATEBUS_BACKEND_GPIO=OFF: not built in */
#endif
#ifdef STATEBUS_WITH_DBUS
    assert_ptr_equal(backend_find("dbus"), &backend_dbus_ops);
    assert_ptr_equal(backend_find(agent_backend_names[AGENT_BACKEND_DBUS]), &backend_dbus_ops);
#else
    assert_null(backend_find("dbus"));
#endif
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
        T(test_agent_options_backend_defaults),        T(test_agent_options_backend_every_flag),
        T(test_agent_options_backend_config_file),     T(test_agent_options_backend_checks),
        T(test_agent_options_backends_are_registered),
#undef T
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
