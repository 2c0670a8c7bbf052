/* Detections on Cyclone DDS: a sink that publishes one DetectionReport per triad_report on a
 * keyed topic (idl/triad_detections.idl; topic, QoS and fields in docs/FORMATS.md,
 * "Detections on DDS"), and the options it shares with the listener (dds_listener.h).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TRIAD_IO_DDS_SINK_H
#define TRIAD_IO_DDS_SINK_H

#include <stdbool.h>
#include <stdint.h>

#include "io/sink.h"

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

#endif
