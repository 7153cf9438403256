/* SPDX-License-Identifier: Apache-2.0 */
/* Clock reads for the shells (cores get time passed in). Milliseconds, uint64_t, unit in the name.
 */
#ifndef STATEBUS_TIME_UTIL_H
#define STATEBUS_TIME_UTIL_H

#include <stdint.h>

/* Wall clock, unix ms: what goes on the wire ("since", "time", "deadline"). */
uint64_t now_unix_ms(void);

/* CLOCK_MONOTONIC ms: durations and timers, immune to wall-clock steps. */
uint64_t now_mono_ms(void);

#endif
