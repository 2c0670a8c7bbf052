/* Fusion scenarios: geometry -> per-site detection reports and truth.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "sim/scenario.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/error_internal.h"
#include "core/limits.h"
#include "fusion/dynamics.h"
#include "fusion/geo.h"
#include "io/detections_jsonl.h"
#include "core/json_util.h"

#define DEG (M_PI / 180.0)
#define TRAJ_STEP_S 0.5 /* ballistic table step; Hermite interpolation in between */

/* ---- random numbers: splitmix64, Box-Muller, Knuth's Poisson ---- */
typedef struct {
    uint64_t s;
} rng;

static uint64_t rng_next(rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}
static double rng_uniform(rng *r) { return ((double)(rng_next(r) >> 11) + 0.5) * 0x1.0p-53; }
static double rng_gauss(rng *r)
{
    return sqrt(-2.0 * log(rng_uniform(r))) * cos(2.0 * M_PI * rng_uniform(r));
}
static unsigned rng_poisson(rng *r, double mean)
{
    if (mean <= 0)
        return 0;
    const double l = exp(-mean);
    double p = 1.0;
    unsigned k = 0;
    do {
        k++;
        p *= rng_uniform(r);
    } while (p > l && k < 100000);
    return k - 1;
}

/* ---- loading ---- */
static int id_ok(const char *file, const char *key, const char *id)
{
    if (!id[0])
        return triad__fail(TRIAD_EFORMAT, "%s: field '%s': empty id", file, key);
    for (const char *p = id; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '_' || *p == '-' || *p == '.'))
            return triad__fail(TRIAD_EFORMAT,
                               "%s: field '%s': id '%s' may hold only letters, digits, _ - .",
                               file, key, id);
    return 0;
}

#define NUM(obj, key, req, def, out)                                                         \
    do {                                                                                     \
        if ((err = triad__json_number(path, obj, key, req, def, out)))                      \
            goto done;                                                                       \
    } while (0)
