/* FFTW backend: the chain on the CPU.
 *
 * Range stage, one pulse at a time per thread, in a cache-resident buffer:
 *   convert (ci16/cf32 -> float, NaN/Inf -> 0) -> FFT -> x w_d[m] conj(H)/Nfft -> IFFT
 *   -> work[m] (row stride `stride` >= Nfft, padded so that the Doppler stage's column blocks
 *   do not fall into a few cache sets; the Doppler weight is folded into the multiply when
 *   no MTI) (all channels of a pulse together: interleaved samples are read from memory once)
 * MTI (when asked): the canceller and the Doppler weights, row by row in place.
 * Doppler stage: FFTW's strided transform across pulses, in place, blocks of columns per
 * thread, and the power of a block while it is in cache: row k of the map =
 * |work[(k + ceil(P/2)) mod P]|^2 (fftshift).
 * Only the columns the detector reads (the range_bins searched ones and the one after, which
 * peak interpolation reads, rounded up to whole blocks) go through MTI, Doppler and power in
 * execute; the partial columns past them are done on demand the first time the power map of
 * a CPI is asked for (triad_chain_power_map returns all N columns).
 * Then CFAR and extraction on the map (proc/cfar_cpu.c).
 * Every buffer and plan is made in create; execute allocates nothing.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include <fftw3.h>
#include <float.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "core/error_internal.h"
#include "proc/backend.h"
#include "proc/cfar_cpu.h"

/* Range columns per Doppler transform call: a multiple of 8 keeps every block's start as
 * aligned as the planned one (8 x 8 B = 64 B). */
enum { DOPPLER_BLOCK = 64 };

/* Hot loops get AVX-512 and AVX2 clones picked at load time by CPU feature (not by model name, which
 * "arch=" clones test); the default clone runs anywhere. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define TRIAD_HOT __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define TRIAD_HOT
#endif

/* FFTW's planner is not thread-safe; execute is. Wisdom import and export take the lock too. */
static pthread_mutex_t planner_lock = PTHREAD_MUTEX_INITIALIZER;
/* Set when a plan was made by measuring (not from wisdom, not estimated): a save has news. */
static int wisdom_news;

int triad__fftw_wisdom_import(const char *text)
{
    pthread_mutex_lock(&planner_lock);
    const int ok = fftwf_import_wisdom_from_string(text);
    pthread_mutex_unlock(&planner_lock);
    return ok ? 0 : TRIAD_EFORMAT;
}

char *triad__fftw_wisdom_export(void)
{
    pthread_mutex_lock(&planner_lock);
    char *text = fftwf_export_wisdom_to_string();
    wisdom_news = 0;
    pthread_mutex_unlock(&planner_lock);
    return text;
}

void triad__fftw_free(void *p) { fftwf_free(p); }

int triad__fftw_wisdom_changed(void)
{
    pthread_mutex_lock(&planner_lock);
    const int news = wisdom_news;
    pthread_mutex_unlock(&planner_lock);
    return news;
}

/* A plan from wisdom when there is some for these flags (planning then takes microseconds),
 * else by the flags themselves; news noted when FFTW had to measure. fallback (the auto
 * backend's switch to FFTW mid-stream): never measure there: wisdom, else estimate. */
static fftwf_plan plan_many(int n, int howmany, fftwf_complex *in, fftwf_complex *out,
                            int stride, int dist, int sign, unsigned flags, int fallback,
                            int *estimated)
{
    fftwf_plan pl = fftwf_plan_many_dft(1, &n, howmany, in, NULL, stride, dist, out, NULL, stride,
                                        dist, sign, flags | FFTW_WISDOM_ONLY);
    if (pl || flags == FFTW_ESTIMATE)
        return pl ? pl : fftwf_plan_many_dft(1, &n, howmany, in, NULL, stride, dist, out, NULL,
                                             stride, dist, sign, FFTW_ESTIMATE);
    if (fallback) {
        *estimated = 1;
        flags = FFTW_ESTIMATE;
    } else {
        wisdom_news = 1;
    }
    return fftwf_plan_many_dft(1, &n, howmany, in, NULL, stride, dist, out, NULL, stride, dist,
                               sign, flags);
}

