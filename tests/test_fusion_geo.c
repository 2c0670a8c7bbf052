/* WGS-84 frames and radar measurements against independent forms: the defining points of the
 * ellipsoid, the parametric (reduced-latitude) form of the surface in long double, meridian
 * curvature for a step north, finite differences and Monte Carlo.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>

#include "fusion/geo.h"
#include "test_util.h"

#define PI 3.14159265358979323846
#define DEG (PI / 180.0)

static double gauss(test_rng *r)
{
    return sqrt(-2.0 * log(test_rng_uniform(r))) * cos(2.0 * PI * test_rng_uniform(r));
}

/* A point at height h above (lat, lon), built another way: the foot on the ellipsoid from the
 * reduced latitude beta (tan beta = (b/a) tan lat: p = a cos beta, z = b sin beta), then h
 * along the normal (cos lat cos lon, cos lat sin lon, sin lat). Long double throughout. */
static void reference_ecef(long double lat, long double lon, long double h, double out[3])
{
    const long double a = 6378137.0L, f = 1.0L / 298.257223563L, b = a * (1.0L - f);
    const long double beta = atan2l(b * sinl(lat), a * cosl(lat));
    const long double p = a * cosl(beta) + h * cosl(lat);
    out[0] = (double)(p * cosl(lon));
    out[1] = (double)(p * sinl(lon));
    out[2] = (double)(b * sinl(beta) + h * sinl(lat));
}

static void test_reference_points(void **state)
{
    (void)state;
    double e[3];
    triad_geodetic g = {0.0, 0.0, 0.0};
    triad_geo_to_ecef(&g, e);
    assert_true(fabs(e[0] - 6378137.0) < 1e-6 && fabs(e[1]) < 1e-6 && fabs(e[2]) < 1e-6);
    g = (triad_geodetic){90.0 * DEG, 0.0, 0.0};
    triad_geo_to_ecef(&g, e);
    assert_true(fabs(e[0]) < 1e-6 && fabs(e[1]) < 1e-6 && fabs(e[2] - 6356752.314245) < 1e-6);
    g = (triad_geodetic){0.0, 90.0 * DEG, 1000.0};
    triad_geo_to_ecef(&g, e);
    assert_true(fabs(e[0]) < 1e-6 && fabs(e[1] - 6379137.0) < 1e-6 && fabs(e[2]) < 1e-6);

    /* and back: the poles, the equator, the centre's neighbourhood is out of scope */
    triad_geodetic r;
    const double pole[3] = {0.0, 0.0, -6356752.314245 - 2000.0};
    triad_ecef_to_geo(pole, &r);
    assert_true(fabs(r.lat_rad + PI / 2) < 1e-12 && fabs(r.alt_m - 2000.0) < 1e-6);
    const double eq[3] = {0.0, -6378137.0 + 5000.0, 0.0};
    triad_ecef_to_geo(eq, &r);
    assert_true(fabs(r.lat_rad) < 1e-15 && fabs(r.lon_rad + PI / 2) < 1e-15);
    assert_true(fabs(r.alt_m + 5000.0) < 1e-6);
}

/* geo -> ECEF against the parametric form, and ECEF -> geo on those independent points, at
 * heights -5 km .. 2000 km, latitudes including the poles. */
static void test_conversions_against_reference(void **state)
{
    (void)state;
    test_rng rng = {11};
    double worst_fwd = 0.0, worst_lat = 0.0, worst_lon = 0.0, worst_h = 0.0, worst_rt = 0.0;
    for (int k = 0; k < 20000; k++) {
        double lat = (test_rng_uniform(&rng) * 180.0 - 90.0) * DEG;
        if (k % 100 == 0)
            lat = (k % 200 == 0 ? 90.0 : -90.0) * DEG;
        if (k % 100 == 1)
            lat = (test_rng_uniform(&rng) - 0.5) * 1e-6; /* near the equator */
        if (k % 100 == 2)
            lat = (90.0 - test_rng_uniform(&rng) * 1e-4) * DEG; /* near a pole */
        const double lon = (test_rng_uniform(&rng) * 360.0 - 180.0) * DEG;
        const double h = -5000.0 + test_rng_uniform(&rng) * 2005000.0;
        double ref[3], e[3];
        reference_ecef(lat, lon, h, ref);
        triad_geodetic g = {lat, lon, h};
        triad_geo_to_ecef(&g, e);
        for (int i = 0; i < 3; i++)
            worst_fwd = fmax(worst_fwd, fabs(e[i] - ref[i]));
        triad_geodetic r;
        triad_ecef_to_geo(ref, &r);
        worst_lat = fmax(worst_lat, fabs(r.lat_rad - lat));
        if (fabs(lat) < 89.9 * DEG) /* longitude is arbitrary at the pole */
            worst_lon = fmax(worst_lon, fabs(triad_wrap_pi(r.lon_rad - lon)));
        worst_h = fmax(worst_h, fabs(r.alt_m - h));
        double back[3];
        triad_geo_to_ecef(&r, back);
        for (int i = 0; i < 3; i++)
            worst_rt = fmax(worst_rt, fabs(back[i] - ref[i]));
    }
    printf("geo->ecef vs parametric: %.3g m; ecef->geo: lat %.3g deg, lon %.3g deg, h %.3g m; "
           "round trip %.3g m\n",
           worst_fwd, worst_lat / DEG, worst_lon / DEG, worst_h, worst_rt);
    assert_true(worst_fwd < 1e-6);
    assert_true(worst_lat / DEG < 1e-9 && worst_lon / DEG < 1e-9);
    assert_true(worst_h < 1e-3);
    assert_true(worst_rt < 1e-3);
}

