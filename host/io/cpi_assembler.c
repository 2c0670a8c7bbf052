/* CPI assembly from VITA-49 packets, by sample index (cpi_assembler.h has the rules).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "io/cpi_assembler.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error_internal.h"

/* Rule 2 closes CPI k once a packet starts W <= P N samples past its end, so at most k, k+1
 * and (W = P N) k+2 are open at once; a third slot spares the forced close of rule 4 in
 * ordinary streams. */
#define MAX_OPEN 3

typedef struct {
    bool open;
    uint64_t cpi;
    uint8_t *buf;          /* [P x N x C] ci16_le */
    uint64_t *bits;        /* one bit per sample and channel: arrived */
    uint64_t received;     /* set bits */
    uint64_t *received_ch; /* [C] */
} slot;

typedef struct {
    bool seen;
    unsigned count;      /* packet count of the newest packet */
    uint64_t next_index; /* sample index just after the newest packet */
    uint64_t max_len;    /* the largest packet so far: the packet size, to size gaps (a
                            sender's packets are one size but for shorter ones at the
                            ends of CPIs) */
    uint64_t owed;       /* packets counted lost that may still turn up reordered */
} stream_state;

struct triad_cpi_asm {
    triad_cpi_asm_cfg cfg;
    uint64_t pn, pnc, w;   /* P N, P N C, reorder window */
    size_t bit_words;
    slot slots[MAX_OPEN];
    uint64_t *missing;     /* [C] for triad_cpi_info */
    stream_state *streams; /* [C] */
    bool started;          /* next_cpi is set */
    uint64_t next_cpi;     /* lowest CPI that may still take packets */
    bool have_newest;
    uint64_t newest;       /* largest first-sample index of the packets accepted */
    unsigned late_run, ahead_run; /* packets in a row behind / too far ahead */
    double last_accept_s;  /* clock of the last packet that was not late */
    double epoch_s;
    triad_cpi_asm_stats st;
};

triad_cpi_asm_cfg triad_cpi_asm_cfg_default(void)
{
    return (triad_cpi_asm_cfg){.timeout_s = 0.2};
}

void triad_cpi_asm_destroy(triad_cpi_asm *a)
{
    if (!a)
        return;
    for (int i = 0; i < MAX_OPEN; i++) {
        free(a->slots[i].buf);
        free(a->slots[i].bits);
        free(a->slots[i].received_ch);
    }
    free(a->missing);
    free(a->streams);
    free(a);
}

int triad_cpi_asm_create(triad_cpi_asm **out, const triad_cpi_asm_cfg *cfg)
{
    *out = NULL;
    const size_t n = cfg->samples_per_pulse, p = cfg->pulses_per_cpi, c = cfg->num_channels;
    if (n < 1 || p < 1 || c < 1)
        return triad__fail(TRIAD_EINVAL, "assembler: N %zu, P %zu, C %zu: each must be >= 1", n,
                           p, c);
    /* P N C samples of 4 bytes, and every index below 2^62: no product may overflow */
    if (n > (SIZE_MAX >> 4) / p || n * p > (SIZE_MAX >> 4) / c ||
        (uint64_t)n * p * c > UINT64_C(1) << 40)
        return triad__fail(TRIAD_EINVAL, "assembler: a CPI of %zu x %zu x %zu samples is too large",
                           p, n, c);
    if (!cfg->emit)
        return triad__fail(TRIAD_EINVAL, "assembler: emit callback is NULL");
    const uint64_t pn = (uint64_t)p * n;
    uint64_t w = cfg->reorder_samples ? cfg->reorder_samples : pn / 2;
    if (w == 0)
        w = 1;
    if (w > pn)
        return triad__fail(TRIAD_EINVAL, "assembler: reorder window %llu samples is more than a "
                                         "CPI (%llu samples per channel)",
                           (unsigned long long)w, (unsigned long long)pn);
    triad_cpi_asm *a = calloc(1, sizeof *a);
    if (!a)
        return triad__fail(TRIAD_ENOMEM, "assembler: out of memory");
    a->cfg = *cfg;
    if (!a->cfg.resync_packets)
        a->cfg.resync_packets = 256;
    if (!a->cfg.max_jump_cpis)
        a->cfg.max_jump_cpis = 64;
    a->pn = pn;
    a->pnc = pn * c;
    a->w = w;
    a->bit_words = (size_t)((a->pnc + 63) / 64);
    a->missing = calloc(c, sizeof *a->missing);
    a->streams = calloc(c, sizeof *a->streams);
    bool ok = a->missing && a->streams;
    for (int i = 0; ok && i < MAX_OPEN; i++) {
        a->slots[i].buf = malloc((size_t)a->pnc * 4);
        a->slots[i].bits = calloc(a->bit_words, sizeof(uint64_t));
        a->slots[i].received_ch = calloc(c, sizeof(uint64_t));
        ok = a->slots[i].buf && a->slots[i].bits && a->slots[i].received_ch;
    }
    if (!ok) {
        triad_cpi_asm_destroy(a);
        return triad__fail(TRIAD_ENOMEM, "assembler: out of memory for %d CPIs of %llu bytes",
                           MAX_OPEN, (unsigned long long)(pn * c * 4));
    }
    a->last_accept_s = NAN;
    a->epoch_s = NAN;
    a->st.last_packet_s = NAN;
    *out = a;
    return 0;
}

