/* VITA-49.0 IF data packets (our subset) and their UDP sockets.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#define _GNU_SOURCE /* recvmmsg */
#include "io/vita49.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include "core/error_internal.h"

/* Header word 0 (VITA 49.0, section 6.1.1): bits 31..28 packet type, 27 C (class ID),
 * 26 T (trailer, data packets), 25..24 indicators (49.2: Nd0, spectrum/TSM), 23..22 TSI,
 * 21..20 TSF, 19..16 packet count, 15..0 packet size in 32-bit words, header included. */

const char *triad_vita49_status_name(triad_vita49_status s)
{
    static const char *const names[TRIAD_VITA49_NSTATUS] = {
        [TRIAD_VITA49_OK] = "ok",
        [TRIAD_VITA49_SHORT] = "short",
        [TRIAD_VITA49_UNALIGNED] = "not whole words",
        [TRIAD_VITA49_TYPE] = "packet type",
        [TRIAD_VITA49_TSI] = "TSI",
        [TRIAD_VITA49_TSF] = "TSF",
        [TRIAD_VITA49_SIZE] = "size field",
        [TRIAD_VITA49_EMPTY] = "no samples",
        [TRIAD_VITA49_FRACTION] = "fractional timestamp",
        [TRIAD_VITA49_RANGE] = "index range",
        [TRIAD_VITA49_CONTEXT] = "context fields",
        [TRIAD_VITA49_STREAM] = "stream ID",
        [TRIAD_VITA49_WINDOW] = "receive window",
        [TRIAD_VITA49_PROFILE] = "profile",
    };
    return (unsigned)s < TRIAD_VITA49_NSTATUS ? names[s] : "?";
}

unsigned triad_vita49_trailer_quality(uint32_t t)
{
    /* an indicator counts only when its enable bit is set */
#define IND(e) ((t >> (e) & 1) ? (int)(t >> ((e) - 12) & 1) : -1)
    unsigned q = 0;
    q |= IND(TRIAD_VITA49_TR_VALID_DATA) == 0 ? TRIAD_QUALITY_INVALID_DATA : 0;
    q |= IND(TRIAD_VITA49_TR_REF_LOCK) == 0 ? TRIAD_QUALITY_REF_UNLOCKED : 0;
    q |= IND(TRIAD_VITA49_TR_OVER_RANGE) == 1 ? TRIAD_QUALITY_OVER_RANGE : 0;
    q |= IND(TRIAD_VITA49_TR_SAMPLE_LOSS) == 1 ? TRIAD_QUALITY_SAMPLE_LOSS : 0;
#undef IND
    return q;
}

void triad_vita49_quality_text(unsigned q, char *buf, size_t size)
{
    static const char *const names[] = {"invalid-data", "reference-unlocked", "over-range",
                                        "sample-loss"};
    size_t len = 0;
    if (size)
        buf[0] = '\0';
    for (unsigned b = 0; b < 4; b++)
        if (q >> b & 1 && len < size) {
            const int n = snprintf(buf + len, size - len, "%s%s", len ? "," : "", names[b]);
            len += n > 0 ? (size_t)n : 0;
        }
}

static uint32_t load_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static uint64_t load_be64(const uint8_t *p)
{
    return (uint64_t)load_be32(p) << 32 | load_be32(p + 4);
}

static void store_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void store_be64(uint8_t *p, uint64_t v)
{
    store_be32(p, (uint32_t)(v >> 32));
    store_be32(p + 4, (uint32_t)v);
}

size_t triad_vita49_header_words(const triad_vita49_packet *pkt)
{
    return 2 + (pkt->has_class_id ? 2 : 0) + (pkt->tsi ? 1 : 0) + (pkt->tsf ? 2 : 0);
}

/* Words of the CIF0 fields 30..15, in the order they follow the CIF words; Triad reads
 * nothing after bit 15, so the later (some variable) fields need no size. */
static const uint8_t cif0_words[32] = {
    [30] = 1, [29] = 2, [28] = 2, [27] = 2, [26] = 2, [25] = 2, [24] = 1, [23] = 1,
    [22] = 1, [21] = 2, [20] = 2, [19] = 1, [18] = 1, [17] = 2, [16] = 1, [15] = 2,
};

/* 64-bit two's complement with a 20-bit radix point (frequencies, rates), in Hz */
static double radix20(uint64_t v)
{
    return (double)(int64_t)v / 1048576.0;
}

