/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Liveness payloads: status (birth, clean stop, Last Will) on <root>/node/<n>/status and
 * <root>/system/status, and the agents' heartbeat on <root>/node/<n>/heartbeat.
 */
#include <errno.h>

#include "statebus/payload.h"

#include "json-util.h"

int sb_status_encode(const SbStatusMsg *m, char *buf, size_t size)
{
    SbJsonBuilder b;

    if (!m) {
        return -EINVAL;
    }
    sb_jb_init(&b);
    /* node 0 is the coordinator's system/status, which carries no "node". */
    if (m->node > SB_NODES_MAX) {
        sb_jb_fail(&b, -EINVAL);
    }
    if (m->node != 0) {
        sb_jb_uint(&b, NULL, "node", m->node);
    }
    sb_jb_enum(&b, NULL, "status", SB_ENUM_STATUS, (int) m->status, false);
    sb_jb_uint(&b, NULL, "epoch", m->epoch);
    if (m->time_ms != 0) {
        sb_jb_uint(&b, NULL, "time", m->time_ms);
    }
    return sb_jb_finish(&b, buf, size);
}

int sb_status_decode(const void *payload, size_t len, SbStatusMsg *ret, const char **reterr_why)
{
    SB_JSON_CLEANUP cJSON *root = NULL;
    SbStatusMsg m = { 0 };
    int status = 0;
    int r;

    if (!ret) {
        return -EINVAL;
    }
    r = sb_json_parse_object(payload, len, &root, reterr_why);
    if (r < 0) {
        return r;
    }
    if ((r = sb_json_get_version(root, SB_JSON_REQUIRED, reterr_why)) < 0 ||
        (r = sb_json_get_enum(root, SB_FIELD("status"), SB_JSON_REQUIRED,
                              SB_JSON_ENUM(SB_ENUM_STATUS), &status, reterr_why)) < 0 ||
        (r = sb_json_get_uint(root, SB_FIELD("epoch"), SB_JSON_REQUIRED, SB_JSON_UINT_ANY, &m.epoch,
                              reterr_why)) < 0 ||
        (r = sb_json_get_u32(root, SB_FIELD("node"), SB_JSON_OPTIONAL,
                             SB_JSON_RANGE(1, SB_NODES_MAX), &m.node, reterr_why)) < 0 ||
        (r = sb_json_get_uint(root, SB_FIELD("time"), SB_JSON_OPTIONAL, SB_JSON_UINT_ANY,
                              &m.time_ms, reterr_why)) < 0) {
        return r;
    }
    m.status = (SbStatus) status;
    *ret = m;
    return 0;
}

int sb_heartbeat_encode(const SbHeartbeatMsg *m, char *buf, size_t size)
{
    SbJsonBuilder b;

    if (!m) {
        return -EINVAL;
    }
    sb_jb_init(&b);
    if (m->node < 1 || m->node > SB_NODES_MAX) {
        sb_jb_fail(&b, -EINVAL);
    }
    sb_jb_uint(&b, NULL, "node", m->node);
    sb_jb_uint(&b, NULL, "epoch", m->epoch);
    sb_jb_uint(&b, NULL, "seq", m->seq);
    sb_jb_uint(&b, NULL, "time", m->time_ms);
    return sb_jb_finish(&b, buf, size);
}

int sb_heartbeat_decode(const void *payload,
                        size_t len,
                        SbHeartbeatMsg *ret,
                        const char **reterr_why)
{
    SB_JSON_CLEANUP cJSON *root = NULL;
    SbHeartbeatMsg m = { 0 };
    int r;

    if (!ret) {
        return -EINVAL;
    }
    r = sb_json_parse_object(payload, len, &root, reterr_why);
    if (r < 0) {
        return r;
    }
    if ((r = sb_json_get_version(root, SB_JSON_REQUIRED, reterr_why)) < 0 ||
        (r = sb_json_get_u32(root, SB_FIELD("node"), SB_JSON_REQUIRED,
                             SB_JSON_RANGE(1, SB_NODES_MAX), &m.node, reterr_why)) < 0 ||
        (r = sb_json_get_uint(root, SB_FIELD("epoch"), SB_JSON_REQUIRED, SB_JSON_UINT_ANY, &m.epoch,
                              reterr_why)) < 0 ||
        (r = sb_json_get_uint(root, SB_FIELD("seq"), SB_JSON_REQUIRED, SB_JSON_UINT_ANY, &m.seq,
                              reterr_why)) < 0 ||
        (r = sb_json_get_uint(root, SB_FIELD("time"), SB_JSON_REQUIRED, SB_JSON_UINT_ANY,
                              &m.time_ms, reterr_why)) < 0) {
        return r;
    }
    *ret = m;
    return 0;
}
