/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A write of RequestedHostTransition / RequestedPowerTransition: the answer PSM's clients expect
 * (topics/README.md "D-Bus presenter", the table of writes) and the statebus request it becomes.
 * sd-bus setters reply synchronously, so the decision is made from what the presenter already
 * knows; the coordinator's own answer follows as events and state. Pure.
 */
#ifndef STATEBUS_DBUS_WRITE_H
#define STATEBUS_DBUS_WRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "statebus/enums.h"
#include "statebus/payload.h"

#include "dbus-model.h"

typedef enum DbusWriteVerdict {
    DBUS_WRITE_ACCEPT = 0,  /* publish the request, reply success */
    DBUS_WRITE_INVALID,     /* not a value of the property: sdbusplus InvalidEnumString */
    DBUS_WRITE_NOT_ALLOWED, /* not in AllowedHostTransitions: Common.Error.NotAllowed */
    DBUS_WRITE_UNAVAILABLE, /* broker or coordinator not reachable: Common.Error.Unavailable */
    DBUS_WRITE_NOT_READY,   /* refuse policy, gate closed: <If>.Error.BMCNotReady */
} DbusWriteVerdict;

typedef struct DbusWritePolicy {
    bool refuse_when_not_ready; /* answer BMCNotReady instead of queueing (as the coordinator's
                                   --when-not-ready reject) */
    uint32_t allowed_host;      /* bit (1u << SbTransition) per allowed host transition */
} DbusWritePolicy;

typedef struct DbusWriteAnswer {
    DbusWriteVerdict verdict;
    SbTransition transition; /* ACCEPT (and NOT_ALLOWED / NOT_READY): the parsed value */
    const char *error_name;  /* NULL for ACCEPT; static */
    char message[SB_WHY_MAX + 1];
} DbusWriteAnswer;

/* Every host transition statebus carries out (PSM's, ForceWarmReboot included). */
uint32_t dbus_write_all_host_transitions(void);

/* Parses "On,Off,Reboot,..." (statebus/PSM words) into a host transition mask. 0 or -EINVAL. */
int dbus_write_parse_host_mask(const char *list, uint32_t *ret);

/* The answer to value written to target's Requested* property. connected: the MQTT connection is
 * up. Never fails. */
void dbus_write_decide(const DbusModel *m,
                       const DbusWritePolicy *p,
                       bool connected,
                       SbTarget target,
                       const char *value,
                       DbusWriteAnswer *ret);

/* The request to publish on system/set/<target>: id given, reason naming the D-Bus caller
 * ("D-Bus RequestedHostTransition by :1.42 uid 0"; uid < 0 = unknown). 0 or -EINVAL. */
int dbus_write_command(SbTarget target,
                       SbTransition transition,
                       const char *id,
                       const char *sender,
                       long uid,
                       SbCommand *ret);

#endif
