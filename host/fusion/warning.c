/* Launch and impact prediction for ballistic tracks, and the warnings raised from them.
 *
 * Why sigma points and not the STM: the impact time itself depends on the state (the crossing
 * of 0 m moves with every component), and far from the ground a first-order map of a 300 s
 * propagation is poor. 13 points (2n + 1 for n = 6: position, velocity; the thrust term is 0
 * after burnout) are each propagated to the ground with triad_propagate_to_altitude; the spread
 * of their crossing points and times is the covariance. kappa = 1 keeps every weight positive.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "fusion/warning.h"

#include <math.h>
#include <string.h>

#include "fusion/dynamics.h"
#include "fusion/geo.h"

enum { N6 = 6, NSIG = 2 * N6 + 1 };
#define KAPPA 1.0
#define MAX_FLIGHT_S 3000.0
#define RAD2DEG (180.0 / 3.14159265358979323846)

/* Lower-triangular Cholesky of a [6][6] (copied); jitter on failure. Returns 0 or -1. */
static int chol6(const double a_in[N6][N6], double l[N6][N6])
{
    for (int attempt = 0; attempt < 4; attempt++) {
        double jitter = attempt ? pow(10.0, attempt - 7) : 0.0;
        int ok = 1;
        memset(l, 0, sizeof(double) * N6 * N6);
        for (int j = 0; j < N6 && ok; j++) {
            double d = a_in[j][j] * (1.0 + jitter) + jitter;
            for (int k = 0; k < j; k++)
                d -= l[j][k] * l[j][k];
            if (!(d > 0.0)) {
                ok = 0;
                break;
            }
            l[j][j] = sqrt(d);
            for (int i = j + 1; i < N6; i++) {
                double s = 0.5 * (a_in[i][j] + a_in[j][i]);
                for (int k = 0; k < j; k++)
                    s -= l[i][k] * l[j][k];
                l[i][j] = s / l[j][j];
            }
        }
        if (ok)
            return 0;
    }
    return -1;
}

/* Horizontal (east, north) part of an ECEF covariance at origin -> 1-sigma ellipse. */
static void ellipse_from_cov(const triad_geodetic *origin, const double c[3][3], triad_ellipse *e)
{
    double r[3][3], h[2][2];
    triad_enu_basis(origin, r);
    for (int a = 0; a < 2; a++)
        for (int b = 0; b < 2; b++) {
            double s = 0.0;
            for (int i = 0; i < 3; i++)
                for (int j = 0; j < 3; j++)
                    s += r[a][i] * c[i][j] * r[b][j];
            h[a][b] = s;
        }
    double ee = h[0][0], nn = h[1][1], en = 0.5 * (h[0][1] + h[1][0]);
    double mid = 0.5 * (ee + nn), rad = sqrt(0.25 * (ee - nn) * (ee - nn) + en * en);
    double l1 = mid + rad, l2 = mid - rad;
    e->semi_major_m = sqrt(l1 > 0.0 ? l1 : 0.0);
    e->semi_minor_m = sqrt(l2 > 0.0 ? l2 : 0.0);
    /* Major axis at angle th from east (counter-clockwise); bearing from north = 90 - th. */
    double th = 0.5 * atan2(2.0 * en, ee - nn) * RAD2DEG;
    double brg = fmod(90.0 - th, 180.0);
    if (brg < 0.0)
        brg += 180.0;
    e->orientation_deg = brg;
}

/* Mean and covariance of the sigma points' crossing positions and times. */
static void crossing_stats(const double pts[NSIG][3], const double t[NSIG], const double w[NSIG],
                           triad_geodetic *g, triad_ellipse *e, double *t_mean, double *t_sigma)
{
    double m[3] = {0}, tm = 0.0, c[3][3] = {{0}}, tv = 0.0;
    for (int s = 0; s < NSIG; s++) {
        for (int i = 0; i < 3; i++)
            m[i] += w[s] * pts[s][i];
        tm += w[s] * t[s];
    }
    for (int s = 0; s < NSIG; s++) {
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                c[i][j] += w[s] * (pts[s][i] - m[i]) * (pts[s][j] - m[j]);
        tv += w[s] * (t[s] - tm) * (t[s] - tm);
    }
    triad_ecef_to_geo(m, g);
    ellipse_from_cov(g, c, e);
    *t_mean = tm;
    *t_sigma = sqrt(tv);
}

