/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "share/store.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error_internal.h"
#include "core/file.h"
#include "core/limits.h"

typedef struct {
    triad_share_envelope e;
    uint64_t id; /* instance id */
} held;

struct triad_share_store {
    char *path; /* NULL: memory only */
    int fd;
    bool sync;
    size_t lines;     /* lines in the file (compacted at open) */
    held **v;         /* the instances, in no order */
    size_t n, cap;
    size_t *index;    /* open addressing into v: slot -> i + 1, 0 empty */
    size_t slots;     /* a power of two, >= 2 n */
    const triad_share_envelope **active; /* triad_share_store_current()'s list */
};

int triad_share_instance_id(const triad_share_msg *m, uint64_t *id)
{
    const char *name = m->type == TRIAD_SHARE_WARNING ? "event_id" : "track_id";
    const triad_share_field *f = triad_share_msg_get(m, name);
    if (!f || f->kind != TRIAD_SHARE_NUM || !(f->num >= 0) || f->num > 9007199254740992.0 ||
        f->num != floor(f->num))
        return triad__fail(TRIAD_EFORMAT,
                           "share: %s without a whole-number \"%s\" (its instance id)",
                           triad_share_type_name(m->type) ? triad_share_type_name(m->type) : "message",
                           name);
    *id = (uint64_t)f->num;
    return 0;
}

static uint64_t key_hash(const char *origin, triad_share_type type, uint64_t id)
{
    uint64_t h = 1469598103934665603u; /* FNV-1a, then a mix of the id */
    for (const char *c = origin; *c; c++)
        h = (h ^ (uint8_t)*c) * 1099511628211u;
    h ^= (uint64_t)type * 0x9e3779b97f4a7c15u ^ id * 0xbf58476d1ce4e5b9u;
    h ^= h >> 31;
    return h * 0x94d049bb133111ebu;
}

/* The slot of (origin, type, id) in the index: where it is, or the empty slot to put it. */
static size_t find_slot(const triad_share_store *s, const char *origin, triad_share_type type,
                        uint64_t id)
{
    size_t k = (size_t)key_hash(origin, type, id) & (s->slots - 1);
    for (;; k = (k + 1) & (s->slots - 1)) {
        const size_t i = s->index[k];
        if (i == 0)
            return k;
        const held *h = s->v[i - 1];
        if (h->id == id && h->e.msg.type == type && strcmp(h->e.origin, origin) == 0)
            return k;
    }
}

static int grow_index(triad_share_store *s)
{
    const size_t slots = s->slots ? 2 * s->slots : 64;
    size_t *index = calloc(slots, sizeof *index);
    if (!index)
        return triad__fail(TRIAD_ENOMEM, "share store: out of memory");
    free(s->index);
    s->index = index;
    s->slots = slots;
    for (size_t i = 0; i < s->n; i++)
        s->index[find_slot(s, s->v[i]->e.origin, s->v[i]->e.msg.type, s->v[i]->id)] = i + 1;
    return 0;
}

/* ---- one envelope as one JSON line ---- */

static void add_hex(cJSON *o, const char *k, const uint8_t *p, size_t n)
{
    char *hex = malloc(2 * n + 1);
    if (hex) {
        sodium_bin2hex(hex, 2 * n + 1, p, n);
        cJSON_AddStringToObject(o, k, hex);
    }
    free(hex);
}

static void add_int(cJSON *o, const char *k, const char *fmt, uint64_t v)
{
    char b[24];
    snprintf(b, sizeof b, fmt, v);
    cJSON_AddRawToObject(o, k, b);
}

