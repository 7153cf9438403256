/* SPDX-License-Identifier: Apache-2.0 */
/* The presenter shell (see dbus-presenter.h): MQTT in, D-Bus properties and signals out,
 * Requested*Transition writes out as statebus requests. Like statebusctl and the Redfish bridge it
 * is a client of the system: it publishes no status of its own. */
#include "dbus-presenter.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <systemd/sd-bus.h>
#include <time.h>
#include <unistd.h>

#include "statebus/payload.h"
#include "statebus/topic.h"

#include "daemon.h"
#include "dbus-model.h"
#include "dbus-values.h"
#include "dbus-write.h"
#include "log.h"
#include "macro.h"
#include "mqtt-client.h"
#include "mqtt-io.h"
#include "reject-limiter.h"
#include "time-util.h"

#define STOP_WAIT_MS  2000u /* bound on the DISCONNECT being written */
#define SUBSCRIPTIONS 2u
#define GROUP_NAMES   2u

typedef struct BusGroup {
    DbusPresenter *p;
    DbusObject object;
    const char *what; /* for log lines */
    const char *path;
    const char *names[GROUP_NAMES];
    size_t n_names;
    sd_bus *bus;
    sd_bus_slot *slots[5]; /* object manager, vtables, Disconnected match */
    size_t n_slots;
    sd_bus_slot *name_slot[GROUP_NAMES];
    unsigned names_owned; /* how many of names[] we own */
    bool requested;       /* names requested (answers may be outstanding) */
} BusGroup;

struct DbusPresenter {
    const DbusOptions *opts; /* borrowed */
    sd_event *event;
    MqttIo *io;
    DbusModel model;
    DbusView view; /* what the bus shows; vtable offsets point into it */
    DbusWritePolicy policy;
    const char *allowed_host[SB_TRANSITION_COUNT + 1]; /* AllowedHostTransitions, NULL-ended */
    BusGroup groups[DBUS_OBJECT_COUNT];
    char filters[SUBSCRIPTIONS][SB_TOPIC_MAX + 1];
    char sync_topic[SB_TOPIC_MAX + 1];
    char set_topic[SB_TARGET_COUNT][SB_TOPIC_MAX + 1];
    uint64_t next_id;
    RejectLimiter rejects;
    sd_event_source *stop_timer;
    bool stopping;
};

#define VIEW_OFFSET(field) offsetof(DbusPresenter, view.field)

static DbusPresenter *presenter_of(void *field, size_t offset)
{
    return (DbusPresenter *) (void *) ((uint8_t *) field - offset);
}

/* ---- properties ------------------------------------------------------------------------- */

/* NOLINTNEXTLINE(readability-function-size): sd-bus fixes the 7 parameters of a property getter. */
static int get_string(sd_bus *bus,
                      const char *path,
                      const char *interface,
                      const char *property,
                      sd_bus_message *reply,
                      void *userdata,
                      sd_bus_error *error)
{
    const char *const *value = userdata;

    (void) bus;
    (void) path;
    (void) interface;
    if (!*value) {
        /* Only reachable by unique name before the names are owned: no value to show yet. */
        return sd_bus_error_setf(error, DBUS_ERROR_UNAVAILABLE, "%s has no value yet", property);
    }
    return sd_bus_message_append(reply, "s", *value);
}

/* NOLINTNEXTLINE(readability-function-size): sd-bus fixes the 7 parameters of a property getter. */
static int get_u64(sd_bus *bus,
                   const char *path,
                   const char *interface,
                   const char *property,
                   sd_bus_message *reply,
                   void *userdata,
                   sd_bus_error *error)
{
    (void) bus;
    (void) path;
    (void) interface;
    (void) property;
    (void) error;
    return sd_bus_message_append(reply, "t", *(const uint64_t *) userdata);
}

/* NOLINTNEXTLINE(readability-function-size): sd-bus fixes the 7 parameters of a property getter. */
static int get_allowed(sd_bus *bus,
                       const char *path,
                       const char *interface,
                       const char *property,
                       sd_bus_message *reply,
                       void *userdata,
                       sd_bus_error *error)
{
    DbusPresenter *p = userdata;

    (void) bus;
    (void) path;
    (void) interface;
    (void) property;
    (void) error;
    return sd_bus_message_append_strv(reply, (char **) p->allowed_host);
}

