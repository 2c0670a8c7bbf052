/* The tracker against simulated truth (fusion/dynamics.h propagates it, fusion/geo.h measures
 * it): filter consistency (NEES over seeded Monte-Carlo runs), track numbers kept through a
 * crossing and a silent site, and a ballistic trajectory seen by two radars (classification,
 * NEW / UPDATE / CANCEL warnings, impact point error against the propagated truth).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "fusion/dynamics.h"
#include "fusion/geo.h"
#include "fusion/tracker.h"
#include "test_util.h"
#include "triad/error.h"

#define PI 3.14159265358979323846
#define D2R (PI / 180.0)
#define R2D (180.0 / PI)

static double gauss(test_rng *r)
{
    return sqrt(-2.0 * log(test_rng_uniform(r))) * cos(2.0 * PI * test_rng_uniform(r));
}

/* Regularised lower incomplete gamma by its series, and the chi-square quantile by bisection:
 * the reference for the NEES interval. */
static double gamma_p(double a, double x)
{
    double term = 1.0 / a, sum = term;
    for (int n = 1; n < 100000 && term > sum * 1e-17; n++) {
        term *= x / (a + n);
        sum += term;
    }
    return sum * exp(-x + a * log(x) - lgamma(a));
}

static double chi2_quantile(double p, int k)
{
    double lo = 0.0, hi = 10.0 * k + 100.0;
    for (int i = 0; i < 200; i++) {
        double mid = 0.5 * (lo + hi);
        if (gamma_p(0.5 * k, 0.5 * mid) < p)
            lo = mid;
        else
            hi = mid;
    }
    return 0.5 * (lo + hi);
}

/* Cholesky of an n x n (row-major) in place into l; returns 0 or -1. */
static int chol(int n, const double *a, double *l)
{
    memset(l, 0, sizeof(double) * (size_t)(n * n));
    for (int j = 0; j < n; j++) {
        double d = a[j * n + j];
        for (int k = 0; k < j; k++)
            d -= l[j * n + k] * l[j * n + k];
        if (!(d > 0.0))
            return -1;
        l[j * n + j] = sqrt(d);
        for (int i = j + 1; i < n; i++) {
            double s = a[i * n + j];
            for (int k = 0; k < j; k++)
                s -= l[i * n + k] * l[j * n + k];
            l[i * n + j] = s / l[j * n + j];
        }
    }
    return 0;
}

/* e' P^-1 e over position and velocity. */
static double nees6(const double xt[TRIAD_STATE_DIM], const triad_track *k)
{
    double a[36], l[36], e[6], y[6];
    for (int i = 0; i < 6; i++) {
        e[i] = xt[i] - k->x[i];
        for (int j = 0; j < 6; j++)
            a[i * 6 + j] = k->p[i][j];
    }
    if (chol(6, a, l) != 0)
        return INFINITY;
    double s = 0.0;
    for (int i = 0; i < 6; i++) {
        double v = e[i];
        for (int m = 0; m < i; m++)
            v -= l[i * 6 + m] * y[m];
        y[i] = v / l[i * 6 + i];
        s += y[i] * y[i];
    }
    return s;
}

/* A state from a local ENU position and velocity at origin. */
static void state_enu(const triad_geodetic *o, const double pe[3], const double ve[3],
                      double x[TRIAD_STATE_DIM])
{
    double r[3][3];
    memset(x, 0, sizeof(double) * TRIAD_STATE_DIM);
    triad_enu_to_ecef(o, pe, x);
    triad_enu_basis(o, r);
    for (int i = 0; i < 3; i++)
        x[3 + i] = r[0][i] * ve[0] + r[1][i] * ve[1] + r[2][i] * ve[2];
}

typedef struct {
    double sr, saz_deg, sel_deg, srr;
} noise;

/* A detection of truth x from site, with noise (rng NULL: exact). Returns 0 when the target is
 * below min_el_deg or under ground. */
static int measure(const triad_geodetic *site, const double x[TRIAD_STATE_DIM], const noise *n,
                   test_rng *rng, double min_el_deg, triad_fusion_det *d)
{
    double z[4], h[4][6];
    triad_geodetic g;
    triad_ecef_to_geo(x, &g);
    triad_meas_predict(site, x, z, h);
    if (g.alt_m < 0.0 || z[2] * R2D < min_el_deg)
        return 0;
    memset(d, 0, sizeof *d);
    double w[4] = {0};
    if (rng)
        for (int i = 0; i < 4; i++)
            w[i] = gauss(rng);
    d->range_m = z[0] + n->sr * w[0];
    d->azimuth_deg = fmod(z[1] * R2D + n->saz_deg * w[1] + 360.0, 360.0);
    d->elevation_deg = z[2] * R2D + n->sel_deg * w[2];
    d->range_rate_mps = z[3] + n->srr * w[3];
    d->snr_db = 20.0;
    d->var_range_m2 = n->sr * n->sr;
    d->var_azimuth_deg2 = n->saz_deg * n->saz_deg;
    d->var_elevation_deg2 = n->sel_deg * n->sel_deg;
    d->var_range_rate_m2s2 = n->srr * n->srr;
    return 1;
}

static triad_fusion_report report(const char *id, const triad_geodetic *site, double t,
                                  const triad_fusion_det *d, size_t n)
{
    triad_fusion_report r;
    memset(&r, 0, sizeof r);
    snprintf(r.site_id, sizeof r.site_id, "%s", id);
    r.site = *site;
    r.time_s = t;
    r.dets = d;
    r.num_dets = n;
    return r;
}

static double dist3(const double *a, const double *b)
{
    return sqrt((a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]) +
                (a[2] - b[2]) * (a[2] - b[2]));
}

/* The track nearest to a truth position (NULL if none). */
static const triad_track *nearest(const triad_track *tr, size_t n, const double x[3], double *d)
{
    const triad_track *best = NULL;
    double bd = INFINITY;
    for (size_t i = 0; i < n; i++) {
        if (tr[i].status == TRIAD_TRACK_DELETED)
            continue;
        double di = dist3(tr[i].x, x);
        if (di < bd) {
            bd = di;
            best = &tr[i];
        }
    }
    if (d)
        *d = bd;
    return best;
}

static const triad_geodetic site_a = {.lat_rad = 0.70, .lon_rad = 0.20, .alt_m = 100.0};

/* (a) One CV aircraft, one radar, process noise in the truth equal to the filter's: NEES of
 * (position, velocity) averaged over 20 seeded runs lies in the 95% chi-square interval. */
