/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "io/dds/dds_listener.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/error_internal.h"
#include "io/dds/dds_common.h"
#include "triad_detections.h"

static const char who[] = "dds listener";

/* A take returns the samples instance by instance; up to this many are taken at once and
 * sorted back into the order they were written in (by source timestamp). */
#define LISTENER_BATCH 64

/* What we know of one instance (radar channel). */
typedef struct {
    dds_instance_handle_t handle;
    triad_dds_key key;
    double last_rx_s;  /* monotonic time of its last report */
    bool silent;       /* a SILENT event was (or is about to be) handed out */
    bool gone;         /* a GONE event was handed out */
    bool pending;      /* SILENT still to hand out */
} instance;

struct triad_dds_listener {
    triad_dds_opts o;
    triad__dds_conn conn;
    dds_entity_t reader, waitset;
    instance *inst;
    size_t num_inst, cap_inst;
    triad_dds_detection *dets;
    size_t cap_dets;
    const char *policy; /* an INCOMPATIBLE event to hand out */
    /* samples taken together, lent by Cyclone, handed out in the order they were written */
    void *batch[LISTENER_BATCH];
    dds_sample_info_t info[LISTENER_BATCH];
    int order[LISTENER_BATCH];
    int batch_n, batch_next;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static const char *policy_name(uint32_t id)
{
    switch (id) {
    case DDS_DURABILITY_QOS_POLICY_ID: return "DURABILITY";
    case DDS_PRESENTATION_QOS_POLICY_ID: return "PRESENTATION";
    case DDS_DEADLINE_QOS_POLICY_ID: return "DEADLINE";
    case DDS_LATENCYBUDGET_QOS_POLICY_ID: return "LATENCY_BUDGET";
    case DDS_OWNERSHIP_QOS_POLICY_ID: return "OWNERSHIP";
    case DDS_LIVELINESS_QOS_POLICY_ID: return "LIVELINESS";
    case DDS_RELIABILITY_QOS_POLICY_ID: return "RELIABILITY";
    case DDS_DESTINATIONORDER_QOS_POLICY_ID: return "DESTINATION_ORDER";
    case DDS_DATA_REPRESENTATION_QOS_POLICY_ID: return "DATA_REPRESENTATION";
    case DDS_TYPE_CONSISTENCY_ENFORCEMENT_QOS_POLICY_ID: return "TYPE_CONSISTENCY";
    default: return "another policy";
    }
}

static void key_of(const triad_DetectionReport *m, triad_dds_key *k)
{
    memset(k, 0, sizeof *k);
    memcpy(k->site_id, m->site_id, sizeof k->site_id - 1); /* both 64 bytes */
    k->radar_id = m->radar_id;
    k->channel = m->channel;
}

static bool same_key(const triad_dds_key *a, const triad_dds_key *b)
{
    return a->radar_id == b->radar_id && a->channel == b->channel &&
           strcmp(a->site_id, b->site_id) == 0;
}

/* The instance with this handle, else with this key (a radar that came back may have a new
 * handle), else a new entry. key may be NULL: then it is asked of the reader. NULL when out
 * of memory or the reader no longer knows the handle. */
static instance *find_instance(triad_dds_listener *l, dds_instance_handle_t h,
                               const triad_dds_key *key)
{
    for (size_t i = 0; i < l->num_inst; i++)
        if (l->inst[i].handle == h)
            return &l->inst[i];
    triad_dds_key k;
    if (!key) {
        triad_DetectionReport sample;
        memset(&sample, 0, sizeof sample);
        if (dds_instance_get_key(l->reader, h, &sample) < 0)
            return NULL;
        key_of(&sample, &k);
        dds_sample_free(&sample, &triad_DetectionReport_desc, DDS_FREE_CONTENTS);
        key = &k;
    }
    for (size_t i = 0; i < l->num_inst; i++)
        if (same_key(&l->inst[i].key, key)) {
            l->inst[i].handle = h;
            return &l->inst[i];
        }
    if (l->num_inst == l->cap_inst) {
        const size_t cap = l->cap_inst ? 2 * l->cap_inst : 16;
        instance *n = realloc(l->inst, cap * sizeof *n);
        if (!n)
            return NULL;
        l->inst = n;
        l->cap_inst = cap;
    }
    instance *in = &l->inst[l->num_inst++];
    *in = (instance){.handle = h, .key = *key, .last_rx_s = now_s()};
    return in;
}

static void mark_silent(instance *in)
{
    if (!in->silent && !in->gone)
        in->silent = in->pending = true;
}

/* Read the statuses (this resets them, and with them the waitset's trigger). */
static int poll_status(triad_dds_listener *l)
{
    dds_requested_deadline_missed_status_t dm;
    dds_return_t rc = dds_get_requested_deadline_missed_status(l->reader, &dm);
    if (rc < 0)
        return triad__dds_fail(rc, who, "reading the deadline status");
    if (dm.total_count_change > 0) {
        instance *in = find_instance(l, dm.last_instance_handle, NULL);
        if (in)
            mark_silent(in);
        /* The status names only the last instance to miss; channels of one radar fall silent
         * together and Cyclone re-arms them together, so the others would stay unnamed.
         * They are found by their own time since the last report (with slack, so a report
         * waiting to be taken is not mistaken for silence). */
        const double t = now_s(), late_s = 1.5 * l->o.deadline_s;
        for (size_t i = 0; i < l->num_inst; i++)
            if (t - l->inst[i].last_rx_s > late_s)
                mark_silent(&l->inst[i]);
    }
    dds_requested_incompatible_qos_status_t iq;
    rc = dds_get_requested_incompatible_qos_status(l->reader, &iq);
    if (rc < 0)
        return triad__dds_fail(rc, who, "reading the incompatible-QoS status");
    if (iq.total_count_change > 0)
        l->policy = policy_name(iq.last_policy_id);
    return 0;
}

static bool pending_event(triad_dds_listener *l, triad_dds_event *ev)
{
    if (l->policy) {
        ev->kind = TRIAD_DDS_EV_INCOMPATIBLE;
        ev->policy = l->policy;
        l->policy = NULL;
        return true;
    }
    for (size_t i = 0; i < l->num_inst; i++)
        if (l->inst[i].pending) {
            l->inst[i].pending = false;
            ev->kind = TRIAD_DDS_EV_SILENT;
            ev->key = l->inst[i].key;
            return true;
        }
    return false;
}

static int convert(triad_dds_listener *l, const triad_DetectionReport *m, triad_dds_report *r)
{
    const size_t n = m->detections._length;
    if (n > l->cap_dets) {
        size_t cap = l->cap_dets ? l->cap_dets : 64;
        while (cap < n)
            cap *= 2;
        triad_dds_detection *d = realloc(l->dets, cap * sizeof *d);
        if (!d)
            return triad__fail(TRIAD_ENOMEM, "%s: %zu detections", who, n);
        l->dets = d;
        l->cap_dets = cap;
    }
    key_of(m, &r->key);
    r->cpi = m->cpi;
    r->time_s = m->time_s;
    r->cpi_time_utc_ns = m->cpi_time_utc_ns;
    r->site_lat_deg = m->site_lat_deg;
    r->site_lon_deg = m->site_lon_deg;
    r->site_alt_m = m->site_alt_m;
    r->beam_azimuth_deg = m->beam_azimuth_deg;
    r->beam_elevation_deg = m->beam_elevation_deg;
    r->degraded_fraction = m->degraded_fraction;
    r->latency_s = m->latency_s;
    for (size_t i = 0; i < n; i++) {
        const triad_Detection *s = &m->detections._buffer[i];
        l->dets[i] = (triad_dds_detection){
            .det = {.cpi = m->cpi,
                    .channel = m->channel,
                    .time_s = m->time_s,
                    .range_bin = s->range_bin,
                    .doppler_bin = s->doppler_bin,
                    .range_m = s->range_m,
                    .velocity_mps = s->range_rate_mps,
                    .snr_db = s->snr_db,
                    .power_db = s->power_db},
            .azimuth_deg = s->azimuth_deg,
            .elevation_deg = s->elevation_deg,
            .var_range_m2 = s->var_range_m2,
            .var_range_rate_m2_s2 = s->var_range_rate_m2_s2,
            .var_azimuth_deg2 = s->var_azimuth_deg2,
            .var_elevation_deg2 = s->var_elevation_deg2,
        };
    }
    r->num_dets = n;
    r->dets = l->dets;
    return 0;
}

static void return_batch(triad_dds_listener *l)
{
    if (l->batch_n > 0)
        dds_return_loan(l->reader, l->batch, l->batch_n);
    l->batch_n = l->batch_next = 0;
    l->batch[0] = NULL;
}

/* order[0..n) by source timestamp, stable: insertion sort, n is at most LISTENER_BATCH */
static void sort_written(int *order, const dds_sample_info_t *info, int n)
{
    for (int i = 0; i < n; i++)
        order[i] = i;
    for (int i = 1; i < n; i++) {
        const int k = order[i];
        int j = i;
        for (; j > 0 && info[order[j - 1]].source_timestamp > info[k].source_timestamp; j--)
            order[j] = order[j - 1];
        order[j] = k;
    }
}

/* Hand out the next taken sample as an event. Returns 1 with *ev filled, 0 when there was
 * nothing to take, 2 when a sample was used that makes no event, or a negative triad_err. */
static int take_one(triad_dds_listener *l, triad_dds_event *ev)
{
    if (l->batch_next == l->batch_n) {
        return_batch(l);
        const dds_return_t n = dds_take(l->reader, l->batch, l->info, LISTENER_BATCH,
                                        LISTENER_BATCH);
        if (n < 0)
            return triad__dds_fail(n, who, "taking reports");
        if (n == 0)
            return 0;
        l->batch_n = (int)n;
        sort_written(l->order, l->info, l->batch_n);
    }
    const int k = l->order[l->batch_next++];
    const triad_DetectionReport *m = l->batch[k];
    const dds_sample_info_t *info = &l->info[k];
    triad_dds_key key;
    key_of(m, &key); /* Cyclone fills the key also in a sample that only carries a state */
    instance *in = find_instance(l, info->instance_handle, &key);
    /* the publisher's end-of-stream sample (dds_common.h) says "stopped", it is no report */
    const bool end = info->valid_data && triad__dds_is_end_of_stream(m);
    if (info->valid_data && !end) {
        const int err = convert(l, m, &ev->report);
        if (err)
            return err;
        ev->kind = TRIAD_DDS_EV_REPORT;
        ev->key = ev->report.key;
        if (in) {
            ev->resumed = in->silent || in->gone;
            in->silent = in->gone = in->pending = false;
            in->last_rx_s = now_s();
        }
        return 1;
    }
    if ((end || info->instance_state != DDS_IST_ALIVE) && !(in && in->gone)) {
        ev->kind = TRIAD_DDS_EV_GONE;
        ev->key = key;
        ev->disposed = end || info->instance_state == DDS_IST_NOT_ALIVE_DISPOSED;
        if (in) {
            in->gone = true;
            in->pending = false;
        }
        return 1;
    }
    return 2;
}

int triad_dds_listener_next(triad_dds_listener *l, double timeout_s, triad_dds_event *ev)
{
    memset(ev, 0, sizeof *ev);
    ev->kind = TRIAD_DDS_EV_TIMEOUT;
    const double end = (timeout_s < 0.0 || isinf(timeout_s)) ? INFINITY : now_s() + timeout_s;
    for (;;) {
        int err = poll_status(l);
        if (err)
            return err;
        if (pending_event(l, ev))
            return 0;
        const int got = take_one(l, ev);
        if (got < 0)
            return got;
        if (got == 1)
            return 0;
        if (got == 2)
            continue;
        const double left = end - now_s();
        if (left <= 0.0)
            return 0;
        const dds_return_t rc = dds_waitset_wait(l->waitset, NULL, 0, triad__dds_duration(left));
        if (rc < 0)
            return triad__dds_fail(rc, who, "waiting");
    }
}

double triad_dds_listener_deadline(const triad_dds_listener *l)
{
    return l->o.deadline_s;
}

void triad_dds_listener_destroy(triad_dds_listener *l)
{
    if (!l)
        return;
    return_batch(l);
    triad__dds_disconnect(&l->conn); /* the reader, its condition and the waitset with it */
    free(l->inst);
    free(l->dets);
    free(l);
}

/* The reader, and a waitset woken by its data and by the statuses we hand out as events. */
static int create_reader(triad_dds_listener *l, const dds_qos_t *qos)
{
    dds_entity_t e = dds_create_reader(l->conn.participant, l->conn.topic, qos, NULL);
    if (e < 0)
        return triad__dds_fail(e, who, "creating the reader");
    l->reader = e;
    e = dds_create_waitset(l->conn.participant);
    if (e < 0)
        return triad__dds_fail(e, who, "creating the waitset");
    l->waitset = e;
    const dds_entity_t rcond = dds_create_readcondition(l->reader, DDS_ANY_STATE);
    if (rcond < 0)
        return triad__dds_fail(rcond, who, "creating the read condition");
    dds_return_t rc = dds_waitset_attach(l->waitset, rcond, 0);
    if (rc == 0)
        rc = dds_set_status_mask(l->reader, DDS_REQUESTED_DEADLINE_MISSED_STATUS |
                                                DDS_REQUESTED_INCOMPATIBLE_QOS_STATUS);
    if (rc == 0)
        rc = dds_waitset_attach(l->waitset, l->reader, 0);
    return rc < 0 ? triad__dds_fail(rc, who, "attaching the reader to the waitset") : 0;
}

int triad_dds_listener_create(triad_dds_listener **out, const triad_dds_opts *opts)
{
    *out = NULL;
    triad_dds_opts o;
    int err = triad__dds_opts_resolve(opts, &o, who);
    if (err)
        return err;
    triad_dds_listener *l = calloc(1, sizeof *l);
    if (!l)
        return triad__fail(TRIAD_ENOMEM, "%s: out of memory", who);
    l->o = o;
    l->o.config = l->o.topic = l->o.site_id = NULL; /* the caller's strings are not kept */
    dds_qos_t *qos = triad__dds_qos(&o);
    if (!qos) {
        free(l);
        return triad__fail(TRIAD_ENOMEM, "%s: out of memory", who);
    }
    err = triad__dds_connect(&o, qos, &l->conn, who);
    if (!err)
        err = create_reader(l, qos);
    dds_delete_qos(qos);
    if (err) {
        triad_dds_listener_destroy(l);
        return err;
    }
    *out = l;
    return 0;
}