static void emit_changes(DbusPresenter *p, uint32_t extra);

static int publish_request(DbusPresenter *p, SbTarget target, const SbCommand *c)
{
    char payload[SB_PAYLOAD_MAX + 1];
    int n = sb_command_encode(c, payload, sizeof(payload));

    if (n < 0) {
        return n;
    }
    return mqtt_io_publish(p->io,
                           &(MqttPublish){ .topic = p->set_topic[target],
                                           .payload = payload,
                                           .len = (size_t) n,
                                           .qos = 1 },
                           NULL);
}

static long sender_uid(sd_bus_message *m)
{
    sd_bus_creds *creds = NULL;
    uid_t uid;
    long ret = -1;

    if (sd_bus_query_sender_creds(m, SD_BUS_CREDS_UID | SD_BUS_CREDS_AUGMENT, &creds) >= 0 &&
        sd_bus_creds_get_uid(creds, &uid) >= 0) {
        ret = (long) uid;
    }
    sd_bus_creds_unref(creds);
    return ret;
}

/* A write of Requested*Transition: the answer of dbus-write.h, and on success the request. */
static int set_requested(DbusPresenter *p,
                         SbTarget target,
                         const char *property,
                         sd_bus_message *value,
                         sd_bus_error *error)
{
    DbusWriteAnswer a;
    SbCommand c;
    const char *s = NULL;
    const char *sender = sd_bus_message_get_sender(value);
    char id[SB_ID_MAX + 1];
    long uid;
    int r;

    r = sd_bus_message_read(value, "s", &s);
    if (r < 0) {
        return r;
    }
    sender = sender ? sender : "(unknown sender)";
    uid = sender_uid(value);
    dbus_write_decide(&p->model, &p->policy, mqtt_io_is_connected(p->io), target, s, &a);
    if (a.verdict == DBUS_WRITE_ACCEPT) {
        (void) snprintf(id, sizeof(id), "dbus-%ld-%" PRIu64, (long) getpid(), ++p->next_id);
        r = dbus_write_command(target, a.transition, id, sender, uid, &c);
        if (r >= 0) {
            r = publish_request(p, target, &c);
        }
        if (r < 0) {
            log_warning_errno(r, "dbus: failed to publish request id='%s': %m", id);
            return sd_bus_error_setf(error, DBUS_ERROR_UNAVAILABLE,
                                     "The service is temporarily unavailable. The request could "
                                     "not be published: %s.",
                                     strerror(-r));
        }
        log_notice("dbus: published request id='%s' target=%s transition=%s property=%s "
                   "sender=%s uid=%ld",
                   id, sb_enum_to_string(SB_ENUM_TARGET, (int) target),
                   sb_enum_to_string(SB_ENUM_TRANSITION, (int) a.transition), property, sender,
                   uid);
        dbus_model_local_request(&p->model, target, a.transition, id);
        emit_changes(p, 0);
        return 1;
    }
    log_notice("dbus: refused write property=%s value='%.128s' sender=%s uid=%ld error=%s "
               "reason='%s'",
               property, s, sender, uid, a.error_name, a.message);
    return sd_bus_error_set(error, a.error_name, a.message);
}

/* NOLINTNEXTLINE(readability-function-size): sd-bus fixes the 7 parameters of a property setter. */
static int set_requested_host(sd_bus *bus,
                              const char *path,
                              const char *interface,
                              const char *property,
                              sd_bus_message *value,
                              void *userdata,
                              sd_bus_error *error)
{
    (void) bus;
    (void) path;
    (void) interface;
    return set_requested(presenter_of(userdata, VIEW_OFFSET(requested_host)), SB_TARGET_HOST,
                         property, value, error);
}

/* NOLINTNEXTLINE(readability-function-size): sd-bus fixes the 7 parameters of a property setter. */
static int set_requested_power(sd_bus *bus,
                               const char *path,
                               const char *interface,
                               const char *property,
                               sd_bus_message *value,
                               void *userdata,
                               sd_bus_error *error)
{
    (void) bus;
    (void) path;
    (void) interface;
    return set_requested(presenter_of(userdata, VIEW_OFFSET(requested_power)), SB_TARGET_CHASSIS,
                         property, value, error);
}

