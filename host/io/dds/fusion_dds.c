/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "io/dds/fusion_dds.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error_internal.h"
#include "io/dds/dds_common.h"
#include "triad_fusion.h"

#define DEG (M_PI / 180.0)
#define SUB_BATCH 64

/* ---- shared: options, QoS, joining the domain ---- */

typedef struct {
    dds_entity_t domain; /* > 0 only when we created it */
    dds_entity_t participant, track_topic, warning_topic;
} fdds_conn;

/* Check the options with the detection topic's rules; each topic name is checked as one. */
static int resolve(const triad_fdds_opts *in, triad_dds_opts *o, const char **tt,
                   const char **wt, const char *who)
{
    const triad_fdds_opts z = {0};
    if (!in)
        in = &z;
    *tt = in->track_topic && in->track_topic[0] ? in->track_topic : TRIAD_FDDS_TRACK_TOPIC;
    *wt = in->warning_topic && in->warning_topic[0] ? in->warning_topic
                                                    : TRIAD_FDDS_WARNING_TOPIC;
    if (strcmp(*tt, *wt) == 0)
        return triad__fail(TRIAD_EINVAL, "%s: the track and warning topics are both '%s'", who,
                           *tt);
    triad_dds_opts d = triad_dds_opts_default();
    d.domain_id = in->domain_id;
    d.config = in->config;
    d.loopback = in->loopback;
    d.topic = *wt;
    int err = triad__dds_opts_resolve(&d, o, who);
    if (!err) {
        d.topic = *tt;
        err = triad__dds_opts_resolve(&d, o, who);
    }
    return err;
}

/* Track: the latest state matters. Reliable, keep-last 1 per track, volatile, no lifespan. */
static dds_qos_t *track_qos(void)
{
    dds_qos_t *q = dds_create_qos();
    if (!q)
        return NULL;
    dds_qset_reliability(q, DDS_RELIABILITY_RELIABLE, DDS_SECS(1));
    dds_qset_history(q, DDS_HISTORY_KEEP_LAST, 1);
    dds_qset_durability(q, DDS_DURABILITY_VOLATILE);
    return q;
}

/* Warning: reliable, transient-local, keep-last TRIAD_FDDS_WARNING_DEPTH per event; the
 * writer keeps as many for late joiners (Cyclone sizes that store by durability_service). */
static dds_qos_t *warning_qos(void)
{
    dds_qos_t *q = dds_create_qos();
    if (!q)
        return NULL;
    dds_qset_reliability(q, DDS_RELIABILITY_RELIABLE, DDS_SECS(1));
    dds_qset_history(q, DDS_HISTORY_KEEP_LAST, TRIAD_FDDS_WARNING_DEPTH);
    dds_qset_durability(q, DDS_DURABILITY_TRANSIENT_LOCAL);
    dds_qset_durability_service(q, 0, DDS_HISTORY_KEEP_LAST, TRIAD_FDDS_WARNING_DEPTH,
                                DDS_LENGTH_UNLIMITED, DDS_LENGTH_UNLIMITED,
                                DDS_LENGTH_UNLIMITED);
    return q;
}

static void disconnect(fdds_conn *c)
{
    if (c->participant > 0)
        dds_delete(c->participant);
    if (c->domain > 0)
        dds_delete(c->domain);
    *c = (fdds_conn){0};
}

static int fdds_connect(const triad_dds_opts *o, const char *tt, const char *wt,
                   const dds_qos_t *tq, const dds_qos_t *wq, fdds_conn *c, const char *who)
{
    *c = (fdds_conn){0};
    const char *config = o->loopback ? triad__dds_loopback_xml : o->config;
    char what[160];
    if (config) {
        const dds_entity_t d = dds_create_domain(o->domain_id, config);
        if (d > 0)
            c->domain = d;
        else if (d != DDS_RETCODE_PRECONDITION_NOT_MET) { /* that one: this process has it */
            snprintf(what, sizeof what, "domain %u: Cyclone refused the %s", o->domain_id,
                     o->loopback ? "loopback configuration" : "configuration");
            return triad__dds_fail(d, who, what);
        }
    }
    int err = 0;
    c->participant = dds_create_participant(o->domain_id, NULL, NULL);
    if (c->participant < 0) {
        snprintf(what, sizeof what, "domain %u: creating a participant", o->domain_id);
        err = triad__dds_fail(c->participant, who, what);
        c->participant = 0;
        goto fail;
    }
    c->track_topic = dds_create_topic(c->participant, &triad_Track_desc, tt, tq, NULL);
    if (c->track_topic < 0) {
        snprintf(what, sizeof what, "topic '%s'", tt);
        err = triad__dds_fail(c->track_topic, who, what);
        goto fail;
    }
    c->warning_topic = dds_create_topic(c->participant, &triad_Warning_desc, wt, wq, NULL);
    if (c->warning_topic < 0) {
        snprintf(what, sizeof what, "topic '%s'", wt);
        err = triad__dds_fail(c->warning_topic, who, what);
        goto fail;
    }
    return 0;
fail:
    disconnect(c);
    return err;
}

