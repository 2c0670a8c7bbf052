/* VITA-49 packets (io/vita49.h): encode/parse round trips on random packets of every
 * header form (class ID, TSI, TSF, trailer), a data and a context packet laid out by hand
 * from VITA 49.0's tables, the fixed-point context fields, the trailer's indicators, every
 * malformed case the parser must reject with the reason and the values in its message (each
 * datagram in a heap block of exactly its length, so that a read past the end is a
 * sanitizer error), address parsing, and a datagram through a loopback UDP socket.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/vita49.h"
#include "test_util.h"
#include "triad/error.h"

/* parse a copy of buf[0..len) in a block of exactly len bytes; why gets the message */
static char why[400];
static triad_vita49_status parse_exact(const uint8_t *buf, size_t len, triad_vita49_packet *p)
{
    uint8_t *copy = malloc(len ? len : 1);
    assert_non_null(copy);
    memcpy(copy, buf, len);
    why[0] = '\0';
    const triad_vita49_status s = triad_vita49_parse_why(copy, len, p, why, sizeof why);
    free(copy);
    return s;
}

/* a valid data packet of n samples (TSI UTC, TSF free-running) into buf; returns its length */
static size_t make_packet(uint8_t *buf, size_t cap, bool utc, size_t n, test_rng *r,
                          int16_t *iq)
{
    for (size_t j = 0; j < 2 * n; j++)
        iq[j] = (int16_t)test_rng_next(r);
    const triad_vita49_packet d = {
        .stream_id = (uint32_t)test_rng_next(r),
        .packet_count = (unsigned)(test_rng_next(r) & 15),
        .tsi = utc ? TRIAD_VITA49_TSI_UTC : TRIAD_VITA49_TSI_NONE,
        .tsf = TRIAD_VITA49_TSF_FREE_RUNNING,
        .int_ts = (uint32_t)test_rng_next(r),
        .frac_ts = test_rng_next(r) >> 3, /* < 2^61 */
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
    for (int trial = 0; trial < 800; trial++) {
        const size_t n = 1 + (size_t)(test_rng_next(&r) % 2000);
        for (size_t j = 0; j < 2 * n; j++)
            iq[j] = (int16_t)test_rng_next(&r);
        triad_vita49_packet d = {
            .stream_id = (uint32_t)test_rng_next(&r),
            .packet_count = (unsigned)(test_rng_next(&r) & 15),
            .has_class_id = trial & 1,
            .oui = (uint32_t)test_rng_next(&r) & 0xffffff,
            .info_class = (uint16_t)test_rng_next(&r),
            .packet_class = (uint16_t)test_rng_next(&r),
            .tsi = (unsigned)(trial >> 1 & 3),
            .tsf = 1 + (unsigned)(trial >> 3) % 3,
            .has_trailer = trial >> 5 & 1,
            .trailer = (uint32_t)test_rng_next(&r),
            .num_samples = n,
        };
        if (!d.has_class_id)
            d.oui = d.info_class = d.packet_class = 0;
        if (d.tsi == TRIAD_VITA49_TSI_NONE)
            d.tsf = TRIAD_VITA49_TSF_FREE_RUNNING; /* a count within the second needs one */
        d.int_ts = d.tsi ? (uint32_t)test_rng_next(&r) : 0;
        d.frac_ts = d.tsf == TRIAD_VITA49_TSF_PICOSECONDS ? test_rng_next(&r) % 1000000000000u
                    : d.tsf == TRIAD_VITA49_TSF_SAMPLES   ? test_rng_next(&r) % 100000000u
                    : test_rng_next(&r) % (TRIAD_VITA49_INDEX_LIMIT - n);
        const size_t len = triad_vita49_encode(buf, sizeof buf, &d, iq, 1);
        assert_int_equal(len, (triad_vita49_header_words(&d) + n + d.has_trailer) * 4);
        triad_vita49_packet p;
        assert_int_equal(parse_exact(buf, len, &p), TRIAD_VITA49_OK);
        assert_int_equal(p.type, TRIAD_VITA49_DATA);
        assert_int_equal(p.stream_id, d.stream_id);
        assert_int_equal(p.packet_count, d.packet_count);
        assert_int_equal(p.has_class_id, d.has_class_id);
        assert_int_equal(p.oui, d.oui);
        assert_int_equal(p.info_class, d.info_class);
        assert_int_equal(p.packet_class, d.packet_class);
        assert_int_equal(p.tsi, d.tsi);
        assert_int_equal(p.tsf, d.tsf);
        assert_int_equal(p.int_ts, d.int_ts);
        assert_true(p.frac_ts == d.frac_ts);
        assert_int_equal(p.has_trailer, d.has_trailer);
        assert_int_equal(p.trailer, d.has_trailer ? d.trailer : 0);
        assert_int_equal(p.num_samples, n);
        /* big endian on the wire: I high byte first, right after the header */
        const size_t at = triad_vita49_header_words(&d) * 4;
        assert_int_equal(buf[at], (uint8_t)((uint16_t)iq[0] >> 8));
        assert_int_equal(buf[at + 1], (uint8_t)iq[0]);
        triad_vita49_parse(buf, len, &p);
        triad_vita49_payload_to_le(le, p.payload, p.num_samples);
        assert_memory_equal(le, iq, n * 4);
    }
}

static void test_header_layout(void **state)
{
    (void)state;
    /* one data packet by hand: type 1, C, T, TSI UTC, TSF sample count, count 9, 9 words */
    const uint8_t h[] = {0x1c, 0x59, 0x00, 0x09, /* type 1 C T | TSI 01 TSF 01 count 9 | 9 */
                         0x12, 0x34, 0x56, 0x78, /* stream ID */
                         0x00, 0x6a, 0x62, 0x1e, /* class ID: pad 0, OUI 0x6A621E */
                         0x00, 0x02, 0x00, 0x03, /* information class 2, packet class 3 */
                         0x65, 0x4f, 0x00, 0x00, /* UTC seconds */
                         0x00, 0x00, 0x00, 0x00, /* TSF, high word */
                         0x00, 0x98, 0x96, 0x7f, /* TSF, low word: 9999999 samples */
                         0xff, 0xfe, 0x00, 0x03, /* I = -2, Q = 3 */
                         0x60, 0x06, 0x00, 0x00}; /* trailer: valid data 1, ref lock 1 */
    triad_vita49_packet p;
    assert_int_equal(parse_exact(h, sizeof h, &p), TRIAD_VITA49_OK);
    assert_int_equal(p.stream_id, 0x12345678u);
    assert_int_equal(p.packet_count, 9);
    assert_true(p.has_class_id);
    assert_int_equal(p.oui, TRIAD_VITA49_DIFI_OUI);
    assert_int_equal(p.info_class, 2);
    assert_int_equal(p.packet_class, 3);
    assert_int_equal(p.tsi, TRIAD_VITA49_TSI_UTC);
    assert_int_equal(p.tsf, TRIAD_VITA49_TSF_SAMPLES);
    assert_int_equal(p.int_ts, 0x654f0000u);
    assert_true(p.frac_ts == 9999999);
    assert_int_equal(p.num_samples, 1);
    assert_true(p.has_trailer);
    assert_int_equal(p.trailer, 0x60060000u);
    assert_int_equal(triad_vita49_trailer_quality(p.trailer), 0);
    int16_t le[2];
    triad_vita49_parse(h, sizeof h, &p); /* parse_exact's copy is gone: payload from h */
    triad_vita49_payload_to_le(le, p.payload, 1);
    assert_int_equal(le[0], -2);
    assert_int_equal(le[1], 3);
    /* and the encoder writes the same bytes */
    const triad_vita49_packet d = {
        .stream_id = 0x12345678u, .packet_count = 9, .has_class_id = true,
        .oui = TRIAD_VITA49_DIFI_OUI, .info_class = 2, .packet_class = 3,
        .tsi = TRIAD_VITA49_TSI_UTC, .tsf = TRIAD_VITA49_TSF_SAMPLES, .int_ts = 0x654f0000u,
        .frac_ts = 9999999, .has_trailer = true,
        .trailer = TRIAD_VITA49_TRAILER(TRIAD_VITA49_TR_VALID_DATA, 1) |
                   TRIAD_VITA49_TRAILER(TRIAD_VITA49_TR_REF_LOCK, 1),
        .num_samples = 1};
    const int16_t iq[2] = {-2, 3};
    uint8_t enc[64];
    assert_int_equal(triad_vita49_encode(enc, sizeof enc, &d, iq, 1), sizeof h);
    assert_memory_equal(enc, h, sizeof h);
}

static void test_context(void **state)
{
    (void)state;
    /* by hand: type 4, TSM, TSI UTC, TSF picoseconds; CIF0 bandwidth, RF reference, gain,
     * sample rate, timestamp adjustment (VITA 49.0 7.1.5: 64-bit fields with a 20-bit radix
     * point, gain two 16-bit halves with a 7-bit radix point) */
    const uint8_t h[] = {0x41, 0x63, 0x00, 0x0f, /* type 4 TSM | TSI 01 TSF 10 count 3 | 15 */
                         0x00, 0x00, 0x00, 0x05, /* stream ID 5 */
                         0x65, 0x4f, 0x00, 0x01, /* UTC seconds */
                         0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07, /* 7 ps */
                         0x28, 0xb0, 0x00, 0x00, /* CIF0: bits 29 27 23 21 20 */
                         0x00, 0x00, 0x04, 0xc4, 0xb4, 0x00, 0x00, 0x00, /* 5e6 Hz << 20 */
                         0x00, 0x0b, 0x2d, 0x05, 0xe0, 0x00, 0x00, 0x00, /* 3e9 Hz << 20 */
                         0xff, 0x00, 0x05, 0x40, /* stage 2 -2 dB, stage 1 10.5 dB */
                         0x00, 0x00, 0x09, 0x89, 0x68, 0x00, 0x00, 0x00, /* 1e7 Hz << 20 */
                         0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfc, 0x18}; /* -1000 ps */
    triad_vita49_packet p;
    assert_int_equal(parse_exact(h, sizeof h, &p), TRIAD_VITA49_OK);
    assert_int_equal(p.type, TRIAD_VITA49_IF_CONTEXT);
    assert_int_equal(p.stream_id, 5);
    assert_int_equal(p.packet_count, 3);
    assert_true(p.frac_ts == 7);
    assert_int_equal(p.ctx.cif0, 0x28b00000u);
    assert_true(p.ctx.bandwidth_hz == 5e6);
    assert_true(p.ctx.rf_ref_hz == 3e9);
    assert_true(p.ctx.gain2_db == -2.0);
    assert_true(p.ctx.gain1_db == 10.5);
    assert_true(p.ctx.sample_rate_hz == 1e7);
    assert_true(p.ctx.ts_adjust_ps == -1000);
    /* the encoder writes the same bytes */
    triad_vita49_packet d = {.stream_id = 5, .packet_count = 3, .tsi = TRIAD_VITA49_TSI_UTC,
                             .tsf = TRIAD_VITA49_TSF_PICOSECONDS, .int_ts = 0x654f0001u,
                             .frac_ts = 7};
    d.ctx = p.ctx;
    uint8_t enc[128];
    assert_int_equal(triad_vita49_encode_context(enc, sizeof enc, &d), sizeof h);
    assert_memory_equal(enc, h, sizeof h);
    /* fractional frequencies to 2^-20 Hz; every field of the DIFI context set skipped right */
    d.ctx = (triad_vita49_context){
        .cif0 = 0xfbb98000u, .bandwidth_hz = 1234.5, .if_ref_hz = -70e6, .rf_ref_hz = 9.41e9,
        .ref_level_dbm = -20.25, .gain1_db = 3.125, .sample_rate_hz = 31.25e6 + 0x1p-20,
        .ts_adjust_ps = 123456789};
    d.has_class_id = true;
    const size_t len = triad_vita49_encode_context(enc, sizeof enc, &d);
    assert_int_equal(len, 27 * 4); /* DIFI's standard context packet: 27 words */
    assert_int_equal(parse_exact(enc, len, &p), TRIAD_VITA49_OK);
    assert_true(p.ctx.bandwidth_hz == 1234.5 && p.ctx.if_ref_hz == -70e6);
    assert_true(p.ctx.rf_ref_hz == 9.41e9 && p.ctx.ref_level_dbm == -20.25);
    assert_true(p.ctx.gain1_db == 3.125 && p.ctx.sample_rate_hz == 31.25e6 + 0x1p-20);
    assert_true(p.ctx.ts_adjust_ps == 123456789);
    /* fields announced past the end; CIF1..7 words counted */
    uint8_t b[128];
    memcpy(b, enc, len);
    b[2] = 0;
    b[3] = 26;
    assert_int_equal(parse_exact(b, 26 * 4, &p), TRIAD_VITA49_CONTEXT);
    assert_non_null(strstr(why, "CIF0 0xfbb98000"));
    memcpy(b, enc, len);
    b[31] |= 0x02; /* CIF0 bit 1: a CIF1 word follows, every field one word later */
    assert_int_equal(parse_exact(b, len, &p), TRIAD_VITA49_CONTEXT);
    memcpy(b, enc, len);
    b[2] = 0;
    b[3] = 7;
    assert_int_equal(parse_exact(b, 7 * 4, &p), TRIAD_VITA49_CONTEXT);
    assert_non_null(strstr(why, "no CIF0"));
}

static void test_trailer_quality(void **state)
{
    (void)state;
    /* only enabled indicators count */
    assert_int_equal(triad_vita49_trailer_quality(0), 0);
    assert_int_equal(triad_vita49_trailer_quality(0x000fff00u), 0); /* indicators, no enables */
    assert_int_equal(triad_vita49_trailer_quality(1u << 30), TRIAD_QUALITY_INVALID_DATA);
    assert_int_equal(triad_vita49_trailer_quality(1u << 29), TRIAD_QUALITY_REF_UNLOCKED);
    assert_int_equal(triad_vita49_trailer_quality(1u << 25 | 1u << 13), TRIAD_QUALITY_OVER_RANGE);
    assert_int_equal(triad_vita49_trailer_quality(1u << 25), 0);
    assert_int_equal(triad_vita49_trailer_quality(1u << 24 | 1u << 12), TRIAD_QUALITY_SAMPLE_LOSS);
    assert_int_equal(triad_vita49_trailer_quality(0xf3000000u | 0x00003000u), 0xf);
    char t[80];
    triad_vita49_quality_text(TRIAD_QUALITY_OVER_RANGE | TRIAD_QUALITY_SAMPLE_LOSS, t, sizeof t);
    assert_string_equal(t, "over-range,sample-loss");
    triad_vita49_quality_text(0, t, sizeof t);
    assert_string_equal(t, "");
}

static void test_encode_stride_and_limits(void **state)
{
    (void)state;
    /* stride 3: channel 1 of three interleaved channels */
    int16_t iq[2 * 3 * 4];
    for (int i = 0; i < 24; i++)
        iq[i] = (int16_t)(i * 100 - 1000);
    const triad_vita49_packet d = {.stream_id = 7, .tsf = TRIAD_VITA49_TSF_FREE_RUNNING,
                                   .num_samples = 4};
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
    const triad_vita49_packet d2 = {.tsf = TRIAD_VITA49_TSF_FREE_RUNNING,
                                    .num_samples = 65535 - 4 + 1};
    assert_int_equal(triad_vita49_encode(huge, sizeof huge, &d2, big, 1), 0);
    const triad_vita49_packet d3 = {.tsf = TRIAD_VITA49_TSF_FREE_RUNNING,
                                    .num_samples = 65535 - 4};
    assert_int_equal(triad_vita49_encode(huge, sizeof huge, &d3, big, 1), 65535 * 4);
}

/* set the size field (bits 15..0 of word 0) */
static void set_size(uint8_t *b, unsigned words)
{
    b[2] = (uint8_t)(words >> 8);
    b[3] = (uint8_t)words;
}

static void expect(const uint8_t *b, size_t len, triad_vita49_status want, const char *text)
{
    triad_vita49_packet p;
    assert_int_equal(parse_exact(b, len, &p), want);
    if (text && !strstr(why, text))
        fail_msg("reason '%s': message '%s' lacks '%s'", triad_vita49_status_name(want), why,
                 text);
}

static void test_malformed(void **state)
{
    (void)state;
    test_rng r = {7};
    uint8_t good[4096], b[4200];
    int16_t iq[2 * 64];
    triad_vita49_packet p;
    for (int utc = 0; utc < 2; utc++) {
        const size_t len = make_packet(good, sizeof good, utc, 64, &r, iq);
        assert_int_equal(parse_exact(good, len, &p), TRIAD_VITA49_OK);
        const size_t header = triad_vita49_header_words(&p) * 4;

        /* short: nothing, less than a word, less than the header */
        expect(good, 0, TRIAD_VITA49_SHORT, "0 bytes");
        expect(good, 3, TRIAD_VITA49_SHORT, "3 bytes");
        for (size_t cut = 4; cut < header; cut += 4) {
            memcpy(b, good, cut);
            set_size(b, (unsigned)(cut / 4));
            expect(b, cut, TRIAD_VITA49_SHORT, "its header needs");
        }
        /* header only: no samples */
        memcpy(b, good, header);
        set_size(b, (unsigned)(header / 4));
        expect(b, header, TRIAD_VITA49_EMPTY, "without samples");
        /* a trailer announced: the last word is taken as the trailer; with nothing else,
         * the header and trailer do not fit */
        memcpy(b, good, len);
        b[0] |= 0x04;
        assert_int_equal(parse_exact(b, len, &p), TRIAD_VITA49_OK);
        assert_int_equal(p.num_samples, 63);
        memcpy(b, good, header);
        b[0] |= 0x04;
        set_size(b, (unsigned)(header / 4));
        expect(b, header, TRIAD_VITA49_SHORT, "header and trailer");

        /* wrong packet types: every type but 1 and 4 */
        for (unsigned type = 0; type < 16; type++) {
            if (type == 1 || type == 4)
                continue;
            memcpy(b, good, len);
            b[0] = (uint8_t)(type << 4 | (b[0] & 0x0f));
            char want[32];
            snprintf(want, sizeof want, "packet type %u (", type);
            expect(b, len, TRIAD_VITA49_TYPE, want);
        }
        /* TSF none; a count within the second without the second */
        memcpy(b, good, len);
        b[1] &= 0xcf;
        expect(b, len, TRIAD_VITA49_TSF, "TSF 00");
        for (unsigned tsf = 1; tsf < 3; tsf++) {
            memcpy(b, good, len);
            b[1] = (uint8_t)((b[1] & 0x0f) | tsf << 4); /* TSI none */
            expect(b, len, TRIAD_VITA49_TSI, "TSI 00");
        }
        /* the size field larger and smaller than the datagram */
        const unsigned words = (unsigned)(len / 4);
        const unsigned sizes[] = {words + 1, words + 1000, 0xffff, words - 1, 1, 0};
        for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
            memcpy(b, good, len);
            set_size(b, sizes[i]);
            char want[64];
            snprintf(want, sizeof want, "size field %u words, datagram %u words", sizes[i], words);
            expect(b, len, TRIAD_VITA49_SIZE, want);
        }
        /* a datagram cut inside the payload keeps a size field that no longer matches */
        expect(good, len - 4, TRIAD_VITA49_SIZE, NULL);
        /* odd payload: half a sample (2 bytes) more or less, or a single byte */
        memcpy(b, good, len);
        b[len] = 1;
        b[len + 1] = 2;
        expect(b, len + 2, TRIAD_VITA49_UNALIGNED, "not a whole number");
        expect(good, len - 2, TRIAD_VITA49_UNALIGNED, NULL);
        expect(good, len - 1, TRIAD_VITA49_UNALIGNED, NULL);
        /* the free-running index at or near 2^62 */
        uint8_t *f = b + header - 8;
        memcpy(b, good, len);
        memset(f, 0, 8);
        f[0] = 0x40; /* 2^62 */
        expect(b, len, TRIAD_VITA49_RANGE, "reaches 2^62");
        memset(f, 0xff, 8);
        expect(b, len, TRIAD_VITA49_RANGE, NULL);
        memset(f, 0, 8);
        f[0] = 0x3f;
        memset(f + 1, 0xff, 7);
        f[7] = 0xc0; /* 2^62 - 64: its 64 samples end exactly at the limit */
        expect(b, len, TRIAD_VITA49_OK, NULL);
        f[7]++;
        expect(b, len, TRIAD_VITA49_RANGE, NULL);
        if (utc) {
            /* picoseconds: 10^12 - 1 is the last of a second */
            b[1] = (uint8_t)((b[1] & 0xcf) | 2 << 4);
            const uint64_t ps[] = {UINT64_C(999999999999), UINT64_C(1000000000000)};
            for (int i = 0; i < 2; i++) {
                for (int k = 0; k < 8; k++)
                    f[k] = (uint8_t)(ps[i] >> (56 - 8 * k));
                expect(b, len, i ? TRIAD_VITA49_FRACTION : TRIAD_VITA49_OK,
                       i ? "1000000000000 ps" : NULL);
            }
        }
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
        cmocka_unit_test(test_context),
        cmocka_unit_test(test_trailer_quality),
        cmocka_unit_test(test_encode_stride_and_limits),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_udp_split),
        cmocka_unit_test(test_udp_loopback),
    };
    return cmocka_run_group_tests_name("io_vita49", tests, NULL, NULL);
}
