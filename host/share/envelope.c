/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "share/envelope.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error_internal.h"
#include "core/json_util.h"
#include "share/bytes.h"

static const char origin_tag[] = "TRIAD-SHARE-ORIGIN-1";
static const char hub_tag[] = "TRIAD-SHARE-HUB-2";
static const char reduced_tag[] = "TRIAD-SHARE-HUB-R1";

const char *triad_share_strerror(int err)
{
    switch (err) {
#define TRIAD__SHARE_CASE(name, code, text)                                                        \
    case code:                                                                                     \
        return text;
        TRIAD_SHARE_REJECT_MAP(TRIAD__SHARE_CASE)
#undef TRIAD__SHARE_CASE
    default:
        return triad_strerror(err);
    }
}

const char *triad_share_reason_name(int err)
{
    switch (err) {
    case TRIAD_SHARE_EUNSIGNED:
        return "unsigned";
    case TRIAD_SHARE_EUNKNOWN_ORIGIN:
        return "unknown_origin";
    case TRIAD_SHARE_EBAD_ORIGIN_SIG:
        return "bad_origin_signature";
    case TRIAD_SHARE_EBAD_HUB_SIG:
        return "bad_hub_signature";
    case TRIAD_SHARE_EREPLAYED:
        return "replayed";
    case TRIAD_SHARE_ESTALE:
        return "stale";
    case TRIAD_SHARE_EECHO:
        return "echo";
    case TRIAD_SHARE_ERELAYED:
        return "relayed_twice";
    case TRIAD_SHARE_ENO_POLICY:
        return "no_policy";
    case TRIAD_SHARE_EDUPLICATE:
        return "duplicate";
    case TRIAD_SHARE_EWRONG_LINK:
        return "wrong_link";
    case TRIAD_SHARE_EDDS_AUTH:
        return "dds_security";
    case TRIAD_EFORMAT:
        return "malformed";
    default:
        return "error";
    }
}

static int init_sodium(void)
{
    if (sodium_init() < 0)
        return triad__fail(TRIAD_EUNSUPPORTED, "share: libsodium failed to initialise");
    return 0;
}

bool triad_share_id_ok(const char *id)
{
    const size_t n = id ? strnlen(id, TRIAD_SHARE_ID_MAX) : 0;
    if (n == 0 || n >= TRIAD_SHARE_ID_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        const char c = id[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return false;
    }
    return true;
}

/* ---- keys ---- */

int triad_share_keypair(uint8_t pk[32], uint8_t sk[64])
{
    int err = init_sodium();
    if (err)
        return err;
    crypto_sign_keypair(pk, sk);
    return 0;
}

static int save_hex(const char *path, const uint8_t *key, size_t n, bool secret)
{
    char hex[2 * 64 + 2];
    sodium_bin2hex(hex, sizeof hex - 1, key, n);
    const size_t len = strlen(hex);
    hex[len] = '\n';
    /* A secret is never written over an existing file (nor through a symlink), and is 0600
     * from its creation on. */
    const int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (secret ? O_EXCL | O_NOFOLLOW : O_TRUNC);
    const int fd = open(path, flags, secret ? 0600 : 0644);
    if (fd < 0) {
        sodium_memzero(hex, sizeof hex);
        return triad__fail(TRIAD_EIO, "%s: cannot create key file: %s", path, strerror(errno));
    }
    const ssize_t w = write(fd, hex, len + 1);
    const int werr = errno;
    sodium_memzero(hex, sizeof hex);
    if (w != (ssize_t)(len + 1) || (secret && fsync(fd) != 0)) {
        close(fd);
        return triad__fail(TRIAD_EIO, "%s: cannot write key file: %s", path, strerror(werr));
    }
    if (close(fd) != 0)
        return triad__fail(TRIAD_EIO, "%s: cannot close key file: %s", path, strerror(errno));
    return 0;
}

static int load_hex(const char *path, uint8_t *key, size_t n, bool secret)
{
    /* O_NONBLOCK: a FIFO in place of a key must not block the open (refused below) */
    const int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | (secret ? O_NOFOLLOW : 0));
    if (fd < 0)
        return triad__fail(TRIAD_EIO, "%s: cannot open key file: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return triad__fail(TRIAD_EIO, "%s: not a regular file", path);
    }
    if (secret && (st.st_mode & 077)) {
        close(fd);
        return triad__fail(TRIAD_EINVAL,
                           "%s: secret key file has mode %04o, must not be "
                           "readable by group or others (chmod 600)",
                           path, (unsigned)(st.st_mode & 07777));
    }
    char text[2 * 64 + 4];
    const ssize_t r = read(fd, text, sizeof text - 1);
    close(fd);
    int err = 0;
    if (r < 0) {
        err = triad__fail(TRIAD_EIO, "%s: read error: %s", path, strerror(errno));
    } else {
        size_t len = (size_t)r;
        while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
            len--;
        size_t got = 0;
        if (len != 2 * n || sodium_hex2bin(key, n, text, len, NULL, &got, NULL) != 0 || got != n)
            err = triad__fail(TRIAD_EFORMAT, "%s: expected %zu hex digits of a %s key", path, 2 * n,
                              secret ? "secret" : "public");
    }
    sodium_memzero(text, sizeof text);
    return err;
}

