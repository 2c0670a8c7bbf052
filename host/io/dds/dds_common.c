/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "io/dds/dds_common.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/error_internal.h"
#include "triad_detections.h"

/* Cyclone 0.10 takes a bare fragment of <CycloneDDS><Domain> children. The interface is
 * chosen by address, so it is the loopback whatever its name; with multicast off, discovery
 * goes by unicast to the peer's well-known ports, one per participant index (auto: the first
 * free one, at most MaxAutoParticipantIndex + 1 participants per domain on the host). */
const char triad__dds_loopback_xml[] =
    "<General>"
    "<Interfaces><NetworkInterface address=\"127.0.0.1\"/></Interfaces>"
    "<AllowMulticast>false</AllowMulticast>"
    "</General>"
    "<Discovery>"
    "<ParticipantIndex>auto</ParticipantIndex>"
    "<MaxAutoParticipantIndex>19</MaxAutoParticipantIndex>"
    "<Peers><Peer address=\"127.0.0.1\"/></Peers>"
    "</Discovery>";

triad_dds_opts triad_dds_opts_default(void)
{
    return (triad_dds_opts){
        .domain_id = 0,
        .topic = TRIAD_DDS_TOPIC_DEFAULT,
        .deadline_s = TRIAD_DDS_DEADLINE_S_DEFAULT,
        .history_depth = TRIAD_DDS_HISTORY_DEFAULT,
        .beamwidth_az_deg = TRIAD_DDS_BEAMWIDTH_DEG_DEFAULT,
        .beamwidth_el_deg = TRIAD_DDS_BEAMWIDTH_DEG_DEFAULT,
    };
}

static int check_beamwidth(double *bw, const char *field, const char *who)
{
    if (*bw == 0.0)
        *bw = TRIAD_DDS_BEAMWIDTH_DEG_DEFAULT;
    if (!(*bw > 0.0 && *bw <= 360.0))
        return triad__fail(TRIAD_EINVAL, "%s: %s %g: must be in (0, 360] degrees", who, field,
                           *bw);
    return 0;
}

int triad__dds_opts_resolve(const triad_dds_opts *opts, triad_dds_opts *out, const char *who)
{
    *out = opts ? *opts : triad_dds_opts_default();
    triad_dds_opts *o = out;
    if (o->domain_id > TRIAD_DDS_DOMAIN_MAX)
        return triad__fail(TRIAD_EINVAL, "%s: domain id %u: must be 0..%d", who,
                           (unsigned)o->domain_id, TRIAD_DDS_DOMAIN_MAX);
    if (o->config && !o->config[0])
        o->config = NULL;
    if (o->config && o->loopback)
        return triad__fail(TRIAD_EINVAL,
                           "%s: a configuration and loopback were both given: loopback is a "
                           "configuration of its own, give one of them", who);
    if (!o->topic || !o->topic[0])
        o->topic = TRIAD_DDS_TOPIC_DEFAULT;
    /* DDS topic names as Cyclone accepts them; checked here to name the field */
    bool topic_ok = strlen(o->topic) < 256 && !isdigit((unsigned char)o->topic[0]);
    for (const char *c = o->topic; topic_ok && *c; c++)
        topic_ok = isalnum((unsigned char)*c) || *c == '_' || *c == '/';
    if (!topic_ok)
        return triad__fail(TRIAD_EINVAL,
                           "%s: topic '%s': a topic name is letters, digits, '_' and '/', not "
                           "starting with a digit, under 256 characters", who, o->topic);
    if (o->deadline_s == 0.0)
        o->deadline_s = TRIAD_DDS_DEADLINE_S_DEFAULT;
    if (!(o->deadline_s >= 1e-3))
        return triad__fail(TRIAD_EINVAL, "%s: deadline %g s: must be at least 0.001 s (or "
                           "infinite)", who, o->deadline_s);
    if (o->history_depth == 0)
        o->history_depth = TRIAD_DDS_HISTORY_DEFAULT;
    if (o->history_depth > 100000)
        return triad__fail(TRIAD_EINVAL, "%s: history depth %u: must be 1..100000", who,
                           (unsigned)o->history_depth);
    if (o->site_id && strlen(o->site_id) > 63)
        return triad__fail(TRIAD_EINVAL, "%s: site id '%.80s...': longer than 63 bytes", who,
                           o->site_id);
    int err = check_beamwidth(&o->beamwidth_az_deg, "azimuth beamwidth", who);
    if (!err)
        err = check_beamwidth(&o->beamwidth_el_deg, "elevation beamwidth", who);
    if (err)
        return err;
    if (o->wait_readers > 0 && o->wait_s == 0.0)
        o->wait_s = 10.0;
    if (!(o->wait_s >= 0.0 && o->wait_s <= 1e6))
        return triad__fail(TRIAD_EINVAL, "%s: wait for readers %g s: must be 0..1e6 s", who,
                           o->wait_s);
    return 0;
}