typedef struct {
    const triad__plan *plan;
    size_t stride;             /* row stride of the work buffers, >= nfft */
    size_t map_ld;             /* row stride of the maps, >= N */
    size_t used_blocks;        /* Doppler blocks execute transforms (the detector's columns) */
    pthread_mutex_t tail_lock; /* the on-demand partial columns of the power map */
    unsigned char *tail_ready; /* per channel: partial columns done for the last CPI */
    fftwf_plan range_fwd, range_inv, doppler, doppler_tail;
    fftwf_complex *spectrum;   /* conj(FFT(h)) / Nfft [size: nfft] */
    fftwf_complex **pulse_buf; /* per thread [size: nfft] */
    fftwf_complex **work;      /* per channel: compressed, then Doppler-transformed
                                  [size: P x nfft] */
    fftwf_complex **cube;      /* keep_compressed: compressed pulses per channel [size: P x N] */
    float **map;               /* per channel [size: P x map_ld] */
    void *sorted;              /* channel order (C > 1): the CPI's samples, channel after
                                  channel [size: C x P x N samples] */
    triad__cfar *cfar;
} fftw_state;

static void fftw_destroy(void *st)
{
    fftw_state *s = st;
    if (!s)
        return;
    pthread_mutex_lock(&planner_lock);
    if (s->range_fwd) fftwf_destroy_plan(s->range_fwd);
    if (s->range_inv) fftwf_destroy_plan(s->range_inv);
    if (s->doppler) fftwf_destroy_plan(s->doppler);
    if (s->doppler_tail) fftwf_destroy_plan(s->doppler_tail);
    pthread_mutex_unlock(&planner_lock);
    const int t = s->plan->threads;
    for (int i = 0; s->pulse_buf && i < t; i++) fftwf_free(s->pulse_buf[i]);
    for (size_t i = 0; s->cube && i < s->plan->c; i++) fftwf_free(s->cube[i]);
    for (size_t i = 0; s->map && i < s->plan->c; i++) fftwf_free(s->map[i]);
    free(s->pulse_buf);
    for (size_t i = 0; s->work && i < (s->sorted ? 1 : s->plan->c); i++) fftwf_free(s->work[i]);
    free(s->work);
    free(s->cube);
    free(s->map);
    free(s->tail_ready);
    free(s->sorted);
    pthread_mutex_destroy(&s->tail_lock);
    fftwf_free(s->spectrum);
    triad__cfar_destroy(s->cfar);
    free(s);
}

static unsigned planner_flags(triad_fft_effort e)
{
    return e == TRIAD_FFT_PATIENT ? FFTW_PATIENT
         : e == TRIAD_FFT_MEASURE ? FFTW_MEASURE
                                  : FFTW_ESTIMATE;
}

static int make_plans(fftw_state *s)
{
    const triad__plan *p = s->plan;
    const unsigned flags = planner_flags(p->fft_effort);
    const int nfft = (int)p->nfft, np = (int)p->p;
    const int block = p->n < DOPPLER_BLOCK ? (int)p->n : DOPPLER_BLOCK;
    const int tail = (int)(p->n % (size_t)block);
    const int fb = p->fft_fallback;
    int estimated = 0;
    pthread_mutex_lock(&planner_lock);
    s->range_fwd = plan_many(nfft, 1, s->pulse_buf[0], s->pulse_buf[0], 1, nfft, FFTW_FORWARD,
                             flags, fb, &estimated);
    /* inverse straight into the pulse's row of the work buffer (rows are Nfft long) */
    s->range_inv = plan_many(nfft, 1, s->pulse_buf[0], s->work[0], 1, nfft, FFTW_BACKWARD, flags,
                             fb, &estimated);
    const int stride = (int)s->stride;
    s->doppler = plan_many(np, block, s->work[0], s->work[0], stride, 1, FFTW_FORWARD, flags, fb,
                           &estimated);
    if (tail)
        s->doppler_tail = plan_many(np, tail, s->work[0], s->work[0], stride, 1, FFTW_FORWARD,
                                    flags, fb, &estimated);
    /* the reference spectrum, planned once and thrown away */
    fftwf_plan ref = fftwf_plan_dft_1d(nfft, s->spectrum, s->spectrum, FFTW_FORWARD,
                                       FFTW_ESTIMATE);
    pthread_mutex_unlock(&planner_lock);
    if (estimated)
        triad__warn("fftw: no wisdom for these transforms (%zu and %zu points): planned at "
                    "FFTW_ESTIMATE rather than measuring mid-stream; transforms may run slower",
                    p->nfft, p->p);
    if (!s->range_fwd || !s->range_inv || !s->doppler || (tail && !s->doppler_tail) || !ref) {
        if (ref) fftwf_destroy_plan(ref);
        return triad__fail(TRIAD_EBACKEND, "fftw: could not plan transforms of %zu and %zu points",
                           p->nfft, p->p);
    }
    /* H = conj(FFT(h)) / Nfft, from the reference in double via a float transform: the
     * reference is exact to float precision and one transform adds ~1e-7 relative error */
    memset(s->spectrum, 0, p->nfft * sizeof *s->spectrum);
    for (size_t k = 0; k < p->l; k++) {
        s->spectrum[k][0] = (float)creal(p->ref[k]);
        s->spectrum[k][1] = (float)cimag(p->ref[k]);
    }
    fftwf_execute(ref);
    pthread_mutex_lock(&planner_lock);
    fftwf_destroy_plan(ref);
    pthread_mutex_unlock(&planner_lock);
    const float scale = 1.0f / (float)p->nfft;
    for (size_t k = 0; k < p->nfft; k++) {
        s->spectrum[k][0] *= scale;
        s->spectrum[k][1] *= -scale;
    }
    return 0;
}