int triad_share_key_save_public(const char *path, const uint8_t pk[32])
{
    return save_hex(path, pk, 32, false);
}

int triad_share_key_save_secret(const char *path, const uint8_t sk[64])
{
    return save_hex(path, sk, 64, true);
}

int triad_share_key_load_public(const char *path, uint8_t pk[32])
{
    return load_hex(path, pk, 32, false);
}

int triad_share_key_load_secret(const char *path, uint8_t sk[64])
{
    int err = load_hex(path, sk, 64, true);
    if (err)
        return err;
    /* the public half must be the one the seed makes */
    uint8_t pk[32], sk2[64];
    crypto_sign_seed_keypair(pk, sk2, sk);
    const bool same = sodium_memcmp(sk2, sk, 64) == 0;
    sodium_memzero(sk2, sizeof sk2);
    if (!same) {
        sodium_memzero(sk, 64);
        return triad__fail(TRIAD_EFORMAT, "%s: secret key's public half does not match its seed",
                           path);
    }
    return 0;
}

/* ---- trust store ---- */

typedef struct {
    char id[TRIAD_SHARE_ID_MAX];
    uint8_t pk[32];
} trust_entry;

struct triad_share_trust {
    trust_entry *v;
    size_t n, cap;
};

int triad_share_trust_create(triad_share_trust **t)
{
    int err = init_sodium();
    if (err)
        return err;
    *t = calloc(1, sizeof **t);
    return *t ? 0 : triad__fail(TRIAD_ENOMEM, "share trust store: out of memory");
}

int triad_share_trust_add(triad_share_trust *t, const char *id, const uint8_t pk[32])
{
    if (!triad_share_id_ok(id))
        return triad__fail(TRIAD_EINVAL,
                           "share trust store: node id '%.70s' invalid (1..%d of "
                           "A-Z a-z 0-9 . _ -)",
                           id ? id : "(null)", TRIAD_SHARE_ID_MAX - 1);
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->v[i].id, id) == 0) {
            memcpy(t->v[i].pk, pk, 32);
            return 0;
        }
    if (t->n == t->cap) {
        const size_t cap = t->cap ? 2 * t->cap : 8;
        trust_entry *v = realloc(t->v, cap * sizeof *v);
        if (!v)
            return triad__fail(TRIAD_ENOMEM, "share trust store: out of memory");
        t->v = v;
        t->cap = cap;
    }
    memset(&t->v[t->n], 0, sizeof t->v[t->n]);
    strcpy(t->v[t->n].id, id);
    memcpy(t->v[t->n].pk, pk, 32);
    t->n++;
    return 0;
}

