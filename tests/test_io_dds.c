/* Detections on DDS, in one process over the loopback configuration: the sink publishes
 * reports built from seeded random detections (one report empty, one from a recording with
 * neither site nor beam); our listener and a plain Cyclone reader of the generated type
 * (with the QoS as docs/FORMATS.md states it, so the documented QoS is checked too) must
 * receive every field, and the variances must follow the documented formulas, computed here
 * on their own. Then the deadline: a radar whose two channels stop is reported silent on
 * both, comes back, and stops for good; a subscriber asking a shorter deadline than the
 * publisher offers is told it cannot match; every rejected option names its field.
 *
 * Each run takes a random domain (100..229) and a topic of its own (with the pid), so two
 * runs at the same time never hear each other.
 *
 * `test_io_dds --publish DOMAIN TOPIC EXPECTED.jsonl` is the publisher of tests/dds_loopback.sh:
 * it waits for two subscribers, publishes four reports (CPIs 0 and 1 of channels 0 and 1,
 * the last one empty), writes the detection lines
 * triad process would write for them to EXPECTED.jsonl, pauses 2.5 s and stops.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dds/dds.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "io/dds/dds_listener.h"
#include "io/dds/dds_sink.h"
#include "io/detections_jsonl.h"
#include "test_util.h"
#include "triad/error.h"
#include "triad_detections.h"

#define C_MPS 299792458.0

static uint32_t domain_id;
static char topic[96];
static test_rng rng;

/* A fresh topic name per test, on this run's domain. */
static triad_dds_opts opts_for(const char *name)
{
    snprintf(topic, sizeof topic, "triad_test/%s_%ld_%u", name, (long)getpid(),
             (unsigned)(test_rng_next(&rng) & 0xffff));
    triad_dds_opts o = triad_dds_opts_default();
    o.domain_id = domain_id;
    o.loopback = true;
    o.topic = topic;
    return o;
}

/* The recording the reports come from: LFM B 10 MHz at fs 20 MHz, 3 GHz, P 64, PRI 200 us. */
static void fill_meta(triad_recording_meta *m, bool site_and_beam)
{
    memset(m, 0, sizeof *m);
    m->format = TRIAD_FORMAT_CF32_LE;
    m->sample_rate_hz = 20e6;
    m->num_channels = 2;
    m->carrier_hz = 3e9;
    snprintf(m->datetime, sizeof m->datetime, "2026-11-23T00:00:00Z");
    m->samples_per_pulse = 2048;
    m->pulses_per_cpi = 64;
    m->pri_s = 200e-6;
    m->waveform.type = TRIAD_WAVEFORM_LFM;
    m->waveform.bandwidth_hz = 10e6;
    m->waveform.pulse_width_s = 10e-6;
    m->has_site = m->has_beam = site_and_beam;
    if (site_and_beam) {
        snprintf(m->site.id, sizeof m->site.id, "test \"site\"");
        m->site.lat_deg = 35.25;
        m->site.lon_deg = 139.5;
        m->site.alt_m = 12.0;
        m->beam_azimuth_deg = 270.0;
        m->beam_elevation_deg = 5.0;
    }
}

static double cpi_time_s(const triad_recording_meta *m, uint64_t cpi)
{
    return ((double)cpi * (double)m->pulses_per_cpi + 0.5 * (double)(m->pulses_per_cpi - 1)) *
           m->pri_s;
}

static void random_dets(const triad_recording_meta *m, uint64_t cpi, uint32_t ch,
                        triad_detection *d, size_t n)
{
    const double lambda = C_MPS / m->carrier_hz;
    for (size_t i = 0; i < n; i++) {
        d[i].cpi = cpi;
        d[i].channel = ch;
        d[i].time_s = cpi_time_s(m, cpi);
        d[i].range_bin = 2000.0 * test_rng_uniform(&rng);
        d[i].doppler_bin = 64.0 * test_rng_uniform(&rng) - 32.0;
        d[i].range_m = C_MPS / 2.0 * d[i].range_bin / m->sample_rate_hz;
        d[i].velocity_mps = -d[i].doppler_bin * lambda / (2.0 * 64 * m->pri_s);
        d[i].snr_db = 5.0 + 35.0 * test_rng_uniform(&rng);
        d[i].power_db = d[i].snr_db + 3.0 * test_rng_uniform(&rng);
    }
}

