/* SPDX-License-Identifier: GPL-2.0-or-later */
#define _GNU_SOURCE /* memmem */
#include "share/hub.h"

#include <dds/ddsrt/log.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/error_internal.h"
#include "share/audit.h"
#include "share/config.h"
#include "share/envelope.h"
#include "share/link.h"
#include "share/policy.h"
#include "share/store.h"

enum {
    BATCH_MAX = 128,      /* envelopes committed together (one fsync per file per batch) */
    TAKE_PER_LINK = 32,   /* per link per round of a batch: a busy link cannot crowd out another */
    CTL_MAX = 64,         /* link events waiting for the relay thread, per link */
    SHOW_MAX = 3,         /* refusals audited in full per link, reason and summary interval */
    OUT_FACTOR = 4,       /* releases waiting per link: this many times the input queue */
    NUM_REASONS = 16,
    STATE_LEN = 16
};

/* Link events the relay thread handles (alarms, matches), in order. */
typedef struct {
    triad_share_event_kind kind;
    int count;
    char detail[160];
} ctl_event;

/* A refusal to audit in full. */
typedef struct {
    char origin[TRIAD_SHARE_ID_MAX];
    uint64_t seq;
    int64_t time_ns;
    int reason;
    char why[300];
} refusal;

typedef struct {
    uint64_t count, shown;
    int64_t first_ns, last_ns;
} tally;

/* One envelope on its way through the relay thread; stage says what is done, so that a write
 * that failed (audit log or state file) is retried from there and nothing is done twice. */
typedef enum { ST_STORE, ST_RECEIVED, ST_WITHHELD, ST_PUBLISH, ST_RELEASED, ST_DONE } stage;
typedef struct {
    triad_share_envelope env, out; /* as received (verified); released copy for partner q */
    size_t from, q;
    stage st;
} item;

typedef struct {
    triad_share_hub *h;
    size_t i;
    triad_share_link *link;
    triad_share_waiter *waiter;
    triad_share_verifier *verifier; /* this reader's (verification runs here) */
    pthread_t thread;
    bool started;
    triad_share_link_event ev; /* the reader's */
    bool deadline_missed;      /* the reader's: tell the relay thread of the next heartbeat */
    double tokens;             /* verifications allowed now (token bucket) */
    int64_t refill_ns;
    /* under h->mu: */
    triad_share_envelope *ring; /* verified envelopes for the relay thread */
    size_t head, count;
    ctl_event ctl[CTL_MAX];
    size_t ctl_head, ctl_count;
    uint64_t ctl_lost;
    refusal rej[SHOW_MAX * 4];
    size_t rej_head, rej_count;
    tally t[NUM_REASONS];
    /* releases waiting for this link's sender thread (under h->mu) */
    triad_share_envelope *out;
    size_t out_head, out_count;
    pthread_cond_t out_cv, out_room;
    pthread_t sender;
    bool sender_started;
    uint64_t out_dropped, out_dropped_told;
    /* the relay thread's view of the link */
    char state[STATE_LEN];
    bool matched, alive_seen;
    int alive;
    bool silent;
} link_rt;

struct triad_share_hub {
    triad__share_cfg cfg;
    uint8_t sk[64];
    triad_share_trust *trust;
    triad_share_verifier *verifier;
    triad_share_policy *policy;
    triad_share_audit *audit;
    triad_share_store *store;
    triad_share_link *links[TRIAD__SHARE_LINKS_MAX];
    link_rt rt[TRIAD__SHARE_LINKS_MAX];
    pthread_mutex_t mu;
    pthread_cond_t work, room; /* work: something for the relay thread; room: a ring has space */
    volatile int stopping;         /* readers and heartbeats */
    volatile int senders_stopping; /* senders: once their queues are empty */
    pthread_t hb_thread;
    bool hb_started;
    item *batch;
    size_t nbatch, done; /* batch[done..nbatch) still to finish */
    bool fault;          /* a write failed: held (fail closed) or relaying unaudited */
    bool failed_now;     /* a write failed during this commit */
    char fault_detail[192];
    int64_t next_retry_ns;
    triad_share_hub_stats stats;
    triad_share_withheld wh[TRIAD_SHARE_MAX_FIELDS];
    triad_share_msg probe_in, probe_out;
    triad_share_envelope rejected_env; /* a refusal's header, for its audit line */
};

static int64_t now_ns(void) { return triad_share_now_ns(); }

static int reason_slot(int reason)
{
    const int k = reason <= -100 && reason > -100 - (NUM_REASONS - 1) ? -100 - reason : NUM_REASONS - 1;
    return k;
}

static int slot_reason(int k) { return k == NUM_REASONS - 1 ? TRIAD_EFORMAT : -100 - k; }

static bool prefilter(void *arg, const char *origin, bool signed_by_origin, bool countersigned,
                      uint64_t seq, int64_t time_ns);

/* The policy may not withhold or change what identifies an instance (a warning's event_id, a
 * track's track_id): a partner would merge or lose instances. Probed once per partner. */
static int check_policy_keeps_ids(triad_share_hub *h, const char *config_path)
{
    int err = 0;
    for (size_t q = 0; !err && q < h->cfg.num_links; q++)
        for (int t = TRIAD_SHARE_WARNING; !err && t <= TRIAD_SHARE_TRACK; t++) {
            triad_share_msg *in = &h->probe_in, *out = &h->probe_out;
            triad_share_msg_init(in, (triad_share_type)t);
            const double probe = 123456789.0;
            triad_share_msg_set_num(in, t == TRIAD_SHARE_WARNING ? "event_id" : "track_id", probe);
            size_t nwh = 0;
            const int code = triad_share_policy_apply(h->policy, "probe", h->cfg.links[q].partner,
                                                      in, out, h->wh, &nwh);
            uint64_t id = 0;
            if (code == TRIAD_SHARE_ENO_POLICY)
                continue;
            if (code)
                err = code;
            else if (triad_share_instance_id(out, &id) != 0 || id != (uint64_t)probe)
                err = triad__fail(TRIAD_EINVAL,
                                  "%s: policy %s: partners.%s.%s withholds or rounds '%s', which "
                                  "identifies the instance: release it unchanged",
                                  config_path, h->cfg.policy, h->cfg.links[q].partner,
                                  triad_share_type_name((triad_share_type)t),
                                  t == TRIAD_SHARE_WARNING ? "event_id" : "track_id");
        }
    return err;
}

