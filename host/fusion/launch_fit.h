/* Internal: the launch point and time by fitting the early (boost) track, not by flying a
 * ballistic arc back. Used by tracker.c and warning.c.
 *
 * Model, in the local east-north-up frame at the ground below the first point: from rest on the
 * ground at t_L, rising vertically first: east/north L + J tau^3 / 6, up A tau^2 / 2 +
 * J tau^3 / 6 + S tau^4 / 24 (tau = t - t_L). For a given t_L it is linear: weighted least
 * squares with each point's full 3x3 covariance; t_L minimises the chi-square (grid, then golden
 * section). The stated covariance: least squares plus the time's sigma carried through dL/dt_L,
 * scaled by the reduced chi-square when above 1, plus a model-error sigma on the time (half the
 * unseen lead before the first point), carried into the point as well.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TRIAD_FUSION_LAUNCH_FIT_H
#define TRIAD_FUSION_LAUNCH_FIT_H

#include <stddef.h>

#include "fusion/geo.h"
#include "fusion/tracker.h"

enum { TRIAD__BOOST_HIST = 48 };

/* Measured positions of the early track (ECEF, with covariances), first TRIAD__BOOST_HIST. */
typedef struct {
    size_t n;
    double t[TRIAD__BOOST_HIST];
    double p[TRIAD__BOOST_HIST][3];
    double c[TRIAD__BOOST_HIST][3][3];
} triad__boost_history;

void triad__boost_history_add(triad__boost_history *h, double t, const double p[3],
                              const double c[3][3]);

/* Fit (needs >= 6 points spanning >= 5 s). 0 with the launch point (on the ellipsoid), its
 * 1-sigma ellipse, time and time sigma; -1 when there is too little or the fit fails. */
int triad__launch_fit(const triad__boost_history *h, triad_geodetic *launch, triad_ellipse *e,
                      double *t_launch, double *t_sigma);

/* Inverse of the leading n x n (n <= 7) of a symmetric positive definite matrix by Cholesky
 * (the launch fit's normal equations, the track-to-track test). 0, or -1 if not positive. */
int triad__spd_inv(int n, const double a[TRIAD_STATE_DIM][TRIAD_STATE_DIM],
                   double inv[TRIAD_STATE_DIM][TRIAD_STATE_DIM]);

#endif
