/* Motion models: gravity against WGS-84 normal gravity and the gradient of the J2 potential,
 * energy conservation in the inertial frame, a ballistic flight from launch to impact, the
 * state transition matrix, backward propagation and process noise.
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
#include "test_util.h"

#define PI 3.14159265358979323846
#define DEG (PI / 180.0)
#define W TRIAD_WGS84_OMEGA

/* The J2 gravitational potential (attraction only), long double:
 * U = GM/r (1 - J2 (a/r)^2 (3 sin^2 phi - 1) / 2), phi geocentric. */
static long double potential(const long double p[3])
{
    const long double r2 = p[0] * p[0] + p[1] * p[1] + p[2] * p[2], r = sqrtl(r2);
    const long double a = TRIAD_WGS84_A, s = p[2] * p[2] / r2;
    return (long double)TRIAD_WGS84_GM / r *
           (1.0L - (long double)TRIAD_EARTH_J2 * a * a / r2 * (3.0L * s - 1.0L) / 2.0L);
}

static double norm3(const double v[3]) { return sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]); }

/* Somigliana's normal gravity on the ellipsoid (WGS-84 constants). */
static double normal_gravity(double lat)
{
    const double ge = 9.7803253359, k = 0.00193185265241, e2 = 0.00669437999013;
    const double s2 = sin(lat) * sin(lat);
    return ge * (1.0 + k * s2) / sqrt(1.0 - e2 * s2);
}

static void test_gravity(void **state)
{
    (void)state;
    double worst = 0.0, worst_dir = 0.0;
    for (double lat_deg = -90.0; lat_deg <= 90.0; lat_deg += 7.5) {
        const triad_geodetic g = {lat_deg * DEG, 33.0 * DEG, 0.0};
        double p[3], a[3], r[3][3];
        triad_geo_to_ecef(&g, p);
        triad_gravity_ecef(p, a);
        worst = fmax(worst, fabs(norm3(a) - normal_gravity(g.lat_rad)));
        /* gravity plus centrifugal is (nearly) along the ellipsoid's normal, downwards */
        triad_enu_basis(&g, r);
        const double up = (a[0] * r[2][0] + a[1] * r[2][1] + a[2] * r[2][2]) / norm3(a);
        worst_dir = fmax(worst_dir, acos(fmin(1.0, -up)));
    }
    printf("|g| vs normal gravity: worst %.3g m/s^2; deflection from the normal %.3g rad\n",
           worst, worst_dir);
    assert_true(worst < 0.05);
    assert_true(worst_dir < 1e-4);

    /* equator and pole explicitly */
    const double eq[3] = {TRIAD_WGS84_A, 0.0, 0.0};
    const double po[3] = {0.0, 0.0, TRIAD_WGS84_A * (1.0 - TRIAD_WGS84_F)};
    double a[3];
    triad_gravity_ecef(eq, a);
    assert_true(fabs(norm3(a) - 9.7803253359) < 0.05 && fabs(a[1]) < 1e-12 && fabs(a[2]) < 1e-12);
    triad_gravity_ecef(po, a);
    assert_true(fabs(norm3(a) - 9.8321849378) < 0.05 && fabs(a[0]) < 1e-12 && fabs(a[1]) < 1e-12);

    /* attraction = gradient of the J2 potential, centrifugal = w^2 (x, y, 0), at random
     * points from the surface to 3000 km */
    test_rng rng = {31};
    double worst_grad = 0.0;
    for (int k = 0; k < 200; k++) {
        const triad_geodetic g = {asin(2.0 * test_rng_uniform(&rng) - 1.0),
                                  (2.0 * test_rng_uniform(&rng) - 1.0) * PI,
                                  test_rng_uniform(&rng) * 3e6};
        double p[3];
        triad_geo_to_ecef(&g, p);
        triad_gravity_ecef(p, a);
        for (int i = 0; i < 3; i++) {
            long double pp[3] = {p[0], p[1], p[2]}, pm[3] = {p[0], p[1], p[2]};
            pp[i] += 1.0L;
            pm[i] -= 1.0L;
            const double grad = (double)((potential(pp) - potential(pm)) / 2.0L);
            const double cent = i < 2 ? W * W * p[i] : 0.0;
            worst_grad = fmax(worst_grad, fabs(a[i] - (grad + cent)));
        }
    }
    printf("gravity vs gradient of the J2 potential: %.3g m/s^2\n", worst_grad);
    assert_true(worst_grad < 1e-9);
}

