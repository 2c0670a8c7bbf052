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

void triad_gravity_gradient_ecef(const double p[3], double g[3][3])
{
    /* a_i = -GM x_i F_i(r, z) (+ w^2 x_i for x, y) with
     * F = r^-3 + k r^-5 - 5 k z^2 r^-7 (x, y), Fz = r^-3 + 3 k r^-5 - 5 k z^2 r^-7, k = 1.5 J2 a^2 */
    const double r2 = p[0] * p[0] + p[1] * p[1] + p[2] * p[2];
    memset(g, 0, sizeof(double) * 9);
    if (!(r2 > 0.0))
        return;
    const double r = sqrt(r2), k = 1.5 * TRIAD_EARTH_J2 * TRIAD_WGS84_A * TRIAD_WGS84_A;
    const double r3 = 1.0 / (r2 * r), r5 = r3 / r2, r7 = r5 / r2, r9 = r7 / r2;
    const double z = p[2], z2 = z * z, mu = TRIAD_WGS84_GM, w2 = TRIAD_WGS84_OMEGA * TRIAD_WGS84_OMEGA;
    const double f_xy = r3 + k * r5 - 5.0 * k * z2 * r7, f_z = r3 + 3.0 * k * r5 - 5.0 * k * z2 * r7;
    for (int j = 0; j < 3; j++) {
        const double common = -3.0 * r5 * p[j] + 35.0 * k * z2 * r9 * p[j] -
                              (j == 2 ? 10.0 * k * z * r7 : 0.0);
        const double d_xy = common - 5.0 * k * r7 * p[j], d_z = common - 15.0 * k * r7 * p[j];
        for (int i = 0; i < 2; i++)
            g[i][j] = -mu * ((i == j ? f_xy : 0.0) + p[i] * d_xy) + (i == j ? w2 : 0.0);
        g[2][j] = -mu * ((j == 2 ? f_z : 0.0) + z * d_z);
    }
}

static void matmul(const double a[N][N], const double b[N][N], double c[N][N])
{
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            double s = 0.0;
            for (int k = 0; k < N; k++)
                s += a[i][k] * b[k][j];
            c[i][j] = s;
        }
}

/* out = f + h p */
static void axpy(const double f[N][N], double h, const double p[N][N], double out[N][N])
{
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            out[i][j] = f[i][j] + h * p[i][j];
}

/* dx/dt of the state in the rotating frame; with a not NULL, also the Jacobian
 * A = d(dx/dt)/dx [7][7] (the variational equations' matrix). */
static void deriv(triad_motion model, const double x[N], double dx[N], double a[N][N])
{
    dx[0] = x[3];
    dx[1] = x[4];
    dx[2] = x[5];
    dx[3] = dx[4] = dx[5] = dx[6] = 0.0;
    if (a) {
        memset(a, 0, sizeof(double) * N * N);
        a[0][3] = a[1][4] = a[2][5] = 1.0;
    }
    if (model == TRIAD_MOTION_CV)
        return;
    double g[3];
    triad_gravity_ecef(x, g);
    const double w = TRIAD_WGS84_OMEGA;
    /* Coriolis -2 omega x v with omega = (0, 0, w) */
    dx[3] = g[0] + 2.0 * w * x[4];
    dx[4] = g[1] - 2.0 * w * x[3];
    dx[5] = g[2];
    if (a) {
        double gg[3][3];
        triad_gravity_gradient_ecef(x, gg);
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                a[3 + i][j] = gg[i][j];
        a[3][4] = 2.0 * w;
        a[4][3] = -2.0 * w;
    }
    if (model == TRIAD_MOTION_BOOST) {
        const double v = sqrt(x[3] * x[3] + x[4] * x[4] + x[5] * x[5]);
        if (v > 1e-6) { /* no direction at rest: no thrust */
            double u[3] = {x[3] / v, x[4] / v, x[5] / v};
            for (int i = 0; i < 3; i++)
                dx[3 + i] += x[6] * u[i];
            if (a) /* d(x6 u)/dv = x6 (I - u u') / v, d/dx6 = u */
                for (int i = 0; i < 3; i++) {
                    for (int j = 0; j < 3; j++)
                        a[3 + i][3 + j] += x[6] * ((i == j ? 1.0 : 0.0) - u[i] * u[j]) / v;
                    a[3 + i][6] = u[i];
                }
        }
    }
}

