/* Fusion messages as JSON Lines: reports and truth in, tracks and warnings out.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "io/fusion_jsonl.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/error_internal.h"
#include "core/file.h"
#include "core/limits.h"
#include "core/json_util.h"
#include "io/detections_jsonl.h"

#define DEG (M_PI / 180.0)

/* Where a line came from, for messages: "FILE: line N: field 'KEY': ...". */
typedef struct {
    const char *name;
    size_t line;
} where;

static int bad(const where *w, const char *field, const char *why)
{
    return triad__fail(TRIAD_EFORMAT, "%s: line %zu: field '%s': %s", w->name, w->line, field,
                       why);
}

static int bad_value(const where *w, const char *field, double v, double lo, double hi)
{
    return triad__fail(TRIAD_EINVAL, "%s: line %zu: field '%s': value %.9g is not within "
                       "[%.9g, %.9g]", w->name, w->line, field, v, lo, hi);
}

/* A number in [lo, hi] (NaN and the infinities never are). Absent: def when !required (NAN
 * marks "not given" where the consumer has its own default). */
static int num(const where *w, const cJSON *o, const char *key, bool required, double def,
               double lo, double hi, double *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!v) {
        if (required)
            return bad(w, key, "missing");
        *out = def;
        return 0;
    }
    if (!cJSON_IsNumber(v))
        return bad(w, key, "not a number");
    if (!(v->valuedouble >= lo && v->valuedouble <= hi))
        return bad_value(w, key, v->valuedouble, lo, hi);
    *out = v->valuedouble;
    return 0;
}

/* Seconds of a line: time_utc when given (it must parse, within the epoch range), else
 * time_s (within +-TRIAD__EPOCH_MAX_S). */
static int line_time(const where *w, const cJSON *o, double *t)
{
    const cJSON *u = cJSON_GetObjectItemCaseSensitive(o, "time_utc");
    /* time_s, when given, is in range even where time_utc is the time used */
    double ts = 0;
    int err = num(w, o, "time_s", false, 0, -TRIAD__EPOCH_MAX_S, TRIAD__EPOCH_MAX_S, &ts);
    if (err)
        return err;
    if (u) {
        if (!cJSON_IsString(u) || isnan(*t = triad__parse_utc(u->valuestring)))
            return bad(w, "time_utc", "not a time YYYY-MM-DDTHH:MM:SS[.f]Z");
        if (!(*t >= TRIAD__EPOCH_MIN_S && *t <= TRIAD__EPOCH_MAX_S))
            return bad_value(w, "time_utc", *t, TRIAD__EPOCH_MIN_S, TRIAD__EPOCH_MAX_S);
        return 0;
    }
    if (!cJSON_GetObjectItemCaseSensitive(o, "time_s"))
        return bad(w, "time_utc", "neither time_utc nor time_s gives a time");
    /* time_s alone may be relative to a scenario's start (so negative): bounded either way */
    *t = ts;
    return 0;
}

/* Physical bounds of what a report may say: beyond them a value is an error, not a target. */
#define MAX_RANGE_M 1e9          /* beyond the Moon's distance */
#define MAX_SPEED_MPS 299792458. /* no closing speed above c */
#define MAX_ALT_M 1e8
#define MAX_VAR 1e18

static int parse_det(const where *w, const cJSON *d, triad_fusion_det *fd)
{
    int err;
    double rr_alt;
    if ((err = num(w, d, "range_m", true, 0, 0, MAX_RANGE_M, &fd->range_m)) ||
        (err = num(w, d, "range_rate_mps", false, NAN, -MAX_SPEED_MPS, MAX_SPEED_MPS, &rr_alt)) ||
        (err = num(w, d, "velocity_mps", false, rr_alt, -MAX_SPEED_MPS, MAX_SPEED_MPS,
                   &fd->range_rate_mps)) ||
        (err = num(w, d, "azimuth_deg", true, 0, -360, 360, &fd->azimuth_deg)) ||
        (err = num(w, d, "elevation_deg", true, 0, -90, 90, &fd->elevation_deg)) ||
        (err = num(w, d, "snr_db", false, NAN, -400, 400, &fd->snr_db)) ||
        (err = num(w, d, "var_range_m2", false, NAN, 0, MAX_VAR, &fd->var_range_m2)) ||
        (err = num(w, d, "var_range_rate_m2_s2", false, NAN, 0, MAX_VAR,
                   &fd->var_range_rate_m2s2)) ||
        (err = num(w, d, "var_azimuth_deg2", false, NAN, 0, MAX_VAR, &fd->var_azimuth_deg2)) ||
        (err = num(w, d, "var_elevation_deg2", false, NAN, 0, MAX_VAR, &fd->var_elevation_deg2)))
        return err;
    if (!(fd->range_m > 0))
        return bad_value(w, "range_m", fd->range_m, 0, MAX_RANGE_M);
    return 0;
}

