/* SPDX-License-Identifier: Apache-2.0 */
/* mqtt-io on a real sd-event loop with libmosquitto wrapped (fake-mosquitto.h): its life cycle
 * (NEW, WAITING, CONNECTING, CONNECTED, STOPPING, STOPPED) through connect, a refused CONNACK,
 * the MQTT 5 -> 3.1.1 fall back, a connection lost mid-batch and a clean stop. */
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
#include <string.h>

#include "fake-mosquitto.h"
#include "mqtt-io-internal.h"
#include "mqtt-io.h"

typedef struct Seen {
    unsigned connects, disconnects, failures, publishes;
    int last_reason;
    unsigned last_retry_ms;
    char last_failure[256];
    int acked[16];
    size_t n_acked;
} Seen;

static Seen seen;
static sd_event *loop;
static MqttIo *io;

static void on_connect(MqttIo *i, void *u)
{
    (void) i;
    (void) u;
    seen.connects++;
}

static void on_disconnect(MqttIo *i, int reason, void *u)
{
    (void) i;
    (void) u;
    seen.disconnects++;
    seen.last_reason = reason;
}

static void on_connect_failed(MqttIo *i, const char *reason, unsigned retry_ms, void *u)
{
    (void) i;
    (void) u;
    seen.failures++;
    seen.last_retry_ms = retry_ms;
    (void) snprintf(seen.last_failure, sizeof(seen.last_failure), "%s", reason);
}

static void on_publish(MqttIo *i, int mid, void *u)
{
    (void) i;
    (void) u;
    if (seen.n_acked < 16) {
        seen.acked[seen.n_acked++] = mid;
    }
}

static int setup_version(MqttIoVersion version)
{
    const MqttIoConfig cfg = {
        .host = "127.0.0.1",
        .port = 1883,
        .version = version,
        .client_id = "test-mqtt-io",
        .keepalive_s = 5,
        .reconnect_min_ms = 20,
        .reconnect_max_ms = 40,
    };
    const MqttIoCallbacks cb = {
        .on_connect = on_connect,
        .on_disconnect = on_disconnect,
        .on_connect_failed = on_connect_failed,
        .on_publish = on_publish,
    };

    memset(&seen, 0, sizeof(seen));
    fake_reset();
    assert_int_equal(sd_event_new(&loop), 0);
    assert_int_equal(mqtt_io_new(loop, &cfg, &cb, NULL, &io), 0);
    assert_int_equal(io->state, MQTT_IO_NEW);
    return 0;
}

static int setup(void **state)
{
    (void) state;
    return setup_version(MQTT_IO_VERSION_5);
}

static int setup_auto(void **state)
{
    (void) state;
    return setup_version(MQTT_IO_VERSION_AUTO);
}

static int teardown(void **state)
{
    (void) state;
    io = mqtt_io_free(io);
    loop = sd_event_unref(loop);
    return 0;
}

static bool two_connects(void)
{
    return fake.connects >= 2;
}

static void connect_ok(void)
{
    assert_int_equal(mqtt_io_start(io), 0);
    assert_int_equal(fake.connects, 1);
    assert_int_equal(io->state, MQTT_IO_CONNECTING);
    assert_false(mqtt_io_is_connected(io));
    /* Nothing is sent before the CONNACK. */
    assert_int_equal(
            mqtt_io_publish(io, &(MqttPublish){ .topic = "t", .payload = "x", .len = 1, .qos = 1 },
                            NULL),
            -ENOTCONN);
    fake_queue_connack(0);
    fake_pump(loop);
    assert_int_equal(io->state, MQTT_IO_CONNECTED);
    assert_true(mqtt_io_is_connected(io));
    assert_int_equal(seen.connects, 1);
}

static void test_connect(void **state)
{
    int mid = 0;

    (void) state;
    connect_ok();
    assert_int_equal(mqtt_io_start(io), -EALREADY);
    assert_int_equal(mqtt_io_publish(io,
                                     &(MqttPublish){ .topic = "a/b",
                                                     .payload = "x",
                                                     .len = 1,
                                                     .qos = 1,
                                                     .retain = true },
                                     &mid),
                     0);
    assert_int_equal(fake.n_pubs, 1);
    assert_string_equal(fake.pubs[0].topic, "a/b");
    assert_true(fake.pubs[0].retain);
    assert_int_equal(mid, fake.pubs[0].mid);
}

static void test_connack_refused_retries(void **state)
{
    (void) state;
    assert_int_equal(mqtt_io_start(io), 0);
    /* libmosquitto: the CONNACK callback with the reason, then the socket closes. */
    fake_queue_connack(MQTT_RC_NOT_AUTHORIZED);
    fake_queue_drop(MOSQ_ERR_CONN_REFUSED);
    fake_pump(loop);
    assert_int_equal(seen.connects, 0);
    assert_int_equal(seen.disconnects, 0); /* never connected: a failure, not a disconnect */
    assert_int_equal(seen.failures, 1);
    assert_non_null(strstr(seen.last_failure, "authori"));
    assert_true(seen.last_retry_ms >= 20);
    assert_int_equal(io->state, MQTT_IO_WAITING);
    /* The backoff timer makes the next attempt, MQTT 5 again (fixed version). */
    assert_true(fake_run_until(loop, two_connects, 2000));
    assert_int_equal(io->state, MQTT_IO_CONNECTING);
    assert_int_equal(fake.last_protocol, MQTT_PROTOCOL_V5);
    fake_queue_connack(0);
    fake_pump(loop);
    assert_int_equal(seen.connects, 1);
}

