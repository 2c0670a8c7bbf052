/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "share/audit.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/error_internal.h"
#include "core/file.h"
#include "core/limits.h"
#include "share/bytes.h"

static const char hash_key[] = ",\"hash\":\"";
enum { HASH_KEY_LEN = sizeof hash_key - 1, TAIL_LEN = HASH_KEY_LEN + 64 + 3 /* "}\n */ };

struct triad_share_audit {
    int fd;
    bool sync;
    bool failed;  /* a torn line could not be cut off again: nothing more is added */
    char *path;
    size_t n;      /* lines in the log */
    char prev[65]; /* hash of the last line */
    off_t size;    /* bytes in the log (a failed append is cut back to this) */
    /* signed checkpoints (triad_share_audit_sign_with) */
    bool signing;
    char hub[TRIAD_SHARE_ID_MAX];
    uint8_t sk[64];
    unsigned every_lines;
    int64_t every_ns;
    size_t checkpoint_n;     /* line number of the last checkpoint (0: none yet) */
    int64_t checkpoint_t_ns; /* when it was written */
};

static void hash_hex(const void *p, size_t n, char out[65])
{
    uint8_t h[32];
    crypto_generichash(h, sizeof h, p, n, NULL, 0);
    sodium_bin2hex(out, 65, h, sizeof h);
}

static const char zero_hash[65] =
    "0000000000000000000000000000000000000000000000000000000000000000";

static const char *const events[] = {"received", "released",   "withheld", "rejected",
                                     "link",     "checkpoint", "rejections", "fault"};
static const char checkpoint_tag[] = "TRIAD-AUDIT-CHECKPOINT-2";
enum { CHECKPOINT_BYTES_MAX = 24 + 1 + 63 + 8 + 64 + 8 + 4 + 4 + 1 + 31, REASON_MAX = 32 };

/* What a checkpoint signs (share/audit.h): tag | u8 len, hub id | u64 n (its line number) |
 * the 64 hex digits of "prev" (the hash of every line before it, by the chain) | i64 t_ns |
 * u32 every_lines | u32 every_ms | u8 len, reason. */
typedef struct {
    const char *hub;
    uint64_t n;
    const char *prev;
    int64_t t_ns;
    uint32_t every_lines, every_ms;
    const char *reason;
} checkpoint_fields;

static size_t checkpoint_bytes(const checkpoint_fields *c, uint8_t *buf)
{
    triad__wr w = {buf, CHECKPOINT_BYTES_MAX, 0, false};
    triad__wr_bytes(&w, checkpoint_tag, sizeof checkpoint_tag - 1);
    triad__wr_str8(&w, c->hub);
    triad__wr_be(&w, c->n, 8);
    triad__wr_bytes(&w, c->prev, 64);
    triad__wr_be(&w, (uint64_t)c->t_ns, 8);
    triad__wr_be(&w, c->every_lines, 4);
    triad__wr_be(&w, c->every_ms, 4);
    if (strlen(c->reason) >= REASON_MAX)
        return 0;
    triad__wr_str8(&w, c->reason);
    return w.overflow ? 0 : w.len;
}

/* A whole non-negative JSON integer member (written exactly by the writer). */
static bool get_u64(const cJSON *obj, const char *k, uint64_t max, uint64_t *v)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, k);
    if (!cJSON_IsNumber(j) || !(j->valuedouble >= 0) || j->valuedouble > (double)max ||
        j->valuedouble != (double)(uint64_t)j->valuedouble)
        return false;
    *v = (uint64_t)j->valuedouble;
    return true;
}

/* A checkpoint line's signature by the hub it names, against the trust store; rep gets its
 * time, cadence and reason. t_ns is read from the line's text (nanoseconds exceed a double). */