#define RANGE(key, v, lo, hi)                                                                \
    do {                                                                                     \
        if (!((v) >= (lo) && (v) <= (hi))) {                                                 \
            err = triad__json_bad(path, key, v, "is out of range [" #lo ", " #hi "]");      \
            goto done;                                                                       \
        }                                                                                    \
    } while (0)

static int load_site(const char *path, const cJSON *o, triad_scn_site *st)
{
    int err;
    long long rid;
    memset(st, 0, sizeof *st);
    if ((err = triad__json_string(path, o, "id", true, st->id, sizeof st->id)) ||
        (err = id_ok(path, "id", st->id)) ||
        (err = triad__json_count(path, o, "radar_id", false, 1, 0, 4294967295LL, &rid)))
        goto done;
    st->radar_id = (uint32_t)rid;
    NUM(o, "lat_deg", true, 0, &st->lat_deg);
    RANGE("lat_deg", st->lat_deg, -90.0, 90.0);
    NUM(o, "lon_deg", true, 0, &st->lon_deg);
    RANGE("lon_deg", st->lon_deg, -180.0, 360.0);
    NUM(o, "alt_m", false, 0, &st->alt_m);
    RANGE("alt_m", st->alt_m, -500.0, 10000.0);
    NUM(o, "az_min_deg", false, 0, &st->az_min_deg);
    RANGE("az_min_deg", st->az_min_deg, -360.0, 360.0);
    NUM(o, "az_max_deg", false, 360, &st->az_max_deg);
    RANGE("az_max_deg", st->az_max_deg - st->az_min_deg, -360.0, 360.0);
    NUM(o, "min_range_m", false, 1000, &st->min_range_m);
    RANGE("min_range_m", st->min_range_m, 0.0, 1e7);
    NUM(o, "max_range_m", true, 0, &st->max_range_m);
    RANGE("max_range_m", st->max_range_m, st->min_range_m + 1.0, 1e7);
    NUM(o, "min_elevation_deg", false, 0.5, &st->min_elevation_deg);
    RANGE("min_elevation_deg", st->min_elevation_deg, -5.0, 89.0);
    NUM(o, "max_elevation_deg", false, 70, &st->max_elevation_deg);
    RANGE("max_elevation_deg", st->max_elevation_deg, st->min_elevation_deg + 0.1, 90.0);
    NUM(o, "update_s", false, 1.0, &st->update_s);
    RANGE("update_s", st->update_s, 0.01, 600.0);
    NUM(o, "first_s", false, 0, &st->first_s);
    RANGE("first_s", st->first_s, 0.0, 1e6);
    NUM(o, "sigma_range_m", false, 30, &st->sigma_range_m);
    RANGE("sigma_range_m", st->sigma_range_m, 0.01, 1e5);
    NUM(o, "sigma_azimuth_deg", false, 0.1, &st->sigma_azimuth_deg);
    RANGE("sigma_azimuth_deg", st->sigma_azimuth_deg, 1e-5, 10.0);
    NUM(o, "sigma_elevation_deg", false, 0.1, &st->sigma_elevation_deg);
    RANGE("sigma_elevation_deg", st->sigma_elevation_deg, 1e-5, 10.0);
    NUM(o, "sigma_range_rate_mps", false, 1, &st->sigma_range_rate_mps);
    RANGE("sigma_range_rate_mps", st->sigma_range_rate_mps, 1e-3, 1e3);
    NUM(o, "pd", false, 0.9, &st->pd);
    RANGE("pd", st->pd, 0.0, 1.0);
    NUM(o, "false_alarms_per_look", false, 0, &st->false_alarms_per_look);
    RANGE("false_alarms_per_look", st->false_alarms_per_look, 0.0, 1000.0);
    NUM(o, "clutter_per_look", false, 0, &st->clutter_per_look);
    RANGE("clutter_per_look", st->clutter_per_look, 0.0, 1000.0);
    NUM(o, "snr_db_at_max_range", false, 13, &st->snr_db_at_max_range);
    RANGE("snr_db_at_max_range", st->snr_db_at_max_range, -20.0, 100.0);
done:
    return err;
}

static int load_target(const char *path, const cJSON *o, triad_scn_target *tg, double duration_s)
{
    int err;
    char kind[32];
    memset(tg, 0, sizeof *tg);
    if ((err = triad__json_string(path, o, "id", true, tg->id, sizeof tg->id)) ||
        (err = id_ok(path, "id", tg->id)) ||
        (err = triad__json_string(path, o, "kind", true, kind, sizeof kind)))
        goto done;
    NUM(o, "start_s", false, 0, &tg->start_s);
    RANGE("start_s", tg->start_s, 0.0, duration_s);
    if (strcmp(kind, "ballistic") == 0) {
        tg->kind = TRIAD_SCN_BALLISTIC;
        NUM(o, "lat_deg", true, 0, &tg->lat_deg);
        RANGE("lat_deg", tg->lat_deg, -90.0, 90.0);
        NUM(o, "lon_deg", true, 0, &tg->lon_deg);
        RANGE("lon_deg", tg->lon_deg, -180.0, 360.0);
        NUM(o, "alt_m", false, 0, &tg->alt_m);
        RANGE("alt_m", tg->alt_m, -500.0, 10000.0);
        NUM(o, "azimuth_deg", true, 0, &tg->azimuth_deg);
        RANGE("azimuth_deg", tg->azimuth_deg, -360.0, 360.0);
        NUM(o, "kick_elevation_deg", false, 85, &tg->kick_elevation_deg);
        RANGE("kick_elevation_deg", tg->kick_elevation_deg, 10.0, 90.0);
        NUM(o, "kick_speed_mps", false, 50, &tg->kick_speed_mps);
        RANGE("kick_speed_mps", tg->kick_speed_mps, 1.0, 2000.0);
        NUM(o, "thrust_mps2", true, 0, &tg->thrust_mps2);
        RANGE("thrust_mps2", tg->thrust_mps2, 0.0, 500.0);
        NUM(o, "burn_s", true, 0, &tg->burn_s);
        RANGE("burn_s", tg->burn_s, 0.0, 1000.0);
        char prof[32] = "";
        if ((err = triad__json_string(path, o, "profile", false, prof, sizeof prof)))
            goto done;
        static const char *const names[] = {"", "standard", "depressed", "lofted"};
        static const double pitch[] = {0.0, 40.0, 22.0, 62.0};
        int pi = 0;
        while (pi < 4 && strcmp(prof, names[pi]) != 0)
            pi++;
        if (pi == 4) {
            err = triad__fail(TRIAD_EFORMAT, "%s: target '%s': field 'profile': '%s' is not "
                              "standard, depressed or lofted", path, tg->id, prof);
            goto done;
        }
        tg->profile = (triad_scn_profile)pi;
        if (tg->profile != TRIAD_SCN_PROFILE_NONE) {
            RANGE("thrust_mps2", tg->thrust_mps2, 11.0, 500.0); /* must lift off */
            RANGE("burn_s", tg->burn_s, 10.0, 1000.0);
            NUM(o, "vertical_s", false, 8.0, &tg->vertical_s);
            RANGE("vertical_s", tg->vertical_s, 0.0, tg->burn_s - 1.0);
            NUM(o, "burnout_pitch_deg", false, pitch[pi], &tg->burnout_pitch_deg);
            RANGE("burnout_pitch_deg", tg->burnout_pitch_deg, 5.0, 89.0);
            NUM(o, "mass_ratio", false, 0.35, &tg->mass_ratio);
            RANGE("mass_ratio", tg->mass_ratio, 0.05, 1.0);
        }
    } else if (strcmp(kind, "aircraft") == 0) {
        tg->kind = TRIAD_SCN_AIRCRAFT;
        NUM(o, "speed_mps", true, 0, &tg->speed_mps);
        RANGE("speed_mps", tg->speed_mps, 1.0, 1500.0);
        NUM(o, "end_s", false, duration_s, &tg->end_s);
        RANGE("end_s", tg->end_s, tg->start_s, 1e7);
        const cJSON *wps = cJSON_GetObjectItemCaseSensitive(o, "waypoints");
        if (wps) {
            if (!cJSON_IsArray(wps) || cJSON_GetArraySize(wps) < 2 ||
                cJSON_GetArraySize(wps) > TRIAD_SCN_MAX_WAYPOINTS) {
                err = triad__fail(TRIAD_EFORMAT,
                                  "%s: target '%s': field 'waypoints': not an array of 2 to %d "
                                  "objects", path, tg->id, TRIAD_SCN_MAX_WAYPOINTS);
                goto done;
            }
            const cJSON *w;
            cJSON_ArrayForEach(w, wps)
            {
                double *p = tg->wp[tg->num_wp++];
                NUM(w, "lat_deg", true, 0, &p[0]);
                RANGE("lat_deg", p[0], -89.0, 89.0);
                NUM(w, "lon_deg", true, 0, &p[1]);
                RANGE("lon_deg", p[1], -360.0, 360.0);
                NUM(w, "alt_m", true, 0, &p[2]);
                RANGE("alt_m", p[2], 0.0, 30000.0);
            }
        } else {
            NUM(o, "lat_deg", true, 0, &tg->lat_deg);
            RANGE("lat_deg", tg->lat_deg, -89.0, 89.0);
            NUM(o, "lon_deg", true, 0, &tg->lon_deg);
            RANGE("lon_deg", tg->lon_deg, -360.0, 360.0);
            NUM(o, "alt_m", true, 0, &tg->alt_m);
            RANGE("alt_m", tg->alt_m, 0.0, 30000.0);
            NUM(o, "heading_deg", true, 0, &tg->heading_deg);
            RANGE("heading_deg", tg->heading_deg, -360.0, 360.0);
        }
    } else {
        err = triad__fail(TRIAD_EFORMAT, "%s: target '%s': field 'kind': '%s' is not ballistic "
                          "or aircraft", path, tg->id, kind);
    }
done:
    return err;
}

#define SCENARIO_MAX_BYTES (4 << 20)

static int scenario_from_json(const char *path, cJSON *root, triad_scenario *s);

int triad_scenario_load(const char *path, triad_scenario *s)
{
    cJSON *root = NULL;
    int err = triad__json_load(path, SCENARIO_MAX_BYTES, &root);
    return err ? err : scenario_from_json(path, root, s);
}

int triad_scenario_parse(const char *name, const char *text, size_t len, triad_scenario *s)
{
    cJSON *root = NULL;
    int err = len > SCENARIO_MAX_BYTES
                  ? triad__fail(TRIAD_EFORMAT, "%s: %zu bytes, more than the limit of %d for a "
                                "scenario", name, len, SCENARIO_MAX_BYTES)
                  : triad__json_parse(name, text, len, &root);
    return err ? err : scenario_from_json(name, root, s);
}

/* Takes root. */
static int scenario_from_json(const char *path, cJSON *root, triad_scenario *s)
{
    int err;
    memset(s, 0, sizeof *s);
    char utc[64];
    long long seed;
    if ((err = triad__json_string(path, root, "name", false, s->name, sizeof s->name)) ||
        (err = triad__json_string(path, root, "start_utc", false, utc, sizeof utc)) ||
        (err = triad__json_count(path, root, "seed", false, 1, 0, (1LL << 53), &seed)))
        goto done;
    s->seed = (uint64_t)seed;
    s->start_epoch_s = utc[0] ? triad__parse_utc(utc) : triad__parse_utc("2026-11-23T00:00:00Z");
    if (!(s->start_epoch_s >= TRIAD__EPOCH_MIN_S && s->start_epoch_s <= TRIAD__EPOCH_MAX_S)) {
        err = triad__fail(TRIAD_EFORMAT, "%s: field 'start_utc': '%s' is not "
                          "YYYY-MM-DDTHH:MM:SS[.f]Z from 1970 to 2200", path, utc);
        goto done;
    }
    NUM(root, "duration_s", true, 0, &s->duration_s);
    RANGE("duration_s", s->duration_s, 1.0, 86400.0);
    const cJSON *sites = cJSON_GetObjectItemCaseSensitive(root, "sites");
    const cJSON *targets = cJSON_GetObjectItemCaseSensitive(root, "targets");
    if (!cJSON_IsArray(sites) || cJSON_GetArraySize(sites) < 1 ||
        cJSON_GetArraySize(sites) > TRIAD_SCN_MAX_SITES) {
        err = triad__fail(TRIAD_EFORMAT, "%s: field 'sites': not an array of 1 to %d sites", path,
                          TRIAD_SCN_MAX_SITES);
        goto done;
    }
    if (targets && (!cJSON_IsArray(targets) || cJSON_GetArraySize(targets) > TRIAD_SCN_MAX_TARGETS)) {
        err = triad__fail(TRIAD_EFORMAT, "%s: field 'targets': not an array of at most %d targets",
                          path, TRIAD_SCN_MAX_TARGETS);
        goto done;
    }
    const cJSON *o;
    cJSON_ArrayForEach(o, sites)
    {
        if ((err = load_site(path, o, &s->sites[s->num_sites])))
            goto done;
        for (size_t i = 0; i < s->num_sites; i++)
            if (strcmp(s->sites[i].id, s->sites[s->num_sites].id) == 0 &&
                s->sites[i].radar_id == s->sites[s->num_sites].radar_id) {
                err = triad__fail(TRIAD_EFORMAT, "%s: site '%s' radar %u given twice", path,
                                  s->sites[i].id, s->sites[i].radar_id);
                goto done;
            }
        s->num_sites++;
    }
    if (targets)
        cJSON_ArrayForEach(o, targets)
        {
            if ((err = load_target(path, o, &s->targets[s->num_targets], s->duration_s)))
                goto done;
            s->num_targets++;
        }
done:
    cJSON_Delete(root);
    return err;
}

/* ---- target motion ---- */
typedef struct {
    double t0, step;
    size_t n;
    double (*x)[6];      /* [n] ECEF position, velocity */
    double burnout_s;    /* absolute */
    double impact_s;     /* absolute */
    double impact[6];
} traj;

static void geo_deg(double lat, double lon, double alt, triad_geodetic *g)
{
    g->lat_rad = lat * DEG;
    g->lon_rad = lon * DEG;
    g->alt_m = alt;
}

static double alt_of(const double p[3])
{
    triad_geodetic g;
    triad_ecef_to_geo(p, &g);
    return g.alt_m;
}

/* The boost profile's acceleration in ECEF (rotating frame) at time t since lift-off. */
static void profile_deriv(const triad_scn_target *tg, double t, const double x[6], double dx[6])
{
    double g[3];
    triad_gravity_ecef(x, g);
    const double w = TRIAD_WGS84_OMEGA;
    const double tb = tg->burn_s, tv = tg->vertical_s;
    const double el = t < tv ? 90.0 : 90.0 - (90.0 - tg->burnout_pitch_deg) * (t - tv) / (tb - tv);
    const double a = tg->thrust_mps2 / (1.0 - (1.0 - tg->mass_ratio) * fmin(t, tb) / tb);
    /* the thrust direction in the local frame below the missile (azimuth fixed) */
    triad_geodetic here;
    triad_ecef_to_geo(x, &here);
    here.alt_m = 0.0;
    double r[3][3];
    triad_enu_basis(&here, r);
    const double az = tg->azimuth_deg * DEG, e = el * DEG;
    const double enu[3] = {cos(e) * sin(az), cos(e) * cos(az), sin(e)};
    for (int i = 0; i < 3; i++) {
        dx[i] = x[3 + i];
        dx[3 + i] = g[i] + a * (r[0][i] * enu[0] + r[1][i] * enu[1] + r[2][i] * enu[2]);
    }
    dx[3] += 2.0 * w * x[4];
    dx[4] -= 2.0 * w * x[3];
}

/* Integrate the boost profile from t0 to t1 (seconds since lift-off), RK4 in 0.02 s steps. */
static void profile_fly(const triad_scn_target *tg, double t0, double t1, double x[6])
{
    const long n = (long)ceil((t1 - t0) / 0.02);
    if (n <= 0)
        return;
    const double h = (t1 - t0) / (double)n;
    for (long s = 0; s < n; s++) {
        const double t = t0 + h * (double)s;
        double k1[6], k2[6], k3[6], k4[6], y[6];
        profile_deriv(tg, t, x, k1);
        for (int i = 0; i < 6; i++)
            y[i] = x[i] + 0.5 * h * k1[i];
        profile_deriv(tg, t + 0.5 * h, y, k2);
        for (int i = 0; i < 6; i++)
            y[i] = x[i] + 0.5 * h * k2[i];
        profile_deriv(tg, t + 0.5 * h, y, k3);
        for (int i = 0; i < 6; i++)
            y[i] = x[i] + h * k3[i];
        profile_deriv(tg, t + h, y, k4);
        for (int i = 0; i < 6; i++)
            x[i] += h / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]);
    }
}

