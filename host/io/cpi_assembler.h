/* CPI assembly from VITA-49 packets (io/vita49.h): samples land where their sample index
 * says, whatever order the packets arrive in; complete CPIs are handed on in CPI order.
 *
 * The sample index of a packet's first sample comes from its timestamp: TSF 11 (free-running
 * count) is the index itself; TSF 01 (samples within the integer second) and 10
 * (picoseconds within it) give a time t, and with the epoch (sample 0 of CPI 0: the meta's
 * core:datetime for UTC/GPS seconds, else the first packet's time), the PRI and the sample
 * rate (the context packets', else the meta's), pulse m = round-down((t - epoch) / PRI) and
 * n = (t - epoch - m PRI) fs, index = m N + n (n >= N: between receive windows, rejected).
 * IF context packets of a channel's stream ID set its decoding rate and timestamp adjustment;
 * a value that contradicts the meta is a note. Trailers' indicators become the CPI's quality.
 *
 * Channel c arrives on stream ID stream_id + c; within a stream, sample index
 * i = (k * P + m) * N + n is fast-time sample n of pulse m of CPI k, and goes to
 * ((m * N + n) * C + c) of CPI k's buffer, converted to little-endian ci16 (the chain's
 * TRIAD_FORMAT_CI16_LE). A packet may cross pulse and CPI boundaries.
 *
 * A CPI is complete (docs/FORMATS.md, "VITA-49 stream") when
 *   1. every sample of every channel has arrived, or
 *   2. a packet arrives whose first sample index is at least reorder_samples past the CPI's
 *      end (default: half a CPI, P * N / 2), or
 *   3. no packet has arrived for timeout_s (triad_cpi_asm_poll), or
 *   4. its slot is needed for a newer CPI (three CPIs are open at most), or the caller
 *      flushes (end of stream).
 * CPIs are handed on in index order; missing samples are zeros and the CPI carries the
 * count. Packets for a CPI already handed on are late: counted and dropped. CPIs that never
 * received a packet are skipped (counted, not handed on). A packet more than max_jump_cpis
 * CPIs ahead of the newest is dropped as well (counted "ahead"): a corrupted index must not
 * carry the stream away. After resync_packets late (or ahead) packets in a row the sender is
 * taken to have restarted (or jumped), and assembly starts afresh from the packet at hand.
 * A clock jump is told at once: a TSF 01/10 packet whose stream had ended its last packet on
 * a CPI boundary, whose packet count follows on, but whose time is more than a sample behind,
 * more than max_jump_cpis CPIs ahead, or ahead by less but off the pulse grid (lost packets
 * land on it): the sender's clock jumped (a new SigMF capture, as `triad replay` sends one). The index goes on from the boundary; the jump is noted, counted
 * (clock_jumps) and carried in each later CPI's clock_jump_s, so its time is the jumped one.
 *
 * Create allocates everything; datagram/packet/poll/flush never allocate. Not thread-safe:
 * one reader thread owns an assembler.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TRIAD_IO_CPI_ASSEMBLER_H
#define TRIAD_IO_CPI_ASSEMBLER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "io/vita49.h"

/* A CPI handed on. Valid during the emit call only. */
typedef struct {
    uint64_t cpi;                      /* k = first sample index / (P N) */
    const uint64_t *missing;           /* [size: C] samples missing per channel (of P N) */
    uint64_t missing_total;            /* sum over channels */
    double degraded_fraction;          /* missing_total / (P N C); 0 = intact */
    double complete_s;                 /* the caller's clock when it was handed on */
    double stream_epoch_s;             /* UTC (epoch seconds) of sample index 0, from the
                                          packets' UTC timestamps; NAN if none */
    const unsigned *quality;           /* [size: C] TRIAD_QUALITY_* the trailers indicated */
    double clock_jump_s;               /* how far the sender's clock jumped (summed) before
                                          this CPI: its time is the epoch + its index's time +
                                          this (0 without a jump; a SigMF capture's clock) */
} triad_cpi_info;