static bool check_checkpoint(const cJSON *obj, const char *line, size_t n, const char *prev,
                             const triad_share_trust *trust, triad_share_audit_report *rep,
                             char *why, size_t wn)
{
    const cJSON *jh = cJSON_GetObjectItemCaseSensitive(obj, "hub");
    const cJSON *js = cJSON_GetObjectItemCaseSensitive(obj, "sig");
    const cJSON *jr = cJSON_GetObjectItemCaseSensitive(obj, "reason");
    uint8_t sig[64], buf[CHECKPOINT_BYTES_MAX];
    size_t got = 0;
    uint64_t every_lines = 0, every_ms = 0;
    long long t_ns = 0;
    const char *tp = strstr(line, "\"t_ns\":");
    if (!cJSON_IsString(jh) || !triad_share_id_ok(jh->valuestring) || !cJSON_IsString(js) ||
        strlen(js->valuestring) != 128 ||
        sodium_hex2bin(sig, 64, js->valuestring, 128, NULL, &got, NULL) != 0 || got != 64 ||
        !cJSON_IsString(jr) || !get_u64(obj, "every_lines", UINT32_MAX, &every_lines) ||
        !get_u64(obj, "every_ms", UINT32_MAX, &every_ms) || !tp ||
        sscanf(tp + 7, "%lld", &t_ns) != 1) {
        snprintf(why, wn, "checkpoint without a valid \"hub\", \"sig\", \"reason\", "
                          "\"every_lines\", \"every_ms\" or \"t_ns\"");
        return false;
    }
    const uint8_t *pk = triad_share_trust_find(trust, jh->valuestring);
    if (!pk) {
        snprintf(why, wn, "checkpoint by '%s', not in the trust store", jh->valuestring);
        return false;
    }
    const checkpoint_fields c = {jh->valuestring, n, prev, (int64_t)t_ns, (uint32_t)every_lines,
                                 (uint32_t)every_ms, jr->valuestring};
    const size_t len = checkpoint_bytes(&c, buf);
    if (len == 0 || crypto_sign_verify_detached(sig, buf, len, pk) != 0) {
        snprintf(why, wn, "checkpoint signature of '%s' does not verify", jh->valuestring);
        return false;
    }
    snprintf(rep->signer, sizeof rep->signer, "%s", jh->valuestring);
    snprintf(rep->last_reason, sizeof rep->last_reason, "%s", jr->valuestring);
    rep->last_checkpoint_t_ns = (int64_t)t_ns;
    rep->every_lines = (unsigned)every_lines;
    rep->every_s = (double)every_ms / 1000;
    return true;
}

/* ---- verify ---- */

/* Checks one line (with its newline, len bytes) as line number n after prev; with a trust
 * store, a checkpoint's signature too (rep->signed_through, rep->signer then). */
static bool check_line(const char *line, size_t len, size_t n, const char *prev,
                       const triad_share_trust *trust, triad_share_audit_report *rep, char *why,
                       size_t wn)
{
    if (len == 0 || line[len - 1] != '\n') {
        snprintf(why, wn, "truncated: no newline at the end");
        return false;
    }
    if (strlen(line) != len) {
        snprintf(why, wn, "contains a NUL byte");
        return false;
    }
    if (len < TAIL_LEN + 2 || memcmp(line + len - TAIL_LEN, hash_key, HASH_KEY_LEN) != 0 ||
        memcmp(line + len - 3, "\"}\n", 3) != 0) {
        snprintf(why, wn, "does not end with its \"hash\" member");
        return false;
    }
    char h[65];
    hash_hex(line, len - TAIL_LEN, h);
    if (memcmp(h, line + len - TAIL_LEN + HASH_KEY_LEN, 64) != 0) {
        snprintf(why, wn, "its \"hash\" does not match its content (modified)");
        return false;
    }
    cJSON *obj = cJSON_ParseWithLength(line, len - 1);
    bool ok = false;
    const cJSON *jn = cJSON_GetObjectItemCaseSensitive(obj, "n");
    const cJSON *jp = cJSON_GetObjectItemCaseSensitive(obj, "prev");
    const cJSON *je = cJSON_GetObjectItemCaseSensitive(obj, "event");
    if (!cJSON_IsObject(obj))
        snprintf(why, wn, "not a JSON object");
    else if (!cJSON_IsNumber(jn) || jn->valuedouble != (double)n)
        snprintf(why, wn, "\"n\" is not %zu (line deleted, inserted or moved)", n);
    else if (!cJSON_IsString(jp) || strcmp(jp->valuestring, prev) != 0)
        snprintf(why, wn,
                 "\"prev\" is not the hash of line %zu (a line before it was changed, "
                 "deleted or moved)",
                 n - 1);
    else if (!cJSON_IsString(je))
        snprintf(why, wn, "no \"event\"");
    else {
        for (size_t i = 0; i < sizeof events / sizeof events[0] && !ok; i++)
            ok = strcmp(je->valuestring, events[i]) == 0;
        if (!ok)
            snprintf(why, wn, "unknown event '%.40s'", je->valuestring);
        else if (strcmp(je->valuestring, "checkpoint") == 0) {
            rep->checkpoints++;
            if (trust) {
                ok = check_checkpoint(obj, line, n, prev, trust, rep, why, wn);
                if (ok)
                    rep->signed_through = n;
            }
        }
    }
    cJSON_Delete(obj);
    return ok;
}

