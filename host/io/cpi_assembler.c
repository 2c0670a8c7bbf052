/* CPI assembly from VITA-49 packets, by sample index (cpi_assembler.h has the rules).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "io/cpi_assembler.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
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
    unsigned *quality;     /* [C] TRIAD_QUALITY_* of the packets that wrote into it */
    double jump_s;         /* the clock jump when it opened */
} slot;

typedef struct {
    bool seen;
    unsigned count;      /* packet count of the newest packet */
    uint64_t next_index; /* sample index just after the newest packet */
    uint64_t max_len;    /* the largest packet so far: the packet size, to size gaps (a
                            sender's packets are one size but for shorter ones at the
                            ends of CPIs) */
    uint64_t owed;       /* packets counted lost that may still turn up reordered */
    double context_rate_hz;   /* the context packets' sample rate (0: none yet) */
    int64_t ts_adjust_ps;     /* the context packets' timestamp adjustment */
    bool context_seen;
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
    /* sample 0 of CPI 0 for TSF 01 / 10 timestamps */
    bool have_epoch, epoch_from_packet;
    int64_t ep_s;          /* whole seconds (UTC when UTC-based, else the stream's own) */
    double ep_frac_s;
    double jump_s;         /* clock jumps so far: a packet's time less this is on the grid */
    bool noted[TRIAD_VITA49_NSTATUS]; /* the first rejection of each reason was told */
    bool warned_rate, warned_rf, warned_bw;
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
        free(a->slots[i].quality);
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
        a->slots[i].quality = calloc(c, sizeof(unsigned));
        ok = a->slots[i].buf && a->slots[i].bits && a->slots[i].received_ch &&
             a->slots[i].quality;
    }
    if (!ok) {
        triad_cpi_asm_destroy(a);
        return triad__fail(TRIAD_ENOMEM, "assembler: out of memory for %d CPIs of %llu bytes",
                           MAX_OPEN, (unsigned long long)(pn * c * 4));
    }
    if (cfg->has_epoch && !(isfinite(cfg->epoch_frac_s) && cfg->epoch_frac_s >= 0.0 &&
                            cfg->epoch_frac_s < 1.0)) {
        triad_cpi_asm_destroy(a);
        return triad__fail(TRIAD_EINVAL, "assembler: epoch fraction %g s is not in [0, 1)",
                           cfg->epoch_frac_s);
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
        .quality = s->quality,
        .clock_jump_s = s->jump_s,
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
    memset(s->quality, 0, a->cfg.num_channels * sizeof *s->quality);
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
                          uint64_t take, unsigned quality)
{
    s->quality[c] |= quality;
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
                   uint64_t take, unsigned quality, double now_s)
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
        s->jump_s = a->jump_s;
    }
    write_samples(a, s, off, c, src, take, quality);
}

static void resync(triad_cpi_asm *a, double now_s)
{
    advance(a, now_s, true);
    a->started = false;
    a->have_newest = false;
    a->late_run = 0;
    a->ahead_run = 0;
    a->epoch_s = NAN; /* a new stream has its own sample 0 */
    a->jump_s = 0.0;  /* and its own clock */
    if (a->epoch_from_packet)
        a->have_epoch = false;
    for (size_t c = 0; c < a->cfg.num_channels; c++) { /* the context stays */
        stream_state *ss = &a->streams[c];
        ss->seen = false;
        ss->count = 0;
        ss->next_index = ss->max_len = ss->owed = 0;
    }
    a->st.resyncs++;
}

/* Lost packets of one stream. The 4-bit count alone cannot tell d from d + 16k missing
 * packets, the sample index alone does not know the packet size for certain: the gap in
 * samples over the largest packet's size gives the magnitude, the count the exact value
 * modulo 16. A packet behind the newest is a reordered one, counted lost when the newer one
 * came: it is taken back. */
static void count_packet(triad_cpi_asm *a, size_t c, const triad_vita49_packet *pkt,
                         uint64_t first)
{
    stream_state *ss = &a->streams[c];
    const uint64_t end = first + pkt->num_samples;
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

/* Count a rejection; the first of each reason is told with its values. */
static triad_vita49_status reject(triad_cpi_asm *a, triad_vita49_status s, const char *fmt, ...)
{
    a->st.malformed++;
    a->st.by_reason[s]++;
    if (a->cfg.note && !a->noted[s]) {
        a->noted[s] = true;
        char msg[400];
        int n = snprintf(msg, sizeof msg, "first datagram rejected for '%s': ",
                         triad_vita49_status_name(s));
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg + n, sizeof msg - (size_t)n, fmt, ap);
        va_end(ap);
        a->cfg.note(a->cfg.user, msg);
    }
    return s;
}

