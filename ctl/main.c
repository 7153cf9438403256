/* SPDX-License-Identifier: Apache-2.0 */
/* statebusctl: parse options, pick the verb, run it. Exit 0 ok, 1 failure or time-out, 2 bad
 * usage (contract.md "Command lines"). */
#include <mosquitto.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "statebus/topic.h"

#include "broker-addr.h"
#include "ctl.h"
#include "macro.h"
#include "options.h"

#define USAGE                                                                                     \
    "usage: statebusctl [--broker HOST[:PORT]] [--system ID] [--node N] [--json] "                \
    "[-w|--wait[=SEC]]"                                                                           \
    " [--timeout SEC] COMMAND\n"                                                                  \
    "\n"                                                                                          \
    "commands:\n"                                                                                 \
    "  state, status  the status summary: coordinator, gate, requests, settings, node grid\n"     \
    "                 (with --node N: that node's states and status)\n"                           \
    "  bmcstate, chassisstate, hoststate, bootprogress, osstate   one of them\n"                  \
    "  poweron, poweroff           host On / Off\n"                                               \
    "  chassison, chassisoff       chassis On / Off\n"                                            \
    "  chassiskill                 chassis Off (reason \"chassiskill\")\n"                        \
    "  hostreboot                  host Reboot\n"                                                 \
    "  bmcreboot                   BMC Reboot (of every node, or only --node N)\n"                \
    "  cancel ID                   cancel a queued or active request (the id a request prints)\n" \
    "  watch [--brief]             rollups, requests and events until Ctrl-C (--node N: one\n"    \
    "                              node; --brief: state changes only)\n"                          \
    "  settings, get-policy        the power-restore policy, one-time policy, delay and "         \
    "schedule\n"                                                                                  \
    "  set-policy POLICY [--one-time]   power-restore-policy (or the one-time policy):\n"         \
    "                              AlwaysOn, AlwaysOff, Restore or None\n"                        \
    "  set-policy --delay S        power-restore-delay in seconds\n"                              \
    "  schedule TIME TRANSITION    scheduled host transition (On, Off, Reboot) at TIME:\n"        \
    "                              HH:MM[:SS] (next, local time), ISO 8601\n"                     \
    "                              (2026-12-02T22:00[:00][Z|+01:00]), +SECONDS or unix seconds\n" \
    "  schedule --clear            no scheduled transition\n"                                     \
    "\n"                                                                                          \
    "-w, --wait[=SEC] (also --wait SEC): wait until the request completes, showing progress.\n"   \
    "--node N on a power command sends \"nodes\": [N]; the coordinator refuses it unless it\n"    \
    "runs with its own --allow-partial flag. Power-on commands wait for every node's BMC to be\n" \
    "Ready (the coordinator's gate); an identical request joins the queued one.\n"                \
    "\n"                                                                                          \
    "exit: 0 ok; 1 failed, rejected or no answer; 2 bad usage; 3 --wait ended (time-out or\n"     \
    "Ctrl-C) while the request is still queued or active (it goes on: statebusctl says its id\n"  \
    "and how to cancel it); 4 state: the coordinator is not online, the values shown are stale."

#define OFF(field) offsetof(CtlOptions, field)

