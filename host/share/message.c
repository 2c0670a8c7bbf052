/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "share/message.h"

#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error_internal.h"
#include "share/bytes.h"

static const char payload_tag[] = "TRIAD-SHARE-PAYLOAD-1";

const char *triad_share_type_name(triad_share_type t)
{
    return t == TRIAD_SHARE_WARNING ? "warning" : t == TRIAD_SHARE_TRACK ? "track" : NULL;
}

triad_share_type triad_share_type_parse(const char *name)
{
    if (name && strcmp(name, "warning") == 0)
        return TRIAD_SHARE_WARNING;
    if (name && strcmp(name, "track") == 0)
        return TRIAD_SHARE_TRACK;
    return (triad_share_type)0;
}

void triad_share_msg_init(triad_share_msg *m, triad_share_type type)
{
    memset(m, 0, sizeof *m);
    m->type = type;
}

static bool name_ok(const char *name)
{
    const size_t n = name ? strnlen(name, TRIAD_SHARE_NAME_MAX) : 0;
    if (n == 0 || n >= TRIAD_SHARE_NAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (name[i] < 0x21 || name[i] > 0x7e || name[i] == '"' || name[i] == '\\')
            return false;
    return true;
}

/* The slot for name: the existing field, else a new one; NULL (with a message) on error. */
static triad_share_field *slot(triad_share_msg *m, const char *name, int *err)
{
    if (!name_ok(name)) {
        *err = triad__fail(TRIAD_EINVAL,
                           "share message: field name '%.60s': empty, longer than "
                           "%d bytes or not printable ASCII",
                           name ? name : "(null)", TRIAD_SHARE_NAME_MAX - 1);
        return NULL;
    }
    for (size_t i = 0; i < m->num_fields; i++)
        if (strcmp(m->f[i].name, name) == 0)
            return &m->f[i];
    if (m->num_fields >= TRIAD_SHARE_MAX_FIELDS) {
        *err = triad__fail(TRIAD_ENOMEM, "share message: field '%s': more than %d fields", name,
                           TRIAD_SHARE_MAX_FIELDS);
        return NULL;
    }
    triad_share_field *f = &m->f[m->num_fields++];
    memset(f, 0, sizeof *f);
    strcpy(f->name, name);
    return f;
}

int triad_share_msg_set_num(triad_share_msg *m, const char *name, double v)
{
    if (!isfinite(v))
        return triad__fail(TRIAD_EINVAL, "share message: field '%.60s': value %g is not finite",
                           name ? name : "(null)", v);
    int err = 0;
    triad_share_field *f = slot(m, name, &err);
    if (!f)
        return err;
    f->kind = TRIAD_SHARE_NUM;
    f->num = v == 0.0 ? 0.0 : v; /* -0 -> +0 */
    return 0;
}

int triad_share_msg_set_str(triad_share_msg *m, const char *name, const char *v)
{
    if (!v || strnlen(v, TRIAD_SHARE_STR_MAX) >= TRIAD_SHARE_STR_MAX)
        return triad__fail(TRIAD_EINVAL,
                           "share message: field '%.60s': string missing or longer "
                           "than %d bytes",
                           name ? name : "(null)", TRIAD_SHARE_STR_MAX - 1);
    int err = 0;
    triad_share_field *f = slot(m, name, &err);
    if (!f)
        return err;
    f->kind = TRIAD_SHARE_STR;
    strcpy(f->str, v);
    return 0;
}

int triad_share_msg_set_bool(triad_share_msg *m, const char *name, bool v)
{
    int err = 0;
    triad_share_field *f = slot(m, name, &err);
    if (!f)
        return err;
    f->kind = TRIAD_SHARE_BOOL;
    f->b = v;
    return 0;
}

const triad_share_field *triad_share_msg_get(const triad_share_msg *m, const char *name)
{
    for (size_t i = 0; i < m->num_fields; i++)
        if (strcmp(m->f[i].name, name) == 0)
            return &m->f[i];
    return NULL;
}

static int flatten(const cJSON *item, const char *name, triad_share_msg *m)
{
    char sub[TRIAD_SHARE_NAME_MAX + 16];
    if (cJSON_IsNumber(item))
        return triad_share_msg_set_num(m, name, item->valuedouble);
    if (cJSON_IsString(item))
        return triad_share_msg_set_str(m, name, item->valuestring);
    if (cJSON_IsBool(item))
        return triad_share_msg_set_bool(m, name, cJSON_IsTrue(item));
    if (cJSON_IsNull(item))
        return 0;
    if (cJSON_IsObject(item) || cJSON_IsArray(item)) {
        int i = 0;
        for (const cJSON *c = item->child; c; c = c->next, i++) {
            int n = cJSON_IsObject(item) ? snprintf(sub, sizeof sub, "%s.%s", name, c->string)
                                         : snprintf(sub, sizeof sub, "%s.%d", name, i);
            if (n < 0 || (size_t)n >= TRIAD_SHARE_NAME_MAX)
                return triad__fail(TRIAD_EINVAL,
                                   "share message: field '%.40s...': flattened "
                                   "name longer than %d bytes",
                                   sub, TRIAD_SHARE_NAME_MAX - 1);
            int err = flatten(c, sub, m);
            if (err)
                return err;
        }
        return 0;
    }
    return triad__fail(TRIAD_EFORMAT, "share message: field '%s': unsupported JSON value", name);
}

int triad_share_msg_from_json(const cJSON *obj, triad_share_msg *m)
{
    if (!cJSON_IsObject(obj))
        return triad__fail(TRIAD_EFORMAT, "share message: not a JSON object");
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(obj, "type");
    const triad_share_type type = triad_share_type_parse(cJSON_IsString(t) ? t->valuestring : NULL);
    if (!type)
        return triad__fail(TRIAD_EFORMAT, "share message: field 'type': expected \"warning\" or "
                                          "\"track\"");
    triad_share_msg_init(m, type);
    for (const cJSON *c = obj->child; c; c = c->next) {
        if (strcmp(c->string, "type") == 0)
            continue;
        int err = flatten(c, c->string, m);
        if (err)
            return err;
    }
    return 0;
}

static int by_name(const void *a, const void *b)
{
    const triad_share_field *const *x = a, *const *y = b;
    return strcmp((*x)->name, (*y)->name);
}

int triad_share_msg_encode(const triad_share_msg *m, uint8_t *buf, size_t cap, size_t *len)
{
    *len = 0;
    if (!triad_share_type_name(m->type) || m->num_fields > TRIAD_SHARE_MAX_FIELDS)
        return triad__fail(TRIAD_EINVAL, "share message: type %d or field count %zu invalid",
                           (int)m->type, m->num_fields);
    const triad_share_field *order[TRIAD_SHARE_MAX_FIELDS];
    for (size_t i = 0; i < m->num_fields; i++) {
        /* names are checked before sorting: one without its NUL must not be compared */
        if (!name_ok(m->f[i].name))
            return triad__fail(TRIAD_EINVAL, "share message: field %zu: bad name", i);
        order[i] = &m->f[i];
    }
    qsort(order, m->num_fields, sizeof order[0], by_name);
    triad__wr w = {buf, cap, 0, false};
    triad__wr_bytes(&w, payload_tag, sizeof payload_tag - 1);
    triad__wr_be(&w, (uint64_t)m->type, 1);
    triad__wr_be(&w, m->num_fields, 2);
    for (size_t i = 0; i < m->num_fields; i++) {
        const triad_share_field *f = order[i];
        if (i > 0 && strcmp(order[i - 1]->name, f->name) == 0)
            return triad__fail(TRIAD_EINVAL, "share message: field '%s': given twice", f->name);
        triad__wr_str8(&w, f->name);
        triad__wr_be(&w, (uint64_t)f->kind, 1);
        switch (f->kind) {
        case TRIAD_SHARE_NUM: {
            if (!isfinite(f->num))
                return triad__fail(TRIAD_EINVAL, "share message: field '%s': not finite", f->name);
            const double v = f->num == 0.0 ? 0.0 : f->num;
            uint64_t bits;
            memcpy(&bits, &v, sizeof bits);
            triad__wr_be(&w, bits, 8);
            break;
        }
        case TRIAD_SHARE_STR: {
            const size_t n = strnlen(f->str, TRIAD_SHARE_STR_MAX);
            if (n >= TRIAD_SHARE_STR_MAX)
                return triad__fail(TRIAD_EINVAL, "share message: field '%s': string too long",
                                   f->name);
            triad__wr_be(&w, n, 2);
            triad__wr_bytes(&w, f->str, n);
            break;
        }
        case TRIAD_SHARE_BOOL:
            triad__wr_be(&w, f->b ? 1 : 0, 1);
            break;
        default:
            return triad__fail(TRIAD_EINVAL, "share message: field '%s': unknown kind %d", f->name,
                               (int)f->kind);
        }
    }
    if (w.overflow)
        return triad__fail(TRIAD_EINVAL, "share message: buffer of %zu bytes too small", cap);
    *len = w.len;
    return 0;
}

/* A bounded reader over canonical bytes; the first failure sticks. */
typedef struct {
    const uint8_t *p;
    size_t len, at;
    const char *bad; /* what was wrong, at byte offset at */
} rd;

static uint64_t rd_be(rd *r, int nbytes, const char *what)
{
    if (r->bad || (size_t)nbytes > r->len - r->at) {
        if (!r->bad)
            r->bad = what;
        return 0;
    }
    uint64_t v = 0;
    for (int i = 0; i < nbytes; i++)
        v = v << 8 | r->p[r->at++];
    return v;
}

static void rd_bytes(rd *r, void *dst, size_t n, const char *what)
{
    if (r->bad || n > r->len - r->at) {
        if (!r->bad)
            r->bad = what;
        return;
    }
    memcpy(dst, r->p + r->at, n);
    r->at += n;
}

int triad_share_msg_decode(const uint8_t *buf, size_t len, triad_share_msg *m)
{
    rd r = {buf, len, 0, NULL};
    char tag[sizeof payload_tag - 1];
    rd_bytes(&r, tag, sizeof tag, "short tag");
    if (!r.bad && memcmp(tag, payload_tag, sizeof tag) != 0)
        r.bad = "not a TRIAD-SHARE-PAYLOAD-1 payload";
    const triad_share_type type = (triad_share_type)rd_be(&r, 1, "no type");
    if (!r.bad && !triad_share_type_name(type))
        r.bad = "unknown message type";
    triad_share_msg_init(m, type);
    const size_t n = (size_t)rd_be(&r, 2, "no field count");
    if (!r.bad && n > TRIAD_SHARE_MAX_FIELDS)
        r.bad = "too many fields";
    for (size_t i = 0; i < n && !r.bad; i++) {
        triad_share_field *f = &m->f[i];
        const size_t nl = (size_t)rd_be(&r, 1, "no name length");
        if (!r.bad && (nl == 0 || nl >= TRIAD_SHARE_NAME_MAX))
            r.bad = "field name length out of range";
        rd_bytes(&r, f->name, nl, "short field name");
        if (r.bad)
            break;
        f->name[nl] = '\0';
        if (!name_ok(f->name) || strlen(f->name) != nl)
            r.bad = "field name not printable ASCII";
        else if (i > 0 && strcmp(m->f[i - 1].name, f->name) >= 0)
            r.bad = "field names not in strictly increasing order";
        f->kind = (triad_share_kind)rd_be(&r, 1, "no field kind");
        if (r.bad)
            break;
        switch (f->kind) {
        case TRIAD_SHARE_NUM: {
            const uint64_t bits = rd_be(&r, 8, "short number");
            memcpy(&f->num, &bits, sizeof f->num);
            if (!r.bad && (!isfinite(f->num) || bits == UINT64_C(1) << 63))
                r.bad = "number not finite or -0";
            break;
        }
        case TRIAD_SHARE_STR: {
            const size_t sl = (size_t)rd_be(&r, 2, "no string length");
            if (!r.bad && sl >= TRIAD_SHARE_STR_MAX)
                r.bad = "string too long";
            rd_bytes(&r, f->str, sl, "short string");
            if (!r.bad && memchr(f->str, '\0', sl))
                r.bad = "string holds a NUL";
            break;
        }
        case TRIAD_SHARE_BOOL: {
            const uint64_t b = rd_be(&r, 1, "no boolean");
            if (!r.bad && b > 1)
                r.bad = "boolean not 0 or 1";
            f->b = b == 1;
            break;
        }
        default:
            r.bad = "unknown field kind";
        }
        m->num_fields = i + 1;
    }
    if (!r.bad && r.at != len)
        r.bad = "bytes after the last field";
    if (r.bad) {
        const size_t at = r.at;
        triad_share_msg_init(m, (triad_share_type)0);
        return triad__fail(TRIAD_EFORMAT, "share payload: byte %zu of %zu: %s", at, len, r.bad);
    }
    return 0;
}

int triad_share_msg_digest(const triad_share_msg *m, uint8_t digest[32])
{
    uint8_t *buf = malloc(TRIAD_SHARE_PAYLOAD_MAX);
    if (!buf)
        return triad__fail(TRIAD_ENOMEM, "share message: out of memory");
    size_t len = 0;
    int err = triad_share_msg_encode(m, buf, TRIAD_SHARE_PAYLOAD_MAX, &len);
    if (!err)
        crypto_generichash(digest, 32, buf, len, NULL, 0);
    free(buf);
    return err;
}
