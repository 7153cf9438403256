/* SPDX-License-Identifier: Apache-2.0 */
/* common/options.c: one table for flags and the JSON config, strict values, one-line errors. */
/* cmocka needs these first, in this order. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture.h"
#include "file-util.h"
#include "options.h"

typedef struct Opts {
    char name[8];
    uint32_t count;
    uint64_t big;
    uint64_t wait_s;
    bool flag;
    int color;
    OptBroker broker;
    uint32_t huge;
} Opts;

static const char *const colors[] = { "red", "green", NULL };

#define FIELD(f) offsetof(Opts, f), sizeof(((Opts *) 0)->f)

static const OptSpec specs[] = {
    { .name = "name", .type = OPT_STRING, FIELD(name), .metavar = "S", .help = "a name" },
    { .name = "count",
      .type = OPT_UINT,
      FIELD(count),
      .min = 1,
      .max = 100,
      .metavar = "N",
      .help = "how many" },
    { .name = "big", .type = OPT_U64, FIELD(big), .min = 0, .max = UINT64_MAX, .metavar = "N" },
    { .name = "wait",
      .type = OPT_U64,
      FIELD(wait_s),
      .min = 0,
      .max = 3600,
      .metavar = "S",
      .help = "wait for it",
      .implicit = "30" },
    { .name = "flag", .type = OPT_BOOL, FIELD(flag), .help = "a switch" },
    { .name = "color", .type = OPT_CHOICE, FIELD(color), .choices = colors, .metavar = "C" },
    { .name = "broker", .type = OPT_BROKER, FIELD(broker), .metavar = "HOST[:PORT]" },
    { .name = "huge", .type = OPT_UINT, FIELD(huge), .min = 0, .max = UINT64_MAX, .metavar = "N" },
};

#define N_SPECS (sizeof(specs) / sizeof(specs[0]))

typedef struct Fixture {
    Opts o;
    char dir[128]; /* short enough for whole paths in error messages */
    char config[160];
    const char *pos[4];
    size_t n_pos;
    char err[256];
} Fixture;

static int setup(void **state)
{
    static Fixture f;
    const char *tmp = getenv("TMPDIR");

    memset(&f, 0, sizeof(f));
    f.o.count = 1;
    f.o.color = 0;
    (void) snprintf(f.o.broker.host, sizeof(f.o.broker.host), "127.0.0.1");
    f.o.broker.port = 1883;
    (void) snprintf(f.dir, sizeof(f.dir), "%s/statebus-options-XXXXXX", tmp ? tmp : "/tmp");
    if (!mkdtemp(f.dir)) {
        return -1;
    }
    (void) snprintf(f.config, sizeof(f.config), "%s/config.json", f.dir);
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    Fixture *f = *state;

    (void) unlink(f->config);
    return rmdir(f->dir);
}

