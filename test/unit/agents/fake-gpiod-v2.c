/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The libgpiod 2.x calls of agents/gpio-lines-v2.c (-Wl,--wrap) on the fake chip. Line settings,
 * line configs and request configs are libgpiod's own (plain memory objects): the fake reads
 * what the code under test put in them with libgpiod's getters. Chips, requests, edge events
 * and the scan of /dev are fakes.
 */
#define _GNU_SOURCE /* struct dirent's d_name size, scandir()'s prototype */

/* cmocka needs these first, in this order. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <dirent.h>
#include <errno.h>
#include <gpiod.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake-gpio-chip.h"

#define MAX_EVENTS 16u

struct gpiod_chip {
    bool in_use;
};

struct gpiod_chip_info {
    char name[32];
};

struct gpiod_line_request {
    bool in_use;
    FakeLine *line;
};

struct gpiod_edge_event {
    enum gpiod_edge_event_type type;
};

struct gpiod_edge_event_buffer {
    size_t capacity;
    size_t count;
    struct gpiod_edge_event events[MAX_EVENTS];
};

static struct gpiod_chip chips[16];
static struct gpiod_line_request requests[16];
static unsigned buffers;

unsigned fake_api_open_handles(void)
{
    unsigned n = buffers;

    for (size_t i = 0; i < 16; i++) {
        n += chips[i].in_use + requests[i].in_use;
    }
    return n;
}

void fake_api_reset(void)
{
    memset(chips, 0, sizeof(chips));
    memset(requests, 0, sizeof(requests));
    buffers = 0;
}

/* /dev as the fake has it: the chip, and a device that is not one (filtered out). */
int __wrap_scandir(const char *dir,
                   struct dirent ***namelist,
                   int (*filter)(const struct dirent *),
                   int (*compar)(const struct dirent **, const struct dirent **));
int __wrap_scandir(const char *dir,
                   struct dirent ***namelist,
                   int (*filter)(const struct dirent *),
                   int (*compar)(const struct dirent **, const struct dirent **))
{
    static const char *const names[] = { "null", FAKE_CHIP_NAME };
    struct dirent **list = calloc(2, sizeof(*list));
    int n = 0;

    assert_string_equal(dir, "/dev");
    assert_non_null(list);
    fake_any_chip_lookups++;
    for (size_t i = 0; i < 2; i++) {
        struct dirent *d = calloc(1, sizeof(*d));

        assert_non_null(d);
        (void) snprintf(d->d_name, sizeof(d->d_name), "%s", names[i]);
        if (filter && !filter(d)) {
            free(d);
            continue;
        }
        list[n++] = d;
    }
    if (compar && n > 1) {
        qsort(list, (size_t) n, sizeof(*list), (int (*)(const void *, const void *)) compar);
    }
    *namelist = list;
    return n;
}

struct gpiod_chip *__wrap_gpiod_chip_open(const char *path);
struct gpiod_chip *__wrap_gpiod_chip_open(const char *path)
{
    assert_true(strncmp(path, "/dev/", 5) == 0);
    (void) snprintf(fake_last_chip_opened, sizeof(fake_last_chip_opened), "%s", path + 5);
    if (strcmp(path + 5, FAKE_CHIP_NAME) != 0) {
        errno = ENOENT;
        return NULL;
    }
    for (size_t i = 0; i < 16; i++) {
        if (!chips[i].in_use) {
            chips[i].in_use = true;
            return &chips[i];
        }
    }
    fail_msg("too many chip opens");
    return NULL;
}

void __wrap_gpiod_chip_close(struct gpiod_chip *chip);
void __wrap_gpiod_chip_close(struct gpiod_chip *chip)
{
    assert_true(chip->in_use);
    chip->in_use = false; /* requests made through it stay */
}

struct gpiod_chip_info *__wrap_gpiod_chip_get_info(struct gpiod_chip *chip);
struct gpiod_chip_info *__wrap_gpiod_chip_get_info(struct gpiod_chip *chip)
{
    struct gpiod_chip_info *info = calloc(1, sizeof(*info));