void triad_share_hub_destroy(triad_share_hub *h)
{
    if (!h)
        return;
    for (size_t i = 0; i < TRIAD__SHARE_LINKS_MAX; i++) {
        triad_share_link_close(h->links[i]);
        triad_share_waiter_destroy(h->rt[i].waiter);
        triad_share_verifier_destroy(h->rt[i].verifier);
        free(h->rt[i].ring);
        free(h->rt[i].out);
        if (h->rt[i].h) { /* initialised */
            pthread_cond_destroy(&h->rt[i].out_cv);
            pthread_cond_destroy(&h->rt[i].out_room);
        }
    }
    triad_share_store_close(h->store);
    triad_share_audit_close(h->audit);
    triad_share_policy_destroy(h->policy);
    triad_share_verifier_destroy(h->verifier);
    triad_share_trust_destroy(h->trust);
    pthread_mutex_destroy(&h->mu);
    pthread_cond_destroy(&h->work);
    pthread_cond_destroy(&h->room);
    sodium_memzero(h->sk, sizeof h->sk);
    free(h->batch);
    free(h);
}

int triad_share_hub_create(triad_share_hub **out, const char *config_path)
{
    *out = NULL;
    triad_share_hub *h = calloc(1, sizeof *h);
    if (!h)
        return triad__fail(TRIAD_ENOMEM, "hub: out of memory");
    pthread_mutex_init(&h->mu, NULL);
    pthread_cond_init(&h->work, NULL);
    pthread_cond_init(&h->room, NULL);
    triad__share_cfg *c = &h->cfg;
    int err = triad__share_cfg_load(config_path, true, c);
    if (!err && !(h->batch = calloc(BATCH_MAX, sizeof *h->batch)))
        err = triad__fail(TRIAD_ENOMEM, "hub: out of memory");
    if (!err)
        err = triad__share_identity(c, config_path, c->id, false, h->sk, &h->trust, &h->verifier);
    if (!err)
        err = triad_share_policy_load(&h->policy, c->policy);
    /* group commit: the hub syncs the log and the state file once per batch itself */
    if (!err)
        err = triad_share_audit_open(&h->audit, c->audit, false);
    if (!err)
        err = triad_share_audit_sign_with(h->audit, c->id, h->sk, c->checkpoint_lines,
                                          c->checkpoint_s);
    if (!err)
        err = triad_share_audit_checkpoint(h->audit, "start");
    if (!err)
        err = check_policy_keeps_ids(h, config_path);
    if (!err)
        err = triad_share_store_open(&h->store, c->state[0] ? c->state : NULL, false);
    if (!err)
        err = triad__share_check_store(h->store, h->trust, false, c->state);
    for (size_t i = 0; !err && i < c->num_links; i++) {
        link_rt *r = &h->rt[i];
        r->h = h;
        r->i = i;
        pthread_cond_init(&r->out_cv, NULL);
        pthread_cond_init(&r->out_room, NULL);
        snprintf(r->state, sizeof r->state, "down");
        char who[160];
        snprintf(who, sizeof who, "hub: link %s (domain %u)", c->links[i].partner,
                 (unsigned)c->links[i].domain);
        triad_share_link_opts lo = triad__share_link_opts(c, i, TRIAD_SHARE_LINK_HUB);
        lo.prefilter = prefilter;
        lo.prefilter_arg = r;
        if (!(r->ring = calloc(c->queue, sizeof *r->ring)) ||
            !(r->out = calloc(OUT_FACTOR * c->queue, sizeof *r->out)))
            err = triad__fail(TRIAD_ENOMEM, "hub: out of memory for the queue of link %s",
                              c->links[i].partner);
        if (!err)
            err = triad__share_verifier(c, false, h->trust, &r->verifier);
        if (!err)
            err = triad_share_waiter_create(&r->waiter);
        if (!err)
            err = triad_share_link_open(&h->links[i], &lo, who);
        if (!err)
            err = triad_share_waiter_add(r->waiter, h->links[i]);
        r->link = h->links[i];
        r->tokens = c->link_rate_hz;
        r->refill_ns = now_ns();
    }
    if (err) {
        triad_share_hub_destroy(h);
        return err;
    }
    *out = h;
    return 0;
}

triad_share_hub_stats triad_share_hub_get_stats(const triad_share_hub *h)
{
    triad_share_hub_stats s = h->stats;
    s.rejected = __atomic_load_n(&h->stats.rejected, __ATOMIC_RELAXED);
    return s;
}

/* ---- the link readers: admission ---- */

/* Count a refusal on r's link; the first SHOW_MAX per reason and interval are kept to be
 * audited (and printed) in full, the rest only counted for the summary. */