static void test_auto_falls_back_to_311(void **state)
{
    (void) state;
    assert_int_equal(mqtt_io_start(io), 0);
    assert_int_equal(fake.last_protocol, MQTT_PROTOCOL_V5);
    fake_queue_connack(MQTT_RC_UNSUPPORTED_PROTOCOL_VERSION);
    fake_queue_drop(MOSQ_ERR_CONN_REFUSED);
    fake_pump(loop);
    assert_int_equal(seen.failures, 1);
    assert_int_equal(seen.last_retry_ms, 0); /* "trying MQTT 3.1.1": at once */
    assert_true(fake_run_until(loop, two_connects, 2000));
    assert_int_equal(fake.last_protocol, MQTT_PROTOCOL_V311);
    fake_queue_connack(0);
    fake_pump(loop);
    assert_int_equal(seen.connects, 1);
    assert_string_equal(mqtt_io_protocol_name(io), "3.1.1");
}

static void test_lost_mid_batch(void **state)
{
    (void) state;
    connect_ok();
    /* A batch of three publishes; the connection goes after the second. */
    assert_int_equal(mqtt_io_publish(io,
                                     &(MqttPublish){ .topic = "a",
                                                     .payload = "1",
                                                     .len = 1,
                                                     .qos = 1,
                                                     .retain = true },
                                     NULL),
                     0);
    assert_int_equal(mqtt_io_publish(io,
                                     &(MqttPublish){ .topic = "b",
                                                     .payload = "2",
                                                     .len = 1,
                                                     .qos = 1,
                                                     .retain = true },
                                     NULL),
                     0);
    fake_queue_puback(fake.pubs[0].mid);
    fake_queue_drop(MOSQ_ERR_CONN_LOST); /* the second PUBACK never comes */
    fake_pump(loop);
    assert_int_equal(seen.disconnects, 1);
    assert_int_equal(seen.last_reason, MOSQ_ERR_CONN_LOST);
    assert_int_equal(seen.n_acked, 1);
    assert_int_equal(seen.acked[0], fake.pubs[0].mid);
    assert_int_equal(io->state, MQTT_IO_WAITING);
    assert_int_equal(mqtt_io_publish(io,
                                     &(MqttPublish){ .topic = "c",
                                                     .payload = "3",
                                                     .len = 1,
                                                     .qos = 1,
                                                     .retain = true },
                                     NULL),
                     -ENOTCONN);
    assert_int_equal(fake.n_pubs, 2); /* nothing queued while offline */
    assert_true(fake_run_until(loop, two_connects, 2000));
    fake_queue_connack(0);
    fake_pump(loop);
    assert_int_equal(seen.connects, 2);
    assert_int_equal(io->state, MQTT_IO_CONNECTED);
}

static void test_clean_stop(void **state)
{
    (void) state;
    connect_ok();
    assert_int_equal(mqtt_io_disconnect(io), 0);
    assert_int_equal(fake.disconnects, 1);
    assert_int_equal(seen.disconnects, 1);
    assert_int_equal(seen.last_reason, 0); /* our own clean stop */
    assert_int_equal(io->state, MQTT_IO_STOPPED);
    /* Nothing reconnects. */
    assert_false(fake_run_until(loop, two_connects, 200));
    assert_int_equal(fake.connects, 1);
    assert_int_equal(mqtt_io_disconnect(io), -ENOTCONN);
}

static void test_stop_while_connecting(void **state)
{
    (void) state;
    assert_int_equal(mqtt_io_start(io), 0);
    assert_int_equal(mqtt_io_disconnect(io), -ENOTCONN); /* the attempt is abandoned */
    assert_int_equal(io->state, MQTT_IO_STOPPED);
    assert_false(fake_run_until(loop, two_connects, 200));
    assert_int_equal(seen.connects, 0);
    assert_int_equal(seen.disconnects, 0);
    assert_int_equal(seen.failures, 0);
}

static void test_transition_table(void **state)
{
    (void) state;
    /* Every transition goes through mqtt_io_enter(); one outside the table is refused. */
    assert_false(mqtt_io_enter(io, MQTT_IO_CONNECTED)); /* NEW -> CONNECTED: no CONNACK yet */
    assert_int_equal(io->state, MQTT_IO_NEW);
    assert_true(mqtt_io_enter(io, MQTT_IO_STOPPED));
    assert_false(mqtt_io_enter(io, MQTT_IO_CONNECTING)); /* nothing after STOPPED */
    assert_int_equal(mqtt_io_start(io), -EALREADY);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_connect, setup, teardown),
        cmocka_unit_test_setup_teardown(test_connack_refused_retries, setup, teardown),
        cmocka_unit_test_setup_teardown(test_auto_falls_back_to_311, setup_auto, teardown),
        cmocka_unit_test_setup_teardown(test_lost_mid_batch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_clean_stop, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stop_while_connecting, setup, teardown),
        cmocka_unit_test_setup_teardown(test_transition_table, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
