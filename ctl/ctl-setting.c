/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Settings: set-policy and schedule (topics/README.md "Settings", "Scheduled transitions").
 *
 *   set-policy POLICY [--one-time]    system/settings/power-restore-policy[-one-time]/set
 *   set-policy --delay S              system/settings/power-restore-delay/set
 *   schedule TIME TRANSITION          system/settings/scheduled-transition/set
 *                                     (TIME: unix seconds, or +SECONDS from now)
 *   schedule --clear                  the same with null
 *
 * An MQTT v5 publish with our reply topic and correlation data; the coordinator's answer (a
 * "setting" or "rejected" event) decides the exit code. With --wait, statebusctl also waits until
 * the retained system/settings/<name> shows the value (the coordinator persisted it).
 */
#include <errno.h>
#include <inttypes.h>
#include <mqtt_protocol.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "statebus/payload.h"
#include "statebus/topic.h"

#include "ctl-format.h"
#include "ctl-mqtt.h"
#include "ctl.h"
#include "time-util.h"

typedef struct SettingRun {
    const CtlOptions *o;
    SbSettingValue want;
    char id[SB_ID_MAX + 1]; /* our correlation data */
    char set_topic[SB_TOPIC_MAX + 1];
    char value_topic[SB_TOPIC_MAX + 1];
    char status_topic[SB_TOPIC_MAX + 1];
    const char *reply_topic;

    bool have_status;
    SbStatus status;
    bool sent;
    bool answered;
    bool accepted;
    bool have_value;
    SbSettingValue value; /* the last retained system/settings/<name> */
} SettingRun;

static bool values_equal(const SbSettingValue *a, const SbSettingValue *b)
{
    switch (a->name) {
    case SB_SETTING_POWER_RESTORE_POLICY:
    case SB_SETTING_POWER_RESTORE_ONE_TIME:
        return a->policy == b->policy;
    case SB_SETTING_POWER_RESTORE_DELAY:
        return a->delay_s == b->delay_s;
    case SB_SETTING_SCHEDULED_TRANSITION:
        return a->scheduled == b->scheduled &&
               (!a->scheduled || (a->scheduled_time_s == b->scheduled_time_s &&
                                  a->scheduled_transition == b->scheduled_transition));
    case SB_SETTING_NONE:
    case SB_SETTING_COUNT:
        break;
    }
    return false;
}

static void format_value(char *buf, size_t size, const SbSettingValue *v)
{
    const char *s;

    switch (v->name) {
    case SB_SETTING_POWER_RESTORE_POLICY:
    case SB_SETTING_POWER_RESTORE_ONE_TIME:
        s = sb_enum_to_string(SB_ENUM_RESTORE_POLICY, (int) v->policy);
        (void) snprintf(buf, size, "%s", s ? s : "?");
        return;
    case SB_SETTING_POWER_RESTORE_DELAY:
        (void) snprintf(buf, size, "%" PRIu32 " s", v->delay_s);
        return;
    case SB_SETTING_SCHEDULED_TRANSITION:
        if (!v->scheduled) {
            (void) snprintf(buf, size, "none");
            return;
        }
        s = sb_enum_to_string(SB_ENUM_TRANSITION, (int) v->scheduled_transition);
        {
            time_t t = (time_t) v->scheduled_time_s;
            char when[32] = "?";
            struct tm tm;

            if (localtime_r(&t, &tm)) {
                (void) strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
            }
            (void) snprintf(buf, size, "host %s at %s local", s ? s : "?", when);
        }
        return;
    case SB_SETTING_NONE:
    case SB_SETTING_COUNT:
        break;
    }
    (void) snprintf(buf, size, "?");
}

static bool correlation_is_ours(const SettingRun *sr, const mosquitto_property *props)
{
    void *data = NULL;
    uint16_t len = 0;
    bool ours;

    if (!props ||
        !mosquitto_property_read_binary(props, MQTT_PROP_CORRELATION_DATA, &data, &len, false)) {
        return false;
    }
    ours = len == strlen(sr->id) && memcmp(data, sr->id, len) == 0;
    free(data);
    return ours;
}

