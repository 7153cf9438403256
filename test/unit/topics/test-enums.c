/* SPDX-License-Identifier: Apache-2.0 */
/* The enum tables: strings, codes, ranks and the transition rules of topics/README.md. */
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

#include "statebus/enums.h"

/* PSM's enumerations in their phosphor-dbus-interfaces order: code = position + 1. */
static const char *const bmc_states[] = { "Ready", "NotReady", "UpdateInProgress", "Quiesced" };
/* Except the reboot causes: Software was added to PDI before Unknown later and appended here
 * (codes are never renumbered). */
static const char *const reboot_causes[] = { "POR", "PinholeReset", "Watchdog", "Unknown",
                                             "Software" };
static const char *const chassis_states[] = { "Off", "TransitioningToOff", "On",
                                              "TransitioningToOn" };
static const char *const power_statuses[] = { "Undefined", "BrownOut", "UninterruptiblePowerSupply",
                                              "Good" };
static const char *const host_states[] = { "Off",           "TransitioningToOff",     "Standby",
                                           "Running",       "TransitioningToRunning", "Quiesced",
                                           "DiagnosticMode" };
static const char *const restart_causes[] = { "Unknown",
                                              "RemoteCommand",
                                              "ResetButton",
                                              "PowerButton",
                                              "WatchdogTimer",
                                              "PowerPolicyAlwaysOn",
                                              "PowerPolicyPreviousState",
                                              "SoftReset",
                                              "ScheduledPowerOn",
                                              "HostCrash" };
static const char *const boot_progress[] = { "Unspecified",        "PrimaryProcInit",   "BusInit",
                                             "MemoryInit",         "SecondaryProcInit", "PCIInit",
                                             "SystemInitComplete", "OSStart",           "OSRunning",
                                             "SystemSetup",        "MotherboardInit",   "OEM" };
static const char *const transitions[] = {
    "On", "Off", "PowerCycle", "Reboot", "GracefulWarmReboot", "ForceWarmReboot", "HardReboot"
};
static const char *const targets[] = { "chassis", "host", "bmc" };
static const char *const statuses[] = { "online", "offline", "lost" };
static const char *const policies[] = { "None", "AlwaysOn", "AlwaysOff", "Restore" };
static const char *const event_kinds[] = {
    "accepted",  "queued",      "dispatched", "completed", "failed",    "rejected",
    "cancelled", "expired",     "duplicate",  "node-lost", "node-back", "power-restore",
    "setting",   "clock-drift", "scheduled",  "superseded"
};
static const char *const setting_names[] = { "power-restore-policy", "power-restore-delay",
                                             "power-restore-one-time", "scheduled-transition" };

typedef struct Expected {
    const char *const *strings; /* values 1..count-1 */
    const char *zero;           /* string of 0: "Unknown" for the state enums */
    SbEnumType type;
    int count; /* including 0 */
} Expected;

#define EXPECTED(type, strings, zero)                                                 \
    {                                                                                 \
        (strings), (zero), (type), (int) (sizeof(strings) / sizeof((strings)[0])) + 1 \
    }

static const Expected expected[] = {
    EXPECTED(SB_ENUM_BMC_STATE, bmc_states, "Unknown"),
    EXPECTED(SB_ENUM_BMC_REBOOT_CAUSE, reboot_causes, NULL),
    EXPECTED(SB_ENUM_CHASSIS_STATE, chassis_states, "Unknown"),
    EXPECTED(SB_ENUM_POWER_STATUS, power_statuses, NULL),
    EXPECTED(SB_ENUM_HOST_STATE, host_states, "Unknown"),
    EXPECTED(SB_ENUM_RESTART_CAUSE, restart_causes, NULL),
    EXPECTED(SB_ENUM_BOOT_PROGRESS, boot_progress, "Unknown"),
    EXPECTED(SB_ENUM_TRANSITION, transitions, NULL),
    EXPECTED(SB_ENUM_TARGET, targets, NULL),
    EXPECTED(SB_ENUM_STATUS, statuses, NULL),
    EXPECTED(SB_ENUM_RESTORE_POLICY, policies, NULL),
    EXPECTED(SB_ENUM_EVENT_KIND, event_kinds, NULL),
    EXPECTED(SB_ENUM_SETTING_NAME, setting_names, NULL),
};

static void test_enums_strings_codes_and_round_trip(void **state)
{
    (void) state;
    for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++) {
        const Expected *e = &expected[i];

        assert_int_equal(sb_enum_count(e->type), e->count);
        if (e->zero) {
            assert_string_equal(sb_enum_to_string(e->type, 0), e->zero);
        } else {
            assert_null(sb_enum_to_string(e->type, 0));
        }
        for (int code = 1; code < e->count; code++) {
            const char *s = sb_enum_to_string(e->type, code);

            /* code = 1 + position in PSM's enumeration, and the string is PSM's own. */
            assert_non_null(s);
            assert_string_equal(s, e->strings[code - 1]);
            assert_int_equal(sb_enum_from_string(e->type, s, strlen(s)), code);
        }
        assert_null(sb_enum_to_string(e->type, e->count));
        assert_null(sb_enum_to_string(e->type, -1));
    }
}

