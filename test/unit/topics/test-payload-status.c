/* SPDX-License-Identifier: Apache-2.0 */
/* Status (birth, clean stop, Last Will) and heartbeat payloads. */
/* cmocka.h needs these four first. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <errno.h>
#include <string.h>

#include "statebus/payload.h"

#include "payload-test-util.h"

#define STATUS_VALID \
    "{\"v\":1,\"node\":4,\"status\":\"online\",\"epoch\":17,\"time\":1700000000000}"
#define SYSTEM_STATUS_VALID "{\"v\":1,\"status\":\"lost\",\"epoch\":3}"
#define HEARTBEAT_VALID     "{\"v\":1,\"node\":4,\"epoch\":17,\"seq\":99,\"time\":1700000000000}"

static SbStatusMsg status;
static SbHeartbeatMsg heartbeat;

static int decode_status(const void *p, size_t len, const char **why)
{
    return sb_status_decode(p, len, &status, why);
}

static int decode_heartbeat(const void *p, size_t len, const char **why)
{
    return sb_heartbeat_decode(p, len, &heartbeat, why);
}

static void status_round_trip(const SbStatusMsg *m, const char *want)
{
    char first[SB_PAYLOAD_MAX + 1], second[SB_PAYLOAD_MAX + 1];
    int n = sb_status_encode(m, first, sizeof(first));

    assert_true(n > 0);
    assert_string_equal(first, want);
    memset(&status, 0, sizeof(status));
    assert_int_equal(test_decode_n(decode_status, first, (size_t) n, NULL), 0);
    assert_int_equal(status.status, m->status);
    assert_true(status.epoch == m->epoch && status.time_ms == m->time_ms);
    assert_int_equal(status.node, m->node);
    assert_int_equal(sb_status_encode(&status, second, sizeof(second)), n);
    assert_string_equal(first, second);
}

static void test_status_round_trip(void **state)
{
    SbStatusMsg m = { .status = SB_STATUS_ONLINE,
                      .epoch = 17,
                      .node = 4,
                      .time_ms = 1700000000000 };

    (void) state;
    status_round_trip(&m, STATUS_VALID);
    /* The coordinator's system/status: no "node"; a Last Will without "time". */
    m = (SbStatusMsg){ .status = SB_STATUS_LOST, .epoch = 3 };
    status_round_trip(&m, SYSTEM_STATUS_VALID);
    m = (SbStatusMsg){ .status = SB_STATUS_OFFLINE, .epoch = 0, .node = 16384, .time_ms = 1 };
    status_round_trip(&m, "{\"v\":1,\"node\":16384,\"status\":\"offline\",\"epoch\":0,"
                          "\"time\":1}");
}

static void test_status_malformed(void **state)
{
    static const char *const required[] = { "v", "status", "epoch", NULL };
    static const char *const fields[] = { "v", "node", "status", "epoch", "time", NULL };

    (void) state;
    test_common_malformed(decode_status, STATUS_VALID, "status");
    test_common_malformed(decode_status, SYSTEM_STATUS_VALID, "epoch");
    test_required_fields(decode_status, STATUS_VALID, required);
    test_wrong_types(decode_status, STATUS_VALID, fields);
    test_integer_field(decode_status, STATUS_VALID, "node", 1, SB_NODES_MAX);
    test_integer_field(decode_status, STATUS_VALID, "epoch", 0, UINT64_C(1) << 53);
    test_integer_field(decode_status, STATUS_VALID, "time", 0, UINT64_C(1) << 53);
    test_enum_field(decode_status, STATUS_VALID, "status", SB_ENUM_STATUS, false);
    /* Sparkplug-style plain words are not our status payload. */
    test_expect(decode_status, "offline", -EBADMSG, NULL);
}

static void test_status_encode_refuses_invalid(void **state)
{
    char buf[SB_PAYLOAD_MAX + 1];
    SbStatusMsg m = { .status = SB_STATUS_UNKNOWN, .epoch = 1 };

    (void) state;
    assert_int_equal(sb_status_encode(&m, buf, sizeof(buf)), -EINVAL);
    m.status = SB_STATUS_COUNT;
    assert_int_equal(sb_status_encode(&m, buf, sizeof(buf)), -EINVAL);
    m = (SbStatusMsg){ .status = SB_STATUS_ONLINE, .node = SB_NODES_MAX + 1 };
    assert_int_equal(sb_status_encode(&m, buf, sizeof(buf)), -EINVAL);
    m = (SbStatusMsg){ .status = SB_STATUS_ONLINE, .epoch = UINT64_MAX };
    assert_int_equal(sb_status_encode(&m, buf, sizeof(buf)), -EINVAL);
    assert_int_equal(sb_status_encode(NULL, buf, sizeof(buf)), -EINVAL);
    assert_int_equal(sb_status_decode("{}", 2, NULL, NULL), -EINVAL);
}

