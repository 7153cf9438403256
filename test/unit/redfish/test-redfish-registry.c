/* SPDX-License-Identifier: Apache-2.0 */
/* Error bodies are Base.1.22.1 messages word for word; Reset bodies map as topics/redfish.md. */
#include <cjson/cJSON.h>
/* cmocka.h needs these four first. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "redfish-error.h"
#include "redfish-render.h"
#include "redfish-reset.h"

static cJSON *info_of(const RedfishError *e, cJSON **ret_root)
{
    char *text = redfish_error_format(e);
    cJSON *root = cJSON_Parse(text);

    free(text);
    assert_non_null(root);
    *ret_root = root;
    return cJSON_GetArrayItem(
            cJSON_GetObjectItem(cJSON_GetObjectItem(root, "error"), "@Message.ExtendedInfo"), 0);
}

static const char *str(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    assert_true(cJSON_IsString(v));
    return v->valuestring;
}

static void test_message_with_args_is_the_registry_text(void **state)
{
    RedfishError e;
    cJSON *root = NULL, *info = NULL, *args = NULL;

    (void) state;
    redfish_error_set(&e, 400, REDFISH_MSG_ACTION_PARAMETER_VALUE_NOT_IN_LIST, "Bogus", "ResetType",
                      "ComputerSystem.Reset");
    info = info_of(&e, &root);
    assert_string_equal(str(info, "MessageId"), "Base.1.22.1.ActionParameterValueNotInList");
    assert_string_equal(str(info, "Message"),
                        "The value 'Bogus' for the parameter ResetType in the action "
                        "ComputerSystem.Reset is not in the list of acceptable values.");
    assert_string_equal(str(info, "MessageSeverity"), "Warning");
    assert_string_equal(str(info, "Resolution"),
                        "Choose a value from the enumeration list that the implementation can "
                        "support and resubmit the request if the operation failed.");
    args = cJSON_GetObjectItem(info, "MessageArgs");
    assert_int_equal(cJSON_GetArraySize(args), 3);
    assert_string_equal(cJSON_GetArrayItem(args, 0)->valuestring, "Bogus");
    assert_string_equal(str(cJSON_GetObjectItem(root, "error"), "code"),
                        "Base.1.22.1.ActionParameterValueNotInList");
    cJSON_Delete(root);
}

static void test_untrusted_arguments_are_cut_and_printable(void **state)
{
    RedfishMessage m;
    char long_arg[400], text[600];

    (void) state;
    memset(long_arg, 'a', sizeof(long_arg) - 1);
    long_arg[sizeof(long_arg) - 1] = '\0';
    long_arg[0] = '\n';
    redfish_message_set(&m, REDFISH_MSG_RESOURCE_MISSING_AT_URI, long_arg);
    assert_int_equal(strlen(m.args[0]), REDFISH_MSG_ARG_MAX);
    assert_int_equal(m.args[0][0], '?');
    (void) redfish_message_text(&m, text, sizeof(text));
    assert_non_null(strstr(text, "was not found."));
}

static void test_general_error_carries_our_resolution_others_the_registry(void **state)
{
    RedfishError e;
    cJSON *root = NULL, *info = NULL;

    (void) state;
    redfish_error_general(&e, 409, "coordinator said %s", "no");
    info = info_of(&e, &root);
    assert_string_equal(str(info, "MessageId"), "Base.1.22.1.GeneralError");
    assert_string_equal(str(info, "Resolution"), "coordinator said no");
    assert_string_equal(str(info, "MessageSeverity"), "Critical");
    cJSON_Delete(root);
    redfish_error_set(&e, 503, REDFISH_MSG_SERVICE_TEMPORARILY_UNAVAILABLE, "5");
    info = info_of(&e, &root);
    assert_string_equal(str(info, "Message"),
                        "The service is temporarily unavailable.  Retry in 5 seconds.");
    assert_string_equal(str(info, "Resolution"),
                        "Wait for the indicated retry duration and retry the operation.");
    cJSON_Delete(root);
}

static void test_task_event_messages(void **state)
{
    RedfishMessage m;
    char id[64], text[256];

    (void) state;
    redfish_message_set(&m, REDFISH_MSG_TASK_CANCELLED, "7");
    assert_string_equal(redfish_message_registry_id(m.id, id, sizeof(id)),
                        "TaskEvent.1.0.3.TaskCancelled");
    assert_string_equal(redfish_message_text(&m, text, sizeof(text)),
                        "Work on the task with Id '7' has been halted prior to completion due to "
                        "an explicit request.");
}

static void test_reset_bodies(void **state)
{
    RedfishResetAction a;
    RedfishError e;
    static const char on[] = "{\"ResetType\":\"ForceOff\"}";
    static const char bmc[] = "{\"ResetType\":\"ForceRestart\"}";
    static const char nmi[] = "{\"ResetType\":\"Nmi\"}";
    static const char null_type[] = "{\"ResetType\":null}";

    (void) state;
    assert_int_equal(redfish_reset_parse(REDFISH_RESET_SYSTEM, on, strlen(on), &a, &e), 0);
    assert_int_equal(a.target, SB_TARGET_CHASSIS);
    assert_int_equal(a.transition, SB_TRANSITION_OFF);
    assert_int_equal(redfish_reset_parse(REDFISH_RESET_MANAGER, bmc, strlen(bmc), &a, &e), 0);
    assert_int_equal(a.target, SB_TARGET_BMC);
    assert_int_equal(a.transition, SB_TRANSITION_HARD_REBOOT);
    assert_int_equal(redfish_reset_parse(REDFISH_RESET_MANAGER, on, strlen(on), &a, &e), -EINVAL);
    assert_int_equal(e.msg.id, REDFISH_MSG_ACTION_PARAMETER_NOT_SUPPORTED);
    assert_string_equal(e.msg.args[1], "Manager.Reset");
    assert_int_equal(redfish_reset_parse(REDFISH_RESET_SYSTEM, nmi, strlen(nmi), &a, &e), -EINVAL);
    assert_int_equal(e.http_status, 400);
    assert_int_equal(
            redfish_reset_parse(REDFISH_RESET_SYSTEM, null_type, strlen(null_type), &a, &e),
            -EINVAL);
    assert_int_equal(e.msg.id, REDFISH_MSG_ACTION_PARAMETER_VALUE_TYPE_ERROR);
    assert_string_equal(e.msg.args[0], "null");
}

static void test_uuid_is_stable_and_version_8(void **state)
{
    char a[37], b[37], c[37];

    (void) state;
    redfish_uuid("statebus-system", "rack1", a);
    redfish_uuid("statebus-system", "rack1", b);
    redfish_uuid("statebus-system", "rack2", c);
    assert_string_equal(a, b);
    assert_string_not_equal(a, c);
    assert_int_equal(strlen(a), 36);
    assert_int_equal(a[14], '8');
    assert_non_null(strchr("89ab", a[19]));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_message_with_args_is_the_registry_text),
        cmocka_unit_test(test_untrusted_arguments_are_cut_and_printable),
        cmocka_unit_test(test_general_error_carries_our_resolution_others_the_registry),
        cmocka_unit_test(test_task_event_messages),
        cmocka_unit_test(test_reset_bodies),
        cmocka_unit_test(test_uuid_is_stable_and_version_8),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