static int64_t utc_ns(double s)
{
    if (!(fabs(s) < 9.2e9))
        return INT64_MIN;
    return (int64_t)llround(s * 1e9);
}

/* ---- publisher ---- */

static const char pub_who[] = "fusion dds publisher";

struct triad_fdds_pub {
    fdds_conn conn;
    dds_entity_t track_writer, warning_writer;
    uint32_t *ids; /* tracks published and not disposed */
    size_t num_ids, cap_ids;
};

int triad_fdds_pub_create(triad_fdds_pub **out, const triad_fdds_opts *opts)
{
    *out = NULL;
    triad_dds_opts o;
    const char *tt, *wt;
    int err = resolve(opts, &o, &tt, &wt, pub_who);
    if (err)
        return err;
    triad_fdds_pub *p = calloc(1, sizeof *p);
    dds_qos_t *tq = track_qos(), *wq = warning_qos();
    if (!p || !tq || !wq) {
        err = triad__fail(TRIAD_ENOMEM, "%s: out of memory", pub_who);
        goto done;
    }
    err = fdds_connect(&o, tt, wt, tq, wq, &p->conn, pub_who);
    if (err)
        goto done;
    p->track_writer = dds_create_writer(p->conn.participant, p->conn.track_topic, tq, NULL);
    if (p->track_writer < 0) {
        err = triad__dds_fail(p->track_writer, pub_who, "creating the track writer");
        p->track_writer = 0;
        goto done;
    }
    p->warning_writer = dds_create_writer(p->conn.participant, p->conn.warning_topic, wq, NULL);
    if (p->warning_writer < 0) {
        err = triad__dds_fail(p->warning_writer, pub_who, "creating the warning writer");
        p->warning_writer = 0;
    }
done:
    dds_delete_qos(tq);
    dds_delete_qos(wq);
    if (err) {
        triad_fdds_pub_destroy(p);
        return err;
    }
    *out = p;
    return 0;
}

static int write_fail(dds_return_t rc, const char *what, unsigned long long id)
{
    char buf[96];
    snprintf(buf, sizeof buf, "publishing %s %llu", what, id);
    return triad__dds_fail(rc, pub_who, buf);
}

int triad_fdds_pub_track(triad_fdds_pub *p, const triad_track *t)
{
    char sites[8][64];
    triad_Track m;
    memset(&m, 0, sizeof m);
    m.track_id = t->id;
    m.status = t->status == TRIAD_TRACK_CONFIRMED   ? triad_TRACK_CONFIRMED
               : t->status == TRIAD_TRACK_TENTATIVE ? triad_TRACK_TENTATIVE
                                                    : triad_TRACK_DELETED;
    m.model = t->model == TRIAD_MOTION_CV          ? triad_MODEL_CV
              : t->model == TRIAD_MOTION_BALLISTIC ? triad_MODEL_BALLISTIC
                                                   : triad_MODEL_BOOST;
    m.ballistic = t->ballistic != 0;
    m.time_s = t->time_s;
    m.time_utc_ns = utc_ns(t->time_s);
    m.lat_deg = t->position.lat_rad / DEG;
    m.lon_deg = t->position.lon_rad / DEG;
    m.alt_m = t->position.alt_m;
    for (int i = 0; i < 3; i++) {
        m.ecef_pos_m[i] = t->x[i];
        m.ecef_vel_mps[i] = t->x[3 + i];
        m.pos_var_m2[i] = t->p[i][i];
        m.vel_var_m2_s2[i] = t->p[3 + i][3 + i];
    }
    m.hits = t->hits;
    const size_t ns = t->num_sites < 8 ? t->num_sites : 8;
    for (size_t i = 0; i < ns; i++)
        snprintf(sites[i], sizeof sites[i], "%s", t->sites[i]);
    m.sites._buffer = sites;
    m.sites._length = m.sites._maximum = (uint32_t)ns;
    m.sites._release = false;
    const dds_return_t rc = dds_write(p->track_writer, &m);
    if (rc < 0)
        return write_fail(rc, "track", t->id);
    for (size_t i = 0; i < p->num_ids; i++)
        if (p->ids[i] == t->id)
            return 0;
    if (p->num_ids == p->cap_ids) {
        const size_t cap = p->cap_ids ? 2 * p->cap_ids : 64;
        uint32_t *n = realloc(p->ids, cap * sizeof *n);
        if (!n)
            return triad__fail(TRIAD_ENOMEM, "%s: out of memory", pub_who);
        p->ids = n;
        p->cap_ids = cap;
    }
    p->ids[p->num_ids++] = t->id;
    return 0;
}

