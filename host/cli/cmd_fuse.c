/* triad fuse: detection reports (JSON Lines) -> the multi-radar tracker -> tracks and warnings
 * (JSON Lines), a map, and with the truth a summary of how well it did.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "fusion/assign.h"
#include "fusion/dynamics.h"
#include "fusion/geo.h"
#include "fusion/score.h"
#include "fusion/tracker.h"
#include "io/dds/dds_listener.h"
#include "io/dds/fusion_dds.h"
#include "io/fusion_jsonl.h"
#include "io/map_png.h"
#include "triad/error.h"

#define DEG (M_PI / 180.0)
#define MAX_INPUTS 64
#define OSPA_CUTOFF_M 10000.0
#define NEAR_TRUTH_M 10000.0
#define TABLE_STEP_S 10.0
/* The tracker's own reorder buffer: reports within 1 s of report time are processed in its
 * canonical order, whatever order the files or the network gave them in. */
#define TRACKER_REORDER_S 1.0

static const char usage_text[] =
    "usage: triad fuse --input REPORTS.jsonl [--input MORE.jsonl ...] [--out TRACKS.jsonl]\n"
    "                  [--plot MAP.png] [--truth TRUTH.jsonl]\n"
    "  merges the inputs in time order and runs the tracker; --out gets one track line per\n"
    "  confirmed track per update and every warning line (docs/FORMATS.md, \"Fusion\");\n"
    "  --plot draws sites, coverage, tracks, truth, launch and impact; --truth adds a summary on\n"
    "  stderr (warning latency, launch/impact error, OSPA, false tracks per hour)\n"
    "DDS (docs/FORMATS.md, \"Tracks and warnings on DDS\"):\n"
    "  --dds-in             instead of --input: fuse the DetectionReports heard on the\n"
    "                       detection topic (--dds-in-topic T, default triad/detections), in\n"
    "                       arrival order through a reorder buffer of --reorder S seconds of\n"
    "                       report time (default 0.5), until --count/--timeout/SIGINT\n"
    "  --dds-out            publish the tracks and warnings (with --input or --dds-in)\n"
    "  --dds-linger S       after the input, keep serving the warnings to late joiners for S\n"
    "                       seconds (SIGINT ends it sooner); default 0\n"
    "  --print-dds          instead of fusing: print the Track and Warning samples heard, as\n"
    "                       JSON Lines (to --out or stdout), until --count/--timeout/SIGINT\n"
    "  --count N            --print-dds, --dds-in: stop after N samples / reports (status 1\n"
    "                       if not reached)\n"
    "  --timeout S          --print-dds, --dds-in: stop after S seconds\n"
    "  --dds-domain N  --dds-loopback  --dds-config XML|URI\n"
    "  --dds-track-topic T (default triad/tracks)  --dds-warning-topic T (triad/warnings)\n";

static volatile sig_atomic_t fuse_stop;

static void fuse_on_signal(int sig)
{
    (void)sig;
    fuse_stop = 1;
}

/* ---- what is kept for the summary and the map ---- */
typedef struct {
    uint32_t id;
    int ballistic;
    double t, lat_deg, lon_deg, ecef[3];
    size_t seq;
} track_rec;

typedef struct {
    FILE *out;
    int io_err;
    triad_warning *w;
    size_t nw, capw;
    track_rec *tr;
    size_t ntr, captr;
    uint32_t *last_hits; /* by track id */
    size_t cap_hits;
    triad_fdds_pub *pub; /* --dds-out */
    int dds_err;
} fuse_ctx;

static void on_warning(void *user, const triad_warning *w)
{
    fuse_ctx *c = user;
    if (c->out && triad__fjsonl_write_warning(c->out, w))
        c->io_err = 1;
    if (c->pub && !c->dds_err && triad_fdds_pub_warning(c->pub, w))
        c->dds_err = 1;
    if (c->nw == c->capw) {
        const size_t n = c->capw ? 2 * c->capw : 64;
        void *p = realloc(c->w, n * sizeof *c->w);
        if (!p) {
            c->io_err = 2;
            return;
        }
        c->w = p;
        c->capw = n;
    }
    c->w[c->nw++] = *w;
}

/* A report refused for its time: named on stderr (the first few), counted by the tracker. */
static void on_refusal(void *user, const triad_fusion_report *r, triad_refusal why,
                       double reference_s)
{
    size_t *shown = user;
    if ((*shown)++ < 5)
        fprintf(stderr, "triad fuse: warning: report of site '%s' radar %u at time %.6f refused "
                "(%s: reference %.6f, %+.6g s off)%s\n", r->site_id, (unsigned)r->radar_id,
                r->time_s, triad_refusal_name(why), reference_s, r->time_s - reference_s,
                *shown == 5 ? "; further refusals counted only" : "");
}

/* The refusal counts of the tracker on one summary line. */
static void print_refusals(const triad_tracker *tk)
{
    triad_tracker_stats st;
    triad_tracker_get_stats(tk, &st);
    uint64_t total = 0;
    for (int i = 0; i < TRIAD_REFUSED_NUM; i++)
        total += st.refused[i];
    fprintf(stderr, "summary: reports_refused=%llu", (unsigned long long)total);
    for (int i = 0; i < TRIAD_REFUSED_NUM; i++)
        fprintf(stderr, " refused_%s=%llu", triad_refusal_name((triad_refusal)i),
                (unsigned long long)st.refused[i]);
    fprintf(stderr, " clock_reanchors=%llu max_propagation_steps_one_report=%ld\n",
            (unsigned long long)st.reanchors, st.max_steps_one_update);
}

