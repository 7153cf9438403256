/* SPDX-License-Identifier: Apache-2.0 */
/* Internal: the one definition of the small macros every part of statebus uses (common/macro.h
 * includes it for the daemons). */
#ifndef STATEBUS_SB_MACRO_H
#define STATEBUS_SB_MACRO_H

#define ELEMENTSOF(a) (sizeof(a) / sizeof((a)[0]))

#endif
