/* The live CPI stream (include/triad/stream.h) on loopback: a sender encodes VITA-49 packets of
 * known samples, the stream's reader thread assembles them, read hands back CPIs that must be
 * the sent samples in the chain's layout (little-endian ci16, [P x N x C]); a queue of 2 that
 * is not read overflows (the oldest dropped, the next read flagged with the count); a missing
 * packet is a DEGRADED CPI with its samples zero and counted; the idle timeout ends the stream;
 * config rejections; latency percentiles against a sorted array.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "io/vita49.h"
#include "test_util.h"
#include "triad/error.h"
#include "triad/stream.h"

enum { N = 64, P = 4, C = 2, BASE_ID = 7 };

/* Sample n of pulse m, channel c of CPI k: I and Q from a hash, never both zero. */
static int16_t sample_i(uint64_t k, size_t m, size_t n, size_t c)
{
    test_rng r = {k * 1000003 + m * 1009 + n * 17 + c};
    return (int16_t)(test_rng_next(&r) % 60000 - 30000) | 1;
}
static int16_t sample_q(uint64_t k, size_t m, size_t n, size_t c)
{
    return (int16_t)(sample_i(k, m, n, c) ^ 0x5a5a);
}

typedef struct {
    triad_udp_tx *tx;
    unsigned count[C];
} sender;

static void sender_open(sender *s, triad_cpi_stream *st)
{
    char host[256], port[16];
    memset(s, 0, sizeof *s);
    assert_int_equal(triad_udp_split(triad_cpi_stream_address(st), host, sizeof host, port,
                                     sizeof port), 0);
    assert_int_equal(triad_udp_tx_open(&s->tx, host, port, 0), 0);
}

/* One pulse of one channel as one packet. */
static void send_pulse(sender *s, uint64_t k, size_t m, size_t c)
{
    int16_t iq[2 * N];
    for (size_t n = 0; n < N; n++) {
        iq[2 * n] = sample_i(k, m, n, c);
        iq[2 * n + 1] = sample_q(k, m, n, c);
    }
    const triad_vita49_packet d = {
        .stream_id = BASE_ID + (uint32_t)c,
        .packet_count = s->count[c]++ & 15,
        .sample_index = (k * P + m) * N,
        .num_samples = N,
    };
    uint8_t buf[(N + 8) * 4];
    const size_t len = triad_vita49_encode(buf, sizeof buf, &d, iq, 1);
    assert_true(len > 0);
    assert_int_equal(triad_udp_tx_send(s->tx, buf, len), 0);
}

/* CPI k, all of it but (skip_m, skip_c) when skip_m < P. */
static void send_cpi(sender *s, uint64_t k, size_t skip_m, size_t skip_c)
{
    for (size_t m = 0; m < P; m++)
        for (size_t c = 0; c < C; c++)
            if (m != skip_m || c != skip_c)
                send_pulse(s, k, m, c);
}

static void check_cpi(const int16_t *buf, uint64_t k, size_t zero_m, size_t zero_c)
{
    for (size_t m = 0; m < P; m++)
        for (size_t n = 0; n < N; n++)
            for (size_t c = 0; c < C; c++) {
                const int16_t *x = buf + 2 * ((m * N + n) * C + c);
                const bool zero = m == zero_m && c == zero_c;
                assert_int_equal(x[0], zero ? 0 : sample_i(k, m, n, c));
                assert_int_equal(x[1], zero ? 0 : sample_q(k, m, n, c));
            }
}

static triad_cpi_stream_cfg geometry(void)
{
    triad_cpi_stream_cfg cfg = triad_cpi_stream_cfg_default();
    cfg.address = "127.0.0.1:0";
    cfg.samples_per_pulse = N;
    cfg.pulses_per_cpi = P;
    cfg.num_channels = C;
    cfg.stream_id = BASE_ID;
    cfg.cpi_timeout_s = 5; /* completion by the rules under test only */
    return cfg;
}

