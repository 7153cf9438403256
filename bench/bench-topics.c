/* SPDX-License-Identifier: Apache-2.0 */
#include "bench-topics.h"

#include <errno.h>
#include <stdio.h>

static int checked(int n, size_t size)
{
    return n < 0 || (size_t) n >= size ? -ENOSPC : n;
}

int bench_topic_format(char *buf, size_t size, const char *system, BenchTopic topic)
{
    static const char *const names[] = {
        [BENCH_TOPIC_PING] = "ping",
        [BENCH_TOPIC_PONG] = "pong",
        [BENCH_TOPIC_TRIGGER] = "trigger",
        [BENCH_TOPIC_REBIRTH] = "rebirth",
    };

    return checked(snprintf(buf, size, "bench/%s/raw/%s", system, names[topic]), size);
}
