/* CPI assembly (io/cpi_assembler.h) on seeded random streams: samples land by index whatever
 * the packet order; lost packets leave zeros and the exact missing count; late packets,
 * duplicates, skipped CPIs, the reorder window and the timeout; a sender restart; the
 * stream ID check; the UTC estimate; config rejections; and ~100k hostile datagrams (random
 * bytes, mutated packets) that must neither crash nor break the order of CPIs handed on.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "io/cpi_assembler.h"
#include "io/vita49.h"
#include "test_util.h"
#include "triad/error.h"

#define STREAM_ID 0x100u

/* ---- a stream: truth samples and its packets ------------------------------------------- */

typedef struct {
    uint8_t *buf;
    size_t len;
    uint64_t first; /* sample index of its first sample */
    size_t n, ch;
} packet;

typedef struct {
    size_t n, p, c, cpis;
    uint64_t pn;
    int16_t *truth; /* [cpis x P x N x C x 2], the whole stream */
    packet *pk;
    size_t npk;
} stream;

/* How make_stream stamps its packets: the free-running count (TSF 11, the index itself), or
 * in the standard form, TSF 01 (samples within the second) / 10 (picoseconds), the integer
 * seconds from g_ep_s + g_ep_frac (the time of index 0) with TSI g_tsi; g_trailer, when not
 * 0, is every packet's trailer. */
static unsigned g_tsf = TRIAD_VITA49_TSF_FREE_RUNNING, g_tsi = TRIAD_VITA49_TSI_UTC;
static int64_t g_ep_s;
static double g_ep_frac;
static uint32_t g_trailer;
static bool g_difi_class; /* a DIFI class ID on every packet */
/* a clock jump: standard-form packets from sample index g_jump_from on are stamped g_jump_s
 * later (a new SigMF capture's clock, as triad replay sends it) */
static double g_jump_s;
static uint64_t g_jump_from = UINT64_MAX;

/* Packets of `payload` samples, channel by channel, over the whole stream (so that they cross
 * pulse and CPI boundaries unless payload divides them). */
static stream make_stream(size_t n, size_t p, size_t c, size_t cpis, size_t payload,
                          uint64_t seed, double epoch_s, double pri_s, double fs)
{
    stream s = {.n = n, .p = p, .c = c, .cpis = cpis, .pn = (uint64_t)n * p};
    test_rng r = {seed};
    const size_t total = (size_t)s.pn * cpis;
    s.truth = malloc(total * c * 2 * sizeof *s.truth);
    assert_non_null(s.truth);
    for (size_t i = 0; i < total * c * 2; i++)
        s.truth[i] = (int16_t)test_rng_next(&r);
    const size_t per_ch = (total + payload - 1) / payload;
    s.pk = calloc(per_ch * c, sizeof *s.pk);
    assert_non_null(s.pk);
    unsigned *count = calloc(c, sizeof *count);
    for (size_t off = 0; off < total; off += payload) {
        const size_t len = total - off < payload ? total - off : payload;
        for (size_t ch = 0; ch < c; ch++) {
            packet *k = &s.pk[s.npk++];
            const double t = (double)(off / n) * pri_s + (double)(off % n) / fs;
            triad_vita49_packet d = {
                .stream_id = STREAM_ID + (uint32_t)ch,
                .packet_count = count[ch]++ & 15,
                .tsi = isnan(epoch_s) ? TRIAD_VITA49_TSI_NONE : TRIAD_VITA49_TSI_UTC,
                .int_ts = isnan(epoch_s) ? 0 : (uint32_t)floor(epoch_s + t),
                .tsf = g_tsf,
                .frac_ts = off,
                .has_trailer = g_trailer != 0,
                .has_class_id = g_difi_class,
                .oui = g_difi_class ? TRIAD_VITA49_DIFI_OUI : 0,
                .trailer = g_trailer,
                .num_samples = len,
            };
            if (g_tsf != TRIAD_VITA49_TSF_FREE_RUNNING) {
                /* exact: t in samples is an integer when PRI fs is */
                const double ts = g_ep_frac + t + (off >= g_jump_from ? g_jump_s : 0.0),
                             whole = floor(ts);
                d.tsi = g_tsi;
                const int64_t sec = g_ep_s + (int64_t)whole -
                                    (g_tsi == TRIAD_VITA49_TSI_GPS ? TRIAD_VITA49_GPS_TO_UTC_S : 0);
                d.int_ts = (uint32_t)sec;
                d.frac_ts = g_tsf == TRIAD_VITA49_TSF_SAMPLES ? (uint64_t)llround((ts - whole) * fs)
                                                              : (uint64_t)llround((ts - whole) * 1e12);
            }
            k->buf = malloc((len + 8) * 4);
            assert_non_null(k->buf);
            k->len = triad_vita49_encode(k->buf, (len + 8) * 4, &d,
                                         s.truth + 2 * (off * c + ch), c);
            assert_true(k->len > 0);
            k->first = off;
            k->n = len;
            k->ch = ch;
        }
    }
    free(count);
    return s;
}

static void free_stream(stream *s)
{
    for (size_t i = 0; i < s->npk; i++)
        free(s->pk[i].buf);
    free(s->pk);
    free(s->truth);
}

/* ---- what the assembler hands on ----------------------------------------------------- */

typedef struct {
    uint64_t cpi;
    uint64_t missing[4];
    double fraction, epoch_s, jump_s;
    unsigned quality[4];
    int16_t *data; /* [P N C 2] */
} emitted;

typedef struct {
    size_t c, cpi_bytes;
    emitted e[64];
    size_t count;
    bool allow_restart; /* CPI numbers may start over (resync) */
    bool keep;          /* store the data (hostile test: count only) */
    uint64_t last_cpi;
    const triad_cpi_asm *a; /* when set, CPI numbers may start over after each resync */
    uint64_t resyncs;
} collector;

static void *collect(void *user, const triad_cpi_info *info, void *buf)
{
    collector *col = user;
    bool restarted = col->allow_restart;
    if (col->a) {
        triad_cpi_asm_stats st;
        triad_cpi_asm_stats_get(col->a, &st);
        restarted = st.resyncs != col->resyncs;
        col->resyncs = st.resyncs;
    }
    if (col->count && !restarted)
        assert_true(info->cpi > col->last_cpi); /* handed on in CPI order */
    col->last_cpi = info->cpi;
    assert_true(info->degraded_fraction >= 0.0 && info->degraded_fraction <= 1.0);
    uint64_t sum = 0;
    for (size_t c = 0; c < col->c; c++)
        sum += info->missing[c];
    assert_true(sum == info->missing_total);
    if (col->keep) {
        assert_true(col->count < 64);
        emitted *e = &col->e[col->count];
        e->cpi = info->cpi;
        for (size_t c = 0; c < col->c; c++)
            e->missing[c] = info->missing[c];
        e->fraction = info->degraded_fraction;
        for (size_t c = 0; c < col->c; c++)
            e->quality[c] = info->quality[c];
        e->epoch_s = info->stream_epoch_s;
        e->jump_s = info->clock_jump_s;
        e->data = malloc(col->cpi_bytes);
        assert_non_null(e->data);
        memcpy(e->data, buf, col->cpi_bytes);
    }
    col->count++;
    return buf;
}

static void free_collector(collector *col)
{
    for (size_t i = 0; i < col->count && col->keep; i++)
        free(col->e[i].data);
}