static void test_cv_nees(void **state)
{
    (void)state;
    enum { RUNS = 20, STEPS = 150, BURN = 30 };
    const double q = 1.0, dt = 1.0;
    const noise nz = {.sr = 20.0, .saz_deg = 0.3, .sel_deg = 0.3, .srr = 1.0};
    triad_tracker_cfg cfg = triad_tracker_cfg_default();
    cfg.q_air = q;
    double qm[TRIAD_STATE_DIM][TRIAD_STATE_DIM], qa[36], ql[36];
    triad_process_noise(TRIAD_MOTION_CV, dt, q, 0.0, qm);
    for (int i = 0; i < 6; i++)
        for (int j = 0; j < 6; j++)
            qa[i * 6 + j] = qm[i][j];
    assert_int_equal(chol(6, qa, ql), 0);
    static double step_sum[STEPS];
    memset(step_sum, 0, sizeof step_sum);
    double total = 0.0;
    int total_n = 0, extra_tracks = 0;
    for (int run = 0; run < RUNS; run++) {
        test_rng rng = {.s = 1000u + (uint64_t)run};
        triad_tracker *t = NULL;
        assert_int_equal(triad_tracker_create(&t, &cfg, NULL, NULL), 0);
        double x[TRIAD_STATE_DIM];
        const double pe[3] = {30e3, 40e3, 8e3}, ve[3] = {-200.0, 60.0, 0.0};
        state_enu(&site_a, pe, ve, x);
        uint32_t id = 0, max_id = 0;
        for (int k = 0; k < STEPS; k++) {
            if (k > 0) {
                triad_propagate(TRIAD_MOTION_CV, x, dt, NULL);
                double w[6];
                for (int i = 0; i < 6; i++)
                    w[i] = gauss(&rng);
                for (int i = 0; i < 6; i++)
                    for (int j = 0; j <= i; j++)
                        x[i] += ql[i * 6 + j] * w[j];
            }
            triad_fusion_det d;
            assert_true(measure(&site_a, x, &nz, &rng, 0.0, &d));
            triad_fusion_report r = report("alpha", &site_a, k * dt, &d, 1);
            assert_int_equal(triad_tracker_update(t, &r), 0);
            size_t n = 0;
            const triad_track *tr = triad_tracker_tracks(t, &n);
            /* A consistent filter misses its 0.999 gate once in ~1000 looks: that detection
             * may seed a short-lived tentative track, never a second confirmed one. */
            const triad_track *main_trk = NULL;
            int confirmed = 0;
            for (size_t i = 0; i < n; i++)
                if (tr[i].status == TRIAD_TRACK_CONFIRMED) {
                    confirmed++;
                    main_trk = &tr[i];
                }
            for (size_t i = 0; i < n; i++)
                if (tr[i].id > max_id) {
                    extra_tracks += k > 0;
                    max_id = tr[i].id;
                }
            if (k == 0)
                id = tr[0].id;
            if (k >= 4) {
                assert_int_equal(confirmed, 1);
                assert_int_equal(main_trk->id, id);
                assert_int_equal(main_trk->model, TRIAD_MOTION_CV);
                assert_false(main_trk->ballistic);
            }
            if (k >= BURN) {
                double e = nees6(x, main_trk);
                step_sum[k] += e;
                total += e;
                total_n++;
            }
        }
        triad_tracker_destroy(t);
    }
    const double lo = chi2_quantile(0.025, 6 * RUNS) / RUNS;
    const double hi = chi2_quantile(0.975, 6 * RUNS) / RUNS;
    int inside = 0;
    for (int k = BURN; k < STEPS; k++) {
        double m = step_sum[k] / RUNS;
        inside += m >= lo && m <= hi;
    }
    const double avg = total / total_n;
    const double frac = (double)inside / (STEPS - BURN);
    printf("# NEES (6 dof, %d runs): mean %.3f, interval [%.3f, %.3f], %.0f%% of steps inside; "
           "%d gate misses seeded tentative tracks\n",
           RUNS, avg, lo, hi, 100.0 * frac, extra_tracks);
    assert_true(avg >= lo && avg <= hi);
    assert_true(frac >= 0.85);
}

/* (b) Two aircraft crossing at the same point and time keep their track numbers. */
static void test_crossing(void **state)
{
    (void)state;
    const noise nz = {.sr = 20.0, .saz_deg = 0.3, .sel_deg = 0.3, .srr = 1.0};
    triad_tracker *t = NULL;
    triad_tracker_cfg cfg = triad_tracker_cfg_default();
    assert_int_equal(triad_tracker_create(&t, &cfg, NULL, NULL), 0);
    test_rng rng = {.s = 77};
    double xa[TRIAD_STATE_DIM], xb[TRIAD_STATE_DIM];
    /* Both at (10 km E, 40 km N, 6 km U) at t = 60 s: A northbound, B eastbound. */
    const double pa[3] = {10e3, 40e3 - 200.0 * 60, 6e3}, va[3] = {0.0, 200.0, 0.0};
    const double pb[3] = {10e3 - 200.0 * 60, 40e3, 6e3}, vb[3] = {200.0, 0.0, 0.0};
    state_enu(&site_a, pa, va, xa);
    state_enu(&site_a, pb, vb, xb);
    uint32_t id_a = 0, id_b = 0;
    for (int k = 0; k <= 120; k++) {
        if (k > 0) {
            triad_propagate(TRIAD_MOTION_CV, xa, 1.0, NULL);
            triad_propagate(TRIAD_MOTION_CV, xb, 1.0, NULL);
        }
        triad_fusion_det d[2];
        assert_true(measure(&site_a, xa, &nz, &rng, 0.0, &d[k & 1]));
        assert_true(measure(&site_a, xb, &nz, &rng, 0.0, &d[!(k & 1)]));
        triad_fusion_report r = report("alpha", &site_a, k, d, 2);
        assert_int_equal(triad_tracker_update(t, &r), 0);
        size_t n = 0;
        const triad_track *tr = triad_tracker_tracks(t, &n);
        assert_int_equal(n, 2);
        if (k == 40 || k == 120) {
            double da, db;
            const triad_track *ta = nearest(tr, n, xa, &da), *tb = nearest(tr, n, xb, &db);
            assert_non_null(ta);
            assert_non_null(tb);
            assert_true(da < 1000.0 && db < 1000.0);
            assert_int_equal(ta->status, TRIAD_TRACK_CONFIRMED);
            assert_int_equal(tb->status, TRIAD_TRACK_CONFIRMED);
            if (k == 40) {
                id_a = ta->id;
                id_b = tb->id;
                assert_int_not_equal(id_a, id_b);
            } else {
                assert_int_equal(ta->id, id_a);
                assert_int_equal(tb->id, id_b);
            }
        }
    }
    triad_tracker_destroy(t);
}

