/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The durable state file (--state-dir/state.json), written by snapshot-encode.c and read back by
 * snapshot-restore.c:
 *
 *   {"v":1,"epoch":E,"id_counter":K,"order_counter":O,
 *    "requested":{"chassis":"On","host":"Off"},
 *    "requests":[{"phase":"pending"|"active"|"done","id":"r1","target":"host",
 *                 "transition":"On","reason":"...","reply_topic":"...","correlation":"<hex>",
 *                 "order":n,"queued":ms,"dispatched":ms,"expires":ms,"fails":ms,
 *                 "finished":ms,"nodes":[n...],"result":"completed","why":"..."}]}
 *
 * "result" and "why" are written for done requests only; every other field is always written.
 * Readers ignore unknown fields (later versions only add fields). Added with issue #14 (optional
 * on read): "not_before":ms on a pending request delayed until then (a power restore's
 * power-restore-delay); written only on that one.
 *
 * Added with issue #4 (optional on read: a snapshot without them restores the defaults):
 *
 *   "requested_last":"host",
 *   "settings":{"power-restore-policy":"AlwaysOff","power-restore-delay":0,
 *               "power-restore-one-time":"None",
 *               "scheduled-transition":null|{"time":s,"transition":"On"}},
 *   "power_restore":{"decided_boot":ms,"counter":n,
 *                    "last":{system/power-restore's fields: "time","loss_id","policy",
 *                            "one_time","system_wide","action","id","why","nodes",
 *                            "nodes_omitted","delay","due"}}
 * "last" is written only when there is one; its "action" and "id" only when the decision made a
 * request. Files written before issue #14 may hold
 *                    "pending":{"id","target","transition","reason","due":ms,"nodes":[n...]}
 * in "power_restore" (a decision waiting for its delay): read into the delayed request it is now
 * (test/unit/coordinator/data/state-v1-power-restore.json), never written.
 */
#ifndef STATEBUS_COORD_SNAPSHOT_FORMAT_H
#define STATEBUS_COORD_SNAPSHOT_FORMAT_H

#include <cjson/cJSON.h>

#include "coord-internal.h"
#include "json-writer.h"

#define SNAPSHOT_VERSION 1
/* Room for the fixed part and for one request record with every string escaped at its worst
 * (\u00XX per byte) and 256 five-digit nodes. */
#define SNAPSHOT_HEAD_MAX   512u
#define SNAPSHOT_RECORD_MAX 8192u

/* Room for "requested_last", "settings" and "power_restore" at their largest: a decision with
 * 64 nodes and an escaped why, and, in a file written before issue #14, a "pending" request with
 * 256 five-digit nodes and an escaped reason (still read, so still counted; a delayed request is
 * now one of the records above). */
#define SNAPSHOT_POWER_MAX 12288u

/* ---- snapshot-fields.c: phase names and the checked readers (calls nothing of the core) --- */
const char *snapshot_phase_name(RequestPhase phase);
/* REQUEST_FREE for an unknown name. */
RequestPhase snapshot_phase_from_name(const char *name);

/* Every failure keeps the first reason. */
typedef struct SnapshotReader {
    const char *why;           /* first failure */
    uint32_t nodes;            /* the system's size now (--nodes) */
    unsigned nodes_dropped;    /* node numbers above it, left out */
    unsigned requests_dropped; /* requests that named only such nodes, left out */
} SnapshotReader;

/* The "nodes" array of obj into nodes[0..max): sorted, without duplicates, each
 * 1..SB_NODES_MAX. A number above keep_max (rd->nodes for what still acts on nodes: the system
 * was made smaller since the file was written) is left out and counted, not an error;
 * *ret_only_dropped says the array named nodes and every one was left out (the record must not
 * become "every node"). */
typedef struct SnapshotNodes {
    uint32_t *nodes; /* room for max numbers (borrowed) */
    size_t max;
    size_t *ret_n; /* how many were read */
} SnapshotNodes;
int snapshot_read_nodes(SnapshotReader *rd,
                        const cJSON *obj,
                        uint32_t keep_max,
                        SnapshotNodes out,
                        bool *ret_only_dropped);

/* Records why (the first one wins) and returns -EBADMSG. */
int snapshot_fail(SnapshotReader *rd, const char *why);
const cJSON *snapshot_field(const cJSON *obj, const char *key);
/* An integer 0..2^53. */
int snapshot_read_uint(SnapshotReader *rd, const cJSON *obj, const char *key, uint64_t *ret);
/* A string of at most size - 1 bytes, valid UTF-8 without control characters. */
int snapshot_read_string(SnapshotReader *rd,
                         const cJSON *obj,
                         const char *key,
                         char *buf,
                         size_t size);
/* An enum string, never its 0 (unknown/none). */
int snapshot_read_enum(SnapshotReader *rd,
                       const cJSON *obj,
                       const char *key,
                       SbEnumType type,
                       int *ret);

/* ---- settings and power restore (snapshot-power.c) --------------------------------------- */
void snapshot_write_power(JsonWriter *w, const Coord *c);
/* Reads them from the snapshot's root object (absent parts keep their defaults). */
int snapshot_read_power(SnapshotReader *rd, Coord *c, const cJSON *root);

#endif