#define EMITS SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE

/* PDI State.Host: only RequestedHostTransition is writable here (every other property is the
 * system's rollup; a daemon of the aggregator's own host writing it gets PropertyReadOnly). */
static const sd_bus_vtable host_vtable[] = {
    SD_BUS_VTABLE_START(0),
    SD_BUS_WRITABLE_PROPERTY("RequestedHostTransition",
                             "s",
                             get_string,
                             set_requested_host,
                             VIEW_OFFSET(requested_host),
                             EMITS),
    SD_BUS_PROPERTY("AllowedHostTransitions", "as", get_allowed, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_PROPERTY("CurrentHostState", "s", get_string, VIEW_OFFSET(current_host), EMITS),
    SD_BUS_PROPERTY("RestartCause", "s", get_string, VIEW_OFFSET(restart_cause), EMITS),
    SD_BUS_VTABLE_END,
};

static const sd_bus_vtable boot_vtable[] = {
    SD_BUS_VTABLE_START(0),
    SD_BUS_PROPERTY("BootProgress", "s", get_string, VIEW_OFFSET(boot_progress), EMITS),
    SD_BUS_PROPERTY("BootProgressLastUpdate",
                    "t",
                    get_u64,
                    VIEW_OFFSET(boot_last_update_us),
                    EMITS),
    SD_BUS_VTABLE_END,
};

static const sd_bus_vtable os_vtable[] = {
    SD_BUS_VTABLE_START(0),
    SD_BUS_PROPERTY("OperatingSystemState", "s", get_string, VIEW_OFFSET(os_state), EMITS),
    SD_BUS_VTABLE_END,
};

static const sd_bus_vtable chassis_vtable[] = {
    SD_BUS_VTABLE_START(0),
    SD_BUS_WRITABLE_PROPERTY("RequestedPowerTransition",
                             "s",
                             get_string,
                             set_requested_power,
                             VIEW_OFFSET(requested_power),
                             EMITS),
    SD_BUS_PROPERTY("CurrentPowerState", "s", get_string, VIEW_OFFSET(current_power), EMITS),
    SD_BUS_PROPERTY("CurrentPowerStatus", "s", get_string, VIEW_OFFSET(power_status), EMITS),
    SD_BUS_PROPERTY("LastStateChangeTime", "t", get_u64, VIEW_OFFSET(last_state_change_ms), EMITS),
    SD_BUS_VTABLE_END,
};

/* hypervisor0: statebus has no hypervisor request topic, so it is read-only. */
static const sd_bus_vtable hypervisor_vtable[] = {
    SD_BUS_VTABLE_START(0),
    SD_BUS_PROPERTY("RequestedHostTransition", "s", get_string, VIEW_OFFSET(hv_requested), EMITS),
    SD_BUS_PROPERTY("CurrentHostState", "s", get_string, VIEW_OFFSET(hv_current), EMITS),
    SD_BUS_VTABLE_END,
};

/* ---- names ------------------------------------------------------------------------------ */

static int on_name_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
    BusGroup *g = userdata;
    const sd_bus_error *e = sd_bus_message_get_error(m);
    const char *name = NULL;
    uint32_t result = 0;

    (void) ret_error;
    for (size_t i = 0; i < g->n_names; i++) {
        if (g->name_slot[i] == sd_bus_get_current_slot(sd_bus_message_get_bus(m))) {
            name = g->names[i];
            g->name_slot[i] = sd_bus_slot_unref(g->name_slot[i]);
        }
    }
    name = name ? name : "?";
    if (!e && sd_bus_message_read(m, "u", &result) >= 0 && (result == 1 || result == 4)) {
        g->names_owned++;
        log_notice("dbus: owned name=%s object=%s", name, g->path);
        if (g->names_owned == g->n_names) {
            (void) daemon_notify_status("serving %s", g->what);
        }
        return 0;
    }
    /* Somebody else has it (PSM's instance 0 still running?): two owners cannot be, and serving
     * the object under half its names would mislead the mapper. Stop; systemd retries. */
    log_error("dbus: failed to own name=%s reason='%s' (is phosphor-state-manager's instance 0 "
              "running? see README \"D-Bus on the aggregator\")",
              name,
              e             ? e->message
              : result == 3 ? "owned by another connection"
                            : "refused");
    return sd_event_exit(g->p->event, -EEXIST);
}

