/* What a fusion run is read from and scored against: the detection reports of a file (a list,
 * as io/fusion_jsonl.h reads them) and the simulator's truth (as `triad scenario run --truth`
 * writes it, io/fusion_jsonl.h reads it). Types only, in core so that fusion/score.h needs
 * nothing of io/. SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TRIAD_CORE_TRUTH_H
#define TRIAD_CORE_TRUTH_H

#include <stddef.h>

#include "core/messages.h"

/* A report read from a file; dets is owned by the list. */
typedef struct {
    triad_fusion_report r;
    triad_fusion_det *dets_owned;
    size_t seq;          /* input order, for a stable sort */
} triad__fjsonl_report;

typedef struct {
    triad__fjsonl_report *v;
    size_t n, cap;
    size_t num_dets;
} triad__fjsonl_reports;

/* Truth, as `triad scenario run --truth` writes it. Times are epoch seconds (time_utc). */
typedef struct {
    char target[64];
    int ballistic;
    double t;
    double ecef[3];
    double lat_deg, lon_deg, alt_m;
    int seen_by;
} triad__truth_point;

typedef struct {
    char target[64];
    double launch_t, launch_lat_deg, launch_lon_deg, burnout_t;
    double impact_t, impact_lat_deg, impact_lon_deg;
} triad__truth_launch;

typedef struct {
    char id[64];
    double lat_deg, lon_deg, az_min_deg, az_max_deg, max_range_m;
} triad__truth_site;

typedef struct {
    triad__truth_point *pts;   /* grouped by target, in time order within a target */
    size_t num_pts, cap_pts;
    triad__truth_launch launches[64];
    size_t num_launches;
    triad__truth_site sites[64];
    size_t num_sites;
    double start_t, duration_s;
} triad__truth;

#endif
