/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE /* pipe2(); before any system header */

/* cmocka needs these first, in this order. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include "fake-gpio-chip.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

FakeLine fake_lines[N_FAKE_LINES] = {
    { .name = "POWER_OUT", .offset = 0 }, { .name = "RESET_OUT", .offset = 1 },
    { .name = "PS_PWROK", .offset = 2 },  { .name = "POST_COMPLETE", .offset = 3 },
    { .name = "AC_LOST", .offset = 4 },
};
FakeWrite fake_writes[64];
size_t fake_n_writes;
char fake_last_chip_opened[64];
unsigned fake_any_chip_lookups;

uint64_t mono_ms(void)
{
    struct timespec ts;

    (void) clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t) ts.tv_sec * 1000u + (uint64_t) ts.tv_nsec / 1000000u;
}

FakeLine *fake_line_by_name(const char *name)
{
    for (size_t i = 0; i < N_FAKE_LINES; i++) {
        if (strcmp(fake_lines[i].name, name) == 0) {
            return &fake_lines[i];
        }
    }
    return NULL;
}

int fake_line_take(FakeLine *l, int mode)
{
    if (l->mode != MODE_NONE) {
        errno = EBUSY;
        return -1;
    }
    l->mode = mode;
    if (mode == MODE_EDGES) {
        assert_int_equal(pipe2(l->pipe, O_NONBLOCK | O_CLOEXEC), 0);
    }
    return 0;
}

void fake_line_give_back(FakeLine *l)
{
    if (l->pipe[0] > 0) {
        close(l->pipe[0]);
        close(l->pipe[1]);
    }
    l->pipe[0] = l->pipe[1] = 0;
    l->mode = MODE_NONE;
    l->queued = 0;
}

void fake_line_write(FakeLine *l, int value)
{
    assert_int_equal(l->mode, MODE_OUTPUT);
    assert_true(fake_n_writes < sizeof(fake_writes) / sizeof(fake_writes[0]));
    fake_writes[fake_n_writes++] =
            (FakeWrite){ .offset = l->offset, .value = value, .at_ms = mono_ms() };
    l->value = value;
}

int fake_line_read_edges(FakeLine *l, int *levels, unsigned max)
{
    char drain[64];
    unsigned n = 0;

    assert_int_equal(l->mode, MODE_EDGES);
    if (l->read_fails) {
        errno = EIO;
        return -1;
    }
    while (read(l->pipe[0], drain, sizeof(drain)) > 0) {
    }
    for (; n < max && n < l->queued; n++) {
        levels[n] = l->queue[n];
    }
    memmove(l->queue, l->queue + n, (l->queued - n) * sizeof(l->queue[0]));
    l->queued -= n;
    if (l->queued > 0) {
        char byte = 'e';
        assert_int_equal(write(l->pipe[1], &byte, 1), 1);
    }
    return (int) n;
}

void fake_edge(FakeLine *l, int value)
{
    char byte = 'e';

    assert_int_equal(l->mode, MODE_EDGES);
    assert_true(l->queued < sizeof(l->queue) / sizeof(l->queue[0]));
    l->value = value;
    l->queue[l->queued++] = value;
    assert_int_equal(write(l->pipe[1], &byte, 1), 1);
}

void fake_reset(void)
{
    for (size_t i = 0; i < N_FAKE_LINES; i++) {
        fake_line_give_back(&fake_lines[i]);
        fake_lines[i].read_fails = false;
    }
    fake_api_reset();
    /* x86-power-control's polarities, everything at rest: power off, POST not complete. */
    L_POWER_OUT->value = 1;
    L_RESET_OUT->value = 1;
    L_PGOOD->value = 0;
    L_POST_COMPLETE->value = 1;
    L_AC_LOST->value = 0;
    fake_n_writes = 0;
    fake_last_chip_opened[0] = '\0';
    fake_any_chip_lookups = 0;
}
