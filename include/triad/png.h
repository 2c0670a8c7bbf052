/* Triad — PNG output: range-Doppler maps and bar charts (what triad process --rdmap and triad
 * bench --plot draw). Library: libtriad_png (pkg-config triad-png, CMake triad::png), built
 * with TRIAD_WITH_PNG. SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TRIAD_PNG_H
#define TRIAD_PNG_H

#include <stddef.h>



#ifdef __cplusplus
extern "C" {
#endif

/* Triad — range-Doppler power map as a PNG image, for people to look at.
 *
 * The image shows range increasing to the right (metres; km when the axis spans over 10 km or
 * reaches 100 km), velocity (range rate, m/s, receding positive) increasing upwards, the power in
 * dB through a perceptual (viridis-like) colour scale, axes with round tick labels, a colour bar in
 * dB and an optional title. The plot area is resampled to at most 1200 x 600 pixels: where the
 * map has more bins than pixels each pixel shows the maximum of the bins it covers (targets do not
 * vanish); small maps are enlarged by repeating cells (a plot is at least 256 pixels tall). This
 * is a picture, not a data format: read the numbers from the map itself.
 */

typedef struct {
    double range0_m;         /* range of range bin 0, metres (any finite value) */
    double range_bin_m;      /* metres per range bin (> 0) */
    double velocity_bin_mps; /* m/s per Doppler bin (> 0); row k has velocity
                                -(k - P/2) * velocity_bin_mps (row P/2 = zero velocity; integer
                                division P/2), so row 0, the most positive, is at the top */
    double dynamic_range_db; /* colour scale spans [max_db - dynamic_range_db, max_db] (> 0),
                                e.g. 60 */
    const char *title;       /* text drawn at the top, may be NULL; printable ASCII (others as
                                '?'); shrunk to fit the width, then cut */
} triad_rdmap_style;

/* Write the map as an RGB PNG file at path (created or truncated).
 * map: [size: p Doppler rows x n range bins], linear power (not dB), row-major (range contiguous).
 * Values are shown as 10*log10(power); zero, negative, NaN and values below 1e-30 are drawn as the
 * floor (-300 dB); +inf is drawn with the top colour; neither counts for max_db. A map with no
 * positive value is drawn in the bottom colour, a constant positive map in the top colour.
 * Returns 0, or a negative error code from triad/error.h after recording a message that names the
 * path and the reason (triad_errmsg()):
 *   TRIAD_EINVAL  NULL path/map/style, p or n == 0, p * n overflows, a non-positive or non-finite
 *                 bin size or dynamic range, non-finite range0_m or axis extents;
 *   TRIAD_ENOMEM  out of memory;
 *   TRIAD_EIO     the file cannot be opened or written (a partial file may be left behind). */
int triad_rdmap_png_write(const char *path, const float *map, size_t p, size_t n,
                          const triad_rdmap_style *style);

/* Triad — grouped bar charts as PNG pictures (the benchmark's throughput per workload and
 * backend against its floor), drawn on the shared canvas (io/png_canvas.h).
 *
 * One group of bars per group name along the x axis, one bar per series in each group, in the
 * series' colour; an optional marker per bar (a black level line across it, e.g. the floor)
 * and an optional short label above it; a y axis with round ticks (linear from 0, or
 * logarithmic by decades), a legend and a title. This is a picture, not a data format.
 */

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
