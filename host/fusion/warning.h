/* Internal: launch and impact prediction for ballistic tracks, and the NEW / UPDATE / CANCEL
 * life of one warning per track. Used only by tracker.c.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TRIAD_FUSION_WARNING_H
#define TRIAD_FUSION_WARNING_H

#include <stdint.h>

#include "fusion/launch_fit.h"
#include "fusion/tracker.h"

/* One track's warning: whether one is out, its event id and version, and what was last sent. */
typedef struct {
    int active;
    uint64_t event_id;
    uint32_t version;
    double last_issued_s, last_eval_s;
    double impact_ecef[3];
    double impact_time_s, impact_time_sigma_s; /* as last sent */
    triad_warning_phase phase;                 /* as last sent */
    int boost_evidence;   /* consecutive updates confirmed, rising and accelerating */
    int was_ballistic;    /* has been in free flight (after a burnout) */
    double thrust_since_s; /* thrusting again after free flight since (NAN: not) */
    int dismissed;        /* cancelled as not ballistic: no boost NEW again */
    triad_warning last;   /* the last NEW / UPDATE */
    size_t fit_n;         /* history points of the cached launch fit (0: none) */
    int fit_ok;
    triad_geodetic fit_launch;
    triad_ellipse fit_ellipse;
    double fit_time_s, fit_time_sigma_s;
} triad__warning_state;

/* Launch and impact of the ballistic state x [7] with covariance p [7][7] at time_s: 13 sigma
 * points of (position, velocity) each propagated under BALLISTIC back and forward to 0 m.
 * Fills the time, point, ellipse and sigma fields of w, phase BALLISTIC. Returns 0, or -1 when a
 * point does not reach the ground within the search window (w is then unspecified). */
int triad__warning_predict(const double x[TRIAD_STATE_DIM],
                           const double p[TRIAD_STATE_DIM][TRIAD_STATE_DIM], double time_s,
                           triad_warning *w);
/* The same during boost (phase BOOST): the launch by flying the boost back (15 sigma points,
 * the thrust term included), the impact a wide footprint from burnout-now to a longer burn. */
int triad__warning_predict_boost(const double x[TRIAD_STATE_DIM],
                                 const double p[TRIAD_STATE_DIM][TRIAD_STATE_DIM],
                                 double time_s, triad_warning *w);

/* Called after every update of a live track. NEW ("launch detected", phase BOOST) once the
 * confirmed track has been rising and accelerating for TRIAD__WARNING_BOOST_EVIDENCE updates,
 * or NEW (phase BALLISTIC) once it is confirmed, ballistic and cfg->warning_min_track_s old;
 * then UPDATE when the impact point moves more than TRIAD__WARNING_MOVE_M, the phase changes or
 * TRIAD__WARNING_REFRESH_S has passed. The launch comes from the fit of the early track (hist,
 * launch_fit.h) when it succeeds, else from flying the track back. CANCEL (NOT_BALLISTIC) only when it thrusts on for more
 * than TRIAD__WARNING_MANOEUVRE_S after a ballistic phase. next_event supplies event ids. */
#define TRIAD__WARNING_MOVE_M 1000.0
#define TRIAD__WARNING_REFRESH_S 10.0
#define TRIAD__WARNING_BOOST_EVIDENCE 3
#define TRIAD__WARNING_MANOEUVRE_S 30.0
#define TRIAD__WARNING_OVER_S 10.0
void triad__warning_step(triad__warning_state *s, const triad_track *trk,
                         triad__boost_history *hist, double age_s,
                         const triad_tracker_cfg *cfg, uint64_t *next_event, triad_warning_fn fn,
                         void *user);

/* The event is over: the last predicted impact time (+3 sigma + TRIAD__WARNING_OVER_S) has
 * passed. */
int triad__warning_over(const triad__warning_state *s, double now_s);

/* CANCEL an active warning (version + 1), with its reason. */
void triad__warning_cancel(triad__warning_state *s, uint32_t track_id, double now_s,
                           triad_cancel_reason why, triad_warning_fn fn, void *user);

#endif