/* The chain of the lines of r (from its start). */
static int verify_lines(triad__lines *r, const triad_share_trust *trust,
                        triad_share_audit_report *rep)
{
    memset(rep, 0, sizeof *rep);
    char prev[65];
    memcpy(prev, zero_hash, sizeof prev);
    triad__lines_keep_newlines(r);
    const char *line;
    size_t got;
    int more, err = 0;
    while ((more = triad__lines_next(r, &line, &got, NULL)) > 0) {
        const size_t n = rep->lines + 1;
        if (!check_line(line, got, n, prev, trust, rep, rep->why, sizeof rep->why)) {
            rep->bad_line = n;
            err = triad__fail(TRIAD_EFORMAT, "%s: line %zu: %s", triad__lines_name(r), n,
                              rep->why);
            break;
        }
        hash_hex(line, got, prev);
        rep->lines = n;
        memcpy(rep->head, prev, sizeof prev);
    }
    if (!err && more < 0) {
        rep->bad_line = rep->lines + 1;
        snprintf(rep->why, sizeof rep->why, "%s", triad_errmsg());
        err = more;
    }
    return err;
}

int triad_share_audit_verify(const char *path, triad_share_audit_report *rep)
{
    return triad_share_audit_verify_signed(path, NULL, rep);
}

int triad_share_audit_verify_signed(const char *path, const triad_share_trust *trust,
                                    triad_share_audit_report *rep)
{
    memset(rep, 0, sizeof *rep);
    triad__lines *r;
    int err = triad__lines_open(&r, path, TRIAD__JSONL_MAX_LINE);
    if (!err)
        err = verify_lines(r, trust, rep);
    triad__lines_close(r);
    return err;
}

int triad_share_audit_verify_buffer(const char *buf, size_t len, const char *name,
                                    const triad_share_trust *trust, triad_share_audit_report *rep)
{
    memset(rep, 0, sizeof *rep);
    triad__lines *r;
    int err = triad__lines_from_memory(&r, buf, len, name, TRIAD__JSONL_MAX_LINE);
    if (!err)
        err = verify_lines(r, trust, rep);
    triad__lines_close(r);
    return err;
}

/* ---- write ---- */

int triad_share_audit_open(triad_share_audit **pa, const char *path, bool sync)
{
    *pa = NULL;
    if (sodium_init() < 0)
        return triad__fail(TRIAD_EUNSUPPORTED, "share audit: libsodium failed to initialise");
    triad_share_audit *a = calloc(1, sizeof *a);
    if (!a || !(a->path = strdup(path))) {
        free(a);
        return triad__fail(TRIAD_ENOMEM, "%s: out of memory", path);
    }
    a->sync = sync;
    memcpy(a->prev, zero_hash, sizeof a->prev);
    a->fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (a->fd < 0) {
        const int e = errno;
        triad_share_audit_close(a);
        return triad__fail(TRIAD_EIO, "%s: cannot open audit log: %s", path, strerror(e));
    }
    if (flock(a->fd, LOCK_EX | LOCK_NB) != 0) {
        const int e = errno;
        triad_share_audit_close(a);
        return triad__fail(TRIAD_EIO, "%s: audit log is locked by another writer: %s", path,
                           strerror(e));
    }
    /* the chain so far, read through the descriptor we hold (not the path again) */
    struct stat st;
    const int rfd = fstat(a->fd, &st) == 0 && S_ISREG(st.st_mode) ? dup(a->fd) : -1;
    FILE *rf = rfd >= 0 ? fdopen(rfd, "rb") : NULL;
    if (!rf || lseek(rfd, 0, SEEK_SET) != 0) {
        const int e = errno;
        if (rf)
            fclose(rf);
        else if (rfd >= 0)
            close(rfd);
        triad_share_audit_close(a);
        return triad__fail(TRIAD_EIO, "%s: cannot read audit log: %s", path,
                           rfd < 0 ? "not a regular file" : strerror(e));
    }
    triad_share_audit_report rep;
    triad__lines *lr;
    int err = triad__lines_from_stream(&lr, rf, path, TRIAD__JSONL_MAX_LINE);
    if (!err)
        err = verify_lines(lr, NULL, &rep);
    triad__lines_close(lr);
    fclose(rf);
    if (err) {
        triad_share_audit_close(a);
        return err;
    }
    a->n = rep.lines;
    a->size = st.st_size;
    if (rep.lines)
        memcpy(a->prev, rep.head, sizeof a->prev);
    *pa = a;
    return 0;
}