/* (c) Two sites; beta goes silent for 20 s and alpha for 20 s later (no reports at all from
 * either in turn, then nothing from both for 15 s): one track, one number, both sites listed. */
static void test_silent_site(void **state)
{
    (void)state;
    const noise nz = {.sr = 20.0, .saz_deg = 0.3, .sel_deg = 0.3, .srr = 1.0};
    const triad_geodetic site_b = {.lat_rad = 0.705, .lon_rad = 0.21, .alt_m = 50.0};
    triad_tracker *t = NULL;
    triad_tracker_cfg cfg = triad_tracker_cfg_default();
    assert_int_equal(triad_tracker_create(&t, &cfg, NULL, NULL), 0);
    test_rng rng = {.s = 5};
    double x[TRIAD_STATE_DIM];
    const double pe[3] = {-20e3, 30e3, 7e3}, ve[3] = {180.0, -40.0, 0.0};
    state_enu(&site_a, pe, ve, x);
    uint32_t id = 0;
    for (int k = 0; k < 240; k++) {
        double ts = 0.5 * k;
        if (k > 0)
            triad_propagate(TRIAD_MOTION_CV, x, 0.5, NULL);
        int is_b = k & 1;
        int silent = (is_b && ts >= 30 && ts < 50) || (!is_b && ts >= 60 && ts < 80) ||
                     (ts >= 90 && ts < 105);
        if (silent)
            continue;
        const triad_geodetic *s = is_b ? &site_b : &site_a;
        triad_fusion_det d;
        assert_true(measure(s, x, &nz, &rng, 0.0, &d));
        triad_fusion_report r = report(is_b ? "beta" : "alpha", s, ts, &d, 1);
        assert_int_equal(triad_tracker_update(t, &r), 0);
        size_t n = 0;
        const triad_track *tr = triad_tracker_tracks(t, &n);
        assert_int_equal(n, 1);
        if (k == 0)
            id = tr[0].id;
        assert_int_equal(tr[0].id, id);
        assert_true(dist3(tr[0].x, x) < 1500.0);
        if (ts > 110.0) {
            assert_int_equal(tr[0].status, TRIAD_TRACK_CONFIRMED);
            assert_int_equal(tr[0].num_sites, 2);
        }
    }
    triad_tracker_destroy(t);
}

typedef struct {
    int n_new, n_update, n_cancel;
    uint64_t event_id;
    uint32_t last_version, track_id;
    triad_warning last; /* the last NEW or UPDATE */
    double truth_impact[3], truth_impact_t, truth_launch[3], launch_err_last;
    double err_60, err_last; /* impact error of the first warning 60 s into the track; last */
    double t_err_last;
    double first_s, err_new;
    double m2_sum; /* impact error squared in the warned 1-sigma ellipse's metric, summed */
    int m2_n;
    triad_warning_phase first_phase;
} warn_log;

static void on_warning(void *user, const triad_warning *w)
{
    warn_log *L = user;
    if (w->kind == TRIAD_WARNING_NEW) {
        assert_int_equal(L->n_new, 0);
        assert_int_equal(w->version, 1);
        L->event_id = w->event_id;
        L->track_id = w->track_id;
        L->first_s = w->issued_s;
        L->first_phase = w->phase;
        L->n_new++;
    } else {
        assert_int_equal(w->event_id, L->event_id);
        assert_int_equal(w->track_id, L->track_id);
        assert_int_equal(w->version, L->last_version + 1);
        if (w->kind == TRIAD_WARNING_UPDATE)
            L->n_update++;
        else
            L->n_cancel++;
    }
    L->last_version = w->version;
    if (w->kind != TRIAD_WARNING_CANCEL) {
        double e[3];
        triad_geo_to_ecef(&w->impact, e);
        double err = dist3(e, L->truth_impact);
        if (w->kind == TRIAD_WARNING_NEW)
            L->err_new = err;
        {
            double d[3], th = w->impact_ellipse.orientation_deg * D2R;
            triad_ecef_to_enu(&w->impact, L->truth_impact, d);
            double along = d[0] * sin(th) + d[1] * cos(th),
                   across = d[0] * cos(th) - d[1] * sin(th);
            double a = fmax(w->impact_ellipse.semi_major_m, 1.0);
            double b = fmax(w->impact_ellipse.semi_minor_m, 1.0);
            L->m2_sum += along * along / (a * a) + across * across / (b * b);
            L->m2_n++;
        }
        if (isnan(L->err_60) && w->issued_s - L->first_s >= 60.0)
            L->err_60 = err;
        L->err_last = err;
        L->t_err_last = fabs(w->impact_time_s - L->truth_impact_t);
        triad_geo_to_ecef(&w->launch, e);
        L->launch_err_last = dist3(e, L->truth_launch);
        L->last = *w;
        assert_true(w->impact_ellipse.semi_major_m >= w->impact_ellipse.semi_minor_m);
        assert_true(w->impact_ellipse.orientation_deg >= 0.0 &&
                    w->impact_ellipse.orientation_deg < 180.0);
        assert_true(w->impact_time_s > w->launch_time_s);
    }
}

/* A missile seen by two radars (r1 60 km south of the launch point, r2 60 km south of a point
 * 560 km east), 2 reports a second. Launch at speed sp_mps, elevation el_deg, heading east;
 * thrust (BOOST, along velocity) for burn_s, then BALLISTIC. Truth impact: the burnout state
 * propagated to 0 m. Returns when the target has been gone 40 s. */
