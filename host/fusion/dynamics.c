/* Motion models in the rotating ECEF frame: constant velocity, ballistic (J2 gravity, earth
 * rotation) and boost (ballistic plus thrust along velocity); RK4 propagation, its state
 * transition matrix, process noise, and the search for an altitude crossing.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "fusion/dynamics.h"

#include <math.h>
#include <string.h>

#include "fusion/geo.h"

enum { N = TRIAD_STATE_DIM };

void triad_gravity_ecef(const double p[3], double a[3])
{
    const double r2 = p[0] * p[0] + p[1] * p[1] + p[2] * p[2];
    const double r = sqrt(r2);
    if (!(r > 0.0)) {
        a[0] = a[1] = a[2] = 0.0;
        return;
    }
    const double mu_r3 = TRIAD_WGS84_GM / (r2 * r);
    const double k = 1.5 * TRIAD_EARTH_J2 * TRIAD_WGS84_A * TRIAD_WGS84_A / r2;
    const double s = p[2] * p[2] / r2; /* sin^2 of the geocentric latitude */
    const double w2 = TRIAD_WGS84_OMEGA * TRIAD_WGS84_OMEGA;
    a[0] = -mu_r3 * p[0] * (1.0 - k * (5.0 * s - 1.0)) + w2 * p[0]; /* + centrifugal */
    a[1] = -mu_r3 * p[1] * (1.0 - k * (5.0 * s - 1.0)) + w2 * p[1];
    a[2] = -mu_r3 * p[2] * (1.0 - k * (5.0 * s - 3.0));
}

/* dx/dt of the state in the rotating frame. */
static void deriv(triad_motion model, const double x[N], double dx[N])
{
    dx[0] = x[3];
    dx[1] = x[4];
    dx[2] = x[5];
    dx[3] = dx[4] = dx[5] = dx[6] = 0.0;
    if (model == TRIAD_MOTION_CV)
        return;
    double g[3];
    triad_gravity_ecef(x, g);
    const double w = TRIAD_WGS84_OMEGA;
    /* Coriolis -2 omega x v with omega = (0, 0, w) */
    dx[3] = g[0] + 2.0 * w * x[4];
    dx[4] = g[1] - 2.0 * w * x[3];
    dx[5] = g[2];
    if (model == TRIAD_MOTION_BOOST) {
        const double v = sqrt(x[3] * x[3] + x[4] * x[4] + x[5] * x[5]);
        if (v > 1e-6) { /* no direction at rest: no thrust */
            for (int i = 0; i < 3; i++)
                dx[3 + i] += x[6] * x[3 + i] / v;
        }
    }
}

static void rk4(triad_motion model, double x[N], double dt)
{
    if (dt == 0.0)
        return;
    if (!(fabs(dt) < 1e9)) { /* NaN or beyond any track's horizon: no meaningful state */
        for (int i = 0; i < N; i++)
            x[i] = NAN;
        return;
    }
    const long steps = (long)ceil(fabs(dt) / 1.0);
    const double h = dt / steps;
    double k1[N], k2[N], k3[N], k4[N], t[N];
    for (long s = 0; s < steps; s++) {
        deriv(model, x, k1);
        for (int i = 0; i < N; i++)
            t[i] = x[i] + 0.5 * h * k1[i];
        deriv(model, t, k2);
        for (int i = 0; i < N; i++)
            t[i] = x[i] + 0.5 * h * k2[i];
        deriv(model, t, k3);
        for (int i = 0; i < N; i++)
            t[i] = x[i] + h * k3[i];
        deriv(model, t, k4);
        for (int i = 0; i < N; i++)
            x[i] += h / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]);
    }
}

