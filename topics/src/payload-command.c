/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Command objects: operators' requests on <root>/system/set/<target> (object or bare word) and
 * the coordinator's commands to agents on <root>/node/<n>/set/<target> (always with id and
 * deadline).
 *
 * On -EBADMSG or -EMSGSIZE the caller may still read ret->id, ret->transition and ret->bare: they
 * hold the request's id and transition when those were valid (else "" / NONE), so a rejection
 * can be answered with them. Everything else in *ret is unspecified on error.
 */
#include <errno.h>
#include <string.h>

#include "statebus/payload.h"

#include "json-util.h"
#include "text-util.h"

int sb_command_encode(const SbCommand *c, char *buf, size_t size)
{
    SbJsonBuilder b;

    if (!c) {
        return -EINVAL;
    }
    sb_jb_init(&b);
    sb_jb_enum(&b, NULL, "transition", SB_ENUM_TRANSITION, (int) c->transition, false);
    if (c->id[0] != '\0') {
        sb_jb_id(&b, NULL, "id", c->id);
    }
    if (c->reason[0] != '\0') {
        sb_jb_string(&b, NULL, "reason", c->reason, SB_REASON_MAX);
    }
    if (c->deadline_ms != 0) {
        sb_jb_uint(&b, NULL, "deadline", c->deadline_ms);
    }
    if (c->n_nodes > 0) {
        sb_jb_nodes(&b, NULL, "nodes", c->nodes, c->n_nodes, SB_COMMAND_NODES_MAX);
    }
    return sb_jb_finish(&b, buf, size);
}

static int transition_for(SbTarget target, int transition, const char **reterr_why)
{
    if (!sb_transition_valid_for(target, (SbTransition) transition)) {
        if (reterr_why) {
            *reterr_why = "'transition' is not defined for this target";
        }
        return -EBADMSG;
    }
    return 0;
}

/* A bare word such as "On" from mosquitto_pub -m; the caller trimmed the white space. */
static int
decode_bare(const char *word, size_t len, SbTarget target, SbCommand *ret, const char **reterr_why)
{
    int v = sb_enum_from_string(SB_ENUM_TRANSITION, word, len);

    memset(ret, 0, sizeof(*ret));
    ret->bare = true;
    if (v < 0) {
        if (reterr_why) {
            *reterr_why = "unknown transition word";
        }
        return -EBADMSG;
    }
    ret->transition = (SbTransition) v;
    return transition_for(target, v, reterr_why);
}

/* "id" first, and "transition" kept as soon as it is a known word: a rejected request can then
 * still be answered with its id and transition (contract.md: the answer echoes the id). */
static int decode_object(const cJSON *root, SbTarget target, SbCommand *c, const char **reterr_why)
{
    int transition = 0;
    int r;

    if ((r = sb_json_get_id(root, SB_FIELD("id"), SB_JSON_OPTIONAL, c->id, reterr_why)) < 0 ||
        (r = sb_json_get_enum(root, SB_FIELD("transition"), SB_JSON_REQUIRED,
                              SB_JSON_ENUM(SB_ENUM_TRANSITION), &transition, reterr_why)) < 0) {
        return r;
    }
    c->transition = (SbTransition) transition;
    if ((r = transition_for(target, transition, reterr_why)) < 0 ||
        (r = sb_json_get_version(root, SB_JSON_OPTIONAL, reterr_why)) < 0 ||
        (r = sb_json_get_string(root, SB_FIELD("reason"), SB_JSON_OPTIONAL, c->reason,
                                sizeof(c->reason), reterr_why)) < 0 ||
        (r = sb_json_get_uint(root, SB_FIELD("deadline"), SB_JSON_OPTIONAL, SB_JSON_UINT_ANY,
                              &c->deadline_ms, reterr_why)) < 0 ||
        (r = sb_json_get_nodes(root, SB_FIELD("nodes"), SB_JSON_OPTIONAL,
                               SB_JSON_NODES_OUT(c->nodes, SB_COMMAND_NODES_MAX, &c->n_nodes),
                               reterr_why)) < 0) {
        return r;
    }
    /* "nodes": [] would mean "no node"; acting on the whole system instead would surprise an
     * operator whose node list came out empty, so it is refused. */
    if (r > 0 && c->n_nodes == 0) {
        if (reterr_why) {
            *reterr_why = "'nodes' is empty";
        }
        return -EBADMSG;
    }
    return 0;
}

int sb_command_decode(const void *payload,
                      size_t len,
                      SbTarget target,
                      bool allow_bare,
                      SbCommand *ret,
                      const char **reterr_why)
{
    SB_JSON_CLEANUP cJSON *root = NULL;
    const char *word = payload;
    size_t word_len = len;
    int r;

    if (!ret || target <= SB_TARGET_NONE || target >= SB_TARGET_COUNT) {
        if (reterr_why) {
            *reterr_why = "not a command target";
        }
        return -EINVAL;
    }
    memset(ret, 0, sizeof(*ret));
    if (len > SB_PAYLOAD_MAX) {
        if (reterr_why) {
            *reterr_why = "payload larger than 4096 bytes";
        }
        return -EMSGSIZE;
    }
    if (allow_bare && payload) {
        sb_ascii_trim(&word, &word_len);
        if (sb_is_alnum_word(word, word_len)) {
            return decode_bare(word, word_len, target, ret, reterr_why);
        }
    }
    r = sb_json_parse_object(payload, len, &root, reterr_why);
    if (r < 0) {
        return r;
    }
    return decode_object(root, target, ret, reterr_why);
}
