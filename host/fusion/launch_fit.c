/* The launch point and time from the early track (see launch_fit.h).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "fusion/launch_fit.h"

#include <math.h>
#include <string.h>

#define NP 7        /* L_e, L_n, A_u, J_e, J_n, J_u, S_u (= TRIAD_STATE_DIM: one inverse) */
#define SEARCH_S 240.0 /* the launch within this long before the first point */
#define MIN_LEAD_S 1.0 /* and at least this long before it */
#define MODEL_TIME_FRAC 0.5

void triad__boost_history_add(triad__boost_history *h, double t, const double p[3],
                              const double c[3][3])
{
    if (h->n >= TRIAD__BOOST_HIST)
        return;
    h->t[h->n] = t;
    memcpy(h->p[h->n], p, sizeof h->p[0]);
    memcpy(h->c[h->n], c, sizeof h->c[0]);
    h->n++;
}

static int inv3(const double a[3][3], double o[3][3])
{
    const double d = a[0][0] * (a[1][1] * a[2][2] - a[1][2] * a[2][1]) -
                     a[0][1] * (a[1][0] * a[2][2] - a[1][2] * a[2][0]) +
                     a[0][2] * (a[1][0] * a[2][1] - a[1][1] * a[2][0]);
    if (!(fabs(d) > 0.0) || !isfinite(d))
        return -1;
    o[0][0] = (a[1][1] * a[2][2] - a[1][2] * a[2][1]) / d;
    o[0][1] = (a[0][2] * a[2][1] - a[0][1] * a[2][2]) / d;
    o[0][2] = (a[0][1] * a[1][2] - a[0][2] * a[1][1]) / d;
    o[1][0] = (a[1][2] * a[2][0] - a[1][0] * a[2][2]) / d;
    o[1][1] = (a[0][0] * a[2][2] - a[0][2] * a[2][0]) / d;
    o[1][2] = (a[0][2] * a[1][0] - a[0][0] * a[1][2]) / d;
    o[2][0] = (a[1][0] * a[2][1] - a[1][1] * a[2][0]) / d;
    o[2][1] = (a[0][1] * a[2][0] - a[0][0] * a[2][1]) / d;
    o[2][2] = (a[0][0] * a[1][1] - a[0][1] * a[1][0]) / d;
    return 0;
}

/* The 1-sigma ellipse of an east/north covariance (orientation clockwise from north). */
static void ellipse_en(double cee, double cnn, double cen, triad_ellipse *e)
{
    const double mid = 0.5 * (cee + cnn), rad = sqrt(0.25 * (cee - cnn) * (cee - cnn) + cen * cen);
    e->semi_major_m = sqrt(fmax(mid + rad, 0.0));
    e->semi_minor_m = sqrt(fmax(mid - rad, 0.0));
    const double th = 0.5 * atan2(2.0 * cen, cee - cnn) * (180.0 / 3.14159265358979323846);
    const double brg = fmod(90.0 - th, 180.0);
    e->orientation_deg = brg < 0.0 ? brg + 180.0 : brg;
}

typedef struct {
    size_t n;
    double t[TRIAD__BOOST_HIST];
    double z[TRIAD__BOOST_HIST][3];    /* ENU */
    double w[TRIAD__BOOST_HIST][3][3]; /* inverse covariance, ENU */
} enu_data;

/* Weighted least squares at a given launch time: chi-square, parameters and covariance. */
static double solve_at(const enu_data *d, double tl, double par[NP], double cov[NP][NP])
{
    double nm[NP][NP] = {{0}}, b[NP] = {0};
    for (size_t k = 0; k < d->n; k++) {
        const double tau = d->t[k] - tl;
        if (tau <= 0.0)
            return INFINITY;
        const double q = 0.5 * tau * tau, c = tau * tau * tau / 6.0;
        const double f = c * tau / 4.0;
        double h[3][NP] = {{1, 0, 0, c, 0, 0, 0}, {0, 1, 0, 0, c, 0, 0}, {0, 0, q, 0, 0, c, f}};
        double wh[3][NP];
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < NP; j++)
                wh[i][j] = d->w[k][i][0] * h[0][j] + d->w[k][i][1] * h[1][j] + d->w[k][i][2] * h[2][j];
        for (int a = 0; a < NP; a++) {
            for (int j = 0; j < NP; j++)
                nm[a][j] += h[0][a] * wh[0][j] + h[1][a] * wh[1][j] + h[2][a] * wh[2][j];
            b[a] += wh[0][a] * d->z[k][0] + wh[1][a] * d->z[k][1] + wh[2][a] * d->z[k][2];
        }
    }
    if (triad__spd_inv(NP, nm, cov))
        return INFINITY;
    for (int a = 0; a < NP; a++) {
        par[a] = 0.0;
        for (int j = 0; j < NP; j++)
            par[a] += cov[a][j] * b[j];
    }
    double chi2 = 0.0;
    for (size_t k = 0; k < d->n; k++) {
        const double tau = d->t[k] - tl, q = 0.5 * tau * tau, c = tau * tau * tau / 6.0;
        const double r[3] = {d->z[k][0] - (par[0] + c * par[3]), d->z[k][1] - (par[1] + c * par[4]),
                             d->z[k][2] - (q * par[2] + c * par[5] + c * tau / 4.0 * par[6])};
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                chi2 += r[i] * d->w[k][i][j] * r[j];
    }
    return chi2;
}