static triad_report make_report(const triad_recording_meta *m, uint32_t radar, uint32_t ch,
                                uint64_t cpi, const triad_detection *d, size_t n)
{
    const double t0 = triad__parse_utc(m->datetime);
    return (triad_report){
        .meta = m,
        .radar_id = radar,
        .channel = ch,
        .cpi = cpi,
        .cpi_time_utc_ns = isnan(t0) ? INT64_MIN : llround((t0 + cpi_time_s(m, cpi)) * 1e9),
        .degraded_fraction = 0.125 * (double)ch,
        .latency_s = 0.001 * (double)(cpi + 1),
        .dets = d,
        .num_dets = n,
    };
}

static void assert_close(double got, double want)
{
    if (isnan(want)) {
        assert_true(isnan(got));
        return;
    }
    if (fabs(got - want) > 1e-12 * fabs(want)) {
        fprintf(stderr, "got %.17g, want %.17g\n", got, want);
        fail();
    }
}

/* The documented variances, from the documented formulas. */
static void want_variances(const triad_recording_meta *m, const triad_detection *d, double bw_az,
                           double bw_el, double v[4])
{
    double snr = pow(10.0, d->snr_db / 10.0);
    if (snr < 0.5)
        snr = 0.5;
    const double dr = C_MPS / (2.0 * m->waveform.bandwidth_hz);
    const double dv = C_MPS / m->carrier_hz / (2.0 * 64 * m->pri_s);
    v[0] = dr * dr / (2.0 * snr);
    v[1] = dv * dv / (2.0 * snr);
    v[2] = m->has_beam ? bw_az * bw_az / 12.0 : NAN;
    v[3] = m->has_beam ? bw_el * bw_el / 12.0 : NAN;
}

/* The event of this kind within timeout_s (other kinds are skipped); false if none came. */
static bool wait_event(triad_dds_listener *l, triad_dds_event_kind kind, double timeout_s,
                       triad_dds_event *ev)
{
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        clock_gettime(CLOCK_MONOTONIC, &t);
        const double left = timeout_s - (double)(t.tv_sec - t0.tv_sec) -
                            1e-9 * (double)(t.tv_nsec - t0.tv_nsec);
        if (left <= 0.0)
            return false;
        assert_int_equal(triad_dds_listener_next(l, left, ev), 0);
        if (ev->kind == kind)
            return true;
        if (ev->kind != TRIAD_DDS_EV_TIMEOUT)
            fprintf(stderr, "(skipped event %d)\n", (int)ev->kind);
    }
}

/* A plain Cyclone reader on the topic with the QoS docs/FORMATS.md gives. */
static dds_entity_t raw_reader(dds_entity_t *participant)
{
    *participant = dds_create_participant(domain_id, NULL, NULL);
    assert_true(*participant > 0);
    dds_qos_t *q = dds_create_qos();
    dds_qset_reliability(q, DDS_RELIABILITY_RELIABLE, DDS_MSECS(100));
    dds_qset_history(q, DDS_HISTORY_KEEP_LAST, 16);
    dds_qset_deadline(q, DDS_SECS(1));
    dds_qset_durability(q, DDS_DURABILITY_VOLATILE);
    const dds_entity_t t = dds_create_topic(*participant, &triad_DetectionReport_desc, topic, q,
                                            NULL);
    assert_true(t > 0);
    const dds_entity_t r = dds_create_reader(*participant, t, q, NULL);
    assert_true(r > 0);
    dds_delete_qos(q);
    return r;
}

typedef struct {
    triad_recording_meta *meta;
    uint32_t radar, channel;
    uint64_t cpi;
    triad_detection dets[8];
    size_t n;
    bool seen_listener, seen_raw;
} sent_report;

static sent_report *find_sent(sent_report *s, size_t n, const char *site, uint32_t radar,
                              uint32_t ch, uint64_t cpi)
{
    for (size_t i = 0; i < n; i++)
        if (s[i].radar == radar && s[i].channel == ch && s[i].cpi == cpi &&
            strcmp(s[i].meta->has_site ? s[i].meta->site.id : "", site) == 0)
            return &s[i];
    return NULL;
}