static uint64_t to_radix20(double hz)
{
    return (uint64_t)(int64_t)llround(hz * 1048576.0);
}

/* 16-bit two's complement with a 7-bit radix point (dB, dBm) */
static double radix7(uint32_t v16)
{
    return (double)(int16_t)(uint16_t)v16 / 128.0;
}

#define WHY(...) (why_size ? (void)snprintf(why, why_size, __VA_ARGS__) : (void)0)

static triad_vita49_status parse_context(const uint8_t *b, size_t words, size_t at,
                                         triad_vita49_packet *pkt, char *why, size_t why_size)
{
    triad_vita49_context *c = &pkt->ctx;
    memset(c, 0, sizeof *c);
    if (at + 1 > words) {
        WHY("context packet of %zu words has no CIF0 word (needs %zu)", words, at + 1);
        return TRIAD_VITA49_CONTEXT;
    }
    c->cif0 = load_be32(b + 4 * at++);
    /* 49.2: CIF1, CIF2, CIF3 and CIF7 words follow CIF0 when its bits 1, 2, 3, 7 say so */
    at += (c->cif0 >> 1 & 1) + (c->cif0 >> 2 & 1) + (c->cif0 >> 3 & 1) + (c->cif0 >> 7 & 1);
    size_t need = at;
    for (int bit = 30; bit >= 15; bit--)
        if (c->cif0 >> bit & 1)
            need += cif0_words[bit];
    if (need > words) {
        WHY("context packet: CIF0 0x%08x announces fields up to word %zu, the packet has %zu "
            "words",
            (unsigned)c->cif0, need, words);
        return TRIAD_VITA49_CONTEXT;
    }
    for (int bit = 30; bit >= 15; bit--) {
        if (!(c->cif0 >> bit & 1))
            continue;
        const uint8_t *f = b + 4 * at;
        switch (1u << bit) {
        case TRIAD_VITA49_CIF0_BANDWIDTH: c->bandwidth_hz = radix20(load_be64(f)); break;
        case TRIAD_VITA49_CIF0_IF_REF: c->if_ref_hz = radix20(load_be64(f)); break;
        case TRIAD_VITA49_CIF0_RF_REF: c->rf_ref_hz = radix20(load_be64(f)); break;
        case TRIAD_VITA49_CIF0_SAMPLE_RATE: c->sample_rate_hz = radix20(load_be64(f)); break;
        case TRIAD_VITA49_CIF0_TS_ADJUST: c->ts_adjust_ps = (int64_t)load_be64(f); break;
        case TRIAD_VITA49_CIF0_REF_LEVEL: c->ref_level_dbm = radix7(load_be32(f)); break;
        case TRIAD_VITA49_CIF0_GAIN:
            c->gain2_db = radix7(load_be32(f) >> 16);
            c->gain1_db = radix7(load_be32(f));
            break;
        default: break;
        }
        at += cif0_words[bit];
    }
    return TRIAD_VITA49_OK;
}

