/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A fake GPIO chip for test-backend-gpio.c: five lines with x86-power-control's names, their raw
 * levels, who holds them and how, the writes made to outputs (with their times) and edge events
 * queued behind real pipe descriptors, so the backend's event loop sees them as on hardware.
 * fake-gpiod-v1.c and fake-gpiod-v2.c put the libgpiod API CMake chose (-Wl,--wrap) on top of it.
 */
#ifndef STATEBUS_TEST_FAKE_GPIO_CHIP_H
#define STATEBUS_TEST_FAKE_GPIO_CHIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { MODE_NONE, MODE_OUTPUT, MODE_INPUT, MODE_EDGES };

typedef struct FakeLine {
    const char *name;
    unsigned offset;
    int value; /* raw */
    int mode;
    int pipe[2]; /* readable while events are queued */
    int queue[32];
    size_t queued;
    bool read_fails;
} FakeLine;

typedef struct FakeWrite {
    unsigned offset;
    int value;
    uint64_t at_ms; /* CLOCK_MONOTONIC */
} FakeWrite;

#define FAKE_CHIP_NAME "gpiochip0"
#define N_FAKE_LINES   5u
extern FakeLine fake_lines[N_FAKE_LINES];
#define L_POWER_OUT     (&fake_lines[0])
#define L_RESET_OUT     (&fake_lines[1])
#define L_PGOOD         (&fake_lines[2])
#define L_POST_COMPLETE (&fake_lines[3])
#define L_AC_LOST       (&fake_lines[4])

extern FakeWrite fake_writes[64];
extern size_t fake_n_writes;
extern char fake_last_chip_opened[64]; /* the chip name asked for by name */
extern unsigned fake_any_chip_lookups; /* searches of every chip for a line name */

uint64_t mono_ms(void);
FakeLine *fake_line_by_name(const char *name);
/* Takes the line in mode (MODE_EDGES: with its pipe): 0, or -1 with errno EBUSY. */
int fake_line_take(FakeLine *l, int mode);
void fake_line_give_back(FakeLine *l);
void fake_line_write(FakeLine *l, int value);
/* Reads up to max queued edges (levels after them) into levels: how many, or -1 with errno. */
int fake_line_read_edges(FakeLine *l, int *levels, unsigned max);
/* The hardware changes an input: the level and one queued edge event. */
void fake_edge(FakeLine *l, int value);
void fake_reset(void);

/* The API layer (fake-gpiod-v1.c / -v2.c): chips, requests and buffers still open. */
unsigned fake_api_open_handles(void);
void fake_api_reset(void);

#endif
