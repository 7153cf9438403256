/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Rollup objects (instance 0) on <root>/system/<kind>: the state object with "node": 0 plus the
 * per-node detail of topics/README.md "Rollup policy". "Unknown" (0) is a valid value here: it
 * is what the system shows for nodes never heard from.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "statebus/payload.h"

#include "json-util.h"

_Static_assert(SB_BOOT_COUNT <= 16 && SB_HOST_COUNT <= 16 && SB_BMC_COUNT <= 16 &&
                       SB_CHASSIS_COUNT <= 16,
               "SbRollupMsg.counts has a slot per state value");

static bool rollup_kind_is_valid(SbStateKind kind)
{
    return (int) kind >= 0 && kind < SB_KIND_COUNT;
}

static void encode_nodes_map(SbJsonBuilder *b, const SbRollupMsg *m, SbEnumType type)
{
    cJSON *nodes = NULL;

    if (m->n_nodes > SB_ROLLUP_NODES_MAX) {
        sb_jb_fail(b, -EINVAL);
        return;
    }
    for (size_t i = 0; i < m->n_nodes; i++) {
        const SbRollupNode *n = &m->nodes[i];

        for (size_t j = 0; j < i; j++) {
            if (m->nodes[j].node == n->node) {
                sb_jb_fail(b, -EINVAL); /* the same key twice */
            }
        }
    }
    nodes = sb_jb_object(b, NULL, "nodes");
    for (size_t i = 0; i < m->n_nodes; i++) {
        char key[16];

        if (m->nodes[i].node < 1 || m->nodes[i].node > SB_NODES_MAX) {
            sb_jb_fail(b, -EINVAL);
            return;
        }
        (void) snprintf(key, sizeof(key), "%u", m->nodes[i].node);
        sb_jb_enum(b, nodes, key, type, m->nodes[i].state, true);
    }
}

static void encode_counts(SbJsonBuilder *b, const SbRollupMsg *m, SbEnumType type)
{
    int n_values = sb_enum_count(type);
    cJSON *counts = sb_jb_object(b, NULL, "counts");

    for (int v = 0; v < (int) (sizeof(m->counts) / sizeof(m->counts[0])); v++) {
        if (m->counts[v] == 0) {
            continue;
        }
        if (v >= n_values) {
            sb_jb_fail(b, -EINVAL); /* a count for a value the enum does not have */
            return;
        }
        sb_jb_uint(b, counts, sb_enum_to_string(type, v), m->counts[v]);
    }
}

int sb_rollup_encode(const SbRollupMsg *m, char *buf, size_t size)
{
    SbJsonBuilder b;
    SbEnumType type;

    if (!m || !rollup_kind_is_valid(m->kind)) {
        return -EINVAL;
    }
    type = sb_state_kind_enum(m->kind);
    sb_jb_init(&b);
    sb_jb_uint(&b, NULL, "node", 0);
    sb_jb_enum(&b, NULL, "state", type, m->state, true);
    sb_jb_uint(&b, NULL, "code", (uint64_t) m->state); /* m->state >= 0, checked just above */
    sb_jb_uint(&b, NULL, "since", m->since_ms);
    sb_jb_uint(&b, NULL, "epoch", m->epoch);
    sb_jb_uint(&b, NULL, "seq", m->seq);
    if (m->expected > SB_NODES_MAX) {
        sb_jb_fail(&b, -EINVAL);
    }
    sb_jb_uint(&b, NULL, "expected", m->expected);
    encode_nodes_map(&b, m, type);
    if (m->nodes_omitted != 0) {
        sb_jb_uint(&b, NULL, "nodes_omitted", m->nodes_omitted);
    }
    encode_counts(&b, m, type);
    sb_jb_nodes(&b, NULL, "stale", m->stale, m->n_stale, SB_ROLLUP_NODES_MAX);
    if (m->stale_omitted != 0) {
        sb_jb_uint(&b, NULL, "stale_omitted", m->stale_omitted);
    }
    sb_jb_bool(&b, NULL, "mixed", m->mixed);
    return sb_jb_finish(&b, buf, size);
}

static int fail(const char **reterr_why, const char *why, int error)
{
    if (reterr_why) {
        *reterr_why = why;
    }
    return error;
}

/* "nodes": {"<n>": "<enum>"}: decimal keys, each once, at most SB_ROLLUP_NODES_MAX. */
static int
decode_nodes_map(const cJSON *root, SbEnumType type, SbRollupMsg *m, const char **reterr_why)
{
    const SbJsonField *f = SB_FIELD("nodes");
    const cJSON *map = NULL;
    int r = sb_json_member(root, f, SB_JSON_REQUIRED, &map, reterr_why);

    if (r < 0) {
        return r;
    }
    if (!cJSON_IsObject(map)) {
        return fail(reterr_why, f->wrong_type, -EBADMSG);
    }
    for (const cJSON *c = map->child; c; c = c->next) {
        SbRollupNode *n = NULL;

        if (m->n_nodes == SB_ROLLUP_NODES_MAX) {
            return fail(reterr_why, f->too_long, -EMSGSIZE);
        }
        n = &m->nodes[m->n_nodes];
        if (sb_json_node_key(c->string, &n->node) < 0 ||
            sb_json_item_enum(c, f, SB_JSON_ENUM_OR_UNKNOWN(type), &n->state, NULL) < 0) {
            return fail(reterr_why, f->bad_entry, -EBADMSG);
        }
        for (size_t j = 0; j < m->n_nodes; j++) {
            if (m->nodes[j].node == n->node) {
                return fail(reterr_why, f->bad_entry, -EBADMSG);
            }
        }
        m->n_nodes++;
    }
    return 0;
}

