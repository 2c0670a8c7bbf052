/* The OpenCL backend against the FFTW backend on the same CPIs: power maps to relative L2
 * error <= 1e-5 and the same detections (count, positions within 0.01 bin, SNR within
 * 0.05 dB), over formats, channels, MTI, every CFAR variant, and pulse counts that are and are
 * not powers of two, with the fused range kernel (Nfft <= 4096), range_long (Nfft = N1 2^k,
 * N1 = 3, 5, 9, up to 10240: every N1 and N2), the four-step kernels (Nfft > 4096, a power of
 * two) and the separate global-FFT kernels; streaming, several CPIs batched into one
 * set of launches (with a final partial batch), and the fused Doppler kernel against the
 * separate ones. Also every kernel within NVIDIA's limits (<= 48 KiB local memory, <= 1024
 * work-items). Skips (77) without an OpenCL device.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "proc/opencl/cl_util.h"
#include "proc/opencl/traffic_cl.h"
#include "test_util.h"
#include "triad/devices.h"
#include "triad/sim.h"
#include "triad/units.h"

typedef struct {
    const char *what;
    size_t n, p, c;
    triad_format format;
    int mti;
    triad_cfar_type cfar;
    int clutter;
} case_t;

/* the range design the backend must pick for the next cases (traffic_cl.h), or NULL */
static const char *expect_range;

static void compare(const case_t *t)
{
    triad_scene s;
    triad_scene_default(&s);
    s.radar.samples_per_pulse = t->n;
    s.radar.pulses_per_cpi = t->p;
    s.radar.num_channels = t->c;
    s.radar.format = t->format;
    s.radar.pri_s = (double)t->n / s.radar.sample_rate_hz + 20e-6;
    s.num_cpis = 2;
    s.num_targets = 0;
    const double rmax = 0.5 * TRIAD_C_MPS * (double)(t->n - 200) / s.radar.sample_rate_hz;
    const double vmax = TRIAD_C_MPS / s.radar.carrier_hz / (4.0 * s.radar.pri_s);
    s.targets[s.num_targets++] = (triad_sim_target){0.3 * rmax, 0.4 * vmax, -10.0};
    s.targets[s.num_targets++] = (triad_sim_target){0.6 * rmax, -0.7 * vmax, -14.0};
    s.targets[s.num_targets++] = (triad_sim_target){0.6 * rmax + 60.0, -0.7 * vmax + 3 * vmax / (double)t->p, 0.0};
    if (t->clutter) {
        s.clutter_cnr_db = 25.0;
        s.clutter_range_min_m = 0.1 * rmax;
        s.clutter_range_max_m = 0.5 * rmax;
    }
    float complex *ref;
    size_t l;
    assert_int_equal(triad_recording_waveform(&s.radar, &ref, &l), 0);
    if (expect_range) {
        const size_t nfft = triad__cl_range_nfft(t->n, l);
        print_message("  %-28s Nfft %zu for N + L - 1 = %zu\n", t->what, nfft, t->n + l - 1);
        assert_string_equal(triad__cl_range_design_name(triad__cl_range_design_of(nfft)),
                            expect_range);
    }
    triad_chain_cfg cfg = triad_chain_cfg_default();
    triad_recording_chain_cfg(&s.radar, ref, l, &cfg);
    cfg.mti_pulses = t->mti;
    cfg.cfar.type = t->cfar;
    cfg.cfar.pfa = 1e-4; /* some noise exceedances too, so grouping is exercised */
    cfg.fft_effort = TRIAD_FFT_ESTIMATE;
    if (t->p < 11) {
        cfg.cfar.guard_doppler = 1;
        cfg.cfar.train_doppler = 1;
    }
    triad_chain *a, *b;
    cfg.backend = "fftw";
    assert_int_equal(triad_chain_create(&a, &cfg), 0);
    cfg.backend = "opencl";
    if (triad_chain_create(&b, &cfg) != 0) {
        print_error("opencl chain: %s\n", triad_errmsg());
        fail();
    }
    triad_sim *sim;
    assert_int_equal(triad_sim_create(&sim, &s), 0);
    void *raw = malloc(triad_recording_cpi_bytes(&s.radar));
    triad_detection *da = malloc(cfg.max_detections * t->c * sizeof *da);
    triad_detection *db = malloc(cfg.max_detections * t->c * sizeof *db);
    float *ma = malloc(t->n * t->p * sizeof *ma), *mb = malloc(t->n * t->p * sizeof *mb);
    double *md = malloc(t->n * t->p * sizeof *md);
    for (uint64_t k = 0; k < s.num_cpis; k++) {
        assert_int_equal(triad_sim_cpi(sim, k, raw, NULL), 0);
        triad_chain_stats sa, sb;
        assert_int_equal(triad_chain_execute(a, raw, k, da, &sa), 0);
        assert_int_equal(triad_chain_execute(b, raw, k, db, &sb), 0);
        double worst = 0.0;
        for (size_t ch = 0; ch < t->c; ch++) {
            assert_int_equal(triad_chain_power_map(a, ch, ma), 0);
            assert_int_equal(triad_chain_power_map(b, ch, mb), 0);
            for (size_t i = 0; i < t->n * t->p; i++)
                md[i] = ma[i];
            const double e = rel_l2_r(mb, md, t->n * t->p);
            worst = e > worst ? e : worst;
        }
        print_message("  %-28s CPI %llu: map rel L2 %.2e, detections fftw %zu opencl %zu "
                      "(cells above %zu / %zu)\n",
                      t->what, (unsigned long long)k, worst, sa.detections, sb.detections,
                      sa.cells_above, sb.cells_above);
        assert_true(worst <= 1e-5);
        assert_int_equal(sa.detections, sb.detections);
        for (size_t i = 0; i < sa.detections; i++) {
            assert_int_equal(da[i].channel, db[i].channel);
            assert_true(fabs(da[i].range_bin - db[i].range_bin) <= 0.01);
            assert_true(fabs(da[i].doppler_bin - db[i].doppler_bin) <= 0.01);
            assert_true(fabs(da[i].snr_db - db[i].snr_db) <= 0.05);
        }
    }
    free(raw); free(da); free(db); free(ma); free(mb); free(md); free(ref);
    triad_sim_destroy(sim);
    triad_chain_destroy(a);
    triad_chain_destroy(b);
}