int triad_share_trust_load(triad_share_trust *t, const char *path)
{
    cJSON *root = NULL;
    int err = triad__json_load(path, 1 << 20, &root);
    if (err)
        return err;
    const cJSON *nodes = cJSON_GetObjectItemCaseSensitive(root, "nodes");
    if (!cJSON_IsObject(nodes))
        err =
            triad__fail(TRIAD_EFORMAT, "%s: field 'nodes': expected an object of id -> key", path);
    for (const cJSON *c = nodes ? nodes->child : NULL; !err && c; c = c->next) {
        uint8_t pk[32];
        size_t got = 0;
        if (!cJSON_IsString(c) || strlen(c->valuestring) != 64 ||
            sodium_hex2bin(pk, 32, c->valuestring, 64, NULL, &got, NULL) != 0 || got != 32) {
            err = triad__fail(TRIAD_EFORMAT, "%s: field 'nodes.%.64s': expected 64 hex digits",
                              path, c->string);
            break;
        }
        err = triad_share_trust_add(t, c->string, pk);
    }
    cJSON_Delete(root);
    return err;
}

static int add_to_file_locked(const char *path, const char *id, const uint8_t pk[32]);

int triad_share_trust_add_to_file(const char *path, const char *id, const uint8_t pk[32])
{
    if (!triad_share_id_ok(id))
        return triad__fail(TRIAD_EINVAL, "trust: node id '%.70s' invalid", id ? id : "(null)");
    /* read, change, replace: under a lock on the folder, so two writers cannot lose an entry */
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    const char *d = slash == dir ? "/" : slash ? (*slash = '\0', dir) : ".";
    const int dfd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0 || flock(dfd, LOCK_EX) != 0) {
        const int e = errno;
        if (dfd >= 0)
            close(dfd);
        return triad__fail(TRIAD_EIO, "%s: cannot lock its folder: %s", path, strerror(e));
    }
    const int err = add_to_file_locked(path, id, pk);
    close(dfd);
    return err;
}

static int add_to_file_locked(const char *path, const char *id, const uint8_t pk[32])
{
    cJSON *root = NULL;
    int err = 0;
    if (access(path, F_OK) == 0) {
        err = triad__json_load(path, 1 << 20, &root);
        if (!err && !cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(root, "nodes")))
            err = triad__fail(TRIAD_EFORMAT, "%s: field 'nodes': expected an object", path);
    } else {
        root = cJSON_CreateObject();
        if (!root || !cJSON_AddObjectToObject(root, "nodes"))
            err = triad__fail(TRIAD_ENOMEM, "trust: out of memory");
    }
    char hex[65];
    sodium_bin2hex(hex, sizeof hex, pk, 32);
    cJSON *nodes = err ? NULL : cJSON_GetObjectItemCaseSensitive(root, "nodes");
    if (nodes) {
        cJSON_DeleteItemFromObjectCaseSensitive(nodes, id);
        if (!cJSON_AddStringToObject(nodes, id, hex))
            err = triad__fail(TRIAD_ENOMEM, "trust: out of memory");
    }
    char *text = err ? NULL : cJSON_Print(root);
    cJSON_Delete(root);
    if (!err && !text)
        err = triad__fail(TRIAD_ENOMEM, "trust: out of memory");
    if (err)
        return err;
    /* a temporary file of our own beside it (two writers never share one), synced, renamed */
    char tmp[4096];
    const int n = snprintf(tmp, sizeof tmp, "%s.XXXXXX", path);
    const int fd = n > 0 && (size_t)n < sizeof tmp ? mkstemp(tmp) : -1;
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    bool ok = f && fprintf(f, "%s\n", text) >= 0 && fflush(f) == 0 && fsync(fd) == 0;
    int werr = errno;
    if (f && fclose(f) != 0 && ok) {
        ok = false;
        werr = errno;
    } else if (!f && fd >= 0) {
        close(fd);
    }
    if (!ok || rename(tmp, path) != 0) {
        err = triad__fail(TRIAD_EIO, "%s: cannot write: %s", path,
                          fd < 0 ? "cannot create a temporary file beside it" : strerror(werr));
        if (fd >= 0)
            unlink(tmp);
    } else {
        chmod(path, 0644);
    }
    cJSON_free(text);
    return err;
}