/* The fit in the local frame at the ground point o. */
static int fit_in_frame(const triad__boost_history *h, triad_geodetic o, triad_geodetic *launch,
                        triad_ellipse *e, double *t_launch, double *t_sigma, double jerk_en[2])
{
    double r[3][3];
    triad_enu_basis(&o, r);
    enu_data d;
    d.n = h->n;
    for (size_t k = 0; k < h->n; k++) {
        d.t[k] = h->t[k] - h->t[0]; /* times from the first point */
        triad_ecef_to_enu(&o, h->p[k], d.z[k]);
        double ce[3][3];
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++) {
                double s = 0.0;
                for (int a = 0; a < 3; a++)
                    for (int b = 0; b < 3; b++)
                        s += r[i][a] * h->c[k][a][b] * r[j][b];
                ce[i][j] = s;
            }
        if (inv3(ce, d.w[k]))
            return -1;
    }
    double par[NP], cov[NP][NP];
    /* coarse grid, then golden section around the best */
    double best_t = NAN, best = INFINITY;
    for (double tl = -SEARCH_S; tl <= -MIN_LEAD_S; tl += 6.0) {
        const double c2 = solve_at(&d, tl, par, cov);
        if (c2 < best) {
            best = c2;
            best_t = tl;
        }
    }
    if (!isfinite(best))
        return -1;
    double lo = fmax(-SEARCH_S, best_t - 6.0), hi = fmin(-MIN_LEAD_S, best_t + 6.0);
    const double g = 0.5 * (sqrt(5.0) - 1.0);
    double x1 = hi - g * (hi - lo), x2 = lo + g * (hi - lo);
    double f1 = solve_at(&d, x1, par, cov), f2 = solve_at(&d, x2, par, cov);
    for (int it = 0; it < 24; it++) {
        if (f1 < f2) {
            hi = x2;
            x2 = x1;
            f2 = f1;
            x1 = hi - g * (hi - lo);
            f1 = solve_at(&d, x1, par, cov);
        } else {
            lo = x1;
            x1 = x2;
            f1 = f2;
            x2 = lo + g * (hi - lo);
            f2 = solve_at(&d, x2, par, cov);
        }
    }
    const double tl = 0.5 * (lo + hi);
    const double c0 = solve_at(&d, tl, par, cov);
    if (!isfinite(c0))
        return -1;
    /* the launch time's sigma from the curvature; dL/dt_L by differences */
    const double step = 0.5;
    double pp[NP], pm[NP], cv[NP][NP];
    const double cp = solve_at(&d, tl + step, pp, cv), cm = solve_at(&d, tl - step, pm, cv);
    const double curv = (cp - 2.0 * c0 + cm) / (step * step);
    double st2 = curv > 0.0 && isfinite(curv) ? 2.0 / curv : 100.0 * 100.0;
    const double dle = (pp[0] - pm[0]) / (2.0 * step), dln = (pp[1] - pm[1]) / (2.0 * step);
    const double dof = 3.0 * (double)d.n - (NP + 1);
    const double scale = dof > 0.0 ? fmax(1.0, c0 / dof) : 1.0;
    st2 *= scale;
    /* The polynomial extrapolated back over the unseen first part of the boost: its time is
     * biased by the real law's shape (measured on pitch programmes with rising thrust: late by
     * up to half that lead), stated as a model-error sigma. */
    const double lead = -tl;
    const double st2_time = st2 + (MODEL_TIME_FRAC * lead) * (MODEL_TIME_FRAC * lead);
    const double cee = (cov[0][0] * scale + dle * dle * st2_time);
    const double cnn = (cov[1][1] * scale + dln * dln * st2_time);
    const double cen = (cov[0][1] * scale + dle * dln * st2_time);
    /* the point */
    const double enu[3] = {par[0], par[1], 0.0};
    double pe[3];
    triad_enu_to_ecef(&o, enu, pe);
    triad_ecef_to_geo(pe, launch);
    launch->alt_m = 0.0;
    ellipse_en(cee, cnn, cen, e);
    *t_launch = h->t[0] + tl;
    *t_sigma = sqrt(st2_time);
    jerk_en[0] = par[3];
    jerk_en[1] = par[4];
    return 0;
}

/* ---- The boost template: launch point and time by nonlinear least squares ---- */

enum { P_TL, P_E, P_N, P_AZ, P_A0, P_K, P_TV, P_W, P_TB, NT };
_Static_assert((int)NT == (int)TRIAD__LAUNCH_PARAMS, "the warm start holds every parameter");
_Static_assert((int)NT >= (int)TRIAD_STATE_DIM, "triad__spd_inv pads into NT x NT");
#define PI_2      1.57079632679489661923
/* RK4 steps: within 1 cm (pitch programme, 3 s) and 2 m (gravity turn, 1 s, its turn is fast
 * at low speed) of 0.01 s steps over 150 s; the data's spacing is the step where they are. */
