/* SPDX-License-Identifier: Apache-2.0 */
/*
 * <root>/system/summary for Grafana: one flat object of numbers. Grafana's MQTT data source
 * splits only top-level keys and drops a key whose type changes, so every key is always written
 * and always a number (booleans as 0/1).
 */
#include <errno.h>

#include "statebus/payload.h"

#include "json-util.h"

/* Summary keys per state kind: "boot_progress", not the topic's "boot-progress", so the key is
 * a plain identifier in Grafana and PromQL-style tools. */
static const char *const code_keys[] = {
    [SB_KIND_BMC] = "bmc",
    [SB_KIND_CHASSIS] = "chassis",
    [SB_KIND_HOST] = "host",
    [SB_KIND_BOOT_PROGRESS] = "boot_progress",
    [SB_KIND_HYPERVISOR] = "hypervisor",
};
static const char *const mixed_keys[] = {
    [SB_KIND_BMC] = "mixed_bmc",
    [SB_KIND_CHASSIS] = "mixed_chassis",
    [SB_KIND_HOST] = "mixed_host",
    [SB_KIND_BOOT_PROGRESS] = "mixed_boot_progress",
    [SB_KIND_HYPERVISOR] = "mixed_hypervisor",
};
_Static_assert(sizeof(code_keys) / sizeof(code_keys[0]) == SB_KIND_COUNT, "code keys");
_Static_assert(sizeof(mixed_keys) / sizeof(mixed_keys[0]) == SB_KIND_COUNT, "mixed keys");

int sb_summary_encode(const SbSummaryMsg *m, char *buf, size_t size)
{
    SbJsonBuilder b;

    if (!m) {
        return -EINVAL;
    }
    sb_jb_init(&b);
    if ((m->mixed >> SB_KIND_COUNT) != 0 || (m->gate_open != 0 && m->gate_open != 1)) {
        sb_jb_fail(&b, -EINVAL);
    }
    sb_jb_uint(&b, NULL, "time", m->time_ms);
    for (int k = 0; k < SB_KIND_COUNT; k++) {
        int code = m->codes[k];

        if (code < 0 || code >= sb_enum_count(sb_state_kind_enum((SbStateKind) k))) {
            sb_jb_fail(&b, -EINVAL);
            break;
        }
        sb_jb_uint(&b, NULL, code_keys[k], (uint64_t) code);
    }
    sb_jb_uint(&b, NULL, "nodes_expected", m->nodes_expected);
    sb_jb_uint(&b, NULL, "nodes_online", m->nodes_online);
    sb_jb_uint(&b, NULL, "nodes_ready", m->nodes_ready);
    sb_jb_uint(&b, NULL, "nodes_stale", m->nodes_stale);
    sb_jb_uint(&b, NULL, "requests_pending", m->requests_pending);
    sb_jb_uint(&b, NULL, "requests_active", m->requests_active);
    sb_jb_uint(&b, NULL, "gate_open", m->gate_open == 1);
    for (int k = 0; k < SB_KIND_COUNT; k++) {
        sb_jb_uint(&b, NULL, mixed_keys[k], (m->mixed >> k) & 1U);
    }
    sb_jb_uint(&b, NULL, "rejected_total", m->rejected_total);
    return sb_jb_finish(&b, buf, size);
}
