/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Event objects on <root>/event and answers under <root>/reply/. An event may name a target and a
 * transition that do not go together: it can report exactly such a rejected request.
 */
#include <errno.h>

#include "statebus/payload.h"

#include "json-util.h"

int sb_event_encode(const SbEvent *e, char *buf, size_t size)
{
    SbJsonBuilder b;

    if (!e) {
        return -EINVAL;
    }
    sb_jb_init(&b);
    sb_jb_enum(&b, NULL, "kind", SB_ENUM_EVENT_KIND, (int) e->kind, false);
    if (e->id[0] != '\0') {
        sb_jb_id(&b, NULL, "id", e->id);
    }
    if (e->target != SB_TARGET_NONE) {
        sb_jb_enum(&b, NULL, "target", SB_ENUM_TARGET, (int) e->target, false);
    }
    if (e->transition != SB_TRANSITION_NONE) {
        sb_jb_enum(&b, NULL, "transition", SB_ENUM_TRANSITION, (int) e->transition, false);
    }
    sb_jb_string(&b, NULL, "why", e->why, SB_WHY_MAX);
    sb_jb_uint(&b, NULL, "time", e->time_ms);
    if (e->node > SB_NODES_MAX) {
        sb_jb_fail(&b, -EINVAL);
    }
    if (e->node != 0) {
        sb_jb_uint(&b, NULL, "node", e->node);
    }
    if (e->n_nodes > 0) {
        sb_jb_nodes(&b, NULL, "nodes", e->nodes, e->n_nodes, SB_EVENT_NODES_MAX);
    }
    if (e->nodes_omitted != 0) {
        sb_jb_uint(&b, NULL, "nodes_omitted", e->nodes_omitted);
    }
    if (e->replay) {
        sb_jb_bool(&b, NULL, "replay", true);
    }
    return sb_jb_finish(&b, buf, size);
}

int sb_event_decode(const void *payload, size_t len, SbEvent *ret, const char **reterr_why)
{
    SB_JSON_CLEANUP cJSON *root = NULL;
    int kind = 0, target = 0, transition = 0;
    int r;

    if (!ret) {
        return -EINVAL;
    }
    r = sb_json_parse_object(payload, len, &root, reterr_why);
    if (r < 0) {
        return r;
    }
    *ret = (SbEvent){ 0 };
    if ((r = sb_json_get_version(root, SB_JSON_REQUIRED, reterr_why)) < 0 ||
        (r = sb_json_get_enum(root, SB_FIELD("kind"), SB_JSON_REQUIRED,
                              SB_JSON_ENUM(SB_ENUM_EVENT_KIND), &kind, reterr_why)) < 0 ||
        (r = sb_json_get_id(root, SB_FIELD("id"), SB_JSON_OPTIONAL, ret->id, reterr_why)) < 0 ||
        (r = sb_json_get_enum(root, SB_FIELD("target"), SB_JSON_OPTIONAL,
                              SB_JSON_ENUM(SB_ENUM_TARGET), &target, reterr_why)) < 0 ||
        (r = sb_json_get_enum(root, SB_FIELD("transition"), SB_JSON_OPTIONAL,
                              SB_JSON_ENUM(SB_ENUM_TRANSITION), &transition, reterr_why)) < 0 ||
        (r = sb_json_get_string(root, SB_FIELD("why"), SB_JSON_REQUIRED, ret->why, sizeof(ret->why),
                                reterr_why)) < 0 ||
        (r = sb_json_get_uint(root, SB_FIELD("time"), SB_JSON_REQUIRED, SB_JSON_UINT_ANY,
                              &ret->time_ms, reterr_why)) < 0 ||
        (r = sb_json_get_u32(root, SB_FIELD("node"), SB_JSON_OPTIONAL,
                             SB_JSON_RANGE(1, SB_NODES_MAX), &ret->node, reterr_why)) < 0 ||
        (r = sb_json_get_nodes(root, SB_FIELD("nodes"), SB_JSON_OPTIONAL,
                               SB_JSON_NODES_OUT(ret->nodes, SB_EVENT_NODES_MAX, &ret->n_nodes),
                               reterr_why)) < 0 ||
        (r = sb_json_get_u32(root, SB_FIELD("nodes_omitted"), SB_JSON_OPTIONAL,
                             SB_JSON_RANGE(0, UINT32_MAX), &ret->nodes_omitted, reterr_why)) < 0 ||
        (r = sb_json_get_bool(root, SB_FIELD("replay"), SB_JSON_OPTIONAL, &ret->replay,
                              reterr_why)) < 0) {
        return r;
    }
    ret->kind = (SbEventKind) kind;
    ret->target = (SbTarget) target;
    ret->transition = (SbTransition) transition;
    return 0;
}
