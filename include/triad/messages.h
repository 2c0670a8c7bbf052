/* The messages the data path passes between stages: detection reports (sensor -> fusion),
 * tracks and warnings (fusion -> sinks, sharing, maps). Producers and consumers include this
 * header (io/ to read and write them, fusion/ to make them, sim/ and share/ to speak them),
 * never one another's. Plain structs, and the ENU basis at a point (core/enu.c). Library:
 * libtriad.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TRIAD_MESSAGES_H
#define TRIAD_MESSAGES_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A point on the WGS-84 ellipsoid. */
typedef struct {
    double lat_rad, lon_rad, alt_m; /* geodetic latitude, longitude; height above ellipsoid */
} triad_geodetic;

/* Rows: east, north, up unit vectors in ECEF at the origin (core/enu.c). */
void triad_enu_basis(const triad_geodetic *origin, double r[3][3]);

/* The motion model a track follows (fusion/dynamics.h has the models). */
typedef enum { TRIAD_MOTION_CV = 0, TRIAD_MOTION_BALLISTIC, TRIAD_MOTION_BOOST } triad_motion;
/* A track's state: x[0..2] ECEF position m, x[3..5] velocity m/s, x[6] along-track
 * acceleration m/s^2 (BOOST only). */
enum { TRIAD_STATE_DIM = 7 };

/* One detection of one report, in the units of the DetectionReport message. */
typedef struct {
    double range_m, range_rate_mps, azimuth_deg, elevation_deg, snr_db;
    double var_range_m2, var_range_rate_m2s2, var_azimuth_deg2, var_elevation_deg2;
} triad_fusion_det;

/* One report: one radar, one look (a CPI), possibly empty. */
typedef struct {
    char site_id[64];
    uint32_t radar_id;
    triad_geodetic site;      /* radians, metres */
    double time_s;            /* UTC seconds (any common epoch across reports) */
    const triad_fusion_det *dets;
    size_t num_dets;
} triad_fusion_report;

typedef enum { TRIAD_TRACK_TENTATIVE = 0, TRIAD_TRACK_CONFIRMED, TRIAD_TRACK_DELETED } triad_track_status;

typedef struct {
    uint32_t id;              /* stable track number */
    triad_track_status status;
    triad_motion model;       /* the model currently best supported */
    int ballistic;            /* classified as a ballistic target */
    double time_s;
    double x[TRIAD_STATE_DIM];      /* ECEF state */
    double p[TRIAD_STATE_DIM][TRIAD_STATE_DIM];
    triad_geodetic position;  /* of x */
    uint32_t hits, misses;
    char sites[8][64];        /* the sites that contributed (first 8) */
    size_t num_sites;
} triad_track;

typedef enum { TRIAD_WARNING_NEW = 0, TRIAD_WARNING_UPDATE, TRIAD_WARNING_CANCEL } triad_warning_kind;

/* An error ellipse on the ground: semi-axes (1-sigma) and orientation (clockwise from north). */
typedef struct {
    double semi_major_m, semi_minor_m, orientation_deg;
} triad_ellipse;

/* The phase a warning was issued in: during boost ("launch detected": the impact is a wide
 * footprint from burnout-now to a longer burn) or after burnout (ballistic prediction). */
typedef enum { TRIAD_PHASE_BOOST = 0, TRIAD_PHASE_BALLISTIC } triad_warning_phase;

/* Why a warning was cancelled: only on evidence, never because coverage was lost. */
typedef enum {
    TRIAD_CANCEL_NONE = 0,
    TRIAD_CANCEL_IMPACT_PASSED, /* the predicted impact time has passed: the event is over */
    TRIAD_CANCEL_NOT_BALLISTIC, /* thrusting on long after burnout (a manoeuvre, not a missile
                                   in free flight) */
    TRIAD_CANCEL_RESET,         /* the tracker's clock was re-anchored (tracker.h) */
    TRIAD_CANCEL_DUPLICATE      /* two warned tracks were one object: the younger event ends */
} triad_cancel_reason;

typedef struct {
    uint64_t event_id;
    uint32_t version;         /* 1 for NEW, +1 per UPDATE and for the CANCEL */
    triad_warning_kind kind;
    triad_warning_phase phase;
    triad_cancel_reason cancel_reason; /* CANCEL only */
    uint32_t track_id;
    double issued_s;
    double launch_time_s, impact_time_s;
    double launch_time_sigma_s, impact_time_sigma_s;
    triad_geodetic launch, impact;
    triad_ellipse launch_ellipse, impact_ellipse;
} triad_warning;

#ifdef __cplusplus
}
#endif

#endif
