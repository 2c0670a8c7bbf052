/* VITA-49.0 / 49.2 packets as digitizers send them (docs/FORMATS.md, "VITA-49 stream"): IF
 * data packets with stream ID (type 1) and IF context packets (type 4), and the UDP sockets
 * that carry them.
 *
 *   word 0   header: type, C (class ID), T (trailer, data only), TSI, TSF, packet count
 *            (4 bits), packet size in 32-bit words
 *   word 1   stream ID (channel c: base + c)
 *   [2 words] class ID (C): OUI, information class code, packet class code
 *   [word]   integer timestamp (TSI != 00): UTC, GPS or other seconds
 *   [2 words] fractional timestamp (TSF != 00): sample count within the integer second
 *            (01), picoseconds within it (10), or a free-running count (11, Triad's running
 *            index of the sample in the stream of receive windows)
 *   data:    payload complex int16, big endian, I then Q: one sample per 32-bit word;
 *            [trailer word] (T): valid data, reference lock, over-range, sample loss, ...
 *   context: CIF0, [CIF1, CIF2, CIF3, CIF7 words when enabled], then the CIF0 fields
 *
 * Parsing never trusts a field: every length is checked against the datagram first. How a
 * timestamp becomes a sample index needs the radar's geometry: cpi_assembler.c does that.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TRIAD_IO_VITA49_H
#define TRIAD_IO_VITA49_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Why a datagram is not a packet Triad takes (0: it is). The last group is decided by the
 * assembler, which knows the streams, the sample rate and the epoch. */
typedef enum {
    TRIAD_VITA49_OK = 0,
    TRIAD_VITA49_SHORT,     /* shorter than the header (and trailer) it announces */
    TRIAD_VITA49_UNALIGNED, /* length not a whole number of 32-bit words (half a sample) */
    TRIAD_VITA49_TYPE,      /* packet type neither 1 (IF data with stream ID) nor 4 (IF context) */
    TRIAD_VITA49_TSI,       /* integer timestamp unusable with this TSF (none for a sample count) */
    TRIAD_VITA49_TSF,       /* data packet without a fractional timestamp: cannot be placed */
    TRIAD_VITA49_SIZE,      /* packet size field differs from the datagram's length */
    TRIAD_VITA49_EMPTY,     /* data packet with no samples */
    TRIAD_VITA49_FRACTION,  /* fractional timestamp out of its range (>= 10^12 ps, >= fs samples) */
    TRIAD_VITA49_RANGE,     /* sample index + samples >= 2^62 */
    TRIAD_VITA49_CONTEXT,   /* context packet whose fields run past its end */
    TRIAD_VITA49_STREAM,    /* stream ID of no channel */
    TRIAD_VITA49_WINDOW,    /* timestamp before the stream's epoch or between receive windows */
    TRIAD_VITA49_PROFILE,   /* not of the profile asked for (DIFI: class ID, OUI, TSF, trailer) */
    TRIAD_VITA49_NSTATUS
} triad_vita49_status;

const char *triad_vita49_status_name(triad_vita49_status s);

/* Largest sample index (exclusive) a packet may reach: 2^62 samples, 1461 years at
 * 100 MS/s; keeps every index computation far from overflow. */
#define TRIAD_VITA49_INDEX_LIMIT (UINT64_C(1) << 62)
/* header, stream ID, class ID (2), integer, fractional (2) */
#define TRIAD_VITA49_MAX_HEADER_WORDS 7
/* the size field is 16 bits; UDP carries at most 65527 bytes, so a receive buffer of
 * 65536 bytes never truncates */
#define TRIAD_VITA49_MAX_DATAGRAM 65536

enum { TRIAD_VITA49_DATA = 1, TRIAD_VITA49_IF_CONTEXT = 4 };          /* packet types */
enum { TRIAD_VITA49_TSI_NONE, TRIAD_VITA49_TSI_UTC, TRIAD_VITA49_TSI_GPS, TRIAD_VITA49_TSI_OTHER };
enum { TRIAD_VITA49_TSF_NONE, TRIAD_VITA49_TSF_SAMPLES, TRIAD_VITA49_TSF_PICOSECONDS,
       TRIAD_VITA49_TSF_FREE_RUNNING };
/* GPS seconds (from 1980-01-06) + this = UTC seconds, with the 18 leap seconds of 2017 on */
#define TRIAD_VITA49_GPS_TO_UTC_S (315964800 - 18)
/* DIFI (IEEE-ISTO Std 4900): the OUI of its class IDs, packet class codes */
#define TRIAD_VITA49_DIFI_OUI 0x6A621Eu
enum { TRIAD_VITA49_DIFI_DATA_CLASS = 0x0000, TRIAD_VITA49_DIFI_CONTEXT_CLASS = 0x0001 };

/* Trailer (VITA 49.0 section 6.1.7): enable bit e and indicator bit e - 12 for each. */
enum {
    TRIAD_VITA49_TR_CAL_TIME = 31,
    TRIAD_VITA49_TR_VALID_DATA = 30,
    TRIAD_VITA49_TR_REF_LOCK = 29,
    TRIAD_VITA49_TR_OVER_RANGE = 25,
    TRIAD_VITA49_TR_SAMPLE_LOSS = 24,
};
/* A trailer with indicator e enabled and set to value. */
#define TRIAD_VITA49_TRAILER(e, value) \
    ((UINT32_C(1) << (e)) | ((value) ? UINT32_C(1) << ((e) - 12) : 0))

