/* Signed envelopes: canonical encoding, sign/verify round trips through the hub, every
 * rejection reason with its message, the replay window, staleness, key files, trust store.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "share/envelope.h"
#include "test_util.h"
#include "triad/error.h"

static const int64_t S = 1000000000;
static const int64_t NOW = INT64_C(1790000000) * 1000000000;

typedef struct {
    uint8_t pk[32], sk[64];   /* origin KR-1 */
    uint8_t hpk[32], hsk[64]; /* hub HUB */
    uint8_t xpk[32], xsk[64]; /* a key nobody trusts */
    triad_share_trust *trust;
} keys;

static int setup(void **state)
{
    keys *k = calloc(1, sizeof *k);
    assert_non_null(k);
    assert_int_equal(triad_share_keypair(k->pk, k->sk), 0);
    assert_int_equal(triad_share_keypair(k->hpk, k->hsk), 0);
    assert_int_equal(triad_share_keypair(k->xpk, k->xsk), 0);
    assert_int_equal(triad_share_trust_create(&k->trust), 0);
    assert_int_equal(triad_share_trust_add(k->trust, "KR-1", k->pk), 0);
    assert_int_equal(triad_share_trust_add(k->trust, "HUB", k->hpk), 0);
    *state = k;
    return 0;
}

static int teardown(void **state)
{
    keys *k = *state;
    triad_share_trust_destroy(k->trust);
    free(k);
    return 0;
}

/* A warning with seeded random values. */
static void make_warning(triad_share_msg *m, test_rng *rng)
{
    triad_share_msg_init(m, TRIAD_SHARE_WARNING);
    assert_int_equal(triad_share_msg_set_num(m, "event_id", (double)(test_rng_next(rng) >> 20)), 0);
    assert_int_equal(triad_share_msg_set_str(m, "kind", "NEW"), 0);
    assert_int_equal(triad_share_msg_set_num(m, "launch.lat_deg", 30 + 10 * test_rng_uniform(rng)),
                     0);
    assert_int_equal(triad_share_msg_set_num(m, "launch.lon_deg", 120 + 10 * test_rng_uniform(rng)),
                     0);
    assert_int_equal(triad_share_msg_set_num(m, "impact.lat_deg", 30 + 10 * test_rng_uniform(rng)),
                     0);
    assert_int_equal(
        triad_share_msg_set_num(m, "impact.ellipse.semi_major_m", 5000 * test_rng_uniform(rng)), 0);
    assert_int_equal(triad_share_msg_set_bool(m, "ballistic", true), 0);
}

static void make_env(triad_share_envelope *e, uint64_t seq, int64_t t, const uint8_t *sk,
                     test_rng *rng)
{
    memset(e, 0, sizeof *e);
    snprintf(e->origin, sizeof e->origin, "KR-1");
    e->seq = seq;
    e->time_ns = t;
    make_warning(&e->msg, rng);
    if (sk)
        assert_int_equal(triad_share_sign(e, sk), 0);
}

static triad_share_verifier *verifier(keys *k, bool hub, uint32_t window)
{
    triad_share_verifier_cfg cfg = triad_share_verifier_cfg_default();
    cfg.require_hub = hub;
    cfg.replay_window = window;
    triad_share_verifier *v = NULL;
    assert_int_equal(triad_share_verifier_create(&v, &cfg, k->trust), 0);
    return v;
}

/* The message names origin, sequence and reason. */
static void expect_reject(triad_share_verifier *v, const triad_share_envelope *e, int code)
{
    assert_int_equal(triad_share_verify(v, e, NOW), code);
    char want[128];
    snprintf(want, sizeof want, "origin %s seq %" PRIu64 " rejected (%s)", e->origin, e->seq,
             triad_share_strerror(code));
    if (!strstr(triad_errmsg(), want))
        fail_msg("message '%s' lacks '%s'", triad_errmsg(), want);
}