static const OptSpec ctl_option_specs[] = {
    OPT_SPEC_BROKER(CtlOptions, broker),
    OPT_SPEC_MQTT_VERSION(CtlOptions, mqtt_version),
    OPT_SPEC_SYSTEM(CtlOptions, system),
    { .name = "node",
      .type = OPT_UINT,
      .offset = OFF(node),
      .min = 1,
      .max = SB_NODES_MAX,
      .metavar = "N",
      .help = "one node instead of the whole system" },
    { .name = "json", .type = OPT_BOOL, .offset = OFF(json), .help = "print raw JSON payloads" },
    { .name = "wait",
      .type = OPT_UINT,
      .offset = OFF(wait_s),
      .min = 0,
      .max = 86400,
      .metavar = "SEC",
      .implicit = "600",
      .help = "wait until the request completes, showing progress (--wait alone: 600)" },
    { .name = "timeout",
      .type = OPT_UINT,
      .offset = OFF(timeout_s),
      .min = 1,
      .max = 3600,
      .metavar = "SEC",
      .help = "how long to wait for retained state or the first answer" },
    { .name = "one-time",
      .type = OPT_BOOL,
      .offset = OFF(one_time),
      .help = "set-policy: the one-time policy (applied once, then None)" },
    { .name = "delay",
      .type = OPT_STRING,
      .offset = OFF(delay),
      .size = sizeof(((CtlOptions *) NULL)->delay),
      .metavar = "S",
      .help = "set-policy: power-restore-delay in seconds (0..86400)" },
    { .name = "brief",
      .type = OPT_BOOL,
      .offset = OFF(brief),
      .help = "watch: a line only when a rollup's state, the gate or a request changes; no "
              "per-node accepted events" },
    { .name = "clear",
      .type = OPT_BOOL,
      .offset = OFF(clear),
      .help = "schedule: remove the scheduled transition" },
    MQTT_AUTH_OPTION_SPECS(CtlOptions, auth),
};

static const char *const all_verbs[] = {
    "state",   "status",   "bmcstate",  "chassisstate", "hoststate",   "bootprogress", "osstate",
    "poweron", "poweroff", "chassison", "chassisoff",   "chassiskill", "hostreboot",   "bmcreboot",
    "cancel",  "watch",    "settings",  "get-policy",   "set-policy",  "schedule",
};

/* Levenshtein distance, bounded inputs (verbs and what was typed, cut at 31 bytes). */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strnlen(a, 31), lb = strnlen(b, 31), row[32];

    for (size_t j = 0; j <= lb; j++) {
        row[j] = j;
    }
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];

        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j], best = diag + (a[i - 1] != b[j - 1]);

            best = up + 1 < best ? up + 1 : best;
            best = row[j - 1] + 1 < best ? row[j - 1] + 1 : best;
            diag = up;
            row[j] = best;
        }
    }
    return row[lb];
}

static void suggest_verb(const char *verb)
{
    const char *best = NULL;
    size_t best_d = 3; /* only close matches: two edits at most */

    for (size_t i = 0; i < ELEMENTSOF(all_verbs); i++) {
        size_t d = edit_distance(verb, all_verbs[i]);

        if (d < best_d) {
            best_d = d;
            best = all_verbs[i];
        }
    }
    if (best) {
        (void) fprintf(stderr,
                       "statebusctl: unknown command '%s'; did you mean '%s'? (see --help)\n", verb,
                       best);
    } else {
        (void) fprintf(stderr, "statebusctl: unknown command '%s' (see --help)\n", verb);
    }
}

/* args: the words after the verb (only set-policy, schedule and cancel take any). */
static CtlExit run_verb(const CtlOptions *o, const char *verb, const char *const *args, size_t n)
{
    if (strcmp(verb, "set-policy") == 0) {
        return ctl_set_policy(o, args, n);
    }
    if (strcmp(verb, "schedule") == 0) {
        return ctl_schedule(o, args, n);
    }
    if (strcmp(verb, "cancel") == 0) {
        return ctl_cancel(o, args, n);
    }
    if (n > 0) {
        (void) fprintf(stderr, "statebusctl: %s: unexpected argument '%s' (see --help)\n", verb,
                       args[0]);
        return CTL_EXIT_USAGE;
    }
    if (strcmp(verb, "state") == 0 || strcmp(verb, "status") == 0) {
        return ctl_status(o);
    }
    if (strcmp(verb, "settings") == 0 || strcmp(verb, "get-policy") == 0) {
        return ctl_settings(o);
    }
    if (ctl_query_handles(verb)) {
        return ctl_query(o, verb);
    }
    if (ctl_request_handles(verb)) {
        return ctl_request(o, verb);
    }
    if (strcmp(verb, "watch") == 0) {
        return ctl_watch(o);
    }
    suggest_verb(verb);
    return CTL_EXIT_USAGE;
}

