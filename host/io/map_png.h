/* The fusion map (`triad fuse --plot FILE.png`): longitude/latitude axes in degrees (an
 * equirectangular picture, x scaled by cos(mean latitude)); radar sites with their coverage
 * sectors, track paths, truth paths, and the latest warning's launch point and impact point
 * with 1-sigma and 2-sigma ellipses. No coastline is drawn.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TRIAD_IO_MAP_PNG_H
#define TRIAD_IO_MAP_PNG_H

#include <stddef.h>

#include "core/messages.h"

typedef struct {
    double lat_deg, lon_deg;
} triad__map_pt;

typedef struct {
    const triad__map_pt *pts;
    size_t n;
    int truth;       /* 0: a track (blue), 1: truth (green) */
    int ballistic;   /* a track classified ballistic: drawn thicker, in red-violet */
} triad__map_path;

typedef struct {
    const char *id;
    double lat_deg, lon_deg;
    double az_min_deg, az_max_deg, max_range_m; /* max_range_m 0: no sector known */
} triad__map_site;

typedef struct {
    const triad__map_site *sites;
    size_t num_sites;
    const triad__map_path *paths;
    size_t num_paths;
    const triad_warning *warning; /* the latest warning, or NULL */
    const char *title;
} triad__map;

/* Write the map as a PNG. Returns 0, TRIAD_EINVAL (nothing to draw), TRIAD_ENOMEM or
 * TRIAD_EIO with a message naming the path. */
int triad__map_png_write(const char *path, const triad__map *m);

#endif
