/* End to end on simulated scenes, against the simulator's physical truth:
 * detection of every target with post-processing SNR >= 15 dB in every CPI, RMS error
 * <= 0.1 bin in range and Doppler at >= 20 dB, two targets 20 dB apart (8 range and 6 Doppler
 * bins) both detected, false-alarm rate of noise alone within bounds of the pfa, and MTI
 * against stationary clutter. SPDX-License-Identifier: GPL-2.0-or-later */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "chain_check.h"
#include "test_util.h"
#include "triad/recording.h"
#include "triad/sim.h"

typedef struct {
    size_t detected_required, missed;
    double sq_range, sq_doppler;
    size_t n_rms;
    size_t detections, false_alarms;
    size_t cells_above, cells;
} outcome;

/* Simulate `scene` CPI by CPI (no files), process with cfg, and score against truth. */
static outcome run_scene(const triad_scene *scene, triad_chain_cfg cfg)
{
    outcome o = {0};
    const triad_recording_meta *m = &scene->radar;
    float complex *ref;
    size_t l;
    assert_int_equal(triad_recording_waveform(m, &ref, &l), 0);
    triad_recording_chain_cfg(m, ref, l, &cfg);
    cfg.backend = "fftw";
    cfg.fft_effort = TRIAD_FFT_ESTIMATE;
    triad_chain *chain;
    assert_int_equal(triad_chain_create(&chain, &cfg), 0);
    triad_sim *sim;
    assert_int_equal(triad_sim_create(&sim, scene), 0);
    void *raw = malloc(triad_recording_cpi_bytes(m));
    triad_detection *d = malloc(cfg.max_detections * m->num_channels * sizeof *d);
    const size_t p = m->pulses_per_cpi;
    for (uint64_t k = 0; k < scene->num_cpis; k++) {
        assert_int_equal(triad_sim_cpi(sim, k, raw, NULL), 0);
        triad_chain_stats st;
        assert_int_equal(triad_chain_execute(chain, raw, k, d, &st), 0);
        o.detections += st.detections;
        o.cells_above += st.cells_above;
        o.cells += p * triad_chain_full_bins(&cfg) * m->num_channels;
        const double tc = ((double)k * (double)p + 0.5 * (double)(p - 1)) * m->pri_s;
        size_t matched = 0;
        for (size_t ch = 0; ch < m->num_channels; ch++) {
            /* this channel's detections: they are sorted by channel */
            const triad_detection *dc = d;
            size_t nc = 0;
            for (size_t i = 0; i < st.detections; i++)
                if (d[i].channel == ch) {
                    if (!nc) dc = &d[i];
                    nc++;
                }
            for (size_t i = 0; i < scene->num_targets; i++) {
                const triad_sim_target *t = &scene->targets[i];
                const double rb = truth_range_bin(t->range_m + t->velocity_mps * tc,
                                                  m->sample_rate_hz, m->rx_delay_s);
                const double db = truth_doppler_bin(t->velocity_mps, m->carrier_hz, m->pri_s, p);
                const double post = expected_post_snr_db(t->snr_db, &cfg.range_window, l,
                                                         &cfg.doppler_window, p - (cfg.mti_pulses ? (size_t)cfg.mti_pulses - 1 : 0));
                const triad_detection *hit = match(dc, nc, rb, db, p);
                if (hit)
                    matched++;
                if (post >= 15.0) {
                    o.detected_required++;
                    if (!hit) {
                        o.missed++;
                        print_message("  missed target %zu (post SNR %.1f dB) in CPI %llu ch %zu\n",
                                      i, post, (unsigned long long)k, ch);
                    }
                }
                if (hit && post >= 20.0) {
                    const double er = hit->range_bin - rb, ed = doppler_err(hit->doppler_bin, db, p);
                    o.sq_range += er * er;
                    o.sq_doppler += ed * ed;
                    o.n_rms++;
                }
            }
        }
        o.false_alarms += st.detections - matched;
    }
    free(raw);
    free(d);
    free(ref);
    triad_sim_destroy(sim);
    triad_chain_destroy(chain);
    return o;
}

static void base_scene(triad_scene *s)
{
    triad_scene_default(s);
    s->num_targets = 0;
    s->num_cpis = 6;
    s->seed = 7;
}

static void add_target(triad_scene *s, double range_m, double v, double snr_db)
{
    s->targets[s->num_targets++] = (triad_sim_target){range_m, v, snr_db};
}

static void test_detection_and_accuracy(void **state)
{
    (void)state;
    triad_scene s;
    base_scene(&s);
    /* fractional range and Doppler bins; per-sample SNR from -25 to 0 dB gives post-processing
     * SNR from about 13 to 38 dB (gain 10log10(L P) minus window losses) */
    test_rng r = {.s = 99};
    for (int i = 0; i < 10; i++) {
        const double range = 1500.0 + 1200.0 * i + 7.49 * test_rng_uniform(&r);
        const double v = -110.0 + 220.0 * test_rng_uniform(&r);
        add_target(&s, range, v, -25.0 + 2.7 * i);
    }
    outcome o = run_scene(&s, triad_chain_cfg_default());
    const double rms_r = sqrt(o.sq_range / (double)o.n_rms), rms_d = sqrt(o.sq_doppler / (double)o.n_rms);
    print_message("  required %zu, missed %zu; RMS error over %zu: range %.4f bin, Doppler %.4f bin; "
                  "%zu false alarms in %zu cells\n",
                  o.detected_required, o.missed, o.n_rms, rms_r, rms_d, o.false_alarms, o.cells);
    assert_true(o.detected_required >= 40);
    assert_int_equal(o.missed, 0);
    assert_true(o.n_rms >= 30);
    assert_true(rms_r <= 0.1);
    assert_true(rms_d <= 0.1);
    assert_true(o.false_alarms <= 3);
}

