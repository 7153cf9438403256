/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The snapshot's field toolkit (format in snapshot-format.h), the bottom of the snapshot files:
 * the request phase names both directions use and the checked readers of the parts
 * (snapshot-restore.c: the requests; snapshot-power.c: settings and power restore). It calls
 * nothing of the core. Every failure keeps the first reason (SnapshotReader.why).
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "statebus/text.h"

#include "json-util.h"
#include "snapshot-format.h"

static const char *const phase_names[] = {
    [REQUEST_FREE] = NULL,
    [REQUEST_PENDING] = "pending",
    [REQUEST_ACTIVE] = "active",
    [REQUEST_DONE] = "done",
};

const char *snapshot_phase_name(RequestPhase phase)
{
    return (unsigned) phase < sizeof(phase_names) / sizeof(phase_names[0]) ? phase_names[phase]
                                                                           : NULL;
}

RequestPhase snapshot_phase_from_name(const char *name)
{
    for (size_t i = 1; i < sizeof(phase_names) / sizeof(phase_names[0]); i++) {
        if (strcmp(phase_names[i], name) == 0) {
            return (RequestPhase) i;
        }
    }
    return REQUEST_FREE;
}

int snapshot_fail(SnapshotReader *rd, const char *why)
{
    if (!rd->why) {
        rd->why = why;
    }
    return -EBADMSG;
}

const cJSON *snapshot_field(const cJSON *obj, const char *key)
{
    return cJSON_GetObjectItemCaseSensitive(obj, key);
}

int snapshot_read_uint(SnapshotReader *rd, const cJSON *obj, const char *key, uint64_t *ret)
{
    const cJSON *item = snapshot_field(obj, key);

    if (!cJSON_IsNumber(item)) {
        return snapshot_fail(rd, "missing or non-numeric field");
    }
    if (!sb_json_double_to_uint(item->valuedouble, ret)) {
        return snapshot_fail(rd, "number out of range");
    }
    return 0;
}

int snapshot_read_string(SnapshotReader *rd,
                         const cJSON *obj,
                         const char *key,
                         char *buf,
                         size_t size)
{
    const cJSON *item = snapshot_field(obj, key);
    size_t len;

    if (!cJSON_IsString(item) || !item->valuestring) {
        return snapshot_fail(rd, "missing or non-string field");
    }
    len = strlen(item->valuestring);
    if (len >= size) {
        return snapshot_fail(rd, "string too long");
    }
    if (!sb_text_is_clean(item->valuestring, len)) {
        return snapshot_fail(rd, "string with invalid UTF-8 or control characters");
    }
    memcpy(buf, item->valuestring, len + 1);
    return 0;
}

int snapshot_read_enum(SnapshotReader *rd,
                       const cJSON *obj,
                       const char *key,
                       SbEnumType type,
                       int *ret)
{
    char word[32];
    int v;

    if (snapshot_read_string(rd, obj, key, word, sizeof(word)) < 0) {
        return -EBADMSG;
    }
    v = sb_enum_from_string(type, word, strlen(word));
    if (v < 1) {
        return snapshot_fail(rd, "unknown enum value");
    }
    *ret = v;
    return 0;
}

int snapshot_read_nodes(SnapshotReader *rd,
                        const cJSON *obj,
                        uint32_t keep_max,
                        SnapshotNodes out,
                        bool *ret_only_dropped)
{
    const cJSON *arr = snapshot_field(obj, "nodes"), *item;
    uint32_t *nodes = out.nodes;
    size_t max = out.max;
    size_t n = 0, listed = 0;

    if (!cJSON_IsArray(arr)) {
        return snapshot_fail(rd, "missing 'nodes'");
    }
    cJSON_ArrayForEach(item, arr)
    {
        uint64_t v = 0;

        if (listed++ >= max) {
            return snapshot_fail(rd, "too many nodes");
        }
        if (!cJSON_IsNumber(item) || !sb_json_double_to_uint(item->valuedouble, &v) || v < 1 ||
            v > SB_NODES_MAX) {
            return snapshot_fail(rd, "node out of range");
        }
        if (v > keep_max) {
            rd->nodes_dropped++;
            continue;
        }
        nodes[n++] = (uint32_t) v;
    }
    node_numbers_sort(nodes, n);
    for (size_t i = 1; i < n; i++) {
        if (nodes[i] == nodes[i - 1]) {
            return snapshot_fail(rd, "node listed twice");
        }
    }
    *out.ret_n = n;
    *ret_only_dropped = listed > 0 && n == 0;
    return 0;
}