/* What the trailers of a CPI said (a report's quality flags): the condition was indicated by
 * at least one packet. Only enabled indicators count. */
enum {
    TRIAD_QUALITY_INVALID_DATA = 1,  /* valid data indicator 0 */
    TRIAD_QUALITY_REF_UNLOCKED = 2,  /* reference lock indicator 0 */
    TRIAD_QUALITY_OVER_RANGE = 4,    /* over-range indicator 1 */
    TRIAD_QUALITY_SAMPLE_LOSS = 8,   /* sample loss indicator 1 */
};
unsigned triad_vita49_trailer_quality(uint32_t trailer);
/* "over-range,sample-loss" (empty for 0) into buf. */
void triad_vita49_quality_text(unsigned quality, char *buf, size_t size);

/* CIF0 bits of the context fields Triad reads (VITA 49.0 section 7.1.5). */
enum {
    TRIAD_VITA49_CIF0_CHANGE = 1u << 31,
    TRIAD_VITA49_CIF0_REF_POINT = 1u << 30,
    TRIAD_VITA49_CIF0_BANDWIDTH = 1u << 29,
    TRIAD_VITA49_CIF0_IF_REF = 1u << 28,
    TRIAD_VITA49_CIF0_RF_REF = 1u << 27,
    TRIAD_VITA49_CIF0_RF_OFFSET = 1u << 26,
    TRIAD_VITA49_CIF0_IF_OFFSET = 1u << 25,
    TRIAD_VITA49_CIF0_REF_LEVEL = 1u << 24,
    TRIAD_VITA49_CIF0_GAIN = 1u << 23,
    TRIAD_VITA49_CIF0_OVER_RANGE_COUNT = 1u << 22,
    TRIAD_VITA49_CIF0_SAMPLE_RATE = 1u << 21,
    TRIAD_VITA49_CIF0_TS_ADJUST = 1u << 20,
    TRIAD_VITA49_CIF0_TS_CAL = 1u << 19,
    TRIAD_VITA49_CIF0_STATE_EVENT = 1u << 16,
    TRIAD_VITA49_CIF0_PAYLOAD_FORMAT = 1u << 15,
};

/* The fields of an IF context packet Triad uses; the CIF0 bit says whether each came. */
typedef struct {
    uint32_t cif0;
    double bandwidth_hz, if_ref_hz, rf_ref_hz, sample_rate_hz; /* 64-bit, 20-bit radix */
    double gain1_db, gain2_db;     /* stage 1 and 2, 16-bit each, 7-bit radix */
    double ref_level_dbm;
    int64_t ts_adjust_ps;          /* added to the data packets' timestamps (their
                                      samples' time at the reference point) */
} triad_vita49_context;

typedef struct {
    unsigned type;           /* TRIAD_VITA49_DATA or TRIAD_VITA49_IF_CONTEXT */
    uint32_t stream_id;
    unsigned packet_count;   /* 0..15, per stream and type */
    bool has_class_id;
    uint32_t oui;            /* 24 bits */
    uint16_t info_class, packet_class;
    unsigned tsi, tsf;       /* TRIAD_VITA49_TSI_*, TRIAD_VITA49_TSF_* */
    uint32_t int_ts;         /* integer timestamp (TSI != none) */
    uint64_t frac_ts;        /* fractional timestamp (TSF != none) */
    bool has_trailer;
    uint32_t trailer;
    size_t num_samples;      /* data: complex samples in the payload */
    const uint8_t *payload;  /* data: into the datagram, num_samples x 4 bytes, big endian */
    triad_vita49_context ctx; /* context packets */
} triad_vita49_packet;

/* Parse one datagram. On TRIAD_VITA49_OK *pkt describes it (payload points into buf);
 * otherwise the reason, and *pkt is unspecified. With why (why_size > 0), a failure also
 * writes what was wrong with the values ("size field 400 words, datagram 365 words"). Never
 * reads outside [buf, buf + len). */
triad_vita49_status triad_vita49_parse(const void *buf, size_t len, triad_vita49_packet *pkt);
triad_vita49_status triad_vita49_parse_why(const void *buf, size_t len, triad_vita49_packet *pkt,
                                           char *why, size_t why_size);

/* Header words (before the payload) of a packet of this description. */
size_t triad_vita49_header_words(const triad_vita49_packet *pkt);

/* Write a data packet into buf [size: cap bytes]: header, class ID, timestamps and trailer
 * from pkt (pkt->payload and type are ignored) and pkt->num_samples samples taken from iq,
 * interleaved I, Q int16 in host order, sample j at iq[2 * j * stride], iq[2 * j * stride + 1]
 * (stride > 1 picks one channel of interleaved channels). Returns the packet's length in
 * bytes, or 0 when it does not fit in cap or in the 16-bit size field. */
size_t triad_vita49_encode(void *buf, size_t cap, const triad_vita49_packet *pkt,
                           const int16_t *iq, size_t stride);
/* Write an IF context packet with the fields of pkt->ctx.cif0 (those Triad reads; any other
 * CIF0 bit among 30..15 writes its field as zeros). Returns the length or 0. */
size_t triad_vita49_encode_context(void *buf, size_t cap, const triad_vita49_packet *pkt);

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
