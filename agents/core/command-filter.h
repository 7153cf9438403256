/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Which commands an agent carries out (contract.md "Lifecycle rules"): never one delivered with
 * the retain flag (a retained command would replay a power action at every reconnect), never one
 * past its deadline, never one whose transition is not defined for the target, and never the same
 * id twice (QoS 1 may deliver twice). Pure: time is passed in, reasons are static strings.
 */
#ifndef STATEBUS_COMMAND_FILTER_H
#define STATEBUS_COMMAND_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "statebus/enums.h"
#include "statebus/limits.h"
#include "statebus/payload.h"

/* Ids of commands carried out that are remembered; older ones are forgotten first. The
 * coordinator sends at most a few commands per node per request, so 64 spans far more than one
 * QoS 1 redelivery window. */
#define COMMAND_FILTER_IDS 64

typedef enum CommandVerdict {
    COMMAND_ACCEPT = 0,    /* carry it out, then command_filter_remember() its id */
    COMMAND_REJECT = 1,    /* drop it: answer an event "rejected" with the reason */
    COMMAND_DUPLICATE = 2, /* already carried out: answer "duplicate", do nothing */
} CommandVerdict;

typedef struct CommandFilter {
    char ids[COMMAND_FILTER_IDS][SB_ID_MAX + 1]; /* ring of recent ids */
    size_t next;                                 /* slot the next id goes to */
    size_t count;                                /* ids held, <= COMMAND_FILTER_IDS */
} CommandFilter;

void command_filter_init(CommandFilter *f);

/* Decides on cmd, delivered on set/<target> with the given retain flag, at now_unix_ms. A command
 * without "deadline" has none to miss (operators testing with mosquitto_pub); one without "id"
 * cannot be recognized again. *ret_why (may be NULL) is set to a static reason for REJECT and
 * DUPLICATE, "" for ACCEPT. Checks in order: retain, transition, duplicate id, deadline. */
CommandVerdict command_filter_check(const CommandFilter *f,
                                    SbTarget target,
                                    const SbCommand *cmd,
                                    bool retained,
                                    uint64_t now_unix_ms,
                                    const char **ret_why);

/* Records the id of a command that was carried out; "" is ignored. */
void command_filter_remember(CommandFilter *f, const char *id);

/* True when id ("" never) is among the remembered ones. */
bool command_filter_seen(const CommandFilter *f, const char *id);

#endif
