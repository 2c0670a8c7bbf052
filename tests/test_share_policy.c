/* Release policy: field by field (released, withheld with the rule that withheld it, rounded),
 * deny by default, echo and relay-twice refused, every rejection of a policy file.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "share/policy.h"
#include "test_util.h"
#include "triad/error.h"

static const char policy_text[] =
    "{\"partners\": {"
    " \"JP-1\": {\"warning\": {\"release\": [\"*\"], \"withhold\": [\"track_id\", \"debug.*\"],"
    "                        \"precision\": {\"launch.lat_deg\": {\"decimals\": 2},"
    "                                        \"launch.lon_deg\": {\"decimals\": 2},"
    "                                        \"launch.time_s\": {\"step\": 0.001},"
    "                                        \"launch.ellipse.*\": {\"step\": 100}}},"
    "          \"track\": {\"release\": [\"track_id\", \"lat_deg\", \"lon_deg\"],"
    "                      \"precision\": {\"*\": {\"decimals\": 1}}}},"
    " \"US-1\": {\"warning\": {\"release\": [\"kind\", \"launch.*\"], \"withhold\": "
    "[\"launch.ellipse.*\"]}}"
    "}}";

static triad_share_policy *load(void)
{
    triad_share_policy *p = NULL;
    assert_int_equal(triad_share_policy_parse(&p, policy_text, "test"), 0);
    return p;
}

/* A warning with seeded random values. */
static void make_warning(triad_share_msg *m, test_rng *rng)
{
    triad_share_msg_init(m, TRIAD_SHARE_WARNING);
    assert_int_equal(triad_share_msg_set_str(m, "kind", "NEW"), 0);
    assert_int_equal(triad_share_msg_set_num(m, "track_id", 17), 0);
    assert_int_equal(triad_share_msg_set_num(m, "launch.lat_deg", 38 + test_rng_uniform(rng)), 0);
    assert_int_equal(triad_share_msg_set_num(m, "launch.lon_deg", -125 + test_rng_uniform(rng)), 0);
    assert_int_equal(
        triad_share_msg_set_num(m, "launch.time_s", 1.79e9 + 100 * test_rng_uniform(rng)), 0);
    assert_int_equal(
        triad_share_msg_set_num(m, "launch.ellipse.semi_major_m", 5000 * test_rng_uniform(rng)), 0);
    assert_int_equal(
        triad_share_msg_set_num(m, "launch.ellipse.semi_minor_m", 400 * test_rng_uniform(rng)), 0);
    assert_int_equal(triad_share_msg_set_num(m, "impact.lat_deg", 35 + test_rng_uniform(rng)), 0);
    assert_int_equal(triad_share_msg_set_str(m, "debug.note", "internal"), 0);
    assert_int_equal(triad_share_msg_set_bool(m, "debug.flag", true), 0);
}

static const triad_share_withheld *find_wh(const triad_share_withheld *wh, size_t n, const char *f)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(wh[i].field, f) == 0)
            return &wh[i];
    return NULL;
}

