/* SPDX-License-Identifier: Apache-2.0 */
/* State objects of the four node kinds: round trip and every malformed class. */
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

#define BMC_VALID                                                                             \
    "{\"v\":1,\"node\":3,\"state\":\"Ready\",\"code\":1,\"since\":1700000000000,\"epoch\":7," \
    "\"seq\":12,\"last_reboot_cause\":\"POR\"}"
#define CHASSIS_VALID                                                                      \
    "{\"v\":1,\"node\":3,\"state\":\"On\",\"since\":1700000000000,\"epoch\":7,\"seq\":12," \
    "\"power_status\":\"Good\",\"ac_loss\":true,\"bmc_boot\":1699999990000}"
#define HOST_VALID                                                                   \
    "{\"v\":1,\"node\":3,\"state\":\"Running\",\"since\":1700000000000,\"epoch\":7," \
    "\"seq\":12,\"restart_cause\":\"PowerButton\",\"hypervisor\":true}"
#define BOOT_VALID                                                                     \
    "{\"v\":1,\"node\":3,\"state\":\"OSRunning\",\"since\":1700000000000,\"epoch\":7," \
    "\"seq\":12,\"last_update\":1700000000001}"

/* What the encoder writes for the chassis and host payloads above ("code" added). */
#define CHASSIS_VALID_ENCODED                                                              \
    "{\"v\":1,\"node\":3,\"state\":\"On\",\"code\":3,\"since\":1700000000000,\"epoch\":7," \
    "\"seq\":12,\"power_status\":\"Good\",\"ac_loss\":true,\"bmc_boot\":1699999990000}"
#define HOST_VALID_ENCODED                                                          \
    "{\"v\":1,\"node\":3,\"state\":\"Running\",\"code\":4,\"since\":1700000000000," \
    "\"epoch\":7,\"seq\":12,\"restart_cause\":\"PowerButton\",\"hypervisor\":true}"

static SbStateMsg decoded;

static int decode_bmc(const void *p, size_t len, const char **why)
{
    return sb_state_decode(p, len, SB_KIND_BMC, &decoded, why);
}
static int decode_chassis(const void *p, size_t len, const char **why)
{
    return sb_state_decode(p, len, SB_KIND_CHASSIS, &decoded, why);
}
static int decode_host(const void *p, size_t len, const char **why)
{
    return sb_state_decode(p, len, SB_KIND_HOST, &decoded, why);
}
static int decode_boot(const void *p, size_t len, const char **why)
{
    return sb_state_decode(p, len, SB_KIND_BOOT_PROGRESS, &decoded, why);
}

static const struct {
    TestDecodeFn decode;
    const char *valid;
    SbStateKind kind;
} kinds[] = {
    { decode_bmc, BMC_VALID, SB_KIND_BMC },
    { decode_chassis, CHASSIS_VALID, SB_KIND_CHASSIS },
    { decode_host, HOST_VALID, SB_KIND_HOST },
    { decode_boot, BOOT_VALID, SB_KIND_BOOT_PROGRESS },
};

static void encode_decode_encode(const SbStateMsg *m, const char *want)
{
    char first[SB_PAYLOAD_MAX + 1], second[SB_PAYLOAD_MAX + 1];
    int n = sb_state_encode(m, first, sizeof(first));
    const char *why = NULL;

    assert_true(n > 0);
    if (want) {
        assert_string_equal(first, want);
    }
    memset(&decoded, 0, sizeof(decoded));
    assert_int_equal(test_decode_n(kinds[m->kind].decode, first, (size_t) n, &why), 0);
    assert_int_equal(decoded.kind, m->kind);
    assert_int_equal(decoded.node, m->node);
    assert_int_equal(decoded.state, m->state);
    assert_true(decoded.since_ms == m->since_ms && decoded.epoch == m->epoch);
    assert_true(decoded.seq == m->seq);
    assert_int_equal(decoded.last_reboot_cause, m->last_reboot_cause);
    assert_int_equal(decoded.power_status, m->power_status);
    assert_int_equal(decoded.has_ac_loss, m->has_ac_loss);
    assert_int_equal(decoded.ac_loss, m->ac_loss);
    assert_int_equal(decoded.restart_cause, m->restart_cause);
    assert_true(decoded.last_update_ms == m->last_update_ms);
    assert_true(decoded.bmc_boot_ms == m->bmc_boot_ms);
    assert_int_equal(decoded.hypervisor, m->hypervisor);
    assert_int_equal(sb_state_encode(&decoded, second, sizeof(second)), n);
    assert_string_equal(first, second);
}