static size_t sample_bytes(triad_format f) { return f == TRIAD_FORMAT_CI16_LE ? 4 : 8; }

/* Channel order (see fftw_execute_cpi): when a channel's work buffer and map fit in L2 but
 * all channels' do not fit in the last-level cache's working share, reusing one work buffer
 * saves more than sorting the CPI into channel order costs (measured on cpu-2core, 2 MiB L2:
 * 48x64x1909 0.82x the time; 48x128x3500 (5.5 MB a channel) 1.08x and 16x128x9000 1.2x, hence
 * the L2 rule). TRIAD_FFTW_CHANNEL_ORDER=0|1 overrides it (benchmarks). */
static int channel_order(const triad__plan *p, size_t stride, size_t map_ld)
{
    if (p->c < 2)
        return 0;
    const char *force = getenv("TRIAD_FFTW_CHANNEL_ORDER");
    if (force && (force[0] == '0' || force[0] == '1'))
        return force[0] == '1';
    long l2 = -1;
#ifdef _SC_LEVEL2_CACHE_SIZE
    l2 = sysconf(_SC_LEVEL2_CACHE_SIZE);
#endif
    if (l2 <= 0)
        l2 = 1L << 20;
    const double channel = (double)p->p * ((double)stride * 8.0 + (double)map_ld * 4.0);
    return channel <= (double)l2 && channel * (double)p->c > 8.0 * (double)l2;
}

static int fftw_create(void **out, const triad__plan *p)
{
    *out = NULL;
    fftw_state *s = calloc(1, sizeof *s);
    if (!s)
        return triad__fail(TRIAD_ENOMEM, "fftw backend: out of memory");
    s->plan = p;
    pthread_mutex_init(&s->tail_lock, NULL);
    /* rows a whole number of 64-byte lines apart, an odd number of them: a column block's
       P rows then spread over every L1/L2 set (Nfft x 8 B is often a multiple of 4 KiB) */
    s->stride = (p->nfft + 7) / 8 * 8;
    if ((s->stride / 8) % 2 == 0)
        s->stride += 8;
    s->map_ld = (p->n + 15) / 16 * 16; /* likewise for the CFAR's span of map rows */
    if ((s->map_ld / 16) % 2 == 0)
        s->map_ld += 16;
    const size_t block = p->n < DOPPLER_BLOCK ? p->n : DOPPLER_BLOCK;
    const size_t need = p->range_bins + 1 < p->n ? p->range_bins + 1 : p->n;
    s->used_blocks = (need + block - 1) / block;
    const int t = p->threads;
    s->pulse_buf = calloc((size_t)t, sizeof *s->pulse_buf);
    s->cube = calloc(p->c, sizeof *s->cube);
    s->map = calloc(p->c, sizeof *s->map);
    s->spectrum = fftwf_malloc(p->nfft * sizeof *s->spectrum);
    s->work = calloc(p->c, sizeof *s->work);
    s->tail_ready = calloc(p->c, 1);
    int ok = s->pulse_buf && s->cube && s->map && s->spectrum && s->work && s->tail_ready;
    if (ok && channel_order(p, s->stride, s->map_ld))
        ok = (s->sorted = malloc(p->c * p->p * p->n * sample_bytes(p->format))) != NULL;
    /* channel order: one work buffer for every channel, used while it is in cache */
    for (size_t i = 0; ok && i < p->c; i++)
        ok = (s->work[i] = i && s->sorted ? s->work[0]
                                          : fftwf_malloc(p->p * s->stride * sizeof(fftwf_complex)))
             != NULL;
    for (int i = 0; ok && i < t; i++)
        ok = (s->pulse_buf[i] = fftwf_malloc(p->nfft * sizeof(fftwf_complex))) != NULL;
    for (size_t i = 0; ok && p->keep_compressed && i < p->c; i++)
        ok = (s->cube[i] = fftwf_malloc(p->p * p->n * sizeof(fftwf_complex))) != NULL;
    for (size_t i = 0; ok && i < p->c; i++)
        ok = (s->map[i] = fftwf_malloc(p->p * s->map_ld * sizeof(float))) != NULL;
    if (!ok) {
        fftw_destroy(s);
        return triad__fail(TRIAD_ENOMEM, "fftw backend: out of memory for a %zu x %zu x %zu CPI",
                           p->p, p->n, p->c);
    }
    int err = make_plans(s);
    if (!err)
        err = triad__cfar_create(&s->cfar, p, s->map_ld);
    if (err) {
        fftw_destroy(s);
        return err;
    }
    *out = s;
    return 0;
}