typedef struct {
    size_t samples_per_pulse, pulses_per_cpi, num_channels; /* N, P, C */
    uint32_t stream_id;         /* channel c arrives on stream_id + c (wrapping at 2^32) */
    uint64_t reorder_samples;   /* rule 2's window W in samples, 1..P N; 0: P N / 2 */
    double timeout_s;           /* rule 3; <= 0: never */
    unsigned resync_packets;    /* late (ahead) packets in a row that mean a restart; 0: 256 */
    uint64_t max_jump_cpis;     /* CPIs a packet may be ahead of the newest; 0: 64 */
    /* for the UTC estimate (0: no estimate): time of sample index i after sample 0 is
     * (i / N) * pri_s + (i % N) / sample_rate_hz */
    double pri_s, sample_rate_hz;
    /* sample 0 of CPI 0 for timestamps in UTC/GPS seconds (has_epoch false, or TSI other:
     * the first packet's time) */
    bool has_epoch;
    int64_t epoch_utc_s;
    double epoch_frac_s;
    /* what context packets are checked against (0: not checked) */
    double carrier_hz, bandwidth_hz;
    bool difi;                  /* only the DIFI profile (IEEE-ISTO 4900) is taken */
    /* Told (reader thread) the first rejection of each reason with its values, contradicting
     * context fields and where the epoch came from; NULL: silent. */
    void (*note)(void *user, const char *msg);
    /* A complete CPI: buf [size: P x N x C ci16_le] holds it. Return the buffer the
     * assembler fills next: buf itself after copying, or another of the same size (a
     * queue swaps in a free one). Must not call back into the assembler. */
    void *(*emit)(void *user, const triad_cpi_info *info, void *buf);
    void *user;
} triad_cpi_asm_cfg;

typedef struct {
    uint64_t datagrams;         /* handed in */
    uint64_t packets;           /* valid data packets of our streams (late ones included) */
    uint64_t context;           /* valid IF context packets of our streams */
    uint64_t trailer_flags[4];  /* data packets indicating each TRIAD_QUALITY_* bit (1, 2,
                                   4, 8 in that order) */
    uint64_t malformed;         /* rejected datagrams: the sum of by_reason */
    uint64_t by_reason[TRIAD_VITA49_NSTATUS];
    uint64_t late;              /* valid packets (or their parts) for a CPI already passed */
    uint64_t ahead;             /* valid packets more than max_jump_cpis ahead, dropped */
    uint64_t lost;              /* packets that never came (into a CPI still open), per
                                   stream from the 4-bit packet count and the index gap */
    uint64_t count_jumps;       /* packets not the previous one's successor (loss, reorder) */
    uint64_t clock_jumps;       /* UTC/other timestamps that jumped at a CPI boundary with
                                   the packet count following on (a retuned capture's clock) */
    uint64_t duplicate_samples; /* samples that arrived twice (the later copy is kept) */
    uint64_t cpis;              /* handed on */
    uint64_t cpis_degraded;     /* handed on with samples missing */
    uint64_t cpis_skipped;      /* passed over without a single packet */
    uint64_t missing_samples;   /* zeros in the CPIs handed on */
    uint64_t resyncs;           /* stream restarts detected */
    double last_packet_s;       /* clock of the last valid packet (NAN: none yet) */
} triad_cpi_asm_stats;

typedef struct triad_cpi_asm triad_cpi_asm;

triad_cpi_asm_cfg triad_cpi_asm_cfg_default(void); /* W = P N / 2, timeout 0.2 s */

/* Validate (N, P, C >= 1, P N C * 4 bytes addressable, W <= P N, emit set) and allocate
 * the open CPIs' buffers. Returns 0, TRIAD_EINVAL (message names the field), TRIAD_ENOMEM. */
int triad_cpi_asm_create(triad_cpi_asm **a, const triad_cpi_asm_cfg *cfg);

/* One datagram as received, at time now_s (any monotonic clock, seconds). Malformed ones
 * are counted and skipped. Returns its status (TRIAD_VITA49_OK when the packet was valid
 * and of our streams, even if it turned out late). */
triad_vita49_status triad_cpi_asm_datagram(triad_cpi_asm *a, const void *buf, size_t len,
                                           double now_s);
/* One parsed packet, data or context (stream ID, timestamp and profile checked here). */
triad_vita49_status triad_cpi_asm_packet(triad_cpi_asm *a, const triad_vita49_packet *pkt,
                                         double now_s);

/* Rule 3: hand on every open CPI if no packet came for timeout_s. */
void triad_cpi_asm_poll(triad_cpi_asm *a, double now_s);
/* Hand on every open CPI now (end of stream). */
void triad_cpi_asm_flush(triad_cpi_asm *a, double now_s);

void triad_cpi_asm_stats_get(const triad_cpi_asm *a, triad_cpi_asm_stats *st);
void triad_cpi_asm_destroy(triad_cpi_asm *a); /* NULL-safe */

#endif
