/* Triad — detection reports on Cyclone DDS: the sink that publishes them and the listener
 * that receives them (docs/FORMATS.md, "Detections on DDS"). Library: libtriad_dds
 * (pkg-config triad-dds, CMake triad::dds), built with TRIAD_WITH_DDS.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TRIAD_DDS_H
#define TRIAD_DDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "triad/sink.h"
#include "triad/chain.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Detections on Cyclone DDS: a sink that publishes one DetectionReport per triad_report on a
 * keyed topic (idl/triad_detections.idl; topic, QoS and fields in docs/FORMATS.md,
 * "Detections on DDS"), and the options it shares with the listener (below).
 */

#define TRIAD_DDS_TOPIC_DEFAULT "triad/detections"
#define TRIAD_DDS_DOMAIN_MAX 230          /* Cyclone's default port mapping ends near 232 */
#define TRIAD_DDS_DEADLINE_S_DEFAULT 1.0
#define TRIAD_DDS_HISTORY_DEFAULT 16
#define TRIAD_DDS_BEAMWIDTH_DEG_DEFAULT 3.0

/* Every field's zero value means its default, so `triad_dds_opts o = {0};` works as well as
 * triad_dds_opts_default(). Strings are copied at create. */
typedef struct {
    uint32_t domain_id;       /* DDS domain 0..TRIAD_DDS_DOMAIN_MAX */
    const char *config;       /* Cyclone configuration: XML text (starts with '<') or a file
                                 URI/path; NULL = CYCLONEDDS_URI from the environment, else
                                 Cyclone's defaults. Ignored when this process already has the
                                 domain (it keeps that domain's configuration). */
    bool loopback;            /* with config NULL: 127.0.0.1 only, no multicast, unicast
                                 discovery of the participants on this host */
    const char *topic;        /* NULL = TRIAD_DDS_TOPIC_DEFAULT; letters, digits, '_', '/' */
    double deadline_s;        /* the longest gap between two reports of one radar channel
                                 before subscribers are told it went silent; 0 = 1 s;
                                 INFINITY = none. A subscriber's must be >= the publisher's. */
    uint32_t history_depth;   /* keep-last depth per radar channel; 0 = 16 */
    /* sink only */
    const char *site_id;      /* key's site id; NULL = the recording's radar:site.id ("" when
                                 it has none); at most 63 bytes */
    uint32_t radar_id;        /* key's radar id; 0 = the report's radar_id */
    double beamwidth_az_deg;  /* 3 dB beamwidths for the angle variances; 0 = 3 degrees */
    double beamwidth_el_deg;
    uint32_t wait_readers;    /* create waits until this many subscribers are matched ... */
    double wait_s;            /* ... or this many seconds passed (0 = 10 s; then it warns and
                                 goes on): the topic is volatile, so what is published before
                                 a subscriber matched never reaches it */
} triad_dds_opts;

/* The defaults written out: domain 0, the environment's configuration, the default topic,
 * deadline 1 s, depth 16, beamwidths 3 degrees, no waiting. */
triad_dds_opts triad_dds_opts_default(void);

/* Join the domain and create the writer. *out's write() publishes one DetectionReport per
 * report (also with no detections); a subscriber too slow to take them makes write() drop
 * the report after 100 ms and warn once (a live sink never stalls the chain). destroy()
 * waits up to 2 s for subscribers to acknowledge what was written, disposes of the
 * instances (subscribers see the radar stopped) and deletes the participant (and the domain
 * when this sink created it: destroy such a sink last in a process that has other
 * participants in that domain). The sink is not thread-safe.
 * Returns 0, TRIAD_EINVAL (a field: the message names it), TRIAD_ENOMEM or TRIAD_EIO (Cyclone
 * refused: its own message, if any, went to stderr). *out is NULL on failure. */
int triad_dds_sink_create(triad_sink **out, const triad_dds_opts *opts);

/* Detections from Cyclone DDS: a subscriber to the DetectionReport topic that hands out
 * reports in our types, and tells when a radar channel went silent (missed deadline), when
 * its publisher stopped or vanished, and when a publisher's QoS cannot match.
 */

/* The topic's key: one instance per radar channel. */
typedef struct {
    char site_id[64];
    uint32_t radar_id;
    uint32_t channel;
} triad_dds_key;

/* One detection as received. det carries cpi, channel and time_s from its report and the
 * detection's own values (velocity_mps is the message's range_rate_mps). */
typedef struct {
    triad_detection det;
    double azimuth_deg, elevation_deg;   /* NaN: unknown */
    double var_range_m2, var_range_rate_m2_s2, var_azimuth_deg2, var_elevation_deg2;
} triad_dds_detection;

/* One DetectionReport as received (fields as in idl/triad_detections.idl). */
typedef struct {
    triad_dds_key key;
    uint64_t cpi;
    double time_s;
    int64_t cpi_time_utc_ns;                 /* INT64_MIN: unknown */
    double site_lat_deg, site_lon_deg, site_alt_m;
    double beam_azimuth_deg, beam_elevation_deg;
    double degraded_fraction, latency_s;
    size_t num_dets;
    const triad_dds_detection *dets;         /* [size: num_dets], the listener's */
} triad_dds_report;

typedef enum {
    TRIAD_DDS_EV_TIMEOUT = 0, /* nothing happened within the timeout */
    TRIAD_DDS_EV_REPORT,      /* report; resumed when its channel had been silent or gone */
    TRIAD_DDS_EV_SILENT,      /* key: no report within the deadline (told once per silence) */
    TRIAD_DDS_EV_GONE,        /* key: its publisher stopped (disposed) or vanished */
    TRIAD_DDS_EV_INCOMPATIBLE /* a publisher on the topic cannot match: policy names why */
} triad_dds_event_kind;

typedef struct {
    triad_dds_event_kind kind;
    triad_dds_key key;        /* SILENT, GONE, REPORT (= report.key) */
    bool resumed;             /* REPORT */
    bool disposed;            /* GONE: true = the publisher stopped and said so; false = no
                                 publisher left (it crashed or the network failed) */
    const char *policy;       /* INCOMPATIBLE: "DEADLINE", "RELIABILITY", ... */
    triad_dds_report report;  /* REPORT; valid until the next call */
} triad_dds_event;

typedef struct triad_dds_listener triad_dds_listener;

/* Join the domain and create the reader: domain_id, config, loopback, topic, deadline_s and
 * history_depth of opts are used (NULL = defaults). The requested deadline must be at least
 * each publisher's offered one, else they do not match (an INCOMPATIBLE event). Reports
 * published before a publisher matched this reader are not received (volatile topic).
 * Not thread-safe. Returns 0, TRIAD_EINVAL, TRIAD_ENOMEM or TRIAD_EIO; *out is NULL on
 * failure. */
int triad_dds_listener_create(triad_dds_listener **out, const triad_dds_opts *opts);

/* Wait up to timeout_s seconds (< 0 or INFINITY: for ever) for the next event and fill *ev.
 * Returns 0 (ev->kind TIMEOUT when nothing came) or a negative triad_err. */
int triad_dds_listener_next(triad_dds_listener *l, double timeout_s, triad_dds_event *ev);

/* The deadline the listener requests, seconds (after defaults). */
double triad_dds_listener_deadline(const triad_dds_listener *l);

/* Deletes the participant, and the domain when this listener created it. NULL-safe. */
void triad_dds_listener_destroy(triad_dds_listener *l);

#ifdef __cplusplus
}
#endif

#endif