/* Down to -10 km (the promised range), ECEF -> geo -> ECEF keeps the point to < 1 mm. */
static void test_ecef_round_trip(void **state)
{
    (void)state;
    test_rng rng = {12};
    double worst = 0.0;
    for (int k = 0; k < 20000; k++) {
        const double lat = asin(2.0 * test_rng_uniform(&rng) - 1.0);
        const double lon = (test_rng_uniform(&rng) * 2.0 - 1.0) * PI;
        const double h = -10000.0 + test_rng_uniform(&rng) * 5e6;
        double e[3], back[3];
        triad_geodetic g = {lat, lon, h}, r;
        triad_geo_to_ecef(&g, e);
        triad_ecef_to_geo(e, &r);
        triad_geo_to_ecef(&r, back);
        for (int i = 0; i < 3; i++)
            worst = fmax(worst, fabs(back[i] - e[i]));
    }
    printf("ecef->geo->ecef, -10 km .. 5000 km: %.3g m\n", worst);
    assert_true(worst < 1e-3);
}

static void test_enu(void **state)
{
    (void)state;
    const triad_geodetic o = {39.0 * DEG, 125.0 * DEG, 100.0};
    double r[3][3];
    triad_enu_basis(&o, r);
    for (int i = 0; i < 3; i++) /* orthonormal */
        for (int j = 0; j < 3; j++) {
            const double d = r[i][0] * r[j][0] + r[i][1] * r[j][1] + r[i][2] * r[j][2];
            assert_true(fabs(d - (i == j)) < 1e-15);
        }
    /* east x north = up */
    assert_true(fabs(r[0][1] * r[1][2] - r[0][2] * r[1][1] - r[2][0]) < 1e-15);

    /* 1 km north along the surface (same height): dlat = 1000 / (M + h), M the meridian
     * radius of curvature. ENU: east 0, north 1000 m plus the growth of M over the step
     * (M' dlat^2 / 2, ~0.8 mm; the chord's shortening is ~1e-6 m), up -1000^2 / (2 (M + h)). */
    const double e2 = TRIAD_WGS84_F * (2.0 - TRIAD_WGS84_F), s = sin(o.lat_rad);
    const double m = TRIAD_WGS84_A * (1.0 - e2) / pow(1.0 - e2 * s * s, 1.5) + o.alt_m;
    const double dm = 3.0 * TRIAD_WGS84_A * (1.0 - e2) * e2 * s * cos(o.lat_rad) /
                      pow(1.0 - e2 * s * s, 2.5); /* dM / dlat */
    const double dlat = 1000.0 / m;
    const triad_geodetic p = {o.lat_rad + dlat, o.lon_rad, o.alt_m};
    double pe[3], enu[3];
    triad_geo_to_ecef(&p, pe);
    triad_ecef_to_enu(&o, pe, enu);
    printf("1 km north: enu = (%.6f, %.6f, %.6f), expected up %.6f\n", enu[0], enu[1], enu[2],
           -1e6 / (2.0 * m));
    assert_true(fabs(enu[0]) < 1e-6);
    assert_true(fabs(enu[1] - (1000.0 + 0.5 * dm * dlat * dlat)) < 1e-5);
    assert_true(fabs(enu[2] + 1e6 / (2.0 * m)) < 1e-3);
    double back[3];
    triad_enu_to_ecef(&o, enu, back);
    for (int i = 0; i < 3; i++)
        assert_true(fabs(back[i] - pe[i]) < 1e-6);

    /* straight up 1 km */
    const triad_geodetic q = {o.lat_rad, o.lon_rad, o.alt_m + 1000.0};
    triad_geo_to_ecef(&q, pe);
    triad_ecef_to_enu(&o, pe, enu);
    assert_true(fabs(enu[0]) < 1e-6 && fabs(enu[1]) < 1e-6 && fabs(enu[2] - 1000.0) < 1e-6);
}