static void test_canonical_encoding(void **state)
{
    (void)state;
    test_rng rng = {7};
    triad_share_msg a, b;
    make_warning(&a, &rng);
    /* the same fields in reverse order, and -0 against +0 */
    triad_share_msg_init(&b, TRIAD_SHARE_WARNING);
    for (size_t i = a.num_fields; i-- > 0;)
        b.f[b.num_fields++] = a.f[i];
    assert_int_equal(triad_share_msg_set_num(&a, "z", 0.0), 0);
    assert_int_equal(triad_share_msg_set_num(&b, "z", -0.0), 0);
    uint8_t da[32], db[32];
    assert_int_equal(triad_share_msg_digest(&a, da), 0);
    assert_int_equal(triad_share_msg_digest(&b, db), 0);
    assert_memory_equal(da, db, 32);
    /* the layout, on a message small enough to write out by hand */
    triad_share_msg m;
    triad_share_msg_init(&m, TRIAD_SHARE_TRACK);
    assert_int_equal(triad_share_msg_set_bool(&m, "b", true), 0);
    assert_int_equal(triad_share_msg_set_str(&m, "a", "x"), 0);
    assert_int_equal(triad_share_msg_set_num(&m, "c", 1.0), 0);
    uint8_t buf[TRIAD_SHARE_PAYLOAD_MAX];
    size_t len = 0;
    assert_int_equal(triad_share_msg_encode(&m, buf, sizeof buf, &len), 0);
    static const uint8_t want[] = {'T', 'R',  'I',  'A', 'D', '-', 'S', 'H', 'A', 'R', 'E', '-',
                                   'P', 'A',  'Y',  'L', 'O', 'A', 'D', '-', '1', 2,   0,   3,
                                   1,   'a',  's',  0,   1,   'x', 1,   'b', 'b', 1,   1,   'c',
                                   'n', 0x3f, 0xf0, 0,   0,   0,   0,   0,   0};
    assert_int_equal(len, sizeof want);
    assert_memory_equal(buf, want, sizeof want);
    /* any changed value changes the digest */
    for (size_t i = 0; i < a.num_fields; i++) {
        triad_share_msg c = a;
        if (c.f[i].kind == TRIAD_SHARE_NUM)
            c.f[i].num = nextafter(c.f[i].num, 1e300);
        else if (c.f[i].kind == TRIAD_SHARE_STR)
            c.f[i].str[0] ^= 1;
        else
            c.f[i].b = !c.f[i].b;
        uint8_t dc[32];
        assert_int_equal(triad_share_msg_digest(&c, dc), 0);
        assert_memory_not_equal(da, dc, 32);
    }
    /* rejections: bad names, non-finite numbers, long strings, duplicates, a full message */
    assert_int_equal(triad_share_msg_set_num(&m, "", 1), TRIAD_EINVAL);
    assert_int_equal(triad_share_msg_set_num(&m, "a b", 1), TRIAD_EINVAL);
    assert_int_equal(triad_share_msg_set_num(&m, "x", NAN), TRIAD_EINVAL);
    assert_int_equal(triad_share_msg_set_num(&m, "x", INFINITY), TRIAD_EINVAL);
    char longs[80];
    memset(longs, 'q', sizeof longs - 1);
    longs[sizeof longs - 1] = '\0';
    assert_int_equal(triad_share_msg_set_str(&m, "x", longs), TRIAD_EINVAL);
    assert_int_equal(triad_share_msg_set_num(&m, longs, 1), TRIAD_EINVAL);
    triad_share_msg d = m;
    d.f[d.num_fields++] = m.f[0];
    assert_int_equal(triad_share_msg_encode(&d, buf, sizeof buf, &len), TRIAD_EINVAL);
    assert_int_equal(triad_share_msg_encode(&m, buf, 10, &len), TRIAD_EINVAL);
    triad_share_msg full;
    triad_share_msg_init(&full, TRIAD_SHARE_TRACK);
    for (int i = 0; i < TRIAD_SHARE_MAX_FIELDS; i++) {
        char n[16];
        snprintf(n, sizeof n, "f%d", i);
        assert_int_equal(triad_share_msg_set_num(&full, n, i), 0);
    }
    assert_int_equal(triad_share_msg_set_num(&full, "one_more", 1), TRIAD_ENOMEM);
    assert_int_equal(triad_share_msg_encode(&full, buf, sizeof buf, &len), 0);
}

/* Decoding takes back exactly what encoding writes, and every single-byte change or cut of a
 * payload is either refused or decodes to a message that re-encodes to those very bytes. */