static void test_ci16_two_channels(void **state)
{
    (void)state;
    triad_scene s;
    base_scene(&s);
    s.radar.format = TRIAD_FORMAT_CI16_LE;
    s.radar.num_channels = 2;
    s.radar.rx_delay_s = 20e-6; /* range of bin 0 = 3 km */
    s.num_cpis = 3;
    add_target(&s, 6000.0, 30.0, -6.0);
    add_target(&s, 9000.0, -80.0, -10.0);
    outcome o = run_scene(&s, triad_chain_cfg_default());
    print_message("  ci16 x2: required %zu, missed %zu, range RMS %.4f, Doppler RMS %.4f\n",
                  o.detected_required, o.missed, sqrt(o.sq_range / (double)o.n_rms),
                  sqrt(o.sq_doppler / (double)o.n_rms));
    assert_int_equal(o.detected_required, 12);
    assert_int_equal(o.missed, 0);
    assert_true(sqrt(o.sq_range / (double)o.n_rms) <= 0.1);
    assert_true(sqrt(o.sq_doppler / (double)o.n_rms) <= 0.1);
}

static void test_masking_pair(void **state)
{
    (void)state;
    triad_scene s;
    base_scene(&s);
    s.num_cpis = 4;
    const double rbin = TRIAD_C_MPS / (2.0 * s.radar.sample_rate_hz);
    const double vbin = TRIAD_C_MPS / s.radar.carrier_hz / (2.0 * 64 * s.radar.pri_s);
    /* weak: post SNR ~ 20 dB; strong: 20 dB more; 8 range bins and 6 Doppler bins apart */
    add_target(&s, 5000.0, 20.0, -15.0);
    add_target(&s, 5000.0 + 8 * rbin, 20.0 - 6 * vbin, 5.0);
    outcome o = run_scene(&s, triad_chain_cfg_default());
    print_message("  masking pair: required %zu, missed %zu\n", o.detected_required, o.missed);
    assert_int_equal(o.detected_required, 8);
    assert_int_equal(o.missed, 0);
}

/* Noise alone: cells above threshold against pfa x cells. With the default windows the
 * noise is correlated (range oversampled 2x, Taylor and Hann tapers), so exceedances come in
 * clumps: the bound allows for that clumping (variance x4). White noise: a plain Poisson bound. */
static void false_alarms(triad_window rw, triad_window dw, double bandwidth_hz, double pfa,
                         double clump)
{
    triad_scene s;
    base_scene(&s);
    s.num_cpis = 24;
    s.radar.waveform.bandwidth_hz = bandwidth_hz;
    triad_chain_cfg cfg = triad_chain_cfg_default();
    cfg.cfar.pfa = pfa;
    cfg.range_window = rw;
    cfg.doppler_window = dw;
    outcome o = run_scene(&s, cfg);
    const double expect = pfa * (double)o.cells;
    print_message("  noise only, %s/%s, B %.0f MHz: %zu cells above, %.1f expected (pfa %g, %zu cells)\n",
                  triad_window_name(rw.type), triad_window_name(dw.type), bandwidth_hz * 1e-6,
                  o.cells_above, expect, pfa, o.cells);
    assert_true(fabs((double)o.cells_above - expect) <= 5.0 * sqrt(clump * expect) + 1.0);
}

static void test_false_alarm_rate(void **state)
{
    (void)state;
    const triad_window none = {TRIAD_WINDOW_NONE, 4, 35}, hann = {TRIAD_WINDOW_HANN, 4, 35};
    const triad_window taylor = {TRIAD_WINDOW_TAYLOR, 4, 35};
    false_alarms(none, none, 20e6, 1e-4, 1.0);    /* white: B = fs, no taper */
    false_alarms(taylor, hann, 10e6, 1e-4, 4.0);  /* the defaults: correlated cells */
}

static void test_mti_clutter(void **state)
{
    (void)state;
    triad_scene s;
    base_scene(&s);
    s.num_cpis = 3;
    s.clutter_cnr_db = 30.0;
    s.clutter_range_min_m = 1000.0;
    s.clutter_range_max_m = 12000.0;
    add_target(&s, 7000.0, 60.0, -5.0);
    triad_chain_cfg cfg = triad_chain_cfg_default();
    outcome plain = run_scene(&s, cfg);
    cfg.mti_pulses = 3;
    outcome mti = run_scene(&s, cfg);
    print_message("  clutter: without MTI %zu detections (%zu false), with 3-pulse MTI %zu (%zu false, %zu missed)\n",
                  plain.detections, plain.false_alarms, mti.detections, mti.false_alarms, mti.missed);
    assert_true(plain.false_alarms > 10); /* clutter ridge at zero Doppler detected */
    assert_int_equal(mti.missed, 0);
    assert_true(mti.false_alarms <= 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_detection_and_accuracy),
        cmocka_unit_test(test_ci16_two_channels),
        cmocka_unit_test(test_masking_pair),
        cmocka_unit_test(test_false_alarm_rate),
        cmocka_unit_test(test_mti_clutter),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
