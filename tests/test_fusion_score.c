/* Scoring against truth (host/fusion/score.c) on a hand-made run whose answers are known from
 * the geometry: a warning 3 km east of the impact with a 1.5 km circular ellipse is 3 km and
 * 2 sigma off; a launch time 4 s late with a 2 s sigma is 2 sigma; a CANCEL before impact is
 * wrong and the gap until the next NEW is time without a warning; two track numbers on the
 * missile; a track far from everything is false; a target no track came near is named.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fusion/geo.h"
#include "fusion/score.h"

#define DEG (3.14159265358979323846 / 180.0)

/* A point east (m) and north (m) of (lat, lon) on the ground, as geodetic degrees. */
static void offset(double lat, double lon, double east_m, double north_m, triad_geodetic *g)
{
    const triad_geodetic o = {lat * DEG, lon * DEG, 0.0};
    const double enu[3] = {east_m, north_m, 0.0};
    double p[3];
    triad_enu_to_ecef(&o, enu, p);
    triad_ecef_to_geo(p, g);
    g->alt_m = 0.0;
}

static triad_warning warning(uint64_t ev, uint32_t ver, triad_warning_kind kind, double t)
{
    triad_warning w;
    memset(&w, 0, sizeof w);
    w.event_id = ev;
    w.version = ver;
    w.kind = kind;
    w.issued_s = t;
    w.launch_time_s = 1000.0 + 4.0; /* 4 s late */
    w.launch_time_sigma_s = 2.0;
    offset(39.0, 125.0, 0.0, 0.0, &w.launch);
    w.launch_ellipse = (triad_ellipse){1000.0, 1000.0, 0.0};
    offset(39.0, 130.0, 3000.0, 0.0, &w.impact); /* 3 km east of the truth impact */
    w.impact_ellipse = (triad_ellipse){1500.0, 1500.0, 0.0};
    w.impact_time_s = 1400.0;
    w.impact_time_sigma_s = 1.0;
    return w;
}

