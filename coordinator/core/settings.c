/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Runtime settings (topics/README.md "Settings"): system/settings/<name>/set, already decoded by
 * the shell with sb_setting_decode(), is checked here for what a decoder cannot know (a schedule
 * in the past), stored, persisted and published retained as the effective value, with a
 * "setting" event. A refused value is answered "rejected" and changes nothing.
 *
 * Defaults: power-restore-policy AlwaysOff, as phosphor-settingsd ships it
 * (openbmc/openbmc meta-phosphor/recipes-phosphor/settings/phosphor-settings-defaults/
 * host-template.yaml and defaults.yaml: PowerRestorePolicy Default RestorePolicy::Policy::
 * AlwaysOff); power-restore-delay 0 (PowerRestoreDelay Default 0 there); power-restore-one-time
 * None (host-template.yaml's one_time object, and openbmc/docs designs/power-recovery.md: "If this
 * one_time setting is not the default, None ..."); scheduled-transition none (PSM's
 * ScheduledTime 0).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "coord-internal.h"

/* The bound of power-restore-delay (payload-setting.c refuses more). */
#define DELAY_MAX_S 86400u
/* 9999-12-31T23:59:59Z: a later schedule is a typo, and its milliseconds must fit 2^53. */
#define SCHEDULE_TIME_MAX_S 253402300799ull

void settings_init(Coord *c)
{
    c->settings = (Settings){
        .policy = SB_POLICY_ALWAYS_OFF,
        .delay_s = 0,
        .one_time = SB_POLICY_NONE,
        .scheduled = false,
    };
}

static bool policy_is_valid(SbRestorePolicy p)
{
    return p > SB_POLICY_UNKNOWN && p < SB_POLICY_COUNT;
}

static bool scheduled_transition_is_valid(SbTransition t)
{
    return t == SB_TRANSITION_ON || t == SB_TRANSITION_OFF || t == SB_TRANSITION_REBOOT;
}

int coord_setting_build(const Coord *c, SbSettingName name, SbSettingValue *ret)
{
    const Settings *s;

    if (!c || !ret || name <= SB_SETTING_NONE || name >= SB_SETTING_COUNT) {
        return -EINVAL;
    }
    s = &c->settings;
    *ret = (SbSettingValue){ .name = name };
    switch (name) {
    case SB_SETTING_POWER_RESTORE_POLICY:
        ret->policy = s->policy;
        break;
    case SB_SETTING_POWER_RESTORE_DELAY:
        ret->delay_s = s->delay_s;
        break;
    case SB_SETTING_POWER_RESTORE_ONE_TIME:
        ret->policy = s->one_time;
        break;
    case SB_SETTING_SCHEDULED_TRANSITION:
        ret->scheduled = s->scheduled;
        ret->scheduled_time_s = s->scheduled ? s->scheduled_time_s : 0;
        ret->scheduled_transition = s->scheduled ? s->scheduled_transition : SB_TRANSITION_NONE;
        break;
    case SB_SETTING_NONE:
    case SB_SETTING_COUNT:
        return -EINVAL;
    }
    return 0;
}

static const char *setting_name(SbSettingName name)
{
    const char *s = sb_enum_to_string(SB_ENUM_SETTING_NAME, (int) name);

    return s ? s : "setting";
}

void settings_event(Coord *c, SbEventKind kind, const char *why, const CoordReplyTo *reply_to)
{
    CoordAction *a = NULL;
    SbEvent *e = coord_event_add(c, kind, NULL, why, NO_NODES);

    if (!e) {
        return;
    }
    /* coord_event_add() put the event last; its action carries the answer's address. */
    a = &c->out->items[c->out->n - 1];
    if (reply_to) {
        a->reply_to = *reply_to;
    }
}

void settings_changed(Coord *c, SbSettingName name)
{
    CoordAction *a = coord_action_add(c, COORD_ACT_PUBLISH_SETTING);

    if (a) {
        a->setting = name;
    }
    c->durable_dirty = true;
}

void settings_publish_all(Coord *c)
{
    for (int n = SB_SETTING_NONE + 1; n < SB_SETTING_COUNT; n++) {
        CoordAction *a = coord_action_add(c, COORD_ACT_PUBLISH_SETTING);

        if (a) {
            a->setting = (SbSettingName) n;
        }
    }
}

static void reject(Coord *c, const CoordEvent *ev, const char *why)
{
    char text[SB_WHY_MAX + 1];

    (void) snprintf(text, sizeof(text), "%s: %.200s", setting_name(ev->setting.name), why);
    c->rejected_total++;
    settings_event(c, SB_EVENT_REJECTED, text, &ev->reply_to);
}

