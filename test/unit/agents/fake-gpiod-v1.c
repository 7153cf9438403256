/* SPDX-License-Identifier: Apache-2.0 */
/* The libgpiod 1.6 calls of agents/gpio-lines-v1.c (-Wl,--wrap) on the fake chip. */

/* cmocka needs these first, in this order. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <errno.h>
#include <gpiod.h>
#include <stdio.h>
#include <string.h>

#include "fake-gpio-chip.h"

/* One open of the chip; closing it gives back the line found through it. */
struct gpiod_chip {
    bool in_use;
    FakeLine *line;
};

static struct gpiod_chip opens[16];

/* A struct gpiod_line * handed out is a FakeLine. */
#define FAKE(line) ((FakeLine *) (void *) (line))
#define LINE(fake) ((struct gpiod_line *) (void *) (fake))

unsigned fake_api_open_handles(void)
{
    unsigned n = 0;

    for (size_t i = 0; i < sizeof(opens) / sizeof(opens[0]); i++) {
        n += opens[i].in_use;
    }
    return n;
}

void fake_api_reset(void)
{
    memset(opens, 0, sizeof(opens));
}

static struct gpiod_chip *chip_open(void)
{
    for (size_t i = 0; i < sizeof(opens) / sizeof(opens[0]); i++) {
        if (!opens[i].in_use) {
            opens[i] = (struct gpiod_chip){ .in_use = true };
            return &opens[i];
        }
    }
    fail_msg("too many chip opens");
    return NULL;
}

static struct gpiod_chip *chip_of(const FakeLine *l)
{
    for (size_t i = 0; i < sizeof(opens) / sizeof(opens[0]); i++) {
        if (opens[i].in_use && opens[i].line == l) {
            return &opens[i];
        }
    }
    return NULL;
}

struct gpiod_chip *__wrap_gpiod_chip_open_by_name(const char *name);
struct gpiod_chip *__wrap_gpiod_chip_open_by_name(const char *name)
{
    (void) snprintf(fake_last_chip_opened, sizeof(fake_last_chip_opened), "%s", name);
    if (strcmp(name, FAKE_CHIP_NAME) != 0) {
        errno = ENOENT;
        return NULL;
    }
    return chip_open();
}

struct gpiod_line *__wrap_gpiod_chip_find_line(struct gpiod_chip *chip, const char *name);
struct gpiod_line *__wrap_gpiod_chip_find_line(struct gpiod_chip *chip, const char *name)
{
    FakeLine *l = fake_line_by_name(name);

    assert_true(chip->in_use);
    if (!l) {
        errno = ENOENT;
        return NULL;
    }
    chip->line = l;
    return LINE(l);
}

struct gpiod_line *__wrap_gpiod_line_find(const char *name);
struct gpiod_line *__wrap_gpiod_line_find(const char *name)
{
    FakeLine *l = fake_line_by_name(name);

    fake_any_chip_lookups++;
    if (!l) {
        errno = ENOENT;
        return NULL;
    }
    /* gpiod_line_find() opens the chip; its caller closes it. */
    chip_open()->line = l;
    return LINE(l);
}

struct gpiod_chip *__wrap_gpiod_line_get_chip(struct gpiod_line *line);
struct gpiod_chip *__wrap_gpiod_line_get_chip(struct gpiod_line *line)
{
    return chip_of(FAKE(line));
}

void __wrap_gpiod_chip_close(struct gpiod_chip *chip);
void __wrap_gpiod_chip_close(struct gpiod_chip *chip)
{
    assert_true(chip->in_use);
    if (chip->line) {
        fake_line_give_back(chip->line);
    }
    chip->in_use = false;
    chip->line = NULL;
}

const char *__wrap_gpiod_chip_name(struct gpiod_chip *chip);
const char *__wrap_gpiod_chip_name(struct gpiod_chip *chip)
{
    assert_true(chip->in_use);
    return FAKE_CHIP_NAME;
}

unsigned int __wrap_gpiod_line_offset(struct gpiod_line *line);
unsigned int __wrap_gpiod_line_offset(struct gpiod_line *line)
{
    return FAKE(line)->offset;
}

int __wrap_gpiod_line_request_output(struct gpiod_line *line, const char *consumer, int value);
int __wrap_gpiod_line_request_output(struct gpiod_line *line, const char *consumer, int value)
{
    assert_string_equal(consumer, "statebus-agent");
    if (fake_line_take(FAKE(line), MODE_OUTPUT) < 0) {
        return -1;
    }
    FAKE(line)->value = value;
    return 0;
}

int __wrap_gpiod_line_request_input(struct gpiod_line *line, const char *consumer);
int __wrap_gpiod_line_request_input(struct gpiod_line *line, const char *consumer)
{
    assert_string_equal(consumer, "statebus-agent");
    return fake_line_take(FAKE(line), MODE_INPUT);
}

int __wrap_gpiod_line_request_both_edges_events(struct gpiod_line *line, const char *consumer);
int __wrap_gpiod_line_request_both_edges_events(struct gpiod_line *line, const char *consumer)
{
    assert_string_equal(consumer, "statebus-agent");
    return fake_line_take(FAKE(line), MODE_EDGES);
}

int __wrap_gpiod_line_get_value(struct gpiod_line *line);
int __wrap_gpiod_line_get_value(struct gpiod_line *line)
{
    assert_true(FAKE(line)->mode != MODE_NONE);
    return FAKE(line)->value;
}

int __wrap_gpiod_line_set_value(struct gpiod_line *line, int value);
int __wrap_gpiod_line_set_value(struct gpiod_line *line, int value)
{
    fake_line_write(FAKE(line), value);
    return 0;
}

int __wrap_gpiod_line_event_get_fd(struct gpiod_line *line);
int __wrap_gpiod_line_event_get_fd(struct gpiod_line *line)
{
    if (FAKE(line)->mode != MODE_EDGES) {
        errno = EPERM;
        return -1;
    }
    return FAKE(line)->pipe[0];
}

int __wrap_gpiod_line_event_read_multiple(struct gpiod_line *line,
                                          struct gpiod_line_event *events,
                                          unsigned int num_events);
int __wrap_gpiod_line_event_read_multiple(struct gpiod_line *line,
                                          struct gpiod_line_event *events,
                                          unsigned int num_events)
{
    int levels[32];
    int n = fake_line_read_edges(FAKE(line), levels, num_events < 32u ? num_events : 32u);

    for (int i = 0; i < n; i++) {
        memset(&events[i], 0, sizeof(events[i]));
        events[i].event_type =
                levels[i] ? GPIOD_LINE_EVENT_RISING_EDGE : GPIOD_LINE_EVENT_FALLING_EDGE;
    }
    return n;
}
