/* One end of a sharing link on DDS: a participant in the link's domain (secured by the
 * Cyclone configuration given: DDS Security's authentication, access control and crypto), the
 * envelope topics in both directions and the heartbeat topic, with the link's alarms.
 *
 *   triad/share/to_hub    nodes -> hub   node writers transient-local (the hub, restarting,
 *                                        gets every node's latest version per instance),
 *                                        keep-last 64 per instance in flight; hub readers
 *                                        transient-local
 *   triad/share/from_hub  hub -> nodes   volatile: on every partner matched the hub sends the
 *                                        latest version of every active instance itself,
 *                                        countersigned at that time (fresh for the receiver)
 *   triad/share/heartbeat both ways      one sample per period; readers' deadline 3 periods
 *   triad/share/status    hub -> nodes   volatile: the other links' states and the hub's
 *                                        faults, signed by the hub (share/envelope.h)
 * The hub's envelope reader holds at most 4096 samples not yet taken (reliable delivery waits
 * beyond that: bounded memory under a flood).
 * All reliable, automatic liveliness with the lease below (readers accept any lease), local
 * samples ignored. Heartbeat writers offer a deadline of their period, readers ask for three
 * of theirs: a peer's heartbeat period may be up to three of ours, else the heartbeats do not
 * match (an INCOMPATIBLE event says so).
 * Alarms (triad_share_link_event): the peer's liveliness lost/regained, its heartbeat deadline
 * missed, a partner matched/unmatched on our envelope writer.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TRIAD_SHARE_LINK_H
#define TRIAD_SHARE_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "share/envelope.h"

typedef enum { TRIAD_SHARE_LINK_NODE, TRIAD_SHARE_LINK_HUB } triad_share_link_role;

/* Hub: a check run on every envelope as DDS receives it, before it is stored in the reader
 * (a refused one never takes memory there, not even as an instance): origin as sent, whether
 * it carries an origin signature and a hub countersignature, seq and time. Returns true to
 * keep it. Runs on Cyclone's receive thread: cheap, thread-safe. */
typedef bool (*triad_share_link_prefilter)(void *arg, const char *origin, bool signed_by_origin,
                                           bool countersigned, uint64_t seq, int64_t time_ns);

typedef struct {
    triad_share_link_role role;
    uint32_t domain_id;
    const char *config;   /* Cyclone configuration (XML or file:// URI); NULL: see loopback */
    bool loopback;        /* config NULL: 127.0.0.1 only, no security (tests, benchmarks) */
    const char *self;     /* our node id, in our heartbeats */
    double heartbeat_s;   /* 0: 1 s */
    double lease_s;       /* liveliness lease; 0: 3 s */
    triad_share_link_prefilter prefilter; /* hub: NULL, or the check above */
    void *prefilter_arg;
} triad_share_link_opts;

typedef struct triad_share_link triad_share_link;

/* Join the domain and create the topics, readers and writers. who prefixes messages. Returns
 * 0, TRIAD_EINVAL (bad option, or Cyclone refused the configuration/permissions: the message
 * says which), TRIAD_EIO, TRIAD_ENOMEM. */
int triad_share_link_open(triad_share_link **l, const triad_share_link_opts *o, const char *who);
void triad_share_link_close(triad_share_link *l); /* NULL-safe */

/* Publish one envelope in our direction (node: to the hub, hub: to the nodes). A reliable
 * write blocked over 1 s by a reader that does not acknowledge fails with TRIAD_EIO. */
int triad_share_link_publish(triad_share_link *l, const triad_share_envelope *e);

/* Wait until every envelope published was acknowledged by the readers, at most timeout_s.
 * Returns 0, TRIAD_EIO (timeout). */
int triad_share_link_flush(triad_share_link *l, double timeout_s);

/* Hub: publish a signed link status to the node(s). */
int triad_share_link_publish_status(triad_share_link *l, const triad_share_status *s);

/* Publish a heartbeat when one is due at now_ns (UTC ns). */
int triad_share_link_heartbeat(triad_share_link *l, int64_t now_ns);

typedef enum {
    TRIAD_SHARE_EV_NONE = 0,
    TRIAD_SHARE_EV_MESSAGE,   /* env holds an envelope as received (not verified) */
    TRIAD_SHARE_EV_MALFORMED, /* a sample that is not an envelope: detail says why */
    TRIAD_SHARE_EV_MATCHED,   /* count: the peers now reading what we publish */
    TRIAD_SHARE_EV_UNMATCHED,
    TRIAD_SHARE_EV_ALIVE,     /* the peer's writers are alive again (count: how many) */
    TRIAD_SHARE_EV_LOST,      /* the peer's liveliness lapsed */
    TRIAD_SHARE_EV_DEADLINE,  /* no heartbeat from a peer within its deadline */
    TRIAD_SHARE_EV_HEARTBEAT, /* a heartbeat (peer, time_ns) */
    TRIAD_SHARE_EV_INCOMPATIBLE, /* a peer that cannot match our QoS (detail: which policy) */
    TRIAD_SHARE_EV_STATUS        /* node: a link status from the hub (not verified) */
} triad_share_event_kind;

typedef struct {
    triad_share_event_kind kind;
    int count;
    char peer[TRIAD_SHARE_ID_MAX]; /* HEARTBEAT */
    int64_t time_ns;               /* HEARTBEAT */
    char detail[160];
    triad_share_status status;     /* STATUS */
    triad_share_envelope env;      /* MESSAGE */
} triad_share_link_event;

/* The next event, without waiting; kind NONE when there is none. Status changes come before
 * samples. Returns 0 or a negative triad_err. */
int triad_share_link_poll(triad_share_link *l, triad_share_link_event *ev);
/* The same in two halves: status changes, heartbeats and link statuses only; envelopes only
 * (MESSAGE or MALFORMED). Each half from one thread at a time. */
int triad_share_link_poll_status(triad_share_link *l, triad_share_link_event *ev);
int triad_share_link_take(triad_share_link *l, triad_share_link_event *ev);

/* Waiting on several links at once: a waitset that wakes when any of them has an event. */
typedef struct triad_share_waiter triad_share_waiter;
int triad_share_waiter_create(triad_share_waiter **w);
int triad_share_waiter_add(triad_share_waiter *w, triad_share_link *l);
/* Wait up to timeout_s (0: poll). Returns 0 (woken or timed out) or a negative triad_err. */
int triad_share_waiter_wait(triad_share_waiter *w, double timeout_s);
void triad_share_waiter_destroy(triad_share_waiter *w);

/* UTC now in ns. */
int64_t triad_share_now_ns(void);

#endif