static void run_missile(double sp_mps, double el_deg, double thrust_mps2, double burn_s,
                        warn_log *L, double *classified_s, uint64_t seed)
{
    const noise nz = {.sr = 30.0, .saz_deg = 0.1, .sel_deg = 0.1, .srr = 1.0};
    const triad_geodetic launch = {.lat_rad = 0.60, .lon_rad = 0.40, .alt_m = 0.0};
    const triad_geodetic r1 = {.lat_rad = 0.60 - 60e3 / 6.37e6, .lon_rad = 0.40, .alt_m = 20.0};
    const triad_geodetic r2 = {.lat_rad = 0.60 - 60e3 / 6.37e6,
                               .lon_rad = 0.40 + 560e3 / (6.37e6 * cos(0.6)),
                               .alt_m = 20.0};
    double x0[TRIAD_STATE_DIM];
    const double p0[3] = {0.0, 0.0, 1.0};
    const double v0[3] = {sp_mps * cos(el_deg * D2R), 0.0, sp_mps * sin(el_deg * D2R)};
    state_enu(&launch, p0, v0, x0);

    memset(L, 0, sizeof *L);
    L->err_60 = NAN;
    triad_geo_to_ecef(&launch, L->truth_launch);
    {
        double xi[TRIAD_STATE_DIM];
        memcpy(xi, x0, sizeof xi);
        xi[6] = thrust_mps2;
        if (burn_s > 0.0)
            triad_propagate(TRIAD_MOTION_BOOST, xi, burn_s, NULL);
        xi[6] = 0.0;
        triad_propagate(TRIAD_MOTION_BALLISTIC, xi, 20.0, NULL);
        double tf = triad_propagate_to_altitude(xi, 0.0, 0, 3000.0);
        assert_true(isfinite(tf) && tf > 100.0);
        memcpy(L->truth_impact, xi, sizeof L->truth_impact);
        L->truth_impact_t = burn_s + 20.0 + tf;
    }
    triad_tracker *t = NULL;
    triad_tracker_cfg cfg = triad_tracker_cfg_default();
    assert_int_equal(triad_tracker_create(&t, &cfg, on_warning, L), 0);
    test_rng rng = {.s = seed};
    double x[TRIAD_STATE_DIM];
    memcpy(x, x0, sizeof x);
    int ballistic_seen = 0, deleted_seen = 0;
    uint32_t id = 0, first_confirmed = 0;
    *classified_s = NAN;
    const int steps = (int)((L->truth_impact_t + 40.0) / 0.5);
    for (int k = 0; k < steps; k++) {
        double ts = 0.5 * k;
        if (k > 0) {
            int boosting = ts <= burn_s;
            x[6] = boosting ? thrust_mps2 : 0.0;
            triad_propagate(boosting ? TRIAD_MOTION_BOOST : TRIAD_MOTION_BALLISTIC, x, 0.5, NULL);
        }
        int is2 = k & 1;
        const triad_geodetic *s = is2 ? &r2 : &r1;
        triad_fusion_det d;
        size_t nd = (size_t)measure(s, x, &nz, &rng, 0.5, &d);
        triad_fusion_report r = report(is2 ? "r2" : "r1", s, ts, &d, nd);
        assert_int_equal(triad_tracker_update(t, &r), 0);
        size_t n = 0;
        const triad_track *tr = triad_tracker_tracks(t, &n);
        for (size_t i = 0; i < n; i++) {
            if (tr[i].status == TRIAD_TRACK_CONFIRMED && !first_confirmed)
                first_confirmed = tr[i].id;
            if (tr[i].status == TRIAD_TRACK_CONFIRMED && tr[i].ballistic) {
                if (!ballistic_seen) {
                    id = tr[i].id;
                    *classified_s = ts;
                }
                ballistic_seen = 1;
                assert_int_equal(tr[i].id, id);
                assert_int_equal(tr[i].model, TRIAD_MOTION_BALLISTIC);
                assert_true(tr[i].num_sites == 2 || ts < 30.0);
            }
            if (tr[i].status == TRIAD_TRACK_DELETED && tr[i].id == id && ballistic_seen)
                deleted_seen = 1;
        }
    }
    printf("# missile (thrust %.0f m/s^2 for %.0f s): ballistic at %.1f s, impact at %.1f s; "
           "warnings NEW %d UPDATE %d CANCEL %d; impact error %.0f m after 60 s of warnings, "
           "%.0f m last (time error %.2f s, 1-sigma ellipse %.0f x %.0f m at %.0f deg, time "
           "sigma %.2f s); launch point error %.0f m; at NEW %.0f m; mean squared impact error in "
           "the 1-sigma ellipse metric %.2f (2 if consistent)\n",
           thrust_mps2, burn_s, *classified_s, L->truth_impact_t, L->n_new, L->n_update,
           L->n_cancel, L->err_60, L->err_last, L->t_err_last, L->last.impact_ellipse.semi_major_m,
           L->last.impact_ellipse.semi_minor_m, L->last.impact_ellipse.orientation_deg,
           L->last.impact_time_sigma_s, L->launch_err_last, L->err_new, L->m2_sum / L->m2_n);
    assert_true(ballistic_seen);
    assert_int_equal(id, first_confirmed); /* one track number from launch (or boost) on */
    assert_true(deleted_seen);
    assert_int_equal(L->n_new, 1);
    assert_true(L->n_update >= 1);
    assert_int_equal(L->n_cancel, 1);
    assert_int_equal(L->track_id, id);
    assert_true(L->err_60 < 2000.0);
    assert_true(L->err_last < 2000.0);
    /* the propagation cost bound of one update (tracker.h), here with real steps */
    triad_tracker_stats st;
    triad_tracker_get_stats(t, &st);
    const triad_tracker_cfg c0 = triad_tracker_cfg_default();
    printf("# most RK4 steps in one update %ld (%llu in all)\n", st.max_steps_one_update,
           (unsigned long long)st.propagation_steps);
    assert_true(st.propagation_steps > 0);
    assert_true(st.max_steps_one_update <=
                8 * (long)ceil((c0.max_ahead_s + c0.max_behind_s) / TRIAD_PROPAGATE_MIN_STEP_S));
    triad_tracker_destroy(t);
}

/* (d) A ballistic trajectory (no thrust) seen by two radars: classified, one NEW, UPDATEs,
 * impact within 2 km of the truth, launch point within 2 km, CANCEL on deletion. */
static void test_ballistic(void **state)
{
    (void)state;
    warn_log L;
    double classified_s;
    for (uint64_t seed = 2024; seed < 2029; seed++) {
        run_missile(2400.0, 45.0, 0.0, 0.0, &L, &classified_s, seed);
        assert_true(classified_s < 30.0);
        assert_true(L.launch_err_last < 2000.0);
    }
}

/* (e) A boost phase (30 m/s^2 for 50 s) before the ballistic arc: BOOST while thrusting, a
 * "launch detected" NEW (phase boost) during the burn, ballistic only after burnout, one event
 * throughout; the impact prediction as in (d). */