static triad_cpi_asm *make_asm(const stream *s, collector *col, uint64_t window, double timeout_s)
{
    memset(col, 0, sizeof *col);
    col->c = s->c;
    col->cpi_bytes = (size_t)s->pn * s->c * 4;
    col->keep = true;
    triad_cpi_asm_cfg cfg = triad_cpi_asm_cfg_default();
    cfg.samples_per_pulse = s->n;
    cfg.pulses_per_cpi = s->p;
    cfg.num_channels = s->c;
    cfg.stream_id = STREAM_ID;
    cfg.reorder_samples = window;
    cfg.timeout_s = timeout_s;
    cfg.emit = collect;
    cfg.user = col;
    triad_cpi_asm *a;
    assert_int_equal(triad_cpi_asm_create(&a, &cfg), 0);
    return a;
}

static void feed(triad_cpi_asm *a, const stream *s, size_t i, double now_s)
{
    assert_int_equal(triad_cpi_asm_datagram(a, s->pk[i].buf, s->pk[i].len, now_s),
                     TRIAD_VITA49_OK);
}

/* CPI k as it should arrive when the packets marked in `gone` are missing: truth, with zeros
 * there; missing[c] counts them. */
static void expected_cpi(const stream *s, uint64_t k, const bool *gone, int16_t *out,
                         uint64_t *missing)
{
    const size_t cpi_vals = (size_t)s->pn * s->c * 2;
    memcpy(out, s->truth + k * cpi_vals, cpi_vals * sizeof *out);
    for (size_t c = 0; c < s->c; c++)
        missing[c] = 0;
    for (size_t i = 0; gone && i < s->npk; i++) {
        if (!gone[i])
            continue;
        const packet *q = &s->pk[i];
        for (size_t j = 0; j < q->n; j++) {
            const uint64_t idx = q->first + j;
            if (idx / s->pn != k)
                continue;
            const size_t pos = (size_t)(idx % s->pn) * s->c + q->ch;
            out[2 * pos] = out[2 * pos + 1] = 0;
            missing[q->ch]++;
        }
    }
}

static void check_cpi(const stream *s, const emitted *e, const bool *gone)
{
    const size_t cpi_vals = (size_t)s->pn * s->c * 2;
    int16_t *want = malloc(cpi_vals * sizeof *want);
    uint64_t missing[4];
    expected_cpi(s, e->cpi, gone, want, missing);
    uint64_t total = 0;
    for (size_t c = 0; c < s->c; c++) {
        assert_true(e->missing[c] == missing[c]);
        total += missing[c];
    }
    assert_true(e->fraction == (double)total / (double)(s->pn * s->c)); /* exact */
    assert_memory_equal(e->data, want, cpi_vals * sizeof *want);
    free(want);
}

/* ---- tests ---------------------------------------------------------------------------- */

static void test_in_order(void **state)
{
    (void)state;
    /* 100-sample packets cross pulses (N 64) and CPIs (P N 1024) */
    stream s = make_stream(64, 16, 2, 5, 100, 1, NAN, 0, 0);
    collector col;
    triad_cpi_asm *a = make_asm(&s, &col, 0, 0.2);
    for (size_t i = 0; i < s.npk; i++) {
        feed(a, &s, i, 0.0);
        /* a CPI is handed on as soon as its last sample (all channels) is in */
        const uint64_t end = s.pk[i].first + s.pk[i].n;
        const bool last_channel = s.pk[i].ch == s.c - 1;
        assert_int_equal(col.count, last_channel ? end / s.pn : (s.pk[i].first) / s.pn);
    }
    assert_int_equal(col.count, 5);
    for (size_t k = 0; k < col.count; k++) {
        assert_true(col.e[k].cpi == k);
        check_cpi(&s, &col.e[k], NULL);
    }
    triad_cpi_asm_stats st;
    triad_cpi_asm_stats_get(a, &st);
    assert_true(st.packets == s.npk && st.datagrams == s.npk);
    assert_true(st.malformed == 0 && st.lost == 0 && st.late == 0 && st.count_jumps == 0);
    assert_true(st.cpis == 5 && st.cpis_degraded == 0 && st.missing_samples == 0);
    triad_cpi_asm_flush(a, 1.0); /* nothing open */
    assert_int_equal(col.count, 5);
    triad_cpi_asm_destroy(a);
    free_collector(&col);
    free_stream(&s);
}

static void test_reordered(void **state)
{
    (void)state;
    stream s = make_stream(64, 16, 2, 6, 96, 2, NAN, 0, 0);
    test_rng r = {22};
    size_t *order = malloc(s.npk * sizeof *order);
    for (size_t i = 0; i < s.npk; i++)
        order[i] = i;
    /* shuffle within blocks of 12 packets (less than the half-CPI window) */
    for (size_t b = 0; b < s.npk; b += 12) {
        const size_t m = s.npk - b < 12 ? s.npk - b : 12;
        for (size_t i = m - 1; i > 0; i--) {
            const size_t j = (size_t)(test_rng_next(&r) % (i + 1));
            const size_t t = order[b + i];
            order[b + i] = order[b + j];
            order[b + j] = t;
        }
    }
    collector col;
    triad_cpi_asm *a = make_asm(&s, &col, 0, 0.2);
    for (size_t i = 0; i < s.npk; i++)
        feed(a, &s, order[i], 0.0);
    assert_int_equal(col.count, 6);
    for (size_t k = 0; k < 6; k++) {
        assert_true(col.e[k].cpi == k);
        check_cpi(&s, &col.e[k], NULL);
    }
    triad_cpi_asm_stats st;
    triad_cpi_asm_stats_get(a, &st);
    assert_true(st.lost == 0);         /* every jump was recovered */
    assert_true(st.count_jumps > 0);   /* but the counts did jump */
    assert_true(st.cpis_degraded == 0 && st.late == 0);
    triad_cpi_asm_destroy(a);
    free_collector(&col);
    free(order);
    free_stream(&s);
}

static void test_lost_packets(void **state)
{
    (void)state;
    stream s = make_stream(64, 16, 3, 8, 100, 3, NAN, 0, 0);
    test_rng r = {33};
    bool *gone = calloc(s.npk, sizeof *gone);
    size_t ngone = 0;
    for (size_t i = 0; i < s.npk; i++)
        if (test_rng_uniform(&r) < 0.04 && i + 3 * s.c < s.npk) { /* the last few stay */
            gone[i] = true;
            ngone++;
        }
    assert_true(ngone > 3);
    collector col;
    triad_cpi_asm *a = make_asm(&s, &col, 0, 0.2);
    for (size_t i = 0; i < s.npk; i++)
        if (!gone[i])
            feed(a, &s, i, 0.0);
    triad_cpi_asm_flush(a, 0.0);
    assert_int_equal(col.count, 8);
    uint64_t degraded = 0, missing = 0;
    for (size_t k = 0; k < 8; k++) {
        assert_true(col.e[k].cpi == k);
        check_cpi(&s, &col.e[k], gone);
        degraded += col.e[k].fraction > 0;
        for (size_t c = 0; c < s.c; c++)
            missing += col.e[k].missing[c];
    }
    triad_cpi_asm_stats st;
    triad_cpi_asm_stats_get(a, &st);
    assert_true(st.lost == ngone); /* from the packet counts (no run of 8 lost here) */
    assert_true(st.cpis_degraded == degraded && degraded > 0);
    assert_true(st.missing_samples == missing);
    triad_cpi_asm_destroy(a);
    free_collector(&col);
    free(gone);
    free_stream(&s);
}