static char *env_to_line(const triad_share_envelope *e)
{
    uint8_t *payload = malloc(TRIAD_SHARE_PAYLOAD_MAX);
    cJSON *o = cJSON_CreateObject();
    char *line = NULL;
    size_t len = 0;
    if (payload && o && triad_share_msg_encode(&e->msg, payload, TRIAD_SHARE_PAYLOAD_MAX, &len) == 0) {
        cJSON_AddStringToObject(o, "origin", e->origin);
        add_int(o, "seq", "%" PRIu64, e->seq);
        add_int(o, "time_ns", "%" PRId64, (uint64_t)e->time_ns);
        cJSON_AddStringToObject(o, "type", triad_share_type_name(e->msg.type));
        add_hex(o, "payload", payload, len);
        add_hex(o, "digest", e->origin_digest, 32);
        add_hex(o, "sig", e->origin_sig, 64);
        if (e->has_hub_sig) {
            cJSON_AddStringToObject(o, "hub", e->hub);
            add_int(o, "hub_time_ns", "%" PRId64, (uint64_t)e->hub_time_ns);
            add_hex(o, "hub_sig", e->hub_sig, 64);
        }
        line = cJSON_PrintUnformatted(o);
    }
    cJSON_Delete(o);
    free(payload);
    return line;
}

/* The integer member k, read exactly from the line's text (cJSON keeps only a double, which
 * is not exact above 2^53: nanosecond times are). Keys are unique and no value of ours holds
 * a quote, so the first "k": is the member. */
static bool get_int(const char *line, const char *k, bool is_signed, uint64_t *v)
{
    char pat[32];
    snprintf(pat, sizeof pat, "\"%s\":", k);
    const char *p = strstr(line, pat);
    if (!p)
        return false;
    p += strlen(pat);
    if (!(*p == '-' && is_signed) && (*p < '0' || *p > '9'))
        return false;
    char *end = NULL;
    errno = 0;
    *v = is_signed ? (uint64_t)strtoll(p, &end, 10) : strtoull(p, &end, 10);
    return errno == 0 && end != p && (*end == ',' || *end == '}');
}

static bool get_hex(const cJSON *o, const char *k, uint8_t *out, size_t n)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, k);
    size_t got = 0;
    return cJSON_IsString(j) && strlen(j->valuestring) == 2 * n &&
           sodium_hex2bin(out, n, j->valuestring, 2 * n, NULL, &got, NULL) == 0 && got == n;
}

void triad__share_store_line_parse(const char *line, triad_share_envelope *e, const char **why)
{
    memset(e, 0, sizeof *e);
    *why = NULL;
    cJSON *o = cJSON_Parse(line);
    const cJSON *jo = cJSON_GetObjectItemCaseSensitive(o, "origin");
    const cJSON *jp = cJSON_GetObjectItemCaseSensitive(o, "payload");
    const cJSON *jh = cJSON_GetObjectItemCaseSensitive(o, "hub");
    uint64_t seq = 0, t = 0, ht = 0;
    uint8_t *payload = malloc(TRIAD_SHARE_PAYLOAD_MAX);
    size_t plen = 0;
    if (!payload)
        *why = "out of memory";
    else if (!cJSON_IsObject(o))
        *why = "not a JSON object";
    else if (!cJSON_IsString(jo) || !triad_share_id_ok(jo->valuestring))
        *why = "\"origin\" missing or not a node id";
    else if (!get_int(line, "seq", false, &seq) || !get_int(line, "time_ns", true, &t))
        *why = "\"seq\" or \"time_ns\" missing or not an integer";
    else if (!cJSON_IsString(jp) ||
             sodium_hex2bin(payload, TRIAD_SHARE_PAYLOAD_MAX, jp->valuestring,
                            strlen(jp->valuestring), NULL, &plen, NULL) != 0 ||
             triad_share_msg_decode(payload, plen, &e->msg) != 0)
        *why = "\"payload\" is not canonical message bytes in hex";
    else if (!get_hex(o, "digest", e->origin_digest, 32) || !get_hex(o, "sig", e->origin_sig, 64))
        *why = "\"digest\" or \"sig\" missing or not hex of 32/64 bytes";
    else if (jh && (!cJSON_IsString(jh) || !triad_share_id_ok(jh->valuestring) ||
                    !get_int(line, "hub_time_ns", true, &ht) || !get_hex(o, "hub_sig", e->hub_sig, 64)))
        *why = "\"hub\", \"hub_time_ns\" or \"hub_sig\" malformed";
    if (!*why) {
        snprintf(e->origin, sizeof e->origin, "%s", jo->valuestring);
        e->seq = seq;
        e->time_ns = (int64_t)t;
        e->has_origin_sig = !sodium_is_zero(e->origin_sig, 64); /* zero: a reduced release */
        if (jh) {
            snprintf(e->hub, sizeof e->hub, "%s", jh->valuestring);
            e->hub_time_ns = (int64_t)ht;
            e->has_hub_sig = true;
        }
    }
    free(payload);
    cJSON_Delete(o);
}

