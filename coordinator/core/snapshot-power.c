/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The durable state added for power restore (format in snapshot-format.h): the last requested
 * target, the settings, and the power-restore bookkeeping (the newest decided loss, the id
 * counter, the last decision). Read back as strictly as the rest of the snapshot; every part is
 * optional so a snapshot written before issue #4 still reads. A decision waiting for its delay is
 * a delayed request, written with the others; the "pending" object older files hold instead is
 * read into one.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "statebus/text.h"

#include "snapshot-format.h"

/* Bounds also enforced on the settings topics (payload-setting.c, settings.c). */
#define DELAY_MAX_S         86400u
#define SCHEDULE_TIME_MAX_S 253402300799ull

static const char *policy_name(SbRestorePolicy p)
{
    return sb_enum_to_string(SB_ENUM_RESTORE_POLICY, (int) p);
}

static void write_settings(JsonWriter *w, const Settings *s)
{
    json_key(w, "settings");
    json_object_begin(w);
    json_key(w, "power-restore-policy");
    json_string(w, policy_name(s->policy));
    json_key(w, "power-restore-delay");
    json_uint(w, s->delay_s);
    json_key(w, "power-restore-one-time");
    json_string(w, policy_name(s->one_time));
    json_key(w, "scheduled-transition");
    if (s->scheduled) {
        json_object_begin(w);
        json_key(w, "time");
        json_uint(w, s->scheduled_time_s);
        json_key(w, "transition");
        json_string(w, coord_transition_name(s->scheduled_transition));
        json_object_end(w);
    } else {
        json_null(w);
    }
    json_object_end(w);
}

static void write_nodes(JsonWriter *w, const char *key, const uint32_t *nodes, size_t n)
{
    json_key(w, key);
    json_array_begin(w);
    for (size_t i = 0; i < n; i++) {
        json_uint(w, nodes[i]);
    }
    json_array_end(w);
}

static void write_last(JsonWriter *w, const SbPowerRestoreMsg *m)
{
    json_key(w, "last");
    json_object_begin(w);
    json_key(w, "time");
    json_uint(w, m->time_ms);
    json_key(w, "loss_id");
    json_uint(w, m->loss_id);
    json_key(w, "policy");
    json_string(w, policy_name(m->policy));
    json_key(w, "one_time");
    json_bool(w, m->one_time);
    json_key(w, "system_wide");
    json_bool(w, m->system_wide);
    if (m->action != SB_TRANSITION_NONE) {
        json_key(w, "action");
        json_string(w, coord_transition_name(m->action));
        json_key(w, "id");
        json_string(w, m->id);
    }
    json_key(w, "why");
    json_string(w, m->why);
    write_nodes(w, "nodes", m->nodes, m->n_nodes);
    json_key(w, "nodes_omitted");
    json_uint(w, m->nodes_omitted);
    json_key(w, "delay");
    json_uint(w, m->delay_s);
    json_key(w, "due");
    json_uint(w, m->due_ms);
    json_object_end(w);
}

void snapshot_write_power(JsonWriter *w, const Coord *c)
{
    const PowerRestore *pr = &c->restore;

    if (c->requested_last != SB_TARGET_NONE) {
        json_key(w, "requested_last");
        json_string(w, coord_target_name(c->requested_last));
    }
    write_settings(w, &c->settings);
    json_key(w, "power_restore");
    json_object_begin(w);
    json_key(w, "decided_boot");
    json_uint(w, pr->decided_boot_ms);
    json_key(w, "counter");
    json_uint(w, pr->counter);
    if (pr->has_last) {
        write_last(w, &pr->last);
    }
    json_object_end(w);
}

/* ---- reading ------------------------------------------------------------------------------ */

static int read_bool(SnapshotReader *rd, const cJSON *obj, const char *key, bool *ret)
{
    const cJSON *item = snapshot_field(obj, key);

    if (!cJSON_IsBool(item)) {
        return snapshot_fail(rd, "missing or non-boolean field");
    }
    *ret = cJSON_IsTrue(item);
    return 0;
}

static int read_policy(SnapshotReader *rd, const cJSON *obj, const char *key, SbRestorePolicy *ret)
{
    int v;

    if (snapshot_read_enum(rd, obj, key, SB_ENUM_RESTORE_POLICY, &v) < 0) {
        return -EBADMSG;
    }
    *ret = (SbRestorePolicy) v;
    return 0;
}

