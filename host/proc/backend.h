/* The backend table: what the chain asks of a backend, and the plan it hands over.
 * The chain builds the plan (validated geometry, windowed reference, Doppler weights, CFAR
 * threshold tables); a backend turns raw CPIs into bin-domain detections with it.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TRIAD_PROC_BACKEND_H
#define TRIAD_PROC_BACKEND_H

#include <complex.h>
#include <stddef.h>

#include "core/clock.h"
#include "triad/chain.h"

typedef struct {
    size_t n;           /* N: samples per pulse (range bins) */
    size_t p;           /* P: pulses per CPI (Doppler bins) */
    size_t c;           /* C: channels */
    size_t l;           /* L: reference length */
    size_t nfft;        /* range FFT length >= N + L - 1, 2^a 3^b 5^c 7^d */
    size_t range_bins;  /* searched by CFAR: the fully compressed bins, N - L + 1 */
    triad_format format;
    /* matched filter h[k] = w[k] s[k] / sqrt(sum |w s|^2): [size: L] */
    double complex *ref;
    /* slow-time weights after MTI, noise gain folded in: [size: p_mti], p_mti = P - (mti-1) */
    int mti;            /* 0, 2, 3 */
    size_t p_mti;
    double *doppler_w;
    /* CFAR: per searched range bin r, the threshold factor and the noise-estimate scale */
    triad_cfar_cfg cfar;
    float *alpha;       /* [size: range_bins] */
    int *os_k;          /* OS: rank per r (1-based) [size: range_bins] */
    float *os_norm;     /* OS: E[k-th of n unit exponentials] per r [size: range_bins] */
    size_t max_detections;
    int threads;
    triad_fft_effort fft_effort;
    int fft_fallback;    /* FFTW as the auto backend's mid-stream fallback: plans from wisdom
                            or at FFTW_ESTIMATE, never measured there */
    int keep_compressed;
    const char *device;  /* OpenCL device spec (NULL: first GPU, else first device) */
    int gpu_only;        /* OpenCL: refuse devices that are not GPUs (backend auto) */
    int profile;         /* time the device's work with events (triad_chain_profile) */
} triad__plan;

/* A detection in bins, before physical units. doppler_bin 0 = zero velocity. */
typedef struct {
    double range_bin, doppler_bin;
    double snr_db, power_db;
} triad__bin_det;

typedef struct {
    const char *name;
    /* allocate and plan everything for this plan (the plan outlives the state) */
    int (*create)(void **state, const triad__plan *plan);
    void (*destroy)(void *state);
    /* raw: [P x N x C]; dets: [C x max_detections]; counts: [C]; times: range, doppler,
     * cfar, extract in seconds */
    int (*execute)(void *state, const void *raw, triad__bin_det *dets, size_t *counts,
                   triad_chain_stats *stats, double times[4]);
    int (*power_map)(const void *state, size_t channel, float *map);
    int (*compressed)(const void *state, size_t channel, float complex *out);
    /* Streaming (optional: slots NULL when the backend has none): slots(state) is how many
     * (at most TRIAD_CHAIN_MAX_SLOTS), input(slot) the staging memory of a slot's raw CPI;
     * submit hands it over, collect waits for it and fills dets/counts/stats/times as execute
     * does. A slot is submitted again only after its collect. A backend may hold submitted
     * CPIs back to launch several at once, but a collect never waits on a CPI that was not
     * submitted before it. */
    size_t (*slots)(const void *state);
    void *(*input)(void *state, size_t slot);
    int (*submit)(void *state, size_t slot);
    int (*collect)(void *state, size_t slot, triad__bin_det *dets, size_t *counts,
                   triad_chain_stats *stats, double times[4]);
    /* Device time so far (optional; NULL: nothing to report). */
    void (*profile)(const void *state, triad_chain_profile *out);
} triad__backend_ops;

extern const triad__backend_ops triad__backend_fftw;
extern const triad__backend_ops triad__backend_opencl;

/* Smallest 2^a 3^b 5^c 7^d >= n: the FFTW backend's range FFT length (FFTW is fastest on
 * these). */
size_t triad__fft_good_size(size_t n);

/* FFTW wisdom as text (proc/fftw/backend_fftw.c; files: io/fft_wisdom.c). import returns 0 or
 * TRIAD_EFORMAT; export returns fftwf_malloc'ed text (free with triad__fftw_free) or NULL. */
int triad__fftw_wisdom_import(const char *text);
char *triad__fftw_wisdom_export(void);
void triad__fftw_free(void *p);
/* Whether planning added wisdom since the last import or export. */
int triad__fftw_wisdom_changed(void);

/* triad__now(): seconds on a monotonic clock (core/clock.h, included for the backends). */

#endif