static void note(triad_cpi_asm *a, const char *fmt, ...)
{
    if (!a->cfg.note)
        return;
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    a->cfg.note(a->cfg.user, msg);
}

static bool differs(double x, double want, double tol)
{
    return want > 0 && !(fabs(x - want) <= tol);
}

/* An IF context packet of channel c: its sample rate and timestamp adjustment decode the
 * channel's timestamps from now on; fields that contradict the meta are told once. */
static triad_vita49_status take_context(triad_cpi_asm *a, size_t c, const triad_vita49_packet *pkt)
{
    const triad_vita49_context *x = &pkt->ctx;
    stream_state *ss = &a->streams[c];
    if (x->cif0 & TRIAD_VITA49_CIF0_SAMPLE_RATE && !(x->sample_rate_hz > 0))
        return reject(a, TRIAD_VITA49_CONTEXT, "context packet of stream ID 0x%08" PRIx32
                      ": sample rate %.17g Hz is not positive", pkt->stream_id, x->sample_rate_hz);
    a->st.context++;
    if (x->cif0 & TRIAD_VITA49_CIF0_SAMPLE_RATE) {
        ss->context_rate_hz = x->sample_rate_hz;
        if (!a->warned_rate && differs(x->sample_rate_hz, a->cfg.sample_rate_hz,
                                       1e-9 * a->cfg.sample_rate_hz)) {
            a->warned_rate = true;
            note(a, "warning: context packet of stream ID 0x%08" PRIx32 ": sample rate %.17g Hz, "
                 "the meta says %.17g Hz (timestamps are decoded with the context's, the CPIs "
                 "are processed with the meta's)", pkt->stream_id, x->sample_rate_hz,
                 a->cfg.sample_rate_hz);
        }
    }
    if (x->cif0 & TRIAD_VITA49_CIF0_TS_ADJUST)
        ss->ts_adjust_ps = x->ts_adjust_ps;
    if (x->cif0 & TRIAD_VITA49_CIF0_RF_REF && !a->warned_rf &&
        differs(x->rf_ref_hz, a->cfg.carrier_hz, 1.0)) {
        a->warned_rf = true;
        note(a, "warning: context packet of stream ID 0x%08" PRIx32 ": RF reference frequency "
             "%.17g Hz, the meta's carrier is %.17g Hz (velocities use the meta's)",
             pkt->stream_id, x->rf_ref_hz, a->cfg.carrier_hz);
    }
    if (x->cif0 & TRIAD_VITA49_CIF0_BANDWIDTH && !a->warned_bw && a->cfg.bandwidth_hz > 0 &&
        x->bandwidth_hz < a->cfg.bandwidth_hz * (1 - 1e-9)) {
        a->warned_bw = true;
        note(a, "warning: context packet of stream ID 0x%08" PRIx32 ": bandwidth %.17g Hz is "
             "narrower than the meta's waveform (%.17g Hz)", pkt->stream_id, x->bandwidth_hz,
             a->cfg.bandwidth_hz);
    }
    if (!ss->context_seen) {
        ss->context_seen = true;
        char f[300] = "";
        size_t n = 0;
#define ADD(...) (n += (size_t)snprintf(f + n, n < sizeof f ? sizeof f - n : 0, __VA_ARGS__))
        if (x->cif0 & TRIAD_VITA49_CIF0_SAMPLE_RATE) ADD(" sample rate %.17g Hz,", x->sample_rate_hz);
        if (x->cif0 & TRIAD_VITA49_CIF0_RF_REF) ADD(" RF reference %.17g Hz,", x->rf_ref_hz);
        if (x->cif0 & TRIAD_VITA49_CIF0_IF_REF) ADD(" IF reference %.17g Hz,", x->if_ref_hz);
        if (x->cif0 & TRIAD_VITA49_CIF0_BANDWIDTH) ADD(" bandwidth %.17g Hz,", x->bandwidth_hz);
        if (x->cif0 & TRIAD_VITA49_CIF0_GAIN)
            ADD(" gain %.2f + %.2f dB,", x->gain1_db, x->gain2_db);
        if (x->cif0 & TRIAD_VITA49_CIF0_REF_LEVEL) ADD(" reference level %.2f dBm,", x->ref_level_dbm);
        if (x->cif0 & TRIAD_VITA49_CIF0_TS_ADJUST)
            ADD(" timestamp adjustment %" PRId64 " ps,", x->ts_adjust_ps);
#undef ADD
        if (n && n < sizeof f)
            f[n - 1] = '\0';
        note(a, "context of stream ID 0x%08" PRIx32 " (CIF0 0x%08" PRIx32 "):%s", pkt->stream_id,
             x->cif0, n ? f : " no field Triad reads");
    }
    return TRIAD_VITA49_OK;
}

