/* SPDX-License-Identifier: Apache-2.0 */
/* psm-map and ac-loss as pure logic: PSM's D-Bus strings both ways, strictly; AC-loss files. */
/* cmocka needs these first, in this order. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <errno.h>
#include <string.h>

#include "ac-loss.h"
#include "psm-map.h"

static void test_psm_property_find_reads_only_ours(void **state)
{
    (void) state;
    assert_int_equal(psm_property_find("xyz.openbmc_project.State.BMC", "CurrentBMCState"),
                     PSM_PROP_CURRENT_BMC_STATE);
    assert_int_equal(psm_property_find("xyz.openbmc_project.State.BMC", "LastRebootCause"),
                     PSM_PROP_LAST_REBOOT_CAUSE);
    assert_int_equal(psm_property_find("xyz.openbmc_project.State.Chassis", "CurrentPowerState"),
                     PSM_PROP_CURRENT_POWER_STATE);
    assert_int_equal(psm_property_find("xyz.openbmc_project.State.Chassis", "CurrentPowerStatus"),
                     PSM_PROP_CURRENT_POWER_STATUS);
    assert_int_equal(psm_property_find("xyz.openbmc_project.State.Host", "CurrentHostState"),
                     PSM_PROP_CURRENT_HOST_STATE);
    assert_int_equal(psm_property_find("xyz.openbmc_project.State.Host", "RestartCause"),
                     PSM_PROP_RESTART_CAUSE);
    assert_int_equal(psm_property_find("xyz.openbmc_project.State.Boot.Progress", "BootProgress"),
                     PSM_PROP_BOOT_PROGRESS);
    /* Right name, wrong interface; ours but not read; nothing. */
    assert_int_equal(psm_property_find("xyz.openbmc_project.State.Host", "BootProgress"), -ENOENT);
    assert_int_equal(psm_property_find("xyz.openbmc_project.State.Host", "RequestedHostTransition"),
                     -ENOENT);
    assert_int_equal(psm_property_find("xyz.openbmc_project.State.Chassis", "LastStateChangeTime"),
                     -ENOENT);
    assert_int_equal(psm_property_find(NULL, "CurrentHostState"), -ENOENT);
    assert_int_equal(psm_property_find("xyz.openbmc_project.State.Host", NULL), -ENOENT);

    for (int p = 0; p < PSM_PROP_COUNT; p++) {
        assert_int_equal(psm_property_find(psm_property_interface((PsmProperty) p),
                                           psm_property_name((PsmProperty) p)),
                         p);
    }
    assert_null(psm_property_name(PSM_PROP_COUNT));
    assert_int_equal(psm_property_kind(PSM_PROP_BOOT_PROGRESS), SB_KIND_BOOT_PROGRESS);
    assert_int_equal(psm_property_kind(PSM_PROP_RESTART_CAUSE), SB_KIND_HOST);
    assert_true(psm_property_is_state(PSM_PROP_CURRENT_POWER_STATE));
    assert_false(psm_property_is_state(PSM_PROP_CURRENT_POWER_STATUS));
}

static void test_psm_value_decode_every_value(void **state)
{
    static const struct {
        PsmProperty p;
        const char *s;
        int value;
    } cases[] = {
        { PSM_PROP_CURRENT_BMC_STATE, "xyz.openbmc_project.State.BMC.BMCState.Ready",
          SB_BMC_READY },
        { PSM_PROP_CURRENT_BMC_STATE, "xyz.openbmc_project.State.BMC.BMCState.NotReady",
          SB_BMC_NOT_READY },
        { PSM_PROP_CURRENT_BMC_STATE, "xyz.openbmc_project.State.BMC.BMCState.UpdateInProgress",
          SB_BMC_UPDATE_IN_PROGRESS },
        { PSM_PROP_CURRENT_BMC_STATE, "xyz.openbmc_project.State.BMC.BMCState.Quiesced",
          SB_BMC_QUIESCED },
        { PSM_PROP_LAST_REBOOT_CAUSE, "xyz.openbmc_project.State.BMC.RebootCause.POR",
          SB_REBOOT_CAUSE_POR },
        { PSM_PROP_LAST_REBOOT_CAUSE, "xyz.openbmc_project.State.BMC.RebootCause.Unknown",
          SB_REBOOT_CAUSE_UNKNOWN },
        /* PSM sets it after a software reboot (watchdog bootstatus WDIOF_EXTERN1). */
        { PSM_PROP_LAST_REBOOT_CAUSE, "xyz.openbmc_project.State.BMC.RebootCause.Software",
          SB_REBOOT_CAUSE_SOFTWARE },
        { PSM_PROP_CURRENT_POWER_STATE, "xyz.openbmc_project.State.Chassis.PowerState.On",
          SB_CHASSIS_ON },
        { PSM_PROP_CURRENT_POWER_STATE,
          "xyz.openbmc_project.State.Chassis.PowerState.TransitioningToOff",
          SB_CHASSIS_TRANSITIONING_TO_OFF },
        { PSM_PROP_CURRENT_POWER_STATUS,
          "xyz.openbmc_project.State.Chassis.PowerStatus.UninterruptiblePowerSupply",
          SB_POWER_STATUS_UPS },
        { PSM_PROP_CURRENT_HOST_STATE, "xyz.openbmc_project.State.Host.HostState.DiagnosticMode",
          SB_HOST_DIAGNOSTIC_MODE },
        { PSM_PROP_RESTART_CAUSE, "xyz.openbmc_project.State.Host.RestartCause.HostCrash",
          SB_RESTART_CAUSE_HOST_CRASH },
        { PSM_PROP_RESTART_CAUSE, "xyz.openbmc_project.State.Host.RestartCause.Unknown",
          SB_RESTART_CAUSE_UNKNOWN },
        { PSM_PROP_BOOT_PROGRESS,
          "xyz.openbmc_project.State.Boot.Progress.ProgressStages.OSRunning", SB_BOOT_OS_RUNNING },
        { PSM_PROP_BOOT_PROGRESS, "xyz.openbmc_project.State.Boot.Progress.ProgressStages.OEM",
          SB_BOOT_OEM },
    };

    (void) state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(psm_value_decode(cases[i].p, cases[i].s), cases[i].value);
    }
}