/* ---- the table ---- */

/* Keep e as the version of its instance (no checks, no file). */
static int put(triad_share_store *s, const triad_share_envelope *e, uint64_t id)
{
    if (2 * (s->n + 1) > s->slots) {
        int err = grow_index(s);
        if (err)
            return err;
    }
    const size_t k = find_slot(s, e->origin, e->msg.type, id);
    if (s->index[k]) {
        s->v[s->index[k] - 1]->e = *e;
        return 0;
    }
    if (s->n == s->cap) {
        const size_t cap = s->cap ? 2 * s->cap : 64;
        held **v = realloc(s->v, cap * sizeof *v);
        if (!v)
            return triad__fail(TRIAD_ENOMEM, "share store: out of memory");
        s->v = v;
        s->cap = cap;
    }
    held *h = malloc(sizeof *h);
    if (!h)
        return triad__fail(TRIAD_ENOMEM, "share store: out of memory");
    h->e = *e;
    h->id = id;
    s->v[s->n++] = h;
    s->index[k] = s->n;
    return 0;
}

/* One line appended; a failed or short write is cut off again (the file stays whole lines). */
static int write_line(int fd, const triad_share_envelope *e, const char *path)
{
    const off_t end = lseek(fd, 0, SEEK_END);
    char *line = env_to_line(e);
    if (!line)
        return triad__fail(TRIAD_ENOMEM, "%s: out of memory for a store line", path);
    const size_t n = strlen(line);
    line[n] = '\n'; /* over the NUL: written with its length */
    errno = 0;
    ssize_t w = write(fd, line, n + 1);
    int werr = errno;
    if (w > 0 && w < (ssize_t)(n + 1)) { /* the rest, for the reason it stopped */
        const ssize_t w2 = write(fd, line + w, n + 1 - (size_t)w);
        werr = errno;
        w = w2 < 0 ? w : w + w2;
    }
    cJSON_free(line);
    if (w > 0 && w != (ssize_t)(n + 1) && end >= 0 && ftruncate(fd, end) != 0)
        fprintf(stderr, "triad: warning: %s: a torn line could not be cut off\n", path);
    if (w != (ssize_t)(n + 1))
        return triad__fail(TRIAD_EIO, "%s: cannot append: %s", path,
                           w < 0 || werr ? strerror(werr) : "short write");
    return 0;
}

/* Rewrite the file with the versions held only: temporary file, fsync, rename. */
static int compact(triad_share_store *s)
{
    const size_t plen = strlen(s->path);
    char *tmp = malloc(plen + 8);
    if (!tmp)
        return triad__fail(TRIAD_ENOMEM, "share store: out of memory");
    snprintf(tmp, plen + 8, "%s.tmp", s->path);
    int err = 0;
    const int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        err = triad__fail(TRIAD_EIO, "%s: cannot create: %s", tmp, strerror(errno));
    for (size_t i = 0; !err && i < s->n; i++)
        err = write_line(fd, &s->v[i]->e, tmp);
    if (!err && fsync(fd) != 0)
        err = triad__fail(TRIAD_EIO, "%s: fsync: %s", tmp, strerror(errno));
    if (fd >= 0 && close(fd) != 0 && !err)
        err = triad__fail(TRIAD_EIO, "%s: close: %s", tmp, strerror(errno));
    if (!err && rename(tmp, s->path) != 0)
        err = triad__fail(TRIAD_EIO, "%s: cannot replace %s: %s", tmp, s->path, strerror(errno));
    if (!err) { /* the rename itself durable: the folder's entry */
        char *dir = strdup(s->path);
        const char *d = ".";
        char *slash = dir ? strrchr(dir, '/') : NULL;
        if (slash == dir && dir)
            d = "/";
        else if (slash) {
            *slash = '\0';
            d = dir;
        }
        const int dfd = dir ? open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
        if (dfd < 0 || fsync(dfd) != 0)
            err = triad__fail(TRIAD_EIO, "%s: fsync of its folder: %s", s->path, strerror(errno));
        if (dfd >= 0)
            close(dfd);
        free(dir);
    }
    if (err)
        unlink(tmp);
    free(tmp);
    if (err)
        return err;
    /* the lock and the appends go to the new file */
    const int nfd = open(s->path, O_WRONLY | O_APPEND | O_CLOEXEC);
    if (nfd < 0)
        return triad__fail(TRIAD_EIO, "%s: cannot reopen: %s", s->path, strerror(errno));
    if (flock(nfd, LOCK_EX | LOCK_NB) != 0) {
        close(nfd);
        return triad__fail(TRIAD_EIO, "%s: in use by another process", s->path);
    }
    if (s->fd >= 0)
        close(s->fd);
    s->fd = nfd;
    s->lines = s->n;
    return 0;
}