static triad_vita49_status check_profile(triad_cpi_asm *a, const triad_vita49_packet *pkt)
{
    const bool data = pkt->type == TRIAD_VITA49_DATA;
    const unsigned want = data ? TRIAD_VITA49_DIFI_DATA_CLASS : TRIAD_VITA49_DIFI_CONTEXT_CLASS;
    if (!pkt->has_class_id || pkt->oui != TRIAD_VITA49_DIFI_OUI || pkt->packet_class != want)
        return reject(a, TRIAD_VITA49_PROFILE, "%s packet of stream ID 0x%08" PRIx32 ": class ID %s"
                      "OUI 0x%06" PRIx32 " packet class 0x%04x, DIFI has OUI 0x%06x packet class "
                      "0x%04x", data ? "data" : "context", pkt->stream_id,
                      pkt->has_class_id ? "" : "absent, ", pkt->oui, (unsigned)pkt->packet_class,
                      TRIAD_VITA49_DIFI_OUI, want);
    if (data && (pkt->tsf != TRIAD_VITA49_TSF_PICOSECONDS || pkt->has_trailer))
        return reject(a, TRIAD_VITA49_PROFILE, "data packet of stream ID 0x%08" PRIx32 ": TSF %u%u%s"
                      ", DIFI sends TSF 10 (picoseconds) and no trailer", pkt->stream_id,
                      pkt->tsf >> 1, pkt->tsf & 1, pkt->has_trailer ? " with a trailer" : "");
    return TRIAD_VITA49_OK;
}