static void test_boost_burnout(void **state)
{
    (void)state;
    warn_log L;
    double classified_s;
    run_missile(300.0, 55.0, 30.0, 50.0, &L, &classified_s, 7);
    assert_true(classified_s > 50.0);
    printf("# boost: NEW at %.1f s (burnout at 50 s), phase %s\n", L.first_s,
           L.first_phase == TRIAD_PHASE_BOOST ? "boost" : "ballistic");
    assert_true(L.first_s < 50.0);
    assert_int_equal(L.first_phase, TRIAD_PHASE_BOOST);
    assert_int_equal(L.last.phase, TRIAD_PHASE_BALLISTIC);
}

/* (g) One aircraft in clutter: 20 false alarms per look, uniform over 2-80 km, all azimuths,
 * 0-10 deg elevation, +-300 m/s. The aircraft keeps one track number; false tracks stay rare. */
static void test_clutter(void **state)
{
    (void)state;
    const noise nz = {.sr = 20.0, .saz_deg = 0.3, .sel_deg = 0.3, .srr = 1.0};
    triad_tracker *t = NULL;
    triad_tracker_cfg cfg = triad_tracker_cfg_default();
    assert_int_equal(triad_tracker_create(&t, &cfg, NULL, NULL), 0);
    test_rng rng = {.s = 4242};
    double x[TRIAD_STATE_DIM];
    const double pe[3] = {25e3, -35e3, 6e3}, ve[3] = {-150.0, 120.0, 0.0};
    state_enu(&site_a, pe, ve, x);
    uint32_t id = 0;
    int max_false_confirmed = 0;
    for (int k = 0; k < 150; k++) {
        if (k > 0)
            triad_propagate(TRIAD_MOTION_CV, x, 1.0, NULL);
        triad_fusion_det d[21];
        assert_true(measure(&site_a, x, &nz, &rng, 0.0, &d[0]));
        for (int j = 1; j < 21; j++) {
            d[j] = d[0];
            d[j].range_m = 2e3 + 78e3 * test_rng_uniform(&rng);
            d[j].azimuth_deg = 360.0 * test_rng_uniform(&rng);
            d[j].elevation_deg = 10.0 * test_rng_uniform(&rng);
            d[j].range_rate_mps = 600.0 * test_rng_uniform(&rng) - 300.0;
        }
        triad_fusion_report r = report("alpha", &site_a, k, d, 21);
        assert_int_equal(triad_tracker_update(t, &r), 0);
        size_t n = 0;
        const triad_track *tr = triad_tracker_tracks(t, &n);
        double dist;
        const triad_track *m = nearest(tr, n, x, &dist);
        assert_non_null(m);
        if (k == 10)
            id = m->id;
        if (k >= 10) {
            assert_int_equal(m->id, id);
            assert_int_equal(m->status, TRIAD_TRACK_CONFIRMED);
            assert_true(dist < 1000.0);
        }
        int false_confirmed = 0;
        for (size_t i = 0; i < n; i++)
            false_confirmed += tr[i].status == TRIAD_TRACK_CONFIRMED && tr[i].id != m->id;
        if (false_confirmed > max_false_confirmed)
            max_false_confirmed = false_confirmed;
    }
    printf("# clutter: at most %d false confirmed tracks at once (20 false alarms per look)\n",
           max_false_confirmed);
    assert_true(max_false_confirmed <= 2);
    triad_tracker_destroy(t);
}

/* (h) Two sites whose reports arrive slightly out of order (beta's stamped 0.3 s before
 * alpha's preceding one): one track, one number, still on the target. */
static void test_out_of_order(void **state)
{
    (void)state;
    const noise nz = {.sr = 20.0, .saz_deg = 0.3, .sel_deg = 0.3, .srr = 1.0};
    const triad_geodetic site_b = {.lat_rad = 0.705, .lon_rad = 0.21, .alt_m = 50.0};
    triad_tracker *t = NULL;
    triad_tracker_cfg cfg = triad_tracker_cfg_default();
    assert_int_equal(triad_tracker_create(&t, &cfg, NULL, NULL), 0);
    test_rng rng = {.s = 31};
    double x0[TRIAD_STATE_DIM];
    const double pe[3] = {-20e3, 30e3, 7e3}, ve[3] = {180.0, -40.0, 0.0};
    state_enu(&site_a, pe, ve, x0);
    uint32_t id = 0;
    for (int k = 0; k < 120; k++) {
        /* alpha at k, then beta at k - 0.3 */
        for (int b = 0; b < 2; b++) {
            double ts = b ? k - 0.3 : k;
            if (ts < 0.0)
                continue;
            double x[TRIAD_STATE_DIM];
            memcpy(x, x0, sizeof x);
            triad_propagate(TRIAD_MOTION_CV, x, ts, NULL);
            const triad_geodetic *s = b ? &site_b : &site_a;
            triad_fusion_det d;
            assert_true(measure(s, x, &nz, &rng, 0.0, &d));
            triad_fusion_report r = report(b ? "beta" : "alpha", s, ts, &d, 1);
            assert_int_equal(triad_tracker_update(t, &r), 0);
            size_t n = 0;
            const triad_track *tr = triad_tracker_tracks(t, &n);
            double dist;
            const triad_track *m = nearest(tr, n, x, &dist);
            assert_non_null(m);
            if (k == 0)
                id = m->id;
            assert_int_equal(m->id, id);
            if (k > 10)
                assert_true(dist < 500.0);
        }
    }
    triad_tracker_destroy(t);
}

typedef struct {
    int n_new, n_cancel;
    double cancel_s;
} kind_log;

static void count_kinds(void *user, const triad_warning *w)
{
    kind_log *K = user;
    if (w->kind == TRIAD_WARNING_NEW)
        K->n_new++;
    if (w->kind == TRIAD_WARNING_CANCEL && K->n_cancel++ == 0)
        K->cancel_s = w->issued_s;
}

/* (f) A ballistic track that starts thrusting again (15 m/s^2 from 120 s) stops being
 * ballistic: its warning is cancelled while the track lives on under the same number. */