static int load(triad_share_store *s)
{
    /* the file exists: triad_share_store_open created it to lock it */
    triad__lines *r;
    int err = triad__lines_open(&r, s->path, TRIAD__JSONL_MAX_LINE);
    if (err)
        return err;
    const char *line;
    size_t got;
    int more, had_nl;
    triad_share_envelope *e = malloc(sizeof *e);
    if (!e)
        err = triad__fail(TRIAD_ENOMEM, "share store: out of memory");
    while (!err && (more = triad__lines_next(r, &line, &got, &had_nl)) > 0) {
        const size_t n = triad__lines_number(r);
        const char *why = NULL;
        if (strlen(line) != got)
            why = "contains a NUL byte";
        else
            triad__share_store_line_parse(line, e, &why);
        if (why && !had_nl) {
            fprintf(stderr, "triad: warning: %s: line %zu cut short (a crash while writing): "
                            "dropped\n", s->path, n);
            break;
        }
        uint64_t id = 0;
        if (!why && triad_share_instance_id(&e->msg, &id) != 0)
            why = "the message has no instance id";
        if (why) {
            err = triad__fail(TRIAD_EFORMAT, "%s: line %zu: %s", s->path, n, why);
            break;
        }
        /* lines are in the order accepted: a later one is a newer version */
        err = put(s, e, id);
    }
    if (!err && more < 0)
        err = more;
    free(e);
    triad__lines_close(r);
    return err;
}

int triad_share_store_open(triad_share_store **out, const char *path, bool sync)
{
    *out = NULL;
    triad_share_store *s = calloc(1, sizeof *s);
    if (!s)
        return triad__fail(TRIAD_ENOMEM, "share store: out of memory");
    s->fd = -1;
    s->sync = sync;
    int err = grow_index(s);
    if (!err && path) {
        s->path = strdup(path);
        if (!s->path)
            err = triad__fail(TRIAD_ENOMEM, "share store: out of memory");
        /* the lock is taken on the existing file (or a new empty one) before reading it */
        int lfd = -1;
        if (!err && (lfd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600)) < 0)
            err = triad__fail(TRIAD_EIO, "%s: cannot open: %s", path, strerror(errno));
        if (!err && flock(lfd, LOCK_EX | LOCK_NB) != 0)
            err = triad__fail(TRIAD_EIO, "%s: in use by another process", path);
        if (!err)
            err = load(s);
        if (!err)
            err = compact(s);
        if (lfd >= 0)
            close(lfd);
    }
    if (err) {
        triad_share_store_close(s);
        return err;
    }
    *out = s;
    return 0;
}

void triad_share_store_close(triad_share_store *s)
{
    if (!s)
        return;
    if (s->fd >= 0)
        close(s->fd);
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
    free(s->index);
    free(s->active);
    free(s->path);
    free(s);
}

