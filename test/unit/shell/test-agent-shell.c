/* SPDX-License-Identifier: Apache-2.0 */
/* The agent shell (agent.c, agent-publish.c) with the sim backend on a real sd-event loop and
 * libmosquitto wrapped (fake-mosquitto.h): the birth after CONNACK (subscriptions, four states,
 * status last), a refused CONNACK, a connection lost mid-batch (a new epoch, seq from 1), a
 * command answered after the state it caused, and the clean stop (offline, its PUBACK, then the
 * DISCONNECT). */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <errno.h>
#include <mosquitto.h>
#include <mqtt_protocol.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent-internal.h"
#include "agent.h"
#include "fake-mosquitto.h"
#include "time-util.h"

static sd_event *loop;
static Agent *agent;

static int setup(void **state)
{
    const char *args[] = {
        "statebus-agent",
        "--node",
        "1",
        "--backend",
        "sim",
        "--system",
        "t",
        "--heartbeat-ms",
        "0",
        "--sim-bmc-ready-ms",
        "0",
        "--sim-power-ms",
        "10",
    };
    char *argv[sizeof(args) / sizeof(args[0]) + 1] = { 0 };
    AgentOptions o;
    char err[256];
    int r;

    (void) state;
    fake_reset();
    for (size_t i = 0; i < sizeof(args) / sizeof(args[0]); i++) {
        argv[i] = strdup(args[i]);
        assert_non_null(argv[i]);
    }
    optind = 0;
    agent_options_init(&o);
    r = agent_options_parse(&o, (int) (sizeof(args) / sizeof(args[0])), argv, err, sizeof(err));
    for (size_t i = 0; argv[i]; i++) {
        free(argv[i]);
    }
    assert_int_equal(r, OPT_RESULT_OK);
    assert_int_equal(sd_event_new(&loop), 0);
    assert_int_equal(agent_new(loop, &o, &backend_sim_ops, &agent), 0);
    assert_int_equal(agent->life, AGENT_RUNNING);
    return 0;
}

static int teardown(void **state)
{
    (void) state;
    agent = agent_free(agent);
    loop = sd_event_unref(loop);
    return 0;
}

static bool two_connects(void)
{
    return fake.connects >= 2;
}

static bool bmc_ready_published(void)
{
    for (size_t i = 0; i < fake.n_pubs; i++) {
        if (strstr(fake.pubs[i].topic, "/node/1/bmc") &&
            strstr(fake.pubs[i].payload, "\"Ready\"")) {
            return true;
        }
    }
    return false;
}

/* The four states, then status online, from index from. Returns the status index. */
static int assert_birth(size_t from)
{
    static const char *const kinds[] = { "/node/1/bmc", "/node/1/chassis", "/node/1/host",
                                         "/node/1/boot-progress" };
    int status = fake_find_pub(from, "/node/1/status");

    assert_true(status >= 0);
    assert_non_null(strstr(fake.pubs[status].payload, "\"online\""));
    assert_true(fake.pubs[status].retain);
    for (size_t k = 0; k < 4; k++) {
        int i = fake_find_pub(from, kinds[k]);
        assert_true(i >= 0 && i < status);
        assert_true(fake.pubs[i].retain);
    }
    return status;
}

static void connect_ok(void)
{
    fake_queue_connack(0);
    fake_pump(loop);
    assert_true(mqtt_io_is_connected(agent->io));
}

static void test_birth_after_connack(void **state)
{
    int status;

    (void) state;
    assert_int_equal(agent_start(agent), 0);
    assert_int_equal(fake.connects, 1);
    fake_pump(loop);
    assert_int_equal(fake.n_pubs, 0); /* nothing before the CONNACK */
    connect_ok();
    /* Subscribed before the birth (commands, rebirth). */
    assert_int_equal(fake.n_subs, 2);
    status = assert_birth(0);
    assert_non_null(strstr(fake.pubs[status].payload, "\"node\":1"));
    /* Its PUBACK makes the agent ready. */
    assert_false(agent->ready_notified);
    fake_queue_puback(fake.pubs[status].mid);
    fake_pump(loop);
    assert_true(agent->ready_notified);
}

static void test_connack_refused(void **state)
{
    (void) state;
    assert_int_equal(agent_start(agent), 0);
    fake_queue_connack(MQTT_RC_BAD_USERNAME_OR_PASSWORD);
    fake_queue_drop(MOSQ_ERR_CONN_REFUSED);
    fake_pump(loop);
    assert_int_equal(fake.n_pubs, 0);
    assert_int_equal(agent->failed_attempts, 1);
    assert_true(fake_run_until(loop, two_connects, 3000));
    connect_ok();
    assert_birth(0);
    assert_int_equal(agent->failed_attempts, 0);
}

