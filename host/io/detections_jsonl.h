/* Detections as JSON Lines (docs/FORMATS.md), one object per detection.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TRIAD_IO_DETECTIONS_JSONL_H
#define TRIAD_IO_DETECTIONS_JSONL_H

#include <stdio.h>

#include "core/clock.h" /* triad__parse_utc, triad__format_utc (were here) */
#include "triad/recording.h"


/* Write one detection line. meta supplies site and beam (may be NULL); t0_epoch_s is the
 * recording start (NAN: no time_utc field). Returns 0 or TRIAD_EIO. */
int triad__jsonl_write(FILE *f, const triad_detection *d, const triad_recording_meta *meta,
                       double t0_epoch_s);

#endif
