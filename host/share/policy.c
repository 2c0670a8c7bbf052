/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "share/policy.h"

#include <cjson/cJSON.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error_internal.h"
#include "core/json_util.h"

enum { MAX_PATTERNS = 64 };

typedef struct {
    char pat[TRIAD_SHARE_NAME_MAX];
    int decimals; /* >= 0: round to this many places */
    double step;  /* > 0: round to a multiple */
} prec_rule;

typedef struct {
    char partner[TRIAD_SHARE_ID_MAX];
    triad_share_type type;
    char rel[MAX_PATTERNS][TRIAD_SHARE_NAME_MAX];
    size_t nrel;
    char wh[MAX_PATTERNS][TRIAD_SHARE_NAME_MAX];
    size_t nwh;
    prec_rule pr[MAX_PATTERNS];
    size_t npr;
} rule;

struct triad_share_policy {
    rule *v;
    size_t n;
    bool relay_unaudited; /* "on_audit_failure": "relay" */
};

static bool pattern_ok(const char *p)
{
    const size_t n = strlen(p);
    if (n == 0 || n >= TRIAD_SHARE_NAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < 0x21 || p[i] > 0x7e || p[i] == '"' || p[i] == '\\')
            return false;
        /* '*' only as the whole pattern or after a final '.' */
        if (p[i] == '*' && !(i == n - 1 && (n == 1 || p[i - 1] == '.')))
            return false;
    }
    return true;
}

static bool match(const char *pat, const char *name)
{
    const size_t n = strlen(pat);
    if (n == 1 && pat[0] == '*')
        return true;
    if (n >= 2 && pat[n - 1] == '*')
        return strncmp(name, pat, n - 1) == 0 && name[n - 1] != '\0';
    return strcmp(pat, name) == 0;
}

static int read_patterns(const char *file, const char *where, const cJSON *arr,
                         char (*out)[TRIAD_SHARE_NAME_MAX], size_t *n)
{
    *n = 0;
    if (!arr)
        return 0;
    if (!cJSON_IsArray(arr))
        return triad__fail(TRIAD_EFORMAT, "%s: field '%s': expected an array of field patterns",
                           file, where);
    for (const cJSON *c = arr->child; c; c = c->next) {
        if (!cJSON_IsString(c) || !pattern_ok(c->valuestring))
            return triad__fail(TRIAD_EFORMAT,
                               "%s: field '%s': entry %zu is not a field pattern "
                               "(name, \"prefix.*\" or \"*\")",
                               file, where, *n);
        if (*n == MAX_PATTERNS)
            return triad__fail(TRIAD_EINVAL, "%s: field '%s': more than %d patterns", file, where,
                               MAX_PATTERNS);
        snprintf(out[(*n)++], TRIAD_SHARE_NAME_MAX, "%s", c->valuestring);
    }
    return 0;
}