/* runs of lost packets longer than the 4-bit count can tell: 20 in a row (count jump 4),
 * 16 in a row (no jump at all), 3 in a row; with a short packet at each CPI's end */
static void test_lost_bursts(void **state)
{
    (void)state;
    stream s = make_stream(64, 16, 1, 8, 100, 13, NAN, 0, 0);
    bool *gone = calloc(s.npk, sizeof *gone);
    for (size_t i = 10; i < 30; i++)
        gone[i] = true;
    for (size_t i = 40; i < 56; i++)
        gone[i] = true;
    for (size_t i = 60; i < 63; i++)
        gone[i] = true;
    collector col;
    triad_cpi_asm *a = make_asm(&s, &col, 0, 0.2);
    for (size_t i = 0; i < s.npk; i++)
        if (!gone[i])
            feed(a, &s, i, 0.0);
    triad_cpi_asm_flush(a, 0.0);
    triad_cpi_asm_stats st;
    triad_cpi_asm_stats_get(a, &st);
    assert_true(st.lost == 20 + 16 + 3);
    for (size_t k = 0; k < col.count; k++)
        check_cpi(&s, &col.e[k], gone);
    triad_cpi_asm_destroy(a);
    free_collector(&col);
    free(gone);
    free_stream(&s);
}

/* 64-sample packets, 16 per CPI and channel, one channel: packet i holds samples
 * [64 i, 64 i + 64) of CPI i / 16. */
static void test_window_boundary_and_late(void **state)
{
    (void)state;
    stream s = make_stream(64, 16, 1, 3, 64, 4, NAN, 0, 0);
    collector col;
    triad_cpi_asm *a = make_asm(&s, &col, 0, 0.2); /* W = 512 samples = 8 packets */
    bool *gone = calloc(s.npk, sizeof *gone);
    gone[5] = true; /* held back: arrives late */
    for (size_t i = 0; i < 16 + 8; i++) {
        if (i == 5)
            continue;
        feed(a, &s, i, 0.0);
        /* packet 16 + 7 starts at 1024 + 448 < 1024 + 512: CPI 0 still waits */
        assert_int_equal(col.count, 0);
    }
    feed(a, &s, 24, 0.0); /* starts at 1024 + 512: the window has passed CPI 0 */
    assert_int_equal(col.count, 1);
    check_cpi(&s, &col.e[0], gone);
    assert_true(col.e[0].missing[0] == 64);
    assert_true(col.e[0].fraction == 64.0 / 1024.0);
    feed(a, &s, 5, 0.0); /* too late now: counted and dropped */
    triad_cpi_asm_stats st;
    triad_cpi_asm_stats_get(a, &st);
    assert_true(st.late == 1);
    assert_true(st.lost == 1); /* it came back too late to count */
    for (size_t i = 25; i < s.npk; i++)
        feed(a, &s, i, 0.0);
    assert_int_equal(col.count, 3);
    check_cpi(&s, &col.e[1], NULL);
    check_cpi(&s, &col.e[2], NULL);
    triad_cpi_asm_destroy(a);
    free_collector(&col);
    free(gone);
    free_stream(&s);
}

static void test_timeout(void **state)
{
    (void)state;
    stream s = make_stream(64, 16, 1, 2, 64, 5, NAN, 0, 0);
    collector col;
    triad_cpi_asm *a = make_asm(&s, &col, 0, 0.2);
    bool *gone = calloc(s.npk, sizeof *gone);
    gone[s.npk - 1] = true; /* the stream's last packet never comes */
    for (size_t i = 0; i + 1 < s.npk; i++)
        feed(a, &s, i, 10.0 + 0.001 * (double)i);
    assert_int_equal(col.count, 1);
    const double last = 10.0 + 0.001 * (double)(s.npk - 2);
    triad_cpi_asm_poll(a, last + 0.19);
    assert_int_equal(col.count, 1);
    triad_cpi_asm_poll(a, last + 0.201);
    assert_int_equal(col.count, 2);
    check_cpi(&s, &col.e[1], gone);
    triad_cpi_asm_poll(a, last + 5.0); /* nothing open: nothing happens */
    assert_int_equal(col.count, 2);
    triad_cpi_asm_destroy(a);
    free_collector(&col);
    free(gone);
    free_stream(&s);
}

static void test_duplicates(void **state)
{
    (void)state;
    stream s = make_stream(32, 12, 2, 3, 50, 6, NAN, 0, 0);
    collector col;
    triad_cpi_asm *a = make_asm(&s, &col, 0, 0.2);
    for (size_t i = 0; i < s.npk; i++) {
        feed(a, &s, i, 0.0);
        if (s.pk[i].first + s.pk[i].n < 2 * s.pn) /* a copy, unless it completes CPI 2 */
            feed(a, &s, i, 0.0);
    }
    assert_int_equal(col.count, 3);
    for (size_t k = 0; k < 3; k++)
        check_cpi(&s, &col.e[k], NULL);
    triad_cpi_asm_stats st;
    triad_cpi_asm_stats_get(a, &st);
    assert_true(st.duplicate_samples > 0 && st.cpis_degraded == 0 && st.lost == 0);
    triad_cpi_asm_destroy(a);
    free_collector(&col);
    free_stream(&s);
}

static void test_skipped_cpis(void **state)
{
    (void)state;
    stream s = make_stream(64, 16, 1, 6, 64, 7, NAN, 0, 0);
    collector col;
    triad_cpi_asm *a = make_asm(&s, &col, 0, 0.2);
    for (size_t i = 0; i < 16; i++) /* CPI 0 */
        feed(a, &s, i, 0.0);
    for (size_t i = 48; i < 64; i++) /* CPI 3: 1 and 2 never come */
        feed(a, &s, i, 0.0);
    assert_int_equal(col.count, 2);
    assert_true(col.e[0].cpi == 0 && col.e[1].cpi == 3);
    check_cpi(&s, &col.e[1], NULL);
    triad_cpi_asm_stats st;
    triad_cpi_asm_stats_get(a, &st);
    assert_true(st.cpis_skipped == 2);
    /* 32 packets lost, a multiple of 16: the 4-bit count alone cannot see them */
    assert_true(st.lost == 32);
    triad_cpi_asm_destroy(a);
    free_collector(&col);
    free_stream(&s);
}

static void test_resync(void **state)
{
    (void)state;
    stream s = make_stream(64, 16, 1, 3, 64, 8, NAN, 0, 0);
    collector col;
    triad_cpi_asm_cfg cfg = triad_cpi_asm_cfg_default();
    memset(&col, 0, sizeof col);
    col.c = 1;
    col.cpi_bytes = (size_t)s.pn * 4;
    col.keep = true;
    col.allow_restart = true;
    cfg.samples_per_pulse = 64;
    cfg.pulses_per_cpi = 16;
    cfg.num_channels = 1;
    cfg.stream_id = STREAM_ID;
    cfg.resync_packets = 8;
    cfg.emit = collect;
    cfg.user = &col;
    triad_cpi_asm *a;
    assert_int_equal(triad_cpi_asm_create(&a, &cfg), 0);
    for (size_t i = 0; i < s.npk; i++)
        feed(a, &s, i, 0.0);
    assert_int_equal(col.count, 3);
    /* the sender starts over from sample 0: 7 late packets, the 8th restarts assembly */
    for (size_t i = 0; i < s.npk; i++)
        feed(a, &s, i, 1.0);
    triad_cpi_asm_stats st;
    triad_cpi_asm_stats_get(a, &st);
    assert_true(st.resyncs == 1 && st.late == 8);
    triad_cpi_asm_flush(a, 2.0);
    /* new CPI 0 lacks its first 7 packets (the 8th began the new stream), 1 and 2 intact */
    assert_int_equal(col.count, 6);
    assert_true(col.e[3].cpi == 0 && col.e[4].cpi == 1 && col.e[5].cpi == 2);
    assert_true(col.e[3].missing[0] == 7 * 64);
    check_cpi(&s, &col.e[4], NULL);
    check_cpi(&s, &col.e[5], NULL);
    triad_cpi_asm_destroy(a);
    free_collector(&col);
    free_stream(&s);
}

