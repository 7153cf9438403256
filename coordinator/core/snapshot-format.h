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
 * Readers ignore unknown fields (later versions only add fields).
 */
#ifndef STATEBUS_COORD_SNAPSHOT_FORMAT_H
#define STATEBUS_COORD_SNAPSHOT_FORMAT_H

#include "coord-internal.h"

#define SNAPSHOT_VERSION 1
/* Room for the fixed part and for one request record with every string escaped at its worst
 * (\u00XX per byte) and 256 five-digit nodes. */
#define SNAPSHOT_HEAD_MAX   512u
#define SNAPSHOT_RECORD_MAX 8192u
/* Integers survive a round trip through a double up to 2^53. */
#define SNAPSHOT_UINT_MAX 9007199254740992.0

const char *snapshot_phase_name(RequestPhase phase);
/* REQUEST_FREE for an unknown name. */
RequestPhase snapshot_phase_from_name(const char *name);

#endif