    assert_true(chip->in_use);
    assert_non_null(info);
    (void) snprintf(info->name, sizeof(info->name), "%s", FAKE_CHIP_NAME);
    return info;
}

const char *__wrap_gpiod_chip_info_get_name(struct gpiod_chip_info *info);
const char *__wrap_gpiod_chip_info_get_name(struct gpiod_chip_info *info)
{
    return info->name;
}

void __wrap_gpiod_chip_info_free(struct gpiod_chip_info *info);
void __wrap_gpiod_chip_info_free(struct gpiod_chip_info *info)
{
    free(info);
}

int __wrap_gpiod_chip_get_line_offset_from_name(struct gpiod_chip *chip, const char *name);
int __wrap_gpiod_chip_get_line_offset_from_name(struct gpiod_chip *chip, const char *name)
{
    FakeLine *l = fake_line_by_name(name);

    assert_true(chip->in_use);
    if (!l) {
        errno = ENOENT;
        return -1;
    }
    return (int) l->offset;
}

/* The mode the settings ask for, read with libgpiod's own getters. */
static int mode_of(struct gpiod_line_settings *s, int *ret_output_value)
{
    enum gpiod_line_direction dir = gpiod_line_settings_get_direction(s);
    enum gpiod_line_edge edge = gpiod_line_settings_get_edge_detection(s);

    assert_false(gpiod_line_settings_get_active_low(s)); /* raw levels: polarity is ours */
    if (dir == GPIOD_LINE_DIRECTION_OUTPUT) {
        assert_int_equal(edge, GPIOD_LINE_EDGE_NONE);
        *ret_output_value = gpiod_line_settings_get_output_value(s) == GPIOD_LINE_VALUE_ACTIVE;
        return MODE_OUTPUT;
    }
    assert_int_equal(dir, GPIOD_LINE_DIRECTION_INPUT);
    if (edge == GPIOD_LINE_EDGE_NONE) {
        return MODE_INPUT;
    }
    assert_int_equal(edge, GPIOD_LINE_EDGE_BOTH);
    return MODE_EDGES;
}

struct gpiod_line_request *__wrap_gpiod_chip_request_lines(struct gpiod_chip *chip,
                                                           struct gpiod_request_config *req_cfg,
                                                           struct gpiod_line_config *line_cfg);
struct gpiod_line_request *__wrap_gpiod_chip_request_lines(struct gpiod_chip *chip,
                                                           struct gpiod_request_config *req_cfg,
                                                           struct gpiod_line_config *line_cfg)
{
    struct gpiod_line_settings *settings;
    unsigned offset = 99;
    int mode, value = 0;
    FakeLine *l;

    assert_true(chip->in_use);
    assert_non_null(req_cfg);
    assert_string_equal(gpiod_request_config_get_consumer(req_cfg), "statebus-agent");
    assert_int_equal(gpiod_line_config_get_num_configured_offsets(line_cfg), 1);
    assert_int_equal(gpiod_line_config_get_configured_offsets(line_cfg, &offset, 1), 1);
    assert_true(offset < N_FAKE_LINES);
    l = &fake_lines[offset];
    settings = gpiod_line_config_get_line_settings(line_cfg, offset);
    assert_non_null(settings);
    mode = mode_of(settings, &value);
    gpiod_line_settings_free(settings);
    if (fake_line_take(l, mode) < 0) {
        return NULL;
    }
    if (mode == MODE_OUTPUT) {
        l->value = value;
    }
    for (size_t i = 0; i < 16; i++) {
        if (!requests[i].in_use) {
            requests[i] = (struct gpiod_line_request){ .in_use = true, .line = l };
            return &requests[i];
        }
    }
    fail_msg("too many requests");
    return NULL;
}

void __wrap_gpiod_line_request_release(struct gpiod_line_request *request);
void __wrap_gpiod_line_request_release(struct gpiod_line_request *request)
{
    assert_true(request->in_use);
    fake_line_give_back(request->line);
    request->in_use = false;
    request->line = NULL;
}

