/* End-to-end integrity of shared messages: Ed25519 keys (libsodium), a trust store, the signed
 * envelope and its verification with reasons.
 *
 * The origin node signs (Ed25519, detached) these bytes, all integers big-endian:
 *   "TRIAD-SHARE-ORIGIN-1" (20 bytes) | u8 len, origin id | u64 seq | i64 time_ns (UTC)
 *   | u8 type | 32-byte BLAKE2b-256 of the canonical payload (share/message.h)
 * so its signature binds who, which, when and what. The hub may release a reduced payload
 * (fields withheld, precision lowered: share/policy.h) and countersigns it (below).
 * A receiver checks the origin signature over the origin's digest always; the payload it holds
 * must hash to that digest unless a trusted hub countersigned the payload as released.
 * The hub's block is, in full:
 *   "TRIAD-SHARE-HUB-2" (17 bytes) | u8 len, hub id | i64 hub_time_ns (UTC, when released)
 *   | the origin-signed bytes | the origin signature | BLAKE2b-256 of the released payload
 * When the released payload differs from the one the origin signed (fields withheld or
 * rounded), the hub sends no origin digest and no origin signature (both are computed over
 * the withheld values: a partner could test guesses of them) and signs instead
 *   "TRIAD-SHARE-HUB-R1" (18 bytes) | u8 len, hub id | i64 hub_time_ns | u8 len, origin
 *   | u64 seq | i64 time_ns | u8 type | BLAKE2b-256 of the released payload
 * (a reduced release: the receiver trusts the hub for who and when; origin_sig all zero).
 * Freshness is judged on the hub's release time when there is one (a warning stays active for
 * minutes; the hub vouches that this version is the current one), else on the origin's time.
 *
 * Reasons a message is refused are negative codes of their own (from TRIAD_SHARE_REJECT_MAP,
 * outside triad_err's range); triad_share_strerror() names them and the triad_err codes.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TRIAD_SHARE_ENVELOPE_H
#define TRIAD_SHARE_ENVELOPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "share/message.h"

#define TRIAD_SHARE_REJECT_MAP(X)                                                                  \
    X(UNSIGNED, -100, "unsigned")                                                                  \
    X(UNKNOWN_ORIGIN, -101, "unknown origin")                                                      \
    X(BAD_ORIGIN_SIG, -102, "bad origin signature")                                                \
    X(BAD_HUB_SIG, -103, "bad hub signature")                                                      \
    X(REPLAYED, -104, "replayed")                                                                  \
    X(STALE, -105, "stale")                                                                        \
    X(ECHO, -106, "would echo to its origin")                                                      \
    X(RELAYED, -107, "already relayed")                                                            \
    X(NO_POLICY, -108, "no release policy")                                                        \
    X(DUPLICATE, -109, "duplicate of a message already accepted")                                  \
    X(WRONG_LINK, -110, "origin not entitled on this link")                                       \
    X(DDS_AUTH, -111, "refused by DDS Security")

typedef enum {
#define TRIAD__SHARE_ENUM(name, code, text) TRIAD_SHARE_E##name = code,
    TRIAD_SHARE_REJECT_MAP(TRIAD__SHARE_ENUM)
#undef TRIAD__SHARE_ENUM
} triad_share_err;

/* Short static text for a share code or a triad_err code. */
const char *triad_share_strerror(int err);
/* The short machine name of a share code ("bad_origin_signature", ...), for the audit log. */
const char *triad_share_reason_name(int err);

enum { TRIAD_SHARE_ID_MAX = 64 }; /* node ids: 1..63 of [A-Za-z0-9._-] */

/* ---- keys ---- */
/* Key files hold one line of lowercase hex: 32 bytes (public) or 64 bytes (libsodium's secret
 * key, seed then public key). Secret files are written 0600 and never over an existing file;
 * a secret file readable by group or others is refused on load. Return 0, TRIAD_EIO (message:
 * path, reason), TRIAD_EFORMAT (bad content), TRIAD_EINVAL (permissions). */
int triad_share_keypair(uint8_t pk[32], uint8_t sk[64]);
int triad_share_key_save_public(const char *path, const uint8_t pk[32]);
int triad_share_key_save_secret(const char *path, const uint8_t sk[64]);
int triad_share_key_load_public(const char *path, uint8_t pk[32]);
int triad_share_key_load_secret(const char *path, uint8_t sk[64]);

/* Whether an id is a valid node id. */
bool triad_share_id_ok(const char *id);

/* ---- trust store: node id -> public key ---- */
typedef struct triad_share_trust triad_share_trust;
int triad_share_trust_create(triad_share_trust **t);
/* Add or replace. TRIAD_EINVAL for a bad id, TRIAD_ENOMEM. */
int triad_share_trust_add(triad_share_trust *t, const char *id, const uint8_t pk[32]);
/* Load {"nodes": {"ID": "64 hex digits", ...}} and add every entry. */
int triad_share_trust_load(triad_share_trust *t, const char *path);
/* Add (or replace) id's key in the trust file at path, creating it when absent; written to a
 * temporary file and renamed. Returns 0, TRIAD_EIO, TRIAD_EFORMAT (the file is not a trust
 * store), TRIAD_EINVAL (bad id), TRIAD_ENOMEM. */