triad_vita49_status triad_vita49_parse_why(const void *buf, size_t len, triad_vita49_packet *pkt,
                                           char *why, size_t why_size)
{
    const uint8_t *b = buf;
    if (len < 4) {
        WHY("datagram of %zu bytes, shorter than a header word", len);
        return TRIAD_VITA49_SHORT;
    }
    const uint32_t h = load_be32(b);
    /* the type first: another packet type is "packet type" whatever its length */
    pkt->type = h >> 28;
    if (pkt->type != TRIAD_VITA49_DATA && pkt->type != TRIAD_VITA49_IF_CONTEXT) {
        WHY("packet type %u (%s), not 1 (IF data with stream ID) or 4 (IF context)", pkt->type,
            pkt->type == 0   ? "IF data without stream ID"
            : pkt->type <= 3 ? "extension data"
            : pkt->type == 5 ? "extension context"
            : pkt->type <= 7 ? "command"
                             : "reserved");
        return TRIAD_VITA49_TYPE;
    }
    const bool data = pkt->type == TRIAD_VITA49_DATA;
    pkt->has_class_id = h >> 27 & 1;
    pkt->has_trailer = data && (h >> 26 & 1);
    pkt->tsi = h >> 22 & 3;
    pkt->tsf = h >> 20 & 3;
    pkt->packet_count = h >> 16 & 15;
    if (data && pkt->tsf == TRIAD_VITA49_TSF_NONE) {
        WHY("data packet with TSF 00 (no fractional timestamp): its samples cannot be placed");
        return TRIAD_VITA49_TSF;
    }
    if (data && pkt->tsi == TRIAD_VITA49_TSI_NONE && pkt->tsf != TRIAD_VITA49_TSF_FREE_RUNNING) {
        WHY("TSI 00 with TSF %s: a count within the second needs the second",
            pkt->tsf == TRIAD_VITA49_TSF_SAMPLES ? "01 (sample count)" : "10 (picoseconds)");
        return TRIAD_VITA49_TSI;
    }
    const size_t header = triad_vita49_header_words(pkt) * 4, trailer = pkt->has_trailer ? 4 : 0;
    if (len % 4 != 0) {
        WHY("datagram of %zu bytes, not a whole number of 32-bit words", len);
        return TRIAD_VITA49_UNALIGNED;
    }
    if (len < header + trailer) {
        WHY("datagram of %zu bytes, its header%s needs %zu", len, trailer ? " and trailer" : "",
            header + trailer);
        return TRIAD_VITA49_SHORT;
    }
    if ((size_t)(h & 0xffff) * 4 != len) {
        WHY("size field %u words, datagram %zu words", (unsigned)(h & 0xffff), len / 4);
        return TRIAD_VITA49_SIZE;
    }
    pkt->stream_id = load_be32(b + 4);
    size_t at = 2;
    pkt->oui = 0;
    pkt->info_class = pkt->packet_class = 0;
    if (pkt->has_class_id) {
        pkt->oui = load_be32(b + 8) & 0xffffff;
        pkt->info_class = (uint16_t)(load_be32(b + 12) >> 16);
        pkt->packet_class = (uint16_t)load_be32(b + 12);
        at += 2;
    }
    pkt->int_ts = pkt->tsi ? load_be32(b + 4 * at++) : 0;
    pkt->frac_ts = 0;
    if (pkt->tsf) {
        pkt->frac_ts = load_be64(b + 4 * at);
        at += 2;
    }
    if (pkt->tsf == TRIAD_VITA49_TSF_PICOSECONDS && pkt->frac_ts >= UINT64_C(1000000000000)) {
        WHY("fractional timestamp %llu ps, not below 10^12 (one second)",
            (unsigned long long)pkt->frac_ts);
        return TRIAD_VITA49_FRACTION;
    }
    pkt->num_samples = 0;
    pkt->payload = NULL;
    pkt->trailer = 0;
    if (!data)
        return parse_context(b, len / 4, at, pkt, why, why_size);
    if (len == header + trailer) {
        WHY("data packet of %zu words without samples", len / 4);
        return TRIAD_VITA49_EMPTY;
    }
    pkt->num_samples = (len - header - trailer) / 4;
    pkt->payload = b + header;
    if (pkt->has_trailer)
        pkt->trailer = load_be32(b + len - 4);
    if (pkt->tsf == TRIAD_VITA49_TSF_FREE_RUNNING &&
        (pkt->frac_ts >= TRIAD_VITA49_INDEX_LIMIT ||
         TRIAD_VITA49_INDEX_LIMIT - pkt->frac_ts < pkt->num_samples)) {
        WHY("sample index %llu + %zu samples reaches 2^62", (unsigned long long)pkt->frac_ts,
            pkt->num_samples);
        return TRIAD_VITA49_RANGE;
    }
    return TRIAD_VITA49_OK;
}

triad_vita49_status triad_vita49_parse(const void *buf, size_t len, triad_vita49_packet *pkt)
{
    return triad_vita49_parse_why(buf, len, pkt, NULL, 0);
}

/* Header, class ID and timestamps of pkt into b; returns the words written. */
static size_t encode_header(uint8_t *b, const triad_vita49_packet *pkt, unsigned type,
                            bool trailer, bool tsm, size_t words)
{
    store_be32(b, (uint32_t)type << 28 | (uint32_t)pkt->has_class_id << 27 |
                      (uint32_t)trailer << 26 | (uint32_t)tsm << 24 | (uint32_t)(pkt->tsi & 3) << 22 |
                      (uint32_t)(pkt->tsf & 3) << 20 | (uint32_t)(pkt->packet_count & 15) << 16 |
                      (uint32_t)words);
    store_be32(b + 4, pkt->stream_id);
    size_t at = 2;
    if (pkt->has_class_id) {
        store_be32(b + 8, pkt->oui & 0xffffff);
        store_be32(b + 12, (uint32_t)pkt->info_class << 16 | pkt->packet_class);
        at += 2;
    }
    if (pkt->tsi)
        store_be32(b + 4 * at++, pkt->int_ts);
    if (pkt->tsf) {
        store_be64(b + 4 * at, pkt->frac_ts);
        at += 2;
    }
    return at;
}

