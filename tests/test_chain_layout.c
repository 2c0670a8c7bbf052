/* The chain on the caller's layouts (triad_cpi_layout): one CPI of C = 3 channels with echoes,
 * written interleaved (the chain's own), channel-major, one buffer per channel and with padded
 * pulses, in cf32 and ci16; every layout must give the same detections and the same power
 * maps as the interleaved buffer through triad_chain_execute, bit for bit (a gather moves
 * samples, it never changes one), and a chain planned once runs on all of them. Rejections:
 * no buffer, zero strides, a slot in flight.
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
#include "triad/units.h"

enum { N = 200, P = 16, C = 3, L = 24, PAD = 5 };

static triad_chain_cfg config(triad_format format, const triad_cf32 *wave)
{
    triad_chain_cfg cfg = triad_chain_cfg_default();
    cfg.samples_per_pulse = N;
    cfg.pulses_per_cpi = P;
    cfg.num_channels = C;
    cfg.format = format;
    cfg.sample_rate_hz = 5e6;
    cfg.carrier_hz = 1e9;
    cfg.pri_s = 200e-6;
    cfg.waveform = wave;
    cfg.waveform_len = L;
    cfg.backend = "fftw";
    cfg.fft_effort = TRIAD_FFT_ESTIMATE;
    cfg.max_detections = 32;
    return cfg;
}

/* Sample (m, n, c) of the test CPI: unit noise and an echo per channel. */
static void fill(triad_cf32 *x, const triad_cf32 *wave)
{
    test_rng r = {21};
    for (size_t i = 0; i < P * N * C; i++)
        x[i] = (triad_cf32)test_rng_cgauss(&r);
    for (size_t c = 0; c < C; c++)
        for (size_t m = 0; m < P; m++)
            for (size_t k = 0; k < L; k++) {
                const size_t n = 40 + 50 * c + k;
                x[(m * N + n) * C + c] += 2.5f * wave[k] *
                                          cexpf(I * (float)(2 * TRIAD_PI * (double)(c + 1) * m / P));
            }
}