static void test_decode(void **state)
{
    (void)state;
    test_rng rng = {9};
    for (int rep = 0; rep < 20; rep++) {
        triad_share_msg a, b;
        make_warning(&a, &rng);
        assert_int_equal(triad_share_msg_set_str(&a, "note", rep & 1 ? "" : "text"), 0);
        uint8_t buf[TRIAD_SHARE_PAYLOAD_MAX], again[TRIAD_SHARE_PAYLOAD_MAX];
        size_t len = 0, len2 = 0;
        assert_int_equal(triad_share_msg_encode(&a, buf, sizeof buf, &len), 0);
        assert_int_equal(triad_share_msg_decode(buf, len, &b), 0);
        assert_int_equal(b.type, a.type);
        assert_int_equal(b.num_fields, a.num_fields);
        assert_int_equal(triad_share_msg_encode(&b, again, sizeof again, &len2), 0);
        assert_int_equal(len2, len);
        assert_memory_equal(again, buf, len);
        for (size_t i = 0; i < a.num_fields; i++) {
            const triad_share_field *f = triad_share_msg_get(&b, a.f[i].name);
            assert_non_null(f);
            assert_int_equal(f->kind, a.f[i].kind);
            if (f->kind == TRIAD_SHARE_NUM)
                assert_true(f->num == a.f[i].num);
        }
        for (size_t cut = 0; cut < len; cut++)
            assert_int_equal(triad_share_msg_decode(buf, cut, &b), TRIAD_EFORMAT);
        for (size_t at = 0; at < len; at++) {
            uint8_t c[TRIAD_SHARE_PAYLOAD_MAX];
            memcpy(c, buf, len);
            c[at] ^= (uint8_t)(1u << (test_rng_next(&rng) % 8));
            if (triad_share_msg_decode(c, len, &b) == 0) {
                assert_int_equal(triad_share_msg_encode(&b, again, sizeof again, &len2), 0);
                assert_int_equal(len2, len);
                assert_memory_equal(again, c, len);
            } else {
                assert_non_null(strstr(triad_errmsg(), "share payload: byte"));
            }
        }
    }
    /* out of order, trailing bytes, -0 */
    static const uint8_t swapped[] = {'T', 'R', 'I', 'A', 'D', '-', 'S', 'H', 'A', 'R', 'E',
                                      '-', 'P', 'A', 'Y', 'L', 'O', 'A', 'D', '-', '1', 2,
                                      0,   2,   1,   'b', 'b', 1,   1,   'a', 'b', 0};
    triad_share_msg m;
    assert_int_equal(triad_share_msg_decode(swapped, sizeof swapped, &m), TRIAD_EFORMAT);
    assert_non_null(strstr(triad_errmsg(), "increasing order"));
    uint8_t ok[sizeof swapped + 1];
    memcpy(ok, swapped, sizeof swapped);
    ok[25] = 'a';
    ok[29] = 'b';
    assert_int_equal(triad_share_msg_decode(ok, sizeof swapped, &m), 0);
    ok[sizeof swapped] = 0;
    assert_int_equal(triad_share_msg_decode(ok, sizeof ok, &m), TRIAD_EFORMAT);
    assert_non_null(strstr(triad_errmsg(), "after the last field"));
    static const uint8_t negzero[] = {'T', 'R', 'I', 'A', 'D', '-', 'S', 'H', 'A', 'R', 'E',
                                      '-', 'P', 'A', 'Y', 'L', 'O', 'A', 'D', '-', '1', 1,
                                      0,   1,   1,   'z', 'n', 0x80, 0, 0, 0, 0, 0, 0, 0};
    assert_int_equal(triad_share_msg_decode(negzero, sizeof negzero, &m), TRIAD_EFORMAT);
}

static void test_from_json(void **state)
{
    (void)state;
    cJSON *j = cJSON_Parse("{\"type\":\"warning\",\"event_id\":3,\"kind\":\"NEW\","
                           "\"launch\":{\"lat_deg\":38.5,\"ellipse\":{\"semi_major_m\":900}},"
                           "\"sites\":[\"KR-1\",\"JP-2\"],\"x\":null,\"ok\":true}");
    assert_non_null(j);
    triad_share_msg m;
    assert_int_equal(triad_share_msg_from_json(j, &m), 0);
    cJSON_Delete(j);
    assert_int_equal(m.type, TRIAD_SHARE_WARNING);
    assert_int_equal(m.num_fields, 7);
    assert_true(triad_share_msg_get(&m, "launch.lat_deg")->num == 38.5);
    assert_true(triad_share_msg_get(&m, "launch.ellipse.semi_major_m")->num == 900);
    assert_string_equal(triad_share_msg_get(&m, "sites.1")->str, "JP-2");
    assert_true(triad_share_msg_get(&m, "ok")->b);
    assert_null(triad_share_msg_get(&m, "x"));
    assert_null(triad_share_msg_get(&m, "type"));
    j = cJSON_Parse("{\"type\":\"detection\"}");
    assert_int_equal(triad_share_msg_from_json(j, &m), TRIAD_EFORMAT);
    cJSON_Delete(j);
}

