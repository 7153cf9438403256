/* SPDX-License-Identifier: Apache-2.0 */
/* statebus-dbus's pure mapping: rollups/requests -> PSM D-Bus values, writes -> answers and
 * requests (dbus/dbus-values.h, dbus-model.h, dbus-write.h). */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <errno.h>
#include <string.h>

#include "dbus-model.h"
#include "dbus-values.h"
#include "dbus-write.h"

#define ST "xyz.openbmc_project.State."

static void rollup(DbusModel *m, SbStateKind kind, int state, uint64_t since)
{
    SbRollupMsg r = { .kind = kind, .state = state, .since_ms = since, .expected = 2 };

    dbus_model_rollup(m, &r);
}

static void online(DbusModel *m)
{
    SbStatusMsg s = { .status = SB_STATUS_ONLINE, .epoch = 1 };

    dbus_model_system_status(m, &s);
}

static void test_values_are_full_pdi_strings(void **state)
{
    (void) state;
    assert_string_equal(dbus_value_string(SB_ENUM_HOST_STATE, SB_HOST_RUNNING),
                        ST "Host.HostState.Running");
    assert_string_equal(dbus_value_string(SB_ENUM_CHASSIS_STATE, SB_CHASSIS_TRANSITIONING_TO_ON),
                        ST "Chassis.PowerState.TransitioningToOn");
    assert_string_equal(dbus_value_string(SB_ENUM_BOOT_PROGRESS, SB_BOOT_OS_RUNNING),
                        ST "Boot.Progress.ProgressStages.OSRunning");
    assert_string_equal(dbus_value_string(SB_ENUM_POWER_STATUS, SB_POWER_STATUS_UPS),
                        ST "Chassis.PowerStatus.UninterruptiblePowerSupply");
    assert_string_equal(dbus_value_string(SB_ENUM_RESTART_CAUSE, SB_RESTART_CAUSE_UNKNOWN),
                        ST "Host.RestartCause.Unknown");
    /* statebus' "Unknown" (0) has no D-Bus string: no State enum has it. */
    assert_null(dbus_value_string(SB_ENUM_HOST_STATE, 0));
    assert_null(dbus_value_string(SB_ENUM_CHASSIS_STATE, 0));
    assert_null(dbus_value_string(SB_ENUM_BOOT_PROGRESS, 0));
    assert_null(dbus_value_string(SB_ENUM_HOST_STATE, SB_HOST_COUNT));
    assert_null(dbus_value_string(SB_ENUM_BMC_STATE, SB_BMC_READY));
}

static void test_transitions_parse_exactly(void **state)
{
    (void) state;
    assert_int_equal(dbus_transition_parse(SB_TARGET_HOST, ST "Host.Transition.On"),
                     SB_TRANSITION_ON);
    assert_int_equal(dbus_transition_parse(SB_TARGET_HOST, ST "Host.Transition.ForceWarmReboot"),
                     SB_TRANSITION_FORCE_WARM_REBOOT);
    assert_int_equal(dbus_transition_parse(SB_TARGET_CHASSIS, ST "Chassis.Transition.PowerCycle"),
                     SB_TRANSITION_POWER_CYCLE);
    /* Another interface's value, a bare word, a prefix, a suffix, a case change: no value. */
    assert_int_equal(dbus_transition_parse(SB_TARGET_HOST, ST "Chassis.Transition.On"), -EINVAL);
    assert_int_equal(dbus_transition_parse(SB_TARGET_CHASSIS, ST "Chassis.Transition.Reboot"),
                     -EINVAL);
    assert_int_equal(dbus_transition_parse(SB_TARGET_HOST, "On"), -EINVAL);
    assert_int_equal(dbus_transition_parse(SB_TARGET_HOST, ST "Host.Transition.O"), -EINVAL);
    assert_int_equal(dbus_transition_parse(SB_TARGET_HOST, ST "Host.Transition.On "), -EINVAL);
    assert_int_equal(dbus_transition_parse(SB_TARGET_HOST, ST "Host.Transition.on"), -EINVAL);
    assert_int_equal(dbus_transition_parse(SB_TARGET_HOST, ""), -EINVAL);
    assert_int_equal(dbus_transition_parse(SB_TARGET_BMC, ST "BMC.Transition.Reboot"), -EINVAL);
    assert_int_equal(dbus_transition_parse(SB_TARGET_HOST, NULL), -EINVAL);
}