/* write a sample index into a copy of packet q (no UTC timestamp: TSF at bytes 8..15) */
static void set_index(uint8_t *b, const packet *q, uint64_t idx)
{
    memcpy(b, q->buf, q->len);
    for (int i = 0; i < 8; i++)
        b[8 + i] = (uint8_t)(idx >> (56 - 8 * i));
}

static void test_far_ahead(void **state)
{
    (void)state;
    stream s = make_stream(64, 16, 1, 4, 64, 12, NAN, 0, 0);
    collector col;
    triad_cpi_asm_cfg cfg = triad_cpi_asm_cfg_default();
    memset(&col, 0, sizeof col);
    col.c = 1;
    col.cpi_bytes = (size_t)s.pn * 4;
    col.keep = true;
    cfg.samples_per_pulse = 64;
    cfg.pulses_per_cpi = 16;
    cfg.num_channels = 1;
    cfg.stream_id = STREAM_ID;
    cfg.resync_packets = 8;
    cfg.max_jump_cpis = 10;
    cfg.emit = collect;
    cfg.user = &col;
    triad_cpi_asm *a;
    assert_int_equal(triad_cpi_asm_create(&a, &cfg), 0);
    uint8_t b[(64 + 4) * 4];
    /* one corrupted index in the middle of CPI 1, 11 CPIs ahead: dropped, nothing else */
    for (size_t i = 0; i < s.npk; i++) {
        feed(a, &s, i, 0.0);
        if (i == 20) {
            set_index(b, &s.pk[i], s.pk[i].first + 11 * s.pn);
            assert_int_equal(triad_cpi_asm_datagram(a, b, s.pk[i].len, 0.0), TRIAD_VITA49_OK);
        }
    }
    assert_int_equal(col.count, 4);
    for (size_t k = 0; k < 4; k++)
        check_cpi(&s, &col.e[k], NULL);
    triad_cpi_asm_stats st;
    triad_cpi_asm_stats_get(a, &st);
    assert_true(st.ahead == 1 && st.resyncs == 0 && st.cpis_skipped == 0);
    /* 10 CPIs ahead is within reach: taken at once (CPIs 4..12 skipped) */
    set_index(b, &s.pk[0], 13 * s.pn);
    assert_int_equal(triad_cpi_asm_datagram(a, b, s.pk[0].len, 0.0), TRIAD_VITA49_OK);
    triad_cpi_asm_stats_get(a, &st);
    assert_true(st.ahead == 1);
    /* a real jump far ahead: the first 7 packets are dropped, the 8th starts over */
    for (size_t j = 0; j < 16; j++) {
        set_index(b, &s.pk[j], 1000 * s.pn + s.pk[j].first);
        assert_int_equal(triad_cpi_asm_datagram(a, b, s.pk[j].len, 1.0), TRIAD_VITA49_OK);
    }
    triad_cpi_asm_flush(a, 2.0);
    triad_cpi_asm_stats_get(a, &st);
    assert_true(st.ahead == 1 + 8 && st.resyncs == 1);
    assert_int_equal(col.count, 6); /* 13 (flushed at the resync), then 1000 */
    assert_true(col.e[4].cpi == 13 && col.e[5].cpi == 1000);
    assert_true(col.e[5].missing[0] == 7 * 64);
    triad_cpi_asm_destroy(a);
    free_collector(&col);
    free_stream(&s);
}

static void test_stream_ids(void **state)
{
    (void)state;
    stream s = make_stream(64, 16, 2, 1, 64, 9, NAN, 0, 0);
    collector col;
    triad_cpi_asm *a = make_asm(&s, &col, 0, 0.2);
    uint8_t b[(64 + 4) * 4];
    const uint32_t bad_ids[] = {STREAM_ID - 1, STREAM_ID + 2, 0, 0xffffffffu};
    for (size_t i = 0; i < 4; i++) {
        memcpy(b, s.pk[0].buf, s.pk[0].len);
        b[4] = (uint8_t)(bad_ids[i] >> 24);
        b[5] = (uint8_t)(bad_ids[i] >> 16);
        b[6] = (uint8_t)(bad_ids[i] >> 8);
        b[7] = (uint8_t)bad_ids[i];
        assert_int_equal(triad_cpi_asm_datagram(a, b, s.pk[0].len, 0.0), TRIAD_VITA49_STREAM);
    }
    assert_int_equal(triad_cpi_asm_datagram(a, b, 3, 0.0), TRIAD_VITA49_SHORT);
    triad_cpi_asm_stats st;
    triad_cpi_asm_stats_get(a, &st);
    assert_true(st.malformed == 5 && st.by_reason[TRIAD_VITA49_STREAM] == 4 &&
                st.by_reason[TRIAD_VITA49_SHORT] == 1 && st.packets == 0);
    /* the channels land in their places */
    for (size_t i = 0; i < s.npk; i++)
        feed(a, &s, i, 0.0);
    assert_int_equal(col.count, 1);
    check_cpi(&s, &col.e[0], NULL);
    triad_cpi_asm_destroy(a);
    free_collector(&col);
    free_stream(&s);
}

static void test_utc_estimate(void **state)
{
    (void)state;
    const double epoch = 1795000000.3, pri = 1e-3, fs = 1e6;
    /* 80 CPIs of 16 pulses of 1 ms: 1.28 s of stream, every phase of the second is seen */
    stream s = make_stream(64, 16, 1, 80, 100, 10, epoch, pri, fs);
    collector col;
    memset(&col, 0, sizeof col);
    col.c = 1;
    col.cpi_bytes = (size_t)s.pn * 4;
    triad_cpi_asm_cfg cfg = triad_cpi_asm_cfg_default();
    cfg.samples_per_pulse = 64;
    cfg.pulses_per_cpi = 16;
    cfg.num_channels = 1;
    cfg.stream_id = STREAM_ID;
    cfg.pri_s = pri;
    cfg.sample_rate_hz = fs;
    cfg.emit = collect;
    cfg.user = &col;
    triad_cpi_asm *a;
    assert_int_equal(triad_cpi_asm_create(&a, &cfg), 0);
    col.keep = true;
    for (size_t i = 0; i < s.npk; i++) {
        feed(a, &s, i, 0.0);
        if (col.count == 60) /* keep 60 CPIs, count the rest */
            col.keep = false;
    }
    /* the estimate never passes the epoch and ends within a pulse of it */
    for (size_t k = 0; k < 60; k++)
        assert_true(col.e[k].epoch_s <= epoch + 1e-6 && col.e[k].epoch_s > epoch - 1.0);
    assert_true(epoch - col.e[59].epoch_s < 2e-3);
    for (size_t k = 0; k < 60; k++)
        free(col.e[k].data);
    col.count = 0;
    triad_cpi_asm_destroy(a);
    free_stream(&s);
}

/* ---- the standard timestamps, context packets, trailers, profile, notes ---------------- */