int triad_share_trust_add_to_file(const char *path, const char *id, const uint8_t pk[32]);
/* The key of id, or NULL. */
const uint8_t *triad_share_trust_find(const triad_share_trust *t, const char *id);
void triad_share_trust_destroy(triad_share_trust *t);

/* ---- envelope ---- */
typedef struct {
    char origin[TRIAD_SHARE_ID_MAX];
    uint64_t seq;    /* per origin, increasing */
    int64_t time_ns; /* UTC, ns since the Unix epoch */
    triad_share_msg msg;
    uint8_t origin_digest[32]; /* BLAKE2b-256 of the payload the origin signed */
    uint8_t origin_sig[64];
    bool has_origin_sig;
    char hub[TRIAD_SHARE_ID_MAX]; /* "" when not countersigned */
    int64_t hub_time_ns;          /* UTC ns of the release (0 when not countersigned) */
    uint8_t hub_sig[64];
    bool has_hub_sig;
} triad_share_envelope;

/* Origin: fill in the digest of e->msg and sign (origin, seq, time_ns and msg must be set).
 * Clears any hub countersignature. Returns 0 or TRIAD_EINVAL (message names the field). */
int triad_share_sign(triad_share_envelope *e, const uint8_t sk[64]);
/* Hub: countersign e as it stands (e->msg being the payload released) at hub_time_ns (UTC ns);
 * e must carry an origin signature. A payload that is not the one the origin signed makes a
 * reduced release (above: origin digest and signature cleared). Returns 0 or TRIAD_EINVAL. */
int triad_share_countersign(triad_share_envelope *e, const char *hub_id, int64_t hub_time_ns,
                            const uint8_t sk[64]);

/* ---- link status, hub -> nodes ---- */
/* The hub signs "TRIAD-SHARE-STATUS-1" | u8 len, hub | u8 len, subject | u8 len, state |
 * u8 len, detail | i64 time_ns. */
typedef struct {
    char hub[TRIAD_SHARE_ID_MAX];
    char subject[TRIAD_SHARE_ID_MAX]; /* a partner (its link's state) or the hub (its own) */
    char state[16];                   /* up, silent, down | fault, ok */
    char detail[192];
    int64_t time_ns;
    uint8_t sig[64];
} triad_share_status;

/* Sign s as it stands. Returns 0 or TRIAD_EINVAL (bad id or text). */
int triad_share_status_sign(triad_share_status *s, const uint8_t sk[64]);
/* 0 when s is signed by its hub's key in trust, else TRIAD_SHARE_EBAD_HUB_SIG (message). */
int triad_share_status_verify(const triad_share_trust *t, const triad_share_status *s);

/* ---- verification ---- */
typedef struct {
    int64_t max_age_ns;     /* older than now - max_age_ns: stale (the hub's release time when
                               countersigned, else the origin's) */
    int64_t max_skew_ns;    /* newer than now + max_skew_ns: stale (from the future) */
    bool replay_by_origin;  /* true: the per-origin window below; false: the caller checks
                               replay per message instance (share/store.h: hub and nodes) */
    uint32_t replay_window; /* 0: every seq must exceed the last accepted; N (<= 64): seqs
                               within N below the highest accepted may still come once */
    bool require_hub;       /* receivers behind a hub: the countersignature is mandatory */
} triad_share_verifier_cfg;

/* 60 s age, 5 s skew, per-origin window 64, hub not required. */
triad_share_verifier_cfg triad_share_verifier_cfg_default(void);

typedef struct triad_share_verifier triad_share_verifier;
/* trust is borrowed: it must outlive the verifier. */
int triad_share_verifier_create(triad_share_verifier **v, const triad_share_verifier_cfg *cfg,
                                const triad_share_trust *trust);
/* Check e at now_ns (UTC ns). Returns 0 and records (origin, seq) as accepted, or one of
 * TRIAD_SHARE_E{UNSIGNED, UNKNOWN_ORIGIN, BAD_ORIGIN_SIG, BAD_HUB_SIG, REPLAYED, STALE} with a
 * message naming origin, sequence and reason (triad_errmsg()); a refused message changes no
 * state. TRIAD_ENOMEM when the per-origin table cannot grow. Not thread-safe per verifier. */
int triad_share_verify(triad_share_verifier *v, const triad_share_envelope *e, int64_t now_ns);
/* The checks of triad_share_verify() that need no signature (unsigned, unknown origin or hub,
 * stale), for admission before the expensive work; the same codes. Thread-safe. */
int triad_share_precheck(const triad_share_verifier *v, const triad_share_envelope *e,
                         int64_t now_ns);
void triad_share_verifier_destroy(triad_share_verifier *v);

#endif