static void test_round_trip(void **state)
{
    keys *k = *state;
    test_rng rng = {11};
    triad_share_verifier *v = verifier(k, false, 64), *rv = verifier(k, true, 64);
    for (uint64_t seq = 1; seq <= 20; seq++) {
        triad_share_envelope e;
        make_env(&e, seq, NOW - (int64_t)(test_rng_uniform(&rng) * 30 * S), k->sk, &rng);
        assert_int_equal(triad_share_verify(v, &e, NOW), 0);
        /* the hub reduces the payload and countersigns; the receiver checks both */
        e.msg.num_fields -= 2;
        assert_int_equal(triad_share_countersign(&e, "HUB", NOW, k->hsk), 0);
        assert_int_equal(triad_share_verify(rv, &e, NOW), 0);
    }
    triad_share_verifier_destroy(v);
    triad_share_verifier_destroy(rv);
}

static bool all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return false;
    return true;
}

/* A release with fields withheld or rounded carries nothing computed over the originals: no
 * origin digest, no origin signature (a partner could test guesses of the withheld values
 * against either); the hub's signature vouches for origin, seq, time and what is released.
 * An unchanged payload keeps the origin's signature. */
static void test_reduced_release(void **state)
{
    keys *k = *state;
    test_rng rng = {19};
    triad_share_verifier_cfg cfg = triad_share_verifier_cfg_default();
    cfg.require_hub = true;
    cfg.replay_by_origin = false; /* versions are the store's business here */
    triad_share_verifier *rv = NULL;
    assert_int_equal(triad_share_verifier_create(&rv, &cfg, k->trust), 0);
    for (uint64_t seq = 1; seq <= 10; seq++) {
        triad_share_envelope e, r;
        make_env(&e, seq, NOW, k->sk, &rng);
        uint8_t original[32];
        memcpy(original, e.origin_digest, 32);
        r = e;
        if (seq % 2)
            r.msg.num_fields -= 1; /* withheld */
        else /* rounded */
            assert_int_equal(triad_share_msg_set_num(
                                 &r.msg, "launch.lat_deg",
                                 round(triad_share_msg_get(&r.msg, "launch.lat_deg")->num * 10) / 10),
                             0);
        assert_int_equal(triad_share_countersign(&r, "HUB", NOW, k->hsk), 0);
        assert_false(r.has_origin_sig);
        assert_true(all_zero(r.origin_digest, 32));
        assert_true(all_zero(r.origin_sig, 64));
        assert_int_equal(triad_share_verify(rv, &r, NOW), 0);
        /* the hub's signature covers who, which, when and what */
        triad_share_envelope t = r;
        t.seq++;
        expect_reject(rv, &t, TRIAD_SHARE_EBAD_HUB_SIG);
        t = r;
        t.time_ns--;
        expect_reject(rv, &t, TRIAD_SHARE_EBAD_HUB_SIG);
        t = r;
        t.msg.f[0].num += 1;
        expect_reject(rv, &t, TRIAD_SHARE_EBAD_HUB_SIG);
        t = r;
        snprintf(t.hub, sizeof t.hub, "KR-1"); /* trusted, but not who signed */
        expect_reject(rv, &t, TRIAD_SHARE_EBAD_HUB_SIG);
        /* unchanged: the origin's signature and digest go through */
        r = e;
        r.seq += 100;
        assert_int_equal(triad_share_sign(&r, k->sk), 0);
        assert_int_equal(triad_share_countersign(&r, "HUB", NOW, k->hsk), 0);
        assert_true(r.has_origin_sig);
        assert_memory_equal(r.origin_digest, original, 32);
        assert_int_equal(triad_share_verify(rv, &r, NOW), 0);
    }
    /* not countersigned and no origin signature: unsigned */
    triad_share_envelope e;
    make_env(&e, 50, NOW, k->sk, &rng);
    e.msg.num_fields--;
    assert_int_equal(triad_share_countersign(&e, "HUB", NOW, k->hsk), 0);
    e.has_hub_sig = false;
    expect_reject(rv, &e, TRIAD_SHARE_EUNSIGNED);
    triad_share_verifier_destroy(rv);

    /* the hub's link statuses */
    triad_share_status st;
    memset(&st, 0, sizeof st);
    snprintf(st.hub, sizeof st.hub, "HUB");
    snprintf(st.subject, sizeof st.subject, "KR-1");
    snprintf(st.state, sizeof st.state, "down");
    snprintf(st.detail, sizeof st.detail, "0 reader(s) of what we publish");
    st.time_ns = NOW;
    assert_int_equal(triad_share_status_sign(&st, k->hsk), 0);
    assert_int_equal(triad_share_status_verify(k->trust, &st), 0);
    triad_share_status t = st;
    snprintf(t.state, sizeof t.state, "up");
    assert_int_equal(triad_share_status_verify(k->trust, &t), TRIAD_SHARE_EBAD_HUB_SIG);
    t = st;
    t.time_ns++;
    assert_int_equal(triad_share_status_verify(k->trust, &t), TRIAD_SHARE_EBAD_HUB_SIG);
    t = st;
    snprintf(t.hub, sizeof t.hub, "CN-9"); /* not trusted */
    assert_int_equal(triad_share_status_verify(k->trust, &t), TRIAD_SHARE_EBAD_HUB_SIG);
    assert_int_equal(triad_share_status_sign(&st, k->xsk), 0); /* another key */
    assert_int_equal(triad_share_status_verify(k->trust, &st), TRIAD_SHARE_EBAD_HUB_SIG);
}