#ifndef H_PITCH_S
#define H_PITCH_S 3.0
#define H_GTURN_S 1.0
#endif
#define B2_A2     ((1.0 - TRIAD_WGS84_F) * (1.0 - TRIAD_WGS84_F))
#define LM_ITERS    40
#define ABORT_ITERS 4
#define MIN_TAU_S 1.0 /* the first point at least this long after lift-off */

/* Weak priors of the template (a generic single-stage boost), in the normal equations and so
 * in the stated covariance: vertical rise 10 +- 6 s, mass flow 0.008 +- 0.005 /s. */
static const double PRIOR_MEAN[NT] = {0, 0, 0, 0, 0, 0.008, 10.0, 0, 0};
static const double PRIOR_SIG[NT] = {INFINITY, INFINITY, INFINITY, INFINITY, INFINITY,
                                     0.005,    6.0,      INFINITY, INFINITY};
#define NO_BURNOUT      1e9 /* t_b while the data show none: fixed, not a parameter */
#define TAIL_POINTS     3
#define TAIL_CHI2       11.34 /* the last TAIL_POINTS each above this (3 dof, p = 0.01): burnt */
#define TAIL_START_CHI2 6.25 /* the burnt tail starts after the last point below this (p = 0.1) */
#define BURNOUT_GAIN    20.0 /* the burnout must lower the chi-square by this much */
/* Forward-difference steps of the Jacobian. */
static const double STEP[NT] = {0.01, 2.0, 2.0, 2e-5, 2e-3, 2e-6, 0.01, 2e-6, 0.01};

typedef struct {
    triad_geodetic o; /* the parameters' origin: the ground below the first point */
    double m_per_lat, m_per_lon;
    size_t n;
    double t[TRIAD__BOOST_HIST];       /* seconds from the first point */
    double z[TRIAD__BOOST_HIST][3];    /* measured ECEF */
    double w[TRIAD__BOOST_HIST][3][3]; /* its inverse covariance */
    int burnt;                         /* t_b is a parameter (the data go past burnout) */
    int gturn;                         /* the gravity-turn family, else the pitch programme */
} tdata;

static void pad_ecef(const tdata *d, const double th[NT], double p[3])
{
    const triad_geodetic g = {d->o.lat_rad + th[P_N] / d->m_per_lat,
                              d->o.lon_rad + th[P_E] / d->m_per_lon, 0.0};
    triad_geo_to_ecef(&g, p);
}

/* The template's state derivative in the rotating ECEF frame: J2 gravity and centrifugal,
 * Coriolis, and a thrust a0 / (1 - k tau) (constant mass flow) along a fixed azimuth, vertical
 * until t_v, then its elevation falling at the constant pitch rate w, in the local frame below
 * the missile (the ellipsoid normal: within 1e-4 rad of the geodetic one up to 300 km). */
static void local_frame(const double s[3], double ea[3], double no[3], double up[3])
{
    up[0] = s[0];
    up[1] = s[1];
    up[2] = s[2] / B2_A2;
    const double nu = sqrt(up[0] * up[0] + up[1] * up[1] + up[2] * up[2]);
    const double rho = sqrt(s[0] * s[0] + s[1] * s[1]);
    for (int i = 0; i < 3; i++)
        up[i] /= nu;
    ea[0] = -s[1] / rho;
    ea[1] = s[0] / rho;
    ea[2] = 0.0;
    no[0] = up[1] * ea[2] - up[2] * ea[1];
    no[1] = up[2] * ea[0] - up[0] * ea[2];
    no[2] = up[0] * ea[1] - up[1] * ea[0];
}

/* The gravity-turn family: vertical until t_v (gturn 1), there the velocity is turned to the
 * elevation 90 deg - w (the kick; from at least 1 m/s), then the thrust is along the velocity
 * in the rotating frame (gturn 2). gturn 0: the pitch programme. */
static void tderiv(const double th[NT], int gturn, int thrust, double saz, double caz,
                   double tau, const double s[6], double ds[6])
{
    double g[3];
    triad_gravity_ecef(s, g);
    const double a = thrust ? th[P_A0] / (1.0 - th[P_K] * tau) : 0.0;
    const double vn = sqrt(s[3] * s[3] + s[4] * s[4] + s[5] * s[5]);
    if (gturn == 2 && vn > 0.1) {
        for (int i = 0; i < 3; i++) {
            ds[i] = s[3 + i];
            ds[3 + i] = g[i] + a * s[3 + i] / vn;
        }
        ds[3] += 2.0 * TRIAD_WGS84_OMEGA * s[4];
        ds[4] -= 2.0 * TRIAD_WGS84_OMEGA * s[3];
        return;
    }
    const double el =
        tau < th[P_TV] || gturn ? PI_2 : fmax(0.0, PI_2 - th[P_W] * (tau - th[P_TV]));
    double up[3], ea[3], no[3];
    local_frame(s, ea, no, up);
    const double ce = cos(el), se = sin(el);
    for (int i = 0; i < 3; i++) {
        ds[i] = s[3 + i];
        ds[3 + i] = g[i] + a * (ce * saz * ea[i] + ce * caz * no[i] + se * up[i]);
    }
    ds[3] += 2.0 * TRIAD_WGS84_OMEGA * s[4];
    ds[4] -= 2.0 * TRIAD_WGS84_OMEGA * s[3];
}

