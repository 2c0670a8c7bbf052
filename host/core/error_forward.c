/* The internal error and warning helpers (core/error_internal.h): format, then hand the text
 * to the public triad_error_set() / triad_warn_line() (core/error.c), where the one error
 * message per thread and the one log hook of a process live. libtriad has this file; each of
 * Triad's optional shared libraries (libtriad_fusion.so, _sim, _png, _dds, _share) compiles
 * its own hidden copy (cmake/TriadLibrary.cmake, PRIVATE_COPY), because libtriad.so exports
 * no internal name. SPDX-License-Identifier: GPL-2.0-or-later */
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
