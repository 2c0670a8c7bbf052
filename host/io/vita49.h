/* VITA-49.0 IF data packets: the subset `triad run` receives and `triad replay` sends
 * (docs/FORMATS.md, "VITA-49 stream"), and the UDP sockets that carry them.
 *
 *   word 0   header: type 1 (IF data with stream ID), C = 0, T = 0, TSI none or UTC,
 *            TSF sample count, 4-bit packet count, packet size in 32-bit words
 *   word 1   stream ID (channel c: base + c)
 *   [word 2] integer timestamp, UTC seconds (only when TSI = UTC)
 *   2 words  fractional timestamp: the running index of the first sample in the stream of
 *            receive windows, index = pulse * N + fast-time sample (not reset each second)
 *   payload  complex int16, big endian, I then Q: one sample per 32-bit word
 *
 * Parsing never trusts a field: every length is checked against the datagram first.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TRIAD_IO_VITA49_H
#define TRIAD_IO_VITA49_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Why a datagram is not a packet of our subset (0: it is). */
typedef enum {
    TRIAD_VITA49_OK = 0,
    TRIAD_VITA49_SHORT,     /* shorter than the header it announces */
    TRIAD_VITA49_UNALIGNED, /* length not a whole number of 32-bit words (half a sample) */
    TRIAD_VITA49_TYPE,      /* packet type is not 1 (IF data with stream ID) */
    TRIAD_VITA49_CLASS_ID,  /* C bit: class ID present */
    TRIAD_VITA49_TRAILER,   /* T bit: trailer present */
    TRIAD_VITA49_TSI,       /* integer timestamp neither none nor UTC */
    TRIAD_VITA49_TSF,       /* fractional timestamp is not a sample count */
    TRIAD_VITA49_SIZE,      /* packet size field differs from the datagram's length */
    TRIAD_VITA49_EMPTY,     /* no samples */
    TRIAD_VITA49_RANGE,     /* sample index + samples >= 2^62 */
    TRIAD_VITA49_STREAM,    /* stream ID of no channel (set by the assembler, not the parser) */
    TRIAD_VITA49_NSTATUS
} triad_vita49_status;

const char *triad_vita49_status_name(triad_vita49_status s);

/* Largest sample index (exclusive) a packet may reach: 2^62 samples, 1461 years at
 * 100 MS/s; keeps every index computation far from overflow. */
#define TRIAD_VITA49_INDEX_LIMIT (UINT64_C(1) << 62)
#define TRIAD_VITA49_MAX_HEADER_WORDS 5
/* the size field is 16 bits; UDP carries at most 65527 bytes, so a receive buffer of
 * 65536 bytes never truncates */
#define TRIAD_VITA49_MAX_DATAGRAM 65536

typedef struct {
    uint32_t stream_id;
    unsigned packet_count;   /* 0..15, per stream */
    bool has_utc;            /* TSI = UTC */
    uint32_t utc_s;          /* UTC seconds (floor) of the first sample, when has_utc */
    uint64_t sample_index;   /* running index of the first sample (TSF, sample-count mode) */
    size_t num_samples;      /* complex samples in the payload */
    const uint8_t *payload;  /* into the datagram: [size: num_samples x 4 bytes], big endian */
} triad_vita49_packet;

/* Parse one datagram. On TRIAD_VITA49_OK *pkt describes it (payload points into buf);
 * otherwise the reason, and *pkt is unspecified. Never reads outside [buf, buf + len). */
triad_vita49_status triad_vita49_parse(const void *buf, size_t len, triad_vita49_packet *pkt);

/* Header words for a packet of this description: 4, or 5 with a UTC timestamp. */
size_t triad_vita49_header_words(bool has_utc);

/* Write a packet into buf [size: cap bytes]: header from pkt (pkt->payload is ignored) and
 * pkt->num_samples samples taken from iq, interleaved I, Q int16 in host order, sample j at
 * iq[2 * j * stride], iq[2 * j * stride + 1] (stride > 1 picks one channel of interleaved
 * channels). Returns the packet's length in bytes, or 0 when it does not fit in cap or in
 * the 16-bit size field. */
size_t triad_vita49_encode(void *buf, size_t cap, const triad_vita49_packet *pkt,
                           const int16_t *iq, size_t stride);

/* Big-endian payload -> little-endian ci16 (I, Q int16 each byte-swapped): n samples. */
void triad_vita49_payload_to_le(void *dst, const uint8_t *payload, size_t n);

/* ---- UDP transport ---------------------------------------------------------------- */

/* Split "HOST:PORT", "[V6ADDR]:PORT" or ":PORT" (host empty: any address). host gets at
 * most host_size - 1 characters. Returns 0 or TRIAD_EINVAL (message names the text). */
int triad_udp_split(const char *text, char *host, size_t host_size, char *port,
                    size_t port_size);

/* A bound UDP socket for receiving. rcvbuf_bytes: SO_RCVBUF asked for (0: leave it); the
 * kernel may grant less (see triad_udp_rx_rcvbuf). Returns 0 or TRIAD_EINVAL / TRIAD_EIO. */
typedef struct triad_udp_rx triad_udp_rx;
int triad_udp_rx_open(triad_udp_rx **rx, const char *host, const char *port, int rcvbuf_bytes,
                      size_t batch);
/* The address actually bound ("127.0.0.1:40123"), useful after port 0. */
const char *triad_udp_rx_address(const triad_udp_rx *rx);
int triad_udp_rx_rcvbuf(const triad_udp_rx *rx); /* bytes granted (as getsockopt says) */
/* Wait up to timeout_ms for datagrams, then take up to the batch size of them without
 * waiting. Returns the count (0: none in time or interrupted by a signal), or TRIAD_EIO.
 * Datagram i is triad_udp_rx_data(rx, i), triad_udp_rx_len(rx, i) bytes, valid until the
 * next call. */
int triad_udp_rx_recv(triad_udp_rx *rx, int timeout_ms);
const uint8_t *triad_udp_rx_data(const triad_udp_rx *rx, size_t i);
size_t triad_udp_rx_len(const triad_udp_rx *rx, size_t i);
void triad_udp_rx_close(triad_udp_rx *rx); /* NULL-safe */

/* A connected UDP socket for sending. sndbuf_bytes: SO_SNDBUF (0: leave it).
 * Returns 0 or TRIAD_EINVAL / TRIAD_EIO. */
typedef struct triad_udp_tx triad_udp_tx;
int triad_udp_tx_open(triad_udp_tx **tx, const char *host, const char *port, int sndbuf_bytes);
/* Send one datagram. Returns 0, or TRIAD_EIO (ECONNREFUSED, nobody listening, is not an
 * error for a datagram stream and returns 0). */
int triad_udp_tx_send(triad_udp_tx *tx, const void *buf, size_t len);
void triad_udp_tx_close(triad_udp_tx *tx); /* NULL-safe */

#endif