/* The ballistic trajectory tabulated every TRAJ_STEP_S from launch to impact. */
static int traj_make(const triad_scn_target *tg, traj *tr)
{
    triad_geodetic o;
    geo_deg(tg->lat_deg, tg->lon_deg, tg->alt_m, &o);
    double x[TRIAD_STATE_DIM] = {0}, enu_v[3];
    triad_geo_to_ecef(&o, x);
    const double az = tg->azimuth_deg * DEG, el = tg->kick_elevation_deg * DEG;
    enu_v[0] = tg->kick_speed_mps * cos(el) * sin(az);
    enu_v[1] = tg->kick_speed_mps * cos(el) * cos(az);
    enu_v[2] = tg->kick_speed_mps * sin(el);
    double r[3][3];
    triad_enu_basis(&o, r);
    for (int i = 0; i < 3; i++) /* a boost profile starts at rest on the pad */
        x[3 + i] = tg->profile != TRIAD_SCN_PROFILE_NONE
                       ? 0.0
                       : r[0][i] * enu_v[0] + r[1][i] * enu_v[1] + r[2][i] * enu_v[2];
    x[6] = tg->thrust_mps2;
    const size_t cap = 1 << 16;
    tr->x = malloc(cap * sizeof *tr->x);
    if (!tr->x)
        return triad__fail(TRIAD_ENOMEM, "scenario: target '%s': out of memory", tg->id);
    tr->t0 = tg->start_s;
    tr->step = TRAJ_STEP_S;
    tr->burnout_s = tg->start_s + tg->burn_s;
    tr->n = 0;
    double t = 0;
    memcpy(tr->x[tr->n++], x, sizeof tr->x[0]);
    while (tr->n < cap) {
        const double tn = t + TRAJ_STEP_S;
        double xn[TRIAD_STATE_DIM];
        memcpy(xn, x, sizeof xn);
        if (t < tg->burn_s - 1e-9 && tg->profile != TRIAD_SCN_PROFILE_NONE) {
            const double tb = fmin(tn, tg->burn_s);
            profile_fly(tg, t, tb, xn);
            if (tn > tg->burn_s)
                triad_propagate(TRIAD_MOTION_BALLISTIC, xn, tn - tb, NULL);
        } else if (t < tg->burn_s - 1e-9) {
            const double tb = fmin(tn, tg->burn_s);
            triad_propagate(TRIAD_MOTION_BOOST, xn, tb - t, NULL);
            if (tn > tg->burn_s)
                triad_propagate(TRIAD_MOTION_BALLISTIC, xn, tn - tb, NULL);
        } else {
            triad_propagate(TRIAD_MOTION_BALLISTIC, xn, TRAJ_STEP_S, NULL);
        }
        if (alt_of(xn) < 0 && t > tg->burn_s) {
            /* the impact between t and tn: bisection */
            double lo = 0, hi = TRAJ_STEP_S, xi[TRIAD_STATE_DIM];
            for (int k = 0; k < 40; k++) {
                const double mid = 0.5 * (lo + hi);
                memcpy(xi, x, sizeof xi);
                triad_propagate(TRIAD_MOTION_BALLISTIC, xi, mid, NULL);
                if (alt_of(xi) < 0)
                    hi = mid;
                else
                    lo = mid;
            }
            memcpy(xi, x, sizeof xi);
            triad_propagate(TRIAD_MOTION_BALLISTIC, xi, lo, NULL);
            memcpy(tr->impact, xi, sizeof tr->impact);
            tr->impact_s = tg->start_s + t + lo;
            return 0;
        }
        if (alt_of(xn) < -1000.0)
            break; /* fell back during the boost: no flight */
        memcpy(x, xn, sizeof x);
        x[6] = tg->thrust_mps2;
        memcpy(tr->x[tr->n++], x, sizeof tr->x[0]);
        t = tn;
    }
    free(tr->x);
    tr->x = NULL;
    return triad__fail(TRIAD_EINVAL, "scenario: target '%s': the trajectory does not come down "
                       "within %zu s (or never rises)", tg->id, (size_t)(cap * TRAJ_STEP_S));
}

