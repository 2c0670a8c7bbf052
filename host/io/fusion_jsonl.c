/* Fusion messages as JSON Lines: reports and truth in, tracks and warnings out.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "io/fusion_jsonl.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error_internal.h"
#include "io/detections_jsonl.h"

#define DEG (M_PI / 180.0)

static double num_or(const cJSON *o, const char *key, double def)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? v->valuedouble : def;
}

/* Epoch seconds of a line: time_utc when it parses, else time_s. */
static double line_time(const cJSON *o)
{
    const cJSON *u = cJSON_GetObjectItemCaseSensitive(o, "time_utc");
    if (cJSON_IsString(u)) {
        const double t = triad__parse_utc(u->valuestring);
        if (!isnan(t))
            return t;
    }
    return num_or(o, "time_s", NAN);
}

static int bad(const char *path, size_t line, const char *field, const char *why)
{
    return triad__fail(TRIAD_EFORMAT, "%s: line %zu: field '%s': %s", path, line, field, why);
}

static int parse_report(const char *path, size_t line, const cJSON *o, const cJSON *dets,
                        triad__fjsonl_report *rep)
{
    memset(rep, 0, sizeof *rep);
    const cJSON *site = cJSON_GetObjectItemCaseSensitive(o, "site");
    if (cJSON_IsString(site)) {
        if (strlen(site->valuestring) >= sizeof rep->r.site_id)
            return bad(path, line, "site", "longer than 63 characters");
        strcpy(rep->r.site_id, site->valuestring);
    }
    const double rid = num_or(o, "radar_id", 0);
    if (!(rid >= 0 && rid <= 4294967295.0))
        return bad(path, line, "radar_id", "not a uint32");
    rep->r.radar_id = (uint32_t)rid;
    const double lat = num_or(o, "site_lat_deg", NAN), lon = num_or(o, "site_lon_deg", NAN);
    const double alt = num_or(o, "site_alt_m", 0);
    if (!(lat >= -90 && lat <= 90))
        return bad(path, line, "site_lat_deg", "missing or outside [-90, 90]");
    if (!(lon >= -360 && lon <= 360))
        return bad(path, line, "site_lon_deg", "missing or outside [-360, 360]");
    if (!isfinite(alt))
        return bad(path, line, "site_alt_m", "not finite");
    rep->r.site.lat_rad = lat * DEG;
    rep->r.site.lon_rad = lon * DEG;
    rep->r.site.alt_m = alt;
    rep->r.time_s = line_time(o);
    if (!isfinite(rep->r.time_s))
        return bad(path, line, "time_utc", "neither time_utc nor time_s gives a time");
    const int n = cJSON_GetArraySize(dets);
    if (n > 0) {
        rep->dets_owned = calloc((size_t)n, sizeof *rep->dets_owned);
        if (!rep->dets_owned)
            return triad__fail(TRIAD_ENOMEM, "%s: line %zu: out of memory", path, line);
    }
    const cJSON *d;
    size_t k = 0;
    cJSON_ArrayForEach(d, dets)
    {
        triad_fusion_det *fd = &rep->dets_owned[k];
        fd->range_m = num_or(d, "range_m", NAN);
        fd->range_rate_mps = num_or(d, "velocity_mps", num_or(d, "range_rate_mps", NAN));
        fd->azimuth_deg = num_or(d, "azimuth_deg", NAN);
        fd->elevation_deg = num_or(d, "elevation_deg", NAN);
        fd->snr_db = num_or(d, "snr_db", NAN);
        fd->var_range_m2 = num_or(d, "var_range_m2", NAN);
        fd->var_range_rate_m2s2 = num_or(d, "var_range_rate_m2_s2", NAN);
        fd->var_azimuth_deg2 = num_or(d, "var_azimuth_deg2", NAN);
        fd->var_elevation_deg2 = num_or(d, "var_elevation_deg2", NAN);
        if (!(fd->range_m > 0) || !isfinite(fd->azimuth_deg) || !isfinite(fd->elevation_deg)) {
            free(rep->dets_owned);
            rep->dets_owned = NULL;
            return bad(path, line, "detections",
                       "a detection without range_m > 0, azimuth_deg and elevation_deg");
        }
        k++;
    }
    rep->r.dets = rep->dets_owned;
    rep->r.num_dets = k;
    return 0;
}