static int read_requested_last(SnapshotReader *rd, Coord *c, const cJSON *root)
{
    int target;

    if (!snapshot_field(root, "requested_last")) {
        /* Written before issue #4: the host's request is the better guess of the two. */
        c->requested_last =
                c->requested[SB_TARGET_HOST] != SB_TRANSITION_NONE
                        ? SB_TARGET_HOST
                        : (c->requested[SB_TARGET_CHASSIS] != SB_TRANSITION_NONE ? SB_TARGET_CHASSIS
                                                                                 : SB_TARGET_NONE);
        return 0;
    }
    if (snapshot_read_enum(rd, root, "requested_last", SB_ENUM_TARGET, &target) < 0) {
        return -EBADMSG;
    }
    if ((target != SB_TARGET_CHASSIS && target != SB_TARGET_HOST) ||
        c->requested[target] == SB_TRANSITION_NONE) {
        return snapshot_fail(rd, "'requested_last' names no requested target");
    }
    c->requested_last = (SbTarget) target;
    return 0;
}

static int read_schedule(SnapshotReader *rd, Settings *s, const cJSON *obj)
{
    const cJSON *item = snapshot_field(obj, "scheduled-transition");
    int transition;

    if (cJSON_IsNull(item)) {
        s->scheduled = false;
        return 0;
    }
    if (!cJSON_IsObject(item)) {
        return snapshot_fail(rd, "'scheduled-transition' is neither null nor an object");
    }
    if (snapshot_read_uint(rd, item, "time", &s->scheduled_time_s) < 0 ||
        snapshot_read_enum(rd, item, "transition", SB_ENUM_TRANSITION, &transition) < 0) {
        return -EBADMSG;
    }
    if (s->scheduled_time_s > SCHEDULE_TIME_MAX_S ||
        (transition != SB_TRANSITION_ON && transition != SB_TRANSITION_OFF &&
         transition != SB_TRANSITION_REBOOT)) {
        return snapshot_fail(rd, "invalid scheduled transition");
    }
    s->scheduled = true;
    s->scheduled_transition = (SbTransition) transition;
    return 0;
}

static int read_settings(SnapshotReader *rd, Coord *c, const cJSON *root)
{
    const cJSON *obj = snapshot_field(root, "settings");
    Settings s = { 0 };
    uint64_t delay;

    if (!obj) {
        return 0; /* the defaults */
    }
    if (!cJSON_IsObject(obj)) {
        return snapshot_fail(rd, "'settings' is not an object");
    }
    if (read_policy(rd, obj, "power-restore-policy", &s.policy) < 0 ||
        snapshot_read_uint(rd, obj, "power-restore-delay", &delay) < 0 ||
        read_policy(rd, obj, "power-restore-one-time", &s.one_time) < 0 ||
        read_schedule(rd, &s, obj) < 0) {
        return -EBADMSG;
    }
    if (delay > DELAY_MAX_S) {
        return snapshot_fail(rd, "power-restore-delay out of range");
    }
    s.delay_s = (uint32_t) delay;
    c->settings = s;
    return 0;
}

/* A decision waiting for its delay, as files written before issue #14 hold it: read into the
 * delayed request it is now. */
static int read_pending(SnapshotReader *rd, Coord *c, const cJSON *obj)
{
    const SbPowerRestoreMsg *last = &c->restore.last;
    int slot, target, transition;
    bool gone = false;
    Request *r;

    if (!cJSON_IsObject(obj)) {
        return snapshot_fail(rd, "'pending' is not an object");
    }
    r = request_alloc(c, &slot);
    if (!r) {
        return snapshot_fail(rd, "too many requests");
    }
    if (snapshot_read_string(rd, obj, "id", r->id, sizeof(r->id)) < 0 ||
        snapshot_read_enum(rd, obj, "target", SB_ENUM_TARGET, &target) < 0 ||
        snapshot_read_enum(rd, obj, "transition", SB_ENUM_TRANSITION, &transition) < 0 ||
        snapshot_read_string(rd, obj, "reason", r->reason, sizeof(r->reason)) < 0 ||
        snapshot_read_uint(rd, obj, "due", &r->not_before_ms) < 0 ||
        snapshot_read_nodes(rd, obj, rd->nodes,
                            (SnapshotNodes){ r->nodes, SB_COMMAND_NODES_MAX, &r->n_nodes },
                            &gone) < 0) {
        return -EBADMSG;
    }
    if (!sb_request_id_is_valid(r->id, strlen(r->id)) ||
        (target != SB_TARGET_CHASSIS && target != SB_TARGET_HOST) ||
        !sb_transition_valid_for((SbTarget) target, (SbTransition) transition)) {
        return snapshot_fail(rd, "invalid pending power-restore request");
    }
    if (gone) {
        /* It was for nodes that have left the system. */
        rd->requests_dropped++;
        return 0;
    }
    r->phase = REQUEST_PENDING;
    r->target = (SbTarget) target;
    r->transition = (SbTransition) transition;
    /* 0 would be "not delayed": a due time of 0 was due long ago. */
    r->not_before_ms = r->not_before_ms ? r->not_before_ms : 1;
    /* Submitted when the decision that made it was taken (read first). */
    r->queued_ms = c->restore.has_last && strcmp(last->id, r->id) == 0 ? last->time_ms : 0;
    if (requests_adopt(c, slot) < 0) {
        r->phase = REQUEST_FREE;
        return snapshot_fail(rd, "invalid or conflicting request");
    }
    return 0;
}