/* Cubic Hermite between table points. */
static void traj_at(const traj *tr, double t, double out[6])
{
    double u = (t - tr->t0) / tr->step;
    size_t k = u <= 0 ? 0 : (size_t)u;
    if (k >= tr->n - 1) {
        memcpy(out, tr->n ? tr->x[tr->n - 1] : tr->impact, 6 * sizeof(double));
        if (t >= tr->impact_s)
            memcpy(out, tr->impact, 6 * sizeof(double));
        else if (tr->n) { /* between the last table point and the impact: propagate */
            double x[TRIAD_STATE_DIM] = {0};
            memcpy(x, tr->x[tr->n - 1], 6 * sizeof(double));
            triad_propagate(TRIAD_MOTION_BALLISTIC, x, t - (tr->t0 + (double)(tr->n - 1) * tr->step),
                            NULL);
            memcpy(out, x, 6 * sizeof(double));
        }
        return;
    }
    const double s = u - (double)k, h = tr->step;
    const double *a = tr->x[k], *b = tr->x[k + 1];
    const double h00 = 2 * s * s * s - 3 * s * s + 1, h10 = s * s * s - 2 * s * s + s;
    const double h01 = -2 * s * s * s + 3 * s * s, h11 = s * s * s - s * s;
    const double d00 = 6 * s * s - 6 * s, d10 = 3 * s * s - 4 * s + 1;
    const double d01 = -6 * s * s + 6 * s, d11 = 3 * s * s - 2 * s;
    for (int i = 0; i < 3; i++) {
        out[i] = h00 * a[i] + h10 * h * a[3 + i] + h01 * b[i] + h11 * h * b[3 + i];
        out[3 + i] = (d00 * a[i] + d01 * b[i]) / h + d10 * a[3 + i] + d11 * b[3 + i];
    }
}