size_t triad_vita49_encode(void *buf, size_t cap, const triad_vita49_packet *pkt,
                           const int16_t *iq, size_t stride)
{
    const size_t header = triad_vita49_header_words(pkt);
    const size_t words = header + pkt->num_samples + (pkt->has_trailer ? 1 : 0);
    if (words > 0xffff || words * 4 > cap)
        return 0;
    uint8_t *b = buf;
    encode_header(b, pkt, TRIAD_VITA49_DATA, pkt->has_trailer, false, words);
    uint8_t *p = b + header * 4;
    for (size_t j = 0; j < pkt->num_samples; j++, p += 4) {
        const uint16_t i = (uint16_t)iq[2 * j * stride], q = (uint16_t)iq[2 * j * stride + 1];
        store_be32(p, (uint32_t)i << 16 | q);
    }
    if (pkt->has_trailer)
        store_be32(p, pkt->trailer);
    return words * 4;
}

static uint32_t to_radix7(double db)
{
    return (uint16_t)(int16_t)lround(db * 128.0);
}

size_t triad_vita49_encode_context(void *buf, size_t cap, const triad_vita49_packet *pkt)
{
    const triad_vita49_context *c = &pkt->ctx;
    const uint32_t cif0 = c->cif0 & 0xffff8000u; /* no CIF1..7, nothing after bit 15 */
    size_t words = triad_vita49_header_words(pkt) + 1;
    for (int bit = 30; bit >= 15; bit--)
        if (cif0 >> bit & 1)
            words += cif0_words[bit];
    if (words > 0xffff || words * 4 > cap)
        return 0;
    uint8_t *b = buf;
    memset(b, 0, words * 4);
    /* TSM (bit 24) 1: the timestamp is coarse, the context holds from then on */
    size_t at = encode_header(b, pkt, TRIAD_VITA49_IF_CONTEXT, false, true, words);
    store_be32(b + 4 * at++, cif0);
    for (int bit = 30; bit >= 15; bit--) {
        if (!(cif0 >> bit & 1))
            continue;
        uint8_t *f = b + 4 * at;
        switch (1u << bit) {
        case TRIAD_VITA49_CIF0_BANDWIDTH: store_be64(f, to_radix20(c->bandwidth_hz)); break;
        case TRIAD_VITA49_CIF0_IF_REF: store_be64(f, to_radix20(c->if_ref_hz)); break;
        case TRIAD_VITA49_CIF0_RF_REF: store_be64(f, to_radix20(c->rf_ref_hz)); break;
        case TRIAD_VITA49_CIF0_SAMPLE_RATE: store_be64(f, to_radix20(c->sample_rate_hz)); break;
        case TRIAD_VITA49_CIF0_TS_ADJUST: store_be64(f, (uint64_t)c->ts_adjust_ps); break;
        case TRIAD_VITA49_CIF0_REF_LEVEL: store_be32(f, to_radix7(c->ref_level_dbm)); break;
        case TRIAD_VITA49_CIF0_GAIN:
            store_be32(f, to_radix7(c->gain2_db) << 16 | to_radix7(c->gain1_db));
            break;
        default: break;
        }
        at += cif0_words[bit];
    }
    return words * 4;
}

void triad_vita49_payload_to_le(void *dst, const uint8_t *payload, size_t n)
{
    /* bytes I1 I0 Q1 Q0 -> I0 I1 Q0 Q1: swap the bytes within each 16-bit half; memcpy
     * keeps unaligned payloads legal, and the loop vectorises */
    uint8_t *d = dst;
    for (size_t j = 0; j < n; j++) {
        uint32_t w;
        memcpy(&w, payload + 4 * j, 4);
        w = (w & 0x00ff00ffu) << 8 | (w >> 8 & 0x00ff00ffu);
        memcpy(d + 4 * j, &w, 4);
    }
}

/* ---- UDP ---------------------------------------------------------------------------- */

