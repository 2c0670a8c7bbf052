/* The VITA-49 source (io/source.h): a UDP socket, datagrams into the CPI assembler.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>
#include <stdlib.h>

#include "core/error_internal.h"
#include "io/source.h"
#include "io/vita49.h"

typedef struct {
    triad_source base; /* first: handed out as a triad_source */
    triad_udp_rx *rx;
    triad_cpi_asm *assembler;
    char line[160];
} vita49_source;

static int v_step(triad_source *self, int timeout_ms, double now_s)
{
    vita49_source *v = (vita49_source *)self;
    const int n = triad_udp_rx_recv(v->rx, timeout_ms);
    if (n < 0)
        return n;
    for (int i = 0; i < n; i++)
        triad_cpi_asm_datagram(v->assembler, triad_udp_rx_data(v->rx, (size_t)i),
                               triad_udp_rx_len(v->rx, (size_t)i), now_s);
    triad_cpi_asm_poll(v->assembler, now_s);
    return 0;
}

static void v_flush(triad_source *self, double now_s)
{
    triad_cpi_asm_flush(((vita49_source *)self)->assembler, now_s);
}

static void v_stats(const triad_source *self, triad_cpi_asm_stats *st)
{
    triad_cpi_asm_stats_get(((const vita49_source *)self)->assembler, st);
}

static const char *v_describe(const triad_source *self)
{
    return ((const vita49_source *)self)->line;
}

static void v_destroy(triad_source *self)
{
    vita49_source *v = (vita49_source *)self;
    triad_udp_rx_close(v->rx);
    triad_cpi_asm_destroy(v->assembler);
    free(v);
}

int triad_vita49_source_create(triad_source **out, const char *host, const char *port,
                               int rcvbuf_bytes, const triad_cpi_asm_cfg *cfg)
{
    *out = NULL;
    vita49_source *v = calloc(1, sizeof *v);
    if (!v)
        return triad__fail(TRIAD_ENOMEM, "vita49 source: out of memory");
    v->base = (triad_source){.step = v_step, .flush = v_flush, .stats = v_stats,
                             .describe = v_describe, .destroy = v_destroy};
    int err = triad_cpi_asm_create(&v->assembler, cfg);
    if (!err)
        err = triad_udp_rx_open(&v->rx, host, port, rcvbuf_bytes, 64);
    if (err) {
        v_destroy(&v->base);
        return err;
    }
    v->base.address = triad_udp_rx_address(v->rx);
    v->base.rcvbuf = triad_udp_rx_rcvbuf(v->rx);
    snprintf(v->line, sizeof v->line, "listening on %s (receive buffer %d bytes)",
             triad_udp_rx_address(v->rx), triad_udp_rx_rcvbuf(v->rx));
    *out = &v->base;
    return 0;
}
