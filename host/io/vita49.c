/* VITA-49.0 IF data packets (our subset) and their UDP sockets.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#define _GNU_SOURCE /* recvmmsg */
#include "io/vita49.h"

#include <arpa/inet.h>
#include <errno.h>
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
 * 26 T (trailer), 25..24 reserved for IF data, 23..22 TSI, 21..20 TSF, 19..16 packet count,
 * 15..0 packet size in 32-bit words, header included. */
enum {
    TYPE_IF_DATA_SID = 1,
    TSI_NONE = 0,
    TSI_UTC = 1,
    TSF_SAMPLE_COUNT = 1,
};

const char *triad_vita49_status_name(triad_vita49_status s)
{
    static const char *const names[TRIAD_VITA49_NSTATUS] = {
        [TRIAD_VITA49_OK] = "ok",
        [TRIAD_VITA49_SHORT] = "short",
        [TRIAD_VITA49_UNALIGNED] = "not whole words",
        [TRIAD_VITA49_TYPE] = "packet type",
        [TRIAD_VITA49_CLASS_ID] = "class ID",
        [TRIAD_VITA49_TRAILER] = "trailer",
        [TRIAD_VITA49_TSI] = "TSI",
        [TRIAD_VITA49_TSF] = "TSF",
        [TRIAD_VITA49_SIZE] = "size field",
        [TRIAD_VITA49_EMPTY] = "no samples",
        [TRIAD_VITA49_RANGE] = "index range",
        [TRIAD_VITA49_STREAM] = "stream ID",
    };
    return (unsigned)s < TRIAD_VITA49_NSTATUS ? names[s] : "?";
}

static uint32_t load_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static void store_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

size_t triad_vita49_header_words(bool has_utc)
{
    return has_utc ? 5 : 4;
}

triad_vita49_status triad_vita49_parse(const void *buf, size_t len, triad_vita49_packet *pkt)
{
    const uint8_t *b = buf;
    if (len < 4)
        return TRIAD_VITA49_SHORT;
    const uint32_t h = load_be32(b);
    /* the type and flags first: a context packet is "wrong type" whatever its length */
    if (h >> 28 != TYPE_IF_DATA_SID)
        return TRIAD_VITA49_TYPE;
    if (h >> 27 & 1)
        return TRIAD_VITA49_CLASS_ID;
    if (h >> 26 & 1)
        return TRIAD_VITA49_TRAILER;
    const unsigned tsi = h >> 22 & 3, tsf = h >> 20 & 3;
    if (tsi != TSI_NONE && tsi != TSI_UTC)
        return TRIAD_VITA49_TSI;
    if (tsf != TSF_SAMPLE_COUNT)
        return TRIAD_VITA49_TSF;
    const size_t header = triad_vita49_header_words(tsi == TSI_UTC) * 4;
    if (len % 4 != 0)
        return TRIAD_VITA49_UNALIGNED;
    if (len < header)
        return TRIAD_VITA49_SHORT;
    if ((size_t)(h & 0xffff) * 4 != len)
        return TRIAD_VITA49_SIZE;
    if (len == header)
        return TRIAD_VITA49_EMPTY;
    pkt->packet_count = h >> 16 & 15;
    pkt->stream_id = load_be32(b + 4);
    pkt->has_utc = tsi == TSI_UTC;
    pkt->utc_s = pkt->has_utc ? load_be32(b + 8) : 0;
    const uint8_t *f = b + header - 8;
    pkt->sample_index = (uint64_t)load_be32(f) << 32 | load_be32(f + 4);
    pkt->num_samples = (len - header) / 4;
    pkt->payload = b + header;
    if (pkt->sample_index >= TRIAD_VITA49_INDEX_LIMIT ||
        TRIAD_VITA49_INDEX_LIMIT - pkt->sample_index < pkt->num_samples)
        return TRIAD_VITA49_RANGE;
    return TRIAD_VITA49_OK;
}

size_t triad_vita49_encode(void *buf, size_t cap, const triad_vita49_packet *pkt,
                           const int16_t *iq, size_t stride)
{
    const size_t header = triad_vita49_header_words(pkt->has_utc);
    const size_t words = header + pkt->num_samples;
    if (words > 0xffff || words * 4 > cap)
        return 0;
    uint8_t *b = buf;
    store_be32(b, (uint32_t)TYPE_IF_DATA_SID << 28 |
                      (uint32_t)(pkt->has_utc ? TSI_UTC : TSI_NONE) << 22 |
                      (uint32_t)TSF_SAMPLE_COUNT << 20 | (uint32_t)(pkt->packet_count & 15) << 16 |
                      (uint32_t)words);
    store_be32(b + 4, pkt->stream_id);
    if (pkt->has_utc)
        store_be32(b + 8, pkt->utc_s);
    uint8_t *f = b + header * 4 - 8;
    store_be32(f, (uint32_t)(pkt->sample_index >> 32));
    store_be32(f + 4, (uint32_t)pkt->sample_index);
    uint8_t *p = b + header * 4;
    for (size_t j = 0; j < pkt->num_samples; j++, p += 4) {
        const uint16_t i = (uint16_t)iq[2 * j * stride], q = (uint16_t)iq[2 * j * stride + 1];
        store_be32(p, (uint32_t)i << 16 | q);
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