static void test_thrust_again(void **state)
{
    (void)state;
    const noise nz = {.sr = 30.0, .saz_deg = 0.1, .sel_deg = 0.1, .srr = 1.0};
    const triad_geodetic launch = {.lat_rad = 0.60, .lon_rad = 0.40, .alt_m = 0.0};
    const triad_geodetic r1 = {.lat_rad = 0.60 - 60e3 / 6.37e6, .lon_rad = 0.40, .alt_m = 20.0};
    double x[TRIAD_STATE_DIM];
    const double p0[3] = {0.0, 0.0, 1.0}, v0[3] = {1697.0, 0.0, 1697.0};
    state_enu(&launch, p0, v0, x);
    kind_log K = {0};
    triad_tracker *t = NULL;
    triad_tracker_cfg cfg = triad_tracker_cfg_default();
    assert_int_equal(triad_tracker_create(&t, &cfg, count_kinds, &K), 0);
    test_rng rng = {.s = 99};
    uint32_t id = 0;
    for (int k = 0; k <= 200; k++) {
        if (k > 0) {
            x[6] = k > 120 ? 15.0 : 0.0;
            triad_propagate(k > 120 ? TRIAD_MOTION_BOOST : TRIAD_MOTION_BALLISTIC, x, 1.0, NULL);
        }
        triad_fusion_det d;
        size_t nd = (size_t)measure(&r1, x, &nz, &rng, 0.5, &d);
        triad_fusion_report r = report("r1", &r1, k, &d, nd);
        assert_int_equal(triad_tracker_update(t, &r), 0);
        size_t n = 0;
        const triad_track *tr = triad_tracker_tracks(t, &n);
        double dist;
        const triad_track *m = nearest(tr, n, x, &dist);
        if (k < 20)
            continue;
        assert_non_null(m);
        if (k == 100) {
            assert_true(m->ballistic);
            id = m->id;
        }
        if (k == 200) {
            assert_int_equal(m->id, id);
            assert_false(m->ballistic && m->model == TRIAD_MOTION_BALLISTIC);
        }
    }
    printf("# thrust again at 120 s: NEW %d, CANCEL %d at %.0f s\n", K.n_new, K.n_cancel,
           K.cancel_s);
    assert_true(K.n_new >= 1);
    assert_true(K.n_cancel >= 1);
    assert_true(K.cancel_s > 120.0);
    triad_tracker_destroy(t);
}

typedef struct {
    int n[TRIAD_REFUSED_NUM];
    double last_ref_s;
} refusal_log;

static void log_refusal(void *user, const triad_fusion_report *r, triad_refusal why,
                        double reference_s)
{
    refusal_log *L = user;
    (void)r;
    assert_true(why >= 0 && why < TRIAD_REFUSED_NUM);
    L->n[why]++;
    L->last_ref_s = reference_s;
}

/* (i) Issue 18: a report 1 s, 1 month, 1 year or 30 years off. 1 s is tracked; the others are
 * refused by name and counted, and change nothing (tracks bit-identical, no propagation step);
 * every update's propagation stays under the stated bound; a report inside the window but far
 * ahead deletes stale tracks without predicting them; a bad first report is outvoted by
 * reanchor_reports agreeing ones. Behaviour, not wall time. */
