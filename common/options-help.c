/* SPDX-License-Identifier: Apache-2.0 */
/* --help text of an option table: one row per flag with its default. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "options.h"

static const void *field_of_const(const OptSpec *s, const void *obj)
{
    return (const char *) obj + s->offset;
}

static bool spec_named(const OptSpec *specs, size_t n_specs, const char *name)
{
    for (size_t i = 0; i < n_specs; i++) {
        if (strcmp(specs[i].name, name) == 0) {
            return true;
        }
    }
    return false;
}

/* The "(default: x)" text of a spec, "" when there is nothing worth showing. */
static void default_text(const OptSpec *s, const void *defaults, char *buf, size_t size)
{
    const void *f = field_of_const(s, defaults);

    buf[0] = '\0';
    if (s->required) {
        (void) snprintf(buf, size, " (required)");
        return;
    }
    switch (s->type) {
    case OPT_STRING:
        if (*(const char *) f) {
            (void) snprintf(buf, size, " (default: %s)", (const char *) f);
        }
        break;
    /* A default below the minimum is no value a user could give: it means "not given". */
    case OPT_UINT:
        if (*(const uint32_t *) f >= s->min) {
            (void) snprintf(buf, size, " (default: %" PRIu32 ")", *(const uint32_t *) f);
        }
        break;
    case OPT_U64:
        if (*(const uint64_t *) f >= s->min) {
            (void) snprintf(buf, size, " (default: %" PRIu64 ")", *(const uint64_t *) f);
        }
        break;
    case OPT_BOOL:
        if (*(const bool *) f) {
            (void) snprintf(buf, size, " (default: true)");
        }
        break;
    case OPT_CHOICE: {
        int i = *(const int *) f;
        int n = 0;
        while (s->choices && s->choices[n]) {
            n++;
        }
        if (i >= 0 && i < n) {
            (void) snprintf(buf, size, " (default: %s)", s->choices[i]);
        }
        break;
    }
    case OPT_BROKER: {
        const OptBroker *b = f;
        if (b->host[0]) {
            char addr[BROKER_HOST_SIZE + 16];
            (void) snprintf(buf, size, " (default: %s)",
                            broker_addr_format(b->host, b->port, addr, sizeof(addr)));
        }
        break;
    }
    }
}

static void print_row(int width, const char *left, const char *help, const char *def)
{
    printf("  %-*s  %s%s\n", width, left, help ? help : "", def);
}

/* "--name METAVAR" ("--name" alone for a bool) into buf: snprintf()'s length. */
static int flag_text(const OptSpec *s, char *buf, size_t size)
{
    bool takes_value = s->type != OPT_BOOL;

    return snprintf(buf, size, "--%s%s%s", s->name, takes_value ? " " : "",
                    takes_value ? (s->metavar ? s->metavar : "VALUE") : "");
}

/* The left column of a row: flag_text(), or "--name[=METAVAR]" when the value is optional. */
static void flag_usage(const OptSpec *s, char *buf, size_t size)
{
    if (s->implicit && s->type != OPT_BOOL) {
        (void) snprintf(buf, size, "--%s[=%s]", s->name, s->metavar ? s->metavar : "VALUE");
        return;
    }
    (void) flag_text(s, buf, size);
}

void options_print_help(const OptSpec *specs,
                        size_t n_specs,
                        const void *defaults,
                        const char *usage)
{
    bool have_config = spec_named(specs, n_specs, "config");
    char left[96], def[320];
    int width = (int) strlen("--config FILE");

    /* The column fits the widest plain flag up to 30 characters; longer ones push their help
     * out. */
    for (size_t i = 0; i < n_specs; i++) {
        int n = flag_text(&specs[i], left, sizeof(left));
        if (n > width && n <= 30) {
            width = n;
        }
    }

    printf("%s\n\noptions:\n", usage ? usage : "");
    for (size_t i = 0; i < n_specs; i++) {
        flag_usage(&specs[i], left, sizeof(left));
        default_text(&specs[i], defaults, def, sizeof(def));
        print_row(width, left, specs[i].help, def);
    }
    if (!have_config) {
        print_row(width, "--config FILE", "read options from a JSON object (flags override it)",
                  "");
    }
    print_row(width, "--help", "show this help and exit", "");
    print_row(width, "--version", "show the version and exit", "");
}