static void test_round_trip(void **state)
{
    (void)state;
    triad_cpi_stream_cfg cfg = geometry();
    triad_cpi_stream *st;
    assert_int_equal(triad_cpi_stream_create(&st, &cfg), 0);
    static int16_t buf[2 * P * N * C];
    triad_cpi_stream_info info;
    assert_int_equal(triad_cpi_stream_read(st, buf, &info, 0), TRIAD_ETIMEOUT);
    assert_int_equal(triad_cpi_stream_activate(st), 0);
    assert_int_equal(triad_cpi_stream_activate(st), TRIAD_EINVAL);
    sender s;
    sender_open(&s, st);
    for (uint64_t k = 0; k < 3; k++)
        send_cpi(&s, k, P, 0);
    for (uint64_t k = 0; k < 3; k++) {
        memset(buf, 0, sizeof buf);
        assert_int_equal(triad_cpi_stream_read(st, buf, &info, 5.0), 1);
        assert_int_equal(info.cpi, k);
        assert_int_equal(info.flags, 0);
        assert_int_equal(info.dropped, 0);
        assert_int_equal(info.missing[0] + info.missing[1], 0);
        assert_true(info.degraded_fraction == 0.0);
        assert_true(info.complete_s <= triad_clock_s());
        check_cpi(buf, k, P, 0);
    }
    triad_cpi_stream_stats ss;
    for (int i = 0; i < 500; i++) { /* published after the batch that completed the CPIs */
        triad_cpi_stream_stats_get(st, &ss);
        if (ss.packets == 3 * P * C)
            break;
        nanosleep(&(struct timespec){.tv_nsec = 10000000}, NULL);
    }
    assert_int_equal(ss.packets, 3 * P * C);
    assert_int_equal(ss.cpis, 3);
    assert_int_equal(ss.cpis_dropped + ss.malformed + ss.lost, 0);
    triad_cpi_stream_deactivate(st);
    triad_cpi_stream_deactivate(st);
    assert_int_equal(triad_cpi_stream_read(st, buf, &info, 1.0), 0);
    assert_int_equal(triad_cpi_stream_error(st, NULL, 0), 0);
    triad_udp_tx_close(s.tx);
    triad_cpi_stream_destroy(st);
}

static void test_overflow(void **state)
{
    (void)state;
    triad_cpi_stream_cfg cfg = geometry();
    cfg.queue_cpis = 2;
    triad_cpi_stream *st;
    assert_int_equal(triad_cpi_stream_create(&st, &cfg), 0);
    assert_int_equal(triad_cpi_stream_activate(st), 0);
    sender s;
    sender_open(&s, st);
    for (uint64_t k = 0; k < 6; k++)
        send_cpi(&s, k, P, 0);
    triad_cpi_stream_stats ss;
    for (int i = 0; i < 500; i++) { /* the reader takes them: at most 5 s */
        triad_cpi_stream_stats_get(st, &ss);
        if (ss.cpis == 6)
            break;
        nanosleep(&(struct timespec){.tv_nsec = 10000000}, NULL);
    }
    assert_int_equal(ss.cpis, 6);
    assert_int_equal(ss.cpis_dropped, 4);
    assert_int_equal(triad_cpi_stream_pending(st), 2);
    static int16_t buf[2 * P * N * C];
    triad_cpi_stream_info info;
    assert_int_equal(triad_cpi_stream_read(st, buf, &info, 1.0), 1);
    assert_int_equal(info.cpi, 4);
    assert_int_equal(info.flags, TRIAD_STREAM_OVERFLOW);
    assert_int_equal(info.dropped, 4);
    check_cpi(buf, 4, P, 0);
    assert_int_equal(triad_cpi_stream_read(st, buf, &info, 1.0), 1);
    assert_int_equal(info.cpi, 5);
    assert_int_equal(info.flags, 0);
    assert_int_equal(info.dropped, 0);
    check_cpi(buf, 5, P, 0);
    triad_udp_tx_close(s.tx);
    triad_cpi_stream_destroy(st);
}

