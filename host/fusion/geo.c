/* Earth frames: WGS-84 geodetic <-> ECEF <-> ENU, and radar measurements in those frames.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "fusion/geo.h"

#include <math.h>

#include "triad/units.h"

#define WGS84_E2 (TRIAD_WGS84_F * (2.0 - TRIAD_WGS84_F)) /* first eccentricity squared */
#define WGS84_B (TRIAD_WGS84_A * (1.0 - TRIAD_WGS84_F))   /* semi-minor axis, m */

void triad_geo_to_ecef(const triad_geodetic *g, double ecef[3])
{
    const double sl = sin(g->lat_rad), cl = cos(g->lat_rad);
    const double n = TRIAD_WGS84_A / sqrt(1.0 - WGS84_E2 * sl * sl); /* prime vertical radius */
    ecef[0] = (n + g->alt_m) * cl * cos(g->lon_rad);
    ecef[1] = (n + g->alt_m) * cl * sin(g->lon_rad);
    ecef[2] = (n * (1.0 - WGS84_E2) + g->alt_m) * sl;
}

/* Bowring's parametric-latitude estimate (already ~1e-10 rad near the surface), then the
 * fixed point tan(lat) = (z + e2 N sin lat) / p, which contracts by about e2 per pass. The
 * height uses p cos + z sin, which stays well conditioned at the poles. */
void triad_ecef_to_geo(const double ecef[3], triad_geodetic *g)
{
    const double x = ecef[0], y = ecef[1], z = ecef[2];
    const double p = hypot(x, y);
    const double ep2 = WGS84_E2 / (1.0 - WGS84_E2); /* second eccentricity squared */
    const double beta = atan2(TRIAD_WGS84_A * z, WGS84_B * p);
    const double sb = sin(beta), cb = cos(beta);
    double lat = atan2(z + ep2 * WGS84_B * sb * sb * sb, p - WGS84_E2 * TRIAD_WGS84_A * cb * cb * cb);
    for (int it = 0; it < 6; it++) {
        const double sl = sin(lat);
        const double n = TRIAD_WGS84_A / sqrt(1.0 - WGS84_E2 * sl * sl);
        const double next = atan2(z + WGS84_E2 * n * sl, p);
        const double d = fabs(next - lat);
        lat = next;
        if (d < 1e-15)
            break;
    }
    const double sl = sin(lat), cl = cos(lat);
    g->lat_rad = lat;
    g->lon_rad = atan2(y, x);
    g->alt_m = p * cl + z * sl - TRIAD_WGS84_A * sqrt(1.0 - WGS84_E2 * sl * sl);
}

/* triad_enu_basis: core/enu.c (libtriad), so io/fusion_jsonl.c needs nothing of fusion */

void triad_ecef_to_enu(const triad_geodetic *origin, const double ecef[3], double enu[3])
{
    double r[3][3], o[3];
    triad_enu_basis(origin, r);
    triad_geo_to_ecef(origin, o);
    const double d[3] = {ecef[0] - o[0], ecef[1] - o[1], ecef[2] - o[2]};
    for (int i = 0; i < 3; i++)
        enu[i] = r[i][0] * d[0] + r[i][1] * d[1] + r[i][2] * d[2];
}

void triad_enu_to_ecef(const triad_geodetic *origin, const double enu[3], double ecef[3])
{
    double r[3][3], o[3];
    triad_enu_basis(origin, r);
    triad_geo_to_ecef(origin, o);
    for (int i = 0; i < 3; i++)
        ecef[i] = o[i] + r[0][i] * enu[0] + r[1][i] * enu[1] + r[2][i] * enu[2];
}

