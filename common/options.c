/* SPDX-License-Identifier: Apache-2.0 */
#include "options.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker-addr.h"
#include "file-util.h"
#include "json-util.h"
#include "macro.h"
#include "text-util.h"

#ifndef STATEBUS_VERSION
#define STATEBUS_VERSION "unknown"
#endif

/* Why a value was refused, without the "--name: " or "config '...': " prefix. */
#define WHY_MAX 256

/* One flag found on the command line, applied after the config file. */
typedef struct FlagValue {
    const OptSpec *spec;
    const char *value; /* NULL: a bool flag given without "=VALUE" */
} FlagValue;

static void *field_of(const OptSpec *s, void *obj)
{
    return (char *) obj + s->offset;
}

static const OptSpec *spec_find(const OptSpec *specs, size_t n_specs, const char *name, size_t len)
{
    for (size_t i = 0; i < n_specs; i++) {
        if (strlen(specs[i].name) == len && memcmp(specs[i].name, name, len) == 0) {
            return &specs[i];
        }
    }
    return NULL;
}

/* s for an error message: cut to fit, control characters shown as '?' so the reason stays one
 * line. */
static const char *quote_safe(const char *s, char *buf, size_t size)
{
    return sb_text_mask(s, buf, size, 0);
}

static uint64_t spec_max(const OptSpec *s)
{
    if (s->type == OPT_UINT && s->max > UINT32_MAX) {
        return UINT32_MAX;
    }
    return s->max;
}

static void why_range(const OptSpec *s, const char *got, char *why)
{
    char q[64];

    (void) snprintf(why, WHY_MAX, "expected %" PRIu64 "..%" PRIu64 ", got '%s'", s->min,
                    spec_max(s), quote_safe(got, q, sizeof(q)));
}

static int store_number(const OptSpec *s, void *obj, uint64_t v, const char *got, char *why)
{
    if (v < s->min || v > spec_max(s)) {
        why_range(s, got, why);
        return -ERANGE;
    }
    if (s->type == OPT_UINT) {
        *(uint32_t *) field_of(s, obj) = (uint32_t) v;
    } else {
        *(uint64_t *) field_of(s, obj) = v;
    }
    return 0;
}

/* Decimal digits only: no sign, no white space, no hex; overflow is an error, not a wrap. */
static int parse_u64(const char *s, uint64_t *ret)
{
    uint64_t v = 0;

    if (!*s) {
        return -EINVAL;
    }
    for (; *s; s++) {
        uint64_t d;
        if (*s < '0' || *s > '9') {
            return -EINVAL;
        }
        d = (uint64_t) (*s - '0');
        if (v > (UINT64_MAX - d) / 10) {
            return -ERANGE;
        }
        v = v * 10 + d;
    }
    *ret = v;
    return 0;
}

static int parse_bool(const char *s, bool *ret)
{
    static const char *const yes[] = { "true", "1", "yes", "on" };
    static const char *const no[] = { "false", "0", "no", "off" };

    for (size_t i = 0; i < ELEMENTSOF(yes); i++) {
        if (strcmp(s, yes[i]) == 0) {
            *ret = true;
            return 0;
        }
        if (strcmp(s, no[i]) == 0) {
            *ret = false;
            return 0;
        }
    }
    return -EINVAL;
}

static int store_string(const OptSpec *s, void *obj, const char *value, char *why)
{
    size_t len = strlen(value);
    char q[64];

    if (len >= s->size) {
        (void) snprintf(why, WHY_MAX, "too long (at most %zu bytes), got '%s...'", s->size - 1,
                        quote_safe(value, q, sizeof(q)));
        return -ENAMETOOLONG;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char) value[i];
        if (c < 0x20 || c == 0x7f) {
            (void) snprintf(why, WHY_MAX, "contains a control character: '%s'",
                            quote_safe(value, q, sizeof(q)));
            return -EINVAL;
        }
    }
    memcpy(field_of(s, obj), value, len + 1);
    return 0;
}

