/* Writes the seed corpus of every fuzz target with the project's own writers (VITA-49 encoder,
 * SigMF meta writer, scenario generator, fusion JSON Lines writers, the sharing stage's
 * signer, store and audit log), so the seeds are what the parsers meet in use:
 *   fuzz_make_seeds TESTDATA_DIR OUT_DIR      (then OUT_DIR/<target>/ holds the seeds)
 * tests/fuzz/corpus/ was made by it; hand-made regression cases sit beside them.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz_share.h"
#include "io/fusion_jsonl.h"
#include "io/vita49.h"
#include "share/audit.h"
#include "share/message.h"
#include "share/store.h"
#include "sim/scenario.h"
#include "triad/recording.h"
#include "triad/sim.h"

static const char *out_dir;

static void die(const char *what)
{
    fprintf(stderr, "make_seeds: %s: %s\n", what, triad_errmsg()[0] ? triad_errmsg() : strerror(errno));
    exit(1);
}

static void put(const char *target, const char *name, const void *data, size_t len)
{
    char p[4096];
    snprintf(p, sizeof p, "%s/%s", out_dir, target);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/%s/%s", out_dir, target, name);
    FILE *f = fopen(p, "wb");
    if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0)
        die(p);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        die(path);
    char *buf = NULL;
    size_t cap = 0, n = 0, got;
    do {
        if (n + 4096 > cap && !(buf = realloc(buf, cap = 2 * cap + 8192)))
            die("memory");
        got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
    } while (got > 0);
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* The first max_lines lines of text. */
static size_t head_len(const char *text, size_t max_lines)
{
    const char *p = text;
    for (size_t i = 0; i < max_lines && *p; i++) {
        const char *nl = strchr(p, '\n');
        p = nl ? nl + 1 : p + strlen(p);
    }
    return (size_t)(p - text);
}

static void vita49_seeds(void)
{
    uint8_t buf[2048];
    int16_t iq[2 * 64];
    for (int i = 0; i < 128; i++)
        iq[i] = (int16_t)(i * 517 - 30000);
    for (int utc = 0; utc < 2; utc++) {
        const triad_vita49_packet p = {.stream_id = 0x100, .packet_count = 3, .has_utc = utc,
                                       .utc_s = 1795392000u, .sample_index = 96, .num_samples = 32};
        const size_t n = triad_vita49_encode(buf, sizeof buf, &p, iq, 1);
        if (!n)
            die("vita49 encode");
        put("vita49", utc ? "utc" : "no_utc", buf, n);
    }
}

/* A CPI of N 8 x P 4 x C 2 as datagrams of 16 samples, channel 1's in reverse order. */
static void cpi_seeds(void)
{
    uint8_t out[8192];
    size_t n = 0;
    out[n++] = 7;
    out[n++] = 3;
    out[n++] = 1;
    out[n++] = 0;
    int16_t iq[2 * 16];
    for (int i = 0; i < 32; i++)
        iq[i] = (int16_t)(i * 1000 - 16000);
    for (int c = 0; c < 2; c++)
        for (int k = 0; k < 2; k++) {
            const int kk = c ? 1 - k : k;
            const triad_vita49_packet p = {.stream_id = 0x100 + (uint32_t)c,
                                           .packet_count = (unsigned)kk,
                                           .sample_index = (uint64_t)kk * 16,
                                           .num_samples = 16};
            const size_t len = triad_vita49_encode(out + n + 2, sizeof out - n - 2, &p, iq, 1);
            out[n] = (uint8_t)(len >> 8);
            out[n + 1] = (uint8_t)len;
            n += 2 + len;
        }
    put("cpi_assembler", "one_cpi_2ch", out, n);
}

static void sigmf_seeds(const char *tmp)
{
    triad_scene s;
    triad_scene_default(&s);
    s.radar.samples_per_pulse = 128;
    s.radar.pulses_per_cpi = 8;
    s.radar.waveform.pulse_width_s = 2e-6;
    s.radar.has_site = true;
    snprintf(s.radar.site.id, sizeof s.radar.site.id, "KR-1");
    s.radar.site.lat_deg = 37.5;
    s.radar.site.lon_deg = 127.0;
    s.radar.has_beam = true;
    s.radar.beam_azimuth_deg = 30;
    s.radar.beam_elevation_deg = 5;
    for (int f = 0; f < 2; f++) {
        s.radar.format = f ? TRIAD_FORMAT_CI16_LE : TRIAD_FORMAT_CF32_LE;
        char path[4096];
        snprintf(path, sizeof path, "%s/seed.sigmf-meta", tmp);
        if (triad_recording_write_meta(path, &s.radar, "fuzz seed"))
            die("write meta");
        size_t len;
        char *text = slurp(path, &len);
        const uint64_t data = 2 * (uint64_t)triad_recording_cpi_bytes(&s.radar);
        uint8_t *buf = malloc(8 + len);
        for (int i = 0; i < 8; i++)
            buf[i] = (uint8_t)(data >> (56 - 8 * i));
        memcpy(buf + 8, text, len);
        put("sigmf", f ? "ci16" : "cf32", buf, 8 + len);
        free(buf);
        free(text);
    }
}

