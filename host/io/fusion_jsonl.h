/* Fusion messages as JSON Lines (docs/FORMATS.md, "Fusion: scenarios, tracks, warnings"):
 * reading detection-report lines (as `triad scenario run` writes them), reading the scenario's
 * truth lines, and writing Track and Warning lines.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TRIAD_IO_FUSION_JSONL_H
#define TRIAD_IO_FUSION_JSONL_H

#include <stddef.h>
#include <stdio.h>

#include "core/messages.h"
#include "core/truth.h" /* the report list and truth types */

/* Append the reports of one file. Lines without a "detections" array (detection lines of
 * `triad process`, counters) are skipped; time is time_utc when it parses, else time_s.
 * Returns 0, TRIAD_EIO, TRIAD_EFORMAT (message: file, line, field), TRIAD_ENOMEM. */
int triad__fjsonl_read_reports(const char *path, triad__fjsonl_reports *list);
/* The same from buf[0..len); name is used in messages. Every numeric field is range-checked
 * where it is read (the field is named in the error); lines are at most TRIAD__JSONL_MAX_LINE
 * bytes; time_utc within [TRIAD__EPOCH_MIN_S, TRIAD__EPOCH_MAX_S], time_s within +-MAX. */
int triad__fjsonl_parse_reports(const char *name, const char *buf, size_t len,
                                triad__fjsonl_reports *list);
/* Sort by time (stable); free. */
void triad__fjsonl_sort(triad__fjsonl_reports *list);
void triad__fjsonl_free(triad__fjsonl_reports *list);

int triad__truth_read(const char *path, triad__truth *t);
int triad__truth_parse(const char *name, const char *buf, size_t len, triad__truth *t);
void triad__truth_free(triad__truth *t);

/* One Track line / one Warning line. Return 0 or TRIAD_EIO (no message). */
int triad__fjsonl_write_track(FILE *f, const triad_track *tr);
int triad__fjsonl_write_warning(FILE *f, const triad_warning *w);

#endif
