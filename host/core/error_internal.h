/* Internal error and warning helpers.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TRIAD_CORE_ERROR_INTERNAL_H
#define TRIAD_CORE_ERROR_INTERNAL_H

#include "triad/error.h"

/* Record a detailed message for triad_errmsg() and return err. */
int triad__fail(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void triad__clear_error(void);

/* A warning through the hook of triad_set_log() (default: stderr). */
void triad__warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
