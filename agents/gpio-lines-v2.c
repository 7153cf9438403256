/* SPDX-License-Identifier: Apache-2.0 */
/*
 * gpio-lines.h on libgpiod 2.x (the v2 API OpenBMC's meta-oe builds): the only file that calls
 * libgpiod when CMake found 2.x. A line is one request object of one offset, made from line
 * settings (direction, output level, both-edge detection) and a request config (the consumer);
 * the chip is opened only to find the line and make the request (the request outlives it).
 */
#define _GNU_SOURCE /* scandir(), alphasort() */
#include <dirent.h>
#include <errno.h>
#include <gpiod.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpio-lines.h"
#include "macro.h"

#define EDGES_PER_READ 16u
#define CHIP_DIR       "/dev"

struct GpioLine {
    struct gpiod_line_request *request;     /* owned: releasing it gives the line back */
    struct gpiod_edge_event_buffer *events; /* INPUT_EDGES only */
    unsigned offset;
    GpioLineMode mode;
    char chip_name[64];
};

/* libgpiod v2 reports failures as NULL or -1 with errno set. */
static int errno_or(int fallback)
{
    return errno > 0 ? -errno : -fallback;
}

static void gpiod_chip_closep(struct gpiod_chip **p)
{
    if (*p) {
        gpiod_chip_close(*p);
    }
}

static void gpiod_line_settings_freep(struct gpiod_line_settings **p)
{
    gpiod_line_settings_free(*p); /* NULL is fine */
}

static void gpiod_line_config_freep(struct gpiod_line_config **p)
{
    gpiod_line_config_free(*p);
}

static void gpiod_request_config_freep(struct gpiod_request_config **p)
{
    gpiod_request_config_free(*p);
}

/* Opens the chip at path and looks name up in it: 0 with *ret_chip and *ret_offset, -ENOENT
 * when the chip has no such line, or another negative errno. */
static int
chip_find(const char *path, const char *name, struct gpiod_chip **ret_chip, unsigned *ret_offset)
{
    CLEANUP(gpiod_chip_closep) struct gpiod_chip *chip = NULL;
    int offset;

    errno = 0;
    chip = gpiod_chip_open(path);
    if (!chip) {
        return errno_or(ENOENT);
    }
    errno = 0;
    offset = gpiod_chip_get_line_offset_from_name(chip, name);
    if (offset < 0) {
        return errno_or(ENOENT);
    }
    *ret_chip = TAKE_PTR(chip);
    *ret_offset = (unsigned) offset;
    return 0;
}

static int is_chip_entry(const struct dirent *d)
{
    return strncmp(d->d_name, "gpiochip", strlen("gpiochip")) == 0;
}

/* Every chip under /dev in name order, first line of that name: what libgpiod 1.6's
 * gpiod_line_find() did (v2 has no such call). */
static int find_on_any_chip(const char *name, struct gpiod_chip **ret_chip, unsigned *ret_offset)
{
    struct dirent **entries = NULL;
    int n, r = -ENOENT;

    errno = 0;
    n = scandir(CHIP_DIR, &entries, is_chip_entry, alphasort);
    if (n < 0) {
        return errno_or(ENOENT);
    }
    for (int i = 0; i < n; i++) {
        char path[sizeof(CHIP_DIR) + sizeof(entries[i]->d_name) + 1];

        if (r == -ENOENT) {
            (void) snprintf(path, sizeof(path), CHIP_DIR "/%s", entries[i]->d_name);
            /* A chip that cannot be opened or lacks the line: the next one may have it. */
            if (chip_find(path, name, ret_chip, ret_offset) == 0) {
                r = 0;
            }
        }
        free(entries[i]);
    }
    free(entries);
    return r;
}

static int line_find(const char *chip_name,
                     const char *name,
                     struct gpiod_chip **ret_chip,
                     unsigned *ret_offset)
{
    char path[sizeof(CHIP_DIR) + 256];

    if (!chip_name || chip_name[0] == '\0') {
        return find_on_any_chip(name, ret_chip, ret_offset);
    }
    /* A name as libgpiod 1.6's gpiod_chip_open_by_name() takes it: one under /dev. */
    if (strchr(chip_name, '/') || strlen(chip_name) >= 256) {
        return -EINVAL;
    }
    (void) snprintf(path, sizeof(path), CHIP_DIR "/%s", chip_name);
    return chip_find(path, name, ret_chip, ret_offset);
}

static int settings_for(struct gpiod_line_settings *s, GpioLineMode mode, int output_level)
{
    int r = 0;

    switch (mode) {
    case GPIO_LINE_OUTPUT:
        r = gpiod_line_settings_set_direction(s, GPIOD_LINE_DIRECTION_OUTPUT);
        if (r >= 0) {
            r = gpiod_line_settings_set_output_value(s, output_level ? GPIOD_LINE_VALUE_ACTIVE
                                                                     : GPIOD_LINE_VALUE_INACTIVE);
        }
        break;
    case GPIO_LINE_INPUT:
        r = gpiod_line_settings_set_direction(s, GPIOD_LINE_DIRECTION_INPUT);
        break;
    case GPIO_LINE_INPUT_EDGES:
        r = gpiod_line_settings_set_direction(s, GPIOD_LINE_DIRECTION_INPUT);
        if (r >= 0) {
            r = gpiod_line_settings_set_edge_detection(s, GPIOD_LINE_EDGE_BOTH);
        }
        break;
    default:
        return -EINVAL;
    }
    return r < 0 ? -EINVAL : 0;
}