static int read_rule(const char *file, const char *partner, const cJSON *obj, rule *r)
{
    char where[256];
    const char *tn = triad_share_type_name(r->type);
    snprintf(where, sizeof where, "partners.%s.%s", partner, tn);
    if (!cJSON_IsObject(obj))
        return triad__fail(TRIAD_EFORMAT, "%s: field '%s': expected an object", file, where);
    for (const cJSON *c = obj->child; c; c = c->next)
        if (strcmp(c->string, "release") && strcmp(c->string, "withhold") &&
            strcmp(c->string, "precision"))
            return triad__fail(TRIAD_EFORMAT,
                               "%s: field '%s.%.60s': unknown (release, withhold, "
                               "precision)",
                               file, where, c->string);
    char sub[400];
    snprintf(sub, sizeof sub, "%s.release", where);
    int err = read_patterns(file, sub, cJSON_GetObjectItemCaseSensitive(obj, "release"), r->rel,
                            &r->nrel);
    snprintf(sub, sizeof sub, "%s.withhold", where);
    if (!err)
        err = read_patterns(file, sub, cJSON_GetObjectItemCaseSensitive(obj, "withhold"), r->wh,
                            &r->nwh);
    if (err)
        return err;
    const cJSON *prec = cJSON_GetObjectItemCaseSensitive(obj, "precision");
    if (prec && !cJSON_IsObject(prec))
        return triad__fail(TRIAD_EFORMAT, "%s: field '%s.precision': expected an object", file,
                           where);
    for (const cJSON *c = prec ? prec->child : NULL; c; c = c->next) {
        snprintf(sub, sizeof sub, "%s.precision.%.60s", where, c->string);
        if (!pattern_ok(c->string))
            return triad__fail(TRIAD_EFORMAT, "%s: field '%s': not a field pattern", file, sub);
        if (r->npr == MAX_PATTERNS)
            return triad__fail(TRIAD_EINVAL, "%s: field '%s': more than %d precision rules", file,
                               sub, MAX_PATTERNS);
        const cJSON *d = cJSON_GetObjectItemCaseSensitive(c, "decimals");
        const cJSON *s = cJSON_GetObjectItemCaseSensitive(c, "step");
        if (!cJSON_IsObject(c) || !!d == !!s || cJSON_GetArraySize(c) != 1)
            return triad__fail(TRIAD_EFORMAT,
                               "%s: field '%s': expected {\"decimals\": N} or "
                               "{\"step\": Q}",
                               file, sub);
        prec_rule *p = &r->pr[r->npr++];
        snprintf(p->pat, sizeof p->pat, "%s", c->string);
        p->decimals = -1;
        p->step = 0.0;
        if (d) {
            if (!cJSON_IsNumber(d) || d->valuedouble != floor(d->valuedouble) ||
                d->valuedouble < 0 || d->valuedouble > 9)
                return triad__fail(TRIAD_EINVAL,
                                   "%s: field '%s.decimals': value %g must be a whole "
                                   "number in [0, 9]",
                                   file, sub, cJSON_IsNumber(d) ? d->valuedouble : NAN);
            p->decimals = (int)d->valuedouble;
        } else {
            if (!cJSON_IsNumber(s) || !isfinite(s->valuedouble) || !(s->valuedouble > 0))
                return triad__fail(TRIAD_EINVAL,
                                   "%s: field '%s.step': value %g must be a finite "
                                   "number > 0",
                                   file, sub, cJSON_IsNumber(s) ? s->valuedouble : NAN);
            p->step = s->valuedouble;
        }
    }
    return 0;
}

int triad_share_policy_parse(triad_share_policy **pp, const char *text, const char *name)
{
    *pp = NULL;
    cJSON *root = NULL;
    const int perr = triad__json_parse(name, text, strlen(text), &root);
    if (perr)
        return perr;
    int err = 0;
    triad_share_policy *p = calloc(1, sizeof *p);
    const cJSON *partners = cJSON_GetObjectItemCaseSensitive(root, "partners");
    if (!p) {
        err = triad__fail(TRIAD_ENOMEM, "%s: out of memory", name);
        goto done;
    }
    if (!cJSON_IsObject(partners)) {
        err = triad__fail(TRIAD_EFORMAT, "%s: field 'partners': expected an object", name);
        goto done;
    }
    const cJSON *fault = cJSON_GetObjectItemCaseSensitive(root, "on_audit_failure");
    if (fault && !(cJSON_IsString(fault) && (strcmp(fault->valuestring, "hold") == 0 ||
                                             strcmp(fault->valuestring, "relay") == 0))) {
        err = triad__fail(TRIAD_EINVAL,
                          "%s: field 'on_audit_failure': expected \"hold\" (the default: "
                          "nothing is relayed that cannot be audited) or \"relay\"", name);
        goto done;
    }
    p->relay_unaudited = fault && strcmp(fault->valuestring, "relay") == 0;
    size_t cap = 0;
    for (const cJSON *pc = partners->child; pc; pc = pc->next) {
        if (!triad_share_id_ok(pc->string)) {
            err = triad__fail(TRIAD_EINVAL, "%s: field 'partners.%.70s': not a valid node id", name,
                              pc->string);
            goto done;
        }
        if (!cJSON_IsObject(pc)) {
            err = triad__fail(TRIAD_EFORMAT, "%s: field 'partners.%s': expected an object", name,
                              pc->string);
            goto done;
        }
        for (const cJSON *tc = pc->child; tc; tc = tc->next) {
            const triad_share_type type = triad_share_type_parse(tc->string);
            if (!type) {
                err = triad__fail(TRIAD_EFORMAT,
                                  "%s: field 'partners.%s.%.60s': unknown message "
                                  "type (warning, track)",
                                  name, pc->string, tc->string);
                goto done;
            }
            for (size_t i = 0; i < p->n; i++)
                if (p->v[i].type == type && strcmp(p->v[i].partner, pc->string) == 0) {
                    err = triad__fail(TRIAD_EFORMAT, "%s: field 'partners.%s.%s': given twice",
                                      name, pc->string, tc->string);
                    goto done;
                }
            if (p->n == cap) {
                cap = cap ? 2 * cap : 4;
                rule *v = realloc(p->v, cap * sizeof *v);
                if (!v) {
                    err = triad__fail(TRIAD_ENOMEM, "%s: out of memory", name);
                    goto done;
                }
                p->v = v;
            }
            rule *r = &p->v[p->n++];
            memset(r, 0, sizeof *r);
            snprintf(r->partner, sizeof r->partner, "%s", pc->string);
            r->type = type;
            err = read_rule(name, pc->string, tc, r);
            if (err)
                goto done;
        }
    }
done:
    cJSON_Delete(root);
    if (err)
        triad_share_policy_destroy(p);
    else
        *pp = p;
    return err;
}

