/* FFTW backend: the chain on the CPU.
 *
 * Range stage, one pulse at a time per thread, in a cache-resident buffer:
 *   convert (ci16/cf32 -> float, NaN/Inf -> 0) -> FFT -> x conj(H)/Nfft -> IFFT -> cube[m][0..N-1]
 * Doppler stage, a block of range columns at a time per thread:
 *   gather across pulses (MTI, window) -> FFT over P -> |.|^2, fftshift -> map[P][N]
 * Then CFAR and extraction on the map (proc/cfar_cpu.c).
 * Every buffer and plan is made in create; execute allocates nothing.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include <fftw3.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "core/error_internal.h"
#include "proc/backend.h"
#include "proc/cfar_cpu.h"

enum { DOPPLER_BLOCK = 16 }; /* range columns per Doppler batch: 16 x 8 B = two cache lines */

/* FFTW's planner is not thread-safe; execute is. */
static pthread_mutex_t planner_lock = PTHREAD_MUTEX_INITIALIZER;

typedef struct {
    const triad__plan *plan;
    fftwf_plan range_fwd, range_inv, doppler;
    fftwf_complex *spectrum;   /* conj(FFT(h)) / Nfft [size: nfft] */
    fftwf_complex **pulse_buf; /* per thread [size: nfft] */
    fftwf_complex **dop_buf;   /* per thread [size: DOPPLER_BLOCK x P] */
    fftwf_complex **cube;      /* compressed pulses [size: P x N], one per channel or one */
    size_t num_cubes;
    float **map;               /* per channel [size: P x N] */
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
    pthread_mutex_unlock(&planner_lock);
    const int t = s->plan->threads;
    for (int i = 0; s->pulse_buf && i < t; i++) fftwf_free(s->pulse_buf[i]);
    for (int i = 0; s->dop_buf && i < t; i++) fftwf_free(s->dop_buf[i]);
    for (size_t i = 0; s->cube && i < s->num_cubes; i++) fftwf_free(s->cube[i]);
    for (size_t i = 0; s->map && i < s->plan->c; i++) fftwf_free(s->map[i]);
    free(s->pulse_buf);
    free(s->dop_buf);
    free(s->cube);
    free(s->map);
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
    pthread_mutex_lock(&planner_lock);
    s->range_fwd = fftwf_plan_dft_1d(nfft, s->pulse_buf[0], s->pulse_buf[0], FFTW_FORWARD, flags);
    s->range_inv = fftwf_plan_dft_1d(nfft, s->pulse_buf[0], s->pulse_buf[0], FFTW_BACKWARD, flags);
    s->doppler = fftwf_plan_many_dft(1, &np, DOPPLER_BLOCK, s->dop_buf[0], NULL, 1, np,
                                     s->dop_buf[0], NULL, 1, np, FFTW_FORWARD, flags);
    /* the reference spectrum, planned once and thrown away */
    fftwf_plan ref = fftwf_plan_dft_1d(nfft, s->spectrum, s->spectrum, FFTW_FORWARD,
                                       FFTW_ESTIMATE);
    pthread_mutex_unlock(&planner_lock);
    if (!s->range_fwd || !s->range_inv || !s->doppler || !ref) {
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

static int fftw_create(void **out, const triad__plan *p)
{
    *out = NULL;
    fftw_state *s = calloc(1, sizeof *s);
    if (!s)
        return triad__fail(TRIAD_ENOMEM, "fftw backend: out of memory");
    s->plan = p;
    const int t = p->threads;
    s->num_cubes = p->keep_compressed ? p->c : 1;
    s->pulse_buf = calloc((size_t)t, sizeof *s->pulse_buf);
    s->dop_buf = calloc((size_t)t, sizeof *s->dop_buf);
    s->cube = calloc(s->num_cubes, sizeof *s->cube);
    s->map = calloc(p->c, sizeof *s->map);
    s->spectrum = fftwf_malloc(p->nfft * sizeof *s->spectrum);
    int ok = s->pulse_buf && s->dop_buf && s->cube && s->map && s->spectrum;
    for (int i = 0; ok && i < t; i++) {
        s->pulse_buf[i] = fftwf_malloc(p->nfft * sizeof(fftwf_complex));
        s->dop_buf[i] = fftwf_malloc(DOPPLER_BLOCK * p->p * sizeof(fftwf_complex));
        ok = s->pulse_buf[i] && s->dop_buf[i];
    }
    for (size_t i = 0; ok && i < s->num_cubes; i++)
        ok = (s->cube[i] = fftwf_malloc(p->p * p->n * sizeof(fftwf_complex))) != NULL;
    for (size_t i = 0; ok && i < p->c; i++)
        ok = (s->map[i] = fftwf_malloc(p->p * p->n * sizeof(float))) != NULL;
    if (!ok) {
        fftw_destroy(s);
        return triad__fail(TRIAD_ENOMEM, "fftw backend: out of memory for a %zu x %zu x %zu CPI",
                           p->p, p->n, p->c);
    }
    int err = make_plans(s);
    if (!err)
        err = triad__cfar_create(&s->cfar, p);
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

/* Load pulse m of channel ch into buf[0..N-1] as float, zero the rest; returns non-finite
 * samples found (replaced by 0). */
static size_t load_pulse(const triad__plan *p, const void *raw, size_t ch, size_t m,
                         fftwf_complex *buf)
{
    const size_t base = m * p->n * p->c + ch, stride = p->c;
    size_t bad = 0;
    if (p->format == TRIAD_FORMAT_CI16_LE) {
        const int16_t *x = (const int16_t *)raw + 2 * base;
        for (size_t n = 0; n < p->n; n++) {
            buf[n][0] = (float)x[2 * n * stride];
            buf[n][1] = (float)x[2 * n * stride + 1];
        }
    } else {
        const float *x = (const float *)raw + 2 * base;
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

static size_t range_stage(fftw_state *s, const void *raw, size_t ch, fftwf_complex *cube)
{
    const triad__plan *p = s->plan;
    size_t bad = 0;
#pragma omp parallel for num_threads(p->threads) schedule(static) reduction(+ : bad)
    for (size_t m = 0; m < p->p; m++) {
        fftwf_complex *buf = s->pulse_buf[thread_id()];
        bad += load_pulse(p, raw, ch, m, buf);
        fftwf_execute_dft(s->range_fwd, buf, buf);
        const fftwf_complex *h = s->spectrum;
        for (size_t k = 0; k < p->nfft; k++) {
            const float re = buf[k][0] * h[k][0] - buf[k][1] * h[k][1];
            const float im = buf[k][0] * h[k][1] + buf[k][1] * h[k][0];
            buf[k][0] = re;
            buf[k][1] = im;
        }
        fftwf_execute_dft(s->range_inv, buf, buf);
        memcpy(cube + m * p->n, buf, p->n * sizeof *buf);
    }
    return bad;
}

static void doppler_stage(fftw_state *s, const fftwf_complex *cube, float *map)
{
    const triad__plan *p = s->plan;
    const size_t np = p->p, n = p->n, blocks = (n + DOPPLER_BLOCK - 1) / DOPPLER_BLOCK;
    const size_t shift = (np + 1) / 2; /* fftshift: map row k holds FFT bin (k + ceil(P/2)) % P */
#pragma omp parallel for num_threads(p->threads) schedule(static)
    for (size_t b = 0; b < blocks; b++) {
        fftwf_complex *d = s->dop_buf[thread_id()];
        const size_t r0 = b * DOPPLER_BLOCK;
        const size_t width = n - r0 < DOPPLER_BLOCK ? n - r0 : DOPPLER_BLOCK;
        memset(d, 0, DOPPLER_BLOCK * np * sizeof *d);
        for (size_t m = 0; m < p->p_mti; m++) {
            const float w = (float)p->doppler_w[m];
            const fftwf_complex *x0 = cube + m * n + r0;
            for (size_t j = 0; j < width; j++) {
                float re = x0[j][0], im = x0[j][1];
                if (p->mti == 2) {
                    re = x0[n + j][0] - re;
                    im = x0[n + j][1] - im;
                } else if (p->mti == 3) {
                    re += x0[2 * n + j][0] - 2.0f * x0[n + j][0];
                    im += x0[2 * n + j][1] - 2.0f * x0[n + j][1];
                }
                d[j * np + m][0] = w * re;
                d[j * np + m][1] = w * im;
            }
        }
        fftwf_execute_dft(s->doppler, d, d);
        for (size_t k = 0; k < np; k++) {
            const size_t bin = (k + shift) % np;
            float *row = map + k * n + r0;
            for (size_t j = 0; j < width; j++) {
                const float re = d[j * np + bin][0], im = d[j * np + bin][1];
                row[j] = re * re + im * im;
            }
        }
    }
}

static int fftw_execute_cpi(void *st, const void *raw, triad__bin_det *dets, size_t *counts,
                            triad_chain_stats *stats, double times[4])
{
    fftw_state *s = st;
    const triad__plan *p = s->plan;
    times[0] = times[1] = times[2] = times[3] = 0.0;
    for (size_t ch = 0; ch < p->c; ch++) {
        fftwf_complex *cube = s->cube[s->num_cubes > 1 ? ch : 0];
        const double t0 = triad__now();
        stats->nonfinite += range_stage(s, raw, ch, cube);
        const double t1 = triad__now();
        doppler_stage(s, cube, s->map[ch]);
        const double t2 = triad__now();
        double ct[2];
        triad__cfar_execute(s->cfar, s->map[ch], dets + ch * p->max_detections, &counts[ch],
                            stats, ct);
        times[0] += t1 - t0;
        times[1] += t2 - t1;
        times[2] += ct[0];
        times[3] += ct[1];
    }
    return 0;
}

static int fftw_power_map(const void *st, size_t ch, float *map)
{
    const fftw_state *s = st;
    memcpy(map, s->map[ch], s->plan->p * s->plan->n * sizeof *map);
    return 0;
}

static int fftw_compressed(const void *st, size_t ch, float complex *out)
{
    const fftw_state *s = st;
    memcpy(out, s->cube[s->num_cubes > 1 ? ch : 0], s->plan->p * s->plan->n * sizeof *out);
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