static void test_rejections(void **state)
{
    keys *k = *state;
    test_rng rng = {12};
    triad_share_envelope e, h;
    triad_share_verifier *v = verifier(k, false, 64), *rv = verifier(k, true, 64);

    make_env(&e, 1, NOW, NULL, &rng); /* never signed */
    expect_reject(v, &e, TRIAD_SHARE_EUNSIGNED);
    make_env(&e, 1, NOW, k->sk, &rng);
    expect_reject(rv, &e, TRIAD_SHARE_EUNSIGNED); /* the receiver wants the hub's too */

    make_env(&e, 1, NOW, k->xsk, &rng);
    snprintf(e.origin, sizeof e.origin, "CN-9");
    assert_int_equal(triad_share_sign(&e, k->xsk), 0);
    expect_reject(v, &e, TRIAD_SHARE_EUNKNOWN_ORIGIN);
    memset(e.origin, 'A', sizeof e.origin); /* no terminator */
    assert_int_equal(triad_share_verify(v, &e, NOW), TRIAD_SHARE_EUNKNOWN_ORIGIN);

    make_env(&e, 1, NOW, k->xsk, &rng); /* KR-1's name, another key */
    expect_reject(v, &e, TRIAD_SHARE_EBAD_ORIGIN_SIG);
    for (int part = 0; part < 5; part++) {
        make_env(&e, 1, NOW, k->sk, &rng);
        switch (part) {
        case 0:
            e.origin_sig[test_rng_next(&rng) % 64] ^= 0x10;
            break;
        case 1:
            e.seq++;
            break;
        case 2:
            e.time_ns++;
            break;
        case 3:
            e.msg.f[2].num += 1e-9;
            break; /* payload changed, no hub vouches for it */
        case 4:
            e.msg.type = TRIAD_SHARE_TRACK;
            break;
        }
        expect_reject(v, &e, TRIAD_SHARE_EBAD_ORIGIN_SIG);
    }

    for (int part = 0; part < 5; part++) {
        make_env(&h, 1, NOW, k->sk, &rng);
        assert_int_equal(triad_share_countersign(&h, "HUB", NOW, k->hsk), 0);
        switch (part) {
        case 0:
            h.hub_sig[test_rng_next(&rng) % 64] ^= 0x01;
            break;
        case 1:
            h.msg.f[3].num *= 1.5;
            break; /* released payload changed after the hub */
        case 2:
            assert_int_equal(triad_share_countersign(&h, "KR-1", NOW, k->hsk), 0);
            break;
        case 3:
            assert_int_equal(triad_share_countersign(&h, "ROGUE", NOW, k->xsk), 0);
            break;
        case 4:
            h.hub_time_ns += 1; /* the release time is signed too */
            break;
        }
        expect_reject(rv, &h, TRIAD_SHARE_EBAD_HUB_SIG);
    }

    make_env(&e, 1, NOW - 61 * S, k->sk, &rng);
    expect_reject(v, &e, TRIAD_SHARE_ESTALE);
    make_env(&e, 1, NOW + 6 * S, k->sk, &rng);
    expect_reject(v, &e, TRIAD_SHARE_ESTALE);

    make_env(&e, 1, NOW, k->sk, &rng);
    assert_int_equal(triad_share_verify(v, &e, NOW), 0);
    expect_reject(v, &e, TRIAD_SHARE_EREPLAYED);
    /* the hub's countersigned copy of the same message is a replay for the same receiver */
    h = e;
    assert_int_equal(triad_share_countersign(&h, "HUB", NOW, k->hsk), 0);
    expect_reject(v, &h, TRIAD_SHARE_EREPLAYED);

    /* distinct texts */
    const int codes[] = {
        TRIAD_SHARE_EUNSIGNED,    TRIAD_SHARE_EUNKNOWN_ORIGIN, TRIAD_SHARE_EBAD_ORIGIN_SIG,
        TRIAD_SHARE_EBAD_HUB_SIG, TRIAD_SHARE_EREPLAYED,       TRIAD_SHARE_ESTALE,
        TRIAD_SHARE_EECHO,        TRIAD_SHARE_ERELAYED,        TRIAD_SHARE_ENO_POLICY,
        TRIAD_SHARE_EDUPLICATE,   TRIAD_SHARE_EWRONG_LINK};
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
        for (size_t j = 0; j < i; j++) {
            assert_string_not_equal(triad_share_strerror(codes[i]), triad_share_strerror(codes[j]));
            assert_string_not_equal(triad_share_reason_name(codes[i]),
                                    triad_share_reason_name(codes[j]));
        }
    triad_share_verifier_destroy(v);
    triad_share_verifier_destroy(rv);
}

