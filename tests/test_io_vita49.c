/* VITA-49 packets (io/vita49.h): encode/parse round trips on random packets, the payload's
 * byte order, every malformed case the parser must reject (each datagram in a heap block of
 * exactly its length, so that a read past the end is a sanitizer error), address parsing,
 * and a datagram through a loopback UDP socket.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "io/vita49.h"
#include "test_util.h"
#include "triad/error.h"

/* parse a copy of buf[0..len) in a block of exactly len bytes */
static triad_vita49_status parse_exact(const uint8_t *buf, size_t len, triad_vita49_packet *p)
{
    uint8_t *copy = malloc(len ? len : 1);
    assert_non_null(copy);
    memcpy(copy, buf, len);
    const triad_vita49_status s = triad_vita49_parse(copy, len, p);
    free(copy);
    return s;
}

/* a valid packet of n samples into buf; returns its length */
static size_t make_packet(uint8_t *buf, size_t cap, bool utc, size_t n, test_rng *r,
                          int16_t *iq)
{
    for (size_t j = 0; j < 2 * n; j++)
        iq[j] = (int16_t)test_rng_next(r);
    const triad_vita49_packet d = {
        .stream_id = (uint32_t)test_rng_next(r),
        .packet_count = (unsigned)(test_rng_next(r) & 15),
        .has_utc = utc,
        .utc_s = (uint32_t)test_rng_next(r),
        .sample_index = test_rng_next(r) >> 3, /* < 2^61 */
        .num_samples = n,
    };
    return triad_vita49_encode(buf, cap, &d, iq, 1);
}

static void test_round_trip(void **state)
{
    (void)state;
    test_rng r = {101};
    uint8_t buf[TRIAD_VITA49_MAX_DATAGRAM];
    int16_t iq[2 * 2000], le[2 * 2000];
    for (int trial = 0; trial < 500; trial++) {
        const bool utc = trial & 1;
        const size_t n = 1 + (size_t)(test_rng_next(&r) % 2000);
        for (size_t j = 0; j < 2 * n; j++)
            iq[j] = (int16_t)test_rng_next(&r);
        const triad_vita49_packet d = {
            .stream_id = (uint32_t)test_rng_next(&r),
            .packet_count = (unsigned)(test_rng_next(&r) & 15),
            .has_utc = utc,
            .utc_s = utc ? (uint32_t)test_rng_next(&r) : 0,
            .sample_index = test_rng_next(&r) % (TRIAD_VITA49_INDEX_LIMIT - n),
            .num_samples = n,
        };
        const size_t len = triad_vita49_encode(buf, sizeof buf, &d, iq, 1);
        assert_int_equal(len, (triad_vita49_header_words(utc) + n) * 4);
        triad_vita49_packet p;
        assert_int_equal(parse_exact(buf, len, &p), TRIAD_VITA49_OK);
        assert_int_equal(p.stream_id, d.stream_id);
        assert_int_equal(p.packet_count, d.packet_count);
        assert_int_equal(p.has_utc, utc);
        assert_int_equal(p.utc_s, d.utc_s);
        assert_true(p.sample_index == d.sample_index);
        assert_int_equal(p.num_samples, n);
        /* big endian on the wire: I high byte first */
        assert_int_equal(buf[len - n * 4], (uint8_t)((uint16_t)iq[0] >> 8));
        assert_int_equal(buf[len - n * 4 + 1], (uint8_t)iq[0]);
        triad_vita49_parse(buf, len, &p);
        triad_vita49_payload_to_le(le, p.payload, p.num_samples);
        assert_memory_equal(le, iq, n * 4);
    }
}

