/* Hostile sizes and values (issues 17 and 18) given to every reader outside SigMF: refused by
 * name (the message names the field), before anything of the claimed size is allocated.
 *   - JSON nested 100,000 deep: scene, scenario, fusion reports and truth, share config and
 *     policy;
 *   - a JSON Lines line of 100 MB: reports, truth, audit log, the line reader itself; peak
 *     memory grows by far less than the line;
 *   - an infinity (1e999: cJSON reads it as one), its negative and a string in every numeric
 *     field of the seed inputs (found by walking them, so a field added later is covered),
 *     negative values where a quantity cannot be, and the cases of issue 18 ("seen_by":1e10,
 *     non-numbers in ecef_m, time_s 1e308, a datetime in year 9999).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "core/file.h"
#include "core/limits.h"
#include "io/fusion_jsonl.h"
#include "io/json_util.h"
#include "share/audit.h"
#include "share/config.h"
#include "share/policy.h"
#include "sim/scenario.h"
#include "triad/error.h"
#include "triad/sim.h"

#define CORPUS TRIAD_SOURCE "/tests/fuzz/corpus"

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    const long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
    b[n] = '\0';
    fclose(f);
    return b;
}

/* ---- the parsers, one signature ---- */
typedef int (*parse_fn)(const char *text, size_t len);

static int parse_scene(const char *t, size_t n)
{
    triad_scene s;
    return triad_scene_parse("scene.json", t, n, &s);
}
static int parse_scenario(const char *t, size_t n)
{
    static triad_scenario s;
    return triad_scenario_parse("scenario.json", t, n, &s);
}
static int parse_reports(const char *t, size_t n)
{
    triad__fjsonl_reports l = {0};
    const int err = triad__fjsonl_parse_reports("reports.jsonl", t, n, &l);
    triad__fjsonl_free(&l);
    return err;
}
static int parse_truth(const char *t, size_t n)
{
    triad__truth tr;
    const int err = triad__truth_parse("truth.jsonl", t, n, &tr);
    if (!err)
        triad__truth_free(&tr);
    return err;
}
static int parse_hub_cfg(const char *t, size_t n)
{
    static triad__share_cfg c;
    return triad__share_cfg_parse("hub.json", t, n, true, &c);
}
static int parse_node_cfg(const char *t, size_t n)
{
    static triad__share_cfg c;
    return triad__share_cfg_parse("node.json", t, n, false, &c);
}
static int parse_policy(const char *t, size_t n)
{
    (void)n;
    triad_share_policy *p = NULL;
    const int err = triad_share_policy_parse(&p, t, "policy.json");
    triad_share_policy_destroy(p);
    return err;
}

static void expect_refused(parse_fn f, const char *text, const char *what, const char *needle)
{
    const int err = f(text, strlen(text));
    if (err == 0 || !strstr(triad_errmsg(), needle)) {
        fprintf(stderr, "%s: %s (message does not say \"%s\": %s)\n", what,
                err ? "refused" : "ACCEPTED", needle, triad_errmsg());
        fail();
    }
}

/* ---- nesting ---- */
static char *nested(size_t depth, const char *prefix, const char *suffix)
{
    const size_t pl = strlen(prefix), sl = strlen(suffix);
    char *s = malloc(pl + 2 * depth + sl + 1), *p = s;
    memcpy(p, prefix, pl);
    p += pl;
    for (size_t i = 0; i < depth; i++)
        *p++ = '[';
    for (size_t i = 0; i < depth; i++)
        *p++ = ']';
    memcpy(p, suffix, sl + 1);
    return s;
}

