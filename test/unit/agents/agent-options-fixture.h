/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The fixture of the agent's option tests (test-agent-options.c, test-agent-options-backends.c):
 * AgentOptions, a scratch directory for config files, and parse() of a NULL-terminated argument
 * list the way main() does it. Static functions: each test binary gets its own copy. Include it
 * after cmocka.h.
 */
#ifndef STATEBUS_TEST_AGENT_OPTIONS_FIXTURE_H
#define STATEBUS_TEST_AGENT_OPTIONS_FIXTURE_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent-options.h"
#include "file-util.h"

#define FIXTURE_ARGS_MAX 48

typedef struct Fixture {
    AgentOptions o;
    char dir[128];
    char config[160]; /* <dir>/agent.json, for write_config() */
    char err[512];
} Fixture;

static int setup(void **state)
{
    static Fixture f;
    const char *tmp = getenv("TMPDIR");

    memset(&f, 0, sizeof(f));
    agent_options_init(&f.o);
    (void) snprintf(f.dir, sizeof(f.dir), "%s/statebus-agent-options-XXXXXX", tmp ? tmp : "/tmp");
    if (!mkdtemp(f.dir)) {
        return -1;
    }
    (void) snprintf(f.config, sizeof(f.config), "%s/agent.json", f.dir);
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    Fixture *f = *state;

    (void) unlink(f->config);
    return rmdir(f->dir);
}

/* Parses "statebus-agent" and the NULL-terminated arguments from the defaults, as main() does.
 * A failure must come with a one-line reason in f->err. */
static int parse(Fixture *f, ...)
{
    char *argv[FIXTURE_ARGS_MAX] = { (char *) "statebus-agent" };
    int argc = 1;
    const char *a;
    va_list ap;
    int r;

    va_start(ap, f);
    while ((a = va_arg(ap, const char *)) && argc < FIXTURE_ARGS_MAX - 1) {
        argv[argc++] = (char *) a;
    }
    va_end(ap);
    f->err[0] = '\0';
    agent_options_init(&f->o);
    r = agent_options_parse(&f->o, argc, argv, f->err, sizeof(f->err));
    if (r < 0) {
        assert_true(f->err[0] != '\0');
        assert_null(strchr(f->err, '\n'));
    }
    return r;
}

static void write_config(Fixture *f, const char *json)
{
    assert_int_equal(write_file_atomic(f->config, json, strlen(json)), 0);
}

#endif
