/* The clock every stage times with (internal name; triad_clock_s() in include/triad/stream.h
 * is the same clock), and UTC as text. SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TRIAD_CORE_CLOCK_H
#define TRIAD_CORE_CLOCK_H

#include <stddef.h>

/* Seconds on CLOCK_MONOTONIC. */
double triad__now(void);

/* ISO 8601 UTC ("2026-11-23T00:00:00Z", optional fraction) to seconds since the epoch;
 * NAN when the text is empty or not of that form. */
double triad__parse_utc(const char *iso);

/* Format epoch seconds as ISO 8601 UTC with microseconds into buf. */
void triad__format_utc(double epoch_s, char *buf, size_t size);

#endif
