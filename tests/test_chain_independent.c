/* The two recordings made by an independent implementation of the signal model
 * (testdata/independent/, from shared/testdata): read through the SigMF layer, processed with
 * the defaults, every truth target found in every CPI (RMS error <= 0.1 bin), no false alarms.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include <cjson/cJSON.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "chain_check.h"
#include "triad/recording.h"

static cJSON *load_json(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char text[1 << 16];
    const size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    cJSON *j = cJSON_Parse(text);
    assert_non_null(j);
    return j;
}

static void check_recording(const char *name)
{
    char meta_path[512], truth_path[512];
    snprintf(meta_path, sizeof meta_path, "%s/independent/%s.sigmf-meta", TRIAD_TESTDATA, name);
    snprintf(truth_path, sizeof truth_path, "%s/independent/%s.truth.json", TRIAD_TESTDATA, name);
    triad_recording_meta m;
    assert_int_equal(triad_recording_open_meta(meta_path, true, &m), 0);
    float complex *ref;
    size_t l;
    assert_int_equal(triad_recording_waveform(&m, &ref, &l), 0);
    triad_chain_cfg cfg = triad_chain_cfg_default();
    triad_recording_chain_cfg(&m, ref, l, &cfg);
    cfg.backend = "fftw";
    cfg.fft_effort = TRIAD_FFT_ESTIMATE;
    triad_chain *chain;
    assert_int_equal(triad_chain_create(&chain, &cfg), 0);
    triad_recording_reader *rd;
    assert_int_equal(triad_recording_reader_open(&rd, &m), 0);
    void *raw = malloc(triad_recording_cpi_bytes(&m));
    triad_detection *d = malloc(cfg.max_detections * sizeof *d);
    cJSON *truth = load_json(truth_path);
    const cJSON *targets = cJSON_GetObjectItem(truth, "targets");
    /* the truth file's bin sizes agree with our geometry */
    triad_geometry g;
    triad_recording_geometry(&m, l, &g);
    assert_true(fabs(cJSON_GetObjectItem(truth, "range_bin_m")->valuedouble / g.range_bin_m - 1) < 1e-9);
    assert_true(fabs(cJSON_GetObjectItem(truth, "velocity_bin_mps")->valuedouble / g.velocity_bin_mps - 1) < 1e-9);
    uint64_t k;
    size_t cpis = 0, n_err = 0;
    double sq_r = 0.0, sq_d = 0.0;
    while (triad_recording_reader_next(rd, raw, &k) == 1) {
        triad_chain_stats st;
        assert_int_equal(triad_chain_execute(chain, raw, k, d, &st), 0);
        size_t expected = 0;
        const cJSON *t;
        cJSON_ArrayForEach(t, targets)
        {
            if ((uint64_t)cJSON_GetObjectItem(t, "cpi")->valuedouble != k)
                continue;
            expected++;
            const double range = cJSON_GetObjectItem(t, "range_m")->valuedouble;
            const double v = cJSON_GetObjectItem(t, "velocity_mps")->valuedouble;
            const double rb = truth_range_bin(range, m.sample_rate_hz, m.rx_delay_s);
            const double db = truth_doppler_bin(v, m.carrier_hz, m.pri_s, m.pulses_per_cpi);
            const triad_detection *hit = match(d, st.detections, rb, db, m.pulses_per_cpi);
            assert_non_null(hit);
            print_message("  %s CPI %llu: truth %.2f m %.2f m/s -> %.2f m %.2f m/s, SNR %.1f dB "
                          "(errors %.3f / %.3f bin)\n",
                          name, (unsigned long long)k, range, v, hit->range_m, hit->velocity_mps,
                          hit->snr_db, hit->range_bin - rb,
                          doppler_err(hit->doppler_bin, db, m.pulses_per_cpi));
            /* single detections within 0.25 bin; the RMS over the recording within 0.1 */
            const double er = hit->range_bin - rb, ed = doppler_err(hit->doppler_bin, db, m.pulses_per_cpi);
            assert_true(fabs(er) <= 0.25 && fabs(ed) <= 0.25);
            assert_true(fabs(hit->range_m - range) <= 0.25 * g.range_bin_m);
            assert_true(fabs(hit->velocity_mps - v) <= 0.25 * g.velocity_bin_mps);
            sq_r += er * er;
            sq_d += ed * ed;
            n_err++;
        }
        assert_int_equal(st.detections, expected);
        cpis++;
    }
    assert_int_equal(cpis, m.num_cpis);
    print_message("  %s: RMS error range %.4f bin, Doppler %.4f bin over %zu detections\n", name,
                  sqrt(sq_r / (double)n_err), sqrt(sq_d / (double)n_err), n_err);
    assert_true(sqrt(sq_r / (double)n_err) <= 0.1 && sqrt(sq_d / (double)n_err) <= 0.1);
    cJSON_Delete(truth);
    free(raw);
    free(d);
    free(ref);
    triad_recording_reader_close(rd);
    triad_chain_destroy(chain);
}

static void test_sample_a_cf32(void **s)
{
    (void)s;
    check_recording("sample-a");
}

static void test_sample_b_ci16(void **s)
{
    (void)s;
    check_recording("sample-b");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sample_a_cf32),
        cmocka_unit_test(test_sample_b_ci16),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
