/* Fusion scenarios: radar sites and targets (ballistic launches, aircraft) in a JSON file
 * (docs/FORMATS.md, "Fusion: scenarios, tracks, warnings"), turned into per-site detection
 * reports (JSON Lines) and the truth. Not the signal simulator: detections are made directly
 * from the geometry with the sites' stated accuracies, detection probability and false alarms.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TRIAD_SIM_SCENARIO_H
#define TRIAD_SIM_SCENARIO_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum { TRIAD_SCN_MAX_SITES = 32, TRIAD_SCN_MAX_TARGETS = 64, TRIAD_SCN_MAX_WAYPOINTS = 16 };

typedef struct {
    char id[64];
    uint32_t radar_id;
    double lat_deg, lon_deg, alt_m;
    double az_min_deg, az_max_deg;        /* sector, clockwise from north (az_min may exceed az_max: wraps) */
    double min_range_m, max_range_m;
    double min_elevation_deg, max_elevation_deg;
    double update_s, first_s;             /* look period and the time of the first look */
    double sigma_range_m, sigma_azimuth_deg, sigma_elevation_deg, sigma_range_rate_mps;
    double pd;                            /* per look, per target */
    double false_alarms_per_look;         /* Poisson mean, uniform over the coverage */
    double clutter_per_look;              /* Poisson mean, low, slow, near (ground clutter) */
    double snr_db_at_max_range;
} triad_scn_site;

typedef enum { TRIAD_SCN_BALLISTIC = 0, TRIAD_SCN_AIRCRAFT } triad_scn_kind;
/* Boost profiles: the burnout pitch that sets the trajectory (defaults 40, 22, 62 deg). */
typedef enum {
    TRIAD_SCN_PROFILE_NONE = 0, /* the older gravity turn: kick, thrust along velocity */
    TRIAD_SCN_PROFILE_STANDARD,
    TRIAD_SCN_PROFILE_DEPRESSED,
    TRIAD_SCN_PROFILE_LOFTED
} triad_scn_profile;

typedef struct {
    char id[64];
    triad_scn_kind kind;
    double start_s;                       /* launch or first appearance */
    /* ballistic: a vertical kick of kick_speed_mps at kick_elevation_deg towards azimuth_deg,
     * then thrust along the velocity (gravity turn, BOOST) for burn_s, then BALLISTIC */
    double lat_deg, lon_deg, alt_m;
    double azimuth_deg, kick_elevation_deg, kick_speed_mps, thrust_mps2, burn_s;
    /* ballistic with a boost profile (profile != NONE): from rest on the pad, thrust along a
     * pitch programme (vertical for vertical_s, then the thrust elevation falls linearly to
     * burnout_pitch_deg at burnout), its acceleration rising as propellant burns
     * (thrust_mps2 at lift-off, thrust_mps2 / mass_ratio at burnout); integrated here (RK4,
     * 0.02 s), not with the tracker's BOOST model */
    triad_scn_profile profile;
    double vertical_s, burnout_pitch_deg, mass_ratio;
    /* aircraft: waypoints at speed_mps, or from (lat, lon, alt) along heading_deg */
    double speed_mps, heading_deg, end_s;
    double wp[TRIAD_SCN_MAX_WAYPOINTS][3]; /* lat_deg, lon_deg, alt_m */
    size_t num_wp;
} triad_scn_target;

typedef struct {
    char name[64];
    double start_epoch_s;                 /* start_utc */
    double duration_s;
    uint64_t seed;
    triad_scn_site sites[TRIAD_SCN_MAX_SITES];
    size_t num_sites;
    triad_scn_target targets[TRIAD_SCN_MAX_TARGETS];
    size_t num_targets;
} triad_scenario;

/* Load and validate a scenario file. Returns 0, or TRIAD_EIO / TRIAD_EFORMAT / TRIAD_EINVAL
 * with a message naming the file, the field and the value. */
int triad_scenario_load(const char *path, triad_scenario *s);
/* The same from text[0..len) (at most 4 MiB, need not be NUL-terminated); name in messages. */
int triad_scenario_parse(const char *name, const char *text, size_t len, triad_scenario *s);

/* Run it: reports (one JSON line per site look, also empty ones, in time order) to reports,
 * truth (site lines, one line per target per truth_step_s, and per ballistic target its launch
 * and impact) to truth (may be NULL). Returns 0 or a negative triad_err. */
int triad_scenario_run(const triad_scenario *s, FILE *reports, FILE *truth, double truth_step_s,
                       size_t *num_reports, size_t *num_dets);

#endif
