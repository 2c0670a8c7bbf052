/* Durable instance state of the sharing stage: the latest accepted version of every message
 * instance, keyed by (origin, type, instance id: a warning's "event_id", a track's "track_id").
 *
 * It is the hub's and the nodes' replay and relay-once memory (a version at or below the one
 * held is refused, so nothing is relayed or delivered twice) and what a partner gets again on
 * reconnect (the latest version of every current instance, not a replay of everything). With a
 * file it survives a restart: every accepted version is appended (and fsync'ed when asked)
 * before triad_share_store_offer() returns, so what the hub acknowledged onward is never lost.
 *
 * File: JSON Lines, one accepted envelope per line, in the order accepted:
 *   {"origin":"A","seq":N,"time_ns":T,"type":"warning","payload":"HEX","digest":"HEX",
 *    "sig":"HEX"[,"hub":"C","hub_time_ns":T,"hub_sig":"HEX"]}
 * payload: the canonical bytes (share/message.h); digest/sig: the origin's; hub*: the hub's
 * countersignature when the envelope carried one. On open the file is read (a last line cut
 * short by a crash is dropped with a warning; any other bad line is an error naming it) and
 * rewritten with the latest version of each instance only (atomically: temporary + rename).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TRIAD_SHARE_STORE_H
#define TRIAD_SHARE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "share/envelope.h"

typedef struct triad_share_store triad_share_store;

/* Open the store at path (created 0600 if absent), or in memory only when path is NULL.
 * sync: fsync after every append. Returns 0, TRIAD_EIO, TRIAD_EFORMAT (message: path, line,
 * what), TRIAD_ENOMEM. The file is locked against a second process. */
int triad_share_store_open(triad_share_store **s, const char *path, bool sync);
void triad_share_store_close(triad_share_store *s); /* NULL-safe */

/* The instance id of a message: its "event_id" (warning) or "track_id" (track), a whole
 * number in 0..2^53. Returns 0 or TRIAD_EFORMAT (message names the field). */
int triad_share_instance_id(const triad_share_msg *m, uint64_t *id);

/* Offer a verified envelope. Returns 0 when it is newer than the version held (it is kept and
 * written out), TRIAD_SHARE_EDUPLICATE when it is the version held (same sequence and origin
 * signature: a re-delivery), TRIAD_SHARE_EREPLAYED when its sequence is not above the one held
 * (each with a message naming origin, instance and sequences), TRIAD_EFORMAT (no instance id),
 * TRIAD_EIO (the append failed: nothing is kept), TRIAD_ENOMEM. */
int triad_share_store_offer(triad_share_store *s, const triad_share_envelope *e);

/* Whether a version is still current, i.e. what a partner reconnecting must get: every
 * active warning (not cancelled), however old; and, for max_age_ns after their origin time,
 * tracks and the cancels of warnings (so a partner away for less than that learns of the end
 * of a warning it holds; one away longer has every warning in it stale anyway). */
bool triad_share_current(const triad_share_envelope *e, int64_t now_ns, int64_t max_age_ns);

/* The current versions held, in increasing (origin, sequence) order (so a receiver that
 * checks sequences per origin takes them all). *list points into the store: valid until the
 * next offer or close. Returns the count, or 0 with *list NULL when there are none or on
 * ENOMEM. */
size_t triad_share_store_current(triad_share_store *s, int64_t now_ns, int64_t max_age_ns,
                                 const triad_share_envelope *const **list);

/* Forget the instances that are no longer current at now_ns (triad_share_current with
 * max_age_ns) and whose origin time is over 2 max_age_ns old: a replay of one of them is
 * stale by then, so the memory of its version is no longer needed. The file is rewritten
 * without them. Returns how many were dropped (with a warning on stderr if the rewrite
 * failed: the file only stays longer). */
size_t triad_share_store_prune(triad_share_store *s, int64_t now_ns, int64_t max_age_ns);

/* fsync the file (group commit when opened without sync). Returns 0 or TRIAD_EIO. */
int triad_share_store_sync(triad_share_store *s);

/* Instances held (active or not). */
size_t triad_share_store_size(const triad_share_store *s);

/* One store line (NUL-terminated, without its newline) back into an envelope, as the store
 * reads its file; *why says what is wrong (NULL when it is fine). For tests and fuzzing. */
void triad__share_store_line_parse(const char *line, triad_share_envelope *e, const char **why);

#endif
