/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One table drives both the command-line flags and the JSON config file (--config FILE).
 * Precedence: defaults (already in the struct), then the config file, then flags.
 * contract.md "Command lines": bad usage or config exits 2 with a one-line reason.
 */
#ifndef STATEBUS_OPTIONS_H
#define STATEBUS_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "broker-addr.h"

typedef enum OptType {
    OPT_STRING, /* char[size] in the struct */
    OPT_UINT,   /* uint32_t, bounded by min..max */
    OPT_U64,    /* uint64_t, bounded by min..max (durations in ms) */
    OPT_BOOL,   /* bool; a flag without value sets true, "--x=false" clears */
    OPT_CHOICE, /* int index into choices[] (NULL-terminated) */
    OPT_BROKER, /* "HOST[:PORT][,HOST[:PORT]...]" -> struct OptBroker */
} OptType;

/* host/port are the first address (what a default sets); addrs[0..n_addrs) the whole list once
 * parsed (n_addrs 0 = host/port alone). optbroker_list() gives the list either way. */
typedef struct OptBroker {
    char host[BROKER_HOST_SIZE];
    uint16_t port;
    size_t n_addrs;
    BrokerAddr addrs[BROKER_ADDRS_MAX];
} OptBroker;

/* The broker's addresses, at least one: b->addrs when parsed, else {host, port} copied into
 * *scratch. */
const BrokerAddr *optbroker_list(const OptBroker *b, BrokerAddr *scratch, size_t *ret_n);

typedef struct OptSpec {
    const char *name; /* long flag without "--", and the JSON key */
    OptType type;
    size_t offset;              /* offsetof() the field in the options struct */
    size_t size;                /* OPT_STRING: sizeof the char array */
    uint64_t min, max;          /* OPT_UINT / OPT_U64 */
    const char *const *choices; /* OPT_CHOICE */
    bool required;
    const char *metavar; /* for --help, e.g. "N", "MS" */
    const char *help;
    /* Value used when the flag is given without "=VALUE" (e.g. statebusctl's "--wait" alone means
     * "--wait=<implicit>"); the next argument is then never taken as its value. NULL = a value is
     * required. Added after the first version: leave it out of positional initializers. */
    const char *implicit;
} OptSpec;

/* Rows every statebus program shares: the same flag, meaning and help in each. */
#define OPT_SPEC_BROKER(Type, field)                                                          \
    {                                                                                         \
        .name = "broker", .type = OPT_BROKER, .offset = offsetof(Type, field),                \
        .metavar = "HOST[:PORT][,...]",                                                       \
        .help = "MQTT broker; a list (a cluster's nodes) is tried in turn, the next address " \
                "on a failed connect or a lost connection"                                    \
    }
/* --mqtt-version auto|5|3.1.1 into an int field (MqttIoVersion order). */
#define OPT_SPEC_MQTT_VERSION(Type, field)                                                   \
    {                                                                                        \
        .name = "mqtt-version", .type = OPT_CHOICE, .offset = offsetof(Type, field),         \
        .choices = mqtt_version_choices, .metavar = "V",                                     \
        .help = "MQTT protocol: 5, 3.1.1, or auto (5, then 3.1.1 when the broker refuses 5)" \
    }
extern const char *const mqtt_version_choices[]; /* "auto", "5", "3.1.1", NULL */
#define OPT_SPEC_SYSTEM(Type, field)                                            \
    {                                                                           \
        .name = "system", .type = OPT_STRING, .offset = offsetof(Type, field),  \
        .size = sizeof(((Type *) NULL)->field), .metavar = "ID",                \
        .help = "system id, [A-Za-z0-9_-]{1,64}: topics live under statebus/ID" \
    }
/* --config FILE stored in field (the built-in flag reads it; see below). */
#define OPT_SPEC_CONFIG(Type, field)                                           \
    {                                                                          \
        .name = "config", .type = OPT_STRING, .offset = offsetof(Type, field), \
        .size = sizeof(((Type *) NULL)->field), .metavar = "FILE",             \
        .help = "JSON config file; flags override it"                          \
    }
/* The MQTT client id; text names the program's default. */
#define OPT_SPEC_CLIENT_ID(Type, field, text)                                     \
    {                                                                             \
        .name = "client-id", .type = OPT_STRING, .offset = offsetof(Type, field), \
        .size = sizeof(((Type *) NULL)->field), .metavar = "ID", .help = (text)   \
    }
/* The MQTT keepalive in seconds; text says what it means for this program. */
#define OPT_SPEC_KEEPALIVE(Type, field, text)                                             \
    {                                                                                     \
        .name = "keepalive", .type = OPT_UINT, .offset = offsetof(Type, field), .min = 5, \
        .max = 65535, .metavar = "S", .help = (text)                                      \
    }

typedef enum OptResult {
    OPT_RESULT_OK = 0,
    OPT_RESULT_HELP = 1, /* --help was given: usage printed to stdout, exit 0 */
    OPT_RESULT_VERSION = 2,
} OptResult;

/* Built-in flags, whether or not the table lists them: "--config FILE" (a JSON object whose keys
 * are the table's names; read before any flag, at most OPTIONS_CONFIG_MAX bytes; unknown keys are
 * errors; when the table has a "config" OPT_STRING entry the path is stored there too), "--help"
 * and "-h", "--version" (prints "<program> (statebus) <version>", returns OPT_RESULT_VERSION), and
 * "--" (every later argument is positional). A flag's value is "--name=VALUE" or the next argument;
 * a bool flag takes no next argument ("--name=false" clears it). The last of repeated flags wins.
 */
#define OPTIONS_CONFIG_MAX (64u * 1024u)

/* What options_parse() reads argv against, and where its positional arguments go. */
typedef struct OptionsSpec {
    const OptSpec *specs;
    size_t n_specs;
    const char *usage; /* the first lines of --help */
    /* Positional arguments (not starting with "--"): at most max_positional pointers into argv
     * go to positional (NULL when max_positional is 0), their count to *ret_n_positional (may be
     * NULL). One more is an error. */
    const char **positional;
    size_t max_positional;
    size_t *ret_n_positional;
} OptionsSpec;

/* Parses argv (and --config FILE, read first, whatever its position) into obj by spec. On error
 * returns negative errno and writes a one-line reason into err (e.g. "--node: expected
 * 1..16384, got '0'"). Prints usage on --help (returns OPT_RESULT_HELP). */
int options_parse(const OptionsSpec *spec,
                  void *obj,
                  int argc,
                  char **argv,
                  char *err,
                  size_t err_size);

/* Prints "usage\n\noptions:\n  --name METAVAR  help (default: x)" to stdout. */
void options_print_help(const OptSpec *specs,
                        size_t n_specs,
                        const void *defaults,
                        const char *usage);

#endif
