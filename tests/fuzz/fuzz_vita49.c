/* VITA-49 datagrams (io/vita49.h): whatever the bytes, the parser stays inside them, and an
 * accepted packet re-encodes to a packet of the same fields and samples. SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>

#include "fuzz.h"
#include "io/vita49.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    triad_vita49_packet pkt;
    const triad_vita49_status st = triad_vita49_parse(data, size, &pkt);
    FUZZ_CHECK(st >= TRIAD_VITA49_OK && st < TRIAD_VITA49_NSTATUS);
    FUZZ_CHECK(triad_vita49_status_name(st) != NULL);
    if (st != TRIAD_VITA49_OK)
        return 0;
    const size_t hdr = triad_vita49_header_words(pkt.has_utc) * 4;
    FUZZ_CHECK(pkt.payload == data + hdr);
    FUZZ_CHECK(hdr + pkt.num_samples * 4 == size);
    FUZZ_CHECK(pkt.num_samples > 0);
    FUZZ_CHECK(pkt.sample_index + pkt.num_samples <= TRIAD_VITA49_INDEX_LIMIT);
    /* the payload, host order, then encoded again: the datagram comes back */
    int16_t *iq = malloc(pkt.num_samples * 4);
    uint8_t *again = malloc(size);
    FUZZ_CHECK(iq && again);
    for (size_t j = 0; j < pkt.num_samples; j++) {
        const uint8_t *p = pkt.payload + 4 * j;
        iq[2 * j] = (int16_t)(uint16_t)(p[0] << 8 | p[1]);
        iq[2 * j + 1] = (int16_t)(uint16_t)(p[2] << 8 | p[3]);
    }
    /* bits the parser ignores (reserved, indicators) need not come back: the fields do */
    const size_t n = triad_vita49_encode(again, size, &pkt, iq, 1);
    triad_vita49_packet back;
    FUZZ_CHECK(n == size && triad_vita49_parse(again, n, &back) == TRIAD_VITA49_OK);
    FUZZ_CHECK(back.stream_id == pkt.stream_id && back.packet_count == pkt.packet_count &&
               back.has_utc == pkt.has_utc && (!pkt.has_utc || back.utc_s == pkt.utc_s) &&
               back.sample_index == pkt.sample_index && back.num_samples == pkt.num_samples &&
               memcmp(back.payload, pkt.payload, 4 * pkt.num_samples) == 0);
    uint8_t *le = malloc(pkt.num_samples * 4);
    FUZZ_CHECK(le);
    triad_vita49_payload_to_le(le, pkt.payload, pkt.num_samples);
    free(le);
    free(again);
    free(iq);
    return 0;
}