const uint8_t *triad_share_trust_find(const triad_share_trust *t, const char *id)
{
    for (size_t i = 0; t && id && i < t->n; i++)
        if (strcmp(t->v[i].id, id) == 0)
            return t->v[i].pk;
    return NULL;
}

void triad_share_trust_destroy(triad_share_trust *t)
{
    if (!t)
        return;
    free(t->v);
    free(t);
}

/* ---- signing ---- */

enum {
    ORIGIN_BYTES_MAX = 20 + 1 + 63 + 8 + 8 + 1 + 32,
    HUB_BYTES_MAX = 17 + 1 + 63 + 8 + ORIGIN_BYTES_MAX + 64 + 32
};

static size_t origin_bytes(const triad_share_envelope *e, uint8_t *buf)
{
    triad__wr w = {buf, ORIGIN_BYTES_MAX, 0, false};
    triad__wr_bytes(&w, origin_tag, sizeof origin_tag - 1);
    triad__wr_str8(&w, e->origin);
    triad__wr_be(&w, e->seq, 8);
    triad__wr_be(&w, (uint64_t)e->time_ns, 8);
    triad__wr_be(&w, (uint64_t)e->msg.type, 1);
    triad__wr_bytes(&w, e->origin_digest, 32);
    return w.overflow ? 0 : w.len;
}

static size_t hub_bytes(const triad_share_envelope *e, const uint8_t released[32], uint8_t *buf)
{
    uint8_t ob[ORIGIN_BYTES_MAX];
    const size_t on = origin_bytes(e, ob);
    triad__wr w = {buf, HUB_BYTES_MAX, 0, false};
    triad__wr_bytes(&w, hub_tag, sizeof hub_tag - 1);
    triad__wr_str8(&w, e->hub);
    triad__wr_be(&w, (uint64_t)e->hub_time_ns, 8);
    triad__wr_bytes(&w, ob, on);
    triad__wr_bytes(&w, e->origin_sig, 64);
    triad__wr_bytes(&w, released, 32);
    return w.overflow || on == 0 ? 0 : w.len;
}

/* A reduced release: no origin digest or signature (they are computed over what was withheld),
 * the hub vouches for origin, seq, time and the released payload. */
static size_t reduced_bytes(const triad_share_envelope *e, const uint8_t released[32], uint8_t *buf)
{
    triad__wr w = {buf, HUB_BYTES_MAX, 0, false};
    triad__wr_bytes(&w, reduced_tag, sizeof reduced_tag - 1);
    triad__wr_str8(&w, e->hub);
    triad__wr_be(&w, (uint64_t)e->hub_time_ns, 8);
    triad__wr_str8(&w, e->origin);
    triad__wr_be(&w, e->seq, 8);
    triad__wr_be(&w, (uint64_t)e->time_ns, 8);
    triad__wr_be(&w, (uint64_t)e->msg.type, 1);
    triad__wr_bytes(&w, released, 32);
    return w.overflow || !triad_share_id_ok(e->origin) ? 0 : w.len;
}

int triad_share_sign(triad_share_envelope *e, const uint8_t sk[64])
{
    int err = init_sodium();
    if (err)
        return err;
    if (!triad_share_id_ok(e->origin))
        return triad__fail(TRIAD_EINVAL, "share sign: origin id '%.70s' invalid", e->origin);
    err = triad_share_msg_digest(&e->msg, e->origin_digest);
    if (err)
        return err;
    uint8_t ob[ORIGIN_BYTES_MAX];
    const size_t on = origin_bytes(e, ob);
    crypto_sign_detached(e->origin_sig, NULL, ob, on, sk);
    e->has_origin_sig = true;
    e->has_hub_sig = false;
    e->hub[0] = '\0';
    e->hub_time_ns = 0;
    memset(e->hub_sig, 0, sizeof e->hub_sig);
    return 0;
}

