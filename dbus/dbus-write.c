/* SPDX-License-Identifier: Apache-2.0 */
#include "dbus-write.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "dbus-values.h"

/* Texts from phosphor-dbus-interfaces (State/Host.errors.yaml, State/Chassis.errors.yaml,
 * Common.errors.yaml, sdbusplus' InvalidEnumString): obmcutil prints the message. */
#define TEXT_HOST_NOT_READY    "The BMC is not in a Ready state, no host operations allowed"
#define TEXT_CHASSIS_NOT_READY "The BMC is not in a Ready state, no power operations allowed"
#define TEXT_UNAVAILABLE       "The service is temporarily unavailable."
#define TEXT_NOT_ALLOWED       "The operation is not allowed."
#define TEXT_INVALID_ENUM \
    "An enumeration mapping was attempted for which no valid enumeration value exists."

uint32_t dbus_write_all_host_transitions(void)
{
    uint32_t mask = 0;

    for (int t = SB_TRANSITION_ON; t < SB_TRANSITION_COUNT; t++) {
        if (sb_transition_valid_for(SB_TARGET_HOST, (SbTransition) t)) {
            mask |= 1u << t;
        }
    }
    return mask;
}

int dbus_write_parse_host_mask(const char *list, uint32_t *ret)
{
    uint32_t mask = 0;
    const char *p = list;

    if (!list || !*list) {
        return -EINVAL;
    }
    while (*p) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t) (end - p) : strlen(p);
        int t = sb_enum_from_string(SB_ENUM_TRANSITION, p, len);

        if (t < 0 || !sb_transition_valid_for(SB_TARGET_HOST, (SbTransition) t)) {
            return -EINVAL;
        }
        mask |= 1u << t;
        p += len;
        if (*p == ',') {
            p++;
            if (!*p) {
                return -EINVAL;
            }
        }
    }
    *ret = mask;
    return 0;
}

static void format_nodes(char *buf, size_t size, const DbusModel *m)
{
    size_t used = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < m->n_waiting_for && used < size; i++) {
        int n = snprintf(buf + used, size - used, "%s%u", i ? "," : "",
                         (unsigned) m->waiting_for[i]);
        if (n < 0) {
            return;
        }
        used += (size_t) n;
    }
    if (m->not_ready > m->n_waiting_for && used < size) {
        (void) snprintf(buf + used, size - used, " and %u more",
                        (unsigned) (m->not_ready - m->n_waiting_for));
    }
}

/* The gate as last published: system/requests when there is one, else the BMC rollup (Ready
 * exactly when the gate is open). */
static bool gate_is_open(const DbusModel *m)
{
    if (m->has_requests) {
        return m->gate_open;
    }
    return m->state[SB_KIND_BMC] == SB_BMC_READY;
}

void dbus_write_decide(const DbusModel *m,
                       const DbusWritePolicy *p,
                       bool connected,
                       SbTarget target,
                       const char *value,
                       DbusWriteAnswer *ret)
{
    int t = dbus_transition_parse(target, value);
    char nodes[160];

    *ret = (DbusWriteAnswer){ .verdict = DBUS_WRITE_ACCEPT };
    if (t < 0) {
        ret->verdict = DBUS_WRITE_INVALID;
        ret->error_name = DBUS_ERROR_INVALID_ENUM;
        (void) snprintf(ret->message, sizeof(ret->message), "%s", TEXT_INVALID_ENUM);
        return;
    }
    ret->transition = (SbTransition) t;
    if (target == SB_TARGET_HOST && !(p->allowed_host & (1u << t))) {
        ret->verdict = DBUS_WRITE_NOT_ALLOWED;
        ret->error_name = DBUS_ERROR_NOT_ALLOWED;
        (void) snprintf(ret->message, sizeof(ret->message),
                        "%s %s is not in AllowedHostTransitions.", TEXT_NOT_ALLOWED,
                        sb_enum_to_string(SB_ENUM_TRANSITION, t));
        return;
    }
    if (!connected || m->coordinator != SB_STATUS_ONLINE) {
        ret->verdict = DBUS_WRITE_UNAVAILABLE;
        ret->error_name = DBUS_ERROR_UNAVAILABLE;
        (void) snprintf(ret->message, sizeof(ret->message), "%s %s", TEXT_UNAVAILABLE,
                        !connected ? "statebus-dbus is not connected to the MQTT broker."
                                   : "The statebus coordinator is not online.");
        return;
    }
    if (p->refuse_when_not_ready && sb_transition_is_gated(target, (SbTransition) t) &&
        !gate_is_open(m)) {
        ret->verdict = DBUS_WRITE_NOT_READY;
        ret->error_name =
                target == SB_TARGET_HOST ? DBUS_ERROR_HOST_NOT_READY : DBUS_ERROR_CHASSIS_NOT_READY;
        format_nodes(nodes, sizeof(nodes), m);
        (void) snprintf(ret->message, sizeof(ret->message), "%s%s%s%s",
                        target == SB_TARGET_HOST ? TEXT_HOST_NOT_READY : TEXT_CHASSIS_NOT_READY,
                        nodes[0] ? " (nodes not Ready: " : "", nodes, nodes[0] ? ")" : "");
    }
}

int dbus_write_command(SbTarget target,
                       SbTransition transition,
                       const char *id,
                       const char *sender,
                       long uid,
                       SbCommand *ret)
{
    const char *prop =
            target == SB_TARGET_HOST ? "RequestedHostTransition" : "RequestedPowerTransition";
    char uid_text[32] = "";
    int n;

    if (!sb_transition_valid_for(target, transition) || !id || strlen(id) > SB_ID_MAX || !sender) {
        return -EINVAL;
    }
    *ret = (SbCommand){ .transition = transition };
    (void) snprintf(ret->id, sizeof(ret->id), "%s", id);
    if (uid >= 0) {
        (void) snprintf(uid_text, sizeof(uid_text), " uid %ld", uid);
    }
    n = snprintf(ret->reason, sizeof(ret->reason), "D-Bus %s by %.128s%s", prop, sender, uid_text);
    return n < 0 ? -EINVAL : 0;
}
