/* The chain keeps nothing the caller passed to create: the waveform, the backend and the device
 * strings are freed and overwritten right after create, and the chain must run on, name its
 * backend and give the same detections and compressed output as a chain whose caller kept
 * everything alive (under ASan a kept pointer is a use after free).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "test_util.h"
#include "triad/chain.h"

enum { N = 300, P = 16, L = 32 };

static triad_chain_cfg geometry(const triad_cf32 *waveform)
{
    triad_chain_cfg cfg = triad_chain_cfg_default();
    cfg.samples_per_pulse = N;
    cfg.pulses_per_cpi = P;
    cfg.num_channels = 2;
    cfg.format = TRIAD_FORMAT_CF32_LE;
    cfg.sample_rate_hz = 5e6;
    cfg.carrier_hz = 1e9;
    cfg.pri_s = 200e-6;
    cfg.waveform = waveform;
    cfg.waveform_len = L;
    cfg.fft_effort = TRIAD_FFT_ESTIMATE;
    cfg.keep_compressed = true;
    cfg.max_detections = 32;
    return cfg;
}

static void test_strings_and_waveform_not_kept(void **state)
{
    (void)state;
    test_rng rng = {11};
    static triad_cf32 wave_kept[L], cpi[P * N * 2];
    for (size_t k = 0; k < L; k++)
        wave_kept[k] = (triad_cf32)test_rng_cgauss(&rng);
    for (size_t i = 0; i < P * N * 2; i++)
        cpi[i] = (triad_cf32)test_rng_cgauss(&rng);
    for (size_t m = 0; m < P; m++) /* an echo at bin 120 of channel 1 */
        for (size_t k = 0; k < L; k++)
            cpi[((m * N) + 120 + k) * 2 + 1] += 3.0f * wave_kept[k];

    triad_chain_cfg kept = geometry(wave_kept);
    kept.backend = "fftw";
    triad_chain *a = NULL, *b = NULL;
    assert_int_equal(triad_chain_create(&a, &kept), 0);

    triad_cf32 *wave = malloc(sizeof wave_kept);
    char *backend = strdup("fftw"), *device = strdup("0");
    assert_non_null(wave);
    assert_non_null(backend);
    assert_non_null(device);
    memcpy(wave, wave_kept, sizeof wave_kept);
    triad_chain_cfg cfg = geometry(wave);
    cfg.backend = backend;
    cfg.device = device;
    assert_int_equal(triad_chain_create(&b, &cfg), 0);
    memset(wave, 0x7f, sizeof wave_kept);
    strcpy(backend, "xxxx");
    strcpy(device, "y");
    free(wave);
    free(backend);
    free(device);

    static triad_detection da[64], db[64];
    triad_chain_stats sa, sb;
    assert_int_equal(triad_chain_execute(a, cpi, 3, da, &sa), 0);
    assert_int_equal(triad_chain_execute(b, cpi, 3, db, &sb), 0);
    assert_string_equal(triad_chain_backend(b), "fftw");
    assert_int_equal(sa.detections, sb.detections);
    assert_true(sb.detections >= 1);
    int echo = 0;
    for (size_t i = 0; i < sb.detections; i++) {
        assert_int_equal(da[i].channel, db[i].channel);
        assert_true(da[i].range_bin == db[i].range_bin);
        assert_true(da[i].doppler_bin == db[i].doppler_bin);
        echo |= db[i].channel == 1 && db[i].range_bin > 119.5 && db[i].range_bin < 120.5;
    }
    assert_true(echo);
    static triad_cf32 ya[P * N], yb[P * N];
    assert_int_equal(triad_chain_compressed(a, 1, ya), 0);
    assert_int_equal(triad_chain_compressed(b, 1, yb), 0);
    assert_memory_equal(ya, yb, sizeof ya);
    triad_chain_destroy(a);
    triad_chain_destroy(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strings_and_waveform_not_kept),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
