/* SPDX-License-Identifier: Apache-2.0 */
/* Writing the durable state (format in snapshot-format.h). No allocation: the shell's buffer. */
#include <errno.h>
#include <string.h>

#include "snapshot-format.h"

size_t coord_snapshot_size_max(const Coord *c)
{
    (void) c; /* the bound does not depend on the number of nodes: requests hold at most 256 */
    return SNAPSHOT_HEAD_MAX + (size_t) COORD_REQUEST_POOL * SNAPSHOT_RECORD_MAX +
           SNAPSHOT_POWER_MAX;
}

static void write_request(JsonWriter *w, const Request *r)
{
    json_object_begin(w);
    json_key(w, "phase");
    json_string(w, snapshot_phase_name(r->phase));
    json_key(w, "id");
    json_string(w, r->id);
    json_key(w, "target");
    json_string(w, coord_target_name(r->target));
    json_key(w, "transition");
    json_string(w, coord_transition_name(r->transition));
    json_key(w, "reason");
    json_string(w, r->reason);
    json_key(w, "reply_topic");
    json_string(w, r->reply_to.topic);
    json_key(w, "correlation");
    json_hex(w, r->reply_to.correlation, r->reply_to.correlation_len);
    json_key(w, "order");
    json_uint(w, r->order);
    json_key(w, "queued");
    json_uint(w, r->queued_ms);
    json_key(w, "dispatched");
    json_uint(w, r->dispatched_ms);
    json_key(w, "expires");
    json_uint(w, r->expires_ms);
    json_key(w, "fails");
    json_uint(w, r->fails_ms);
    json_key(w, "finished");
    json_uint(w, r->finished_ms);
    if (r->not_before_ms != 0) {
        /* A delayed request (issue #14; before, power_restore.pending): files without one are
         * as v1 wrote them. */
        json_key(w, "not_before");
        json_uint(w, r->not_before_ms);
    }
    json_key(w, "nodes");
    json_array_begin(w);
    for (size_t i = 0; i < r->n_nodes; i++) {
        json_uint(w, r->nodes[i]);
    }
    json_array_end(w);
    if (r->phase == REQUEST_DONE) {
        json_key(w, "result");
        json_string(w, sb_enum_to_string(SB_ENUM_EVENT_KIND, (int) r->result));
        json_key(w, "why");
        json_string(w, r->why);
        if (r->announce != ANNOUNCE_DONE) {
            /* Its final event may not have gone out: the next start publishes it again. */
            json_key(w, "announced");
            json_bool(w, false);
        }
    }
    json_object_end(w);
}

static void write_slots(JsonWriter *w, const Coord *c, const int *slots)
{
    for (int t = 0; t < SB_TARGET_COUNT; t++) {
        if (slots[t] >= 0) {
            write_request(w, &c->requests[slots[t]]);
        }
    }
}

int coord_snapshot_encode(const Coord *c, char *buf, size_t size)
{
    JsonWriter w;

    if (!c || !buf) {
        return -EINVAL;
    }
    json_writer_init(&w, buf, size);
    json_object_begin(&w);
    json_key(&w, "v");
    json_uint(&w, SNAPSHOT_VERSION);
    json_key(&w, "epoch");
    json_uint(&w, c->epoch);
    json_key(&w, "id_counter");
    json_uint(&w, c->id_counter);
    json_key(&w, "order_counter");
    json_uint(&w, c->order_counter);
    json_key(&w, "requested");
    json_object_begin(&w);
    for (int t = SB_TARGET_CHASSIS; t <= SB_TARGET_HOST; t++) {
        if (c->requested[t] != SB_TRANSITION_NONE) {
            json_key(&w, coord_target_name((SbTarget) t));
            json_string(&w, coord_transition_name(c->requested[t]));
        }
    }
    json_object_end(&w);
    json_key(&w, "requests");
    json_array_begin(&w);
    write_slots(&w, c, c->pending);
    if (c->delayed >= 0) {
        write_request(&w, &c->requests[c->delayed]);
    }
    write_slots(&w, c, c->active);
    write_slots(&w, c, c->last);
    for (int i = 0; i < COORD_UNANNOUNCED_MAX && c->unannounced[i] >= 0; i++) {
        write_request(&w, &c->requests[c->unannounced[i]]);
    }
    json_array_end(&w);
    snapshot_write_power(&w, c);
    json_object_end(&w);
    return json_writer_finish(&w);
}
