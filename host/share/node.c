/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "share/node.h"

#include <cjson/cJSON.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/error_internal.h"
#include "core/json_util.h"
#include "share/config.h"
#include "share/envelope.h"
#include "share/link.h"
#include "share/store.h"

struct triad_share_node {
    triad__share_cfg cfg;
    uint8_t sk[64];
    triad_share_trust *trust;
    triad_share_verifier *verifier;
    triad_share_store *received; /* the versions delivered (dedupe across reconnects) */
    triad_share_link *link;
    triad_share_waiter *waiter;
    uint64_t next_seq;
    triad_share_envelope pub;    /* the input thread's */
    triad_share_link_event ev;   /* the receive loop's */
    triad_share_node_stats stats;
    int matched;                 /* the hub reads what we publish (atomic) */
};

void triad_share_node_destroy(triad_share_node *n)
{
    if (!n)
        return;
    triad_share_link_close(n->link);
    triad_share_waiter_destroy(n->waiter);
    triad_share_store_close(n->received);
    triad_share_verifier_destroy(n->verifier);
    triad_share_trust_destroy(n->trust);
    sodium_memzero(n->sk, sizeof n->sk);
    free(n);
}

int triad_share_node_create(triad_share_node **out, const char *config_path)
{
    *out = NULL;
    triad_share_node *n = calloc(1, sizeof *n);
    if (!n)
        return triad__fail(TRIAD_ENOMEM, "node: out of memory");
    triad__share_cfg *c = &n->cfg;
    int err = triad__share_cfg_load(config_path, false, c);
    if (!err)
        err = triad__share_identity(c, config_path, c->hub, true, n->sk, &n->trust, &n->verifier);
    if (!err)
        /* group commit: synced once per batch of deliveries, before they are printed */
        err = triad_share_store_open(&n->received, c->state[0] ? c->state : NULL, false);
    if (!err)
        err = triad__share_check_store(n->received, n->trust, true, c->state);
    if (!err)
        err = triad_share_waiter_create(&n->waiter);
    if (!err) {
        char who[160];
        snprintf(who, sizeof who, "node %s: link to %s (domain %u)", c->id, c->links[0].partner,
                 (unsigned)c->links[0].domain);
        const triad_share_link_opts lo = triad__share_link_opts(c, 0, TRIAD_SHARE_LINK_NODE);
        err = triad_share_link_open(&n->link, &lo, who);
    }
    if (!err)
        err = triad_share_waiter_add(n->waiter, n->link);
    if (err) {
        triad_share_node_destroy(n);
        return err;
    }
    n->next_seq = (uint64_t)(triad_share_now_ns() / 1000);
    *out = n;
    return 0;
}

triad_share_node_stats triad_share_node_get_stats(const triad_share_node *n) { return n->stats; }

int triad_share_node_publish_json(triad_share_node *n, const char *line, const char *where)
{
    cJSON *obj = NULL;
    const int perr = triad__json_parse(where, line, strlen(line), &obj);
    if (perr)
        return perr;
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(obj, "type");
    if (!cJSON_IsString(t) || !triad_share_type_parse(t->valuestring)) {
        cJSON_Delete(obj);
        return 1; /* summaries and the like: not shared */
    }
    triad_share_envelope *e = &n->pub;
    memset(e, 0, sizeof *e);
    int err = triad_share_msg_from_json(obj, &e->msg);
    cJSON_Delete(obj);
    uint64_t id = 0;
    if (!err)
        err = triad_share_instance_id(&e->msg, &id);
    if (err)
        return triad__fail(err, "%s: %s", where, triad_errmsg());
    snprintf(e->origin, sizeof e->origin, "%s", n->cfg.id);
    e->seq = n->next_seq++;
    e->time_ns = triad_share_now_ns();
    if ((err = triad_share_sign(e, n->sk)) || (err = triad_share_link_publish(n->link, e)))
        return err;
    __atomic_add_fetch(&n->stats.published, 1, __ATOMIC_RELAXED);
    return 0;
}

static void put_field(cJSON *o, const triad_share_field *f)
{
    if (f->kind == TRIAD_SHARE_NUM)
        cJSON_AddNumberToObject(o, f->name, f->num);
    else if (f->kind == TRIAD_SHARE_STR)
        cJSON_AddStringToObject(o, f->name, f->str);
    else
        cJSON_AddBoolToObject(o, f->name, f->b);
}

/* One delivered message as a JSON line: who, which, when (and how old on arrival), the hub
 * that released it, and the released fields by their (dotted) names. */