static void random_site(test_rng *rng, triad_geodetic *s)
{
    s->lat_rad = (test_rng_uniform(rng) * 160.0 - 80.0) * DEG;
    s->lon_rad = (test_rng_uniform(rng) * 360.0 - 180.0) * DEG;
    s->alt_m = test_rng_uniform(rng) * 3000.0;
}

/* meas_to_ecef then meas_predict returns the measurement; range rate against a finite
 * difference of range along the velocity. */
static void test_meas_round_trip(void **state)
{
    (void)state;
    test_rng rng = {13};
    double worst_r = 0.0, worst_a = 0.0, worst_rr = 0.0;
    for (int k = 0; k < 2000; k++) {
        triad_geodetic site;
        random_site(&rng, &site);
        triad_polar_meas m = {0};
        m.range_m = 1000.0 + test_rng_uniform(&rng) * 3e6;
        m.azimuth_rad = (test_rng_uniform(&rng) * 2.0 - 1.0) * PI;
        m.elevation_rad = (test_rng_uniform(&rng) * 89.0) * DEG;
        double x[6], z[4];
        triad_meas_to_ecef(&site, &m, x, NULL);
        for (int i = 3; i < 6; i++)
            x[i] = (test_rng_uniform(&rng) - 0.5) * 6000.0;
        triad_meas_predict(&site, x, z, NULL);
        worst_r = fmax(worst_r, fabs(z[0] - m.range_m));
        worst_a = fmax(worst_a, fabs(triad_wrap_pi(z[1] - m.azimuth_rad)));
        worst_a = fmax(worst_a, fabs(z[2] - m.elevation_rad));
        /* d|p - s|/dt along v by central difference over 20 us */
        double o[3];
        long double xp[3], xm[3];
        triad_geo_to_ecef(&site, o);
        for (int i = 0; i < 3; i++) {
            xp[i] = (long double)x[i] + 1e-5L * x[3 + i] - o[i];
            xm[i] = (long double)x[i] - 1e-5L * x[3 + i] - o[i];
        }
        const double rr = (double)((sqrtl(xp[0] * xp[0] + xp[1] * xp[1] + xp[2] * xp[2]) -
                                    sqrtl(xm[0] * xm[0] + xm[1] * xm[1] + xm[2] * xm[2])) /
                                   2e-5L);
        worst_rr = fmax(worst_rr, fabs(z[3] - rr));
    }
    printf("meas round trip: range %.3g m, angles %.3g rad, range rate %.3g m/s\n", worst_r,
           worst_a, worst_rr);
    assert_true(worst_r < 1e-6);
    assert_true(worst_a < 1e-11);
    assert_true(worst_rr < 1e-5);
}

/* The analytic Jacobian against central differences (steps 0.5 m and 5 mm/s). */
static void test_meas_jacobian(void **state)
{
    (void)state;
    test_rng rng = {14};
    double worst = 0.0;
    for (int k = 0; k < 500; k++) {
        triad_geodetic site;
        random_site(&rng, &site);
        triad_polar_meas m = {0};
        m.range_m = 5000.0 + test_rng_uniform(&rng) * 2e6;
        m.azimuth_rad = (test_rng_uniform(&rng) * 2.0 - 1.0) * PI;
        m.elevation_rad = (test_rng_uniform(&rng) * 85.0) * DEG;
        double x[6], z[4], h[4][6];
        triad_meas_to_ecef(&site, &m, x, NULL);
        for (int i = 3; i < 6; i++)
            x[i] = (test_rng_uniform(&rng) - 0.5) * 6000.0;
        triad_meas_predict(&site, x, z, h);
        for (int j = 0; j < 6; j++) {
            const double step = j < 3 ? 0.5 : 5e-3;
            double xp[6], xm[6], zp[4], zm[4];
            for (int i = 0; i < 6; i++)
                xp[i] = xm[i] = x[i];
            xp[j] += step;
            xm[j] -= step;
            triad_meas_predict(&site, xp, zp, NULL);
            triad_meas_predict(&site, xm, zm, NULL);
            for (int i = 0; i < 4; i++) {
                double d = zp[i] - zm[i];
                if (i == 1)
                    d = triad_wrap_pi(d);
                const double fd = d / (2.0 * step);
                /* scale: a unit-ish derivative for range/range rate, 1/range for angles */
                const double scale = (i == 1 || i == 2) ? 1.0 / m.range_m : 1.0;
                const double tol_scale = i == 1 ? scale / cos(m.elevation_rad) : scale;
                worst = fmax(worst, fabs(fd - h[i][j]) / tol_scale);
            }
        }
    }
    printf("meas Jacobian vs finite differences: %.3g (relative)\n", worst);
    assert_true(worst < 1e-5);
}

