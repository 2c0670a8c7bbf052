/* Fusion output on Cyclone DDS: a publisher of the Track and Warning topics
 * (idl/triad_fusion.idl; topics, QoS and fields in docs/FORMATS.md, "Tracks and warnings on
 * DDS") and a subscriber that hands the samples back as triad_track / triad_warning.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TRIAD_IO_FUSION_DDS_H
#define TRIAD_IO_FUSION_DDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/messages.h"

#define TRIAD_FDDS_TRACK_TOPIC "triad/tracks"
#define TRIAD_FDDS_WARNING_TOPIC "triad/warnings"
#define TRIAD_FDDS_WARNING_DEPTH 8 /* versions kept per warning event */

/* Zero means default for every field. Strings are not kept after create. */
typedef struct {
    uint32_t domain_id;        /* 0..TRIAD_DDS_DOMAIN_MAX */
    const char *config;        /* Cyclone configuration (XML or URI); NULL: CYCLONEDDS_URI */
    bool loopback;             /* 127.0.0.1 only (as triad_dds_opts.loopback) */
    const char *track_topic;   /* NULL = TRIAD_FDDS_TRACK_TOPIC */
    const char *warning_topic; /* NULL = TRIAD_FDDS_WARNING_TOPIC */
} triad_fdds_opts;

typedef struct triad_fdds_pub triad_fdds_pub;

/* Join the domain, create both writers. Returns 0, TRIAD_EINVAL, TRIAD_ENOMEM or TRIAD_EIO. */
int triad_fdds_pub_create(triad_fdds_pub **out, const triad_fdds_opts *opts);
/* Publish the latest state of one track / one version of a warning. A reliable write blocked
 * for more than 1 s by a subscriber that does not acknowledge fails with TRIAD_EIO. */
int triad_fdds_pub_track(triad_fdds_pub *p, const triad_track *t);
int triad_fdds_pub_warning(triad_fdds_pub *p, const triad_warning *w);
/* Dispose of every published track not among the confirmed tracks of trs[0..n) (the tracker
 * dropped it). */
int triad_fdds_pub_sweep(triad_fdds_pub *p, const triad_track *trs, size_t n);
/* How many subscribers are matched on the warning topic. */
int triad_fdds_pub_warning_readers(triad_fdds_pub *p);
/* Waits up to 2 s for the subscribers' acknowledgements, deletes everything. NULL-safe. */
void triad_fdds_pub_destroy(triad_fdds_pub *p);

typedef struct triad_fdds_sub triad_fdds_sub;

typedef enum { TRIAD_FDDS_NONE = 0, TRIAD_FDDS_TRACK, TRIAD_FDDS_WARNING } triad_fdds_kind;

typedef struct {
    triad_fdds_kind kind;
    triad_track track;     /* TRACK: p holds only the variances on its diagonal (0..5) */
    triad_warning warning; /* WARNING */
} triad_fdds_sample;

/* Subscribe to both topics with the publisher's QoS (a late joiner gets the kept versions of
 * every warning). */
int triad_fdds_sub_create(triad_fdds_sub **out, const triad_fdds_opts *opts);
/* Wait up to timeout_s (< 0: for ever) for the next sample; kind NONE on timeout. Samples of
 * one topic come in the order they were written. Returns 0 or a negative triad_err. */
int triad_fdds_sub_next(triad_fdds_sub *s, double timeout_s, triad_fdds_sample *out);
void triad_fdds_sub_destroy(triad_fdds_sub *s);

#endif
