/* SPDX-License-Identifier: Apache-2.0 */
/* statebus-agent's options: defaults, config file precedence, one-line errors, --help. */
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
#include "capture.h"
#include "file-util.h"

static void expect_error(Fixture *f, int r, const char *err)
{
    assert_true(r < 0);
    assert_string_equal(f->err, err);
}

static void test_agent_options_defaults(void **state)
{
    Fixture *f = *state;

    assert_int_equal(parse(f, "--node", "3", "--backend", "sim", NULL), OPT_RESULT_OK);
    assert_string_equal(f->o.broker.host, "127.0.0.1");
    assert_int_equal(f->o.broker.port, 1883);
    assert_string_equal(f->o.system, "system");
    assert_int_equal(f->o.node, 3);
    assert_int_equal(f->o.backend, AGENT_BACKEND_SIM);
    assert_string_equal(f->o.client_id, "statebus-system-node3");
    assert_int_equal(f->o.keepalive_s, 5);
    assert_int_equal(f->o.heartbeat_ms, 1000);
    assert_int_equal(f->o.sim_bmc_ready_ms, 2000);
    assert_int_equal(f->o.sim_power_ms, 1000);
    assert_int_equal(f->o.sim_boot_ms, 3000);
    assert_false(f->o.sim_ac_loss);
    assert_string_equal(f->o.sim_state_file, "");
    assert_false(f->o.hypervisor);
    assert_false(f->o.verbose);
    assert_string_equal(f->o.config, "");
}

static void test_agent_options_every_flag(void **state)
{
    Fixture *f = *state;

    assert_int_equal(parse(f, "--broker", "127.0.0.1:18830", "--system=rack-7", "--node=16384",
                           "--backend", "sim", "--client-id", "agent_x", "--keepalive", "10",
                           "--heartbeat-ms", "0", "--sim-bmc-ready-ms", "50", "--sim-power-ms",
                           "20", "--sim-boot-ms", "70", "--sim-ac-loss", "--sim-state-file",
                           "/tmp/node.json", "--hypervisor", "--verbose", NULL),
                     OPT_RESULT_OK);
    assert_int_equal(f->o.broker.port, 18830);
    assert_string_equal(f->o.system, "rack-7");
    assert_int_equal(f->o.node, 16384);
    assert_string_equal(f->o.client_id, "agent_x");
    assert_int_equal(f->o.keepalive_s, 10);
    assert_int_equal(f->o.heartbeat_ms, 0);
    assert_int_equal(f->o.sim_bmc_ready_ms, 50);
    assert_int_equal(f->o.sim_power_ms, 20);
    assert_int_equal(f->o.sim_boot_ms, 70);
    assert_true(f->o.sim_ac_loss);
    assert_string_equal(f->o.sim_state_file, "/tmp/node.json");
    assert_true(f->o.hypervisor);
    assert_true(f->o.verbose);
}

static void test_agent_options_config_file_below_flags(void **state)
{
    Fixture *f = *state;

    write_config(f, "{\"system\": \"rack1\", \"node\": 4, \"backend\": \"sim\","
                    " \"heartbeat-ms\": 250, \"sim-ac-loss\": true, \"broker\": \"[::1]:1884\"}");
    /* --node on the command line wins, before or after --config. */
    assert_int_equal(parse(f, "--node", "5", "--config", f->config, NULL), OPT_RESULT_OK);
    assert_int_equal(f->o.node, 5);
    assert_string_equal(f->o.system, "rack1");
    assert_int_equal(f->o.heartbeat_ms, 250);
    assert_true(f->o.sim_ac_loss);
    assert_string_equal(f->o.broker.host, "::1");
    assert_int_equal(f->o.broker.port, 1884);
    assert_string_equal(f->o.config, f->config);
    /* The default client id follows the effective system and node. */
    assert_string_equal(f->o.client_id, "statebus-rack1-node5");

    assert_int_equal(parse(f, "--config", f->config, "--sim-ac-loss=false", NULL), OPT_RESULT_OK);
    assert_int_equal(f->o.node, 4);
    assert_false(f->o.sim_ac_loss);
}

static void test_agent_options_config_errors_are_one_line(void **state)
{
    Fixture *f = *state;
    char expected[512];

    write_config(f, "{\"node\": 0, \"backend\": \"sim\"}");
    (void) snprintf(expected, sizeof(expected), "config '%s': 'node': expected 1..16384, got '0'",
                    f->config);
    expect_error(f, parse(f, "--config", f->config, NULL), expected);

    write_config(f, "{\"node\": 1, \"backend\": \"sim\", \"heartbeat\": 5}");
    (void) snprintf(expected, sizeof(expected), "config '%s': unknown key 'heartbeat'", f->config);
    expect_error(f, parse(f, "--config", f->config, NULL), expected);
}

