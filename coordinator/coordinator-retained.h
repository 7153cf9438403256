/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The coordinator's retained topics as one table (coordinator-retained.c): per topic its name,
 * the builder of its payload, the bytes last published there, whether it is due, and the message
 * id of a publish still awaiting its PUBACK. One flush loop publishes what is due, in table order:
 * the rollups, system/requests, the settings, system/power-restore, system/status last (a client
 * that sees the status live has the rest: topics/README.md "Sync"). Not a public API.
 */
#ifndef STATEBUS_COORDINATOR_RETAINED_H
#define STATEBUS_COORDINATOR_RETAINED_H

#include <stdbool.h>
#include <stddef.h>

#include "statebus/enums.h"
#include "statebus/limits.h"

typedef struct Coordinator Coordinator;

/* Slots: rollup kinds first, then system/requests where setting 0 (SB_SETTING_NONE) would be, the
 * settings by SbSettingName, power restore, status. Table order is publish order. */
#define RETAINED_REQUESTS      ((size_t) SB_KIND_COUNT)
#define RETAINED_POWER_RESTORE ((size_t) SB_KIND_COUNT + SB_SETTING_COUNT)
#define RETAINED_STATUS        (RETAINED_POWER_RESTORE + 1)
#define RETAINED_COUNT         (RETAINED_STATUS + 1)

static inline size_t retained_rollup(SbStateKind kind)
{
    return (size_t) kind;
}

static inline size_t retained_setting(SbSettingName name)
{
    return (size_t) SB_KIND_COUNT + (size_t) name;
}

/* What a builder hands to the flush loop. */
typedef struct RetainedPayload {
    char bytes[SB_PAYLOAD_MAX + 1];
    size_t len;
    /* Compared with the last published bytes: equal means unchanged, not sent again. Points into
     * bytes unless the payload has a field that changes at every build ("time"). */
    const char *canonical;
    size_t canonical_len;
    char canonical_buf[SB_PAYLOAD_MAX + 1];
    int log_level;      /* of the line logged once it is published */
    char log_text[192]; /* "published ..." */
    int gate_ready; /* the bmc rollup: 1/0 = gate state, logged at info when it changes; else -1 */
} RetainedPayload;

/* Builds the payload of one slot. Returns 0, -ENOENT when there is nothing to publish yet (not
 * an error), or another negative errno (logged by the builder). */
typedef int (*RetainedBuild)(Coordinator *co, size_t slot, RetainedPayload *out);

typedef enum RetainedSync {
    RETAINED_SYNC_CACHED,  /* system/sync republishes the last bytes */
    RETAINED_SYNC_REBUILD, /* system/sync marks it due: its last bytes are not the payload */
    RETAINED_SYNC_LAST,    /* system/sync marks it due for the end of the iteration */
} RetainedSync;

typedef struct RetainedClass {
    RetainedBuild build;
    RetainedSync sync;
    /* At most one publish awaits its PUBACK: a change made meanwhile stays due and goes out, with
     * the latest payload, when the PUBACK arrives. A burst that outruns the broker then costs one
     * publish per broker round trip, not one per loop iteration queued in libmosquitto (memory)
     * and in the broker (load) - measured with bench/, BENCHMARKS.md. */
    bool one_in_flight;
    bool always;           /* never skipped as unchanged (status: its "time" is the point) */
    bool at_iteration_end; /* only the end-of-iteration flush publishes it, never before events */
} RetainedClass;

typedef struct RetainedTopic {
    const RetainedClass *cls; /* NULL: slot unused */
    char topic[SB_TOPIC_MAX + 1];
    int arg; /* the rollup kind, the setting name, the status to publish */
    bool due;
    int mid; /* a publish awaiting its PUBACK, 0 none */
    char last[SB_PAYLOAD_MAX + 1];
    size_t last_len;
    bool last_valid;
} RetainedTopic;

typedef enum RetainedFlush {
    RETAINED_FLUSH_ITERATION_END, /* the post source */
    /* A batch with events follows: a rollup awaiting the PUBACK of its previous publish goes out
     * too (the hold-back only coalesces bursts of node updates; it must not delay a state past the
     * event that reports it). */
    RETAINED_FLUSH_BEFORE_EVENTS,
} RetainedFlush;

/* Fills co->retained: topics and classes. Returns 0 or negative errno (logged). */
int retained_init(Coordinator *co);

/* The slot is due at the next flush. */
void retained_mark(Coordinator *co, size_t slot);

/* Publishes every due slot whose payload changed, in table order. */
void retained_flush(Coordinator *co, RetainedFlush mode);

/* Publishes one slot now, due or not. Returns 1 published, 0 unchanged or nothing to publish,
 * negative errno. */
int retained_publish(Coordinator *co, size_t slot);

/* Forgets what was published: after a reconnect the broker's retained copy may be gone, and the
 * PUBACKs of the old connection will never come. */
void retained_forget(Coordinator *co);

/* The PUBACK of mid arrived. Returns the slot it belonged to, or RETAINED_COUNT. */
size_t retained_acked(Coordinator *co, int mid);

/* system/sync: republishes the last bytes of every CACHED slot, marks the others due. Returns how
 * many were republished. */
unsigned retained_sync(Coordinator *co);

#endif
