/* Motion models in ECEF (a rotating frame: Coriolis and centrifugal terms included).
 *   TRIAD_MOTION_CV        constant velocity (air targets; ECEF-fixed straight line)
 *   TRIAD_MOTION_BALLISTIC gravity with J2, earth rotation, no drag (above the atmosphere)
 *   TRIAD_MOTION_BOOST     ballistic plus a thrust acceleration along velocity (state[6], m/s^2)
 * State: x[0..2] position m, x[3..5] velocity m/s, x[6] along-track acceleration (BOOST only,
 * else ignored and kept).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TRIAD_FUSION_DYNAMICS_H
#define TRIAD_FUSION_DYNAMICS_H

#include "core/messages.h" /* triad_motion, TRIAD_STATE_DIM */

/* Gravity (with J2) plus centrifugal acceleration at ECEF position p: a[3], m/s^2. */
void triad_gravity_ecef(const double p[3], double a[3]);
/* Its gradient d a_i / d p_j [3][3] (analytic), 1/s^2. */
void triad_gravity_gradient_ecef(const double p[3], double g[3][3]);

/* Propagation is stepped by the physics, not the clock: RK4 in equal steps no longer than
 * 1/64 of the local dynamical time sqrt(r^3 / GM) under gravity (~12.6 s at the ground, at most
 * TRIAD_PROPAGATE_MAX_STEP_S) and TRIAD_PROPAGATE_MIN_STEP_S while thrusting; CV is closed form.
 * Beyond TRIAD_PROPAGATE_MAX_S (longer than any ballistic flight) a BALLISTIC or BOOST state has
 * no meaning: it becomes NaN at no cost. So one call takes at most
 * ceil(TRIAD_PROPAGATE_MAX_S / TRIAD_PROPAGATE_MIN_STEP_S) steps, whatever dt. */
#define TRIAD_PROPAGATE_MIN_STEP_S 1.0
#define TRIAD_PROPAGATE_MAX_STEP_S 20.0
#define TRIAD_PROPAGATE_MAX_S 7200.0

/* Propagate x over dt seconds (forward or backward). If f is not NULL it receives the state
 * transition matrix d x(t+dt) / d x(t) [7][7], integrated with the state (variational
 * equations; for BALLISTIC and CV the thrust row and column are the unit vector). Returns the
 * number of RK4 steps taken (0 for CV or dt = 0), or -1 when dt is not finite or beyond the
 * horizon (x is then NaN). */
long triad_propagate(triad_motion model, double x[TRIAD_STATE_DIM], double dt,
                     double f[TRIAD_STATE_DIM][TRIAD_STATE_DIM]);

/* Process noise Q [7][7] for dt: white acceleration of spectral density q (m^2/s^3) on the
 * velocity (and q_thrust on the thrust term for BOOST). */
void triad_process_noise(triad_motion model, double dt, double q, double q_thrust,
                         double out[TRIAD_STATE_DIM][TRIAD_STATE_DIM]);

/* Propagate forward (dt > 0) or backward (dt < 0) under BALLISTIC until the height above the
 * ellipsoid crosses alt_m; returns the time taken (signed), or NAN if not reached within
 * max_s. x is updated to the crossing state. */
double triad_propagate_to_altitude(double x[TRIAD_STATE_DIM], double alt_m, int backward,
                                   double max_s);
/* The same under any model (BOOST: flying a boost back to the pad). max_s <= the horizon. */
double triad_propagate_model_to_altitude(triad_motion model, double x[TRIAD_STATE_DIM],
                                         double alt_m, int backward, double max_s);

#endif