static void test_cf32_ca(void **st)
{
    (void)st;
    const case_t t = {"cf32 64x1024 CA", 1024, 64, 1, TRIAD_FORMAT_CF32_LE, 0, TRIAD_CFAR_CA, 0};
    compare(&t);
}

static void test_ci16_two_channels_go(void **st)
{
    (void)st;
    const case_t t = {"ci16 2ch 32x2048 GO", 2048, 32, 2, TRIAD_FORMAT_CI16_LE, 0, TRIAD_CFAR_GO, 0};
    compare(&t);
}

static void test_odd_pulses_so(void **st)
{
    (void)st;
    const case_t t = {"cf32 48x1200 SO (DFT)", 1200, 48, 1, TRIAD_FORMAT_CF32_LE, 0, TRIAD_CFAR_SO, 0};
    compare(&t);
}

/* The range stage as separate kernels with the global-memory FFT, as on a device that cannot
 * run the local-memory kernels (the other cases take range_fused or the four-step kernels). */
static void test_global_range_fft(void **st)
{
    (void)st;
    setenv("TRIAD_OPENCL_RANGE_FUSED", "0", 1);
    const case_t t = {"ci16 16x4000 CA (global FFT)", 4000, 16, 1, TRIAD_FORMAT_CI16_LE, 0, TRIAD_CFAR_CA, 0};
    compare(&t);
    const case_t t2 = {"cf32 16x1000 SO (global FFT)", 1000, 16, 1, TRIAD_FORMAT_CF32_LE, 0, TRIAD_CFAR_SO, 0};
    compare(&t2);
    unsetenv("TRIAD_OPENCL_RANGE_FUSED");
}

/* Tiny shapes for Oclgrind (an interpreter: thousands of times slower than PoCL): the fused
 * range (Nfft 512) and Doppler kernels, CA-CFAR and extraction; cf32 with a NaN-free scene. */