static void test_round_trip(void **state)
{
    (void)state;
    triad_recording_meta full, bare;
    fill_meta(&full, true);
    fill_meta(&bare, false);
    sent_report sent[4] = {
        {.meta = &full, .radar = 3, .channel = 0, .cpi = 0, .n = 3},
        {.meta = &full, .radar = 3, .channel = 1, .cpi = 0, .n = 0}, /* looked at, nothing */
        {.meta = &full, .radar = 3, .channel = 0, .cpi = 1, .n = 2},
        {.meta = &bare, .radar = 4, .channel = 0, .cpi = 5, .n = 1},
    };
    for (size_t i = 0; i < 4; i++)
        random_dets(sent[i].meta, sent[i].cpi, sent[i].channel, sent[i].dets, sent[i].n);
    sent[2].dets[1].snr_db = -10.0; /* below the floor of the variances */

    triad_dds_opts o = opts_for("round_trip");
    o.beamwidth_az_deg = 2.0;
    o.beamwidth_el_deg = 10.0;
    triad_dds_listener *l = NULL;
    assert_int_equal(triad_dds_listener_create(&l, &o), 0); /* creates the domain */
    dds_entity_t raw_pp;
    const dds_entity_t raw = raw_reader(&raw_pp);
    o.wait_readers = 2;
    o.wait_s = 20.0;
    triad_sink *sink = NULL;
    assert_int_equal(triad_dds_sink_create(&sink, &o), 0);
    for (size_t i = 0; i < 4; i++) {
        const triad_report r = make_report(sent[i].meta, sent[i].radar, sent[i].channel,
                                           sent[i].cpi, sent[i].dets, sent[i].n);
        assert_int_equal(sink->write(sink, &r), 0);
    }

    /* our listener: every field, in our types */
    for (int got = 0; got < 4; got++) {
        triad_dds_event ev;
        assert_true(wait_event(l, TRIAD_DDS_EV_REPORT, 10.0, &ev));
        const triad_dds_report *r = &ev.report;
        sent_report *s = find_sent(sent, 4, r->key.site_id, r->key.radar_id, r->key.channel,
                                   r->cpi);
        assert_non_null(s);
        assert_false(s->seen_listener);
        s->seen_listener = true;
        const triad_recording_meta *m = s->meta;
        const triad_report want = make_report(m, s->radar, s->channel, s->cpi, s->dets, s->n);
        assert_false(ev.resumed);
        assert_true(r->time_s == cpi_time_s(m, s->cpi));
        assert_true(r->cpi_time_utc_ns == want.cpi_time_utc_ns);
        assert_close(r->site_lat_deg, m->has_site ? m->site.lat_deg : NAN);
        assert_close(r->site_lon_deg, m->has_site ? m->site.lon_deg : NAN);
        assert_close(r->site_alt_m, m->has_site ? m->site.alt_m : NAN);
        assert_close(r->beam_azimuth_deg, m->has_beam ? m->beam_azimuth_deg : NAN);
        assert_close(r->beam_elevation_deg, m->has_beam ? m->beam_elevation_deg : NAN);
        assert_true(r->degraded_fraction == want.degraded_fraction);
        assert_true(r->latency_s == want.latency_s);
        assert_int_equal(r->num_dets, s->n);
        for (size_t i = 0; i < s->n; i++) {
            const triad_dds_detection *g = &r->dets[i];
            const triad_detection *d = &s->dets[i];
            assert_true(g->det.cpi == d->cpi && g->det.channel == d->channel);
            assert_true(g->det.time_s == d->time_s);
            assert_true(g->det.range_bin == d->range_bin && g->det.doppler_bin == d->doppler_bin);
            assert_true(g->det.range_m == d->range_m && g->det.velocity_mps == d->velocity_mps);
            assert_true(g->det.snr_db == d->snr_db && g->det.power_db == d->power_db);
            assert_close(g->azimuth_deg, m->has_beam ? 270.0 : NAN);
            assert_close(g->elevation_deg, m->has_beam ? 5.0 : NAN);
            double v[4];
            want_variances(m, d, 2.0, 10.0, v);
            assert_close(g->var_range_m2, v[0]);
            assert_close(g->var_range_rate_m2_s2, v[1]);
            assert_close(g->var_azimuth_deg2, v[2]);
            assert_close(g->var_elevation_deg2, v[3]);
        }
    }

    /* the plain reader: the generated type's fields by name */
    for (int got = 0; got < 4;) {
        void *ptr = NULL;
        dds_sample_info_t info;
        const dds_return_t n = dds_take(raw, &ptr, &info, 1, 1);
        assert_true(n >= 0);
        if (n == 0) {
            dds_sleepfor(DDS_MSECS(10));
            continue;
        }
        const triad_DetectionReport *msg = ptr;
        if (info.valid_data) {
            sent_report *s = find_sent(sent, 4, msg->site_id, msg->radar_id, msg->channel,
                                       msg->cpi);
            assert_non_null(s);
            assert_false(s->seen_raw);
            s->seen_raw = true;
            assert_int_equal(msg->detections._length, s->n);
            for (size_t i = 0; i < s->n; i++) {
                const triad_Detection *g = &msg->detections._buffer[i];
                assert_true(g->range_m == s->dets[i].range_m);
                assert_true(g->range_rate_mps == s->dets[i].velocity_mps);
                assert_true(g->snr_db == s->dets[i].snr_db);
                assert_true(g->power_db == s->dets[i].power_db);
                assert_true(g->range_bin == s->dets[i].range_bin);
                assert_true(g->doppler_bin == s->dets[i].doppler_bin);
                double v[4];
                want_variances(s->meta, &s->dets[i], 2.0, 10.0, v);
                assert_close(g->var_range_m2, v[0]);
                assert_close(g->var_range_rate_m2_s2, v[1]);
                assert_close(g->var_azimuth_deg2, v[2]);
            }
            got++;
        }
        dds_return_loan(raw, &ptr, n);
    }
    for (size_t i = 0; i < 4; i++)
        assert_true(sent[i].seen_listener && sent[i].seen_raw);

    sink->destroy(sink); /* the listener hears both radars stop */
    int stopped = 0;
    triad_dds_event ev;
    while (stopped < 3 && wait_event(l, TRIAD_DDS_EV_GONE, 10.0, &ev)) {
        assert_true(ev.disposed);
        stopped++;
    }
    assert_int_equal(stopped, 3); /* instances: radar 3 channels 0 and 1, radar 4 channel 0 */
    dds_delete(raw_pp);
    triad_dds_listener_destroy(l); /* last: it owns the domain */
}

