/* Triad — tapering windows for range (matched filter reference) and Doppler.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TRIAD_WINDOW_H
#define TRIAD_WINDOW_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    TRIAD_WINDOW_NONE = 0,
    TRIAD_WINDOW_HANN,
    TRIAD_WINDOW_HAMMING,
    TRIAD_WINDOW_BLACKMAN,
    TRIAD_WINDOW_TAYLOR,
} triad_window_type;

typedef struct {
    triad_window_type type;
    int taylor_nbar;        /* Taylor: number of nearly constant sidelobes (>= 1) */
    double taylor_sll_db;   /* Taylor: peak sidelobe level below the mainlobe, dB (> 0) */
} triad_window;

/* Fill w[0..n-1] with the symmetric window; peak normalised to 1.
 * Returns 0 or TRIAD_EINVAL (bad parameters, message in triad_errmsg()). */
int triad_window_fill(const triad_window *win, size_t n, double *w);

/* Parse "hann", "taylor", "taylor:NBAR:SLL", "none"... into *win. Returns 0 or TRIAD_EINVAL. */
int triad_window_parse(const char *text, triad_window *win);

/* Canonical name of a window type ("hann", ...). */
const char *triad_window_name(triad_window_type type);

#ifdef __cplusplus
}
#endif
#endif