static void refuse(link_rt *r, const char *origin, uint64_t seq, int64_t time_ns, int reason,
                   const char *why)
{
    triad_share_hub *h = r->h;
    __atomic_add_fetch(&h->stats.rejected, 1, __ATOMIC_RELAXED);
    const int64_t t = now_ns();
    pthread_mutex_lock(&h->mu);
    tally *k = &r->t[reason_slot(reason)];
    if (!k->count++)
        k->first_ns = t;
    k->last_ns = t;
    const size_t cap = sizeof r->rej / sizeof r->rej[0];
    if (k->shown < SHOW_MAX && r->rej_count < cap) {
        k->shown++;
        refusal *f = &r->rej[(r->rej_head + r->rej_count++) % cap];
        snprintf(f->origin, sizeof f->origin, "%.*s", TRIAD_SHARE_ID_MAX - 1, origin);
        f->seq = seq;
        f->time_ns = time_ns;
        f->reason = reason;
        snprintf(f->why, sizeof f->why, "%s", why);
        pthread_cond_signal(&h->work);
    }
    pthread_mutex_unlock(&h->mu);
}

static void refuse_env(link_rt *r, const triad_share_envelope *e, int reason, const char *why)
{
    refuse(r, e->origin, e->seq, e->time_ns, reason, why);
}

/* On Cyclone's receive thread, before anything is stored: the checks that need nothing but
 * the sample's header (share/link.h). */
static bool prefilter(void *arg, const char *origin, bool signed_by_origin, bool countersigned,
                      uint64_t seq, int64_t time_ns)
{
    link_rt *r = arg;
    const char *partner = r->h->cfg.links[r->i].partner;
    char why[300];
    if (strncmp(origin, partner, TRIAD_SHARE_ID_MAX) != 0) {
        snprintf(why, sizeof why, "origin %.63s seq %" PRIu64 " on the link of %s: a partner "
                 "may only originate its own messages", origin, seq, partner);
        refuse(r, origin, seq, time_ns, TRIAD_SHARE_EWRONG_LINK, why);
        return false;
    }
    if (countersigned) {
        snprintf(why, sizeof why, "origin %.63s seq %" PRIu64 ": countersigned: a hub takes "
                 "messages from their origin only", origin, seq);
        refuse(r, origin, seq, time_ns, TRIAD_SHARE_EWRONG_LINK, why);
        return false;
    }
    if (!signed_by_origin) {
        snprintf(why, sizeof why, "share: origin %.63s seq %" PRIu64 " rejected (unsigned): no "
                 "origin signature", origin, seq);
        refuse(r, origin, seq, time_ns, TRIAD_SHARE_EUNSIGNED, why);
        return false;
    }
    return true;
}

/* Wait for a verification token (the link's rate limit): a link sending more signed
 * messages than link_rate_hz is slowed, through reliable delivery, not dropped. */
static void take_token(link_rt *r)
{
    const double rate = r->h->cfg.link_rate_hz;
    for (;;) {
        const int64_t t = now_ns();
        r->tokens += rate * (double)(t - r->refill_ns) * 1e-9;
        r->refill_ns = t;
        if (r->tokens > rate)
            r->tokens = rate; /* a burst of at most one second's worth */
        if (r->tokens >= 1 || r->h->stopping) {
            r->tokens -= 1;
            return;
        }
        const double wait_s = (1 - r->tokens) / rate;
        nanosleep(&(struct timespec){0, (long)(wait_s * 1e9) + 1000}, NULL);
    }
}

/* One envelope from the link: cheap checks first, then the signature, then the queue. Nothing
 * is written here. */
static void admit(link_rt *r, triad_share_link_event *ev)
{
    triad_share_hub *h = r->h;
    const char *partner = h->cfg.links[r->i].partner;
    const triad_share_envelope *e = &ev->env;
    char why[300];
    if (ev->kind == TRIAD_SHARE_EV_MALFORMED) {
        snprintf(why, sizeof why, "malformed envelope on the link of %s: %s", partner, ev->detail);
        refuse_env(r, e, TRIAD_EFORMAT, why);
        return;
    }
    if (strncmp(e->origin, partner, TRIAD_SHARE_ID_MAX) != 0) {
        snprintf(why, sizeof why, "origin %.63s seq %" PRIu64 " on the link of %s: a partner "
                 "may only originate its own messages", e->origin, e->seq, partner);
        refuse_env(r, e, TRIAD_SHARE_EWRONG_LINK, why);
        return;
    }
    if (e->has_hub_sig) {
        snprintf(why, sizeof why, "origin %.63s seq %" PRIu64 ": countersigned by '%.63s': a hub "
                 "takes messages from their origin only", e->origin, e->seq, e->hub);
        refuse_env(r, e, TRIAD_SHARE_EWRONG_LINK, why);
        return;
    }
    /* freshness on arrival: time spent in the hub's own queue never makes a message stale */
    int code = triad_share_precheck(r->verifier, e, now_ns());
    if (!code) {
        take_token(r);
        code = triad_share_verify(r->verifier, e, now_ns());
    }
    if (code) {
        refuse_env(r, e, code, triad_errmsg());
        return;
    }
    pthread_mutex_lock(&h->mu);
    while (r->count == h->cfg.queue && !h->stopping)
        pthread_cond_wait(&h->room, &h->mu);
    if (r->count < h->cfg.queue) {
        r->ring[(r->head + r->count++) % h->cfg.queue] = *e;
        pthread_cond_signal(&h->work);
    }
    pthread_mutex_unlock(&h->mu);
}

static void push_ctl(link_rt *r, const triad_share_link_event *ev)
{
    triad_share_hub *h = r->h;
    pthread_mutex_lock(&h->mu);
    if (r->ctl_count == CTL_MAX) { /* the oldest goes: the state that follows matters */
        r->ctl_head = (r->ctl_head + 1) % CTL_MAX;
        r->ctl_count--;
        r->ctl_lost++;
    }
    ctl_event *c = &r->ctl[(r->ctl_head + r->ctl_count++) % CTL_MAX];
    c->kind = ev->kind;
    c->count = ev->count;
    snprintf(c->detail, sizeof c->detail, "%s", ev->detail);
    pthread_cond_signal(&h->work);
    pthread_mutex_unlock(&h->mu);
}

