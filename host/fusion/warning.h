/* Internal: launch and impact prediction for ballistic tracks, and the NEW / UPDATE / CANCEL
 * life of one warning per track. Used only by tracker.c.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TRIAD_FUSION_WARNING_H
#define TRIAD_FUSION_WARNING_H

#include <stdint.h>

#include "fusion/tracker.h"

/* One track's warning: whether one is out, its event id and version, and what was last sent. */
typedef struct {
    int active;
    uint64_t event_id;
    uint32_t version;
    double last_issued_s, last_eval_s;
    double impact_ecef[3];
} triad__warning_state;

/* Launch and impact of the ballistic state x [7] with covariance p [7][7] at time_s: 13 sigma
 * points of (position, velocity) each propagated under BALLISTIC back and forward to 0 m.
 * Fills the time, point, ellipse and sigma fields of w. Returns 0, or -1 when a point does not
 * reach the ground within the search window (w is then unspecified). */
int triad__warning_predict(const double x[TRIAD_STATE_DIM],
                           const double p[TRIAD_STATE_DIM][TRIAD_STATE_DIM], double time_s,
                           triad_warning *w);

/* Called after every update of a live track: raises NEW once the track is confirmed, ballistic
 * and at least cfg->warning_min_track_s old (age_s), then UPDATE when the impact point moves
 * more than TRIAD__WARNING_MOVE_M or TRIAD__WARNING_REFRESH_S has passed; CANCEL if the track
 * stops being ballistic. next_event supplies event ids. */
#define TRIAD__WARNING_MOVE_M 1000.0
#define TRIAD__WARNING_REFRESH_S 10.0
void triad__warning_step(triad__warning_state *s, const triad_track *trk, double age_s,
                         const triad_tracker_cfg *cfg, uint64_t *next_event, triad_warning_fn fn,
                         void *user);

/* The track is gone: CANCEL an active warning (version + 1). */
void triad__warning_cancel(triad__warning_state *s, uint32_t track_id, double now_s,
                           triad_warning_fn fn, void *user);

#endif
