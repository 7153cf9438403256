/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reading the durable state back (format in snapshot-format.h). The file is untrusted input:
 * bounded size, read by the codecs' strict JSON reader (json-util.h: valid UTF-8, no control
 * characters or \u0000, bounded depth, no trailing bytes, no repeated key anywhere), every field
 * type- and range-checked, every string checked; anything wrong makes
 * the whole snapshot corrupt (-EBADMSG) and leaves the core empty, as if there was no file.
 * Restored queued requests stay queued with their expiry; restored active requests are tracked
 * again (never re-dispatched: at most once for power).
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "statebus/text.h"

#include "json-util.h"
#include "snapshot-format.h"

static int hex_digit(char ch)
{
    if (ch >= '0' && ch <= '9') {
        return ch - '0';
    }
    if (ch >= 'a' && ch <= 'f') {
        return ch - 'a' + 10;
    }
    if (ch >= 'A' && ch <= 'F') {
        return ch - 'A' + 10;
    }
    return -1;
}

static int read_reply_to(SnapshotReader *rd, const cJSON *obj, CoordReplyTo *ret)
{
    char hex[2 * SB_CORRELATION_MAX + 1];
    size_t len;

    if (snapshot_read_string(rd, obj, "reply_topic", ret->topic, sizeof(ret->topic)) < 0 ||
        snapshot_read_string(rd, obj, "correlation", hex, sizeof(hex)) < 0) {
        return -EBADMSG;
    }
    if (strpbrk(ret->topic, "+#")) {
        return snapshot_fail(rd, "reply topic with a wildcard");
    }
    len = strlen(hex);
    if (len % 2 != 0) {
        return snapshot_fail(rd, "odd correlation length");
    }
    for (size_t i = 0; i < len; i += 2) {
        int hi = hex_digit(hex[i]), lo = hex_digit(hex[i + 1]);

        if (hi < 0 || lo < 0) {
            return snapshot_fail(rd, "correlation is not hex");
        }
        ret->correlation[i / 2] = (uint8_t) (hi << 4 | lo);
    }
    ret->correlation_len = len / 2;
    return 0;
}

static int read_times(SnapshotReader *rd, const cJSON *obj, Request *r)
{
    if (snapshot_read_uint(rd, obj, "order", &r->order) < 0 ||
        snapshot_read_uint(rd, obj, "queued", &r->queued_ms) < 0 ||
        snapshot_read_uint(rd, obj, "dispatched", &r->dispatched_ms) < 0 ||
        snapshot_read_uint(rd, obj, "expires", &r->expires_ms) < 0 ||
        snapshot_read_uint(rd, obj, "fails", &r->fails_ms) < 0 ||
        snapshot_read_uint(rd, obj, "finished", &r->finished_ms) < 0) {
        return -EBADMSG;
    }
    if (r->phase == REQUEST_ACTIVE && r->dispatched_ms == 0) {
        return snapshot_fail(rd, "active request without dispatch time");
    }
    if (snapshot_field(obj, "not_before")) {
        /* Optional (issue #14): a delayed request. */
        if (snapshot_read_uint(rd, obj, "not_before", &r->not_before_ms) < 0) {
            return -EBADMSG;
        }
        if (r->phase != REQUEST_PENDING || r->not_before_ms == 0) {
            return snapshot_fail(rd, "'not_before' on a request that is not delayed");
        }
    }
    return 0;
}

static int read_result(SnapshotReader *rd, const cJSON *obj, Request *r)
{
    int result;

    if (r->phase != REQUEST_DONE) {
        return 0;
    }
    if (snapshot_read_enum(rd, obj, "result", SB_ENUM_EVENT_KIND, &result) < 0 ||
        snapshot_read_string(rd, obj, "why", r->why, sizeof(r->why)) < 0) {
        return -EBADMSG;
    }
    {
        /* Optional (issue #13): false when its final event may not have been published. */
        const cJSON *announced = cJSON_GetObjectItemCaseSensitive(obj, "announced");

        if (announced && !cJSON_IsBool(announced)) {
            return snapshot_fail(rd, "'announced' is not a boolean");
        }
        r->announce = announced && cJSON_IsFalse(announced) ? ANNOUNCE_REPLAY : ANNOUNCE_DONE;
    }
    switch ((SbEventKind) result) {
    case SB_EVENT_COMPLETED:
    case SB_EVENT_FAILED:
    case SB_EVENT_EXPIRED:
    case SB_EVENT_CANCELLED:
    case SB_EVENT_REJECTED:
    case SB_EVENT_SUPERSEDED:
        r->result = (SbEventKind) result;
        return 0;
    default:
        return snapshot_fail(rd, "not a result of a finished request");
    }
}

