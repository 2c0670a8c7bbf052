/* Pulse compression and Doppler processing against direct evaluation in double precision:
 * y[m][n] = sum_k x[m][n+k] conj(h[k]) (direct correlation) and the Doppler DFT of it,
 * on random inputs of odd sizes, both sample formats, several channels and MTI settings.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "test_util.h"
#include "triad/chain.h"

typedef struct {
    size_t n, p, c, l;
    triad_format format;
    int mti;
    triad_window range_w, doppler_w;
} mf_case;

/* Direct correlation of channel ch in double, with h built independently of the chain. */
static void reference(const mf_case *t, const void *raw, const float complex *wave, size_t ch,
                      double complex *y, double *map)
{
    double *w = malloc((t->l > t->p ? t->l : t->p) * sizeof *w);
    double complex *h = malloc(t->l * sizeof *h);
    assert_int_equal(triad_window_fill(&t->range_w, t->l, w), 0);
    double e = 0.0;
    for (size_t k = 0; k < t->l; k++) {
        h[k] = w[k] * (double complex)wave[k];
        e += creal(h[k] * conj(h[k]));
    }
    for (size_t k = 0; k < t->l; k++)
        h[k] /= sqrt(e);
    for (size_t m = 0; m < t->p; m++) {
        for (size_t n = 0; n < t->n; n++) {
            double complex acc = 0.0;
            for (size_t k = 0; k < t->l && n + k < t->n; k++) {
                const size_t i = ((m * t->n) + n + k) * t->c + ch;
                double complex x;
                if (t->format == TRIAD_FORMAT_CF32_LE) {
                    const float re = ((const float *)raw)[2 * i], im = ((const float *)raw)[2 * i + 1];
                    /* the chain's rule: a NaN or Inf sample counts as 0 */
                    x = isfinite(re) && isfinite(im) ? re + I * (double)im : 0.0;
                } else
                    x = ((const int16_t *)raw)[2 * i] + I * (double)((const int16_t *)raw)[2 * i + 1];
                acc += x * conj(h[k]);
            }
            y[m * t->n + n] = acc;
        }
    }
    /* Doppler: MTI, window (noise gain folded in), DFT, |.|^2, zero velocity at row P/2 */
    const size_t pm = t->p - (t->mti ? (size_t)t->mti - 1 : 0);
    assert_int_equal(triad_window_fill(&t->doppler_w, pm, w), 0);
    const double gain = t->mti == 2 ? 2.0 : t->mti == 3 ? 6.0 : 1.0;
    double ws = 0.0;
    for (size_t m = 0; m < pm; m++)
        ws += w[m] * w[m];
    for (size_t row = 0; row < t->p; row++) {
        const long bin = ((long)row - (long)(t->p / 2) + (long)t->p) % (long)t->p;
        for (size_t n = 0; n < t->n; n++) {
            double complex acc = 0.0;
            for (size_t m = 0; m < pm; m++) {
                double complex v = y[m * t->n + n];
                if (t->mti == 2)
                    v = y[(m + 1) * t->n + n] - v;
                else if (t->mti == 3)
                    v = v - 2.0 * y[(m + 1) * t->n + n] + y[(m + 2) * t->n + n];
                acc += w[m] / sqrt(ws * gain) * v *
                       cexp(-2.0 * I * 3.14159265358979323846 * (double)(bin * (long)m) / (double)t->p);
            }
            map[row * t->n + n] = creal(acc * conj(acc));
        }
    }
    free(w);
    free(h);
}

/* Random samples of a CPI (both formats) from r. */
static void fill_raw(const mf_case *t, test_rng *r, void *raw)
{
    const size_t total = t->n * t->p * t->c;
    for (size_t i = 0; i < total; i++) {
        const double complex v = test_rng_cgauss(r);
        if (t->format == TRIAD_FORMAT_CF32_LE) {
            ((float *)raw)[2 * i] = (float)creal(v);
            ((float *)raw)[2 * i + 1] = (float)cimag(v);
        } else {
            ((int16_t *)raw)[2 * i] = (int16_t)lround(creal(v) * 3000.0);
            ((int16_t *)raw)[2 * i + 1] = (int16_t)lround(cimag(v) * 3000.0);
        }
    }
}