static bool ring_full(link_rt *r)
{
    pthread_mutex_lock(&r->h->mu);
    const bool full = r->count == r->h->cfg.queue;
    pthread_mutex_unlock(&r->h->mu);
    return full;
}

/* A link's reader thread: its status changes and heartbeats always, its envelopes while its
 * queue has room (else they wait in DDS, which slows the sender: memory stays bounded). */
static void *reader_main(void *arg)
{
    link_rt *r = arg;
    triad_share_hub *h = r->h;
    triad_share_link_event *ev = &r->ev;
    while (!h->stopping) {
        int err = 0;
        while (!err && !(err = triad_share_link_poll_status(r->link, ev)) &&
               ev->kind != TRIAD_SHARE_EV_NONE)
            if (ev->kind != TRIAD_SHARE_EV_HEARTBEAT || r->deadline_missed) {
                r->deadline_missed = ev->kind == TRIAD_SHARE_EV_DEADLINE;
                push_ctl(r, ev);
            }
        if (err)
            fprintf(stderr, "triad hub: %s\n", triad_errmsg());
        size_t n = 0;
        bool full = false;
        while (n < 256 && !h->stopping && !(full = ring_full(r))) {
            if (triad_share_link_take(r->link, ev) != 0) {
                fprintf(stderr, "triad hub: %s\n", triad_errmsg());
                break;
            }
            if (ev->kind == TRIAD_SHARE_EV_NONE)
                break;
            admit(r, ev);
            n++;
        }
        if (full) { /* wait for room, not for DDS: its data stays available meanwhile */
            pthread_mutex_lock(&h->mu);
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_nsec += 20000000;
            until.tv_sec += until.tv_nsec / 1000000000;
            until.tv_nsec %= 1000000000;
            if (r->count == h->cfg.queue && !h->stopping)
                pthread_cond_timedwait(&h->room, &h->mu, &until);
            pthread_mutex_unlock(&h->mu);
        } else if (n == 0) {
            triad_share_waiter_wait(r->waiter, 0.05);
        }
    }
    return NULL;
}

/* Heartbeats on every link, on their own thread: never late behind relaying or a flood. */
static void *heartbeat_main(void *arg)
{
    triad_share_hub *h = arg;
    const double period = h->cfg.heartbeat_s / 4;
    while (!h->stopping) {
        const int64_t t = now_ns();
        for (size_t q = 0; q < h->cfg.num_links; q++)
            if (triad_share_link_heartbeat(h->links[q], t) != 0)
                fprintf(stderr, "triad hub: %s\n", triad_errmsg());
        nanosleep(&(struct timespec){(time_t)period, (long)((period - (double)(time_t)period) * 1e9)},
                  NULL);
    }
    return NULL;
}

/* ---- the relay thread ---- */

/* A write failed (err, triad_errmsg()). Fail closed by default: the batch is held and tried
 * again every second, and every node is told why; with "on_audit_failure": "relay" the hub
 * goes on unaudited (and says so). Returns 0 when relaying goes on for this envelope. */
static int status_to_all(triad_share_hub *h, const char *subject, const char *state,
                         const char *detail, size_t except);

static int write_failed(triad_share_hub *h, int err)
{
    if (err != TRIAD_EIO && err != TRIAD_ENOMEM)
        return err;
    const bool relay = triad_share_policy_relay_unaudited(h->policy);
    h->failed_now = true;
    if (!h->fault) {
        h->fault = true;
        h->stats.alarms++;
        snprintf(h->fault_detail, sizeof h->fault_detail, "%s", triad_errmsg());
        fprintf(stderr, "triad hub: FAULT: %s: %s\n", h->fault_detail,
                relay ? "relaying unaudited (policy on_audit_failure: relay)"
                      : "relaying nothing until it can be written (fail closed)");
        char d[192];
        snprintf(d, sizeof d, "%s: %.150s", relay ? "relaying unaudited" : "holding", h->fault_detail);
        status_to_all(h, h->cfg.id, "fault", d, SIZE_MAX);
    }
    h->next_retry_ns = now_ns() + 1000000000;
    return relay ? 0 : err;
}

/* Audit or state write: a failure goes through write_failed(). */
#define WRITE(h, call) write_failed((h), (call))

static int status_to(triad_share_hub *h, size_t q, const char *subject, const char *state,
                     const char *detail)
{
    triad_share_status s;
    memset(&s, 0, sizeof s);
    snprintf(s.hub, sizeof s.hub, "%s", h->cfg.id);
    snprintf(s.subject, sizeof s.subject, "%s", subject);
    snprintf(s.state, sizeof s.state, "%s", state);
    snprintf(s.detail, sizeof s.detail, "%s", detail);
    s.time_ns = now_ns();
    int err = triad_share_status_sign(&s, h->sk);
    if (!err)
        err = triad_share_link_publish_status(h->links[q], &s);
    if (err)
        fprintf(stderr, "triad hub: %s\n", triad_errmsg());
    return 0; /* a node that misses it gets the state again when it matches */
}

static int status_to_all(triad_share_hub *h, const char *subject, const char *state,
                         const char *detail, size_t except)
{
    for (size_t q = 0; q < h->cfg.num_links; q++)
        if (q != except)
            status_to(h, q, subject, state, detail);
    return 0;
}

/* A countersigned release into link q's queue for its sender thread: a partner that is slow
 * to acknowledge holds up its own link only. Full for 200 ms (the partner not keeping up):
 * dropped and counted (it gets the current version of every instance when it rematches). */