static void test_state_round_trip(void **state)
{
    SbStateMsg m = {
        .kind = SB_KIND_BMC,
        .node = 3,
        .state = SB_BMC_READY,
        .since_ms = 1700000000000,
        .epoch = 7,
        .seq = 12,
        .last_reboot_cause = SB_REBOOT_CAUSE_POR,
    };

    (void) state;
    encode_decode_encode(&m, BMC_VALID);
    m = (SbStateMsg){ .kind = SB_KIND_CHASSIS,
                      .node = 16384,
                      .state = SB_CHASSIS_ON,
                      .since_ms = UINT64_C(9007199254740992),
                      .epoch = 0,
                      .seq = 0,
                      .power_status = SB_POWER_STATUS_UPS,
                      .has_ac_loss = true,
                      .ac_loss = false };
    encode_decode_encode(&m, "{\"v\":1,\"node\":16384,\"state\":\"On\",\"code\":3,"
                             "\"since\":9007199254740992,\"epoch\":0,\"seq\":0,"
                             "\"power_status\":\"UninterruptiblePowerSupply\","
                             "\"ac_loss\":false}");
    /* bmc_boot (issue #4): the identity of a power-loss event. */
    m = (SbStateMsg){ .kind = SB_KIND_CHASSIS,
                      .node = 3,
                      .state = SB_CHASSIS_ON,
                      .since_ms = 1700000000000,
                      .epoch = 7,
                      .seq = 12,
                      .power_status = SB_POWER_STATUS_GOOD,
                      .has_ac_loss = true,
                      .ac_loss = true,
                      .bmc_boot_ms = 1699999990000 };
    encode_decode_encode(&m, CHASSIS_VALID_ENCODED);
    /* hypervisor is written only when true. */
    m = (SbStateMsg){ .kind = SB_KIND_HOST,
                      .node = 3,
                      .state = SB_HOST_RUNNING,
                      .since_ms = 1700000000000,
                      .epoch = 7,
                      .seq = 12,
                      .restart_cause = SB_RESTART_CAUSE_POWER_BUTTON,
                      .hypervisor = true };
    encode_decode_encode(&m, HOST_VALID_ENCODED);
    m.hypervisor = false;
    encode_decode_encode(&m, "{\"v\":1,\"node\":3,\"state\":\"Running\",\"code\":4,"
                             "\"since\":1700000000000,\"epoch\":7,\"seq\":12,"
                             "\"restart_cause\":\"PowerButton\"}");
    m = (SbStateMsg){ .kind = SB_KIND_HOST,
                      .node = 1,
                      .state = SB_HOST_DIAGNOSTIC_MODE,
                      .since_ms = 5,
                      .epoch = 1,
                      .seq = 2,
                      .restart_cause = SB_RESTART_CAUSE_HOST_CRASH };
    encode_decode_encode(&m, NULL);
    m = (SbStateMsg){ .kind = SB_KIND_BOOT_PROGRESS,
                      .node = 2,
                      .state = SB_BOOT_OEM,
                      .since_ms = 5,
                      .epoch = 1,
                      .seq = 2,
                      .last_update_ms = 99 };
    encode_decode_encode(&m, NULL);
    /* Optional per-kind fields absent. */
    m = (SbStateMsg){ .kind = SB_KIND_CHASSIS, .node = 2, .state = SB_CHASSIS_OFF };
    encode_decode_encode(&m, "{\"v\":1,\"node\":2,\"state\":\"Off\",\"code\":1,\"since\":0,"
                             "\"epoch\":0,\"seq\":0}");
    /* Every state of every kind. */
    for (int k = 0; k < SB_KIND_NODE_COUNT; k++) {
        int count = sb_enum_count(sb_state_kind_enum((SbStateKind) k));

        for (int v = 1; v < count; v++) {
            m = (SbStateMsg){ .kind = (SbStateKind) k, .node = 9, .state = v };
            encode_decode_encode(&m, NULL);
        }
    }
}

