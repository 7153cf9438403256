/* SPDX-License-Identifier: Apache-2.0 */
#include "time-util.h"

#include <time.h>

static uint64_t clock_ms(clockid_t clock)
{
    struct timespec ts;

    /* clock_gettime() cannot fail for these clocks with a valid pointer. */
    (void) clock_gettime(clock, &ts);
    return (uint64_t) ts.tv_sec * 1000u + (uint64_t) ts.tv_nsec / 1000000u;
}

uint64_t now_unix_ms(void)
{
    return clock_ms(CLOCK_REALTIME);
}

uint64_t now_mono_ms(void)
{
    return clock_ms(CLOCK_MONOTONIC);
}