static void test_header_layout(void **state)
{
    (void)state;
    /* one packet by hand: type 1, TSI UTC, TSF sample count, count 9, 6 words */
    const uint8_t h[] = {0x10, 0x59, 0x00, 0x06, /* type 1 | TSI 01 TSF 01 count 9 | size 6 */
                         0x12, 0x34, 0x56, 0x78, /* stream ID */
                         0x65, 0x4f, 0x00, 0x00, /* UTC seconds */
                         0x00, 0x00, 0x00, 0x01, /* TSF, high word */
                         0x00, 0x00, 0x10, 0x00, /* TSF, low word */
                         0xff, 0xfe, 0x00, 0x03}; /* I = -2, Q = 3 */
    triad_vita49_packet p;
    assert_int_equal(parse_exact(h, sizeof h, &p), TRIAD_VITA49_OK);
    assert_int_equal(p.stream_id, 0x12345678u);
    assert_int_equal(p.packet_count, 9);
    assert_true(p.has_utc);
    assert_int_equal(p.utc_s, 0x654f0000u);
    assert_true(p.sample_index == (UINT64_C(1) << 32 | 0x1000));
    assert_int_equal(p.num_samples, 1);
    int16_t le[2];
    triad_vita49_parse(h, sizeof h, &p); /* parse_exact's copy is gone: payload from h */
    triad_vita49_payload_to_le(le, p.payload, 1);
    assert_int_equal(le[0], -2);
    assert_int_equal(le[1], 3);
    /* and the encoder writes the same bytes */
    const triad_vita49_packet d = {.stream_id = 0x12345678u, .packet_count = 9, .has_utc = true,
                                   .utc_s = 0x654f0000u,
                                   .sample_index = UINT64_C(1) << 32 | 0x1000, .num_samples = 1};
    const int16_t iq[2] = {-2, 3};
    uint8_t enc[64];
    assert_int_equal(triad_vita49_encode(enc, sizeof enc, &d, iq, 1), sizeof h);
    assert_memory_equal(enc, h, sizeof h);
}

static void test_encode_stride_and_limits(void **state)
{
    (void)state;
    /* stride 3: channel 1 of three interleaved channels */
    int16_t iq[2 * 3 * 4];
    for (int i = 0; i < 24; i++)
        iq[i] = (int16_t)(i * 100 - 1000);
    const triad_vita49_packet d = {.stream_id = 7, .num_samples = 4};
    uint8_t buf[64];
    const size_t len = triad_vita49_encode(buf, sizeof buf, &d, iq + 2, 3);
    assert_int_equal(len, (4 + 4) * 4);
    triad_vita49_packet p;
    assert_int_equal(parse_exact(buf, len, &p), TRIAD_VITA49_OK);
    int16_t le[8];
    triad_vita49_parse(buf, len, &p);
    triad_vita49_payload_to_le(le, p.payload, 4);
    for (int j = 0; j < 4; j++) {
        assert_int_equal(le[2 * j], iq[2 + 6 * j]);
        assert_int_equal(le[2 * j + 1], iq[3 + 6 * j]);
    }
    /* does not fit: the buffer, or the 16-bit size field */
    assert_int_equal(triad_vita49_encode(buf, len - 1, &d, iq, 1), 0);
    static int16_t big[2 * 70000];
    static uint8_t huge[70000 * 4 + 64];
    const triad_vita49_packet d2 = {.num_samples = 65535 - 4 + 1};
    assert_int_equal(triad_vita49_encode(huge, sizeof huge, &d2, big, 1), 0);
    const triad_vita49_packet d3 = {.num_samples = 65535 - 4};
    assert_int_equal(triad_vita49_encode(huge, sizeof huge, &d3, big, 1), 65535 * 4);
}

/* set the size field (bits 15..0 of word 0) */
static void set_size(uint8_t *b, unsigned words)
{
    b[2] = (uint8_t)(words >> 8);
    b[3] = (uint8_t)words;
}