static void test_state_unknown_fields_ignored(void **state)
{
    (void) state;
    /* Other kinds' fields and new fields are unknown fields: ignored whatever their type. */
    test_expect(decode_host,
                "{\"v\":2,\"node\":3,\"state\":\"Off\",\"since\":1,\"epoch\":1,\"seq\":1,"
                "\"ac_loss\":\"maybe\",\"future\":{\"x\":[1,2]},\"last_reboot_cause\":7}",
                0, NULL);
    assert_int_equal(decoded.restart_cause, 0);
    assert_false(decoded.has_ac_loss);
    /* Another kind's new fields too: bmc_boot on a host, hypervisor on a chassis. */
    test_expect(decode_chassis,
                "{\"v\":1,\"node\":3,\"state\":\"Off\",\"since\":1,\"epoch\":1,\"seq\":1,"
                "\"hypervisor\":\"yes\"}",
                0, NULL);
    assert_false(decoded.hypervisor);
    assert_true(decoded.bmc_boot_ms == 0);
    test_expect(decode_host,
                "{\"v\":1,\"node\":3,\"state\":\"Off\",\"since\":1,\"epoch\":1,\"seq\":1,"
                "\"bmc_boot\":-5}",
                0, NULL);
    assert_true(decoded.bmc_boot_ms == 0);
}

static void test_state_malformed_common(void **state)
{
    (void) state;
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        test_common_malformed(kinds[i].decode, kinds[i].valid, "state");
    }
}

static void test_state_missing_and_wrong_types(void **state)
{
    static const char *const required[] = { "v", "node", "state", "since", "epoch", "seq", NULL };
    static const char *const bmc_fields[] = { "v",     "node",  "state", "code",
                                              "since", "epoch", "seq",   "last_reboot_cause",
                                              NULL };
    static const char *const chassis_fields[] = { "power_status", "ac_loss", "bmc_boot", NULL };
    static const char *const host_fields[] = { "restart_cause", "hypervisor", NULL };
    static const char *const boot_fields[] = { "last_update", NULL };

    (void) state;
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        test_required_fields(kinds[i].decode, kinds[i].valid, required);
    }
    test_wrong_types(decode_bmc, BMC_VALID, bmc_fields);
    test_wrong_types(decode_chassis, CHASSIS_VALID, chassis_fields);
    test_wrong_types(decode_host, HOST_VALID, host_fields);
    test_wrong_types(decode_boot, BOOT_VALID, boot_fields);
}

static void test_state_numbers(void **state)
{
    (void) state;
    test_integer_field(decode_host, HOST_VALID, "node", 1, SB_NODES_MAX);
    test_integer_field(decode_host, HOST_VALID, "since", 0, UINT64_C(1) << 53);
    test_integer_field(decode_host, HOST_VALID, "epoch", 0, UINT64_C(1) << 53);
    test_integer_field(decode_host, HOST_VALID, "seq", 0, UINT64_C(1) << 53);
    test_integer_field(decode_host, HOST_VALID, "v", 1, UINT64_C(1) << 53);
    test_integer_field(decode_boot, BOOT_VALID, "last_update", 0, UINT64_C(1) << 53);
    test_integer_field(decode_chassis, CHASSIS_VALID, "bmc_boot", 0, UINT64_C(1) << 53);
}

static void test_state_enums(void **state)
{
    (void) state;
    /* The valid payloads without "code", so any state is consistent. */
    test_enum_field(decode_chassis, CHASSIS_VALID, "state", SB_ENUM_CHASSIS_STATE, false);
    test_enum_field(decode_host, HOST_VALID, "state", SB_ENUM_HOST_STATE, false);
    test_enum_field(decode_boot, BOOT_VALID, "state", SB_ENUM_BOOT_PROGRESS, false);
    test_enum_field(decode_bmc, BMC_VALID, "last_reboot_cause", SB_ENUM_BMC_REBOOT_CAUSE, false);
    test_enum_field(decode_chassis, CHASSIS_VALID, "power_status", SB_ENUM_POWER_STATUS, false);
    test_enum_field(decode_host, HOST_VALID, "restart_cause", SB_ENUM_RESTART_CAUSE, false);
    /* A value of another kind's enum. */
    test_expect(decode_bmc,
                "{\"v\":1,\"node\":3,\"state\":\"Running\",\"since\":1,\"epoch\":7,\"seq\":1}",
                -EBADMSG, "state");
}