static int store_choice(const OptSpec *s, void *obj, const char *value, char *why)
{
    char list[160] = "";
    char q[64];
    size_t used = 0;

    for (int i = 0; s->choices && s->choices[i]; i++) {
        if (strcmp(s->choices[i], value) == 0) {
            *(int *) field_of(s, obj) = i;
            return 0;
        }
    }
    for (int i = 0; s->choices && s->choices[i] && used < sizeof(list); i++) {
        int n = snprintf(list + used, sizeof(list) - used, "%s%s", i > 0 ? "|" : "", s->choices[i]);
        used += n > 0 ? (size_t) n : 0;
    }
    (void) snprintf(why, WHY_MAX, "expected one of %s, got '%s'", list,
                    quote_safe(value, q, sizeof(q)));
    return -EINVAL;
}

/* Applies a textual value (from argv) to the spec's field. */
static int apply_text(const OptSpec *s, void *obj, const char *value, char *why)
{
    char q[64];
    uint64_t v;
    int r;

    switch (s->type) {
    case OPT_STRING:
        return store_string(s, obj, value, why);
    case OPT_UINT:
    case OPT_U64:
        r = parse_u64(value, &v);
        if (r < 0) {
            why_range(s, value, why);
            return r;
        }
        return store_number(s, obj, v, value, why);
    case OPT_BOOL: {
        bool b;
        if (parse_bool(value, &b) < 0) {
            (void) snprintf(why, WHY_MAX, "expected true or false, got '%s'",
                            quote_safe(value, q, sizeof(q)));
            return -EINVAL;
        }
        *(bool *) field_of(s, obj) = b;
        return 0;
    }
    case OPT_CHOICE:
        return store_choice(s, obj, value, why);
    case OPT_BROKER: {
        OptBroker *b = field_of(s, obj);
        BrokerAddr addrs[BROKER_ADDRS_MAX];
        size_t n = 0;
        int pr = broker_addr_list_parse(value, addrs, BROKER_ADDRS_MAX, &n);
        if (pr < 0) {
            /* One address: the message of the first version; a list says what a list takes. */
            (void) snprintf(why, WHY_MAX,
                            strchr(value, ',') ? "expected HOST[:PORT],HOST[:PORT]... (at most 8), "
                                                 "got '%s'"
                                               : "expected HOST[:PORT], got '%s'",
                            quote_safe(value, q, sizeof(q)));
            return -EINVAL;
        }
        memcpy(b->addrs, addrs, n * sizeof(addrs[0]));
        b->n_addrs = n;
        memcpy(b->host, addrs[0].host, sizeof(b->host));
        b->port = addrs[0].port;
        return 0;
    }
    }
    (void) snprintf(why, WHY_MAX, "unsupported option type");
    return -EINVAL;
}

/* Applies a JSON value (from the config file): strings for text types, integers for numbers,
 * true/false for bools; nothing is coerced. */
/* Whether text is JSON at all, for the error: "not a JSON object" for what is not JSON, the
 * strict reader's reason for JSON it refuses. Only on the error path. */
static bool json_parses(const char *text, size_t len)
{
    SB_JSON_CLEANUP cJSON *root = cJSON_ParseWithLength(text, len);

    return root != NULL;
}