static void test_agent_options_bad_values(void **state)
{
    Fixture *f = *state;

    expect_error(f, parse(f, "--node", "0", "--backend", "sim", NULL),
                 "--node: expected 1..16384, got '0'");
    expect_error(f, parse(f, "--node", "16385", "--backend", "sim", NULL),
                 "--node: expected 1..16384, got '16385'");
    expect_error(f, parse(f, "--node", "three", "--backend", "sim", NULL),
                 "--node: expected 1..16384, got 'three'");
    expect_error(f, parse(f, "--node", "1", "--backend", "sim", "--keepalive", "4", NULL),
                 "--keepalive: expected 5..65535, got '4'");
    expect_error(f, parse(f, "--node", "1", "--backend", "ipmi", NULL),
                 "--backend: expected one of sim|gpio|dbus, got 'ipmi'");
    expect_error(f, parse(f, "--node", "1", "--backend", "sim", "--broker", "h:70000", NULL),
                 "--broker: expected HOST[:PORT], got 'h:70000'");
    expect_error(f, parse(f, "--node", "1", "--backend", "sim", "--system", "rack 1", NULL),
                 "--system: expected [A-Za-z0-9_-]{1,64}, got 'rack 1'");
    expect_error(f, parse(f, "--node", "1", "--backend", "sim", "--system=", NULL),
                 "--system: expected [A-Za-z0-9_-]{1,64}, got ''");
    expect_error(
            f, parse(f, "--node", "1", "--backend", "sim", "--client-id", "a/b", NULL),
            "--client-id: expected printable ASCII without spaces, '+', '#' or '/', got 'a/b'");
    expect_error(f, parse(f, "--node", "1", "--backend", "sim", "--sim-boot-ms", "86400001", NULL),
                 "--sim-boot-ms: expected 0..86400000, got '86400001'");
    expect_error(f, parse(f, "--node", "1", "--backend", "sim", "--nodes", "3", NULL),
                 "unknown option '--nodes'");
    expect_error(f, parse(f, "--node", "1", "--backend", "sim", "extra", NULL),
                 "unexpected argument 'extra'");
}

static void test_agent_options_required(void **state)
{
    Fixture *f = *state;

    expect_error(f, parse(f, "--backend", "sim", NULL), "--node is required");
    expect_error(f, parse(f, "--node", "2", NULL), "--backend is required");
    expect_error(f, parse(f, "--node", NULL), "--node: missing value");
}

static void test_agent_options_help(void **state)
{
    Fixture *f = *state;
    Capture c;
    char *out;
    int r;

    assert_int_equal(capture_begin(&c, stdout), 0);
    r = parse(f, "--help", NULL);
    out = capture_end(&c);
    assert_int_equal(r, OPT_RESULT_HELP);
    assert_non_null(strstr(out, "usage: statebus-agent --node N --backend sim|gpio|dbus"));
    assert_non_null(strstr(out, "--node N"));
    assert_non_null(strstr(out, "(required)"));
    assert_non_null(strstr(out, "--broker HOST[:PORT]"));
    assert_non_null(strstr(out, "(default: 127.0.0.1:1883)"));
    assert_non_null(strstr(out, "(default: system)"));
    assert_non_null(strstr(out, "--sim-bmc-ready-ms MS"));
    assert_non_null(strstr(out, "(default: 2000)"));
    assert_non_null(strstr(out, "--config FILE"));
    free(out);
}

static void test_agent_backends_available(void **state)
{
    Fixture *f = *state;

    /* Every contract word has its backend. */
    assert_int_equal(parse(f, "--node", "1", "--backend", "gpio", NULL), OPT_RESULT_OK);
    assert_int_equal(f->o.backend, AGENT_BACKEND_GPIO);
#ifdef STATEBUS_WITH_GPIO
    assert_ptr_equal(backend_find(agent_backend_names[AGENT_BACKEND_GPIO]), &backend_gpio_ops);
#endif
#ifdef STATEBUS_WITH_DBUS
    assert_ptr_equal(backend_find(agent_backend_names[AGENT_BACKEND_DBUS]), &backend_dbus_ops);
#endif
    assert_ptr_equal(backend_find(agent_backend_names[AGENT_BACKEND_SIM]), &backend_sim_ops);
    assert_null(backend_find("SIM"));
    assert_null(backend_find(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
        T(test_agent_options_defaults),
        T(test_agent_options_every_flag),
        T(test_agent_options_config_file_below_flags),
        T(test_agent_options_config_errors_are_one_line),
        T(test_agent_options_bad_values),
        T(test_agent_options_required),
        T(test_agent_options_help),
        T(test_agent_backends_available),
#undef T
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