static void test_state_code_must_match(void **state)
{
    (void) state;
    test_expect(decode_bmc,
                "{\"v\":1,\"node\":3,\"state\":\"Ready\",\"code\":2,\"since\":1,\"epoch\":7,"
                "\"seq\":1}",
                -EBADMSG, "code");
    test_expect(decode_bmc,
                "{\"v\":1,\"node\":3,\"state\":\"Ready\",\"code\":\"1\",\"since\":1,\"epoch\":7,"
                "\"seq\":1}",
                -EBADMSG, "code");
    test_expect(decode_bmc,
                "{\"v\":1,\"node\":3,\"state\":\"NotReady\",\"code\":2,\"since\":1,\"epoch\":7,"
                "\"seq\":1}",
                0, NULL);
}

static void test_state_invalid_arguments(void **state)
{
    const char *why = NULL;

    (void) state;
    assert_int_equal(
            sb_state_decode(BMC_VALID, strlen(BMC_VALID), SB_KIND_HYPERVISOR, &decoded, &why),
            -EINVAL);
    assert_int_equal(sb_state_decode(BMC_VALID, strlen(BMC_VALID), SB_KIND_BMC, NULL, &why),
                     -EINVAL);
    /* reterr_why may be NULL. */
    assert_int_equal(sb_state_decode("{}", 2, SB_KIND_BMC, &decoded, NULL), -EBADMSG);
}

static void test_state_encode_refuses_invalid(void **state)
{
    char buf[SB_PAYLOAD_MAX + 1];
    SbStateMsg good = { .kind = SB_KIND_HOST, .node = 1, .state = SB_HOST_RUNNING };
    SbStateMsg m;

    (void) state;
    assert_true(sb_state_encode(&good, buf, sizeof(buf)) > 0);
    m = good;
    m.node = 0;
    assert_int_equal(sb_state_encode(&m, buf, sizeof(buf)), -EINVAL);
    m = good;
    m.node = SB_NODES_MAX + 1;
    assert_int_equal(sb_state_encode(&m, buf, sizeof(buf)), -EINVAL);
    m = good;
    m.state = 0; /* "Unknown" is never published by a node */
    assert_int_equal(sb_state_encode(&m, buf, sizeof(buf)), -EINVAL);
    m = good;
    m.state = SB_HOST_COUNT;
    assert_int_equal(sb_state_encode(&m, buf, sizeof(buf)), -EINVAL);
    m = good;
    m.kind = SB_KIND_HYPERVISOR;
    assert_int_equal(sb_state_encode(&m, buf, sizeof(buf)), -EINVAL);
    m = good;
    m.seq = (UINT64_C(1) << 53) + 1;
    assert_int_equal(sb_state_encode(&m, buf, sizeof(buf)), -EINVAL);
    m = (SbStateMsg){ .kind = SB_KIND_CHASSIS,
                      .node = 1,
                      .state = SB_CHASSIS_ON,
                      .bmc_boot_ms = (UINT64_C(1) << 53) + 1 };
    assert_int_equal(sb_state_encode(&m, buf, sizeof(buf)), -EINVAL);
    m = good;
    m.restart_cause = SB_RESTART_CAUSE_COUNT;
    assert_int_equal(sb_state_encode(&m, buf, sizeof(buf)), -EINVAL);
    m = (SbStateMsg){ .kind = SB_KIND_BMC, .node = 1, .state = 1, .last_reboot_cause = -1 };
    assert_int_equal(sb_state_encode(&m, buf, sizeof(buf)), -EINVAL);
    assert_int_equal(sb_state_encode(NULL, buf, sizeof(buf)), -EINVAL);
}

static int encode_fixed(char *buf, size_t size)
{
    SbStateMsg m = { .kind = SB_KIND_BMC,
                     .node = 3,
                     .state = SB_BMC_READY,
                     .since_ms = 1700000000000,
                     .epoch = 7,
                     .seq = 12,
                     .last_reboot_cause = SB_REBOOT_CAUSE_POR };

    return sb_state_encode(&m, buf, size);
}

static void test_state_encoder_overflow(void **state)
{
    (void) state;
    test_encoder_bounds(encode_fixed, BMC_VALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_state_round_trip),
        cmocka_unit_test(test_state_unknown_fields_ignored),
        cmocka_unit_test(test_state_malformed_common),
        cmocka_unit_test(test_state_missing_and_wrong_types),
        cmocka_unit_test(test_state_numbers),
        cmocka_unit_test(test_state_enums),
        cmocka_unit_test(test_state_code_must_match),
        cmocka_unit_test(test_state_invalid_arguments),
        cmocka_unit_test(test_state_encode_refuses_invalid),
        cmocka_unit_test(test_state_encoder_overflow),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
