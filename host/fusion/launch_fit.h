/* Internal: the launch point and time by fitting the early (boost) track, not by flying a
 * ballistic arc back. Used by tracker.c and warning.c.
 *
 * Model: a boost template flown from rest on the ground at t_L in the rotating ECEF frame (J2
 * gravity, centrifugal, Coriolis): thrust a0 / (1 - k tau) (constant mass flow), along a fixed
 * azimuth, vertical until t_v, then its elevation falling at a constant pitch rate (a pitch
 * programme). Eight parameters (t_L, the point east/north, azimuth, a0, k, t_v, pitch rate)
 * by Levenberg-Marquardt on the measured positions with each point's full 3x3 covariance, weak
 * priors on t_v and k (they and the unseen low part of the boost are carried into the stated
 * covariance); started from a polynomial fit (east/north L + J tau^3 / 6, up A tau^2 / 2 +
 * J tau^3 / 6 + S tau^4 / 24, which alone is late by a third of the unseen lead) at three
 * launch times, later refits from the last solution. Stated covariance: the inverse normal
 * matrix, scaled by the reduced chi-square when above 1. A boost outside the template (a
 * different thrust or pitch law) is not covered by it: its error is then a model error.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TRIAD_FUSION_LAUNCH_FIT_H
#define TRIAD_FUSION_LAUNCH_FIT_H

#include <stddef.h>

#include "fusion/geo.h"
#include "fusion/tracker.h"

enum { TRIAD__BOOST_HIST = 48, TRIAD__LAUNCH_PARAMS = 9 };

/* Measured positions of the early track (ECEF, with covariances), first TRIAD__BOOST_HIST. */
typedef struct {
    size_t n;
    double t[TRIAD__BOOST_HIST];
    double p[TRIAD__BOOST_HIST][3];
    double c[TRIAD__BOOST_HIST][3][3];
    int frozen;     /* the tracker adds no more (burnt out) */
    int burnt;      /* the fit found the burnout inside the data */
    int gturn;      /* the fit's family: gravity turn (else pitch programme) */
    int cold_final; /* the frozen history had its full (cold) fit */
    int have_guess; /* the last fit's parameters: the next fit starts there */
    double guess[TRIAD__LAUNCH_PARAMS];
    double guess_cov[TRIAD__LAUNCH_PARAMS][TRIAD__LAUNCH_PARAMS]; /* its stated covariance */
    double guess_chi2;
    size_t guess_n; /* the points that fit saw */
} triad__boost_history;

void triad__boost_history_add(triad__boost_history *h, double t, const double p[3],
                              const double c[3][3]);

/* Fit (needs >= 6 points in time order spanning >= 5 s). 0 with the launch point (on the
 * ellipsoid), its 1-sigma ellipse, time and time sigma (and h's guess updated); -1 when there is
 * too little or the fit fails. */
int triad__launch_fit(triad__boost_history *h, triad_geodetic *launch, triad_ellipse *e,
                      double *t_launch, double *t_sigma);

/* Is the later history b (a track born after a's last point) the same missile as a? The
 * template fitted to both together (warm from a's fit, its burnout free) must raise a's
 * chi-square by no more than the 0.999 quantile for b's measurements. 1 if so, else 0. */
int triad__launch_same_missile(const triad__boost_history *a, const triad__boost_history *b);

/* Inverse of the leading n x n (n <= 7) of a symmetric positive definite matrix by Cholesky
 * (the launch fit's normal equations, the track-to-track test). 0, or -1 if not positive. */
int triad__spd_inv(int n, const double a[TRIAD_STATE_DIM][TRIAD_STATE_DIM],
                   double inv[TRIAD_STATE_DIM][TRIAD_STATE_DIM]);

#endif
