/* The multi-radar tracker: an extended Kalman filter per track in ECEF, global nearest
 * neighbour association per report, M-of-N confirmation, and warnings for ballistic tracks.
 *
 * State (7): position m, velocity m/s, along-track thrust acceleration m/s^2 (fusion/dynamics.h).
 *
 * Motion model choice (a documented single-filter scheme, not an IMM):
 *   - every track starts CV (air targets), process noise q_air;
 *   - a track that is above cfg.ballistic_min_alt_m or moves vertically faster than 300 m/s,
 *     both by a 3-sigma margin (so a noisy new track does not qualify), switches to BOOST: the
 *     thrust term starts at 0 with a 25 m/s^2 sigma, process noise q_ballistic on velocity and
 *     q_thrust on thrust;
 *   - "burnout": when the estimated thrust is ~0 (|a| < max(2 m/s^2, 2 sigma) with sigma
 *     below 5 m/s^2) for BURNOUT_UPDATES consecutive hits, the track switches to BALLISTIC and
 *     is classified ballistic;
 *   - a BALLISTIC track whose mean normalised innovation (exponential, NIS_ALPHA) passes
 *     NIS_REVERT is thrusting again: back to BOOST, not ballistic (its warning is cancelled);
 *   - a BOOST or BALLISTIC track whose gate is empty on two looks in a row while a detection
 *     fits its prior widened by an unknown MANOEUVRE_MPS2 acceleration has changed its thrust
 *     (an abrupt burnout, a later stage): it takes the widened prior, BOOST, not ballistic.
 * In CV and BALLISTIC the thrust term is held at 0 and decoupled (variance 1).
 *
 * Association: every track is predicted to the report time; per (track, detection) the
 * innovation y = z - h(x) (azimuth wrapped) with S = H P H' + R gives d^2 = y' S^-1 y; pairs
 * outside the chi-square gate (4 dof, cfg.gate_probability, quantile found numerically) are
 * forbidden, others cost d^2 + ln|S|, and triad_assign picks the global optimum. Unassigned
 * detections outside every gate start tentative tracks.
 *
 * Filter details: measurement variances come from the detection (non-positive ones get floors);
 * the range rate's second-order term (rr_second_order) is added to its variance, and the range
 * rate is not used on a track's first update after initiation (the velocity across the line of
 * sight is then unknown by ~INIT_VEL_SIGMA_MPS and a first-order EKF diverges: measured). Joseph
 * form update. New tracks: position and covariance from triad_meas_to_ecef, velocity = range
 * rate along the line of sight, INIT_VEL_SIGMA_MPS across it.
 *
 * Time: each track is predicted to every report's time. A report slightly older than a track
 * (reports from several sites a little out of order) is handled by predicting backward with
 * the process noise of |dt|; reports are not buffered or sorted here.
 *
 * Plausibility of report time (issue 18): the tracker's clock is the latest accepted report
 * time. A report too far ahead of it (cfg.max_ahead_s), too far behind it (cfg.max_behind_s)
 * or behind its own site's latest report (cfg.max_site_behind_s) is refused before anything is touched: counted by
 * reason, passed to the refusal callback, TRIAD_TRACKER_REFUSED returned. So a radar with a bad
 * clock cannot drag every track a year forward. The first report sets the clock; if it was the
 * bad one, refused reports in a row that agree with each other (none accepted between)
 * re-anchor the clock to them, deleting the tracks of the old epoch, once they come from more
 * sites than agree with the clock, or number cfg.reanchor_reports (one site alone). A track
 * whose last hit is older than its coasting limit at the report's time is deleted without being
 * predicted, so no prediction spans more than max_ahead_s + max_behind_s.
 *
 * Looks and deletion: a report from a site that has contributed to a track is a look at it:
 * a hit or a miss. Tentative tracks confirm with confirm_m hits in their first confirm_n looks
 * (one-shot M of N) or are deleted; any track dies after delete_misses consecutive misses (and
 * MISS_MIN_AGE_S without a hit: many radars reporting often are not many looks) or
 * delete_age_s without a hit. A track with an active warning does not die so: it coasts
 * (a boost track lost for delete_age_s coasts as burnt out) until its event is over
 * (warning.h), so coverage gaps and handovers never cancel a warning.
 *
 * Early boost: a CV track above CLIMB_MIN_ALT_M climbing faster than CLIMB_SPEED_MPS by 3
 * sigma switches to BOOST too, and one that falls out of its gate while climbing fast takes
 * the widened BOOST prior (as BOOST and BALLISTIC tracks do), so a boosting missile keeps one
 * track from its first detections. Tracks born above HIST_MIN_ALT_M keep their first measured
 * positions for the launch fit (launch_fit.h) until burnout.
 *
 * Track-to-track merge: after each update, two confirmed tracks at the same time whose
 * (position, velocity) agree within MERGE_D2 (chi-square 6 dof, 0.9999) under the sum of their
 * covariances are one object: the older number survives (fused with the younger as a
 * measurement), with the younger's warning if only it had one. Take-over: a confirmed missile
 * track without a warning, born after a warned track's last hit, whose measured positions and
 * that track's fit one boost template (launch_fit.h, chi-square 0.999) is the same missile seen
 * again: it carries the event on (no second NEW, no CANCEL) and the lost track ends silently.
 *
 * Order: with cfg.reorder_s > 0 the tracker holds reports that long and processes them in a
 * canonical order (time, site, radar, content): the same reports in any arrival order give the
 * same tracks and warnings. A deleted track appears once in triad_tracker_tracks() with status
 * DELETED (after the update that deleted it), then is gone; ids are never reused.
 *
 * Not thread-safe: one tracker per thread (the warning callback runs inside update).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "fusion/tracker.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error_internal.h"
#include "fusion/assign.h"
#include "fusion/launch_fit.h"
#include "fusion/warning.h"

#define N TRIAD_STATE_DIM
#define PI 3.14159265358979323846
#define DEG2RAD (PI / 180.0)
#define INIT_VEL_SIGMA_MPS 1000.0 /* cross line-of-sight velocity of a new track: unknown */
#define BOOST_THRUST_SIGMA 25.0
#define BURNOUT_UPDATES 5
#define VERTICAL_SPEED_MPS 300.0
/* or climbing faster than any airliner this high: a missile in early boost */
#define CLIMB_MIN_ALT_M 8000.0
#define CLIMB_SPEED_MPS 100.0
#define MISS_MIN_AGE_S 2.0
#define HIST_MIN_ALT_M 3000.0 /* tracks born higher keep their early positions (launch fit) */
#define RR_MIN_HITS 2
#define MANOEUVRE_MPS2 40.0
#define NIS_ALPHA 0.1
#define NIS_REVERT 12.0 /* 3x the 4 dof mean: gravity alone no longer explains the track */

typedef struct {
    char id[64];
    uint32_t radar_id;
    double last_s;
} site_clock;

typedef struct {
    triad_fusion_report r; /* r.dets points at dets */
    triad_fusion_det *dets;
} pending_report;

