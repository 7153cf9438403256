/* SPDX-License-Identifier: Apache-2.0 */
/* <root>/system/summary: one flat object of numbers with stable keys (Grafana). */
/* cmocka.h needs these four first. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <cjson/cJSON.h>
#include <errno.h>
#include <string.h>

#include "statebus/payload.h"

#include "payload-test-util.h"

#define SUMMARY_EXPECTED                                                                       \
    "{\"v\":1,\"time\":1700000000000,\"bmc\":2,\"chassis\":1,\"host\":0,\"boot_progress\":12," \
    "\"hypervisor\":7,\"nodes_expected\":4,\"nodes_online\":3,\"nodes_ready\":2,"              \
    "\"nodes_stale\":1,\"requests_pending\":1,\"requests_active\":0,\"gate_open\":0,"          \
    "\"mixed_bmc\":1,\"mixed_chassis\":0,\"mixed_host\":1,\"mixed_boot_progress\":0,"          \
    "\"mixed_hypervisor\":1,\"rejected_total\":9007199254740992}"

static SbSummaryMsg sample(void)
{
    SbSummaryMsg m = { .time_ms = 1700000000000,
                       .codes = { [SB_KIND_BMC] = SB_BMC_NOT_READY,
                                  [SB_KIND_CHASSIS] = SB_CHASSIS_OFF,
                                  [SB_KIND_HOST] = SB_HOST_UNKNOWN,
                                  [SB_KIND_BOOT_PROGRESS] = SB_BOOT_OEM,
                                  [SB_KIND_HYPERVISOR] = SB_HOST_DIAGNOSTIC_MODE },
                       .nodes_expected = 4,
                       .nodes_online = 3,
                       .nodes_ready = 2,
                       .nodes_stale = 1,
                       .requests_pending = 1,
                       .requests_active = 0,
                       .mixed = (1U << SB_KIND_BMC) | (1U << SB_KIND_HOST) |
                                (1U << SB_KIND_HYPERVISOR),
                       .rejected_total = UINT64_C(1) << 53,
                       .gate_open = 0 };

    return m;
}

static int encode_fixed(char *buf, size_t size)
{
    SbSummaryMsg m = sample();

    return sb_summary_encode(&m, buf, size);
}

static void test_summary_encodes_flat_numbers(void **state)
{
    char buf[SB_PAYLOAD_MAX + 1];
    SbSummaryMsg m = sample();
    cJSON *root;
    int n;

    (void) state;
    n = sb_summary_encode(&m, buf, sizeof(buf));
    assert_true(n > 0);
    assert_string_equal(buf, SUMMARY_EXPECTED);
    /* Read back with an independent parser: one flat object, every value a number. */
    root = cJSON_ParseWithLength(buf, (size_t) n);
    assert_non_null(root);
    assert_true(cJSON_IsObject(root));
    for (const cJSON *c = root->child; c; c = c->next) {
        assert_true(cJSON_IsNumber(c));
    }
    assert_int_equal(cJSON_GetArraySize(root), 20);
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(root, "boot_progress")->valuedouble,
                     SB_BOOT_OEM);
    cJSON_Delete(root);

    /* The same keys whatever the values (Grafana drops a key whose type changes). */
    m = (SbSummaryMsg){ .gate_open = 1, .mixed = 0 };
    n = sb_summary_encode(&m, buf, sizeof(buf));
    assert_int_equal(n, (int) strlen(buf));
    assert_string_equal(buf, "{\"v\":1,\"time\":0,\"bmc\":0,\"chassis\":0,\"host\":0,"
                             "\"boot_progress\":0,\"hypervisor\":0,\"nodes_expected\":0,"
                             "\"nodes_online\":0,\"nodes_ready\":0,\"nodes_stale\":0,"
                             "\"requests_pending\":0,\"requests_active\":0,\"gate_open\":1,"
                             "\"mixed_bmc\":0,\"mixed_chassis\":0,\"mixed_host\":0,"
                             "\"mixed_boot_progress\":0,\"mixed_hypervisor\":0,"
                             "\"rejected_total\":0}");
}

static void test_summary_encode_refuses_invalid(void **state)
{
    char buf[SB_PAYLOAD_MAX + 1];
    SbSummaryMsg m;

    (void) state;
    m = sample();
    m.codes[SB_KIND_BMC] = SB_BMC_COUNT;
    assert_int_equal(sb_summary_encode(&m, buf, sizeof(buf)), -EINVAL);
    m = sample();
    m.codes[SB_KIND_BOOT_PROGRESS] = -1;
    assert_int_equal(sb_summary_encode(&m, buf, sizeof(buf)), -EINVAL);
    m = sample();
    m.codes[SB_KIND_HYPERVISOR] = SB_HOST_COUNT;
    assert_int_equal(sb_summary_encode(&m, buf, sizeof(buf)), -EINVAL);
    m = sample();
    m.gate_open = 2;
    assert_int_equal(sb_summary_encode(&m, buf, sizeof(buf)), -EINVAL);
    m = sample();
    m.mixed = 1U << SB_KIND_COUNT;
    assert_int_equal(sb_summary_encode(&m, buf, sizeof(buf)), -EINVAL);
    m = sample();
    m.rejected_total = UINT64_MAX;
    assert_int_equal(sb_summary_encode(&m, buf, sizeof(buf)), -EINVAL);
    assert_int_equal(sb_summary_encode(NULL, buf, sizeof(buf)), -EINVAL);
}

static void test_summary_encoder_overflow(void **state)
{
    (void) state;
    test_encoder_bounds(encode_fixed, SUMMARY_EXPECTED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_summary_encodes_flat_numbers),
        cmocka_unit_test(test_summary_encode_refuses_invalid),
        cmocka_unit_test(test_summary_encoder_overflow),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
