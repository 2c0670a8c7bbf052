/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "core/error_internal.h"

#include <stdarg.h>
#include <stdio.h>

static _Thread_local char errmsg[1024];

const char *triad_strerror(int err)
{
    switch (err) {
    case TRIAD_OK: return "success";
#define TRIAD__ERR_CASE(name, code, text) case code: return text;
        TRIAD_ERRNO_MAP(TRIAD__ERR_CASE)
#undef TRIAD__ERR_CASE
    default: return "unknown error";
    }
}

const char *triad_errmsg(void) { return errmsg; }

int triad__fail(int err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(errmsg, sizeof errmsg, fmt, ap);
    va_end(ap);
    return err;
}

void triad__clear_error(void) { errmsg[0] = '\0'; }

int triad_error_set(int err, const char *msg)
{
    snprintf(errmsg, sizeof errmsg, "%s", msg ? msg : "");
    return err;
}

static triad_log_fn log_fn;
static void *log_user;

void triad_set_log(triad_log_fn fn, void *user)
{
    log_fn = fn;
    log_user = user;
}

void triad__warn(const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    triad_warn_line(line);
}

void triad_warn_line(const char *line)
{
    if (log_fn)
        log_fn(log_user, line);
    else
        fprintf(stderr, "triad: warning: %s\n", line);
}