int triad__warning_predict(const double x[TRIAD_STATE_DIM],
                           const double p[TRIAD_STATE_DIM][TRIAD_STATE_DIM], double time_s,
                           triad_warning *w)
{
    double a[N6][N6], l[N6][N6];
    for (int i = 0; i < N6; i++)
        for (int j = 0; j < N6; j++)
            a[i][j] = p[i][j];
    if (chol6(a, l) != 0)
        return -1;
    double wt[NSIG], scale = sqrt(N6 + KAPPA);
    double imp[NSIG][3], lau[NSIG][3], t_imp[NSIG], t_lau[NSIG];
    wt[0] = KAPPA / (N6 + KAPPA);
    for (int s = 1; s < NSIG; s++)
        wt[s] = 0.5 / (N6 + KAPPA);
    for (int s = 0; s < NSIG; s++) {
        double xs[TRIAD_STATE_DIM];
        memcpy(xs, x, sizeof xs);
        xs[6] = 0.0;
        if (s > 0) {
            int col = (s - 1) % N6;
            double sign = s <= N6 ? 1.0 : -1.0;
            for (int i = 0; i < N6; i++)
                xs[i] += sign * scale * l[i][col];
        }
        /* A point already under ground would "fall through" the earth and cross 0 m again
         * on the far side: no prediction near impact (the last warning stands). */
        triad_geodetic g;
        triad_ecef_to_geo(xs, &g);
        if (!(g.alt_m > 0.0))
            return -1;
        double xf[TRIAD_STATE_DIM], xb[TRIAD_STATE_DIM];
        memcpy(xf, xs, sizeof xf);
        memcpy(xb, xs, sizeof xb);
        double dtf = triad_propagate_to_altitude(xf, 0.0, 0, MAX_FLIGHT_S);
        double dtb = triad_propagate_to_altitude(xb, 0.0, 1, MAX_FLIGHT_S);
        if (!isfinite(dtf) || !isfinite(dtb))
            return -1;
        memcpy(imp[s], xf, sizeof imp[s]);
        memcpy(lau[s], xb, sizeof lau[s]);
        t_imp[s] = time_s + dtf;
        t_lau[s] = time_s + dtb;
    }
    crossing_stats(imp, t_imp, wt, &w->impact, &w->impact_ellipse, &w->impact_time_s,
                   &w->impact_time_sigma_s);
    crossing_stats(lau, t_lau, wt, &w->launch, &w->launch_ellipse, &w->launch_time_s,
                   &w->launch_time_sigma_s);
    return 0;
}

static double dist3(const double a[3], const double b[3])
{
    double d0 = a[0] - b[0], d1 = a[1] - b[1], d2 = a[2] - b[2];
    return sqrt(d0 * d0 + d1 * d1 + d2 * d2);
}

void triad__warning_step(triad__warning_state *s, const triad_track *trk, double age_s,
                         const triad_tracker_cfg *cfg, uint64_t *next_event, triad_warning_fn fn,
                         void *user)
{
    int eligible = trk->status == TRIAD_TRACK_CONFIRMED && trk->ballistic &&
                   trk->model == TRIAD_MOTION_BALLISTIC && age_s >= cfg->warning_min_track_s;
    if (!eligible) {
        if (s->active && !(trk->ballistic && trk->model == TRIAD_MOTION_BALLISTIC))
            triad__warning_cancel(s, trk->id, trk->time_s, fn, user);
        return;
    }
    /* At most one prediction per second of report time: 13 propagations to the ground. */
    if (s->active && trk->time_s - s->last_eval_s < 1.0)
        return;
    triad_warning w;
    memset(&w, 0, sizeof w);
    if (triad__warning_predict(trk->x, trk->p, trk->time_s, &w) != 0)
        return;
    s->last_eval_s = trk->time_s;
    double ecef[3];
    triad_geo_to_ecef(&w.impact, ecef);
    if (!s->active) {
        s->active = 1;
        s->event_id = (*next_event)++;
        s->version = 1;
        w.kind = TRIAD_WARNING_NEW;
    } else if (dist3(ecef, s->impact_ecef) > TRIAD__WARNING_MOVE_M ||
               trk->time_s - s->last_issued_s >= TRIAD__WARNING_REFRESH_S) {
        s->version++;
        w.kind = TRIAD_WARNING_UPDATE;
    } else {
        return;
    }
    memcpy(s->impact_ecef, ecef, sizeof ecef);
    s->last_issued_s = trk->time_s;
    w.event_id = s->event_id;
    w.version = s->version;
    w.track_id = trk->id;
    w.issued_s = trk->time_s;
    if (fn)
        fn(user, &w);
}

void triad__warning_cancel(triad__warning_state *s, uint32_t track_id, double now_s,
                           triad_warning_fn fn, void *user)
{
    if (!s->active)
        return;
    triad_warning w;
    memset(&w, 0, sizeof w);
    s->active = 0;
    s->version++;
    w.kind = TRIAD_WARNING_CANCEL;
    w.event_id = s->event_id;
    w.version = s->version;
    w.track_id = track_id;
    w.issued_s = now_s;
    if (fn)
        fn(user, &w);
}