typedef struct {
    triad_track pub;
    double created_s, last_hit_s;
    uint32_t look_hist; /* bit 0: the latest look; 1 = hit */
    int looks;
    int burnout_count;
    double nis_avg; /* BALLISTIC: running mean of d^2 (exponential, NIS_ALPHA) */
    triad__warning_state warn;
    triad__boost_history *hist; /* measured early positions (tracks born high): launch fit */
    int hist_frozen;            /* burnt out: the boost is over */
} trk;

struct triad_tracker {
    triad_tracker_cfg cfg;
    triad_warning_fn on_warning;
    void *user;
    double gate_d2;
    trk *trk;
    size_t n, cap;
    triad_track *out; /* the public copy, rebuilt at the end of every update */
    size_t n_out, out_cap;
    uint32_t next_id;
    uint64_t next_event;
    /* report-time plausibility */
    triad_refusal_fn on_refusal;
    void *refusal_user;
    double clock_s;
    site_clock *sites;
    size_t n_sites, sites_cap;
    int refused_run;      /* refused in a row, mutually within the window */
    double refused_run_s; /* time of the first of them */
    site_clock run_sites[8]; /* the distinct sites among them (first 8) */
    size_t n_run_sites;
    triad_tracker_stats stats;
    pending_report *pending; /* cfg.reorder_s > 0: held, in canonical order */
    size_t n_pending, pending_cap;
    /* per-update scratch, grown as needed */
    double *cost;
    int *row_to_col;
    unsigned char *det_used;
    size_t cost_cap, rows_cap, dets_cap;
};

triad_tracker_cfg triad_tracker_cfg_default(void)
{
    triad_tracker_cfg c = {
        .gate_probability = 0.999,
        .confirm_m = 3,
        .confirm_n = 5,
        .delete_misses = 5,
        .delete_age_s = 30.0,
        .q_air = 5.0,
        .q_ballistic = 0.05,
        .q_thrust = 1.0,
        .ballistic_min_alt_m = 15000.0,
        .warning_min_track_s = 10.0,
        .max_ahead_s = 600.0,
        .max_behind_s = 60.0,
        .max_site_behind_s = 5.0,
        .reanchor_reports = 20,
        .reorder_s = 0.0,
    };
    return c;
}

/* Regularised lower incomplete gamma P(a, x) by its series (fine for the gate's range). */
static double gamma_p(double a, double x)
{
    if (x <= 0.0)
        return 0.0;
    double term = 1.0 / a, sum = term;
    for (int n = 1; n < 10000; n++) {
        term *= x / (a + n);
        sum += term;
        if (term < sum * 1e-16)
            break;
    }
    return sum * exp(-x + a * log(x) - lgamma(a));
}

/* Chi-square quantile for k dof by bisection on the CDF. */
static double chi2_quantile(double prob, int k)
{
    double lo = 0.0, hi = 10.0 * k + 100.0;
    for (int i = 0; i < 200; i++) {
        double mid = 0.5 * (lo + hi);
        if (gamma_p(0.5 * k, 0.5 * mid) < prob)
            lo = mid;
        else
            hi = mid;
    }
    return 0.5 * (lo + hi);
}

int triad_tracker_create(triad_tracker **out, const triad_tracker_cfg *cfg,
                         triad_warning_fn on_warning, void *user)
{
    if (!out)
        return triad__fail(TRIAD_EINVAL, "tracker: output pointer is NULL");
    *out = NULL;
    triad_tracker_cfg c = cfg ? *cfg : triad_tracker_cfg_default();
    if (!(c.gate_probability > 0.0 && c.gate_probability < 1.0))
        return triad__fail(TRIAD_EINVAL, "tracker: gate_probability %g must be in (0, 1)",
                           c.gate_probability);
    if (c.confirm_n < 1 || c.confirm_n > 32 || c.confirm_m < 1 || c.confirm_m > c.confirm_n)
        return triad__fail(TRIAD_EINVAL,
                           "tracker: confirm_m %d of confirm_n %d: need 1 <= m <= n <= 32",
                           c.confirm_m, c.confirm_n);
    if (c.delete_misses < 1)
        return triad__fail(TRIAD_EINVAL, "tracker: delete_misses %d must be >= 1", c.delete_misses);
    if (!(c.delete_age_s > 0.0))
        return triad__fail(TRIAD_EINVAL, "tracker: delete_age_s %g must be > 0", c.delete_age_s);
    if (!(c.q_air >= 0.0) || !(c.q_ballistic >= 0.0) || !(c.q_thrust >= 0.0))
        return triad__fail(TRIAD_EINVAL,
                           "tracker: q_air %g, q_ballistic %g, q_thrust %g must be >= 0", c.q_air,
                           c.q_ballistic, c.q_thrust);
    if (!isfinite(c.ballistic_min_alt_m))
        return triad__fail(TRIAD_EINVAL, "tracker: ballistic_min_alt_m %g is not finite",
                           c.ballistic_min_alt_m);
    if (!(c.warning_min_track_s >= 0.0))
        return triad__fail(TRIAD_EINVAL, "tracker: warning_min_track_s %g must be >= 0",
                           c.warning_min_track_s);
    if (!(c.max_ahead_s > 0.0 && c.max_ahead_s <= TRIAD_PROPAGATE_MAX_S / 2) ||
        !(c.max_behind_s > 0.0 && c.max_behind_s <= TRIAD_PROPAGATE_MAX_S / 2))
        return triad__fail(TRIAD_EINVAL,
                           "tracker: max_ahead_s %g and max_behind_s %g must be in (0, %g]",
                           c.max_ahead_s, c.max_behind_s, TRIAD_PROPAGATE_MAX_S / 2);
    if (!(c.max_site_behind_s >= 0.0 && c.max_site_behind_s <= c.max_behind_s))
        return triad__fail(TRIAD_EINVAL, "tracker: max_site_behind_s %g must be in [0, %g]",
                           c.max_site_behind_s, c.max_behind_s);
    if (c.reanchor_reports < 1)
        return triad__fail(TRIAD_EINVAL, "tracker: reanchor_reports %d must be >= 1",
                           c.reanchor_reports);
    if (!(c.reorder_s >= 0.0 && c.reorder_s <= c.max_behind_s))
        return triad__fail(TRIAD_EINVAL, "tracker: reorder_s %g must be in [0, max_behind_s %g]",
                           c.reorder_s, c.max_behind_s);
    triad_tracker *t = calloc(1, sizeof *t);
    if (!t)
        return triad__fail(TRIAD_ENOMEM, "tracker: out of memory");
    t->cfg = c;
    t->on_warning = on_warning;
    t->user = user;
    t->gate_d2 = chi2_quantile(c.gate_probability, 4);
    t->next_id = 1;
    t->next_event = 1;
    t->clock_s = NAN;
    t->stats.clock_s = NAN;
    *out = t;
    return 0;
}

void triad_tracker_destroy(triad_tracker *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n; i++)
        free(t->trk[i].hist);
    free(t->trk);
    free(t->out);
    free(t->cost);
    free(t->row_to_col);
    free(t->det_used);
    free(t->sites);
    for (size_t i = 0; i < t->n_pending; i++)
        free(t->pending[i].dets);
    free(t->pending);
    free(t);
}

void triad_tracker_set_refusal_fn(triad_tracker *t, triad_refusal_fn fn, void *user)
{
    if (!t)
        return;
    t->on_refusal = fn;
    t->refusal_user = user;
}

