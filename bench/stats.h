/* SPDX-License-Identifier: Apache-2.0 */
/* Samples of one measurement (in microseconds) and their percentiles. */
#ifndef STATEBUS_BENCH_STATS_H
#define STATEBUS_BENCH_STATS_H

#include <stddef.h>

typedef struct Samples {
    double *values; /* owned */
    size_t n;
    size_t capacity;
} Samples;

int samples_add(Samples *s, double value);
void samples_done(Samples *s);

/* Nearest-rank percentile (p in 0..100) of the samples; NAN when there are none. With fewer than
 * 100 samples p99 is the largest one. */
double samples_percentile(const Samples *s, double p);

/* Percentile p of a[i] - b[i] over the pairs both have (a measurement and the baseline trial
 * run next to it): what a adds, with the machine's slow drifts cancelled. NAN when none. */
double samples_paired_difference_percentile(const Samples *a, const Samples *b, double p);

#endif
