/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the coordinator makes of one MQTT message: a CoordEvent for the core, something to ignore,
 * or a rejection with its reason. Pure (no I/O, no logging, no clock): every byte is untrusted,
 * so each check here is a unit-testable rule. The shell reads the MQTT v5 properties and logs.
 */
#ifndef STATEBUS_COORDINATOR_INPUT_H
#define STATEBUS_COORDINATOR_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "statebus/enums.h"

#include "coord.h"

typedef struct InputMessage {
    const char *topic;   /* NUL-terminated, as libmosquitto hands it over */
    const void *payload; /* not NUL-terminated */
    size_t len;
    bool retained;
    const char *response_topic; /* MQTT v5 response topic, NULL = none */
    const void *correlation;    /* MQTT v5 correlation data, NULL = none */
    size_t correlation_len;
    uint64_t now_ms; /* unix ms, for the event */
} InputMessage;

typedef enum InputVerdict {
    INPUT_FEED,   /* *ret_event is ready for coord_step() */
    INPUT_IGNORE, /* nothing to do, not an error (.why says why, for a debug line) */
    INPUT_REJECT, /* invalid: answer with a rejected event naming .why; never a state change */
} InputVerdict;

typedef struct InputResult {
    InputVerdict verdict;
    const char *why;          /* static text: IGNORE and REJECT */
    uint32_t node;            /* the node a node topic names, 0 otherwise */
    SbTarget target;          /* the target of a system/set topic, NONE otherwise */
    CoordReplyTo reply_to;    /* a valid response topic (and its correlation data), also for
                                 a rejection; topic "" = none */
    char id[SB_ID_MAX + 1];   /* REJECT of a request: its "id" when that much was readable,
                                 so every client sees the answer with the id it sent */
    SbTransition transition;  /* likewise */
    bool reply_topic_refused; /* a response topic was given but is not under <root>/reply/:
                                 the request goes on, its answers only to <root>/event */
} InputResult;

/* Classifies one message received by the coordinator of system. Always fills *ret;
 * *ret_event is meaningful only for INPUT_FEED. */
void input_translate(const char *system,
                     const InputMessage *m,
                     CoordEvent *ret_event,
                     InputResult *ret);

/* True when topic is "<root>/reply/<...>" of system: the only place answers may go
 * (contract.md: no other response topic is answered). */
bool input_reply_topic_is_valid(const char *system, const char *topic);

#endif