static void run_layouts(triad_format format)
{
    test_rng r = {3};
    static triad_cf32 wave[L], x[P * N * C];
    for (size_t k = 0; k < L; k++)
        wave[k] = (triad_cf32)test_rng_cgauss(&r);
    fill(x, wave);
    const size_t size = format == TRIAD_FORMAT_CF32_LE ? 8 : 4;
    /* the interleaved CPI in the format under test */
    unsigned char *own = malloc(P * N * C * size);
    assert_non_null(own);
    for (size_t i = 0; i < P * N * C; i++) {
        if (size == 8) {
            memcpy(own + i * 8, &x[i], 8);
        } else {
            const int16_t iq[2] = {(int16_t)lrintf(crealf(x[i]) * 1000),
                                   (int16_t)lrintf(cimagf(x[i]) * 1000)};
            memcpy(own + i * 4, iq, 4);
        }
    }
    /* the same samples channel-major [C x P x N], per channel [P x N], padded pulses */
    unsigned char *major = malloc(C * P * N * size), *per[C], *padded = malloc(P * (N + PAD) * C * size);
    assert_non_null(major);
    assert_non_null(padded);
    memset(padded, 0x55, P * (N + PAD) * C * size);
    for (size_t c = 0; c < C; c++)
        assert_non_null(per[c] = malloc(P * N * size));
    for (size_t m = 0; m < P; m++)
        for (size_t n = 0; n < N; n++)
            for (size_t c = 0; c < C; c++) {
                const unsigned char *s = own + ((m * N + n) * C + c) * size;
                memcpy(major + ((c * P + m) * N + n) * size, s, size);
                memcpy(per[c] + (m * N + n) * size, s, size);
                memcpy(padded + ((m * (N + PAD) + n) * C + c) * size, s, size);
            }

    triad_chain_cfg cfg = config(format, wave);
    triad_chain *chain;
    assert_int_equal(triad_chain_create(&chain, &cfg), 0);
    static triad_detection want[C * 32], got[C * 32];
    static float map_want[C][P * N], map_got[P * N];
    triad_chain_stats sw, sg;
    assert_int_equal(triad_chain_execute(chain, own, 0, want, &sw), 0);
    assert_true(sw.detections >= C); /* every channel's echo */
    for (size_t c = 0; c < C; c++)
        assert_int_equal(triad_chain_power_map(chain, c, map_want[c]), 0);

    const void *const channels[C] = {per[0], per[1], per[2]};
    const triad_cpi_layout layouts[] = {
        triad_cpi_layout_interleaved(&cfg, own),
        {.base = major, .channel_stride = P * N, .sample_stride = 1, .pulse_stride = N},
        {.channels = channels, .sample_stride = 1, .pulse_stride = N},
        {.base = padded, .channel_stride = 1, .sample_stride = C, .pulse_stride = (N + PAD) * C},
    };
    for (size_t i = 0; i < sizeof layouts / sizeof *layouts; i++) {
        memset(got, 0, sizeof got);
        assert_int_equal(triad_chain_execute_layout(chain, &layouts[i], 1, got, &sg), 0);
        assert_int_equal(sg.detections, sw.detections);
        for (size_t d = 0; d < sw.detections; d++) {
            assert_int_equal(got[d].channel, want[d].channel);
            assert_int_equal(got[d].cpi, 1);
            assert_memory_equal(&got[d].range_bin, &want[d].range_bin, sizeof(double));
            assert_memory_equal(&got[d].doppler_bin, &want[d].doppler_bin, sizeof(double));
            assert_memory_equal(&got[d].snr_db, &want[d].snr_db, sizeof(double));
        }
        for (size_t c = 0; c < C; c++) {
            assert_int_equal(triad_chain_power_map(chain, c, map_got), 0);
            assert_memory_equal(map_got, map_want[c], sizeof map_got);
        }
    }

    /* streaming: load into each slot, submit, collect */
    const size_t slots = triad_chain_slots(chain);
    for (size_t s = 0; s < slots; s++) {
        assert_int_equal(triad_chain_load(chain, s, &layouts[1 + s % 3]), 0);
        assert_int_equal(triad_chain_submit(chain, s, 10 + s), 0);
    }
    assert_int_equal(triad_chain_load(chain, 0, &layouts[0]), TRIAD_EINVAL); /* in flight */
    for (size_t s = 0; s < slots; s++) {
        assert_int_equal(triad_chain_collect(chain, s, got, &sg), 0);
        assert_int_equal(sg.detections, sw.detections);
        for (size_t d = 0; d < sw.detections; d++)
            assert_memory_equal(&got[d].range_bin, &want[d].range_bin, sizeof(double));
    }

    /* rejections */
    triad_cpi_layout bad = {.sample_stride = 1, .pulse_stride = N};
    assert_int_equal(triad_chain_load(chain, 0, &bad), TRIAD_EINVAL);
    bad = (triad_cpi_layout){.base = major, .channel_stride = P * N, .pulse_stride = N};
    assert_int_equal(triad_chain_load(chain, 0, &bad), TRIAD_EINVAL);
    bad = (triad_cpi_layout){.base = major, .sample_stride = 1, .pulse_stride = N};
    assert_int_equal(triad_chain_load(chain, 0, &bad), TRIAD_EINVAL);
    assert_int_equal(triad_chain_load(chain, slots, &layouts[0]), TRIAD_EINVAL);
    const void *const holes[C] = {per[0], NULL, per[2]};
    bad = (triad_cpi_layout){.channels = holes, .sample_stride = 1, .pulse_stride = N};
    assert_int_equal(triad_chain_load(chain, 0, &bad), TRIAD_EINVAL);

    triad_chain_destroy(chain);
    free(own);
    free(major);
    free(padded);
    for (size_t c = 0; c < C; c++)
        free(per[c]);
}

static void test_layouts_cf32(void **state)
{
    (void)state;
    run_layouts(TRIAD_FORMAT_CF32_LE);
}

static void test_layouts_ci16(void **state)
{
    (void)state;
    run_layouts(TRIAD_FORMAT_CI16_LE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layouts_cf32),
        cmocka_unit_test(test_layouts_ci16),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
