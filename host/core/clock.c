/* The monotonic clock. SPDX-License-Identifier: GPL-2.0-or-later */
#include "core/clock.h"

#include <time.h>

#include "triad/stream.h"

double triad__now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

double triad_clock_s(void) { return triad__now(); }