static int parse_report(const where *w, const cJSON *o, const cJSON *dets,
                        triad__fjsonl_report *rep)
{
    memset(rep, 0, sizeof *rep);
    const cJSON *site = cJSON_GetObjectItemCaseSensitive(o, "site");
    if (site && !cJSON_IsString(site))
        return bad(w, "site", "not a string");
    if (site) {
        if (strlen(site->valuestring) >= sizeof rep->r.site_id)
            return bad(w, "site", "longer than 63 characters");
        strcpy(rep->r.site_id, site->valuestring);
    }
    double rid, lat, lon, alt;
    int err;
    if ((err = num(w, o, "radar_id", false, 0, 0, 4294967295.0, &rid)) ||
        (err = num(w, o, "site_lat_deg", true, 0, -90, 90, &lat)) ||
        (err = num(w, o, "site_lon_deg", true, 0, -360, 360, &lon)) ||
        (err = num(w, o, "site_alt_m", false, 0, -MAX_ALT_M, MAX_ALT_M, &alt)) ||
        (err = line_time(w, o, &rep->r.time_s)))
        return err;
    if (rid != floor(rid))
        return bad(w, "radar_id", "not a whole number");
    rep->r.radar_id = (uint32_t)rid;
    rep->r.site.lat_rad = lat * DEG;
    rep->r.site.lon_rad = lon * DEG;
    rep->r.site.alt_m = alt;
    const int n = cJSON_GetArraySize(dets);
    if (n > 0) {
        rep->dets_owned = calloc((size_t)n, sizeof *rep->dets_owned);
        if (!rep->dets_owned)
            return triad__fail(TRIAD_ENOMEM, "%s: line %zu: out of memory", w->name, w->line);
    }
    const cJSON *d;
    size_t k = 0;
    cJSON_ArrayForEach(d, dets)
    {
        if (!cJSON_IsObject(d))
            err = bad(w, "detections", "an element is not an object");
        else
            err = parse_det(w, d, &rep->dets_owned[k]);
        if (err) {
            free(rep->dets_owned);
            rep->dets_owned = NULL;
            return err;
        }
        k++;
    }
    rep->r.dets = rep->dets_owned;
    rep->r.num_dets = k;
    return 0;
}

/* Every number of a line finite, read by us or not (cJSON reads 1e999 as an infinity): the
 * first that is not is named. */
static const cJSON *non_finite(const cJSON *j, const cJSON **parent)
{
    for (const cJSON *c = j ? j->child : NULL; c; c = c->next) {
        if (cJSON_IsNumber(c) && !isfinite(c->valuedouble)) {
            *parent = j;
            return c;
        }
        const cJSON *bad = non_finite(c, parent);
        if (bad)
            return bad;
    }
    return NULL;
}

/* One line as a JSON object; blank lines give *o = NULL. */
static int line_json(triad__lines *r, const char *text, size_t len, cJSON **o)
{
    *o = NULL;
    size_t i = 0;
    while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r'))
        i++;
    if (i == len)
        return 0;
    char name[320];
    snprintf(name, sizeof name, "%s: line %zu", triad__lines_name(r), triad__lines_number(r));
    int err = triad__json_parse(name, text, len, o);
    const cJSON *parent = NULL, *bad = err ? NULL : non_finite(*o, &parent);
    if (bad) {
        const char *key = bad->string ? bad->string : parent->string ? parent->string : "?";
        err = triad__fail(TRIAD_EINVAL, "%s: field '%s': value %g is not finite", name, key,
                          bad->valuedouble);
        cJSON_Delete(*o);
        *o = NULL;
    }
    return err;
}