static void test_degraded_and_end(void **state)
{
    (void)state;
    triad_cpi_stream_cfg cfg = geometry();
    cfg.idle_timeout_s = 0.3;
    triad_cpi_stream *st;
    assert_int_equal(triad_cpi_stream_create(&st, &cfg), 0);
    assert_int_equal(triad_cpi_stream_activate(st), 0);
    sender s;
    sender_open(&s, st);
    send_cpi(&s, 0, 2, 1); /* pulse 2 of channel 1 never sent */
    send_cpi(&s, 1, P, 0); /* passes CPI 0's end by more than the window: CPI 0 complete */
    static int16_t buf[2 * P * N * C];
    triad_cpi_stream_info info;
    assert_int_equal(triad_cpi_stream_read(st, buf, &info, 5.0), 1);
    assert_int_equal(info.cpi, 0);
    assert_int_equal(info.flags, TRIAD_STREAM_DEGRADED);
    assert_int_equal(info.missing[0], 0);
    assert_int_equal(info.missing[1], N);
    assert_float_equal(info.degraded_fraction, (double)N / (P * N * C), 1e-12);
    check_cpi(buf, 0, 2, 1);
    assert_int_equal(triad_cpi_stream_read(st, buf, &info, 5.0), 1);
    assert_int_equal(info.cpi, 1);
    assert_int_equal(info.flags, 0);
    check_cpi(buf, 1, P, 0);
    const double t0 = triad_clock_s();
    assert_int_equal(triad_cpi_stream_read(st, buf, &info, 5.0), 0); /* the idle timeout */
    assert_true(triad_clock_s() - t0 < 4.0);
    char msg[64] = "x";
    assert_int_equal(triad_cpi_stream_error(st, msg, sizeof msg), 0);
    assert_string_equal(msg, "");
    triad_cpi_stream_stats ss;
    triad_cpi_stream_stats_get(st, &ss);
    assert_int_equal(ss.cpis_degraded, 1);
    triad_udp_tx_close(s.tx);
    triad_cpi_stream_destroy(st);
}

static void test_rejections(void **state)
{
    (void)state;
    triad_cpi_stream *st = (triad_cpi_stream *)&st;
    triad_cpi_stream_cfg cfg = geometry();
    cfg.address = NULL;
    assert_int_equal(triad_cpi_stream_create(&st, &cfg), TRIAD_EINVAL);
    assert_null(st);
    assert_non_null(strstr(triad_errmsg(), "address"));
    cfg = geometry();
    cfg.address = "localhost";
    assert_int_equal(triad_cpi_stream_create(&st, &cfg), TRIAD_EINVAL);
    assert_non_null(strstr(triad_errmsg(), "localhost"));
    cfg = geometry();
    cfg.queue_cpis = 0;
    assert_int_equal(triad_cpi_stream_create(&st, &cfg), TRIAD_EINVAL);
    assert_non_null(strstr(triad_errmsg(), "queue_cpis"));
    cfg = geometry();
    cfg.samples_per_pulse = 0;
    assert_int_equal(triad_cpi_stream_create(&st, &cfg), TRIAD_EINVAL);
    cfg = geometry();
    cfg.idle_timeout_s = -1;
    assert_int_equal(triad_cpi_stream_create(&st, &cfg), TRIAD_EINVAL);
    cfg = geometry();
    cfg.address = "192.0.2.1:9"; /* TEST-NET-1: not an address of this host */
    assert_int_equal(triad_cpi_stream_create(&st, &cfg), TRIAD_EIO);
    assert_null(st);
    triad_cpi_stream_destroy(NULL);
    triad_cpi_stream_deactivate(NULL);
}

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void test_latency_percentiles(void **state)
{
    (void)state;
    enum { M = 5000 };
    static double v[M];
    triad_latency h;
    triad_latency_reset(&h);
    assert_true(isnan(triad_latency_percentile(&h, 0.5)));
    test_rng r = {5};
    for (size_t i = 0; i < M; i++) { /* log-uniform, 20 us .. 2 s */
        v[i] = 20e-6 * pow(1e5, test_rng_uniform(&r));
        triad_latency_add(&h, v[i]);
    }
    qsort(v, M, sizeof *v, cmp_double);
    const double qs[] = {0.01, 0.5, 0.9, 0.99, 1.0};
    for (size_t i = 0; i < sizeof qs / sizeof *qs; i++) {
        const double want = v[(size_t)ceil(qs[i] * M) - 1];
        const double got = triad_latency_percentile(&h, qs[i]);
        assert_true(fabs(got / want - 1) < 0.047); /* one bin: 10^(1/50) - 1 = 4.7 % */
    }
    assert_int_equal(h.count, M);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_overflow),
        cmocka_unit_test(test_degraded_and_end),
        cmocka_unit_test(test_rejections),
        cmocka_unit_test(test_latency_percentiles),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
