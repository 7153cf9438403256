/* SPDX-License-Identifier: Apache-2.0 */
#include "reject-limiter.h"

#define TOKEN 1000u

void reject_limiter_init(RejectLimiter *l)
{
    *l = (RejectLimiter){ .tokens_milli = (uint64_t) REJECT_LIMITER_BURST * TOKEN };
}

static void reject_limiter_refill(RejectLimiter *l, uint64_t now_mono_ms)
{
    uint64_t elapsed_ms, cap = (uint64_t) REJECT_LIMITER_BURST * TOKEN;

    if (!l->started) {
        l->started = true;
        l->last_mono_ms = now_mono_ms;
        return;
    }
    if (now_mono_ms <= l->last_mono_ms) {
        return;
    }
    elapsed_ms = now_mono_ms - l->last_mono_ms;
    l->last_mono_ms = now_mono_ms;
    /* RATE tokens per 1000 ms = RATE milli-tokens per ms; cap first so the product cannot wrap. */
    if (elapsed_ms >= (uint64_t) 1000u * REJECT_LIMITER_BURST) {
        l->tokens_milli = cap;
        return;
    }
    l->tokens_milli += elapsed_ms * REJECT_LIMITER_RATE_PER_S;
    if (l->tokens_milli > cap) {
        l->tokens_milli = cap;
    }
}

bool reject_limiter_allow(RejectLimiter *l, uint64_t now_mono_ms)
{
    reject_limiter_refill(l, now_mono_ms);
    if (l->tokens_milli >= TOKEN) {
        l->tokens_milli -= TOKEN;
        return true;
    }
    l->suppressed++;
    return false;
}

uint64_t reject_limiter_take_suppressed(RejectLimiter *l)
{
    uint64_t n = l->suppressed;

    l->suppressed = 0;
    return n;
}