static void test_replay_window(void **state)
{
    keys *k = *state;
    test_rng rng = {13};
    triad_share_envelope e;
    triad_share_verifier *v = verifier(k, false, 64);
    make_env(&e, 100, NOW, k->sk, &rng);
    assert_int_equal(triad_share_verify(v, &e, NOW), 0);
    /* a forged message with a huge sequence must not move the window */
    make_env(&e, 100000, NOW, k->sk, &rng);
    e.origin_sig[0] ^= 1;
    assert_int_equal(triad_share_verify(v, &e, NOW), TRIAD_SHARE_EBAD_ORIGIN_SIG);
    /* late but inside the window: once */
    const uint64_t late[] = {99, 37, 60, 98};
    for (size_t i = 0; i < 4; i++) {
        make_env(&e, late[i], NOW, k->sk, &rng);
        assert_int_equal(triad_share_verify(v, &e, NOW), 0);
        assert_int_equal(triad_share_verify(v, &e, NOW), TRIAD_SHARE_EREPLAYED);
    }
    make_env(&e, 36, NOW, k->sk, &rng); /* 100 - 36 = 64: outside */
    assert_int_equal(triad_share_verify(v, &e, NOW), TRIAD_SHARE_EREPLAYED);
    make_env(&e, 100, NOW, k->sk, &rng);
    assert_int_equal(triad_share_verify(v, &e, NOW), TRIAD_SHARE_EREPLAYED);
    /* a jump ahead shifts the window: 99 was seen, 101..110 not */
    make_env(&e, 110, NOW, k->sk, &rng);
    assert_int_equal(triad_share_verify(v, &e, NOW), 0);
    make_env(&e, 99, NOW, k->sk, &rng);
    assert_int_equal(triad_share_verify(v, &e, NOW), TRIAD_SHARE_EREPLAYED);
    make_env(&e, 105, NOW, k->sk, &rng);
    assert_int_equal(triad_share_verify(v, &e, NOW), 0);
    /* a jump of more than 64 clears it */
    make_env(&e, 1000, NOW, k->sk, &rng);
    assert_int_equal(triad_share_verify(v, &e, NOW), 0);
    make_env(&e, 999, NOW, k->sk, &rng);
    assert_int_equal(triad_share_verify(v, &e, NOW), 0);
    /* origins are independent */
    uint8_t pk2[32], sk2[64];
    assert_int_equal(triad_share_keypair(pk2, sk2), 0);
    assert_int_equal(triad_share_trust_add(k->trust, "JP-1", pk2), 0);
    make_env(&e, 5, NOW, NULL, &rng);
    snprintf(e.origin, sizeof e.origin, "JP-1");
    assert_int_equal(triad_share_sign(&e, sk2), 0);
    assert_int_equal(triad_share_verify(v, &e, NOW), 0);
    triad_share_verifier_destroy(v);

    /* window 0: strictly increasing */
    v = verifier(k, false, 0);
    make_env(&e, 10, NOW, k->sk, &rng);
    assert_int_equal(triad_share_verify(v, &e, NOW), 0);
    make_env(&e, 9, NOW, k->sk, &rng);
    assert_int_equal(triad_share_verify(v, &e, NOW), TRIAD_SHARE_EREPLAYED);
    make_env(&e, 11, NOW, k->sk, &rng);
    assert_int_equal(triad_share_verify(v, &e, NOW), 0);
    triad_share_verifier_destroy(v);

    triad_share_verifier_cfg cfg = triad_share_verifier_cfg_default();
    cfg.replay_window = 65;
    assert_int_equal(triad_share_verifier_create(&v, &cfg, k->trust), TRIAD_EINVAL);
    cfg = triad_share_verifier_cfg_default();
    cfg.max_age_ns = 0;
    assert_int_equal(triad_share_verifier_create(&v, &cfg, k->trust), TRIAD_EINVAL);
    cfg = triad_share_verifier_cfg_default();
    cfg.max_skew_ns = -1;
    assert_int_equal(triad_share_verifier_create(&v, &cfg, k->trust), TRIAD_EINVAL);
    assert_int_equal(triad_share_verifier_create(&v, &cfg, NULL), TRIAD_EINVAL);
}

