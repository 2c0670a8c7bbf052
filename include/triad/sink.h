/* Where detection reports go: one report per CPI and channel, to any number of sinks
 * (JSON Lines file, DDS topic, ...). Sinks compose: the caller writes each report to every
 * sink it opened.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TRIAD_SINK_H
#define TRIAD_SINK_H

#include <stddef.h>
#include <stdint.h>

#include "triad/chain.h"
#include "triad/recording.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One CPI of one channel, as fusion needs it. A report with no detections is still written:
 * it tells fusion the CPI was looked at. */
typedef struct {
    const triad_recording_meta *meta; /* site, beam, carrier, geometry */
    uint32_t radar_id;
    uint32_t channel;
    uint64_t cpi;
    int64_t cpi_time_utc_ns;          /* CPI centre, UTC nanoseconds (INT64_MIN: unknown) */
    double degraded_fraction;         /* 0 = intact; share of the CPI's samples missing */
    unsigned quality;                 /* TRIAD_QUALITY_* (io/vita49.h) the device indicated
                                         for the CPI's samples (0: nothing, or not known) */
    double latency_s;                 /* CPI complete in host memory -> detections ready */
    double clock_jump_s;              /* the sender's clock jumps before this CPI (a new
                                         capture's clock): the CPI's time_s is its index's
                                         time + this, as the detections' time_s already are */
    const triad_detection *dets;      /* this channel's detections */
    size_t num_dets;
} triad_report;

/* A sink: write() is called once per report, in CPI order; destroy() flushes and frees.
 * Both return/handle triad_err codes with triad_errmsg() set on failure. */
typedef struct triad_sink {
    int (*write)(struct triad_sink *self, const triad_report *r);
    void (*destroy)(struct triad_sink *self);
} triad_sink;

#ifdef __cplusplus
}
#endif

#endif