int triad_fdds_pub_sweep(triad_fdds_pub *p, const triad_track *trs, size_t n)
{
    for (size_t i = 0; i < p->num_ids;) {
        bool alive = false;
        for (size_t k = 0; k < n && !alive; k++)
            alive = trs[k].id == p->ids[i] && trs[k].status == TRIAD_TRACK_CONFIRMED;
        if (alive) {
            i++;
            continue;
        }
        /* a whole sample (write-dispose), status DELETED, the state unknown: a bare-key
         * dispose from Cyclone 0.10 lacks the XCDR2 delimiter header current Cyclone needs */
        triad_Track end;
        memset(&end, 0, sizeof end);
        end.track_id = p->ids[i];
        end.status = triad_TRACK_DELETED;
        end.model = triad_MODEL_CV;
        end.time_utc_ns = INT64_MIN;
        end.time_s = end.lat_deg = end.lon_deg = end.alt_m = NAN;
        for (int j = 0; j < 3; j++)
            end.ecef_pos_m[j] = end.ecef_vel_mps[j] = end.pos_var_m2[j] = end.vel_var_m2_s2[j] =
                NAN;
        const dds_return_t rc = dds_writedispose(p->track_writer, &end);
        if (rc < 0)
            return write_fail(rc, "the end of track", p->ids[i]);
        p->ids[i] = p->ids[--p->num_ids];
    }
    return 0;
}

static void point_to(triad_GroundPoint *g, const triad_geodetic *pos, double t, double sig_t,
                     const triad_ellipse *e)
{
    g->lat_deg = pos->lat_rad / DEG;
    g->lon_deg = pos->lon_rad / DEG;
    g->alt_m = pos->alt_m;
    g->time_s = t;
    g->time_utc_ns = utc_ns(t);
    g->time_sigma_s = sig_t;
    g->semi_major_m = e->semi_major_m;
    g->semi_minor_m = e->semi_minor_m;
    g->orientation_deg = e->orientation_deg;
}

int triad_fdds_pub_warning(triad_fdds_pub *p, const triad_warning *w)
{
    triad_Warning m;
    memset(&m, 0, sizeof m);
    m.event_id = w->event_id;
    m.version = w->version;
    m.kind = w->kind == TRIAD_WARNING_NEW      ? triad_WARNING_NEW
             : w->kind == TRIAD_WARNING_UPDATE ? triad_WARNING_UPDATE
                                               : triad_WARNING_CANCEL;
    m.track_id = w->track_id;
    m.issued_s = w->issued_s;
    m.issued_utc_ns = utc_ns(w->issued_s);
    point_to(&m.launch, &w->launch, w->launch_time_s, w->launch_time_sigma_s,
             &w->launch_ellipse);
    point_to(&m.impact, &w->impact, w->impact_time_s, w->impact_time_sigma_s,
             &w->impact_ellipse);
    m.phase = w->phase == TRIAD_PHASE_BOOST ? triad_PHASE_BOOST : triad_PHASE_BALLISTIC;
    m.cancel_reason = (triad_CancelReason)w->cancel_reason; /* the same order (idl) */
    /* a CANCEL stays the instance's last sample: late joiners learn the event is over */
    const dds_return_t rc = dds_write(p->warning_writer, &m);
    return rc < 0 ? write_fail(rc, "warning", (unsigned long long)w->event_id) : 0;
}

int triad_fdds_pub_warning_readers(triad_fdds_pub *p)
{
    dds_publication_matched_status_t st;
    if (dds_get_publication_matched_status(p->warning_writer, &st) < 0)
        return 0;
    return (int)st.current_count;
}