/* Energy per unit mass in the inertial frame: v_inertial = v + w x r. */
static double inertial_energy(const double x[7])
{
    const double vi[3] = {x[3] - W * x[1], x[4] + W * x[0], x[5]};
    const long double p[3] = {x[0], x[1], x[2]};
    return 0.5 * (vi[0] * vi[0] + vi[1] * vi[1] + vi[2] * vi[2]) - (double)potential(p);
}

/* A launch state: ground speed v at elevation el toward azimuth az (ENU at the site). */
static void launch_state(double lat_deg, double lon_deg, double v, double el, double az,
                         double x[7])
{
    const triad_geodetic s = {lat_deg * DEG, lon_deg * DEG, 0.0};
    double r[3][3];
    triad_geo_to_ecef(&s, x);
    triad_enu_basis(&s, r);
    const double enu[3] = {v * cos(el) * sin(az), v * cos(el) * cos(az), v * sin(el)};
    for (int i = 0; i < 3; i++)
        x[3 + i] = r[0][i] * enu[0] + r[1][i] * enu[1] + r[2][i] * enu[2];
    x[6] = 0.0;
}

static void test_energy_conserved(void **state)
{
    (void)state;
    double x[7];
    launch_state(39.0, 125.0, 4500.0, 55.0 * DEG, 120.0 * DEG, x);
    const double e0 = inertial_energy(x);
    double worst = 0.0;
    for (int k = 0; k < 60; k++) { /* 600 s in 10 s calls */
        triad_propagate(TRIAD_MOTION_BALLISTIC, x, 10.0, NULL);
        worst = fmax(worst, fabs(inertial_energy(x) - e0) / fabs(e0));
    }
    triad_geodetic g;
    triad_ecef_to_geo(x, &g);
    printf("inertial energy over 600 s ballistic: worst relative change %.3g (alt now %.0f km)\n",
           worst, g.alt_m / 1e3);
    assert_true(g.alt_m > 100e3); /* still in flight: the test covers a real arc */
    assert_true(worst < 1e-6);

    /* CV: straight line, velocity unchanged */
    double y[7] = {6378137.0, 0.0, 0.0, 100.0, -200.0, 50.0, 0.0};
    triad_propagate(TRIAD_MOTION_CV, y, 12.5, NULL);
    assert_true(fabs(y[0] - (6378137.0 + 1250.0)) < 1e-6 && fabs(y[1] + 2500.0) < 1e-9);
    assert_true(fabs(y[2] - 625.0) < 1e-9 && y[3] == 100.0 && y[4] == -200.0 && y[5] == 50.0);
}

/* Great-circle distance on a sphere of the mean radius, enough for plausibility. */
static double ground_distance(const triad_geodetic *a, const triad_geodetic *b)
{
    const double c = sin(a->lat_rad) * sin(b->lat_rad) +
                     cos(a->lat_rad) * cos(b->lat_rad) * cos(b->lon_rad - a->lon_rad);
    return 6371e3 * acos(fmin(1.0, fmax(-1.0, c)));
}

