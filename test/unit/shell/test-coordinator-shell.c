/* SPDX-License-Identifier: Apache-2.0 */
/* The coordinator shell (coordinator.c, coordinator-apply.c, coordinator-retained.c) on a real
 * sd-event loop with libmosquitto wrapped (fake-mosquitto.h) and a real state directory: connect,
 * a refused CONNACK, a connection lost mid-batch, PUBACK ordering (at most one rollup of a kind
 * awaiting its PUBACK; retained state before the events of its batch) and the failed-PERSIST
 * rule (topics/README.md "Requests", durability: nothing that depends on an unsaved state is
 * published; the daemon keeps running and the next batch that saves publishes again; a state
 * directory that cannot be written stops the start). */
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
#include <sys/stat.h>
#include <unistd.h>

#include "statebus/payload.h"
#include "statebus/topic.h"

#include "coordinator-internal.h"
#include "fake-mosquitto.h"
#include "time-util.h"

#define SYSTEM "t"

static CoordinatorOptions opts;
static Coordinator *co;
static char state_dir[64];
static uint64_t node_seq;

static void topic_of(SbTopicKind kind, uint32_t node, SbStateKind sk, char *buf, size_t size)
{
    SbTopic t = { .kind = kind, .node = node, .state_kind = sk };

    (void) snprintf(t.system, sizeof(t.system), "%s", SYSTEM);
    assert_true(sb_topic_format(buf, size, &t) > 0);
}

static void node_state(uint32_t node, SbStateKind kind, int state)
{
    char topic[SB_TOPIC_MAX + 1], payload[SB_PAYLOAD_MAX + 1];
    SbStateMsg m = {
        .kind = kind,
        .node = node,
        .state = state,
        .since_ms = now_unix_ms(),
        .epoch = 7,
        .seq = ++node_seq,
    };

    topic_of(SB_TOPIC_NODE_STATE, node, kind, topic, sizeof(topic));
    assert_true(sb_state_encode(&m, payload, sizeof(payload)) > 0);
    fake_queue_message(topic, payload, false);
}

static void node_birth(uint32_t node, int boot_progress)
{
    char topic[SB_TOPIC_MAX + 1], payload[SB_PAYLOAD_MAX + 1];
    SbStatusMsg st = { .status = SB_STATUS_ONLINE,
                       .epoch = 7,
                       .node = node,
                       .time_ms = now_unix_ms() };

    node_state(node, SB_KIND_BMC, SB_BMC_READY);
    node_state(node, SB_KIND_CHASSIS, SB_CHASSIS_OFF);
    node_state(node, SB_KIND_HOST, SB_HOST_OFF);
    node_state(node, SB_KIND_BOOT_PROGRESS, boot_progress);
    topic_of(SB_TOPIC_NODE_STATUS, node, 0, topic, sizeof(topic));
    assert_true(sb_status_encode(&st, payload, sizeof(payload)) > 0);
    fake_queue_message(topic, payload, false);
}

static void request(const char *target, const char *transition, const char *id)
{
    char topic[SB_TOPIC_MAX + 1], payload[128];

    (void) snprintf(topic, sizeof(topic), "statebus/%s/system/set/%s", SYSTEM, target);
    (void) snprintf(payload, sizeof(payload), "{\"transition\":\"%s\",\"id\":\"%s\"}", transition,
                    id);
    fake_queue_message(topic, payload, false);
}

static int setup(void **state)
{
    const char *args[] = {
        "statebus-coordinator", "--nodes", "2", "--state-dir", state_dir, "--system", SYSTEM,
        "--rebirth-window-ms",  "50",
    };
    char *argv[sizeof(args) / sizeof(args[0]) + 1] = { 0 };
    char err[256];
    int r;

    (void) state;
    fake_reset();
    node_seq = 0;
    (void) snprintf(state_dir, sizeof(state_dir), "/tmp/test-coordinator-shell.XXXXXX");
    assert_non_null(mkdtemp(state_dir));
    for (size_t i = 0; i < sizeof(args) / sizeof(args[0]); i++) {
        argv[i] = strdup(args[i]);
        assert_non_null(argv[i]);
    }
    optind = 0;
    r = coordinator_options_parse((int) (sizeof(args) / sizeof(args[0])), argv, &opts, err,
                                  sizeof(err));
    for (size_t i = 0; argv[i]; i++) {
        free(argv[i]);
    }
    assert_int_equal(r, OPT_RESULT_OK);
    assert_int_equal(coordinator_new(&opts, &co), 0);
    assert_int_equal(co->life, COORDINATOR_CONNECTING);
    return 0;
}