static void test_nested_100000(void **state)
{
    (void)state;
    char *obj = nested(100000, "{\"radar\":", "}");
    expect_refused(parse_scene, obj, "scene", "nested deeper than");
    expect_refused(parse_scenario, obj, "scenario", "nested deeper than");
    expect_refused(parse_hub_cfg, obj, "hub config", "nested deeper than");
    expect_refused(parse_node_cfg, obj, "node config", "nested deeper than");
    expect_refused(parse_policy, obj, "policy", "nested deeper than");
    free(obj);
    char *line = nested(100000, "{\"site\":\"A\",\"detections\":", "}\n");
    expect_refused(parse_reports, line, "reports", "line 1: JSON nested deeper than");
    expect_refused(parse_truth, line, "truth", "line 1: JSON nested deeper than");
    free(line);
    /* at the limit it parses (the limit is not "refuse all nesting") */
    char *ok = nested(TRIAD__JSON_MAX_DEPTH - 1, "{\"x\":", "}");
    cJSON *root = NULL;
    assert_int_equal(triad__json_parse("ok", ok, strlen(ok), &root), 0);
    cJSON_Delete(root);
    free(ok);
}

/* ---- 100 MB line ---- */
static long peak_rss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

static void test_line_100mb(void **state)
{
    (void)state;
    char path[] = "/tmp/triad-hostile-XXXXXX";
    const int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    static char chunk[1 << 20];
    memset(chunk, 'x', sizeof chunk);
    fputs("{\"site\":\"A\",\"detections\":[],\"pad\":\"", f);
    for (int i = 0; i < 100; i++)
        fwrite(chunk, 1, sizeof chunk, f);
    fputs("\"}\n", f);
    fclose(f);
    const long before = peak_rss_kb();
    triad__fjsonl_reports l = {0};
    assert_int_not_equal(triad__fjsonl_read_reports(path, &l), 0);
    assert_non_null(strstr(triad_errmsg(), "line 1: longer than the limit"));
    assert_non_null(strstr(triad_errmsg(), path));
    triad__fjsonl_free(&l);
    triad__truth t;
    assert_int_not_equal(triad__truth_read(path, &t), 0);
    assert_non_null(strstr(triad_errmsg(), "line 1: longer than the limit"));
    triad_share_audit_report rep;
    assert_int_not_equal(triad_share_audit_verify(path, &rep), 0);
    assert_non_null(strstr(triad_errmsg(), "line 1: longer than the limit"));
    triad__lines *r;
    assert_int_equal(triad__lines_open(&r, path, 1000), 0);
    const char *line;
    size_t len;
    assert_true(triad__lines_next(r, &line, &len, NULL) < 0);
    assert_non_null(strstr(triad_errmsg(), "line 1: longer than the limit of 1000 bytes"));
    triad__lines_close(r);
    const long grown_mb = (peak_rss_kb() - before) / 1024;
    printf("peak memory grew by %ld MB reading a 100 MB line (limit %u MB)\n", grown_mb,
           TRIAD__JSONL_MAX_LINE >> 20);
    /* the line limit is 4 MB: never the line's 100 MB (4 MB here; ~40 MB under ASan, whose
     * quarantine keeps the freed line buffers of the four readers resident) */
    assert_true(grown_mb < 64);
    unlink(path);
}

/* ---- every numeric field ---- */

/* The item at a path ("radar/site/lat_deg", "targets/0/range_m") of root ('/': field names
 * may hold dots, as the policy's do). */
static cJSON *at(cJSON *root, const char *path)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    cJSON *j = root;
    for (char *tok = strtok(buf, "/"); tok && j; tok = strtok(NULL, "/"))
        j = cJSON_IsArray(j) ? cJSON_GetArrayItem(j, atoi(tok))
                             : cJSON_GetObjectItemCaseSensitive(j, tok);
    return j;
}

/* base with the item at path replaced by the raw JSON value; caller frees. */
static char *with_value(const char *base, const char *path, const char *raw)
{
    cJSON *root = cJSON_Parse(base);
    assert_non_null(root);
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    char *dot = strrchr(buf, '/');
    cJSON *parent = dot ? (*dot = '\0', at(root, buf)) : root;
    const char *leaf = dot ? dot + 1 : path;
    assert_non_null(parent);
    if (cJSON_IsArray(parent))
        cJSON_ReplaceItemInArray(parent, atoi(leaf), cJSON_CreateRaw(raw));
    else
        cJSON_ReplaceItemInObjectCaseSensitive(parent, leaf, cJSON_CreateRaw(raw));
    char *s = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    return s;
}

