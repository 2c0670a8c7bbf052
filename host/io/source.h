/* A live source of CPIs for `triad run`: something that receives raw returns and hands on
 * complete CPIs through the assembler's emit callback (io/cpi_assembler.h), in CPI order,
 * with its counters in the assembler's terms. Two exist: VITA-49 over UDP (vita49_source.c:
 * socket + CPI assembler) and SoapySDR (soapy_source.c: a receiver's continuous stream cut
 * into receive windows by the PRI). One reader thread owns a source.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TRIAD_IO_SOURCE_H
#define TRIAD_IO_SOURCE_H

#include <stddef.h>

#include "io/cpi_assembler.h"

typedef struct triad_source triad_source;
struct triad_source {
    /* Wait up to timeout_ms for input and hand on what completes (now_s: the caller's
     * monotonic clock). Returns 0 (carry on), 1 (the stream ended: everything is handed on)
     * or a negative triad_err with triad_errmsg() set. */
    int (*step)(triad_source *self, int timeout_ms, double now_s);
    /* End of stream: hand on every open CPI. */
    void (*flush)(triad_source *self, double now_s);
    void (*stats)(const triad_source *self, triad_cpi_asm_stats *st);
    /* One line for stderr: where it receives from ("listening on 127.0.0.1:5000 ..."). */
    const char *(*describe)(const triad_source *self);
    void (*destroy)(triad_source *self); /* NULL-safe through triad_source_destroy */
    const char *address; /* the socket's bound address ("" for none) */
    int rcvbuf;          /* its receive buffer granted (0 for none) */
};

static inline void triad_source_destroy(triad_source *s)
{
    if (s)
        s->destroy(s);
}

/* VITA-49 datagrams on a bound UDP socket (host, port: triad_udp_split's), assembled with
 * cfg. rcvbuf_bytes as triad_udp_rx_open. Returns 0, TRIAD_EINVAL, TRIAD_EIO, TRIAD_ENOMEM. */
int triad_vita49_source_create(triad_source **src, const char *host, const char *port,
                               int rcvbuf_bytes, const triad_cpi_asm_cfg *cfg);

/* A SoapySDR receiver, args as SoapySDR's device arguments ("driver=uhd,serial=..."): channels
 * 0..C-1 at cfg->sample_rate_hz tuned to carrier_hz, one continuous CS16 stream, pulse m's
 * receive window of N samples starting m * pri_s + window_offset_s after the stream's time
 * origin (the device's time 0, timed RX on the next CPI boundary where the device has
 * hardware time; else the first sample). Overflows and timeouts are counted as lost, the
 * samples they cost as missing (the CPI's quality: sample loss). cfg's N, P, C, pri_s,
 * sample_rate_hz, emit, user and note are used. Returns 0, TRIAD_EINVAL (a message naming
 * the argument or the device's refusal), TRIAD_EIO, TRIAD_ENOMEM; TRIAD_EINVAL also when
 * Triad was built without SoapySDR. */
int triad_soapy_source_create(triad_source **src, const char *args, double carrier_hz,
                              double window_offset_s, const triad_cpi_asm_cfg *cfg);

#endif