static int read_reports(triad__lines *r, triad__fjsonl_reports *list)
{
    const char *text;
    size_t len;
    int got, err = 0;
    while (!err && (got = triad__lines_next(r, &text, &len, NULL)) > 0) {
        const where w = {triad__lines_name(r), triad__lines_number(r)};
        cJSON *o;
        if ((err = line_json(r, text, len, &o)) || !o)
            continue;
        const cJSON *dets = cJSON_GetObjectItemCaseSensitive(o, "detections");
        if (dets && !cJSON_IsArray(dets)) {
            err = bad(&w, "detections", "not an array");
        } else if (dets) {
            if (list->n == list->cap) {
                const size_t nc = list->cap ? 2 * list->cap : 1024;
                void *nv = realloc(list->v, nc * sizeof *list->v);
                if (!nv)
                    err = triad__fail(TRIAD_ENOMEM, "%s: out of memory", w.name);
                else {
                    list->v = nv;
                    list->cap = nc;
                }
            }
            if (!err)
                err = parse_report(&w, o, dets, &list->v[list->n]);
            if (!err) {
                list->v[list->n].seq = list->n;
                list->num_dets += list->v[list->n].r.num_dets;
                list->n++;
            }
        }
        cJSON_Delete(o);
    }
    return err ? err : got;
}

int triad__fjsonl_read_reports(const char *path, triad__fjsonl_reports *list)
{
    triad__lines *r;
    int err = triad__lines_open(&r, path, TRIAD__JSONL_MAX_LINE);
    if (!err)
        err = read_reports(r, list);
    triad__lines_close(r);
    return err;
}

int triad__fjsonl_parse_reports(const char *name, const char *buf, size_t len,
                                triad__fjsonl_reports *list)
{
    triad__lines *r;
    int err = triad__lines_from_memory(&r, buf, len, name, TRIAD__JSONL_MAX_LINE);
    if (!err)
        err = read_reports(r, list);
    triad__lines_close(r);
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

static int str(const where *w, const cJSON *o, const char *key, char *dst, size_t size)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    dst[0] = '\0';
    if (!v)
        return 0;
    if (!cJSON_IsString(v))
        return bad(w, key, "not a string");
    if (strlen(v->valuestring) >= size)
        return bad(w, key, "too long");
    strcpy(dst, v->valuestring);
    return 0;
}

/* Seconds after the scenario's start: within a day's scenario and then some. */
#define MAX_REL_S 1e7