static void test_ballistic_flight(void **state)
{
    (void)state;
    const triad_geodetic site = {39.0 * DEG, 125.0 * DEG, 0.0};
    double x[7];
    launch_state(39.0, 125.0, 4500.0, 60.0 * DEG, 90.0 * DEG, x);
    triad_propagate(TRIAD_MOTION_BALLISTIC, x, 20.0, NULL); /* off the pad */
    double apex = 0.0, y[7];
    memcpy(y, x, sizeof y);
    for (int k = 0; k < 200; k++) {
        triad_propagate(TRIAD_MOTION_BALLISTIC, y, 5.0, NULL);
        triad_geodetic g;
        triad_ecef_to_geo(y, &g);
        apex = fmax(apex, g.alt_m);
    }
    double mid[7];
    memcpy(mid, x, sizeof mid);
    triad_propagate(TRIAD_MOTION_BALLISTIC, mid, 300.0, NULL); /* t = 320 s, in mid-course */

    const double t = triad_propagate_to_altitude(x, 0.0, 0, 3000.0);
    triad_geodetic impact;
    triad_ecef_to_geo(x, &impact);
    const double range = ground_distance(&site, &impact);
    const double flight = 20.0 + t;
    printf("ballistic 4.5 km/s at 60 deg east from (39, 125): apex %.0f km, flight %.1f s, "
           "range %.0f km, impact (%.3f, %.3f), alt %.2g m\n",
           apex / 1e3, flight, range / 1e3, impact.lat_rad / DEG, impact.lon_rad / DEG,
           impact.alt_m);
    assert_true(isfinite(t));
    assert_true(fabs(impact.alt_m) < 0.01);
    /* flat-earth figures: time 2 v sin(el) / g = 795 s, range v^2 sin(2 el) / g = 1790 km,
     * apex 775 km; the round, weaker-gravity earth and the earth's eastward spin (+360 m/s
     * inertial) stretch all three */
    assert_true(flight > 800.0 && flight < 1300.0);
    assert_true(range > 1500e3 && range < 2600e3);
    assert_true(apex > 750e3 && apex < 1300e3);
    assert_true(impact.lon_rad > site.lon_rad); /* eastwards */

    /* from mid-course backwards to the ground: the launch site, at t = -320 s */
    const double tb = triad_propagate_to_altitude(mid, 0.0, 1, 3000.0);
    double pad[3];
    triad_geo_to_ecef(&site, pad);
    const double miss = sqrt((mid[0] - pad[0]) * (mid[0] - pad[0]) +
                             (mid[1] - pad[1]) * (mid[1] - pad[1]) +
                             (mid[2] - pad[2]) * (mid[2] - pad[2]));
    printf("backward to the ground: t %.9f s (expect -320), %.3g m from the launch point\n", tb,
           miss);
    assert_true(fabs(tb + 320.0) < 1e-3);
    assert_true(miss < 0.01);

    /* not reached in time: NAN, state untouched */
    double z[7];
    launch_state(39.0, 125.0, 4500.0, 60.0 * DEG, 90.0 * DEG, z);
    triad_propagate(TRIAD_MOTION_BALLISTIC, z, 20.0, NULL);
    double z0[7];
    memcpy(z0, z, sizeof z0);
    assert_true(isnan(triad_propagate_to_altitude(z, 0.0, 0, 100.0)));
    assert_memory_equal(z, z0, sizeof z);
    /* an altitude above the apex is never crossed */
    assert_true(isnan(triad_propagate_to_altitude(z, 5e6, 0, 2000.0)));
    /* upwards crossing: 300 km on the way up */
    const double tu = triad_propagate_to_altitude(z, 300e3, 0, 2000.0);
    triad_geodetic gu;
    triad_ecef_to_geo(z, &gu);
    assert_true(tu > 0.0 && tu < 200.0 && fabs(gu.alt_m - 300e3) < 0.01);
}

/* Backward propagation undoes forward to < 1 mm, for each model. */
static void test_backward_inverts_forward(void **state)
{
    (void)state;
    const triad_motion models[3] = {TRIAD_MOTION_CV, TRIAD_MOTION_BALLISTIC, TRIAD_MOTION_BOOST};
    double worst_p = 0.0, worst_v = 0.0;
    for (int m = 0; m < 3; m++) {
        double x[7], x0[7];
        launch_state(20.0, -60.0, 3000.0, 40.0 * DEG, 10.0 * DEG, x);
        triad_propagate(TRIAD_MOTION_BALLISTIC, x, 100.0, NULL);
        x[6] = models[m] == TRIAD_MOTION_BOOST ? 30.0 : 0.0;
        memcpy(x0, x, sizeof x0);
        triad_propagate(models[m], x, 333.3, NULL);
        triad_propagate(models[m], x, -333.3, NULL);
        for (int i = 0; i < 3; i++) {
            worst_p = fmax(worst_p, fabs(x[i] - x0[i]));
            worst_v = fmax(worst_v, fabs(x[3 + i] - x0[3 + i]));
        }
        assert_true(x[6] == x0[6]);
    }
    printf("forward 333.3 s then back: %.3g m, %.3g m/s\n", worst_p, worst_v);
    assert_true(worst_p < 1e-3);
    assert_true(worst_v < 1e-5);
}