static int print_delivery(FILE *out, const triad_share_envelope *e, int64_t now)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *m = o ? cJSON_CreateObject() : NULL;
    char num[24];
    if (!m) {
        cJSON_Delete(o);
        return triad__fail(TRIAD_ENOMEM, "node: out of memory");
    }
    cJSON_AddStringToObject(o, "type", triad_share_type_name(e->msg.type));
    cJSON_AddStringToObject(o, "origin", e->origin);
    snprintf(num, sizeof num, "%" PRIu64, e->seq);
    cJSON_AddRawToObject(o, "seq", num);
    snprintf(num, sizeof num, "%" PRId64, e->time_ns);
    cJSON_AddRawToObject(o, "time_ns", num);
    cJSON_AddStringToObject(o, "hub", e->hub);
    snprintf(num, sizeof num, "%" PRId64, e->hub_time_ns);
    cJSON_AddRawToObject(o, "hub_time_ns", num);
    cJSON_AddNumberToObject(o, "age_ms", (double)(now - e->time_ns) * 1e-6);
    cJSON_AddBoolToObject(o, "verified", true);
    /* reduced: fields withheld or rounded, vouched for by the hub alone (share/envelope.h) */
    cJSON_AddStringToObject(o, "release", e->has_origin_sig ? "original" : "reduced");
    for (size_t i = 0; i < e->msg.num_fields; i++)
        put_field(m, &e->msg.f[i]);
    cJSON_AddItemToObject(o, "fields", m);
    char *s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    if (!s)
        return triad__fail(TRIAD_ENOMEM, "node: out of memory");
    fprintf(out, "%s\n", s);
    cJSON_free(s);
    return 0;
}

static void alarm(triad_share_node *n, const char *state, const char *detail)
{
    n->stats.alarms++;
    fprintf(stderr, "triad node %s: link to %s: %s: %s\n", n->cfg.id, n->cfg.hub, state, detail);
}

/* One event from the link; *delivered counts messages printed. */
static int on_event(triad_share_node *n, FILE *out, const triad_share_link_event *ev)
{
    switch (ev->kind) {
    case TRIAD_SHARE_EV_MESSAGE: {
        const triad_share_envelope *e = &ev->env;
        const int64_t now = triad_share_now_ns();
        int code = triad_share_verify(n->verifier, e, now);
        if (!code && strcmp(e->hub, n->cfg.hub) != 0)
            code = triad__fail(TRIAD_SHARE_EBAD_HUB_SIG,
                               "origin %.63s seq %" PRIu64 ": countersigned by '%.63s', not our "
                               "hub '%s'", e->origin, e->seq, e->hub, n->cfg.hub);
        if (!code && strcmp(e->origin, n->cfg.id) == 0)
            code = triad__fail(TRIAD_SHARE_EECHO, "origin %s seq %" PRIu64 ": our own message "
                               "came back", e->origin, e->seq);
        if (!code)
            code = triad_share_store_offer(n->received, e);
        if (code == TRIAD_SHARE_EDUPLICATE) { /* re-sent on reconnect: already delivered */
            n->stats.duplicates++;
            return 0;
        }
        if (code == TRIAD_EIO || code == TRIAD_ENOMEM)
            return code;
        if (code) {
            n->stats.rejected++;
            fprintf(stderr, "triad node %s: rejected (%s): %s\n", n->cfg.id,
                    triad_share_reason_name(code), triad_errmsg());
            return 0;
        }
        n->stats.delivered++;
        return print_delivery(out, e, now);
    }
    case TRIAD_SHARE_EV_MALFORMED:
        n->stats.rejected++;
        fprintf(stderr, "triad node %s: rejected (malformed): %s\n", n->cfg.id, ev->detail);
        return 0;
    case TRIAD_SHARE_EV_MATCHED:
        __atomic_store_n(&n->matched, 1, __ATOMIC_RELEASE);
        alarm(n, "matched", ev->detail);
        return 0;
    case TRIAD_SHARE_EV_UNMATCHED:
        __atomic_store_n(&n->matched, ev->count > 0, __ATOMIC_RELEASE);
        alarm(n, "unmatched", ev->detail);
        return 0;
    case TRIAD_SHARE_EV_STATUS: {
        const triad_share_status *st = &ev->status;
        if (strcmp(st->hub, n->cfg.hub) != 0 || triad_share_status_verify(n->trust, st) != 0) {
            n->stats.rejected++;
            fprintf(stderr, "triad node %s: rejected a link status: %s\n", n->cfg.id,
                    strcmp(st->hub, n->cfg.hub) != 0 ? "not from our hub" : triad_errmsg());
            return 0;
        }
        n->stats.alarms++;
        if (strcmp(st->subject, n->cfg.hub) == 0)
            fprintf(stderr, "triad node %s: hub %s reports itself %s: %s\n", n->cfg.id, st->hub,
                    st->state, st->detail);
        else
            fprintf(stderr, "triad node %s: hub %s reports link %s %s: %s\n", n->cfg.id, st->hub,
                    st->subject, st->state, st->detail);
        return 0;
    }
    case TRIAD_SHARE_EV_ALIVE:
        alarm(n, "alive", ev->detail);
        return 0;
    case TRIAD_SHARE_EV_LOST:
        alarm(n, "lost", ev->detail);
        return 0;
    case TRIAD_SHARE_EV_DEADLINE:
        alarm(n, "deadline_missed", ev->detail);
        return 0;
    case TRIAD_SHARE_EV_INCOMPATIBLE:
        alarm(n, "incompatible", ev->detail);
        return 0;
    default:
        return 0;
    }
}