static int keep_track(fuse_ctx *c, const triad_track *t)
{
    if (c->ntr == c->captr) {
        const size_t n = c->captr ? 2 * c->captr : 4096;
        void *p = realloc(c->tr, n * sizeof *c->tr);
        if (!p)
            return -1;
        c->tr = p;
        c->captr = n;
    }
    track_rec *r = &c->tr[c->ntr];
    r->id = t->id;
    r->ballistic = t->ballistic;
    r->t = t->time_s;
    r->lat_deg = t->position.lat_rad / DEG;
    r->lon_deg = t->position.lon_rad / DEG;
    memcpy(r->ecef, t->x, sizeof r->ecef);
    r->seq = c->ntr++;
    return 0;
}

/* Was the track updated since we last wrote it? (hits grew; ids are small and sequential) */
static int updated(fuse_ctx *c, const triad_track *t)
{
    if (t->id >= 50000000u)
        return 1;
    if (t->id >= c->cap_hits) {
        size_t n = c->cap_hits ? c->cap_hits : 1024;
        while (n <= t->id)
            n *= 2;
        uint32_t *p = realloc(c->last_hits, n * sizeof *p);
        if (!p)
            return 1;
        memset(p + c->cap_hits, 0, (n - c->cap_hits) * sizeof *p);
        c->last_hits = p;
        c->cap_hits = n;
    }
    if (c->last_hits[t->id] == t->hits)
        return 0;
    c->last_hits[t->id] = t->hits;
    return 1;
}

static double dist3(const double a[3], const double b[3])
{
    return sqrt((a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]) +
                (a[2] - b[2]) * (a[2] - b[2]));
}

/* OSPA (order 1, cutoff c) between the confirmed tracks propagated to time tt and the truth
 * targets that exist then and are inside some radar's coverage. */
static double ospa_at(const triad_track *tr, size_t ntr, const triad__truth *truth,
                      const triad_score_target *tg, size_t ntg, double tt, size_t *m_out, size_t *n_out)
{
    double tp[256][3], xp[256][3];
    size_t m = 0, n = 0;
    for (size_t i = 0; i < ntr && m < 256; i++) {
        if (tr[i].status != TRIAD_TRACK_CONFIRMED)
            continue;
        double x[TRIAD_STATE_DIM];
        memcpy(x, tr[i].x, sizeof x);
        if (tt != tr[i].time_s)
            triad_propagate(tr[i].model, x, tt - tr[i].time_s, NULL);
        memcpy(tp[m++], x, 3 * sizeof(double));
    }
    for (size_t k = 0; k < ntg && n < 256; k++) {
        int seen = 0;
        if (triad_score_truth_at(truth, &tg[k], tt, xp[n], &seen) && seen > 0)
            n++;
    }
    *m_out = m;
    *n_out = n;
    if (m == 0 && n == 0)
        return 0.0;
    if (m == 0 || n == 0)
        return OSPA_CUTOFF_M;
    double *cost = malloc(m * n * sizeof *cost);
    int *r2c = malloc(m * sizeof *r2c);
    double sum = 0;
    if (cost && r2c)
        for (size_t i = 0; i < m; i++)
            for (size_t j = 0; j < n; j++)
                cost[i * n + j] = fmin(dist3(tp[i], xp[j]), OSPA_CUTOFF_M);
    if (!cost || !r2c || triad_assign(cost, m, n, r2c)) {
        free(cost);
        free(r2c);
        return NAN;
    }
    for (size_t i = 0; i < m; i++)
        if (r2c[i] >= 0)
            sum += cost[i * n + (size_t)r2c[i]];
    const size_t big = m > n ? m : n, small = m > n ? n : m;
    sum += OSPA_CUTOFF_M * (double)(big - small);
    free(cost);
    free(r2c);
    return sum / (double)big;
}

