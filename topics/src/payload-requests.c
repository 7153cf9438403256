/* SPDX-License-Identifier: Apache-2.0 */
/*
 * <root>/system/requests: the gate and the coordinator's requests, grouped by phase into
 * "pending" (queued behind the gate), "active" (dispatched) and "last" (finished, with "result").
 */
#include <errno.h>
#include <string.h>

#include "statebus/payload.h"

#include "json-util.h"

static const char *const phase_keys[] = {
    [SB_REQUEST_PENDING] = "pending",
    [SB_REQUEST_ACTIVE] = "active",
    [SB_REQUEST_DONE] = "last",
};
#define PHASE_COUNT (sizeof(phase_keys) / sizeof(phase_keys[0]))

static int fail(const char **reterr_why, const char *why, int error)
{
    if (reterr_why) {
        *reterr_why = why;
    }
    return error;
}

/* The ways a request ends (README "Requests"). */
static bool result_is_valid(SbEventKind result)
{
    return result == SB_EVENT_COMPLETED || result == SB_EVENT_FAILED ||
           result == SB_EVENT_EXPIRED || result == SB_EVENT_CANCELLED ||
           result == SB_EVENT_REJECTED || result == SB_EVENT_SUPERSEDED;
}

static void encode_request(SbJsonBuilder *b, cJSON *array, const SbRequestInfo *q)
{
    cJSON *entry = sb_jb_object(b, array, NULL);

    if (!sb_transition_valid_for(q->target, q->transition)) {
        sb_jb_fail(b, -EINVAL);
    }
    sb_jb_id(b, entry, "id", q->id);
    sb_jb_enum(b, entry, "target", SB_ENUM_TARGET, (int) q->target, false);
    sb_jb_enum(b, entry, "transition", SB_ENUM_TRANSITION, (int) q->transition, false);
    sb_jb_uint(b, entry, "since", q->since_ms);
    if (q->deadline_ms != 0) {
        sb_jb_uint(b, entry, "deadline", q->deadline_ms);
    }
    if (q->not_before_ms != 0) {
        if (q->phase != SB_REQUEST_PENDING) {
            sb_jb_fail(b, -EINVAL);
        }
        sb_jb_uint(b, entry, "not_before", q->not_before_ms);
    }
    sb_jb_string(b, entry, "why", q->why, SB_WHY_MAX);
    sb_jb_nodes(b, entry, "nodes", q->nodes, q->n_nodes, SB_EVENT_NODES_MAX);
    if (q->nodes_omitted != 0) {
        sb_jb_uint(b, entry, "nodes_omitted", q->nodes_omitted);
    }
    if (q->phase == SB_REQUEST_DONE) {
        if (!result_is_valid(q->result)) {
            sb_jb_fail(b, -EINVAL);
        }
        sb_jb_enum(b, entry, "result", SB_ENUM_EVENT_KIND, (int) q->result, false);
    }
}

int sb_requests_encode(const SbRequestsMsg *m, char *buf, size_t size)
{
    SbJsonBuilder b;

    if (!m) {
        return -EINVAL;
    }
    sb_jb_init(&b);
    if (m->n_requests > SB_REQUESTS_MAX || m->not_ready > SB_NODES_MAX) {
        sb_jb_fail(&b, -EINVAL);
    }
    sb_jb_string(&b, NULL, "gate", m->gate_open ? "open" : "closed", 6);
    sb_jb_uint(&b, NULL, "not_ready", m->not_ready);
    sb_jb_nodes(&b, NULL, "waiting_for", m->waiting_for, m->n_waiting_for, SB_EVENT_NODES_MAX);
    for (size_t p = 0; p < PHASE_COUNT; p++) {
        cJSON *array = sb_jb_array(&b, NULL, phase_keys[p]);

        for (size_t i = 0; i < m->n_requests && i < SB_REQUESTS_MAX; i++) {
            const SbRequestInfo *q = &m->requests[i];

            if ((size_t) q->phase >= PHASE_COUNT) {
                sb_jb_fail(&b, -EINVAL);
            } else if ((size_t) q->phase == p) {
                encode_request(&b, array, q);
            }
        }
    }
    sb_jb_uint(&b, NULL, "time", m->time_ms);
    return sb_jb_finish(&b, buf, size);
}