static void test_time_window(void **state)
{
    (void)state;
    const noise nz = {.sr = 20.0, .saz_deg = 0.3, .sel_deg = 0.3, .srr = 1.0};
    const triad_geodetic site_b = {.lat_rad = 0.705, .lon_rad = 0.21, .alt_m = 50.0};
    triad_tracker *t = NULL;
    triad_tracker_cfg cfg = triad_tracker_cfg_default();
    assert_int_equal(triad_tracker_create(&t, &cfg, NULL, NULL), 0);
    refusal_log L = {{0}, 0.0};
    triad_tracker_set_refusal_fn(t, log_refusal, &L);
    test_rng rng = {.s = 41};
    double x0[TRIAD_STATE_DIM];
    const double pe[3] = {-20e3, 30e3, 7e3}, ve[3] = {180.0, -40.0, 0.0};
    state_enu(&site_a, pe, ve, x0);
    const double t0 = 1.7e9; /* a UTC epoch in seconds */
    const long bound_per_track =
        (long)ceil((cfg.max_ahead_s + cfg.max_behind_s) / TRIAD_PROPAGATE_MIN_STEP_S);
    size_t max_tracks = 0;
    for (int k = 0; k <= 30; k++) {
        const double ts = t0 + k;
        double x[TRIAD_STATE_DIM];
        memcpy(x, x0, sizeof x);
        triad_propagate(TRIAD_MOTION_CV, x, k, NULL);
        triad_fusion_det d;
        assert_true(measure(k & 1 ? &site_b : &site_a, x, &nz, &rng, 0.0, &d));
        triad_fusion_report r = report(k & 1 ? "beta" : "alpha", k & 1 ? &site_b : &site_a, ts,
                                       &d, 1);
        assert_int_equal(triad_tracker_update(t, &r), 0);
        size_t n = 0;
        triad_tracker_tracks(t, &n);
        max_tracks = n > max_tracks ? n : max_tracks;
    }
    triad_tracker_stats st;
    triad_tracker_get_stats(t, &st);
    assert_true(st.accepted == 31 && st.clock_s == t0 + 30);
    size_t n0 = 0;
    const triad_track *tr = triad_tracker_tracks(t, &n0);
    assert_true(n0 >= 1);
    triad_track before[16];
    memcpy(before, tr, n0 * sizeof *tr);

    const double month = 30.0 * 86400.0, year = 365.25 * 86400.0;
    const double offs[] = {month, year, 30.0 * year, -month, -year, -30.0 * year};
    const triad_refusal want[] = {TRIAD_REFUSED_AHEAD,  TRIAD_REFUSED_AHEAD,
                                  TRIAD_REFUSED_AHEAD,  TRIAD_REFUSED_BEHIND,
                                  TRIAD_REFUSED_BEHIND, TRIAD_REFUSED_BEHIND};
    for (int i = 0; i < 6; i++) {
        triad_fusion_det d = {.range_m = 50e3, .azimuth_deg = 10.0, .elevation_deg = 5.0};
        triad_fusion_report r = report("beta", &site_b, t0 + 30 + offs[i], &d, 1);
        const uint64_t steps0 = st.propagation_steps;
        int before_n = L.n[want[i]];
        assert_int_equal(triad_tracker_update(t, &r), TRIAD_TRACKER_REFUSED);
        assert_int_equal(L.n[want[i]], before_n + 1);
        assert_true(L.last_ref_s == t0 + 30);
        triad_tracker_get_stats(t, &st);
        assert_true(st.propagation_steps == steps0);
        size_t n = 0;
        tr = triad_tracker_tracks(t, &n);
        assert_int_equal(n, n0);
        assert_memory_equal(tr, before, n * sizeof *tr);
    }
    assert_string_equal(triad_refusal_name(TRIAD_REFUSED_AHEAD), "ahead_of_clock");
    /* behind its own site (alpha's latest is t0 + 30), though inside the clock's window */
    {
        triad_fusion_det d = {.range_m = 50e3, .azimuth_deg = 10.0, .elevation_deg = 5.0};
        triad_fusion_report r = report("alpha", &site_a, t0 + 20, &d, 1);
        assert_int_equal(triad_tracker_update(t, &r), TRIAD_TRACKER_REFUSED);
        assert_int_equal(L.n[TRIAD_REFUSED_SITE_BEHIND], 1);
    }
    /* 1 s late from beta and 1 s ahead from alpha: tracked, same track, bounded steps */
    for (int i = 0; i < 2; i++) {
        const double ts = i ? t0 + 31 : t0 + 29;
        double x[TRIAD_STATE_DIM];
        memcpy(x, x0, sizeof x);
        triad_propagate(TRIAD_MOTION_CV, x, ts - t0, NULL);
        triad_fusion_det d;
        const triad_geodetic *s = i ? &site_a : &site_b;
        assert_true(measure(s, x, &nz, &rng, 0.0, &d));
        triad_fusion_report r = report(i ? "alpha" : "beta", s, ts, &d, 1);
        assert_int_equal(triad_tracker_update(t, &r), 0);
        size_t n = 0;
        tr = triad_tracker_tracks(t, &n);
        double dist;
        assert_non_null(nearest(tr, n, x, &dist));
        assert_true(dist < 1000.0);
    }
    triad_tracker_get_stats(t, &st);
    printf("# time window: refused ahead %llu, behind %llu, behind own site %llu; most RK4 steps "
           "in one update %ld (bound %zu tracks x %ld)\n",
           (unsigned long long)st.refused[0], (unsigned long long)st.refused[1],
           (unsigned long long)st.refused[2], st.max_steps_one_update, max_tracks,
           bound_per_track);
    assert_true(st.max_steps_one_update <= (long)max_tracks * bound_per_track);
    /* inside the window, 500 s ahead: stale tracks are deleted, not predicted */
    {
        triad_fusion_report r = report("alpha", &site_a, t0 + 531, NULL, 0);
        const uint64_t steps0 = st.propagation_steps;
        assert_int_equal(triad_tracker_update(t, &r), 0);
        triad_tracker_get_stats(t, &st);
        assert_true(st.propagation_steps == steps0);
        size_t n = 0;
        tr = triad_tracker_tracks(t, &n);
        for (size_t i = 0; i < n; i++)
            assert_int_equal(tr[i].status, TRIAD_TRACK_DELETED);
    }
    triad_tracker_destroy(t);

    /* A bad first report (a year early) then good ones. From one site: re-anchored after
     * reanchor_reports; from two: as soon as both sites disagree with the clock's one. */
    for (int two = 0; two < 2; two++) {
        assert_int_equal(triad_tracker_create(&t, &cfg, NULL, NULL), 0);
        triad_fusion_det d = {.range_m = 50e3, .azimuth_deg = 10.0, .elevation_deg = 5.0};
        triad_fusion_report r = report("alpha", &site_a, t0 - year, &d, 1);
        assert_int_equal(triad_tracker_update(t, &r), 0);
        const int need = two ? 2 : cfg.reanchor_reports;
        for (int k = 0; k < need; k++) {
            const int b = two && (k & 1);
            r = report(b ? "beta" : "alpha", b ? &site_b : &site_a, t0 + k, &d, 1);
            assert_int_equal(triad_tracker_update(t, &r), k + 1 < need ? TRIAD_TRACKER_REFUSED : 0);
        }
        triad_tracker_get_stats(t, &st);
        assert_true(st.reanchors == 1 && st.clock_s == t0 + need - 1);
        size_t n = 0;
        tr = triad_tracker_tracks(t, &n);
        for (size_t i = 0; i < n; i++) /* the old epoch's track is gone, the new one started */
            assert_true(tr[i].status == TRIAD_TRACK_DELETED || tr[i].time_s == t0 + need - 1);
        if (two)
            break;
        triad_tracker_destroy(t);
    }
    triad_tracker_destroy(t);
}

/* ---- (j) order independence ---- */
typedef struct {
    int n;
    triad_warning w[512];
} warning_list;

static void keep_warning(void *user, const triad_warning *w)
{
    warning_list *l = user;
    if (l->n < 512)
        l->w[l->n++] = *w;
}

typedef struct {
    char site[8];
    const triad_geodetic *geo;
    double t;
    triad_fusion_det d[3];
    size_t nd;
} stored_report;

/* Runs the tracker (reorder buffer 1 s) over the reports in the order given by perm. */
static void run_order(const stored_report *rep, const int *perm, int n, warning_list *out,
                      size_t *tracks_made)
{
    triad_tracker *t = NULL;
    triad_tracker_cfg cfg = triad_tracker_cfg_default();
    cfg.reorder_s = 1.0;
    out->n = 0;
    assert_int_equal(triad_tracker_create(&t, &cfg, keep_warning, out), 0);
    uint32_t max_id = 0;
    for (int i = 0; i < n; i++) {
        const stored_report *s = &rep[perm[i]];
        triad_fusion_report r = report(s->site, s->geo, s->t, s->d, s->nd);
        assert_int_equal(triad_tracker_update(t, &r), 0);
        size_t m = 0;
        const triad_track *tr = triad_tracker_tracks(t, &m);
        for (size_t k = 0; k < m; k++)
            max_id = tr[k].id > max_id ? tr[k].id : max_id;
    }
    assert_int_equal(triad_tracker_flush(t), 0);
    *tracks_made = max_id;
    triad_tracker_destroy(t);
}

/* The same reports (a boosting missile seen by two radars at equal times, with clutter) in
 * three arrival orders: site A first at every time, site B first, and shuffled within 0.8 s.
 * The warnings are identical, bit for bit. */