static void remove_state_dir(void)
{
    char path[128];

    (void) snprintf(path, sizeof(path), "%s/state.json", state_dir);
    (void) unlink(path);
    (void) rmdir(state_dir);
}

static int teardown(void **state)
{
    (void) state;
    co = coordinator_free(co);
    remove_state_dir();
    return 0;
}

static bool online(void)
{
    return co->life == COORDINATOR_ONLINE;
}

static bool rollups_published(void)
{
    return fake_find_pub(0, "/system/boot-progress") >= 0;
}

static bool two_connects(void)
{
    return fake.connects >= 2;
}

/* CONNACK, every SUBACK: online. */
static void go_online(void)
{
    if (fake.connects == 0) {
        assert_int_equal(mqtt_io_start(co->io), 0);
    }
    fake_queue_connack(0);
    fake_pump(co->event);
    fake_grant_subscriptions();
    fake_pump(co->event);
    assert_true(online());
}

/* Online, both nodes born (BMC Ready, everything Off), the rebirth window over: rollups out. */
static void go_steady(void)
{
    go_online();
    node_birth(1, 1);
    node_birth(2, 1);
    assert_true(fake_run_until(co->event, rollups_published, 2000));
}

static void test_connect(void **state)
{
    int rebirth, status;

    (void) state;
    assert_int_equal(mqtt_io_start(co->io), 0);
    assert_int_equal(fake.connects, 1);
    fake_queue_connack(0);
    fake_pump(co->event);
    /* CONNACK: four subscriptions, and nothing is published before every SUBACK is in. */
    assert_int_equal(fake.n_subs, COORDINATOR_SUBSCRIPTIONS);
    assert_int_equal(fake.n_pubs, 0);
    assert_int_equal(co->life, COORDINATOR_CONNECTING);
    fake_grant_subscriptions();
    fake_pump(co->event);
    assert_int_equal(co->life, COORDINATOR_ONLINE);
    /* The rebirth request, then system/status online (retained, QoS 1). */
    rebirth = fake_find_pub(0, "/system/rebirth");
    status = fake_find_pub(0, "/system/status");
    assert_true(rebirth >= 0 && status > rebirth);
    assert_true(fake.pubs[status].retain);
    assert_int_equal(fake.pubs[status].qos, 1);
    assert_non_null(strstr(fake.pubs[status].payload, "\"online\""));
}

static void test_connack_refused(void **state)
{
    (void) state;
    assert_int_equal(mqtt_io_start(co->io), 0);
    fake_queue_connack(MQTT_RC_NOT_AUTHORIZED);
    fake_queue_drop(MOSQ_ERR_CONN_REFUSED);
    fake_pump(co->event);
    assert_int_equal(fake.n_subs, 0);
    assert_int_equal(fake.n_pubs, 0);
    assert_int_equal(co->life, COORDINATOR_CONNECTING);
    /* mqtt-io retries with backoff (100 ms); the next CONNACK 0 brings it online. */
    assert_true(fake_run_until(co->event, two_connects, 3000));
    go_online();
}

static void test_one_rollup_awaits_its_puback(void **state)
{
    int first, held;
    size_t n;

    (void) state;
    go_steady();
    first = fake_find_pub(0, "/system/boot-progress");
    assert_non_null(strstr(fake.pubs[first].payload, "\"mixed\":false"));
    /* Not acknowledged yet: a change to boot-progress is held back... */
    n = fake.n_pubs;
    node_state(1, SB_KIND_BOOT_PROGRESS, 2);
    fake_pump(co->event);
    assert_int_equal(fake_find_pub(n, "/system/boot-progress"), -1);
    /* ...while another kind, acknowledged, is not. */
    fake_queue_puback(fake.pubs[fake_find_pub(0, "/system/host")].mid);
    node_state(2, SB_KIND_HOST, SB_HOST_RUNNING);
    fake_pump(co->event);
    assert_true(fake_find_pub(n, "/system/host") >= 0);
    assert_int_equal(fake_find_pub(n, "/system/boot-progress"), -1);
    /* The PUBACK arrives: the held rollup goes out with the latest counts. */
    fake_queue_puback(fake.pubs[first].mid);
    fake_pump(co->event);
    held = fake_find_pub(n, "/system/boot-progress");
    assert_true(held >= 0);
    assert_non_null(strstr(fake.pubs[held].payload, "\"mixed\":true"));
    assert_int_equal(fake_find_pub((size_t) held + 1, "/system/boot-progress"), -1);
}