/* The sample index of a TSF 01 / 10 packet's first sample (see the header). */
static triad_vita49_status time_to_index(triad_cpi_asm *a, size_t c, const triad_vita49_packet *pkt,
                                         uint64_t *index)
{
    const stream_state *ss = &a->streams[c];
    const bool from_context = ss->context_rate_hz > 0;
    const double rate = from_context ? ss->context_rate_hz : a->cfg.sample_rate_hz;
    const bool utc = pkt->tsi == TRIAD_VITA49_TSI_UTC || pkt->tsi == TRIAD_VITA49_TSI_GPS;
    const int64_t sec =
        (int64_t)pkt->int_ts + (pkt->tsi == TRIAD_VITA49_TSI_GPS ? TRIAD_VITA49_GPS_TO_UTC_S : 0);
    double frac_s;
    if (pkt->tsf == TRIAD_VITA49_TSF_SAMPLES) {
        if ((double)pkt->frac_ts >= rate)
            return reject(a, TRIAD_VITA49_FRACTION, "stream ID 0x%08" PRIx32 ": sample count %"
                          PRIu64 " within the second, not below the sample rate %.17g Hz (%s)",
                          pkt->stream_id, pkt->frac_ts, rate,
                          from_context ? "its context packets'" : "the meta's");
        frac_s = (double)pkt->frac_ts / rate;
    } else {
        frac_s = (double)pkt->frac_ts * 1e-12;
    }
    frac_s += (double)ss->ts_adjust_ps * 1e-12;
    if (!a->have_epoch) {
        a->have_epoch = true;
        a->epoch_from_packet = !(utc && a->cfg.has_epoch);
        if (a->epoch_from_packet) {
            a->ep_s = sec;
            a->ep_frac_s = frac_s;
            note(a, "sample 0 of CPI 0 is the first packet's time, %s %" PRId64 " + %.12f s (%s)",
                 utc ? "UTC" : "TSI 'other'", sec, frac_s,
                 utc ? "the meta has no core:datetime" : "the stream's seconds are not UTC");
        } else {
            a->ep_s = a->cfg.epoch_utc_s;
            a->ep_frac_s = a->cfg.epoch_frac_s;
        }
        a->epoch_s = utc ? (double)a->ep_s + a->ep_frac_s : NAN;
    }
    /* in samples since the epoch: whole seconds apart times the rate, exact for usual rates;
     * less the clock jumps so far */
    double t_s = (double)(sec - a->ep_s) + (frac_s - a->ep_frac_s) - a->jump_s;
    double samples = (double)(sec - a->ep_s) * rate + (frac_s - a->ep_frac_s - a->jump_s) * rate;
    const double per_pri = a->cfg.pri_s * rate;
    /* a clock jump: the stream's last packet ended a CPI, this one's count follows on, and
     * its time is not the grid's next CPI: back by more than a sample (lost packets never go
     * back), forward past the window of CPIs that may be ahead, or forward by less off the
     * pulse grid (lost packets, even 16 of them, which the count cannot tell, land on it) */
    const double cpi_s = (double)a->cfg.pulses_per_cpi * a->cfg.pri_s;
    if (a->started && ss->seen && ss->next_index % a->pn == 0 &&
        pkt->packet_count == ((ss->count + 1) & 15)) {
        const double expect_s = (double)(ss->next_index / a->pn) * cpi_s;
        const double d = t_s - expect_s, sample_s = 1.0 / rate;
        bool jump = d > ((double)a->cfg.max_jump_cpis + 1.0) * cpi_s || d < -sample_s;
        if (!jump && d > sample_s) {
            const double m = floor((samples + 0.5) / per_pri), n = samples - m * per_pri;
            const bool whole = fabs(per_pri - nearbyint(per_pri)) < 1e-6;
            jump = n > (double)a->cfg.samples_per_pulse - 0.5 ||
                   (whole && fabs(n - nearbyint(n)) > 0.25);
        }
        if (jump) {
            a->jump_s += d;
            a->st.clock_jumps++;
            note(a, "stream ID 0x%08" PRIx32 ": the clock jumped %+.9f s at sample index %"
                 PRIu64 " (CPI %" PRIu64 "; the packet count follows on): later CPIs carry the "
                 "jumped time", pkt->stream_id, d, ss->next_index, ss->next_index / a->pn);
            t_s -= d;
            samples = t_s * rate;
        }
    }
    if (samples < -0.5)
        return reject(a, TRIAD_VITA49_WINDOW, "stream ID 0x%08" PRIx32 ": timestamp %" PRIu32
                      " s + %.12f s is %.9f s before sample 0 of CPI 0", pkt->stream_id,
                      pkt->int_ts, frac_s, -t_s);
    const double m = floor((samples + 0.5) / per_pri);
    const double n = nearbyint(samples - m * per_pri);
    const size_t np = a->cfg.samples_per_pulse;
    if (!(m < 0x1p62 / (double)np) || n >= (double)np)
        return reject(a, TRIAD_VITA49_WINDOW, "stream ID 0x%08" PRIx32 ": timestamp %" PRIu32
                      " s + %.12f s is sample %.0f after the start of pulse %.0f: outside its "
                      "receive window of %zu samples (PRI %.17g s)", pkt->stream_id, pkt->int_ts,
                      frac_s, n, m, np, a->cfg.pri_s);
    *index = (uint64_t)m * np + (uint64_t)(n > 0 ? n : 0);
    return TRIAD_VITA49_OK;
}