static void test_tiny(void **st)
{
    (void)st;
    const case_t t = {"cf32 16x300 CA (tiny)", 300, 16, 1, TRIAD_FORMAT_CF32_LE, 0, TRIAD_CFAR_CA, 0};
    compare(&t);
}

/* 4096 < Nfft <= 10240 at N1 2^k: range_long, the whole range stage of a pulse in one
 * work-group, every N1 (9, 5, 3) and N2 it takes (512 .. 2048), both formats. */
static void test_long_range(void **st)
{
    (void)st;
    const case_t cases[] = {
        {"ci16 16x4000 CA (9 x 512)", 4000, 16, 1, TRIAD_FORMAT_CI16_LE, 0, TRIAD_CFAR_CA, 0},
        {"cf32 2ch 16x9000 GO (9 x 1024)", 9000, 16, 2, TRIAD_FORMAT_CF32_LE, 0, TRIAD_CFAR_GO, 0},
        {"cf32 16x4800 SO (5 x 1024)", 4800, 16, 1, TRIAD_FORMAT_CF32_LE, 0, TRIAD_CFAR_SO, 0},
        {"ci16 16x9500 CA (5 x 2048)", 9500, 16, 1, TRIAD_FORMAT_CI16_LE, 0, TRIAD_CFAR_CA, 0},
        {"ci16 2ch 16x5800 GO (3 x 2048)", 5800, 16, 2, TRIAD_FORMAT_CI16_LE, 0, TRIAD_CFAR_GO, 0},
        {"cf32 16x5800 CA (3 x 2048)", 5800, 16, 1, TRIAD_FORMAT_CF32_LE, 0, TRIAD_CFAR_CA, 0},
    };
    expect_range = "long";
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        compare(&cases[i]);
    expect_range = NULL;
}

/* Nfft > 4096 as a power of two: the four-step range kernels (columns, rows with the filter,
 * columns back): beyond range_long's 10240 (N1 x N2 = 128 x 128, shape M's old 16384), and
 * where range_long would apply with it turned off (64 x 128), one and two channels. */