static void on_answer(SettingRun *sr, const struct mosquitto_message *msg)
{
    char line[1024];
    SbEvent e;

    if (sb_event_decode(msg->payload, (size_t) msg->payloadlen, &e, NULL) < 0 ||
        (e.kind != SB_EVENT_SETTING && e.kind != SB_EVENT_REJECTED) || sr->answered) {
        return;
    }
    sr->answered = true;
    sr->accepted = e.kind == SB_EVENT_SETTING;
    if (sr->o->json) {
        printf("%.*s\n", msg->payloadlen, (const char *) msg->payload);
    } else {
        ctl_format_event(line, sizeof(line), &e);
        printf("%s\n", line);
    }
    (void) fflush(stdout);
}

static void on_value(SettingRun *sr, const struct mosquitto_message *msg)
{
    SbSettingValue v;

    if (sb_setting_decode(msg->payload, (size_t) msg->payloadlen, sr->want.name, false, &v, NULL) >=
        0) {
        sr->value = v;
        sr->have_value = true;
    }
}

static void on_setting_message(const struct mosquitto_message *msg,
                               const mosquitto_property *props,
                               void *userdata)
{
    SettingRun *sr = userdata;
    SbStatusMsg st;

    /* Every byte is untrusted: what does not decode is ignored. */
    if (msg->payloadlen <= 0 || (size_t) msg->payloadlen > SB_PAYLOAD_MAX) {
        return;
    }
    if (strcmp(msg->topic, sr->status_topic) == 0) {
        if (sb_status_decode(msg->payload, (size_t) msg->payloadlen, &st, NULL) >= 0) {
            sr->have_status = true;
            sr->status = st.status;
        }
    } else if (strcmp(msg->topic, sr->value_topic) == 0) {
        on_value(sr, msg);
    } else if (sr->sent && strcmp(msg->topic, sr->reply_topic) == 0 &&
               correlation_is_ours(sr, props)) {
        on_answer(sr, msg);
    }
}

static bool is_online(void *userdata)
{
    const SettingRun *sr = userdata;

    return sr->have_status && sr->status == SB_STATUS_ONLINE;
}

static bool is_answered(void *userdata)
{
    return ((const SettingRun *) userdata)->answered;
}

/* The answer comes before the retained value it announces (the coordinator publishes retained
 * values at the end of its loop iteration), and an unchanged value is not published again: so
 * "effective" is the latest retained value equal to ours once the answer is in. */
static bool is_effective(void *userdata)
{
    const SettingRun *sr = userdata;

    /* A rejection ends the wait too: nothing will change. */
    return sr->answered &&
           (!sr->accepted || (sr->have_value && values_equal(&sr->value, &sr->want)));
}

static int setting_topics(SettingRun *sr)
{
    SbTopic t = { .setting = sr->want.name };
    int r;

    (void) snprintf(t.system, sizeof(t.system), "%s", sr->o->system);
    t.kind = SB_TOPIC_SETTING_SET;
    r = sb_topic_format(sr->set_topic, sizeof(sr->set_topic), &t);
    t.kind = SB_TOPIC_SETTING;
    r = r < 0 ? r : sb_topic_format(sr->value_topic, sizeof(sr->value_topic), &t);
    t.kind = SB_TOPIC_SYSTEM_STATUS;
    r = r < 0 ? r : sb_topic_format(sr->status_topic, sizeof(sr->status_topic), &t);
    return r < 0 ? r : 0;
}

static int setting_send(SettingRun *sr, CtlMqtt *m)
{
    char payload[SB_PAYLOAD_MAX + 1];
    mosquitto_property *props = NULL;
    int n, r;

    n = sb_setting_encode(&sr->want, payload, sizeof(payload));
    if (n < 0) {
        (void) fprintf(stderr, "statebusctl: cannot encode the setting: %s\n", strerror(-n));
        return n;
    }
    if (mosquitto_property_add_string(&props, MQTT_PROP_RESPONSE_TOPIC, sr->reply_topic) !=
                MOSQ_ERR_SUCCESS ||
        mosquitto_property_add_binary(&props, MQTT_PROP_CORRELATION_DATA, sr->id,
                                      (uint16_t) strlen(sr->id)) != MOSQ_ERR_SUCCESS) {
        mosquitto_property_free_all(&props);
        return -ENOMEM;
    }
    sr->sent = true;
    r = ctl_mqtt_publish(m, sr->set_topic, payload, (size_t) n, props);
    mosquitto_property_free_all(&props);
    return r;
}

