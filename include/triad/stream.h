/* Triad — a live CPI stream: VITA-49 over UDP (docs/FORMATS.md, "VITA-49 stream") or a
 * SoapySDR receiver ("SoapySDR source") in, whole CPIs out, in the shape of SoapySDR's
 * readStream.
 *
 *   create     validate, allocate the queue and the assembler, bind the socket
 *   activate   start the reader thread: socket -> packets -> CPIs by sample index -> queue
 *   read       copy the oldest complete CPI into the caller's buffer, with flags
 *   deactivate stop the reader (what is queued can still be read)
 *   destroy
 *
 * The reader never waits on the caller: when the queue is full the oldest queued CPI is
 * dropped to make room, and the next read says so (TRIAD_STREAM_OVERFLOW, info.dropped), as
 * SoapySDR reports an overflow. A CPI is complete when every sample arrived, when the stream
 * moved a reorder window past it, after cpi_timeout_s without packets, or at the end of the
 * stream; missing samples are zeros and are counted (TRIAD_STREAM_DEGRADED, info.missing).
 *
 * CPIs come out as the chain's TRIAD_FORMAT_CI16_LE, [P x N x C] with the channels of a sample
 * side by side (include/triad/chain.h), whatever the recording the radar was described by.
 * Library: libtriad. Thread safety: one thread calls read; stats may be called from any.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TRIAD_STREAM_H
#define TRIAD_STREAM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    /* where: "HOST:PORT" to bind, e.g. "127.0.0.1:5000", "0.0.0.0:5000", "[::1]:5000";
     * port 0 takes a free one (triad_cpi_stream_address says which). Copied by create. */
    const char *address;
    int rcvbuf_bytes;            /* socket receive buffer asked for (0: the system's) */
    /* what: the CPI geometry (N, P, C) and channel c's VITA-49 stream ID, stream_id + c */
    size_t samples_per_pulse, pulses_per_cpi, num_channels;
    uint32_t stream_id;
    /* for the UTC estimate of sample 0 (info.stream_epoch_s); 0: none */
    double pri_s, sample_rate_hz;
    /* assembly */
    uint64_t reorder_samples;    /* past a CPI's end after which it is complete; 0: P N / 2 */
    double cpi_timeout_s;        /* without packets, open CPIs are complete after this (0.2) */
    double idle_timeout_s;       /* the stream ends after this long without a valid packet
                                    (0: never) */
    size_t queue_cpis;           /* complete CPIs waiting for read at most (8) */
    /* VITA-49 timestamps (docs/FORMATS.md, "Timestamps"): sample 0 of CPI 0 for UTC/GPS
     * seconds, has_epoch 0: the first packet's time */
    int has_epoch;
    int64_t epoch_utc_s;         /* whole seconds */
    double epoch_frac_s;         /* and the fraction, [0, 1) */
    double carrier_hz, bandwidth_hz; /* what context packets are checked against (0: not) */
    int difi;                    /* take only the DIFI profile (IEEE-ISTO Std 4900) */
    /* A SoapySDR receiver instead of the socket (address then unused): its device arguments
     * ("driver=...,key=value"), tuned to carrier_hz, receive windows window_offset_s after each
     * pulse of the PRI grid. */
    const char *soapy_args;
    double window_offset_s;
    /* told (from the reader thread) the first rejection of each reason with its values,
     * contradicting context fields, where the epoch came from; NULL: silent */
    void (*note)(void *user, const char *msg);
    void *note_user;
} triad_cpi_stream_cfg;

/* Flags of a read (bits of info.flags). */
enum {
    TRIAD_STREAM_OVERFLOW = 1 << 0, /* CPIs were dropped from the full queue since the last
                                       read: info.dropped of them */
    TRIAD_STREAM_DEGRADED = 1 << 1, /* samples of this CPI never arrived (zeros) */
    TRIAD_STREAM_HAS_TIME = 1 << 2, /* info.stream_epoch_s is known */
};

typedef struct {
    uint64_t cpi;             /* k: first sample index / (P N) */
    int flags;                /* TRIAD_STREAM_* */
    uint64_t dropped;         /* CPIs dropped (queue overflow) between the last read and this */
    const uint64_t *missing;  /* [size: C] samples missing per channel (of P N); valid until
                                 the next read */
    double degraded_fraction; /* missing samples / (P N C) */
    double complete_s;        /* triad_clock_s() when the CPI was complete in memory: latency
                                 is measured from here */
    double stream_epoch_s;    /* UTC (epoch seconds) of sample index 0; NAN if unknown */
    const unsigned *quality;  /* [size: C] what the device said of the CPI's samples, bits:
                                 1 invalid data, 2 reference unlocked, 4 over-range, 8 sample
                                 loss (VITA-49 trailers; sample loss also SoapySDR overflows) */
    double clock_jump_s;      /* seconds the sender's clock jumped before this CPI (a new
                                 capture's clock): its time is the epoch + its index's time +
                                 this; 0 without a jump */
} triad_cpi_stream_info;