enum gpiod_line_value __wrap_gpiod_line_request_get_value(struct gpiod_line_request *request,
                                                          unsigned int offset);
enum gpiod_line_value __wrap_gpiod_line_request_get_value(struct gpiod_line_request *request,
                                                          unsigned int offset)
{
    assert_true(request->in_use);
    assert_int_equal(offset, request->line->offset);
    return request->line->value ? GPIOD_LINE_VALUE_ACTIVE : GPIOD_LINE_VALUE_INACTIVE;
}

int __wrap_gpiod_line_request_set_value(struct gpiod_line_request *request,
                                        unsigned int offset,
                                        enum gpiod_line_value value);
int __wrap_gpiod_line_request_set_value(struct gpiod_line_request *request,
                                        unsigned int offset,
                                        enum gpiod_line_value value)
{
    assert_true(request->in_use);
    assert_int_equal(offset, request->line->offset);
    assert_true(value == GPIOD_LINE_VALUE_ACTIVE || value == GPIOD_LINE_VALUE_INACTIVE);
    fake_line_write(request->line, value == GPIOD_LINE_VALUE_ACTIVE);
    return 0;
}

int __wrap_gpiod_line_request_get_fd(struct gpiod_line_request *request);
int __wrap_gpiod_line_request_get_fd(struct gpiod_line_request *request)
{
    assert_true(request->in_use);
    /* v2: every request has a descriptor; only an edge request's ever becomes readable. */
    assert_int_equal(request->line->mode, MODE_EDGES);
    return request->line->pipe[0];
}

struct gpiod_edge_event_buffer *__wrap_gpiod_edge_event_buffer_new(size_t capacity);
struct gpiod_edge_event_buffer *__wrap_gpiod_edge_event_buffer_new(size_t capacity)
{
    struct gpiod_edge_event_buffer *b = calloc(1, sizeof(*b));

    assert_non_null(b);
    assert_true(capacity > 0 && capacity <= MAX_EVENTS);
    b->capacity = capacity;
    buffers++;
    return b;
}

void __wrap_gpiod_edge_event_buffer_free(struct gpiod_edge_event_buffer *buffer);
void __wrap_gpiod_edge_event_buffer_free(struct gpiod_edge_event_buffer *buffer)
{
    if (buffer) {
        assert_true(buffers > 0);
        buffers--;
        free(buffer);
    }
}

int __wrap_gpiod_line_request_read_edge_events(struct gpiod_line_request *request,
                                               struct gpiod_edge_event_buffer *buffer,
                                               size_t max_events);
int __wrap_gpiod_line_request_read_edge_events(struct gpiod_line_request *request,
                                               struct gpiod_edge_event_buffer *buffer,
                                               size_t max_events)
{
    int levels[MAX_EVENTS];
    size_t max = max_events < buffer->capacity ? max_events : buffer->capacity;
    int n;

    assert_true(request->in_use);
    n = fake_line_read_edges(request->line, levels, (unsigned) max);
    buffer->count = n > 0 ? (size_t) n : 0;
    for (int i = 0; i < n; i++) {
        buffer->events[i].type =
                levels[i] ? GPIOD_EDGE_EVENT_RISING_EDGE : GPIOD_EDGE_EVENT_FALLING_EDGE;
    }
    return n;
}

struct gpiod_edge_event *
__wrap_gpiod_edge_event_buffer_get_event(struct gpiod_edge_event_buffer *buffer,
                                         unsigned long index);
struct gpiod_edge_event *
__wrap_gpiod_edge_event_buffer_get_event(struct gpiod_edge_event_buffer *buffer,
                                         unsigned long index)
{
    return index < buffer->count ? &buffer->events[index] : NULL;
}

enum gpiod_edge_event_type __wrap_gpiod_edge_event_get_event_type(struct gpiod_edge_event *event);
enum gpiod_edge_event_type __wrap_gpiod_edge_event_get_event_type(struct gpiod_edge_event *event)
{
    return event->type;
}