static void rk4(const double th[NT], int gt, double saz, double caz, double tau, double h,
                double s[6])
{
    double k1[6], k2[6], k3[6], k4[6], y[6];
    const int on = tau < th[P_TB] - 1e-9; /* steps end at t_b: a step thrusts or coasts */
    tderiv(th, gt, on, saz, caz, tau, s, k1);
    for (int i = 0; i < 6; i++)
        y[i] = s[i] + 0.5 * h * k1[i];
    tderiv(th, gt, on, saz, caz, tau + 0.5 * h, y, k2);
    for (int i = 0; i < 6; i++)
        y[i] = s[i] + 0.5 * h * k2[i];
    tderiv(th, gt, on, saz, caz, tau + 0.5 * h, y, k3);
    for (int i = 0; i < 6; i++)
        y[i] = s[i] + h * k3[i];
    tderiv(th, gt, on, saz, caz, tau + h, y, k4);
    for (int i = 0; i < 6; i++)
        s[i] += h / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]);
}

/* The template's positions at the data times (ascending); -1 where it cannot fly them. Steps
 * of their own length (ending at t_v and t_b), the data between by cubic Hermite interpolation
 * of position and velocity (within 1 cm over a 3 s step of this smooth thrust). */
static int tmodel(const tdata *d, const double th[NT], double x[][3])
{
    double s[6] = {0};
    pad_ecef(d, th, s);
    const double saz = sin(th[P_AZ]), caz = cos(th[P_AZ]);
    const double tau_end = d->t[d->n - 1] - th[P_TL];
    if (!(d->t[0] - th[P_TL] > 0.0) || !(1.0 - th[P_K] * fmin(tau_end, th[P_TB]) > 0.05))
        return -1;
    const double hmax = d->gturn ? H_GTURN_S : H_PITCH_S;
    double tau = 0.0;
    int kicked = 0;
    size_t k = 0;
    while (k < d->n) {
        if (!(tau_end - tau > 1e-9)) { /* the last points at the end */
            for (; k < d->n; k++)
                memcpy(x[k], s, sizeof x[k]);
            break;
        }
        if (d->gturn && !kicked && tau >= th[P_TV] - 1e-9) { /* the gravity turn's kick */
            double up[3], ea[3], no[3];
            local_frame(s, ea, no, up);
            const double v = fmax(1.0, sqrt(s[3] * s[3] + s[4] * s[4] + s[5] * s[5]));
            const double el = PI_2 - th[P_W], ce = cos(el), se = sin(el);
            for (int i = 0; i < 3; i++)
                s[3 + i] = v * (ce * saz * ea[i] + ce * caz * no[i] + se * up[i]);
            kicked = 1;
        }
        double h = fmin(hmax, tau_end - tau);
        if (tau < th[P_TV] - 1e-9 && tau + h > th[P_TV])
            h = th[P_TV] - tau; /* a step ends where the pitch-over starts */
        if (tau < th[P_TB] - 1e-9 && tau + h > th[P_TB])
            h = th[P_TB] - tau; /* and where the thrust ends */
        double s0[6];
        memcpy(s0, s, sizeof s0);
        rk4(th, d->gturn ? 1 + kicked : 0, saz, caz, tau, h, s);
        const double t1 = tau + h;
        for (; k < d->n && d->t[k] - th[P_TL] <= t1 + 1e-9; k++) {
            const double u = fmin(fmax((d->t[k] - th[P_TL] - tau) / h, 0.0), 1.0);
            const double h00 = (1.0 + 2.0 * u) * (1.0 - u) * (1.0 - u), h10 = u * (1.0 - u) * (1.0 - u);
            const double h01 = u * u * (3.0 - 2.0 * u), h11 = u * u * (u - 1.0);
            for (int i = 0; i < 3; i++)
                x[k][i] = h00 * s0[i] + h10 * h * s0[3 + i] + h01 * s[i] + h11 * h * s[3 + i];
        }
        tau = t1;
    }
    return 0;
}

static double prior_chi2(const double th[NT])
{
    double c = 0.0;
    for (int p = 0; p < NT; p++)
        if (isfinite(PRIOR_SIG[p])) {
            const double u = (th[p] - PRIOR_MEAN[p]) / PRIOR_SIG[p];
            c += u * u;
        }
    return c;
}

