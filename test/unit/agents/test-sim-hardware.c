/* SPDX-License-Identifier: Apache-2.0 */
/* The sim's saved hardware (--sim-state-file): round trip and every way a file can be wrong. */
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

#include "sim-hardware.h"

#define VALID                                                                           \
    "{\"v\":1,\"chassis\":\"On\",\"power_status\":\"Good\",\"host\":\"Running\","       \
    "\"restart_cause\":\"RemoteCommand\",\"boot_progress\":\"OSRunning\",\"bmc_boot\":" \
    "1700000000000}"

/* Field by field: the struct has padding that initializers leave unspecified. */
static void assert_hardware_equal(const SimHardware *a, const SimHardware *b)
{
    assert_int_equal(a->chassis, b->chassis);
    assert_int_equal(a->power_status, b->power_status);
    assert_int_equal(a->host, b->host);
    assert_int_equal(a->restart_cause, b->restart_cause);
    assert_int_equal(a->boot_progress, b->boot_progress);
    assert_true(a->bmc_boot_ms == b->bmc_boot_ms);
}

static int decode(const char *text, SimHardware *hw, const char **why)
{
    size_t len = strlen(text);
    /* An exact-size heap copy without a NUL: ASan catches any read past the end. */
    char *copy = malloc(len ? len : 1);
    int r;

    assert_non_null(copy);
    memcpy(copy, text, len);
    r = sim_hardware_decode(copy, len, hw, why);
    free(copy);
    return r;
}

static void expect_invalid(const char *text, const char *why_part)
{
    SimHardware hw = { .chassis = SB_CHASSIS_ON };
    const char *why = NULL;

    if (decode(text, &hw, &why) != -EBADMSG) {
        fail_msg("accepted: %s", text);
    }
    assert_non_null(why);
    if (why_part && !strstr(why, why_part)) {
        fail_msg("why '%s' does not name '%s'", why, why_part);
    }
    /* Untouched on error. */
    assert_int_equal(hw.chassis, SB_CHASSIS_ON);
    assert_int_equal(hw.host, 0);
}

static void test_sim_hardware_round_trip(void **state)
{
    const SimHardware hw = { .chassis = SB_CHASSIS_ON,
                             .power_status = SB_POWER_STATUS_GOOD,
                             .host = SB_HOST_RUNNING,
                             .restart_cause = SB_RESTART_CAUSE_REMOTE_COMMAND,
                             .boot_progress = SB_BOOT_OS_RUNNING,
                             .bmc_boot_ms = 1700000000000 };
    char buf[SIM_HARDWARE_FILE_MAX];
    SimHardware back;
    int n;

    (void) state;
    n = sim_hardware_encode(&hw, buf, sizeof(buf));
    assert_true(n > 0);
    assert_string_equal(buf, VALID);
    assert_int_equal(decode(buf, &back, NULL), 0);
    assert_hardware_equal(&back, &hw);
    /* Every value of every field survives. */
    for (int c = 1; c < SB_CHASSIS_COUNT; c++) {
        for (int h = 1; h < SB_HOST_COUNT; h++) {
            for (int b = 1; b < SB_BOOT_COUNT; b++) {
                SimHardware x = hw;

                x.chassis = (SbChassisState) c;
                x.host = (SbHostState) h;
                x.boot_progress = (SbBootProgress) b;
                x.power_status = (SbPowerStatus) (1 + (c + h + b) % (SB_POWER_STATUS_COUNT - 1));
                x.restart_cause = (SbRestartCause) (1 + (c * h + b) % (SB_RESTART_CAUSE_COUNT - 1));
                n = sim_hardware_encode(&x, buf, sizeof(buf));
                assert_true(n > 0);
                assert_int_equal(decode(buf, &back, NULL), 0);
                assert_hardware_equal(&back, &x);
            }
        }
    }
    /* White space around the object is fine (a file edited by hand). */
    assert_int_equal(decode(" " VALID "\n", &back, NULL), 0);
}

static void test_sim_hardware_encode_refuses_invalid(void **state)
{
    SimHardware hw = { .chassis = SB_CHASSIS_OFF,
                       .power_status = SB_POWER_STATUS_GOOD,
                       .host = SB_HOST_OFF,
                       .restart_cause = SB_RESTART_CAUSE_UNKNOWN,
                       .boot_progress = SB_BOOT_UNSPECIFIED };
    char buf[SIM_HARDWARE_FILE_MAX];
    SimHardware bad;

    (void) state;
    assert_true(sim_hardware_encode(&hw, buf, sizeof(buf)) > 0);
    assert_int_equal(sim_hardware_encode(&hw, buf, 10), -ENOSPC);
    bad = hw;
    bad.chassis = SB_CHASSIS_UNKNOWN;
    assert_int_equal(sim_hardware_encode(&bad, buf, sizeof(buf)), -EINVAL);
    bad = hw;
    bad.host = SB_HOST_COUNT;
    assert_int_equal(sim_hardware_encode(&bad, buf, sizeof(buf)), -EINVAL);
    bad = hw;
    bad.boot_progress = SB_BOOT_UNKNOWN;
    assert_int_equal(sim_hardware_encode(&bad, buf, sizeof(buf)), -EINVAL);
    bad = hw;
    bad.restart_cause = SB_RESTART_CAUSE_NONE;
    assert_int_equal(sim_hardware_encode(&bad, buf, sizeof(buf)), -EINVAL);
    bad = hw;
    bad.power_status = SB_POWER_STATUS_NONE;
    assert_int_equal(sim_hardware_encode(&bad, buf, sizeof(buf)), -EINVAL);
    bad = hw;
    bad.bmc_boot_ms = (UINT64_C(1) << 53) + 1;
    assert_int_equal(sim_hardware_encode(&bad, buf, sizeof(buf)), -EINVAL);
}