static void group_request_names(BusGroup *g)
{
    for (size_t i = 0; i < g->n_names; i++) {
        int r = sd_bus_request_name_async(g->bus, &g->name_slot[i], g->names[i], 0, on_name_reply,
                                          g);
        if (r < 0) {
            log_error_errno(r, "dbus: failed to request name=%s: %m", g->names[i]);
            (void) sd_event_exit(g->p->event, r);
            return;
        }
    }
    g->requested = true;
    log_info("dbus: requesting names of %s: every value is known", g->what);
}

static void group_release_names(BusGroup *g)
{
    for (size_t i = 0; i < g->n_names; i++) {
        g->name_slot[i] = sd_bus_slot_unref(g->name_slot[i]);
        (void) sd_bus_release_name_async(g->bus, NULL, g->names[i], NULL, NULL);
    }
    g->requested = false;
    g->names_owned = 0;
    log_notice("dbus: released names of %s: its value is withdrawn", g->what);
}

/* ---- changes ---------------------------------------------------------------------------- */

static void emit_group(BusGroup *g, uint32_t mask)
{
    const char *ifaces[4] = { NULL };
    size_t n_ifaces = 0;

    for (int prop = 0; prop < DBUS_PROP_COUNT; prop++) {
        const char *iface = dbus_prop_interface((DbusProp) prop);
        bool seen = false;

        if (!(mask & (1u << prop)) || dbus_prop_object((DbusProp) prop) != g->object) {
            continue;
        }
        for (size_t i = 0; i < n_ifaces; i++) {
            seen = seen || strcmp(ifaces[i], iface) == 0;
        }
        if (!seen && n_ifaces < ELEMENTSOF(ifaces)) {
            ifaces[n_ifaces++] = iface;
        }
    }
    for (size_t i = 0; i < n_ifaces; i++) {
        const char *names[DBUS_PROP_COUNT + 1];
        size_t n = 0;
        int r;

        for (int prop = 0; prop < DBUS_PROP_COUNT; prop++) {
            if ((mask & (1u << prop)) && dbus_prop_object((DbusProp) prop) == g->object &&
                strcmp(dbus_prop_interface((DbusProp) prop), ifaces[i]) == 0) {
                names[n++] = dbus_prop_name((DbusProp) prop);
            }
        }
        names[n] = NULL;
        r = sd_bus_emit_properties_changed_strv(g->bus, g->path, ifaces[i], (char **) names);
        if (r < 0) {
            log_warning_errno(r, "dbus: failed to emit PropertiesChanged path=%s interface=%s: %m",
                              g->path, ifaces[i]);
        }
    }
}

/* Rebuilds the view from the model and tells the bus what changed (extra: bits to emit even
 * when unchanged). Called once per applied MQTT message or accepted write. */
static void emit_changes(DbusPresenter *p, uint32_t extra)
{
    DbusView next;
    uint32_t mask;

    dbus_view_build(&p->model, &next);
    mask = dbus_view_diff(&p->view, &next) | extra;
    p->view = next;
    for (int o = 0; o < DBUS_OBJECT_COUNT; o++) {
        BusGroup *g = &p->groups[o];

        if (!g->bus) {
            continue;
        }
        if (g->names_owned > 0 && mask) {
            emit_group(g, mask);
        }
        if (!g->requested && p->view.ready[o]) {
            group_request_names(g);
        } else if (g->requested && o == DBUS_OBJECT_HYPERVISOR && !p->view.ready[o]) {
            group_release_names(g);
        }
    }
}

/* ---- MQTT messages ---------------------------------------------------------------------- */