static void json_file_seeds(const char *testdata, const char *sub, const char *target,
                            const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s/%s", testdata, sub, names[i]);
        size_t len;
        char *text = slurp(path, &len);
        put(target, names[i], text, len);
        free(text);
    }
}

/* Reports and truth of a short scenario, and Track/Warning lines, as the writers make them. */
static void fusion_seeds(const char *testdata, const char *tmp, triad_share_msg *track,
                         triad_share_msg *warning)
{
    char path[4096], rp[4096], tp[4096];
    snprintf(path, sizeof path, "%s/scenarios/korea_japan.json", testdata);
    static triad_scenario sc;
    if (triad_scenario_load(path, &sc))
        die(path);
    snprintf(rp, sizeof rp, "%s/r.jsonl", tmp);
    snprintf(tp, sizeof tp, "%s/t.jsonl", tmp);
    FILE *fr = fopen(rp, "w"), *ft = fopen(tp, "w");
    size_t nr, nd;
    if (!fr || !ft || triad_scenario_run(&sc, fr, ft, 10.0, &nr, &nd))
        die("scenario run");
    fclose(fr);
    fclose(ft);
    size_t len;
    char *text = slurp(rp, &len);
    /* some reports from the middle, where targets are seen */
    const char *mid = text + head_len(text, nr / 2);
    put("fusion_jsonl", "reports", mid, head_len(mid, 12));
    free(text);
    text = slurp(tp, &len);
    put("fusion_jsonl", "truth", text, head_len(text, 40));
    free(text);

    triad_track tr;
    memset(&tr, 0, sizeof tr);
    tr.id = 12;
    tr.status = TRIAD_TRACK_CONFIRMED;
    tr.time_s = 1795392123.25;
    tr.position.lat_rad = 0.68;
    tr.position.lon_rad = 2.2;
    tr.position.alt_m = 85000;
    tr.x[3] = 1500;
    tr.x[4] = -300;
    tr.x[5] = 900;
    tr.p[0][0] = tr.p[1][1] = tr.p[2][2] = 400;
    tr.model = TRIAD_MOTION_BALLISTIC;
    tr.ballistic = true;
    tr.hits = 17;
    tr.num_sites = 2;
    snprintf(tr.sites[0], sizeof tr.sites[0], "KR-1");
    snprintf(tr.sites[1], sizeof tr.sites[1], "JP-2");
    triad_warning w;
    memset(&w, 0, sizeof w);
    w.event_id = 42;
    w.version = 2;
    w.kind = TRIAD_WARNING_UPDATE;
    w.track_id = 12;
    w.issued_s = 1795392124.5;
    w.launch.lat_rad = 0.69;
    w.launch.lon_rad = 2.19;
    w.launch_time_s = 1795392000.0;
    w.launch_time_sigma_s = 3.5;
    w.impact.lat_rad = 0.62;
    w.impact.lon_rad = 2.4;
    w.impact_time_s = 1795392400.0;
    w.impact_time_sigma_s = 8;
    w.impact_ellipse.semi_major_m = 20000;
    w.impact_ellipse.semi_minor_m = 5000;
    w.impact_ellipse.orientation_deg = 33;
    snprintf(path, sizeof path, "%s/tw.jsonl", tmp);
    FILE *f = fopen(path, "w");
    if (!f || triad__fjsonl_write_track(f, &tr) || triad__fjsonl_write_warning(f, &w))
        die("track/warning lines");
    fclose(f);
    text = slurp(path, &len);
    put("fusion_jsonl", "track_warning", text, len);
    /* the same lines as sharing messages */
    char *nl = strchr(text, '\n');
    *nl = '\0';
    cJSON *jt = cJSON_Parse(text), *jw = cJSON_Parse(nl + 1);
    if (!jt || !jw || triad_share_msg_from_json(jt, track) || triad_share_msg_from_json(jw, warning))
        die("messages from the lines");
    cJSON_Delete(jt);
    cJSON_Delete(jw);
    free(text);
}