/* The paths of every number in j. */
static void numbers(const cJSON *j, const char *prefix, char paths[][256], size_t *n, size_t cap)
{
    int i = 0;
    for (const cJSON *c = j->child; c; c = c->next, i++) {
        char p[256];
        if (c->string)
            snprintf(p, sizeof p, "%s%s%s", prefix, prefix[0] ? "/" : "", c->string);
        else
            snprintf(p, sizeof p, "%s%s%d", prefix, prefix[0] ? "/" : "", i);
        if (cJSON_IsNumber(c) && *n < cap)
            snprintf(paths[(*n)++], 256, "%s", p);
        else if (cJSON_IsObject(c) || cJSON_IsArray(c))
            numbers(c, p, paths, n, cap);
    }
}

/* The name a message must carry for path: its last non-index part. */
static const char *field_of(const char *path, char *buf, size_t size)
{
    snprintf(buf, size, "%s", path);
    for (;;) {
        char *dot = strrchr(buf, '/');
        const char *leaf = dot ? dot + 1 : buf;
        if (!(leaf[0] >= '0' && leaf[0] <= '9') || !dot)
            return leaf;
        *dot = '\0';
    }
}

/* Infinity, minus infinity and (strings) a string in every number of base: each refused by
 * name. Strings only where every field is read (a truth line carries fields nobody reads).
 * A JSON Lines base is one line; the rest of the text (lines) follows it unchanged. */
static size_t every_number(parse_fn f, const char *base, const char *rest, const char *what,
                           int strings)
{
    cJSON *root = cJSON_Parse(base);
    assert_non_null(root);
    static char paths[400][256];
    size_t n = 0;
    numbers(root, "", paths, &n, 400);
    cJSON_Delete(root);
    assert_true(n > 0);
    static const char *const bad[] = {"1e999", "-1e999", "\"12\""};
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < (strings ? 3u : 2u); k++) {
            char *v = with_value(base, paths[i], bad[k]);
            char *text = malloc(strlen(v) + strlen(rest) + 2);
            sprintf(text, "%s%s%s", v, rest[0] ? "\n" : "", rest);
            char field[256], needle[300];
            /* the field's name ends the name in the message (a policy gives its full path) */
            snprintf(needle, sizeof needle, "%s'", field_of(paths[i], field, sizeof field));
            char label[400];
            snprintf(label, sizeof label, "%s %s = %s", what, paths[i], bad[k]);
            expect_refused(f, text, label, needle);
            free(text);
            cJSON_free(v);
        }
    return n;
}