static void test_staleness(void **state)
{
    keys *k = *state;
    test_rng rng = {14};
    triad_share_verifier_cfg cfg = triad_share_verifier_cfg_default();
    cfg.max_age_ns = 10 * S;
    cfg.max_skew_ns = 2 * S;
    triad_share_verifier *v = NULL;
    assert_int_equal(triad_share_verifier_create(&v, &cfg, k->trust), 0);
    struct {
        int64_t dt;
        int code;
    } cases[] = {{-10 * S, 0},
                 {-10 * S - 1, TRIAD_SHARE_ESTALE},
                 {2 * S, 0},
                 {2 * S + 1, TRIAD_SHARE_ESTALE},
                 {0, 0},
                 {-3600 * S, TRIAD_SHARE_ESTALE},
                 {INT64_C(3600) * S, TRIAD_SHARE_ESTALE}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        triad_share_envelope e;
        make_env(&e, i + 1, NOW + cases[i].dt, k->sk, &rng);
        assert_int_equal(triad_share_verify(v, &e, NOW), cases[i].code);
        /* a stale message does not use up its sequence */
        if (cases[i].code)
            assert_int_equal(triad_share_verify(v, &e, NOW + cases[i].dt), 0);
    }
    /* the extremes of the clock do not overflow */
    const int64_t ext[] = {INT64_MIN, INT64_MAX};
    for (size_t i = 0; i < 2; i++) {
        triad_share_envelope e;
        make_env(&e, 100 + i, ext[i], k->sk, &rng);
        assert_int_equal(triad_share_verify(v, &e, NOW), TRIAD_SHARE_ESTALE);
        assert_int_equal(triad_share_verify(v, &e, ext[1 - i]), TRIAD_SHARE_ESTALE);
    }
    /* behind a hub, freshness is the hub's release time: an old warning released now is fresh,
     * a fresh one released long ago is stale; the origin's time may still not be ahead */
    triad_share_verifier_cfg rcfg = cfg;
    rcfg.require_hub = true;
    rcfg.replay_by_origin = false;
    triad_share_verifier *rv = NULL;
    assert_int_equal(triad_share_verifier_create(&rv, &rcfg, k->trust), 0);
    struct {
        int64_t origin_dt, hub_dt;
        int code;
    } hc[] = {{-600 * S, 0, 0},
              {-600 * S, -10 * S, 0},
              {0, -10 * S - 1, TRIAD_SHARE_ESTALE},
              {0, 2 * S + 1, TRIAD_SHARE_ESTALE},
              {2 * S + 1, 0, TRIAD_SHARE_ESTALE}};
    for (size_t i = 0; i < sizeof hc / sizeof hc[0]; i++) {
        triad_share_envelope h;
        make_env(&h, 300, NOW + hc[i].origin_dt, k->sk, &rng);
        assert_int_equal(triad_share_countersign(&h, "HUB", NOW + hc[i].hub_dt, k->hsk), 0);
        assert_int_equal(triad_share_verify(rv, &h, NOW), hc[i].code);
        /* replay is the caller's (per instance): the same message verifies again */
        if (!hc[i].code)
            assert_int_equal(triad_share_verify(rv, &h, NOW), 0);
    }
    triad_share_verifier_destroy(rv);
    /* a payload field name without its terminator is refused, not read past */
    triad_share_envelope e;
    make_env(&e, 200, NOW, k->sk, &rng);
    memset(e.msg.f[1].name, 'n', sizeof e.msg.f[1].name);
    assert_int_equal(triad_share_verify(v, &e, NOW), TRIAD_SHARE_EBAD_ORIGIN_SIG);
    triad_share_verifier_destroy(v);
}

