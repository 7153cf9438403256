/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Invariants of the coordinator core that must hold whatever it was fed (fuzz-coordinator.c,
 * fuzz-snapshot.c): every action it asks for can be carried out (its payload encodes, its reply
 * topic is under <root>/reply/, its nodes exist), a gated power action leaves only through an
 * open gate, the request queue stays bounded, and every snapshot it writes restores.
 */
#ifndef STATEBUS_FUZZ_COORD_CHECK_H
#define STATEBUS_FUZZ_COORD_CHECK_H

#include <stdbool.h>
#include <stdint.h>

#include "coord.h"

#define FUZZ_SYSTEM "fz"

typedef struct FuzzCoord {
    Coord *core; /* owned */
    CoordConfig cfg;
    uint64_t now_ms;
    uint64_t timer_at_ms; /* 0 = no timer armed */
    uint64_t probe;       /* a probe published and not yet answered (echoed at once), 0 = none */
    /* Every answer address came through input_translate(), so each must be under
     * <root>/reply/. Not so after restoring an untrusted snapshot: there the shell checks the
     * address again before answering (coordinator-apply.c). */
    bool replies_checked;
} FuzzCoord;

/* A core for cfg, or aborts (a valid config must be accepted). */
void fuzz_coord_init(FuzzCoord *f, const CoordConfig *cfg, uint64_t now_ms);
void fuzz_coord_done(FuzzCoord *f);

/* Steps ev (its now_ms is set to f->now_ms), checks the actions and the state afterwards, then
 * fires the core's timer as the shell would while it is due. */
void fuzz_coord_step(FuzzCoord *f, CoordEvent *ev);

/* Moves the clock forward and fires the timer when due. */
void fuzz_coord_advance(FuzzCoord *f, uint64_t delta_ms);

/* Encodes the snapshot; *ret_len its length. Aborts when it does not fit its own bound. */
void fuzz_coord_snapshot(const Coord *c, char *buf, size_t size, int *ret_len);

#endif
