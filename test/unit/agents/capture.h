/* SPDX-License-Identifier: Apache-2.0 */
/* Test helper: what a call writes to one of our standard streams (stdout for --help, stderr for
 * logs), through a temporary file. */
#ifndef STATEBUS_TEST_CAPTURE_H
#define STATEBUS_TEST_CAPTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

typedef struct Capture {
    FILE *stream;
    int fd;       /* the stream's fd */
    int saved_fd; /* its original target */
    FILE *file;   /* where it goes meanwhile */
} Capture;

static inline int capture_begin(Capture *c, FILE *stream)
{
    c->stream = stream;
    c->fd = fileno(stream);
    c->saved_fd = -1;
    c->file = tmpfile();
    if (!c->file) {
        return -1;
    }
    (void) fflush(stream);
    c->saved_fd = dup(c->fd);
    if (c->saved_fd < 0 || dup2(fileno(c->file), c->fd) < 0) {
        return -1;
    }
    return 0;
}

/* Restores the stream and returns what was written (malloc'd, NUL-terminated). */
static inline char *capture_end(Capture *c)
{
    char *text = NULL;
    long size;

    (void) fflush(c->stream);
    (void) dup2(c->saved_fd, c->fd);
    (void) close(c->saved_fd);
    (void) fseek(c->file, 0, SEEK_END);
    size = ftell(c->file);
    (void) fseek(c->file, 0, SEEK_SET);
    text = calloc(1, size > 0 ? (size_t) size + 1 : 1);
    if (text && size > 0 && fread(text, 1, (size_t) size, c->file) != (size_t) size) {
        text[0] = '\0';
    }
    (void) fclose(c->file);
    return text;
}

#endif