static void test_os_status_is_derived(void **state)
{
    (void) state;
    assert_int_equal(dbus_os_status_derive(SB_HOST_OFF, SB_BOOT_OS_RUNNING), DBUS_OS_INACTIVE);
    assert_int_equal(dbus_os_status_derive(SB_HOST_TRANSITIONING_TO_OFF, SB_BOOT_OS_RUNNING),
                     DBUS_OS_INACTIVE);
    assert_int_equal(dbus_os_status_derive(SB_HOST_UNKNOWN, SB_BOOT_UNKNOWN), DBUS_OS_INACTIVE);
    assert_int_equal(dbus_os_status_derive(SB_HOST_RUNNING, SB_BOOT_OS_RUNNING),
                     DBUS_OS_BOOT_COMPLETE);
    assert_int_equal(dbus_os_status_derive(SB_HOST_RUNNING, SB_BOOT_OS_START), DBUS_OS_STANDBY);
    assert_int_equal(dbus_os_status_derive(SB_HOST_TRANSITIONING_TO_RUNNING, SB_BOOT_PCI_INIT),
                     DBUS_OS_STANDBY);
    assert_int_equal(dbus_os_status_derive(SB_HOST_QUIESCED, SB_BOOT_OS_RUNNING), DBUS_OS_STANDBY);
    assert_string_equal(dbus_os_status_string(DBUS_OS_BOOT_COMPLETE),
                        ST "OperatingSystem.Status.OSStatus.BootComplete");
}

static void test_view_not_ready_until_every_value_is_real(void **state)
{
    DbusModel m;
    DbusView v;

    (void) state;
    dbus_model_init(&m);
    dbus_view_build(&m, &v);
    assert_false(v.ready[DBUS_OBJECT_HOST]);
    assert_false(v.ready[DBUS_OBJECT_CHASSIS]);
    assert_false(v.ready[DBUS_OBJECT_HYPERVISOR]);
    assert_null(v.current_host);

    /* "Unknown" rollups are not values. */
    rollup(&m, SB_KIND_HOST, 0, 5);
    rollup(&m, SB_KIND_CHASSIS, 0, 5);
    dbus_view_build(&m, &v);
    assert_false(v.ready[DBUS_OBJECT_HOST]);
    assert_false(v.ready[DBUS_OBJECT_CHASSIS]);

    rollup(&m, SB_KIND_HOST, SB_HOST_OFF, 1000);
    dbus_view_build(&m, &v);
    assert_false(v.ready[DBUS_OBJECT_HOST]); /* boot progress still unknown */
    rollup(&m, SB_KIND_BOOT_PROGRESS, SB_BOOT_UNSPECIFIED, 2000);
    rollup(&m, SB_KIND_CHASSIS, SB_CHASSIS_OFF, 3000);
    dbus_view_build(&m, &v);
    assert_true(v.ready[DBUS_OBJECT_HOST]);
    assert_true(v.ready[DBUS_OBJECT_CHASSIS]);
    assert_string_equal(v.current_host, ST "Host.HostState.Off");
    assert_string_equal(v.requested_host, ST "Host.Transition.Off");
    assert_string_equal(v.restart_cause, ST "Host.RestartCause.Unknown");
    assert_string_equal(v.os_state, ST "OperatingSystem.Status.OSStatus.Inactive");
    assert_int_equal(v.boot_last_update_us, 2000u * 1000u); /* microseconds */
    assert_int_equal(v.last_state_change_ms, 3000u);        /* milliseconds */
    assert_string_equal(v.power_status, ST "Chassis.PowerStatus.Undefined");

    /* A later Unknown (a coordinator restart that has not heard a node) keeps the last value. */
    rollup(&m, SB_KIND_HOST, 0, 9000);
    dbus_view_build(&m, &v);
    assert_string_equal(v.current_host, ST "Host.HostState.Off");
    dbus_model_done(&m);
}