/* Checks what the decoder cannot know. Returns NULL, or why the value is refused. */
static const char *check_value(const Coord *c, const SbSettingValue *v, char *buf, size_t size)
{
    switch (v->name) {
    case SB_SETTING_POWER_RESTORE_POLICY:
    case SB_SETTING_POWER_RESTORE_ONE_TIME:
        return policy_is_valid(v->policy) ? NULL : "not a power restore policy";
    case SB_SETTING_POWER_RESTORE_DELAY:
        return v->delay_s <= DELAY_MAX_S ? NULL : "more than 86400 s";
    case SB_SETTING_SCHEDULED_TRANSITION:
        if (!v->scheduled) {
            return NULL;
        }
        if (!scheduled_transition_is_valid(v->scheduled_transition)) {
            return "the transition must be On, Off or Reboot";
        }
        if (v->scheduled_time_s > SCHEDULE_TIME_MAX_S) {
            return "the time is after the year 9999";
        }
        /* PSM refuses a time in the past (InvalidTime); the current second is still now. */
        if (v->scheduled_time_s < c->now_ms / 1000u) {
            (void) snprintf(buf, size, "the time %" PRIu64 " is in the past (now %" PRIu64 ")",
                            v->scheduled_time_s, c->now_ms / 1000u);
            return buf;
        }
        return NULL;
    case SB_SETTING_NONE:
    case SB_SETTING_COUNT:
        break;
    }
    return "unknown setting";
}

/* "set to ..." text for the event. */
static void describe(const Coord *c, const SbSettingValue *v, char *buf, size_t size)
{
    const char *name = setting_name(v->name);

    switch (v->name) {
    case SB_SETTING_POWER_RESTORE_POLICY:
    case SB_SETTING_POWER_RESTORE_ONE_TIME:
        (void) snprintf(buf, size, "%s set to %s", name,
                        sb_enum_to_string(SB_ENUM_RESTORE_POLICY, (int) v->policy));
        return;
    case SB_SETTING_POWER_RESTORE_DELAY:
        (void) snprintf(buf, size, "%s set to %" PRIu32 " s", name, v->delay_s);
        return;
    case SB_SETTING_SCHEDULED_TRANSITION:
        if (!v->scheduled) {
            (void) snprintf(buf, size, "%s cleared", name);
            return;
        }
        {
            /* ISO 8601 in UTC next to the unix time: an operator reads a date, not an epoch
             * (gmtime_r is arithmetic: the core still reads no clock). */
            time_t t = (time_t) v->scheduled_time_s;
            char iso[32] = "?";
            struct tm tm;

            if (gmtime_r(&t, &tm)) {
                (void) strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%SZ", &tm);
            }
            (void) snprintf(buf, size, "%s set to host %s at %s (%" PRIu64 ", in %" PRIu64 " s)",
                            name, coord_transition_name(v->scheduled_transition), iso,
                            v->scheduled_time_s, v->scheduled_time_s - c->now_ms / 1000u);
        }
        return;
    case SB_SETTING_NONE:
    case SB_SETTING_COUNT:
        break;
    }
    (void) snprintf(buf, size, "%s changed", name);
}

void settings_on_setting(Coord *c, const CoordEvent *ev)
{
    const SbSettingValue *v = &ev->setting;
    Settings *s = &c->settings;
    char buf[SB_WHY_MAX + 1];
    const char *why = check_value(c, v, buf, sizeof(buf));

    if (why) {
        reject(c, ev, why);
        return;
    }
    switch (v->name) {
    case SB_SETTING_POWER_RESTORE_POLICY:
        s->policy = v->policy;
        break;
    case SB_SETTING_POWER_RESTORE_DELAY:
        s->delay_s = v->delay_s;
        break;
    case SB_SETTING_POWER_RESTORE_ONE_TIME:
        s->one_time = v->policy;
        break;
    case SB_SETTING_SCHEDULED_TRANSITION:
        /* A new schedule replaces the old one, as PSM's single ScheduledTime does. */
        s->scheduled = v->scheduled;
        s->scheduled_time_s = v->scheduled ? v->scheduled_time_s : 0;
        s->scheduled_transition = v->scheduled ? v->scheduled_transition : SB_TRANSITION_NONE;
        break;
    case SB_SETTING_NONE:
    case SB_SETTING_COUNT:
        return; /* check_value() refused it */
    }
    settings_changed(c, v->name);
    describe(c, v, buf, sizeof(buf));
    settings_event(c, SB_EVENT_SETTING, buf, &ev->reply_to);
}
