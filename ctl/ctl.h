/* SPDX-License-Identifier: Apache-2.0 */
/*
 * statebusctl: obmcutil's verbs over MQTT (contract.md "Command lines"). Not a daemon: each verb
 * connects, does its work with a deadline and exits 0 (ok), 1 (failure or time-out) or 2 (bad
 * usage).
 */
#ifndef STATEBUS_CTL_H
#define STATEBUS_CTL_H

#include <stdbool.h>
#include <stdint.h>

#include "statebus/limits.h"

#include "mqtt-auth-options.h"
#include "options.h"

typedef enum CtlExit {
    CTL_EXIT_OK = 0,
    CTL_EXIT_FAILURE = 1,
    CTL_EXIT_USAGE = 2,
    /* --wait ended (time-out or Ctrl-C) while the request is still queued or active: not failed,
     * it goes on in the coordinator (statebusctl says so, with its id and how to cancel it). */
    CTL_EXIT_PENDING = 3,
    /* state: the coordinator is not online; what is shown is its last published view (stale). */
    CTL_EXIT_STALE = 4,
} CtlExit;

typedef struct CtlOptions {
    OptBroker broker;
    int mqtt_version; /* MqttIoVersion: auto, 5, 3.1.1 */
    char system[SB_SYSTEM_ID_MAX + 1];
    uint32_t node; /* 0 = the whole system */
    bool json;
    uint32_t wait_s;    /* 0 = no --wait */
    uint32_t timeout_s; /* bound for answers and retained state without --wait */
    bool one_time;      /* set-policy --one-time */
    char delay[16];     /* set-policy --delay S; "" = not given */
    bool clear;         /* schedule --clear */
    bool brief;         /* watch --brief: state changes only (a terminal-sized story) */
    /* --cafile, --cert, --key, --username, --password-file */
    MqttAuthOptions auth;
} CtlOptions;

/* state / status: the status summary (ctl-status.c); settings / get-policy: the settings. */
CtlExit ctl_status(const CtlOptions *o);
CtlExit ctl_settings(const CtlOptions *o);

/* Queries: bmcstate, chassisstate, hoststate, bootprogress, osstate. */
CtlExit ctl_query(const CtlOptions *o, const char *verb);

/* Requests: poweron, poweroff, chassison, chassisoff, chassiskill, hostreboot, bmcreboot. */
CtlExit ctl_request(const CtlOptions *o, const char *verb);

/* set-policy POLICY [--one-time] | --delay S; args are the words after the verb. */
CtlExit ctl_set_policy(const CtlOptions *o, const char *const *args, size_t n_args);

/* schedule TIME TRANSITION | --clear. */
CtlExit ctl_schedule(const CtlOptions *o, const char *const *args, size_t n_args);

/* cancel ID: ends a queued or active request (topics/README.md "Cancel"). */
CtlExit ctl_cancel(const CtlOptions *o, const char *const *args, size_t n_args);

/* watch: rollups, requests and events until SIGINT. */
CtlExit ctl_watch(const CtlOptions *o);

/* True when verb is one ctl_query() / ctl_request() handles. */
bool ctl_query_handles(const char *verb);
bool ctl_request_handles(const char *verb);

#endif