triad_vita49_status triad_cpi_asm_packet(triad_cpi_asm *a, const triad_vita49_packet *pkt,
                                         double now_s)
{
    const uint32_t rel = pkt->stream_id - a->cfg.stream_id;
    if (rel >= a->cfg.num_channels)
        return reject(a, TRIAD_VITA49_STREAM, "stream ID 0x%08" PRIx32 ", expected 0x%08" PRIx32
                      "..0x%08" PRIx32, pkt->stream_id, a->cfg.stream_id,
                      (uint32_t)(a->cfg.stream_id + a->cfg.num_channels - 1));
    const size_t c = rel;
    if (a->cfg.difi) {
        const triad_vita49_status s = check_profile(a, pkt);
        if (s)
            return s;
    }
    if (pkt->type == TRIAD_VITA49_IF_CONTEXT)
        return take_context(a, c, pkt);
    if (!pkt->num_samples)
        return reject(a, TRIAD_VITA49_EMPTY, "data packet of stream ID 0x%08" PRIx32
                      " without samples", pkt->stream_id);
    uint64_t first = pkt->frac_ts;
    if (pkt->tsf == TRIAD_VITA49_TSF_SAMPLES || pkt->tsf == TRIAD_VITA49_TSF_PICOSECONDS) {
        const triad_vita49_status s = time_to_index(a, c, pkt, &first);
        if (s)
            return s;
    } else if (pkt->tsf != TRIAD_VITA49_TSF_FREE_RUNNING) {
        return reject(a, TRIAD_VITA49_TSF, "data packet of stream ID 0x%08" PRIx32
                      " without a fractional timestamp", pkt->stream_id);
    }
    if (first >= TRIAD_VITA49_INDEX_LIMIT || TRIAD_VITA49_INDEX_LIMIT - first < pkt->num_samples)
        return reject(a, TRIAD_VITA49_RANGE, "stream ID 0x%08" PRIx32 ": sample index %" PRIu64
                      " + %zu samples reaches 2^62", pkt->stream_id, first, pkt->num_samples);
    const unsigned quality = pkt->has_trailer ? triad_vita49_trailer_quality(pkt->trailer) : 0;
    for (unsigned b = 0; b < 4; b++)
        a->st.trailer_flags[b] += quality >> b & 1;
    a->st.packets++;
    a->st.last_packet_s = now_s;
    uint64_t i = first, n = pkt->num_samples;
    if (a->started && i + n <= a->next_cpi * a->pn) {
        a->st.late++;
        a->ahead_run = 0;
        /* a run of late packets is a sender restart only when they are for a CPI older than
         * the one just handed on: the rest of a CPI closed by a timeout (a stall) is late
         * too, and must never open that CPI a second time */
        if (i / a->pn + 1 >= a->next_cpi || ++a->late_run < a->cfg.resync_packets)
            return TRIAD_VITA49_OK;
        resync(a, now_s); /* the sender restarted: this packet begins the new stream */
        if (pkt->tsf != TRIAD_VITA49_TSF_FREE_RUNNING && a->epoch_from_packet &&
            time_to_index(a, c, pkt, &first) != TRIAD_VITA49_OK)
            return TRIAD_VITA49_OK;
        i = first;
    } else if (a->started && i / a->pn > (a->have_newest ? a->newest / a->pn : a->next_cpi) +
                                             a->cfg.max_jump_cpis) {
        /* one corrupted index must not carry the stream away; many in a row are a jump */
        a->st.ahead++;
        a->late_run = 0;
        if (++a->ahead_run < a->cfg.resync_packets)
            return TRIAD_VITA49_OK;
        resync(a, now_s);
        if (pkt->tsf != TRIAD_VITA49_TSF_FREE_RUNNING && a->epoch_from_packet &&
            time_to_index(a, c, pkt, &first) != TRIAD_VITA49_OK)
            return TRIAD_VITA49_OK;
        i = first;
    }
    a->late_run = 0;
    a->ahead_run = 0;
    count_packet(a, c, pkt, first);
    if (pkt->tsf == TRIAD_VITA49_TSF_FREE_RUNNING && pkt->tsi == TRIAD_VITA49_TSI_UTC &&
        a->cfg.pri_s > 0 && a->cfg.sample_rate_hz > 0) {
        /* int_ts = floor(epoch + t(i)), so int_ts - t(i) lies in (epoch - 1, epoch]: the
         * largest seen approaches the epoch from below */
        const double t = (double)(i / a->cfg.samples_per_pulse) * a->cfg.pri_s +
                         (double)(i % a->cfg.samples_per_pulse) / a->cfg.sample_rate_hz;
        const double e = (double)pkt->int_ts - t;
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
        insert(a, k, off, c, src, take, quality, now_s);
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
        char why[300] = "";
        if (a->cfg.note && !a->noted[s]) /* parsed again only to say why, once per reason */
            triad_vita49_parse_why(buf, len, &pkt, why, sizeof why);
        return reject(a, s, "%s", why);
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