static void matmul7(const double a[7][7], const double b[7][7], double c[7][7])
{
    for (int i = 0; i < 7; i++)
        for (int j = 0; j < 7; j++) {
            double s = 0.0;
            for (int k = 0; k < 7; k++)
                s += a[i][k] * b[k][j];
            c[i][j] = s;
        }
}

static double det7(double a[7][7]) /* Gaussian elimination with partial pivoting */
{
    double d = 1.0;
    for (int c = 0; c < 7; c++) {
        int p = c;
        for (int r = c + 1; r < 7; r++)
            if (fabs(a[r][c]) > fabs(a[p][c]))
                p = r;
        if (p != c) {
            for (int k = 0; k < 7; k++) {
                const double t = a[c][k];
                a[c][k] = a[p][k];
                a[p][k] = t;
            }
            d = -d;
        }
        d *= a[c][c];
        for (int r = c + 1; r < 7; r++) {
            const double f = a[r][c] / a[c][c];
            for (int k = c; k < 7; k++)
                a[r][k] -= f * a[c][k];
        }
    }
    return d;
}

/* The STM predicts the difference between neighbouring trajectories (larger perturbations
 * than its own differencing: 20 m, 0.2 m/s, 0.1 m/s^2) to second order; F(2 dt) = F(dt) F(dt)
 * along the path; det F = 1 for the ballistic flow (divergence-free: Liouville). */
static void test_stm(void **state)
{
    (void)state;
    test_rng rng = {32};
    const triad_motion models[3] = {TRIAD_MOTION_CV, TRIAD_MOTION_BALLISTIC, TRIAD_MOTION_BOOST};
    double worst_lin = 0.0, worst_comp = 0.0, worst_det = 0.0;
    for (int m = 0; m < 3; m++) {
        double x[7];
        launch_state(39.0, 125.0, 4000.0, 50.0 * DEG, 80.0 * DEG, x);
        triad_propagate(TRIAD_MOTION_BALLISTIC, x, 60.0, NULL);
        x[6] = models[m] == TRIAD_MOTION_BOOST ? 25.0 : 0.0;
        const double dt = 30.0;
        double f[7][7], x1[7];
        memcpy(x1, x, sizeof x1);
        triad_propagate(models[m], x1, dt, f);
        for (int i = 0; i < 7; i++) /* row/column 6 for CV and BALLISTIC: identity */
            if (models[m] != TRIAD_MOTION_BOOST)
                assert_true(f[6][i] == (i == 6) && f[i][6] == (i == 6));
        /* relative error of the linear prediction at perturbations of scale 1 and 1/10:
         * second order, so it must shrink tenfold */
        double lin[2] = {0.0, 0.0};
        for (int k = 0; k < 40; k++) {
            const double scale = k < 20 ? 1.0 : 0.1;
            double d[7], xp[7];
            for (int i = 0; i < 7; i++) {
                const double sc = i < 3 ? 20.0 : i < 6 ? 0.2 : 0.1;
                d[i] = (2.0 * test_rng_uniform(&rng) - 1.0) * sc * scale;
            }
            if (models[m] != TRIAD_MOTION_BOOST)
                d[6] = 0.0;
            for (int i = 0; i < 7; i++)
                xp[i] = x[i] + d[i];
            triad_propagate(models[m], xp, dt, NULL);
            double num = 0.0, den = 0.0;
            for (int i = 0; i < 6; i++) {
                double pred = 0.0;
                for (int j = 0; j < 7; j++)
                    pred += f[i][j] * d[j];
                num += (xp[i] - x1[i] - pred) * (xp[i] - x1[i] - pred);
                den += pred * pred;
            }
            lin[k >= 20] = fmax(lin[k >= 20], sqrt(num / den));
        }
        printf("STM model %d: linear prediction error %.3g, at 1/10 the perturbation %.3g\n", m,
               lin[0], lin[1]);
        if (models[m] == TRIAD_MOTION_BOOST) { /* the thrust's direction bends strongly */
            assert_true(lin[0] < 1e-3 && lin[1] < 0.2 * lin[0]);
        } else {
            assert_true(lin[0] < 1e-6);
        }
        worst_lin = fmax(worst_lin, lin[1]);
        double f2[7][7], f12[7][7], f22[7][7], x2[7];
        memcpy(x2, x1, sizeof x2);
        triad_propagate(models[m], x2, dt, f2);
        matmul7(f2, f, f12);
        memcpy(x2, x, sizeof x2);
        triad_propagate(models[m], x2, 2.0 * dt, f22);
        double num = 0.0, den = 0.0;
        for (int i = 0; i < 7; i++)
            for (int j = 0; j < 7; j++) {
                num += (f12[i][j] - f22[i][j]) * (f12[i][j] - f22[i][j]);
                den += f22[i][j] * f22[i][j];
            }
        worst_comp = fmax(worst_comp, sqrt(num / den));
        if (models[m] != TRIAD_MOTION_BOOST)
            worst_det = fmax(worst_det, fabs(det7(f) - 1.0));
    }
    /* CV analytic */
    double x[7] = {1e6, 2e6, 3e6, 10.0, 20.0, 30.0, 0.0}, f[7][7];
    triad_propagate(TRIAD_MOTION_CV, x, -7.0, f);
    for (int i = 0; i < 7; i++)
        for (int j = 0; j < 7; j++)
            assert_true(f[i][j] == ((i == j) ? 1.0 : (j == i + 3 && i < 3) ? -7.0 : 0.0));
    printf("STM: F(2dt) vs F(dt) F(dt) %.3g, |det F - 1| %.3g\n", worst_comp, worst_det);
    assert_true(worst_lin < 1e-4);
    assert_true(worst_comp < 1e-6);
    assert_true(worst_det < 1e-6);
}