const char *triad_share_audit_head(const triad_share_audit *a)
{
    return a->prev;
}

void triad_share_audit_close(triad_share_audit *a)
{
    if (!a)
        return;
    if (a->fd >= 0)
        close(a->fd);
    sodium_memzero(a->sk, sizeof a->sk);
    free(a->path);
    free(a);
}

static void add_u64(cJSON *o, const char *k, uint64_t v)
{
    char b[24];
    snprintf(b, sizeof b, "%" PRIu64, v);
    cJSON_AddRawToObject(o, k, b);
}

static void add_i64(cJSON *o, const char *k, int64_t v)
{
    char b[24];
    snprintf(b, sizeof b, "%" PRId64, v);
    cJSON_AddRawToObject(o, k, b);
}

/* A bounded copy of a possibly unterminated id from an envelope that may not have verified. */
static void add_id(cJSON *o, const char *k, const char *id)
{
    char b[TRIAD_SHARE_ID_MAX];
    snprintf(b, sizeof b, "%.*s", TRIAD_SHARE_ID_MAX - 1, id);
    cJSON_AddStringToObject(o, k, b);
}

static cJSON *begin(triad_share_audit *a, const char *event, const triad_share_envelope *e)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    add_u64(o, "n", a->n + 1);
    cJSON_AddStringToObject(o, "prev", a->prev);
    add_i64(o, "t_ns", (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec);
    cJSON_AddStringToObject(o, "event", event);
    if (e) {
        add_id(o, "origin", e->origin);
        add_u64(o, "seq", e->seq);
    }
    return o;
}

static int checkpoint(triad_share_audit *a, const char *reason);

/* One line, chained and hashed, in one write() on the O_APPEND descriptor. A write that fails
 * or comes short is cut off again (the log stays a whole chain: a later append may succeed,
 * e.g. once space is freed); only when that fails too is the log closed to appends. */
static int append_line(triad_share_audit *a, cJSON *o)
{
    if (a->failed) {
        cJSON_Delete(o);
        return triad__fail(TRIAD_EIO,
                           "%s: an earlier append left a torn line that could not be cut off; "
                           "reopen the log (it will be verified) before adding to it",
                           a->path);
    }
    char *s = o ? cJSON_PrintUnformatted(o) : NULL;
    cJSON_Delete(o);
    if (!s)
        return triad__fail(TRIAD_ENOMEM, "%s: out of memory for an audit line", a->path);
    const size_t body = strlen(s) - 1; /* without the closing brace */
    char *line = malloc(body + TAIL_LEN + 1);
    if (!line) {
        cJSON_free(s);
        return triad__fail(TRIAD_ENOMEM, "%s: out of memory for an audit line", a->path);
    }
    memcpy(line, s, body);
    cJSON_free(s);
    char h[65];
    hash_hex(line, body, h);
    memcpy(line + body, hash_key, HASH_KEY_LEN);
    memcpy(line + body + HASH_KEY_LEN, h, 64);
    memcpy(line + body + HASH_KEY_LEN + 64, "\"}\n", 3);
    const size_t len = body + TAIL_LEN;
    errno = 0;
    ssize_t w = write(a->fd, line, len);
    int werr = errno;
    if (w > 0 && w < (ssize_t)len) { /* the rest, for the reason it stopped (or it goes on) */
        const ssize_t w2 = write(a->fd, line + w, len - (size_t)w);
        werr = errno;
        w = w2 < 0 ? w : w + w2;
    }
    int err = 0;
    if (w != (ssize_t)len) {
        err = triad__fail(TRIAD_EIO, "%s: cannot append audit line %zu: %s", a->path, a->n + 1,
                          w < 0 || werr ? strerror(werr) : "short write");
        if (w > 0 && ftruncate(a->fd, a->size) != 0)
            a->failed = true;
    } else if (a->sync && fsync(a->fd) != 0) {
        err = triad__fail(TRIAD_EIO, "%s: fsync: %s", a->path, strerror(errno));
    }
    if (w == (ssize_t)len) { /* in the file: part of the chain (even if not yet durable) */
        hash_hex(line, len, a->prev);
        a->n++;
        a->size += (off_t)len;
    }
    free(line);
    return err;
}