static int read_last_optional(SnapshotReader *rd, const cJSON *obj, SbPowerRestoreMsg *m)
{
    uint64_t omitted, delay;
    int action;

    if (snapshot_field(obj, "action")) {
        if (snapshot_read_enum(rd, obj, "action", SB_ENUM_TRANSITION, &action) < 0 ||
            snapshot_read_string(rd, obj, "id", m->id, sizeof(m->id)) < 0) {
            return -EBADMSG;
        }
        if (!sb_request_id_is_valid(m->id, strlen(m->id))) {
            return snapshot_fail(rd, "invalid power-restore request id");
        }
        m->action = (SbTransition) action;
    }
    if (snapshot_read_uint(rd, obj, "nodes_omitted", &omitted) < 0 ||
        snapshot_read_uint(rd, obj, "delay", &delay) < 0 ||
        snapshot_read_uint(rd, obj, "due", &m->due_ms) < 0) {
        return -EBADMSG;
    }
    if (omitted > SB_NODES_MAX || delay > DELAY_MAX_S) {
        return snapshot_fail(rd, "power-restore decision out of range");
    }
    m->nodes_omitted = (uint32_t) omitted;
    m->delay_s = (uint32_t) delay;
    return 0;
}

static int read_last(SnapshotReader *rd, Coord *c, const cJSON *obj)
{
    SbPowerRestoreMsg m = { 0 };
    char check[SB_PAYLOAD_MAX + 1];
    bool listed_gone;

    if (!cJSON_IsObject(obj)) {
        return snapshot_fail(rd, "'last' is not an object");
    }
    if (snapshot_read_uint(rd, obj, "time", &m.time_ms) < 0 ||
        snapshot_read_uint(rd, obj, "loss_id", &m.loss_id) < 0 ||
        read_policy(rd, obj, "policy", &m.policy) < 0 ||
        read_bool(rd, obj, "one_time", &m.one_time) < 0 ||
        read_bool(rd, obj, "system_wide", &m.system_wide) < 0 ||
        snapshot_read_string(rd, obj, "why", m.why, sizeof(m.why)) < 0 ||
        /* A record of what was decided: it keeps every node it names. */
        snapshot_read_nodes(rd, obj, SB_NODES_MAX,
                            (SnapshotNodes){ m.nodes, SB_EVENT_NODES_MAX, &m.n_nodes },
                            &listed_gone) < 0 ||
        read_last_optional(rd, obj, &m) < 0) {
        return -EBADMSG;
    }
    /* What is restored is published again: it must encode. */
    if (sb_power_restore_encode(&m, check, sizeof(check)) < 0) {
        return snapshot_fail(rd, "power-restore decision cannot be published");
    }
    c->restore.last = m;
    c->restore.has_last = true;
    return 0;
}

int snapshot_read_power(SnapshotReader *rd, Coord *c, const cJSON *root)
{
    const cJSON *obj = snapshot_field(root, "power_restore"), *item;
    PowerRestore *pr = &c->restore;

    if (read_requested_last(rd, c, root) < 0 || read_settings(rd, c, root) < 0) {
        return -EBADMSG;
    }
    if (!obj) {
        return 0;
    }
    if (!cJSON_IsObject(obj)) {
        return snapshot_fail(rd, "'power_restore' is not an object");
    }
    if (snapshot_read_uint(rd, obj, "decided_boot", &pr->decided_boot_ms) < 0 ||
        snapshot_read_uint(rd, obj, "counter", &pr->counter) < 0) {
        return -EBADMSG;
    }
    item = snapshot_field(obj, "last");
    if (item && read_last(rd, c, item) < 0) {
        return -EBADMSG;
    }
    item = snapshot_field(obj, "pending");
    if (item && read_pending(rd, c, item) < 0) {
        return -EBADMSG;
    }
    return 0;
}