int triad__fjsonl_read_reports(const char *path, triad__fjsonl_reports *list)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return triad__fail(TRIAD_EIO, "%s: cannot open: %s", path, strerror(errno));
    char *buf = NULL;
    size_t cap = 0, line = 0;
    ssize_t len;
    int err = 0;
    while ((len = getline(&buf, &cap, f)) > 0) {
        line++;
        if (len <= 1)
            continue;
        cJSON *o = cJSON_Parse(buf);
        if (!o) {
            err = triad__fail(TRIAD_EFORMAT, "%s: line %zu: not JSON", path, line);
            break;
        }
        const cJSON *dets = cJSON_GetObjectItemCaseSensitive(o, "detections");
        if (cJSON_IsArray(dets)) {
            if (list->n == list->cap) {
                const size_t nc = list->cap ? 2 * list->cap : 1024;
                void *nv = realloc(list->v, nc * sizeof *list->v);
                if (!nv) {
                    cJSON_Delete(o);
                    err = triad__fail(TRIAD_ENOMEM, "%s: out of memory", path);
                    break;
                }
                list->v = nv;
                list->cap = nc;
            }
            err = parse_report(path, line, o, dets, &list->v[list->n]);
            if (!err) {
                list->v[list->n].seq = list->n;
                list->num_dets += list->v[list->n].r.num_dets;
                list->n++;
            }
        }
        cJSON_Delete(o);
        if (err)
            break;
    }
    if (!err && ferror(f))
        err = triad__fail(TRIAD_EIO, "%s: read failed: %s", path, strerror(errno));
    free(buf);
    fclose(f);
    return err;
}