int triad_share_node_wait_hub(triad_share_node *n, double timeout_s,
                              volatile sig_atomic_t *stop)
{
    for (double waited = 0; !*stop; waited += 0.01) {
        if (__atomic_load_n(&n->matched, __ATOMIC_ACQUIRE))
            return 0;
        if (waited >= timeout_s)
            return triad__fail(TRIAD_EIO, "node %s: the hub '%s' did not match within %g s "
                               "(is it running, on domain %u, with this link's configuration?)",
                               n->cfg.id, n->cfg.hub, timeout_s,
                               (unsigned)n->cfg.links[0].domain);
        nanosleep(&(struct timespec){0, 10000000}, NULL);
    }
    return 1;
}

int triad_share_node_flush(triad_share_node *n, double timeout_s)
{
    return triad_share_link_flush(n->link, timeout_s);
}

int triad_share_node_run(triad_share_node *n, volatile sig_atomic_t *stop, FILE *out, long count,
                         double timeout_s, double idle_s)
{
    double last_delivery = -1; /* seconds since start of the last delivery, -1: none yet */
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int err = 0;
    const int64_t keep_ns = triad__share_keep_ns(&n->cfg);
    int64_t next_prune = triad_share_now_ns() + keep_ns;
    while (!err && !*stop && !(count > 0 && n->stats.delivered >= (uint64_t)count)) {
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        const double elapsed = (double)(t.tv_sec - t0.tv_sec) + 1e-9 * (double)(t.tv_nsec - t0.tv_nsec);
        if (timeout_s > 0 && elapsed >= timeout_s)
            break;
        if (idle_s > 0 && last_delivery >= 0 && elapsed - last_delivery >= idle_s)
            break;
        const int64_t now = triad_share_now_ns();
        err = triad_share_link_heartbeat(n->link, now);
        if (!err && now >= next_prune) {
            next_prune = now + keep_ns;
            triad_share_store_prune(n->received, now, keep_ns);
        }
        /* a batch of deliveries: kept in the state file, synced once, then printed */
        char *batch = NULL;
        size_t batch_len = 0;
        FILE *pending = open_memstream(&batch, &batch_len);
        if (!pending)
            err = triad__fail(TRIAD_ENOMEM, "node: out of memory");
        for (int k = 0; !err && k < 256; k++) {
            err = triad_share_link_poll(n->link, &n->ev);
            if (err || n->ev.kind == TRIAD_SHARE_EV_NONE)
                break;
            err = on_event(n, pending, &n->ev);
        }
        if (pending && fclose(pending) != 0 && !err)
            err = triad__fail(TRIAD_ENOMEM, "node: out of memory");
        if (batch_len)
            last_delivery = elapsed;
        if (!err && batch_len && n->cfg.sync)
            err = triad_share_store_sync(n->received);
        if (!err && batch_len) {
            fwrite(batch, 1, batch_len, out);
            fflush(out);
        }
        free(batch);
        if (!err && batch_len)
            continue; /* more may be waiting */
        if (!err)
            err = triad_share_waiter_wait(n->waiter, n->cfg.heartbeat_s / 4);
    }
    if (err)
        return err;
    return count > 0 && n->stats.delivered < (uint64_t)count ? 1 : 0;
}