void triad_fdds_pub_destroy(triad_fdds_pub *p)
{
    if (!p)
        return;
    if (p->track_writer > 0)
        triad_fdds_pub_sweep(p, NULL, 0); /* the publisher stops: its tracks end (disposed) */
    const dds_entity_t w[2] = {p->track_writer, p->warning_writer};
    for (int i = 0; i < 2; i++) {
        dds_publication_matched_status_t st;
        if (w[i] > 0 && dds_get_publication_matched_status(w[i], &st) == 0 &&
            st.current_count > 0 && dds_wait_for_acks(w[i], DDS_SECS(2)) == DDS_RETCODE_TIMEOUT)
            triad__warn("%s: a subscriber did not acknowledge the last %s within 2 s", pub_who,
                        i ? "warnings" : "tracks");
    }
    disconnect(&p->conn);
    free(p->ids);
    free(p);
}

/* ---- subscriber ---- */

static const char sub_who[] = "fusion dds subscriber";

typedef struct {
    triad_fdds_sample s;
    dds_time_t ts;
    size_t seq;
} queued;

struct triad_fdds_sub {
    fdds_conn conn;
    dds_entity_t readers[2], waitset;
    queued *q;
    size_t n, next, cap;
    size_t seq;
};

static int create_reader(triad_fdds_sub *s, int i, dds_entity_t topic, const dds_qos_t *qos)
{
    s->readers[i] = dds_create_reader(s->conn.participant, topic, qos, NULL);
    if (s->readers[i] < 0) {
        const int err = triad__dds_fail(s->readers[i], sub_who, "creating a reader");
        s->readers[i] = 0;
        return err;
    }
    const dds_entity_t rc = dds_create_readcondition(s->readers[i], DDS_ANY_STATE);
    if (rc < 0)
        return triad__dds_fail(rc, sub_who, "creating a read condition");
    const dds_return_t r = dds_waitset_attach(s->waitset, rc, 0);
    return r < 0 ? triad__dds_fail(r, sub_who, "attaching a reader") : 0;
}

int triad_fdds_sub_create(triad_fdds_sub **out, const triad_fdds_opts *opts)
{
    *out = NULL;
    triad_dds_opts o;
    const char *tt, *wt;
    int err = resolve(opts, &o, &tt, &wt, sub_who);
    if (err)
        return err;
    triad_fdds_sub *s = calloc(1, sizeof *s);
    dds_qos_t *tq = track_qos(), *wq = warning_qos();
    if (!s || !tq || !wq) {
        err = triad__fail(TRIAD_ENOMEM, "%s: out of memory", sub_who);
        goto done;
    }
    err = fdds_connect(&o, tt, wt, tq, wq, &s->conn, sub_who);
    if (err)
        goto done;
    s->waitset = dds_create_waitset(s->conn.participant);
    if (s->waitset < 0) {
        err = triad__dds_fail(s->waitset, sub_who, "creating the waitset");
        goto done;
    }
    err = create_reader(s, 0, s->conn.track_topic, tq);
    if (!err)
        err = create_reader(s, 1, s->conn.warning_topic, wq);
done:
    dds_delete_qos(tq);
    dds_delete_qos(wq);
    if (err) {
        triad_fdds_sub_destroy(s);
        return err;
    }
    *out = s;
    return 0;
}

static void track_from(const triad_Track *m, triad_track *t)
{
    memset(t, 0, sizeof *t);
    t->id = m->track_id;
    t->status = m->status == triad_TRACK_CONFIRMED   ? TRIAD_TRACK_CONFIRMED
                : m->status == triad_TRACK_TENTATIVE ? TRIAD_TRACK_TENTATIVE
                                                     : TRIAD_TRACK_DELETED;
    t->model = m->model == triad_MODEL_CV          ? TRIAD_MOTION_CV
               : m->model == triad_MODEL_BALLISTIC ? TRIAD_MOTION_BALLISTIC
                                                   : TRIAD_MOTION_BOOST;
    t->ballistic = m->ballistic;
    t->time_s = m->time_s;
    t->position = (triad_geodetic){m->lat_deg * DEG, m->lon_deg * DEG, m->alt_m};
    for (int i = 0; i < 3; i++) {
        t->x[i] = m->ecef_pos_m[i];
        t->x[3 + i] = m->ecef_vel_mps[i];
        t->p[i][i] = m->pos_var_m2[i];
        t->p[3 + i][3 + i] = m->vel_var_m2_s2[i];
    }
    t->hits = m->hits;
    const uint32_t ns = m->sites._length < 8 ? m->sites._length : 8;
    for (uint32_t i = 0; i < ns; i++)
        snprintf(t->sites[i], sizeof t->sites[i], "%s", m->sites._buffer[i]);
    t->num_sites = ns;
}