static bool is_number(const char *s)
{
    if (!s || !*s) {
        return false;
    }
    for (; *s; s++) {
        if (*s < '0' || *s > '9') {
            return false;
        }
    }
    return true;
}

/* obmcutil's habits: "-w" is --wait, and "--wait 30" (a separate number) is --wait=30, not a
 * command "30". Rewritten into new_argv (argc + 1 entries, the texts live in storage). */
static int normalize_wait(int argc, char **argv, char **new_argv, char (*storage)[32])
{
    int n = 0;

    for (int i = 0; i < argc; i++) {
        bool wait = i > 0 && (strcmp(argv[i], "-w") == 0 || strcmp(argv[i], "--wait") == 0);

        if (wait && i + 1 < argc && is_number(argv[i + 1]) && strlen(argv[i + 1]) < 20) {
            (void) snprintf(storage[i], sizeof(storage[i]), "--wait=%s", argv[i + 1]);
            new_argv[n++] = storage[i];
            i++;
        } else if (wait) {
            new_argv[n++] = (char *) "--wait";
        } else if (i > 0 && strncmp(argv[i], "-w=", 3) == 0 && strlen(argv[i]) < 24) {
            (void) snprintf(storage[i], sizeof(storage[i]), "--wait=%s", argv[i] + 3);
            new_argv[n++] = storage[i];
        } else {
            new_argv[n++] = argv[i];
        }
    }
    new_argv[n] = NULL;
    return n;
}

int main(int argc, char **argv)
{
    CtlOptions o = {
        .broker = { .host = BROKER_DEFAULT_HOST, .port = BROKER_DEFAULT_PORT },
        .system = SB_DEFAULT_SYSTEM,
        .timeout_s = 5,
    };
    const char *positional[4]; /* COMMAND and at most two words after it, one to spare */
    size_t n_positional = 0;
    char err[512];
    CtlExit ret;
    const OptionsSpec spec = {
        .specs = ctl_option_specs,
        .n_specs = ELEMENTSOF(ctl_option_specs),
        .usage = USAGE,
        .positional = positional,
        .max_positional = ELEMENTSOF(positional),
        .ret_n_positional = &n_positional,
    };
    int r;

    /* Bounded: a command line of statebusctl has a few dozen words at most. */
    static char *new_argv[256];
    static char storage[256][32];

    if (argc >= (int) ELEMENTSOF(new_argv)) {
        (void) fprintf(stderr, "statebusctl: too many arguments\n");
        return CTL_EXIT_USAGE;
    }
    argc = normalize_wait(argc, argv, new_argv, storage);
    argv = new_argv;
    r = options_parse(&spec, &o, argc, argv, err, sizeof(err));
    if (r == OPT_RESULT_HELP || r == OPT_RESULT_VERSION) {
        return CTL_EXIT_OK;
    }
    if (r < 0) {
        (void) fprintf(stderr, "statebusctl: %s\n", err);
        return CTL_EXIT_USAGE;
    }
    if (n_positional == 0) {
        (void) fprintf(stderr, "statebusctl: missing COMMAND (see --help)\n");
        return CTL_EXIT_USAGE;
    }
    if (!sb_system_id_is_valid(o.system)) {
        (void) fprintf(stderr, "statebusctl: --system: expected [A-Za-z0-9_-]{1,64}, got '%s'\n",
                       o.system);
        return CTL_EXIT_USAGE;
    }
    r = mqtt_auth_options_load(&o.auth, err, sizeof(err));
    if (r < 0) {
        (void) fprintf(stderr, "statebusctl: %s\n", err);
        return CTL_EXIT_USAGE;
    }

    (void) mosquitto_lib_init();
    ret = run_verb(&o, positional[0], positional + 1, n_positional - 1);
    (void) mosquitto_lib_cleanup();
    return (int) ret;
}