static bool hand_to_sender(triad_share_hub *h, size_t q, const triad_share_envelope *o)
{
    link_rt *r = &h->rt[q];
    const size_t cap = OUT_FACTOR * h->cfg.queue;
    pthread_mutex_lock(&h->mu);
    if (r->out_count == cap) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += 200000000;
        until.tv_sec += until.tv_nsec / 1000000000;
        until.tv_nsec %= 1000000000;
        while (r->out_count == cap &&
               pthread_cond_timedwait(&r->out_room, &h->mu, &until) != ETIMEDOUT)
            ;
    }
    const bool room = r->out_count < cap;
    if (room) {
        r->out[(r->out_head + r->out_count++) % cap] = *o;
        pthread_cond_signal(&r->out_cv);
    } else {
        r->out_dropped++;
    }
    pthread_mutex_unlock(&h->mu);
    return room;
}

/* A link's sender thread: its releases in order, each write retried while the partner is
 * there but slow (reliable writes wait up to 1 s for its acknowledgements). */
static void *sender_main(void *arg)
{
    link_rt *r = arg;
    triad_share_hub *h = r->h;
    const size_t cap = OUT_FACTOR * h->cfg.queue;
    triad_share_envelope *e = malloc(sizeof *e);
    if (!e) {
        fprintf(stderr, "triad hub: link %s: out of memory for its sender\n",
                h->cfg.links[r->i].partner);
        return NULL;
    }
    for (;;) {
        pthread_mutex_lock(&h->mu);
        while (!r->out_count && !h->senders_stopping)
            pthread_cond_wait(&r->out_cv, &h->mu);
        if (!r->out_count) {
            pthread_mutex_unlock(&h->mu);
            break;
        }
        *e = r->out[r->out_head];
        r->out_head = (r->out_head + 1) % cap;
        r->out_count--;
        pthread_cond_signal(&r->out_room);
        pthread_mutex_unlock(&h->mu);
        for (int tries = 1; triad_share_link_publish(r->link, e) != 0; tries++)
            if (tries >= (h->senders_stopping ? 1 : 5)) {
                fprintf(stderr, "triad hub: %s (release dropped: the partner gets the current "
                                "version when it rematches)\n", triad_errmsg());
                break;
            }
    }
    free(e);
    return NULL;
}

/* Release item it (verified, held) to partner it->q: one step of it. */
static int release_step(triad_share_hub *h, item *it)
{
    const char *partner = h->cfg.links[it->q].partner;
    const triad_share_envelope *e = &it->env;
    triad_share_envelope *o = &it->out;
    int err = 0;
    switch (it->st) {
    case ST_WITHHELD: {
        size_t nwh = 0;
        *o = *e;
        err = triad_share_policy_apply(h->policy, e->origin, partner, &e->msg, &o->msg, h->wh, &nwh);
        if (err == TRIAD_SHARE_ENO_POLICY) {
            /* nothing goes out: one withheld line for the whole message, with the rule */
            triad_share_withheld all = {.field = "*"};
            snprintf(all.rule, sizeof all.rule, "partners.%s.%s: no policy", partner,
                     triad_share_type_name(e->msg.type));
            if ((err = WRITE(h, triad_share_audit_withheld(h->audit, e, partner, &all, 1))))
                return err;
            h->stats.withheld_fields++;
            it->st = ST_DONE;
            return 0;
        }
        if (err)
            return err;
        if ((err = WRITE(h, triad_share_audit_withheld(h->audit, e, partner, h->wh, nwh))))
            return err;
        h->stats.withheld_fields += nwh;
        it->st = ST_PUBLISH;
        return 0;
    }
    case ST_PUBLISH:
        if ((err = triad_share_countersign(o, h->cfg.id, now_ns(), h->sk)))
            return err;
        if (!hand_to_sender(h, it->q, o)) {
            it->st = ST_DONE; /* counted; the partner gets the current version on rematch */
            return 0;
        }
        h->stats.released++;
        it->st = ST_RELEASED;
        return 0;
    case ST_RELEASED:
        if ((err = WRITE(h, triad_share_audit_released(h->audit, o, partner))))
            return err;
        it->st = ST_DONE;
        return 0;
    default:
        return 0;
    }
}

/* Every release of it, to each partner but its origin, from where it stands. */
static int release_all(triad_share_hub *h, item *it)
{
    int err = 0;
    while (!err && it->q < h->cfg.num_links) {
        if (it->q == it->from || strcmp(it->env.origin, h->cfg.links[it->q].partner) == 0)
            it->st = ST_DONE;
        while (!err && it->st != ST_DONE)
            err = release_step(h, it);
        if (!err) {
            it->q++;
            it->st = ST_WITHHELD;
        }
    }
    if (!err)
        it->st = ST_DONE;
    return err;
}

/* A refusal by the relay thread itself (replayed, duplicate), counted like the readers'. */
static void refuse_here(triad_share_hub *h, size_t from, const triad_share_envelope *e, int code)
{
    refuse_env(&h->rt[from], e, code, triad_errmsg());
}

/* Stage ST_STORE and ST_RECEIVED of it. */
static int accept_item(triad_share_hub *h, item *it)
{
    int err = 0;
    if (it->st == ST_STORE) {
        const int code = triad_share_store_offer(h->store, &it->env);
        if (code == TRIAD_EIO || code == TRIAD_ENOMEM) {
            if ((err = WRITE(h, code)))
                return err;
        } else if (code) {
            refuse_here(h, it->from, &it->env, code);
            it->st = ST_DONE;
            return 0;
        }
        it->st = ST_RECEIVED;
    }
    if (it->st == ST_RECEIVED) {
        if ((err = WRITE(h, triad_share_audit_received(h->audit, &it->env))))
            return err;
        h->stats.received++;
        it->q = 0;
        it->st = ST_WITHHELD;
    }
    return 0;
}

