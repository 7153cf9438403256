/* SPDX-License-Identifier: Apache-2.0 */
/* State objects: what an agent publishes on <root>/node/<n>/<bmc|chassis|host|boot-progress>. */
#include <errno.h>

#include "statebus/payload.h"

#include "json-util.h"

static void encode_per_kind(SbJsonBuilder *b, const SbStateMsg *m)
{
    switch (m->kind) {
    case SB_KIND_BMC:
        if (m->last_reboot_cause != 0) {
            sb_jb_enum(b, NULL, "last_reboot_cause", SB_ENUM_BMC_REBOOT_CAUSE, m->last_reboot_cause,
                       false);
        }
        break;
    case SB_KIND_CHASSIS:
        if (m->power_status != 0) {
            sb_jb_enum(b, NULL, "power_status", SB_ENUM_POWER_STATUS, m->power_status, false);
        }
        if (m->has_ac_loss) {
            sb_jb_bool(b, NULL, "ac_loss", m->ac_loss);
        }
        if (m->bmc_boot_ms != 0) {
            sb_jb_uint(b, NULL, "bmc_boot", m->bmc_boot_ms);
        }
        break;
    case SB_KIND_HOST:
        if (m->restart_cause != 0) {
            sb_jb_enum(b, NULL, "restart_cause", SB_ENUM_RESTART_CAUSE, m->restart_cause, false);
        }
        /* Only the node that runs the hypervisor says so; "false" would be noise on every other
         * node's retained host topic. */
        if (m->hypervisor) {
            sb_jb_bool(b, NULL, "hypervisor", true);
        }
        break;
    case SB_KIND_BOOT_PROGRESS:
        if (m->last_update_ms != 0) {
            sb_jb_uint(b, NULL, "last_update", m->last_update_ms);
        }
        break;
    case SB_KIND_HYPERVISOR: /* not a node kind; refused by the caller */
    case SB_KIND_COUNT:
        sb_jb_fail(b, -EINVAL);
        break;
    }
}

int sb_state_encode(const SbStateMsg *m, char *buf, size_t size)
{
    SbJsonBuilder b;

    if (!m || (int) m->kind < 0 || m->kind >= SB_KIND_NODE_COUNT) {
        return -EINVAL;
    }
    sb_jb_init(&b);
    if (m->node < 1 || m->node > SB_NODES_MAX) {
        sb_jb_fail(&b, -EINVAL);
    }
    sb_jb_uint(&b, NULL, "node", m->node);
    sb_jb_enum(&b, NULL, "state", sb_state_kind_enum(m->kind), m->state, false);
    sb_jb_uint(&b, NULL, "code", (uint64_t) m->state); /* m->state >= 1, checked just above */
    sb_jb_uint(&b, NULL, "since", m->since_ms);
    sb_jb_uint(&b, NULL, "epoch", m->epoch);
    sb_jb_uint(&b, NULL, "seq", m->seq);
    if (m->request[0] != '\0') {
        sb_jb_id(&b, NULL, "request", m->request);
    }
    encode_per_kind(&b, m);
    return sb_jb_finish(&b, buf, size);
}