void triad_propagate(triad_motion model, double x[TRIAD_STATE_DIM], double dt,
                     double f[TRIAD_STATE_DIM][TRIAD_STATE_DIM])
{
    if (f) {
        memset(f, 0, sizeof(double) * N * N);
        for (int i = 0; i < N; i++)
            f[i][i] = 1.0;
        if (model == TRIAD_MOTION_CV) {
            for (int i = 0; i < 3; i++)
                f[i][3 + i] = dt;
        } else {
            /* Central differences of the propagator itself (the same fixed RK4 steps, so
             * smooth in the state): steps ~1e-6 of each component's scale. BALLISTIC has no
             * thrust state, its column stays the unit vector. */
            const double step[N] = {1.0, 1.0, 1.0, 1e-3, 1e-3, 1e-3, 1e-4};
            const int cols = model == TRIAD_MOTION_BOOST ? N : N - 1;
            for (int j = 0; j < cols; j++) {
                double xp[N], xm[N];
                memcpy(xp, x, sizeof xp);
                memcpy(xm, x, sizeof xm);
                xp[j] += step[j];
                xm[j] -= step[j];
                rk4(model, xp, dt);
                rk4(model, xm, dt);
                for (int i = 0; i < N; i++)
                    f[i][j] = (xp[i] - xm[i]) / (2.0 * step[j]);
            }
        }
    }
    rk4(model, x, dt);
}

void triad_process_noise(triad_motion model, double dt, double q, double q_thrust,
                         double out[TRIAD_STATE_DIM][TRIAD_STATE_DIM])
{
    memset(out, 0, sizeof(double) * N * N);
    /* Discrete white-noise acceleration per axis; backwards the cross term changes sign
     * (the position error then leads the velocity error the other way). */
    const double a = fabs(dt);
    for (int i = 0; i < 3; i++) {
        out[i][i] = q * a * a * a / 3.0;
        out[i][3 + i] = out[3 + i][i] = q * dt * a / 2.0;
        out[3 + i][3 + i] = q * a;
    }
    if (model == TRIAD_MOTION_BOOST)
        out[6][6] = q_thrust * a;
}

static double altitude(const double x[N])
{
    triad_geodetic g;
    triad_ecef_to_geo(x, &g);
    return g.alt_m;
}

double triad_propagate_to_altitude(double x[TRIAD_STATE_DIM], double alt_m, int backward,
                                   double max_s)
{
    for (int i = 0; i < 6; i++)
        if (!isfinite(x[i]))
            return NAN;
    if (!(max_s > 0.0) || !isfinite(max_s) || !isfinite(alt_m))
        return NAN;
    const double sign = backward ? -1.0 : 1.0;
    const double coarse_s = 5.0; /* shorter than any excursion across alt_m we must not miss */
    double cur[N];
    memcpy(cur, x, sizeof cur);
    double t = 0.0;
    const double d0 = altitude(cur) - alt_m;
    if (d0 == 0.0)
        return 0.0;
    while (t < max_s) {
        const double h = fmin(coarse_s, max_s - t);
        double next[N];
        memcpy(next, cur, sizeof next);
        rk4(TRIAD_MOTION_BALLISTIC, next, sign * h);
        const double d1 = altitude(next) - alt_m;
        if (!isfinite(d1))
            return NAN;
        if ((d0 > 0.0) != (d1 > 0.0) || d1 == 0.0) {
            /* Bisect the time inside [0, h] from cur, to well under a microsecond. */
            double lo = 0.0, hi = h;
            for (int it = 0; it < 60 && hi - lo > 1e-9; it++) {
                const double mid = 0.5 * (lo + hi);
                double m[N];
                memcpy(m, cur, sizeof m);
                rk4(TRIAD_MOTION_BALLISTIC, m, sign * mid);
                const double dm = altitude(m) - alt_m;
                if ((dm > 0.0) == (d0 > 0.0) && dm != 0.0)
                    lo = mid;
                else
                    hi = mid;
            }
            double best[N]; /* at hi: on (or just past) the crossing */
            memcpy(best, cur, sizeof best);
            rk4(TRIAD_MOTION_BALLISTIC, best, sign * hi);
            memcpy(x, best, sizeof best);
            return sign * (t + hi);
        }
        memcpy(cur, next, sizeof cur);
        t += h;
    }
    return NAN;
}
