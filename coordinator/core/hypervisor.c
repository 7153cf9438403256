/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The system's one hypervisor (topics/README.md "Hypervisor"): the node whose agent runs with
 * --hypervisor says so with "hypervisor": true on its host state; system/hypervisor (Host
 * states) is derived from that node's host state and boot progress as PSM's hypervisor state
 * manager derives hypervisor0 from BootProgress (phosphor-state-manager
 * hypervisor_state_manager.cpp, updateCurrentHostState): SystemInitComplete -> Standby,
 * OSRunning -> Running, anything else (Unspecified included) -> Off. PSM runs on the node itself
 * and cannot see its host halted; the coordinator can, so a Quiesced or DiagnosticMode host
 * shows through (the hypervisor cannot be running on it), and a host that is Off is Off.
 *
 * Two nodes claiming it: the lower number wins (a stable choice that does not depend on message
 * order) and a "rejected" event names the other. No claimant: not published at all; when the last
 * claimant withdraws, Unknown is published once so nobody keeps reading a stale Running.
 * Claims cost O(claimants) (one or two), never O(nodes).
 */
#include <inttypes.h>
#include <stdio.h>

#include "coord-internal.h"

int hypervisor_init(Coord *c)
{
    return node_links_init(&c->hv.links, c->cfg.nodes);
}

void hypervisor_done(Coord *c)
{
    node_links_done(&c->hv.links);
}

bool hypervisor_is_published(const Coord *c)
{
    return c->hv.node != 0 || c->hv.published;
}

static uint32_t lowest_claimant(const Coord *c)
{
    uint32_t best = 0;

    for (uint32_t n = c->hv.claims.head; n; n = node_list_next(&c->hv.links, n)) {
        if (best == 0 || n < best) {
            best = n;
        }
    }
    return best;
}

static void reject_second_claim(Coord *c, uint32_t winner, uint32_t loser)
{
    char why[SB_WHY_MAX + 1];
    SbEvent *e;

    (void) snprintf(why, sizeof(why),
                    "node %" PRIu32 " also claims the hypervisor; node %" PRIu32
                    " (the lower number) is the one shown on system/hypervisor",
                    loser, winner);
    e = coord_event_add(c, SB_EVENT_REJECTED, NULL, why, NO_NODES);
    c->rejected_total++;
    if (e) {
        e->node = loser;
    }
}

bool hypervisor_on_host(Coord *c, uint32_t node, bool claims)
{
    Hypervisor *hv = &c->hv;
    Node *nd = &c->nodes[node];
    uint32_t before = hv->node;

    if (claims && !nd->hv_claim) {
        nd->hv_claim = true;
        node_list_push(&hv->claims, &hv->links, node);
        hv->node = lowest_claimant(c);
        if (hv->claims.count > 1) {
            reject_second_claim(c, hv->node, node == hv->node ? before : node);
        }
    } else if (!claims && nd->hv_claim) {
        nd->hv_claim = false;
        node_list_remove(&hv->claims, &hv->links, node);
        hv->node = lowest_claimant(c);
    }
    return hv->node != before || hypervisor_follows(c, node);
}

bool hypervisor_follows(const Coord *c, uint32_t node)
{
    return node != 0 && node == c->hv.node;
}

/* PSM's table (hypervisor_state_manager.cpp), from the boot progress. */
static int from_boot_progress(int boot)
{
    switch (boot) {
    case SB_BOOT_UNKNOWN:
        return SB_HOST_UNKNOWN; /* never heard: claiming Off would be a guess */
    case SB_BOOT_SYSTEM_INIT_COMPLETE:
        return SB_HOST_STANDBY;
    case SB_BOOT_OS_RUNNING:
        return SB_HOST_RUNNING;
    default:
        return SB_HOST_OFF;
    }
}

int hypervisor_state(const Coord *c)
{
    const Node *nd;
    int host;

    if (c->hv.node == 0) {
        return SB_HOST_UNKNOWN;
    }
    nd = &c->nodes[c->hv.node];
    host = nd->kinds[SB_KIND_HOST].value;
    switch (host) {
    case SB_HOST_QUIESCED:
    case SB_HOST_DIAGNOSTIC_MODE:
        return host;
    case SB_HOST_OFF:
        return SB_HOST_OFF;
    default:
        return from_boot_progress(nd->kinds[SB_KIND_BOOT_PROGRESS].value);
    }
}
