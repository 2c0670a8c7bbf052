/* The local east-north-up basis at a geodetic point (declared in core/messages.h): core's,
 * because the JSON Lines writer of tracks (io/fusion_jsonl.c) turns a track's ECEF velocity
 * into a heading with it; fusion/geo.c builds its frames on it.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include <math.h>

#include "core/messages.h"

void triad_enu_basis(const triad_geodetic *origin, double r[3][3])
{
    const double sl = sin(origin->lat_rad), cl = cos(origin->lat_rad);
    const double so = sin(origin->lon_rad), co = cos(origin->lon_rad);
    r[0][0] = -so;      r[0][1] = co;       r[0][2] = 0.0;
    r[1][0] = -sl * co; r[1][1] = -sl * so; r[1][2] = cl;
    r[2][0] = cl * co;  r[2][1] = cl * so;  r[2][2] = sl;
}