static void test_enums_every_table_is_checked(void **state)
{
    bool seen[SB_ENUM_TYPE_COUNT] = { false };

    (void) state;
    for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++) {
        seen[expected[i].type] = true;
    }
    seen[SB_ENUM_STATE_KIND] = true; /* test_enums_state_kind */
    for (int t = 0; t < SB_ENUM_TYPE_COUNT; t++) {
        assert_true(seen[t]);
    }
    assert_int_equal(sb_enum_count(SB_ENUM_TYPE_COUNT), -EINVAL);
    assert_null(sb_enum_to_string(SB_ENUM_TYPE_COUNT, 1));
    assert_int_equal(sb_enum_from_string(SB_ENUM_TYPE_COUNT, "On", 2), -EINVAL);
}

static void test_enums_strings_unique_within_each_enum(void **state)
{
    (void) state;
    for (int t = 0; t < SB_ENUM_TYPE_COUNT; t++) {
        int count = sb_enum_count((SbEnumType) t);

        for (int a = 0; a < count; a++) {
            for (int b = a + 1; b < count; b++) {
                const char *sa = sb_enum_to_string((SbEnumType) t, a);
                const char *sb = sb_enum_to_string((SbEnumType) t, b);

                if (sa && sb) {
                    assert_string_not_equal(sa, sb);
                }
            }
        }
    }
}

static void test_enums_unknown_never_accepted(void **state)
{
    static const SbEnumType state_enums[] = { SB_ENUM_BMC_STATE, SB_ENUM_CHASSIS_STATE,
                                              SB_ENUM_HOST_STATE, SB_ENUM_BOOT_PROGRESS };

    (void) state;
    for (size_t i = 0; i < sizeof(state_enums) / sizeof(state_enums[0]); i++) {
        assert_int_equal(sb_enum_from_string(state_enums[i], "Unknown", 7), -EINVAL);
    }
    /* Where PSM itself has an "Unknown" value, it is that value, not 0. */
    assert_int_equal(sb_enum_from_string(SB_ENUM_RESTART_CAUSE, "Unknown", 7),
                     SB_RESTART_CAUSE_UNKNOWN);
    assert_int_equal(sb_enum_from_string(SB_ENUM_BMC_REBOOT_CAUSE, "Unknown", 7),
                     SB_REBOOT_CAUSE_UNKNOWN);
}

static void test_enums_from_string_is_exact(void **state)
{
    (void) state;
    assert_int_equal(sb_enum_from_string(SB_ENUM_BMC_STATE, "ready", 5), -EINVAL);
    assert_int_equal(sb_enum_from_string(SB_ENUM_BMC_STATE, "Ready ", 6), -EINVAL);
    assert_int_equal(sb_enum_from_string(SB_ENUM_BMC_STATE, "Read", 4), -EINVAL);
    assert_int_equal(sb_enum_from_string(SB_ENUM_BMC_STATE, "", 0), -EINVAL);
    assert_int_equal(sb_enum_from_string(SB_ENUM_BMC_STATE, NULL, 0), -EINVAL);
    /* Length-bounded: no NUL needed, nothing read past len. */
    assert_int_equal(sb_enum_from_string(SB_ENUM_TRANSITION, "OnX", 2), SB_TRANSITION_ON);
    assert_int_equal(sb_enum_from_string(SB_ENUM_TRANSITION, "Of\0f", 4), -EINVAL);
}

static void test_enums_state_kind(void **state)
{
    static const char *const names[] = { "bmc", "chassis", "host", "boot-progress", "hypervisor" };

    (void) state;
    assert_int_equal(sb_enum_count(SB_ENUM_STATE_KIND), SB_KIND_COUNT);
    for (int k = 0; k < SB_KIND_COUNT; k++) {
        assert_string_equal(sb_enum_to_string(SB_ENUM_STATE_KIND, k), names[k]);
        assert_int_equal(sb_enum_from_string(SB_ENUM_STATE_KIND, names[k], strlen(names[k])), k);
    }
    assert_int_equal(sb_state_kind_enum(SB_KIND_BMC), SB_ENUM_BMC_STATE);
    assert_int_equal(sb_state_kind_enum(SB_KIND_CHASSIS), SB_ENUM_CHASSIS_STATE);
    assert_int_equal(sb_state_kind_enum(SB_KIND_HOST), SB_ENUM_HOST_STATE);
    assert_int_equal(sb_state_kind_enum(SB_KIND_BOOT_PROGRESS), SB_ENUM_BOOT_PROGRESS);
    assert_int_equal(sb_state_kind_enum(SB_KIND_HYPERVISOR), SB_ENUM_HOST_STATE);
    assert_int_equal(sb_enum_count(sb_state_kind_enum(SB_KIND_COUNT)), -EINVAL);
}

/* The values of kind in README's "least advanced first" order must rank 0, 1, 2...; every
 * other value (and 0 and out of range) ranks -1. */