static void test_psm_value_decode_is_strict(void **state)
{
    static const struct {
        PsmProperty p;
        const char *s;
    } bad[] = {
        { PSM_PROP_CURRENT_HOST_STATE, "Running" }, /* the contract's word, not PSM's */
        { PSM_PROP_CURRENT_HOST_STATE, "xyz.openbmc_project.State.Host.HostState." },
        { PSM_PROP_CURRENT_HOST_STATE, "xyz.openbmc_project.State.Host.HostState.running" },
        { PSM_PROP_CURRENT_HOST_STATE, "xyz.openbmc_project.State.Host.HostState.Running " },
        { PSM_PROP_CURRENT_HOST_STATE, "xyz.openbmc_project.State.Host.HostState.Unknown" },
        /* A value of another property. */
        { PSM_PROP_CURRENT_HOST_STATE, "xyz.openbmc_project.State.Chassis.PowerState.On" },
        { PSM_PROP_CURRENT_POWER_STATE, "xyz.openbmc_project.State.Chassis.PowerStatus.Good" },
        { PSM_PROP_CURRENT_BMC_STATE, "xyz.openbmc_project.State.BMC.RebootCause.POR" },
        { PSM_PROP_BOOT_PROGRESS, "xyz.openbmc_project.State.Boot.Progress.ProgressStages.X" },
        { PSM_PROP_BOOT_PROGRESS, "" },
        { PSM_PROP_COUNT, "xyz.openbmc_project.State.Host.HostState.Running" },
    };

    (void) state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(psm_value_decode(bad[i].p, bad[i].s), -EINVAL);
    }
    assert_int_equal(psm_value_decode(PSM_PROP_CURRENT_HOST_STATE, NULL), -EINVAL);
}

static void test_psm_transition_encode(void **state)
{
    const char *interface = NULL, *property = NULL;
    char buf[128];

    (void) state;
    assert_int_equal(psm_transition_encode(SB_TARGET_HOST, SB_TRANSITION_ON, &interface, &property,
                                           buf, sizeof(buf)),
                     0);
    assert_string_equal(interface, "xyz.openbmc_project.State.Host");
    assert_string_equal(property, "RequestedHostTransition");
    assert_string_equal(buf, "xyz.openbmc_project.State.Host.Transition.On");

    assert_int_equal(psm_transition_encode(SB_TARGET_HOST, SB_TRANSITION_GRACEFUL_WARM_REBOOT,
                                           &interface, &property, buf, sizeof(buf)),
                     0);
    assert_string_equal(buf, "xyz.openbmc_project.State.Host.Transition.GracefulWarmReboot");

    assert_int_equal(psm_transition_encode(SB_TARGET_CHASSIS, SB_TRANSITION_POWER_CYCLE, &interface,
                                           &property, buf, sizeof(buf)),
                     0);
    assert_string_equal(interface, "xyz.openbmc_project.State.Chassis");
    assert_string_equal(property, "RequestedPowerTransition");
    assert_string_equal(buf, "xyz.openbmc_project.State.Chassis.Transition.PowerCycle");

    assert_int_equal(psm_transition_encode(SB_TARGET_BMC, SB_TRANSITION_HARD_REBOOT, &interface,
                                           &property, buf, sizeof(buf)),
                     0);
    assert_string_equal(interface, "xyz.openbmc_project.State.BMC");
    assert_string_equal(property, "RequestedBMCTransition");
    assert_string_equal(buf, "xyz.openbmc_project.State.BMC.Transition.HardReboot");

    /* Not a transition of that target; a buffer too small. */
    assert_int_equal(psm_transition_encode(SB_TARGET_BMC, SB_TRANSITION_ON, &interface, &property,
                                           buf, sizeof(buf)),
                     -EINVAL);
    assert_int_equal(psm_transition_encode(SB_TARGET_CHASSIS, SB_TRANSITION_REBOOT, &interface,
                                           &property, buf, sizeof(buf)),
                     -EINVAL);
    assert_int_equal(
            psm_transition_encode(SB_TARGET_HOST, SB_TRANSITION_ON, &interface, &property, buf, 20),
            -ENOSPC);
}

