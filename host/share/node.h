/* A partner's gateway on its bilateral link: signs and publishes its nation's warnings and
 * tracks (JSON Lines of `triad fuse`, from a file, a pipe or the national DDS domain) to the
 * hub, and delivers what the hub relays from the other partners after checking both
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
#ifndef TRIAD_SHARE_NODE_H
#define TRIAD_SHARE_NODE_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>

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

#endif
