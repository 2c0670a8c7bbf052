/* The monotonic clock and UTC text. SPDX-License-Identifier: GPL-2.0-or-later */
#include "core/clock.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "triad/stream.h"

double triad__now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

double triad_clock_s(void) { return triad__now(); }

double triad__parse_utc(const char *iso)
{
    int y, mo, d, h, mi, n = 0;
    double s;
    if (!iso || sscanf(iso, "%4d-%2d-%2dT%2d:%2d:%lf%n", &y, &mo, &d, &h, &mi, &s, &n) != 6)
        return NAN;
    if (strcmp(iso + n, "Z") != 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 ||
        mi > 59 || !(s >= 0.0 && s < 61.0))
        return NAN;
    struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h,
                    .tm_min = mi};
    return (double)timegm(&tm) + s;
}

void triad__format_utc(double epoch_s, char *buf, size_t size)
{
    /* the range first: converting a double beyond time_t's range is undefined */
    struct tm tm;
    if (!(epoch_s > -6e10 && epoch_s < 2.5e11)) {
        snprintf(buf, size, "invalid");
        return;
    }
    const double whole = floor(epoch_s);
    long usec = lround((epoch_s - whole) * 1e6);
    time_t t = (time_t)whole;
    if (usec >= 1000000) {
        usec -= 1000000;
        t++;
    }
    if (!gmtime_r(&t, &tm)) {
        snprintf(buf, size, "invalid");
        return;
    }
    const size_t len = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
    if (len > 0 && len < size)
        snprintf(buf + len, size - len, ".%06ldZ", usec);
}