static int handle_system_message(DbusPresenter *p,
                                 const SbTopic *t,
                                 const void *payload,
                                 size_t len,
                                 const char **why)
{
    SbStatusMsg status;
    SbRollupMsg rollup;
    SbRequestsMsg requests;
    SbPowerRestoreMsg restore;
    int r = 0;

    switch (t->kind) {
    case SB_TOPIC_SYSTEM_STATUS:
        r = sb_status_decode(payload, len, &status, why);
        if (r >= 0) {
            if (status.status != p->model.coordinator) {
                log_info("dbus: coordinator status=%s",
                         sb_enum_to_string(SB_ENUM_STATUS, (int) status.status));
            }
            dbus_model_system_status(&p->model, &status);
        }
        break;
    case SB_TOPIC_SYSTEM_ROLLUP:
        r = sb_rollup_decode(payload, len, t->state_kind, &rollup, why);
        if (r >= 0) {
            dbus_model_rollup(&p->model, &rollup);
        }
        break;
    case SB_TOPIC_SYSTEM_REQUESTS:
        r = sb_requests_decode(payload, len, &requests, why);
        if (r >= 0) {
            dbus_model_requests(&p->model, &requests);
        }
        break;
    case SB_TOPIC_SYSTEM_POWER_RESTORE:
        r = sb_power_restore_decode(payload, len, &restore, why);
        if (r >= 0) {
            dbus_model_power_restore(&p->model, &restore);
        }
        break;
    default:
        return 0; /* summary, rebirth, set, settings: nothing shown from them */
    }
    return r;
}

static int handle_node_chassis(DbusPresenter *p,
                               const SbTopic *t,
                               const void *payload,
                               size_t len,
                               const char **why)
{
    SbStateMsg state;
    int r = sb_state_decode(payload, len, SB_KIND_CHASSIS, &state, why);

    if (r >= 0 && state.node != t->node) {
        *why = "'node' differs from the topic's";
        return -EBADMSG;
    }
    return r < 0 ? r : dbus_model_node_chassis(&p->model, t->node, &state);
}

static void on_mqtt_message(MqttIo *io,
                            const struct mosquitto_message *msg,
                            const mosquitto_property *props,
                            void *userdata)
{
    DbusPresenter *p = userdata;
    SbTopic t;
    const char *why = "invalid";
    int r = 0;

    (void) io;
    (void) props;
    if (!msg->topic || sb_topic_parse(msg->topic, strlen(msg->topic), &t) < 0 ||
        msg->payloadlen <= 0) {
        return; /* not ours, or a retained value being cleared */
    }
    if (t.kind == SB_TOPIC_NODE_STATE && t.state_kind == SB_KIND_CHASSIS) {
        r = handle_node_chassis(p, &t, msg->payload, (size_t) msg->payloadlen, &why);
    } else if (t.kind != SB_TOPIC_NODE_STATE) {
        r = handle_system_message(p, &t, msg->payload, (size_t) msg->payloadlen, &why);
    } else {
        return;
    }
    if (r == -ENOMEM) {
        log_error("dbus: out of memory topic='%s', ignoring", msg->topic);
    } else if (r < 0) {
        if (reject_limiter_allow(&p->rejects, now_mono_ms())) {
            uint64_t dropped = reject_limiter_take_suppressed(&p->rejects);
            log_warning("dbus: rejected message topic='%s' reason='%s' (suppressed before: %" PRIu64
                        ")",
                        msg->topic, why, dropped);
        }
        return;
    }
    emit_changes(p, 0);
}

static void on_mqtt_connect(MqttIo *io, void *userdata)
{
    DbusPresenter *p = userdata;

    log_info("dbus: connected broker=%s mqtt=%s", mqtt_io_broker_name(io),
             mqtt_io_protocol_name(io));
    for (size_t i = 0; i < SUBSCRIPTIONS; i++) {
        int r = mqtt_io_subscribe(io, p->filters[i], i == 0 ? 1 : 0, 0, NULL);
        if (r < 0) {
            log_warning_errno(r, "dbus: failed to subscribe filter='%s': %m", p->filters[i]);
        }
    }
    /* Not the broker's retained store (another cluster node's, RabbitMQ's wildcards): the
     * coordinator republishes its topics (topics/README.md "Sync"), after our SUBSCRIBEs. */
    (void) mqtt_io_publish(
            io, &(MqttPublish){ .topic = p->sync_topic, .payload = "{}", .len = 2, .qos = 1 },
            NULL);
    (void) daemon_notify_ready();
}

