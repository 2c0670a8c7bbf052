/* Detections as JSON Lines (docs/FORMATS.md), one object per detection.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TRIAD_IO_DETECTIONS_JSONL_H
#define TRIAD_IO_DETECTIONS_JSONL_H

#include <stdint.h>
#include <stdio.h>

#include "triad/recording.h"

/* ISO 8601 UTC ("2026-11-23T00:00:00Z", optional fraction) to seconds since the epoch;
 * NAN when the text is empty or not of that form. */
double triad__parse_utc(const char *iso);

/* The same, split exactly: whole seconds and the fraction in [0, 1) (a double of the whole
 * epoch keeps only ~0.2 us). Returns 0, or -1 when the text is not of that form. */
int triad__parse_utc_split(const char *iso, int64_t *whole_s, double *frac_s);

/* Format epoch seconds as ISO 8601 UTC with microseconds into buf. */
void triad__format_utc(double epoch_s, char *buf, size_t size);

/* Write one detection line. meta supplies site and beam (may be NULL); t0_epoch_s is the
 * recording start (NAN: no time_utc field). Returns 0 or TRIAD_EIO. */
int triad__jsonl_write(FILE *f, const triad_detection *d, const triad_recording_meta *meta,
                       double t0_epoch_s);

#endif