static void test_order_independent(void **state)
{
    (void)state;
    const noise nz = {.sr = 30.0, .saz_deg = 0.1, .sel_deg = 0.1, .srr = 1.0};
    const triad_geodetic launch = {.lat_rad = 0.60, .lon_rad = 0.40, .alt_m = 0.0};
    static const triad_geodetic r1 = {.lat_rad = 0.60 - 60e3 / 6.37e6, .lon_rad = 0.40, .alt_m = 20.0};
    static const triad_geodetic r2 = {.lat_rad = 0.60 - 80e3 / 6.37e6, .lon_rad = 0.43, .alt_m = 20.0};
    double x[TRIAD_STATE_DIM];
    const double p0[3] = {0.0, 0.0, 1.0}, v0[3] = {300.0 * cos(55 * D2R), 0.0, 300.0 * sin(55 * D2R)};
    state_enu(&launch, p0, v0, x);
    enum { NT = 160 };
    static stored_report rep[2 * NT];
    test_rng rng = {.s = 77};
    int n = 0;
    for (int k = 0; k < NT; k++) {
        if (k > 0) {
            x[6] = k <= 50 ? 30.0 : 0.0;
            triad_propagate(k <= 50 ? TRIAD_MOTION_BOOST : TRIAD_MOTION_BALLISTIC, x, 1.0, NULL);
        }
        for (int b = 0; b < 2; b++) {
            stored_report *s = &rep[n++];
            snprintf(s->site, sizeof s->site, "%s", b ? "r2" : "r1");
            s->geo = b ? &r2 : &r1;
            s->t = k; /* equal times at both sites */
            s->nd = (size_t)measure(s->geo, x, &nz, &rng, 0.5, &s->d[0]);
            /* a false alarm near the target now and then */
            if (test_rng_uniform(&rng) < 0.3) {
                s->d[s->nd] = s->d[0];
                s->d[s->nd].range_m = 20e3 + 60e3 * test_rng_uniform(&rng);
                s->d[s->nd].azimuth_deg = 360.0 * test_rng_uniform(&rng);
                s->d[s->nd].elevation_deg = 1.0 + 5.0 * test_rng_uniform(&rng);
                s->nd++;
            }
        }
    }
    static int perm[3][2 * NT];
    for (int i = 0; i < n; i++) {
        perm[0][i] = i;                       /* r1 first */
        perm[1][i] = i ^ 1;                   /* r2 first */
        perm[2][i] = i;
    }
    for (int i = 0; i + 1 < n; i++) /* swaps of neighbours within 0.8 s */
        if (test_rng_uniform(&rng) < 0.5 && rep[perm[2][i + 1]].t - rep[perm[2][i]].t < 0.8) {
            int tmp = perm[2][i];
            perm[2][i] = perm[2][i + 1];
            perm[2][i + 1] = tmp;
        }
    static warning_list out[3];
    size_t made[3];
    for (int o = 0; o < 3; o++)
        run_order(rep, perm[o], n, &out[o], &made[o]);
    printf("# order independence: %d warnings (%d NEW first at %.0f s), %zu track numbers, in "
           "each of 3 orders\n", out[0].n, out[0].n ? out[0].w[0].kind == TRIAD_WARNING_NEW : 0,
           out[0].n ? out[0].w[0].issued_s : NAN, made[0]);
    assert_true(out[0].n >= 2);
    for (int o = 1; o < 3; o++) {
        assert_int_equal(out[o].n, out[0].n);
        assert_int_equal(made[o], made[0]);
        assert_memory_equal(out[o].w, out[0].w, (size_t)out[0].n * sizeof out[0].w[0]);
    }
}

static void test_reject(void **state)
{
    (void)state;
    triad_tracker *t = (triad_tracker *)&t;
    triad_tracker_cfg c = triad_tracker_cfg_default();
    c.gate_probability = 1.0;
    assert_int_equal(triad_tracker_create(&t, &c, NULL, NULL), TRIAD_EINVAL);
    assert_null(t);
    c = triad_tracker_cfg_default();
    c.confirm_m = 4;
    c.confirm_n = 3;
    assert_int_equal(triad_tracker_create(&t, &c, NULL, NULL), TRIAD_EINVAL);
    c = triad_tracker_cfg_default();
    c.delete_misses = 0;
    assert_int_equal(triad_tracker_create(&t, &c, NULL, NULL), TRIAD_EINVAL);
    c = triad_tracker_cfg_default();
    c.delete_age_s = 0.0;
    assert_int_equal(triad_tracker_create(&t, &c, NULL, NULL), TRIAD_EINVAL);
    c = triad_tracker_cfg_default();
    c.q_air = -1.0;
    assert_int_equal(triad_tracker_create(&t, &c, NULL, NULL), TRIAD_EINVAL);
    c = triad_tracker_cfg_default();
    c.warning_min_track_s = NAN;
    assert_int_equal(triad_tracker_create(&t, &c, NULL, NULL), TRIAD_EINVAL);
    c = triad_tracker_cfg_default();
    c.max_ahead_s = 1e9; /* beyond the propagation horizon: the cost bound would not hold */
    assert_int_equal(triad_tracker_create(&t, &c, NULL, NULL), TRIAD_EINVAL);
    c = triad_tracker_cfg_default();
    c.max_site_behind_s = c.max_behind_s + 1.0;
    assert_int_equal(triad_tracker_create(&t, &c, NULL, NULL), TRIAD_EINVAL);
    c = triad_tracker_cfg_default();
    c.reanchor_reports = 0;
    assert_int_equal(triad_tracker_create(&t, &c, NULL, NULL), TRIAD_EINVAL);
    assert_int_equal(triad_tracker_create(NULL, &c, NULL, NULL), TRIAD_EINVAL);
    c = triad_tracker_cfg_default();
    assert_int_equal(triad_tracker_create(&t, &c, NULL, NULL), 0);
    triad_fusion_det d = {.range_m = NAN};
    triad_fusion_report r = report("alpha", &site_a, 0.0, &d, 1);
    assert_int_equal(triad_tracker_update(t, &r), TRIAD_EINVAL);
    r.dets = NULL;
    assert_int_equal(triad_tracker_update(t, &r), TRIAD_EINVAL);
    size_t n = 99;
    assert_null(triad_tracker_tracks(t, &n));
    assert_int_equal(n, 0);
    triad_tracker_destroy(t);
    triad_tracker_destroy(NULL);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        cmocka_set_test_filter(argv[1]); /* e.g. test_ballistic */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reject),       cmocka_unit_test(test_cv_nees),
        cmocka_unit_test(test_crossing),     cmocka_unit_test(test_silent_site),
        cmocka_unit_test(test_ballistic),    cmocka_unit_test(test_boost_burnout),
        cmocka_unit_test(test_thrust_again), cmocka_unit_test(test_clutter),
        cmocka_unit_test(test_out_of_order), cmocka_unit_test(test_time_window),
        cmocka_unit_test(test_order_independent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