static int by_id_then_seq(const void *a, const void *b)
{
    const track_rec *x = a, *y = b;
    if (x->id != y->id)
        return x->id < y->id ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The latest NEW/UPDATE warning issued at or before t (NULL if none, or cancelled since). */
static const triad_warning *warning_at(const fuse_ctx *c, double t)
{
    const triad_warning *best = NULL;
    for (size_t i = 0; i < c->nw && c->w[i].issued_s <= t + 1e-9; i++)
        best = c->w[i].kind == TRIAD_WARNING_CANCEL ? NULL : &c->w[i];
    return best;
}

/* Double the map's path array (one growth rule for track and truth paths). */
static int grow_paths(triad__map_path **paths, size_t *cap)
{
    void *p = realloc(*paths, 2 * *cap * sizeof **paths);
    if (!p)
        return -1;
    *paths = p;
    *cap *= 2;
    return 0;
}

static const char *num(char *buf, size_t n, double v, const char *fmt)
{
    if (isnan(v))
        snprintf(buf, n, "-");
    else
        snprintf(buf, n, fmt, v);
    return buf;
}

/* The truth summary: triad_score_run (host/fusion/score.c) and its table. */
static int summary(fuse_ctx *c, const triad__fjsonl_reports *in, const triad__truth *truth,
                   const double *ospa_t, const double *ospa_v, const size_t *ospa_m,
                   const size_t *ospa_n, size_t nospa)
{
    triad_score_track_pt *pts = malloc((c->ntr + 1) * sizeof *pts);
    static triad_score sc;
    if (!pts)
        return -1;
    for (size_t i = 0; i < c->ntr; i++) {
        pts[i].id = c->tr[i].id;
        pts[i].t = c->tr[i].t;
        memcpy(pts[i].ecef, c->tr[i].ecef, sizeof pts[i].ecef);
    }
    const int err = triad_score_run(truth, in, c->w, c->nw, pts, c->ntr, &sc);
    free(pts);
    if (err)
        return -1;
    const double t0 = truth->start_t;
    fprintf(stderr, "triad fuse: truth: %zu targets (%zu launches)\n", sc.num_targets,
            truth->num_launches);
    double first_det = NAN, first_new = NAN;
    for (size_t i = 0; i < sc.num_launches; i++) {
        const triad_score_launch *l = &sc.launches[i];
        const triad__truth_launch *tl = &truth->launches[i];
        fprintf(stderr,
                "  launch %s: at +%.1f s from %.4fN %.4fE, burnout +%.1f s, impact +%.1f s at "
                "%.4fN %.4fE\n",
                l->target, l->launch_t - t0, tl->launch_lat_deg, tl->launch_lon_deg,
                l->burnout_t - t0, l->impact_t - t0, tl->impact_lat_deg, tl->impact_lon_deg);
        first_det = fmin(first_det, l->first_det_t); /* fmin ignores NAN */
        first_new = fmin(first_new, l->first_new_t);
    }
    if (!isnan(first_det))
        fprintf(stderr, "  first detection of a ballistic target: +%.1f s\n", first_det - t0);
    if (!isnan(first_new))
        fprintf(stderr, "  first warning (NEW): +%.1f s\n", first_new - t0);
    fprintf(stderr, "summary: first_detection_to_warning_s=%.2f\n",
            isnan(first_det) || isnan(first_new) ? NAN : first_new - first_det);
    /* one line per launch: the columns (errors in km and in sigma of the warned
     * ellipse; "2s" = inside the 2-sigma ellipse) */
    fprintf(stderr, "  %-8s %9s %6s %8s %7s %8s %7s %6s %9s %6s %6s %8s %7s\n", "launch",
            "new_after", "boost", "lt_err_s", "lt_sig", "lp_km", "lp_sig", "wrongC",
            "unwarned", "events", "tracks", "imp60_km", "imp_sig");
    char b[13][32];
    for (size_t i = 0; i < sc.num_launches; i++) {
        const triad_score_launch *l = &sc.launches[i];
        const triad_score_errors *e = &l->at_b60;
        fprintf(stderr, "  %-8s %9s %6s %8s %7s %8s %7s %6zu %9s %6zu %6zu %8s %7s\n", l->target,
                num(b[0], 32, l->first_new_t - l->first_det_t, "%.1f"),
                isnan(l->first_new_t) ? "-" : l->new_in_boost ? "yes" : "no",
                num(b[1], 32, e->launch_time_err_s, "%.1f"),
                num(b[2], 32, e->launch_time_err_sigma, "%.1f"),
                num(b[3], 32, e->launch_err_km, "%.2f"), num(b[4], 32, e->launch_err_sigma, "%.1f"),
                l->wrong_cancels, num(b[5], 32, l->unwarned_s, "%.0f"), l->events, l->track_ids,
                num(b[6], 32, e->impact_err_km, "%.2f"), num(b[7], 32, e->impact_err_sigma, "%.1f"));
        fprintf(stderr,
                "summary: %s new_in_boost=%d first_new_after_detection_s=%.2f events=%zu "
                "track_ids=%zu wrong_cancels=%zu unwarned_s=%.1f\n",
                l->target, l->new_in_boost, l->first_new_t - l->first_det_t, l->events,
                l->track_ids, l->wrong_cancels, l->unwarned_s);
        const triad_score_errors *at[3] = {&l->at_b30, &l->at_b60, &l->at_b120};
        const double marks[3] = {30.0, 60.0, 120.0};
        for (int k = 0; k < 3; k++) {
            if (isnan(at[k]->impact_err_km)) {
                fprintf(stderr, "summary: %s impact_error_km_at_burnout_plus_%.0fs=nan "
                        "(no warning out)\n", l->target, marks[k]);
                continue;
            }
            fprintf(stderr,
                    "summary: %s impact_error_km_at_burnout_plus_%.0fs=%.3f impact_error_sigma=%.2f "
                    "launch_error_km=%.3f launch_error_sigma=%.2f launch_time_error_s=%.1f "
                    "launch_time_error_sigma=%.2f impact_time_error_s=%.1f "
                    "impact_sigma_major_km=%.3f (warning v%u)\n",
                    l->target, marks[k], at[k]->impact_err_km, at[k]->impact_err_sigma,
                    at[k]->launch_err_km, at[k]->launch_err_sigma, at[k]->launch_time_err_s,
                    at[k]->launch_time_err_sigma, at[k]->impact_time_err_s,
                    at[k]->impact_sigma_major_km, at[k]->version);
        }
    }
    fprintf(stderr, "summary: tracked_targets=%zu of %zu ids_per_target=%.2f\n", sc.tracked_targets,
            sc.num_targets, sc.ids_per_target);
    fprintf(stderr, "summary: never_tracked=%zu", sc.num_never_tracked);
    for (size_t i = 0; i < sc.num_never_tracked; i++)
        fprintf(stderr, "%s%s", i ? "," : " (", sc.never_tracked[i]);
    fprintf(stderr, "%s\n", sc.num_never_tracked ? ")" : "");
    /* OSPA every 10 s */
    fprintf(stderr, "  %8s %8s %6s %6s\n", "t_s", "ospa_km", "tracks", "truths");
    double ospa_mean = 0;
    for (size_t i = 0; i < nospa; i++) {
        fprintf(stderr, "  %8.0f %8.3f %6zu %6zu\n", ospa_t[i] - t0, ospa_v[i] / 1000.0,
                ospa_m[i], ospa_n[i]);
        ospa_mean += ospa_v[i] / (double)nospa;
    }
    fprintf(stderr, "summary: ospa_mean_km=%.3f (order 1, cutoff %.0f km, %zu samples)\n",
            ospa_mean / 1000.0, OSPA_CUTOFF_M / 1000.0, nospa);
    fprintf(stderr, "summary: false_tracks=%zu confirmed_tracks=%zu false_tracks_per_hour=%.2f "
            "(over %.0f s)\n", sc.false_tracks, sc.confirmed_tracks, sc.false_tracks_per_hour,
            sc.span_s);
    return 0;
}

static int write_map(const char *path, fuse_ctx *c, const triad__fjsonl_reports *in,
                     const triad__truth *truth)
{
    /* sites: from the truth when given (with coverage), else from the reports */
    triad__map_site sites[64];
    size_t ns = 0;
    if (truth && truth->num_sites)
        for (size_t i = 0; i < truth->num_sites && ns < 64; i++) {
            const triad__truth_site *s = &truth->sites[i];
            sites[ns++] = (triad__map_site){s->id, s->lat_deg, s->lon_deg, s->az_min_deg,
                                            s->az_max_deg, s->max_range_m};
        }
    else
        for (size_t i = 0; i < in->n && ns < 64; i++) {
            const triad_fusion_report *r = &in->v[i].r;
            size_t k = 0;
            while (k < ns && strcmp(sites[k].id, r->site_id) != 0)
                k++;
            if (k == ns)
                sites[ns++] = (triad__map_site){r->site_id, r->site.lat_rad / DEG,
                                                r->site.lon_rad / DEG, 0, 0, 0};
        }
    /* paths: one per track id (records are sorted by id), one per truth target */
    size_t np = 0, cap = 64;
    triad__map_path *paths = malloc(cap * sizeof *paths);
    triad__map_pt *pts = malloc((c->ntr + (truth ? truth->num_pts : 0) + 1) * sizeof *pts);
    int err = 0;
    if (!paths || !pts) {
        err = -1;
        goto done;
    }
    size_t npt = 0;
    qsort(c->tr, c->ntr, sizeof *c->tr, by_id_then_seq);
    for (size_t i = 0; i < c->ntr;) {
        if (np == cap && grow_paths(&paths, &cap)) {
            err = -1;
            goto done;
        }
        triad__map_path *pa = &paths[np++];
        pa->pts = &pts[npt];
        pa->truth = 0;
        pa->ballistic = 0;
        size_t j = i;
        for (; j < c->ntr && c->tr[j].id == c->tr[i].id; j++) {
            pts[npt++] = (triad__map_pt){c->tr[j].lat_deg, c->tr[j].lon_deg};
            pa->ballistic |= c->tr[j].ballistic;
        }
        pa->n = j - i;
        i = j;
    }
    if (truth)
        for (size_t i = 0; i < truth->num_pts;) {
            if (np == cap && grow_paths(&paths, &cap)) {
                err = -1;
                goto done;
            }
            triad__map_path *pa = &paths[np++];
            pa->pts = &pts[npt];
            pa->truth = 1;
            pa->ballistic = truth->pts[i].ballistic;
            size_t j = i;
            for (; j < truth->num_pts && strcmp(truth->pts[j].target, truth->pts[i].target) == 0;
                 j++)
                pts[npt++] = (triad__map_pt){truth->pts[j].lat_deg, truth->pts[j].lon_deg};
            pa->n = j - i;
            i = j;
        }
    const triad_warning *w = c->nw ? warning_at(c, INFINITY) : NULL;
    if (!w) /* cancelled at the end: still show the last prediction */
        for (size_t i = c->nw; i-- > 0;)
            if (c->w[i].kind != TRIAD_WARNING_CANCEL) {
                w = &c->w[i];
                break;
            }
    const triad__map m = {sites, ns, paths, np, w, "triad fuse: tracks (blue), truth (green)"};
    err = triad__map_png_write(path, &m);
done:
    free(paths);
    free(pts);
    if (err == -1)
        return cli_error("fuse", 1, "%s: out of memory", path);
    return err ? cli_error("fuse", 1, "%s", triad_errmsg()) : 0;
}

/* ---- --dds-in: reports from DDS, through a reorder buffer ---- */
#define REORDER_MAX 4096 /* reports held at most, whatever their times */

typedef struct {
    triad_fusion_report r;
    triad_fusion_det *dets;
} live_rep;

typedef struct {
    live_rep *v;
    size_t n, cap;
    double last_out; /* time of the last report handed to the tracker */
    size_t late, no_site;
} reorder_buf;

/* A received report into the buffer, in time order (stable). 0, 1 when skipped, -1 (memory). */
static int reorder_push(reorder_buf *b, const triad_dds_report *d)
{
    if (!(isfinite(d->site_lat_deg) && isfinite(d->site_lon_deg) && isfinite(d->site_alt_m))) {
        if (b->no_site++ == 0)
            fprintf(stderr, "triad fuse: warning: --dds-in: reports of site '%s' radar %u carry "
                    "no site position: skipped\n", d->key.site_id, (unsigned)d->key.radar_id);
        return 1;
    }
    const double t = d->cpi_time_utc_ns != INT64_MIN
                         ? (double)(d->cpi_time_utc_ns / 1000000000) +
                               1e-9 * (double)(d->cpi_time_utc_ns % 1000000000)
                         : d->time_s;
    if (!isfinite(t) || t < b->last_out) {
        if (b->late++ == 0)
            fprintf(stderr, "triad fuse: warning: --dds-in: a report of site '%s' came later "
                    "than the reorder window (or without a time): skipped\n", d->key.site_id);
        return 1;
    }
    if (b->n == b->cap) {
        const size_t cap = b->cap ? 2 * b->cap : 64;
        live_rep *nv = realloc(b->v, cap * sizeof *nv);
        if (!nv)
            return -1;
        b->v = nv;
        b->cap = cap;
    }
    triad_fusion_det *dets = NULL;
    if (d->num_dets && !(dets = malloc(d->num_dets * sizeof *dets)))
        return -1;
    for (size_t i = 0; i < d->num_dets; i++) {
        const triad_dds_detection *x = &d->dets[i];
        dets[i] = (triad_fusion_det){x->det.range_m,        x->det.velocity_mps,
                                     x->azimuth_deg,        x->elevation_deg,
                                     x->det.snr_db,         x->var_range_m2,
                                     x->var_range_rate_m2_s2, x->var_azimuth_deg2,
                                     x->var_elevation_deg2};
    }
    size_t k = b->n;
    while (k > 0 && b->v[k - 1].r.time_s > t)
        k--;
    memmove(&b->v[k + 1], &b->v[k], (b->n - k) * sizeof *b->v);
    live_rep *e = &b->v[k];
    memset(e, 0, sizeof *e);
    snprintf(e->r.site_id, sizeof e->r.site_id, "%s", d->key.site_id);
    e->r.radar_id = d->key.radar_id;
    e->r.site = (triad_geodetic){d->site_lat_deg * DEG, d->site_lon_deg * DEG, d->site_alt_m};
    e->r.time_s = t;
    e->r.dets = dets;
    e->r.num_dets = d->num_dets;
    e->dets = dets;
    b->n++;
    return 0;
}

/* One report through the tracker (NULL: flush its reorder buffer), its updated confirmed tracks
 * out. 0 or an exit status. */
static int live_fuse_one(fuse_ctx *ctx, triad_tracker *tk, const triad_fusion_report *r,
                         const char *out)
{
    const int err = r ? triad_tracker_update(tk, r) : triad_tracker_flush(tk);
    if (err == TRIAD_TRACKER_REFUSED)
        return 0; /* named on stderr by the refusal callback, counted in the tracker */
    if (err && r)
        return cli_error("fuse", 1, "report of site '%s' at %.6f: %s", r->site_id, r->time_s,
                         triad_errmsg());
    if (err)
        return cli_error("fuse", 1, "%s", triad_errmsg());
    size_t ntr = 0;
    const triad_track *trs = triad_tracker_tracks(tk, &ntr);
    for (size_t k = 0; k < ntr; k++) {
        if (trs[k].status != TRIAD_TRACK_CONFIRMED || !updated(ctx, &trs[k]))
            continue;
        if (ctx->out && (triad__fjsonl_write_track(ctx->out, &trs[k]) || fflush(ctx->out)))
            ctx->io_err = 1;
        if (ctx->pub && !ctx->dds_err && triad_fdds_pub_track(ctx->pub, &trs[k]))
            ctx->dds_err = 1;
    }
    if (ctx->pub && !ctx->dds_err && triad_fdds_pub_sweep(ctx->pub, trs, ntr))
        ctx->dds_err = 1;
    if (ctx->io_err)
        return cli_error("fuse", 1, "%s: write failed", out);
    if (ctx->dds_err)
        return cli_error("fuse", 1, "--dds-out: %s", triad_errmsg());
    return 0;
}

/* Hand the reports older than newest - window (all when flush) to the tracker. */
static int reorder_release(reorder_buf *b, double window_s, bool flush, fuse_ctx *ctx,
                           triad_tracker *tk, const char *out, size_t *fused)
{
    size_t i = 0;
    const double newest = b->n ? b->v[b->n - 1].r.time_s : 0;
    int status = 0;
    for (; i < b->n && !status; i++) {
        if (!flush && b->n - i <= REORDER_MAX && b->v[i].r.time_s > newest - window_s)
            break;
        status = live_fuse_one(ctx, tk, &b->v[i].r, out);
        b->last_out = b->v[i].r.time_s;
        free(b->v[i].dets);
        (*fused)++;
    }
    memmove(b->v, b->v + i, (b->n - i) * sizeof *b->v);
    b->n -= i;
    return status;
}

static int fuse_live(const triad_dds_opts *in_opts, fuse_ctx *ctx, const char *out, long count,
                     double timeout_s, double window_s)
{
    triad_dds_listener *l = NULL;
    triad_tracker *tk = NULL;
    reorder_buf b = {.last_out = -INFINITY};
    int err = triad_dds_listener_create(&l, in_opts);
    if (err)
        return cli_error("fuse", err == TRIAD_EINVAL ? 2 : 1, "--dds-in: %s", triad_errmsg());
    triad_tracker_cfg cfg = triad_tracker_cfg_default();
    cfg.reorder_s = TRACKER_REORDER_S;
    if (triad_tracker_create(&tk, &cfg, on_warning, ctx)) {
        triad_dds_listener_destroy(l);
        return cli_error("fuse", 1, "%s", triad_errmsg());
    }
    size_t refusals_shown = 0;
    triad_tracker_set_refusal_fn(tk, on_refusal, &refusals_shown);
    const struct sigaction sa = {.sa_handler = fuse_on_signal};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    fprintf(stderr, "triad fuse: --dds-in: domain %u, topic '%s', reorder window %g s\n",
            (unsigned)in_opts->domain_id, in_opts->topic ? in_opts->topic : TRIAD_DDS_TOPIC_DEFAULT,
            window_s);
    const double end = timeout_s > 0 ? now_s() + timeout_s : INFINITY;
    long got = 0;
    size_t fused = 0, dets = 0;
    int status = 0;
    while (!status && !fuse_stop && (count == 0 || got < count)) {
        const double left = end - now_s();
        if (left <= 0)
            break;
        triad_dds_event ev;
        if (triad_dds_listener_next(l, left < 0.2 ? left : 0.2, &ev)) {
            status = cli_error("fuse", 1, "--dds-in: %s", triad_errmsg());
            break;
        }
        if (ev.kind == TRIAD_DDS_EV_INCOMPATIBLE)
            fprintf(stderr, "triad fuse: warning: --dds-in: a publisher cannot match: QoS "
                    "policy %s\n", ev.policy);
        if (ev.kind != TRIAD_DDS_EV_REPORT)
            continue;
        got++;
        dets += ev.report.num_dets;
        const int pr = reorder_push(&b, &ev.report);
        if (pr < 0)
            status = cli_error("fuse", 1, "out of memory");
        else if (pr == 0)
            status = reorder_release(&b, window_s, false, ctx, tk, out, &fused);
    }
    if (!status)
        status = reorder_release(&b, window_s, true, ctx, tk, out, &fused);
    if (!status)
        status = live_fuse_one(ctx, tk, NULL, out);
    if (!status && count > 0 && got < count)
        status = cli_error("fuse", 1, "%ld of %ld reports received before %s", got, count,
                           fuse_stop ? "the interrupt" : "the timeout");
    size_t nnew = 0, nupd = 0, ncan = 0;
    for (size_t i = 0; i < ctx->nw; i++)
        nnew += ctx->w[i].kind == TRIAD_WARNING_NEW,
            nupd += ctx->w[i].kind == TRIAD_WARNING_UPDATE,
            ncan += ctx->w[i].kind == TRIAD_WARNING_CANCEL;
    fprintf(stderr, "triad fuse: --dds-in: %ld reports (%zu detections) received, %zu fused, "
            "%zu late, %zu without a site; warnings: %zu NEW, %zu UPDATE, %zu CANCEL\n",
            got, dets, fused, b.late, b.no_site, nnew, nupd, ncan);
    print_refusals(tk);
    for (size_t i = 0; i < b.n; i++)
        free(b.v[i].dets);
    free(b.v);
    triad_tracker_destroy(tk);
    triad_dds_listener_destroy(l);
    return status;
}

/* --print-dds: the Track and Warning samples heard, as the --out lines. */
static int print_dds(const triad_fdds_opts *o, const char *out_path, long count,
                     double timeout_s)
{
    triad_fdds_sub *s = NULL;
    const int err = triad_fdds_sub_create(&s, o);
    if (err)
        return cli_error("fuse", err == TRIAD_EINVAL ? 2 : 1, "%s", triad_errmsg());
    FILE *f = stdout;
    if (out_path && strcmp(out_path, "-") != 0 && !(f = fopen(out_path, "w"))) {
        triad_fdds_sub_destroy(s);
        return cli_error("fuse", 1, "%s: cannot create: %s", out_path, strerror(errno));
    }
    const struct sigaction sa = {.sa_handler = fuse_on_signal};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    const double end = timeout_s > 0 ? now_s() + timeout_s : INFINITY;
    long got = 0;
    int status = 0;
    while (!fuse_stop && (count == 0 || got < count)) {
        const double left = end - now_s();
        if (left <= 0)
            break;
        triad_fdds_sample smp;
        if (triad_fdds_sub_next(s, left < 0.2 ? left : 0.2, &smp)) {
            status = cli_error("fuse", 1, "%s", triad_errmsg());
            break;
        }
        if (smp.kind == TRIAD_FDDS_NONE)
            continue;
        const int werr = smp.kind == TRIAD_FDDS_TRACK ? triad__fjsonl_write_track(f, &smp.track)
                                                      : triad__fjsonl_write_warning(f, &smp.warning);
        if (werr || fflush(f)) {
            status = cli_error("fuse", 1, "%s: write failed", out_path ? out_path : "stdout");
            break;
        }
        got++;
    }
    if (status == 0 && count > 0 && got < count)
        status = cli_error("fuse", 1, "%ld of %ld samples received before %s", got, count,
                           fuse_stop ? "the interrupt" : "the timeout");
    if (f != stdout && fclose(f) && status == 0)
        status = cli_error("fuse", 1, "%s: write failed", out_path);
    triad_fdds_sub_destroy(s);
    return status;
}

int cmd_fuse(int argc, char **argv)
{
    static const struct option opts[] = {
        {"input", required_argument, NULL, 'i'}, {"out", required_argument, NULL, 'o'},
        {"plot", required_argument, NULL, 'p'},  {"truth", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {"dds-out", no_argument, NULL, 'O'},     {"dds-linger", required_argument, NULL, 'L'},
        {"print-dds", no_argument, NULL, 'P'},   {"count", required_argument, NULL, 'n'},
        {"timeout", required_argument, NULL, 'T'},
        {"dds-domain", required_argument, NULL, 'd'},
        {"dds-loopback", no_argument, NULL, 'l'}, {"dds-config", required_argument, NULL, 'c'},
        {"dds-track-topic", required_argument, NULL, 'k'},
        {"dds-warning-topic", required_argument, NULL, 'w'},
        {"dds-in", no_argument, NULL, 'I'},      {"dds-in-topic", required_argument, NULL, 'Q'},
        {"reorder", required_argument, NULL, 'R'},
        {NULL, 0, NULL, 0},
    };
    triad_fdds_opts dds = {0};
    bool dds_out = false, print = false, dds_in = false, reorder_given = false;
    const char *in_topic = NULL;
    double linger_s = 0, timeout_s = 0, window_s = 0.5;
    long count = 0, domain = 0;
    const char *inputs[MAX_INPUTS], *out = NULL, *plot = NULL, *truth_path = NULL;
    size_t ninputs = 0;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "i:o:p:t:h", opts, NULL)) != -1) {
        switch (c) {
        case 'i':
            if (ninputs == MAX_INPUTS)
                return cli_error("fuse", 2, "more than %d --input files", MAX_INPUTS);
            inputs[ninputs++] = optarg;
            break;
        case 'o': out = optarg; break;
        case 'p': plot = optarg; break;
        case 't': truth_path = optarg; break;
        case 'h': printf("%s", usage_text); return 0;
        case 'O': dds_out = true; break;
        case 'P': print = true; break;
        case 'I': dds_in = true; break;
        case 'Q': in_topic = optarg; break;
        case 'R':
            if (cli_double("fuse", "--reorder", optarg, 0, 3600, &window_s))
                return 2;
            reorder_given = true;
            break;
        case 'l': dds.loopback = true; break;
        case 'c': dds.config = optarg; break;
        case 'k': dds.track_topic = optarg; break;
        case 'w': dds.warning_topic = optarg; break;
        case 'L':
            if (cli_double("fuse", "--dds-linger", optarg, 0, 1e6, &linger_s))
                return 2;
            break;
        case 'T':
            if (cli_double("fuse", "--timeout", optarg, 0, 1e6, &timeout_s))
                return 2;
            break;
        case 'n':
            if (cli_long("fuse", "--count", optarg, 1, 1000000000L, &count))
                return 2;
            break;
        case 'd':
            if (cli_long("fuse", "--dds-domain", optarg, 0, 230, &domain))
                return 2;
            dds.domain_id = (uint32_t)domain;
            break;
        default: return cli_bad_option("fuse", argv);
        }
    }
    if (optind != argc)
        return cli_error("fuse", 2, "unexpected argument '%s'", argv[optind]);
    if (print) {
        if (ninputs || dds_out || dds_in || plot || truth_path || linger_s > 0 || in_topic ||
            reorder_given)
            return cli_error("fuse", 2, "--print-dds takes only --out, --count, --timeout and "
                             "the --dds-* connection options");
        return print_dds(&dds, out, count, timeout_s);
    }
    if ((count || timeout_s > 0) && !dds_in)
        return cli_error("fuse", 2, "--count and --timeout go with --print-dds or --dds-in");
    if (linger_s > 0 && !dds_out)
        return cli_error("fuse", 2, "--dds-linger goes with --dds-out");
    if (dds_in && (ninputs || plot || truth_path))
        return cli_error("fuse", 2, "--dds-in replaces --input; --plot and --truth need --input");
    if (dds_in) {
        triad_dds_opts io = triad_dds_opts_default();
        io.domain_id = dds.domain_id;
        io.config = dds.config;
        io.loopback = dds.loopback;
        io.topic = in_topic;
        fuse_ctx lc = {0};
        int st = 0;
        if (out && !(lc.out = strcmp(out, "-") == 0 ? stdout : fopen(out, "w")))
            return cli_error("fuse", 1, "%s: cannot create: %s", out, strerror(errno));
        if (dds_out) {
            const int derr = triad_fdds_pub_create(&lc.pub, &dds);
            if (derr)
                st = cli_error("fuse", derr == TRIAD_EINVAL ? 2 : 1, "%s", triad_errmsg());
        }
        if (!st)
            st = fuse_live(&io, &lc, out, count, timeout_s, window_s);
        if (lc.out && lc.out != stdout && fclose(lc.out) && !st)
            st = cli_error("fuse", 1, "%s: write failed: %s", out, strerror(errno));
        if (!st && lc.pub && linger_s > 0) {
            fprintf(stderr, "triad fuse: --dds-out: all published; serving the warnings to "
                    "late joiners for %g s\n", linger_s);
            const double end = now_s() + linger_s;
            while (!fuse_stop && now_s() < end) {
                const struct timespec ts = {0, 50000000};
                nanosleep(&ts, NULL);
            }
        }
        triad_fdds_pub_destroy(lc.pub);
        free(lc.w);
        free(lc.tr);
        free(lc.last_hits);
        return st;
    }
    if (in_topic || reorder_given)
        return cli_error("fuse", 2, "--dds-in-topic and --reorder go with --dds-in");
    if (!ninputs)
        return cli_error("fuse", 2, "at least one --input REPORTS.jsonl is required");

    int status = 0;
    triad__fjsonl_reports in = {0};
    triad__truth truth = {0};
    int have_truth = 0;
    triad_tracker *tk = NULL;
    fuse_ctx ctx = {0};
    double *ospa_t = NULL, *ospa_v = NULL;
    size_t *ospa_m = NULL, *ospa_n = NULL, nospa = 0, capospa = 0;
    for (size_t i = 0; i < ninputs; i++)
        if (triad__fjsonl_read_reports(inputs[i], &in)) {
            status = cli_error("fuse", 1, "%s", triad_errmsg());
            goto done;
        }
    triad__fjsonl_sort(&in);
    if (truth_path) {
        if (triad__truth_read(truth_path, &truth)) {
            status = cli_error("fuse", 1, "%s", triad_errmsg());
            goto done;
        }
        have_truth = 1;
    }
    static triad_score_target tg[TRIAD_SCORE_MAX_TARGETS];
    const size_t ntg = have_truth ? triad_score_targets(&truth, tg, TRIAD_SCORE_MAX_TARGETS) : 0;
    if (out && !(ctx.out = strcmp(out, "-") == 0 ? stdout : fopen(out, "w"))) {
        status = cli_error("fuse", 1, "%s: cannot create: %s", out, strerror(errno));
        goto done;
    }
    if (dds_out) {
        const int derr = triad_fdds_pub_create(&ctx.pub, &dds);
        if (derr) {
            status = cli_error("fuse", derr == TRIAD_EINVAL ? 2 : 1, "%s", triad_errmsg());
            goto done;
        }
    }
    triad_tracker_cfg cfg = triad_tracker_cfg_default();
    cfg.reorder_s = TRACKER_REORDER_S;
    if (triad_tracker_create(&tk, &cfg, on_warning, &ctx)) {
        status = cli_error("fuse", 1, "%s", triad_errmsg());
        goto done;
    }
    size_t refusals_shown = 0;
    triad_tracker_set_refusal_fn(tk, on_refusal, &refusals_shown);
    double t_sum = 0, t_max = 0;
    double next_sample = in.n ? ceil(in.v[0].r.time_s / TABLE_STEP_S) * TABLE_STEP_S : 0;
    if (have_truth && in.n) /* table on round times since the scenario's start */
        next_sample = truth.start_t +
                      ceil((in.v[0].r.time_s - truth.start_t) / TABLE_STEP_S) * TABLE_STEP_S;
    for (size_t i = 0; i < in.n + 1 && in.n; i++) {
        /* the last round flushes the tracker's reorder buffer */
        const triad_fusion_report *r = &in.v[i < in.n ? i : in.n - 1].r;
        const double a = now_s();
        const int err = i < in.n ? triad_tracker_update(tk, r) : triad_tracker_flush(tk);
        const double dt = now_s() - a;
        t_sum += dt;
        t_max = fmax(t_max, dt);
        if (err && err != TRIAD_TRACKER_REFUSED) {
            status = cli_error("fuse", 1, "report %zu (site '%s', time %.6f): %s", i, r->site_id,
                               r->time_s, triad_errmsg());
            goto done;
        }
        size_t ntr = 0;
        const triad_track *trs = triad_tracker_tracks(tk, &ntr);
        for (size_t k = 0; k < ntr; k++) {
            if (trs[k].status != TRIAD_TRACK_CONFIRMED || !updated(&ctx, &trs[k]))
                continue;
            if (ctx.out && triad__fjsonl_write_track(ctx.out, &trs[k]))
                ctx.io_err = 1;
            if (ctx.pub && !ctx.dds_err && triad_fdds_pub_track(ctx.pub, &trs[k]))
                ctx.dds_err = 1;
            if (keep_track(&ctx, &trs[k])) {
                status = cli_error("fuse", 1, "out of memory");
                goto done;
            }
        }
        if (ctx.io_err) {
            status = cli_error("fuse", 1, "%s: %s", out, ctx.io_err == 2 ? "out of memory"
                                                                         : "write failed");
            goto done;
        }
        if (ctx.pub && !ctx.dds_err && triad_fdds_pub_sweep(ctx.pub, trs, ntr))
            ctx.dds_err = 1;
        if (ctx.dds_err) {
            status = cli_error("fuse", 1, "--dds-out: %s", triad_errmsg());
            goto done;
        }
        /* OSPA on round times, with the tracks as they are after the last report before it */
        const double tnext = i + 1 < in.n ? in.v[i + 1].r.time_s : INFINITY;
        if (i == in.n)
            break;
        /* not across a gap of more than a minute (a report with a wild time): bounded work */
        while (have_truth && next_sample <= tnext && next_sample >= r->time_s - 1e-9 &&
               next_sample <= r->time_s + 60.0 && isfinite(tnext)) {
            if (nospa == capospa) {
                const size_t nc = capospa ? 2 * capospa : 256;
                double *a1 = realloc(ospa_t, nc * sizeof *ospa_t);
                ospa_t = a1 ? a1 : ospa_t;
                double *a2 = realloc(ospa_v, nc * sizeof *ospa_v);
                ospa_v = a2 ? a2 : ospa_v;
                size_t *a3 = realloc(ospa_m, nc * sizeof *ospa_m);
                ospa_m = a3 ? a3 : ospa_m;
                size_t *a4 = realloc(ospa_n, nc * sizeof *ospa_n);
                ospa_n = a4 ? a4 : ospa_n;
                if (!a1 || !a2 || !a3 || !a4) {
                    status = cli_error("fuse", 1, "out of memory");
                    goto done;
                }
                capospa = nc;
            }
            ospa_t[nospa] = next_sample;
            ospa_v[nospa] = ospa_at(trs, ntr, &truth, tg, ntg, next_sample, &ospa_m[nospa],
                                    &ospa_n[nospa]);
            nospa++;
            next_sample += TABLE_STEP_S;
        }
        if (next_sample < r->time_s - 1e-9)
            next_sample = ceil(r->time_s / TABLE_STEP_S) * TABLE_STEP_S;
    }
    if (ctx.out && ctx.out != stdout && fclose(ctx.out)) {
        ctx.out = NULL;
        status = cli_error("fuse", 1, "%s: write failed: %s", out, strerror(errno));
        goto done;
    }
    if (ctx.out == stdout)
        fflush(stdout);
    ctx.out = NULL;

    size_t nnew = 0, nupd = 0, ncan = 0, nconf = 0;
    for (size_t i = 0; i < ctx.nw; i++)
        nnew += ctx.w[i].kind == TRIAD_WARNING_NEW, nupd += ctx.w[i].kind == TRIAD_WARNING_UPDATE,
            ncan += ctx.w[i].kind == TRIAD_WARNING_CANCEL;
    for (size_t i = 0; i < ctx.cap_hits; i++)
        nconf += ctx.last_hits[i] != 0;
    const double span = in.n ? in.v[in.n - 1].r.time_s - in.v[0].r.time_s : 0;
    fprintf(stderr,
            "triad fuse: %zu reports (%zu detections) from %zu input%s over %.1f s; %zu "
            "confirmed tracks; warnings: %zu NEW, %zu UPDATE, %zu CANCEL\n",
            in.n, in.num_dets, ninputs, ninputs == 1 ? "" : "s", span, nconf, nnew, nupd, ncan);
    const double mean = in.n ? t_sum / (double)in.n : 0;
    fprintf(stderr,
            "summary: fusion_us_per_report_mean=%.2f fusion_us_per_report_max=%.2f "
            "reports_per_s_one_core=%.0f (target 10000)\n",
            mean * 1e6, t_max * 1e6, mean > 0 ? 1.0 / mean : 0.0);
    fprintf(stderr, "summary: warnings_new=%zu warnings_update=%zu warnings_cancel=%zu\n", nnew,
            nupd, ncan);
    print_refusals(tk);
    if (have_truth && summary(&ctx, &in, &truth, ospa_t, ospa_v, ospa_m, ospa_n, nospa)) {
        status = cli_error("fuse", 1, "out of memory");
        goto done;
    }
    if (plot) {
        status = write_map(plot, &ctx, &in, have_truth ? &truth : NULL);
        if (!status)
            fprintf(stderr, "triad fuse: wrote %s (no coastline drawn)\n", plot);
    }
    if (ctx.pub) {
        fprintf(stderr, "triad fuse: --dds-out: all published; serving the warnings to late "
                "joiners for %g s\n", linger_s);
        const struct sigaction sa = {.sa_handler = fuse_on_signal};
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        const double end = now_s() + linger_s;
        while (!fuse_stop && now_s() < end) {
            const struct timespec ts = {0, 50000000};
            nanosleep(&ts, NULL);
        }
    }
done:
    triad_fdds_pub_destroy(ctx.pub);
    if (ctx.out && ctx.out != stdout)
        fclose(ctx.out);
    triad_tracker_destroy(tk);
    triad__fjsonl_free(&in);
    triad__truth_free(&truth);
    free(ctx.w);
    free(ctx.tr);
    free(ctx.last_hits);
    free(ospa_t);
    free(ospa_v);
    free(ospa_m);
    free(ospa_n);
    return status;
}
