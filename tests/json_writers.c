/* Lines from every JSON Lines writer of the library, given the extreme inputs its readers
 * accept: ranges, speeds, times and variances at the edges of their limits (core/limits.h,
 * io/fusion_jsonl.c), -0, the smallest normal numbers, and site ids with quotes, backslashes,
 * control characters and multi-byte UTF-8. tests/json_writers.sh checks them with a strict
 * JSON parser.   json_writers OUT_DIR
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "io/detections_jsonl.h"
#include "io/fusion_jsonl.h"
#include "io/jsonl_sink.h"
#include "triad/error.h"

#define DEG (M_PI / 180.0)

static const double extremes[] = {0.0, -0.0, DBL_MIN, -DBL_MIN, 1e-300, 299792458.0,
                                  -299792458.0, 1e9, -1e9, 1e18};
#define NX (sizeof extremes / sizeof extremes[0])

static const char *const site_ids[] = {"plain", "quote\"back\\slash", "tab\tnl\nbell\a",
                                       "\xce\xb1\xce\xb2-\xe6\x97\xa5\xe6\x9c\xac", "\x7f"};
#define NS (sizeof site_ids / sizeof site_ids[0])

static void die(const char *what)
{
    fprintf(stderr, "json_writers: %s: %s\n", what, triad_errmsg());
    exit(1);
}

static FILE *out(const char *dir, const char *name)
{
    char p[4096];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    if (!f)
        die(p);
    return f;
}

static void detections(const char *dir)
{
    FILE *f = out(dir, "detections.jsonl");
    triad_recording_meta m;
    memset(&m, 0, sizeof m);
    const double t0s[] = {NAN, TRIAD__EPOCH_MIN_S, TRIAD__EPOCH_MAX_S - 1e6};
    for (size_t s = 0; s < NS; s++)
        for (size_t k = 0; k < NX; k++)
            for (size_t t = 0; t < 3; t++) {
                m.has_site = s > 0;
                snprintf(m.site.id, sizeof m.site.id, "%s", site_ids[s]);
                m.site.lat_deg = k % 2 ? -90 : 90;
                m.site.lon_deg = k % 2 ? -180 : 360;
                m.site.alt_m = extremes[k];
                m.has_beam = k % 3 == 0;
                m.beam_azimuth_deg = -360;
                m.beam_elevation_deg = 90;
                const triad_detection d = {.cpi = UINT64_MAX - k,
                                           .channel = UINT32_MAX,
                                           .time_s = fabs(extremes[k]) * 1e-9 * 1e6,
                                           .range_bin = fabs(extremes[k]),
                                           .doppler_bin = extremes[k],
                                           .range_m = fabs(extremes[k]),
                                           .velocity_mps = extremes[k],
                                           .snr_db = k % 2 ? -400 : 400,
                                           .power_db = extremes[k] * 1e-15};
                if (triad__jsonl_write(f, &d, &m, t0s[t]))
                    die("detection line");
            }
    fclose(f);
}

static void sink(const char *dir)
{
    char p[4096];
    snprintf(p, sizeof p, "%s/sink.jsonl", dir);
    triad_sink *s = NULL;
    const triad_jsonl_sink_opts o = {.path = p, .reports = true};
    if (triad_jsonl_sink_create(&s, &o))
        die("sink");
    triad_recording_meta m;
    memset(&m, 0, sizeof m);
    m.has_site = true;
    snprintf(m.site.id, sizeof m.site.id, "%s", site_ids[1]);
    const int64_t times[] = {INT64_MIN, 0, (int64_t)(TRIAD__EPOCH_MAX_S - 1) * 1000000000LL};
    for (size_t k = 0; k < NX; k++) {
        const triad_detection d = {.cpi = k, .range_m = fabs(extremes[k]),
                                   .velocity_mps = extremes[k], .snr_db = extremes[k] * 1e-16};
        const triad_report r = {.meta = &m, .radar_id = UINT32_MAX, .cpi = UINT64_MAX,
                                .cpi_time_utc_ns = times[k % 3],
                                .degraded_fraction = k % 2 ? 1.0 : 0.0,
                                .latency_s = fabs(extremes[k]) * 1e-9, .dets = &d,
                                .num_dets = k % 2};
        if (s->write(s, &r))
            die("sink write");
    }
    s->destroy(s);
}

static void tracks(const char *dir)
{
    FILE *f = out(dir, "tracks.jsonl");
    for (size_t k = 0; k < NX; k++) {
        triad_track tr;
        memset(&tr, 0, sizeof tr);
        tr.id = UINT32_MAX;
        tr.status = (triad_track_status)(k % 3);
        tr.time_s = k % 2 ? TRIAD__EPOCH_MAX_S : -TRIAD__EPOCH_MAX_S;
        tr.position.lat_rad = (k % 2 ? -90 : 90) * DEG;
        tr.position.lon_rad = (k % 2 ? -180 : 180) * DEG;
        tr.position.alt_m = extremes[k];
        for (int i = 0; i < 6; i++)
            tr.x[i] = extremes[(k + (size_t)i) % NX];
        for (int i = 0; i < 3; i++)
            tr.p[i][i] = fabs(extremes[(k + 3) % NX]);
        tr.model = (triad_motion)(k % 3);
        tr.ballistic = k % 2;
        tr.hits = UINT32_MAX;
        tr.num_sites = k % 9;
        for (size_t i = 0; i < tr.num_sites && i < 8; i++)
            snprintf(tr.sites[i], sizeof tr.sites[i], "%s", site_ids[i % NS]);
        if (triad__fjsonl_write_track(f, &tr))
            die("track line");
        triad_warning w;
        memset(&w, 0, sizeof w);
        w.event_id = UINT64_MAX;
        w.version = UINT32_MAX;
        w.kind = (triad_warning_kind)(k % 3);
        w.track_id = UINT32_MAX;
        w.issued_s = tr.time_s;
        w.launch = tr.position;
        w.impact = tr.position;
        w.launch_time_s = -tr.time_s;
        w.impact_time_s = tr.time_s;
        w.launch_time_sigma_s = fabs(extremes[k]);
        w.impact_time_sigma_s = fabs(extremes[k]);
        w.launch_ellipse.semi_major_m = fabs(extremes[k]);
        w.impact_ellipse.semi_minor_m = fabs(extremes[k]);
        w.impact_ellipse.orientation_deg = extremes[k] > 0 ? 360 : -360;
        if (triad__fjsonl_write_warning(f, &w))
            die("warning line");
    }
    fclose(f);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: json_writers OUT_DIR\n");
        return 2;
    }
    detections(argv[1]);
    sink(argv[1]);
    tracks(argv[1]);
    return 0;
}