/* Aircraft position along its waypoints (or heading) at t; NO if not flying. */
static bool air_pos(const triad_scn_target *tg, double t, double p[3])
{
    if (t < tg->start_s || t > tg->end_s)
        return false;
    double d = tg->speed_mps * (t - tg->start_s), lat, lon, alt;
    if (tg->num_wp) {
        size_t i = 0;
        for (;;) {
            const double *a = tg->wp[i], *b = tg->wp[i + 1];
            const double dn = (b[0] - a[0]) * DEG * TRIAD_WGS84_A;
            const double de = (b[1] - a[1]) * DEG * TRIAD_WGS84_A * cos(0.5 * (a[0] + b[0]) * DEG);
            const double len = hypot(dn, de);
            if (d <= len || i + 2 == tg->num_wp) {
                if (d > len)
                    return false; /* past the last waypoint */
                const double f = len > 0 ? d / len : 0;
                lat = a[0] + f * (b[0] - a[0]);
                lon = a[1] + f * (b[1] - a[1]);
                alt = a[2] + f * (b[2] - a[2]);
                break;
            }
            d -= len;
            i++;
        }
    } else {
        const double h = tg->heading_deg * DEG;
        lat = tg->lat_deg + d * cos(h) / TRIAD_WGS84_A / DEG;
        lon = tg->lon_deg + d * sin(h) / (TRIAD_WGS84_A * cos(tg->lat_deg * DEG)) / DEG;
        alt = tg->alt_m;
    }
    triad_geodetic g;
    geo_deg(lat, lon, alt, &g);
    triad_geo_to_ecef(&g, p);
    return true;
}