static void test_fields(void **state)
{
    (void)state;
    triad_share_policy *p = load();
    test_rng rng = {31};
    for (int trial = 0; trial < 50; trial++) {
        triad_share_msg in, out;
        make_warning(&in, &rng);
        triad_share_withheld wh[TRIAD_SHARE_MAX_FIELDS];
        size_t nwh = 0;
        assert_int_equal(triad_share_policy_apply(p, "KR-1", "JP-1", &in, &out, wh, &nwh), 0);
        /* every field either goes out or is withheld with a rule, never both */
        assert_int_equal(out.num_fields + nwh, in.num_fields);
        assert_int_equal(nwh, 3);
        assert_string_equal(find_wh(wh, nwh, "track_id")->rule,
                            "partners.JP-1.warning.withhold[\"track_id\"]");
        assert_string_equal(find_wh(wh, nwh, "debug.note")->rule,
                            "partners.JP-1.warning.withhold[\"debug.*\"]");
        assert_non_null(find_wh(wh, nwh, "debug.flag"));
        for (size_t i = 0; i < in.num_fields; i++) {
            const triad_share_field *f = &in.f[i];
            const triad_share_field *o = triad_share_msg_get(&out, f->name);
            assert_true(!o == !!find_wh(wh, nwh, f->name));
            if (!o)
                continue;
            double want = f->num;
            if (strcmp(f->name, "launch.lat_deg") == 0 || strcmp(f->name, "launch.lon_deg") == 0)
                want = round(f->num * 100) / 100;
            else if (strcmp(f->name, "launch.time_s") == 0)
                want = round(f->num / 0.001) * 0.001;
            else if (strncmp(f->name, "launch.ellipse.", 15) == 0)
                want = round(f->num / 100) * 100;
            if (f->kind == TRIAD_SHARE_NUM) {
                assert_true(o->num == want);
                /* the rounding stays within half a step of the original */
                assert_true(fabs(o->num - f->num) <= 50.0 + 1e-9);
            } else {
                assert_memory_equal(o, f, sizeof *o);
            }
        }
        assert_true(fmod(triad_share_msg_get(&out, "launch.ellipse.semi_major_m")->num, 100) == 0);
        /* impact.lat_deg has no precision rule: untouched */
        assert_true(triad_share_msg_get(&out, "impact.lat_deg")->num ==
                    triad_share_msg_get(&in, "impact.lat_deg")->num);

        /* US-1: only what is listed, the ellipse withheld inside a released prefix */
        assert_int_equal(triad_share_policy_apply(p, "KR-1", "US-1", &in, &out, wh, &nwh), 0);
        assert_int_equal(out.num_fields, 4); /* kind, lat, lon, time */
        assert_string_equal(find_wh(wh, nwh, "launch.ellipse.semi_minor_m")->rule,
                            "partners.US-1.warning.withhold[\"launch.ellipse.*\"]");
        assert_string_equal(find_wh(wh, nwh, "impact.lat_deg")->rule,
                            "partners.US-1.warning.release: not listed");
        assert_true(triad_share_msg_get(&out, "launch.lat_deg")->num ==
                    triad_share_msg_get(&in, "launch.lat_deg")->num);
    }

    /* tracks to JP-1: three fields at one decimal */
    triad_share_msg t, out;
    triad_share_msg_init(&t, TRIAD_SHARE_TRACK);
    assert_int_equal(triad_share_msg_set_num(&t, "track_id", 4), 0);
    assert_int_equal(triad_share_msg_set_num(&t, "lat_deg", 36.2549), 0);
    assert_int_equal(triad_share_msg_set_num(&t, "lon_deg", -0.04), 0);
    assert_int_equal(triad_share_msg_set_num(&t, "alt_m", 12000), 0);
    triad_share_withheld wh[TRIAD_SHARE_MAX_FIELDS];
    size_t nwh = 0;
    assert_int_equal(triad_share_policy_apply(p, "KR-1", "JP-1", &t, &out, wh, &nwh), 0);
    assert_int_equal(out.num_fields, 3);
    assert_true(triad_share_msg_get(&out, "lat_deg")->num == 36.3);
    assert_true(triad_share_msg_get(&out, "lon_deg")->num == 0.0);
    assert_false(signbit(triad_share_msg_get(&out, "lon_deg")->num)); /* no -0 */
    assert_int_equal(nwh, 1);
    assert_string_equal(wh[0].field, "alt_m");

    /* deny by default: no entry for US-1 tracks, none for an unknown partner */
    assert_int_equal(triad_share_policy_apply(p, "KR-1", "US-1", &t, &out, wh, &nwh),
                     TRIAD_SHARE_ENO_POLICY);
    assert_int_equal(out.num_fields, 0);
    assert_int_equal(triad_share_policy_apply(p, "KR-1", "CN-1", &t, &out, wh, &nwh),
                     TRIAD_SHARE_ENO_POLICY);
    assert_int_equal(triad_share_policy_apply(p, "KR-1", "bad id", &t, &out, wh, &nwh),
                     TRIAD_EINVAL);
    triad_share_policy_destroy(p);
    triad_share_policy_destroy(NULL);
}