int triad_udp_split(const char *text, char *host, size_t host_size, char *port, size_t port_size)
{
    const char *colon, *h = text;
    size_t hlen;
    if (text[0] == '[') {
        const char *close = strchr(text, ']');
        if (!close || close[1] != ':')
            goto bad;
        h = text + 1;
        hlen = (size_t)(close - h);
        colon = close + 1;
    } else {
        colon = strrchr(text, ':');
        if (!colon)
            goto bad;
        hlen = (size_t)(colon - text);
        if (memchr(text, ':', hlen))
            goto bad; /* a bare IPv6 address needs brackets */
    }
    const char *p = colon + 1;
    const size_t plen = strlen(p);
    if (plen == 0 || plen >= port_size || hlen >= host_size || strspn(p, "0123456789") != plen ||
        atol(p) > 65535)
        goto bad;
    memcpy(host, h, hlen);
    host[hlen] = '\0';
    memcpy(port, p, plen + 1);
    return 0;
bad:
    return triad__fail(TRIAD_EINVAL, "'%s' is not HOST:PORT ([ADDR]:PORT for IPv6, port 0..65535)",
                       text);
}

static int resolve(const char *host, const char *port, bool passive, struct addrinfo **res)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_DGRAM,
                             .ai_flags = passive ? AI_PASSIVE : 0};
    const int e = getaddrinfo(host[0] ? host : NULL, port, &hints, res);
    if (e)
        return triad__fail(TRIAD_EINVAL, "%s:%s: cannot resolve: %s", host[0] ? host : "*", port,
                           gai_strerror(e));
    return 0;
}

static void format_addr(const struct sockaddr *sa, char *buf, size_t size)
{
    char a[INET6_ADDRSTRLEN] = "?";
    unsigned port = 0;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *s = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &s->sin_addr, a, sizeof a);
        port = ntohs(s->sin_port);
        snprintf(buf, size, "%s:%u", a, port);
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)sa;
        inet_ntop(AF_INET6, &s->sin6_addr, a, sizeof a);
        port = ntohs(s->sin6_port);
        snprintf(buf, size, "[%s]:%u", a, port);
    } else {
        snprintf(buf, size, "?");
    }
}

struct triad_udp_rx {
    int fd;
    size_t batch;
    uint8_t *bufs;          /* [batch x TRIAD_VITA49_MAX_DATAGRAM] */
    struct mmsghdr *msgs;   /* [batch] */
    struct iovec *iov;      /* [batch] */
    char address[96];
};

int triad_udp_rx_open(triad_udp_rx **out, const char *host, const char *port, int rcvbuf_bytes,
                      size_t batch)
{
    *out = NULL;
    if (batch == 0 || batch > 1024)
        return triad__fail(TRIAD_EINVAL, "udp: batch %zu is not 1..1024", batch);
    struct addrinfo *res;
    int err = resolve(host, port, true, &res);
    if (err)
        return err;
    triad_udp_rx *rx = calloc(1, sizeof *rx);
    if (!rx) {
        freeaddrinfo(res);
        return triad__fail(TRIAD_ENOMEM, "udp: out of memory");
    }
    rx->fd = -1;
    rx->batch = batch;
    rx->bufs = malloc(batch * TRIAD_VITA49_MAX_DATAGRAM);
    rx->msgs = calloc(batch, sizeof *rx->msgs);
    rx->iov = calloc(batch, sizeof *rx->iov);
    if (!rx->bufs || !rx->msgs || !rx->iov) {
        err = triad__fail(TRIAD_ENOMEM, "udp: out of memory for %zu receive buffers", batch);
        goto fail;
    }
    int last_errno = 0;
    for (struct addrinfo *a = res; a && rx->fd < 0; a = a->ai_next) {
        const int fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0) {
            last_errno = errno;
            continue;
        }
        if (bind(fd, a->ai_addr, a->ai_addrlen) != 0) {
            last_errno = errno;
            close(fd);
            continue;
        }
        rx->fd = fd;
    }
    if (rx->fd < 0) {
        err = triad__fail(TRIAD_EIO, "udp: cannot bind %s:%s: %s", host[0] ? host : "*", port,
                          strerror(last_errno));
        goto fail;
    }
    /* a larger kernel buffer rides out the reader's scheduling gaps; the kernel caps it at
     * net.core.rmem_max (no error then, see triad_udp_rx_rcvbuf) */
    if (rcvbuf_bytes > 0)
        setsockopt(rx->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf_bytes, sizeof rcvbuf_bytes);
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    if (getsockname(rx->fd, (struct sockaddr *)&ss, &sl) == 0)
        format_addr((struct sockaddr *)&ss, rx->address, sizeof rx->address);
    for (size_t i = 0; i < batch; i++) {
        rx->iov[i].iov_base = rx->bufs + i * TRIAD_VITA49_MAX_DATAGRAM;
        rx->iov[i].iov_len = TRIAD_VITA49_MAX_DATAGRAM;
    }
    freeaddrinfo(res);
    *out = rx;
    return 0;
