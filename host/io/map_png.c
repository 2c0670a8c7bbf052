/* The fusion map: sites, coverage, tracks, truth, launch and impact with ellipses.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "io/map_png.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/error_internal.h"
#include "io/png_canvas.h"

#define DEG (M_PI / 180.0)
#define R_EARTH 6371000.0

enum { PW = 1000, PH = 800, LEFT = 80, TOP = 50, S = 2, MARGIN_B = 130, MARGIN_R = 30 };

static const triad__rgb BLACK = {0, 0, 0}, GREY = {215, 215, 215}, SITE = {200, 30, 30},
                        SECTOR = {235, 150, 150}, TRACK = {30, 80, 220},
                        TRACK_B = {160, 0, 160}, TRUTH = {20, 160, 40},
                        LAUNCH = {230, 120, 0}, IMPACT = {200, 0, 90}, IMPACT2 = {240, 140, 190};

typedef struct {
    double lon0, lon1, lat0, lat1;
    triad__canvas *c;
} view;

static double px_x(const view *v, double lon)
{
    return LEFT + (lon - v->lon0) / (v->lon1 - v->lon0) * PW;
}
static double px_y(const view *v, double lat)
{
    return TOP + (v->lat1 - lat) / (v->lat1 - v->lat0) * PH;
}

static void dot(const view *v, int x, int y, int w, triad__rgb col)
{
    if (x < LEFT || x >= LEFT + PW || y < TOP || y >= TOP + PH)
        return;
    triad__canvas_fill(v->c, x - w / 2, y - w / 2, w, w, col);
}

/* A line clipped to the plot area (the canvas only clips to itself). */
static void seg(const view *v, double lat_a, double lon_a, double lat_b, double lon_b, int w,
                triad__rgb col)
{
    const double x0 = px_x(v, lon_a), y0 = px_y(v, lat_a), x1 = px_x(v, lon_b),
                 y1 = px_y(v, lat_b);
    const double n = fmax(fabs(x1 - x0), fabs(y1 - y0));
    if (!isfinite(n) || n > 1e5)
        return;
    const int steps = (int)ceil(n) + 1;
    for (int i = 0; i <= steps; i++) {
        const double f = (double)i / steps;
        dot(v, (int)lround(x0 + f * (x1 - x0)), (int)lround(y0 + f * (y1 - y0)), w, col);
    }
}

/* The point d metres from (lat, lon) towards azimuth az (sphere). */
static void dest(double lat, double lon, double az_deg, double d, double *olat, double *olon)
{
    const double p = lat * DEG, a = az_deg * DEG, dd = d / R_EARTH;
    const double p2 = asin(sin(p) * cos(dd) + cos(p) * sin(dd) * cos(a));
    *olat = p2 / DEG;
    *olon = lon + atan2(sin(a) * sin(dd) * cos(p), cos(dd) - sin(p) * sin(p2)) / DEG;
}

static void ellipse(const view *v, const triad_geodetic *g, const triad_ellipse *e, double k,
                    int w, triad__rgb col)
{
    if (!(e->semi_major_m > 0) || !isfinite(e->semi_minor_m))
        return;
    const double lat = g->lat_rad / DEG, lon = g->lon_rad / DEG, th = e->orientation_deg * DEG;
    double plat = 0, plon = 0;
    for (int i = 0; i <= 72; i++) {
        const double u = 2 * M_PI * i / 72;
        const double a = k * e->semi_major_m * cos(u), b = k * e->semi_minor_m * sin(u);
        /* major axis along the orientation (clockwise from north) */
        const double north = a * cos(th) - b * sin(th), east = a * sin(th) + b * cos(th);
        const double la = lat + north / R_EARTH / DEG;
        const double lo = lon + east / (R_EARTH * cos(lat * DEG)) / DEG;
        if (i)
            seg(v, plat, plon, la, lo, w, col);
        plat = la;
        plon = lo;
    }
}

static void grow(double *lo, double *hi, double v)
{
    if (isfinite(v)) {
        *lo = fmin(*lo, v);
        *hi = fmax(*hi, v);
    }
}