int triad_share_policy_load(triad_share_policy **pp, const char *path)
{
    *pp = NULL;
    cJSON *root = NULL;
    int err = triad__json_load(path, 1 << 20, &root);
    if (err)
        return err;
    char *text = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    if (!text)
        return triad__fail(TRIAD_ENOMEM, "%s: out of memory", path);
    err = triad_share_policy_parse(pp, text, path);
    cJSON_free(text);
    return err;
}

bool triad_share_policy_relay_unaudited(const triad_share_policy *p)
{
    return p->relay_unaudited;
}

void triad_share_policy_destroy(triad_share_policy *p)
{
    if (!p)
        return;
    free(p->v);
    free(p);
}

static double round_to(double v, const prec_rule *p)
{
    if (p->decimals >= 0) {
        const double s = pow(10.0, p->decimals);
        const double r = round(v * s) / s;
        return isfinite(r) ? r : v; /* huge values already have fewer decimals */
    }
    const double r = round(v / p->step) * p->step;
    return isfinite(r) ? r : v;
}

int triad_share_policy_apply(const triad_share_policy *p, const char *origin, const char *partner,
                             const triad_share_msg *in, triad_share_msg *out,
                             triad_share_withheld *wh, size_t *num_wh)
{
    *num_wh = 0;
    triad_share_msg_init(out, in->type);
    if (!triad_share_id_ok(partner))
        return triad__fail(TRIAD_EINVAL, "share policy: partner id '%.70s' invalid",
                           partner ? partner : "(null)");
    if (origin && strcmp(origin, partner) == 0)
        return triad__fail(TRIAD_SHARE_EECHO,
                           "share policy: message of origin %.64s not sent "
                           "back to its origin",
                           origin);
    const rule *r = NULL;
    for (size_t i = 0; p && i < p->n && !r; i++)
        if (p->v[i].type == in->type && strcmp(p->v[i].partner, partner) == 0)
            r = &p->v[i];
    const char *tn = triad_share_type_name(in->type);
    if (!r)
        return triad__fail(TRIAD_SHARE_ENO_POLICY,
                           "share policy: no rule for partner %s, type "
                           "%s: nothing released",
                           partner, tn ? tn : "?");
    for (size_t i = 0; i < in->num_fields && i < TRIAD_SHARE_MAX_FIELDS; i++) {
        const triad_share_field *f = &in->f[i];
        const char *why = NULL;
        char rulebuf[160];
        for (size_t k = 0; k < r->nwh && !why; k++)
            if (match(r->wh[k], f->name)) {
                snprintf(rulebuf, sizeof rulebuf, "partners.%s.%s.withhold[\"%s\"]", partner, tn,
                         r->wh[k]);
                why = rulebuf;
            }
        bool released = false;
        for (size_t k = 0; k < r->nrel && !released; k++)
            released = match(r->rel[k], f->name);
        if (!why && !released) {
            snprintf(rulebuf, sizeof rulebuf, "partners.%s.%s.release: not listed", partner, tn);
            why = rulebuf;
        }
        if (why) {
            triad_share_withheld *w = &wh[(*num_wh)++];
            snprintf(w->field, sizeof w->field, "%s", f->name);
            snprintf(w->rule, sizeof w->rule, "%s", why);
            continue;
        }
        triad_share_field *o = &out->f[out->num_fields++];
        *o = *f;
        if (o->kind == TRIAD_SHARE_NUM)
            for (size_t k = 0; k < r->npr; k++)
                if (match(r->pr[k].pat, o->name)) {
                    o->num = round_to(o->num, &r->pr[k]);
                    if (o->num == 0.0)
                        o->num = 0.0;
                    break;
                }
    }
    return 0;
}

