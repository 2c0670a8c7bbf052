/* Scoring a fusion run against truth (see score.h).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "fusion/score.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error_internal.h"
#include "fusion/geo.h"

#define DEG (3.14159265358979323846 / 180.0)

size_t triad_score_targets(const triad__truth *t, triad_score_target *out, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; i < t->num_pts; i++) {
        if (k && strcmp(out[k - 1].name, t->pts[i].target) == 0) {
            out[k - 1].n++;
            continue;
        }
        if (k == cap)
            break;
        out[k] = (triad_score_target){i, 1, t->pts[i].ballistic, t->pts[i].target};
        k++;
    }
    return k;
}

int triad_score_truth_at(const triad__truth *t, const triad_score_target *g, double tt,
                         double p[3], int *seen_by)
{
    const triad__truth_point *a = &t->pts[g->first];
    if (tt < a[0].t - 1e-6 || tt > a[g->n - 1].t + 1e-6)
        return 0;
    size_t lo = 0, hi = g->n - 1;
    while (hi - lo > 1) {
        const size_t mid = (lo + hi) / 2;
        if (a[mid].t <= tt)
            lo = mid;
        else
            hi = mid;
    }
    const double span = a[hi].t - a[lo].t;
    const double f = span > 0 ? fmin(fmax((tt - a[lo].t) / span, 0.0), 1.0) : 0.0;
    for (int i = 0; i < 3; i++)
        p[i] = a[lo].ecef[i] + f * (a[hi].ecef[i] - a[lo].ecef[i]);
    if (seen_by)
        *seen_by = a[lo].seen_by;
    return 1;
}

double triad_score_ground_m(double lat1, double lon1, double lat2, double lon2)
{
    const double p1 = lat1 * DEG, p2 = lat2 * DEG, dl = (lon2 - lon1) * DEG;
    const double a = sin((p2 - p1) / 2) * sin((p2 - p1) / 2) +
                     cos(p1) * cos(p2) * sin(dl / 2) * sin(dl / 2);
    return 2 * 6371000.0 * asin(fmin(1.0, sqrt(a)));
}

static double dist3(const double a[3], const double b[3])
{
    return sqrt((a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]) +
                (a[2] - b[2]) * (a[2] - b[2]));
}

/* The truth point (lat, lon) in the metric of the ellipse centred at g: sqrt of the squared
 * error in 1-sigma units along and across its major axis. */
static double ellipse_sigma(const triad_geodetic *g, const triad_ellipse *e, double lat_deg,
                            double lon_deg)
{
    const triad_geodetic tg = {lat_deg * DEG, lon_deg * DEG, g->alt_m};
    double p[3], d[3];
    triad_geo_to_ecef(&tg, p);
    triad_ecef_to_enu(g, p, d);
    const double th = e->orientation_deg * DEG; /* clockwise from north */
    const double along = d[0] * sin(th) + d[1] * cos(th), across = d[0] * cos(th) - d[1] * sin(th);
    const double a = fmax(e->semi_major_m, 1.0), b = fmax(e->semi_minor_m, 1.0);
    return sqrt(along * along / (a * a) + across * across / (b * b));
}

static void errors_of(const triad_warning *w, const triad__truth_launch *l, triad_score_errors *e)
{
    if (!w) {
        *e = (triad_score_errors){NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, 0};
        return;
    }
    e->launch_time_err_s = w->launch_time_s - l->launch_t;
    e->launch_time_err_sigma = fabs(e->launch_time_err_s) / fmax(w->launch_time_sigma_s, 1e-3);
    e->launch_err_km = triad_score_ground_m(w->launch.lat_rad / DEG, w->launch.lon_rad / DEG,
                                            l->launch_lat_deg, l->launch_lon_deg) / 1000.0;
    e->launch_err_sigma = ellipse_sigma(&w->launch, &w->launch_ellipse, l->launch_lat_deg,
                                        l->launch_lon_deg);
    e->impact_err_km = triad_score_ground_m(w->impact.lat_rad / DEG, w->impact.lon_rad / DEG,
                                            l->impact_lat_deg, l->impact_lon_deg) / 1000.0;
    e->impact_err_sigma = ellipse_sigma(&w->impact, &w->impact_ellipse, l->impact_lat_deg,
                                        l->impact_lon_deg);
    e->impact_time_err_s = w->impact_time_s - l->impact_t;
    e->impact_sigma_major_km = w->impact_ellipse.semi_major_m / 1000.0;
    e->version = w->version;
}