static int encode_status_fixed(char *buf, size_t size)
{
    SbStatusMsg m = { .status = SB_STATUS_ONLINE,
                      .epoch = 17,
                      .node = 4,
                      .time_ms = 1700000000000 };

    return sb_status_encode(&m, buf, size);
}

static void test_heartbeat_round_trip(void **state)
{
    SbHeartbeatMsg m = { .node = 4, .epoch = 17, .seq = 99, .time_ms = 1700000000000 };
    char first[SB_PAYLOAD_MAX + 1], second[SB_PAYLOAD_MAX + 1];
    int n;

    (void) state;
    n = sb_heartbeat_encode(&m, first, sizeof(first));
    assert_true(n > 0);
    assert_string_equal(first, HEARTBEAT_VALID);
    memset(&heartbeat, 0, sizeof(heartbeat));
    assert_int_equal(test_decode_n(decode_heartbeat, first, (size_t) n, NULL), 0);
    assert_int_equal(heartbeat.node, 4);
    assert_true(heartbeat.epoch == 17 && heartbeat.seq == 99);
    assert_true(heartbeat.time_ms == 1700000000000);
    assert_int_equal(sb_heartbeat_encode(&heartbeat, second, sizeof(second)), n);
    assert_string_equal(first, second);
}

static void test_heartbeat_malformed(void **state)
{
    static const char *const fields[] = { "v", "node", "epoch", "seq", "time", NULL };

    (void) state;
    test_common_malformed(decode_heartbeat, HEARTBEAT_VALID, "seq");
    test_required_fields(decode_heartbeat, HEARTBEAT_VALID, fields);
    test_wrong_types(decode_heartbeat, HEARTBEAT_VALID, fields);
    test_integer_field(decode_heartbeat, HEARTBEAT_VALID, "node", 1, SB_NODES_MAX);
    test_integer_field(decode_heartbeat, HEARTBEAT_VALID, "epoch", 0, UINT64_C(1) << 53);
    test_integer_field(decode_heartbeat, HEARTBEAT_VALID, "seq", 0, UINT64_C(1) << 53);
    test_integer_field(decode_heartbeat, HEARTBEAT_VALID, "time", 0, UINT64_C(1) << 53);
}

static void test_heartbeat_encode_refuses_invalid(void **state)
{
    char buf[SB_PAYLOAD_MAX + 1];
    SbHeartbeatMsg m = { .node = 0 };

    (void) state;
    assert_int_equal(sb_heartbeat_encode(&m, buf, sizeof(buf)), -EINVAL);
    m = (SbHeartbeatMsg){ .node = 1, .time_ms = (UINT64_C(1) << 53) + 1 };
    assert_int_equal(sb_heartbeat_encode(&m, buf, sizeof(buf)), -EINVAL);
    assert_int_equal(sb_heartbeat_encode(NULL, buf, sizeof(buf)), -EINVAL);
}

static int encode_heartbeat_fixed(char *buf, size_t size)
{
    SbHeartbeatMsg m = { .node = 4, .epoch = 17, .seq = 99, .time_ms = 1700000000000 };

    return sb_heartbeat_encode(&m, buf, size);
}

static void test_status_and_heartbeat_encoder_overflow(void **state)
{
    (void) state;
    test_encoder_bounds(encode_status_fixed, STATUS_VALID);
    test_encoder_bounds(encode_heartbeat_fixed, HEARTBEAT_VALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_round_trip),
        cmocka_unit_test(test_status_malformed),
        cmocka_unit_test(test_status_encode_refuses_invalid),
        cmocka_unit_test(test_heartbeat_round_trip),
        cmocka_unit_test(test_heartbeat_malformed),
        cmocka_unit_test(test_heartbeat_encode_refuses_invalid),
        cmocka_unit_test(test_status_and_heartbeat_encoder_overflow),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
