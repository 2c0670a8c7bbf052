/* share_inject: a rogue or faulty sender on a link, for tests/share_hub.sh. Joins the link of a
 * node configuration (with that node's DDS identity and signing key) and publishes envelopes
 * that the hub must refuse, one per event id from FIRST_EVENT on, then a good one last:
 *   unsigned      no origin signature
 *   bad_sig       signed, then one signature byte flipped
 *   stale         signed, origin time 10 minutes ago
 *   future        signed, origin time 10 minutes ahead
 *   wrong_origin  signed by this node's key but claiming another origin ("Z")
 *   replay        version 2 (good), then version 1 of the same event again (a replay)
 *   good          one good warning (the hub must relay it)
 * Prints "MODE EVENT_ID SEQ" per envelope sent. usage: share_inject NODE_CONFIG FIRST_EVENT
 *
 * A flood instead: share_inject NODE_CONFIG flood RATE SECONDS FIRST_EVENT publishes unsigned
 * warnings (each its own instance, event ids from FIRST_EVENT) at RATE per second for SECONDS,
 * in bursts every millisecond, and prints "flood SENT" (every write DDS took).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "share/config.h"
#include "share/envelope.h"
#include "share/link.h"
#include "triad/error.h"

static triad_share_envelope make(const triad__share_cfg *c, const char *origin, double event,
                                 uint64_t seq, int64_t t, int version)
{
    triad_share_envelope e;
    memset(&e, 0, sizeof e);
    snprintf(e.origin, sizeof e.origin, "%s", origin);
    (void)c;
    e.seq = seq;
    e.time_ns = t;
    triad_share_msg_init(&e.msg, TRIAD_SHARE_WARNING);
    triad_share_msg_set_num(&e.msg, "event_id", event);
    triad_share_msg_set_num(&e.msg, "version", version);
    triad_share_msg_set_str(&e.msg, "kind", version == 1 ? "NEW" : "UPDATE");
    triad_share_msg_set_num(&e.msg, "track_id", 900);
    triad_share_msg_set_num(&e.msg, "launch.lat_deg", 38.123456);
    triad_share_msg_set_num(&e.msg, "launch.lon_deg", 125.654321);
    return e;
}

static int inject_one(triad_share_link *l, const char *mode, const triad_share_envelope *e)
{
    if (triad_share_link_publish(l, e)) {
        fprintf(stderr, "share_inject: %s: %s\n", mode, triad_errmsg());
        return 1;
    }
    printf("%s %.0f %" PRIu64 "\n", mode, triad_share_msg_get(&e->msg, "event_id")->num, e->seq);
    return 0;
}

static double mono_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Unsigned envelopes at rate per second for seconds: what a sender inside the link without
 * the origin's signing key can do. Returns how many DDS took. */
static long flood(triad_share_link *l, const triad__share_cfg *c, double rate, double seconds,
                  double ev0)
{
    triad_share_envelope *e = malloc(sizeof *e);
    if (!e)
        return 0;
    uint64_t seq = (uint64_t)(triad_share_now_ns() / 1000) + 9000000;
    long sent = 0;
    const double t0 = mono_s();
    for (double t = 0; t < seconds; t = mono_s() - t0) {
        const long due = (long)(t * rate) + 1;
        for (; sent < due; sent++) {
            *e = make(c, c->id, ev0 + (double)sent, seq++, triad_share_now_ns(), 1);
            if (triad_share_link_publish(l, e)) {
                fprintf(stderr, "share_inject: flood: %s\n", triad_errmsg());
                break;
            }
        }
        nanosleep(&(struct timespec){0, 1000000}, NULL);
    }
    free(e);
    return sent;
}

int main(int argc, char **argv)
{
    const bool flooding = argc == 6 && strcmp(argv[2], "flood") == 0;
    if (argc != 3 && !flooding) {
        fprintf(stderr, "usage: share_inject NODE_CONFIG FIRST_EVENT | NODE_CONFIG flood RATE "
                        "SECONDS FIRST_EVENT\n");
        return 2;
    }
    triad__share_cfg c;
    uint8_t sk[64];
    if (triad__share_cfg_load(argv[1], false, &c) || triad_share_key_load_secret(c.key, sk)) {
        fprintf(stderr, "share_inject: %s\n", triad_errmsg());
        return 1;
    }
    const double ev0 = atof(argv[flooding ? 5 : 2]);
    const triad_share_link_opts o = triad__share_link_opts(&c, 0, TRIAD_SHARE_LINK_NODE);
    triad_share_link *l = NULL;
    if (triad_share_link_open(&l, &o, "share_inject")) {
        fprintf(stderr, "share_inject: %s\n", triad_errmsg());
        return 1;
    }
    /* wait for the hub to read us */
    triad_share_link_event *ev = malloc(sizeof *ev);
    bool matched = false;
    for (int i = 0; i < 300 && !matched && ev; i++) {
        while (!triad_share_link_poll(l, ev) && ev->kind != TRIAD_SHARE_EV_NONE)
            matched |= ev->kind == TRIAD_SHARE_EV_MATCHED;
        nanosleep(&(struct timespec){0, 50000000}, NULL);
    }
    free(ev);
    if (!matched) {
        fprintf(stderr, "share_inject: no hub on the link\n");
        triad_share_link_close(l);
        return 1;
    }
    if (flooding) {
        const long sent = flood(l, &c, atof(argv[3]), atof(argv[4]), ev0);
        printf("flood %ld\n", sent);
        fflush(stdout);
        triad_share_link_flush(l, 30);
        triad_share_link_close(l);
        return 0;
    }
    const int64_t now = triad_share_now_ns(), min10 = INT64_C(600000000000);
    uint64_t seq = (uint64_t)(now / 1000) + 5000000; /* above the node's own */
    int bad = 0;
    triad_share_envelope e = make(&c, c.id, ev0, seq++, now, 1);
    bad |= inject_one(l, "unsigned", &e);
    e = make(&c, c.id, ev0 + 1, seq++, now, 1);
    triad_share_sign(&e, sk);
    e.origin_sig[17] ^= 0x40;
    bad |= inject_one(l, "bad_sig", &e);
    e = make(&c, c.id, ev0 + 2, seq++, now - min10, 1);
    triad_share_sign(&e, sk);
    bad |= inject_one(l, "stale", &e);
    e = make(&c, c.id, ev0 + 3, seq++, now + min10, 1);
    triad_share_sign(&e, sk);
    bad |= inject_one(l, "future", &e);
    e = make(&c, "Z", ev0 + 4, seq++, now, 1);
    triad_share_sign(&e, sk);
    bad |= inject_one(l, "wrong_origin", &e);
    triad_share_envelope v1 = make(&c, c.id, ev0 + 5, seq++, now, 1);
    triad_share_envelope v2 = make(&c, c.id, ev0 + 5, seq++, now, 2);
    triad_share_sign(&v1, sk);
    triad_share_sign(&v2, sk);
    bad |= inject_one(l, "replay_v2", &v2);
    nanosleep(&(struct timespec){0, 200000000}, NULL); /* v2 first, for sure */
    bad |= inject_one(l, "replay", &v1);
    e = make(&c, c.id, ev0 + 6, seq++, triad_share_now_ns(), 1);
    triad_share_sign(&e, sk);
    bad |= inject_one(l, "good", &e);
    fflush(stdout);
    triad_share_link_close(l); /* waits for the acknowledgements */
    return bad;
}