static int
decode_request(const cJSON *entry, SbRequestPhase phase, SbRequestInfo *q, const char **reterr_why)
{
    int target = 0, transition = 0, result = 0;
    int r;

    if (!cJSON_IsObject(entry)) {
        return fail(reterr_why, "a request entry is not an object", -EBADMSG);
    }
    *q = (SbRequestInfo){ .phase = phase };
    if ((r = sb_json_get_id(entry, SB_FIELD("id"), SB_JSON_REQUIRED, q->id, reterr_why)) < 0 ||
        (r = sb_json_get_enum(entry, SB_FIELD("target"), SB_JSON_REQUIRED,
                              SB_JSON_ENUM(SB_ENUM_TARGET), &target, reterr_why)) < 0 ||
        (r = sb_json_get_enum(entry, SB_FIELD("transition"), SB_JSON_REQUIRED,
                              SB_JSON_ENUM(SB_ENUM_TRANSITION), &transition, reterr_why)) < 0 ||
        (r = sb_json_get_uint(entry, SB_FIELD("since"), SB_JSON_REQUIRED, SB_JSON_UINT_ANY,
                              &q->since_ms, reterr_why)) < 0 ||
        (r = sb_json_get_uint(entry, SB_FIELD("deadline"), SB_JSON_OPTIONAL, SB_JSON_UINT_ANY,
                              &q->deadline_ms, reterr_why)) < 0 ||
        (r = sb_json_get_uint(entry, SB_FIELD("not_before"), SB_JSON_OPTIONAL, SB_JSON_UINT_ANY,
                              &q->not_before_ms, reterr_why)) < 0 ||
        (r = sb_json_get_string(entry, SB_FIELD("why"), SB_JSON_REQUIRED, q->why, sizeof(q->why),
                                reterr_why)) < 0 ||
        (r = sb_json_get_nodes(entry, SB_FIELD("nodes"), SB_JSON_REQUIRED,
                               SB_JSON_NODES_OUT(q->nodes, SB_EVENT_NODES_MAX, &q->n_nodes),
                               reterr_why)) < 0 ||
        (r = sb_json_get_u32(entry, SB_FIELD("nodes_omitted"), SB_JSON_OPTIONAL,
                             SB_JSON_RANGE(0, UINT32_MAX), &q->nodes_omitted, reterr_why)) < 0 ||
        (r = sb_json_get_enum(entry, SB_FIELD("result"), phase == SB_REQUEST_DONE,
                              SB_JSON_ENUM(SB_ENUM_EVENT_KIND), &result, reterr_why)) < 0) {
        return r;
    }
    if (!sb_transition_valid_for((SbTarget) target, (SbTransition) transition)) {
        return fail(reterr_why, "'transition' is not defined for this target", -EBADMSG);
    }
    if (q->not_before_ms != 0 && phase != SB_REQUEST_PENDING) {
        return fail(reterr_why, "'not_before' on a request that is not pending", -EBADMSG);
    }
    if (phase == SB_REQUEST_DONE && !result_is_valid((SbEventKind) result)) {
        return fail(reterr_why, "'result' is not how a request ends", -EBADMSG);
    }
    q->target = (SbTarget) target;
    q->transition = (SbTransition) transition;
    q->result = phase == SB_REQUEST_DONE ? (SbEventKind) result : SB_EVENT_NONE;
    return 0;
}

static int
decode_phase(const cJSON *root, SbRequestPhase phase, SbRequestsMsg *m, const char **reterr_why)
{
    const SbJsonField *f = phase == SB_REQUEST_PENDING  ? SB_FIELD("pending")
                           : phase == SB_REQUEST_ACTIVE ? SB_FIELD("active")
                                                        : SB_FIELD("last");
    const cJSON *array = NULL;
    int r = sb_json_member(root, f, SB_JSON_REQUIRED, &array, reterr_why);

    if (r < 0) {
        return r;
    }
    if (!cJSON_IsArray(array)) {
        return fail(reterr_why, f->wrong_type, -EBADMSG);
    }
    for (const cJSON *c = array->child; c; c = c->next) {
        if (m->n_requests == SB_REQUESTS_MAX) {
            return fail(reterr_why, f->too_long, -EMSGSIZE); /* SB_REQUESTS_MAX in all */
        }
        r = decode_request(c, phase, &m->requests[m->n_requests], reterr_why);
        if (r < 0) {
            return r;
        }
        m->n_requests++;
    }
    return 0;
}

int sb_requests_decode(const void *payload, size_t len, SbRequestsMsg *ret, const char **reterr_why)
{
    const SbJsonField *gate_field = SB_FIELD("gate");
    SB_JSON_CLEANUP cJSON *root = NULL;
    char gate[8];
    int r;

    if (!ret) {
        return -EINVAL;
    }
    r = sb_json_parse_object(payload, len, &root, reterr_why);
    if (r < 0) {
        return r;
    }
    *ret = (SbRequestsMsg){ 0 };
    r = sb_json_get_string(root, gate_field, SB_JSON_REQUIRED, gate, sizeof(gate), reterr_why);
    if (r == -EMSGSIZE || (r > 0 && strcmp(gate, "open") != 0 && strcmp(gate, "closed") != 0)) {
        return fail(reterr_why, gate_field->unknown, -EBADMSG);
    }
    if (r < 0 || (r = sb_json_get_version(root, SB_JSON_REQUIRED, reterr_why)) < 0 ||
        (r = sb_json_get_u32(root, SB_FIELD("not_ready"), SB_JSON_REQUIRED,
                             SB_JSON_RANGE(0, SB_NODES_MAX), &ret->not_ready, reterr_why)) < 0 ||
        (r = sb_json_get_nodes(
                 root, SB_FIELD("waiting_for"), SB_JSON_REQUIRED,
                 SB_JSON_NODES_OUT(ret->waiting_for, SB_EVENT_NODES_MAX, &ret->n_waiting_for),
                 reterr_why)) < 0 ||
        (r = decode_phase(root, SB_REQUEST_PENDING, ret, reterr_why)) < 0 ||
        (r = decode_phase(root, SB_REQUEST_ACTIVE, ret, reterr_why)) < 0 ||
        (r = decode_phase(root, SB_REQUEST_DONE, ret, reterr_why)) < 0 ||
        (r = sb_json_get_uint(root, SB_FIELD("time"), SB_JSON_REQUIRED, SB_JSON_UINT_ANY,
                              &ret->time_ms, reterr_why)) < 0) {
        return r;
    }
    ret->gate_open = strcmp(gate, "open") == 0;
    return 0;
}