static char notes[4096];
static int num_notes;

static void take_note(void *user, const char *msg)
{
    (void)user;
    num_notes++;
    const size_t n = strlen(notes);
    snprintf(notes + n, sizeof notes - n, "%s\n", msg);
}

enum { SN = 64, SP = 16, SC = 2, SCPIS = 5 };
static const double s_pri = 1e-3, s_fs = 1e6;
static const int64_t s_ep = 1795000000;

static triad_cpi_asm *make_std_asm(const stream *s, collector *col, bool has_epoch,
                                   int64_t ep_s, double ep_frac, bool difi)
{
    memset(col, 0, sizeof *col);
    col->c = s->c;
    col->cpi_bytes = (size_t)s->pn * s->c * 4;
    col->keep = true;
    notes[0] = '\0';
    num_notes = 0;
    triad_cpi_asm_cfg cfg = triad_cpi_asm_cfg_default();
    cfg.samples_per_pulse = s->n;
    cfg.pulses_per_cpi = s->p;
    cfg.num_channels = s->c;
    cfg.stream_id = STREAM_ID;
    cfg.pri_s = s_pri;
    cfg.sample_rate_hz = s_fs;
    cfg.carrier_hz = 3e9;
    cfg.bandwidth_hz = 2e5;
    cfg.has_epoch = has_epoch;
    cfg.epoch_utc_s = ep_s;
    cfg.epoch_frac_s = ep_frac;
    cfg.difi = difi;
    cfg.note = take_note;
    cfg.emit = collect;
    cfg.user = col;
    triad_cpi_asm *a;
    assert_int_equal(triad_cpi_asm_create(&a, &cfg), 0);
    return a;
}

static void feed_all(triad_cpi_asm *a, const stream *s)
{
    for (size_t i = 0; i < s->npk; i++)
        feed(a, s, i, 0.0);
    triad_cpi_asm_flush(a, 1.0);
}

/* CPIs first..first+SCPIS-1, each the truth of CPI k - first */
static void check_all(const stream *s, const collector *col, uint64_t first)
{
    assert_int_equal(col->count, SCPIS);
    for (size_t k = 0; k < SCPIS; k++) {
        assert_true(col->e[k].cpi == first + k);
        emitted e = col->e[k];
        e.cpi -= first;
        check_cpi(s, &e, NULL);
    }
}

static void test_standard_timestamps(void **state)
{
    (void)state;
    /* 5 CPIs of 16 pulses of 1 ms, starting 0.95 s into a second: the stream crosses a second
     * boundary, where the sample count starts again at 0 */
    const struct {
        unsigned tsf, tsi;
        bool meta_epoch;
    } modes[] = {
        {TRIAD_VITA49_TSF_SAMPLES, TRIAD_VITA49_TSI_UTC, true},
        {TRIAD_VITA49_TSF_SAMPLES, TRIAD_VITA49_TSI_UTC, false},
        {TRIAD_VITA49_TSF_PICOSECONDS, TRIAD_VITA49_TSI_UTC, true},
        {TRIAD_VITA49_TSF_SAMPLES, TRIAD_VITA49_TSI_GPS, true},
        {TRIAD_VITA49_TSF_SAMPLES, TRIAD_VITA49_TSI_OTHER, true}, /* not UTC: first packet */
    };
    for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++) {
        g_tsf = modes[m].tsf;
        g_tsi = modes[m].tsi;
        g_ep_s = s_ep;
        g_ep_frac = 0.95;
        stream s = make_stream(SN, SP, SC, SCPIS, 100, 20 + m, NAN, s_pri, s_fs);
        collector col;
        triad_cpi_asm *a = make_std_asm(&s, &col, modes[m].meta_epoch, s_ep, 0.95, false);
        /* pairs swapped: placed by time, not by arrival */
        for (size_t i = 0; i + 1 < s.npk; i += 2) {
            feed(a, &s, i + 1, 0.0);
            feed(a, &s, i, 0.0);
        }
        if (s.npk % 2)
            feed(a, &s, s.npk - 1, 0.0);
        triad_cpi_asm_flush(a, 1.0);
        check_all(&s, &col, 0);
        const bool utc = modes[m].tsi != TRIAD_VITA49_TSI_OTHER;
        for (size_t k = 0; k < SCPIS; k++)
            assert_true(utc ? col.e[k].epoch_s == (double)s_ep + 0.95 : isnan(col.e[k].epoch_s));
        /* the epoch's origin is told when it is the first packet */
        assert_int_equal(strstr(notes, "first packet's time") != NULL, !(utc && modes[m].meta_epoch));
        triad_cpi_asm_stats st;
        triad_cpi_asm_stats_get(a, &st);
        assert_true(st.malformed == 0 && st.lost == 0 && st.packets == s.npk);
        triad_cpi_asm_destroy(a);
        free_collector(&col);
        free_stream(&s);
    }
    /* the meta's epoch two CPIs before the stream: its CPIs are 2..6 */
    g_tsf = TRIAD_VITA49_TSF_SAMPLES;
    g_tsi = TRIAD_VITA49_TSI_UTC;
    g_ep_s = s_ep;
    g_ep_frac = 0.5;
    stream s = make_stream(SN, SP, SC, SCPIS, 64, 30, NAN, s_pri, s_fs);
    collector col;
    triad_cpi_asm *a = make_std_asm(&s, &col, true, s_ep, 0.5 - 2 * SP * s_pri, false);
    feed_all(a, &s);
    check_all(&s, &col, 2);
    triad_cpi_asm_destroy(a);
    free_collector(&col);
    free_stream(&s);
    g_tsf = TRIAD_VITA49_TSF_FREE_RUNNING;
}

/* A clock jump at a CPI boundary (the packet count following on) is taken at once: no packet
 * is late or ahead, every CPI arrives intact and numbered on, those after the jump carry it;
 * forward by an hour and 12.5 ms (not a whole PRI) or by 2.5 PRIs, back by a second or by half
 * a PRI. 16 lost packets after a boundary (the count cannot tell) are no jump; nor is one
 * packet far ahead mid-CPI (test_far_ahead), nor the free-running count. */