/* Missing samples become zeros, one 64-sample word of the arrival map at a time. */
static void zero_missing(const triad_cpi_asm *a, slot *s)
{
    for (size_t wd = 0; wd < a->bit_words; wd++) {
        uint64_t x = s->bits[wd];
        if (x == UINT64_MAX)
            continue;
        const uint64_t first = (uint64_t)wd * 64;
        const uint64_t count = a->pnc - first < 64 ? a->pnc - first : 64;
        if (x == 0) {
            memset(s->buf + first * 4, 0, (size_t)count * 4);
            continue;
        }
        for (uint64_t b = 0; b < count; b++)
            if (!(x >> b & 1))
                memset(s->buf + (first + b) * 4, 0, 4);
    }
}

static void emit(triad_cpi_asm *a, slot *s, double now_s)
{
    zero_missing(a, s);
    uint64_t total = 0;
    for (size_t c = 0; c < a->cfg.num_channels; c++) {
        a->missing[c] = a->pn - s->received_ch[c];
        total += a->missing[c];
    }
    const triad_cpi_info info = {
        .cpi = s->cpi,
        .missing = a->missing,
        .missing_total = total,
        .degraded_fraction = (double)total / (double)a->pnc,
        .complete_s = now_s,
        .stream_epoch_s = a->epoch_s,
    };
    a->st.cpis++;
    if (total) {
        a->st.cpis_degraded++;
        a->st.missing_samples += total;
    }
    void *next = a->cfg.emit(a->cfg.user, &info, s->buf);
    if (next)
        s->buf = next;
    memset(s->bits, 0, a->bit_words * sizeof *s->bits);
    memset(s->received_ch, 0, a->cfg.num_channels * sizeof *s->received_ch);
    s->received = 0;
    s->open = false;
    a->next_cpi = s->cpi + 1;
}

static slot *lowest_open(triad_cpi_asm *a)
{
    slot *lo = NULL;
    for (int i = 0; i < MAX_OPEN; i++)
        if (a->slots[i].open && (!lo || a->slots[i].cpi < lo->cpi))
            lo = &a->slots[i];
    return lo;
}

/* The first CPI whose window has not passed (rule 2): k < this once newest >= (k+1) P N + W. */
static uint64_t first_unpassed(const triad_cpi_asm *a)
{
    return a->have_newest && a->newest >= a->w ? (a->newest - a->w) / a->pn : 0;
}

/* Hand on, in CPI order, every CPI the rules close; flush closes them all. */
static void advance(triad_cpi_asm *a, double now_s, bool flush)
{
    if (!a->started)
        return;
    for (;;) {
        slot *lo = lowest_open(a);
        const uint64_t unpassed = first_unpassed(a);
        uint64_t target = lo ? (flush || unpassed > lo->cpi ? lo->cpi : unpassed) : unpassed;
        if (a->next_cpi < target) { /* CPIs that never saw a packet are passed over */
            a->st.cpis_skipped += target - a->next_cpi;
            a->next_cpi = target;
        }
        if (!lo || a->next_cpi < lo->cpi)
            return;
        if (lo->received == a->pnc || flush || lo->cpi < unpassed)
            emit(a, lo, now_s);
        else
            return;
    }
}