static void test_deadline(void **state)
{
    (void)state;
    triad_recording_meta m;
    fill_meta(&m, true);
    triad_dds_opts o = opts_for("deadline");
    o.deadline_s = 0.3;
    triad_dds_listener *l = NULL;
    assert_int_equal(triad_dds_listener_create(&l, &o), 0);
    o.wait_readers = 1;
    triad_sink *sink = NULL;
    assert_int_equal(triad_dds_sink_create(&sink, &o), 0);
    triad_detection d[2];
    for (uint64_t cpi = 0; cpi < 3; cpi++)
        for (uint32_t ch = 0; ch < 2; ch++) {
            random_dets(&m, cpi, ch, d, 2);
            const triad_report r = make_report(&m, 1, ch, cpi, d, 2);
            assert_int_equal(sink->write(sink, &r), 0);
        }
    triad_dds_event ev;
    for (int i = 0; i < 6; i++)
        assert_true(wait_event(l, TRIAD_DDS_EV_REPORT, 10.0, &ev));

    /* both channels stop at once: each is named, once */
    bool silent[2] = {false, false};
    for (int i = 0; i < 2; i++) {
        assert_true(wait_event(l, TRIAD_DDS_EV_SILENT, 5.0, &ev));
        assert_string_equal(ev.key.site_id, m.site.id);
        assert_int_equal(ev.key.radar_id, 1);
        assert_true(ev.key.channel < 2);
        assert_false(silent[ev.key.channel]);
        silent[ev.key.channel] = true;
    }
    assert_false(wait_event(l, TRIAD_DDS_EV_SILENT, 1.0, &ev)); /* not again */

    /* channel 0 comes back */
    random_dets(&m, 3, 0, d, 1);
    const triad_report r = make_report(&m, 1, 0, 3, d, 1);
    assert_int_equal(sink->write(sink, &r), 0);
    assert_true(wait_event(l, TRIAD_DDS_EV_REPORT, 10.0, &ev));
    assert_true(ev.resumed);
    assert_int_equal(ev.report.cpi, 3);

    sink->destroy(sink);
    triad_dds_listener_destroy(l);
}

static void test_incompatible_deadline(void **state)
{
    (void)state;
    triad_dds_opts o = opts_for("incompatible");
    o.deadline_s = 0.5; /* the subscriber asks for more than the publisher promises */
    triad_dds_listener *l = NULL;
    assert_int_equal(triad_dds_listener_create(&l, &o), 0);
    o.deadline_s = 2.0;
    triad_sink *sink = NULL;
    assert_int_equal(triad_dds_sink_create(&sink, &o), 0);
    triad_dds_event ev;
    assert_true(wait_event(l, TRIAD_DDS_EV_INCOMPATIBLE, 10.0, &ev));
    assert_string_equal(ev.policy, "DEADLINE");
    sink->destroy(sink);
    triad_dds_listener_destroy(l);
}

/* Every rejected option, for the sink and the listener: EINVAL, nothing created, and a
 * message that names the field. No network is touched. */
