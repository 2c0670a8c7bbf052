/* Shared by the end-to-end accuracy tests: run a recording's CPIs through a chain and match
 * detections against physical truth. SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TRIAD_TEST_CHAIN_CHECK_H
#define TRIAD_TEST_CHAIN_CHECK_H

#include <math.h>
#include <stddef.h>
#include <stdlib.h>

#include "triad/chain.h"
#include "triad/units.h"

/* Expected post-processing SNR: per-sample SNR + coherent gain of the windowed matched filter
 * and Doppler FFT, (sum w)^2 / sum w^2 for each. */
static inline double expected_post_snr_db(double snr_db, const triad_window *rw, size_t l,
                                          const triad_window *dw, size_t p)
{
    double gain_db = 0.0;
    const triad_window *ws[2] = {rw, dw};
    const size_t ns[2] = {l, p};
    for (int i = 0; i < 2; i++) {
        double *w = malloc(ns[i] * sizeof *w), s = 0.0, s2 = 0.0;
        triad_window_fill(ws[i], ns[i], w);
        for (size_t k = 0; k < ns[i]; k++) {
            s += w[k];
            s2 += w[k] * w[k];
        }
        free(w);
        gain_db += 10.0 * log10(s * s / s2);
    }
    return snr_db + gain_db;
}

/* Truth in bins: range bin of range R, Doppler bin of range rate v (wrapped into [-P/2, P/2)). */
static inline double truth_range_bin(double range_m, double fs, double rx_delay_s)
{
    return (2.0 * range_m / TRIAD_C_MPS - rx_delay_s) * fs;
}

static inline double truth_doppler_bin(double v_mps, double carrier_hz, double pri_s, size_t p)
{
    const double lambda = TRIAD_C_MPS / carrier_hz;
    double b = -v_mps / (lambda / (2.0 * (double)p * pri_s));
    const double half = (double)(p / 2);
    while (b >= (double)p - half) b -= (double)p;
    while (b < -half) b += (double)p;
    return b;
}

/* The detection nearest (rb, db) within 1.5 bins in both, or NULL. Doppler distance wraps. */
static inline const triad_detection *match(const triad_detection *d, size_t n, double rb,
                                           double db, size_t p)
{
    const triad_detection *best = NULL;
    double best_dist = 1e30;
    for (size_t i = 0; i < n; i++) {
        double dd = fabs(d[i].doppler_bin - db);
        dd = fmin(dd, (double)p - dd);
        const double dr = fabs(d[i].range_bin - rb);
        if (dr <= 1.5 && dd <= 1.5 && dr + dd < best_dist) {
            best = &d[i];
            best_dist = dr + dd;
        }
    }
    return best;
}

static inline double doppler_err(double got, double want, size_t p)
{
    double e = got - want;
    while (e > 0.5 * (double)p) e -= (double)p;
    while (e < -0.5 * (double)p) e += (double)p;
    return e;
}

#endif