/* An event line; then, when signing, a checkpoint if every_lines lines have passed. */
static int append(triad_share_audit *a, cJSON *o)
{
    int err = append_line(a, o);
    if (!err && a->signing && a->n - a->checkpoint_n >= a->every_lines)
        err = checkpoint(a, "lines");
    return err;
}

static void add_digest(cJSON *o, const uint8_t d[32])
{
    char hex[65];
    sodium_bin2hex(hex, sizeof hex, d, 32);
    cJSON_AddStringToObject(o, "digest", hex);
}

static void add_type(cJSON *o, const triad_share_envelope *e)
{
    const char *t = triad_share_type_name(e->msg.type);
    cJSON_AddStringToObject(o, "type", t ? t : "?");
}

int triad_share_audit_received(triad_share_audit *a, const triad_share_envelope *e)
{
    cJSON *o = begin(a, "received", e);
    if (o) {
        add_i64(o, "time_ns", e->time_ns);
        add_type(o, e);
        add_digest(o, e->origin_digest);
    }
    return append(a, o);
}

int triad_share_audit_released(triad_share_audit *a, const triad_share_envelope *e,
                               const char *partner)
{
    uint8_t d[32];
    int err = triad_share_msg_digest(&e->msg, d);
    if (err)
        return err;
    cJSON *o = begin(a, "released", e);
    if (o) {
        add_i64(o, "time_ns", e->time_ns);
        add_type(o, e);
        add_digest(o, d);
        add_id(o, "partner", partner);
    }
    return append(a, o);
}

int triad_share_audit_withheld(triad_share_audit *a, const triad_share_envelope *e,
                               const char *partner, const triad_share_withheld *w, size_t n)
{
    if (n == 0)
        return 0;
    cJSON *o = begin(a, "withheld", e);
    if (o) {
        add_id(o, "partner", partner);
        cJSON *fields = cJSON_AddArrayToObject(o, "fields");
        for (size_t i = 0; fields && i < n; i++) {
            cJSON *f = cJSON_CreateObject();
            if (!f)
                break;
            cJSON_AddStringToObject(f, "field", w[i].field);
            cJSON_AddStringToObject(f, "rule", w[i].rule);
            cJSON_AddItemToArray(fields, f);
        }
    }
    return append(a, o);
}

int triad_share_audit_rejected(triad_share_audit *a, const triad_share_envelope *e, int reason,
                               const char *why)
{
    cJSON *o = begin(a, "rejected", e);
    if (o) {
        add_i64(o, "time_ns", e->time_ns);
        cJSON_AddStringToObject(o, "reason", triad_share_reason_name(reason));
        cJSON_AddStringToObject(o, "why", why ? why : "");
    }
    return append(a, o);
}