static int sync_files(triad_share_hub *h)
{
    if (!h->cfg.sync)
        return 0;
    int err = WRITE(h, triad_share_store_sync(h->store));
    if (!err)
        err = WRITE(h, triad_share_audit_sync(h->audit));
    return err;
}

/* The batch from h->done on: every envelope stored and audited, one sync (state file, audit
 * log), then every release, one sync. On a failed write the batch stops there (held) and is
 * taken up again by the next call. */
static int commit_batch(triad_share_hub *h)
{
    int err = 0;
    h->failed_now = false;
    for (size_t i = h->done; !err && i < h->nbatch; i++)
        err = accept_item(h, &h->batch[i]);
    if (!err)
        err = sync_files(h);
    while (!err && h->done < h->nbatch) {
        item *it = &h->batch[h->done];
        if (it->st != ST_DONE)
            err = release_all(h, it);
        if (!err)
            h->done++;
    }
    if (!err)
        err = sync_files(h);
    if (!err) {
        h->nbatch = h->done = 0;
        if (h->fault && !h->failed_now) {
            h->fault = false;
            fprintf(stderr, "triad hub: recovered: the audit log and the state file are written "
                            "again; relaying\n");
            status_to_all(h, h->cfg.id, "ok", "audit log and state file written again; relaying",
                          SIZE_MAX);
            WRITE(h, triad_share_audit_fault(h->audit, "recovered", h->fault_detail));
        }
    }
    return err;
}

/* A partner (re)joined link q: the latest version of every current instance, once more. */
static int resend(triad_share_hub *h, size_t q)
{
    const triad_share_envelope *const *list = NULL;
    const size_t n = triad_share_store_current(h->store, now_ns(),
                                               (int64_t)(h->cfg.track_max_age_s * 1e9), &list);
    item *it = malloc(sizeof *it);
    if (!it)
        return triad__fail(TRIAD_ENOMEM, "hub: out of memory");
    int err = 0;
    for (size_t i = 0; !err && i < n; i++) {
        if (strcmp(list[i]->origin, h->cfg.links[q].partner) == 0)
            continue;
        it->env = *list[i];
        it->from = SIZE_MAX;
        it->q = q;
        it->st = ST_WITHHELD;
        const uint64_t before = h->stats.released;
        while (!err && it->st != ST_DONE)
            err = release_step(h, it);
        h->stats.resent += h->stats.released - before;
    }
    free(it);
    return err;
}

/* The link states partners hear: down (not matched, or its writers' liveliness lost), silent
 * (matched and alive, no heartbeat for 3 periods), up. */
static void set_state(triad_share_hub *h, size_t q, const char *detail)
{
    link_rt *r = &h->rt[q];
    const char *s = !r->matched || (r->alive_seen && r->alive == 0) ? "down"
                    : r->silent                                    ? "silent"
                                                                   : "up";
    if (strcmp(s, r->state) == 0)
        return;
    snprintf(r->state, sizeof r->state, "%s", s);
    fprintf(stderr, "triad hub: link %s is %s (%s)\n", h->cfg.links[q].partner, s, detail);
    status_to_all(h, h->cfg.links[q].partner, s, detail, q);
}

static int link_alarm(triad_share_hub *h, size_t q, const char *state, const char *detail)
{
    h->stats.alarms++;
    fprintf(stderr, "triad hub: link %s (domain %u): %s: %s\n", h->cfg.links[q].partner,
            (unsigned)h->cfg.links[q].domain, state, detail);
    return WRITE(h, triad_share_audit_link(h->audit, h->cfg.links[q].partner, state, detail));
}

static int on_ctl(triad_share_hub *h, size_t q, const ctl_event *c)
{
    link_rt *r = &h->rt[q];
    int err = 0;
    switch (c->kind) {
    case TRIAD_SHARE_EV_MATCHED:
        r->matched = true;
        err = link_alarm(h, q, "matched", c->detail);
        /* the newcomer hears the other links' states, then gets every current instance */
        for (size_t k = 0; k < h->cfg.num_links; k++)
            if (k != q)
                status_to(h, q, h->cfg.links[k].partner, h->rt[k].state, "state on joining");
        if (h->fault)
            status_to(h, q, h->cfg.id, "fault", h->fault_detail);
        if (!err && !h->fault)
            err = resend(h, q);
        break;
    case TRIAD_SHARE_EV_UNMATCHED:
        r->matched = c->count > 0;
        err = link_alarm(h, q, "unmatched", c->detail);
        break;
    case TRIAD_SHARE_EV_ALIVE:
    case TRIAD_SHARE_EV_LOST:
        r->alive_seen = true;
        r->alive = c->count;
        err = link_alarm(h, q, c->kind == TRIAD_SHARE_EV_ALIVE ? "alive" : "lost", c->detail);
        break;
    case TRIAD_SHARE_EV_DEADLINE:
        r->silent = true;
        err = link_alarm(h, q, "deadline_missed", c->detail);
        break;
    case TRIAD_SHARE_EV_HEARTBEAT:
        r->silent = false;
        break;
    case TRIAD_SHARE_EV_INCOMPATIBLE:
        err = link_alarm(h, q, "incompatible", c->detail);
        break;
    default:
        break;
    }
    set_state(h, q, c->detail);
    return err;
}

/* Everything the readers left for the relay thread, except envelopes: link events, refusals
 * to audit in full. */
