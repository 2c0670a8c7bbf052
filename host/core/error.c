/* The error message of each thread and the warning hook: one in a process (libtriad). The
 * internal helpers triad__fail/triad__warn that format into them are core/error_forward.c.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "core/error_internal.h"

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

void triad_warn_line(const char *line)
{
    if (log_fn)
        log_fn(log_user, line);
    else
        fprintf(stderr, "triad: warning: %s\n", line);
}