static void write_samples(triad_cpi_asm *a, slot *s, uint64_t off, size_t c, const uint8_t *src,
                          uint64_t take)
{
    const size_t nc = a->cfg.num_channels;
    uint64_t fresh = 0;
    for (uint64_t j = 0; j < take; j++) {
        const uint64_t pos = (off + j) * nc + c;
        uint64_t *word = &s->bits[pos >> 6];
        const uint64_t bit = UINT64_C(1) << (pos & 63);
        if (*word & bit) {
            a->st.duplicate_samples++;
        } else {
            *word |= bit;
            fresh++;
        }
    }
    if (nc == 1) {
        triad_vita49_payload_to_le(s->buf + off * 4, src, (size_t)take);
    } else {
        for (uint64_t j = 0; j < take; j++) {
            uint32_t w;
            memcpy(&w, src + j * 4, 4);
            w = (w & 0x00ff00ffu) << 8 | (w >> 8 & 0x00ff00ffu);
            memcpy(s->buf + ((off + j) * nc + c) * 4, &w, 4);
        }
    }
    s->received += fresh;
    s->received_ch[c] += fresh;
}

/* Samples [off, off + take) of CPI k, channel c. */
static void insert(triad_cpi_asm *a, uint64_t k, uint64_t off, size_t c, const uint8_t *src,
                   uint64_t take, double now_s)
{
    if (!a->started) {
        a->started = true;
        a->next_cpi = k;
    }
    if (k < a->next_cpi) {
        a->st.late++;
        return;
    }
    slot *s = NULL, *free_slot = NULL;
    for (int i = 0; i < MAX_OPEN; i++) {
        if (a->slots[i].open && a->slots[i].cpi == k)
            s = &a->slots[i];
        else if (!a->slots[i].open && !free_slot)
            free_slot = &a->slots[i];
    }
    if (!s) {
        if (!free_slot) {
            /* rule 4: every slot holds a CPI; the oldest goes, unless this one is older
             * still (then it could never be handed on in order) */
            slot *lo = lowest_open(a);
            if (k < lo->cpi) {
                a->st.late++;
                return;
            }
            if (a->next_cpi < lo->cpi) {
                a->st.cpis_skipped += lo->cpi - a->next_cpi;
                a->next_cpi = lo->cpi;
            }
            emit(a, lo, now_s);
            free_slot = lo;
        }
        s = free_slot;
        s->open = true;
        s->cpi = k;
    }
    write_samples(a, s, off, c, src, take);
}

static void resync(triad_cpi_asm *a, double now_s)
{
    advance(a, now_s, true);
    a->started = false;
    a->have_newest = false;
    a->late_run = 0;
    a->ahead_run = 0;
    a->epoch_s = NAN; /* a new stream has its own sample 0 */
    memset(a->streams, 0, a->cfg.num_channels * sizeof *a->streams);
    a->st.resyncs++;
}

/* Lost packets of one stream. The 4-bit count alone cannot tell d from d + 16k missing
 * packets, the sample index alone does not know the packet size for certain: the gap in
 * samples over the largest packet's size gives the magnitude, the count the exact value
 * modulo 16. A packet behind the newest is a reordered one, counted lost when the newer one
 * came: it is taken back. */
static void count_packet(triad_cpi_asm *a, size_t c, const triad_vita49_packet *pkt)
{
    stream_state *ss = &a->streams[c];
    const uint64_t first = pkt->sample_index, end = first + pkt->num_samples;
    if (ss->seen && first < ss->next_index) {
        a->st.count_jumps++;
        if (ss->owed) {
            ss->owed--;
            a->st.lost--;
        }
        return;
    }
    if (ss->seen) {
        const unsigned d = (pkt->packet_count - ss->count) & 15;
        const uint64_t base = (d + 15) & 15; /* missing, modulo 16 */
        const uint64_t gap = first - ss->next_index;
        const uint64_t by_size = (gap + ss->max_len / 2) / ss->max_len;
        const uint64_t missing = base + 16 * (by_size > base ? (by_size - base + 8) / 16 : 0);
        if (d != 1)
            a->st.count_jumps++;
        a->st.lost += missing;
        ss->owed += missing;
    }
    ss->seen = true;
    ss->count = pkt->packet_count;
    ss->next_index = end;
    if (pkt->num_samples > ss->max_len)
        ss->max_len = pkt->num_samples;
}

