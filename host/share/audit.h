/* The hub's audit log: append-only, one JSON object per line per event, hash-chained.
 *
 * Every line is
 *   {"n":N,"prev":"H(line N-1)","t_ns":T,"event":E, ...event fields...,"hash":"H(body)"}\n
 * with H = BLAKE2b-256 in lowercase hex, "prev" the hash of all bytes of the previous line
 * (newline included; 64 zeros on line 1), "hash" the hash of this line's bytes before
 * ',"hash":"' and "n" the line number from 1. Events and their fields:
 *   received  origin seq time_ns type digest          (a message that verified)
 *   released  origin seq time_ns type digest partner  (digest: of the payload released)
 *   withheld  origin seq partner fields:[{field rule}]  (one line per message and partner)
 *   rejected  origin seq time_ns reason why            (reason: triad_share_reason_name())
 *   link      partner state detail                     (a link's alarms: lost, alive,
 *                                                       deadline_missed, matched, unmatched,
 *                                                       auth_failed; up/silent/down)
 *   rejections partner reason count shown first_ns last_ns
 *             (one line per link and reason per summary interval: the first `shown` of that
 *              interval also have a "rejected" line of their own, the rest only count here)
 *   fault     what detail                              (the state file could not be written,
 *                                                       the hub held or relayed: detail says)
 *   checkpoint hub lines reason every_lines every_ms sig
 *       the hub's Ed25519 signature over "TRIAD-AUDIT-CHECKPOINT-2" | u8 len, hub | u64 n |
 *       "prev" (64 hex digits) | i64 t_ns | u32 every_lines | u32 every_ms | u8 len, reason.
 *       It vouches for every line before it, so the chain cannot be rewritten by someone
 *       without the hub's key. The hub writes one when it starts ("start"), after every
 *       every_lines lines ("lines"), when every_ms have passed with lines unsigned ("time"),
 *       after each rejection summary ("summary") and when it stops ("stop"): lines after the
 *       last checkpoint are never more than every_lines or every_ms old, so a tail cut
 *       shows as a log that ends later than the last "stop" or more than that after the last
 *       checkpoint (triad_share_audit_report: coverage, the last checkpoint's time).
 * seq and time_ns are JSON integers written exactly. Changing, deleting, inserting or
 * reordering any line, or cutting the last one short, breaks the chain at a line that
 * triad_share_audit_verify() names.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TRIAD_SHARE_AUDIT_H
#define TRIAD_SHARE_AUDIT_H

#include <stdbool.h>
#include <stddef.h>

#include "share/envelope.h"
#include "share/policy.h"

typedef struct triad_share_audit triad_share_audit;

/* Open (create 0600, or continue) the log at path. An existing log is verified first and
 * refused when broken; the file is locked (flock) against a second writer. sync: fsync after
 * every line (else triad_share_audit_sync() when the caller commits a group). Returns 0,
 * TRIAD_EIO, TRIAD_EFORMAT (broken chain: message names the line), TRIAD_ENOMEM. One writer
 * thread per log. */
int triad_share_audit_open(triad_share_audit **a, const char *path, bool sync);
/* Sign checkpoints with the hub's key sk (copied; wiped on close): from now on the log writes
 * one itself after every every_lines lines (1..100000) and, through triad_share_audit_tick(),
 * every every_s seconds (0.01..3600) while lines are unsigned. Write the first one ("start")
 * with triad_share_audit_checkpoint(). Returns 0 or TRIAD_EINVAL. */
int triad_share_audit_sign_with(triad_share_audit *a, const char *hub, const uint8_t sk[64],
                                unsigned every_lines, double every_s);
/* Append one event (one write() of the whole line). Return 0, TRIAD_EIO (message: path,
 * reason; the failed line is cut off again, so a later append may succeed), TRIAD_ENOMEM. */
int triad_share_audit_received(triad_share_audit *a, const triad_share_envelope *e);
int triad_share_audit_released(triad_share_audit *a, const triad_share_envelope *e,
                               const char *partner);
/* One line for everything withheld from one message for one partner (nothing when n is 0). */
int triad_share_audit_withheld(triad_share_audit *a, const triad_share_envelope *e,
                               const char *partner, const triad_share_withheld *w, size_t n);
/* reason: the code triad_share_verify() (or policy/relay) returned; why: its message. */
int triad_share_audit_rejected(triad_share_audit *a, const triad_share_envelope *e, int reason,
                               const char *why);
/* count refusals for reason on partner's link between first_ns and last_ns (UTC ns), of which
 * the first `shown` were audited in full. */
int triad_share_audit_rejections(triad_share_audit *a, const char *partner, int reason,
                                 uint64_t count, uint64_t shown, int64_t first_ns,
                                 int64_t last_ns);
/* A link's state changed (liveliness, deadline, a partner matched or gone). */
int triad_share_audit_link(triad_share_audit *a, const char *partner, const char *state,
                           const char *detail);
/* Something the hub could not do (what: "state", ...), and what it did instead. */
int triad_share_audit_fault(triad_share_audit *a, const char *what, const char *detail);
/* A signed checkpoint now (reason: "start", "summary", "stop", ...: under 32 characters);
 * TRIAD_EINVAL without triad_share_audit_sign_with(). */
int triad_share_audit_checkpoint(triad_share_audit *a, const char *reason);
/* A "time" checkpoint when every_s has passed since the last one and lines were added. */
int triad_share_audit_tick(triad_share_audit *a, int64_t now_ns);
/* fsync the log (group commit). Returns 0 or TRIAD_EIO. */
int triad_share_audit_sync(triad_share_audit *a);
/* Lines in the log. */
size_t triad_share_audit_lines(const triad_share_audit *a);
/* The hash of the last line written (64 hex digits and a NUL). */
const char *triad_share_audit_head(const triad_share_audit *a);
void triad_share_audit_close(triad_share_audit *a);

typedef struct {
    size_t lines;    /* lines that verified */
    size_t bad_line; /* the first broken line (1-based), 0 when the chain holds */
    char why[200];   /* what is wrong with it */
    char head[65];   /* the hash of the last good line ("" for an empty log) */
    size_t checkpoints;    /* checkpoint lines seen */
    /* with a trust store: the last checkpoint whose signature holds (its line number; lines
     * after it are not vouched for), who signed it, when, why, and the hub's cadence */
    size_t signed_through;
    char signer[TRIAD_SHARE_ID_MAX];
    int64_t last_checkpoint_t_ns;
    char last_reason[32];
    unsigned every_lines;
    double every_s;
} triad_share_audit_report;

/* Check the whole chain of the log at path. Returns 0 when it holds, TRIAD_EFORMAT when it is
 * broken (rep says where and why; so does triad_errmsg()), TRIAD_EIO, TRIAD_ENOMEM. */
int triad_share_audit_verify(const char *path, triad_share_audit_report *rep);
/* The same, and every checkpoint's signature against trust (a bad or unknown one breaks the
 * chain at its line). */
int triad_share_audit_verify_signed(const char *path, const triad_share_trust *trust,
                                    triad_share_audit_report *rep);
/* The same on the log's bytes buf[0..len) (trust may be NULL); name is used in messages. */
int triad_share_audit_verify_buffer(const char *buf, size_t len, const char *name,
                                    const triad_share_trust *trust, triad_share_audit_report *rep);

#endif