static int
line_request(GpioLine *l, struct gpiod_chip *chip, const char *consumer, int output_level)
{
    CLEANUP(gpiod_line_settings_freep) struct gpiod_line_settings *settings = NULL;
    CLEANUP(gpiod_line_config_freep) struct gpiod_line_config *line_config = NULL;
    CLEANUP(gpiod_request_config_freep) struct gpiod_request_config *request_config = NULL;
    unsigned offset = l->offset;
    int r;

    settings = gpiod_line_settings_new();
    line_config = gpiod_line_config_new();
    request_config = gpiod_request_config_new();
    if (!settings || !line_config || !request_config) {
        return -ENOMEM;
    }
    r = settings_for(settings, l->mode, output_level);
    if (r < 0) {
        return r;
    }
    errno = 0;
    if (gpiod_line_config_add_line_settings(line_config, &offset, 1, settings) < 0) {
        return errno_or(EINVAL);
    }
    gpiod_request_config_set_consumer(request_config, consumer);
    errno = 0;
    l->request = gpiod_chip_request_lines(chip, request_config, line_config);
    if (!l->request) {
        return errno_or(EIO);
    }
    if (l->mode == GPIO_LINE_INPUT_EDGES) {
        l->events = gpiod_edge_event_buffer_new(EDGES_PER_READ);
        if (!l->events) {
            return -ENOMEM;
        }
    }
    return 0;
}

static void chip_name_of(GpioLine *l, struct gpiod_chip *chip)
{
    struct gpiod_chip_info *info = gpiod_chip_get_info(chip);
    const char *name = info ? gpiod_chip_info_get_name(info) : NULL;

    (void) snprintf(l->chip_name, sizeof(l->chip_name), "%s", name ? name : "?");
    gpiod_chip_info_free(info); /* NULL is fine */
}

int gpio_line_request(const char *chip,
                      const char *name,
                      const char *consumer,
                      GpioLineMode mode,
                      int output_level,
                      GpioLine **ret)
{
    CLEANUP(gpiod_chip_closep) struct gpiod_chip *found = NULL;
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
    r = line_find(chip, name, &found, &l->offset);
    if (r >= 0) {
        chip_name_of(l, found);
        r = line_request(l, found, consumer, output_level);
    }
    if (r < 0) {
        gpio_line_release(l);
        return r;
    }
    *ret = l;
    return 0; /* the chip closes here; the request keeps the line */
}

GpioLine *gpio_line_release(GpioLine *l)
{
    if (!l) {
        return NULL;
    }
    if (l->request) {
        gpiod_line_request_release(l->request);
    }
    gpiod_edge_event_buffer_free(l->events); /* NULL is fine */
    free(l);
    return NULL;
}

int gpio_line_get(GpioLine *l)
{
    enum gpiod_line_value v;

    errno = 0;
    v = gpiod_line_request_get_value(l->request, l->offset);
    if (v == GPIOD_LINE_VALUE_ERROR) {
        return errno_or(EIO);
    }
    return v == GPIOD_LINE_VALUE_ACTIVE ? 1 : 0;
}

int gpio_line_set(GpioLine *l, int level)
{
    if (l->mode != GPIO_LINE_OUTPUT) {
        return -EINVAL;
    }
    errno = 0;
    return gpiod_line_request_set_value(l->request, l->offset,
                                        level ? GPIOD_LINE_VALUE_ACTIVE
                                              : GPIOD_LINE_VALUE_INACTIVE) < 0
                   ? errno_or(EIO)
                   : 0;
}

int gpio_line_event_fd(GpioLine *l)
{
    int fd;

    if (l->mode != GPIO_LINE_INPUT_EDGES) {
        return -EINVAL;
    }
    errno = 0;
    fd = gpiod_line_request_get_fd(l->request);
    return fd < 0 ? errno_or(EBADF) : fd;
}

int gpio_line_read_edges(GpioLine *l, int *ret_levels, size_t max)
{
    size_t want = max < EDGES_PER_READ ? max : EDGES_PER_READ;
    int n;

    if (l->mode != GPIO_LINE_INPUT_EDGES || want == 0) {
        return -EINVAL;
    }
    errno = 0;
    /* One read() of what the kernel has queued (at least one: the fd was readable). */
    n = gpiod_line_request_read_edge_events(l->request, l->events, want);
    if (n < 0) {
        return errno_or(EIO);
    }
    if (n == 0 || (size_t) n > want) {
        return -EIO;
    }
    for (int i = 0; i < n; i++) {
        struct gpiod_edge_event *e = gpiod_edge_event_buffer_get_event(l->events, (unsigned) i);

        /* Lines are requested active-high: rising is the raw level going to 1. */
        switch (e ? gpiod_edge_event_get_event_type(e) : 0) {
        case GPIOD_EDGE_EVENT_RISING_EDGE:
            ret_levels[i] = 1;
            break;
        case GPIOD_EDGE_EVENT_FALLING_EDGE:
            ret_levels[i] = 0;
            break;
        default:
            return -EBADMSG;
        }
    }
    return n;
}

const char *gpio_line_chip_name(const GpioLine *l)
{
    return l->chip_name[0] != '\0' ? l->chip_name : "?";
}

unsigned gpio_line_offset(const GpioLine *l)
{
    return l->offset;
}