/* The launch an event is about: the truth impact nearest its last prediction's. */
static size_t launch_of_event(const triad__truth *t, const triad_warning *w, size_t nw,
                              uint64_t event)
{
    const triad_warning *last = NULL;
    for (size_t i = 0; i < nw; i++)
        if (w[i].event_id == event && w[i].kind != TRIAD_WARNING_CANCEL)
            last = &w[i];
    size_t best = (size_t)-1;
    double bd = INFINITY;
    for (size_t i = 0; last && i < t->num_launches; i++) {
        const double d = triad_score_ground_m(last->impact.lat_rad / DEG, last->impact.lon_rad / DEG,
                                              t->launches[i].impact_lat_deg,
                                              t->launches[i].impact_lon_deg);
        if (d < bd) {
            bd = d;
            best = i;
        }
    }
    return best;
}

static int by_id_then_time(const void *a, const void *b)
{
    const triad_score_track_pt *x = a, *y = b;
    if (x->id != y->id)
        return x->id < y->id ? -1 : 1;
    return x->t < y->t ? -1 : x->t > y->t;
}

int triad_score_run(const triad__truth *truth, const triad__fjsonl_reports *in,
                    const triad_warning *w, size_t nw, triad_score_track_pt *tr, size_t ntr,
                    triad_score *out)
{
    memset(out, 0, sizeof *out);
    triad_score_target *tg = malloc(TRIAD_SCORE_MAX_TARGETS * sizeof *tg);
    size_t *ev_launch = malloc((nw + 1) * sizeof *ev_launch);
    if (!tg || !ev_launch) {
        free(tg);
        free(ev_launch);
        return triad__fail(TRIAD_ENOMEM, "score: out of memory");
    }
    const size_t ntg = triad_score_targets(truth, tg, TRIAD_SCORE_MAX_TARGETS);
    out->num_targets = ntg;
    qsort(tr, ntr, sizeof *tr, by_id_then_time);
    /* which launch each warning's event is about */
    for (size_t i = 0; i < nw; i++) {
        ev_launch[i] = (size_t)-1;
        for (size_t j = 0; j < i; j++)
            if (w[j].event_id == w[i].event_id) {
                ev_launch[i] = ev_launch[j];
                break;
            }
        if (ev_launch[i] == (size_t)-1)
            ev_launch[i] = launch_of_event(truth, w, nw, w[i].event_id);
    }
    out->num_launches = truth->num_launches < 64 ? truth->num_launches : 64;
    for (size_t li = 0; li < out->num_launches; li++) {
        const triad__truth_launch *l = &truth->launches[li];
        triad_score_launch *s = &out->launches[li];
        memcpy(s->target, l->target, sizeof s->target);
        s->launch_t = l->launch_t;
        s->burnout_t = l->burnout_t;
        s->impact_t = l->impact_t;
        s->first_det_t = s->first_new_t = NAN;
        const triad_score_target *g = NULL;
        for (size_t k = 0; k < ntg; k++)
            if (strcmp(tg[k].name, l->target) == 0)
                g = &tg[k];
        /* first detection of this target */
        for (size_t i = 0; g && in && i < in->n && isnan(s->first_det_t); i++) {
            const triad_fusion_report *r = &in->v[i].r;
            double p[3];
            if (!triad_score_truth_at(truth, g, r->time_s, p, NULL))
                continue;
            for (size_t d = 0; d < r->num_dets; d++) {
                const triad_fusion_det *fd = &r->dets[d];
                triad_polar_meas m = {fd->range_m, fd->azimuth_deg * DEG, fd->elevation_deg * DEG,
                                      fd->range_rate_mps, 1, 1e-6, 1e-6, 1, 0};
                double pos[3], cov[3][3];
                triad_meas_to_ecef(&r->site, &m, pos, cov);
                if (dist3(p, pos) < TRIAD_SCORE_DETECT_M) {
                    s->first_det_t = r->time_s;
                    break;
                }
            }
        }
        /* events, wrong CANCELs, time without a warning */
        size_t nseen = 0, active = 0;
        double t_prev = NAN;
        for (size_t i = 0; i < nw; i++) {
            if (ev_launch[i] != li)
                continue;
            const double ti = fmin(w[i].issued_s, l->impact_t);
            if (!isnan(t_prev) && active == 0 && ti > t_prev)
                s->unwarned_s += ti - t_prev;
            t_prev = ti;
            if (w[i].kind == TRIAD_WARNING_NEW) {
                if (isnan(s->first_new_t)) {
                    s->first_new_t = w[i].issued_s;
                    s->new_in_boost = w[i].issued_s < l->burnout_t;
                }
                nseen++; /* a NEW starts each event */
                active++;
            } else if (w[i].kind == TRIAD_WARNING_CANCEL) {
                if (active)
                    active--;
                if (w[i].issued_s < l->impact_t)
                    s->wrong_cancels++;
            }
        }
        if (!isnan(t_prev) && active == 0 && l->impact_t > t_prev)
            s->unwarned_s += l->impact_t - t_prev;
        s->events = nseen;
        /* the warning out at a time: the latest NEW/UPDATE of this launch's events not
         * cancelled since */
        const double marks[3] = {30.0, 60.0, 120.0};
        triad_score_errors *dst[3] = {&s->at_b30, &s->at_b60, &s->at_b120};
        for (int m = 0; m < 4; m++) {
            const double at = m < 3 ? l->burnout_t + marks[m] : l->impact_t;
            const triad_warning *best = NULL;
            for (size_t i = 0; i < nw && w[i].issued_s <= at + 1e-9; i++) {
                if (ev_launch[i] != li)
                    continue;
                best = w[i].kind == TRIAD_WARNING_CANCEL ? NULL : &w[i];
            }
            errors_of(best, l, m < 3 ? dst[m] : &s->last);
        }
        /* track numbers on this missile: more than half of a track's points near it */
        for (size_t i = 0; g && i < ntr;) {
            size_t j = i, near = 0;
            for (; j < ntr && tr[j].id == tr[i].id; j++) {
                double p[3];
                near += triad_score_truth_at(truth, g, tr[j].t, p, NULL) &&
                        dist3(p, tr[j].ecef) < TRIAD_SCORE_NEAR_M;
            }
            s->track_ids += 2 * near > j - i;
            i = j;
        }
    }
    /* never tracked; false tracks */
    for (size_t k = 0; k < ntg; k++) {
        int hit = 0;
        for (size_t i = 0; i < ntr && !hit; i++) {
            double p[3];
            hit = triad_score_truth_at(truth, &tg[k], tr[i].t, p, NULL) &&
                  dist3(p, tr[i].ecef) < TRIAD_SCORE_NEAR_M;
        }
        if (!hit && out->num_never_tracked < 16)
            memcpy(out->never_tracked[out->num_never_tracked++], tg[k].name, 64);
    }
    /* track numbers per target: each track to the target it was near most often */
    size_t *ids = calloc(ntg + 1, sizeof *ids), *votes = calloc(ntg + 1, sizeof *votes);
    if (!ids || !votes) {
        free(ids);
        free(votes);
        free(tg);
        free(ev_launch);
        return triad__fail(TRIAD_ENOMEM, "score: out of memory");
    }
    for (size_t i = 0; i < ntr;) {
        size_t j = i;
        memset(votes, 0, (ntg + 1) * sizeof *votes);
        for (; j < ntr && tr[j].id == tr[i].id; j++)
            for (size_t k = 0; k < ntg; k++) {
                double p[3];
                if (triad_score_truth_at(truth, &tg[k], tr[j].t, p, NULL) &&
                    dist3(p, tr[j].ecef) < TRIAD_SCORE_NEAR_M) {
                    votes[k]++;
                    break;
                }
            }
        size_t best = ntg;
        for (size_t k = 0; k < ntg; k++)
            if (2 * votes[k] > j - i)
                best = k;
        if (best < ntg)
            ids[best]++;
        i = j;
    }
    size_t sum = 0;
    for (size_t k = 0; k < ntg; k++) {
        out->tracked_targets += ids[k] > 0;
        sum += ids[k];
    }
    out->ids_per_target = out->tracked_targets ? (double)sum / (double)out->tracked_targets : NAN;
    free(ids);
    free(votes);
    for (size_t i = 0; i < ntr;) {
        size_t j = i, near = 0;
        for (; j < ntr && tr[j].id == tr[i].id; j++)
            for (size_t k = 0; k < ntg; k++) {
                double p[3];
                if (triad_score_truth_at(truth, &tg[k], tr[j].t, p, NULL) &&
                    dist3(p, tr[j].ecef) < TRIAD_SCORE_NEAR_M) {
                    near++;
                    break;
                }
            }
        out->confirmed_tracks++;
        out->false_tracks += 2 * near < j - i;
        i = j;
    }
    out->span_s = in && in->n ? in->v[in->n - 1].r.time_s - in->v[0].r.time_s : 0.0;
    out->false_tracks_per_hour =
        out->span_s > 0 ? (double)out->false_tracks * 3600.0 / out->span_s : 0.0;
    free(tg);
    free(ev_launch);
    return 0;
}