static inline int thread_id(void)
{
#ifdef _OPENMP
    return omp_get_thread_num();
#else
    return 0;
#endif
}

/* Load the N samples of a pulse, sample `base` of raw and every stride-th after it, into
 * buf[0..N-1] as float, zero the rest; returns non-finite samples found (replaced by 0). */
TRIAD_HOT static size_t load_pulse(const triad__plan *p, const void *raw, size_t base,
                                   size_t stride, fftwf_complex *buf)
{
    size_t bad = 0;
    if (p->format == TRIAD_FORMAT_CI16_LE && stride == 1) { /* one channel: a vector loop */
        const int16_t *restrict x = (const int16_t *)raw + 2 * base;
        float *restrict f = (float *)buf;
        for (size_t i = 0; i < 2 * p->n; i++)
            f[i] = (float)x[i];
    } else if (p->format == TRIAD_FORMAT_CI16_LE) {
        const int16_t *x = (const int16_t *)raw + 2 * base;
        for (size_t n = 0; n < p->n; n++) {
            buf[n][0] = (float)x[2 * n * stride];
            buf[n][1] = (float)x[2 * n * stride + 1];
        }
    } else {
        const float *x = (const float *)raw + 2 * base;
        if (stride == 1) { /* one channel: copy and count non-finite values in one vector loop */
            float *restrict f = (float *)buf;
            const float *restrict xs = x;
            size_t odd = 0;
            for (size_t i = 0; i < 2 * p->n; i++) {
                f[i] = xs[i];
                odd += !(fabsf(xs[i]) <= FLT_MAX); /* NaN or Inf */
            }
            if (odd == 0) {
                memset(buf + p->n, 0, (p->nfft - p->n) * sizeof *buf);
                return 0;
            }
        }
        for (size_t n = 0; n < p->n; n++) {
            float re = x[2 * n * stride], im = x[2 * n * stride + 1];
            if (!isfinite(re) || !isfinite(im)) {
                re = im = 0.0f;
                bad++;
            }
            buf[n][0] = re;
            buf[n][1] = im;
        }
    }
    memset(buf + p->n, 0, (p->nfft - p->n) * sizeof *buf);
    return bad;
}

/* buf[k] *= w * h[k], complex. */
TRIAD_HOT static void weighted_multiply(fftwf_complex *restrict buf, const fftwf_complex *restrict h,
                                        size_t n, float w)
{
    for (size_t k = 0; k < n; k++) {
        const float re = buf[k][0] * h[k][0] - buf[k][1] * h[k][1];
        const float im = buf[k][0] * h[k][1] + buf[k][1] * h[k][0];
        buf[k][0] = w * re;
        buf[k][1] = w * im;
    }
}

/* row[j] = |x[j]|^2. */
TRIAD_HOT static void power_row(const fftwf_complex *restrict x, float *restrict row, size_t n)
{
    for (size_t j = 0; j < n; j++)
        row[j] = x[j][0] * x[j][0] + x[j][1] * x[j][1];
}

