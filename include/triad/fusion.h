/* Triad — the multi-radar tracker and the warnings it raises. Messages in, messages out: it
 * knows detection reports, tracks and warnings (include/triad/messages.h), never the processing
 * chain. Library: libtriad_fusion (pkg-config triad-fusion, CMake triad::fusion).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TRIAD_FUSION_H
#define TRIAD_FUSION_H

#include <stddef.h>
#include <stdint.h>

#include "triad/messages.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    double gate_probability;    /* chi-square gate, e.g. 0.999 */
    int confirm_m, confirm_n;   /* M-of-N confirmation */
    int delete_misses;          /* consecutive looks covering the track without a hit */
    double delete_age_s;        /* or no update for this long */
    double q_air, q_ballistic, q_thrust; /* process noise spectral densities */
    double ballistic_min_alt_m; /* above this and climbing fast: ballistic candidate */
    double warning_min_track_s; /* a ballistic track this old may raise a warning */
    /* Plausibility window on report time (the tracker's clock is the latest accepted report
     * time): a report more than max_ahead_s ahead of the clock, more than max_behind_s behind
     * it, or more than max_site_behind_s behind its own site's (site_id, radar_id) latest
     * accepted report (a radar reports in time order) is refused. */
    double max_ahead_s, max_behind_s, max_site_behind_s;
    int reanchor_reports;       /* refused reports in a row, mutually within the window, none
                                   accepted between, from more sites than agree with the clock
                                   or this many of them: the clock was wrong (a bad first
                                   report, a new session): re-anchor to them */
    double reorder_s;           /* > 0: reports are held this long (of report time, behind the
                                   newest) and processed in a canonical order (time, site,
                                   radar, content), so that the same reports in any arrival
                                   order give the same tracks and warnings; call
                                   triad_tracker_flush at the end. 0: processed at once */
} triad_tracker_cfg;

triad_tracker_cfg triad_tracker_cfg_default(void);

typedef struct triad_tracker triad_tracker;
typedef void (*triad_warning_fn)(void *user, const triad_warning *w);

/* Why a report was refused (triad_tracker_update returned TRIAD_TRACKER_REFUSED). */
typedef enum {
    TRIAD_REFUSED_AHEAD = 0,  /* more than max_ahead_s after the tracker's clock */
    TRIAD_REFUSED_BEHIND,     /* more than max_behind_s before the tracker's clock */
    TRIAD_REFUSED_SITE_BEHIND, /* more than max_site_behind_s before its own site's latest */
    TRIAD_REFUSED_NUM
} triad_refusal;
#define TRIAD_TRACKER_REFUSED 1
const char *triad_refusal_name(triad_refusal why); /* "ahead_of_clock", ... */

/* Called for every refused report (inside update), with the reference time it was judged by:
 * how the sharing stage audits a partner's bad clock. */
typedef void (*triad_refusal_fn)(void *user, const triad_fusion_report *r, triad_refusal why,
                                 double reference_s);
void triad_tracker_set_refusal_fn(triad_tracker *t, triad_refusal_fn fn, void *user);

typedef struct {
    uint64_t accepted;
    uint64_t refused[TRIAD_REFUSED_NUM];
    uint64_t reanchors;
    uint64_t merges;                /* duplicate tracks fused into an older one */
    uint64_t propagation_steps;     /* RK4 steps of every track prediction, in all */
    long max_steps_one_update;      /* the most in one update (the bound is tested) */
    double clock_s;                 /* latest accepted report time (NAN before the first) */
} triad_tracker_stats;
void triad_tracker_get_stats(const triad_tracker *t, triad_tracker_stats *s);

/* cfg NULL: triad_tracker_cfg_default(); on_warning may be NULL. 0 or a negative triad_err
 * (TRIAD_EINVAL naming the configuration field). */
int triad_tracker_create(triad_tracker **t, const triad_tracker_cfg *cfg,
                         triad_warning_fn on_warning, void *user);
/* Reports should come in time order (per site; across sites a little out of order is
 * handled by predicting backwards). Returns 0, TRIAD_TRACKER_REFUSED (the report's time is
 * outside the plausibility window: nothing changed, the refusal is counted and reported to the
 * refusal callback), or a negative triad_err.
 * Cost bound, whatever the report's time: no track is predicted over more than
 * max_ahead_s + max_behind_s (a track past its coasting limit is deleted, not predicted), so
 * one update costs at most tracks x ceil((max_ahead_s + max_behind_s) / 1 s) RK4 steps of
 * prediction (the motion models' shortest step, TRIAD_PROPAGATE_MIN_STEP_S inside fusion) plus
 * one warning evaluation per track. */
int triad_tracker_update(triad_tracker *t, const triad_fusion_report *r);
/* Process every report still held by the reorder buffer (cfg.reorder_s). 0 or a negative
 * triad_err. */
int triad_tracker_flush(triad_tracker *t);
/* The current tracks (confirmed and tentative); valid until the next update. */
const triad_track *triad_tracker_tracks(const triad_tracker *t, size_t *count);
void triad_tracker_destroy(triad_tracker *t);

#ifdef __cplusplus
}
#endif

#endif
