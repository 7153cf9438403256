/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Runtime settings on <root>/system/settings/<name> (the coordinator's effective value) and
 * <root>/system/settings/<name>/set (operators): {"v": 1, "value": ...}, or from operators the
 * bare value: AlwaysOn, 30, null, or the scheduled-transition object itself.
 */
#include <errno.h>
#include <string.h>

#include "statebus/payload.h"

#include "json-util.h"
#include "text-util.h"

/* contract.md leaves the bound open; a day is the longest delay an operator would want before
 * a power-restore action (PSM's own PowerRestoreDelay is seconds, typically tens of them). */
#define SETTING_DELAY_MAX_S 86400u

static int fail(const char **reterr_why, const char *why, int error)
{
    if (reterr_why) {
        *reterr_why = why;
    }
    return error;
}

static bool setting_name_is_valid(SbSettingName name)
{
    return name > SB_SETTING_NONE && name < SB_SETTING_COUNT;
}

/* A scheduled transition is one of PSM's ScheduledHostTransition words. */
static bool scheduled_transition_is_valid(SbTransition t)
{
    return t == SB_TRANSITION_ON || t == SB_TRANSITION_OFF || t == SB_TRANSITION_REBOOT;
}

int sb_setting_encode(const SbSettingValue *s, char *buf, size_t size)
{
    SbJsonBuilder b;
    cJSON *value = NULL;

    if (!s || !setting_name_is_valid(s->name)) {
        return -EINVAL;
    }
    sb_jb_init(&b);
    switch (s->name) {
    case SB_SETTING_POWER_RESTORE_POLICY:
    case SB_SETTING_POWER_RESTORE_ONE_TIME:
        sb_jb_enum(&b, NULL, "value", SB_ENUM_RESTORE_POLICY, (int) s->policy, false);
        break;
    case SB_SETTING_POWER_RESTORE_DELAY:
        if (s->delay_s > SETTING_DELAY_MAX_S) {
            sb_jb_fail(&b, -EINVAL);
        }
        sb_jb_uint(&b, NULL, "value", s->delay_s);
        break;
    case SB_SETTING_SCHEDULED_TRANSITION:
        if (!s->scheduled) {
            sb_jb_null(&b, NULL, "value");
            break;
        }
        if (!scheduled_transition_is_valid(s->scheduled_transition)) {
            sb_jb_fail(&b, -EINVAL);
        }
        value = sb_jb_object(&b, NULL, "value");
        sb_jb_uint(&b, value, "time", s->scheduled_time_s);
        sb_jb_enum(&b, value, "transition", SB_ENUM_TRANSITION, (int) s->scheduled_transition,
                   false);
        break;
    case SB_SETTING_NONE:
    case SB_SETTING_COUNT:
        sb_jb_fail(&b, -EINVAL);
        break;
    }
    return sb_jb_finish(&b, buf, size);
}

static int decode_scheduled(const cJSON *value, SbSettingValue *s, const char **reterr_why)
{
    int transition = 0;
    int r;

    if (cJSON_IsNull(value)) {
        s->scheduled = false; /* no schedule */
        return 0;
    }
    if (!cJSON_IsObject(value)) {
        return fail(reterr_why, "'value' has the wrong type", -EBADMSG);
    }
    if ((r = sb_json_get_uint(value, SB_FIELD("time"), SB_JSON_REQUIRED, SB_JSON_UINT_ANY,
                              &s->scheduled_time_s, reterr_why)) < 0 ||
        (r = sb_json_get_enum(value, SB_FIELD("transition"), SB_JSON_REQUIRED,
                              SB_JSON_ENUM(SB_ENUM_TRANSITION), &transition, reterr_why)) < 0) {
        return r;
    }
    if (!scheduled_transition_is_valid((SbTransition) transition)) {
        return fail(reterr_why, "'transition' must be On, Off or Reboot", -EBADMSG);
    }
    s->scheduled = true;
    s->scheduled_transition = (SbTransition) transition;
    return 0;
}

/* The setting's value as a JSON item (from {"value": ...} or a bare JSON value). */
static int decode_value(const cJSON *value, SbSettingValue *s, const char **reterr_why)
{
    const SbJsonField *f = SB_FIELD("value");
    uint64_t delay = 0;
    int policy = 0;
    int r = 0;

    switch (s->name) {
    case SB_SETTING_POWER_RESTORE_POLICY:
    case SB_SETTING_POWER_RESTORE_ONE_TIME:
        r = sb_json_item_enum(value, f, SB_JSON_ENUM(SB_ENUM_RESTORE_POLICY), &policy, reterr_why);
        s->policy = (SbRestorePolicy) policy;
        break;
    case SB_SETTING_POWER_RESTORE_DELAY:
        r = sb_json_item_uint(value, f, SB_JSON_RANGE(0, SETTING_DELAY_MAX_S), &delay, reterr_why);
        s->delay_s = (uint32_t) delay;
        break;
    case SB_SETTING_SCHEDULED_TRANSITION:
        r = decode_scheduled(value, s, reterr_why);
        break;
    case SB_SETTING_NONE:
    case SB_SETTING_COUNT:
        r = -EINVAL;
        break;
    }
    return r;
}

/* A bare word that is not JSON: a policy name such as AlwaysOn. */
static int decode_word(const char *word, size_t len, SbSettingValue *s, const char **reterr_why)
{
    int policy;

    if (s->name != SB_SETTING_POWER_RESTORE_POLICY &&
        s->name != SB_SETTING_POWER_RESTORE_ONE_TIME) {
        return fail(reterr_why, "not JSON", -EBADMSG);
    }
    policy = sb_enum_from_string(SB_ENUM_RESTORE_POLICY, word, len);
    if (policy < 0) {
        return fail(reterr_why, "'value' has an unknown value", -EBADMSG);
    }
    s->policy = (SbRestorePolicy) policy;
    return 0;
}

int sb_setting_decode(const void *payload,
                      size_t len,
                      SbSettingName name,
                      bool allow_bare,
                      SbSettingValue *ret,
                      const char **reterr_why)
{
    SB_JSON_CLEANUP cJSON *root = NULL;
    SbSettingValue s = { .name = name };
    const cJSON *value = NULL;
    const char *word = payload;
    size_t word_len = len;
    int r;

    if (!ret || !setting_name_is_valid(name)) {
        return fail(reterr_why, "not a setting name", -EINVAL);
    }
    if (len > SB_PAYLOAD_MAX) {
        return fail(reterr_why, "payload larger than 4096 bytes", -EMSGSIZE);
    }
    if (allow_bare && payload) {
        sb_ascii_trim(&word, &word_len);
        /* A bare word that is not a JSON literal (true, false, null, numbers parse below). */
        if (sb_is_alnum_word(word, word_len) && (word[0] < '0' || word[0] > '9') &&
            !(word_len == 4 && memcmp(word, "null", 4) == 0) &&
            !(word_len == 4 && memcmp(word, "true", 4) == 0) &&
            !(word_len == 5 && memcmp(word, "false", 5) == 0)) {
            r = decode_word(word, word_len, &s, reterr_why);
            if (r >= 0) {
                *ret = s;
            }
            return r;
        }
    }
    r = allow_bare ? sb_json_parse(payload, len, &root, reterr_why)
                   : sb_json_parse_object(payload, len, &root, reterr_why);
    if (r < 0) {
        return r;
    }
    if (!cJSON_IsObject(root)) {
        value = root; /* a bare JSON value: 30, "AlwaysOn", null */
    } else if ((r = sb_json_get_version(root, SB_JSON_OPTIONAL, reterr_why)) < 0 ||
               (r = sb_json_member(root, SB_FIELD("value"), !allow_bare, &value, reterr_why)) < 0) {
        return r;
    } else if (r == 0) {
        /* Bare and no "value": only the scheduled-transition object itself is an object. */
        if (name != SB_SETTING_SCHEDULED_TRANSITION ||
            !cJSON_GetObjectItemCaseSensitive(root, "time")) {
            return fail(reterr_why, "missing 'value'", -EBADMSG);
        }
        value = root;
    }
    r = decode_value(value, &s, reterr_why);
    if (r < 0) {
        return r;
    }
    *ret = s;
    return 0;
}