static double tchi2(const tdata *d, const double th[NT], double x[][3])
{
    if (tmodel(d, th, x))
        return INFINITY;
    double c = prior_chi2(th);
    for (size_t k = 0; k < d->n; k++) {
        const double r[3] = {d->z[k][0] - x[k][0], d->z[k][1] - x[k][1], d->z[k][2] - x[k][2]};
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                c += r[i] * d->w[k][i][j] * r[j];
    }
    return isfinite(c) ? c : INFINITY;
}

/* Keep the parameters physical: lift-off (a0 above g), mass left, pitch-over downwards. */
static void clamp_params(const tdata *d, double th[NT])
{
    th[P_TL] = fmin(fmax(th[P_TL], -SEARCH_S), -MIN_TAU_S);
    th[P_A0] = fmin(fmax(th[P_A0], 10.5), 300.0);
    const double tau_max = d->t[d->n - 1] - th[P_TL];
    th[P_K] =
        fmin(fmax(th[P_K], 0.0), 0.9 / fmin(tau_max, d->burnt ? fmax(th[P_TB], 1.0) : tau_max));
    th[P_TV] = fmin(fmax(th[P_TV], 0.0), tau_max);
    th[P_W] = fmin(fmax(th[P_W], 0.0), d->gturn ? 0.7 : 0.1);
    th[P_TB] = d->burnt ? fmin(fmax(th[P_TB], th[P_TV] + 1.0), tau_max - 0.5) : NO_BURNOUT;
}

/* Solve a x = b (a symmetric positive definite, NT x NT) and, if inv, its inverse. */
static int chol_solve(const double a[NT][NT], const double b[NT], double x[NT], double inv[NT][NT])
{
    double l[NT][NT] = {{0}};
    for (int j = 0; j < NT; j++) {
        double s = a[j][j];
        for (int k = 0; k < j; k++)
            s -= l[j][k] * l[j][k];
        if (!(s > 0.0))
            return -1;
        l[j][j] = sqrt(s);
        for (int i = j + 1; i < NT; i++) {
            double v = a[i][j];
            for (int k = 0; k < j; k++)
                v -= l[i][k] * l[j][k];
            l[i][j] = v / l[j][j];
        }
    }
    for (int c = -1; c < (inv ? NT : 0); c++) {
        double y[NT], r[NT];
        for (int i = 0; i < NT; i++) {
            double s = c < 0 ? b[i] : (i == c ? 1.0 : 0.0);
            for (int k = 0; k < i; k++)
                s -= l[i][k] * y[k];
            y[i] = s / l[i][i];
        }
        for (int i = NT - 1; i >= 0; i--) {
            double s = y[i];
            for (int k = i + 1; k < NT; k++)
                s -= l[k][i] * r[k];
            r[i] = s / l[i][i];
        }
        for (int i = 0; i < NT; i++) {
            if (c < 0)
                x[i] = r[i];
            else
                inv[i][c] = r[i];
        }
    }
    return 0;
}

int triad__spd_inv(int n, const double a[TRIAD_STATE_DIM][TRIAD_STATE_DIM],
                   double inv[TRIAD_STATE_DIM][TRIAD_STATE_DIM])
{
    /* the leading n x n, padded with the identity to the template's NT x NT */
    double m[NT][NT] = {{0}}, r[NT][NT], zero[NT] = {0}, x[NT];
    if (n < 1 || n > TRIAD_STATE_DIM)
        return -1;
    for (int i = 0; i < NT; i++)
        m[i][i] = 1.0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            m[i][j] = 0.5 * (a[i][j] + a[j][i]);
    if (chol_solve(m, zero, x, r))
        return -1;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            inv[i][j] = r[i][j];
    return 0;
}

/* Normal equations at th (Jacobian by forward differences), priors included. */
static int normal_eq(const tdata *d, const double th[NT], const double x0[][3], double nm[NT][NT],
                     double b[NT])
{
    static _Thread_local double jac[NT][TRIAD__BOOST_HIST][3];
    double xp[TRIAD__BOOST_HIST][3];
    for (int p = 0; p < NT; p++) {
        if (p == P_TB && !d->burnt) {
            memset(jac[p], 0, sizeof jac[p]);
            continue;
        }
        double tp[NT];
        memcpy(tp, th, sizeof tp);
        double st = STEP[p];
        tp[p] += st;
        if (tmodel(d, tp, xp)) { /* at a bound: step the other way */
            st = -st;
            tp[p] = th[p] + st;
            if (tmodel(d, tp, xp))
                return -1;
        }
        for (size_t k = 0; k < d->n; k++)
            for (int i = 0; i < 3; i++)
                jac[p][k][i] = (xp[k][i] - x0[k][i]) / st;
    }
    memset(nm, 0, sizeof(double) * NT * NT);
    memset(b, 0, sizeof(double) * NT);
    for (size_t k = 0; k < d->n; k++) {
        const double r[3] = {d->z[k][0] - x0[k][0], d->z[k][1] - x0[k][1], d->z[k][2] - x0[k][2]};
        double wj[NT][3], wr[3];
        for (int i = 0; i < 3; i++) {
            wr[i] = d->w[k][i][0] * r[0] + d->w[k][i][1] * r[1] + d->w[k][i][2] * r[2];
            for (int p = 0; p < NT; p++)
                wj[p][i] = d->w[k][i][0] * jac[p][k][0] + d->w[k][i][1] * jac[p][k][1] +
                           d->w[k][i][2] * jac[p][k][2];
        }
        for (int p = 0; p < NT; p++) {
            b[p] += jac[p][k][0] * wr[0] + jac[p][k][1] * wr[1] + jac[p][k][2] * wr[2];
            for (int q = p; q < NT; q++)
                nm[p][q] +=
                    jac[p][k][0] * wj[q][0] + jac[p][k][1] * wj[q][1] + jac[p][k][2] * wj[q][2];
        }
    }
    for (int p = 0; p < NT; p++) {
        if (isfinite(PRIOR_SIG[p])) {
            nm[p][p] += 1.0 / (PRIOR_SIG[p] * PRIOR_SIG[p]);
            b[p] += (PRIOR_MEAN[p] - th[p]) / (PRIOR_SIG[p] * PRIOR_SIG[p]);
        }
        for (int q = 0; q < p; q++)
            nm[p][q] = nm[q][p];
    }
    if (!d->burnt)
        nm[P_TB][P_TB] = 1.0; /* fixed: keeps the matrix regular, couples to nothing */
    return 0;
}

