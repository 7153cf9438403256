/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What arrived on the command topics of the simulated nodes (or on the raw fan-out's topics) for
 * one expected request id: which nodes got it, when the first and the last did, and anything
 * that should not have come (another id, a second copy to one node, a malformed command).
 */
#ifndef STATEBUS_BENCH_COMMAND_TRACK_H
#define STATEBUS_BENCH_COMMAND_TRACK_H

#include <mosquitto.h>
#include <stdbool.h>
#include <stdint.h>

#include "statebus/enums.h"
#include "statebus/limits.h"

typedef struct CommandTrack {
    char id[SB_ID_MAX + 1]; /* "" = nothing expected */
    uint8_t *seen;          /* owned, per node */
    uint32_t count;         /* distinct nodes that got it */
    uint64_t first_ns, last_ns;
    uint64_t unexpected; /* commands with another id, twice to a node, or malformed */
    char unexpected_why[128];
} CommandTrack;

int command_track_init(CommandTrack *t, uint32_t nodes);
void command_track_done(CommandTrack *t);

/* Forgets what arrived and expects id from now on. */
void command_track_expect(CommandTrack *t, uint32_t nodes, const char *id);

/* True when msg carries the id t expects (and t expects one). */
bool command_track_matches(const CommandTrack *t, const struct mosquitto_message *msg);

/* A command for node (on target's topic) arrived at now. */
void command_track_arrived(CommandTrack *t,
                           uint32_t node,
                           const struct mosquitto_message *msg,
                           SbTarget target,
                           uint64_t now);

#endif
