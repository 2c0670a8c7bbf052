/* For tests/fusion_dds.sh: publish the detection reports of a JSON Lines file (as `triad
 * scenario run` writes them) as DetectionReports on DDS, in time order, over the loopback
 * configuration, once a subscriber matched; waits for its acknowledgements every 16 reports
 * (flow control: the topic is keep-last 16 per radar channel) and at the end.
 * usage: fusion_dds_feed DOMAIN TOPIC REPORTS.jsonl
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/dds/dds_common.h"
#include "io/fusion_jsonl.h"
#include "triad/error.h"
#include "triad_detections.h"

#define DEG (M_PI / 180.0)

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s DOMAIN TOPIC REPORTS.jsonl\n", argv[0]);
        return 2;
    }
    triad__fjsonl_reports in = {0};
    if (triad__fjsonl_read_reports(argv[3], &in)) {
        fprintf(stderr, "fusion_dds_feed: %s\n", triad_errmsg());
        return 1;
    }
    triad__fjsonl_sort(&in);
    triad_dds_opts o = triad_dds_opts_default();
    o.domain_id = (uint32_t)atoi(argv[1]);
    o.topic = argv[2];
    o.loopback = true;
    triad_dds_opts r;
    int status = 1;
    triad__dds_conn c = {0};
    dds_qos_t *q = NULL;
    triad_Detection *dets = NULL;
    if (triad__dds_opts_resolve(&o, &r, "feed") || !(q = triad__dds_qos(&r)) ||
        triad__dds_connect(&r, q, &c, "feed")) {
        fprintf(stderr, "fusion_dds_feed: %s\n", triad_errmsg());
        goto done;
    }
    const dds_entity_t w = dds_create_writer(c.participant, c.topic, q, NULL);
    if (w < 0) {
        fprintf(stderr, "fusion_dds_feed: writer: %s\n", dds_strretcode(w));
        goto done;
    }
    for (int i = 0;; i++) {
        dds_publication_matched_status_t st;
        if (dds_get_publication_matched_status(w, &st) == 0 && st.current_count > 0)
            break;
        if (i == 400) {
            fprintf(stderr, "fusion_dds_feed: no subscriber after 20 s\n");
            goto done;
        }
        dds_sleepfor(DDS_MSECS(50));
    }
    size_t maxd = 1;
    for (size_t i = 0; i < in.n; i++)
        maxd = in.v[i].r.num_dets > maxd ? in.v[i].r.num_dets : maxd;
    if (!(dets = calloc(maxd, sizeof *dets)))
        goto done;
    for (size_t i = 0; i < in.n; i++) {
        const triad_fusion_report *fr = &in.v[i].r;
        triad_DetectionReport m;
        memset(&m, 0, sizeof m);
        snprintf(m.site_id, sizeof m.site_id, "%s", fr->site_id);
        m.radar_id = fr->radar_id;
        m.cpi = i;
        m.time_s = fr->time_s;
        m.cpi_time_utc_ns = llround(fr->time_s * 1e9);
        m.site_lat_deg = fr->site.lat_rad / DEG;
        m.site_lon_deg = fr->site.lon_rad / DEG;
        m.site_alt_m = fr->site.alt_m;
        m.beam_azimuth_deg = m.beam_elevation_deg = NAN;
        for (size_t k = 0; k < fr->num_dets; k++) {
            const triad_fusion_det *d = &fr->dets[k];
            dets[k] = (triad_Detection){.range_m = d->range_m,
                                        .range_rate_mps = d->range_rate_mps,
                                        .azimuth_deg = d->azimuth_deg,
                                        .elevation_deg = d->elevation_deg,
                                        .snr_db = d->snr_db,
                                        .power_db = NAN,
                                        .range_bin = NAN,
                                        .doppler_bin = NAN,
                                        .var_range_m2 = d->var_range_m2,
                                        .var_range_rate_m2_s2 = d->var_range_rate_m2s2,
                                        .var_azimuth_deg2 = d->var_azimuth_deg2,
                                        .var_elevation_deg2 = d->var_elevation_deg2};
        }
        m.detections._buffer = dets;
        m.detections._length = m.detections._maximum = (uint32_t)fr->num_dets;
        m.detections._release = false;
        const dds_return_t rc = dds_write(w, &m);
        if (rc < 0) {
            fprintf(stderr, "fusion_dds_feed: write %zu: %s\n", i, dds_strretcode(rc));
            goto done;
        }
        if (i % 16 == 15 && dds_wait_for_acks(w, DDS_SECS(10)) < 0) {
            fprintf(stderr, "fusion_dds_feed: no acknowledgement within 10 s\n");
            goto done;
        }
    }
    if (dds_wait_for_acks(w, DDS_SECS(10)) < 0) {
        fprintf(stderr, "fusion_dds_feed: no final acknowledgement within 10 s\n");
        goto done;
    }
    printf("%zu\n", in.n);
    status = 0;
done:
    free(dets);
    if (q)
        dds_delete_qos(q);
    triad__dds_disconnect(&c);
    triad__fjsonl_free(&in);
    return status;
}
