/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "io/dds/dds_sink.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error_internal.h"
#include "io/dds/dds_common.h"
#include "triad/units.h"
#include "triad_detections.h"

static const char who[] = "dds sink";

typedef struct {
    triad_sink base; /* first: the sink is handed out as a triad_sink */
    triad_dds_opts o;
    char site_id[64];
    bool site_override;
    triad__dds_conn conn;
    dds_entity_t writer;
    triad_Detection *buf; /* [size: cap], the message's sequence (reused report to report) */
    size_t cap;
    uint64_t dropped;     /* reports a slow subscriber made us drop */
    triad_DetectionReport *keys; /* [size: num_keys] the instances written, key fields only */
    size_t num_keys, cap_keys;
} dds_sink;

/* Remember an instance and its latest CPI, to dispose of it at destroy. */
static int note_key(dds_sink *s, const triad_DetectionReport *msg)
{
    for (size_t i = 0; i < s->num_keys; i++)
        if (s->keys[i].radar_id == msg->radar_id && s->keys[i].channel == msg->channel &&
            strcmp(s->keys[i].site_id, msg->site_id) == 0) {
            if (msg->cpi > s->keys[i].cpi)
                s->keys[i].cpi = msg->cpi;
            return 0;
        }
    if (s->num_keys == s->cap_keys) {
        const size_t cap = s->cap_keys ? 2 * s->cap_keys : 8;
        triad_DetectionReport *k = realloc(s->keys, cap * sizeof *k);
        if (!k)
            return triad__fail(TRIAD_ENOMEM, "%s: out of memory", who);
        s->keys = k;
        s->cap_keys = cap;
    }
    triad_DetectionReport *k = &s->keys[s->num_keys++];
    memset(k, 0, sizeof *k);
    memcpy(k->site_id, msg->site_id, sizeof k->site_id);
    k->radar_id = msg->radar_id;
    k->channel = msg->channel;
    k->cpi = msg->cpi;
    return 0;
}

/* Error variance of a peak located with resolution res at snr_db: res^2 / (2 SNR), SNR
 * linear and floored at 1/2 (no detection is placed worse than its resolution cell; the
 * floor also catches NaN). */
static double variance(double res, double snr_db)
{
    double snr = pow(10.0, snr_db / 10.0);
    if (!(snr >= 0.5))
        snr = 0.5;
    return res * res / (2.0 * snr);
}

static int sink_write(triad_sink *self, const triad_report *r)
{
    dds_sink *s = (dds_sink *)self;
    const triad_recording_meta *m = r->meta;
    if (r->num_dets > UINT32_MAX)
        return triad__fail(TRIAD_EINVAL, "%s: %zu detections in one report", who, r->num_dets);
    if (r->num_dets > s->cap) {
        size_t cap = s->cap ? s->cap : 64;
        while (cap < r->num_dets)
            cap *= 2;
        triad_Detection *b = realloc(s->buf, cap * sizeof *b);
        if (!b)
            return triad__fail(TRIAD_ENOMEM, "%s: %zu detections", who, r->num_dets);
        s->buf = b;
        s->cap = cap;
    }

    triad_DetectionReport msg = {0};
    const char *site = s->site_override ? s->site_id : (m && m->has_site ? m->site.id : "");
    snprintf(msg.site_id, sizeof msg.site_id, "%s", site);
    msg.radar_id = s->o.radar_id ? s->o.radar_id : r->radar_id;
    msg.channel = r->channel;
    msg.cpi = r->cpi;
    msg.time_s = NAN;
    if (r->num_dets)
        msg.time_s = r->dets[0].time_s;
    else if (m) /* as the chain computes it: the CPI centre */
        msg.time_s = ((double)r->cpi * (double)m->pulses_per_cpi +
                      0.5 * (double)(m->pulses_per_cpi - 1)) * m->pri_s;
    msg.cpi_time_utc_ns = r->cpi_time_utc_ns;
    const bool has_site = m && m->has_site, has_beam = m && m->has_beam;
    msg.site_lat_deg = has_site ? m->site.lat_deg : NAN;
    msg.site_lon_deg = has_site ? m->site.lon_deg : NAN;
    msg.site_alt_m = has_site ? m->site.alt_m : NAN;
    msg.beam_azimuth_deg = has_beam ? m->beam_azimuth_deg : NAN;
    msg.beam_elevation_deg = has_beam ? m->beam_elevation_deg : NAN;
    msg.degraded_fraction = r->degraded_fraction;
    msg.latency_s = r->latency_s;
    const int err = note_key(s, &msg);
    if (err)
        return err;

    /* Resolutions: c/2B for LFM; a "samples" waveform's bandwidth is not in the meta file,
     * and complex sampling bounds it by fs, so c/2fs. Velocity: one Doppler bin. */
    double range_res_m = NAN, vel_res_mps = NAN;
    if (m) {
        const double b_hz = m->waveform.type == TRIAD_WAVEFORM_LFM ? m->waveform.bandwidth_hz
                                                                   : m->sample_rate_hz;
        range_res_m = TRIAD_C_MPS / (2.0 * b_hz);
        vel_res_mps = TRIAD_C_MPS / m->carrier_hz / (2.0 * (double)m->pulses_per_cpi * m->pri_s);
    }
    /* No angle is measured inside the beam: the target is somewhere in it, taken uniform
     * over the 3 dB beamwidth, whatever the SNR. */
    const double var_az = s->o.beamwidth_az_deg * s->o.beamwidth_az_deg / 12.0;
    const double var_el = s->o.beamwidth_el_deg * s->o.beamwidth_el_deg / 12.0;
    for (size_t i = 0; i < r->num_dets; i++) {
        const triad_detection *d = &r->dets[i];
        s->buf[i] = (triad_Detection){
            .range_m = d->range_m,
            .range_rate_mps = d->velocity_mps,
            .azimuth_deg = msg.beam_azimuth_deg,
            .elevation_deg = msg.beam_elevation_deg,
            .snr_db = d->snr_db,
            .power_db = d->power_db,
            .range_bin = d->range_bin,
            .doppler_bin = d->doppler_bin,
            .var_range_m2 = variance(range_res_m, d->snr_db),
            .var_range_rate_m2_s2 = variance(vel_res_mps, d->snr_db),
            .var_azimuth_deg2 = has_beam ? var_az : NAN,
            .var_elevation_deg2 = has_beam ? var_el : NAN,
        };
    }
    msg.detections._buffer = s->buf;
    msg.detections._length = msg.detections._maximum = (uint32_t)r->num_dets;
    msg.detections._release = false;

    const dds_return_t rc = dds_write(s->writer, &msg);
    if (rc == DDS_RETCODE_TIMEOUT) {
        /* reliable, and a subscriber has not acknowledged enough: drop rather than stall */
        if (s->dropped++ == 0)
            triad__warn("%s: a subscriber is not keeping up: CPI %llu (site '%s' radar %u "
                        "channel %u) and any later report it holds up are dropped",
                        who, (unsigned long long)r->cpi, msg.site_id, (unsigned)msg.radar_id,
                        (unsigned)msg.channel);
        return 0;
    }
    if (rc < 0) {
        char what[160];
        snprintf(what, sizeof what, "publishing CPI %llu of site '%s' radar %u channel %u",
                 (unsigned long long)r->cpi, msg.site_id, (unsigned)msg.radar_id,
                 (unsigned)msg.channel);
        return triad__dds_fail(rc, who, what);
    }
    return 0;
}

