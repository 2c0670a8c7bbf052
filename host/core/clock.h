/* The monotonic clock every stage times with (internal name; triad_clock_s() in
 * include/triad/stream.h is the same clock). SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TRIAD_CORE_CLOCK_H
#define TRIAD_CORE_CLOCK_H

/* Seconds on CLOCK_MONOTONIC. */
double triad__now(void);

#endif
