/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The coordinator's durable state: --state-dir/state.json, the core's snapshot (queue, active
 * requests, id counter, epoch). Written atomically before anything that depends on it is
 * published (topics/README.md "Requests": durability). A file the core cannot restore is set
 * aside as state.json.corrupt-<unix s>, never overwritten: it is the evidence of what went wrong.
 */
#ifndef STATEBUS_STATE_STORE_H
#define STATEBUS_STATE_STORE_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "coord.h"

typedef struct StateStore {
    char path[PATH_MAX]; /* <dir>/state.json */
    char *buf;           /* owned: coord_snapshot_size_max() bytes, reused by every save */
    size_t size;
} StateStore;

/* Creates dir if missing and sizes the buffer for core. Returns 0 or negative errno (logged). */
int state_store_init(StateStore *s, const char *dir, const Coord *core);
void state_store_done(StateStore *s);

/* Restores core from the file. A missing file is an empty start; a corrupt one is renamed aside
 * and also an empty start. Returns 0, or negative errno when the file can be neither read nor set
 * aside (the daemon must not start and overwrite it). Logs one line either way. */
int state_store_load(StateStore *s, Coord *core, uint64_t now_ms);

/* Writes core's snapshot atomically. Returns 0 or negative errno (not logged: the caller knows
 * which actions it holds back). */
int state_store_save(StateStore *s, const Coord *core);

#endif