static void test_initial_requested_follows_psm(void **state)
{
    DbusModel m;
    DbusView v;

    (void) state;
    dbus_model_init(&m);
    rollup(&m, SB_KIND_HOST, SB_HOST_RUNNING, 1);
    rollup(&m, SB_KIND_CHASSIS, SB_CHASSIS_ON, 1);
    dbus_view_build(&m, &v);
    assert_string_equal(v.requested_host, ST "Host.Transition.On");
    assert_string_equal(v.requested_power, ST "Chassis.Transition.On");
    dbus_model_done(&m);
}

static void test_diff_names_every_changed_property(void **state)
{
    DbusModel m;
    DbusView a, b;

    (void) state;
    dbus_model_init(&m);
    rollup(&m, SB_KIND_HOST, SB_HOST_OFF, 1);
    rollup(&m, SB_KIND_BOOT_PROGRESS, SB_BOOT_UNSPECIFIED, 1);
    dbus_view_build(&m, &a);
    assert_int_equal(dbus_view_diff(&a, &a), 0);
    rollup(&m, SB_KIND_HOST, SB_HOST_RUNNING, 2);
    rollup(&m, SB_KIND_BOOT_PROGRESS, SB_BOOT_OS_RUNNING, 3);
    dbus_view_build(&m, &b);
    /* Running + OSRunning: the host, the initial Requested (On), boot progress and its time,
     * and the derived OS state all change. */
    assert_int_equal(dbus_view_diff(&a, &b),
                     (1u << DBUS_PROP_CURRENT_HOST) | (1u << DBUS_PROP_REQUESTED_HOST) |
                             (1u << DBUS_PROP_BOOT_PROGRESS) | (1u << DBUS_PROP_BOOT_LAST_UPDATE) |
                             (1u << DBUS_PROP_OS_STATE));
    assert_string_equal(dbus_prop_name(DBUS_PROP_BOOT_LAST_UPDATE), "BootProgressLastUpdate");
    assert_string_equal(dbus_prop_interface(DBUS_PROP_OS_STATE), DBUS_OS_IFACE);
    assert_int_equal(dbus_prop_object(DBUS_PROP_LAST_STATE_CHANGE), DBUS_OBJECT_CHASSIS);
    dbus_model_done(&m);
}

static SbRequestInfo
req(SbRequestPhase phase, const char *id, SbTarget target, SbTransition t, SbEventKind result)
{
    SbRequestInfo r = { .phase = phase, .target = target, .transition = t, .result = result };

    (void) strcpy(r.id, id);
    return r;
}