static CtlExit setting_run(const CtlOptions *o, const SbSettingValue *want)
{
    static SettingRun sr;
    unsigned budget_s = o->wait_s > 0 ? o->wait_s : o->timeout_s;
    uint64_t deadline = now_mono_ms() + (uint64_t) budget_s * 1000u;
    const char *filters[2];
    CtlMqtt *m = NULL;
    int r;

    sr = (SettingRun){ .o = o, .want = *want };
    (void) snprintf(sr.id, sizeof(sr.id), "ctl-set-%ld-%llu", (long) getpid(),
                    (unsigned long long) now_unix_ms());
    if (setting_topics(&sr) < 0) {
        (void) fprintf(stderr, "statebusctl: cannot build topics for system '%s'\n", o->system);
        return CTL_EXIT_USAGE;
    }
    filters[0] = sr.status_topic;
    filters[1] = sr.value_topic;
    r = ctl_mqtt_connect(o, deadline, on_setting_message, &sr, &m);
    if (r < 0) {
        return CTL_EXIT_FAILURE;
    }
    sr.reply_topic = ctl_mqtt_reply_topic(m);
    r = ctl_mqtt_subscribe_sync(m, filters, 2, deadline);
    if (r >= 0 || r == -ETIMEDOUT) {
        /* Settings are not retained or queued by the broker: sending now would lose it. */
        r = is_online(&sr) ? 0 : ctl_mqtt_run(m, is_online, &sr, deadline);
        if (r == -ETIMEDOUT) {
            (void) fprintf(stderr,
                           "statebusctl: the coordinator of system '%s' is not online after %u "
                           "s; setting not sent\n",
                           o->system, budget_s);
        }
    }
    if (r >= 0) {
        r = setting_send(&sr, m);
    }
    if (r >= 0) {
        r = ctl_mqtt_run(m, o->wait_s > 0 ? is_effective : is_answered, &sr, deadline);
        if (r == -ETIMEDOUT) {
            (void) fprintf(stderr, "statebusctl: %s within %u s\n",
                           sr.answered ? "the value did not become effective"
                                       : "no answer from the coordinator",
                           budget_s);
        }
    }
    m = ctl_mqtt_free(m);
    if (r >= 0 && sr.accepted && o->wait_s > 0 && !o->json) {
        char text[96];

        format_value(text, sizeof(text), &sr.value);
        printf("%s: %s (effective)\n", sb_setting_topic_name(sr.want.name), text);
    }
    return r >= 0 && sr.accepted ? CTL_EXIT_OK : CTL_EXIT_FAILURE;
}

static CtlExit usage(const char *text)
{
    (void) fprintf(stderr, "statebusctl: %s (see --help)\n", text);
    return CTL_EXIT_USAGE;
}

CtlExit ctl_set_policy(const CtlOptions *o, const char *const *args, size_t n_args)
{
    SbSettingValue v = { 0 };
    CtlExit ret = CTL_EXIT_OK;
    unsigned long delay;
    char *end = NULL;
    int policy;

    if (n_args > 1 || (n_args == 0 && o->delay[0] == '\0')) {
        return usage("set-policy POLICY [--one-time] or set-policy --delay S");
    }
    if (o->delay[0] != '\0') {
        delay = strtoul(o->delay, &end, 10);
        if (o->delay[0] < '0' || o->delay[0] > '9' || *end != '\0' || delay > 86400) {
            return usage("--delay: expected 0..86400 seconds");
        }
    }
    if (n_args == 1) {
        policy = sb_enum_from_string(SB_ENUM_RESTORE_POLICY, args[0], strlen(args[0]));
        if (policy < 1) {
            return usage("POLICY: expected AlwaysOn, AlwaysOff, Restore or None");
        }
        v.name = o->one_time ? SB_SETTING_POWER_RESTORE_ONE_TIME : SB_SETTING_POWER_RESTORE_POLICY;
        v.policy = (SbRestorePolicy) policy;
        ret = setting_run(o, &v);
    } else if (o->one_time) {
        return usage("--one-time goes with a POLICY");
    }
    if (ret == CTL_EXIT_OK && o->delay[0] != '\0') {
        v = (SbSettingValue){ .name = SB_SETTING_POWER_RESTORE_DELAY,
                              .delay_s = (uint32_t) strtoul(o->delay, NULL, 10) };
        ret = setting_run(o, &v);
    }
    return ret;
}