static void test_reject_options(void **state)
{
    (void)state;
    static const char long_site[] =
        "0123456789012345678901234567890123456789012345678901234567890123";
    static const struct {
        const char *what;
        triad_dds_opts o;
    } bad[] = {
        {"domain id", {.domain_id = TRIAD_DDS_DOMAIN_MAX + 1}},
        {"loopback", {.config = "<General/>", .loopback = true}},
        {"topic", {.topic = "9lives"}},
        {"topic", {.topic = "a-b"}},
        {"topic", {.topic = "spaces are bad"}},
        {"deadline", {.deadline_s = -1.0}},
        {"deadline", {.deadline_s = NAN}},
        {"deadline", {.deadline_s = 1e-4}},
        {"history depth", {.history_depth = 100001}},
        {"site id", {.site_id = long_site}},
        {"azimuth beamwidth", {.beamwidth_az_deg = 400.0}},
        {"azimuth beamwidth", {.beamwidth_az_deg = -3.0}},
        {"elevation beamwidth", {.beamwidth_el_deg = NAN}},
        {"wait for readers", {.wait_readers = 1, .wait_s = -1.0}},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        triad_sink *s = (triad_sink *)&bad; /* must be cleared */
        assert_int_equal(triad_dds_sink_create(&s, &bad[i].o), TRIAD_EINVAL);
        assert_null(s);
        if (!strstr(triad_errmsg(), bad[i].what)) {
            fprintf(stderr, "case %zu: '%s' does not name %s\n", i, triad_errmsg(),
                    bad[i].what);
            fail();
        }
        triad_dds_listener *l = (triad_dds_listener *)&bad;
        assert_int_equal(triad_dds_listener_create(&l, &bad[i].o), TRIAD_EINVAL);
        assert_null(l);
        assert_non_null(strstr(triad_errmsg(), bad[i].what));
    }
    /* a configuration Cyclone refuses */
    triad_dds_opts o = opts_for("bad_config");
    o.loopback = false;
    o.config = "<NoSuchElement>1</NoSuchElement>";
    triad_sink *s = NULL;
    assert_int_equal(triad_dds_sink_create(&s, &o), TRIAD_EIO);
    assert_null(s);
    assert_non_null(strstr(triad_errmsg(), "configuration"));
}

/* tests/dds_loopback.sh's publisher (see the top of this file). */
static int publish(const char *domain, const char *topic_name, const char *expected_path)
{
    triad_recording_meta m;
    fill_meta(&m, true);
    snprintf(m.site.id, sizeof m.site.id, "loop");
    triad_dds_opts o = triad_dds_opts_default();
    o.domain_id = (uint32_t)atoi(domain);
    o.topic = topic_name;
    o.loopback = true;
    o.deadline_s = 0.5;
    o.wait_readers = 2;
    o.wait_s = 20.0;
    triad_sink *sink = NULL;
    if (triad_dds_sink_create(&sink, &o)) {
        fprintf(stderr, "publish: %s\n", triad_errmsg());
        return 1;
    }
    FILE *f = fopen(expected_path, "w");
    if (!f)
        return 1;
    static const struct {
        uint32_t ch;
        uint64_t cpi;
        size_t n;
    } plan[] = {{0, 0, 2}, {1, 0, 1}, {0, 1, 1}, {1, 1, 0}}; /* written across instances */
    const double t0 = triad__parse_utc(m.datetime);
    int status = 0;
    for (size_t i = 0; i < sizeof plan / sizeof plan[0]; i++) {
        triad_detection d[2];
        random_dets(&m, plan[i].cpi, plan[i].ch, d, plan[i].n);
        const triad_report r = make_report(&m, 2, plan[i].ch, plan[i].cpi, d, plan[i].n);
        status |= sink->write(sink, &r) != 0;
        for (size_t k = 0; k < plan[i].n; k++)
            status |= triad__jsonl_write(f, &d[k], &m, t0) != 0;
    }
    status |= fclose(f) != 0;
    dds_sleepfor(DDS_MSECS(2500)); /* alive but silent: the listeners' deadline passes */
    sink->destroy(sink);
    return status;
}

int main(int argc, char **argv)
{
    rng.s = (uint64_t)getpid() * 0x9e3779b97f4a7c15ULL ^ (uint64_t)time(NULL);
    if (argc == 5 && strcmp(argv[1], "--publish") == 0)
        return publish(argv[2], argv[3], argv[4]);
    domain_id = 100 + (uint32_t)(test_rng_next(&rng) % 130);
    fprintf(stderr, "test_io_dds: domain %u\n", (unsigned)domain_id);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reject_options),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_deadline),
        cmocka_unit_test(test_incompatible_deadline),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