static void test_requested_is_last_accepted_of_any_origin(void **state)
{
    DbusModel m;
    DbusView v;
    SbRequestsMsg q = { .gate_open = false,
                        .not_ready = 1,
                        .waiting_for = { 2 },
                        .n_waiting_for = 1 };

    (void) state;
    dbus_model_init(&m);
    rollup(&m, SB_KIND_HOST, SB_HOST_OFF, 1);
    rollup(&m, SB_KIND_CHASSIS, SB_CHASSIS_OFF, 1);
    /* A queued host On from statebusctl; the chassis' last request was rejected (never
     * accepted): the chassis keeps showing its initial value. */
    q.requests[0] = req(SB_REQUEST_PENDING, "ctl-1", SB_TARGET_HOST, SB_TRANSITION_ON, 0);
    q.requests[1] =
            req(SB_REQUEST_DONE, "ctl-0", SB_TARGET_CHASSIS, SB_TRANSITION_ON, SB_EVENT_REJECTED);
    q.requests[2] =
            req(SB_REQUEST_DONE, "ctl-x", SB_TARGET_HOST, SB_TRANSITION_OFF, SB_EVENT_COMPLETED);
    q.n_requests = 3;
    dbus_model_requests(&m, &q);
    dbus_view_build(&m, &v);
    assert_string_equal(v.requested_host, ST "Host.Transition.On");
    assert_string_equal(v.requested_power, ST "Chassis.Transition.Off");
    assert_string_equal(v.restart_cause, ST "Host.RestartCause.RemoteCommand");
    assert_false(m.gate_open);

    /* A power restore's request: PowerPolicyPreviousState under Restore. */
    SbPowerRestoreMsg pr = { .policy = SB_POLICY_RESTORE, .action = SB_TRANSITION_ON };
    (void) strcpy(pr.id, "power-restore-3");
    dbus_model_power_restore(&m, &pr);
    q.requests[0] = req(SB_REQUEST_ACTIVE, "power-restore-3", SB_TARGET_HOST, SB_TRANSITION_ON, 0);
    q.n_requests = 1;
    dbus_model_requests(&m, &q);
    dbus_view_build(&m, &v);
    assert_string_equal(v.restart_cause, ST "Host.RestartCause.PowerPolicyPreviousState");

    q.requests[0] = req(SB_REQUEST_DONE, "scheduled-1700000000", SB_TARGET_HOST, SB_TRANSITION_ON,
                        SB_EVENT_COMPLETED);
    dbus_model_requests(&m, &q);
    dbus_view_build(&m, &v);
    assert_string_equal(v.restart_cause, ST "Host.RestartCause.ScheduledPowerOn");

    /* A D-Bus write the coordinator then rejects (it refuses while not Ready) was never
     * accepted: Requested goes back to what the state says. */
    dbus_model_local_request(&m, SB_TARGET_CHASSIS, SB_TRANSITION_ON, "dbus-1-9");
    dbus_view_build(&m, &v);
    assert_string_equal(v.requested_power, ST "Chassis.Transition.On");
    q.requests[0] = req(SB_REQUEST_DONE, "dbus-1-9", SB_TARGET_CHASSIS, SB_TRANSITION_ON,
                        SB_EVENT_REJECTED);
    q.n_requests = 1;
    dbus_model_requests(&m, &q);
    dbus_view_build(&m, &v);
    assert_string_equal(v.requested_power, ST "Chassis.Transition.Off");

    /* A power restore waiting for power-restore-delay is listed pending with its not-before
     * time: PSM sets RequestedHostTransition only when the delay is over, so it stays. */
    q.requests[0] = req(SB_REQUEST_PENDING, "power-restore-4", SB_TARGET_HOST, SB_TRANSITION_ON, 0);
    q.requests[0].not_before_ms = 1700000030000;
    q.requests[1] =
            req(SB_REQUEST_DONE, "ctl-2", SB_TARGET_HOST, SB_TRANSITION_OFF, SB_EVENT_COMPLETED);
    q.n_requests = 2;
    dbus_model_requests(&m, &q);
    dbus_view_build(&m, &v);
    assert_string_equal(v.requested_host, ST "Host.Transition.Off");
    q.requests[0].not_before_ms = 0; /* the delay is over: queued behind the gate */
    dbus_model_requests(&m, &q);
    dbus_view_build(&m, &v);
    assert_string_equal(v.requested_host, ST "Host.Transition.On");
    q.requests[0] = req(SB_REQUEST_DONE, "scheduled-1700000000", SB_TARGET_HOST, SB_TRANSITION_ON,
                        SB_EVENT_COMPLETED);
    q.n_requests = 1;
    dbus_model_requests(&m, &q);

    /* An Off keeps the restart cause (it names the last power-on). */
    dbus_model_local_request(&m, SB_TARGET_HOST, SB_TRANSITION_OFF, "dbus-1-1");
    dbus_view_build(&m, &v);
    assert_string_equal(v.requested_host, ST "Host.Transition.Off");
    assert_string_equal(v.restart_cause, ST "Host.RestartCause.ScheduledPowerOn");
    dbus_model_done(&m);
}

static void chassis_status(DbusModel *m, uint32_t node, int status)
{
    SbStateMsg s = { .kind = SB_KIND_CHASSIS,
                     .node = node,
                     .state = SB_CHASSIS_ON,
                     .power_status = status };

    assert_int_equal(dbus_model_node_chassis(m, node, &s), 0);
}

static void test_power_status_is_worst_of_nodes(void **state)
{
    DbusModel m;
    DbusView v;
    SbStateMsg bad = { .node = 0 };

    (void) state;
    dbus_model_init(&m);
    chassis_status(&m, 1, SB_POWER_STATUS_GOOD);
    chassis_status(&m, 16384, SB_POWER_STATUS_GOOD);
    dbus_view_build(&m, &v);
    assert_string_equal(v.power_status, ST "Chassis.PowerStatus.Good");
    chassis_status(&m, 7, SB_POWER_STATUS_UPS);
    dbus_view_build(&m, &v);
    assert_string_equal(v.power_status, ST "Chassis.PowerStatus.UninterruptiblePowerSupply");
    chassis_status(&m, 1, SB_POWER_STATUS_BROWN_OUT);
    dbus_view_build(&m, &v);
    assert_string_equal(v.power_status, ST "Chassis.PowerStatus.BrownOut");
    chassis_status(&m, 1, SB_POWER_STATUS_GOOD);
    chassis_status(&m, 7, SB_POWER_STATUS_GOOD);
    chassis_status(&m, 7, 0); /* a message without power_status changes nothing */
    dbus_view_build(&m, &v);
    assert_string_equal(v.power_status, ST "Chassis.PowerStatus.Good");
    assert_int_equal(dbus_model_node_chassis(&m, 0, &bad), -EINVAL);
    assert_int_equal(dbus_model_node_chassis(&m, 16385, &bad), -EINVAL);
    dbus_model_done(&m);
}