/* Levenberg-Marquardt from th (in place); the chi-square at the end, INFINITY if none. */
/* abort_chi: a start still above it after ABORT_ITERS iterations is given up (its chi-square
 * returned, cov not set): it will not be the best. */
static double lm_fit(const tdata *d, double th[NT], double cov[NT][NT], double abort_chi)
{
    double x0[TRIAD__BOOST_HIST][3], xt[TRIAD__BOOST_HIST][3];
    clamp_params(d, th);
    double chi = tchi2(d, th, x0), lambda = 1e-3;
    if (!isfinite(chi))
        return INFINITY;
    double nm[NT][NT], b[NT];
    for (int it = 0; it < LM_ITERS; it++) {
        if (normal_eq(d, th, x0, nm, b))
            return INFINITY;
        int better = 0;
        double gain = 0.0;
        while (lambda < 1e10) {
            double a[NT][NT], dx[NT], tt[NT];
            memcpy(a, nm, sizeof a);
            for (int p = 0; p < NT; p++)
                a[p][p] *= 1.0 + lambda;
            if (chol_solve(a, b, dx, NULL)) {
                lambda *= 10.0;
                continue;
            }
            for (int p = 0; p < NT; p++)
                tt[p] = th[p] + dx[p];
            clamp_params(d, tt);
            const double c = tchi2(d, tt, xt);
            if (c < chi) {
                double cc = c;
                memcpy(th, tt, sizeof tt);
                memcpy(x0, xt, sizeof x0);
                /* along a curved valley the steps come out short: the same step again while
                 * it keeps paying, up to 6 times (a model flight each, nine for a Jacobian) */
                for (int m = 0; m < 6; m++) {
                    double tm[NT];
                    for (int p = 0; p < NT; p++)
                        tm[p] = th[p] + dx[p];
                    clamp_params(d, tm);
                    const double cm = tchi2(d, tm, xt);
                    if (!(cm < cc))
                        break;
                    cc = cm;
                    memcpy(th, tm, sizeof tm);
                    memcpy(x0, xt, sizeof x0);
                }
                gain = chi - cc;
                chi = cc;
                lambda = fmax(lambda * 0.2, 1e-7);
                better = 1;
                break;
            }
            lambda *= 10.0;
        }
        if (!better || gain < 0.01 + 1e-6 * chi) /* 0.01: a hundredth of a sigma's worth */
            break;
        if (it + 1 >= ABORT_ITERS && chi > abort_chi)
            return chi;
    }
    if (normal_eq(d, th, x0, nm, b))
        return INFINITY;
    double dummy[NT];
    if (chol_solve(nm, b, dummy, cov))
        return INFINITY;
    return chi;
}

/* Has the thrust stopped inside the data? Tried when the last points are off the fit one after
 * another, when the chi-square is too large for its degrees of freedom (the fit bends to the
 * tail), or when the tracker saw the burnout (frozen): refit with the burnout time t_b as a
 * parameter, from just before that tail and from 60, 75 and 90% of the span; kept if it fits
 * clearly better. Returns the chi-square (th, cov and d->burnt updated when kept). */