static int truth_line(const where *w, const cJSON *o, triad__truth *t)
{
    char type[32];
    int err = str(w, o, "type", type, sizeof type);
    if (err)
        return err;
    if (strcmp(type, "scenario") == 0) {
        const cJSON *u = cJSON_GetObjectItemCaseSensitive(o, "start_utc");
        t->start_t = 0;
        if (u && (!cJSON_IsString(u) || isnan(t->start_t = triad__parse_utc(u->valuestring)) ||
                  !(t->start_t >= TRIAD__EPOCH_MIN_S && t->start_t <= TRIAD__EPOCH_MAX_S)))
            return bad(w, "start_utc", "not a time YYYY-MM-DDTHH:MM:SS[.f]Z within the epoch range");
        return num(w, o, "duration_s", false, 0, 0, MAX_REL_S, &t->duration_s);
    }
    if (strcmp(type, "site") == 0 && t->num_sites < 64) {
        triad__truth_site *s = &t->sites[t->num_sites];
        if ((err = str(w, o, "site", s->id, sizeof s->id)) ||
            (err = num(w, o, "lat_deg", true, 0, -90, 90, &s->lat_deg)) ||
            (err = num(w, o, "lon_deg", true, 0, -360, 360, &s->lon_deg)) ||
            (err = num(w, o, "az_min_deg", false, 0, -360, 360, &s->az_min_deg)) ||
            (err = num(w, o, "az_max_deg", false, 360, -360, 360, &s->az_max_deg)) ||
            (err = num(w, o, "max_range_m", false, 0, 0, MAX_RANGE_M, &s->max_range_m)))
            return err;
        t->num_sites++;
        return 0;
    }
    if (strcmp(type, "launch") == 0 && t->num_launches < 64) {
        triad__truth_launch *l = &t->launches[t->num_launches];
        double lt, bt, it;
        if ((err = str(w, o, "target", l->target, sizeof l->target)) ||
            (err = num(w, o, "launch_time_s", true, 0, -MAX_REL_S, MAX_REL_S, &lt)) ||
            (err = num(w, o, "launch_lat_deg", true, 0, -90, 90, &l->launch_lat_deg)) ||
            (err = num(w, o, "launch_lon_deg", true, 0, -360, 360, &l->launch_lon_deg)) ||
            (err = num(w, o, "burnout_time_s", true, 0, -MAX_REL_S, MAX_REL_S, &bt)) ||
            (err = num(w, o, "impact_time_s", true, 0, -MAX_REL_S, MAX_REL_S, &it)) ||
            (err = num(w, o, "impact_lat_deg", true, 0, -90, 90, &l->impact_lat_deg)) ||
            (err = num(w, o, "impact_lon_deg", true, 0, -360, 360, &l->impact_lon_deg)))
            return err;
        l->launch_t = t->start_t + lt;
        l->burnout_t = t->start_t + bt;
        l->impact_t = t->start_t + it;
        t->num_launches++;
        return 0;
    }
    if (strcmp(type, "truth") != 0)
        return 0;
    if (t->num_pts == t->cap_pts) {
        const size_t nc = t->cap_pts ? 2 * t->cap_pts : 4096;
        void *nv = realloc(t->pts, nc * sizeof *t->pts);
        if (!nv)
            return triad__fail(TRIAD_ENOMEM, "%s: out of memory", w->name);
        t->pts = nv;
        t->cap_pts = nc;
    }
    triad__truth_point *p = &t->pts[t->num_pts];
    char kind[32];
    double seen_by;
    if ((err = str(w, o, "target", p->target, sizeof p->target)) ||
        (err = str(w, o, "kind", kind, sizeof kind)) || (err = line_time(w, o, &p->t)) ||
        (err = num(w, o, "lat_deg", false, NAN, -90, 90, &p->lat_deg)) ||
        (err = num(w, o, "lon_deg", false, NAN, -360, 360, &p->lon_deg)) ||
        (err = num(w, o, "alt_m", false, NAN, -MAX_ALT_M, MAX_ALT_M, &p->alt_m)) ||
        (err = num(w, o, "seen_by", false, 0, 0, 1 << 20, &seen_by)))
        return err;
    if (seen_by != floor(seen_by))
        return bad(w, "seen_by", "not a whole number");
    p->seen_by = (int)seen_by;
    p->ballistic = strcmp(kind, "ballistic") == 0;
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(o, "ecef_m");
    if (!cJSON_IsArray(e) || cJSON_GetArraySize(e) != 3)
        return bad(w, "ecef_m", "missing or not an array of 3 numbers");
    for (int i = 0; i < 3; i++) {
        const cJSON *x = cJSON_GetArrayItem(e, i);
        if (!cJSON_IsNumber(x))
            return bad(w, "ecef_m", "an element is not a number");
        if (!(fabs(x->valuedouble) <= MAX_RANGE_M))
            return bad_value(w, "ecef_m", x->valuedouble, -MAX_RANGE_M, MAX_RANGE_M);
        p->ecef[i] = x->valuedouble;
    }
    t->num_pts++;
    return 0;
}

static int read_truth(triad__lines *r, triad__truth *t)
{
    memset(t, 0, sizeof *t);
    const char *text;
    size_t len;
    int got, err = 0;
    while (!err && (got = triad__lines_next(r, &text, &len, NULL)) > 0) {
        const where w = {triad__lines_name(r), triad__lines_number(r)};
        cJSON *o;
        if ((err = line_json(r, text, len, &o)) || !o)
            continue;
        err = truth_line(&w, o, t);
        cJSON_Delete(o);
    }
    if (!err && got < 0)
        err = got;
    if (err)
        triad__truth_free(t);
    return err;
}

int triad__truth_read(const char *path, triad__truth *t)
{
    memset(t, 0, sizeof *t);
    triad__lines *r;
    int err = triad__lines_open(&r, path, TRIAD__JSONL_MAX_LINE);
    if (!err)
        err = read_truth(r, t);
    triad__lines_close(r);
    return err;
}

int triad__truth_parse(const char *name, const char *buf, size_t len, triad__truth *t)
{
    memset(t, 0, sizeof *t);
    triad__lines *r;
    int err = triad__lines_from_memory(&r, buf, len, name, TRIAD__JSONL_MAX_LINE);
    if (!err)
        err = read_truth(r, t);
    triad__lines_close(r);
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