/* Relative L2 error of the map over range columns [c0, c1) of every Doppler row. */
static double rel_l2_cols(const float *got, const double *want, size_t n, size_t p, size_t c0,
                          size_t c1)
{
    double num = 0.0, den = 0.0;
    for (size_t d = 0; d < p; d++)
        for (size_t x = c0; x < c1; x++) {
            const double e = got[d * n + x] - want[d * n + x];
            num += e * e;
            den += want[d * n + x] * want[d * n + x];
        }
    return den > 0.0 ? sqrt(num / den) : sqrt(num);
}

static void run_case_kept(const mf_case *t, uint64_t seed, bool keep)
{
    test_rng r = {.s = seed};
    const size_t total = t->n * t->p * t->c;
    void *raw = malloc(total * (t->format == TRIAD_FORMAT_CF32_LE ? 8 : 4));
    float complex *wave = malloc(t->l * sizeof *wave);
    fill_raw(t, &r, raw);
    for (size_t k = 0; k < t->l; k++)
        wave[k] = (float complex)test_rng_cgauss(&r);

    triad_chain_cfg cfg = triad_chain_cfg_default();
    cfg.samples_per_pulse = t->n;
    cfg.pulses_per_cpi = t->p;
    cfg.num_channels = t->c;
    cfg.format = t->format;
    cfg.sample_rate_hz = 1e6;
    cfg.carrier_hz = 1e9;
    cfg.pri_s = 1e-3;
    cfg.waveform = wave;
    cfg.waveform_len = t->l;
    cfg.range_window = t->range_w;
    cfg.doppler_window = t->doppler_w;
    cfg.mti_pulses = t->mti;
    cfg.cfar.train_doppler = t->p >= 7 ? 2 : 0;
    cfg.cfar.guard_doppler = t->p >= 7 ? 1 : 0;
    cfg.backend = "fftw";
    cfg.fft_effort = TRIAD_FFT_ESTIMATE;
    cfg.keep_compressed = keep;
    cfg.threads = 2;
    triad_chain *chain;
    assert_int_equal(triad_chain_create(&chain, &cfg), 0);
    triad_detection *dets = malloc(cfg.max_detections * t->c * sizeof *dets);
    float complex *got = malloc(t->n * t->p * sizeof *got);
    float *got_map = malloc(t->n * t->p * sizeof *got_map);
    float *again = malloc(t->n * t->p * sizeof *again);
    double complex *want = malloc(t->n * t->p * sizeof *want);
    double *want_map = malloc(t->n * t->p * sizeof *want_map);
    /* the map in two parts: the searched (fully compressed) columns and the partial ones past
     * them, which the detector does not use; both must be right, in every CPI, and asking
     * twice gives the same map */
    const size_t searched = t->n - t->l + 1;
    for (int cpi = 0; cpi < 2; cpi++) {
        if (cpi)
            fill_raw(t, &r, raw);
        /* cf32: a few NaN and Inf samples, spread over the channels and pulses */
        size_t injected = 0;
        for (size_t i = 0; t->format == TRIAD_FORMAT_CF32_LE && i < 5 && total >= 5; i++, injected++)
            ((float *)raw)[2 * (i * (total / 5) + (size_t)cpi) + (i & 1)] = i % 3 ? INFINITY : NAN;
        triad_chain_stats st;
        assert_int_equal(triad_chain_execute(chain, raw, (uint64_t)cpi, dets, &st), 0);
        assert_int_equal(st.nonfinite, injected);
        for (size_t ch = 0; ch < t->c; ch++) {
            reference(t, raw, wave, ch, want, want_map);
            if (keep)
                assert_int_equal(triad_chain_compressed(chain, ch, got), 0);
            assert_int_equal(triad_chain_power_map(chain, ch, got_map), 0);
            assert_int_equal(triad_chain_power_map(chain, ch, again), 0);
            const double e1 = keep ? rel_l2_c(got, want, t->n * t->p) : 0.0;
            const double e2 = rel_l2_r(got_map, want_map, t->n * t->p);
            const double e3 = rel_l2_cols(got_map, want_map, t->n, t->p, 0, searched);
            const double e4 = rel_l2_cols(got_map, want_map, t->n, t->p, searched, t->n);
            print_message("  N=%zu P=%zu C=%zu L=%zu %s mti=%d CPI %d ch %zu: compressed %.2e, "
                          "map %.2e (searched columns %.2e, partial %.2e)\n",
                          t->n, t->p, t->c, t->l, triad_format_name(t->format), t->mti, cpi, ch,
                          e1, e2, e3, e4);
            assert_true(e1 <= 1e-5);
            assert_true(e2 <= 1e-5);
            assert_true(e3 <= 1e-5);
            assert_true(e4 <= 1e-5);
            assert_memory_equal(got_map, again, t->n * t->p * sizeof *again);
        }
    }
    triad_chain_destroy(chain);
    free(raw);
    free(wave);
    free(dets);
    free(got);
    free(got_map);
    free(again);
    free(want);
    free(want_map);
}