/* VALID with one field's raw JSON replaced (value NULL: the field removed). */
static char *with_field(const char *key, const char *value)
{
    static const char *const keys[] = { "v",       "chassis",       "power_status",
                                        "host",    "restart_cause", "boot_progress",
                                        "bmc_boot" };
    static const char *const values[] = { "1",
                                          "\"On\"",
                                          "\"Good\"",
                                          "\"Running\"",
                                          "\"RemoteCommand\"",
                                          "\"OSRunning\"",
                                          "1700000000000" };
    char *out = malloc(SIM_HARDWARE_FILE_MAX);
    size_t len = 0;

    assert_non_null(out);
    out[len++] = '{';
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        const char *v = strcmp(keys[i], key) == 0 ? value : values[i];
        int n;

        if (!v) {
            continue;
        }
        n = snprintf(out + len, SIM_HARDWARE_FILE_MAX - len, "%s\"%s\":%s", len > 1 ? "," : "",
                     keys[i], v);
        assert_true(n > 0 && (size_t) n < SIM_HARDWARE_FILE_MAX - len);
        len += (size_t) n;
    }
    out[len++] = '}';
    out[len] = '\0';
    return out;
}

static void test_sim_hardware_fields(void **state)
{
    static const char *const fields[] = { "v",       "chassis",       "power_status",
                                          "host",    "restart_cause", "boot_progress",
                                          "bmc_boot" };
    static const char *const bad_values[] = { "null", "true", "[]", "{}", "\"\"", "-1", "1.5" };
    SimHardware hw;
    char *text;

    (void) state;
    text = with_field("none", NULL);
    assert_string_equal(text, VALID);
    assert_int_equal(decode(text, &hw, NULL), 0);
    free(text);
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        text = with_field(fields[i], NULL);
        expect_invalid(text, fields[i]);
        free(text);
        for (size_t j = 0; j < sizeof(bad_values) / sizeof(bad_values[0]); j++) {
            text = with_field(fields[i], bad_values[j]);
            expect_invalid(text, fields[i]);
            free(text);
        }
    }
    /* Enum values of the wrong kind, "Unknown" and case changes are not states. */
    text = with_field("chassis", "\"Running\"");
    expect_invalid(text, "chassis");
    free(text);
    text = with_field("host", "\"Unknown\"");
    expect_invalid(text, "host");
    free(text);
    text = with_field("boot_progress", "\"osrunning\"");
    expect_invalid(text, "boot_progress");
    free(text);
    text = with_field("v", "2");
    expect_invalid(text, "'v'");
    free(text);
    /* Above 2^53 a double no longer holds every integer. */
    text = with_field("bmc_boot", "9007199254740994");
    expect_invalid(text, "bmc_boot");
    free(text);
    /* A field given twice is ambiguous. */
    text = with_field("host", "\"Running\",\"host\":\"Off\"");
    expect_invalid(text, "host");
    free(text);
}

static void test_sim_hardware_malformed_files(void **state)
{
    char big[SIM_HARDWARE_FILE_MAX + 2];
    SimHardware hw;
    size_t valid_len = strlen(VALID);

    (void) state;
    expect_invalid("", "empty");
    expect_invalid("not json", "JSON");
    expect_invalid("[1,2]", "object");
    expect_invalid(VALID "x", "trailing");
    expect_invalid(VALID VALID, "trailing");
    assert_int_equal(sim_hardware_decode(NULL, 0, &hw, NULL), -EBADMSG);
    /* A NUL inside the file. */
    {
        char with_nul[sizeof(VALID) + 1];

        memcpy(with_nul, VALID, valid_len);
        with_nul[valid_len] = '\0';
        with_nul[valid_len + 1] = ' ';
        assert_int_equal(sim_hardware_decode(with_nul, valid_len + 2, &hw, NULL), -EBADMSG);
    }
    /* Larger than the bound, even when it is valid JSON padded with spaces. */
    memset(big, ' ', sizeof(big));
    memcpy(big, VALID, valid_len);
    assert_int_equal(sim_hardware_decode(big, SIM_HARDWARE_FILE_MAX, &hw, NULL), 0);
    assert_int_equal(sim_hardware_decode(big, SIM_HARDWARE_FILE_MAX + 1, &hw, NULL), -EBADMSG);
    /* Every truncation is refused without reading past its end. */
    for (size_t n = 1; n < valid_len; n++) {
        char *copy = malloc(n);

        assert_non_null(copy);
        memcpy(copy, VALID, n);
        assert_int_equal(sim_hardware_decode(copy, n, &hw, NULL), -EBADMSG);
        free(copy);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sim_hardware_round_trip),
        cmocka_unit_test(test_sim_hardware_encode_refuses_invalid),
        cmocka_unit_test(test_sim_hardware_fields),
        cmocka_unit_test(test_sim_hardware_malformed_files),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
