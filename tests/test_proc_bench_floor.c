/* The benchmark floors of include/triad/bench.h against independent arithmetic: the nearest-
 * rank percentile, the FFTW backend's range FFT length (a brute-force 7-smooth search), the
 * bandwidth floor's bytes and times (hand-computed), the FFTW floor's shape of result and its
 * refusals, the public traffic model's sums and fused minimum.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#define assert_near(a, b, tol) assert_true(fabs((double)(a) - (double)(b)) <= (tol))

#include "triad/bench.h"

static void test_percentile_nearest_rank(void **state)
{
    (void)state;
    double v[5] = {5.0, 1.0, 4.0, 2.0, 3.0};
    assert_true(triad_bench_percentile(v, 5, 0.5) == 3.0);
    assert_true(v[0] == 1.0 && v[4] == 5.0); /* sorted */
    assert_true(triad_bench_percentile(v, 5, 0.99) == 5.0);
    assert_true(triad_bench_percentile(v, 5, 0.0) == 1.0);
    assert_true(triad_bench_percentile(v, 5, 0.4) == 2.0);
    double one = 7.0;
    assert_true(triad_bench_percentile(&one, 1, 0.99) == 7.0);
}

static int smooth7(size_t n)
{
    static const size_t primes[] = {2, 3, 5, 7};
    for (size_t i = 0; i < 4; i++)
        while (n % primes[i] == 0)
            n /= primes[i];
    return n == 1;
}

static void test_fftw_nfft_is_smallest_7_smooth(void **state)
{
    (void)state;
    static const size_t shapes[][2] = {{1024, 128}, {8192, 1000}, {64, 16}, {9900, 128},
                                       {1909, 128}, {4096, 1}, {1, 1}};
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        size_t want = shapes[i][0] + shapes[i][1] - 1;
        while (!smooth7(want))
            want++;
        assert_int_equal(triad_bench_fftw_nfft(shapes[i][0], shapes[i][1]), want);
    }
    assert_int_equal(triad_bench_fftw_nfft(1024, 128), 1152); /* 2^7 3^2 */
}

static void test_bandwidth_floor_by_hand(void **state)
{
    (void)state;
    const triad_bench_shape s = {2, 8, 100, 10};
    triad_bench_bandwidth bw;
    memset(&bw, 0, sizeof bw);
    bw.h2d_bytes_per_s = 1e9;
    bw.copy_bytes_per_s = 2e9;
    bw.d2h_bytes_per_s = 1e8;
    triad_bench_floor f;
    triad_bench_bandwidth_floor(&s, TRIAD_FORMAT_CI16_LE, 3.0, &bw, &f);
    assert_string_equal(f.kind, "bandwidth");
    /* 1600 cells: raw 6400 bytes up; on the device raw + cube written and read (2 x 12800);
     * three detections of 16 bytes back */
    assert_true(f.bytes[0] == 6400.0);
    assert_true(f.bytes[1] == 32000.0);
    assert_true(f.bytes[2] == 48.0);
    assert_near(f.part_s[0], 6.4e-6, 1e-15);
    assert_near(f.part_s[1], 16e-6, 1e-15);
    assert_near(f.part_s[2], 4.8e-7, 1e-15);
    assert_near(f.total_s, 6.4e-6 + 16e-6 + 4.8e-7, 1e-15);
    triad_bench_bandwidth_floor(&s, TRIAD_FORMAT_CF32_LE, 0.0, &bw, &f);
    assert_true(f.bytes[0] == 12800.0 && f.bytes[1] == 38400.0 && f.bytes[2] == 0.0);
}

static void test_fftw_floor(void **state)
{
    (void)state;
    assert_int_equal(triad_bench_threads_init(), 0);
    const triad_bench_shape s = {2, 16, 300, 32};
    const size_t nfft = triad_bench_fftw_nfft(s.samples, s.pulse_samples);
    triad_bench_floor f;
    for (int clock = 0; clock < 2; clock++) {
        assert_int_equal(triad_bench_fftw_floor(&s, nfft, 2, TRIAD_FFT_ESTIMATE, 5,
                                                (triad_bench_clock)clock, &f), 0);
        assert_string_equal(f.kind, "fftw");
        assert_true(f.part_s[0] > 0.0 && f.part_s[1] > 0.0 && f.part_s[2] == 0.0);
        assert_true(f.total_s > 0.0 && f.total_s < 1.0);
        assert_true(f.bytes[0] == 0.0);
    }
    assert_int_equal(triad_bench_fftw_floor(&s, nfft, 1, TRIAD_FFT_ESTIMATE, 0,
                                            TRIAD_BENCH_CLOCK_WALL, &f), TRIAD_EINVAL);
    assert_non_null(strstr(triad_errmsg(), "FFTW floor"));
    assert_int_equal(triad_bench_fftw_floor(&s, 299, 1, TRIAD_FFT_ESTIMATE, 3,
                                            TRIAD_BENCH_CLOCK_WALL, &f), TRIAD_EINVAL);
    triad_bench_threads_cleanup();
    assert_non_null(strstr(triad_bench_fftw_version(), "fftw"));
}

static void test_traffic_model_sums(void **state)
{
    (void)state;
    triad_chain_cfg cfg = triad_chain_cfg_default();
    const triad_bench_shape shapes[] = {{1, 64, 1024, 128}, {16, 24, 64, 16}, {1, 128, 8192, 1000}};
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        const triad_bench_shape *s = &shapes[i];
        triad_bench_traffic t;
        triad_bench_traffic_model(s, TRIAD_FORMAT_CI16_LE, &cfg, &t);
        size_t pow2 = 1;
        while (pow2 < s->samples + s->pulse_samples - 1)
            pow2 *= 2;
        assert_int_equal(t.nfft, pow2);
        assert_true(strcmp(t.range, "fused") == 0 || strcmp(t.range, "four-step") == 0 ||
                    strcmp(t.range, "global") == 0);
        if (strcmp(t.range, "four-step") == 0)
            assert_int_equal(t.n1 * t.n2, t.nfft);
        const double cells = (double)s->channels * (double)s->pulses * (double)s->samples;
        assert_near(t.fused_min, cells * 4.0 + cells * 4.0, 0.5); /* ci16 in, float out */
        assert_true(t.count > 2 && t.count <= TRIAD_BENCH_TRAFFIC_MAX);
        double rd = 0.0, wr = 0.0;
        for (size_t k = 0; k < t.count; k++) {
            assert_non_null(t.row[k].kernel);
            if (strncmp(t.row[k].kernel, "copy ", 5) == 0)
                continue;
            rd += t.row[k].read_bytes;
            wr += t.row[k].write_bytes;
        }
        assert_near(t.device_read, rd, 0.5);
        assert_near(t.device_write, wr, 0.5);
        assert_true(t.device_read + t.device_write >= t.fused_min);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_percentile_nearest_rank),
        cmocka_unit_test(test_fftw_nfft_is_smallest_7_smooth),
        cmocka_unit_test(test_bandwidth_floor_by_hand),
        cmocka_unit_test(test_fftw_floor),
        cmocka_unit_test(test_traffic_model_sums),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