static void share_seeds(const char *tmp, triad_share_msg *track, triad_share_msg *warning)
{
    static uint8_t buf[TRIAD_SHARE_PAYLOAD_MAX];
    size_t len;
    if (triad_share_msg_encode(track, buf, sizeof buf, &len))
        die("encode track");
    put("share_message", "track", buf, len);
    if (triad_share_msg_encode(warning, buf, sizeof buf, &len))
        die("encode warning");
    put("share_message", "warning", buf, len);

    uint8_t pa[32], sa[64], pc[32], sc[64];
    fuzz_share_key('A', pa, sa);
    fuzz_share_key('C', pc, sc);
    char sp[4096], ap[4096];
    snprintf(sp, sizeof sp, "%s/store.jsonl", tmp);
    snprintf(ap, sizeof ap, "%s/audit.jsonl", tmp);
    unlink(sp);
    unlink(ap);
    triad_share_store *st;
    triad_share_audit *au;
    if (triad_share_store_open(&st, sp, false) || triad_share_audit_open(&au, ap, false) ||
        triad_share_audit_sign_with(au, "C", sc, 1000, 3600) ||
        triad_share_audit_checkpoint(au, "start"))
        die("store/audit");
    static triad_share_envelope e;
    for (int i = 0; i < 3; i++) {
        memset(&e, 0, sizeof e);
        snprintf(e.origin, sizeof e.origin, "A");
        e.seq = 1000 + (uint64_t)i;
        e.time_ns = 1795392000000000000LL + i * 1000000000LL;
        e.msg = i == 1 ? *track : *warning;
        if (i == 2)
            triad_share_msg_set_num(&e.msg, "version", 3);
        if (triad_share_sign(&e, sa))
            die("sign");
        if (i > 0 && triad_share_countersign(&e, "C", e.time_ns + 2000000, sc))
            die("countersign");
        if (triad_share_store_offer(st, &e) || triad_share_audit_received(au, &e) ||
            triad_share_audit_released(au, &e, "B"))
            die("offer/audit");
    }
    triad_share_audit_link(au, "B", "alive", "1 writer");
    triad_share_audit_checkpoint(au, "stop");
    triad_share_store_close(st);
    triad_share_audit_close(au);
    char *text = slurp(sp, &len);
    put("share_store", "three_versions", text, len);
    for (int i = 0; i < 3; i++) { /* each line alone: an origin-only and countersigned ones */
        const char *l = text + head_len(text, (size_t)i);
        char name[32];
        snprintf(name, sizeof name, "line%d", i);
        put("share_envelope", name, l, strcspn(l, "\n"));
    }
    free(text);
    text = slurp(ap, &len);
    put("share_audit", "signed_log", text, len);
    free(text);

    static const char policy[] =
        "{\"partners\": {\"B\": {\"warning\": {\"release\": [\"*\"], \"withhold\": [\"track_id\"],"
        " \"precision\": {\"launch.lat_deg\": {\"decimals\": 2}, \"launch.time_s\": {\"step\": 0.001},"
        " \"impact.ellipse.*\": {\"step\": 100}}}, \"track\": {\"release\": [\"lat_deg\", \"lon_deg\","
        " \"time_s\", \"track_id\", \"sites.*\"]}}, \"JP\": {\"warning\": {\"release\": [\"launch.*\"]}}},"
        " \"on_audit_failure\": \"hold\"}\n";
    put("share_policy", "two_partners", policy, strlen(policy));
    static const char hub[] =
        "{\"id\": \"C\", \"key\": \"keys/C.key\", \"trust\": \"keys/trust.json\", \"state\": "
        "\"hub-state.jsonl\", \"policy\": \"policy.json\", \"audit\": \"hub-audit.jsonl\", "
        "\"sync\": false, \"max_age_s\": 60, \"max_skew_s\": 5, \"heartbeat_s\": 1, \"lease_s\": 3,"
        " \"links\": [{\"partner\": \"A\", \"domain\": 1, \"loopback\": true}, {\"partner\": \"B\","
        " \"domain\": 2, \"config\": \"dep/B.xml\"}]}\n";
    put("share_config", "hub", hub, strlen(hub));
    static const char node[] =
        "{\"id\": \"A\", \"hub\": \"C\", \"key\": \"keys/A.key\", \"trust\": \"keys/trust.json\","
        " \"link\": {\"partner\": \"C\", \"domain\": 1, \"config\": \"file:///etc/a.xml\"}}\n";
    put("share_config", "node", node, strlen(node));
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: fuzz_make_seeds TESTDATA_DIR OUT_DIR\n");
        return 2;
    }
    const char *testdata = argv[1];
    out_dir = argv[2];
    mkdir(out_dir, 0755);
    char tmp[] = "/tmp/triad-seeds-XXXXXX";
    if (!mkdtemp(tmp))
        die("mkdtemp");
    vita49_seeds();
    cpi_seeds();
    sigmf_seeds(tmp);
    static const char *const scenes[] = {"default.json", "clutter_mti.json"};
    json_file_seeds(testdata, "scenes", "scene", scenes, 2);
    static const char *const scenarios[] = {"korea_japan.json", "lofted.json", "background.json"};
    json_file_seeds(testdata, "scenarios", "scenario", scenarios, 3);
    static triad_share_msg track, warning;
    fusion_seeds(testdata, tmp, &track, &warning);
    share_seeds(tmp, &track, &warning);
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    return system(cmd) != 0;
}