static int apply_json(const OptSpec *s, void *obj, const cJSON *item, char *why)
{
    switch (s->type) {
    case OPT_STRING:
    case OPT_CHOICE:
    case OPT_BROKER:
        if (!cJSON_IsString(item) || !item->valuestring) {
            (void) snprintf(why, WHY_MAX, "expected a string");
            return -EINVAL;
        }
        return apply_text(s, obj, item->valuestring, why);
    case OPT_UINT:
    case OPT_U64: {
        char got[40];
        uint64_t v = 0;
        if (!cJSON_IsNumber(item)) {
            (void) snprintf(why, WHY_MAX, "expected an integer %" PRIu64 "..%" PRIu64, s->min,
                            spec_max(s));
            return -EINVAL;
        }
        (void) snprintf(got, sizeof(got), "%.17g", item->valuedouble);
        /* 2^53: beyond it a double no longer holds every integer exactly. */
        if (!sb_json_double_to_uint(item->valuedouble, &v)) {
            why_range(s, got, why);
            return -ERANGE;
        }
        return store_number(s, obj, v, got, why);
    }
    case OPT_BOOL:
        if (!cJSON_IsBool(item)) {
            (void) snprintf(why, WHY_MAX, "expected true or false");
            return -EINVAL;
        }
        *(bool *) field_of(s, obj) = cJSON_IsTrue(item);
        return 0;
    }
    (void) snprintf(why, WHY_MAX, "unsupported option type");
    return -EINVAL;
}

static int set_err(char *err, size_t err_size, int r, const char *format, ...)
        __attribute__((format(printf, 4, 5)));
static int set_err(char *err, size_t err_size, int r, const char *format, ...)
{
    va_list ap;

    if (err && err_size > 0) {
        va_start(ap, format);
        (void) vsnprintf(err, err_size, format, ap);
        va_end(ap);
    }
    return r;
}

/* argv split into flags, positional arguments and the built-ins. Only the first error is kept,
 * and scanning goes on, so a --help later on the line still wins over a typo. */
typedef struct ArgScan {
    const OptSpec *specs;
    size_t n_specs;
    int argc;
    char **argv;
    FlagValue *flags; /* one per argv entry at most */
    size_t n_flags;
    const char **positional;
    size_t max_positional, n_positional;
    const char *config_path;
    bool help, version;
    int error; /* first error, 0 = none */
    char *err;
    size_t err_size;
} ArgScan;

/* Reads path into *ret_root (a JSON object) with the payloads' strict reader (no trailing bytes,
 * no control character or \u0000 in a string, bounded depth): a config file is as untrusted as
 * a message. */
static int read_config_object(const char *path,
                              const char *qpath,
                              cJSON **ret_root,
                              char *err,
                              size_t err_size)
{
    CLEANUP_FREE char *text = NULL;
    const char *json_why = "not JSON";
    cJSON *root = NULL;
    size_t len = 0;
    int r;

    r = read_file_bounded(path, (size_t) OPTIONS_CONFIG_MAX, &text, &len);
    if (r == -EFBIG) {
        return set_err(err, err_size, r, "config '%s': larger than %u bytes", qpath,
                       OPTIONS_CONFIG_MAX);
    }
    if (r < 0) {
        return set_err(err, err_size, r, "config '%s': %s", qpath, strerror(-r));
    }
    r = sb_json_parse_text(text, len, (size_t) OPTIONS_CONFIG_MAX, &root, &json_why);
    if (r < 0 && !json_parses(text, len)) {
        return set_err(err, err_size, -EINVAL, "config '%s': not a JSON object", qpath);
    }
    if (r < 0) {
        return set_err(err, err_size, -EINVAL, "config '%s': %s", qpath, json_why);
    }
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return set_err(err, err_size, -EINVAL, "config '%s': not a JSON object", qpath);
    }
    *ret_root = root;
    return 0;
}