static void test_four_step_range(void **st)
{
    (void)st;
    const case_t beyond = {"cf32 16x12000 CA (four-step)", 12000, 16, 1, TRIAD_FORMAT_CF32_LE, 0, TRIAD_CFAR_CA, 0};
    expect_range = "four-step";
    compare(&beyond);
    expect_range = NULL;
    setenv("TRIAD_OPENCL_RANGE_LONG", "0", 1);
    const case_t cases[] = {
        {"ci16 16x4000 CA (four-step)", 4000, 16, 1, TRIAD_FORMAT_CI16_LE, 0, TRIAD_CFAR_CA, 0},
        {"cf32 2ch 16x9000 GO (four-step)", 9000, 16, 2, TRIAD_FORMAT_CF32_LE, 0, TRIAD_CFAR_GO, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        compare(&cases[i]);
    unsetenv("TRIAD_OPENCL_RANGE_LONG");
}

static void test_os(void **st)
{
    (void)st;
    const case_t t = {"cf32 16x512 OS", 512, 16, 1, TRIAD_FORMAT_CF32_LE, 0, TRIAD_CFAR_OS, 0};
    compare(&t);
}

static void test_mti_clutter(void **st)
{
    (void)st;
    const case_t t2 = {"ci16 32x1024 MTI2 clutter", 1024, 32, 1, TRIAD_FORMAT_CI16_LE, 2, TRIAD_CFAR_CA, 1};
    compare(&t2);
    const case_t t3 = {"cf32 25x1000 MTI3 clutter", 1000, 25, 1, TRIAD_FORMAT_CF32_LE, 3, TRIAD_CFAR_CA, 1};
    compare(&t3);
}

/* Streaming (slots in flight, round robin) gives exactly what execute gives, CPI by CPI. */
static void stream_matches_execute(const char *backend)
{
    triad_scene s;
    triad_scene_default(&s);
    s.num_cpis = 5;
    float complex *ref;
    size_t l;
    assert_int_equal(triad_recording_waveform(&s.radar, &ref, &l), 0);
    triad_chain_cfg cfg = triad_chain_cfg_default();
    triad_recording_chain_cfg(&s.radar, ref, l, &cfg);
    cfg.backend = backend;
    cfg.fft_effort = TRIAD_FFT_ESTIMATE;
    triad_chain *a, *b;
    assert_int_equal(triad_chain_create(&a, &cfg), 0);
    assert_int_equal(triad_chain_create(&b, &cfg), 0);
    triad_sim *sim;
    assert_int_equal(triad_sim_create(&sim, &s), 0);
    const size_t bytes = triad_recording_cpi_bytes(&s.radar), slots = triad_chain_slots(b);
    assert_true(slots >= 2);
    void *raw = malloc(bytes);
    triad_detection *da = malloc(cfg.max_detections * sizeof *da);
    triad_detection *db = malloc(cfg.max_detections * sizeof *db);
    uint64_t collected = 0;
    for (uint64_t k = 0; k <= s.num_cpis; k++) {
        if (k < s.num_cpis) {
            assert_int_equal(triad_sim_cpi(sim, k, triad_chain_input(b, k % slots), NULL), 0);
            assert_int_equal(triad_chain_submit(b, k % slots, k), 0);
        }
        /* keep `slots` in flight, then drain */
        while (collected < k + 1 && (k - collected + 1 >= slots || k == s.num_cpis)) {
            if (collected >= s.num_cpis)
                break;
            triad_chain_stats sa, sb;
            assert_int_equal(triad_sim_cpi(sim, collected, raw, NULL), 0);
            assert_int_equal(triad_chain_execute(a, raw, collected, da, &sa), 0);
            assert_int_equal(triad_chain_collect(b, collected % slots, db, &sb), 0);
            assert_int_equal(sa.detections, sb.detections);
            assert_true(sa.detections >= 3);
            for (size_t i = 0; i < sa.detections; i++) {
                assert_true(da[i].cpi == collected && db[i].cpi == collected);
                assert_true(da[i].range_bin == db[i].range_bin);
                assert_true(da[i].snr_db == db[i].snr_db);
            }
            collected++;
        }
    }
    assert_int_equal(collected, s.num_cpis);
    print_message("  %s: %llu CPIs streamed through %zu slots match execute\n", backend,
                  (unsigned long long)collected, slots);
    free(raw); free(da); free(db); free(ref);
    triad_sim_destroy(sim);
    triad_chain_destroy(a);
    triad_chain_destroy(b);
}

static void test_streaming(void **st)
{
    (void)st;
    stream_matches_execute("opencl");
    stream_matches_execute("fftw");
}

/* Batching: several small CPIs through one set of launches give per CPI what FFTW gives (same
 * detections, per-CPI NaN counts) and exactly what the unbatched device path gives; the last
 * CPI's power map (in a final partial batch) matches FFTW's to rel L2 <= 1e-5. Round-robin
 * streaming with every slot busy, then a drain, as triad process does. */
typedef struct {
    const char *what;
    size_t n, p, c;
    triad_format format;
    triad_cfar_type cfar;
    const char *batch; /* TRIAD_OPENCL_BATCH, NULL: the backend's rule */
    uint64_t cpis;
} batch_case;

static void batch_compare(const batch_case *t)
{
    triad_scene s;
    triad_scene_default(&s);
    s.radar.samples_per_pulse = t->n;
    s.radar.pulses_per_cpi = t->p;
    s.radar.num_channels = t->c;
    s.radar.format = t->format;
    s.radar.pri_s = (double)t->n / s.radar.sample_rate_hz + 20e-6;
    s.num_cpis = t->cpis;
    s.num_targets = 0;
    const double rmax = 0.5 * TRIAD_C_MPS * (double)(t->n - 100) / s.radar.sample_rate_hz;
    const double vmax = TRIAD_C_MPS / s.radar.carrier_hz / (4.0 * s.radar.pri_s);
    s.targets[s.num_targets++] = (triad_sim_target){0.3 * rmax, 0.4 * vmax, -5.0};
    s.targets[s.num_targets++] = (triad_sim_target){0.7 * rmax, -0.6 * vmax, -8.0};
    s.radar.waveform.pulse_width_s = 40.0 / s.radar.sample_rate_hz;
    float complex *ref;
    size_t l;
    assert_int_equal(triad_recording_waveform(&s.radar, &ref, &l), 0);
    triad_chain_cfg cfg = triad_chain_cfg_default();
    triad_recording_chain_cfg(&s.radar, ref, l, &cfg);
    cfg.cfar.type = t->cfar;
    cfg.cfar.pfa = 1e-4;
    cfg.fft_effort = TRIAD_FFT_ESTIMATE;
    triad_chain *a, *b, *u;
    cfg.backend = "fftw";
    assert_int_equal(triad_chain_create(&a, &cfg), 0);
    cfg.backend = "opencl";
    setenv("TRIAD_OPENCL_BATCH", "1", 1);
    assert_int_equal(triad_chain_create(&u, &cfg), 0);
    if (t->batch)
        setenv("TRIAD_OPENCL_BATCH", t->batch, 1);
    else
        unsetenv("TRIAD_OPENCL_BATCH");
    cfg.profile_device = true; /* also exercises the event spans */
    if (triad_chain_create(&b, &cfg) != 0) {
        print_error("opencl chain: %s\n", triad_errmsg());
        fail();
    }
    unsetenv("TRIAD_OPENCL_BATCH");
    triad_chain_profile pr;
    triad_chain_profile_get(b, &pr);
    const size_t slots = triad_chain_slots(b);
    assert_int_equal(slots, 2 * pr.batch);
    assert_true(pr.batch > 1);
    assert_true(t->cpis % pr.batch != 0); /* the stream ends in a partial batch */
    triad_sim *sim;
    assert_int_equal(triad_sim_create(&sim, &s), 0);
    const size_t bytes = triad_recording_cpi_bytes(&s.radar), md = cfg.max_detections * t->c;
    void *raw = malloc(bytes);
    triad_detection *da = malloc(md * sizeof *da), *db = malloc(md * sizeof *db);
    triad_detection *du = malloc(md * sizeof *du);
    float *ma = malloc(t->n * t->p * sizeof *ma), *mb = malloc(t->n * t->p * sizeof *mb);
    double *mref = malloc(t->n * t->p * sizeof *mref);
    /* CPI k: its samples, with k % 3 of them NaN when the format can carry one */
    size_t nan_of[64] = {0};
    assert_true(t->cpis <= 64);
    for (uint64_t k = 0; k < t->cpis; k++) {
        assert_int_equal(triad_sim_cpi(sim, k, raw, NULL), 0);
        if (t->format == TRIAD_FORMAT_CF32_LE) {
            nan_of[k] = k % 3;
            for (size_t i = 0; i < nan_of[k]; i++)
                ((float *)raw)[2 * (97 * (k + 1) + 1013 * i) % (2 * t->n * t->p * t->c)] = NAN;
        }
    }
    size_t dets_total = 0;
    uint64_t collected = 0;
    for (uint64_t k = 0; k <= t->cpis; k++) {
        if (k < t->cpis) {
            void *in = triad_chain_input(b, k % slots);
            assert_int_equal(triad_sim_cpi(sim, k, in, NULL), 0);
            for (size_t i = 0; i < nan_of[k]; i++)
                ((float *)in)[2 * (97 * (k + 1) + 1013 * i) % (2 * t->n * t->p * t->c)] = NAN;
            assert_int_equal(triad_chain_submit(b, k % slots, k), 0);
        }
        while (collected < t->cpis && (k - collected + 1 > slots - 1 || k == t->cpis)) {
            triad_chain_stats sa, sb, su;
            assert_int_equal(triad_sim_cpi(sim, collected, raw, NULL), 0);
            for (size_t i = 0; i < nan_of[collected]; i++)
                ((float *)raw)[2 * (97 * (collected + 1) + 1013 * i) % (2 * t->n * t->p * t->c)] = NAN;
            assert_int_equal(triad_chain_execute(a, raw, collected, da, &sa), 0);
            assert_int_equal(triad_chain_execute(u, raw, collected, du, &su), 0);
            assert_int_equal(triad_chain_collect(b, collected % slots, db, &sb), 0);
            assert_int_equal(sb.nonfinite, nan_of[collected]);
            assert_int_equal(sa.nonfinite, sb.nonfinite);
            assert_int_equal(sa.detections, sb.detections);
            assert_int_equal(su.detections, sb.detections);
            assert_int_equal(su.cells_above, sb.cells_above);
            for (size_t i = 0; i < sb.detections; i++) {
                assert_true(db[i].cpi == collected && db[i].channel == da[i].channel);
                assert_true(fabs(da[i].range_bin - db[i].range_bin) <= 0.01);
                assert_true(fabs(da[i].doppler_bin - db[i].doppler_bin) <= 0.01);
                assert_true(fabs(da[i].snr_db - db[i].snr_db) <= 0.05);
                assert_true(du[i].channel == db[i].channel && du[i].range_bin == db[i].range_bin &&
                            du[i].doppler_bin == db[i].doppler_bin &&
                            du[i].snr_db == db[i].snr_db && du[i].power_db == db[i].power_db);
            }
            dets_total += sb.detections;
            collected++;
        }
    }
    assert_int_equal(collected, t->cpis);
    assert_true(dets_total >= 2 * t->cpis);
    /* the last CPI launched is the stream's last, in the final partial batch */
    double worst = 0.0;
    for (size_t ch = 0; ch < t->c; ch++) {
        assert_int_equal(triad_chain_power_map(a, ch, ma), 0);
        assert_int_equal(triad_chain_power_map(b, ch, mb), 0);
        for (size_t i = 0; i < t->n * t->p; i++)
            mref[i] = ma[i];
        const double e = rel_l2_r(mb, mref, t->n * t->p);
        worst = e > worst ? e : worst;
    }
    triad_chain_profile_get(b, &pr);
    print_message("  %-30s batch %zu, %llu CPIs (%zu detections) match FFTW and the unbatched "
                  "device path; last map rel L2 %.2e; device ms range %.2f doppler %.2f cfar "
                  "%.2f extract %.2f up %.2f down %.2f over %llu CPIs\n",
                  t->what, pr.batch, (unsigned long long)collected, dets_total, worst,
                  pr.stage_s[0] * 1e3, pr.stage_s[1] * 1e3, pr.stage_s[2] * 1e3,
                  pr.stage_s[3] * 1e3, pr.h2d_s * 1e3, pr.d2h_s * 1e3,
                  (unsigned long long)pr.cpis);
    assert_true(worst <= 1e-5);
    assert_true(pr.available && pr.cpis == t->cpis);
    assert_true(pr.stage_s[0] > 0.0 && pr.stage_s[1] > 0.0 && pr.stage_s[2] > 0.0 &&
                pr.stage_s[3] > 0.0 && pr.h2d_s > 0.0 && pr.d2h_s > 0.0);
    free(raw); free(da); free(db); free(du); free(ma); free(mb); free(mref); free(ref);
    triad_sim_destroy(sim);
    triad_chain_destroy(a);
    triad_chain_destroy(b);
    triad_chain_destroy(u);
}

static void test_batching(void **st)
{
    (void)st;
    const batch_case cases[] = {
        {"cf32 2ch 32x512 CA, NaNs", 512, 32, 2, TRIAD_FORMAT_CF32_LE, TRIAD_CFAR_CA, "4", 11},
        {"ci16 3ch 24x300 OS (DFT)", 300, 24, 3, TRIAD_FORMAT_CI16_LE, TRIAD_CFAR_OS, "3", 7},
        {"ci16 16x4000 GO (four-step) ", 4000, 16, 1, TRIAD_FORMAT_CI16_LE, TRIAD_CFAR_GO, NULL, 5},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        batch_compare(&cases[i]);
}

/* The fused Doppler kernel (weights, FFT across pulses, power in local memory; 16 <= P <= 1024)
 * against the separate kernels (TRIAD_OPENCL_DOPPLER_FUSED=0): maps to rel L2 <= 1e-6, the
 * same detections. */
static void doppler_fused_compare(const case_t *t)
{
    triad_scene s;
    triad_scene_default(&s);
    s.radar.samples_per_pulse = t->n;
    s.radar.pulses_per_cpi = t->p;
    s.radar.num_channels = t->c;
    s.radar.format = t->format;
    s.radar.pri_s = (double)t->n / s.radar.sample_rate_hz + 20e-6;
    s.radar.waveform.pulse_width_s = 16.0 / s.radar.sample_rate_hz;
    s.num_cpis = 2;
    s.num_targets = 0;
    const double rmax = 0.5 * TRIAD_C_MPS * (double)(t->n - 20) / s.radar.sample_rate_hz;
    const double vmax = TRIAD_C_MPS / s.radar.carrier_hz / (4.0 * s.radar.pri_s);
    s.targets[s.num_targets++] = (triad_sim_target){0.3 * rmax, 0.4 * vmax, -5.0};
    s.targets[s.num_targets++] = (triad_sim_target){0.7 * rmax, -0.6 * vmax, -8.0};
    if (t->clutter) {
        s.clutter_cnr_db = 25.0;
        s.clutter_range_min_m = 0.1 * rmax;
        s.clutter_range_max_m = 0.5 * rmax;
    }
    float complex *ref;
    size_t l;
    assert_int_equal(triad_recording_waveform(&s.radar, &ref, &l), 0);
    triad_chain_cfg cfg = triad_chain_cfg_default();
    triad_recording_chain_cfg(&s.radar, ref, l, &cfg);
    cfg.mti_pulses = t->mti;
    cfg.cfar.type = t->cfar;
    cfg.cfar.pfa = 1e-4;
    cfg.backend = "opencl";
    triad_chain *u, *f;
    setenv("TRIAD_OPENCL_DOPPLER_FUSED", "0", 1);
    assert_int_equal(triad_chain_create(&u, &cfg), 0);
    unsetenv("TRIAD_OPENCL_DOPPLER_FUSED");
    assert_int_equal(triad_chain_create(&f, &cfg), 0);
    triad_sim *sim;
    assert_int_equal(triad_sim_create(&sim, &s), 0);
    void *raw = malloc(triad_recording_cpi_bytes(&s.radar));
    triad_detection *du = malloc(cfg.max_detections * t->c * sizeof *du);
    triad_detection *df = malloc(cfg.max_detections * t->c * sizeof *df);
    float *mu = malloc(t->n * t->p * sizeof *mu), *mf = malloc(t->n * t->p * sizeof *mf);
    double *md = malloc(t->n * t->p * sizeof *md);
    for (uint64_t k = 0; k < s.num_cpis; k++) {
        assert_int_equal(triad_sim_cpi(sim, k, raw, NULL), 0);
        triad_chain_stats su, sf;
        assert_int_equal(triad_chain_execute(u, raw, k, du, &su), 0);
        assert_int_equal(triad_chain_execute(f, raw, k, df, &sf), 0);
        double worst = 0.0;
        for (size_t ch = 0; ch < t->c; ch++) {
            assert_int_equal(triad_chain_power_map(u, ch, mu), 0);
            assert_int_equal(triad_chain_power_map(f, ch, mf), 0);
            for (size_t i = 0; i < t->n * t->p; i++)
                md[i] = mu[i];
            const double e = rel_l2_r(mf, md, t->n * t->p);
            worst = e > worst ? e : worst;
        }
        print_message("  %-30s CPI %llu: fused Doppler map rel L2 %.2e, detections %zu / %zu\n",
                      t->what, (unsigned long long)k, worst, su.detections, sf.detections);
        assert_true(worst <= 1e-6);
        assert_true(su.detections >= 2);
        assert_int_equal(su.detections, sf.detections);
        for (size_t i = 0; i < su.detections; i++) {
            assert_int_equal(du[i].channel, df[i].channel);
            assert_true(fabs(du[i].range_bin - df[i].range_bin) <= 0.01);
            assert_true(fabs(du[i].doppler_bin - df[i].doppler_bin) <= 0.01);
            assert_true(fabs(du[i].snr_db - df[i].snr_db) <= 0.05);
        }
    }
    free(raw); free(du); free(df); free(mu); free(mf); free(md); free(ref);
    triad_sim_destroy(sim);
    triad_chain_destroy(u);
    triad_chain_destroy(f);
}

static void test_doppler_fused(void **st)
{
    (void)st;
    const case_t cases[] = {
        {"cf32 16x512 CA", 512, 16, 1, TRIAD_FORMAT_CF32_LE, 0, TRIAD_CFAR_CA, 0},
        {"ci16 2ch 64x700 MTI3 GO clutter", 700, 64, 2, TRIAD_FORMAT_CI16_LE, 3, TRIAD_CFAR_GO, 1},
        {"cf32 1024x96 MTI2 OS", 96, 1024, 1, TRIAD_FORMAT_CF32_LE, 2, TRIAD_CFAR_OS, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        doppler_fused_compare(&cases[i]);
}

/* Every kernel of the backend's program within NVIDIA's limits, from what the device reports. */
static void test_kernel_limits(void **st)
{
    (void)st;
    triad__cl_ctx *ctx;
    assert_int_equal(triad__cl_ctx_create(&ctx, NULL, 0), 0);
    cl_program prog;
    const char *files[] = {"fft.cl", "range.cl", "doppler.cl", "cfar.cl", "extract.cl"};
    assert_int_equal(triad__cl_program_build(&prog, ctx, files, 5, NULL), 0);
    triad__cl_kernel_info info[64];
    size_t count = 0;
    assert_int_equal(triad__cl_program_kernels(prog, ctx->device, info, 64, &count), 0);
    assert_true(count >= 20);
    int fused_doppler = 0;
    for (size_t i = 0; i < count && i < 64; i++) {
        fused_doppler |= strcmp(info[i].name, "doppler_fused") == 0;
        /* cfar_mean's local tiles are arguments: 2 x (256 + 2 x 16) floats by default, and at
         * most 2 x (256 + 2 x 2048) x 4 B = 34 KiB at the largest range window we accept */
        print_message("  kernel %-24s local %6llu B, work-group limit %zu\n", info[i].name,
                      (unsigned long long)info[i].local_mem_bytes, info[i].work_group_size);
        assert_true(info[i].local_mem_bytes <= 48 * 1024);
        const size_t wg = info[i].compile_work_group[0] * (info[i].compile_work_group[1] ? info[i].compile_work_group[1] : 1);
        assert_true(wg <= 1024);
    }
    assert_true(fused_doppler); /* the local-memory kernels are held to the limits above */
    assert_true((256 + 2 * 2048) * 2 * 4 <= 48 * 1024);
    clReleaseProgram(prog);
    triad__cl_ctx_destroy(ctx);
}

int main(void)
{
    triad_device_info *list;
    size_t n;
    if (triad_devices(&list, &n) != 0) {
        printf("no OpenCL device: %s\n", triad_errmsg());
        return 77;
    }
    triad_devices_free(list);
    if (getenv("TRIAD_TEST_OPENCL_TINY")) { /* under Oclgrind (tests/oclgrind_check.sh) */
        const struct CMUnitTest tiny[] = {cmocka_unit_test(test_tiny)};
        return cmocka_run_group_tests(tiny, NULL, NULL);
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kernel_limits),
        cmocka_unit_test(test_cf32_ca),
        cmocka_unit_test(test_ci16_two_channels_go),
        cmocka_unit_test(test_odd_pulses_so),
        cmocka_unit_test(test_os),
        cmocka_unit_test(test_global_range_fft),
        cmocka_unit_test(test_long_range),
        cmocka_unit_test(test_four_step_range),
        cmocka_unit_test(test_mti_clutter),
        cmocka_unit_test(test_streaming),
        cmocka_unit_test(test_batching),
        cmocka_unit_test(test_doppler_fused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