int triad_share_audit_link(triad_share_audit *a, const char *partner, const char *state,
                           const char *detail)
{
    cJSON *o = begin(a, "link", NULL);
    if (o) {
        add_id(o, "partner", partner);
        cJSON_AddStringToObject(o, "state", state);
        cJSON_AddStringToObject(o, "detail", detail ? detail : "");
    }
    return append(a, o);
}

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int checkpoint(triad_share_audit *a, const char *reason)
{
    if (!a->signing)
        return triad__fail(TRIAD_EINVAL, "%s: checkpoint: no signing key set", a->path);
    const int64_t t = now_ns();
    const checkpoint_fields c = {a->hub, a->n + 1, a->prev, t, a->every_lines,
                                 (uint32_t)(a->every_ns / 1000000), reason};
    uint8_t buf[CHECKPOINT_BYTES_MAX], sig[64];
    const size_t len = checkpoint_bytes(&c, buf);
    if (len == 0)
        return triad__fail(TRIAD_EINVAL, "%s: checkpoint: reason '%.40s' too long", a->path,
                           reason);
    crypto_sign_detached(sig, NULL, buf, len, a->sk);
    char hex[129];
    sodium_bin2hex(hex, sizeof hex, sig, sizeof sig);
    cJSON *o = cJSON_CreateObject();
    if (o) {
        add_u64(o, "n", a->n + 1);
        cJSON_AddStringToObject(o, "prev", a->prev);
        add_i64(o, "t_ns", t);
        cJSON_AddStringToObject(o, "event", "checkpoint");
        add_id(o, "hub", a->hub);
        add_u64(o, "lines", a->n);
        cJSON_AddStringToObject(o, "reason", reason);
        add_u64(o, "every_lines", a->every_lines);
        add_u64(o, "every_ms", (uint64_t)(a->every_ns / 1000000));
        cJSON_AddStringToObject(o, "sig", hex);
    }
    const int err = append_line(a, o);
    if (!err) {
        a->checkpoint_n = a->n;
        a->checkpoint_t_ns = t;
    }
    return err;
}

int triad_share_audit_sign_with(triad_share_audit *a, const char *hub, const uint8_t sk[64],
                                unsigned every_lines, double every_s)
{
    if (!triad_share_id_ok(hub))
        return triad__fail(TRIAD_EINVAL, "%s: checkpoint: hub id '%.70s' invalid", a->path,
                           hub ? hub : "(null)");
    if (every_lines < 1 || every_lines > 100000 || !(every_s >= 0.01 && every_s <= 3600))
        return triad__fail(TRIAD_EINVAL,
                           "%s: checkpoints every %u lines / %g s: must be 1..100000 lines "
                           "and 0.01..3600 s", a->path, every_lines, every_s);
    snprintf(a->hub, sizeof a->hub, "%s", hub);
    memcpy(a->sk, sk, 64);
    a->every_lines = every_lines;
    a->every_ns = (int64_t)(every_s * 1e9);
    a->signing = true;
    a->checkpoint_n = a->n; /* the caller writes the first one ("start") */
    a->checkpoint_t_ns = now_ns();
    return 0;
}

int triad_share_audit_checkpoint(triad_share_audit *a, const char *reason)
{
    return checkpoint(a, reason);
}

int triad_share_audit_tick(triad_share_audit *a, int64_t now)
{
    if (!a->signing || a->n == a->checkpoint_n || now - a->checkpoint_t_ns < a->every_ns)
        return 0;
    return checkpoint(a, "time");
}

int triad_share_audit_sync(triad_share_audit *a)
{
    if (fsync(a->fd) != 0)
        return triad__fail(TRIAD_EIO, "%s: fsync: %s", a->path, strerror(errno));
    return 0;
}

int triad_share_audit_rejections(triad_share_audit *a, const char *partner, int reason,
                                 uint64_t count, uint64_t shown, int64_t first_ns, int64_t last_ns)
{
    cJSON *o = begin(a, "rejections", NULL);
    if (o) {
        add_id(o, "partner", partner);
        cJSON_AddStringToObject(o, "reason", triad_share_reason_name(reason));
        add_u64(o, "count", count);
        add_u64(o, "shown", shown);
        add_i64(o, "first_ns", first_ns);
        add_i64(o, "last_ns", last_ns);
    }
    return append(a, o);
}

int triad_share_audit_fault(triad_share_audit *a, const char *what, const char *detail)
{
    cJSON *o = begin(a, "fault", NULL);
    if (o) {
        cJSON_AddStringToObject(o, "what", what);
        cJSON_AddStringToObject(o, "detail", detail ? detail : "");
    }
    return append(a, o);
}

size_t triad_share_audit_lines(const triad_share_audit *a) { return a->n; }