static void point_from(const triad_GroundPoint *g, triad_geodetic *pos, double *t,
                       double *sig_t, triad_ellipse *e)
{
    *pos = (triad_geodetic){g->lat_deg * DEG, g->lon_deg * DEG, g->alt_m};
    *t = g->time_s;
    *sig_t = g->time_sigma_s;
    *e = (triad_ellipse){g->semi_major_m, g->semi_minor_m, g->orientation_deg};
}

static void warning_from(const triad_Warning *m, triad_warning *w)
{
    memset(w, 0, sizeof *w);
    w->event_id = m->event_id;
    w->version = m->version;
    w->kind = m->kind == triad_WARNING_NEW      ? TRIAD_WARNING_NEW
              : m->kind == triad_WARNING_UPDATE ? TRIAD_WARNING_UPDATE
                                                : TRIAD_WARNING_CANCEL;
    w->track_id = m->track_id;
    w->issued_s = m->issued_s;
    point_from(&m->launch, &w->launch, &w->launch_time_s, &w->launch_time_sigma_s,
               &w->launch_ellipse);
    point_from(&m->impact, &w->impact, &w->impact_time_s, &w->impact_time_sigma_s,
               &w->impact_ellipse);
    w->phase = m->phase == triad_PHASE_BOOST ? TRIAD_PHASE_BOOST : TRIAD_PHASE_BALLISTIC;
    w->cancel_reason = (unsigned)m->cancel_reason <= TRIAD_CANCEL_DUPLICATE
                           ? (triad_cancel_reason)m->cancel_reason
                           : TRIAD_CANCEL_NONE;
}

static int by_time(const void *a, const void *b)
{
    const queued *x = a, *y = b;
    if (x->ts != y->ts)
        return x->ts < y->ts ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Take what both readers hold (valid samples only) into the queue, in written order. */
static int fill(triad_fdds_sub *s)
{
    s->n = s->next = 0;
    for (int r = 0; r < 2; r++) {
        void *buf[SUB_BATCH] = {NULL};
        dds_sample_info_t info[SUB_BATCH];
        const dds_return_t n = dds_take(s->readers[r], buf, info, SUB_BATCH, SUB_BATCH);
        if (n < 0)
            return triad__dds_fail(n, sub_who, "taking samples");
        int err = 0;
        for (int i = 0; i < n && !err; i++) {
            /* the end of a track (its write-dispose, status DELETED) is no state to print */
            if (!info[i].valid_data ||
                (r == 0 && ((const triad_Track *)buf[i])->status == triad_TRACK_DELETED))
                continue;
            if (s->n == s->cap) {
                const size_t cap = s->cap ? 2 * s->cap : 2 * SUB_BATCH;
                queued *nq = realloc(s->q, cap * sizeof *nq);
                if (!nq) {
                    err = triad__fail(TRIAD_ENOMEM, "%s: out of memory", sub_who);
                    break;
                }
                s->q = nq;
                s->cap = cap;
            }
            queued *e = &s->q[s->n++];
            memset(e, 0, sizeof *e);
            e->ts = info[i].source_timestamp;
            e->seq = s->seq++;
            if (r == 0) {
                e->s.kind = TRIAD_FDDS_TRACK;
                track_from(buf[i], &e->s.track);
            } else {
                e->s.kind = TRIAD_FDDS_WARNING;
                warning_from(buf[i], &e->s.warning);
            }
        }
        if (n > 0)
            dds_return_loan(s->readers[r], buf, n);
        if (err)
            return err;
    }
    if (s->n > 1)
        qsort(s->q, s->n, sizeof *s->q, by_time);
    return 0;
}

int triad_fdds_sub_next(triad_fdds_sub *s, double timeout_s, triad_fdds_sample *out)
{
    memset(out, 0, sizeof *out);
    const dds_time_t end = timeout_s < 0.0 || !(timeout_s < 9.0e9)
                               ? DDS_NEVER
                               : dds_time() + triad__dds_duration(timeout_s);
    for (;;) {
        if (s->next < s->n) {
            *out = s->q[s->next++].s;
            return 0;
        }
        const int err = fill(s);
        if (err)
            return err;
        if (s->n > 0)
            continue;
        const dds_time_t now = dds_time();
        if (now >= end)
            return 0;
        const dds_return_t rc = dds_waitset_wait_until(s->waitset, NULL, 0, end);
        if (rc < 0)
            return triad__dds_fail(rc, sub_who, "waiting");
    }
}

void triad_fdds_sub_destroy(triad_fdds_sub *s)
{
    if (!s)
        return;
    disconnect(&s->conn);
    free(s->q);
    free(s);
}
