/* SPDX-License-Identifier: Apache-2.0 */
/*
 * topics/schema/ against the C tables: every schema is draft 2020-12 JSON, and every enum list
 * in it equals the strings of enums.c, so a value appended to an enum cannot be forgotten in the
 * schemas that external readers validate with.
 */
/* cmocka.h needs these four first. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "statebus/enums.h"
#include "statebus/topic.h"

#ifndef STATEBUS_SCHEMA_DIR
#error "STATEBUS_SCHEMA_DIR must name topics/schema"
#endif

static cJSON *load(const char *name)
{
    char path[512];
    FILE *f;
    long size;
    char *text;
    cJSON *root;

    (void) snprintf(path, sizeof(path), "%s/%s.schema.json", STATEBUS_SCHEMA_DIR, name);
    f = fopen(path, "rb");
    if (!f) {
        print_error("cannot open %s\n", path);
        fail();
    }
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    size = ftell(f);
    assert_true(size > 0);
    assert_int_equal(fseek(f, 0, SEEK_SET), 0);
    text = malloc((size_t) size);
    assert_non_null(text);
    assert_int_equal(fread(text, 1, (size_t) size, f), (size_t) size);
    (void) fclose(f);
    root = cJSON_ParseWithLength(text, (size_t) size);
    free(text);
    if (!root) {
        print_error("%s is not JSON\n", path);
        fail();
    }
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(root, "$schema")->valuestring,
                        "https://json-schema.org/draft/2020-12/schema");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(root, "type")->valuestring, "object");
    return root;
}

/* The item at a '/'-separated path of object keys. */
static const cJSON *at(const cJSON *root, const char *path)
{
    char copy[256];
    const cJSON *item = root;

    assert_true(strlen(path) < sizeof(copy));
    (void) snprintf(copy, sizeof(copy), "%s", path);
    for (char *save = NULL, *key = strtok_r(copy, "/", &save); key;
         key = strtok_r(NULL, "/", &save)) {
        item = cJSON_GetObjectItemCaseSensitive(item, key);
        if (!item) {
            print_error("no '%s' in schema (at '%s')\n", path, key);
            fail();
        }
    }
    return item;
}

/* The array at path equals the strings of type (values first..count-1), optionally after an
 * "Unknown" for the 0 of a state enum. */
static void expect_enum(const cJSON *root, const char *path, SbEnumType type, bool with_unknown)
{
    const cJSON *list = at(root, path);
    const cJSON *c = list->child;

    assert_true(cJSON_IsArray(list));
    if (with_unknown) {
        assert_string_equal(c->valuestring, "Unknown");
        c = c->next;
    }
    for (int v = 1; v < sb_enum_count(type); v++, c = c->next) {
        assert_non_null(c);
        assert_string_equal(c->valuestring, sb_enum_to_string(type, v));
    }
    assert_null(c);
}

static void test_schema_state_and_rollup_enums(void **state)
{
    (void) state;
    for (int k = 0; k < SB_KIND_COUNT; k++) {
        SbEnumType type = sb_state_kind_enum((SbStateKind) k);
        char name[64];
        cJSON *root;

        if (k < SB_KIND_NODE_COUNT) {
            (void) snprintf(name, sizeof(name), "state-%s",
                            sb_state_kind_topic_name((SbStateKind) k));
            root = load(name);
            expect_enum(root, "properties/state/enum", type, false);
            assert_int_equal(at(root, "properties/code/maximum")->valuedouble,
                             sb_enum_count(type) - 1);
            cJSON_Delete(root);
        }
        (void) snprintf(name, sizeof(name), "rollup-%s", sb_state_kind_topic_name((SbStateKind) k));
        root = load(name);
        expect_enum(root, "properties/state/enum", type, true);
        expect_enum(root, "properties/counts/propertyNames/enum", type, true);
        expect_enum(root, "properties/nodes/additionalProperties/enum", type, true);
        cJSON_Delete(root);
    }
}

static void test_schema_other_enums(void **state)
{
    cJSON *root;

    (void) state;
    root = load("state-bmc");
    expect_enum(root, "properties/last_reboot_cause/enum", SB_ENUM_BMC_REBOOT_CAUSE, false);
    cJSON_Delete(root);
    root = load("state-chassis");
    expect_enum(root, "properties/power_status/enum", SB_ENUM_POWER_STATUS, false);
    cJSON_Delete(root);
    root = load("state-host");
    expect_enum(root, "properties/restart_cause/enum", SB_ENUM_RESTART_CAUSE, false);
    cJSON_Delete(root);
    root = load("status");
    expect_enum(root, "properties/status/enum", SB_ENUM_STATUS, false);
    cJSON_Delete(root);
    root = load("command");
    expect_enum(root, "properties/transition/enum", SB_ENUM_TRANSITION, false);
    cJSON_Delete(root);
    root = load("event");
    expect_enum(root, "properties/kind/enum", SB_ENUM_EVENT_KIND, false);
    expect_enum(root, "properties/target/enum", SB_ENUM_TARGET, false);
    expect_enum(root, "properties/transition/enum", SB_ENUM_TRANSITION, false);
    cJSON_Delete(root);
    root = load("requests");
    expect_enum(root, "$defs/request/properties/target/enum", SB_ENUM_TARGET, false);
    expect_enum(root, "$defs/request/properties/transition/enum", SB_ENUM_TRANSITION, false);
    cJSON_Delete(root);
    root = load("power-restore");
    expect_enum(root, "properties/policy/enum", SB_ENUM_RESTORE_POLICY, false);
    expect_enum(root, "properties/action/enum", SB_ENUM_TRANSITION, false);
    cJSON_Delete(root);
    root = load("setting-power-restore-policy");
    expect_enum(root, "properties/value/enum", SB_ENUM_RESTORE_POLICY, false);
    cJSON_Delete(root);
    root = load("setting-power-restore-one-time");
    expect_enum(root, "properties/value/enum", SB_ENUM_RESTORE_POLICY, false);
    cJSON_Delete(root);
}

static void test_schema_every_payload_has_one(void **state)
{
    static const char *const names[] = { "status",   "heartbeat", "command",       "event",
                                         "requests", "summary",   "power-restore", "rebirth" };

    (void) state;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        cJSON_Delete(load(names[i]));
    }
    for (int s = 1; s < SB_SETTING_COUNT; s++) {
        char name[64];

        (void) snprintf(name, sizeof(name), "setting-%s", sb_setting_topic_name((SbSettingName) s));
        cJSON_Delete(load(name));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_schema_state_and_rollup_enums),
        cmocka_unit_test(test_schema_other_enums),
        cmocka_unit_test(test_schema_every_payload_has_one),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