void triad_tracker_get_stats(const triad_tracker *t, triad_tracker_stats *s)
{
    if (!s)
        return;
    memset(s, 0, sizeof *s);
    s->clock_s = NAN;
    if (t)
        *s = t->stats;
}

const char *triad_refusal_name(triad_refusal why)
{
    switch (why) {
    case TRIAD_REFUSED_AHEAD: return "ahead_of_clock";
    case TRIAD_REFUSED_BEHIND: return "behind_clock";
    case TRIAD_REFUSED_SITE_BEHIND: return "behind_own_site";
    default: return "unknown";
    }
}

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t n = *cap ? *cap : 8;
    while (n < need)
        n *= 2;
    void *q = realloc(*p, n * elem);
    if (!q)
        return triad__fail(TRIAD_ENOMEM, "tracker: out of memory (%zu elements)", n);
    *p = q;
    *cap = n;
    return 0;
}

/* ---- small dense algebra ---- */

/* Inverse and log-determinant of a symmetric positive definite 4x4 by Cholesky. */
static int spd_inv4(const double a[4][4], double inv[4][4], double *logdet)
{
    double l[4][4] = {{0}};
    *logdet = 0.0;
    for (int j = 0; j < 4; j++) {
        double d = a[j][j];
        for (int k = 0; k < j; k++)
            d -= l[j][k] * l[j][k];
        if (!(d > 0.0))
            return -1;
        l[j][j] = sqrt(d);
        *logdet += 2.0 * log(l[j][j]);
        for (int i = j + 1; i < 4; i++) {
            double s = 0.5 * (a[i][j] + a[j][i]);
            for (int k = 0; k < j; k++)
                s -= l[i][k] * l[j][k];
            l[i][j] = s / l[j][j];
        }
    }
    /* inv = L^-T L^-1, column by column */
    for (int c = 0; c < 4; c++) {
        double y[4], x[4];
        for (int i = 0; i < 4; i++) {
            double s = i == c ? 1.0 : 0.0;
            for (int k = 0; k < i; k++)
                s -= l[i][k] * y[k];
            y[i] = s / l[i][i];
        }
        for (int i = 3; i >= 0; i--) {
            double s = y[i];
            for (int k = i + 1; k < 4; k++)
                s -= l[k][i] * x[k];
            x[i] = s / l[i][i];
        }
        for (int i = 0; i < 4; i++)
            inv[i][c] = x[i];
    }
    return 0;
}

static void symmetrize(double p[N][N])
{
    for (int i = 0; i < N; i++)
        for (int j = i + 1; j < N; j++) {
            double m = 0.5 * (p[i][j] + p[j][i]);
            p[i][j] = p[j][i] = m;
        }
}

/* Hold the thrust term at 0 and decoupled outside BOOST. */
static void decouple_thrust(triad_track *k)
{
    k->x[6] = 0.0;
    for (int i = 0; i < N; i++)
        k->p[i][6] = k->p[6][i] = 0.0;
    k->p[6][6] = 1.0;
}

static double model_q(const triad_tracker_cfg *c, triad_motion m)
{
    return m == TRIAD_MOTION_CV ? c->q_air : c->q_ballistic;
}

/* x, P to time_s. Backward steps (reports slightly out of order across sites) use the same
 * model and add the process noise of |dt|. */
static long predict(const triad_tracker_cfg *c, triad_track *k, double time_s)
{
    double dt = time_s - k->time_s;
    if (dt == 0.0)
        return 0;
    double f[N][N], q[N][N], fp[N][N];
    const long steps = triad_propagate(k->model, k->x, dt, f);
    triad_process_noise(k->model, fabs(dt), model_q(c, k->model), c->q_thrust, q);
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            double s = 0.0;
            for (int m = 0; m < N; m++)
                s += f[i][m] * k->p[m][j];
            fp[i][j] = s;
        }
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            double s = q[i][j];
            for (int m = 0; m < N; m++)
                s += fp[i][m] * f[j][m];
            k->p[i][j] = s;
        }
    symmetrize(k->p);
    if (k->model != TRIAD_MOTION_BOOST)
        decouple_thrust(k);
    k->time_s = time_s;
    return steps > 0 ? steps : 0;
}

static void det_to_meas(const triad_fusion_det *d, double z[4], double r[4])
{
    z[0] = d->range_m;
    z[1] = d->azimuth_deg * DEG2RAD;
    z[2] = d->elevation_deg * DEG2RAD;
    z[3] = d->range_rate_mps;
    /* Non-positive variances mean "not given": floors keep S invertible. */
    r[0] = d->var_range_m2 > 0.0 ? d->var_range_m2 : 100.0;
    r[1] = d->var_azimuth_deg2 > 0.0 ? d->var_azimuth_deg2 * DEG2RAD * DEG2RAD : 1e-4;
    r[2] = d->var_elevation_deg2 > 0.0 ? d->var_elevation_deg2 * DEG2RAD * DEG2RAD : 1e-4;
    r[3] = d->var_range_rate_m2s2 > 0.0 ? d->var_range_rate_m2s2 : 1.0;
}

/* Innovation, its covariance's inverse and log-determinant, H (4 x 7, last column 0), and the
 * measurement variances used (r, with the second-order range-rate term). */
typedef struct {
    double y[4], sinv[4][4], logdet, h[4][N], d2, r[4];
} innov;

/* The second-order term of the range rate rr = v . (p - s) / |p - s|: its cross Hessian is
 * (I - u u') / r, so 1/2 tr(Hxx P Hxx P) = [tr(M Pvv M Ppp) + tr(M Pvp M Pvp)] / r^2 with
 * M = I - u u'. It is large only while the velocity across the line of sight is unknown (a new
 * track), where a plain EKF would take the precise range rate as a position measurement and
 * diverge; it fades as the track settles. */
static double rr_second_order(const double site_ecef[3], const triad_track *k)
{
    double u[3], r2 = 0.0;
    for (int i = 0; i < 3; i++) {
        u[i] = k->x[i] - site_ecef[i];
        r2 += u[i] * u[i];
    }
    if (!(r2 > 1.0))
        return 0.0;
    double rn = sqrt(r2), m[3][3], a[3][3], b[3][3], c[3][3];
    for (int i = 0; i < 3; i++)
        u[i] /= rn;
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            m[i][j] = (i == j ? 1.0 : 0.0) - u[i] * u[j];
    /* a = M Pvv, b = M Ppp, c = M Pvp */
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            double sa = 0.0, sb = 0.0, sc = 0.0;
            for (int q = 0; q < 3; q++) {
                sa += m[i][q] * k->p[3 + q][3 + j];
                sb += m[i][q] * k->p[q][j];
                sc += m[i][q] * k->p[3 + q][j];
            }
            a[i][j] = sa;
            b[i][j] = sb;
            c[i][j] = sc;
        }
    double tr = 0.0;
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            tr += a[i][j] * b[j][i] + c[i][j] * c[j][i];
    return tr > 0.0 ? tr / r2 : 0.0;
}