dds_duration_t triad__dds_duration(double s)
{
    if (!(s < 9.0e9)) /* INT64_MAX ns is 9.2e9 s */
        return DDS_INFINITY;
    return (dds_duration_t)llround(s * 1e9);
}

dds_qos_t *triad__dds_qos(const triad_dds_opts *o)
{
    dds_qos_t *q = dds_create_qos();
    if (!q)
        return NULL;
    /* Reliable so fusion sees every CPI a healthy network carries; keep-last (not keep-all)
     * so a slow or stuck subscriber costs it old reports instead of stalling the radar. */
    dds_qset_reliability(q, DDS_RELIABILITY_RELIABLE, DDS_MSECS(100));
    dds_qset_history(q, DDS_HISTORY_KEEP_LAST, (int32_t)o->history_depth);
    /* per instance, i.e. per (site, radar, channel): silence of one radar is noticed */
    dds_qset_deadline(q, triad__dds_duration(o->deadline_s));
    /* detections are live data: a subscriber that joins late starts from the next CPI */
    dds_qset_durability(q, DDS_DURABILITY_VOLATILE);
    return q;
}

int triad__dds_fail(dds_return_t rc, const char *who, const char *what)
{
    int err = TRIAD_EIO;
    if (rc == DDS_RETCODE_OUT_OF_RESOURCES)
        err = TRIAD_ENOMEM;
    else if (rc == DDS_RETCODE_BAD_PARAMETER || rc == DDS_RETCODE_INCONSISTENT_POLICY)
        err = TRIAD_EINVAL;
    return triad__fail(err, "%s: %s: %s", who, what, dds_strretcode(rc));
}

int triad__dds_connect(const triad_dds_opts *o, const dds_qos_t *qos, triad__dds_conn *c,
                       const char *who)
{
    *c = (triad__dds_conn){0};
    const char *config = o->loopback ? triad__dds_loopback_xml : o->config;
    char what[160];
    if (config) {
        dds_entity_t d = dds_create_domain(o->domain_id, config);
        if (d > 0)
            c->domain = d;
        else if (d != DDS_RETCODE_PRECONDITION_NOT_MET) { /* that one: this process has it */
            snprintf(what, sizeof what, "domain %u: Cyclone refused the %s", o->domain_id,
                     o->loopback ? "loopback configuration" : "configuration");
            return triad__dds_fail(d, who, what);
        }
    }
    int err = 0;
    c->participant = dds_create_participant(o->domain_id, NULL, NULL);
    if (c->participant < 0) {
        snprintf(what, sizeof what, "domain %u: creating a participant", o->domain_id);
        err = triad__dds_fail(c->participant, who, what);
        c->participant = 0;
        goto fail;
    }
    c->topic = dds_create_topic(c->participant, &triad_DetectionReport_desc, o->topic, qos, NULL);
    if (c->topic < 0) {
        snprintf(what, sizeof what, "topic '%s'", o->topic);
        err = triad__dds_fail(c->topic, who, what);
        c->topic = 0;
        goto fail;
    }
    return 0;
fail:
    triad__dds_disconnect(c);
    return err;
}

void triad__dds_disconnect(triad__dds_conn *c)
{
    if (c->participant > 0)
        dds_delete(c->participant); /* and with it the topic and every reader/writer */
    if (c->domain > 0)
        dds_delete(c->domain);
    *c = (triad__dds_conn){0};
}

void triad__dds_end_of_stream(const triad_DetectionReport *last, triad_DetectionReport *end)
{
    memset(end, 0, sizeof *end);
    memcpy(end->site_id, last->site_id, sizeof end->site_id);
    end->radar_id = last->radar_id;
    end->channel = last->channel;
    end->cpi = last->cpi + 1;
    end->time_s = NAN;
    end->cpi_time_utc_ns = INT64_MIN;
    end->site_lat_deg = end->site_lon_deg = end->site_alt_m = NAN;
    end->beam_azimuth_deg = end->beam_elevation_deg = NAN;
    end->degraded_fraction = 1.0;
    end->latency_s = NAN;
}

bool triad__dds_is_end_of_stream(const triad_DetectionReport *m)
{
    /* latency NaN: no report of a processed CPI has it (a channel wholly missing from a CPI
     * that was processed has degraded_fraction 1 too, but a latency) */
    return m->degraded_fraction == 1.0 && m->detections._length == 0 && isnan(m->latency_s) &&
           isnan(m->time_s);
}