/* The step the physics allows (see triad_propagate): a fraction of the local dynamical time
 * sqrt(r^3 / GM) under gravity (~13 s near the ground), 1 s while thrusting (the thrust turns
 * the velocity on that scale), never under TRIAD_PROPAGATE_MIN_STEP_S. */
static double physical_step(triad_motion model, const double x[N])
{
    if (model == TRIAD_MOTION_BOOST)
        return TRIAD_PROPAGATE_MIN_STEP_S;
    const double r = sqrt(x[0] * x[0] + x[1] * x[1] + x[2] * x[2]);
    const double tau = sqrt(r * r * r / TRIAD_WGS84_GM);
    return fmin(TRIAD_PROPAGATE_MAX_STEP_S, fmax(TRIAD_PROPAGATE_MIN_STEP_S, tau / 64.0));
}

/* RK4 over dt in equal steps no longer than physical_step at the start; with f not NULL the
 * state transition matrix is integrated alongside (the same stages differentiated, so it is
 * the exact Jacobian of the discrete map). Returns the number of steps. */
static long rk4(triad_motion model, double x[N], double dt, double f[N][N])
{
    if (dt == 0.0)
        return 0;
    const long steps = (long)ceil(fabs(dt) / physical_step(model, x));
    const double h = dt / (double)steps;
    double k1[N], k2[N], k3[N], k4[N], t[N];
    double a[N][N], p1[N][N], p2[N][N], p3[N][N], p4[N][N], pt[N][N];
    double (*am)[N] = f ? a : NULL;
    for (long s = 0; s < steps; s++) {
        deriv(model, x, k1, am);
        if (f)
            matmul(a, f, p1);
        for (int i = 0; i < N; i++)
            t[i] = x[i] + 0.5 * h * k1[i];
        if (f)
            axpy(f, 0.5 * h, p1, pt);
        deriv(model, t, k2, am);
        if (f)
            matmul(a, pt, p2);
        for (int i = 0; i < N; i++)
            t[i] = x[i] + 0.5 * h * k2[i];
        if (f)
            axpy(f, 0.5 * h, p2, pt);
        deriv(model, t, k3, am);
        if (f)
            matmul(a, pt, p3);
        for (int i = 0; i < N; i++)
            t[i] = x[i] + h * k3[i];
        if (f)
            axpy(f, h, p3, pt);
        deriv(model, t, k4, am);
        if (f)
            matmul(a, pt, p4);
        for (int i = 0; i < N; i++)
            x[i] += h / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]);
        if (f)
            for (int i = 0; i < N; i++)
                for (int j = 0; j < N; j++)
                    f[i][j] += h / 6.0 * (p1[i][j] + 2.0 * p2[i][j] + 2.0 * p3[i][j] + p4[i][j]);
    }
    return steps;
}

long triad_propagate(triad_motion model, double x[TRIAD_STATE_DIM], double dt,
                     double f[TRIAD_STATE_DIM][TRIAD_STATE_DIM])
{
    if (f) {
        memset(f, 0, sizeof(double) * N * N);
        for (int i = 0; i < N; i++)
            f[i][i] = 1.0;
    }
    if (dt == 0.0)
        return 0;
    if (!isfinite(dt) || (model != TRIAD_MOTION_CV && fabs(dt) > TRIAD_PROPAGATE_MAX_S)) {
        for (int i = 0; i < N; i++) /* beyond any flight's horizon: no meaningful state */
            x[i] = NAN;
        return -1;
    }
    if (model == TRIAD_MOTION_CV) { /* closed form: a straight line in ECEF */
        for (int i = 0; i < 3; i++) {
            x[i] += dt * x[3 + i];
            if (f)
                f[i][3 + i] = dt;
        }
        return 0;
    }
    const long steps = rk4(model, x, dt, f);
    if (f && model != TRIAD_MOTION_BOOST) { /* BALLISTIC carries no thrust: its column stays e6 */
        for (int i = 0; i < N; i++)
            f[i][6] = f[6][i] = i == 6 ? 1.0 : 0.0;
    }
    return steps;
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
    return triad_propagate_model_to_altitude(TRIAD_MOTION_BALLISTIC, x, alt_m, backward, max_s);
}

