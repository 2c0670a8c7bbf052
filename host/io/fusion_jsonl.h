/* Fusion messages as JSON Lines (docs/FORMATS.md, "Fusion: scenarios, tracks, warnings"):
 * reading detection-report lines (as `triad scenario run` writes them), reading the scenario's
 * truth lines, and writing Track and Warning lines.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TRIAD_IO_FUSION_JSONL_H
#define TRIAD_IO_FUSION_JSONL_H

#include <stddef.h>
#include <stdio.h>

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

/* Append the reports of one file. Lines without a "detections" array (detection lines of
 * `triad process`, counters) are skipped; time is time_utc when it parses, else time_s.
 * Returns 0, TRIAD_EIO, TRIAD_EFORMAT (message: file, line, field), TRIAD_ENOMEM. */
int triad__fjsonl_read_reports(const char *path, triad__fjsonl_reports *list);
/* The same from buf[0..len); name is used in messages. Every numeric field is range-checked
 * where it is read (the field is named in the error); lines are at most TRIAD__JSONL_MAX_LINE
 * bytes; time_utc within [TRIAD__EPOCH_MIN_S, TRIAD__EPOCH_MAX_S], time_s within +-MAX. */
int triad__fjsonl_parse_reports(const char *name, const char *buf, size_t len,
                                triad__fjsonl_reports *list);
/* Sort by time (stable); free. */
void triad__fjsonl_sort(triad__fjsonl_reports *list);
void triad__fjsonl_free(triad__fjsonl_reports *list);

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

int triad__truth_read(const char *path, triad__truth *t);
int triad__truth_parse(const char *name, const char *buf, size_t len, triad__truth *t);
void triad__truth_free(triad__truth *t);

/* One Track line / one Warning line. Return 0 or TRIAD_EIO (no message). */
int triad__fjsonl_write_track(FILE *f, const triad_track *tr);
int triad__fjsonl_write_warning(FILE *f, const triad_warning *w);

#endif