/* ---- relay-once memory: open addressing on (origin, seq) ---- */

typedef struct {
    char id[TRIAD_SHARE_ID_MAX];
    uint64_t seq;
    bool used;
} relay_slot;

struct triad_share_relay {
    relay_slot *v;
    size_t cap, n; /* cap a power of two, n <= cap / 2 */
};

static uint64_t relay_hash(const char *id, uint64_t seq)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (const char *c = id; *c; c++)
        h = (h ^ (uint8_t)*c) * 0x100000001b3ULL;
    h ^= seq + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    return h ^ (h >> 33);
}

int triad_share_relay_create(triad_share_relay **r)
{
    *r = calloc(1, sizeof **r);
    if (*r)
        (*r)->v = calloc(64, sizeof *(*r)->v);
    if (!*r || !(*r)->v) {
        triad_share_relay_destroy(*r);
        *r = NULL;
        return triad__fail(TRIAD_ENOMEM, "share relay memory: out of memory");
    }
    (*r)->cap = 64;
    return 0;
}

static relay_slot *relay_find(relay_slot *v, size_t cap, const char *id, uint64_t seq)
{
    size_t i = (size_t)relay_hash(id, seq) & (cap - 1);
    while (v[i].used && !(v[i].seq == seq && strcmp(v[i].id, id) == 0))
        i = (i + 1) & (cap - 1);
    return &v[i];
}

int triad_share_relay_once(triad_share_relay *r, const char *origin, uint64_t seq)
{
    if (!triad_share_id_ok(origin))
        return triad__fail(TRIAD_EINVAL, "share relay: origin id '%.70s' invalid",
                           origin ? origin : "(null)");
    relay_slot *s = relay_find(r->v, r->cap, origin, seq);
    if (s->used)
        return triad__fail(TRIAD_SHARE_ERELAYED,
                           "share relay: origin %s seq %" PRIu64
                           " already relayed, not relayed twice",
                           origin, seq);
    if (2 * (r->n + 1) > r->cap) {
        const size_t cap = 2 * r->cap;
        relay_slot *v = calloc(cap, sizeof *v);
        if (!v)
            return triad__fail(TRIAD_ENOMEM, "share relay memory: out of memory");
        for (size_t i = 0; i < r->cap; i++)
            if (r->v[i].used)
                *relay_find(v, cap, r->v[i].id, r->v[i].seq) = r->v[i];
        free(r->v);
        r->v = v;
        r->cap = cap;
        s = relay_find(r->v, r->cap, origin, seq);
    }
    snprintf(s->id, sizeof s->id, "%s", origin);
    s->seq = seq;
    s->used = true;
    r->n++;
    return 0;
}

void triad_share_relay_destroy(triad_share_relay *r)
{
    if (!r)
        return;
    free(r->v);
    free(r);
}