static void test_lost_mid_batch(void **state)
{
    uint64_t epoch;
    size_t n;
    int i;

    (void) state;
    assert_int_equal(agent_start(agent), 0);
    connect_ok();
    assert_true(fake_run_until(loop, bmc_ready_published, 2000));
    epoch = agent->epoch;
    /* The birth of the next connection fails after its first state. */
    fake_queue_drop(MOSQ_ERR_CONN_LOST);
    fake_pump(loop);
    assert_false(mqtt_io_is_connected(agent->io));
    assert_true(fake_run_until(loop, two_connects, 3000));
    assert_true(agent->epoch > epoch); /* a new epoch per CONNECT */
    n = fake.n_pubs;
    fake.publish_fail_from = (int) n + 1;
    fake_queue_connack(0);
    fake_queue_drop(MOSQ_ERR_CONN_LOST);
    fake_pump(loop);
    assert_int_equal(fake.n_pubs, n + 1);
    /* The third connection: a whole birth again, seq from 1, the newest epoch. */
    fake.publish_fail_from = -1;
    epoch = agent->epoch;
    for (int t = 0; t < 300 && fake.connects < 3; t++) {
        (void) sd_event_run(loop, 10000);
    }
    assert_int_equal(fake.connects, 3);
    assert_true(agent->epoch > epoch);
    n = fake.n_pubs;
    connect_ok();
    assert_birth(n);
    i = fake_find_pub(n, "/node/1/bmc");
    assert_non_null(strstr(fake.pubs[i].payload, "\"seq\":1"));
}

static void test_command_answered_after_its_state(void **state)
{
    char payload[160];
    size_t n;
    int accepted = -1, chassis;

    (void) state;
    assert_int_equal(agent_start(agent), 0);
    connect_ok();
    assert_true(fake_run_until(loop, bmc_ready_published, 2000));
    n = fake.n_pubs;
    (void) snprintf(payload, sizeof(payload),
                    "{\"transition\":\"On\",\"id\":\"c1\",\"deadline\":%llu}",
                    (unsigned long long) (now_unix_ms() + 30000));
    fake_queue_message("statebus/t/node/1/set/chassis", payload, false);
    fake_pump(loop);
    for (size_t i = n; i < fake.n_pubs; i++) {
        if (strstr(fake.pubs[i].topic, "/event") && strstr(fake.pubs[i].payload, "\"accepted\"")) {
            accepted = (int) i;
            break;
        }
    }
    assert_true(accepted >= 0);
    assert_non_null(strstr(fake.pubs[accepted].payload, "\"c1\""));
    /* The chassis state the command changed (Transitioning or On) went out before the answer. */
    chassis = fake_find_pub(n, "/node/1/chassis");
    assert_true(chassis >= 0 && chassis < accepted);
}

static void test_clean_stop(void **state)
{
    int offline, code = -1;
    size_t n;

    (void) state;
    assert_int_equal(agent_start(agent), 0);
    connect_ok();
    n = fake.n_pubs;
    agent_stop(agent);
    assert_int_equal(agent->life, AGENT_STOPPING);
    offline = fake_find_pub(n, "/node/1/status");
    assert_true(offline >= 0);
    assert_non_null(strstr(fake.pubs[offline].payload, "\"offline\""));
    /* No DISCONNECT before the PUBACK of offline: it would make the broker drop nothing, but an
     * unacknowledged offline could be lost and the Will is gone with the DISCONNECT. */
    fake_pump(loop);
    assert_int_equal(fake.disconnects, 0);
    fake_queue_puback(fake.pubs[offline].mid);
    fake_pump(loop);
    assert_int_equal(agent->life, AGENT_DISCONNECTING);
    assert_int_equal(fake.disconnects, 1);
    assert_int_equal(sd_event_get_exit_code(loop, &code), 0); /* the loop was asked to end */
    assert_int_equal(code, 0);
    assert_int_equal(fake.n_pubs, (size_t) offline + 1); /* nothing after offline */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_birth_after_connack, setup, teardown),
        cmocka_unit_test_setup_teardown(test_connack_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lost_mid_batch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_command_answered_after_its_state, setup, teardown),
        cmocka_unit_test_setup_teardown(test_clean_stop, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