/* Covariance of meas_to_ecef against the sample covariance of converted noisy measurements. */
static void test_meas_covariance_monte_carlo(void **state)
{
    (void)state;
    test_rng rng = {15};
    const triad_geodetic site = {39.0 * DEG, 125.0 * DEG, 50.0};
    triad_polar_meas m = {.range_m = 150e3,
                          .azimuth_rad = 70.0 * DEG,
                          .elevation_rad = 20.0 * DEG,
                          .var_range_m2 = 30.0 * 30.0,
                          .var_azimuth_rad2 = 2e-3 * 2e-3,
                          .var_elevation_rad2 = 1e-3 * 1e-3};
    double mean[3], cov[3][3];
    triad_meas_to_ecef(&site, &m, mean, cov);
    /* symmetry and trace (a rotation keeps the trace of the ENU covariance) */
    const double ce = cos(m.elevation_rad);
    const double tr = m.var_range_m2 + m.range_m * m.range_m *
                                           (ce * ce * m.var_azimuth_rad2 + m.var_elevation_rad2);
    assert_true(fabs(cov[0][0] + cov[1][1] + cov[2][2] - tr) < 1e-9 * tr);
    for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++)
            assert_true(cov[a][b] == cov[b][a]);

    enum { NS = 200000 };
    double s[3] = {0}, ss[3][3] = {{0}};
    for (int k = 0; k < NS; k++) {
        triad_polar_meas n = m;
        n.range_m += gauss(&rng) * sqrt(m.var_range_m2);
        n.azimuth_rad += gauss(&rng) * sqrt(m.var_azimuth_rad2);
        n.elevation_rad += gauss(&rng) * sqrt(m.var_elevation_rad2);
        double p[3];
        triad_meas_to_ecef(&site, &n, p, NULL);
        for (int a = 0; a < 3; a++) {
            const double da = p[a] - mean[a];
            s[a] += da;
            for (int b = 0; b < 3; b++)
                ss[a][b] += da * (p[b] - mean[b]);
        }
    }
    double num = 0.0, den = 0.0;
    for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++) {
            const double c = ss[a][b] / NS - (s[a] / NS) * (s[b] / NS);
            num += (c - cov[a][b]) * (c - cov[a][b]);
            den += cov[a][b] * cov[a][b];
        }
    printf("meas covariance vs Monte Carlo (%d draws): %.3g (relative Frobenius)\n", NS,
           sqrt(num / den));
    assert_true(sqrt(num / den) < 0.015);
}

static void test_wrap_pi(void **state)
{
    (void)state;
    assert_true(fabs(triad_wrap_pi(3.0 * PI) - PI) < 1e-12);
    assert_true(fabs(triad_wrap_pi(-PI) - PI) < 1e-12);
    assert_true(triad_wrap_pi(PI) > 0.0);
    assert_true(triad_wrap_pi(0.5) == 0.5);
    assert_true(fabs(triad_wrap_pi(-3.5) - (-3.5 + 2.0 * PI)) < 1e-12);
    assert_true(fabs(triad_wrap_pi(1000.0) - (1000.0 - 159.0 * 2.0 * PI)) < 1e-9);
    for (double a = -20.0; a < 20.0; a += 0.37) {
        const double w = triad_wrap_pi(a);
        assert_true(w > -PI && w <= PI + 1e-15);
        assert_true(fabs(remainder(w - a, 2.0 * PI)) < 1e-12);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference_points),
        cmocka_unit_test(test_conversions_against_reference),
        cmocka_unit_test(test_ecef_round_trip),
        cmocka_unit_test(test_enu),
        cmocka_unit_test(test_meas_round_trip),
        cmocka_unit_test(test_meas_jacobian),
        cmocka_unit_test(test_meas_covariance_monte_carlo),
        cmocka_unit_test(test_wrap_pi),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