int triad_share_store_offer(triad_share_store *s, const triad_share_envelope *e)
{
    uint64_t id = 0;
    int err = triad_share_instance_id(&e->msg, &id);
    if (err)
        return err;
    const size_t k = find_slot(s, e->origin, e->msg.type, id);
    if (s->index[k]) {
        const triad_share_envelope *h = &s->v[s->index[k] - 1]->e;
        if (e->seq == h->seq && sodium_memcmp(e->origin_sig, h->origin_sig, 64) == 0)
            return triad__fail(TRIAD_SHARE_EDUPLICATE,
                               "share: origin %s %s %" PRIu64 " seq %" PRIu64
                               ": the version already held (re-delivered)",
                               e->origin, triad_share_type_name(e->msg.type), id, e->seq);
        if (e->seq <= h->seq)
            return triad__fail(TRIAD_SHARE_EREPLAYED,
                               "share: origin %s %s %" PRIu64 " seq %" PRIu64
                               ": not above seq %" PRIu64 " already accepted",
                               e->origin, triad_share_type_name(e->msg.type), id, e->seq, h->seq);
    }
    if (s->path) {
        if ((err = write_line(s->fd, e, s->path)) ||
            (s->sync && fsync(s->fd) != 0 &&
             (err = triad__fail(TRIAD_EIO, "%s: fsync: %s", s->path, strerror(errno)))))
            return err;
        s->lines++;
    }
    if ((err = put(s, e, id)))
        return err;
    /* the version is kept and on disk: a failed compaction only leaves the file longer */
    if (s->path && s->lines > 4 * s->n + 4096 && compact(s) != 0)
        fprintf(stderr, "triad: warning: %s\n", triad_errmsg());
    return 0;
}

bool triad_share_current(const triad_share_envelope *e, int64_t now_ns, int64_t max_age_ns)
{
    const bool warning = e->msg.type == TRIAD_SHARE_WARNING;
    const triad_share_field *f = triad_share_msg_get(&e->msg, warning ? "kind" : "status");
    const bool ended =
        f && f->kind == TRIAD_SHARE_STR && strcmp(f->str, warning ? "CANCEL" : "deleted") == 0;
    if (warning && !ended)
        return true; /* an active warning, however old */
    return !(e->time_ns < now_ns &&
             (uint64_t)now_ns - (uint64_t)e->time_ns > (uint64_t)max_age_ns);
}

static int by_origin_seq(const void *a, const void *b)
{
    const triad_share_envelope *x = *(const triad_share_envelope *const *)a;
    const triad_share_envelope *y = *(const triad_share_envelope *const *)b;
    const int c = strcmp(x->origin, y->origin);
    if (c)
        return c;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

size_t triad_share_store_current(triad_share_store *s, int64_t now_ns, int64_t max_age_ns,
                                 const triad_share_envelope *const **list)
{
    *list = NULL;
    free(s->active);
    s->active = malloc((s->n ? s->n : 1) * sizeof *s->active);
    if (!s->active)
        return 0;
    size_t m = 0;
    for (size_t i = 0; i < s->n; i++)
        if (triad_share_current(&s->v[i]->e, now_ns, max_age_ns))
            s->active[m++] = &s->v[i]->e;
    qsort(s->active, m, sizeof *s->active, by_origin_seq);
    *list = s->active;
    return m;
}

size_t triad_share_store_prune(triad_share_store *s, int64_t now_ns, int64_t max_age_ns)
{
    const int64_t keep = max_age_ns > INT64_MAX / 2 ? INT64_MAX : 2 * max_age_ns;
    size_t kept = 0;
    for (size_t i = 0; i < s->n; i++) {
        const triad_share_envelope *e = &s->v[i]->e;
        const bool old = e->time_ns < now_ns && (uint64_t)now_ns - (uint64_t)e->time_ns > (uint64_t)keep;
        if (old && !triad_share_current(e, now_ns, max_age_ns))
            free(s->v[i]);
        else
            s->v[kept++] = s->v[i];
    }
    const size_t dropped = s->n - kept;
    if (!dropped)
        return 0;
    s->n = kept;
    memset(s->index, 0, s->slots * sizeof *s->index);
    for (size_t i = 0; i < s->n; i++)
        s->index[find_slot(s, s->v[i]->e.origin, s->v[i]->e.msg.type, s->v[i]->id)] = i + 1;
    if (s->path && compact(s) != 0)
        fprintf(stderr, "triad: warning: %s\n", triad_errmsg());
    return dropped;
}

size_t triad_share_store_size(const triad_share_store *s) { return s->n; }

int triad_share_store_sync(triad_share_store *s)
{
    if (s->path && fsync(s->fd) != 0)
        return triad__fail(TRIAD_EIO, "%s: fsync: %s", s->path, strerror(errno));
    return 0;
}