fail:
    freeaddrinfo(res);
    triad_udp_rx_close(rx);
    return err;
}

const char *triad_udp_rx_address(const triad_udp_rx *rx) { return rx->address; }

int triad_udp_rx_rcvbuf(const triad_udp_rx *rx)
{
    int v = 0;
    socklen_t l = sizeof v;
    getsockopt(rx->fd, SOL_SOCKET, SO_RCVBUF, &v, &l);
    return v;
}

int triad_udp_rx_recv(triad_udp_rx *rx, int timeout_ms)
{
    struct pollfd p = {.fd = rx->fd, .events = POLLIN};
    const int r = poll(&p, 1, timeout_ms);
    if (r < 0)
        return errno == EINTR ? 0 : triad__fail(TRIAD_EIO, "udp: poll: %s", strerror(errno));
    if (r == 0)
        return 0;
    for (size_t i = 0; i < rx->batch; i++) {
        memset(&rx->msgs[i].msg_hdr, 0, sizeof rx->msgs[i].msg_hdr);
        rx->msgs[i].msg_hdr.msg_iov = &rx->iov[i];
        rx->msgs[i].msg_hdr.msg_iovlen = 1;
        rx->msgs[i].msg_len = 0;
    }
    const int n = recvmmsg(rx->fd, rx->msgs, (unsigned)rx->batch, MSG_DONTWAIT, NULL);
    if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
            return 0;
        return triad__fail(TRIAD_EIO, "udp: recvmmsg: %s", strerror(errno));
    }
    return n;
}

const uint8_t *triad_udp_rx_data(const triad_udp_rx *rx, size_t i)
{
    return rx->bufs + i * TRIAD_VITA49_MAX_DATAGRAM;
}

size_t triad_udp_rx_len(const triad_udp_rx *rx, size_t i)
{
    return rx->msgs[i].msg_len;
}

void triad_udp_rx_close(triad_udp_rx *rx)
{
    if (!rx)
        return;
    if (rx->fd >= 0)
        close(rx->fd);
    free(rx->bufs);
    free(rx->msgs);
    free(rx->iov);
    free(rx);
}

struct triad_udp_tx {
    int fd;
};

int triad_udp_tx_open(triad_udp_tx **out, const char *host, const char *port, int sndbuf_bytes)
{
    *out = NULL;
    if (!host[0])
        return triad__fail(TRIAD_EINVAL, "udp: a destination needs a host (e.g. 127.0.0.1:%s)",
                           port);
    struct addrinfo *res;
    int err = resolve(host, port, false, &res);
    if (err)
        return err;
    int fd = -1, last_errno = 0;
    for (struct addrinfo *a = res; a && fd < 0; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0) {
            last_errno = errno;
            continue;
        }
        if (connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
            last_errno = errno;
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    if (fd < 0)
        return triad__fail(TRIAD_EIO, "udp: cannot reach %s:%s: %s", host, port,
                           strerror(last_errno));
    if (sndbuf_bytes > 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf_bytes, sizeof sndbuf_bytes);
    triad_udp_tx *tx = malloc(sizeof *tx);
    if (!tx) {
        close(fd);
        return triad__fail(TRIAD_ENOMEM, "udp: out of memory");
    }
    tx->fd = fd;
    *out = tx;
    return 0;
}

int triad_udp_tx_send(triad_udp_tx *tx, const void *buf, size_t len)
{
    for (;;) {
        const ssize_t n = send(tx->fd, buf, len, 0);
        if (n >= 0)
            return 0;
        if (errno == EINTR)
            continue;
        /* a receiver not (yet) listening answers with ICMP port unreachable, reported on a
         * later send; a datagram stream carries on. A full socket buffer waits a little. */
        if (errno == ECONNREFUSED)
            return 0;
        if (errno == ENOBUFS || errno == EAGAIN) {
            struct pollfd p = {.fd = tx->fd, .events = POLLOUT};
            poll(&p, 1, 10);
            continue;
        }
        return triad__fail(TRIAD_EIO, "udp: send: %s", strerror(errno));
    }
}

void triad_udp_tx_close(triad_udp_tx *tx)
{
    if (!tx)
        return;
    close(tx->fd);
    free(tx);
}
