/* Scoring a fusion run against the simulator's truth: per launch, how early the first warning
 * came (and whether during boost), how many events and track numbers one missile got, wrong
 * CANCELs and time without a warning, launch and impact errors in km and in sigma (the warned
 * ellipse's own metric), and which truth targets were never tracked. Used by `triad fuse
 * --truth`; the scorer is independent of the tracker's internals (it sees only its messages).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TRIAD_FUSION_SCORE_H
#define TRIAD_FUSION_SCORE_H

#include <stddef.h>
#include <stdint.h>

#include "fusion/tracker.h"
#include "core/truth.h" /* reports and truth (read by io/fusion_jsonl.h) */

#define TRIAD_SCORE_NEAR_M 10000.0   /* a track this near a truth target is on it */
#define TRIAD_SCORE_DETECT_M 20000.0 /* a detection this near a ballistic target sees it */
#define TRIAD_SCORE_MAX_TARGETS 256

/* One confirmed track's position at one update (what `triad fuse` keeps). */
typedef struct {
    uint32_t id;
    double t, ecef[3];
} triad_score_track_pt;

/* Errors of one warning version against a launch: km, and sigma = the square root of the
 * squared error in the 1-sigma ellipse's metric (2 dof: inside the 2-sigma ellipse, which holds
 * 86.5% of a Gaussian, when <= 2). NAN when there is no warning. */
typedef struct {
    double launch_time_err_s, launch_time_err_sigma;
    double launch_err_km, launch_err_sigma;
    double impact_err_km, impact_err_sigma;
    double impact_time_err_s;
    double impact_sigma_major_km;
    uint32_t version;
} triad_score_errors;

typedef struct {
    char target[64];
    double launch_t, burnout_t, impact_t;
    double first_det_t;       /* first detection within TRIAD_SCORE_DETECT_M (NAN: none) */
    double first_new_t;       /* first NEW of an event about this launch (NAN: none) */
    int new_in_boost;         /* that NEW came before burnout */
    size_t events;            /* distinct event ids about this launch */
    size_t track_ids;         /* distinct confirmed track numbers on this missile */
    size_t wrong_cancels;     /* CANCELs of its events before its impact */
    double unwarned_s;        /* seconds between the first NEW and impact with none active */
    triad_score_errors at_b60; /* the warning out at burnout + 60 s */
    triad_score_errors at_b30, at_b120;
    triad_score_errors last;  /* the last NEW/UPDATE before impact */
} triad_score_launch;

typedef struct {
    triad_score_launch launches[64];
    size_t num_launches;
    size_t num_targets;
    char never_tracked[16][64]; /* truth targets no confirmed track came near (first 16) */
    size_t num_never_tracked;
    size_t confirmed_tracks, false_tracks;
    size_t tracked_targets;   /* truth targets with at least one track number on them */
    double ids_per_target;    /* track numbers per tracked target (each track to the target it
                                 followed for more than half its updates) */
    double false_tracks_per_hour, span_s;
} triad_score;

/* Score a run. tracks: confirmed track positions, any order (sorted here, in place); warnings
 * in issue order; reports for the first detections. Returns 0 or TRIAD_ENOMEM. */
int triad_score_run(const triad__truth *truth, const triad__fjsonl_reports *reports,
                    const triad_warning *warnings, size_t num_warnings,
                    triad_score_track_pt *tracks, size_t num_tracks, triad_score *out);

/* The truth target (grouped points first..first+n-1 of truth) at time t, linearly
 * interpolated: 1 and its ECEF position (and seen_by), or 0 outside its life. */
typedef struct {
    size_t first, n;
    int ballistic;
    const char *name;
} triad_score_target;
size_t triad_score_targets(const triad__truth *truth, triad_score_target *out, size_t cap);
int triad_score_truth_at(const triad__truth *truth, const triad_score_target *g, double t,
                         double p[3], int *seen_by);

/* Great-circle distance in m on the mean sphere (a scoring yardstick, not geodesy). */
double triad_score_ground_m(double lat1_deg, double lon1_deg, double lat2_deg, double lon2_deg);

#endif