static void test_key_files(void **state)
{
    keys *k = *state;
    char dir[] = "/tmp/test_share_keysXXXXXX";
    assert_non_null(mkdtemp(dir));
    char pub[128], sec[128], bad[128];
    snprintf(pub, sizeof pub, "%s/kr1.pub", dir);
    snprintf(sec, sizeof sec, "%s/kr1.key", dir);
    snprintf(bad, sizeof bad, "%s/bad.pub", dir);
    assert_int_equal(triad_share_key_save_public(pub, k->pk), 0);
    assert_int_equal(triad_share_key_save_secret(sec, k->sk), 0);
    struct stat st;
    assert_int_equal(stat(sec, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(st.st_size, 129);
    uint8_t pk[32], sk[64];
    assert_int_equal(triad_share_key_load_public(pub, pk), 0);
    assert_memory_equal(pk, k->pk, 32);
    assert_int_equal(triad_share_key_load_secret(sec, sk), 0);
    assert_memory_equal(sk, k->sk, 64);
    /* never over an existing secret */
    assert_int_equal(triad_share_key_save_secret(sec, k->hsk), TRIAD_EIO);
    assert_int_equal(triad_share_key_load_secret(sec, sk), 0);
    assert_memory_equal(sk, k->sk, 64);
    /* a secret others can read is refused */
    assert_int_equal(chmod(sec, 0640), 0);
    assert_int_equal(triad_share_key_load_secret(sec, sk), TRIAD_EINVAL);
    assert_non_null(strstr(triad_errmsg(), "chmod 600"));
    assert_int_equal(chmod(sec, 0600), 0);
    /* a public key is not a secret one; a secret whose halves disagree; junk */
    assert_int_equal(triad_share_key_load_secret(pub, sk), TRIAD_EINVAL); /* 0644 */
    assert_int_equal(chmod(pub, 0600), 0);
    assert_int_equal(triad_share_key_load_secret(pub, sk), TRIAD_EFORMAT);
    uint8_t mixed[64];
    memcpy(mixed, k->sk, 32);
    memcpy(mixed + 32, k->hpk, 32);
    char sec2[128];
    snprintf(sec2, sizeof sec2, "%s/mixed.key", dir);
    assert_int_equal(triad_share_key_save_secret(sec2, mixed), 0);
    assert_int_equal(triad_share_key_load_secret(sec2, sk), TRIAD_EFORMAT);
    FILE *f = fopen(bad, "w");
    assert_non_null(f);
    fputs("zz00\n", f);
    fclose(f);
    assert_int_equal(triad_share_key_load_public(bad, pk), TRIAD_EFORMAT);
    assert_int_equal(triad_share_key_load_public("/nonexistent/x.pub", pk), TRIAD_EIO);

    /* trust store file */
    char tpath[128], hex[65];
    snprintf(tpath, sizeof tpath, "%s/trust.json", dir);
    f = fopen(tpath, "w");
    assert_non_null(f);
    for (int i = 0; i < 32; i++)
        sprintf(hex + 2 * i, "%02x", k->pk[i]);
    fprintf(f, "{\"nodes\":{\"KR-1\":\"%s\"}}\n", hex);
    fclose(f);
    triad_share_trust *t = NULL;
    assert_int_equal(triad_share_trust_create(&t), 0);
    assert_int_equal(triad_share_trust_load(t, tpath), 0);
    assert_memory_equal(triad_share_trust_find(t, "KR-1"), k->pk, 32);
    assert_null(triad_share_trust_find(t, "JP-1"));
    f = fopen(tpath, "w");
    fputs("{\"nodes\":{\"KR 1\":\"00\"}}\n", f);
    fclose(f);
    assert_int_equal(triad_share_trust_load(t, tpath), TRIAD_EFORMAT);
    assert_int_equal(triad_share_trust_add(t, "bad id", k->pk), TRIAD_EINVAL);
    triad_share_trust_destroy(t);
    triad_share_trust_destroy(NULL);

    unlink(pub);
    unlink(sec);
    unlink(sec2);
    unlink(bad);
    unlink(tpath);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_canonical_encoding),
        cmocka_unit_test(test_decode),
        cmocka_unit_test(test_from_json),
        cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rejections, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reduced_release, setup, teardown),
        cmocka_unit_test_setup_teardown(test_replay_window, setup, teardown),
        cmocka_unit_test_setup_teardown(test_staleness, setup, teardown),
        cmocka_unit_test_setup_teardown(test_key_files, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
