/* SPDX-License-Identifier: Apache-2.0 */
#include "stats.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int samples_add(Samples *s, double value)
{
    if (s->n == s->capacity) {
        size_t capacity = s->capacity ? s->capacity * 2 : 64;
        double *values = realloc(s->values, capacity * sizeof(*values));

        if (!values) {
            return -ENOMEM;
        }
        s->values = values;
        s->capacity = capacity;
    }
    s->values[s->n++] = value;
    return 0;
}

void samples_done(Samples *s)
{
    free(s->values);
    memset(s, 0, sizeof(*s));
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;

    return (x > y) - (x < y);
}

double samples_percentile(const Samples *s, double p)
{
    double *sorted;
    double value;
    size_t rank;

    if (s->n == 0) {
        return NAN;
    }
    sorted = malloc(s->n * sizeof(*sorted));
    if (!sorted) {
        return NAN;
    }
    memcpy(sorted, s->values, s->n * sizeof(*sorted));
    qsort(sorted, s->n, sizeof(*sorted), compare_doubles);
    /* Nearest rank: the smallest value with at least p% of the samples at or below it. */
    rank = (size_t) ceil(p / 100.0 * (double) s->n);
    rank = rank == 0 ? 1 : (rank > s->n ? s->n : rank);
    value = sorted[rank - 1];
    free(sorted);
    return value;
}

double samples_paired_difference_percentile(const Samples *a, const Samples *b, double p)
{
    Samples d = { 0 };
    size_t n = a->n < b->n ? a->n : b->n;
    double value;

    for (size_t i = 0; i < n; i++) {
        if (samples_add(&d, a->values[i] - b->values[i]) < 0) {
            samples_done(&d);
            return NAN;
        }
    }
    value = samples_percentile(&d, p);
    samples_done(&d);
    return value;
}