/* The analytic gravity gradient against central differences of the gravity itself (long double
 * potential not needed: the field is smooth, steps of 1 m). */
static void test_gravity_gradient(void **state)
{
    (void)state;
    test_rng rng = {33};
    double worst = 0.0;
    for (int k = 0; k < 200; k++) {
        const triad_geodetic g = {asin(2.0 * test_rng_uniform(&rng) - 1.0),
                                  (2.0 * test_rng_uniform(&rng) - 1.0) * PI,
                                  test_rng_uniform(&rng) * 3e6};
        double p[3], gg[3][3];
        triad_geo_to_ecef(&g, p);
        triad_gravity_gradient_ecef(p, gg);
        for (int j = 0; j < 3; j++) {
            double pp[3] = {p[0], p[1], p[2]}, pm[3] = {p[0], p[1], p[2]}, ap[3], am[3];
            pp[j] += 1.0;
            pm[j] -= 1.0;
            triad_gravity_ecef(pp, ap);
            triad_gravity_ecef(pm, am);
            for (int i = 0; i < 3; i++)
                worst = fmax(worst, fabs(gg[i][j] - (ap[i] - am[i]) / 2.0));
        }
    }
    printf("gravity gradient vs central differences: %.3g 1/s^2 (gradient ~3e-6)\n", worst);
    assert_true(worst < 1e-12);
}

/* An independent reference integrator: classical RK4 in fixed 0.05 s steps written here, on the
 * same force (gravity, centrifugal, Coriolis, thrust along velocity). */
static void ref_deriv(const double x[7], int boost, double d[7])
{
    double g[3];
    triad_gravity_ecef(x, g);
    const double v = sqrt(x[3] * x[3] + x[4] * x[4] + x[5] * x[5]);
    d[0] = x[3];
    d[1] = x[4];
    d[2] = x[5];
    d[3] = g[0] + 2.0 * W * x[4] + (boost ? x[6] * x[3] / v : 0.0);
    d[4] = g[1] - 2.0 * W * x[3] + (boost ? x[6] * x[4] / v : 0.0);
    d[5] = g[2] + (boost ? x[6] * x[5] / v : 0.0);
    d[6] = 0.0;
}

static void ref_propagate(double x[7], double dt, int boost)
{
    const long n = (long)ceil(fabs(dt) / 0.05);
    const double h = dt / (double)n;
    for (long s = 0; s < n; s++) {
        double k[4][7], t[7];
        ref_deriv(x, boost, k[0]);
        for (int st = 1; st < 4; st++) {
            const double c = st == 3 ? 1.0 : 0.5;
            for (int i = 0; i < 7; i++)
                t[i] = x[i] + c * h * k[st - 1][i];
            ref_deriv(t, boost, k[st]);
        }
        for (int i = 0; i < 7; i++)
            x[i] += h / 6.0 * (k[0][i] + 2.0 * k[1][i] + 2.0 * k[2][i] + k[3][i]);
    }
}