static bool all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return false;
        }
    }
    return n > 0;
}

/* Exactly n decimal digits at p, as a number. */
static bool digits_value(const char *p, size_t n, unsigned *ret)
{
    unsigned v = 0;

    if (!all_digits(p, n)) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        v = v * 10u + (unsigned) (p[i] - '0');
    }
    *ret = v;
    return true;
}

/* One or two digits at *p, as a number; *p moves past them. */
static bool clock_part(const char **p, unsigned *ret)
{
    size_t n = (*p)[0] >= '0' && (*p)[0] <= '9' && (*p)[1] >= '0' && (*p)[1] <= '9' ? 2 : 1;

    if (!digits_value(*p, n, ret)) {
        return false;
    }
    *p += n;
    return true;
}

/* "H[H]:M[M][:S[S]]" into h, m, sec: 2 or 3 parts read, or -EINVAL. */
static int parse_clock_parts(const char *s, unsigned *h, unsigned *m, unsigned *sec)
{
    const char *p = s;

    if (!clock_part(&p, h) || *p++ != ':' || !clock_part(&p, m)) {
        return -EINVAL;
    }
    if (*p == '\0') {
        return 2;
    }
    if (*p++ != ':' || !clock_part(&p, sec) || *p != '\0') {
        return -EINVAL;
    }
    return 3;
}

/* "HH:MM[:SS]": the next such local time (today, or tomorrow when it has passed). */
static int parse_clock(const char *s, uint64_t *ret)
{
    unsigned h = 0, m = 0, sec = 0;
    time_t now = time(NULL), t;
    struct tm tm;
    int n = parse_clock_parts(s, &h, &m, &sec);

    if (n < 0 || h > 23 || m > 59 || sec > 59 || !localtime_r(&now, &tm)) {
        return -EINVAL;
    }
    tm.tm_hour = (int) h;
    tm.tm_min = (int) m;
    tm.tm_sec = (int) sec;
    tm.tm_isdst = -1;
    t = mktime(&tm);
    if (t != (time_t) -1 && t <= now) {
        tm.tm_mday++; /* mktime normalizes: the same clock time tomorrow, DST included */
        tm.tm_isdst = -1;
        t = mktime(&tm);
    }
    if (t == (time_t) -1) {
        return -EINVAL;
    }
    *ret = (uint64_t) t;
    return 0;
}

/* The zone at the end of an ISO 8601 time: Z, +HH:MM, +HHMM (or -) or nothing (*local). */
static int parse_zone(const char *p, long *offset_s, bool *local)
{
    unsigned hours = 0, minutes = 0;
    size_t rest;

    *local = *p == '\0';
    if (*local) {
        return 0;
    }
    if (*p == 'Z' && p[1] == '\0') {
        return 0;
    }
    if ((*p != '+' && *p != '-') || !digits_value(p + 1, 2, &hours)) {
        return -EINVAL;
    }
    rest = strlen(p + 3);
    if (!((rest == 3 && p[3] == ':') || rest == 2) ||
        !digits_value(p[3] == ':' ? p + 4 : p + 3, 2, &minutes)) {
        return -EINVAL;
    }
    *offset_s = (long) hours * 3600L + (long) minutes * 60L;
    *offset_s = *p == '-' ? -*offset_s : *offset_s;
    return 0;
}