static void test_malformed(void **state)
{
    (void)state;
    test_rng r = {7};
    uint8_t good[4096], b[4200];
    int16_t iq[2 * 64];
    triad_vita49_packet p;
    for (int utc = 0; utc < 2; utc++) {
        const size_t header = triad_vita49_header_words(utc) * 4;
        const size_t len = make_packet(good, sizeof good, utc, 64, &r, iq);
        assert_int_equal(parse_exact(good, len, &p), TRIAD_VITA49_OK);

        /* short: nothing, less than a word, less than the header */
        assert_int_equal(parse_exact(good, 0, &p), TRIAD_VITA49_SHORT);
        assert_int_equal(parse_exact(good, 3, &p), TRIAD_VITA49_SHORT);
        for (size_t cut = 4; cut < header; cut += 4) {
            memcpy(b, good, cut);
            set_size(b, (unsigned)(cut / 4));
            assert_int_equal(parse_exact(b, cut, &p), TRIAD_VITA49_SHORT);
        }
        /* header only: no samples */
        memcpy(b, good, header);
        set_size(b, (unsigned)(header / 4));
        assert_int_equal(parse_exact(b, header, &p), TRIAD_VITA49_EMPTY);

        /* wrong packet types: every type but 1 (IF data with stream ID) */
        for (unsigned type = 0; type < 16; type++) {
            if (type == 1)
                continue;
            memcpy(b, good, len);
            b[0] = (uint8_t)(type << 4 | (b[0] & 0x0f));
            assert_int_equal(parse_exact(b, len, &p), TRIAD_VITA49_TYPE);
        }
        /* class ID present; trailer present (also with a word more, as a sender would) */
        memcpy(b, good, len);
        b[0] |= 0x08;
        assert_int_equal(parse_exact(b, len, &p), TRIAD_VITA49_CLASS_ID);
        memcpy(b, good, len);
        b[0] |= 0x04;
        assert_int_equal(parse_exact(b, len, &p), TRIAD_VITA49_TRAILER);
        memcpy(b, good, len);
        b[0] |= 0x04;
        set_size(b, (unsigned)(len / 4 + 1));
        memset(b + len, 0, 4);
        assert_int_equal(parse_exact(b, len + 4, &p), TRIAD_VITA49_TRAILER);
        /* TSI GPS or other; TSF none, real time, free running */
        for (unsigned tsi = 2; tsi < 4; tsi++) {
            memcpy(b, good, len);
            b[1] = (uint8_t)((b[1] & 0x3f) | tsi << 6);
            assert_int_equal(parse_exact(b, len, &p), TRIAD_VITA49_TSI);
        }
        for (unsigned tsf = 0; tsf < 4; tsf++) {
            if (tsf == 1)
                continue;
            memcpy(b, good, len);
            b[1] = (uint8_t)((b[1] & 0xcf) | tsf << 4);
            assert_int_equal(parse_exact(b, len, &p), TRIAD_VITA49_TSF);
        }
        /* the size field larger and smaller than the datagram */
        const unsigned words = (unsigned)(len / 4);
        const unsigned sizes[] = {words + 1, words + 1000, 0xffff, words - 1, 1, 0};
        for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
            memcpy(b, good, len);
            set_size(b, sizes[i]);
            assert_int_equal(parse_exact(b, len, &p), TRIAD_VITA49_SIZE);
        }
        /* a datagram cut inside the payload keeps a size field that no longer matches */
        assert_int_equal(parse_exact(good, len - 4, &p), TRIAD_VITA49_SIZE);
        /* odd payload: half a sample (2 bytes) more or less, or a single byte */
        memcpy(b, good, len);
        b[len] = 1;
        b[len + 1] = 2;
        assert_int_equal(parse_exact(b, len + 2, &p), TRIAD_VITA49_UNALIGNED);
        assert_int_equal(parse_exact(good, len - 2, &p), TRIAD_VITA49_UNALIGNED);
        assert_int_equal(parse_exact(good, len - 1, &p), TRIAD_VITA49_UNALIGNED);
        /* the sample index at or near 2^62 */
        uint8_t *f = b + header - 8;
        memcpy(b, good, len);
        memset(f, 0, 8);
        f[0] = 0x40; /* 2^62 */
        assert_int_equal(parse_exact(b, len, &p), TRIAD_VITA49_RANGE);
        memset(f, 0xff, 8);
        assert_int_equal(parse_exact(b, len, &p), TRIAD_VITA49_RANGE);
        memset(f, 0, 8);
        f[0] = 0x3f;
        memset(f + 1, 0xff, 7);
        f[7] = 0xc0; /* 2^62 - 64: its 64 samples end exactly at the limit */
        assert_int_equal(parse_exact(b, len, &p), TRIAD_VITA49_OK);
        f[7]++;
        assert_int_equal(parse_exact(b, len, &p), TRIAD_VITA49_RANGE);
    }
    for (int s = 0; s < TRIAD_VITA49_NSTATUS; s++)
        assert_non_null(triad_vita49_status_name((triad_vita49_status)s));
}