/* The target's ECEF state at t; false when it is not in the air. */
static bool target_state(const triad_scn_target *tg, const traj *tr, double t, double x[6])
{
    if (tg->kind == TRIAD_SCN_BALLISTIC) {
        if (t < tg->start_s || t > tr->impact_s)
            return false;
        traj_at(tr, t, x);
        return true;
    }
    double a[3], b[3];
    if (!air_pos(tg, t, x))
        return false;
    const double dt = 0.5;
    if (!air_pos(tg, t - dt, a) || !air_pos(tg, t + dt, b)) {
        if (air_pos(tg, t + dt, b)) {
            for (int i = 0; i < 3; i++)
                x[3 + i] = (b[i] - x[i]) / dt;
        } else if (air_pos(tg, t - dt, a)) {
            for (int i = 0; i < 3; i++)
                x[3 + i] = (x[i] - a[i]) / dt;
        } else {
            x[3] = x[4] = x[5] = 0;
        }
        return true;
    }
    for (int i = 0; i < 3; i++)
        x[3 + i] = (b[i] - a[i]) / (2 * dt);
    return true;
}

/* ---- coverage and measurements ---- */
static double wrap360(double a)
{
    a = fmod(a, 360.0);
    return a < 0 ? a + 360.0 : a;
}

static bool in_sector(const triad_scn_site *st, double az_deg)
{
    const double width = st->az_max_deg - st->az_min_deg;
    if (width >= 360.0 || width <= -360.0)
        return true;
    return wrap360(az_deg - st->az_min_deg) <= wrap360(width);
}

/* z = range, azimuth, elevation, range rate of x from the site; true when covered. */
static bool covered(const triad_scn_site *st, const triad_geodetic *g, const double x[6],
                    double z[4])
{
    double h[4][6];
    triad_meas_predict(g, x, z, h);
    const double az = wrap360(z[1] / DEG), el = z[2] / DEG;
    return z[0] >= st->min_range_m && z[0] <= st->max_range_m && el >= st->min_elevation_deg &&
           el <= st->max_elevation_deg && in_sector(st, az);
}

typedef struct {
    double range_m, rr_mps, az_deg, el_deg, snr_db;
} det;