static int innovation(const triad_geodetic *site, const double site_ecef[3], const triad_track *k,
                      const double z[4], const double r_in[4], innov *o)
{
    double zp[4], h6[4][6];
    const double *r = o->r;
    memcpy(o->r, r_in, sizeof o->r);
    o->r[3] += rr_second_order(site_ecef, k);
    /* The second-order term is not enough on the first update after initiation (the velocity
     * across the line of sight is still unknown by ~1000 m/s): there the range rate is not
     * used (measured, NEES-tested: the early innovations were otherwise inconsistent). */
    if (k->hits < RR_MIN_HITS)
        o->r[3] += 1e8;
    triad_meas_predict(site, k->x, zp, h6);
    for (int i = 0; i < 4; i++) {
        for (int j = 0; j < 6; j++)
            o->h[i][j] = h6[i][j];
        o->h[i][6] = 0.0;
        o->y[i] = z[i] - zp[i];
    }
    o->y[1] = triad_wrap_pi(o->y[1]);
    double s[4][4];
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) {
            double v = i == j ? r[i] : 0.0;
            for (int a = 0; a < 6; a++)
                for (int b = 0; b < 6; b++)
                    v += o->h[i][a] * k->p[a][b] * o->h[j][b];
            s[i][j] = v;
        }
    if (spd_inv4(s, o->sinv, &o->logdet) != 0)
        return -1;
    o->d2 = 0.0;
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++)
            o->d2 += o->y[i] * o->sinv[i][j] * o->y[j];
    return isfinite(o->d2) ? 0 : -1;
}

/* EKF update, Joseph form. */
static void ekf_update(triad_track *k, const innov *o)
{
    const double *r = o->r;
    double ph[N][4], kg[N][4], ikh[N][N], a[N][N];
    for (int i = 0; i < N; i++)
        for (int j = 0; j < 4; j++) {
            double s = 0.0;
            for (int m = 0; m < N; m++)
                s += k->p[i][m] * o->h[j][m];
            ph[i][j] = s;
        }
    for (int i = 0; i < N; i++)
        for (int j = 0; j < 4; j++) {
            double s = 0.0;
            for (int m = 0; m < 4; m++)
                s += ph[i][m] * o->sinv[m][j];
            kg[i][j] = s;
        }
    for (int i = 0; i < N; i++) {
        double dx = 0.0;
        for (int j = 0; j < 4; j++)
            dx += kg[i][j] * o->y[j];
        k->x[i] += dx;
    }
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            double s = i == j ? 1.0 : 0.0;
            for (int m = 0; m < 4; m++)
                s -= kg[i][m] * o->h[m][j];
            ikh[i][j] = s;
        }
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            double s = 0.0;
            for (int m = 0; m < N; m++)
                s += ikh[i][m] * k->p[m][j];
            a[i][j] = s;
        }
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            double s = 0.0;
            for (int m = 0; m < N; m++)
                s += a[i][m] * ikh[j][m];
            for (int m = 0; m < 4; m++)
                s += kg[i][m] * r[m] * kg[j][m];
            k->p[i][j] = s;
        }
    symmetrize(k->p);
}

static int has_site(const triad_track *k, const char *site)
{
    for (size_t i = 0; i < k->num_sites; i++)
        if (strncmp(k->sites[i], site, sizeof k->sites[i]) == 0)
            return 1;
    return 0;
}

static void add_site(triad_track *k, const char *site)
{
    if (has_site(k, site) || k->num_sites >= 8)
        return;
    snprintf(k->sites[k->num_sites], sizeof k->sites[0], "%s", site);
    k->num_sites++;
}

static int popcount_n(uint32_t v, int n)
{
    uint32_t m = n >= 32 ? 0xffffffffu : ((1u << n) - 1u);
    return __builtin_popcount(v & m);
}

static void record_look(const triad_tracker_cfg *c, trk *k, int hit)
{
    k->look_hist = (k->look_hist << 1) | (hit ? 1u : 0u);
    k->looks++;
    if (hit) {
        k->pub.hits++;
        k->pub.misses = 0;
    } else {
        k->pub.misses++;
    }
    if (k->pub.status == TRIAD_TRACK_TENTATIVE &&
        popcount_n(k->look_hist, c->confirm_n) >= c->confirm_m)
        k->pub.status = TRIAD_TRACK_CONFIRMED;
}

/* Motion model management after a hit (see the file comment). */
static void manage_model(const triad_tracker_cfg *c, trk *k, double d2)
{
    triad_track *p = &k->pub;
    if (p->model == TRIAD_MOTION_BALLISTIC) {
        /* Thrust again (a later stage, a manoeuvre): back to BOOST, no longer ballistic (an
         * active warning is cancelled); a later burnout classifies it again. */
        k->nis_avg += NIS_ALPHA * (d2 - k->nis_avg);
        if (k->nis_avg > NIS_REVERT) {
            p->model = TRIAD_MOTION_BOOST;
            p->ballistic = 0;
            p->x[6] = 0.0;
            for (int i = 0; i < N; i++)
                p->p[i][6] = p->p[6][i] = 0.0;
            p->p[6][6] = BOOST_THRUST_SIGMA * BOOST_THRUST_SIGMA;
            k->burnout_count = 0;
        }
        return;
    }
    if (p->model == TRIAD_MOTION_CV) {
        if (p->hits < 3)
            return;
        double r[3][3];
        triad_enu_basis(&p->position, r);
        double vup = 0.0, var = 0.0;
        for (int i = 0; i < 3; i++) {
            vup += r[2][i] * p->x[3 + i];
            for (int j = 0; j < 3; j++)
                var += r[2][i] * p->p[3 + i][3 + j] * r[2][j];
        }
        /* Significant, not just noisy: the estimate must clear the limit by 3 sigma. */
        double alt_sig = sqrt(fmax(0.0, p->p[0][0] + p->p[1][1] + p->p[2][2]));
        if (p->position.alt_m - 3.0 * alt_sig > c->ballistic_min_alt_m ||
            fabs(vup) - 3.0 * sqrt(var) > VERTICAL_SPEED_MPS ||
            (p->position.alt_m - 3.0 * alt_sig > CLIMB_MIN_ALT_M &&
             vup - 3.0 * sqrt(var) > CLIMB_SPEED_MPS)) {
            p->model = TRIAD_MOTION_BOOST;
            p->x[6] = 0.0;
            for (int i = 0; i < N; i++)
                p->p[i][6] = p->p[6][i] = 0.0;
            p->p[6][6] = BOOST_THRUST_SIGMA * BOOST_THRUST_SIGMA;
            k->burnout_count = 0;
        }
    } else if (p->model == TRIAD_MOTION_BOOST) {
        double sig = sqrt(p->p[6][6]);
        double lim = fmax(2.0, 2.0 * sig);
        if (fabs(p->x[6]) < lim && sig < 5.0)
            k->burnout_count++;
        else
            k->burnout_count = 0;
        if (k->burnout_count >= BURNOUT_UPDATES) {
            p->model = TRIAD_MOTION_BALLISTIC;
            p->ballistic = 1;
            k->nis_avg = 4.0;
            decouple_thrust(p);
            if (k->hist && !k->hist_frozen) { /* the boost is over (the fit models its end) */
                k->hist->frozen = 1;
                k->hist_frozen = 1;
            }
        }
    }
}