static void test_clock_jump(void **state)
{
    (void)state;
    /* an hour and 12.5 ms; back a second; forward 2.5 PRIs (within the CPIs that may be
     * ahead, off the grid); back half a PRI */
    const double jumps[] = {3600.0125, -1.0, 2.5 * s_pri, -0.5 * s_pri};
    for (size_t j = 0; j < 4; j++) {
        g_tsf = j % 2 ? TRIAD_VITA49_TSF_PICOSECONDS : TRIAD_VITA49_TSF_SAMPLES;
        g_tsi = TRIAD_VITA49_TSI_UTC;
        g_ep_s = s_ep;
        g_ep_frac = 0.5;
        g_jump_s = jumps[j];
        g_jump_from = 3 * (uint64_t)SN * SP; /* CPI 3 on */
        stream s = make_stream(SN, SP, SC, SCPIS, 128, 40 + j, NAN, s_pri, s_fs);
        collector col;
        /* the meta's epoch 10 s before the stream: its CPIs are 625.. (a second back stays
         * after the epoch) */
        const uint64_t first = 625;
        triad_cpi_asm *a = make_std_asm(&s, &col, true, s_ep - 10, 0.5, false);
        feed_all(a, &s);
        check_all(&s, &col, first);
        for (size_t k = 0; k < SCPIS; k++)
            assert_true(k < 3 ? col.e[k].jump_s == 0.0 : fabs(col.e[k].jump_s - jumps[j]) < 1e-9);
        triad_cpi_asm_stats st;
        triad_cpi_asm_stats_get(a, &st);
        assert_true(st.clock_jumps == 1 && st.late == 0 && st.ahead == 0 && st.lost == 0 &&
                    st.resyncs == 0 && st.malformed == 0 && st.packets == s.npk);
        char want[120];
        snprintf(want, sizeof want, "the clock jumped %+.9f s at sample index %llu (CPI %llu",
                 jumps[j], (unsigned long long)((first + 3) * SN * SP),
                 (unsigned long long)(first + 3));
        assert_non_null(strstr(notes, want));
        triad_cpi_asm_destroy(a);
        free_collector(&col);
        free_stream(&s);
    }
    /* 16 packets of a stream lost right after a CPI boundary: its count follows on (mod 16)
     * and its time is ahead, but on the pulse grid: lost packets, no jump */
    g_tsf = TRIAD_VITA49_TSF_SAMPLES;
    g_jump_s = 0.0;
    g_jump_from = UINT64_MAX;
    stream s = make_stream(SN, SP, SC, SCPIS, 32, 50, NAN, s_pri, s_fs);
    collector col;
    triad_cpi_asm *a = make_std_asm(&s, &col, true, s_ep - 10, 0.5, false);
    size_t dropped = 0;
    for (size_t i = 0; i < s.npk; i++) {
        if (s.pk[i].ch == 0 && s.pk[i].first >= 2 * s.pn && dropped < 16) {
            dropped++;
            continue;
        }
        feed(a, &s, i, 0.0);
    }
    triad_cpi_asm_flush(a, 1.0);
    triad_cpi_asm_stats st;
    triad_cpi_asm_stats_get(a, &st);
    assert_true(dropped == 16 && st.clock_jumps == 0 && st.ahead == 0 && st.late == 0);
    assert_int_equal(col.count, SCPIS);
    for (size_t k = 0; k < SCPIS; k++) /* CPI 2 misses its first 16 x 32 samples of channel 0 */
        assert_true(col.e[k].missing[0] == (k == 2 ? 16 * 32 : 0) && col.e[k].missing[1] == 0);
    triad_cpi_asm_destroy(a);
    free_collector(&col);
    free_stream(&s);
    g_tsf = TRIAD_VITA49_TSF_FREE_RUNNING;
}

/* set the fractional timestamp (the 2 words before the payload) of a packet without class ID */
static void set_frac(uint8_t *b, const packet *k, uint64_t v)
{
    const size_t at = k->len - k->n * 4 - 8;
    memcpy(b, k->buf, k->len);
    for (int i = 0; i < 8; i++)
        b[at + (size_t)i] = (uint8_t)(v >> (56 - 8 * i));
}

static void test_standard_rejects(void **state)
{
    (void)state;
    g_tsf = TRIAD_VITA49_TSF_SAMPLES;
    g_tsi = TRIAD_VITA49_TSI_UTC;
    g_ep_s = s_ep;
    g_ep_frac = 0.25;
    stream s = make_stream(SN, SP, SC, 1, 64, 40, NAN, s_pri, s_fs);
    collector col;
    triad_cpi_asm *a = make_std_asm(&s, &col, true, s_ep, 0.25, false);
    uint8_t b[(64 + 8) * 4];
    /* a sample count of the sample rate (1 s) or more */
    set_frac(b, &s.pk[0], 1000000);
    assert_int_equal(triad_cpi_asm_datagram(a, b, s.pk[0].len, 0.0), TRIAD_VITA49_FRACTION);
    set_frac(b, &s.pk[0], UINT64_MAX);
    assert_int_equal(triad_cpi_asm_datagram(a, b, s.pk[0].len, 0.0), TRIAD_VITA49_FRACTION);
    assert_non_null(strstr(notes, "'fractional timestamp': stream ID 0x00000100: sample count "
                                  "1000000 within the second, not below the sample rate 1000000 Hz"));
    /* between receive windows: 500 samples after a pulse's start, its window has 64 */
    set_frac(b, &s.pk[0], 250000 + 500);
    assert_int_equal(triad_cpi_asm_datagram(a, b, s.pk[0].len, 0.0), TRIAD_VITA49_WINDOW);
    assert_non_null(strstr(notes, "is sample 500 after the start of pulse 0: outside its receive "
                                  "window of 64 samples"));
    /* before the epoch */
    set_frac(b, &s.pk[0], 100000);
    assert_int_equal(triad_cpi_asm_datagram(a, b, s.pk[0].len, 0.0), TRIAD_VITA49_WINDOW);
    /* a stream ID of no channel, told with the range expected */
    memcpy(b, s.pk[0].buf, s.pk[0].len);
    b[7] = 0x34;
    b[6] = 0x12;
    assert_int_equal(triad_cpi_asm_datagram(a, b, s.pk[0].len, 0.0), TRIAD_VITA49_STREAM);
    assert_int_equal(triad_cpi_asm_datagram(a, b, s.pk[0].len, 0.0), TRIAD_VITA49_STREAM);
    assert_non_null(strstr(notes, "'stream ID': stream ID 0x00001234, expected "
                                  "0x00000100..0x00000101"));
    /* a parser rejection, told with its values */
    memcpy(b, s.pk[0].buf, s.pk[0].len);
    b[3]++;
    assert_int_equal(triad_cpi_asm_datagram(a, b, s.pk[0].len, 0.0), TRIAD_VITA49_SIZE);
    char want[160];
    snprintf(want, sizeof want, "'size field': size field %zu words, datagram %zu words",
             s.pk[0].len / 4 + 1, s.pk[0].len / 4);
    assert_non_null(strstr(notes, want));
    /* each reason once: 7 rejections, 4 reasons, 4 notes */
    assert_int_equal(num_notes, 4);
    triad_cpi_asm_stats st;
    triad_cpi_asm_stats_get(a, &st);
    assert_true(st.malformed == 7 && st.by_reason[TRIAD_VITA49_FRACTION] == 2 &&
                st.by_reason[TRIAD_VITA49_WINDOW] == 2 && st.by_reason[TRIAD_VITA49_STREAM] == 2 &&
                st.by_reason[TRIAD_VITA49_SIZE] == 1 && st.packets == 0);
    /* the stream itself is whole */
    feed_all(a, &s);
    assert_int_equal(col.count, 1);
    check_cpi(&s, &col.e[0], NULL);
    triad_cpi_asm_destroy(a);
    free_collector(&col);
    free_stream(&s);
    g_tsf = TRIAD_VITA49_TSF_FREE_RUNNING;
}

static size_t context_packet(uint8_t *b, uint32_t stream_id, const triad_vita49_context *x)
{
    triad_vita49_packet c = {.stream_id = stream_id, .tsi = TRIAD_VITA49_TSI_UTC,
                             .tsf = TRIAD_VITA49_TSF_SAMPLES, .int_ts = (uint32_t)s_ep,
                             .has_class_id = g_difi_class, .oui = TRIAD_VITA49_DIFI_OUI,
                             .packet_class = TRIAD_VITA49_DIFI_CONTEXT_CLASS};
    c.ctx = *x;
    const size_t len = triad_vita49_encode_context(b, 256, &c);
    assert_true(len > 0);
    return len;
}