static void test_psm_observation_apply(void **state)
{
    NodeObservation host = { .kind = SB_KIND_HOST, .state = SB_HOST_OFF };
    NodeObservation chassis = { .kind = SB_KIND_CHASSIS, .state = SB_CHASSIS_OFF };
    NodeObservation bmc = { .kind = SB_KIND_BMC, .state = SB_BMC_NOT_READY };

    (void) state;
    assert_true(psm_observation_apply(&host, PSM_PROP_CURRENT_HOST_STATE, SB_HOST_RUNNING));
    assert_false(psm_observation_apply(&host, PSM_PROP_CURRENT_HOST_STATE, SB_HOST_RUNNING));
    assert_true(
            psm_observation_apply(&host, PSM_PROP_RESTART_CAUSE, SB_RESTART_CAUSE_REMOTE_COMMAND));
    assert_int_equal(host.state, SB_HOST_RUNNING);
    assert_int_equal(host.restart_cause, SB_RESTART_CAUSE_REMOTE_COMMAND);

    assert_true(psm_observation_apply(&chassis, PSM_PROP_CURRENT_POWER_STATUS,
                                      SB_POWER_STATUS_BROWN_OUT));
    assert_false(psm_observation_apply(&chassis, PSM_PROP_CURRENT_POWER_STATUS,
                                       SB_POWER_STATUS_BROWN_OUT));
    assert_int_equal(chassis.state, SB_CHASSIS_OFF);
    assert_int_equal(chassis.power_status, SB_POWER_STATUS_BROWN_OUT);

    assert_true(psm_observation_apply(&bmc, PSM_PROP_LAST_REBOOT_CAUSE, SB_REBOOT_CAUSE_WATCHDOG));
    assert_true(psm_observation_apply(&bmc, PSM_PROP_CURRENT_BMC_STATE, SB_BMC_READY));
    assert_int_equal(bmc.last_reboot_cause, SB_REBOOT_CAUSE_WATCHDOG);
    assert_false(psm_observation_apply(&bmc, PSM_PROP_COUNT, 1));
}

static void test_ac_loss_file_says(void **state)
{
    static const char *const yes[] = { "", "1", "1\n", "true", " yes ", "lost", "2" };
    static const char *const no[] = { "0", "0\n", " false\n", "FALSE", "No", "\t0 \r\n" };

    (void) state;
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        assert_true(ac_loss_file_says(yes[i], strlen(yes[i])));
    }
    for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
        assert_false(ac_loss_file_says(no[i], strlen(no[i])));
    }
    /* Not NUL-terminated: only len counts. */
    assert_false(ac_loss_file_says("0123", 1));
    assert_true(ac_loss_file_says("00", 2));
}

/* x86-power-control has no Boot.Progress: its OperatingSystemState says what is known. */
static void test_psm_os_status_boot_progress(void **state)
{
    (void) state;
    assert_int_equal(psm_os_status_boot_progress(
                             "xyz.openbmc_project.State.OperatingSystem.Status.OSStatus.Inactive"),
                     SB_BOOT_UNSPECIFIED);
    assert_int_equal(psm_os_status_boot_progress(
                             "xyz.openbmc_project.State.OperatingSystem.Status.OSStatus.Standby"),
                     SB_BOOT_SYSTEM_INIT_COMPLETE);
    assert_int_equal(psm_os_status_boot_progress(
                             "xyz.openbmc_project.State.OperatingSystem.Status.OSStatus.PXEBoot"),
                     SB_BOOT_OS_START);
    assert_int_equal(
            psm_os_status_boot_progress(
                    "xyz.openbmc_project.State.OperatingSystem.Status.OSStatus.BootComplete"),
            SB_BOOT_OS_RUNNING);
    assert_int_equal(psm_os_status_boot_progress("Standby"), -EINVAL);
    assert_int_equal(psm_os_status_boot_progress(
                             "xyz.openbmc_project.State.OperatingSystem.Status.OSStatus.Standb"),
                     -EINVAL);
    assert_int_equal(psm_os_status_boot_progress(NULL), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_psm_property_find_reads_only_ours),
        cmocka_unit_test(test_psm_value_decode_every_value),
        cmocka_unit_test(test_psm_value_decode_is_strict),
        cmocka_unit_test(test_psm_transition_encode),
        cmocka_unit_test(test_psm_observation_apply),
        cmocka_unit_test(test_psm_os_status_boot_progress),
        cmocka_unit_test(test_ac_loss_file_says),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