static int by_time(const void *a, const void *b)
{
    const triad__fjsonl_report *x = a, *y = b;
    if (x->r.time_s != y->r.time_s)
        return x->r.time_s < y->r.time_s ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void triad__fjsonl_sort(triad__fjsonl_reports *list)
{
    if (list->n > 1)
        qsort(list->v, list->n, sizeof *list->v, by_time);
}

void triad__fjsonl_free(triad__fjsonl_reports *list)
{
    for (size_t i = 0; i < list->n; i++)
        free(list->v[i].dets_owned);
    free(list->v);
    memset(list, 0, sizeof *list);
}

static void copy_str(char *dst, size_t size, const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    snprintf(dst, size, "%s", cJSON_IsString(v) ? v->valuestring : "");
}

int triad__truth_read(const char *path, triad__truth *t)
{
    memset(t, 0, sizeof *t);
    FILE *f = fopen(path, "r");
    if (!f)
        return triad__fail(TRIAD_EIO, "%s: cannot open: %s", path, strerror(errno));
    char *buf = NULL;
    size_t cap = 0, line = 0;
    ssize_t len;
    int err = 0;
    while (!err && (len = getline(&buf, &cap, f)) > 0) {
        line++;
        if (len <= 1)
            continue;
        cJSON *o = cJSON_Parse(buf);
        if (!o) {
            err = triad__fail(TRIAD_EFORMAT, "%s: line %zu: not JSON", path, line);
            break;
        }
        char type[32];
        copy_str(type, sizeof type, o, "type");
        if (strcmp(type, "scenario") == 0) {
            const cJSON *u = cJSON_GetObjectItemCaseSensitive(o, "start_utc");
            t->start_t = cJSON_IsString(u) ? triad__parse_utc(u->valuestring) : 0;
            t->duration_s = num_or(o, "duration_s", 0);
        } else if (strcmp(type, "site") == 0 && t->num_sites < 64) {
            triad__truth_site *s = &t->sites[t->num_sites++];
            copy_str(s->id, sizeof s->id, o, "site");
            s->lat_deg = num_or(o, "lat_deg", NAN);
            s->lon_deg = num_or(o, "lon_deg", NAN);
            s->az_min_deg = num_or(o, "az_min_deg", 0);
            s->az_max_deg = num_or(o, "az_max_deg", 360);
            s->max_range_m = num_or(o, "max_range_m", 0);
        } else if (strcmp(type, "launch") == 0 && t->num_launches < 64) {
            triad__truth_launch *l = &t->launches[t->num_launches++];
            copy_str(l->target, sizeof l->target, o, "target");
            l->launch_t = t->start_t + num_or(o, "launch_time_s", NAN);
            l->launch_lat_deg = num_or(o, "launch_lat_deg", NAN);
            l->launch_lon_deg = num_or(o, "launch_lon_deg", NAN);
            l->burnout_t = t->start_t + num_or(o, "burnout_time_s", NAN);
            l->impact_t = t->start_t + num_or(o, "impact_time_s", NAN);
            l->impact_lat_deg = num_or(o, "impact_lat_deg", NAN);
            l->impact_lon_deg = num_or(o, "impact_lon_deg", NAN);
        } else if (strcmp(type, "truth") == 0) {
            if (t->num_pts == t->cap_pts) {
                const size_t nc = t->cap_pts ? 2 * t->cap_pts : 4096;
                void *nv = realloc(t->pts, nc * sizeof *t->pts);
                if (!nv) {
                    err = triad__fail(TRIAD_ENOMEM, "%s: out of memory", path);
                    cJSON_Delete(o);
                    break;
                }
                t->pts = nv;
                t->cap_pts = nc;
            }
            triad__truth_point *p = &t->pts[t->num_pts];
            copy_str(p->target, sizeof p->target, o, "target");
            char kind[32];
            copy_str(kind, sizeof kind, o, "kind");
            p->ballistic = strcmp(kind, "ballistic") == 0;
            p->t = line_time(o);
            p->lat_deg = num_or(o, "lat_deg", NAN);
            p->lon_deg = num_or(o, "lon_deg", NAN);
            p->alt_m = num_or(o, "alt_m", NAN);
            p->seen_by = (int)num_or(o, "seen_by", 0);
            const cJSON *e = cJSON_GetObjectItemCaseSensitive(o, "ecef_m");
            if (!cJSON_IsArray(e) || cJSON_GetArraySize(e) != 3 || !isfinite(p->t))
                err = triad__fail(TRIAD_EFORMAT, "%s: line %zu: a truth line needs time and ecef_m[3]",
                                  path, line);
            else {
                for (int i = 0; i < 3; i++)
                    p->ecef[i] = cJSON_GetArrayItem(e, i)->valuedouble;
                t->num_pts++;
            }
        }
        cJSON_Delete(o);
    }
    free(buf);
    fclose(f);
    if (err)
        triad__truth_free(t);
    return err;
}

void triad__truth_free(triad__truth *t)
{
    free(t->pts);
    t->pts = NULL;
    t->num_pts = t->cap_pts = 0;
}

static void put_escaped(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        const unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

static const char *model_name(triad_motion m)
{
    return m == TRIAD_MOTION_CV ? "cv" : m == TRIAD_MOTION_BALLISTIC ? "ballistic" : "boost";
}

int triad__fjsonl_write_track(FILE *f, const triad_track *tr)
{
    char utc[64];
    triad__format_utc(tr->time_s, utc, sizeof utc);
    double r[3][3], v[3];
    triad_enu_basis(&tr->position, r);
    for (int i = 0; i < 3; i++)
        v[i] = r[i][0] * tr->x[3] + r[i][1] * tr->x[4] + r[i][2] * tr->x[5];
    double heading = atan2(v[0], v[1]) / DEG;
    if (heading < 0)
        heading += 360.0;
    const double sig = sqrt(fmax(0.0, tr->p[0][0] + tr->p[1][1] + tr->p[2][2]));
    fprintf(f,
            "{\"type\":\"track\",\"track_id\":%u,\"status\":\"%s\",\"time_s\":%.6f,"
            "\"time_utc\":\"%s\",\"lat_deg\":%.7f,\"lon_deg\":%.7f,\"alt_m\":%.1f,"
            "\"ecef_vel_mps\":[%.3f,%.3f,%.3f],\"speed_mps\":%.3f,\"heading_deg\":%.3f,"
            "\"climb_mps\":%.3f,\"model\":\"%s\",\"ballistic\":%s,\"position_sigma_m\":%.1f,"
            "\"hits\":%u,\"sites\":[",
            tr->id,
            tr->status == TRIAD_TRACK_CONFIRMED   ? "confirmed"
            : tr->status == TRIAD_TRACK_TENTATIVE ? "tentative"
                                                  : "deleted",
            tr->time_s, utc, tr->position.lat_rad / DEG, tr->position.lon_rad / DEG,
            tr->position.alt_m, tr->x[3], tr->x[4], tr->x[5],
            sqrt(tr->x[3] * tr->x[3] + tr->x[4] * tr->x[4] + tr->x[5] * tr->x[5]), heading, v[2],
            model_name(tr->model), tr->ballistic ? "true" : "false", sig, tr->hits);
    for (size_t i = 0; i < tr->num_sites && i < 8; i++) {
        if (i)
            fputc(',', f);
        put_escaped(f, tr->sites[i]);
    }
    fputs("]}\n", f);
    return ferror(f) ? TRIAD_EIO : 0;
}

static void point_json(FILE *f, const char *name, const triad_geodetic *g, double t, double sig_t,
                       const triad_ellipse *e)
{
    char utc[64];
    triad__format_utc(t, utc, sizeof utc);
    fprintf(f,
            "\"%s\":{\"lat_deg\":%.6f,\"lon_deg\":%.6f,\"time_s\":%.3f,\"time_utc\":\"%s\","
            "\"time_sigma_s\":%.3f,\"ellipse\":{\"semi_major_m\":%.1f,\"semi_minor_m\":%.1f,"
            "\"orientation_deg\":%.2f}}",
            name, g->lat_rad / DEG, g->lon_rad / DEG, t, utc, sig_t, e->semi_major_m,
            e->semi_minor_m, e->orientation_deg);
}

int triad__fjsonl_write_warning(FILE *f, const triad_warning *w)
{
    static const char *const kinds[] = {"NEW", "UPDATE", "CANCEL"};
    char utc[64];
    triad__format_utc(w->issued_s, utc, sizeof utc);
    static const char *const reasons[] = {"", "impact_passed", "not_ballistic", "reset",
                                          "duplicate"};
    fprintf(f,
            "{\"type\":\"warning\",\"event_id\":%llu,\"version\":%u,\"kind\":\"%s\","
            "\"track_id\":%u,\"issued_s\":%.6f,\"issued_utc\":\"%s\",\"phase\":\"%s\"",
            (unsigned long long)w->event_id, w->version,
            (unsigned)w->kind <= TRIAD_WARNING_CANCEL ? kinds[w->kind] : "?", w->track_id,
            w->issued_s, utc, w->phase == TRIAD_PHASE_BOOST ? "boost" : "ballistic");
    if (w->kind == TRIAD_WARNING_CANCEL && (unsigned)w->cancel_reason <= TRIAD_CANCEL_DUPLICATE &&
        w->cancel_reason != TRIAD_CANCEL_NONE)
        fprintf(f, ",\"reason\":\"%s\"", reasons[w->cancel_reason]);
    /* a CANCEL knows no launch or impact point: those fields are left out, not zero */
    if (w->kind != TRIAD_WARNING_CANCEL) {
        fputc(',', f);
        point_json(f, "launch", &w->launch, w->launch_time_s, w->launch_time_sigma_s,
                   &w->launch_ellipse);
        fputc(',', f);
        point_json(f, "impact", &w->impact, w->impact_time_s, w->impact_time_sigma_s,
                   &w->impact_ellipse);
    }
    fputs("}\n", f);
    return ferror(f) ? TRIAD_EIO : 0;
}
