/* The configuration files of `triad hub` and `triad node` (docs/FORMATS.md, "Sharing: hub and
 * node configuration"): one reader for both, every error naming the file and the field.
 * Internal to host/share/. SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TRIAD_SHARE_CONFIG_H
#define TRIAD_SHARE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "share/envelope.h"
#include "share/link.h"

enum { TRIAD__SHARE_PATH_MAX = 1024, TRIAD__SHARE_LINKS_MAX = 8 };

typedef struct {
    char partner[TRIAD_SHARE_ID_MAX]; /* the node id at the other end (hub: the partner) */
    uint32_t domain;
    char config[TRIAD__SHARE_PATH_MAX + 8]; /* Cyclone configuration: file:// URI or XML; "" */
    bool loopback;
} triad__share_link_cfg;

typedef struct {
    char id[TRIAD_SHARE_ID_MAX];
    char key[TRIAD__SHARE_PATH_MAX], trust[TRIAD__SHARE_PATH_MAX];
    char policy[TRIAD__SHARE_PATH_MAX], audit[TRIAD__SHARE_PATH_MAX]; /* hub only */
    char state[TRIAD__SHARE_PATH_MAX]; /* "" = in memory */
    char hub[TRIAD_SHARE_ID_MAX];      /* node only: the hub it trusts to countersign */
    bool sync;
    double max_age_s, max_skew_s, track_max_age_s, heartbeat_s, lease_s;
    /* hub only: admission and audit cadence */
    size_t queue;            /* verified envelopes waiting per link (default 256) */
    double link_rate_hz;     /* signature verifications per link per second (default 8000) */
    double summary_s;        /* refusal summaries in the audit this often (default 2) */
    unsigned checkpoint_lines; /* a signed checkpoint at least every N lines (default 100) */
    double checkpoint_s;     /* and every T seconds while lines are unsigned (default 5) */
    triad__share_link_cfg links[TRIAD__SHARE_LINKS_MAX]; /* node: exactly one */
    size_t num_links;
} triad__share_cfg;

/* Read path as a hub's (hub true) or a node's configuration. Returns 0 or TRIAD_EIO /
 * TRIAD_EFORMAT / TRIAD_EINVAL naming the file and field. */
int triad__share_cfg_load(const char *path, bool hub, triad__share_cfg *c);
/* The same from text[0..len); relative paths in it are taken from path's folder. */
int triad__share_cfg_parse(const char *path, const char *text, size_t len, bool hub,
                           triad__share_cfg *c);

/* Who we are and whom we trust: the secret key, the trust store (which must hold `must_trust`:
 * the hub itself, or a node's hub) and a verifier with the configuration's freshness limits
 * (replay is checked per instance by the store). where names the configuration in messages. */
int triad__share_identity(const triad__share_cfg *c, const char *where, const char *must_trust,
                          bool require_hub, uint8_t sk[64], triad_share_trust **trust,
                          triad_share_verifier **verifier);

/* Every version a store loaded from its file, signatures checked again (the file is only as
 * trustworthy as the disk, and the hub countersigns what it re-sends from it): the hub keeps
 * originals (countersigned: refused), a node what its hub released (countersigned: required).
 * Returns 0 or TRIAD_EFORMAT naming the file, origin and sequence. */
struct triad_share_store;
int triad__share_check_store(struct triad_share_store *s, const triad_share_trust *trust,
                             bool countersigned, const char *path);

/* A verifier with the configuration's freshness limits (replay is checked per instance by the
 * store); trust is borrowed. */
int triad__share_verifier(const triad__share_cfg *c, bool require_hub,
                          const triad_share_trust *trust, triad_share_verifier **verifier);

/* How long ended instances are remembered before pruning (share/store.h): the larger of
 * max_age_s and track_max_age_s (the hub re-sends tracks and cancels for the latter), in ns. */
int64_t triad__share_keep_ns(const triad__share_cfg *c);

/* The DDS settings of link i. */
triad_share_link_opts triad__share_link_opts(const triad__share_cfg *c, size_t i,
                                             triad_share_link_role role);

#endif