/* With the compressed pulses kept (and checked) and without (the chain's usual path); several
 * channels also in the FFTW backend's channel order (sorted CPI, one reused work buffer,
 * forced on: by its own rule it takes only CPIs of tens of MB). */
static void run_case(const mf_case *t, uint64_t seed)
{
    run_case_kept(t, seed, true);
    run_case_kept(t, seed, false);
    if (t->c > 1) {
        setenv("TRIAD_FFTW_CHANNEL_ORDER", "1", 1);
        run_case_kept(t, seed, true);
        run_case_kept(t, seed, false);
        setenv("TRIAD_FFTW_CHANNEL_ORDER", "0", 1);
        run_case_kept(t, seed, false);
        unsetenv("TRIAD_FFTW_CHANNEL_ORDER");
    }
}

static const triad_window taylor = {TRIAD_WINDOW_TAYLOR, 4, 35.0};
static const triad_window hann = {TRIAD_WINDOW_HANN, 4, 35.0};
static const triad_window none = {TRIAD_WINDOW_NONE, 4, 35.0};
static const triad_window blackman = {TRIAD_WINDOW_BLACKMAN, 4, 35.0};

static void test_odd_sizes_cf32(void **s)
{
    (void)s;
    const mf_case t = {301, 7, 1, 37, TRIAD_FORMAT_CF32_LE, 0, taylor, hann};
    run_case(&t, 1);
    const mf_case t2 = {1000, 15, 1, 1000, TRIAD_FORMAT_CF32_LE, 0, none, blackman};
    run_case(&t2, 2);
}

static void test_ci16_channels(void **s)
{
    (void)s;
    const mf_case t2 = {157, 8, 3, 21, TRIAD_FORMAT_CF32_LE, 0, hann, taylor};
    run_case(&t2, 8);
    const mf_case t = {203, 9, 3, 51, TRIAD_FORMAT_CI16_LE, 0, hann, taylor};
    run_case(&t, 3);
}

static void test_mti(void **s)
{
    (void)s;
    const mf_case t2 = {257, 11, 1, 20, TRIAD_FORMAT_CF32_LE, 2, taylor, hann};
    run_case(&t2, 4);
    const mf_case t3 = {129, 13, 2, 17, TRIAD_FORMAT_CI16_LE, 3, none, none};
    run_case(&t3, 5);
    /* partial columns over several Doppler blocks, after MTI, two channels */
    const mf_case t4 = {700, 12, 2, 250, TRIAD_FORMAT_CI16_LE, 2, hann, hann};
    run_case(&t4, 7);
}

static void test_single_pulse_and_tiny(void **s)
{
    (void)s;
    const mf_case t = {64, 1, 1, 1, TRIAD_FORMAT_CF32_LE, 0, none, none};
    run_case(&t, 6);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_odd_sizes_cf32),
        cmocka_unit_test(test_ci16_channels),
        cmocka_unit_test(test_mti),
        cmocka_unit_test(test_single_pulse_and_tiny),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
