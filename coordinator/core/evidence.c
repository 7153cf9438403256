/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Current evidence for gated decisions (topics/README.md "The gate", issue #13). Three rules:
 *
 * - The backlog: an event fed with .backlog (more input already waits in the socket) is applied
 *   but decides nothing; the requests it carries are held, in order, and submitted at the next
 *   decision point (a step without .backlog). A node's Will read behind a BMC Ready in the same
 *   backlog is applied before the gate is judged.
 * - The probe: a gated dispatch goes out only after a probe the coordinator published to itself
 *   came back with the gate open all along (no node left Ready since the probe was sent). The
 *   broker delivers the probe behind every node message it had routed to us before it, so the
 *   release is judged on everything the broker knew one round trip ago, however long a stall or
 *   a broker queue held those messages back.
 * - The stall: a timer served more than a second late means our own loop stood still. Every node
 *   is unverified, a probe and then a rebirth go out, and no node verifies before the probe is
 *   back: what arrives before it may be as old as the stall, what arrives after was sent after it.
 *   A stall too short for a timer to come due shows in the heartbeats: one that arrives more than
 *   a second later than its node's clock (corrected by the node's offset estimate) says it was
 *   sent waited that long, in our socket, the broker or its link; that node is held the same way.
 */
#include <string.h>

#include "coord-internal.h"

#define EVIDENCE_STALL_MS       1000u /* a timer this late: our own loop stalled */
#define EVIDENCE_PROBE_RETRY_MS 1000u /* a probe not back by then is sent again (lost, dropped) */

/* A new probe replaces any awaited one; it ends the re-verification when that is under way. */
static void send_probe(Coord *c)
{
    Evidence *e = &c->evidence;
    CoordAction *a = coord_action_add(c, COORD_ACT_PUBLISH_PROBE);

    e->outstanding = ++e->probe_counter;
    e->outstanding_reverify = e->reverifying;
    e->sent_ms = c->now_ms;
    e->sent_gen = c->unready_gen;
    if (a) {
        a->probe = e->outstanding;
    }
}

void evidence_on_armed(Coord *c, uint64_t at_ms)
{
    c->evidence.timer_due_ms = at_ms == 0 ? 0 : at_ms > c->now_ms ? at_ms : c->now_ms;
}

void evidence_check_stall(Coord *c)
{
    Evidence *e = &c->evidence;

    if (e->timer_due_ms == 0 || c->now_ms <= e->timer_due_ms + EVIDENCE_STALL_MS) {
        return;
    }
    /* Judged once per stall: the next check is against the time of this step. */
    e->timer_due_ms = c->now_ms;
    e->stalls++;
    if (!c->connected) {
        return;
    }
    e->reverifying = true;
    e->fresh = false;
    node_table_unverify_all(c);
    /* Rollups are held back as after a connect: the view is being rebuilt, not changing. */
    c->in_window = true;
    c->window_end_ms = c->now_ms + c->cfg.rebirth_window_ms;
    /* Probe first: the rebirth answers it causes reach the broker after it. */
    send_probe(c);
    (void) coord_action_add(c, COORD_ACT_PUBLISH_REBIRTH);
}

bool evidence_hold_request(Coord *c, const CoordEvent *ev)
{
    Evidence *e = &c->evidence;

    if (e->n_held >= EVIDENCE_HELD_MAX) {
        return false;
    }
    e->held[e->n_held++] = *ev;
    return true;
}

const CoordEvent *evidence_take_held(Coord *c, size_t *ret_n)
{
    Evidence *e = &c->evidence;

    *ret_n = e->n_held;
    e->n_held = 0;
    return e->held;
}

bool evidence_may_verify(const Coord *c, uint32_t node)
{
    uint64_t after = c->nodes[node].verify_after;

    return !c->evidence.reverifying && (after == 0 || c->evidence.echoed >= after);
}

void evidence_on_late(Coord *c, uint32_t node, uint64_t late_ms)
{
    Node *nd = &c->nodes[node];

    if (!c->connected || late_ms <= EVIDENCE_STALL_MS ||
        (nd->verify_after != 0 && c->evidence.echoed < nd->verify_after)) {
        return; /* on time, or already held: one probe per hold */
    }
    send_probe(c);
    nd->verify_after = c->evidence.outstanding;
    node_table_unverify(c, node);
}

bool evidence_allows_release(Coord *c)
{
    Evidence *e = &c->evidence;

    if (e->fresh && e->fresh_gen == c->unready_gen) {
        return true;
    }
    e->fresh = false;
    if (e->outstanding == 0 || e->sent_gen != c->unready_gen) {
        send_probe(c);
    }
    return false;
}

void evidence_consume(Coord *c)
{
    c->evidence.fresh = false;
}

void evidence_on_probe(Coord *c, uint64_t token)
{
    Evidence *e = &c->evidence;

    if (token == 0 || token > e->probe_counter) {
        return; /* not one of ours */
    }
    /* Everything the broker routed to us before that probe has been applied: nodes held for
     * late evidence up to it may verify again. */
    if (token > e->echoed) {
        e->echoed = token;
    }
    if (token != e->outstanding) {
        return; /* an older probe: no evidence for a release now */
    }
    e->outstanding = 0;
    if (e->outstanding_reverify) {
        /* Everything from before the stall is applied: from now on a live message is new. */
        e->outstanding_reverify = false;
        e->reverifying = false;
    }
    if (e->sent_gen == c->unready_gen) {
        e->fresh = true;
        e->fresh_gen = c->unready_gen;
    }
}

void evidence_on_connection(Coord *c)
{
    Evidence *e = &c->evidence;

    /* A probe of the old connection may never come back; a new connection re-verifies every
     * node by its own rebirth. */
    e->outstanding = 0;
    e->outstanding_reverify = false;
    e->reverifying = false;
    e->fresh = false;
    /* Probe numbers go on counting: a hold of a node waits for one sent after it. */
    e->echoed = e->probe_counter;
}

uint64_t evidence_next_deadline(const Coord *c)
{
    const Evidence *e = &c->evidence;

    return e->outstanding != 0 && c->connected ? e->sent_ms + EVIDENCE_PROBE_RETRY_MS : 0;
}

/* A probe not back within the retry time is sent again (the broker may drop QoS 0 messages). */
void evidence_run(Coord *c)
{
    Evidence *e = &c->evidence;

    if (e->outstanding != 0 && c->connected && c->now_ms >= e->sent_ms + EVIDENCE_PROBE_RETRY_MS) {
        send_probe(c);
    }
}
