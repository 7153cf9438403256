/* SPDX-License-Identifier: Apache-2.0 */
/* The command tracker of the simulated nodes (see command-track.h). */
#include "command-track.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "statebus/payload.h"

int command_track_init(CommandTrack *t, uint32_t nodes)
{
    *t = (CommandTrack){ 0 };
    t->seen = calloc((size_t) nodes + 1, 1);
    return t->seen ? 0 : -ENOMEM;
}

void command_track_done(CommandTrack *t)
{
    free(t->seen);
    t->seen = NULL;
}

void command_track_expect(CommandTrack *t, uint32_t nodes, const char *id)
{
    memset(t->seen, 0, (size_t) nodes + 1);
    t->count = 0;
    t->first_ns = 0;
    t->last_ns = 0;
    (void) snprintf(t->id, sizeof(t->id), "%s", id);
}

static void command_unexpected(CommandTrack *t, const char *why)
{
    t->unexpected++;
    (void) snprintf(t->unexpected_why, sizeof(t->unexpected_why), "%s", why);
}

bool command_track_matches(const CommandTrack *t, const struct mosquitto_message *msg)
{
    char needle[SB_ID_MAX + 16];

    if (t->id[0] == '\0') {
        return false;
    }
    (void) snprintf(needle, sizeof(needle), "\"id\":\"%s\"", t->id);
    return memmem(msg->payload, (size_t) msg->payloadlen, needle, strlen(needle)) != NULL;
}

/* The first command of a request is decoded in full (the contract's command object, with the id
 * and deadline the coordinator always sets); the others are matched by id only, so the
 * generator's own work stays small next to what it measures. */
void command_track_arrived(CommandTrack *t,
                           uint32_t node,
                           const struct mosquitto_message *msg,
                           SbTarget target,
                           uint64_t now)
{
    SbCommand cmd;
    const char *why = NULL;

    if (t->id[0] == '\0') {
        command_unexpected(t, "command while none was expected");
        return;
    }
    if (!command_track_matches(t, msg)) {
        command_unexpected(t, "command with another id");
        return;
    }
    if (t->count == 0) {
        if (sb_command_decode(msg->payload, (size_t) msg->payloadlen, target, false, &cmd, &why) <
                    0 ||
            cmd.transition != SB_TRANSITION_ON || strcmp(cmd.id, t->id) != 0 ||
            cmd.deadline_ms == 0) {
            command_unexpected(t, why ? why : "command is not On with this id and a deadline");
            return;
        }
    }
    if (t->seen[node]) {
        command_unexpected(t, "command delivered twice to one node");
        return;
    }
    t->seen[node] = 1;
    t->count++;
    if (t->count == 1) {
        t->first_ns = now;
    }
    t->last_ns = now;
}
