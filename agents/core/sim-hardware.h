/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The sim's "hardware" as kept in --sim-state-file: what survives a BMC reset on a real node (the
 * chassis power, the host and its boot progress, when the BMC last booted) so that a restarted
 * agent learns the node's state from its backend instead of assuming power-on defaults
 * (openbmc/docs designs/bmc-reset-with-host-up.md).
 *
 * File format (one JSON object, at most SIM_HARDWARE_FILE_MAX bytes, written atomically):
 *   {"v":1,"chassis":"On","power_status":"Good","host":"Running",
 *    "restart_cause":"RemoteCommand","boot_progress":"OSRunning","bmc_boot":<unix ms>}
 * The file is untrusted input like any other: every field is required, enums are PSM's strings
 * (exactly as on the wire), numbers are integers in range; anything else makes it invalid.
 */
#ifndef STATEBUS_SIM_HARDWARE_H
#define STATEBUS_SIM_HARDWARE_H

#include <stddef.h>
#include <stdint.h>

#include "statebus/enums.h"

#define SIM_HARDWARE_FILE_MAX 1024u

typedef struct SimHardware {
    SbChassisState chassis;
    SbPowerStatus power_status;
    SbHostState host;
    SbRestartCause restart_cause;
    SbBootProgress boot_progress;
    uint64_t bmc_boot_ms; /* when the BMC that wrote the file booted */
} SimHardware;

/* Writes the file's JSON plus a NUL into buf. Returns its length, -EINVAL for a value that is not
 * a valid state, or -ENOSPC. */
int sim_hardware_encode(const SimHardware *hw, char *buf, size_t size);

/* Reads text[0..len) (no NUL needed). Returns 0, or -EBADMSG with *reterr_why (static text) set;
 * *ret is untouched on error. */
int sim_hardware_decode(const char *text, size_t len, SimHardware *ret, const char **reterr_why);

#endif