int triad_share_countersign(triad_share_envelope *e, const char *hub_id, int64_t hub_time_ns,
                            const uint8_t sk[64])
{
    int err = init_sodium();
    if (err)
        return err;
    if (!e->has_origin_sig)
        return triad__fail(TRIAD_EINVAL,
                           "share countersign: origin %.64s seq %" PRIu64 ": no origin signature",
                           e->origin, e->seq);
    if (!triad_share_id_ok(hub_id))
        return triad__fail(TRIAD_EINVAL, "share countersign: hub id '%.70s' invalid",
                           hub_id ? hub_id : "(null)");
    uint8_t released[32];
    err = triad_share_msg_digest(&e->msg, released);
    if (err)
        return err;
    snprintf(e->hub, sizeof e->hub, "%s", hub_id);
    e->hub_time_ns = hub_time_ns;
    uint8_t hb[HUB_BYTES_MAX];
    size_t hn;
    if (sodium_memcmp(released, e->origin_digest, 32) != 0) {
        /* reduced: nothing computed over the withheld or rounded values goes out */
        sodium_memzero(e->origin_digest, 32);
        sodium_memzero(e->origin_sig, 64);
        e->has_origin_sig = false;
        hn = reduced_bytes(e, released, hb);
    } else {
        hn = hub_bytes(e, released, hb);
    }
    if (hn == 0)
        return triad__fail(TRIAD_EINVAL, "share countersign: origin %.64s: invalid id", e->origin);
    crypto_sign_detached(e->hub_sig, NULL, hb, hn, sk);
    e->has_hub_sig = true;
    return 0;
}

static const char status_tag[] = "TRIAD-SHARE-STATUS-1";
enum { STATUS_BYTES_MAX = 20 + 4 + 63 + 63 + 15 + 191 + 8 };

static size_t status_bytes(const triad_share_status *s, uint8_t *buf)
{
    triad__wr w = {buf, STATUS_BYTES_MAX, 0, false};
    if (!triad_share_id_ok(s->hub) || !triad_share_id_ok(s->subject) ||
        strnlen(s->state, sizeof s->state) >= sizeof s->state ||
        strnlen(s->detail, sizeof s->detail) >= sizeof s->detail)
        return 0;
    triad__wr_bytes(&w, status_tag, sizeof status_tag - 1);
    triad__wr_str8(&w, s->hub);
    triad__wr_str8(&w, s->subject);
    triad__wr_str8(&w, s->state);
    triad__wr_str8(&w, s->detail);
    triad__wr_be(&w, (uint64_t)s->time_ns, 8);
    return w.overflow ? 0 : w.len;
}

int triad_share_status_sign(triad_share_status *s, const uint8_t sk[64])
{
    uint8_t b[STATUS_BYTES_MAX];
    const size_t n = status_bytes(s, b);
    if (n == 0)
        return triad__fail(TRIAD_EINVAL, "share status: bad hub '%.64s' or subject '%.64s'",
                           s->hub, s->subject);
    crypto_sign_detached(s->sig, NULL, b, n, sk);
    return 0;
}

int triad_share_status_verify(const triad_share_trust *t, const triad_share_status *s)
{
    uint8_t b[STATUS_BYTES_MAX];
    const size_t n = status_bytes(s, b);
    const uint8_t *pk = n ? triad_share_trust_find(t, s->hub) : NULL;
    if (!pk || crypto_sign_verify_detached(s->sig, b, n, pk) != 0)
        return triad__fail(TRIAD_SHARE_EBAD_HUB_SIG,
                           "share: status of '%.63s' from hub '%.63s': signature does not verify",
                           s->subject, s->hub);
    return 0;
}

/* ---- verification ---- */

typedef struct {
    char id[TRIAD_SHARE_ID_MAX];
    uint64_t highest; /* highest sequence accepted */
    uint64_t seen;    /* bit k: highest - k accepted (bit 0 is highest itself) */
} origin_state;

struct triad_share_verifier {
    triad_share_verifier_cfg cfg;
    const triad_share_trust *trust;
    origin_state *v;
    size_t n, cap;
};

triad_share_verifier_cfg triad_share_verifier_cfg_default(void)
{
    return (triad_share_verifier_cfg){
        .max_age_ns = 60 * INT64_C(1000000000),
        .max_skew_ns = 5 * INT64_C(1000000000),
        .replay_by_origin = true,
        .replay_window = 64,
        .require_hub = false,
    };
}

