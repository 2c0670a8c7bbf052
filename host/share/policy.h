/* Release policy: per partner and per message type, which fields go out, which are withheld
 * and at what precision; the hub's echo and relay-once rules.
 *
 * Policy file (JSON):
 *   {"partners": {"JP": {"warning": {"release": ["*"],          // patterns, see below
 *                                    "withhold": ["track_id"],
 *                                    "precision": {"launch.lat_deg": {"decimals": 2},
 *                                                  "launch.time_s": {"step": 0.001},
 *                                                  "impact.ellipse.*": {"step": 100}}},
 *                        "track": {...}}}}
 * A pattern is a field name, "prefix.*" (every field under prefix.) or "*". A field goes out
 * when a "release" pattern matches it and no "withhold" pattern does (deny by default); a
 * number matched by a "precision" pattern is rounded to "decimals" places or to the nearest
 * multiple of "step" (the first matching pattern, in file order, wins).
 * Top level, optional: "on_audit_failure": "hold" (default: when the audit log or the state
 * file cannot be written, the hub relays nothing until it can: fail closed) or "relay" (it
 * keeps relaying, unaudited, and says so to every node).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TRIAD_SHARE_POLICY_H
#define TRIAD_SHARE_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "share/envelope.h"
#include "share/message.h"

typedef struct triad_share_policy triad_share_policy;

/* Load and validate a policy file. Returns 0, or TRIAD_EIO / TRIAD_EFORMAT / TRIAD_EINVAL with a
 * message naming the file, the field (e.g. partners.JP.warning.precision.x.decimals), the value
 * and the reason; TRIAD_ENOMEM. */
int triad_share_policy_load(triad_share_policy **p, const char *path);
/* The same from text already in memory (name is used in messages). */
int triad_share_policy_parse(triad_share_policy **p, const char *text, const char *name);
void triad_share_policy_destroy(triad_share_policy *p);
/* Whether the policy says to keep relaying when the audit log cannot be written. */
bool triad_share_policy_relay_unaudited(const triad_share_policy *p);

/* One withheld field and the rule that withheld it, e.g.
 * "partners.JP.warning.withhold[\"track_id\"]" or "partners.JP.warning.release: not listed". */
typedef struct {
    char field[TRIAD_SHARE_NAME_MAX];
    char rule[160];
} triad_share_withheld;

/* Apply the policy for partner to a message from origin: *out gets the released fields (in
 * the order of in, rounded as the policy says), wh[0..*num_wh) the withheld ones (wh must hold
 * TRIAD_SHARE_MAX_FIELDS). Returns 0, TRIAD_SHARE_EECHO when partner is the origin,
 * TRIAD_SHARE_ENO_POLICY when the policy has no entry for (partner, type) (nothing goes out),
 * TRIAD_EINVAL for a bad partner id. in must be a message that encodes (every message that
 * passed triad_share_verify() does). Thread-safe (the policy is read only). */
int triad_share_policy_apply(const triad_share_policy *p, const char *origin, const char *partner,
                             const triad_share_msg *in, triad_share_msg *out,
                             triad_share_withheld *wh, size_t *num_wh);

/* Relay-once memory, keyed by (origin, sequence). */
typedef struct triad_share_relay triad_share_relay;
int triad_share_relay_create(triad_share_relay **r);
/* 0 the first time (origin, seq) is offered, and it is remembered; TRIAD_SHARE_ERELAYED (with a
 * message naming origin and sequence) every later time; TRIAD_ENOMEM. */
int triad_share_relay_once(triad_share_relay *r, const char *origin, uint64_t seq);
void triad_share_relay_destroy(triad_share_relay *r);

#endif