static void test_scene_every_number(void **state)
{
    (void)state;
    char *base = slurp(TRIAD_TESTDATA "/scenes/default.json");
    /* clutter and the optional limits too, so that they are walked */
    cJSON *root = cJSON_Parse(base);
    cJSON_AddNumberToObject(root, "noise_power", 1.0);
    cJSON_AddNumberToObject(root, "ci16_scale", 300);
    cJSON_AddNumberToObject(cJSON_GetObjectItem(root, "radar"), "rx_delay_s", 1e-6);
    cJSON_AddNumberToObject(cJSON_GetObjectItem(root, "radar"), "num_channels", 1);
    cJSON *cl = cJSON_AddObjectToObject(root, "clutter");
    cJSON_AddNumberToObject(cl, "cnr_db", 30);
    cJSON_AddNumberToObject(cl, "range_min_m", 1000);
    cJSON_AddNumberToObject(cl, "range_max_m", 3000);
    char *s = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    assert_int_equal(parse_scene(s, strlen(s)), 0);
    const size_t n = every_number(parse_scene, s, "", "scene", 1);
    printf("scene: %zu numeric fields, each refused as inf, -inf and a string\n", n);
    /* negative, zero or absurd where the physics says no (issue 18: carrier 1e-300 Hz gave
     * velocities of -inf; rx_delay 1e300 a range of 300 digits) */
    static const struct {
        const char *path, *value;
    } cases[] = {{"radar/carrier_hz", "1e-300"},     {"radar/carrier_hz", "-3e9"},
                 {"radar/sample_rate_hz", "0"},      {"radar/sample_rate_hz", "-1"},
                 {"radar/pri_s", "-1"},              {"radar/pri_s", "1e300"},
                 {"radar/rx_delay_s", "1e300"},      {"radar/rx_delay_s", "-1"},
                 {"radar/samples_per_pulse", "2147483648"}, {"radar/pulses_per_cpi", "2147483648"},
                 {"radar/samples_per_pulse", "-1"},  {"radar/num_channels", "1e10"},
                 {"radar/waveform/bandwidth_hz", "-1"}, {"radar/waveform/pulse_width_s", "-1"},
                 {"radar/site/lat_deg", "91"},       {"radar/site/alt_m", "1e300"},
                 {"radar/beam/elevation_deg", "-91"}, {"cpis", "-1"}, {"cpis", "1e300"},
                 {"seed", "-1"},                     {"ci16_scale", "-1"}, {"noise_power", "-1"},
                 {"targets/0/range_m", "-1"},        {"targets/0/velocity_mps", "1e300"},
                 {"targets/0/snr_db", "1e300"},      {"clutter/range_min_m", "-1"},
                 {"clutter/range_max_m", "1e300"},   {"radar/datetime", "\"9999-12-31T23:59:60Z\""},
                 {"radar/datetime", "\"-999-01-01T00:00:00Z\""}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *v = with_value(s, cases[i].path, cases[i].value);
        char field[256], needle[300];
        snprintf(needle, sizeof needle, "%s'", field_of(cases[i].path, field, sizeof field));
        expect_refused(parse_scene, v, cases[i].path, needle);
        cJSON_free(v);
    }
    cJSON_free(s);
    free(base);
}

static void test_scenario_every_number(void **state)
{
    (void)state;
    for (int k = 0; k < 2; k++) {
        char *base = slurp(k ? TRIAD_TESTDATA "/scenarios/lofted.json"
                             : TRIAD_TESTDATA "/scenarios/korea_japan.json");
        assert_int_equal(parse_scenario(base, strlen(base)), 0);
        const size_t n = every_number(parse_scenario, base, "", "scenario", 1);
        printf("scenario %d: %zu numeric fields, each refused as inf, -inf and a string\n", k, n);
        free(base);
    }
}

/* The first report line with a detection, and the first truth/site/launch lines. */
static char *first_line_with(const char *text, const char *needle)
{
    const char *p = strstr(text, needle);
    assert_non_null(p);
    while (p > text && p[-1] != '\n')
        p--;
    const size_t n = strcspn(p, "\n");
    char *l = malloc(n + 1);
    memcpy(l, p, n);
    l[n] = '\0';
    return l;
}