/* Counters since create: a snapshot, consistent within itself, that the reader publishes after
 * each batch of datagrams (so a CPI may be readable a moment before the counters show it). */
typedef struct {
    uint64_t datagrams, packets;  /* received; valid packets of our streams */
    uint64_t malformed;           /* datagrams rejected */
    uint64_t lost;                /* packets that never came (from the packet count and index) */
    uint64_t late, ahead;         /* packets for a CPI already passed, or too far ahead */
    uint64_t cpis;                /* CPIs complete (queued) */
    uint64_t cpis_degraded;       /* of those, with samples missing */
    uint64_t cpis_skipped;        /* CPIs passed over without a single packet */
    uint64_t cpis_dropped;        /* queued CPIs dropped because the queue was full */
    uint64_t resyncs;             /* sender restarts detected */
    uint64_t context;             /* VITA-49 IF context packets taken */
    uint64_t by_reason[16];       /* rejected datagrams per reason (triad_cpi_stream_reason) */
    uint64_t trailer_flags[4];    /* data packets whose trailer said each quality bit 1, 2, 4, 8 */
    uint64_t clock_jumps;         /* jumps of the sender's clock at a CPI boundary (a capture's) */
} triad_cpi_stream_stats;

/* The name of rejection reason r ("stream ID", "size field", ...; NULL past the last). */
const char *triad_cpi_stream_reason(int r);

typedef struct triad_cpi_stream triad_cpi_stream;

/* Defaults: queue 8, CPI timeout 0.2 s, reorder window P N / 2, 8 MiB receive buffer, stream
 * ID 1, no idle timeout. Address and geometry must be set. */
triad_cpi_stream_cfg triad_cpi_stream_cfg_default(void);

/* Validate the configuration, allocate everything and bind the socket. Returns 0,
 * TRIAD_EINVAL (the message names the field), TRIAD_EIO (the socket; the message says why),
 * TRIAD_ENOMEM. *stream is NULL on failure. */
int triad_cpi_stream_create(triad_cpi_stream **stream, const triad_cpi_stream_cfg *cfg);

/* The address bound ("127.0.0.1:40123"), and the receive buffer the system granted ("" and 0
 * for a SoapySDR source); a line saying where it receives from, for a log. */
const char *triad_cpi_stream_describe(const triad_cpi_stream *stream);
const char *triad_cpi_stream_address(const triad_cpi_stream *stream);
int triad_cpi_stream_rcvbuf(const triad_cpi_stream *stream);

/* Start the reader thread. Returns 0 or TRIAD_EINVAL (already active) / TRIAD_EIO. */
int triad_cpi_stream_activate(triad_cpi_stream *stream);

/* The oldest complete CPI into buf [size: P x N x C ci16_le, 4 P N C bytes], waiting up to
 * timeout_s for one (0: do not wait). Returns 1 (a CPI: info filled), 0 (the stream has ended:
 * deactivated, idle timeout, or the reader failed, see triad_cpi_stream_error), or
 * TRIAD_ETIMEOUT (nothing yet). Never allocates. */
int triad_cpi_stream_read(triad_cpi_stream *stream, void *buf, triad_cpi_stream_info *info,
                          double timeout_s);

/* Queued CPIs not yet read (0 after the end: nothing more to read). */
size_t triad_cpi_stream_pending(const triad_cpi_stream *stream);

/* Why the reader stopped, once read returned 0: 0 (deactivated or idle timeout) or a negative
 * triad_err; msg (may be NULL) gets its message, [size: msg_size]. */
int triad_cpi_stream_error(const triad_cpi_stream *stream, char *msg, size_t msg_size);

void triad_cpi_stream_stats_get(const triad_cpi_stream *stream, triad_cpi_stream_stats *st);

/* Stop the reader thread and wait for it; CPIs still queued can be read. NULL-safe, and safe
 * to call twice. */
void triad_cpi_stream_deactivate(triad_cpi_stream *stream);

void triad_cpi_stream_destroy(triad_cpi_stream *stream); /* deactivates; NULL-safe */

/* Latency percentiles over a run without keeping every value: a log-spaced histogram, 50 bins
 * a decade from 1 us to 1000 s (a percentile is its bin's centre, within 2.3 %). Plain
 * struct: zero it (or triad_latency_reset) to start. */
enum { TRIAD_LATENCY_BINS = 450 };
typedef struct {
    uint64_t n[TRIAD_LATENCY_BINS];
    uint64_t count;
} triad_latency;
void triad_latency_reset(triad_latency *h);
void triad_latency_add(triad_latency *h, double seconds);
/* The q-quantile (0 < q <= 1) in seconds; NAN when empty. */
double triad_latency_percentile(const triad_latency *h, double q);

/* Seconds on a monotonic clock (CLOCK_MONOTONIC): the clock of info.complete_s. */
double triad_clock_s(void);

#ifdef __cplusplus
}
#endif
#endif