static void sink_destroy(triad_sink *self)
{
    dds_sink *s = (dds_sink *)self;
    if (!s)
        return;
    if (s->writer > 0) {
        /* Say "stopped" per radar channel, in band: deleting the writer would say it too, but
         * through discovery, which a process that exits right after may never get out.
         * Written as a whole sample (write-dispose), not as a bare key: Cyclone 0.10 puts a
         * bare key of an appendable type on the wire without the XCDR2 delimiter header that
         * current Cyclone (0.11+) requires, which then fails to deserialize the dispose. */
        for (size_t i = 0; i < s->num_keys; i++) {
            triad_DetectionReport end;
            triad__dds_end_of_stream(&s->keys[i], &end);
            dds_writedispose(s->writer, &end);
        }
        /* reliable delivery of the last reports and the disposals before the writer goes */
        dds_publication_matched_status_t st;
        if (dds_get_publication_matched_status(s->writer, &st) == 0 && st.current_count > 0 &&
            dds_wait_for_acks(s->writer, DDS_SECS(2)) == DDS_RETCODE_TIMEOUT)
            triad__warn("%s: a subscriber did not acknowledge the last reports within 2 s",
                        who);
    }
    if (s->dropped)
        triad__warn("%s: %llu reports dropped for a slow subscriber", who,
                    (unsigned long long)s->dropped);
    triad__dds_disconnect(&s->conn);
    free(s->keys);
    free(s->buf);
    free(s);
}

static int wait_for_readers(dds_sink *s)
{
    const dds_time_t end = dds_time() + triad__dds_duration(s->o.wait_s);
    for (;;) {
        dds_publication_matched_status_t st;
        const dds_return_t rc = dds_get_publication_matched_status(s->writer, &st);
        if (rc < 0)
            return triad__dds_fail(rc, who, "waiting for subscribers");
        if (st.current_count >= s->o.wait_readers)
            return 0;
        if (dds_time() >= end) {
            triad__warn("%s: %u of %u subscribers after %g s; publishing anyway", who,
                        (unsigned)st.current_count, (unsigned)s->o.wait_readers, s->o.wait_s);
            return 0;
        }
        dds_sleepfor(DDS_MSECS(20));
    }
}

int triad_dds_sink_create(triad_sink **out, const triad_dds_opts *opts)
{
    *out = NULL;
    triad_dds_opts o;
    int err = triad__dds_opts_resolve(opts, &o, who);
    if (err)
        return err;
    dds_sink *s = calloc(1, sizeof *s);
    if (!s)
        return triad__fail(TRIAD_ENOMEM, "%s: out of memory", who);
    s->base.write = sink_write;
    s->base.destroy = sink_destroy;
    s->o = o;
    if (o.site_id) {
        snprintf(s->site_id, sizeof s->site_id, "%s", o.site_id);
        s->site_override = true;
    }
    s->o.site_id = NULL; /* the caller's strings are not kept */
    s->o.config = NULL;
    s->o.topic = NULL;

    dds_qos_t *qos = triad__dds_qos(&o);
    if (!qos) {
        free(s);
        return triad__fail(TRIAD_ENOMEM, "%s: out of memory", who);
    }
    err = triad__dds_connect(&o, qos, &s->conn, who);
    if (!err) {
        s->writer = dds_create_writer(s->conn.participant, s->conn.topic, qos, NULL);
        if (s->writer < 0) {
            err = triad__dds_fail(s->writer, who, "creating the writer");
            s->writer = 0;
        }
    }
    dds_delete_qos(qos);
    if (!err && o.wait_readers > 0)
        err = wait_for_readers(s);
    if (err) {
        sink_destroy(&s->base);
        return err;
    }
    *out = &s->base;
    return 0;
}