static void test_fusion_every_number(void **state)
{
    (void)state;
    char *reports = slurp(CORPUS "/fusion_jsonl/reports");
    char *line = first_line_with(reports, "\"range_m\"");
    assert_int_equal(parse_reports(line, strlen(line)), 0);
    size_t n = every_number(parse_reports, line, "", "report", 1);
    printf("report line: %zu numeric fields, each refused as inf, -inf and a string\n", n);
    /* later lines too: the error names line 2 */
    char *two = malloc(2 * strlen(line) + 2);
    sprintf(two, "%s\n%s", line, line);
    char *p = strstr(two + strlen(line) + 1, "\"range_m\":") + 10;
    memcpy(p, "-0000001.", 9);
    expect_refused(parse_reports, two, "report line 2 range_m -1", "line 2: field 'range_m'");
    free(two);
    static const struct {
        const char *path, *value;
    } cases[] = {{"detections/0/range_m", "-1"},     {"detections/0/range_m", "0"},
                 {"detections/0/range_m", "1e300"},  {"detections/0/velocity_mps", "1e300"},
                 {"detections/0/var_range_m2", "-1"}, {"detections/0/elevation_deg", "91"},
                 {"radar_id", "-1"},                 {"radar_id", "1e10"}, {"radar_id", "1.5"},
                 {"site_lat_deg", "91"},             {"time_s", "1e308"}, {"time_s", "-1e308"},
                 {"time_utc", "\"9999-12-31T23:59:60Z\""}, {"time_utc", "\"1900-01-01T00:00:00Z\""},
                 {"site_alt_m", "1e300"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *v = with_value(line, cases[i].path, cases[i].value);
        char field[256], needle[300];
        snprintf(needle, sizeof needle, "'%s'", field_of(cases[i].path, field, sizeof field));
        expect_refused(parse_reports, v, cases[i].path, needle);
        cJSON_free(v);
    }
    /* time_s 1e308 without time_utc (issue 18: fuse took it) */
    cJSON *o = cJSON_Parse(line);
    cJSON_DeleteItemFromObject(o, "time_utc");
    cJSON_ReplaceItemInObject(o, "time_s", cJSON_CreateRaw("1e308"));
    char *t = cJSON_PrintUnformatted(o);
    expect_refused(parse_reports, t, "time_s 1e308 alone", "'time_s'");
    cJSON_free(t);
    cJSON_Delete(o);
    free(line);
    free(reports);

    char *truth = slurp(CORPUS "/fusion_jsonl/truth");
    static const char *const kinds[] = {"\"type\":\"site\"", "\"type\":\"scenario\"",
                                        "\"type\":\"launch\"", "\"type\":\"truth\""};
    for (size_t k = 0; k < 4; k++) {
        if (!strstr(truth, kinds[k]))
            continue;
        line = first_line_with(truth, kinds[k]);
        assert_int_equal(parse_truth(line, strlen(line)), 0);
        n = every_number(parse_truth, line, "", kinds[k], 0);
        printf("truth %s: %zu numeric fields, each refused as inf and -inf\n", kinds[k], n);
        if (k == 3) { /* issue 18 */
            static const struct {
                const char *path, *value, *field;
            } tc[] = {{"seen_by", "1e10", "'seen_by'"}, {"seen_by", "-1", "'seen_by'"},
                      {"seen_by", "0.5", "'seen_by'"},  {"ecef_m/0", "\"x\"", "'ecef_m'"},
                      {"ecef_m/2", "null", "'ecef_m'"}, {"ecef_m/1", "[]", "'ecef_m'"},
                      {"ecef_m", "[1,2]", "'ecef_m'"},  {"time_s", "1e308", "'time_s'"}};
            for (size_t i = 0; i < sizeof tc / sizeof tc[0]; i++) {
                char *v = with_value(line, tc[i].path, tc[i].value);
                expect_refused(parse_truth, v, tc[i].path, tc[i].field);
                cJSON_free(v);
            }
        }
        free(line);
    }
    free(truth);
}

static void test_share_every_number(void **state)
{
    (void)state;
    char *hub = slurp(CORPUS "/share_config/hub");
    size_t n = every_number(parse_hub_cfg, hub, "", "hub config", 1);
    static const struct {
        const char *path, *value;
    } cases[] = {{"max_age_s", "-1"}, {"max_age_s", "1e300"}, {"lease_s", "0"},
                 {"heartbeat_s", "-1"}, {"max_skew_s", "-1"}, {"links/0/domain", "1e10"},
                 {"links/0/domain", "-1"}, {"links/1/domain", "1.5"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *v = with_value(hub, cases[i].path, cases[i].value);
        char field[256], needle[300];
        snprintf(needle, sizeof needle, "'%s'", field_of(cases[i].path, field, sizeof field));
        expect_refused(parse_hub_cfg, v, cases[i].path, needle);
        cJSON_free(v);
    }
    free(hub);
    char *node = slurp(CORPUS "/share_config/node");
    n += every_number(parse_node_cfg, node, "", "node config", 1);
    free(node);
    char *pol = slurp(CORPUS "/share_policy/two_partners");
    n += every_number(parse_policy, pol, "", "policy", 1);
    free(pol);
    printf("share configs and policy: %zu numeric fields, each refused as inf, -inf and a "
           "string\n", n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nested_100000),
        cmocka_unit_test(test_line_100mb),
        cmocka_unit_test(test_scene_every_number),
        cmocka_unit_test(test_scenario_every_number),
        cmocka_unit_test(test_fusion_every_number),
        cmocka_unit_test(test_share_every_number),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