/* "counts": {"<enum>": k}: each value at most once. */
static int
decode_counts(const cJSON *root, SbEnumType type, SbRollupMsg *m, const char **reterr_why)
{
    const SbJsonField *f = SB_FIELD("counts");
    const cJSON *map = NULL;
    bool seen[16] = { false };
    int r = sb_json_member(root, f, SB_JSON_REQUIRED, &map, reterr_why);

    if (r < 0) {
        return r;
    }
    if (!cJSON_IsObject(map)) {
        return fail(reterr_why, f->wrong_type, -EBADMSG);
    }
    for (const cJSON *c = map->child; c; c = c->next) {
        const char *key = c->string;
        const char *unknown = sb_enum_to_string(type, 0);
        int v = key ? sb_enum_from_string(type, key, strlen(key)) : -EINVAL;
        uint64_t k = 0;

        if (v < 0 && key && unknown && strcmp(key, unknown) == 0) {
            v = 0;
        }
        if (v < 0 || seen[v] ||
            sb_json_item_uint(c, f, SB_JSON_RANGE(0, SB_NODES_MAX), &k, NULL) < 0) {
            return fail(reterr_why, f->bad_entry, -EBADMSG);
        }
        seen[v] = true;
        m->counts[v] = (uint32_t) k;
    }
    return 0;
}

static int decode_state(const cJSON *root, SbEnumType type, SbRollupMsg *m, const char **reterr_why)
{
    uint64_t code = 0;
    uint32_t node = 0;
    int r;

    if ((r = sb_json_get_u32(root, SB_FIELD("node"), SB_JSON_OPTIONAL, SB_JSON_RANGE(0, 0), &node,
                             reterr_why)) < 0 ||
        (r = sb_json_get_enum(root, SB_FIELD("state"), SB_JSON_REQUIRED,
                              SB_JSON_ENUM_OR_UNKNOWN(type), &m->state, reterr_why)) < 0 ||
        (r = sb_json_get_uint(root, SB_FIELD("code"), SB_JSON_OPTIONAL, SB_JSON_UINT_ANY, &code,
                              reterr_why)) < 0) {
        return r;
    }
    if (r > 0 && code != (uint64_t) m->state) {
        return fail(reterr_why, "'code' does not match 'state'", -EBADMSG);
    }
    return 0;
}

int sb_rollup_decode(const void *payload,
                     size_t len,
                     SbStateKind kind,
                     SbRollupMsg *ret,
                     const char **reterr_why)
{
    SB_JSON_CLEANUP cJSON *root = NULL;
    SbEnumType type;
    int r;

    if (!ret || !rollup_kind_is_valid(kind)) {
        return fail(reterr_why, "not a state kind", -EINVAL);
    }
    type = sb_state_kind_enum(kind);
    r = sb_json_parse_object(payload, len, &root, reterr_why);
    if (r < 0) {
        return r;
    }
    *ret = (SbRollupMsg){ .kind = kind };
    if ((r = sb_json_get_version(root, SB_JSON_REQUIRED, reterr_why)) < 0 ||
        (r = decode_state(root, type, ret, reterr_why)) < 0 ||
        (r = sb_json_get_uint(root, SB_FIELD("since"), SB_JSON_REQUIRED, SB_JSON_UINT_ANY,
                              &ret->since_ms, reterr_why)) < 0 ||
        (r = sb_json_get_uint(root, SB_FIELD("epoch"), SB_JSON_REQUIRED, SB_JSON_UINT_ANY,
                              &ret->epoch, reterr_why)) < 0 ||
        (r = sb_json_get_uint(root, SB_FIELD("seq"), SB_JSON_REQUIRED, SB_JSON_UINT_ANY, &ret->seq,
                              reterr_why)) < 0 ||
        (r = sb_json_get_u32(root, SB_FIELD("expected"), SB_JSON_REQUIRED,
                             SB_JSON_RANGE(0, SB_NODES_MAX), &ret->expected, reterr_why)) < 0 ||
        (r = decode_nodes_map(root, type, ret, reterr_why)) < 0 ||
        (r = sb_json_get_u32(root, SB_FIELD("nodes_omitted"), SB_JSON_OPTIONAL,
                             SB_JSON_RANGE(0, UINT32_MAX), &ret->nodes_omitted, reterr_why)) < 0 ||
        (r = decode_counts(root, type, ret, reterr_why)) < 0 ||
        (r = sb_json_get_nodes(root, SB_FIELD("stale"), SB_JSON_REQUIRED,
                               SB_JSON_NODES_OUT(ret->stale, SB_ROLLUP_NODES_MAX, &ret->n_stale),
                               reterr_why)) < 0 ||
        (r = sb_json_get_u32(root, SB_FIELD("stale_omitted"), SB_JSON_OPTIONAL,
                             SB_JSON_RANGE(0, UINT32_MAX), &ret->stale_omitted, reterr_why)) < 0 ||
        (r = sb_json_get_bool(root, SB_FIELD("mixed"), SB_JSON_REQUIRED, &ret->mixed, reterr_why)) <
                0) {
        return r;
    }
    return 0;
}