static void delete_track(triad_tracker *t, trk *k, double now_s, triad_cancel_reason why)
{
    k->pub.status = TRIAD_TRACK_DELETED;
    triad__warning_cancel(&k->warn, k->pub.id, now_s, why, t->on_warning, t->user);
}

/* The ECEF position and covariance of a measurement z (det_to_meas units), variances rv. */
static void meas_position(const triad_geodetic *site, const double z[4], const double rv[4],
                          double pos[3], double cov[3][3])
{
    triad_polar_meas m = {.range_m = z[0],
                          .azimuth_rad = z[1],
                          .elevation_rad = z[2],
                          .range_rate_mps = z[3],
                          .var_range_m2 = rv[0],
                          .var_azimuth_rad2 = rv[1],
                          .var_elevation_rad2 = rv[2],
                          .var_range_rate_m2s2 = rv[3],
                          .has_range_rate = 1};
    triad_meas_to_ecef(site, &m, pos, cov);
}

static int start_track(triad_tracker *t, const triad_fusion_report *r, const double site_ecef[3],
                       const triad_fusion_det *d)
{
    int rc = grow((void **)&t->trk, &t->cap, t->n + 1, sizeof *t->trk);
    if (rc)
        return rc;
    trk *k = &t->trk[t->n];
    memset(k, 0, sizeof *k);
    double z[4], rv[4], pos[3], cov[3][3];
    det_to_meas(d, z, rv);
    meas_position(&r->site, z, rv, pos, cov);
    double los[3], n2 = 0.0;
    for (int i = 0; i < 3; i++) {
        los[i] = pos[i] - site_ecef[i];
        n2 += los[i] * los[i];
    }
    double nrm = sqrt(n2);
    if (!(nrm > 0.0))
        return 0; /* a zero-range detection carries no position */
    for (int i = 0; i < 3; i++)
        los[i] /= nrm;
    triad_track *p = &k->pub;
    p->id = t->next_id++;
    p->status = TRIAD_TRACK_TENTATIVE;
    p->model = TRIAD_MOTION_CV;
    p->time_s = r->time_s;
    /* Velocity: the range rate along the line of sight; across it unknown (large sigma). */
    double sv2 = INIT_VEL_SIGMA_MPS * INIT_VEL_SIGMA_MPS;
    for (int i = 0; i < 3; i++) {
        p->x[i] = pos[i];
        p->x[3 + i] = z[3] * los[i];
        for (int j = 0; j < 3; j++) {
            p->p[i][j] = cov[i][j];
            p->p[3 + i][3 + j] =
                sv2 * ((i == j ? 1.0 : 0.0) - los[i] * los[j]) + rv[3] * los[i] * los[j];
        }
    }
    decouple_thrust(p);
    triad_ecef_to_geo(p->x, &p->position);
    k->created_s = k->last_hit_s = r->time_s;
    if (p->position.alt_m > HIST_MIN_ALT_M && (k->hist = calloc(1, sizeof *k->hist)))
        triad__boost_history_add(k->hist, r->time_s, pos, cov); /* no memory: no fit */
    add_site(p, r->site_id);
    t->n++;
    record_look(&t->cfg, k, 1);
    return 0;
}

/* A hit's measured position (and covariance) into the track's early history. */
static void remember_position(triad__boost_history *h, const triad_fusion_report *r,
                              const double z[4], const double rv[4])
{
    double pos[3], cov[3][3];
    meas_position(&r->site, z, rv, pos, cov);
    triad__boost_history_add(h, r->time_s, pos, cov);
}

/* Costs of track i against every detection of r (row i of t->cost); marks gated detections.
 * Returns how many detections fall inside its gate. */
static int gate_row(triad_tracker *t, const triad_fusion_report *r, const double site_ecef[3],
                    size_t i)
{
    size_t nd = r->num_dets;
    int gated = 0;
    /* The range alone first: its marginal Mahalanobis distance never exceeds the full one, so a
     * detection outside the gate in range is outside the gate (and costs no angles). */
    const triad_track *k = &t->trk[i].pub;
    double u[3], rng2 = 0.0;
    for (int a = 0; a < 3; a++) {
        u[a] = k->x[a] - site_ecef[a];
        rng2 += u[a] * u[a];
    }
    const double rng = sqrt(rng2);
    double s_rr = 0.0;
    if (rng > 0.0)
        for (int a = 0; a < 3; a++)
            for (int b = 0; b < 3; b++)
                s_rr += u[a] * k->p[a][b] * u[b] / rng2;
    for (size_t j = 0; j < nd; j++) {
        double z[4], rv[4];
        innov o;
        det_to_meas(&r->dets[j], z, rv);
        double cost = TRIAD_ASSIGN_FORBIDDEN;
        const double dr = z[0] - rng;
        if (rng > 0.0 && dr * dr > 1.0001 * t->gate_d2 * (s_rr + rv[0])) {
            t->cost[i * nd + j] = cost;
            continue;
        }
        if (innovation(&r->site, site_ecef, k, z, rv, &o) == 0 && o.d2 <= t->gate_d2) {
            cost = o.d2 + o.logdet;
            t->det_used[j] = 1; /* inside some gate: never seeds a new track */
            gated++;
        }
        t->cost[i * nd + j] = cost;
    }
    return gated;
}

/* A CV track above CLIMB_MIN_ALT_M climbing faster than CLIMB_SPEED_MPS (at face value): if
 * it falls out of its gate it is probably accelerating (a boost), not an aircraft. */
static int climbing_fast(const triad_track *p)
{
    double r[3][3];
    triad_enu_basis(&p->position, r);
    const double vup = r[2][0] * p->x[3] + r[2][1] * p->x[4] + r[2][2] * p->x[5];
    return p->position.alt_m > CLIMB_MIN_ALT_M && vup > CLIMB_SPEED_MPS;
}

/* A BOOST or BALLISTIC track whose thrust may have changed: BOOST, not ballistic, the thrust
 * term uncertain again (a ballistic one starts from 0), and the prior widened by an unknown
 * acceleration of MANOEUVRE_MPS2 over the time since its last hit (at least 1 s). */
static void widen_for_thrust(trk *k, double now_s)
{
    triad_track *p = &k->pub;
    double dt = fmax(1.0, now_s - k->last_hit_s);
    double av = MANOEUVRE_MPS2 * dt, ap = 0.5 * MANOEUVRE_MPS2 * dt * dt;
    for (int i = 0; i < 3; i++) {
        p->p[i][i] += ap * ap;
        p->p[3 + i][3 + i] += av * av;
        p->p[i][3 + i] += ap * av;
        p->p[3 + i][i] += ap * av;
    }
    double a0 = p->model == TRIAD_MOTION_BOOST ? p->x[6] : 0.0;
    p->model = TRIAD_MOTION_BOOST;
    p->ballistic = 0;
    p->x[6] = a0;
    for (int i = 0; i < N; i++)
        p->p[i][6] = p->p[6][i] = 0.0;
    p->p[6][6] = BOOST_THRUST_SIGMA * BOOST_THRUST_SIGMA + a0 * a0;
}

/* Past the limit a track may coast without hits: its event's end for a warned track, else
 * delete_age_s. */
static int past_coasting_limit(const triad_tracker_cfg *c, const trk *k, double now_s)
{
    return k->warn.active ? triad__warning_over(&k->warn, now_s)
                          : now_s - k->last_hit_s > c->delete_age_s;
}

