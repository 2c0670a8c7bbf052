/* The sharing hub: joins every bilateral link domain and its own national domain, and relays
 * each verified Warning and Track from one partner to every other under the release policy,
 * countersigned, audited, and kept in a durable store so that a partner reconnecting (or the
 * hub restarting) gets the latest version of every active instance once.
 *
 * Data path per envelope received on the link of partner P:
 *   malformed? origin != P? -> rejected (audited)
 *   triad_share_verify (origin signature, freshness)       -> rejected (audited with why)
 *   triad_share_store_offer (replayed / duplicate version)  -> rejected (audited)
 *   audited "received"; for every other link Q: policy(origin, Q) -> withheld fields audited,
 *   released payload countersigned at the hub's time -> published on Q -> audited "released"
 * On a partner matched on link Q: every active instance not from Q, released to Q again.
 * Link alarms (liveliness, heartbeat deadline, matched/unmatched) go to stderr and the audit.
 *
 * Configuration (JSON; relative paths are relative to the file's folder), docs/FORMATS.md
 * "Sharing: hub and node configuration":
 *   {"id": "hub", "key": "keys/hub.key", "trust": "keys/trust.json",
 *    "policy": "policy.json", "audit": "hub-audit.jsonl", "state": "hub-state.jsonl",
 *    "sync": true, "max_age_s": 60, "max_skew_s": 5, "track_max_age_s": 60,
 *    "heartbeat_s": 1, "lease_s": 3,
 *    "links": [{"partner": "A", "domain": 1, "config": "file:///…/link-AC/hub.xml"},
 *              {"partner": "B", "domain": 2, "config": "…"}],
 *    "national": {"partner": "C", "domain": 0, "loopback": true}}
 * SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TRIAD_SHARE_HUB_H
#define TRIAD_SHARE_HUB_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

typedef struct triad_share_hub triad_share_hub;

typedef struct {
    uint64_t received, released, withheld_fields, rejected, resent, alarms;
} triad_share_hub_stats;

/* Read the configuration, load keys, trust, policy, audit log and store, join every domain.
 * Returns 0 or a negative triad_err with a message naming the file and field or the domain. */
int triad_share_hub_create(triad_share_hub **h, const char *config_path);
/* Relay until *stop becomes non-zero; stats_s > 0: a stats line on stderr that often.
 * Returns 0, or a negative triad_err when the audit log or the store cannot be written (the
 * hub stops rather than relay what it cannot account for). */
int triad_share_hub_run(triad_share_hub *h, volatile sig_atomic_t *stop, double stats_s);
triad_share_hub_stats triad_share_hub_get_stats(const triad_share_hub *h);
void triad_share_hub_destroy(triad_share_hub *h); /* NULL-safe */

#endif
