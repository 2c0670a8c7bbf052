/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "share/link.h"

#include <dds/dds.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/error_internal.h"
#include "io/dds/dds_common.h"
#include "share/store.h"
#include "triad_share.h"

#define TOPIC_TO_HUB "triad/share/to_hub"
#define TOPIC_FROM_HUB "triad/share/from_hub"
#define TOPIC_HEARTBEAT "triad/share/heartbeat"
#define TOPIC_STATUS "triad/share/status"
/* Versions kept per instance in flight (reliable: a version is only dropped when 64 newer ones
 * of the same instance are waiting); for a late joiner, a durable writer keeps 1: what a
 * restarting hub gets from a node is the latest version of each instance */
enum { DEPTH = 64 };
/* The hub's envelope reader holds at most this many samples not yet taken: beyond it, reliable
 * delivery waits (the writer is slowed), so a flooded link costs bounded memory. */
enum { READER_MAX_SAMPLES = 4096 };

struct triad_share_link {
    triad_share_link_opts o;
    char who[160], self[TRIAD_SHARE_ID_MAX];
    dds_entity_t domain, participant;
    dds_entity_t env_reader, env_writer, hb_reader, hb_writer;
    dds_entity_t status_entity; /* hub: the status writer; node: the status reader */
    int64_t next_heartbeat_ns;
    uint64_t sent;
    triad_share_Envelope *sample; /* one, reused (11 kB payload) */
};