static void on_mqtt_disconnect(MqttIo *io, int reason, void *userdata)
{
    DbusPresenter *p = userdata;

    if (p->stopping) {
        (void) sd_event_exit(p->event, 0);
        return;
    }
    /* The names and last values stay (bmcweb keeps working); writes answer Unavailable. */
    log_warning("dbus: disconnected broker=%s reason='%s' (writes answer Unavailable)",
                mqtt_io_broker_name(io), mqtt_io_reason_string(reason));
}

static void on_mqtt_connect_failed(MqttIo *io, const char *reason, unsigned retry_ms, void *ud)
{
    (void) ud;
    mqtt_client_log_connect_failed("dbus", io, reason, retry_ms);
}

static void
on_mqtt_subscribe_refused(MqttIo *io, const char *filter, int reason, unsigned retry_ms, void *ud)
{
    (void) io;
    (void) ud;
    mqtt_client_log_subscribe_refused("dbus", filter, reason, retry_ms);
}

/* ---- buses ------------------------------------------------------------------------------ */

static int on_bus_disconnected(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
    BusGroup *g = userdata;

    (void) m;
    (void) error;
    /* Names and objects are gone with the connection; systemd restarts us (Restart=always). */
    log_error("dbus: lost the D-Bus connection of %s, exiting", g->what);
    return sd_event_exit(g->p->event, -ECONNRESET);
}

static int bus_open(const char *spec, sd_bus **ret)
{
    sd_bus *bus = NULL;
    int r;

    if (strcmp(spec, "system") == 0) {
        return sd_bus_open_system(ret);
    }
    if (strcmp(spec, "user") == 0) {
        return sd_bus_open_user(ret);
    }
    r = sd_bus_new(&bus);
    if (r >= 0) {
        r = sd_bus_set_address(bus, spec);
    }
    if (r >= 0) {
        r = sd_bus_set_bus_client(bus, 1);
    }
    if (r >= 0) {
        r = sd_bus_start(bus);
    }
    if (r < 0) {
        sd_bus_flush_close_unref(bus);
        return r;
    }
    *ret = bus;
    return 0;
}

static int group_add_vtable(BusGroup *g, const char *iface, const sd_bus_vtable *vt)
{
    return sd_bus_add_object_vtable(g->bus, &g->slots[g->n_slots++], g->path, iface, vt, g->p);
}

/* Objects and the ObjectManager first; names only later (emit_changes). */
static int group_open(DbusPresenter *p, DbusObject object)
{
    BusGroup *g = &p->groups[object];
    int r;

    g->p = p;
    g->object = object;
    r = bus_open(p->opts->bus, &g->bus);
    if (r < 0) {
        return log_error_errno(r, "dbus: failed to connect to the %s bus for %s: %m", p->opts->bus,
                               g->what);
    }
    r = sd_bus_attach_event(g->bus, p->event, SD_EVENT_PRIORITY_NORMAL);
    if (r >= 0) {
        r = sd_bus_match_signal(g->bus, &g->slots[g->n_slots++], "org.freedesktop.DBus.Local",
                                "/org/freedesktop/DBus/Local", "org.freedesktop.DBus.Local",
                                "Disconnected", on_bus_disconnected, g);
    }
    if (r >= 0) {
        r = sd_bus_add_object_manager(g->bus, &g->slots[g->n_slots++], DBUS_STATE_ROOT);
    }
    if (r >= 0) {
        switch (object) {
        case DBUS_OBJECT_HOST:
            r = group_add_vtable(g, DBUS_HOST_IFACE, host_vtable);
            if (r >= 0) {
                r = group_add_vtable(g, DBUS_BOOT_IFACE, boot_vtable);
            }
            if (r >= 0) {
                r = group_add_vtable(g, DBUS_OS_IFACE, os_vtable);
            }
            break;
        case DBUS_OBJECT_CHASSIS:
            r = group_add_vtable(g, DBUS_CHASSIS_IFACE, chassis_vtable);
            break;
        default:
            r = group_add_vtable(g, DBUS_HOST_IFACE, hypervisor_vtable);
            break;
        }
    }
    if (r < 0) {
        return log_error_errno(r, "dbus: failed to register %s: %m", g->path);
    }
    return 0;
}

