/* SPDX-License-Identifier: Apache-2.0 */
#include "sim-hardware.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define FILE_VERSION 1
/* Integers survive a round trip through a double up to 2^53. */
#define UINT_EXACT_MAX 9007199254740992.0

static const char *state_name(SbEnumType type, int value)
{
    /* 0 is "Unknown"/none, never a state the hardware is in. */
    return value >= 1 ? sb_enum_to_string(type, value) : NULL;
}

int sim_hardware_encode(const SimHardware *hw, char *buf, size_t size)
{
    const char *chassis = state_name(SB_ENUM_CHASSIS_STATE, (int) hw->chassis);
    const char *power = state_name(SB_ENUM_POWER_STATUS, (int) hw->power_status);
    const char *host = state_name(SB_ENUM_HOST_STATE, (int) hw->host);
    const char *cause = state_name(SB_ENUM_RESTART_CAUSE, (int) hw->restart_cause);
    const char *boot = state_name(SB_ENUM_BOOT_PROGRESS, (int) hw->boot_progress);
    int n;

    if (!chassis || !power || !host || !cause || !boot || hw->bmc_boot_ms > UINT64_C(1) << 53) {
        return -EINVAL;
    }
    n = snprintf(buf, size,
                 "{\"v\":%d,\"chassis\":\"%s\",\"power_status\":\"%s\",\"host\":\"%s\","
                 "\"restart_cause\":\"%s\",\"boot_progress\":\"%s\",\"bmc_boot\":%" PRIu64 "}",
                 FILE_VERSION, chassis, power, host, cause, boot, hw->bmc_boot_ms);
    if (n < 0 || (size_t) n >= size) {
        return -ENOSPC;
    }
    return n;
}

static int fail(const char **reterr_why, const char *why)
{
    if (reterr_why) {
        *reterr_why = why;
    }
    return -EBADMSG;
}

/* A member that appears exactly once. */
static const cJSON *member(const cJSON *obj, const char *key)
{
    const cJSON *found = NULL, *item;

    cJSON_ArrayForEach(item, obj)
    {
        if (item->string && strcmp(item->string, key) == 0) {
            if (found) {
                return NULL;
            }
            found = item;
        }
    }
    return found;
}

static int read_enum(const cJSON *root, const char *key, SbEnumType type, int *ret)
{
    const cJSON *item = member(root, key);
    int v;

    if (!cJSON_IsString(item) || !item->valuestring) {
        return -EBADMSG;
    }
    v = sb_enum_from_string(type, item->valuestring, strlen(item->valuestring));
    if (v < 1) {
        return -EBADMSG;
    }
    *ret = v;
    return 0;
}

static int read_uint(const cJSON *root, const char *key, uint64_t *ret)
{
    const cJSON *item = member(root, key);
    double d;

    if (!cJSON_IsNumber(item)) {
        return -EBADMSG;
    }
    d = item->valuedouble;
    if (!isfinite(d) || d < 0 || d > UINT_EXACT_MAX || (double) (uint64_t) d != d) {
        return -EBADMSG;
    }
    *ret = (uint64_t) d;
    return 0;
}

static bool only_space(const char *p, const char *end)
{
    for (; p < end; p++) {
        if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r') {
            return false;
        }
    }
    return true;
}

static int read_root(const cJSON *root, SimHardware *hw, const char **reterr_why)
{
    int chassis, power, host, cause, boot;
    uint64_t version;

    if (!cJSON_IsObject(root)) {
        return fail(reterr_why, "not a JSON object");
    }
    if (read_uint(root, "v", &version) < 0 || version != FILE_VERSION) {
        return fail(reterr_why, "missing or unsupported 'v'");
    }
    if (read_enum(root, "chassis", SB_ENUM_CHASSIS_STATE, &chassis) < 0) {
        return fail(reterr_why, "missing or invalid 'chassis'");
    }
    if (read_enum(root, "power_status", SB_ENUM_POWER_STATUS, &power) < 0) {
        return fail(reterr_why, "missing or invalid 'power_status'");
    }
    if (read_enum(root, "host", SB_ENUM_HOST_STATE, &host) < 0) {
        return fail(reterr_why, "missing or invalid 'host'");
    }
    if (read_enum(root, "restart_cause", SB_ENUM_RESTART_CAUSE, &cause) < 0) {
        return fail(reterr_why, "missing or invalid 'restart_cause'");
    }
    if (read_enum(root, "boot_progress", SB_ENUM_BOOT_PROGRESS, &boot) < 0) {
        return fail(reterr_why, "missing or invalid 'boot_progress'");
    }
    if (read_uint(root, "bmc_boot", &hw->bmc_boot_ms) < 0) {
        return fail(reterr_why, "missing or invalid 'bmc_boot'");
    }
    hw->chassis = (SbChassisState) chassis;
    hw->power_status = (SbPowerStatus) power;
    hw->host = (SbHostState) host;
    hw->restart_cause = (SbRestartCause) cause;
    hw->boot_progress = (SbBootProgress) boot;
    return 0;
}

int sim_hardware_decode(const char *text, size_t len, SimHardware *ret, const char **reterr_why)
{
    const char *end = NULL;
    SimHardware hw = { 0 };
    cJSON *root;
    int r;

    if (!text || len == 0) {
        return fail(reterr_why, "empty");
    }
    if (len > SIM_HARDWARE_FILE_MAX) {
        return fail(reterr_why, "larger than 1024 bytes");
    }
    if (memchr(text, '\0', len)) {
        return fail(reterr_why, "contains a NUL byte");
    }
    root = cJSON_ParseWithLengthOpts(text, len, &end, false);
    if (!root) {
        return fail(reterr_why, "not JSON");
    }
    if (!end || !only_space(end, text + len)) {
        cJSON_Delete(root);
        return fail(reterr_why, "trailing data after the JSON object");
    }
    r = read_root(root, &hw, reterr_why);
    cJSON_Delete(root);
    if (r < 0) {
        return r;
    }
    *ret = hw;
    return 0;
}