#define MERGE_D2 27.86 /* chi-square, 6 dof, 0.9999: the same object beyond reasonable doubt */

/* A missile track without a warning, born after a warned track lost its missile (no hit since):
 * if one boost template (launch_fit.h) fits both tracks' measured positions, it is that missile,
 * seen again: the event goes on under this track's number (no
 * second NEW, no CANCEL), with the launch fit's history; the lost track ends silently. */
static void take_over_lost_event(triad_tracker *t, trk *k)
{
    for (size_t i = 0; i < t->n; i++) {
        trk *a = &t->trk[i];
        if (a == k || a->pub.status == TRIAD_TRACK_DELETED || !a->warn.active || !a->hist ||
            !(a->last_hit_s < k->created_s))
            continue;
        if (!k->hist || !triad__launch_same_missile(a->hist, k->hist))
            continue;
        k->warn = a->warn;
        a->warn.active = 0;
        free(k->hist);
        k->hist = a->hist;
        k->hist->frozen = 1;
        k->hist_frozen = 1;
        a->hist = NULL;
        a->pub.status = TRIAD_TRACK_DELETED;
        t->stats.merges++;
        return;
    }
}

/* Track-to-track: two live confirmed tracks whose (position, velocity) agree within MERGE_D2 under the sum of their covariances,
 * are one object. The older number survives with its warning; the younger one's state is fused
 * into it as a measurement (H = [I 0]) and it is dropped; a warning only the younger one had
 * moves to the survivor (same event id), a second warning ends (CANCEL duplicate). */
static void merge_duplicates(triad_tracker *t, double now_s)
{
    for (size_t i = 0; i < t->n; i++) {
        trk *a = &t->trk[i];
        if (a->pub.status != TRIAD_TRACK_CONFIRMED)
            continue;
        for (size_t j = 0; j < t->n; j++) {
            trk *b = &t->trk[j];
            if (j == i || b->pub.status != TRIAD_TRACK_CONFIRMED || b->pub.id < a->pub.id)
                continue;
            if (a->pub.time_s != b->pub.time_s)
                continue;
            /* cheap first: the position's distance against the trace bound (a marginal
             * Mahalanobis distance never exceeds the full one, nor |y|^2 / trace) */
            double dp2 = 0.0, tr = 0.0;
            for (int q = 0; q < 3; q++) {
                const double dq = b->pub.x[q] - a->pub.x[q];
                dp2 += dq * dq;
                tr += a->pub.p[q][q] + b->pub.p[q][q];
            }
            if (dp2 > MERGE_D2 * tr)
                continue;
            double s[N][N], si[N][N], y[6];
            for (int r = 0; r < 6; r++) {
                y[r] = b->pub.x[r] - a->pub.x[r];
                for (int q = 0; q < 6; q++)
                    s[r][q] = a->pub.p[r][q] + b->pub.p[r][q];
            }
            if (triad__spd_inv(6, s, si))
                continue;
            double d2 = 0.0;
            for (int r = 0; r < 6; r++)
                for (int q = 0; q < 6; q++)
                    d2 += y[r] * si[r][q] * y[q];
            if (!(d2 < MERGE_D2))
                continue;
            /* K = Pa[:, 0:6] S^-1; x += K y; P -= K Pa[0:6, :] */
            double kg[N][6], pa[N][N];
            memcpy(pa, a->pub.p, sizeof pa);
            for (int r = 0; r < N; r++)
                for (int q = 0; q < 6; q++) {
                    double v = 0.0;
                    for (int m = 0; m < 6; m++)
                        v += pa[r][m] * si[m][q];
                    kg[r][q] = v;
                }
            for (int r = 0; r < N; r++) {
                double dx = 0.0;
                for (int q = 0; q < 6; q++)
                    dx += kg[r][q] * y[q];
                a->pub.x[r] += dx;
                for (int q = 0; q < N; q++) {
                    double v = 0.0;
                    for (int m = 0; m < 6; m++)
                        v += kg[r][m] * pa[m][q];
                    a->pub.p[r][q] = pa[r][q] - v;
                }
            }
            symmetrize(a->pub.p);
            if (a->pub.model == TRIAD_MOTION_CV) { /* the younger one knew it was a missile */
                a->pub.model = b->pub.model;
                a->pub.ballistic = b->pub.ballistic;
            }
            if (a->pub.model != TRIAD_MOTION_BOOST)
                decouple_thrust(&a->pub);
            triad_ecef_to_geo(a->pub.x, &a->pub.position);
            a->last_hit_s = fmax(a->last_hit_s, b->last_hit_s);
            a->pub.hits += b->pub.hits;
            a->pub.misses = a->pub.misses < b->pub.misses ? a->pub.misses : b->pub.misses;
            for (size_t q = 0; q < b->pub.num_sites; q++)
                add_site(&a->pub, b->pub.sites[q]);
            if (!a->hist && b->hist) { /* the younger one saw the boost */
                a->hist = b->hist;
                a->hist_frozen = b->hist_frozen;
                b->hist = NULL;
            }
            if (b->warn.active && !a->warn.active)
                a->warn = b->warn; /* the event goes on under the surviving number */
            else
                triad__warning_cancel(&b->warn, b->pub.id, now_s, TRIAD_CANCEL_DUPLICATE,
                                      t->on_warning, t->user);
            b->warn.active = 0;
            b->pub.status = TRIAD_TRACK_DELETED;
            t->stats.merges++;
        }
    }
}

static site_clock *find_site_clock(triad_tracker *t, const triad_fusion_report *r)
{
    for (size_t i = 0; i < t->n_sites; i++)
        if (t->sites[i].radar_id == r->radar_id &&
            strncmp(t->sites[i].id, r->site_id, sizeof t->sites[i].id) == 0)
            return &t->sites[i];
    return NULL;
}

/* Is the report's time plausible? 0, or 1 with the reason and the reference time judged by. */
static int implausible_time(triad_tracker *t, const triad_fusion_report *r, triad_refusal *why,
                            double *ref_s)
{
    const triad_tracker_cfg *c = &t->cfg;
    if (isnan(t->clock_s))
        return 0;
    *ref_s = t->clock_s;
    if (r->time_s - t->clock_s > c->max_ahead_s) {
        *why = TRIAD_REFUSED_AHEAD;
        return 1;
    }
    if (t->clock_s - r->time_s > c->max_behind_s) {
        *why = TRIAD_REFUSED_BEHIND;
        return 1;
    }
    const site_clock *sc = find_site_clock(t, r);
    if (sc && sc->last_s - r->time_s > c->max_site_behind_s) {
        *why = TRIAD_REFUSED_SITE_BEHIND;
        *ref_s = sc->last_s;
        return 1;
    }
    return 0;
}

static int note_site_time(triad_tracker *t, const triad_fusion_report *r)
{
    site_clock *sc = find_site_clock(t, r);
    if (!sc) {
        int rc = grow((void **)&t->sites, &t->sites_cap, t->n_sites + 1, sizeof *t->sites);
        if (rc)
            return rc;
        sc = &t->sites[t->n_sites++];
        snprintf(sc->id, sizeof sc->id, "%.63s", r->site_id);
        sc->radar_id = r->radar_id;
        sc->last_s = r->time_s;
    }
    sc->last_s = fmax(sc->last_s, r->time_s);
    t->clock_s = isnan(t->clock_s) ? r->time_s : fmax(t->clock_s, r->time_s);
    t->stats.clock_s = t->clock_s;
    return 0;
}

