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

enum { N6 = 6, N7 = TRIAD_STATE_DIM, NSIG = 2 * N7 + 1 };
#define KAPPA 1.0
#define MAX_FLIGHT_S 3000.0
#define RAD2DEG (180.0 / 3.14159265358979323846)

/* Lower-triangular Cholesky of the leading n x n of a [7][7]; jitter on failure. 0 or -1. */
static int chol(int n, const double a_in[N7][N7], double l[N7][N7])
{
    for (int attempt = 0; attempt < 4; attempt++) {
        double jitter = attempt ? pow(10.0, attempt - 7) : 0.0;
        int ok = 1;
        memset(l, 0, sizeof(double) * N7 * N7);
        for (int j = 0; j < n && ok; j++) {
            double d = a_in[j][j] * (1.0 + jitter) + jitter;
            for (int k = 0; k < j; k++)
                d -= l[j][k] * l[j][k];
            if (!(d > 0.0)) {
                ok = 0;
                break;
            }
            l[j][j] = sqrt(d);
            for (int i = j + 1; i < n; i++) {
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
static void crossing_stats(int nsig, const double pts[NSIG][3], const double t[NSIG],
                           const double w[NSIG], triad_geodetic *g, triad_ellipse *e,
                           double *t_mean, double *t_sigma)
{
    double m[3] = {0}, tm = 0.0, c[3][3] = {{0}}, tv = 0.0;
    for (int s = 0; s < nsig; s++) {
        for (int i = 0; i < 3; i++)
            m[i] += w[s] * pts[s][i];
        tm += w[s] * t[s];
    }
    for (int s = 0; s < nsig; s++) {
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

/* Sigma points of (position, velocity[, thrust]) at time_s, each flown to 0 m under model,
 * forward (impact) or backward (launch). */
static int fly_to_ground(triad_motion model, const double x[TRIAD_STATE_DIM],
                         const double p[TRIAD_STATE_DIM][TRIAD_STATE_DIM], double time_s,
                         int backward, double max_s, triad_geodetic *g, triad_ellipse *e,
                         double *t_mean, double *t_sigma)
{
    const int n = model == TRIAD_MOTION_BOOST ? N7 : N6, nsig = 2 * n + 1;
    double l[N7][N7];
    if (chol(n, p, l) != 0)
        return -1;
    double wt[NSIG], pts[NSIG][3], ts[NSIG], scale = sqrt(n + KAPPA);
    wt[0] = KAPPA / (n + KAPPA);
    for (int s = 1; s < nsig; s++)
        wt[s] = 0.5 / (n + KAPPA);
    for (int s = 0; s < nsig; s++) {
        double xs[TRIAD_STATE_DIM];
        memcpy(xs, x, sizeof xs);
        if (model != TRIAD_MOTION_BOOST)
            xs[6] = 0.0;
        if (s > 0) {
            int col = (s - 1) % n;
            double sign = s <= n ? 1.0 : -1.0;
            for (int i = 0; i < n; i++)
                xs[i] += sign * scale * l[i][col];
        }
        /* A point already under ground would "fall through" the earth and cross 0 m again
         * on the far side: no prediction near impact (the last warning stands). */
        triad_geodetic gs;
        triad_ecef_to_geo(xs, &gs);
        if (!(gs.alt_m > 0.0))
            return -1;
        const double dt = triad_propagate_model_to_altitude(model, xs, 0.0, backward, max_s);
        if (!isfinite(dt))
            return -1;
        memcpy(pts[s], xs, sizeof pts[s]);
        ts[s] = time_s + dt;
    }
    crossing_stats(nsig, pts, ts, wt, g, e, t_mean, t_sigma);
    return 0;
}

static int predict_ballistic(const double x[TRIAD_STATE_DIM],
                             const double p[TRIAD_STATE_DIM][TRIAD_STATE_DIM], double time_s,
                             int with_launch, triad_warning *w);
static int predict_boost(const double x[TRIAD_STATE_DIM],
                         const double p[TRIAD_STATE_DIM][TRIAD_STATE_DIM], double time_s,
                         int with_launch, triad_warning *w);

int triad__warning_predict(const double x[TRIAD_STATE_DIM],
                           const double p[TRIAD_STATE_DIM][TRIAD_STATE_DIM], double time_s,
                           triad_warning *w)
{
    return predict_ballistic(x, p, time_s, 1, w);
}

/* with_launch 0: the impact only (the launch comes from the boost fit) */
static int predict_ballistic(const double x[TRIAD_STATE_DIM],
                             const double p[TRIAD_STATE_DIM][TRIAD_STATE_DIM], double time_s,
                             int with_launch, triad_warning *w)
{
    if (fly_to_ground(TRIAD_MOTION_BALLISTIC, x, p, time_s, 0, MAX_FLIGHT_S, &w->impact,
                      &w->impact_ellipse, &w->impact_time_s, &w->impact_time_sigma_s) ||
        (with_launch &&
         fly_to_ground(TRIAD_MOTION_BALLISTIC, x, p, time_s, 1, MAX_FLIGHT_S, &w->launch,
                       &w->launch_ellipse, &w->launch_time_s, &w->launch_time_sigma_s)))
        return -1;
    w->phase = TRIAD_PHASE_BALLISTIC;
    return 0;
}

/* During boost: the launch by flying the boost back (sigma points with the thrust term); the
 * impact a footprint from "burnout now" to "burning BOOST_MORE_S longer at the estimated
 * thrust", as one wide ellipse along the line between them. */
#define BOOST_MORE_S 40.0
#define BOOST_BACK_MAX_S 600.0
int triad__warning_predict_boost(const double x[TRIAD_STATE_DIM],
                                 const double p[TRIAD_STATE_DIM][TRIAD_STATE_DIM],
                                 double time_s, triad_warning *w)
{
    return predict_boost(x, p, time_s, 1, w);
}

static int predict_boost(const double x[TRIAD_STATE_DIM],
                         const double p[TRIAD_STATE_DIM][TRIAD_STATE_DIM], double time_s,
                         int with_launch, triad_warning *w)
{
    triad_warning lo, hi;
    memset(&lo, 0, sizeof lo);
    memset(&hi, 0, sizeof hi);
    if (fly_to_ground(TRIAD_MOTION_BALLISTIC, x, p, time_s, 0, MAX_FLIGHT_S, &lo.impact,
                      &lo.impact_ellipse, &lo.impact_time_s, &lo.impact_time_sigma_s))
        return -1;
    double xb[TRIAD_STATE_DIM];
    memcpy(xb, x, sizeof xb);
    xb[6] = fmax(0.0, x[6]);
    triad_propagate(TRIAD_MOTION_BOOST, xb, BOOST_MORE_S, NULL);
    triad_geodetic gb;
    triad_ecef_to_geo(xb, &gb);
    /* the far end: the mean state alone (its spread is lo's, the footprint's width) */
    const double dtf = gb.alt_m > 0.0 ? triad_propagate_to_altitude(xb, 0.0, 0, MAX_FLIGHT_S) : NAN;
    if (isfinite(dtf)) {
        triad_ecef_to_geo(xb, &hi.impact);
        hi.impact_ellipse = lo.impact_ellipse;
        hi.impact_time_s = time_s + BOOST_MORE_S + dtf;
        hi.impact_time_sigma_s = lo.impact_time_sigma_s;
    } else {
        hi = lo;
    }
    double a[3], b[3], m[3];
    triad_geo_to_ecef(&lo.impact, a);
    triad_geo_to_ecef(&hi.impact, b);
    for (int i = 0; i < 3; i++)
        m[i] = 0.5 * (a[i] + b[i]);
    triad_ecef_to_geo(m, &w->impact);
    w->impact.alt_m = 0.0;
    double ea[3], eb[3];
    triad_ecef_to_enu(&w->impact, a, ea);
    triad_ecef_to_enu(&w->impact, b, eb);
    const double half = 0.5 * hypot(eb[0] - ea[0], eb[1] - ea[1]);
    const double major = fmax(lo.impact_ellipse.semi_major_m, hi.impact_ellipse.semi_major_m);
    const double minor = fmax(lo.impact_ellipse.semi_minor_m, hi.impact_ellipse.semi_minor_m);
    if (half > major) { /* along the line lo -> hi */
        w->impact_ellipse.semi_major_m = half + major;
        w->impact_ellipse.semi_minor_m = fmax(minor, major);
        double brg = atan2(eb[0] - ea[0], eb[1] - ea[1]) * RAD2DEG;
        brg = fmod(brg, 180.0);
        w->impact_ellipse.orientation_deg = brg < 0.0 ? brg + 180.0 : brg;
    } else {
        w->impact_ellipse = lo.impact_ellipse;
        w->impact_ellipse.semi_major_m += half;
        w->impact_ellipse.semi_minor_m += half;
    }
    w->impact_time_s = 0.5 * (lo.impact_time_s + hi.impact_time_s);
    w->impact_time_sigma_s = 0.5 * fabs(hi.impact_time_s - lo.impact_time_s) +
                             fmax(lo.impact_time_sigma_s, hi.impact_time_sigma_s);
    if (with_launch &&
        fly_to_ground(TRIAD_MOTION_BOOST, x, p, time_s, 1, BOOST_BACK_MAX_S, &w->launch,
                      &w->launch_ellipse, &w->launch_time_s, &w->launch_time_sigma_s)) {
        /* the boost flown back does not reach the ground (a poor thrust estimate): the
         * point below the track, the time unknown within the track's age */
        triad_ecef_to_geo(x, &w->launch);
        w->launch.alt_m = 0.0;
        w->launch_time_s = time_s;
        w->launch_time_sigma_s = BOOST_MORE_S;
        w->launch_ellipse = (triad_ellipse){50e3, 50e3, 0.0};
    }
    w->phase = TRIAD_PHASE_BOOST;
    return 0;
}

static double dist3(const double a[3], const double b[3])
{
    double d0 = a[0] - b[0], d1 = a[1] - b[1], d2 = a[2] - b[2];
    return sqrt(d0 * d0 + d1 * d1 + d2 * d2);
}

/* Rising and accelerating, significantly: climbing by 3 sigma and thrusting by 2 sigma. */
static int rising_and_accelerating(const triad_track *trk)
{
    if (trk->model != TRIAD_MOTION_BOOST)
        return 0;
    double r[3][3];
    triad_enu_basis(&trk->position, r);
    double vup = 0.0, var = 0.0;
    for (int i = 0; i < 3; i++) {
        vup += r[2][i] * trk->x[3 + i];
        for (int j = 0; j < 3; j++)
            var += r[2][i] * trk->p[3 + i][3 + j] * r[2][j];
    }
    return vup > 3.0 * sqrt(fmax(var, 0.0)) && trk->x[6] > 2.0 * sqrt(fmax(trk->p[6][6], 0.0));
}

static void send(triad__warning_state *s, const triad_track *trk, triad_warning *w,
                 triad_warning_kind kind, triad_warning_fn fn, void *user)
{
    double ecef[3];
    triad_geo_to_ecef(&w->impact, ecef);
    memcpy(s->impact_ecef, ecef, sizeof ecef);
    s->last_issued_s = trk->time_s;
    s->impact_time_s = w->impact_time_s;
    s->impact_time_sigma_s = w->impact_time_sigma_s;
    s->phase = w->phase;
    w->kind = kind;
    w->event_id = s->event_id;
    w->version = s->version;
    w->track_id = trk->id;
    w->issued_s = trk->time_s;
    s->last = *w;
    if (fn)
        fn(user, w);
}

/* Is there a launch from the boost fit? Refitted only when the history grew. */
static int launch_fit_ok(triad__warning_state *s, triad__boost_history *h)
{
    if (!h)
        return s->fit_ok;
    /* a nonlinear fit: again when the history doubled, was full or frozen */
    if (h->n != s->fit_n &&
        (h->n >= 2 * s->fit_n || h->n == TRIAD__BOOST_HIST || h->frozen)) {
        s->fit_n = h->n;
        s->fit_ok = triad__launch_fit(h, &s->fit_launch, &s->fit_ellipse, &s->fit_time_s,
                                      &s->fit_time_sigma_s) == 0;
    }
    return s->fit_ok;
}

static void apply_launch_fit(const triad__warning_state *s, triad_warning *w)
{
    if (!s->fit_ok)
        return;
    w->launch = s->fit_launch;
    w->launch_ellipse = s->fit_ellipse;
    w->launch_time_s = s->fit_time_s;
    w->launch_time_sigma_s = s->fit_time_sigma_s;
}

void triad__warning_step(triad__warning_state *s, const triad_track *trk,
                         triad__boost_history *hist, double age_s,
                         const triad_tracker_cfg *cfg, uint64_t *next_event, triad_warning_fn fn,
                         void *user)
{
    const int confirmed = trk->status == TRIAD_TRACK_CONFIRMED;
    const int ballistic = trk->ballistic && trk->model == TRIAD_MOTION_BALLISTIC;
    s->boost_evidence = confirmed && rising_and_accelerating(trk) ? s->boost_evidence + 1 : 0;
    if (ballistic)
        s->was_ballistic = 1;
    if (!s->active) {
        /* no second "launch detected" for a track dismissed as a manoeuvring object */
        const int boost_ok = s->boost_evidence >= TRIAD__WARNING_BOOST_EVIDENCE && !s->dismissed;
        const int ballistic_ok = confirmed && ballistic && age_s >= cfg->warning_min_track_s;
        if (!boost_ok && !ballistic_ok)
            return;
        triad_warning w;
        memset(&w, 0, sizeof w);
        const int fit = launch_fit_ok(s, hist);
        if ((ballistic_ok ? predict_ballistic(trk->x, trk->p, trk->time_s, !fit, &w)
                          : predict_boost(trk->x, trk->p, trk->time_s, !fit, &w)) != 0)
            return;
        apply_launch_fit(s, &w);
        s->last_eval_s = trk->time_s;
        s->active = 1;
        s->event_id = (*next_event)++;
        s->version = 1;
        s->thrust_since_s = NAN;
        send(s, trk, &w, TRIAD_WARNING_NEW, fn, user);
        return;
    }
    /* Thrusting again after a ballistic phase: a later stage or a manoeuvre; the warning
     * stands (boost footprint) unless the thrust goes on too long for a missile. */
    if (trk->model == TRIAD_MOTION_BOOST && s->was_ballistic) {
        if (isnan(s->thrust_since_s))
            s->thrust_since_s = trk->time_s;
        if (trk->time_s - s->thrust_since_s > TRIAD__WARNING_MANOEUVRE_S) {
            triad__warning_cancel(s, trk->id, trk->time_s, TRIAD_CANCEL_NOT_BALLISTIC, fn, user);
            s->dismissed = 1;
            s->was_ballistic = 0;
            return;
        }
    } else {
        s->thrust_since_s = NAN;
    }
    if (trk->model == TRIAD_MOTION_CV)
        return;
    /* At most one prediction per second of report time: 13 (15) propagations to the ground. */
    if (trk->time_s - s->last_eval_s < 1.0)
        return;
    triad_warning w;
    memset(&w, 0, sizeof w);
    const int in_boost = trk->model == TRIAD_MOTION_BOOST;
    const int fit = launch_fit_ok(s, hist);
    if ((in_boost ? predict_boost(trk->x, trk->p, trk->time_s, !fit, &w)
                  : predict_ballistic(trk->x, trk->p, trk->time_s, !fit, &w)) != 0)
        return;
    apply_launch_fit(s, &w);
    s->last_eval_s = trk->time_s;
    double ecef[3];
    triad_geo_to_ecef(&w.impact, ecef);
    if (dist3(ecef, s->impact_ecef) <= TRIAD__WARNING_MOVE_M && w.phase == s->phase &&
        trk->time_s - s->last_issued_s < TRIAD__WARNING_REFRESH_S)
        return;
    s->version++;
    send(s, trk, &w, TRIAD_WARNING_UPDATE, fn, user);
}

int triad__warning_over(const triad__warning_state *s, double now_s)
{
    return s->active &&
           now_s > s->impact_time_s + 3.0 * s->impact_time_sigma_s + TRIAD__WARNING_OVER_S;
}

void triad__warning_cancel(triad__warning_state *s, uint32_t track_id, double now_s,
                           triad_cancel_reason why, triad_warning_fn fn, void *user)
{
    if (!s->active)
        return;
    triad_warning w = s->last;
    s->active = 0;
    s->version++;
    w.kind = TRIAD_WARNING_CANCEL;
    w.cancel_reason = why;
    w.event_id = s->event_id;
    w.version = s->version;
    w.track_id = track_id;
    w.issued_s = now_s;
    if (fn)
        fn(user, &w);
}