int64_t triad_share_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Cyclone's codes as everywhere else in Triad; a refusal by DDS Security's access control is
 * a configuration error here (the link's permissions), named as such. */
static int dds_failed(dds_return_t rc, const char *who, const char *what)
{
    if (rc == DDS_RETCODE_NOT_ALLOWED_BY_SECURITY)
        return triad__fail(TRIAD_EINVAL, "%s: %s: %s", who, what, dds_strretcode(rc));
    return triad__dds_fail(rc, who, what);
}

/* reliable, keep-last, automatic liveliness, our durability, local samples ignored. A writer
 * offers our lease and (heartbeats) a deadline of our period; a reader asks for any lease
 * (liveliness is still lost on the writer's) and a deadline of three of our periods, so the
 * two sides match whatever their settings, as long as a heartbeat period is not over three
 * of the reader's. */
static dds_qos_t *qos(const triad_share_link *l, bool writer, dds_durability_kind_t durability,
                      double deadline_s, bool keep_all)
{
    dds_qos_t *q = dds_create_qos();
    if (!q)
        return NULL;
    dds_qset_reliability(q, DDS_RELIABILITY_RELIABLE, DDS_SECS(1));
    dds_qset_history(q, DDS_HISTORY_KEEP_LAST, DEPTH);
    if (durability == DDS_DURABILITY_TRANSIENT_LOCAL)
        dds_qset_durability_service(q, 0, DDS_HISTORY_KEEP_LAST, 1, DDS_LENGTH_UNLIMITED,
                                    DDS_LENGTH_UNLIMITED, DDS_LENGTH_UNLIMITED);
    dds_qset_durability(q, durability);
    dds_qset_liveliness(q, DDS_LIVELINESS_AUTOMATIC,
                        writer ? triad__dds_duration(l->o.lease_s) : DDS_INFINITY);
    dds_qset_ignorelocal(q, DDS_IGNORELOCAL_PARTICIPANT);
    if (deadline_s > 0)
        dds_qset_deadline(q, triad__dds_duration(deadline_s));
    if (keep_all) {
        /* every version kept until taken or acknowledged (none overwritten by the next while
         * the other side is busy); a reader holds at most READER_MAX_SAMPLES, beyond which
         * delivery waits: the writer is slowed, memory stays bounded */
        dds_qset_history(q, DDS_HISTORY_KEEP_ALL, 0);
        if (!writer)
            dds_qset_resource_limits(q, READER_MAX_SAMPLES, DDS_LENGTH_UNLIMITED,
                                     READER_MAX_SAMPLES);
    }
    return q;
}

static bool all_zero(const uint8_t *p, size_t n);

/* The hub's prefilter, on the raw sample. */
static bool prefilter(const void *sample, void *arg)
{
    const triad_share_link *l = arg;
    const triad_share_Envelope *s = sample;
    return l->o.prefilter(l->o.prefilter_arg, s->origin, !all_zero(s->origin_sig, 64),
                          s->hub[0] || !all_zero(s->hub_sig, 64), s->seq, s->time_ns);
}

static int make(triad_share_link *l, dds_entity_t *out, bool writer, const dds_topic_descriptor_t *desc,
                const char *topic, dds_durability_kind_t durability, double deadline_s,
                uint32_t mask)
{
    char what[128];
    /* envelopes: keep-all (a node's durable writer keeps every version until acknowledged,
     * and after that the latest per instance for a late joiner: its durability service) */
    const bool keep_all = desc == &triad_share_Envelope_desc;
    dds_qos_t *q = qos(l, writer, durability, deadline_s, keep_all);
    if (!q)
        return triad__fail(TRIAD_ENOMEM, "%s: out of memory", l->who);
    dds_entity_t t = dds_create_topic(l->participant, desc, topic, NULL, NULL);
    if (t < 0) {
        dds_delete_qos(q);
        snprintf(what, sizeof what, "topic '%s'", topic);
        return dds_failed(t, l->who, what);
    }
    /* the topic entity is this reader's alone: the filter is set before the reader exists */
    if (!writer && desc == &triad_share_Envelope_desc && l->o.prefilter) {
        const dds_return_t rc = dds_set_topic_filter_and_arg(t, prefilter, l);
        if (rc < 0) {
            dds_delete_qos(q);
            return dds_failed(rc, l->who, "setting the envelope filter");
        }
    }
    *out = writer ? dds_create_writer(l->participant, t, q, NULL)
                  : dds_create_reader(l->participant, t, q, NULL);
    dds_delete_qos(q);
    if (*out < 0) {
        snprintf(what, sizeof what, "%s on '%s'", writer ? "writer" : "reader", topic);
        const int err = dds_failed(*out, l->who, what);
        *out = 0;
        return err;
    }
    dds_return_t rc = dds_set_status_mask(*out, mask);
    if (rc < 0)
        return dds_failed(rc, l->who, "status mask");
    return 0;
}

int triad_share_link_open(triad_share_link **out, const triad_share_link_opts *o, const char *who)
{
    *out = NULL;
    if (o->domain_id > 230)
        return triad__fail(TRIAD_EINVAL, "%s: domain id %u: must be 0..230", who,
                           (unsigned)o->domain_id);
    if (!o->self || !triad_share_id_ok(o->self))
        return triad__fail(TRIAD_EINVAL, "%s: node id '%.70s': 1..63 of [A-Za-z0-9._-]", who,
                           o->self ? o->self : "(none)");
    triad_share_link *l = calloc(1, sizeof *l);
    if (!l || !(l->sample = calloc(1, sizeof *l->sample))) {
        free(l);
        return triad__fail(TRIAD_ENOMEM, "%s: out of memory", who);
    }
    l->o = *o;
    snprintf(l->who, sizeof l->who, "%s", who);
    snprintf(l->self, sizeof l->self, "%s", o->self);
    l->o.self = l->self;
    l->o.config = NULL; /* not kept */
    if (l->o.heartbeat_s == 0)
        l->o.heartbeat_s = 1.0;
    if (l->o.lease_s == 0)
        l->o.lease_s = 3.0;
    int err = 0;
    if (!(l->o.heartbeat_s >= 0.01 && l->o.heartbeat_s <= 3600 && l->o.lease_s >= 0.1 &&
          l->o.lease_s <= 3600))
        err = triad__fail(TRIAD_EINVAL,
                          "%s: heartbeat %g s / lease %g s: must be 0.01..3600 / 0.1..3600 s", who,
                          l->o.heartbeat_s, l->o.lease_s);
    const char *config = o->config && o->config[0] ? o->config
                         : o->loopback                ? triad__dds_loopback_xml
                                                      : NULL;
    if (!err && !config)
        err = triad__fail(TRIAD_EINVAL, "%s: no Cyclone configuration and not loopback: a link "
                                        "never runs on Cyclone's defaults (no security)", who);
    char what[128];
    if (!err && config) {
        l->domain = dds_create_domain(o->domain_id, config);
        if (l->domain < 0 && l->domain != DDS_RETCODE_PRECONDITION_NOT_MET) {
            snprintf(what, sizeof what, "domain %u: Cyclone refused the configuration",
                     (unsigned)o->domain_id);
            err = dds_failed(l->domain, who, what);
        }
        if (l->domain < 0)
            l->domain = 0;
    }
    if (!err) {
        dds_qos_t *pq = dds_create_qos();
        if (pq)
            dds_qset_liveliness(pq, DDS_LIVELINESS_AUTOMATIC, triad__dds_duration(l->o.lease_s));
        l->participant = dds_create_participant(o->domain_id, pq, NULL);
        dds_delete_qos(pq);
        if (l->participant < 0) {
            snprintf(what, sizeof what, "domain %u: creating a participant", (unsigned)o->domain_id);
            err = dds_failed(l->participant, who, what);
            l->participant = 0;
        }
    }
    const bool hub = o->role == TRIAD_SHARE_LINK_HUB;
    const uint32_t rmask = DDS_DATA_AVAILABLE_STATUS | DDS_LIVELINESS_CHANGED_STATUS |
                           DDS_REQUESTED_INCOMPATIBLE_QOS_STATUS;
    if (!err)
        err = make(l, &l->env_reader, false, &triad_share_Envelope_desc,
                   hub ? TOPIC_TO_HUB : TOPIC_FROM_HUB,
                   hub ? DDS_DURABILITY_TRANSIENT_LOCAL : DDS_DURABILITY_VOLATILE, 0, rmask);
    if (!err)
        err = make(l, &l->env_writer, true, &triad_share_Envelope_desc,
                   hub ? TOPIC_FROM_HUB : TOPIC_TO_HUB,
                   hub ? DDS_DURABILITY_VOLATILE : DDS_DURABILITY_TRANSIENT_LOCAL, 0,
                   DDS_PUBLICATION_MATCHED_STATUS | DDS_OFFERED_INCOMPATIBLE_QOS_STATUS);
    if (!err)
        err = make(l, &l->hb_reader, false, &triad_share_Heartbeat_desc, TOPIC_HEARTBEAT,
                   DDS_DURABILITY_VOLATILE, 3 * l->o.heartbeat_s,
                   DDS_DATA_AVAILABLE_STATUS | DDS_REQUESTED_DEADLINE_MISSED_STATUS |
                       DDS_REQUESTED_INCOMPATIBLE_QOS_STATUS);
    if (!err)
        err = make(l, &l->hb_writer, true, &triad_share_Heartbeat_desc, TOPIC_HEARTBEAT,
                   DDS_DURABILITY_VOLATILE, l->o.heartbeat_s, DDS_OFFERED_INCOMPATIBLE_QOS_STATUS);
    if (!err)
        err = make(l, &l->status_entity, hub, &triad_share_LinkStatus_desc, TOPIC_STATUS,
                   DDS_DURABILITY_VOLATILE, 0, hub ? 0 : DDS_DATA_AVAILABLE_STATUS);
    if (err) {
        triad_share_link_close(l);
        return err;
    }
    *out = l;
    return 0;
}

void triad_share_link_close(triad_share_link *l)
{
    if (!l)
        return;
    if (l->env_writer > 0)
        dds_wait_for_acks(l->env_writer, DDS_SECS(1));
    if (l->participant > 0)
        dds_delete(l->participant);
    if (l->domain > 0)
        dds_delete(l->domain);
    dds_free(l->sample->payload._buffer);
    free(l->sample);
    free(l);
}

int triad_share_link_publish(triad_share_link *l, const triad_share_envelope *e)
{
    triad_share_Envelope *s = l->sample;
    uint64_t id = 0;
    size_t len = 0;
    int err = triad_share_instance_id(&e->msg, &id);
    if (!err && !s->payload._buffer) {
        s->payload._buffer = dds_alloc(TRIAD_SHARE_PAYLOAD_MAX);
        if (!s->payload._buffer)
            return triad__fail(TRIAD_ENOMEM, "%s: out of memory", l->who);
        s->payload._maximum = TRIAD_SHARE_PAYLOAD_MAX;
        s->payload._release = true;
    }
    if (!err)
        err = triad_share_msg_encode(&e->msg, s->payload._buffer, TRIAD_SHARE_PAYLOAD_MAX, &len);
    if (err)
        return err;
    s->payload._length = (uint32_t)len;
    snprintf(s->origin, sizeof s->origin, "%s", e->origin);
    snprintf(s->hub, sizeof s->hub, "%s", e->has_hub_sig ? e->hub : "");
    s->type = (uint8_t)e->msg.type;
    s->instance_id = id;
    s->seq = e->seq;
    s->time_ns = e->time_ns;
    memcpy(s->origin_digest, e->origin_digest, 32);
    if (e->has_origin_sig)
        memcpy(s->origin_sig, e->origin_sig, 64);
    else
        memset(s->origin_sig, 0, 64);
    s->hub_time_ns = e->has_hub_sig ? e->hub_time_ns : 0;
    if (e->has_hub_sig)
        memcpy(s->hub_sig, e->hub_sig, 64);
    else
        memset(s->hub_sig, 0, 64);
    const dds_return_t rc = dds_write(l->env_writer, s);
    if (rc < 0)
        return dds_failed(rc, l->who, "publishing an envelope");
    __atomic_add_fetch(&l->sent, 1, __ATOMIC_RELAXED);
    return 0;
}

int triad_share_link_flush(triad_share_link *l, double timeout_s)
{
    const dds_return_t rc = dds_wait_for_acks(l->env_writer, triad__dds_duration(timeout_s));
    if (rc == DDS_RETCODE_TIMEOUT)
        return triad__fail(TRIAD_EIO, "%s: not everything published was acknowledged within %g s",
                           l->who, timeout_s);
    return rc < 0 ? dds_failed(rc, l->who, "waiting for acknowledgements") : 0;
}

int triad_share_link_publish_status(triad_share_link *l, const triad_share_status *st)
{
    if (l->o.role != TRIAD_SHARE_LINK_HUB)
        return triad__fail(TRIAD_EINVAL, "%s: only a hub publishes link status", l->who);
    triad_share_LinkStatus s;
    memset(&s, 0, sizeof s);
    snprintf(s.hub, sizeof s.hub, "%s", st->hub);
    snprintf(s.subject, sizeof s.subject, "%s", st->subject);
    snprintf(s.state, sizeof s.state, "%s", st->state);
    snprintf(s.detail, sizeof s.detail, "%s", st->detail);
    s.time_ns = st->time_ns;
    memcpy(s.sig, st->sig, 64);
    const dds_return_t rc = dds_write(l->status_entity, &s);
    return rc < 0 ? dds_failed(rc, l->who, "publishing a link status") : 0;
}

int triad_share_link_heartbeat(triad_share_link *l, int64_t now_ns)
{
    if (now_ns < l->next_heartbeat_ns)
        return 0;
    l->next_heartbeat_ns = now_ns + (int64_t)(l->o.heartbeat_s * 1e9);
    triad_share_Heartbeat hb = {.time_ns = now_ns,
                                .sent = __atomic_load_n(&l->sent, __ATOMIC_RELAXED)};
    snprintf(hb.node, sizeof hb.node, "%s", l->self);
    const dds_return_t rc = dds_write(l->hb_writer, &hb);
    return rc < 0 ? dds_failed(rc, l->who, "publishing a heartbeat") : 0;
}

static bool all_zero(const uint8_t *p, size_t n)
{
    uint8_t acc = 0;
    for (size_t i = 0; i < n; i++)
        acc |= p[i];
    return acc == 0;
}

/* A received sample into an envelope; false (ev->detail says why) when it cannot be one. */
static bool to_envelope(const triad_share_Envelope *s, triad_share_link_event *ev)
{
    triad_share_envelope *e = &ev->env;
    memset(e, 0, sizeof *e);
    snprintf(e->origin, sizeof e->origin, "%s", s->origin);
    e->seq = s->seq;
    e->time_ns = s->time_ns;
    if (triad_share_msg_decode(s->payload._buffer, s->payload._length, &e->msg) != 0) {
        snprintf(ev->detail, sizeof ev->detail, "origin %.63s seq %" PRIu64 ": %.80s", e->origin,
                 e->seq, triad_errmsg());
        return false;
    }
    uint64_t id = 0;
    if (e->msg.type != s->type || triad_share_instance_id(&e->msg, &id) != 0 ||
        id != s->instance_id) {
        snprintf(ev->detail, sizeof ev->detail,
                 "origin %.63s seq %" PRIu64 ": key (type %u, instance %" PRIu64
                 ") does not match the payload",
                 e->origin, e->seq, (unsigned)s->type, s->instance_id);
        return false;
    }
    memcpy(e->origin_digest, s->origin_digest, 32);
    memcpy(e->origin_sig, s->origin_sig, 64);
    e->has_origin_sig = !all_zero(s->origin_sig, 64);
    if (s->hub[0] || !all_zero(s->hub_sig, 64)) { /* claims a countersignature: checked */
        snprintf(e->hub, sizeof e->hub, "%s", s->hub);
        e->hub_time_ns = s->hub_time_ns;
        memcpy(e->hub_sig, s->hub_sig, 64);
        e->has_hub_sig = true;
    }
    return true;
}

int triad_share_link_poll_status(triad_share_link *l, triad_share_link_event *ev)
{
    ev->kind = TRIAD_SHARE_EV_NONE;
    ev->count = 0;
    ev->detail[0] = '\0';
    dds_publication_matched_status_t pm;
    if (dds_get_publication_matched_status(l->env_writer, &pm) == 0 && pm.current_count_change) {
        ev->kind = pm.current_count_change > 0 ? TRIAD_SHARE_EV_MATCHED : TRIAD_SHARE_EV_UNMATCHED;
        ev->count = (int)pm.current_count;
        snprintf(ev->detail, sizeof ev->detail, "%u reader(s) of what we publish",
                 (unsigned)pm.current_count);
        return 0;
    }
    /* a peer that cannot match (e.g. a longer liveliness lease than the reader asks for) */
    dds_offered_incompatible_qos_status_t oq;
    dds_requested_incompatible_qos_status_t rq;
    if ((dds_get_offered_incompatible_qos_status(l->env_writer, &oq) == 0 && oq.total_count_change) ||
        (dds_get_offered_incompatible_qos_status(l->hb_writer, &oq) == 0 && oq.total_count_change)) {
        ev->kind = TRIAD_SHARE_EV_INCOMPATIBLE;
        snprintf(ev->detail, sizeof ev->detail,
                 "a reader cannot match what we publish: incompatible QoS policy %u (e.g. a "
                 "heartbeat period over three of the reader's)", (unsigned)oq.last_policy_id);
        return 0;
    }
    if ((dds_get_requested_incompatible_qos_status(l->env_reader, &rq) == 0 &&
         rq.total_count_change) ||
        (dds_get_requested_incompatible_qos_status(l->hb_reader, &rq) == 0 && rq.total_count_change)) {
        ev->kind = TRIAD_SHARE_EV_INCOMPATIBLE;
        snprintf(ev->detail, sizeof ev->detail,
                 "a writer cannot match what we read: incompatible QoS policy %u (e.g. a "
                 "heartbeat period over three of ours)", (unsigned)rq.last_policy_id);
        return 0;
    }
    dds_liveliness_changed_status_t lc;
    if (dds_get_liveliness_changed_status(l->env_reader, &lc) == 0 &&
        (lc.alive_count_change || lc.not_alive_count_change)) {
        ev->kind = lc.alive_count_change > 0 ? TRIAD_SHARE_EV_ALIVE
                   : lc.alive_count_change < 0 ? TRIAD_SHARE_EV_LOST
                                               : TRIAD_SHARE_EV_NONE;
        if (ev->kind) {
            ev->count = (int)lc.alive_count;
            snprintf(ev->detail, sizeof ev->detail, "%u writer(s) alive, %u not alive",
                     (unsigned)lc.alive_count, (unsigned)lc.not_alive_count);
            return 0;
        }
    }
    dds_requested_deadline_missed_status_t dm;
    if (dds_get_requested_deadline_missed_status(l->hb_reader, &dm) == 0 && dm.total_count_change) {
        ev->kind = TRIAD_SHARE_EV_DEADLINE;
        ev->count = (int)dm.total_count;
        snprintf(ev->detail, sizeof ev->detail, "no heartbeat within %.3g s (%u missed so far)",
                 3 * l->o.heartbeat_s, (unsigned)dm.total_count);
        return 0;
    }
    void *ptr = NULL;
    dds_sample_info_t info;
    dds_return_t n = dds_take(l->hb_reader, &ptr, &info, 1, 1);
    if (n > 0) {
        const triad_share_Heartbeat *hb = ptr;
        if (info.valid_data) {
            ev->kind = TRIAD_SHARE_EV_HEARTBEAT;
            snprintf(ev->peer, sizeof ev->peer, "%s", hb->node);
            ev->time_ns = hb->time_ns;
        }
        dds_return_loan(l->hb_reader, &ptr, n);
        if (ev->kind)
            return 0;
    }
    if (l->o.role == TRIAD_SHARE_LINK_NODE) {
        ptr = NULL;
        n = dds_take(l->status_entity, &ptr, &info, 1, 1);
        if (n > 0) {
            const triad_share_LinkStatus *st = ptr;
            if (info.valid_data) {
                triad_share_status *o = &ev->status;
                ev->kind = TRIAD_SHARE_EV_STATUS;
                snprintf(o->hub, sizeof o->hub, "%s", st->hub);
                snprintf(o->subject, sizeof o->subject, "%s", st->subject);
                snprintf(o->state, sizeof o->state, "%s", st->state);
                snprintf(o->detail, sizeof o->detail, "%s", st->detail);
                o->time_ns = st->time_ns;
                memcpy(o->sig, st->sig, 64);
            }
            dds_return_loan(l->status_entity, &ptr, n);
            if (ev->kind)
                return 0;
        }
    }
    return 0;
}
int triad_share_link_take(triad_share_link *l, triad_share_link_event *ev)
{
    ev->kind = TRIAD_SHARE_EV_NONE;
    ev->count = 0;
    ev->detail[0] = '\0';
    void *ptr = NULL;
    dds_sample_info_t info;
    dds_return_t n;
    /* the next sample with data (instance state changes carry none) */
    do {
        ptr = NULL;
        n = dds_take(l->env_reader, &ptr, &info, 1, 1);
        if (n < 0)
            return dds_failed(n, l->who, "taking an envelope");
        if (n > 0) {
            if (info.valid_data)
                ev->kind = to_envelope(ptr, ev) ? TRIAD_SHARE_EV_MESSAGE : TRIAD_SHARE_EV_MALFORMED;
            dds_return_loan(l->env_reader, &ptr, n);
        }
    } while (n > 0 && !ev->kind);
    return 0;
}


int triad_share_link_poll(triad_share_link *l, triad_share_link_event *ev)
{
    const int err = triad_share_link_poll_status(l, ev);
    return err || ev->kind != TRIAD_SHARE_EV_NONE ? err : triad_share_link_take(l, ev);
}

struct triad_share_waiter {
    dds_entity_t ws;
};

int triad_share_waiter_create(triad_share_waiter **out)
{
    *out = calloc(1, sizeof **out);
    if (!*out)
        return triad__fail(TRIAD_ENOMEM, "share: out of memory");
    (*out)->ws = dds_create_waitset(DDS_CYCLONEDDS_HANDLE);
    if ((*out)->ws < 0) {
        const int err = dds_failed((*out)->ws, "share", "creating a waitset");
        free(*out);
        *out = NULL;
        return err;
    }
    return 0;
}

int triad_share_waiter_add(triad_share_waiter *w, triad_share_link *l)
{
    const dds_entity_t es[] = {l->env_reader, l->env_writer, l->hb_reader, l->status_entity};
    const size_t n = sizeof es / sizeof es[0] - (l->o.role == TRIAD_SHARE_LINK_HUB);
    for (size_t i = 0; i < n; i++) {
        const dds_return_t rc = dds_waitset_attach(w->ws, es[i], es[i]);
        if (rc < 0)
            return dds_failed(rc, l->who, "attaching to the waitset");
    }
    return 0;
}

int triad_share_waiter_wait(triad_share_waiter *w, double timeout_s)
{
    const dds_return_t rc =
        dds_waitset_wait(w->ws, NULL, 0, triad__dds_duration(timeout_s > 0 ? timeout_s : 0));
    return rc < 0 ? dds_failed(rc, "share", "waiting") : 0;
}

void triad_share_waiter_destroy(triad_share_waiter *w)
{
    if (!w)
        return;
    dds_delete(w->ws);
    free(w);
}