/* Steps by the physics: a 600 s ballistic arc in far fewer steps than seconds, within 1 m of the
 * fine reference; a 60 s boost within 1 m; and the step count is bounded whatever dt (1 s, a
 * month, a year, 30 years): beyond the horizon the state is NaN at no cost. */
static void test_steps_bounded(void **state)
{
    (void)state;
    double x[7], r[7];
    launch_state(39.0, 125.0, 4500.0, 55.0 * DEG, 120.0 * DEG, x);
    memcpy(r, x, sizeof r);
    const long steps = triad_propagate(TRIAD_MOTION_BALLISTIC, x, 600.0, NULL);
    ref_propagate(r, 600.0, 0);
    double err = 0.0;
    for (int i = 0; i < 3; i++)
        err = fmax(err, fabs(x[i] - r[i]));
    printf("ballistic 600 s: %ld steps, %.3g m from the 0.05 s reference\n", steps, err);
    assert_true(steps > 0 && steps <= 600 / 10);
    assert_true(err < 1.0);

    launch_state(39.0, 125.0, 300.0, 80.0 * DEG, 120.0 * DEG, x);
    x[6] = 30.0;
    memcpy(r, x, sizeof r);
    const long bsteps = triad_propagate(TRIAD_MOTION_BOOST, x, 60.0, NULL);
    ref_propagate(r, 60.0, 1);
    err = 0.0;
    for (int i = 0; i < 3; i++)
        err = fmax(err, fabs(x[i] - r[i]));
    printf("boost 60 s: %ld steps, %.3g m from the 0.05 s reference\n", bsteps, err);
    assert_true(bsteps == 60 && err < 1.0);

    const double gaps[] = {1.0, 30.0 * 86400.0, 365.25 * 86400.0, 30.0 * 365.25 * 86400.0};
    const long bound = (long)ceil(TRIAD_PROPAGATE_MAX_S / TRIAD_PROPAGATE_MIN_STEP_S);
    for (int g = 0; g < 4; g++)
        for (int m = 0; m < 3; m++)
            for (int sign = -1; sign <= 1; sign += 2) {
                double y[7], f[7][7];
                launch_state(39.0, 125.0, 4500.0, 55.0 * DEG, 120.0 * DEG, y);
                y[6] = m == TRIAD_MOTION_BOOST ? 20.0 : 0.0;
                const long n = triad_propagate((triad_motion)m, y, sign * gaps[g], f);
                assert_true(n <= bound);
                if (m == TRIAD_MOTION_CV) {
                    assert_true(n == 0 && isfinite(y[0]) && f[0][3] == sign * gaps[g]);
                } else if (gaps[g] > TRIAD_PROPAGATE_MAX_S) {
                    assert_true(n == -1 && isnan(y[0]) && isnan(y[5]));
                } else {
                    assert_true(n >= 1 && isfinite(y[0]));
                }
            }
    double y[7];
    launch_state(39.0, 125.0, 4500.0, 55.0 * DEG, 120.0 * DEG, y);
    assert_true(triad_propagate(TRIAD_MOTION_BALLISTIC, y, NAN, NULL) == -1 && isnan(y[0]));
    launch_state(39.0, 125.0, 4500.0, 55.0 * DEG, 120.0 * DEG, y);
    const long nmax = triad_propagate(TRIAD_MOTION_BALLISTIC, y, TRIAD_PROPAGATE_MAX_S, NULL);
    printf("ballistic over the %.0f s horizon: %ld steps (bound %ld)\n", TRIAD_PROPAGATE_MAX_S,
           nmax, bound);
    assert_true(nmax > 0 && nmax <= (long)ceil(TRIAD_PROPAGATE_MAX_S / 10.0));
}

/* The variational STM against the old way: central differences of the propagator (15 extra
 * propagations), for BALLISTIC and BOOST over 1, 30 and 300 s. */