static int det_write(FILE *f, const triad_scn_site *st, const det *d, bool first)
{
    const double vr = st->sigma_range_m * st->sigma_range_m;
    const double vv = st->sigma_range_rate_mps * st->sigma_range_rate_mps;
    const double va = st->sigma_azimuth_deg * st->sigma_azimuth_deg;
    const double ve = st->sigma_elevation_deg * st->sigma_elevation_deg;
    return fprintf(f,
                   "%s{\"range_m\":%.3f,\"velocity_mps\":%.4f,\"azimuth_deg\":%.6f,"
                   "\"elevation_deg\":%.6f,\"snr_db\":%.2f,\"var_range_m2\":%.6g,"
                   "\"var_range_rate_m2_s2\":%.6g,\"var_azimuth_deg2\":%.6g,"
                   "\"var_elevation_deg2\":%.6g}",
                   first ? "" : ",", d->range_m, d->rr_mps, d->az_deg, d->el_deg, d->snr_db, vr,
                   vv, va, ve) < 0
               ? TRIAD_EIO
               : 0;
}

static void site_json(FILE *f, const triad_scn_site *st)
{
    fprintf(f,
            "{\"type\":\"site\",\"site\":\"%s\",\"radar_id\":%u,\"lat_deg\":%.6f,\"lon_deg\":%.6f,"
            "\"alt_m\":%.1f,\"az_min_deg\":%.3f,\"az_max_deg\":%.3f,\"min_range_m\":%.1f,"
            "\"max_range_m\":%.1f,\"min_elevation_deg\":%.3f,\"max_elevation_deg\":%.3f,"
            "\"update_s\":%.6f}\n",
            st->id, st->radar_id, st->lat_deg, st->lon_deg, st->alt_m, st->az_min_deg,
            st->az_max_deg, st->min_range_m, st->max_range_m, st->min_elevation_deg,
            st->max_elevation_deg, st->update_s);
}

static void truth_line(FILE *f, const triad_scenario *s, const triad_scn_target *tg, double t,
                       const double x[6], const char *phase, int seen_by)
{
    triad_geodetic g;
    triad_ecef_to_geo(x, &g);
    char utc[64];
    triad__format_utc(s->start_epoch_s + t, utc, sizeof utc);
    fprintf(f,
            "{\"type\":\"truth\",\"target\":\"%s\",\"kind\":\"%s\",\"phase\":\"%s\","
            "\"time_s\":%.6f,\"time_utc\":\"%s\",\"lat_deg\":%.7f,\"lon_deg\":%.7f,"
            "\"alt_m\":%.2f,\"ecef_m\":[%.3f,%.3f,%.3f],\"ecef_vel_mps\":[%.4f,%.4f,%.4f],"
            "\"seen_by\":%d}\n",
            tg->id, tg->kind == TRIAD_SCN_BALLISTIC ? "ballistic" : "aircraft", phase, t, utc,
            g.lat_rad / DEG, g.lon_rad / DEG, g.alt_m, x[0], x[1], x[2], x[3], x[4], x[5], seen_by);
}