int triad__map_png_write(const char *path, const triad__map *m)
{
    double lat0 = INFINITY, lat1 = -INFINITY, lon0 = INFINITY, lon1 = -INFINITY;
    for (size_t i = 0; i < m->num_sites; i++) {
        grow(&lat0, &lat1, m->sites[i].lat_deg);
        grow(&lon0, &lon1, m->sites[i].lon_deg);
    }
    for (size_t p = 0; p < m->num_paths; p++)
        for (size_t i = 0; i < m->paths[p].n; i++) {
            grow(&lat0, &lat1, m->paths[p].pts[i].lat_deg);
            grow(&lon0, &lon1, m->paths[p].pts[i].lon_deg);
        }
    if (m->warning) {
        grow(&lat0, &lat1, m->warning->launch.lat_rad / DEG);
        grow(&lon0, &lon1, m->warning->launch.lon_rad / DEG);
        grow(&lat0, &lat1, m->warning->impact.lat_rad / DEG);
        grow(&lon0, &lon1, m->warning->impact.lon_rad / DEG);
    }
    if (!isfinite(lat0) || !isfinite(lon0))
        return triad__fail(TRIAD_EINVAL, "%s: map: nothing to draw", path);
    /* margins, then the aspect: x degrees are cos(lat) shorter */
    double clat = 0.5 * (lat0 + lat1), span_lat = fmax(lat1 - lat0, 0.5) * 1.3,
           span_lon = fmax(lon1 - lon0, 0.5) * 1.3, clon = 0.5 * (lon0 + lon1);
    const double cosl = fmax(cos(clat * DEG), 0.05);
    if (span_lon * cosl / PW > span_lat / PH)
        span_lat = span_lon * cosl * PH / PW;
    else
        span_lon = span_lat / cosl * PW / PH;
    view v = {clon - span_lon / 2, clon + span_lon / 2, clat - span_lat / 2, clat + span_lat / 2,
              NULL};

    triad__canvas c;
    if (triad__canvas_init(&c, LEFT + PW + MARGIN_R, TOP + PH + MARGIN_B))
        return triad__fail(TRIAD_ENOMEM, "%s: map: out of memory", path);
    v.c = &c;

    /* grid and axes */
    triad__axis_ticks xt, yt;
    triad__ticks_make(v.lon0, v.lon1, PW, 60.0, 1, S, &xt);
    triad__ticks_make(v.lat0, v.lat1, PH, 50.0, 0, S, &yt);
    for (int i = 0; i < xt.count; i++) {
        const int x = (int)lround(px_x(&v, xt.value[i]));
        triad__canvas_fill(&c, x, TOP, 1, PH, GREY);
        triad__canvas_fill(&c, x, TOP + PH, 1, 6, BLACK);
        triad__canvas_text(&c, x - triad__text_width(xt.label[i], S) / 2, TOP + PH + 10,
                           xt.label[i], S, BLACK);
    }
    for (int i = 0; i < yt.count; i++) {
        const int y = (int)lround(px_y(&v, yt.value[i]));
        triad__canvas_fill(&c, LEFT, y, PW, 1, GREY);
        triad__canvas_fill(&c, LEFT - 6, y, 6, 1, BLACK);
        triad__canvas_text(&c, LEFT - 10 - triad__text_width(yt.label[i], S), y - 7, yt.label[i],
                           S, BLACK);
    }
    triad__canvas_frame(&c, LEFT, TOP, PW, PH, BLACK);
    triad__canvas_text(&c, LEFT + PW / 2 - triad__text_width("longitude (deg E)", S) / 2,
                       TOP + PH + 32, "longitude (deg E)", S, BLACK);
    triad__canvas_text_up(&c, 6, TOP + PH / 2 + triad__text_width("latitude (deg N)", S) / 2,
                          "latitude (deg N)", S, BLACK);
    if (m->title)
        triad__canvas_text(&c, LEFT, 14, m->title, S, BLACK);

    /* coverage sectors */
    for (size_t i = 0; i < m->num_sites; i++) {
        const triad__map_site *s = &m->sites[i];
        if (!(s->max_range_m > 0))
            continue;
        double w = s->az_max_deg - s->az_min_deg;
        w = fmod(w, 360.0);
        if (w <= 0)
            w += 360.0;
        double plat = s->lat_deg, plon = s->lon_deg;
        const int n = 72;
        for (int k = 0; k <= n; k++) {
            double la, lo;
            dest(s->lat_deg, s->lon_deg, s->az_min_deg + w * k / n, s->max_range_m, &la, &lo);
            if (k > 0 || w < 360.0)
                seg(&v, plat, plon, la, lo, 1, SECTOR);
            plat = la;
            plon = lo;
        }
        if (w < 360.0)
            seg(&v, plat, plon, s->lat_deg, s->lon_deg, 1, SECTOR);
    }
    /* paths: truth under tracks */
    for (int pass = 1; pass >= 0; pass--)
        for (size_t p = 0; p < m->num_paths; p++) {
            const triad__map_path *pa = &m->paths[p];
            if (pa->truth != pass)
                continue;
            const triad__rgb col = pass ? TRUTH : pa->ballistic ? TRACK_B : TRACK;
            const int w = pass ? 3 : pa->ballistic ? 2 : 1;
            for (size_t i = 1; i < pa->n; i++)
                seg(&v, pa->pts[i - 1].lat_deg, pa->pts[i - 1].lon_deg, pa->pts[i].lat_deg,
                    pa->pts[i].lon_deg, w, col);
            if (pa->n == 1)
                dot(&v, (int)lround(px_x(&v, pa->pts[0].lon_deg)),
                    (int)lround(px_y(&v, pa->pts[0].lat_deg)), 3, col);
        }
    /* sites */
    for (size_t i = 0; i < m->num_sites; i++) {
        const int x = (int)lround(px_x(&v, m->sites[i].lon_deg));
        const int y = (int)lround(px_y(&v, m->sites[i].lat_deg));
        for (int k = -4; k <= 4; k++)
            triad__canvas_fill(&c, x - (4 - abs(k)), y + k, 2 * (4 - abs(k)) + 1, 1, SITE);
        triad__canvas_text(&c, x + 8, y - 7, m->sites[i].id ? m->sites[i].id : "", S, SITE);
    }
    /* launch and impact */
    if (m->warning) {
        const triad_warning *w = m->warning;
        ellipse(&v, &w->launch, &w->launch_ellipse, 1.0, 2, LAUNCH);
        ellipse(&v, &w->impact, &w->impact_ellipse, 2.0, 1, IMPACT2);
        ellipse(&v, &w->impact, &w->impact_ellipse, 1.0, 2, IMPACT);
        const int lx = (int)lround(px_x(&v, w->launch.lon_rad / DEG));
        const int ly = (int)lround(px_y(&v, w->launch.lat_rad / DEG));
        for (int k = 0; k < 9; k++)
            triad__canvas_fill(&c, lx - k / 2, ly - 4 + k, k + 1, 1, LAUNCH);
        const int ix = (int)lround(px_x(&v, w->impact.lon_rad / DEG));
        const int iy = (int)lround(px_y(&v, w->impact.lat_rad / DEG));
        triad__canvas_line(&c, ix - 5, iy - 5, ix + 5, iy + 5, 2, IMPACT);
        triad__canvas_line(&c, ix - 5, iy + 5, ix + 5, iy - 5, 2, IMPACT);
    }
    /* legend */
    const struct {
        triad__rgb col;
        const char *text;
    } leg[] = {{SITE, "radar site / coverage"}, {TRACK, "track"}, {TRACK_B, "ballistic track"},
               {TRUTH, "truth"}, {LAUNCH, "launch (1 sigma)"},
               {IMPACT, "impact (1, 2 sigma)"}};
    int lx = LEFT, ly = TOP + PH + 60;
    for (size_t i = 0; i < sizeof leg / sizeof leg[0]; i++) {
        if (lx + 20 + triad__text_width(leg[i].text, S) > LEFT + PW) {
            lx = LEFT;
            ly += 22;
        }
        triad__canvas_fill(&c, lx, ly + 2, 14, 10, leg[i].col);
        triad__canvas_text(&c, lx + 20, ly, leg[i].text, S, BLACK);
        lx += 20 + triad__text_width(leg[i].text, S) + 24;
    }
    triad__canvas_text(&c, LEFT, ly + 26, "no coastline drawn; equirectangular, x scaled by cos(lat)",
                       S, BLACK);
    const int err = triad__canvas_write_png(path, &c, m->title);
    triad__canvas_free(&c);
    return err;
}