/* The optional per-kind fields; those of other kinds are unknown fields and ignored. */
static int decode_per_kind(const cJSON *root, SbStateMsg *m, const char **reterr_why)
{
    int r = 0;

    switch (m->kind) {
    case SB_KIND_BMC:
        r = sb_json_get_enum(root, SB_FIELD("last_reboot_cause"), SB_JSON_OPTIONAL,
                             SB_JSON_ENUM(SB_ENUM_BMC_REBOOT_CAUSE), &m->last_reboot_cause,
                             reterr_why);
        break;
    case SB_KIND_CHASSIS:
        r = sb_json_get_enum(root, SB_FIELD("power_status"), SB_JSON_OPTIONAL,
                             SB_JSON_ENUM(SB_ENUM_POWER_STATUS), &m->power_status, reterr_why);
        if (r >= 0) {
            r = sb_json_get_bool(root, SB_FIELD("ac_loss"), SB_JSON_OPTIONAL, &m->ac_loss,
                                 reterr_why);
            m->has_ac_loss = r > 0;
        }
        if (r >= 0) {
            r = sb_json_get_uint(root, SB_FIELD("bmc_boot"), SB_JSON_OPTIONAL, SB_JSON_UINT_ANY,
                                 &m->bmc_boot_ms, reterr_why);
        }
        break;
    case SB_KIND_HOST:
        r = sb_json_get_enum(root, SB_FIELD("restart_cause"), SB_JSON_OPTIONAL,
                             SB_JSON_ENUM(SB_ENUM_RESTART_CAUSE), &m->restart_cause, reterr_why);
        if (r >= 0) {
            r = sb_json_get_bool(root, SB_FIELD("hypervisor"), SB_JSON_OPTIONAL, &m->hypervisor,
                                 reterr_why);
        }
        break;
    case SB_KIND_BOOT_PROGRESS:
        r = sb_json_get_uint(root, SB_FIELD("last_update"), SB_JSON_OPTIONAL, SB_JSON_UINT_ANY,
                             &m->last_update_ms, reterr_why);
        break;
    case SB_KIND_HYPERVISOR:
    case SB_KIND_COUNT:
        r = -EINVAL;
        break;
    }
    return r < 0 ? r : 0;
}

int sb_state_decode(const void *payload,
                    size_t len,
                    SbStateKind kind,
                    SbStateMsg *ret,
                    const char **reterr_why)
{
    SB_JSON_CLEANUP cJSON *root = NULL;
    SbStateMsg m = { .kind = kind };
    uint64_t code = 0;
    int r;

    if ((int) kind < 0 || kind >= SB_KIND_NODE_COUNT || !ret) {
        if (reterr_why) {
            *reterr_why = "not a node state kind";
        }
        return -EINVAL;
    }
    r = sb_json_parse_object(payload, len, &root, reterr_why);
    if (r < 0) {
        return r;
    }
    if ((r = sb_json_get_version(root, SB_JSON_REQUIRED, reterr_why)) < 0 ||
        (r = sb_json_get_u32(root, SB_FIELD("node"), SB_JSON_REQUIRED,
                             SB_JSON_RANGE(1, SB_NODES_MAX), &m.node, reterr_why)) < 0 ||
        (r = sb_json_get_enum(root, SB_FIELD("state"), SB_JSON_REQUIRED,
                              SB_JSON_ENUM(sb_state_kind_enum(kind)), &m.state, reterr_why)) < 0 ||
        (r = sb_json_get_uint(root, SB_FIELD("code"), SB_JSON_OPTIONAL, SB_JSON_UINT_ANY, &code,
                              reterr_why)) < 0) {
        return r;
    }
    if (r > 0 && code != (uint64_t) m.state) {
        if (reterr_why) {
            *reterr_why = "'code' does not match 'state'";
        }
        return -EBADMSG;
    }
    if ((r = sb_json_get_uint(root, SB_FIELD("since"), SB_JSON_REQUIRED, SB_JSON_UINT_ANY,
                              &m.since_ms, reterr_why)) < 0 ||
        (r = sb_json_get_uint(root, SB_FIELD("epoch"), SB_JSON_REQUIRED, SB_JSON_UINT_ANY, &m.epoch,
                              reterr_why)) < 0 ||
        (r = sb_json_get_uint(root, SB_FIELD("seq"), SB_JSON_REQUIRED, SB_JSON_UINT_ANY, &m.seq,
                              reterr_why)) < 0 ||
        (r = sb_json_get_id(root, SB_FIELD("request"), SB_JSON_OPTIONAL, m.request, reterr_why)) <
                0 ||
        (r = decode_per_kind(root, &m, reterr_why)) < 0) {
        return r;
    }
    *ret = m;
    return 0;
}
