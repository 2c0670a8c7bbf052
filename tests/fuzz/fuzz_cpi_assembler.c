/* CPI assembly over a sequence of datagrams (io/cpi_assembler.h). Input: 4 bytes of geometry
 * (N-1, P-1, C-1 small; reorder window, timeout and jump limits from the 4th), then records
 * of [u16 big-endian length][datagram], each arriving 1 ms after the one before (a record's
 * length with the top bit set also lets 0.5 s pass first: the timeout rule).
 * Properties: CPIs come in increasing order (but for a detected restart of the sender), never
 * more missing samples than the CPI holds,
 * and the counters add up. SPDX-License-Identifier: GPL-2.0-or-later */
#include <math.h>
#include <string.h>

#include "fuzz.h"
#include "io/cpi_assembler.h"

typedef struct {
    const triad_cpi_asm *a;
    uint64_t last_cpi, emitted, resyncs_seen;
    int any;
    size_t samples, channels;
} sink;

static void *emit(void *user, const triad_cpi_info *info, void *buf)
{
    sink *s = user;
    if (s->any && info->cpi <= s->last_cpi) { /* only after a restart */
        triad_cpi_asm_stats st;
        triad_cpi_asm_stats_get(s->a, &st);
        FUZZ_CHECK(st.resyncs > s->resyncs_seen);
        s->resyncs_seen = st.resyncs;
    }
    FUZZ_CHECK(info->missing_total <= (uint64_t)s->samples * s->channels);
    uint64_t sum = 0;
    for (size_t c = 0; c < s->channels; c++) {
        FUZZ_CHECK(info->missing[c] <= s->samples);
        sum += info->missing[c];
    }
    FUZZ_CHECK(sum == info->missing_total);
    FUZZ_CHECK(info->degraded_fraction >= 0.0 && info->degraded_fraction <= 1.0);
    s->last_cpi = info->cpi;
    s->any = 1;
    s->emitted++;
    return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    if (size < 4)
        return 0;
    sink s = {0};
    triad_cpi_asm_cfg cfg = triad_cpi_asm_cfg_default();
    cfg.samples_per_pulse = (size_t)(data[0] % 64) + 1;
    cfg.pulses_per_cpi = (size_t)(data[1] % 16) + 1;
    cfg.num_channels = (size_t)(data[2] % 4) + 1;
    cfg.stream_id = 0x100;
    cfg.reorder_samples = (data[3] & 1) ? 1 : 0;
    cfg.timeout_s = (data[3] & 2) ? 0.2 : 0.0;
    cfg.resync_packets = (data[3] & 4) ? 2 : 0;
    cfg.max_jump_cpis = (data[3] & 8) ? 1 : 0;
    cfg.pri_s = 1e-3;
    cfg.sample_rate_hz = 1e6;
    cfg.emit = emit;
    cfg.user = &s;
    s.samples = cfg.samples_per_pulse * cfg.pulses_per_cpi;
    s.channels = cfg.num_channels;
    triad_cpi_asm *a = NULL;
    FUZZ_CHECK(triad_cpi_asm_create(&a, &cfg) == 0);
    s.a = a;
    double now = 0.0;
    size_t pos = 4, n = 0;
    while (pos + 2 <= size) {
        size_t len = (size_t)(data[pos] << 8 | data[pos + 1]);
        pos += 2;
        if (len & 0x8000) {
            now += 0.5;
            triad_cpi_asm_poll(a, now);
            len &= 0x7fff;
        }
        if (len > size - pos)
            len = size - pos;
        now += 1e-3;
        triad_cpi_asm_datagram(a, data + pos, len, now);
        pos += len;
        n++;
    }
    triad_cpi_asm_flush(a, now + 1.0);
    triad_cpi_asm_stats st;
    triad_cpi_asm_stats_get(a, &st);
    FUZZ_CHECK(st.datagrams == n);
    uint64_t reasons = 0;
    for (int i = 0; i < TRIAD_VITA49_NSTATUS; i++)
        reasons += st.by_reason[i];
    FUZZ_CHECK(reasons == st.malformed);
    FUZZ_CHECK(st.packets + st.malformed <= st.datagrams);
    FUZZ_CHECK(st.cpis == s.emitted);
    FUZZ_CHECK(st.cpis_degraded <= st.cpis);
    triad_cpi_asm_destroy(a);
    return 0;
}