static void test_context_packets(void **state)
{
    (void)state;
    /* the device samples at 2 MS/s (its context says so; the meta says 1) and its timestamps
     * run 1 ms (one PRI) late, which its timestamp adjustment takes back */
    g_tsf = TRIAD_VITA49_TSF_SAMPLES;
    g_tsi = TRIAD_VITA49_TSI_UTC;
    g_ep_s = s_ep;
    g_ep_frac = 0.25 + 1e-3;
    stream s = make_stream(SN, SP, SC, SCPIS, 100, 50, NAN, s_pri, 2e6);
    collector col;
    triad_cpi_asm *a = make_std_asm(&s, &col, true, s_ep, 0.25, false);
    uint8_t b[256];
    const triad_vita49_context x = {
        .cif0 = TRIAD_VITA49_CIF0_SAMPLE_RATE | TRIAD_VITA49_CIF0_TS_ADJUST |
                TRIAD_VITA49_CIF0_RF_REF | TRIAD_VITA49_CIF0_BANDWIDTH | TRIAD_VITA49_CIF0_GAIN,
        .sample_rate_hz = 2e6, .ts_adjust_ps = -1000000000, .rf_ref_hz = 3.1e9,
        .bandwidth_hz = 1e5, .gain1_db = 12.5};
    for (uint32_t c = 0; c < SC; c++)
        assert_int_equal(triad_cpi_asm_datagram(a, b, context_packet(b, STREAM_ID + c, &x), 0.0),
                         TRIAD_VITA49_OK);
    feed_all(a, &s);
    check_all(&s, &col, 0);
    assert_non_null(strstr(notes, "warning: context packet of stream ID 0x00000100: sample rate "
                                  "2000000 Hz, the meta says 1000000 Hz"));
    assert_non_null(strstr(notes, "RF reference frequency 3100000000 Hz, the meta's carrier is "
                                  "3000000000 Hz"));
    assert_non_null(strstr(notes, "bandwidth 100000 Hz is narrower than the meta's waveform"));
    assert_non_null(strstr(notes, "context of stream ID 0x00000101"));
    assert_non_null(strstr(notes, "gain 12.50 + 0.00 dB"));
    triad_cpi_asm_stats st;
    triad_cpi_asm_stats_get(a, &st);
    assert_true(st.context == SC && st.malformed == 0);
    /* a context of no channel, and a rate that is not positive, are rejected */
    assert_int_equal(triad_cpi_asm_datagram(a, b, context_packet(b, 7, &x), 0.0),
                     TRIAD_VITA49_STREAM);
    triad_vita49_context bad = x;
    bad.sample_rate_hz = 0;
    assert_int_equal(triad_cpi_asm_datagram(a, b, context_packet(b, STREAM_ID, &bad), 0.0),
                     TRIAD_VITA49_CONTEXT);
    triad_cpi_asm_destroy(a);
    free_collector(&col);
    free_stream(&s);
    /* without the context, the same stream is read at the meta's rate and 1 ms late: its
     * pulses land twice as far apart, from pulse 252 on (CPI 15), not as CPIs 0..4 */
    s = make_stream(SN, SP, SC, SCPIS, 100, 50, NAN, s_pri, 2e6);
    a = make_std_asm(&s, &col, true, s_ep, 0.25, false);
    for (size_t i = 0; i < s.npk; i++)
        triad_cpi_asm_datagram(a, s.pk[i].buf, s.pk[i].len, 0.0);
    triad_cpi_asm_flush(a, 1.0);
    assert_true(col.count > 0 && col.e[0].cpi == 15);
    triad_cpi_asm_destroy(a);
    free_collector(&col);
    free_stream(&s);
    g_tsf = TRIAD_VITA49_TSF_FREE_RUNNING;
}

static void test_trailer_and_profile(void **state)
{
    (void)state;
    /* every packet says over-range and reference unlocked: each CPI of each channel does */
    g_trailer = TRIAD_VITA49_TRAILER(TRIAD_VITA49_TR_OVER_RANGE, 1) |
                TRIAD_VITA49_TRAILER(TRIAD_VITA49_TR_REF_LOCK, 0) |
                TRIAD_VITA49_TRAILER(TRIAD_VITA49_TR_VALID_DATA, 1);
    stream s = make_stream(SN, SP, SC, 2, 64, 60, NAN, 0, 0);
    collector col;
    triad_cpi_asm *a = make_asm(&s, &col, 0, 0.2);
    feed_all(a, &s);
    assert_int_equal(col.count, 2);
    for (size_t k = 0; k < 2; k++) {
        check_cpi(&s, &col.e[k], NULL);
        for (size_t c = 0; c < SC; c++)
            assert_int_equal(col.e[k].quality[c],
                             TRIAD_QUALITY_OVER_RANGE | TRIAD_QUALITY_REF_UNLOCKED);
    }
    triad_cpi_asm_stats st;
    triad_cpi_asm_stats_get(a, &st);
    assert_true(st.trailer_flags[1] == s.npk && st.trailer_flags[2] == s.npk &&
                st.trailer_flags[0] == 0 && st.trailer_flags[3] == 0);
    triad_cpi_asm_destroy(a);
    free_collector(&col);
    free_stream(&s);
    g_trailer = 0;

    /* DIFI: class ID of DIFI's OUI and picoseconds; anything else is "profile" */
    g_tsf = TRIAD_VITA49_TSF_PICOSECONDS;
    g_tsi = TRIAD_VITA49_TSI_UTC;
    g_ep_s = s_ep;
    g_ep_frac = 0.5;
    for (int conforming = 0; conforming < 2; conforming++) {
        g_difi_class = conforming;
        s = make_stream(SN, SP, SC, SCPIS, 100, 61, NAN, s_pri, s_fs);
        a = make_std_asm(&s, &col, true, s_ep, 0.5, true);
        for (size_t i = 0; i < s.npk; i++)
            assert_int_equal(triad_cpi_asm_datagram(a, s.pk[i].buf, s.pk[i].len, 0.0),
                             conforming ? TRIAD_VITA49_OK : TRIAD_VITA49_PROFILE);
        triad_cpi_asm_flush(a, 1.0);
        if (conforming) {
            check_all(&s, &col, 0);
        } else {
            assert_int_equal(col.count, 0);
            assert_non_null(strstr(notes, "class ID absent, OUI 0x000000 packet class 0x0000, "
                                          "DIFI has OUI 0x6a621e packet class 0x0000"));
        }
        triad_cpi_asm_destroy(a);
        free_collector(&col);
        free_stream(&s);
    }
    g_difi_class = false;
    g_tsf = TRIAD_VITA49_TSF_FREE_RUNNING;
}

static void test_create_rejects(void **state)
{
    (void)state;
    collector col = {0};
    triad_cpi_asm_cfg cfg = triad_cpi_asm_cfg_default();
    cfg.samples_per_pulse = 64;
    cfg.pulses_per_cpi = 16;
    cfg.num_channels = 1;
    cfg.emit = collect;
    cfg.user = &col;
    triad_cpi_asm *a = (triad_cpi_asm *)&col;
    triad_cpi_asm_cfg bad = cfg;
    bad.samples_per_pulse = 0;
    assert_int_equal(triad_cpi_asm_create(&a, &bad), TRIAD_EINVAL);
    assert_null(a);
    bad = cfg;
    bad.num_channels = 0;
    assert_int_equal(triad_cpi_asm_create(&a, &bad), TRIAD_EINVAL);
    bad = cfg;
    bad.reorder_samples = 64 * 16 + 1;
    assert_int_equal(triad_cpi_asm_create(&a, &bad), TRIAD_EINVAL);
    assert_non_null(strstr(triad_errmsg(), "reorder window"));
    bad = cfg;
    bad.emit = NULL;
    assert_int_equal(triad_cpi_asm_create(&a, &bad), TRIAD_EINVAL);
    bad = cfg;
    bad.samples_per_pulse = (size_t)1 << 26;
    bad.pulses_per_cpi = (size_t)1 << 20;
    bad.num_channels = 4096;
    assert_int_equal(triad_cpi_asm_create(&a, &bad), TRIAD_EINVAL);
    bad = cfg;
    bad.reorder_samples = 64 * 16; /* a whole CPI is allowed */
    assert_int_equal(triad_cpi_asm_create(&a, &bad), 0);
    triad_cpi_asm_destroy(a);
    triad_cpi_asm_destroy(NULL);
}