static void delete_track(triad_tracker *t, trk *k, double now_s, triad_cancel_reason why);
static int release(triad_tracker *t, double limit_s);

/* The time plausibility gate of triad_tracker_update: 0 to go on, TRIAD_TRACKER_REFUSED, or a
 * negative triad_err. */
static int admit_time(triad_tracker *t, const triad_fusion_report *r)
{
    const triad_tracker_cfg *c = &t->cfg;
    triad_refusal why;
    double ref_s;
    if (implausible_time(t, r, &why, &ref_s)) {
        t->stats.refused[why]++;
        if (t->on_refusal)
            t->on_refusal(t->refusal_user, r, why, ref_s);
        if (t->refused_run > 0 && fabs(r->time_s - t->refused_run_s) <= c->max_ahead_s) {
            t->refused_run++;
        } else {
            t->refused_run = 1;
            t->refused_run_s = r->time_s;
            t->n_run_sites = 0;
        }
        size_t si = 0;
        while (si < t->n_run_sites && !(t->run_sites[si].radar_id == r->radar_id &&
                                       strncmp(t->run_sites[si].id, r->site_id, 64) == 0))
            si++;
        if (si == t->n_run_sites && si < 8) {
            snprintf(t->run_sites[si].id, sizeof t->run_sites[si].id, "%.63s", r->site_id);
            t->run_sites[si].radar_id = r->radar_id;
            t->n_run_sites++;
        }
        /* the sites that agree with the clock */
        size_t supporters = 0;
        for (size_t k = 0; k < t->n_sites; k++)
            supporters += t->clock_s - t->sites[k].last_s <= c->max_ahead_s;
        if (t->refused_run < c->reanchor_reports && t->n_run_sites <= supporters)
            return TRIAD_TRACKER_REFUSED;
        /* The refused agree with each other and nothing else came: the clock was the odd one.
         * What the old clock admitted is processed first, then its tracks end. */
        int frc = release(t, INFINITY);
        if (frc)
            return frc;
        for (size_t i = 0; i < t->n; i++)
            if (t->trk[i].pub.status != TRIAD_TRACK_DELETED)
                delete_track(t, &t->trk[i], t->clock_s, TRIAD_CANCEL_RESET);
        t->n_sites = 0;
        t->clock_s = NAN;
        t->stats.reanchors++;
    }
    t->refused_run = 0;
    t->stats.accepted++;
    return note_site_time(t, r);
}

/* One report through association, filtering, deletion, merging and warnings. */
static int process_report(triad_tracker *t, const triad_fusion_report *r)
{
    const triad_tracker_cfg *c = &t->cfg;

    /* Tracks deleted by the previous update have been shown once: drop them. */
    size_t w = 0;
    for (size_t i = 0; i < t->n; i++) {
        if (t->trk[i].pub.status == TRIAD_TRACK_DELETED)
            free(t->trk[i].hist);
        else if (w++ != i) /* no self-copies: a track is large */
            t->trk[w - 1] = t->trk[i];
    }
    t->n = w;
    int rc = 0;
    size_t nt = t->n, nd = r->num_dets;
    rc = grow((void **)&t->cost, &t->cost_cap, nt * nd + 1, sizeof *t->cost);
    if (!rc)
        rc = grow((void **)&t->row_to_col, &t->rows_cap, nt + 1, sizeof *t->row_to_col);
    if (!rc)
        rc = grow((void **)&t->det_used, &t->dets_cap, nd + 1, sizeof *t->det_used);
    if (rc)
        return rc;
    memset(t->det_used, 0, nd + 1);

    double site_ecef[3];
    triad_geo_to_ecef(&r->site, site_ecef);

    long steps = 0;
    for (size_t i = 0; i < nt; i++) {
        t->row_to_col[i] = -1;
        trk *ki = &t->trk[i];
        if (ki->pub.status == TRIAD_TRACK_DELETED || past_coasting_limit(c, ki, r->time_s)) {
            /* past its coasting limit (or deleted by a re-anchor): deleted, not predicted */
            if (ki->pub.status != TRIAD_TRACK_DELETED)
                delete_track(t, ki, r->time_s, TRIAD_CANCEL_IMPACT_PASSED);
            for (size_t j = 0; j < nd; j++)
                t->cost[i * nd + j] = TRIAD_ASSIGN_FORBIDDEN;
            continue;
        }
        if (ki->warn.active && ki->pub.model == TRIAD_MOTION_BOOST &&
            r->time_s - ki->last_hit_s > c->delete_age_s) {
            /* a warned boost track lost for long: coast on as burnt out (free flight) */
            ki->pub.model = TRIAD_MOTION_BALLISTIC;
            ki->pub.ballistic = 1;
            decouple_thrust(&ki->pub);
        }
        steps += predict(c, &ki->pub, r->time_s);
        triad_ecef_to_geo(t->trk[i].pub.x, &t->trk[i].pub.position);
        int gated = gate_row(t, r, site_ecef, i);
        if (!gated && nd && t->trk[i].pub.misses >= 1 &&
            (t->trk[i].pub.model != TRIAD_MOTION_CV || climbing_fast(&t->trk[i].pub))) {
            /* Nothing in the gate of a BOOST or BALLISTIC track for a second look in a row
             * (one miss is the gate's own 1 - gate_probability): the thrust may have changed
             * (burnout, a later stage, a manoeuvre). If a detection fits the prior widened
             * for that, take the widened prior. */
            triad_track saved = t->trk[i].pub;
            widen_for_thrust(&t->trk[i], r->time_s);
            if (gate_row(t, r, site_ecef, i))
                t->trk[i].burnout_count = 0;
            else
                t->trk[i].pub = saved;
        }
    }
    t->stats.propagation_steps += (uint64_t)steps;
    if (steps > t->stats.max_steps_one_update)
        t->stats.max_steps_one_update = steps;
    if (nt && nd) {
        /* ln|S| may be negative: shift so every allowed cost is >= 0. */
        double mn = 0.0;
        for (size_t q = 0; q < nt * nd; q++)
            if (t->cost[q] < TRIAD_ASSIGN_FORBIDDEN && t->cost[q] < mn)
                mn = t->cost[q];
        for (size_t q = 0; q < nt * nd; q++)
            if (t->cost[q] < TRIAD_ASSIGN_FORBIDDEN)
                t->cost[q] -= mn;
        rc = triad_assign(t->cost, nt, nd, t->row_to_col);
        if (rc)
            return rc;
    }

    for (size_t i = 0; i < nt; i++) {
        trk *k = &t->trk[i];
        if (k->pub.status == TRIAD_TRACK_DELETED)
            continue;
        int j = t->row_to_col[i];
        if (j >= 0 && (size_t)j < nd && t->cost[i * nd + (size_t)j] < TRIAD_ASSIGN_FORBIDDEN) {
            double z[4], rv[4];
            innov o;
            det_to_meas(&r->dets[j], z, rv);
            if (innovation(&r->site, site_ecef, &k->pub, z, rv, &o) == 0) {
                ekf_update(&k->pub, &o);
                triad_ecef_to_geo(k->pub.x, &k->pub.position);
                k->last_hit_s = r->time_s;
                if (k->hist && !k->hist_frozen)
                    remember_position(k->hist, r, z, rv);
                add_site(&k->pub, r->site_id);
                record_look(c, k, 1);
                manage_model(c, k, o.d2);
                continue;
            }
        }
        if (has_site(&k->pub, r->site_id))
            record_look(c, k, 0);
    }

    /* Deletion. */
    for (size_t i = 0; i < nt; i++) {
        trk *k = &t->trk[i];
        triad_track *p = &k->pub;
        if (p->status == TRIAD_TRACK_DELETED)
            continue;
        /* A warned track coasts on (misses, coverage gaps, handovers) until its event is over:
         * a warning is cancelled on evidence, never because the radars lost it. */
        /* Misses alone kill only a track also unseen for MISS_MIN_AGE_S: with many radars
         * reporting often, a few looks in a row from sites whose coverage it has left are not
         * evidence that it is gone. */
        int dead = k->warn.active ? triad__warning_over(&k->warn, r->time_s)
                                  : ((int)p->misses >= c->delete_misses &&
                                     r->time_s - k->last_hit_s > MISS_MIN_AGE_S) ||
                                        r->time_s - k->last_hit_s > c->delete_age_s;
        /* One-shot M of N: still tentative after N looks (record_look confirms) -> gone. */
        if (p->status == TRIAD_TRACK_TENTATIVE && k->looks >= c->confirm_n)
            dead = 1;
        if (dead)
            delete_track(t, k, r->time_s, TRIAD_CANCEL_IMPACT_PASSED);
    }
    merge_duplicates(t, r->time_s);

    /* New tentative tracks from detections outside every gate. */
    for (size_t j = 0; j < nd; j++)
        if (!t->det_used[j]) {
            rc = start_track(t, r, site_ecef, &r->dets[j]);
            if (rc)
                return rc;
        }

    rc = grow((void **)&t->out, &t->out_cap, t->n + 1, sizeof *t->out);
    if (rc)
        return rc;
    t->n_out = 0;
    for (size_t i = 0; i < t->n; i++) {
        trk *k = &t->trk[i];
        if (k->pub.status != TRIAD_TRACK_DELETED && !k->warn.active &&
            k->pub.status == TRIAD_TRACK_CONFIRMED && k->pub.model != TRIAD_MOTION_CV)
            take_over_lost_event(t, k);
        t->out[t->n_out++] = k->pub;
        if (k->pub.status == TRIAD_TRACK_DELETED)
            continue;
        triad__warning_step(&k->warn, &k->pub, k->hist, r->time_s - k->created_s, c,
                            &t->next_event, t->on_warning, t->user);
    }
    return 0;
}

