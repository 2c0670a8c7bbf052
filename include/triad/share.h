/* Triad — signed sharing of warnings and tracks: the hub and the partner nodes on DDS (what
 * `triad hub` and `triad node` run). Library: libtriad_share (pkg-config triad-share, CMake
 * triad::share), built with TRIAD_WITH_SHARE. Errors: the negative triad_err of triad/error.h,
 * the message in triad_errmsg().
 *
 * The sharing hub: joins every bilateral link domain and its own national domain, and relays
 * each verified Warning and Track from one partner to every other under the release policy,
 * countersigned, audited, and kept in a durable store so that a partner reconnecting (or the
 * hub restarting) gets the latest version of every active instance once.
 *
 * Data path per envelope received on the link of partner P:
 *   malformed? origin != P? -> rejected (audited)
 *   origin signature or freshness wrong                   -> rejected (audited with why)
 *   replayed / duplicate version (the store)              -> rejected (audited)
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
 *
 * The node, a partner's gateway on its bilateral link: signs and publishes its nation's
 * warnings and tracks (JSON Lines of `triad fuse`, from a file, a pipe or the national DDS
 * domain) to the hub, and delivers what the hub relays from the other partners after checking both
 * signatures, freshness and the version (each version of each instance once, also across a
 * reconnect or a hub restart). The hub's link statuses (the other partners' links up, silent
 * or down; its own faults) are verified and printed on stderr.
 *
 * Configuration (JSON; relative paths are relative to its folder), docs/FORMATS.md "Sharing:
 * hub and node configuration":
 *   {"id": "A", "key": "keys/A.key", "trust": "keys/trust.json", "hub": "hub",
 *    "state": "A-received.jsonl", "max_age_s": 60, "heartbeat_s": 1, "lease_s": 3,
 *    "link": {"partner": "hub", "domain": 1, "config": "file:///…/link-AC/nodeA.xml"}}
 * Sequence numbers: microseconds of UTC at start, then one more per message, so they keep
 * increasing across restarts without a file (as long as the clock does and the node sends
 * fewer than a million messages a second).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TRIAD_SHARE_H
#define TRIAD_SHARE_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* --- the hub --- */
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

/* --- the node --- */
typedef struct triad_share_node triad_share_node;

typedef struct {
    uint64_t published, delivered, duplicates, rejected, alarms;
} triad_share_node_stats;

int triad_share_node_create(triad_share_node **n, const char *config_path);
void triad_share_node_destroy(triad_share_node *n); /* NULL-safe */

/* Sign and publish one JSON Lines object (a Warning or Track line of `triad fuse`; lines of
 * any other "type" are skipped: returns 1). where names the line in messages ("FILE:LINE").
 * Returns 0, 1 (skipped), or TRIAD_EFORMAT / TRIAD_EINVAL (the line) / TRIAD_EIO (DDS).
 * Called from one thread at a time (the input thread); safe against triad_share_node_run. */
int triad_share_node_publish_json(triad_share_node *n, const char *line, const char *where);

/* Wait until the hub reads what we publish (its reader matched ours; the receive loop,
 * triad_share_node_run, must be running), at most timeout_s. Returns 0, 1 when *stop was set,
 * TRIAD_EIO (message: no hub within timeout_s). */
int triad_share_node_wait_hub(triad_share_node *n, double timeout_s, volatile sig_atomic_t *stop);
/* Wait until the hub has acknowledged everything published, at most timeout_s. Returns 0 or
 * TRIAD_EIO (not acknowledged in time). */
int triad_share_node_flush(triad_share_node *n, double timeout_s);

/* Deliver until *stop, count deliveries (count > 0), timeout_s (> 0) of run time or idle_s
 * (> 0) without a delivery after the first: one JSON line per delivered message on out (in
 * groups: the state file synced first, then printed and flushed), alarms and rejections on
 * stderr. Returns 0, 1 when --count was not reached in time, or a negative triad_err. */
int triad_share_node_run(triad_share_node *n, volatile sig_atomic_t *stop, FILE *out, long count,
                         double timeout_s, double idle_s);
triad_share_node_stats triad_share_node_get_stats(const triad_share_node *n);

#ifdef __cplusplus
}
#endif

#endif