static double try_burnout(tdata *d, int frozen, double th[NT], double cov[NT][NT], double chi)
{
    if (d->n < 2 * TAIL_POINTS + 4)
        return chi;
    double x[TRIAD__BOOST_HIST][3], pc[TRIAD__BOOST_HIST];
    if (tmodel(d, th, x))
        return chi;
    for (size_t k = 0; k < d->n; k++) {
        const double r[3] = {d->z[k][0] - x[k][0], d->z[k][1] - x[k][1], d->z[k][2] - x[k][2]};
        pc[k] = 0.0;
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                pc[k] += r[i] * d->w[k][i][j] * r[j];
    }
    int tail = 1;
    for (size_t k = d->n - TAIL_POINTS; k < d->n; k++)
        tail &= pc[k] > TAIL_CHI2;
    const double dof = 3.0 * (double)d->n - (NT - 1);
    if (!tail && !frozen && !(chi > dof + 4.0 * sqrt(2.0 * dof)))
        return chi;
    size_t j = d->n - TAIL_POINTS;
    while (j > 1 && pc[j - 1] > TAIL_START_CHI2)
        j--;
    const double span = d->t[d->n - 1] - d->t[0];
    const double starts[4] = {d->t[j] - 0.5, d->t[0] + 0.6 * span, d->t[0] + 0.75 * span,
                              d->t[0] + 0.9 * span};
    double best = chi, bt[NT], bc[NT][NT];
    d->burnt = 1;
    for (int st = tail ? 0 : 1; st < 4; st++) {
        double tt[NT], ct[NT][NT];
        memcpy(tt, th, sizeof tt);
        tt[P_TB] = starts[st] - th[P_TL];
        const double c = lm_fit(d, tt, ct, fmin(best, chi - BURNOUT_GAIN));
        if (c < best) {
            best = c;
            memcpy(bt, tt, sizeof bt);
            memcpy(bc, ct, sizeof bc);
        }
    }
    if (best < chi - BURNOUT_GAIN) {
        memcpy(th, bt, sizeof bt);
        memcpy(cov, bc, sizeof bc);
        return best;
    }
    d->burnt = 0;
    return chi;
}

/* The parameters' origin: the ground below the first point. */
static void frame_init(tdata *d, const triad__boost_history *h)
{
    triad_ecef_to_geo(h->p[0], &d->o);
    d->o.alt_m = 0.0;
    const double e2 = TRIAD_WGS84_F * (2.0 - TRIAD_WGS84_F), sl = sin(d->o.lat_rad);
    const double den = 1.0 - e2 * sl * sl;
    d->m_per_lat = TRIAD_WGS84_A * (1.0 - e2) / (den * sqrt(den));
    d->m_per_lon = TRIAD_WGS84_A / sqrt(den) * cos(d->o.lat_rad);
}

int triad__launch_same_missile(const triad__boost_history *a, const triad__boost_history *b)
{
    if (!a->have_guess || b->n < 3 || a->n + 3 > TRIAD__BOOST_HIST || !(b->t[0] > a->t[a->n - 1]))
        return 0;
    static _Thread_local triad__boost_history j, ja;
    triad_geodetic l;
    triad_ellipse e;
    double tl, ts;
    ja = *a;
    if (ja.guess_n != ja.n && triad__launch_fit(&ja, &l, &e, &tl, &ts))
        return 0; /* a's fit is of fewer points: refit them all first */
    j = ja;
    j.frozen = 1; /* b's points are after a burnout the tracker may not have seen */
    for (size_t k = 0; k < b->n && j.n < TRIAD__BOOST_HIST; k++)
        triad__boost_history_add(&j, b->t[k], b->p[k], b->c[k]);
    const double m = 3.0 * (double)(j.n - a->n);
    if (triad__launch_fit(&j, &l, &e, &tl, &ts))
        return 0;
    /* chi-square quantile 0.999 for m dof (Wilson-Hilferty) */
    const double z = 3.09, q = m * pow(1.0 - 2.0 / (9.0 * m) + z * sqrt(2.0 / (9.0 * m)), 3.0);
    return j.guess_chi2 - ja.guess_chi2 <= q;
}

