/* A triad_sink (io/sink.h) writing JSON Lines (docs/FORMATS.md, sections 5 and 6).
 *
 * Detection lines are those of `triad process`, byte for byte (the same writer), with one
 * field added at the end, "degraded" (share of the channel's samples missing in that CPI),
 * only when it is above 0. With reports on, each report (CPI and channel, with or without
 * detections) first writes one line of its own, the fields of `triad listen --reports`:
 * {"cpi","channel","time_s","time_utc","site","radar_id","detections","degraded_fraction",
 * "latency_s"} (a report line is told from a detection line by its "detections" field).
 * Every report is flushed, so the file can be followed while it grows.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TRIAD_IO_JSONL_SINK_H
#define TRIAD_IO_JSONL_SINK_H

#include <stdbool.h>

#include "io/sink.h"

typedef struct {
    const char *path; /* created or truncated; NULL or "-": stdout (not closed) */
    bool reports;     /* also a line per report */
} triad_jsonl_sink_opts;

/* Returns 0 or TRIAD_EIO (message names the file); *out is NULL on failure. */
int triad_jsonl_sink_create(triad_sink **out, const triad_jsonl_sink_opts *opts);

#endif
