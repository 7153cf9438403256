/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Subscriptions and their SUBACKs. A broker may refuse a subscription (reason code >= 0x80: an
 * ACL that checks subscriptions, as mosquitto's dynamic-security plugin and most clustering
 * brokers do). A refused subscription is not an error of the connection, so mqtt-io keeps it and
 * tries it again on the same connection with a backoff (an ACL can be fixed while we run), tells
 * the user each time (on_subscribe_refused), and reports on_subscribe with the first mid only
 * once it is granted: a user waiting for its SUBACKs waits until it can really receive.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mqtt-io-internal.h"

static MqttIoSubscription *find_by_mid(MqttIo *io, int mid)
{
    for (size_t i = 0; i < MQTT_IO_SUBSCRIPTIONS_MAX; i++) {
        if (io->subs[i].filter && io->subs[i].mid == mid) {
            return &io->subs[i];
        }
    }
    return NULL;
}

static void subscription_free(MqttIoSubscription *sub)
{
    free(sub->filter);
    *sub = (MqttIoSubscription){ 0 };
}

void mqtt_io_subscriptions_clear(MqttIo *io)
{
    for (size_t i = 0; i < MQTT_IO_SUBSCRIPTIONS_MAX; i++) {
        subscription_free(&io->subs[i]);
    }
    io->sub_backoff_ms = 0;
    if (io->sub_retry_timer) {
        (void) sd_event_source_set_enabled(io->sub_retry_timer, SD_EVENT_OFF);
    }
}

int mqtt_io_subscribe(MqttIo *io, const char *filter, int qos, int options, int *ret_mid)
{
    MqttIoSubscription *sub = NULL;
    int mid = 0;
    int rc;

    if (!io || !filter) {
        return -EINVAL;
    }
    if (!mqtt_io_state_connected(io)) {
        return -ENOTCONN;
    }
    for (size_t i = 0; i < MQTT_IO_SUBSCRIPTIONS_MAX && !sub; i++) {
        if (!io->subs[i].filter) {
            sub = &io->subs[i];
        }
    }
    if (!sub) {
        return -ENOSPC;
    }
    sub->filter = strdup(filter);
    if (!sub->filter) {
        return -ENOMEM;
    }
    /* MQTT 3.1.1 has no subscription options: without retain-as-published a live message
     * published retained arrives unflagged (broker-config/README.md names what that changes). */
    if (!mqtt_io_is_v5(io)) {
        options = 0;
    }
    rc = mosquitto_subscribe_v5(io->mosq, &mid, filter, qos, options, NULL);
    if (rc != MOSQ_ERR_SUCCESS) {
        subscription_free(sub);
        return mqtt_error_to_errno(rc);
    }
    sub->qos = qos;
    sub->options = options;
    sub->mid = mid;
    sub->first_mid = mid;
    if (ret_mid) {
        *ret_mid = mid;
    }
    return 0;
}

/* One timer for every refused subscription: armed once per round, so the backoff doubles per
 * round, not per refusal. */
static void retry_schedule(MqttIo *io)
{
    int enabled = SD_EVENT_OFF;
    uint64_t usec;

    if (sd_event_source_get_enabled(io->sub_retry_timer, &enabled) >= 0 &&
        enabled != SD_EVENT_OFF) {
        return;
    }
    io->sub_backoff_ms = io->sub_backoff_ms == 0 ? SUBSCRIBE_RETRY_MIN_MS : io->sub_backoff_ms * 2;
    if (io->sub_backoff_ms > SUBSCRIBE_RETRY_MAX_MS) {
        io->sub_backoff_ms = SUBSCRIBE_RETRY_MAX_MS;
    }
    usec = (uint64_t) io->sub_backoff_ms * 1000u;
    if (sd_event_source_set_time_relative(io->sub_retry_timer, usec) >= 0) {
        (void) sd_event_source_set_enabled(io->sub_retry_timer, SD_EVENT_ONESHOT);
    }
}

void mqtt_io_on_suback(MqttIo *io, int mid, int n, const int *granted)
{
    MqttIoSubscription *sub = find_by_mid(io, mid);
    int refused = 0;

    for (int i = 0; i < n && granted; i++) {
        if (granted[i] >= 0x80) {
            refused = granted[i];
            break;
        }
    }
    if (refused && sub) {
        sub->mid = 0; /* due for a retry */
        retry_schedule(io);
        if (io->cb.on_subscribe_refused) {
            io->cb.on_subscribe_refused(io, sub->filter, refused, io->sub_backoff_ms, io->userdata);
        }
        return;
    }
    if (sub) {
        mid = sub->first_mid;
        subscription_free(sub);
    }
    if (io->cb.on_subscribe) {
        io->cb.on_subscribe(io, mid, io->userdata);
    }
}

int mqtt_io_on_sub_retry_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
    MqttIo *io = userdata;

    (void) s;
    (void) usec;
    if (!mqtt_io_state_connected(io)) {
        return 0; /* the next connection subscribes afresh */
    }
    for (size_t i = 0; i < MQTT_IO_SUBSCRIPTIONS_MAX; i++) {
        MqttIoSubscription *sub = &io->subs[i];
        int mid = 0;

        if (!sub->filter || sub->mid != 0) {
            continue;
        }
        if (mosquitto_subscribe_v5(io->mosq, &mid, sub->filter, sub->qos, sub->options, NULL) ==
            MOSQ_ERR_SUCCESS) {
            sub->mid = mid;
        } else {
            retry_schedule(io); /* the connection is going away: its disconnect clears this */
        }
    }
    return 0;
}