/* ~100k datagrams: random bytes of every length, and valid packets mutated (bit flips, a
 * random size field, a random or nearby sample index, cut short, grown), mixed with valid
 * ones. Nothing may crash or read out of bounds (the sanitizer build), the counters must
 * add up and CPIs must still be handed on in order. */
static void test_hostile(void **state)
{
    (void)state;
    stream s = make_stream(32, 8, 2, 40, 50, 11, 1795000000.0, 1e-4, 1e6);
    collector col;
    triad_cpi_asm *a = make_asm(&s, &col, 0, 0.01);
    col.keep = false;
    col.a = a;
    test_rng r = {99};
    static uint8_t b[TRIAD_VITA49_MAX_DATAGRAM];
    const int total = 100000;
    size_t valid_sent = 0;
    const clock_t c0 = clock();
    double now = 0.0;
    for (int t = 0; t < total; t++) {
        now += 1e-5 * test_rng_uniform(&r);
        /* the stream in order (starting over at its end: a sender restart), the mutations
         * made from its current packet */
        const packet *q = &s.pk[(size_t)t % s.npk];
        size_t len;
        const unsigned kind = (unsigned)(test_rng_next(&r) % 8);
        if (kind == 0) { /* random bytes, mostly short, sometimes up to 64 KiB */
            len = test_rng_next(&r) % 8 == 0 ? (size_t)(test_rng_next(&r) % sizeof b)
                                             : (size_t)(test_rng_next(&r) % 300);
            for (size_t i = 0; i < len; i++)
                b[i] = (uint8_t)test_rng_next(&r);
        } else {
            len = q->len;
            memcpy(b, q->buf, len);
            switch (kind) {
            case 1: /* flip 1..4 bits anywhere in the first 24 bytes (the header) */
                for (int f = 1 + (int)(test_rng_next(&r) % 4); f > 0; f--) {
                    const size_t bit = (size_t)(test_rng_next(&r) % (24 * 8));
                    b[bit / 8] ^= (uint8_t)(1u << (bit % 8));
                }
                break;
            case 2: /* a random size field */
                b[2] = (uint8_t)test_rng_next(&r);
                b[3] = (uint8_t)test_rng_next(&r);
                break;
            case 3: /* a random 64-bit sample index (the TSF is the last 8 header bytes) */
                for (int i = 12; i < 20; i++)
                    b[i] = (uint8_t)test_rng_next(&r);
                break;
            case 4: /* a nearby index: reordering, late and future packets */
            {
                const int64_t shift = (int64_t)(test_rng_next(&r) % 4001) - 2000;
                uint64_t idx = q->first + (uint64_t)shift;
                if ((int64_t)q->first + shift < 0)
                    idx = 0;
                for (int i = 0; i < 8; i++)
                    b[12 + i] = (uint8_t)(idx >> (56 - 8 * i));
                break;
            }
            case 5: /* cut short anywhere */
                len = (size_t)(test_rng_next(&r) % len);
                break;
            case 6: /* grown by 1..8 bytes of garbage */
            {
                const size_t extra = 1 + (size_t)(test_rng_next(&r) % 8);
                for (size_t i = 0; i < extra; i++)
                    b[len + i] = (uint8_t)test_rng_next(&r);
                len += extra;
                break;
            }
            default: /* valid */
                valid_sent++;
                break;
            }
        }
        /* exactly len bytes on the heap: a read past the end is caught */
        uint8_t *d = malloc(len ? len : 1);
        memcpy(d, b, len);
        triad_cpi_asm_datagram(a, d, len, now);
        free(d);
        if (t % 97 == 0)
            triad_cpi_asm_poll(a, now);
    }
    triad_cpi_asm_flush(a, now + 1.0);
    const double cpu_s = (double)(clock() - c0) / CLOCKS_PER_SEC;
    triad_cpi_asm_stats st;
    triad_cpi_asm_stats_get(a, &st);
    assert_true(st.datagrams == (uint64_t)total);
    assert_true(st.packets + st.context + st.malformed == st.datagrams);
    uint64_t sum = 0;
    for (int i = 0; i < TRIAD_VITA49_NSTATUS; i++)
        sum += st.by_reason[i];
    assert_true(sum == st.malformed);
    assert_true(st.packets >= valid_sent);
    assert_true(st.cpis == col.count && col.count > 0);
    print_message("hostile: %d datagrams, %llu valid, %llu malformed, %llu late, %llu CPIs "
                  "(%llu degraded, %llu skipped), %llu resyncs, %.2f s CPU\n",
                  total, (unsigned long long)st.packets, (unsigned long long)st.malformed,
                  (unsigned long long)st.late, (unsigned long long)st.cpis,
                  (unsigned long long)st.cpis_degraded, (unsigned long long)st.cpis_skipped,
                  (unsigned long long)st.resyncs, cpu_s);
    assert_true(cpu_s < 60.0);
    triad_cpi_asm_destroy(a);
    free_stream(&s);
}

/* every test starts from the free-running form, whatever one before it left */
static int reset_form(void **state)
{
    (void)state;
    g_tsf = TRIAD_VITA49_TSF_FREE_RUNNING;
    g_tsi = TRIAD_VITA49_TSI_UTC;
    g_ep_s = 0;
    g_ep_frac = 0.0;
    g_trailer = 0;
    g_difi_class = false;
    g_jump_s = 0.0;
    g_jump_from = UINT64_MAX;
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_in_order, reset_form),
        cmocka_unit_test_setup(test_reordered, reset_form),
        cmocka_unit_test_setup(test_lost_packets, reset_form),
        cmocka_unit_test_setup(test_lost_bursts, reset_form),
        cmocka_unit_test_setup(test_window_boundary_and_late, reset_form),
        cmocka_unit_test_setup(test_timeout, reset_form),
        cmocka_unit_test_setup(test_duplicates, reset_form),
        cmocka_unit_test_setup(test_skipped_cpis, reset_form),
        cmocka_unit_test_setup(test_resync, reset_form),
        cmocka_unit_test_setup(test_far_ahead, reset_form),
        cmocka_unit_test_setup(test_stream_ids, reset_form),
        cmocka_unit_test_setup(test_utc_estimate, reset_form),
        cmocka_unit_test_setup(test_standard_timestamps, reset_form),
        cmocka_unit_test_setup(test_clock_jump, reset_form),
        cmocka_unit_test_setup(test_standard_rejects, reset_form),
        cmocka_unit_test_setup(test_context_packets, reset_form),
        cmocka_unit_test_setup(test_trailer_and_profile, reset_form),
        cmocka_unit_test_setup(test_create_rejects, reset_form),
        cmocka_unit_test_setup(test_hostile, reset_form),
    };
    return cmocka_run_group_tests_name("io_cpi_assembler", tests, NULL, NULL);
}
