/* A signed envelope as text (one line of the store's JSON Lines: share/store.h) decoded and
 * verified against a trust store (share/envelope.h), at the envelope's own time so that the
 * signature checks are reached. A refusal is one of the named reasons.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "fuzz_share.h"
#include "share/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    triad_share_trust *trust = fuzz_share_trust();
    char *line = malloc(size + 1);
    FUZZ_CHECK(line);
    memcpy(line, data, size);
    line[size] = '\0';
    static triad_share_envelope e;
    const char *why = NULL;
    triad__share_store_line_parse(line, &e, &why);
    free(line);
    if (why)
        return 0;
    for (int pass = 0; pass < 2; pass++) {
        triad_share_verifier_cfg c = triad_share_verifier_cfg_default();
        c.require_hub = pass == 1;
        triad_share_verifier *v = NULL;
        FUZZ_CHECK(triad_share_verifier_create(&v, &c, trust) == 0);
        const int64_t now = e.has_hub_sig ? e.hub_time_ns : e.time_ns;
        const int err = triad_share_verify(v, &e, now);
        FUZZ_CHECK(err == 0 || triad_share_strerror(err) != NULL);
        FUZZ_CHECK_REFUSAL(err);
        if (!err) /* the same again is a replay */
            FUZZ_CHECK(triad_share_verify(v, &e, now) != 0);
        triad_share_verifier_destroy(v);
    }
    return 0;
}