/* The canonical order of buffered reports: time, then site, radar, then content, so that the
 * same reports in any arrival order are processed alike. */
static int report_cmp(const pending_report *a, const pending_report *b)
{
    if (a->r.time_s != b->r.time_s)
        return a->r.time_s < b->r.time_s ? -1 : 1;
    int c = strncmp(a->r.site_id, b->r.site_id, sizeof a->r.site_id);
    if (c)
        return c;
    if (a->r.radar_id != b->r.radar_id)
        return a->r.radar_id < b->r.radar_id ? -1 : 1;
    if (a->r.num_dets != b->r.num_dets)
        return a->r.num_dets < b->r.num_dets ? -1 : 1;
    return a->r.num_dets ? memcmp(a->dets, b->dets, a->r.num_dets * sizeof *a->dets) : 0;
}

/* Process the buffered reports up to time limit_s (all: INFINITY), in canonical order. */
static int release(triad_tracker *t, double limit_s)
{
    size_t i = 0;
    int rc = 0;
    for (; i < t->n_pending && !rc && t->pending[i].r.time_s <= limit_s; i++) {
        rc = process_report(t, &t->pending[i].r);
        free(t->pending[i].dets);
    }
    for (size_t k = i; rc && k < t->n_pending; k++) /* on error: drop the rest too */
        free(t->pending[k].dets);
    if (rc)
        i = t->n_pending;
    if (i && i < t->n_pending) /* (no pending array at all before the first buffered report) */
        memmove(t->pending, t->pending + i, (t->n_pending - i) * sizeof *t->pending);
    t->n_pending -= i;
    return rc;
}

int triad_tracker_update(triad_tracker *t, const triad_fusion_report *r)
{
    if (!t || !r)
        return triad__fail(TRIAD_EINVAL, "tracker: NULL tracker or report");
    if (r->num_dets && !r->dets)
        return triad__fail(TRIAD_EINVAL,
                           "tracker: report from %.64s has %zu detections and no array", r->site_id,
                           r->num_dets);
    if (!isfinite(r->time_s))
        return triad__fail(TRIAD_EINVAL, "tracker: report from %.64s: time_s %g is not finite",
                           r->site_id, r->time_s);
    for (size_t j = 0; j < r->num_dets; j++) {
        const triad_fusion_det *d = &r->dets[j];
        if (!isfinite(d->range_m) || !(d->range_m > 0.0) || !isfinite(d->azimuth_deg) ||
            !isfinite(d->elevation_deg) || !isfinite(d->range_rate_mps))
            return triad__fail(TRIAD_EINVAL,
                               "tracker: report from %.64s: detection %zu has a bad range %g, "
                               "azimuth %g, elevation %g or range rate %g",
                               r->site_id, j, d->range_m, d->azimuth_deg, d->elevation_deg,
                               d->range_rate_mps);
    }
    int rc = admit_time(t, r);
    if (rc)
        return rc;
    if (!(t->cfg.reorder_s > 0.0))
        return process_report(t, r);
    rc = grow((void **)&t->pending, &t->pending_cap, t->n_pending + 1, sizeof *t->pending);
    if (rc)
        return rc;
    pending_report e = {.r = *r, .dets = NULL};
    if (r->num_dets) {
        e.dets = malloc(r->num_dets * sizeof *e.dets);
        if (!e.dets)
            return triad__fail(TRIAD_ENOMEM, "tracker: out of memory (%zu detections)",
                               r->num_dets);
        memcpy(e.dets, r->dets, r->num_dets * sizeof *e.dets);
    }
    e.r.dets = e.dets;
    size_t k = t->n_pending;
    while (k > 0 && report_cmp(&t->pending[k - 1], &e) > 0)
        k--;
    memmove(t->pending + k + 1, t->pending + k, (t->n_pending - k) * sizeof *t->pending);
    t->pending[k] = e;
    t->n_pending++;
    return release(t, t->clock_s - t->cfg.reorder_s);
}

int triad_tracker_flush(triad_tracker *t)
{
    if (!t)
        return triad__fail(TRIAD_EINVAL, "tracker: NULL tracker");
    return release(t, INFINITY);
}

const triad_track *triad_tracker_tracks(const triad_tracker *t, size_t *count)
{
    size_t n = t ? t->n_out : 0;
    if (count)
        *count = n;
    return n ? t->out : NULL;
}
