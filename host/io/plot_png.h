/* Triad — grouped bar charts as PNG pictures (the benchmark's throughput per workload and
 * backend against its floor), drawn on the shared canvas (io/png_canvas.h).
 *
 * One group of bars per group name along the x axis, one bar per series in each group, in the
 * series' colour; an optional marker per bar (a black level line across it, e.g. the floor)
 * and an optional short label above it; a y axis with round ticks (linear from 0, or
 * logarithmic by decades), a legend and a title. This is a picture, not a data format.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TRIAD_IO_PLOT_PNG_H
#define TRIAD_IO_PLOT_PNG_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    const char *title;                /* drawn at the top; may be NULL */
    const char *y_label;              /* y axis title, e.g. "Msamples/s"; may be NULL */
    size_t groups, series;            /* 1..64 groups, 1..8 series */
    const char *const *group_names;   /* [groups], under each group */
    const char *const *group_notes;   /* [groups] second, smaller line under the name, or NULL
                                         (an entry may be NULL) */
    const char *const *series_names;  /* [series], in the legend */
    const double *values;             /* [groups x series], row-major by group; a bar for each
                                         finite value > 0 (others leave a gap) */
    const double *markers;            /* [groups x series] or NULL: a level line across the bar;
                                         NaN or <= 0: none */
    const char *marker_name;          /* legend text for the markers (NULL: not in the legend) */
    const char *const *bar_labels;    /* [groups x series] or NULL: short text above each bar
                                         (an entry may be NULL) */
    int log_scale;                    /* 0 linear from 0, 1 logarithmic, -1 logarithmic when
                                         the values and markers span more than 10x */
} triad_barplot;

/* Write the chart as an RGB PNG file at path (created or truncated). Text is printable ASCII
 * (others drawn as '?'). Returns 0, or a negative error code after recording a message that
 * names the path and the reason (triad_errmsg()):
 *   TRIAD_EINVAL  NULL path/plot/names/values, groups or series out of range, no drawable
 *                 value at all;
 *   TRIAD_ENOMEM  out of memory;
 *   TRIAD_EIO     the file cannot be opened or written. */
int triad_barplot_png_write(const char *path, const triad_barplot *plot);

#ifdef __cplusplus
}
#endif
#endif