/* Channels [ch0, ch1), all channels of a pulse one after the other, so a pulse's interleaved
 * samples are read from memory once, not once per channel. sorted: raw holds the channels one
 * after the other (P x N samples each), not interleaved. */
static size_t range_stage(fftw_state *s, const void *raw, size_t ch0, size_t ch1, int sorted)
{
    const triad__plan *p = s->plan;
    const size_t nc = ch1 - ch0;
    size_t bad = 0;
#pragma omp parallel for num_threads(p->threads) schedule(static) reduction(+ : bad)
    for (size_t job = 0; job < p->p * nc; job++) {
        const size_t m = job / nc, ch = ch0 + job % nc;
        fftwf_complex *buf = s->pulse_buf[thread_id()], *out = s->work[ch] + m * s->stride;
        if (sorted)
            bad += load_pulse(p, raw, (ch * p->p + m) * p->n, 1, buf);
        else
            bad += load_pulse(p, raw, m * p->n * p->c + ch, p->c, buf);
        fftwf_execute_dft(s->range_fwd, buf, buf);
        /* no MTI: the Doppler weight of this pulse rides on the multiply; MTI needs the
         * plain compressed pulses first */
        const float w = p->mti ? 1.0f : (m < p->p_mti ? (float)p->doppler_w[m] : 0.0f);
        const float wk = s->cube[ch] ? 1.0f : w;
        weighted_multiply(buf, s->spectrum, p->nfft, wk);
        fftwf_execute_dft(s->range_inv, buf, out);
        if (s->cube[ch]) { /* keep_compressed: the plain pulses, then the weight */
            memcpy(s->cube[ch] + m * p->n, out, p->n * sizeof *out);
            if (w != 1.0f)
                for (size_t n = 0; n < p->n; n++) {
                    out[n][0] *= w;
                    out[n][1] *= w;
                }
        }
    }
    return bad;
}

/* MTI canceller and Doppler weights across pulses for columns [lo, n), in place: row m only
 * reads rows >= m. */
static void mti_stage(fftw_state *s, size_t ch, size_t lo, size_t n)
{
    const triad__plan *p = s->plan;
    const size_t stride = s->stride;
#pragma omp parallel for num_threads(p->threads) schedule(static)
    for (size_t c0 = lo; c0 < n; c0 += 256) {
        const size_t c1 = c0 + 256 < n ? c0 + 256 : n;
        for (size_t m = 0; m < p->p; m++) {
            fftwf_complex *x = s->work[ch] + m * stride;
            if (m >= p->p_mti) {
                memset(x + c0, 0, (c1 - c0) * sizeof *x);
                continue;
            }
            const float w = (float)p->doppler_w[m];
            const fftwf_complex *x1 = x + stride, *x2 = x + 2 * stride;
            for (size_t j = c0; j < c1; j++) {
                float re, im;
                if (p->mti == 2) {
                    re = x1[j][0] - x[j][0];
                    im = x1[j][1] - x[j][1];
                } else {
                    re = x[j][0] - 2.0f * x1[j][0] + x2[j][0];
                    im = x[j][1] - 2.0f * x1[j][1] + x2[j][1];
                }
                x[j][0] = w * re;
                x[j][1] = w * im;
            }
        }
    }
}

/* Doppler FFT of blocks [b0, b1) of range columns, then their power straight away while a
 * block is still in cache: map row k holds FFT bin (k + ceil(P/2)) mod P (fftshift). The last
 * block may be partial (the tail plan). */
static void doppler_stage(fftw_state *s, size_t ch, float *map, size_t b0, size_t b1)
{
    const triad__plan *p = s->plan;
    const size_t n = p->n, np = p->p, stride = s->stride;
    const size_t block = n < DOPPLER_BLOCK ? n : DOPPLER_BLOCK, full = n / block;
    const size_t shift = (np + 1) / 2;
    if (b1 > full + 1)
        b1 = full + 1;
#pragma omp parallel for num_threads(p->threads) schedule(static)
    for (size_t b = b0; b < b1; b++) {
        fftwf_complex *x = s->work[ch] + b * block;
        const size_t width = b < full ? block : n - full * block;
        if (width == 0)
            continue;
        fftwf_execute_dft(b < full ? s->doppler : s->doppler_tail, x, x);
        for (size_t k = 0; k < np; k++)
            power_row(x + ((k + shift) % np) * stride, map + k * s->map_ld + b * block, width);
    }
}

