/* Canonical message bytes as they come on the wire (share/message.h): the decoder is strict,
 * so whatever it takes must re-encode to exactly the same bytes and hash as they do.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>

#include "fuzz.h"
#include "share/message.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    static triad_share_msg m, m2;
    static uint8_t again[TRIAD_SHARE_PAYLOAD_MAX];
    int err = triad_share_msg_decode(data, size, &m);
    FUZZ_CHECK_REFUSAL(err);
    if (err)
        return 0;
    size_t len = 0;
    FUZZ_CHECK(triad_share_msg_encode(&m, again, sizeof again, &len) == 0);
    FUZZ_CHECK(len == size && memcmp(again, data, size) == 0);
    FUZZ_CHECK(triad_share_msg_decode(again, len, &m2) == 0 && m2.num_fields == m.num_fields);
    uint8_t d[32];
    FUZZ_CHECK(triad_share_msg_digest(&m, d) == 0);
    return 0;
}