static void check_order(SbStateKind kind, const int *order, size_t n)
{
    int count = sb_enum_count(sb_state_kind_enum(kind));

    for (int v = -1; v <= count; v++) {
        int want = -1;

        for (size_t i = 0; i < n; i++) {
            if (order[i] == v) {
                want = (int) i;
            }
        }
        assert_int_equal(sb_state_rank(kind, v), want);
    }
}

static void test_enums_rank_orders(void **state)
{
    static const int bmc[] = { SB_BMC_NOT_READY, SB_BMC_UPDATE_IN_PROGRESS, SB_BMC_READY };
    static const int chassis[] = { SB_CHASSIS_OFF, SB_CHASSIS_ON };
    static const int host[] = { SB_HOST_OFF, SB_HOST_STANDBY, SB_HOST_RUNNING };
    static const int boot[] = {
        SB_BOOT_UNSPECIFIED,          SB_BOOT_OEM,      SB_BOOT_MOTHERBOARD_INIT,
        SB_BOOT_PRIMARY_PROC_INIT,    SB_BOOT_BUS_INIT, SB_BOOT_MEMORY_INIT,
        SB_BOOT_SECONDARY_PROC_INIT,  SB_BOOT_PCI_INIT, SB_BOOT_SYSTEM_SETUP,
        SB_BOOT_SYSTEM_INIT_COMPLETE, SB_BOOT_OS_START, SB_BOOT_OS_RUNNING
    };

    (void) state;
    check_order(SB_KIND_BMC, bmc, sizeof(bmc) / sizeof(bmc[0]));
    check_order(SB_KIND_CHASSIS, chassis, sizeof(chassis) / sizeof(chassis[0]));
    check_order(SB_KIND_HOST, host, sizeof(host) / sizeof(host[0]));
    check_order(SB_KIND_HYPERVISOR, host, sizeof(host) / sizeof(host[0]));
    check_order(SB_KIND_BOOT_PROGRESS, boot, sizeof(boot) / sizeof(boot[0]));
    assert_int_equal(sb_state_rank(SB_KIND_COUNT, 1), -1);
}

static void test_enums_transitional_states(void **state)
{
    (void) state;
    for (int k = 0; k < SB_KIND_COUNT; k++) {
        int count = sb_enum_count(sb_state_kind_enum((SbStateKind) k));

        for (int v = -1; v <= count; v++) {
            const char *s = sb_enum_to_string(sb_state_kind_enum((SbStateKind) k), v);
            bool want = v > 0 && s && strncmp(s, "TransitioningTo", 15) == 0;

            assert_int_equal(sb_state_is_transitional((SbStateKind) k, v), want);
        }
    }
}

static void test_enums_transition_rules(void **state)
{
    /* README "Transitions" and "The gate", as a table: valid, gated. */
    static const struct {
        SbTarget target;
        SbTransition transition;
        bool valid, gated;
    } rules[] = {
        { SB_TARGET_CHASSIS, SB_TRANSITION_ON, true, true },
        { SB_TARGET_CHASSIS, SB_TRANSITION_OFF, true, false },
        { SB_TARGET_CHASSIS, SB_TRANSITION_POWER_CYCLE, true, true },
        { SB_TARGET_HOST, SB_TRANSITION_ON, true, true },
        { SB_TARGET_HOST, SB_TRANSITION_OFF, true, false },
        { SB_TARGET_HOST, SB_TRANSITION_REBOOT, true, true },
        { SB_TARGET_HOST, SB_TRANSITION_GRACEFUL_WARM_REBOOT, true, true },
        { SB_TARGET_HOST, SB_TRANSITION_FORCE_WARM_REBOOT, true, true },
        { SB_TARGET_BMC, SB_TRANSITION_REBOOT, true, false },
        { SB_TARGET_BMC, SB_TRANSITION_HARD_REBOOT, true, false },
    };

    (void) state;
    for (int t = -1; t <= SB_TARGET_COUNT; t++) {
        for (int x = -1; x <= SB_TRANSITION_COUNT; x++) {
            bool valid = false, gated = false;

            for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
                if ((int) rules[i].target == t && (int) rules[i].transition == x) {
                    valid = rules[i].valid;
                    gated = rules[i].gated;
                }
            }
            assert_int_equal(sb_transition_valid_for((SbTarget) t, (SbTransition) x), valid);
            assert_int_equal(sb_transition_is_gated((SbTarget) t, (SbTransition) x), gated);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_enums_strings_codes_and_round_trip),
        cmocka_unit_test(test_enums_every_table_is_checked),
        cmocka_unit_test(test_enums_strings_unique_within_each_enum),
        cmocka_unit_test(test_enums_unknown_never_accepted),
        cmocka_unit_test(test_enums_from_string_is_exact),
        cmocka_unit_test(test_enums_state_kind),
        cmocka_unit_test(test_enums_rank_orders),
        cmocka_unit_test(test_enums_transitional_states),
        cmocka_unit_test(test_enums_transition_rules),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
