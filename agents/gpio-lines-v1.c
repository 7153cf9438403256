/* SPDX-License-Identifier: Apache-2.0 */
/* gpio-lines.h on libgpiod 1.6 (the v1 API Debian 12 ships): the only file that calls libgpiod. */
#include <errno.h>
#include <gpiod.h>
#include <stdbool.h>
#include <stdlib.h>

#include "gpio-lines.h"

#define EDGES_PER_READ 16u

struct GpioLine {
    struct gpiod_chip *chip; /* owned: closing it releases the line too */
    struct gpiod_line *line; /* borrowed from chip */
    GpioLineMode mode;
};

/* libgpiod v1 reports failures as -1 with errno set. */
static int errno_or(int fallback)
{
    return errno > 0 ? -errno : -fallback;
}

static int line_find(const char *chip_name, const char *name, GpioLine *l)
{
    if (chip_name && chip_name[0] != '\0') {
        errno = 0;
        l->chip = gpiod_chip_open_by_name(chip_name);
        if (!l->chip) {
            return errno_or(ENOENT);
        }
        errno = 0;
        l->line = gpiod_chip_find_line(l->chip, name);
        return l->line ? 0 : errno_or(ENOENT);
    }
    /* Every chip, first line of that name: what x86-power-control's gpiod::find_line() does. */
    errno = 0;
    l->line = gpiod_line_find(name);
    if (!l->line) {
        return errno_or(ENOENT);
    }
    l->chip = gpiod_line_get_chip(l->line);
    return 0;
}

static int line_request(GpioLine *l, const char *consumer, GpioLineMode mode, int output_level)
{
    int r;

    errno = 0;
    switch (mode) {
    case GPIO_LINE_OUTPUT:
        r = gpiod_line_request_output(l->line, consumer, output_level ? 1 : 0);
        break;
    case GPIO_LINE_INPUT:
        r = gpiod_line_request_input(l->line, consumer);
        break;
    case GPIO_LINE_INPUT_EDGES:
        r = gpiod_line_request_both_edges_events(l->line, consumer);
        break;
    default:
        return -EINVAL;
    }
    return r < 0 ? errno_or(EIO) : 0;
}

int gpio_line_request(const char *chip,
                      const char *name,
                      const char *consumer,
                      GpioLineMode mode,
                      int output_level,
                      GpioLine **ret)
{
    GpioLine *l = NULL;
    int r;

    if (!name || name[0] == '\0' || !consumer || !ret) {
        return -EINVAL;
    }
    l = calloc(1, sizeof(*l));
    if (!l) {
        return -ENOMEM;
    }
    l->mode = mode;
    r = line_find(chip, name, l);
    if (r >= 0) {
        r = line_request(l, consumer, mode, output_level);
    }
    if (r < 0) {
        gpio_line_release(l);
        return r;
    }
    *ret = l;
    return 0;
}

GpioLine *gpio_line_release(GpioLine *l)
{
    if (!l) {
        return NULL;
    }
    if (l->chip) {
        gpiod_chip_close(l->chip); /* releases every line of it we requested */
    }
    free(l);
    return NULL;
}

int gpio_line_get(GpioLine *l)
{
    int v;

    errno = 0;
    v = gpiod_line_get_value(l->line);
    if (v < 0) {
        return errno_or(EIO);
    }
    return v ? 1 : 0;
}

int gpio_line_set(GpioLine *l, int level)
{
    if (l->mode != GPIO_LINE_OUTPUT) {
        return -EINVAL;
    }
    errno = 0;
    return gpiod_line_set_value(l->line, level ? 1 : 0) < 0 ? errno_or(EIO) : 0;
}

int gpio_line_event_fd(GpioLine *l)
{
    int fd;

    if (l->mode != GPIO_LINE_INPUT_EDGES) {
        return -EINVAL;
    }
    errno = 0;
    fd = gpiod_line_event_get_fd(l->line);
    return fd < 0 ? errno_or(EBADF) : fd;
}

int gpio_line_read_edges(GpioLine *l, int *ret_levels, size_t max)
{
    struct gpiod_line_event events[EDGES_PER_READ];
    unsigned want = max < EDGES_PER_READ ? (unsigned) max : EDGES_PER_READ;
    int n;

    if (l->mode != GPIO_LINE_INPUT_EDGES || want == 0) {
        return -EINVAL;
    }
    errno = 0;
    /* One read() of what the kernel has queued (at least one: the fd was readable). */
    n = gpiod_line_event_read_multiple(l->line, events, want);
    if (n < 0) {
        return errno_or(EIO);
    }
    if (n == 0 || (unsigned) n > want) {
        return -EIO;
    }
    for (int i = 0; i < n; i++) {
        if (events[i].event_type == GPIOD_LINE_EVENT_RISING_EDGE) {
            ret_levels[i] = 1;
        } else if (events[i].event_type == GPIOD_LINE_EVENT_FALLING_EDGE) {
            ret_levels[i] = 0;
        } else {
            return -EBADMSG;
        }
    }
    return n;
}

const char *gpio_line_chip_name(const GpioLine *l)
{
    const char *name = l->chip ? gpiod_chip_name(l->chip) : NULL;
    return name ? name : "?";
}

unsigned gpio_line_offset(const GpioLine *l)
{
    return gpiod_line_offset(l->line);
}