int triad__launch_fit(triad__boost_history *h, triad_geodetic *launch, triad_ellipse *e,
                      double *t_launch, double *t_sigma)
{
    if (h->n < 6 || h->t[h->n - 1] - h->t[0] < 5.0)
        return -1;
    for (size_t k = 1; k < h->n; k++)
        if (h->t[k] < h->t[k - 1])
            return -1; /* the tracker adds in time order */
    static _Thread_local tdata d;
    frame_init(&d, h);
    d.n = h->n;
    for (size_t k = 0; k < h->n; k++) {
        d.t[k] = h->t[k] - h->t[0];
        memcpy(d.z[k], h->p[k], sizeof d.z[k]);
        if (inv3(h->c[k], d.w[k]))
            return -1;
    }
    double th[NT], cov[NT][NT], chi = INFINITY;
    double xs[TRIAD__BOOST_HIST][3];
    d.burnt = h->burnt && h->have_guess;
    d.gturn = h->gturn && h->have_guess;
    if (h->have_guess) { /* the last fit, a few points ago */
        memcpy(th, h->guess, sizeof th);
        chi = lm_fit(&d, th, cov, INFINITY);
        if (!d.burnt)
            chi = try_burnout(&d, h->frozen, th, cov, chi);
    }
    double dof = 3.0 * (double)d.n - (NT - (d.burnt ? 0 : 1));
    const int warm_ok = chi <= 3.0 * fmax(dof, 1.0) + 30.0;
    if (!warm_ok || (h->frozen && !h->cold_final)) {
        /* Cold: both families, each from the polynomial's time and point (late by about a
         * third of the unseen lead) and its jerk's direction as the azimuth, at three launch
         * times; the best kept. On the final (frozen) history after a good warm fit: the
         * other family once, from the warm fit's parameters. */
        triad_geodetic pl;
        triad_ellipse pe;
        double ptl, pts, jerk[2];
        if (fit_in_frame(h, d.o, &pl, &pe, &ptl, &pts, jerk))
            return -1;
        double enu_last[3], enu_first[3];
        triad_ecef_to_enu(&d.o, h->p[h->n - 1], enu_last);
        triad_ecef_to_enu(&d.o, h->p[0], enu_first);
        const double dh = hypot(enu_last[0] - enu_first[0], enu_last[1] - enu_first[1]);
        const double el_v = atan2(enu_last[2] - enu_first[2], dh);
        const double t_mid = 0.5 * (d.t[0] + d.t[d.n - 1]);
        const int burnt0 = d.burnt;
        const double tb = d.burnt ? th[P_TB] : NO_BURNOUT;
        int best_burnt = d.burnt, best_gturn = d.gturn;
        const int warm_fam = d.gturn;
        double wth[NT];
        memcpy(wth, th, sizeof wth);
        for (int fam = 0; fam < 2; fam++) {
            if (warm_ok && fam == warm_fam)
                continue;
            d.gturn = fam;
            d.burnt = burnt0;
            double fth[NT], fcov[NT][NT], fchi = INFINITY;
            /* the first fit: one start per family, 10 s before the polynomial's time; a warm
             * fit gone bad: three */
            const int nst = warm_ok || !h->have_guess ? 1 : 3;
            for (int st = 0; st < nst; st++) {
                double t0[NT], c0[NT][NT];
                t0[P_TL] = ptl - h->t[0] - 10.0 * (nst == 1 ? 1 : st);
                t0[P_E] = (pl.lon_rad - d.o.lon_rad) * d.m_per_lon;
                t0[P_N] = (pl.lat_rad - d.o.lat_rad) * d.m_per_lat;
                t0[P_AZ] = atan2(jerk[0], jerk[1]);
                t0[P_K] = PRIOR_MEAN[P_K];
                t0[P_TV] = PRIOR_MEAN[P_TV];
                if (warm_ok) {
                    memcpy(t0, wth, sizeof t0);
                    t0[P_TV] = PRIOR_MEAN[P_TV];
                }
                t0[P_TB] = tb;
                t0[P_W] = fam ? 0.1
                              : fmax(PI_2 - el_v, 0.05) /
                                    fmax(t_mid - t0[P_TL] - t0[P_TV], 5.0);
                /* the thrust scale: the best of a few, before the full fit */
                double best_a = 20.0, best_c = INFINITY;
                for (double a0 = 12.0; a0 <= 40.0; a0 += 4.0) {
                    t0[P_A0] = a0;
                    clamp_params(&d, t0);
                    const double c = tchi2(&d, t0, xs);
                    if (c < best_c) {
                        best_c = c;
                        best_a = a0;
                    }
                }
                t0[P_A0] = best_a;
                const double c = lm_fit(&d, t0, c0, 2.0 * fmin(fchi, chi) + 30.0);
                if (c < fchi) {
                    fchi = c;
                    memcpy(fth, t0, sizeof fth);
                    memcpy(fcov, c0, sizeof fcov);
                }
            }
            if (!d.burnt && isfinite(fchi))
                fchi = try_burnout(&d, h->frozen, fth, fcov, fchi);
            if (fchi < chi) {
                chi = fchi;
                memcpy(th, fth, sizeof th);
                memcpy(cov, fcov, sizeof cov);
                best_burnt = d.burnt;
                best_gturn = d.gturn;
            }
        }
        d.burnt = best_burnt;
        d.gturn = best_gturn;
        h->cold_final = h->frozen;
        dof = 3.0 * (double)d.n - (NT - (d.burnt ? 0 : 1));
    }
    if (!isfinite(chi))
        return -1;
    memcpy(h->guess, th, sizeof th);
    h->have_guess = 1;
    h->burnt = d.burnt;
    h->gturn = d.gturn;
    const double scale = dof > 0.0 ? fmax(1.0, chi / dof) : 1.0;
    for (int p = 0; p < NT; p++)
        for (int q = 0; q < NT; q++)
            h->guess_cov[p][q] = cov[p][q] * scale;
    h->guess_chi2 = chi;
    h->guess_n = h->n;
    /* the point: its east/north (ground metres at the origin) and their covariance */
    const triad_geodetic g = {d.o.lat_rad + th[P_N] / d.m_per_lat,
                              d.o.lon_rad + th[P_E] / d.m_per_lon, 0.0};
    *launch = g;
    const double cee = cov[P_E][P_E] * scale, cnn = cov[P_N][P_N] * scale;
    const double cen = cov[P_E][P_N] * scale;
    ellipse_en(cee, cnn, cen, e);
    *t_launch = h->t[0] + th[P_TL];
    *t_sigma = sqrt(cov[P_TL][P_TL] * scale);
    return 0;
}