static void test_stm_vs_differences(void **state)
{
    (void)state;
    const double dts[3] = {1.0, 30.0, 300.0};
    double worst = 0.0;
    for (int m = 1; m < 3; m++)
        for (int d = 0; d < 3; d++) {
            double x[7], f[7][7];
            launch_state(39.0, 125.0, 2500.0, 60.0 * DEG, 80.0 * DEG, x);
            x[6] = m == TRIAD_MOTION_BOOST ? 25.0 : 0.0;
            double x1[7];
            memcpy(x1, x, sizeof x1);
            triad_propagate((triad_motion)m, x1, dts[d], f);
            const double step[7] = {1.0, 1.0, 1.0, 1e-3, 1e-3, 1e-3, 1e-4};
            for (int j = 0; j < (m == TRIAD_MOTION_BOOST ? 7 : 6); j++) {
                double xp[7], xm[7];
                memcpy(xp, x, sizeof xp);
                memcpy(xm, x, sizeof xm);
                xp[j] += step[j];
                xm[j] -= step[j];
                triad_propagate((triad_motion)m, xp, dts[d], NULL);
                triad_propagate((triad_motion)m, xm, dts[d], NULL);
                for (int i = 0; i < 7; i++) {
                    const double fd = (xp[i] - xm[i]) / (2.0 * step[j]);
                    const double scale = fmax(1.0, fabs(fd)) * (i < 3 && j >= 3 ? dts[d] : 1.0);
                    worst = fmax(worst, fabs(f[i][j] - fd) / scale);
                }
            }
        }
    printf("variational STM vs central differences: worst scaled error %.3g\n", worst);
    assert_true(worst < 1e-5);
}

static void test_process_noise(void **state)
{
    (void)state;
    double q[7][7];
    triad_process_noise(TRIAD_MOTION_BALLISTIC, 2.0, 3.0, 5.0, q);
    for (int i = 0; i < 7; i++)
        for (int j = 0; j < 7; j++) {
            double e = 0.0;
            if (i < 3 && j == i)
                e = 3.0 * 8.0 / 3.0;
            else if (i < 3 && j == i + 3)
                e = 3.0 * 4.0 / 2.0;
            else if (i >= 3 && i < 6 && j == i - 3)
                e = 3.0 * 4.0 / 2.0;
            else if (i >= 3 && i < 6 && j == i)
                e = 3.0 * 2.0;
            assert_true(fabs(q[i][j] - e) < 1e-12);
        }
    triad_process_noise(TRIAD_MOTION_BOOST, 2.0, 3.0, 5.0, q);
    assert_true(fabs(q[6][6] - 10.0) < 1e-12 && q[0][6] == 0.0);
    /* backwards: same variances, position-velocity correlation reversed */
    triad_process_noise(TRIAD_MOTION_CV, -2.0, 3.0, 5.0, q);
    assert_true(fabs(q[0][0] - 8.0) < 1e-12 && fabs(q[0][3] + 6.0) < 1e-12 &&
                fabs(q[3][3] - 6.0) < 1e-12 && q[6][6] == 0.0);
    /* Q equals the integral of F(s) G q G^T F(s)^T for CV (midpoint rule on one axis) */
    double i00 = 0.0, i01 = 0.0, i11 = 0.0;
    const int n = 20000;
    for (int k = 0; k < n; k++) {
        const double s = (k + 0.5) * 2.0 / n;
        i00 += s * s * 3.0 * 2.0 / n;
        i01 += s * 3.0 * 2.0 / n;
        i11 += 3.0 * 2.0 / n;
    }
    triad_process_noise(TRIAD_MOTION_CV, 2.0, 3.0, 5.0, q);
    assert_true(fabs(q[1][1] - i00) < 1e-6 && fabs(q[1][4] - i01) < 1e-6 &&
                fabs(q[4][4] - i11) < 1e-9);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gravity),
        cmocka_unit_test(test_energy_conserved),
        cmocka_unit_test(test_ballistic_flight),
        cmocka_unit_test(test_backward_inverts_forward),
        cmocka_unit_test(test_stm),
        cmocka_unit_test(test_process_noise),
        cmocka_unit_test(test_gravity_gradient),
        cmocka_unit_test(test_steps_bounded),
        cmocka_unit_test(test_stm_vs_differences),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
