/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Reset actions' bodies {"ResetType": "..."} to one statebus system request (topics/redfish.md
 * "Reset"): ComputerSystem.Reset as bmcweb maps ResetType to PSM host/chassis transitions, and
 * Manager.Reset on /Managers/bmc<n> as that node's BMC reboot (system/set/bmc with "nodes": [n],
 * always allowed by the contract). Pure.
 */
#ifndef STATEBUS_REDFISH_RESET_H
#define STATEBUS_REDFISH_RESET_H

#include <stddef.h>

#include "statebus/enums.h"

#include "redfish-error.h"

#define REDFISH_RESET_BODY_MAX 1024u /* a Reset body is a few dozen bytes */

typedef enum RedfishResetKind {
    REDFISH_RESET_SYSTEM,  /* ComputerSystem.Reset */
    REDFISH_RESET_MANAGER, /* Manager.Reset */
} RedfishResetKind;

typedef struct RedfishResetAction {
    const char *reset_type; /* static: the canonical ResetType */
    SbTarget target;        /* system/set/<target> */
    SbTransition transition;
} RedfishResetAction;

/* The ResetType values the bridge carries out, in the order @Redfish.AllowableValues lists them;
 * NULL-terminated. */
extern const char *const redfish_reset_allowable[];
extern const char *const redfish_manager_reset_allowable[];

/* The action's name as Redfish messages name it ("ComputerSystem.Reset"). */
const char *redfish_reset_action_name(RedfishResetKind kind);

/* Parses body[0..len) (not NUL-terminated, untrusted). Returns 0 with *ret filled, or -EINVAL with
 * *reterr describing the Redfish error (always HTTP 400): malformed JSON, a missing or non-string
 * ResetType, an unknown property, a value not in the list, or one we cannot carry out (Nmi,
 * PushPowerButton, ...). */
int redfish_reset_parse(RedfishResetKind kind,
                        const char *body,
                        size_t len,
                        RedfishResetAction *ret,
                        RedfishError *reterr);

#endif