triad_vita49_status triad_cpi_asm_packet(triad_cpi_asm *a, const triad_vita49_packet *pkt,
                                         double now_s)
{
    const uint32_t rel = pkt->stream_id - a->cfg.stream_id;
    if (rel >= a->cfg.num_channels) {
        a->st.malformed++;
        a->st.by_reason[TRIAD_VITA49_STREAM]++;
        return TRIAD_VITA49_STREAM;
    }
    if (pkt->sample_index >= TRIAD_VITA49_INDEX_LIMIT ||
        TRIAD_VITA49_INDEX_LIMIT - pkt->sample_index < pkt->num_samples || !pkt->num_samples) {
        const triad_vita49_status s = pkt->num_samples ? TRIAD_VITA49_RANGE : TRIAD_VITA49_EMPTY;
        a->st.malformed++;
        a->st.by_reason[s]++;
        return s;
    }
    const size_t c = rel;
    a->st.packets++;
    a->st.last_packet_s = now_s;
    uint64_t i = pkt->sample_index, n = pkt->num_samples;
    if (a->started && i + n <= a->next_cpi * a->pn) {
        a->st.late++;
        a->ahead_run = 0;
        /* a run of late packets is a sender restart only when they are for a CPI older than
         * the one just handed on: the rest of a CPI closed by a timeout (a stall) is late
         * too, and must never open that CPI a second time */
        if (i / a->pn + 1 >= a->next_cpi || ++a->late_run < a->cfg.resync_packets)
            return TRIAD_VITA49_OK;
        resync(a, now_s); /* the sender restarted: this packet begins the new stream */
    } else if (a->started && i / a->pn > (a->have_newest ? a->newest / a->pn : a->next_cpi) +
                                             a->cfg.max_jump_cpis) {
        /* one corrupted index must not carry the stream away; many in a row are a jump */
        a->st.ahead++;
        a->late_run = 0;
        if (++a->ahead_run < a->cfg.resync_packets)
            return TRIAD_VITA49_OK;
        resync(a, now_s);
    }
    a->late_run = 0;
    a->ahead_run = 0;
    count_packet(a, c, pkt);
    if (pkt->has_utc && a->cfg.pri_s > 0 && a->cfg.sample_rate_hz > 0) {
        /* utc_s = floor(epoch + t(i)), so utc_s - t(i) lies in (epoch - 1, epoch]: the largest
         * seen approaches the epoch from below */
        const double t = (double)(i / a->cfg.samples_per_pulse) * a->cfg.pri_s +
                         (double)(i % a->cfg.samples_per_pulse) / a->cfg.sample_rate_hz;
        const double e = (double)pkt->utc_s - t;
        /* a UTC word before 1970 or after 2262 is not believed: it would only corrupt times */
        if (e >= 0.0 && e < 9.2e9 && (isnan(a->epoch_s) || e > a->epoch_s))
            a->epoch_s = e;
    }
    a->last_accept_s = now_s;
    if (!a->have_newest || i > a->newest) {
        a->newest = i;
        a->have_newest = true;
    }
    advance(a, now_s, false);
    const uint8_t *src = pkt->payload;
    while (n > 0) {
        const uint64_t k = i / a->pn, off = i % a->pn;
        const uint64_t take = n < a->pn - off ? n : a->pn - off;
        insert(a, k, off, c, src, take, now_s);
        i += take;
        n -= take;
        src += take * 4;
    }
    advance(a, now_s, false);
    return TRIAD_VITA49_OK;
}

triad_vita49_status triad_cpi_asm_datagram(triad_cpi_asm *a, const void *buf, size_t len,
                                           double now_s)
{
    a->st.datagrams++;
    triad_vita49_packet pkt;
    const triad_vita49_status s = triad_vita49_parse(buf, len, &pkt);
    if (s != TRIAD_VITA49_OK) {
        a->st.malformed++;
        a->st.by_reason[s]++;
        return s;
    }
    return triad_cpi_asm_packet(a, &pkt, now_s);
}

void triad_cpi_asm_poll(triad_cpi_asm *a, double now_s)
{
    if (a->cfg.timeout_s > 0 && !isnan(a->last_accept_s) &&
        now_s - a->last_accept_s >= a->cfg.timeout_s)
        advance(a, now_s, true);
}

void triad_cpi_asm_flush(triad_cpi_asm *a, double now_s)
{
    advance(a, now_s, true);
}

void triad_cpi_asm_stats_get(const triad_cpi_asm *a, triad_cpi_asm_stats *st)
{
    *st = a->st;
}
