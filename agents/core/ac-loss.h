/* SPDX-License-Identifier: Apache-2.0 */
/*
 * "Did this BMC boot from an AC loss?" from a file the boot leaves behind (pure: the shell reads
 * the file). phosphor-state-manager creates an empty /run/openbmc/chassis@<N>-lost-power when the
 * chassis lost power; a platform script may write "1" or "0" into a file of its own. So a file
 * that exists means yes, unless what it says is a plain no.
 */
#ifndef STATEBUS_AC_LOSS_H
#define STATEBUS_AC_LOSS_H

#include <stdbool.h>
#include <stddef.h>

/* content[0..len) of a file that exists (no NUL needed): false only for "0", "false" or "no"
 * (any case, surrounded by white space); true for everything else, an empty file included. */
bool ac_loss_file_says(const char *content, size_t len);

#endif