static void group_close(BusGroup *g)
{
    for (size_t i = 0; i < g->n_names; i++) {
        g->name_slot[i] = sd_bus_slot_unref(g->name_slot[i]);
    }
    for (size_t i = 0; i < g->n_slots; i++) {
        g->slots[i] = sd_bus_slot_unref(g->slots[i]);
    }
    g->n_slots = 0;
    if (g->bus) {
        (void) sd_bus_detach_event(g->bus);
    }
    g->bus = sd_bus_flush_close_unref(g->bus);
}

/* ---- life cycle ------------------------------------------------------------------------- */

static int on_stop_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
    DbusPresenter *p = userdata;

    (void) s;
    (void) usec;
    log_warning("dbus: DISCONNECT not written within %u ms, exiting", STOP_WAIT_MS);
    return sd_event_exit(p->event, 0);
}

static int on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
    DbusPresenter *p = userdata;

    (void) s;
    if (p->stopping) {
        return sd_event_exit(p->event, 0);
    }
    p->stopping = true;
    log_notice("dbus: stopping signal=%s", strsignal((int) si->ssi_signo));
    (void) daemon_notify_stopping();
    if (mqtt_io_disconnect(p->io) < 0) {
        return sd_event_exit(p->event, 0);
    }
    (void) sd_event_source_set_time_relative(p->stop_timer, (uint64_t) STOP_WAIT_MS * 1000u);
    return sd_event_source_set_enabled(p->stop_timer, SD_EVENT_ONESHOT);
}

static int presenter_format_topics(DbusPresenter *p)
{
    const char *system = p->opts->system;
    int r;

    r = sb_filter_format(p->filters[0], sizeof(p->filters[0]), system, SB_FILTER_SYSTEM_ALL, 0);
    if (r >= 0) {
        r = sb_filter_format(p->sync_topic, sizeof(p->sync_topic), system, SB_FILTER_SYSTEM_SYNC,
                             0);
    }
    if (r >= 0) {
        /* Only the chassis of each node (its power_status): the rollups carry the rest. */
        r = snprintf(p->filters[1], sizeof(p->filters[1]), "statebus/%s/node/+/chassis", system);
        r = r < 0 || (size_t) r >= sizeof(p->filters[1]) ? -ENAMETOOLONG : 0;
    }
    for (int t = SB_TARGET_CHASSIS; r >= 0 && t <= SB_TARGET_HOST; t++) {
        SbTopic topic = { .kind = SB_TOPIC_SYSTEM_SET, .target = (SbTarget) t };

        (void) snprintf(topic.system, sizeof(topic.system), "%s", system);
        r = sb_topic_format(p->set_topic[t], sizeof(p->set_topic[t]), &topic);
    }
    return r < 0 ? log_error_errno(r, "dbus: failed to format topics system='%s': %m", system) : 0;
}

static int presenter_add_mqtt(DbusPresenter *p)
{
    const MqttClientOptions client = {
        .broker = &p->opts->broker,
        .mqtt_version = p->opts->mqtt_version,
        .client_id = p->opts->client_id,
        .auth = &p->opts->auth,
        .keepalive_s = p->opts->keepalive_s,
    };
    BrokerAddr first;
    const MqttIoConfig cfg = mqtt_client_config(&client, &first);
    const MqttIoCallbacks cb = {
        .on_connect = on_mqtt_connect,
        .on_disconnect = on_mqtt_disconnect,
        .on_message = on_mqtt_message,
        .on_connect_failed = on_mqtt_connect_failed,
        .on_subscribe_refused = on_mqtt_subscribe_refused,
    };
    int r = mqtt_io_new(p->event, &cfg, &cb, p, &p->io);

    return r < 0 ? log_error_errno(r, "dbus: failed to create MQTT client: %m") : 0;
}