int triad_scenario_run(const triad_scenario *s, FILE *reports, FILE *truth, double truth_step_s,
                       size_t *num_reports, size_t *num_dets)
{
    traj tr[TRIAD_SCN_MAX_TARGETS];
    memset(tr, 0, sizeof tr);
    int err = 0;
    size_t nrep = 0, ndet = 0;
    triad_geodetic sg[TRIAD_SCN_MAX_SITES];
    double next[TRIAD_SCN_MAX_SITES];
    rng site_rng[TRIAD_SCN_MAX_SITES];
    for (size_t i = 0; i < s->num_sites; i++) {
        geo_deg(s->sites[i].lat_deg, s->sites[i].lon_deg, s->sites[i].alt_m, &sg[i]);
        next[i] = s->sites[i].first_s;
        site_rng[i].s = s->seed * 0x100000001b3ULL + 7919 * (i + 1);
    }
    for (size_t j = 0; j < s->num_targets; j++)
        if (s->targets[j].kind == TRIAD_SCN_BALLISTIC && (err = traj_make(&s->targets[j], &tr[j])))
            goto done;

    if (truth) {
        for (size_t i = 0; i < s->num_sites; i++)
            site_json(truth, &s->sites[i]);
        char utc[64];
        triad__format_utc(s->start_epoch_s, utc, sizeof utc);
        fprintf(truth, "{\"type\":\"scenario\",\"name\":\"%s\",\"start_utc\":\"%s\","
                "\"duration_s\":%.3f,\"seed\":%llu}\n", s->name, utc, s->duration_s,
                (unsigned long long)s->seed);
        for (size_t j = 0; j < s->num_targets; j++) {
            const triad_scn_target *tg = &s->targets[j];
            if (tg->kind != TRIAD_SCN_BALLISTIC)
                continue;
            triad_geodetic li;
            triad_ecef_to_geo(tr[j].impact, &li);
            fprintf(truth,
                    "{\"type\":\"launch\",\"target\":\"%s\",\"launch_time_s\":%.6f,"
                    "\"launch_lat_deg\":%.7f,\"launch_lon_deg\":%.7f,\"burnout_time_s\":%.6f,"
                    "\"impact_time_s\":%.6f,\"impact_lat_deg\":%.7f,\"impact_lon_deg\":%.7f}\n",
                    tg->id, tg->start_s, tg->lat_deg, tg->lon_deg, tr[j].burnout_s,
                    tr[j].impact_s, li.lat_rad / DEG, li.lon_rad / DEG);
        }
        for (size_t j = 0; j < s->num_targets; j++) {
            const triad_scn_target *tg = &s->targets[j];
            for (double t = tg->start_s; t <= s->duration_s + 1e-9; t += truth_step_s) {
                double x[6], z[4];
                const bool last = tg->kind == TRIAD_SCN_BALLISTIC && t + truth_step_s > tr[j].impact_s;
                const double tt = last ? tr[j].impact_s : t;
                if (!target_state(tg, &tr[j], tt, x))
                    break;
                int seen = 0;
                for (size_t i = 0; i < s->num_sites; i++)
                    seen += covered(&s->sites[i], &sg[i], x, z);
                truth_line(truth, s, tg, tt, x,
                           tg->kind == TRIAD_SCN_AIRCRAFT ? "air"
                           : tt < tr[j].burnout_s     ? "boost"
                                                      : "ballistic",
                           seen);
                if (last)
                    break;
            }
        }
        if (ferror(truth)) {
            err = triad__fail(TRIAD_EIO, "scenario: writing the truth failed");
            goto done;
        }
    }

    for (;;) {
        size_t i = 0;
        for (size_t k = 1; k < s->num_sites; k++)
            if (next[k] < next[i])
                i = k;
        const double t = next[i];
        if (t > s->duration_s)
            break;
        const triad_scn_site *st = &s->sites[i];
        rng *r = &site_rng[i];
        next[i] += st->update_s;
        char utc[64];
        triad__format_utc(s->start_epoch_s + t, utc, sizeof utc);
        fprintf(reports,
                "{\"site\":\"%s\",\"radar_id\":%u,\"site_lat_deg\":%.7f,\"site_lon_deg\":%.7f,"
                "\"site_alt_m\":%.2f,\"time_s\":%.6f,\"time_utc\":\"%s\",\"detections\":[",
                st->id, st->radar_id, st->lat_deg, st->lon_deg, st->alt_m, t, utc);
        bool first = true;
        for (size_t j = 0; j < s->num_targets; j++) {
            double x[6], z[4];
            if (!target_state(&s->targets[j], &tr[j], t, x) || !covered(st, &sg[i], x, z) ||
                rng_uniform(r) >= st->pd)
                continue;
            det d;
            d.range_m = z[0] + st->sigma_range_m * rng_gauss(r);
            d.az_deg = wrap360(z[1] / DEG + st->sigma_azimuth_deg * rng_gauss(r));
            d.el_deg = z[2] / DEG + st->sigma_elevation_deg * rng_gauss(r);
            d.rr_mps = z[3] + st->sigma_range_rate_mps * rng_gauss(r);
            d.snr_db = st->snr_db_at_max_range + 40.0 * log10(st->max_range_m / z[0]) +
                       1.5 * rng_gauss(r);
            if ((err = det_write(reports, st, &d, first)))
                goto io;
            first = false;
            ndet++;
        }
        const double width = wrap360(st->az_max_deg - st->az_min_deg) == 0 &&
                                     st->az_max_deg != st->az_min_deg
                                 ? 360.0
                                 : wrap360(st->az_max_deg - st->az_min_deg);
        unsigned nfa = rng_poisson(r, st->false_alarms_per_look);
        unsigned ncl = rng_poisson(r, st->clutter_per_look);
        for (unsigned k = 0; k < nfa + ncl; k++) {
            det d;
            const bool clutter = k >= nfa;
            const double rmax = clutter ? fmin(st->max_range_m, st->min_range_m + 80e3)
                                        : st->max_range_m;
            d.range_m = st->min_range_m + (rmax - st->min_range_m) * rng_uniform(r);
            d.az_deg = wrap360(st->az_min_deg + width * rng_uniform(r));
            d.el_deg = clutter ? st->min_elevation_deg + 1.0 * rng_uniform(r)
                               : st->min_elevation_deg +
                                     (st->max_elevation_deg - st->min_elevation_deg) *
                                         rng_uniform(r);
            d.rr_mps = clutter ? 2.0 * rng_gauss(r) : 600.0 * (2.0 * rng_uniform(r) - 1.0);
            d.snr_db = st->snr_db_at_max_range + 3.0 * rng_uniform(r);
            if ((err = det_write(reports, st, &d, first)))
                goto io;
            first = false;
            ndet++;
        }
        fputs("]}\n", reports);
        nrep++;
    }
io:
    if (err || ferror(reports) || fflush(reports))
        err = triad__fail(TRIAD_EIO, "scenario: writing the reports failed");
done:
    for (size_t j = 0; j < s->num_targets; j++)
        free(tr[j].x);
    if (num_reports)
        *num_reports = nrep;
    if (num_dets)
        *num_dets = ndet;
    return err;
}
