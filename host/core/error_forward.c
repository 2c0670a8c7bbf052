/* The internal error and warning helpers (core/error_internal.h) for Triad's optional shared
 * libraries (libtriad_fusion.so, _sim, _png, _dds, _share): each keeps its own hidden copy of
 * core's stateless helpers (cmake/TriadLibrary.cmake, PRIVATE_COPY) and exports none of them,
 * so the one error message and log hook of a process stay libtriad.so's, reached through its
 * public triad_error_set() and triad_warn_line(). Not in the static libraries: they link
 * libtriad.a's error.c. SPDX-License-Identifier: GPL-2.0-or-later */
#include "core/error_internal.h"

#include <stdarg.h>
#include <stdio.h>

int triad__fail(int err, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return triad_error_set(err, msg);
}

void triad__clear_error(void) { triad_error_set(TRIAD_OK, ""); }

void triad__warn(const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    triad_warn_line(line);
}