static int take_control(triad_share_hub *h)
{
    int err = 0;
    for (size_t q = 0; !err && q < h->cfg.num_links; q++) {
        link_rt *r = &h->rt[q];
        for (;;) {
            ctl_event c;
            refusal f;
            bool have_c = false, have_f = false;
            pthread_mutex_lock(&h->mu);
            if (r->ctl_count) {
                c = r->ctl[r->ctl_head];
                r->ctl_head = (r->ctl_head + 1) % CTL_MAX;
                r->ctl_count--;
                have_c = true;
            } else if (r->rej_count) {
                const size_t cap = sizeof r->rej / sizeof r->rej[0];
                f = r->rej[r->rej_head];
                r->rej_head = (r->rej_head + 1) % cap;
                r->rej_count--;
                have_f = true;
            }
            pthread_mutex_unlock(&h->mu);
            if (have_c)
                err = on_ctl(h, q, &c);
            else if (have_f) {
                fprintf(stderr, "triad hub: rejected: %s\n", f.why);
                triad_share_envelope *e = &h->rejected_env;
                snprintf(e->origin, sizeof e->origin, "%s", f.origin);
                e->seq = f.seq;
                e->time_ns = f.time_ns;
                err = WRITE(h, triad_share_audit_rejected(h->audit, e, f.reason, f.why));
            } else
                break;
            if (err)
                break;
        }
    }
    return err;
}

/* One line per link and reason refused since the last summary, then a checkpoint. */
static int summarise(triad_share_hub *h)
{
    int err = 0;
    bool any = false;
    for (size_t q = 0; !err && q < h->cfg.num_links; q++)
        for (int k = 0; !err && k < NUM_REASONS; k++) {
            pthread_mutex_lock(&h->mu);
            const tally t = h->rt[q].t[k];
            if (t.count && h->rt[q].rej_count == 0)
                memset(&h->rt[q].t[k], 0, sizeof t);
            pthread_mutex_unlock(&h->mu);
            if (!t.count || h->rt[q].rej_count)
                continue; /* its refusals in full go first */
            any = true;
            if (t.count > t.shown)
                fprintf(stderr, "triad hub: rejected on the link of %s: %" PRIu64 " x %s (%" PRIu64
                        " shown in full)\n", h->cfg.links[q].partner, t.count,
                        triad_share_reason_name(slot_reason(k)), t.shown);
            err = WRITE(h, triad_share_audit_rejections(h->audit, h->cfg.links[q].partner,
                                                        slot_reason(k), t.count, t.shown,
                                                        t.first_ns, t.last_ns));
        }
    for (size_t q = 0; !err && q < h->cfg.num_links; q++) {
        pthread_mutex_lock(&h->mu);
        const uint64_t dropped = h->rt[q].out_dropped, told = h->rt[q].out_dropped_told;
        h->rt[q].out_dropped_told = dropped;
        pthread_mutex_unlock(&h->mu);
        if (dropped == told)
            continue;
        char d[160];
        snprintf(d, sizeof d, "%" PRIu64 " releases dropped: the partner does not keep up (it "
                 "gets the current versions when it rematches)", dropped - told);
        err = link_alarm(h, q, "overloaded", d);
        any = true;
    }
    if (!err && any)
        err = WRITE(h, triad_share_audit_checkpoint(h->audit, "summary"));
    return err;
}

/* Up to BATCH_MAX queued envelopes, TAKE_PER_LINK per link per round. */
static void fill_batch(triad_share_hub *h)
{
    pthread_mutex_lock(&h->mu);
    bool more = true;
    while (more && h->nbatch < BATCH_MAX) {
        more = false;
        for (size_t q = 0; q < h->cfg.num_links && h->nbatch < BATCH_MAX; q++) {
            link_rt *r = &h->rt[q];
            for (int k = 0; k < TAKE_PER_LINK && r->count && h->nbatch < BATCH_MAX; k++) {
                item *it = &h->batch[h->nbatch++];
                it->env = r->ring[r->head];
                it->from = q;
                it->q = 0;
                it->st = ST_STORE;
                r->head = (r->head + 1) % h->cfg.queue;
                r->count--;
                more = true;
            }
        }
    }
    pthread_cond_broadcast(&h->room);
    pthread_mutex_unlock(&h->mu);
}

/* Cyclone's log, which is where a refused DDS Security handshake or a participant that is
 * not allowed shows (nothing else reports it): printed as Cyclone would, and the security
 * ones counted and audited as refusals on the link of their domain. Process-wide: one hub. */
static triad_share_hub *log_hub;

static void on_cyclone_log(void *arg, const dds_log_data_t *d)
{
    (void)arg;
    fprintf(stderr, "%.*s", (int)d->size, d->message);
    triad_share_hub *h = __atomic_load_n(&log_hub, __ATOMIC_ACQUIRE);
    static const char *const security[] = {"handshake", "not allowed", "authenticat",
                                           "certificate", "Certificate", "permission"};
    bool sec = false;
    for (size_t i = 0; i < sizeof security / sizeof security[0] && !sec; i++)
        sec = memmem(d->message, d->size, security[i], strlen(security[i])) != NULL;
    if (!h || !sec)
        return;
    for (size_t q = 0; q < h->cfg.num_links; q++)
        if (h->cfg.links[q].domain == d->domid) {
            char why[300];
            snprintf(why, sizeof why, "link %s (domain %u): Cyclone: %.*s",
                     h->cfg.links[q].partner, (unsigned)d->domid,
                     (int)(d->size && d->message[d->size - 1] == '\n' ? d->size - 1 : d->size),
                     d->message);
            refuse(&h->rt[q], "", 0, 0, TRIAD_SHARE_EDDS_AUTH, why);
        }
}

static void stop_threads(triad_share_hub *h)
{
    pthread_mutex_lock(&h->mu);
    h->stopping = 1;
    pthread_cond_broadcast(&h->room);
    pthread_mutex_unlock(&h->mu);
    for (size_t q = 0; q < h->cfg.num_links; q++)
        if (h->rt[q].started)
            pthread_join(h->rt[q].thread, NULL);
    if (h->hb_started)
        pthread_join(h->hb_thread, NULL);
}