int triad_share_verifier_create(triad_share_verifier **v, const triad_share_verifier_cfg *cfg,
                                const triad_share_trust *trust)
{
    *v = NULL;
    int err = init_sodium();
    if (err)
        return err;
    if (!trust)
        return triad__fail(TRIAD_EINVAL, "share verifier: no trust store");
    if (cfg->max_age_ns <= 0 || cfg->max_skew_ns < 0)
        return triad__fail(TRIAD_EINVAL,
                           "share verifier: max_age_ns %" PRId64 " must be > 0 and "
                           "max_skew_ns %" PRId64 " >= 0",
                           cfg->max_age_ns, cfg->max_skew_ns);
    if (cfg->replay_window > 64)
        return triad__fail(TRIAD_EINVAL, "share verifier: replay_window %u: at most 64",
                           (unsigned)cfg->replay_window);
    *v = calloc(1, sizeof **v);
    if (!*v)
        return triad__fail(TRIAD_ENOMEM, "share verifier: out of memory");
    (*v)->cfg = *cfg;
    (*v)->trust = trust;
    return 0;
}

void triad_share_verifier_destroy(triad_share_verifier *v)
{
    if (!v)
        return;
    free(v->v);
    free(v);
}

static origin_state *find_state(triad_share_verifier *v, const char *id)
{
    for (size_t i = 0; i < v->n; i++)
        if (strcmp(v->v[i].id, id) == 0)
            return &v->v[i];
    return NULL;
}