static int read_request(SnapshotReader *rd, Coord *c, const cJSON *obj)
{
    char phase[16];
    int slot, target = 0, transition = 0;
    bool gone = false;
    Request *r;

    if (!cJSON_IsObject(obj)) {
        return snapshot_fail(rd, "request is not an object");
    }
    r = request_alloc(c, &slot);
    if (!r) {
        return snapshot_fail(rd, "too many requests");
    }
    if (snapshot_read_string(rd, obj, "phase", phase, sizeof(phase)) < 0) {
        return -EBADMSG;
    }
    r->phase = snapshot_phase_from_name(phase);
    if (r->phase == REQUEST_FREE) {
        return snapshot_fail(rd, "unknown request phase");
    }
    if (snapshot_read_string(rd, obj, "id", r->id, sizeof(r->id)) < 0 ||
        snapshot_read_enum(rd, obj, "target", SB_ENUM_TARGET, &target) < 0 ||
        snapshot_read_enum(rd, obj, "transition", SB_ENUM_TRANSITION, &transition) < 0 ||
        snapshot_read_string(rd, obj, "reason", r->reason, sizeof(r->reason)) < 0 ||
        read_reply_to(rd, obj, &r->reply_to) < 0 || read_times(rd, obj, r) < 0 ||
        snapshot_read_nodes(rd, obj, rd->nodes,
                            (SnapshotNodes){ r->nodes, SB_COMMAND_NODES_MAX, &r->n_nodes },
                            &gone) < 0 ||
        read_result(rd, obj, r) < 0) {
        return -EBADMSG;
    }
    if (gone) {
        /* Every node it named has left the system: nothing left to do or to track. */
        r->phase = REQUEST_FREE;
        rd->requests_dropped++;
        return 0;
    }
    r->target = (SbTarget) target;
    r->transition = (SbTransition) transition;
    if (r->order > c->order_counter) {
        c->order_counter = r->order;
    }
    if (requests_adopt(c, slot) < 0) {
        return snapshot_fail(rd, "invalid or conflicting request");
    }
    return 0;
}

static int read_requested(SnapshotReader *rd, Coord *c, const cJSON *root)
{
    const cJSON *obj = snapshot_field(root, "requested");

    if (!cJSON_IsObject(obj)) {
        return snapshot_fail(rd, "missing 'requested'");
    }
    for (int t = SB_TARGET_CHASSIS; t <= SB_TARGET_HOST; t++) {
        const char *name = coord_target_name((SbTarget) t);
        int transition = 0;

        if (!snapshot_field(obj, name)) {
            continue;
        }
        if (snapshot_read_enum(rd, obj, name, SB_ENUM_TRANSITION, &transition) < 0) {
            return -EBADMSG;
        }
        if (!sb_transition_valid_for((SbTarget) t, (SbTransition) transition)) {
            return snapshot_fail(rd, "requested transition not valid for its target");
        }
        c->requested[t] = (SbTransition) transition;
    }
    return 0;
}

static int read_root(SnapshotReader *rd, Coord *c, const cJSON *root)
{
    const cJSON *requests, *item;
    uint64_t version;

    if (!cJSON_IsObject(root)) {
        return snapshot_fail(rd, "not a JSON object");
    }
    if (snapshot_read_uint(rd, root, "v", &version) < 0) {
        return -EBADMSG;
    }
    if (version != SNAPSHOT_VERSION) {
        return snapshot_fail(rd, "unsupported snapshot version");
    }
    if (snapshot_read_uint(rd, root, "epoch", &c->epoch) < 0 ||
        snapshot_read_uint(rd, root, "id_counter", &c->id_counter) < 0 ||
        snapshot_read_uint(rd, root, "order_counter", &c->order_counter) < 0 ||
        read_requested(rd, c, root) < 0) {
        return -EBADMSG;
    }
    requests = snapshot_field(root, "requests");
    if (!cJSON_IsArray(requests)) {
        return snapshot_fail(rd, "missing 'requests'");
    }
    cJSON_ArrayForEach(item, requests)
    {
        if (read_request(rd, c, item) < 0) {
            return -EBADMSG;
        }
    }
    return snapshot_read_power(rd, c, root);
}

static int read_text(SnapshotReader *rd, Coord *c, const char *json, size_t len)
{
    SB_JSON_CLEANUP cJSON *root = NULL;
    const char *why = NULL;

    /* A repeated key is refused wherever it is, as the codecs do: which copy cJSON's lookup
     * finds would decide what is restored. */
    if (sb_json_parse_text(json, len, len, &root, &why) < 0 ||
        sb_json_keys_unique(root, &why) < 0) {
        return snapshot_fail(rd, why);
    }
    return read_root(rd, c, root);
}

int coord_snapshot_restore(Coord *c,
                           const char *json,
                           size_t len,
                           uint64_t now_ms,
                           const char **reterr_why)
{
    SnapshotReader rd = { 0 };
    int r;

    if (!c || (!json && len > 0)) {
        return -EINVAL;
    }
    rd.nodes = c->cfg.nodes;
    if (c->started) {
        /* coord.h: once, before the first event. */
        return -EBUSY;
    }
    if (len == 0 || len > coord_snapshot_size_max(c)) {
        r = snapshot_fail(&rd, len == 0 ? "empty snapshot" : "snapshot too large");
    } else {
        r = read_text(&rd, c, json, len);
    }
    if (r < 0) {
        requests_reset(c);
        settings_init(c);
        power_restore_reset(c);
        c->epoch = 0;
        if (reterr_why) {
            *reterr_why = rd.why ? rd.why : "corrupt snapshot";
        }
        return -EBADMSG;
    }
    c->restore_nodes_dropped = rd.nodes_dropped;
    c->restore_requests_dropped = rd.requests_dropped;
    if (rd.nodes_dropped > 0) {
        c->durable_dirty = true; /* the file still names them: rewrite it at the first step */
    }
    /* The rollups' "since" starts at the restart, not at 1970. */
    for (int k = 0; k < SB_KIND_COUNT; k++) {
        c->rollups[k].since_ms = now_ms;
    }
    return 0;
}