void triad_meas_to_ecef(const triad_geodetic *site, const triad_polar_meas *m, double pos[3],
                        double cov[3][3])
{
    const double sa = sin(m->azimuth_rad), ca = cos(m->azimuth_rad);
    const double se = sin(m->elevation_rad), ce = cos(m->elevation_rad);
    const double rg = m->range_m;
    const double enu[3] = {rg * ce * sa, rg * ce * ca, rg * se};
    triad_enu_to_ecef(site, enu, pos);
    if (!cov)
        return;
    /* d(east, north, up) / d(range, azimuth, elevation) */
    const double j[3][3] = {{ce * sa, rg * ce * ca, -rg * se * sa},
                            {ce * ca, -rg * ce * sa, -rg * se * ca},
                            {se, 0.0, rg * ce}};
    const double var[3] = {m->var_range_m2, m->var_azimuth_rad2, m->var_elevation_rad2};
    double c_enu[3][3];
    for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++) {
            double s = 0.0;
            for (int k = 0; k < 3; k++)
                s += j[a][k] * var[k] * j[b][k];
            c_enu[a][b] = s;
        }
    /* ECEF = R^T ENU (rows of r are the ENU axes), so cov_ecef = R^T cov_enu R. */
    double r[3][3], t[3][3];
    triad_enu_basis(site, r);
    for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++) {
            double s = 0.0;
            for (int k = 0; k < 3; k++)
                s += c_enu[a][k] * r[k][b];
            t[a][b] = s; /* cov_enu R */
        }
    for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++) {
            double s = 0.0;
            for (int k = 0; k < 3; k++)
                s += r[k][a] * t[k][b];
            cov[a][b] = s;
        }
    for (int a = 0; a < 3; a++) /* exact symmetry for the filters downstream */
        for (int b = a + 1; b < 3; b++)
            cov[a][b] = cov[b][a] = 0.5 * (cov[a][b] + cov[b][a]);
}

void triad_meas_predict(const triad_geodetic *site, const double x[6], double z[4],
                        double h[4][6])
{
    double r[3][3], o[3];
    triad_enu_basis(site, r);
    triad_geo_to_ecef(site, o);
    const double d[3] = {x[0] - o[0], x[1] - o[1], x[2] - o[2]};
    double enu[3];
    for (int i = 0; i < 3; i++)
        enu[i] = r[i][0] * d[0] + r[i][1] * d[1] + r[i][2] * d[2];
    const double e = enu[0], n = enu[1], u = enu[2];
    const double rho2 = e * e + n * n, rho = sqrt(rho2);
    const double rg2 = rho2 + u * u, rg = sqrt(rg2);
    const double dv = d[0] * x[3] + d[1] * x[4] + d[2] * x[5];
    z[0] = rg;
    z[1] = atan2(e, n);
    z[2] = atan2(u, rho);
    z[3] = rg > 0.0 ? dv / rg : 0.0;
    if (!h)
        return;
    for (int i = 0; i < 4; i++)
        for (int k = 0; k < 6; k++)
            h[i][k] = 0.0;
    if (!(rg > 0.0))
        return; /* at the site: no direction, derivatives left zero */
    /* Derivatives with respect to (east, north, up); the ECEF ones follow by enu = R d. */
    double g[3][3] = {{e / rg, n / rg, u / rg}, {0.0, 0.0, 0.0}, {0.0, 0.0, rho / rg2}};
    if (rho > 0.0) { /* straight overhead: azimuth undefined, left zero */
        g[1][0] = n / rho2;
        g[1][1] = -e / rho2;
        g[2][0] = -u * e / (rg2 * rho);
        g[2][1] = -u * n / (rg2 * rho);
    }
    for (int i = 0; i < 3; i++)
        for (int k = 0; k < 3; k++)
            h[i][k] = g[i][0] * r[0][k] + g[i][1] * r[1][k] + g[i][2] * r[2][k];
    /* range rate = d.v / |d| */
    for (int k = 0; k < 3; k++) {
        h[3][k] = x[3 + k] / rg - dv * d[k] / (rg2 * rg);
        h[3][3 + k] = d[k] / rg;
    }
}

double triad_wrap_pi(double a)
{
    double w = remainder(a, 2.0 * TRIAD_PI); /* [-pi, pi] */
    if (w <= -TRIAD_PI)
        w += 2.0 * TRIAD_PI;
    return w;
}
