/* Scenes: the built-in default and scene JSON files (docs/FORMATS.md).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/clock.h"
#include "core/error_internal.h"
#include "core/limits.h"
#include "core/json_util.h"
#include "triad/sim.h"

void triad_scene_default(triad_scene *s)
{
    memset(s, 0, sizeof *s);
    triad_recording_meta *r = &s->radar;
    r->format = TRIAD_FORMAT_CF32_LE;
    r->sample_rate_hz = 20e6;
    r->num_channels = 1;
    r->carrier_hz = 3.0e9;
    snprintf(r->datetime, sizeof r->datetime, "2026-11-23T00:00:00Z");
    r->samples_per_pulse = 2048;
    r->pulses_per_cpi = 64;
    r->pri_s = 200e-6;
    r->waveform.type = TRIAD_WAVEFORM_LFM;
    r->waveform.bandwidth_hz = 10e6;
    r->waveform.pulse_width_s = 10e-6;
    r->has_site = true;
    snprintf(r->site.id, sizeof r->site.id, "demo");
    r->site.lat_deg = 35.0;
    r->site.lon_deg = 139.0;
    r->site.alt_m = 10.0;
    r->has_beam = true;
    r->beam_azimuth_deg = 270.0;
    r->beam_elevation_deg = 5.0;
    s->num_cpis = 8;
    s->seed = 1;
    s->ci16_scale = 300.0;
    s->noise_power = 1.0;
    s->num_targets = 3;
    s->targets[0] = (triad_sim_target){.range_m = 6000.0, .velocity_mps = -25.0, .snr_db = -8.0};
    s->targets[1] = (triad_sim_target){.range_m = 11500.0, .velocity_mps = 70.0, .snr_db = -3.0};
    s->targets[2] = (triad_sim_target){.range_m = 13000.0, .velocity_mps = 110.0, .snr_db = -12.0};
}

static int parse_radar(const char *file, const cJSON *radar, triad_scene *s)
{
    triad_recording_meta *r = &s->radar;
    long long v;
    char dt[32];
    int err;
    if ((err = triad__json_string(file, radar, "datatype", false, dt, sizeof dt)))
        return err;
    if (dt[0] == '\0' || strcmp(dt, "cf32_le") == 0)
        r->format = TRIAD_FORMAT_CF32_LE;
    else if (strcmp(dt, "ci16_le") == 0)
        r->format = TRIAD_FORMAT_CI16_LE;
    else
        return triad__fail(TRIAD_EUNSUPPORTED,
                           "%s: field 'radar.datatype': value \"%s\" is not supported (cf32_le, "
                           "ci16_le)",
                           file, dt);
    if ((err = triad__json_number_in(file, radar, "sample_rate_hz", false, r->sample_rate_hz,
                                     1.0, 1e11, &r->sample_rate_hz)) ||
        (err = triad__json_number_in(file, radar, "carrier_hz", false, r->carrier_hz, 1e5,
                                     1e12, &r->carrier_hz)) ||
        (err = triad__json_number_in(file, radar, "pri_s", false, r->pri_s, 1e-9, 10.0,
                                     &r->pri_s)) ||
        (err = triad__json_number_in(file, radar, "rx_delay_s", false, 0.0, 0.0, 1.0,
                                     &r->rx_delay_s)))
        return err;
    if ((err = triad__json_count(file, radar, "samples_per_pulse", false,
                                 (long long)r->samples_per_pulse, 2, 1 << 24, &v)))
        return err;
    r->samples_per_pulse = (size_t)v;
    if ((err = triad__json_count(file, radar, "pulses_per_cpi", false,
                                 (long long)r->pulses_per_cpi, 1, 1 << 16, &v)))
        return err;
    r->pulses_per_cpi = (size_t)v;
    if ((err = triad__json_count(file, radar, "num_channels", false, 1, 1, 256, &v)))
        return err;
    r->num_channels = (size_t)v;
    if ((err = triad__json_string(file, radar, "datetime", false, dt, sizeof dt)))
        return err;
    if (dt[0]) {
        const double t = triad__parse_utc(dt);
        if (!(t >= TRIAD__EPOCH_MIN_S && t <= TRIAD__EPOCH_MAX_S))
            return triad__fail(TRIAD_EINVAL,
                               "%s: field 'radar.datetime': \"%s\" is not a time "
                               "YYYY-MM-DDTHH:MM:SS[.f]Z from 1970 to 2200", file, dt);
        snprintf(r->datetime, sizeof r->datetime, "%s", dt);
    }
    const cJSON *w;
    if ((err = triad__json_object(file, radar, "waveform", false, &w)))
        return err;
    if (w) {
        r->waveform.type = TRIAD_WAVEFORM_LFM;
        if ((err = triad__json_number_in(file, w, "bandwidth_hz", true, 0, 1e-3, 1e11,
                                        &r->waveform.bandwidth_hz)) ||
            (err = triad__json_number_in(file, w, "pulse_width_s", true, 0, 1e-12, 10.0,
                                         &r->waveform.pulse_width_s)))
            return err;
    }
    const cJSON *site, *beam;
    if ((err = triad__json_object(file, radar, "site", false, &site)) ||
        (err = triad__json_object(file, radar, "beam", false, &beam)))
        return err;
    r->has_site = site != NULL;
    if (site &&
        ((err = triad__json_string(file, site, "id", true, r->site.id, sizeof r->site.id)) ||
         (err = triad__json_number_in(file, site, "lat_deg", true, 0, -90, 90, &r->site.lat_deg)) ||
         (err = triad__json_number_in(file, site, "lon_deg", true, 0, -180, 180, &r->site.lon_deg)) ||
         (err = triad__json_number_in(file, site, "alt_m", false, 0, -1e4, 1e8, &r->site.alt_m))))
        return err;
    r->has_beam = beam != NULL;
    if (beam &&
        ((err = triad__json_number_in(file, beam, "azimuth_deg", true, 0, -360, 360,
                                        &r->beam_azimuth_deg)) ||
         (err = triad__json_number_in(file, beam, "elevation_deg", true, 0, -90, 90,
                                      &r->beam_elevation_deg))))
        return err;
    return 0;
}

static int scene_from_json(const char *path, cJSON *root, triad_scene *s);

#define SCENE_MAX_BYTES (1 << 20)

int triad_scene_load(const char *path, triad_scene *s)
{
    cJSON *root;
    int err = triad__json_load(path, SCENE_MAX_BYTES, &root);
    return err ? err : scene_from_json(path, root, s);
}

int triad_scene_parse(const char *name, const char *text, size_t len, triad_scene *s)
{
    cJSON *root;
    int err = len > SCENE_MAX_BYTES
                  ? triad__fail(TRIAD_EFORMAT, "%s: %zu bytes, more than the limit of %d for a "
                                "scene", name, len, SCENE_MAX_BYTES)
                  : triad__json_parse(name, text, len, &root);
    return err ? err : scene_from_json(name, root, s);
}

/* Takes root. */
static int scene_from_json(const char *path, cJSON *root, triad_scene *s)
{
    triad_scene_default(s);
    s->num_targets = 0;
    int err;
    const cJSON *radar, *clutter;
    long long v;
    if ((err = triad__json_object(path, root, "radar", false, &radar)) ||
        (radar && (err = parse_radar(path, radar, s))))
        goto done;
    if ((err = triad__json_count(path, root, "cpis", false, (long long)s->num_cpis, 1,
                                 1000000, &v)))
        goto done;
    s->num_cpis = (uint64_t)v;
    if ((err = triad__json_count(path, root, "seed", false, 1, 0, (1LL << 53), &v)))
        goto done;
    s->seed = (uint64_t)v;
    if ((err = triad__json_number_in(path, root, "ci16_scale", false, 300.0, 1e-6, 32767,
                                        &s->ci16_scale)) ||
        (err = triad__json_number_in(path, root, "noise_power", false, 1.0, 0, 1e12,
                                        &s->noise_power)))
        goto done;
    if (!(s->ci16_scale > 0.0)) {
        err = triad__json_bad(path, "ci16_scale", s->ci16_scale, "must be > 0");
        goto done;
    }
    if (!(s->noise_power >= 0.0)) {
        err = triad__json_bad(path, "noise_power", s->noise_power, "must be >= 0");
        goto done;
    }
    const cJSON *targets = cJSON_GetObjectItemCaseSensitive(root, "targets");
    if (targets && !cJSON_IsArray(targets)) {
        err = triad__fail(TRIAD_EFORMAT, "%s: field 'targets' is not an array", path);
        goto done;
    }
    const cJSON *t;
    cJSON_ArrayForEach(t, targets)
    {
        if (s->num_targets == TRIAD_SIM_MAX_TARGETS) {
            err = triad__fail(TRIAD_EINVAL, "%s: field 'targets': more than %d targets", path,
                              TRIAD_SIM_MAX_TARGETS);
            goto done;
        }
        triad_sim_target *tg = &s->targets[s->num_targets++];
        if ((err = triad__json_number_in(path, t, "range_m", true, 0, 0, 1e9, &tg->range_m)) ||
            (err = triad__json_number_in(path, t, "velocity_mps", false, 0, -299792458.0,
                                           299792458.0, &tg->velocity_mps)) ||
            (err = triad__json_number_in(path, t, "snr_db", true, 0, -200, 200, &tg->snr_db)))
            goto done;
        if (!(tg->range_m >= 0.0)) {
            err = triad__json_bad(path, "targets[].range_m", tg->range_m, "must be >= 0");
            goto done;
        }
    }
    if ((err = triad__json_object(path, root, "clutter", false, &clutter)))
        goto done;
    if (clutter &&
        ((err = triad__json_number_in(path, clutter, "cnr_db", true, 0, -200, 200,
                                           &s->clutter_cnr_db)) ||
         (err = triad__json_number_in(path, clutter, "range_min_m", true, 0, 0, 1e9,
                                      &s->clutter_range_min_m)) ||
         (err = triad__json_number_in(path, clutter, "range_max_m", true, 0, 0, 1e9,
                                      &s->clutter_range_max_m))))
        goto done;
done:
    cJSON_Delete(root);
    return err;
}