/* The config file scan->config_path into obj (seen: one entry per spec). */
static int load_config(const ArgScan *scan, void *obj, bool *seen)
{
    SB_JSON_CLEANUP cJSON *root = NULL;
    const cJSON *item = NULL;
    char why[WHY_MAX];
    char qpath[128];
    int r;

    (void) quote_safe(scan->config_path, qpath, sizeof(qpath));
    r = read_config_object(scan->config_path, qpath, &root, scan->err, scan->err_size);
    if (r < 0) {
        return r;
    }
    cJSON_ArrayForEach(item, root)
    {
        const char *key = item->string ? item->string : "";
        const OptSpec *s = spec_find(scan->specs, scan->n_specs, key, strlen(key));
        char qkey[64];

        (void) quote_safe(key, qkey, sizeof(qkey));
        if (!s || strcmp(key, "config") == 0) {
            return set_err(scan->err, scan->err_size, -EINVAL, "config '%s': unknown key '%s'",
                           qpath, qkey);
        }
        /* cJSON keeps both copies of a repeated key; which one wins would be a guess. */
        if (sb_json_key_repeats_earlier(root, item)) {
            return set_err(scan->err, scan->err_size, -EINVAL, "config '%s': duplicate key '%s'",
                           qpath, qkey);
        }
        r = apply_json(s, obj, item, why);
        if (r < 0) {
            return set_err(scan->err, scan->err_size, r, "config '%s': '%s': %s", qpath, qkey, why);
        }
        seen[s - scan->specs] = true;
    }
    return 0;
}

static void scan_fail(ArgScan *scan, int r, const char *format, ...)
        __attribute__((format(printf, 3, 4)));
static void scan_fail(ArgScan *scan, int r, const char *format, ...)
{
    va_list ap;

    if (scan->error != 0) {
        return;
    }
    scan->error = r;
    if (scan->err && scan->err_size > 0) {
        va_start(ap, format);
        (void) vsnprintf(scan->err, scan->err_size, format, ap);
        va_end(ap);
    }
}

static bool name_is(const char *name, size_t len, const char *builtin)
{
    return strlen(builtin) == len && memcmp(name, builtin, len) == 0;
}

/* "--name", "--name=VALUE" or "--name VALUE" at argv[*i]; advances *i past a value it takes. */
static void scan_long_flag(ArgScan *scan, int *i)
{
    const char *name = scan->argv[*i] + 2;
    const char *eq = strchr(name, '=');
    size_t name_len = eq ? (size_t) (eq - name) : strlen(name);
    const OptSpec *s = spec_find(scan->specs, scan->n_specs, name, name_len);
    const char *value = NULL;
    char q[64];

    if (!s && !eq && name_is(name, name_len, "version")) {
        scan->version = true;
        return;
    }
    if (!s && !name_is(name, name_len, "config")) {
        scan_fail(scan, -EINVAL, "unknown option '--%.*s'", (int) name_len,
                  quote_safe(name, q, sizeof(q)));
        return;
    }

    if (eq) {
        value = eq + 1;
    } else if (s && s->type == OPT_BOOL) {
        value = NULL; /* a bool flag never takes the next argument */
    } else if (s && s->implicit) {
        value = s->implicit;
    } else if (*i + 1 < scan->argc && strncmp(scan->argv[*i + 1], "--", 2) != 0) {
        value = scan->argv[++*i];
    } else {
        scan_fail(scan, -EINVAL, "--%.*s: missing value", (int) name_len, name);
        return;
    }

    if (name_is(name, name_len, "config")) {
        scan->config_path = value;
        if (!s) {
            return; /* not in the table: read, but nowhere to store the path */
        }
    }
    scan->flags[scan->n_flags++] = (FlagValue){ .spec = s, .value = value };
}

static void scan_args(ArgScan *scan)
{
    bool only_positional = false;
    char q[64];

    for (int i = 1; i < scan->argc; i++) {
        const char *a = scan->argv[i];

        if (only_positional || a[0] != '-' || a[1] == '\0') {
            if (scan->n_positional >= scan->max_positional) {
                scan_fail(scan, -E2BIG, "unexpected argument '%s'", quote_safe(a, q, sizeof(q)));
            } else {
                scan->positional[scan->n_positional++] = a;
            }
        } else if (strcmp(a, "--") == 0) {
            only_positional = true;
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            scan->help = true;
        } else if (a[1] != '-') {
            scan_fail(scan, -EINVAL, "unknown option '%s'", quote_safe(a, q, sizeof(q)));
        } else {
            scan_long_flag(scan, &i);
        }
    }
}

