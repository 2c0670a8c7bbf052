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
 *                                                       deadline_missed, matched, unmatched)
 *   checkpoint hub lines sig                           (the hub's Ed25519 signature over
 *       "TRIAD-AUDIT-CHECKPOINT-1" | u8 len, hub | u64 n | "prev" (64 hex digits): it vouches
 *       for every line before it, so the chain cannot be rewritten from the start by someone
 *       without the hub's key, and lines cut after it are missing against "lines")
 * seq and time_ns are JSON integers written exactly. Changing, deleting, inserting or
 * reordering any line, or cutting the last one short, breaks the chain at a line that
 * triad_share_audit_verify() names. Deleting whole lines after the last checkpoint cannot be
 * seen from the file alone: compare the head hash (the hash of the last line) with one kept
 * elsewhere.
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
 * every line. Returns 0, TRIAD_EIO, TRIAD_EFORMAT (broken chain: message names the line),
 * TRIAD_ENOMEM. One writer thread per log. */
int triad_share_audit_open(triad_share_audit **a, const char *path, bool sync);
/* Append one event (one write() of the whole line). Return 0, TRIAD_EIO (message: path,
 * reason; after a failed write every later append fails too), TRIAD_ENOMEM. */
int triad_share_audit_received(triad_share_audit *a, const triad_share_envelope *e);
int triad_share_audit_released(triad_share_audit *a, const triad_share_envelope *e,
                               const char *partner);
/* One line for everything withheld from one message for one partner (nothing when n is 0). */
int triad_share_audit_withheld(triad_share_audit *a, const triad_share_envelope *e,
                               const char *partner, const triad_share_withheld *w, size_t n);
/* reason: the code triad_share_verify() (or policy/relay) returned; why: its message. */
int triad_share_audit_rejected(triad_share_audit *a, const triad_share_envelope *e, int reason,
                               const char *why);
/* A link's state changed (liveliness, deadline, a partner matched or gone). */
int triad_share_audit_link(triad_share_audit *a, const char *partner, const char *state,
                           const char *detail);
/* Append a checkpoint signed with the hub's key (the hub writes one when it opens the log,
 * every 1000 lines and when it stops). */
int triad_share_audit_checkpoint(triad_share_audit *a, const char *hub, const uint8_t sk[64]);
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
    size_t signed_through; /* with a trust store: the last checkpoint whose signature holds */
    char signer[TRIAD_SHARE_ID_MAX];
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
