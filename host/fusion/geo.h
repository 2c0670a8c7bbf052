/* Earth frames for fusion: WGS-84 geodetic <-> ECEF <-> local ENU, and radar measurements
 * (range, azimuth, elevation, range rate) with their covariances. Angles in radians inside the
 * library; degrees only at the edges (files, messages).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TRIAD_FUSION_GEO_H
#define TRIAD_FUSION_GEO_H

#include "core/messages.h" /* triad_geodetic */

#define TRIAD_WGS84_A 6378137.0                 /* semi-major axis, m */
#define TRIAD_WGS84_F (1.0 / 298.257223563)     /* flattening */
#define TRIAD_WGS84_GM 3.986004418e14           /* m^3/s^2 */
#define TRIAD_WGS84_OMEGA 7.292115e-5           /* earth rotation, rad/s */
#define TRIAD_EARTH_J2 1.08262982e-3


void triad_geo_to_ecef(const triad_geodetic *g, double ecef[3]);
/* Exact to < 1 mm everywhere above -10 km (iterative or closed form). */
void triad_ecef_to_geo(const double ecef[3], triad_geodetic *g);
/* triad_enu_basis(origin, r): rows east, north, up in ECEF (core/messages.h, libtriad) */
void triad_ecef_to_enu(const triad_geodetic *origin, const double ecef[3], double enu[3]);
void triad_enu_to_ecef(const triad_geodetic *origin, const double enu[3], double ecef[3]);

/* A radar measurement: azimuth clockwise from north, elevation above the local horizontal
 * (the ellipsoid normal at the site), range rate positive receding. var_*: variances. */
typedef struct {
    double range_m, azimuth_rad, elevation_rad, range_rate_mps;
    double var_range_m2, var_azimuth_rad2, var_elevation_rad2, var_range_rate_m2s2;
    int has_range_rate;
} triad_polar_meas;

/* Position in ECEF and its 3x3 covariance from a measurement (first-order propagation). */
void triad_meas_to_ecef(const triad_geodetic *site, const triad_polar_meas *m, double pos[3],
                        double cov[3][3]);

/* Predicted measurement of an ECEF state x = (position, velocity) [6] seen from site:
 * z = (range, azimuth, elevation, range rate) [4], and its Jacobian h = dz/dx [4][6].
 * Azimuth differences must be wrapped by the caller (triad_wrap_pi). */
void triad_meas_predict(const triad_geodetic *site, const double x[6], double z[4],
                        double h[4][6]);

double triad_wrap_pi(double a); /* into (-pi, pi] */

#endif
