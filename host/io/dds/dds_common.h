/* What the DDS sink and listener share: options checked against one rule set, one QoS (so a
 * default publisher and a default subscriber always match), joining a domain with or without
 * a configuration, and Cyclone's return codes wrapped into triad_err.
 * Internal to host/io/dds/. SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TRIAD_IO_DDS_COMMON_H
#define TRIAD_IO_DDS_COMMON_H

#include <dds/dds.h>

#include "io/dds/dds_sink.h"

/* A Cyclone configuration for one host without multicast: the loopback interface only and
 * unicast discovery of up to 20 participants per domain on 127.0.0.1. */
extern const char triad__dds_loopback_xml[];

/* Check opts (NULL = all defaults) and copy it into *out with every default filled in;
 * strings still point into the caller's. who prefixes messages ("dds sink"). */
int triad__dds_opts_resolve(const triad_dds_opts *opts, triad_dds_opts *out, const char *who);

/* The topic's QoS: reliable (100 ms max blocking), keep-last depth, deadline, volatile.
 * NULL when out of memory; free with dds_delete_qos(). */
dds_qos_t *triad__dds_qos(const triad_dds_opts *o);

/* A participant in o->domain_id with the topic o->topic created under qos. */
typedef struct {
    dds_entity_t domain;      /* > 0 only when we created the domain (then we delete it) */
    dds_entity_t participant;
    dds_entity_t topic;
} triad__dds_conn;

int triad__dds_connect(const triad_dds_opts *o, const dds_qos_t *qos, triad__dds_conn *c,
                       const char *who);
void triad__dds_disconnect(triad__dds_conn *c); /* deletes what connect created; 0-safe */

/* Record "who: what: Cyclone's reason" for triad_errmsg(); returns TRIAD_ENOMEM for
 * DDS_RETCODE_OUT_OF_RESOURCES, TRIAD_EINVAL for BAD_PARAMETER/INCONSISTENT_POLICY, else
 * TRIAD_EIO. */
int triad__dds_fail(dds_return_t rc, const char *who, const char *what);

/* The end-of-stream sample of one radar channel, written with dds_writedispose (a bare-key
 * dispose from Cyclone 0.10 cannot be read by current Cyclone): the key of last (whose cpi is
 * the channel's latest), CPI latest + 1, degraded_fraction 1 (nothing of it was received),
 * no detections, every other value unknown (NaN, INT64_MIN). */
struct triad_DetectionReport;
void triad__dds_end_of_stream(const struct triad_DetectionReport *last,
                              struct triad_DetectionReport *end);
/* Whether a sample is that end-of-stream sample (the listener then reports "stopped"). */
bool triad__dds_is_end_of_stream(const struct triad_DetectionReport *m);

/* Seconds to a Cyclone duration (INFINITY and anything beyond ~292 years: DDS_INFINITY). */
dds_duration_t triad__dds_duration(double s);

#endif
