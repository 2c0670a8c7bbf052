/* Bounds that every reader applies to what it is given, so that a hostile or broken input is
 * refused by name before it is allocated or computed with (docs/FORMATS.md, "Limits").
 * SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TRIAD_CORE_LIMITS_H
#define TRIAD_CORE_LIMITS_H

/* Longest JSON Lines line read (reports with hundreds of detections are ~100 kB). */
#define TRIAD__JSONL_MAX_LINE (4u << 20)

/* Times as epoch seconds: 1970-01-01T00:00:00Z to 2200-01-01T00:00:00Z. A time outside is a
 * broken clock or a hostile input, and would make time arithmetic lose its microseconds. */
#define TRIAD__EPOCH_MIN_S 0.0
#define TRIAD__EPOCH_MAX_S 7258118400.0

#endif