/* The channels of a CPI one after the other: sorted[ch][m][n] = raw[m][n][ch], a sample
 * (4 or 8 bytes) at a time. */
static void deinterleave(fftw_state *s, const void *raw)
{
    const triad__plan *p = s->plan;
    const size_t c = p->c, n = p->n, pn = p->p * p->n;
    const size_t bytes = sample_bytes(p->format);
    const unsigned char *src = raw;
    unsigned char *dst = s->sorted;
#pragma omp parallel for num_threads(p->threads) schedule(static)
    for (size_t m = 0; m < p->p; m++) {
        if (bytes == 4) {
            for (size_t i = m * n; i < (m + 1) * n; i++)
                for (size_t ch = 0; ch < c; ch++)
                    memcpy(dst + 4 * (ch * pn + i), src + 4 * (i * c + ch), 4);
        } else {
            for (size_t i = m * n; i < (m + 1) * n; i++)
                for (size_t ch = 0; ch < c; ch++)
                    memcpy(dst + 8 * (ch * pn + i), src + 8 * (i * c + ch), 8);
        }
    }
}

static int fftw_execute_cpi(void *st, const void *raw, triad__bin_det *dets, size_t *counts,
                            triad_chain_stats *stats, double times[4])
{
    fftw_state *s = st;
    const triad__plan *p = s->plan;
    times[0] = times[1] = times[2] = times[3] = 0.0;
    const double t0 = triad__now();
    if (s->sorted)
        deinterleave(s, raw);
    else
        stats->nonfinite += range_stage(s, raw, 0, p->c, 0);
    times[0] = triad__now() - t0;
    const size_t block = p->n < DOPPLER_BLOCK ? p->n : DOPPLER_BLOCK;
    const size_t cols = s->used_blocks * block < p->n ? s->used_blocks * block : p->n;
    for (size_t ch = 0; ch < p->c; ch++) {
        if (s->sorted) { /* channel by channel: its pulses compressed, then at once Doppler */
            const double tr = triad__now();
            stats->nonfinite += range_stage(s, s->sorted, ch, ch + 1, 1);
            times[0] += triad__now() - tr;
        }
        const double t1 = triad__now();
        const size_t cc = s->sorted ? p->n : cols; /* channel order: the work buffer is reused,
                                                      so every column at once */
        s->tail_ready[ch] = cc == p->n;
        if (p->mti)
            mti_stage(s, ch, 0, cc);
        doppler_stage(s, ch, s->map[ch], 0, s->sorted ? (p->n + block - 1) / block : s->used_blocks);
        const double t2 = triad__now();
        double ct[2];
        triad__cfar_execute(s->cfar, s->map[ch], dets + ch * p->max_detections, &counts[ch],
                            stats, ct);
        times[1] += t2 - t1;
        times[2] += ct[0];
        times[3] += ct[1];
    }
    return 0;
}

/* The whole map: the partial columns past the detector's are transformed the first time
 * they are asked for after an execute (the state is the backend's own, hence the cast; the
 * lock keeps two callers from transforming them twice). */
static int fftw_power_map(const void *st, size_t ch, float *map)
{
    fftw_state *s = (fftw_state *)st;
    const triad__plan *p = s->plan;
    pthread_mutex_lock(&s->tail_lock);
    if (!s->tail_ready[ch]) {
        const size_t block = p->n < DOPPLER_BLOCK ? p->n : DOPPLER_BLOCK;
        if (p->mti)
            mti_stage(s, ch, s->used_blocks * block, p->n);
        doppler_stage(s, ch, s->map[ch], s->used_blocks, (p->n + block - 1) / block);
        s->tail_ready[ch] = 1;
    }
    pthread_mutex_unlock(&s->tail_lock);
    for (size_t k = 0; k < p->p; k++)
        memcpy(map + k * p->n, s->map[ch] + k * s->map_ld, p->n * sizeof *map);
    return 0;
}

static int fftw_compressed(const void *st, size_t ch, float complex *out)
{
    const fftw_state *s = st;
    memcpy(out, s->cube[ch], s->plan->p * s->plan->n * sizeof *out);
    return 0;
}

const triad__backend_ops triad__backend_fftw = {
    .name = "fftw",
    .create = fftw_create,
    .destroy = fftw_destroy,
    .execute = fftw_execute_cpi,
    .power_map = fftw_power_map,
    .compressed = fftw_compressed,
};
