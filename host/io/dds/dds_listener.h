/* Detections from Cyclone DDS: a subscriber to the DetectionReport topic that hands out
 * reports in our types, and tells when a radar channel went silent (missed deadline), when
 * its publisher stopped or vanished, and when a publisher's QoS cannot match.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TRIAD_IO_DDS_LISTENER_H
#define TRIAD_IO_DDS_LISTENER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "io/dds/dds_sink.h"
#include "triad/chain.h"

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

#endif