static void presenter_setup_groups(DbusPresenter *p)
{
    size_t n = 0;

    p->groups[DBUS_OBJECT_HOST] = (BusGroup){
        .what = "host0",
        .path = DBUS_HOST_PATH,
        .names = { DBUS_HOST_NAME, DBUS_HOST0_NAME },
        .n_names = 2,
    };
    p->groups[DBUS_OBJECT_CHASSIS] = (BusGroup){
        .what = "chassis0",
        .path = DBUS_CHASSIS_PATH,
        .names = { DBUS_CHASSIS_NAME, DBUS_CHASSIS0_NAME },
        .n_names = 2,
    };
    p->groups[DBUS_OBJECT_HYPERVISOR] = (BusGroup){
        .what = "hypervisor0",
        .path = DBUS_HYPERVISOR_PATH,
        .names = { DBUS_HYPERVISOR_NAME },
        .n_names = 1,
    };
    for (int t = SB_TRANSITION_ON; t < SB_TRANSITION_COUNT; t++) {
        if (p->policy.allowed_host & (1u << t)) {
            p->allowed_host[n++] = dbus_transition_string(SB_TARGET_HOST, (SbTransition) t);
        }
    }
    p->allowed_host[n] = NULL;
}

int dbus_presenter_new(const DbusOptions *opts, DbusPresenter **ret)
{
    DbusPresenter *p = calloc(1, sizeof(*p));
    int r;

    if (!p) {
        return log_error_errno(-ENOMEM, "dbus: failed to allocate: %m");
    }
    p->opts = opts;
    dbus_model_init(&p->model);
    dbus_view_build(&p->model, &p->view);
    reject_limiter_init(&p->rejects);
    p->policy = (DbusWritePolicy){
        .refuse_when_not_ready = opts->when_not_ready == DBUS_WHEN_NOT_READY_REJECT,
        .allowed_host = opts->allowed_host,
    };
    presenter_setup_groups(p);
    r = presenter_format_topics(p);
    if (r >= 0) {
        r = sd_event_new(&p->event);
    }
    if (r >= 0) {
        r = daemon_setup(p->event, on_signal, p);
    }
    if (r >= 0) {
        r = sd_event_add_time_relative(p->event, &p->stop_timer, CLOCK_MONOTONIC, 0, 0,
                                       on_stop_timer, p);
    }
    if (r >= 0) {
        r = sd_event_source_set_enabled(p->stop_timer, SD_EVENT_OFF);
    }
    if (r < 0) {
        log_error_errno(r, "dbus: failed to set up the event loop: %m");
    }
    for (int o = 0; r >= 0 && o < DBUS_OBJECT_COUNT; o++) {
        if (o != DBUS_OBJECT_HYPERVISOR || opts->hypervisor) {
            r = group_open(p, (DbusObject) o);
        }
    }
    if (r >= 0) {
        r = presenter_add_mqtt(p);
    }
    if (r < 0) {
        (void) dbus_presenter_free(p);
        return r;
    }
    *ret = p;
    return 0;
}

DbusPresenter *dbus_presenter_free(DbusPresenter *p)
{
    if (!p) {
        return NULL;
    }
    p->io = mqtt_io_free(p->io);
    for (int o = 0; o < DBUS_OBJECT_COUNT; o++) {
        group_close(&p->groups[o]);
    }
    p->stop_timer = sd_event_source_disable_unref(p->stop_timer);
    p->event = sd_event_unref(p->event);
    dbus_model_done(&p->model);
    free(p);
    return NULL;
}

int dbus_presenter_run(DbusPresenter *p)
{
    int r;

    log_notice("dbus: started system='%s' broker=%s:%u bus=%s when_not_ready=%s hypervisor=%s",
               p->opts->system, p->opts->broker.host, p->opts->broker.port, p->opts->bus,
               p->policy.refuse_when_not_ready ? "reject" : "queue",
               p->opts->hypervisor ? "yes" : "no");
    r = mqtt_io_start(p->io);
    if (r < 0) {
        return log_error_errno(r, "dbus: failed to start MQTT client: %m");
    }
    r = sd_event_loop(p->event);
    if (r < 0) {
        return log_error_errno(r, "dbus: stopped: %m");
    }
    log_notice("dbus: stopped");
    return 0;
}