static void test_score_known_answers(void **state)
{
    (void)state;
    triad__truth tr;
    memset(&tr, 0, sizeof tr);
    tr.start_t = 1000.0;
    tr.num_pts = 2 * 401;
    tr.pts = calloc(tr.num_pts, sizeof *tr.pts);
    assert_non_null(tr.pts);
    /* M: straight from (39, 125) east at 1 km height per ... (the path only needs to be known) */
    for (int k = 0; k <= 400; k++) {
        triad__truth_point *p = &tr.pts[k];
        snprintf(p->target, sizeof p->target, "M");
        p->ballistic = 1;
        p->t = 1000.0 + k;
        const triad_geodetic g = {39.0 * DEG, (125.0 + 5.0 * k / 400.0) * DEG, 50e3};
        triad_geo_to_ecef(&g, p->ecef);
        p->seen_by = 1;
        triad__truth_point *a = &tr.pts[401 + k];
        snprintf(a->target, sizeof a->target, "A");
        a->t = 1000.0 + k;
        const triad_geodetic ga = {30.0 * DEG, 120.0 * DEG, 10e3};
        triad_geo_to_ecef(&ga, a->ecef);
    }
    tr.num_launches = 1;
    triad__truth_launch *l = &tr.launches[0];
    snprintf(l->target, sizeof l->target, "M");
    l->launch_t = 1000.0;
    l->launch_lat_deg = 39.0;
    l->launch_lon_deg = 125.0;
    l->burnout_t = 1120.0;
    l->impact_t = 1400.0;
    l->impact_lat_deg = 39.0;
    l->impact_lon_deg = 130.0;

    triad_warning w[5] = {
        warning(1, 1, TRIAD_WARNING_NEW, 1100.0), /* during boost */
        warning(1, 2, TRIAD_WARNING_UPDATE, 1140.0),
        warning(1, 3, TRIAD_WARNING_CANCEL, 1150.0), /* wrong: before impact */
        warning(2, 1, TRIAD_WARNING_NEW, 1170.0),   /* 20 s without a warning */
        warning(2, 2, TRIAD_WARNING_UPDATE, 1300.0),
    };
    /* tracks: 1 and 2 on M, 3 far from everything */
    triad_score_track_pt pts[60];
    size_t n = 0;
    for (int k = 0; k < 20; k++) {
        const int id = k < 10 ? 1 : 2;
        const int tt = 100 + 10 * k;
        pts[n++] = (triad_score_track_pt){(uint32_t)id, 1000.0 + tt,
                                         {tr.pts[tt].ecef[0] + 100.0, tr.pts[tt].ecef[1],
                                          tr.pts[tt].ecef[2]}};
        pts[n++] = (triad_score_track_pt){3, 1000.0 + tt, {0.0, 0.0, 6.4e6}};
    }
    /* a detection report at 1090 s right on M: the first detection */
    triad__fjsonl_reports in;
    memset(&in, 0, sizeof in);
    triad__fjsonl_report rep;
    memset(&rep, 0, sizeof rep);
    rep.r.site = (triad_geodetic){38.0 * DEG, 125.0 * DEG, 0.0};
    rep.r.time_s = 1090.0;
    double z[4], h[4][6], x[6] = {tr.pts[90].ecef[0], tr.pts[90].ecef[1], tr.pts[90].ecef[2], 0, 0, 0};
    triad_meas_predict(&rep.r.site, x, z, h);
    triad_fusion_det d = {.range_m = z[0], .azimuth_deg = z[1] / DEG, .elevation_deg = z[2] / DEG};
    rep.r.dets = &d;
    rep.r.num_dets = 1;
    in.v = &rep;
    in.n = 1;

    static triad_score sc;
    assert_int_equal(triad_score_run(&tr, &in, w, 5, pts, n, &sc), 0);
    assert_int_equal(sc.num_launches, 1);
    const triad_score_launch *s = &sc.launches[0];
    printf("first det %.0f, NEW %.0f (boost %d), events %zu, tracks %zu, wrong CANCELs %zu, "
           "unwarned %.1f s; at burnout+60: impact %.3f km %.3f sigma, launch time %.1f s %.2f "
           "sigma, launch %.3f km; false %zu of %zu, never tracked %zu (%s)\n",
           s->first_det_t, s->first_new_t, s->new_in_boost, s->events, s->track_ids,
           s->wrong_cancels, s->unwarned_s, s->at_b60.impact_err_km, s->at_b60.impact_err_sigma,
           s->at_b60.launch_time_err_s, s->at_b60.launch_time_err_sigma, s->at_b60.launch_err_km,
           sc.false_tracks, sc.confirmed_tracks, sc.num_never_tracked, sc.never_tracked[0]);
    assert_true(s->first_det_t == 1090.0 && s->first_new_t == 1100.0 && s->new_in_boost);
    assert_int_equal(s->events, 2);
    assert_int_equal(s->track_ids, 2);
    assert_int_equal(s->wrong_cancels, 1);
    assert_true(fabs(s->unwarned_s - 20.0) < 1e-9);
    /* burnout + 60 = 1180: event 2's NEW is out */
    assert_int_equal(s->at_b60.version, 1);
    assert_true(fabs(s->at_b60.impact_err_km - 3.0) < 0.02);  /* sphere vs ellipsoid */
    assert_true(fabs(s->at_b60.impact_err_sigma - 2.0) < 0.01);
    assert_true(fabs(s->at_b60.launch_time_err_s - 4.0) < 1e-9);
    assert_true(fabs(s->at_b60.launch_time_err_sigma - 2.0) < 1e-9);
    assert_true(s->at_b60.launch_err_km < 1e-3 && s->at_b60.launch_err_sigma < 1e-3);
    /* burnout + 30 = 1150: just cancelled, nothing out */
    assert_true(isnan(s->at_b30.impact_err_km));
    assert_int_equal(sc.confirmed_tracks, 3);
    assert_int_equal(sc.false_tracks, 1);
    assert_int_equal(sc.num_never_tracked, 1);
    assert_string_equal(sc.never_tracked[0], "A");
    free(tr.pts);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_score_known_answers)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