/* ISO 8601: YYYY-MM-DD[T ]HH:MM[:SS] with Z, +HH:MM, +HHMM or nothing (local time). */
static int parse_iso(const char *s, uint64_t *ret)
{
    unsigned y, mo, d, h, mi, sec = 0;
    const char *p = s;
    struct tm tm = { 0 };
    long offset_s = 0;
    bool local = true;
    time_t t;

    if (!digits_value(p, 4, &y) || p[4] != '-' || !digits_value(p + 5, 2, &mo) || p[7] != '-' ||
        !digits_value(p + 8, 2, &d) || (p[10] != 'T' && p[10] != ' ')) {
        return -EINVAL;
    }
    p += 11;
    if (!digits_value(p, 2, &h) || p[2] != ':' || !digits_value(p + 3, 2, &mi)) {
        return -EINVAL;
    }
    p += 5;
    if (*p == ':') {
        if (!digits_value(p + 1, 2, &sec)) {
            return -EINVAL;
        }
        p += 3;
    }
    if (parse_zone(p, &offset_s, &local) < 0) {
        return -EINVAL;
    }
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) {
        return -EINVAL;
    }
    tm.tm_year = (int) y - 1900;
    tm.tm_mon = (int) mo - 1;
    tm.tm_mday = (int) d;
    tm.tm_hour = (int) h;
    tm.tm_min = (int) mi;
    tm.tm_sec = (int) sec;
    tm.tm_isdst = -1;
    t = local ? mktime(&tm) : timegm(&tm);
    if (t == (time_t) -1 || (!local && (long long) t - offset_s < 0)) {
        return -EINVAL;
    }
    *ret = (uint64_t) ((long long) t - (local ? 0 : offset_s));
    return 0;
}

/* "1700003600" (unix s), "+30" (from now), "22:00" (next, local) or ISO 8601. */
static int parse_time(const char *s, uint64_t *ret)
{
    bool relative = s[0] == '+';
    const char *digits = relative ? s + 1 : s;
    unsigned long long v;
    char *end = NULL;

    if (strchr(s, '-') && strlen(s) >= 16) {
        return parse_iso(s, ret);
    }
    if (!relative && strchr(s, ':')) {
        return parse_clock(s, ret);
    }
    if (digits[0] < '0' || digits[0] > '9') {
        return -EINVAL;
    }
    errno = 0;
    v = strtoull(digits, &end, 10);
    if (errno != 0 || *end != '\0' || v > 253402300799ull) {
        return -EINVAL;
    }
    *ret = relative ? (uint64_t) time(NULL) + v : v;
    return 0;
}

/* "22:00:00 local, 2026-12-02T22:00:00+01:00 (in 2 h 05 min)". */
static void print_schedule_time(uint64_t unix_s)
{
    time_t t = (time_t) unix_s, now = time(NULL);
    char date[32], iso[32], off[8];
    struct tm tm;

    if (!localtime_r(&t, &tm) || strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S", &tm) == 0 ||
        strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%S", &tm) == 0 ||
        strftime(off, sizeof(off), "%z", &tm) != 5) {
        return;
    }
    printf("scheduled for %s local, %s%.3s:%.2s", date, iso, off, off + 3);
    if (t > now) {
        uint64_t in = (uint64_t) (t - now);
        printf(" (in %" PRIu64 " h %02" PRIu64 " min)", in / 3600, (in % 3600) / 60);
    }
    printf("\n");
}

CtlExit ctl_schedule(const CtlOptions *o, const char *const *args, size_t n_args)
{
    SbSettingValue v = { .name = SB_SETTING_SCHEDULED_TRANSITION };
    CtlExit ret;
    int transition;

    if (o->clear) {
        if (n_args != 0) {
            return usage("schedule --clear takes no TIME or TRANSITION");
        }
        return setting_run(o, &v);
    }
    if (n_args != 2) {
        return usage("schedule TIME TRANSITION (TIME: HH:MM, ISO 8601, +SECONDS or unix seconds) "
                     "or schedule --clear");
    }
    if (parse_time(args[0], &v.scheduled_time_s) < 0) {
        return usage("TIME: expected HH:MM[:SS] (next, local time), ISO 8601 "
                     "(2026-12-02T22:00[:00][Z|+01:00]), +SECONDS or unix seconds");
    }
    transition = sb_enum_from_string(SB_ENUM_TRANSITION, args[1], strlen(args[1]));
    if (transition != SB_TRANSITION_ON && transition != SB_TRANSITION_OFF &&
        transition != SB_TRANSITION_REBOOT) {
        return usage("TRANSITION: expected On, Off or Reboot");
    }
    v.scheduled = true;
    v.scheduled_transition = (SbTransition) transition;
    ret = setting_run(o, &v);
    if (ret == CTL_EXIT_OK && !o->json) {
        print_schedule_time(v.scheduled_time_s);
    }
    return ret;
}
