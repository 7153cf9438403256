/* SPDX-License-Identifier: Apache-2.0 */
/* The coordinator's last power-restore decision and its reason: <root>/system/power-restore. */
#include <errno.h>

#include "statebus/payload.h"

#include "json-util.h"

/* The bound of the power-restore-delay setting (payload-setting.c). */
#define RESTORE_DELAY_MAX_S 86400u

int sb_power_restore_encode(const SbPowerRestoreMsg *m, char *buf, size_t size)
{
    SbJsonBuilder b;

    if (!m) {
        return -EINVAL;
    }
    sb_jb_init(&b);
    if (m->delay_s > RESTORE_DELAY_MAX_S || m->nodes_omitted > SB_NODES_MAX) {
        sb_jb_fail(&b, -EINVAL);
    }
    sb_jb_uint(&b, NULL, "time", m->time_ms);
    sb_jb_uint(&b, NULL, "loss_id", m->loss_id);
    sb_jb_enum(&b, NULL, "policy", SB_ENUM_RESTORE_POLICY, (int) m->policy, false);
    sb_jb_bool(&b, NULL, "one_time", m->one_time);
    sb_jb_bool(&b, NULL, "system_wide", m->system_wide);
    /* No "action" when the decision was to do nothing. */
    if (m->action != SB_TRANSITION_NONE) {
        sb_jb_enum(&b, NULL, "action", SB_ENUM_TRANSITION, (int) m->action, false);
    }
    if (m->id[0] != '\0') {
        sb_jb_id(&b, NULL, "id", m->id);
    }
    sb_jb_string(&b, NULL, "why", m->why, SB_WHY_MAX);
    sb_jb_nodes(&b, NULL, "nodes", m->nodes, m->n_nodes, SB_EVENT_NODES_MAX);
    /* Added with issue #4: written only when set, so older payloads read the same. */
    if (m->nodes_omitted != 0) {
        sb_jb_uint(&b, NULL, "nodes_omitted", m->nodes_omitted);
    }
    if (m->delay_s != 0) {
        sb_jb_uint(&b, NULL, "delay", m->delay_s);
    }
    if (m->due_ms != 0) {
        sb_jb_uint(&b, NULL, "due", m->due_ms);
    }
    return sb_jb_finish(&b, buf, size);
}

int sb_power_restore_decode(const void *payload,
                            size_t len,
                            SbPowerRestoreMsg *ret,
                            const char **reterr_why)
{
    SB_JSON_CLEANUP cJSON *root = NULL;
    int policy = 0, action = 0;
    int r;

    if (!ret) {
        return -EINVAL;
    }
    r = sb_json_parse_object(payload, len, &root, reterr_why);
    if (r < 0) {
        return r;
    }
    *ret = (SbPowerRestoreMsg){ 0 };
    if ((r = sb_json_get_version(root, SB_JSON_REQUIRED, reterr_why)) < 0 ||
        (r = sb_json_get_uint(root, SB_FIELD("time"), SB_JSON_REQUIRED, SB_JSON_UINT_ANY,
                              &ret->time_ms, reterr_why)) < 0 ||
        (r = sb_json_get_uint(root, SB_FIELD("loss_id"), SB_JSON_REQUIRED, SB_JSON_UINT_ANY,
                              &ret->loss_id, reterr_why)) < 0 ||
        (r = sb_json_get_enum(root, SB_FIELD("policy"), SB_JSON_REQUIRED,
                              SB_JSON_ENUM(SB_ENUM_RESTORE_POLICY), &policy, reterr_why)) < 0 ||
        (r = sb_json_get_bool(root, SB_FIELD("one_time"), SB_JSON_REQUIRED, &ret->one_time,
                              reterr_why)) < 0 ||
        (r = sb_json_get_bool(root, SB_FIELD("system_wide"), SB_JSON_REQUIRED, &ret->system_wide,
                              reterr_why)) < 0 ||
        (r = sb_json_get_enum(root, SB_FIELD("action"), SB_JSON_OPTIONAL,
                              SB_JSON_ENUM(SB_ENUM_TRANSITION), &action, reterr_why)) < 0 ||
        (r = sb_json_get_id(root, SB_FIELD("id"), SB_JSON_OPTIONAL, ret->id, reterr_why)) < 0 ||
        (r = sb_json_get_string(root, SB_FIELD("why"), SB_JSON_REQUIRED, ret->why, sizeof(ret->why),
                                reterr_why)) < 0 ||
        (r = sb_json_get_nodes(root, SB_FIELD("nodes"), SB_JSON_REQUIRED,
                               SB_JSON_NODES_OUT(ret->nodes, SB_EVENT_NODES_MAX, &ret->n_nodes),
                               reterr_why)) < 0 ||
        (r = sb_json_get_u32(root, SB_FIELD("nodes_omitted"), SB_JSON_OPTIONAL,
                             SB_JSON_RANGE(0, SB_NODES_MAX), &ret->nodes_omitted, reterr_why)) <
                0 ||
        (r = sb_json_get_u32(root, SB_FIELD("delay"), SB_JSON_OPTIONAL,
                             SB_JSON_RANGE(0, RESTORE_DELAY_MAX_S), &ret->delay_s, reterr_why)) <
                0 ||
        (r = sb_json_get_uint(root, SB_FIELD("due"), SB_JSON_OPTIONAL, SB_JSON_UINT_ANY,
                              &ret->due_ms, reterr_why)) < 0) {
        return r;
    }
    ret->policy = (SbRestorePolicy) policy;
    ret->action = (SbTransition) action;
    return 0;
}