double triad_propagate_model_to_altitude(triad_motion model, double x[TRIAD_STATE_DIM],
                                         double alt_m, int backward, double max_s)
{
    for (int i = 0; i < 6; i++)
        if (!isfinite(x[i]))
            return NAN;
    if (!(max_s > 0.0) || !(max_s <= TRIAD_PROPAGATE_MAX_S) || !isfinite(alt_m))
        return NAN;
    const double sign = backward ? -1.0 : 1.0;
    const double coarse_s = 5.0; /* shorter than any excursion across alt_m we must not miss */
    double cur[N];
    memcpy(cur, x, sizeof cur);
    double t = 0.0;
    const double d0 = altitude(cur) - alt_m;
    if (d0 == 0.0)
        return 0.0;
    double dc = d0;
    while (t < max_s) {
        /* Far from alt_m the step can be longer: no crossing is possible while
         * speed h + acc h^2 / 2 stays under the height gap (acc: gravity, Coriolis and thrust
         * bounded generously), so a long step there misses nothing. */
        const double v = sqrt(cur[3] * cur[3] + cur[4] * cur[4] + cur[5] * cur[5]);
        const double acc = 11.0 + (model == TRIAD_MOTION_BOOST ? fabs(cur[6]) : 0.0);
        const double safe = (-v + sqrt(v * v + 2.0 * acc * 0.9 * fabs(dc))) / acc;
        const double h = fmin(fmax(coarse_s, safe), max_s - t);
        double next[N];
        memcpy(next, cur, sizeof next);
        rk4(model, next, sign * h, NULL);
        const double d1 = altitude(next) - alt_m;
        if (!isfinite(d1))
            return NAN;
        if ((d0 > 0.0) != (d1 > 0.0) || d1 == 0.0) {
            /* The crossing time inside [0, h] from cur by regula falsi (Illinois: the kept
             * end's value halved), to 0.1 microsecond; lo keeps cur's side, hi the far side. */
            double lo = 0.0, hi = h, flo = dc, fhi = d1;
            int side = 0;
            for (int it = 0; it < 60 && hi - lo > 1e-7; it++) {
                double mid = flo != fhi ? hi - fhi * (hi - lo) / (fhi - flo) : 0.5 * (lo + hi);
                if (!(mid > lo && mid < hi))
                    mid = 0.5 * (lo + hi);
                double m[N];
                memcpy(m, cur, sizeof m);
                rk4(model, m, sign * mid, NULL);
                const double dm = altitude(m) - alt_m;
                if ((dm > 0.0) == (d0 > 0.0) && dm != 0.0) {
                    lo = mid;
                    flo = dm;
                    if (side == -1)
                        fhi *= 0.5;
                    side = -1;
                } else {
                    hi = mid;
                    fhi = dm;
                    if (dm == 0.0)
                        break;
                    if (side == 1)
                        flo *= 0.5;
                    side = 1;
                }
                if (fabs(dm) < 1e-6) { /* within a micrometre of alt_m: done */
                    if ((dm > 0.0) == (d0 > 0.0) && dm != 0.0)
                        hi = mid;
                    break;
                }
            }
            double best[N]; /* at hi: on (or just past) the crossing */
            memcpy(best, cur, sizeof best);
            rk4(model, best, sign * hi, NULL);
            memcpy(x, best, sizeof best);
            return sign * (t + hi);
        }
        memcpy(cur, next, sizeof cur);
        dc = d1;
        t += h;
    }
    return NAN;
}