static void test_udp_split(void **state)
{
    (void)state;
    char h[64], p[8];
    assert_int_equal(triad_udp_split("127.0.0.1:5000", h, sizeof h, p, sizeof p), 0);
    assert_string_equal(h, "127.0.0.1");
    assert_string_equal(p, "5000");
    assert_int_equal(triad_udp_split(":0", h, sizeof h, p, sizeof p), 0);
    assert_string_equal(h, "");
    assert_string_equal(p, "0");
    assert_int_equal(triad_udp_split("[::1]:99", h, sizeof h, p, sizeof p), 0);
    assert_string_equal(h, "::1");
    assert_string_equal(p, "99");
    assert_int_equal(triad_udp_split("localhost:65535", h, sizeof h, p, sizeof p), 0);
    const char *bad[] = {"127.0.0.1", "127.0.0.1:", "127.0.0.1:x", "1.2.3.4:65536", "::1:5",
                         "[::1]5", "[::1", "h:-1", "h:1 "};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(triad_udp_split(bad[i], h, sizeof h, p, sizeof p), TRIAD_EINVAL);
        assert_non_null(strstr(triad_errmsg(), bad[i]));
    }
    char tiny[4];
    assert_int_equal(triad_udp_split("127.0.0.1:5", tiny, sizeof tiny, p, sizeof p), TRIAD_EINVAL);
}

static void test_udp_loopback(void **state)
{
    (void)state;
    triad_udp_rx *rx;
    assert_int_equal(triad_udp_rx_open(&rx, "127.0.0.1", "0", 1 << 20, 8), 0);
    const char *addr = triad_udp_rx_address(rx);
    assert_true(strncmp(addr, "127.0.0.1:", 10) == 0);
    assert_true(triad_udp_rx_rcvbuf(rx) > 0);
    triad_udp_tx *tx;
    assert_int_equal(triad_udp_tx_open(&tx, "127.0.0.1", addr + 10, 0), 0);
    test_rng r = {3};
    uint8_t buf[2000];
    int16_t iq[2 * 360];
    const size_t len = make_packet(buf, sizeof buf, true, 360, &r, iq);
    for (int i = 0; i < 3; i++)
        assert_int_equal(triad_udp_tx_send(tx, buf, len), 0);
    int got = 0;
    for (int tries = 0; tries < 100 && got < 3; tries++) {
        const int n = triad_udp_rx_recv(rx, 50);
        assert_true(n >= 0);
        for (int i = 0; i < n; i++) {
            assert_int_equal(triad_udp_rx_len(rx, (size_t)i), len);
            assert_memory_equal(triad_udp_rx_data(rx, (size_t)i), buf, len);
        }
        got += n;
    }
    assert_int_equal(got, 3);
    assert_int_equal(triad_udp_rx_recv(rx, 10), 0); /* nothing more: times out */
    triad_udp_tx_close(tx);
    triad_udp_rx_close(rx);
    triad_udp_rx_close(NULL);
    triad_udp_tx_close(NULL);
    /* a destination needs a host */
    assert_int_equal(triad_udp_tx_open(&tx, "", "5000", 0), TRIAD_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_header_layout),
        cmocka_unit_test(test_encode_stride_and_limits),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_udp_split),
        cmocka_unit_test(test_udp_loopback),
    };
    return cmocka_run_group_tests_name("io_vita49", tests, NULL, NULL);
}
