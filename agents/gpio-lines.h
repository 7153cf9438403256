/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The gpio backend's only door to libgpiod: request one line by name, read it, drive it, and
 * read its edge events from a file descriptor the event loop watches. gpio-lines-v1.c implements
 * it on libgpiod 1.6 (Debian 12); a gpio-lines-v2.c can implement the same on the 2.x API.
 * Levels are raw (physical) 0/1: polarity is the caller's business.
 */
#ifndef STATEBUS_GPIO_LINES_H
#define STATEBUS_GPIO_LINES_H

#include <stddef.h>

typedef struct GpioLine GpioLine;

typedef enum GpioLineMode {
    GPIO_LINE_OUTPUT,      /* driven by us, starting at the given level */
    GPIO_LINE_INPUT,       /* read once or now and then */
    GPIO_LINE_INPUT_EDGES, /* read, and both edges queued as events on gpio_line_event_fd() */
} GpioLineMode;

/* Requests the line called name (chip "" = whichever chip has it) for consumer, in mode
 * (output_level: the first level of an output). Returns 0, -ENOENT when no such line (or chip)
 * exists, -EBUSY when someone else holds it, or another negative errno. */
int gpio_line_request(const char *chip,
                      const char *name,
                      const char *consumer,
                      GpioLineMode mode,
                      int output_level,
                      GpioLine **ret);

/* Releases the line (an output keeps no level we set) and closes its chip. NULL is fine. */
GpioLine *gpio_line_release(GpioLine *l);

/* The current raw level, 0 or 1, or negative errno. */
int gpio_line_get(GpioLine *l);

/* Drives an output to level (0/1). Returns 0 or negative errno. */
int gpio_line_set(GpioLine *l, int level);

/* INPUT_EDGES: a descriptor that is readable while events are queued, or negative errno. */
int gpio_line_event_fd(GpioLine *l);

/* INPUT_EDGES, when gpio_line_event_fd() is readable: reads up to max queued edges into
 * ret_levels (the raw level after each edge, oldest first). Returns how many (>= 1), or negative
 * errno. */
int gpio_line_read_edges(GpioLine *l, int *ret_levels, size_t max);

/* The chip and offset the line was found at ("gpiochip0", 3), for log lines. */
const char *gpio_line_chip_name(const GpioLine *l);
unsigned gpio_line_offset(const GpioLine *l);

#endif