static void test_echo_and_relay_once(void **state)
{
    (void)state;
    triad_share_policy *p = load();
    test_rng rng = {32};
    triad_share_msg in, out;
    make_warning(&in, &rng);
    triad_share_withheld wh[TRIAD_SHARE_MAX_FIELDS];
    size_t nwh = 0;
    assert_int_equal(triad_share_policy_apply(p, "JP-1", "JP-1", &in, &out, wh, &nwh),
                     TRIAD_SHARE_EECHO);
    assert_non_null(strstr(triad_errmsg(), "JP-1"));
    assert_int_equal(out.num_fields, 0);
    triad_share_policy_destroy(p);

    triad_share_relay *r = NULL;
    assert_int_equal(triad_share_relay_create(&r), 0);
    /* many (origin, seq) pairs, through several table growths, each once */
    const char *origins[] = {"KR-1", "JP-1", "US-1"};
    for (uint64_t s = 0; s < 3000; s++)
        assert_int_equal(triad_share_relay_once(r, origins[s % 3], s / 3), 0);
    for (uint64_t s = 0; s < 3000; s++)
        assert_int_equal(triad_share_relay_once(r, origins[s % 3], s / 3), TRIAD_SHARE_ERELAYED);
    assert_non_null(strstr(triad_errmsg(), "US-1 seq 999"));
    assert_int_equal(triad_share_relay_once(r, "KR-1", 1000), 0);
    assert_int_equal(triad_share_relay_once(r, "KR-2", 0), 0);
    assert_int_equal(triad_share_relay_once(r, "", 0), TRIAD_EINVAL);
    triad_share_relay_destroy(r);
    triad_share_relay_destroy(NULL);
}

static void test_policy_rejections(void **state)
{
    (void)state;
    static const struct {
        const char *text, *needle;
        int code;
    } bad[] = {
        {"not json", "invalid JSON", TRIAD_EFORMAT},
        {"{}", "'partners'", TRIAD_EFORMAT},
        {"{\"partners\":{\"bad id\":{}}}", "not a valid node id", TRIAD_EINVAL},
        {"{\"partners\":{\"JP\":{\"detection\":{}}}}", "unknown message type", TRIAD_EFORMAT},
        {"{\"partners\":{\"JP\":{\"warning\":{\"relase\":[]}}}}", "partners.JP.warning.relase",
         TRIAD_EFORMAT},
        {"{\"partners\":{\"JP\":{\"warning\":{\"release\":\"*\"}}}}", "partners.JP.warning.release",
         TRIAD_EFORMAT},
        {"{\"partners\":{\"JP\":{\"warning\":{\"release\":[\"a*\"]}}}}", "field pattern",
         TRIAD_EFORMAT},
        {"{\"partners\":{\"JP\":{\"warning\":{\"withhold\":[3]}}}}", "partners.JP.warning.withhold",
         TRIAD_EFORMAT},
        {"{\"partners\":{\"JP\":{\"warning\":{\"precision\":{\"x\":{\"decimals\":10}}}}}}",
         "partners.JP.warning.precision.x.decimals': value 10", TRIAD_EINVAL},
        {"{\"partners\":{\"JP\":{\"warning\":{\"precision\":{\"x\":{\"decimals\":1.5}}}}}}",
         "decimals", TRIAD_EINVAL},
        {"{\"partners\":{\"JP\":{\"warning\":{\"precision\":{\"x\":{\"step\":0}}}}}}",
         "step': value 0", TRIAD_EINVAL},
        {"{\"partners\":{\"JP\":{\"warning\":{\"precision\":{\"x\":{\"step\":1,\"decimals\":1}}}}}"
         "}",
         "expected", TRIAD_EFORMAT},
        {"{\"partners\":{\"JP\":{\"warning\":{\"precision\":{\"x\":{}}}}}}", "expected",
         TRIAD_EFORMAT},
        {"{\"partners\":{\"JP\":{\"warning\":{},\"warning\":{}}}}", "given twice", TRIAD_EFORMAT},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        triad_share_policy *p = (triad_share_policy *)&i;
        assert_int_equal(triad_share_policy_parse(&p, bad[i].text, "pol.json"), bad[i].code);
        assert_null(p);
        if (!strstr(triad_errmsg(), bad[i].needle) || !strstr(triad_errmsg(), "pol.json"))
            fail_msg("case %zu: message '%s' lacks '%s'", i, triad_errmsg(), bad[i].needle);
    }
    triad_share_policy *p = NULL;
    assert_int_equal(triad_share_policy_load(&p, "/nonexistent/policy.json"), TRIAD_EIO);
    /* from a file */
    char path[] = "/tmp/test_share_policyXXXXXX";
    const int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs(policy_text, f);
    fclose(f);
    assert_int_equal(triad_share_policy_load(&p, path), 0);
    triad_share_policy_destroy(p);
    remove(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fields),
        cmocka_unit_test(test_echo_and_relay_once),
        cmocka_unit_test(test_policy_rejections),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
