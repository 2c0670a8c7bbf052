/* The triad program built without an optional part (TRIAD_WITH_PNG|DDS=OFF, or its
 * dependencies not found): the functions the commands call from that part's library, each
 * failing with one message that names the part and the setting. main.c refuses the part's
 * commands and options before a command runs; these keep the commands linkable and back
 * that refusal. (OpenCL has its own, host/proc/opencl_absent.c, in libtriad; SHARE's
 * commands are left out of the program whole.) SPDX-License-Identifier: GPL-2.0-or-later */
#include <stddef.h>
#include <string.h>

#include "core/error_internal.h"

#ifndef TRIAD_HAVE_PNG
#include "io/map_png.h"
#include "io/plot_png.h"
#include "io/rdmap_png.h"

static int no_png(const char *path)
{
    return triad__fail(TRIAD_EUNSUPPORTED, "%s: not built with PNG (configured with "
                                           "TRIAD_WITH_PNG=OFF, or libpng was not found)",
                       path ? path : "PNG");
}

int triad_rdmap_png_write(const char *path, const float *map, size_t p, size_t n,
                          const triad_rdmap_style *style)
{
    (void)map, (void)p, (void)n, (void)style;
    return no_png(path);
}

int triad_barplot_png_write(const char *path, const triad_barplot *plot)
{
    (void)plot;
    return no_png(path);
}

int triad__map_png_write(const char *path, const triad__map *m)
{
    (void)m;
    return no_png(path);
}
#endif

#ifndef TRIAD_HAVE_DDS
#include "io/dds/dds_listener.h"
#include "io/dds/dds_sink.h"
#include "io/dds/fusion_dds.h"

static int no_dds(void)
{
    return triad__fail(TRIAD_EUNSUPPORTED, "not built with DDS (configured with "
                                           "TRIAD_WITH_DDS=OFF, or Cyclone DDS was not found)");
}

triad_dds_opts triad_dds_opts_default(void)
{
    triad_dds_opts o;
    memset(&o, 0, sizeof o);
    return o;
}

int triad_dds_sink_create(triad_sink **out, const triad_dds_opts *opts)
{
    (void)opts;
    *out = NULL;
    return no_dds();
}

int triad_dds_listener_create(triad_dds_listener **out, const triad_dds_opts *opts)
{
    (void)opts;
    *out = NULL;
    return no_dds();
}

int triad_dds_listener_next(triad_dds_listener *l, double timeout_s, triad_dds_event *ev)
{
    (void)l, (void)timeout_s, (void)ev;
    return no_dds();
}

void triad_dds_listener_destroy(triad_dds_listener *l) { (void)l; }

int triad_fdds_pub_create(triad_fdds_pub **out, const triad_fdds_opts *opts)
{
    (void)opts;
    *out = NULL;
    return no_dds();
}

int triad_fdds_pub_track(triad_fdds_pub *p, const triad_track *t)
{
    (void)p, (void)t;
    return no_dds();
}

int triad_fdds_pub_warning(triad_fdds_pub *p, const triad_warning *w)
{
    (void)p, (void)w;
    return no_dds();
}

int triad_fdds_pub_sweep(triad_fdds_pub *p, const triad_track *trs, size_t n)
{
    (void)p, (void)trs, (void)n;
    return no_dds();
}

void triad_fdds_pub_destroy(triad_fdds_pub *p) { (void)p; }

int triad_fdds_sub_create(triad_fdds_sub **out, const triad_fdds_opts *opts)
{
    (void)opts;
    *out = NULL;
    return no_dds();
}

int triad_fdds_sub_next(triad_fdds_sub *s, double timeout_s, triad_fdds_sample *out)
{
    (void)s, (void)timeout_s, (void)out;
    return no_dds();
}

void triad_fdds_sub_destroy(triad_fdds_sub *s) { (void)s; }
#endif

/* ISO C wants a translation unit to declare something even when every part is built. */
typedef int triad__cli_absent_unused;
