/* Keys for the sharing targets: fixed seeds, so the seed corpus (signed by these keys, see
 * make_seeds.c) verifies and the fuzzer works from valid signatures outward.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TRIAD_FUZZ_SHARE_H
#define TRIAD_FUZZ_SHARE_H

#include <sodium.h>
#include <string.h>

#include "share/envelope.h"

/* Node "A" (an origin) and "C" (the hub). */
static inline void fuzz_share_key(char who, uint8_t pk[32], uint8_t sk[64])
{
    uint8_t seed[crypto_sign_SEEDBYTES];
    memset(seed, who, sizeof seed);
    crypto_sign_seed_keypair(pk, sk, seed);
}

static inline triad_share_trust *fuzz_share_trust(void)
{
    static triad_share_trust *t;
    if (!t) {
        if (sodium_init() < 0)
            abort();
        uint8_t pk[32], sk[64];
        if (triad_share_trust_create(&t))
            abort();
        fuzz_share_key('A', pk, sk);
        triad_share_trust_add(t, "A", pk);
        fuzz_share_key('C', pk, sk);
        triad_share_trust_add(t, "C", pk);
    }
    return t;
}

#endif