/* Parses a NULL-terminated argument list (argv[0] added). */
static int parse(Fixture *f, ...)
{
    char *argv[32] = { (char *) "prog" };
    int argc = 1;
    va_list ap;
    const char *a;
    int r;

    va_start(ap, f);
    while ((a = va_arg(ap, const char *)) && argc < 31) {
        argv[argc++] = (char *) a;
    }
    va_end(ap);
    r = options_parse(&(OptionsSpec){ .specs = specs,
                                      .n_specs = N_SPECS,
                                      .usage = "usage: prog [options] [ARG...]",
                                      .positional = f->pos,
                                      .max_positional = 2,
                                      .ret_n_positional = &f->n_pos },
                      &f->o, argc, argv, f->err, sizeof(f->err));
    /* Every error is one line with a reason. */
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

static void expect_error(Fixture *f, int r, const char *err)
{
    assert_true(r < 0);
    assert_string_equal(f->err, err);
}

static void test_options_values_in_both_forms(void **state)
{
    Fixture *f = *state;

    assert_int_equal(parse(f, "--name", "abc", "--count=42", "--big", "18446744073709551615",
                           "--color=green", "--broker", "[::1]:1884", "--flag", NULL),
                     OPT_RESULT_OK);
    assert_string_equal(f->o.name, "abc");
    assert_int_equal(f->o.count, 42);
    assert_true(f->o.big == UINT64_MAX);
    assert_int_equal(f->o.color, 1);
    assert_string_equal(f->o.broker.host, "::1");
    assert_int_equal(f->o.broker.port, 1884);
    assert_true(f->o.flag);
    assert_int_equal(f->n_pos, 0);
}

/* --broker A,B: every address in order, host/port the first; a bad entry names the list. */
static void test_options_broker_list(void **state)
{
    Fixture *f = *state;
    BrokerAddr scratch;
    const BrokerAddr *list;
    size_t n = 0;

    list = optbroker_list(&f->o.broker, &scratch, &n);
    assert_int_equal(n, 1);
    assert_string_equal(list[0].host, f->o.broker.host);
    assert_int_equal(parse(f, "--broker", "127.0.0.1:1884,[::1]:1885", NULL), OPT_RESULT_OK);
    assert_string_equal(f->o.broker.host, "127.0.0.1");
    assert_int_equal(f->o.broker.port, 1884);
    list = optbroker_list(&f->o.broker, &scratch, &n);
    assert_int_equal(n, 2);
    assert_string_equal(list[1].host, "::1");
    assert_int_equal(list[1].port, 1885);
    expect_error(f, parse(f, "--broker", "a,,b", NULL),
                 "--broker: expected HOST[:PORT],HOST[:PORT]... (at most 8), got 'a,,b'");
}

static void test_options_positional_and_double_dash(void **state)
{
    Fixture *f = *state;

    assert_int_equal(parse(f, "state", "--flag", "--", "--count", NULL), OPT_RESULT_OK);
    assert_int_equal(f->n_pos, 2);
    assert_string_equal(f->pos[0], "state");
    assert_string_equal(f->pos[1], "--count");
    assert_true(f->o.flag);
    assert_int_equal(f->o.count, 1);
    expect_error(f, parse(f, "a", "b", "c", NULL), "unexpected argument 'c'");
}

static void test_options_implicit_value(void **state)
{
    Fixture *f = *state;

    assert_int_equal(parse(f, "--wait", NULL), OPT_RESULT_OK);
    assert_int_equal(f->o.wait_s, 30);
    assert_int_equal(parse(f, "--wait=5", NULL), OPT_RESULT_OK);
    assert_int_equal(f->o.wait_s, 5);
    /* The next argument is never taken as an optional value. */
    assert_int_equal(parse(f, "--wait", "7", NULL), OPT_RESULT_OK);
    assert_int_equal(f->o.wait_s, 30);
    assert_int_equal(f->n_pos, 1);
    assert_string_equal(f->pos[0], "7");
}

static void test_options_bools(void **state)
{
    Fixture *f = *state;

    assert_int_equal(parse(f, "--flag=yes", NULL), OPT_RESULT_OK);
    assert_true(f->o.flag);
    assert_int_equal(parse(f, "--flag=false", NULL), OPT_RESULT_OK);
    assert_false(f->o.flag);
    /* A bool flag never swallows the next argument. */
    assert_int_equal(parse(f, "--flag", "false", NULL), OPT_RESULT_OK);
    assert_true(f->o.flag);
    assert_string_equal(f->pos[0], "false");
    expect_error(f, parse(f, "--flag=maybe", NULL), "--flag: expected true or false, got 'maybe'");
}

static void test_options_bad_numbers(void **state)
{
    Fixture *f = *state;

    expect_error(f, parse(f, "--count", "0", NULL), "--count: expected 1..100, got '0'");
    expect_error(f, parse(f, "--count", "101", NULL), "--count: expected 1..100, got '101'");
    expect_error(f, parse(f, "--count", "-1", NULL), "--count: expected 1..100, got '-1'");
    expect_error(f, parse(f, "--count=-1", NULL), "--count: expected 1..100, got '-1'");
    expect_error(f, parse(f, "--count=1x", NULL), "--count: expected 1..100, got '1x'");
    expect_error(f, parse(f, "--count=", NULL), "--count: expected 1..100, got ''");
    expect_error(f, parse(f, "--count= 5", NULL), "--count: expected 1..100, got ' 5'");
    expect_error(f, parse(f, "--big=18446744073709551616", NULL),
                 "--big: expected 0..18446744073709551615, got '18446744073709551616'");
    /* A uint32_t field is bounded by its type whatever the table says. */
    expect_error(f, parse(f, "--huge=4294967296", NULL),
                 "--huge: expected 0..4294967295, got '4294967296'");
    assert_int_equal(parse(f, "--huge=4294967295", NULL), OPT_RESULT_OK);
    assert_true(f->o.huge == UINT32_MAX);
}

static void test_options_bad_strings_choices_brokers(void **state)
{
    Fixture *f = *state;

    expect_error(f, parse(f, "--name=12345678", NULL),
                 "--name: too long (at most 7 bytes), got '12345678...'");
    expect_error(f, parse(f, "--name=a\tb", NULL), "--name: contains a control character: 'a?b'");
    expect_error(f, parse(f, "--color=blue", NULL),
                 "--color: expected one of red|green, got 'blue'");
    expect_error(f, parse(f, "--broker=host:0", NULL),
                 "--broker: expected HOST[:PORT], got 'host:0'");
}

static void test_options_unknown_and_missing(void **state)
{
    Fixture *f = *state;

    expect_error(f, parse(f, "--nope", NULL), "unknown option '--nope'");
    expect_error(f, parse(f, "--nope=1", NULL), "unknown option '--nope'");
    expect_error(f, parse(f, "-x", NULL), "unknown option '-x'");
    expect_error(f, parse(f, "--count", NULL), "--count: missing value");
    expect_error(f, parse(f, "--count", "--flag", NULL), "--count: missing value");
    /* "-" alone is an argument (stdin, by convention). */
    assert_int_equal(parse(f, "-", NULL), OPT_RESULT_OK);
    assert_string_equal(f->pos[0], "-");
}

static void test_options_last_flag_wins(void **state)
{
    Fixture *f = *state;

    assert_int_equal(parse(f, "--count", "3", "--count=4", NULL), OPT_RESULT_OK);
    assert_int_equal(f->o.count, 4);
}

static void test_options_config_then_flags(void **state)
{
    Fixture *f = *state;

    write_config(f, "{\"count\": 1e1, \"name\": \"cfg\", \"flag\": true, \"wait\": 9,"
                    " \"broker\": \"10.0.0.1:1\", \"color\": \"green\"}");
    assert_int_equal(parse(f, "--count", "7", "--config", f->config, NULL), OPT_RESULT_OK);
    /* Flags win over the file whatever their position; the file wins over defaults. */
    assert_int_equal(f->o.count, 7);
    assert_string_equal(f->o.name, "cfg");
    assert_true(f->o.flag);
    assert_int_equal(f->o.wait_s, 9);
    assert_string_equal(f->o.broker.host, "10.0.0.1");
    assert_int_equal(f->o.broker.port, 1);
    assert_int_equal(f->o.color, 1);
}

/* The error for config content json: "config '<path>': <rest>". */
static void expect_config_error(Fixture *f, const char *json, const char *rest)
{
    char expected[512];

    write_config(f, json);
    (void) snprintf(expected, sizeof(expected), "config '%s': %s", f->config, rest);
    expect_error(f, parse(f, "--config", f->config, NULL), expected);
}

static void test_options_config_errors(void **state)
{
    Fixture *f = *state;

    expect_config_error(f, "{\"nodes\": 3}", "unknown key 'nodes'");
    expect_config_error(f, "{\"config\": \"other.json\"}", "unknown key 'config'");
    expect_config_error(f, "{\"count\": 3, \"count\": 4}", "duplicate key 'count'");
    expect_config_error(f, "{\"count\": 1.5}", "'count': expected 1..100, got '1.5'");
    expect_config_error(f, "{\"count\": -1}", "'count': expected 1..100, got '-1'");
    expect_config_error(f, "{\"count\": 101}", "'count': expected 1..100, got '101'");
    expect_config_error(f, "{\"count\": \"5\"}", "'count': expected an integer 1..100");
    expect_config_error(f, "{\"big\": 1e300}",
                        "'big': expected 0..18446744073709551615, got '1.0000000000000001e+300'");
    expect_config_error(f, "{\"flag\": 1}", "'flag': expected true or false");
    expect_config_error(f, "{\"name\": {}}", "'name': expected a string");
    expect_config_error(f, "{\"name\": \"toolong!\"}",
                        "'name': too long (at most 7 bytes), got 'toolong!...'");
    expect_config_error(f, "{\"color\": \"blue\"}",
                        "'color': expected one of red|green, got 'blue'");
    expect_config_error(f, "[1, 2]", "not a JSON object");
    expect_config_error(f, "{\"count\": 3", "not a JSON object");
    expect_config_error(f, "", "not a JSON object");
}

/* A config file is read by the payloads' strict reader (topics/src/json-util.h): what cJSON alone
 * would take and a second parser might read otherwise is refused, naming the file. */
static void test_options_config_strict_json(void **state)
{
    Fixture *f = *state;

    expect_config_error(f, "{\"count\": 3} {\"count\": 4}", "trailing data after the JSON value");
    expect_config_error(f, "{\"count\": 3}x", "trailing data after the JSON value");
    expect_config_error(f, "{\"name\": \"a\tb\"}", "control character in a string");
    expect_config_error(f, "{\"name\": \"a\\u0000b\"}", "payload contains the escape \\u0000");
    expect_config_error(f, "{\"count\": 3,\x01 \"flag\": true}", "control character in payload");
    expect_config_error(f, "{\"name\": \"\xff\"}", "payload is not valid UTF-8");
    expect_config_error(f, "{\"x\": [[[[]]]]}", "payload nested too deeply");
    /* Pretty-printed files (new lines, tabs, CR LF between tokens) are fine. */
    write_config(f, "{\r\n\t\"count\": 5,\n\t\"flag\": true\r\n}\n");
    assert_int_equal(parse(f, "--config", f->config, NULL), OPT_RESULT_OK);
    assert_int_equal(f->o.count, 5);
}

static void test_options_config_file_problems(void **state)
{
    Fixture *f = *state;
    char expected[512];
    char *big = malloc(OPTIONS_CONFIG_MAX + 2);

    assert_non_null(big);
    (void) snprintf(expected, sizeof(expected), "config '%s': No such file or directory",
                    f->config);
    expect_error(f, parse(f, "--config", f->config, NULL), expected);

    /* 64 KiB + 1 of white space around a valid object: refused before parsing. */
    memset(big, ' ', OPTIONS_CONFIG_MAX + 1);
    big[0] = '{';
    big[OPTIONS_CONFIG_MAX] = '}';
    big[OPTIONS_CONFIG_MAX + 1] = '\0';
    write_config(f, big);
    (void) snprintf(expected, sizeof(expected), "config '%s': larger than %u bytes", f->config,
                    OPTIONS_CONFIG_MAX);
    expect_error(f, parse(f, "--config", f->config, NULL), expected);
    /* Exactly the limit is fine. */
    big[OPTIONS_CONFIG_MAX - 1] = '}';
    big[OPTIONS_CONFIG_MAX] = '\0';
    write_config(f, big);
    assert_int_equal(parse(f, "--config", f->config, NULL), OPT_RESULT_OK);
    free(big);
}

static void test_options_required(void **state)
{
    Fixture *f = *state;
    OptSpec req[2] = { specs[1], specs[4] };
    char *argv[] = { (char *) "prog", NULL };
    char *argv_cfg[] = { (char *) "prog", (char *) "--config", f->config, NULL };

    req[0].required = true;
    assert_int_equal(options_parse(&(OptionsSpec){ .specs = req, .n_specs = 2, .usage = "u" },
                                   &f->o, 1, argv, f->err, sizeof(f->err)),
                     -EINVAL);
    assert_string_equal(f->err, "--count is required");
    /* A value from the config file counts. */
    write_config(f, "{\"count\": 5}");
    assert_int_equal(options_parse(&(OptionsSpec){ .specs = req, .n_specs = 2, .usage = "u" },
                                   &f->o, 3, argv_cfg, f->err, sizeof(f->err)),
                     OPT_RESULT_OK);
    assert_int_equal(f->o.count, 5);
}

static void test_options_help_and_version(void **state)
{
    Fixture *f = *state;
    Capture c;
    char *out;
    int r;

    assert_int_equal(capture_begin(&c, stdout), 0);
    /* --help wins over a mistake elsewhere on the line. */
    r = parse(f, "--nope", "--help", NULL);
    out = capture_end(&c);
    assert_int_equal(r, OPT_RESULT_HELP);
    assert_non_null(strstr(out, "usage: prog [options] [ARG...]\n\noptions:\n"));
    assert_non_null(strstr(out, "  --count N "));
    assert_non_null(strstr(out, "how many (default: 1)\n"));
    assert_non_null(strstr(out, "  --wait[=S] "));
    assert_non_null(strstr(out, "  --flag "));
    assert_non_null(strstr(out, "(default: red)"));
    assert_non_null(strstr(out, "(default: 127.0.0.1:1883)"));
    assert_non_null(strstr(out, "  --config FILE "));
    assert_non_null(strstr(out, "  --help "));
    free(out);

    /* A default below the option's minimum means "not given": no "(default: 0)" for it. */
    f->o.count = 0;
    assert_int_equal(capture_begin(&c, stdout), 0);
    r = parse(f, "-h", NULL);
    out = capture_end(&c);
    assert_int_equal(r, OPT_RESULT_HELP);
    assert_non_null(strstr(out, "how many\n"));
    free(out);
    f->o.count = 1;

    assert_int_equal(capture_begin(&c, stdout), 0);
    r = parse(f, "--version", NULL);
    out = capture_end(&c);
    assert_int_equal(r, OPT_RESULT_VERSION);
    assert_int_equal(strncmp(out, "prog (statebus) ", 16), 0);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
        T(test_options_values_in_both_forms),
        T(test_options_positional_and_double_dash),
        T(test_options_implicit_value),
        T(test_options_bools),
        T(test_options_bad_numbers),
        T(test_options_bad_strings_choices_brokers),
        T(test_options_unknown_and_missing),
        T(test_options_last_flag_wins),
        T(test_options_config_then_flags),
        T(test_options_config_errors),
        T(test_options_config_strict_json),
        T(test_options_config_file_problems),
        T(test_options_required),
        T(test_options_help_and_version),
        T(test_options_broker_list),
#undef T
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
