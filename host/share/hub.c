/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "share/hub.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error_internal.h"
#include "share/audit.h"
#include "share/config.h"
#include "share/envelope.h"
#include "share/link.h"
#include "share/policy.h"
#include "share/store.h"

struct triad_share_hub {
    triad__share_cfg cfg;
    uint8_t sk[64];
    triad_share_trust *trust;
    triad_share_verifier *verifier;
    triad_share_policy *policy;
    triad_share_audit *audit;
    triad_share_store *store;
    triad_share_link *links[TRIAD__SHARE_LINKS_MAX];
    triad_share_waiter *waiter;
    triad_share_hub_stats stats;
    size_t checkpointed; /* audit lines at the last checkpoint */
    triad_share_link_event ev;       /* large: kept here, not on the stack */
    triad_share_envelope out;        /* the released copy being built */
    triad_share_withheld wh[TRIAD_SHARE_MAX_FIELDS];
};

enum { CHECKPOINT_LINES = 1000 };

/* The policy may not withhold or change what identifies an instance (a warning's event_id, a
 * track's track_id): a partner would merge or lose instances. Probed once per partner. */
static int check_policy_keeps_ids(triad_share_hub *h, const char *config_path)
{
    int err = 0;
    for (size_t q = 0; !err && q < h->cfg.num_links; q++)
        for (int t = TRIAD_SHARE_WARNING; !err && t <= TRIAD_SHARE_TRACK; t++) {
            triad_share_msg *in = &h->out.msg, *out = &h->ev.env.msg;
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

/* A signed checkpoint in the audit log (share/audit.h). */
static int checkpoint(triad_share_hub *h)
{
    int err = triad_share_audit_checkpoint(h->audit, h->cfg.id, h->sk);
    h->checkpointed = triad_share_audit_lines(h->audit);
    return err;
}

void triad_share_hub_destroy(triad_share_hub *h)
{
    if (!h)
        return;
    for (size_t i = 0; i < TRIAD__SHARE_LINKS_MAX; i++)
        triad_share_link_close(h->links[i]);
    triad_share_waiter_destroy(h->waiter);
    triad_share_store_close(h->store);
    triad_share_audit_close(h->audit);
    triad_share_policy_destroy(h->policy);
    triad_share_verifier_destroy(h->verifier);
    triad_share_trust_destroy(h->trust);
    sodium_memzero(h->sk, sizeof h->sk);
    free(h);
}

int triad_share_hub_create(triad_share_hub **out, const char *config_path)
{
    *out = NULL;
    triad_share_hub *h = calloc(1, sizeof *h);
    if (!h)
        return triad__fail(TRIAD_ENOMEM, "hub: out of memory");
    triad__share_cfg *c = &h->cfg;
    int err = triad__share_cfg_load(config_path, true, c);
    if (!err)
        err = triad__share_identity(c, config_path, c->id, false, h->sk, &h->trust, &h->verifier);
    if (!err)
        err = triad_share_policy_load(&h->policy, c->policy);
    if (!err)
        err = triad_share_audit_open(&h->audit, c->audit, c->sync);
    if (!err)
        err = checkpoint(h);
    if (!err)
        err = check_policy_keeps_ids(h, config_path);
    if (!err)
        err = triad_share_store_open(&h->store, c->state[0] ? c->state : NULL, c->sync);
    if (!err)
        err = triad__share_check_store(h->store, h->trust, false, c->state);
    if (!err)
        err = triad_share_waiter_create(&h->waiter);
    for (size_t i = 0; !err && i < c->num_links; i++) {
        char who[160];
        snprintf(who, sizeof who, "hub: link %s (domain %u)", c->links[i].partner,
                 (unsigned)c->links[i].domain);
        const triad_share_link_opts lo = triad__share_link_opts(c, i, TRIAD_SHARE_LINK_HUB);
        err = triad_share_link_open(&h->links[i], &lo, who);
        if (!err)
            err = triad_share_waiter_add(h->waiter, h->links[i]);
    }
    if (err) {
        triad_share_hub_destroy(h);
        return err;
    }
    *out = h;
    return 0;
}

triad_share_hub_stats triad_share_hub_get_stats(const triad_share_hub *h) { return h->stats; }

/* Audit a refused envelope and say so on stderr; only a failed audit write is an error. */
static int refuse(triad_share_hub *h, const triad_share_envelope *e, int reason, const char *why)
{
    h->stats.rejected++;
    fprintf(stderr, "triad hub: rejected: %s\n", why);
    return triad_share_audit_rejected(h->audit, e, reason, why);
}

/* Release e (verified, held) to the partner of link q under the policy, countersigned now. */
static int release(triad_share_hub *h, const triad_share_envelope *e, size_t q)
{
    const char *partner = h->cfg.links[q].partner;
    if (strcmp(e->origin, partner) == 0)
        return 0; /* never back to its origin */
    size_t nwh = 0;
    triad_share_envelope *o = &h->out;
    *o = *e;
    int err = triad_share_policy_apply(h->policy, e->origin, partner, &e->msg, &o->msg, h->wh, &nwh);
    if (err == TRIAD_SHARE_ENO_POLICY) {
        /* nothing goes out: one withheld line for the whole message, with the rule */
        triad_share_withheld all = {.field = "*"};
        snprintf(all.rule, sizeof all.rule, "partners.%s.%s: no policy", partner,
                 triad_share_type_name(e->msg.type));
        h->stats.withheld_fields++;
        return triad_share_audit_withheld(h->audit, e, partner, &all, 1);
    }
    if (err)
        return err;
    h->stats.withheld_fields += nwh;
    if ((err = triad_share_audit_withheld(h->audit, e, partner, h->wh, nwh)))
        return err;
    if ((err = triad_share_countersign(o, h->cfg.id, triad_share_now_ns(), h->sk)))
        return err;
    err = triad_share_link_publish(h->links[q], o);
    if (err) {
        /* the partner is not acknowledging: it gets this instance again when it rematches */
        fprintf(stderr, "triad hub: %s\n", triad_errmsg());
        return 0;
    }
    h->stats.released++;
    return triad_share_audit_released(h->audit, o, partner);
}

static int on_message(triad_share_hub *h, size_t from, const triad_share_envelope *e)
{
    const char *partner = h->cfg.links[from].partner;
    char why[400];
    if (strncmp(e->origin, partner, TRIAD_SHARE_ID_MAX) != 0) {
        snprintf(why, sizeof why, "origin %.63s seq %" PRIu64 " on the link of %s: a partner "
                 "may only originate its own messages", e->origin, e->seq, partner);
        return refuse(h, e, TRIAD_SHARE_EWRONG_LINK, why);
    }
    const int64_t now = triad_share_now_ns();
    int code = e->has_hub_sig
                   ? triad__fail(TRIAD_SHARE_EWRONG_LINK,
                                 "origin %.63s seq %" PRIu64 ": countersigned by '%.63s': a hub "
                                 "takes messages from their origin only",
                                 e->origin, e->seq, e->hub)
                   : triad_share_verify(h->verifier, e, now);
    if (!code)
        code = triad_share_store_offer(h->store, e);
    if (code == TRIAD_EIO || code == TRIAD_ENOMEM)
        return code; /* the store could not keep it: stop rather than relay unaccounted */
    if (code) {
        snprintf(why, sizeof why, "%s", triad_errmsg());
        return refuse(h, e, code, why);
    }
    h->stats.received++;
    int err = triad_share_audit_received(h->audit, e);
    for (size_t q = 0; !err && q < h->cfg.num_links; q++)
        if (q != from)
            err = release(h, e, q);
    return err;
}

/* A partner (re)joined link q: the latest version of every current instance, once more. */
static int resend(triad_share_hub *h, size_t q)
{
    const triad_share_envelope *const *list = NULL;
    const size_t n = triad_share_store_current(h->store, triad_share_now_ns(),
                                               (int64_t)(h->cfg.track_max_age_s * 1e9), &list);
    int err = 0;
    for (size_t i = 0; !err && i < n; i++) {
        const uint64_t before = h->stats.released;
        err = release(h, list[i], q);
        h->stats.resent += h->stats.released - before;
    }
    return err;
}

static int alarm(triad_share_hub *h, size_t q, const char *state, const char *detail)
{
    h->stats.alarms++;
    fprintf(stderr, "triad hub: link %s (domain %u): %s: %s\n", h->cfg.links[q].partner,
            (unsigned)h->cfg.links[q].domain, state, detail);
    return triad_share_audit_link(h->audit, h->cfg.links[q].partner, state, detail);
}

/* Everything pending on link q. */
static int drain(triad_share_hub *h, size_t q)
{
    for (;;) {
        triad_share_link_event *ev = &h->ev;
        int err = triad_share_link_poll(h->links[q], ev);
        if (err || ev->kind == TRIAD_SHARE_EV_NONE)
            return err;
        switch (ev->kind) {
        case TRIAD_SHARE_EV_MESSAGE:
            err = on_message(h, q, &ev->env);
            break;
        case TRIAD_SHARE_EV_MALFORMED: {
            char why[300];
            snprintf(why, sizeof why, "malformed envelope on the link of %s: %s",
                     h->cfg.links[q].partner, ev->detail);
            err = refuse(h, &ev->env, TRIAD_EFORMAT, why);
            break;
        }
        case TRIAD_SHARE_EV_MATCHED:
            err = alarm(h, q, "matched", ev->detail);
            if (!err)
                err = resend(h, q);
            break;
        case TRIAD_SHARE_EV_UNMATCHED:
            err = alarm(h, q, "unmatched", ev->detail);
            break;
        case TRIAD_SHARE_EV_ALIVE:
            err = alarm(h, q, "alive", ev->detail);
            break;
        case TRIAD_SHARE_EV_LOST:
            err = alarm(h, q, "lost", ev->detail);
            break;
        case TRIAD_SHARE_EV_DEADLINE:
            err = alarm(h, q, "deadline_missed", ev->detail);
            break;
        case TRIAD_SHARE_EV_INCOMPATIBLE:
            err = alarm(h, q, "incompatible", ev->detail);
            break;
        default:
            break;
        }
        if (err)
            return err;
    }
}

int triad_share_hub_run(triad_share_hub *h, volatile sig_atomic_t *stop, double stats_s)
{
    int64_t next_stats = triad_share_now_ns() + (int64_t)(stats_s * 1e9);
    const int64_t keep_ns = triad__share_keep_ns(&h->cfg);
    int64_t next_prune = triad_share_now_ns() + keep_ns;
    int err = 0;
    while (!err && !*stop) {
        const int64_t now = triad_share_now_ns();
        for (size_t q = 0; !err && q < h->cfg.num_links; q++)
            err = triad_share_link_heartbeat(h->links[q], now);
        for (size_t q = 0; !err && q < h->cfg.num_links; q++)
            err = drain(h, q);
        if (!err && stats_s > 0 && now >= next_stats) {
            next_stats = now + (int64_t)(stats_s * 1e9);
            const triad_share_hub_stats s = h->stats;
            fprintf(stderr,
                    "triad hub: received %" PRIu64 ", released %" PRIu64 " (%" PRIu64
                    " on reconnect), withheld fields %" PRIu64 ", rejected %" PRIu64
                    ", alarms %" PRIu64 ", instances held %zu, audit head %.16s\n",
                    s.received, s.released, s.resent, s.withheld_fields, s.rejected, s.alarms,
                    triad_share_store_size(h->store), triad_share_audit_head(h->audit));
        }
        if (!err && now >= next_prune) { /* ended instances, long stale: memory and file */
            next_prune = now + keep_ns;
            triad_share_store_prune(h->store, now, keep_ns);
        }
        if (!err && triad_share_audit_lines(h->audit) >= h->checkpointed + CHECKPOINT_LINES)
            err = checkpoint(h);
        if (!err)
            err = triad_share_waiter_wait(h->waiter, h->cfg.heartbeat_s / 4);
    }
    /* stopping: a last checkpoint vouches for everything written */
    const int cerr = checkpoint(h);
    return err ? err : cerr;
}