static int print_version(int argc, char **argv)
{
    const char *prog = argc > 0 && argv[0] ? strrchr(argv[0], '/') : NULL;

    prog = prog ? prog + 1 : (argc > 0 && argv[0] ? argv[0] : "statebus");
    printf("%s (statebus) %s\n", prog, STATEBUS_VERSION);
    return OPT_RESULT_VERSION;
}

/* The flags over whatever the defaults and the config file put in obj; then the required ones. */
static int apply_flags(const ArgScan *scan, void *obj, bool *seen)
{
    char why[WHY_MAX];
    int r;

    for (size_t i = 0; i < scan->n_flags; i++) {
        const OptSpec *s = scan->flags[i].spec;

        if (!scan->flags[i].value) {
            *(bool *) field_of(s, obj) = true; /* a bool flag given alone */
        } else {
            r = apply_text(s, obj, scan->flags[i].value, why);
            if (r < 0) {
                return set_err(scan->err, scan->err_size, r, "--%s: %s", s->name, why);
            }
        }
        seen[s - scan->specs] = true;
    }
    for (size_t i = 0; i < scan->n_specs; i++) {
        if (scan->specs[i].required && !seen[i]) {
            return set_err(scan->err, scan->err_size, -EINVAL, "--%s is required",
                           scan->specs[i].name);
        }
    }
    return OPT_RESULT_OK;
}

/* options_parse() once scan is set up; seen has one entry per spec. */
static int parse_scanned(ArgScan *scan, void *obj, bool *seen, const char *usage)
{
    int r;

    scan_args(scan);
    if (scan->help) {
        options_print_help(scan->specs, scan->n_specs, obj, usage);
        return OPT_RESULT_HELP;
    }
    if (scan->error < 0) {
        return scan->error;
    }
    if (scan->version) {
        return print_version(scan->argc, scan->argv);
    }
    /* Precedence: defaults (already in obj) < config file < flags, whatever the flag order. */
    if (scan->config_path) {
        r = load_config(scan, obj, seen);
        if (r < 0) {
            return r;
        }
    }
    return apply_flags(scan, obj, seen);
}

int options_parse(const OptionsSpec *spec,
                  void *obj,
                  int argc,
                  char **argv,
                  char *err,
                  size_t err_size)
{
    ArgScan scan = { 0 };
    bool *seen = NULL;
    int r = -ENOMEM;

    if (err && err_size > 0) {
        err[0] = '\0';
    }
    if (!spec || !spec->specs || !obj || argc < 0 || (argc > 0 && !argv) ||
        (spec->max_positional > 0 && !spec->positional)) {
        return set_err(err, err_size, -EINVAL, "invalid arguments to options_parse()");
    }
    scan = (ArgScan){
        .specs = spec->specs,
        .n_specs = spec->n_specs,
        .argc = argc,
        .argv = argv,
        .positional = spec->positional,
        .max_positional = spec->max_positional,
        .err = err,
        .err_size = err_size,
    };
    /* Freed at the one exit below. */
    seen = calloc(spec->n_specs + 1, sizeof(bool));
    scan.flags = calloc((size_t) argc + 1, sizeof(FlagValue));
    if (seen && scan.flags) {
        r = parse_scanned(&scan, obj, seen, spec->usage);
    } else {
        (void) set_err(err, err_size, r, "out of memory");
    }
    free(seen);
    free(scan.flags);
    if (r == OPT_RESULT_OK && spec->ret_n_positional) {
        *spec->ret_n_positional = scan.n_positional;
    }
    return r;
}

const char *const mqtt_version_choices[] = { "auto", "5", "3.1.1", NULL };

const BrokerAddr *optbroker_list(const OptBroker *b, BrokerAddr *scratch, size_t *ret_n)
{
    if (b->n_addrs == 0) {
        memcpy(scratch->host, b->host, sizeof(scratch->host));
        scratch->port = b->port;
        *ret_n = 1;
        return scratch;
    }
    *ret_n = b->n_addrs;
    return b->addrs;
}