static void test_hypervisor_only_while_published(void **state)
{
    DbusModel m;
    DbusView v;

    (void) state;
    dbus_model_init(&m);
    rollup(&m, SB_KIND_HYPERVISOR, SB_HOST_RUNNING, 1);
    dbus_view_build(&m, &v);
    assert_true(v.ready[DBUS_OBJECT_HYPERVISOR]);
    assert_string_equal(v.hv_current, ST "Host.HostState.Running");
    assert_string_equal(v.hv_requested, ST "Host.Transition.On");
    rollup(&m, SB_KIND_HYPERVISOR, 0, 2); /* the claimant withdrew */
    dbus_view_build(&m, &v);
    assert_false(v.ready[DBUS_OBJECT_HYPERVISOR]);
    dbus_model_done(&m);
}

static const DbusWritePolicy queue_policy = { .refuse_when_not_ready = false,
                                              .allowed_host = 0x7e };

static void test_write_answers(void **state)
{
    DbusWritePolicy all = queue_policy;
    DbusWritePolicy refuse = queue_policy;
    DbusWritePolicy no_force = queue_policy;
    DbusWriteAnswer a;
    DbusModel m;
    SbRequestsMsg q = { .gate_open = false,
                        .not_ready = 2,
                        .waiting_for = { 2, 4 },
                        .n_waiting_for = 2 };

    (void) state;
    all.allowed_host = dbus_write_all_host_transitions();
    refuse.allowed_host = all.allowed_host;
    refuse.refuse_when_not_ready = true;
    assert_int_equal(
            dbus_write_parse_host_mask("On,Off,Reboot,GracefulWarmReboot", &no_force.allowed_host),
            0);
    dbus_model_init(&m);

    /* Coordinator never heard: Unavailable, even for Off. */
    dbus_write_decide(&m, &all, true, SB_TARGET_HOST, ST "Host.Transition.Off", &a);
    assert_int_equal(a.verdict, DBUS_WRITE_UNAVAILABLE);
    assert_string_equal(a.error_name, "xyz.openbmc_project.Common.Error.Unavailable");
    online(&m);
    /* Broker down: Unavailable. */
    dbus_write_decide(&m, &all, false, SB_TARGET_CHASSIS, ST "Chassis.Transition.Off", &a);
    assert_int_equal(a.verdict, DBUS_WRITE_UNAVAILABLE);

    dbus_model_requests(&m, &q);
    /* Queue policy: a gated request with the gate closed is accepted (the coordinator queues). */
    dbus_write_decide(&m, &all, true, SB_TARGET_HOST, ST "Host.Transition.On", &a);
    assert_int_equal(a.verdict, DBUS_WRITE_ACCEPT);
    assert_int_equal(a.transition, SB_TRANSITION_ON);
    assert_null(a.error_name);

    /* Refuse policy: BMCNotReady of the written interface, naming the nodes; Off never. */
    dbus_write_decide(&m, &refuse, true, SB_TARGET_HOST, ST "Host.Transition.Reboot", &a);
    assert_int_equal(a.verdict, DBUS_WRITE_NOT_READY);
    assert_string_equal(a.error_name, "xyz.openbmc_project.State.Host.Error.BMCNotReady");
    assert_string_equal(a.message, "The BMC is not in a Ready state, no host operations allowed "
                                   "(nodes not Ready: 2,4)");
    dbus_write_decide(&m, &refuse, true, SB_TARGET_CHASSIS, ST "Chassis.Transition.PowerCycle", &a);
    assert_string_equal(a.error_name, "xyz.openbmc_project.State.Chassis.Error.BMCNotReady");
    dbus_write_decide(&m, &refuse, true, SB_TARGET_CHASSIS, ST "Chassis.Transition.Off", &a);
    assert_int_equal(a.verdict, DBUS_WRITE_ACCEPT);
    dbus_write_decide(&m, &refuse, true, SB_TARGET_HOST, ST "Host.Transition.Off", &a);
    assert_int_equal(a.verdict, DBUS_WRITE_ACCEPT);
    q.gate_open = true;
    q.not_ready = 0;
    q.n_waiting_for = 0;
    dbus_model_requests(&m, &q);
    dbus_write_decide(&m, &refuse, true, SB_TARGET_HOST, ST "Host.Transition.On", &a);
    assert_int_equal(a.verdict, DBUS_WRITE_ACCEPT);

    /* Not in AllowedHostTransitions: NotAllowed. */
    dbus_write_decide(&m, &no_force, true, SB_TARGET_HOST, ST "Host.Transition.ForceWarmReboot",
                      &a);
    assert_int_equal(a.verdict, DBUS_WRITE_NOT_ALLOWED);
    assert_string_equal(a.error_name, "xyz.openbmc_project.Common.Error.NotAllowed");

    /* Not a value: InvalidEnumString, before anything else (sdbusplus converts first). */
    dbus_write_decide(&m, &all, false, SB_TARGET_HOST, "On", &a);
    assert_int_equal(a.verdict, DBUS_WRITE_INVALID);
    assert_string_equal(a.error_name, "xyz.openbmc_project.sdbusplus.Error.InvalidEnumString");
    dbus_write_decide(&m, &all, true, SB_TARGET_CHASSIS, ST "Host.Transition.On", &a);
    assert_int_equal(a.verdict, DBUS_WRITE_INVALID);
    dbus_model_done(&m);
}

