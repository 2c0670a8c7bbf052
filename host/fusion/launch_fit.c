/* The launch point and time from the early track (see launch_fit.h).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "fusion/launch_fit.h"

#include <math.h>
#include <string.h>

#define NP 7        /* L_e, L_n, A_u, J_e, J_n, J_u, S_u (= TRIAD_STATE_DIM: one inverse) */
_Static_assert(NP <= TRIAD_STATE_DIM, "the fit shares triad__spd_inv");
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

int triad__spd_inv(int n, const double a[TRIAD_STATE_DIM][TRIAD_STATE_DIM],
                   double inv[TRIAD_STATE_DIM][TRIAD_STATE_DIM])
{
    double l[TRIAD_STATE_DIM][TRIAD_STATE_DIM] = {{0}};
    for (int j = 0; j < n; j++) {
        double d = a[j][j];
        for (int k = 0; k < j; k++)
            d -= l[j][k] * l[j][k];
        if (!(d > 1e-300))
            return -1;
        l[j][j] = sqrt(d);
        for (int i = j + 1; i < n; i++) {
            double s = 0.5 * (a[i][j] + a[j][i]);
            for (int k = 0; k < j; k++)
                s -= l[i][k] * l[j][k];
            l[i][j] = s / l[j][j];
        }
    }
    for (int c = 0; c < n; c++) {
        double y[TRIAD_STATE_DIM], x[TRIAD_STATE_DIM];
        for (int i = 0; i < n; i++) {
            double s = i == c ? 1.0 : 0.0;
            for (int k = 0; k < i; k++)
                s -= l[i][k] * y[k];
            y[i] = s / l[i][i];
        }
        for (int i = n - 1; i >= 0; i--) {
            double s = y[i];
            for (int k = i + 1; k < n; k++)
                s -= l[k][i] * x[k];
            x[i] = s / l[i][i];
        }
        for (int i = 0; i < n; i++)
            inv[i][c] = x[i];
    }
    return 0;
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
                        triad_ellipse *e, double *t_launch, double *t_sigma)
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
    const double mid = 0.5 * (cee + cnn), rad = sqrt(0.25 * (cee - cnn) * (cee - cnn) + cen * cen);
    e->semi_major_m = sqrt(fmax(mid + rad, 0.0));
    e->semi_minor_m = sqrt(fmax(mid - rad, 0.0));
    const double th = 0.5 * atan2(2.0 * cen, cee - cnn) * (180.0 / 3.14159265358979323846);
    double brg = fmod(90.0 - th, 180.0);
    e->orientation_deg = brg < 0.0 ? brg + 180.0 : brg;
    *t_launch = h->t[0] + tl;
    *t_sigma = sqrt(st2_time);
    return 0;
}

int triad__launch_fit(const triad__boost_history *h, triad_geodetic *launch, triad_ellipse *e,
                      double *t_launch, double *t_sigma)
{
    if (h->n < 6 || h->t[h->n - 1] - h->t[0] < 5.0)
        return -1;
    /* First in the frame below the first point, then again in the frame at that estimate:
     * "on the ground, vertical" must hold at the launch point itself (the earth curves away by
     * d^2 / 2R, 200 m at 50 km, which is seconds of an early boost). */
    triad_geodetic o;
    triad_ecef_to_geo(h->p[0], &o);
    o.alt_m = 0.0;
    if (fit_in_frame(h, o, launch, e, t_launch, t_sigma))
        return -1;
    o = *launch;
    return fit_in_frame(h, o, launch, e, t_launch, t_sigma);
}