static void test_state_before_events(void **state)
{
    int requests, event, dispatch;
    size_t n;

    (void) state;
    go_steady();
    n = fake.n_pubs;
    request("host", "On", "r1");
    fake_pump(co->event);
    /* One batch: system/requests (retained) first, then the event, and the commands. */
    requests = fake_find_pub(n, "/system/requests");
    event = fake_find_pub(n, "/event");
    dispatch = fake_find_pub(n, "/node/1/set/host");
    assert_true(requests >= 0 && event >= 0 && dispatch >= 0);
    assert_true(requests < event);
    assert_non_null(strstr(fake.pubs[dispatch].payload, "\"r1\""));
    assert_non_null(strstr(fake.pubs[requests].payload, "\"r1\""));
}

static void test_lost_mid_batch(void **state)
{
    size_t n;
    int status, first;

    (void) state;
    go_steady();
    /* The connection is lost right after the command to node 1: the rest of the batch (node 2,
     * system/requests, the event) is not sent. */
    n = fake.n_pubs;
    (void) snprintf(fake.lose_after, sizeof(fake.lose_after), "/node/1/set/host");
    request("host", "On", "r1");
    fake_pump(co->event);
    first = fake_find_pub(n, "/node/1/set/host");
    assert_true(first >= 0);
    assert_int_equal(fake.n_pubs, (size_t) first + 1);
    assert_int_equal(co->life, COORDINATOR_CONNECTING);
    /* Reconnected: online again, and what was lost is published again (the cache was
     * forgotten): the rollups after the rebirth window, a fresh system/requests. */
    fake.publish_fail_from = -1;
    assert_true(fake_run_until(co->event, two_connects, 3000));
    n = fake.n_pubs;
    go_online();
    status = fake_find_pub(n, "/system/status");
    assert_true(status >= 0);
    node_birth(1, 1);
    node_birth(2, 1);
    assert_true(fake_run_until(co->event, rollups_published, 2000));
    n = (size_t) status;
    for (int i = 0; i < 200 && fake_find_pub(n, "/system/requests") < 0; i++) {
        (void) sd_event_run(co->event, 10000);
    }
    assert_true(fake_find_pub(n, "/system/bmc") >= 0);
    assert_true(fake_find_pub(n, "/system/requests") >= 0);
}

static void test_failed_persist_holds_back(void **state)
{
    size_t n;

    (void) state;
    go_steady();
    /* state.json can no longer be written (its directory is gone; root ignores modes). */
    remove_state_dir();
    n = fake.n_pubs;
    request("host", "On", "r1");
    fake_pump(co->event);
    /* No command, no event, no system/requests: all would reveal the unsaved request. */
    assert_int_equal(fake_find_pub(n, "/set/host"), -1);
    assert_int_equal(fake_find_pub(n, "/event"), -1);
    assert_int_equal(fake_find_pub(n, "/system/requests"), -1);
    /* The daemon keeps running (no retry loop, no exit: the next batch saves again). */
    assert_int_equal(co->life, COORDINATOR_ONLINE);
    assert_int_equal(sd_event_get_state(co->event), SD_EVENT_INITIAL);
    assert_int_equal(mkdir(state_dir, 0700), 0);
    request("chassis", "Off", "r2");
    fake_pump(co->event);
    assert_true(fake_find_pub(n, "/event") >= 0);
    assert_true(fake_find_pub(n, "/system/requests") >= 0);
    assert_non_null(strstr(fake.pubs[fake_find_pub(n, "/event")].payload, "\"r2\""));
    /* r1 was never sent to a node. */
    for (size_t i = n; i < fake.n_pubs; i++) {
        if (strstr(fake.pubs[i].topic, "/set/host")) {
            assert_null(strstr(fake.pubs[i].payload, "\"r1\""));
        }
    }
}

static void test_unwritable_state_dir_stops_the_start(void **state)
{
    CoordinatorOptions bad;
    Coordinator *c = NULL;
    char file[96];
    FILE *f;

    (void) state;
    (void) snprintf(file, sizeof(file), "%s/file", state_dir);
    f = fopen(file, "w");
    assert_non_null(f);
    (void) fclose(f);
    bad = opts;
    (void) snprintf(bad.state_dir, sizeof(bad.state_dir), "%s/sub", file);
    assert_true(coordinator_new(&bad, &c) < 0);
    assert_null(c);
    (void) unlink(file);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_connect, setup, teardown),
        cmocka_unit_test_setup_teardown(test_connack_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_one_rollup_awaits_its_puback, setup, teardown),
        cmocka_unit_test_setup_teardown(test_state_before_events, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lost_mid_batch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_persist_holds_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unwritable_state_dir_stops_the_start, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