/* The senders write what is queued, then end. */
static void stop_senders(triad_share_hub *h)
{
    pthread_mutex_lock(&h->mu);
    h->senders_stopping = 1;
    for (size_t q = 0; q < h->cfg.num_links; q++)
        pthread_cond_broadcast(&h->rt[q].out_cv);
    pthread_mutex_unlock(&h->mu);
    for (size_t q = 0; q < h->cfg.num_links; q++)
        if (h->rt[q].sender_started)
            pthread_join(h->rt[q].sender, NULL);
}

static bool work_waiting(triad_share_hub *h)
{
    for (size_t q = 0; q < h->cfg.num_links; q++)
        if (h->rt[q].count || h->rt[q].ctl_count || h->rt[q].rej_count)
            return true;
    return false;
}

int triad_share_hub_run(triad_share_hub *h, volatile sig_atomic_t *stop, double stats_s)
{
    int err = 0;
    __atomic_store_n(&log_hub, h, __ATOMIC_RELEASE);
    dds_set_log_sink(on_cyclone_log, NULL);
    h->hb_started = pthread_create(&h->hb_thread, NULL, heartbeat_main, h) == 0;
    if (!h->hb_started)
        err = triad__fail(TRIAD_ENOMEM, "hub: cannot start the heartbeat thread");
    for (size_t q = 0; !err && q < h->cfg.num_links; q++) {
        h->rt[q].sender_started =
            pthread_create(&h->rt[q].sender, NULL, sender_main, &h->rt[q]) == 0;
        if (!h->rt[q].sender_started) {
            err = triad__fail(TRIAD_ENOMEM, "hub: cannot start the sender of link %s",
                              h->cfg.links[q].partner);
            break;
        }
        h->rt[q].started = pthread_create(&h->rt[q].thread, NULL, reader_main, &h->rt[q]) == 0;
        if (!h->rt[q].started)
            err = triad__fail(TRIAD_ENOMEM, "hub: cannot start the reader of link %s",
                              h->cfg.links[q].partner);
    }
    int64_t next_stats = now_ns() + (int64_t)(stats_s * 1e9);
    const int64_t keep_ns = triad__share_keep_ns(&h->cfg);
    const int64_t summary_ns = (int64_t)(h->cfg.summary_s * 1e9);
    int64_t next_prune = now_ns() + keep_ns, next_summary = now_ns() + summary_ns;
    while (!err && !*stop) {
        int64_t now = now_ns();
        /* held (fail closed): nothing new is taken until the batch can be written */
        if (h->nbatch && now >= h->next_retry_ns) {
            err = commit_batch(h);
            if (err == TRIAD_EIO || err == TRIAD_ENOMEM)
                err = 0;
        }
        if (!err)
            err = take_control(h);
        if (!err && !h->nbatch) {
            fill_batch(h);
            if (h->nbatch)
                err = commit_batch(h);
        }
        if (err == TRIAD_EIO || err == TRIAD_ENOMEM)
            err = 0; /* held: write_failed() said why; retried in a second */
        now = now_ns();
        if (!err && now >= next_summary) {
            next_summary = now + summary_ns;
            err = summarise(h);
        }
        if (!err)
            err = WRITE(h, triad_share_audit_tick(h->audit, now));
        if (err == TRIAD_EIO || err == TRIAD_ENOMEM)
            err = 0;
        if (!err && stats_s > 0 && now >= next_stats) {
            next_stats = now + (int64_t)(stats_s * 1e9);
            const triad_share_hub_stats s = triad_share_hub_get_stats(h);
            fprintf(stderr,
                    "triad hub: received %" PRIu64 ", released %" PRIu64 " (%" PRIu64
                    " on reconnect), withheld fields %" PRIu64 ", rejected %" PRIu64
                    ", alarms %" PRIu64 ", instances held %zu, audit head %.16s%s\n",
                    s.received, s.released, s.resent, s.withheld_fields, s.rejected, s.alarms,
                    triad_share_store_size(h->store), triad_share_audit_head(h->audit),
                    h->fault ? ", FAULT" : "");
        }
        if (!err && now >= next_prune) { /* ended instances, long stale: memory and file */
            next_prune = now + keep_ns;
            triad_share_store_prune(h->store, now, keep_ns);
        }
        /* sleep until there is work, at most 50 ms (summaries, checkpoints, stop) */
        pthread_mutex_lock(&h->mu);
        if (!err && !*stop && (!work_waiting(h) || h->nbatch)) {
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_nsec += 50000000;
            until.tv_sec += until.tv_nsec / 1000000000;
            until.tv_nsec %= 1000000000;
            pthread_cond_timedwait(&h->work, &h->mu, &until);
        }
        pthread_mutex_unlock(&h->mu);
    }
    stop_threads(h);
    /* stopping: what is queued and verified is relayed, then a last summary and checkpoint */
    if (!err && !h->fault) {
        for (int guard = 0; guard < 1000 && !err && !h->fault; guard++) {
            fill_batch(h);
            if (!h->nbatch)
                break;
            err = commit_batch(h);
        }
        if (err == TRIAD_EIO || err == TRIAD_ENOMEM)
            err = 0;
    }
    if (!err)
        err = take_control(h);
    if (!err)
        err = summarise(h);
    int cerr = WRITE(h, triad_share_audit_checkpoint(h->audit, "stop"));
    if (!cerr && h->cfg.sync)
        cerr = WRITE(h, triad_share_audit_sync(h->audit));
    if (err == TRIAD_EIO || err == TRIAD_ENOMEM)
        err = 0;
    if (!err && cerr && h->fault)
        err = triad__fail(TRIAD_EIO, "hub: stopped with the audit log unwritable: %s",
                          h->fault_detail);
    stop_senders(h);
    dds_set_log_sink(NULL, NULL);
    __atomic_store_n(&log_hub, NULL, __ATOMIC_RELEASE);
    return err;
}