/* Record "share: origin O seq N rejected (reason): detail" and return code. */
static int reject(int code, const triad_share_envelope *e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int reject(int code, const triad_share_envelope *e, const char *fmt, ...)
{
    char detail[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    /* the origin may be unterminated in a message that failed to verify */
    return triad__fail(code, "share: origin %.63s seq %" PRIu64 " rejected (%s): %s", e->origin,
                       e->seq, triad_share_strerror(code), detail);
}

#define REJECT(code, e, ...) reject(code, e, __VA_ARGS__)

/* STALE when t (ns) is more than max_skew ahead of now, or (check_age) more than max_age
 * behind it. Differences in uint64_t: exact for any two int64_t in order, never overflowing. */
static int check_time(const triad_share_verifier *v, const triad_share_envelope *e, int64_t t,
                      int64_t now_ns, const char *what, bool check_age)
{
    if (check_age && t < now_ns && (uint64_t)now_ns - (uint64_t)t > (uint64_t)v->cfg.max_age_ns)
        return REJECT(TRIAD_SHARE_ESTALE, e, "%s %" PRId64 " ns is %" PRIu64 " ns old, limit %" PRId64,
                      what, t, (uint64_t)now_ns - (uint64_t)t, v->cfg.max_age_ns);
    if (t > now_ns && (uint64_t)t - (uint64_t)now_ns > (uint64_t)v->cfg.max_skew_ns)
        return REJECT(TRIAD_SHARE_ESTALE, e,
                      "%s %" PRId64 " ns is %" PRIu64 " ns in the future, skew limit %" PRId64,
                      what, t, (uint64_t)t - (uint64_t)now_ns, v->cfg.max_skew_ns);
    return 0;
}

int triad_share_precheck(const triad_share_verifier *v, const triad_share_envelope *e,
                         int64_t now_ns)
{
    const bool reduced = !e->has_origin_sig && e->has_hub_sig;
    if (!e->has_origin_sig && !reduced)
        return REJECT(TRIAD_SHARE_EUNSIGNED, e, "no origin signature");
    if (v->cfg.require_hub && !e->has_hub_sig)
        return REJECT(TRIAD_SHARE_EUNSIGNED, e, "no hub countersignature");
    if (!triad_share_id_ok(e->origin) || !triad_share_trust_find(v->trust, e->origin))
        return REJECT(TRIAD_SHARE_EUNKNOWN_ORIGIN, e, "origin not in the trust store");
    if (e->has_hub_sig && (!triad_share_id_ok(e->hub) || !triad_share_trust_find(v->trust, e->hub)))
        return REJECT(TRIAD_SHARE_EBAD_HUB_SIG, e, "hub '%.64s' not in the trust store", e->hub);
    /* Fresh: the origin's time not from the future; the release (hub) or origin time not too
     * old and not from the future either. */
    int err = check_time(v, e, e->time_ns, now_ns, "origin time", !e->has_hub_sig);
    if (!err && e->has_hub_sig)
        err = check_time(v, e, e->hub_time_ns, now_ns, "hub release time", true);
    return err;
}

int triad_share_verify(triad_share_verifier *v, const triad_share_envelope *e, int64_t now_ns)
{
    int err = triad_share_precheck(v, e, now_ns);
    if (err)
        return err;
    uint8_t digest[32];
    if (triad_share_msg_digest(&e->msg, digest) != 0)
        return REJECT(TRIAD_SHARE_EBAD_ORIGIN_SIG, e, "payload cannot be encoded");
    const uint8_t *hpk = e->has_hub_sig ? triad_share_trust_find(v->trust, e->hub) : NULL;
    uint8_t hb[HUB_BYTES_MAX];
    if (!e->has_origin_sig) { /* a reduced release: the hub's signature is the proof */
        const size_t hn = reduced_bytes(e, digest, hb);
        if (hn == 0 || crypto_sign_verify_detached(e->hub_sig, hb, hn, hpk) != 0)
            return REJECT(TRIAD_SHARE_EBAD_HUB_SIG, e,
                          "hub %.64s countersignature of a reduced release does not verify",
                          e->hub);
    } else {
        const uint8_t *opk = triad_share_trust_find(v->trust, e->origin);
        uint8_t ob[ORIGIN_BYTES_MAX];
        const size_t on = origin_bytes(e, ob);
        if (on == 0 || crypto_sign_verify_detached(e->origin_sig, ob, on, opk) != 0)
            return REJECT(TRIAD_SHARE_EBAD_ORIGIN_SIG, e, "signature does not verify");
        const bool original = sodium_memcmp(digest, e->origin_digest, 32) == 0;
        if (e->has_hub_sig) {
            const size_t hn = hub_bytes(e, digest, hb);
            if (hn == 0 || crypto_sign_verify_detached(e->hub_sig, hb, hn, hpk) != 0)
                return REJECT(TRIAD_SHARE_EBAD_HUB_SIG, e,
                              "hub %.64s countersignature does not verify", e->hub);
        } else if (!original) {
            return REJECT(TRIAD_SHARE_EBAD_ORIGIN_SIG, e,
                          "payload differs from the one signed and "
                          "no hub countersigned it");
        }
    }
    if (!v->cfg.replay_by_origin)
        return 0;

    /* Replay: after every signature check, so forged messages cannot move the window. */
    origin_state *s = find_state(v, e->origin);
    if (s) {
        if (e->seq <= s->highest) {
            const uint64_t back = s->highest - e->seq;
            if (back >= v->cfg.replay_window || (s->seen >> back) & 1u)
                return REJECT(TRIAD_SHARE_EREPLAYED, e, "last accepted %" PRIu64 ", window %u",
                              s->highest, (unsigned)v->cfg.replay_window);
            s->seen |= UINT64_C(1) << back;
        } else {
            const uint64_t ahead = e->seq - s->highest;
            s->seen = ahead >= 64 ? 1u : (s->seen << ahead) | 1u;
            s->highest = e->seq;
        }
        return 0;
    }
    if (v->n == v->cap) {
        const size_t cap = v->cap ? 2 * v->cap : 8;
        origin_state *nv = realloc(v->v, cap * sizeof *nv);
        if (!nv)
            return triad__fail(TRIAD_ENOMEM, "share verifier: out of memory");
        v->v = nv;
        v->cap = cap;
    }
    s = &v->v[v->n++];
    memset(s, 0, sizeof *s);
    snprintf(s->id, sizeof s->id, "%s", e->origin);
    s->highest = e->seq;
    s->seen = 1u;
    return 0;
}