static void test_host_mask_parse(void **state)
{
    uint32_t mask = 0;

    (void) state;
    assert_int_equal(dbus_write_parse_host_mask("On", &mask), 0);
    assert_int_equal(mask, 1u << SB_TRANSITION_ON);
    assert_int_equal(dbus_write_parse_host_mask("On,PowerCycle", &mask), -EINVAL);
    assert_int_equal(dbus_write_parse_host_mask("On,", &mask), -EINVAL);
    assert_int_equal(dbus_write_parse_host_mask("", &mask), -EINVAL);
    assert_int_equal(dbus_write_parse_host_mask("on", &mask), -EINVAL);
}

static void test_command_names_the_caller(void **state)
{
    SbCommand c;

    (void) state;
    assert_int_equal(
            dbus_write_command(SB_TARGET_HOST, SB_TRANSITION_ON, "dbus-1-1", ":1.42", 0, &c), 0);
    assert_int_equal(c.transition, SB_TRANSITION_ON);
    assert_string_equal(c.id, "dbus-1-1");
    assert_string_equal(c.reason, "D-Bus RequestedHostTransition by :1.42 uid 0");
    assert_int_equal(dbus_write_command(SB_TARGET_CHASSIS, SB_TRANSITION_POWER_CYCLE, "dbus-1-2",
                                        ":1.7", -1, &c),
                     0);
    assert_string_equal(c.reason, "D-Bus RequestedPowerTransition by :1.7");
    assert_int_equal(
            dbus_write_command(SB_TARGET_CHASSIS, SB_TRANSITION_REBOOT, "x", ":1.7", 0, &c),
            -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_values_are_full_pdi_strings),
        cmocka_unit_test(test_transitions_parse_exactly),
        cmocka_unit_test(test_os_status_is_derived),
        cmocka_unit_test(test_view_not_ready_until_every_value_is_real),
        cmocka_unit_test(test_initial_requested_follows_psm),
        cmocka_unit_test(test_diff_names_every_changed_property),
        cmocka_unit_test(test_requested_is_last_accepted_of_any_origin),
        cmocka_unit_test(test_power_status_is_worst_of_nodes),
        cmocka_unit_test(test_hypervisor_only_while_published),
        cmocka_unit_test(test_write_answers),
        cmocka_unit_test(test_host_mask_parse),
        cmocka_unit_test(test_command_names_the_caller),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
