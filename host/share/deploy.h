/* A working sharing deployment on one host (`triad share init DIR`): what an operator starts
 * from. In DIR:
 *   dep/          the DDS Security PKI of host/share/pki/make-deployment.sh --loopback (CA,
 *                 certificates, governance and permissions of links A-C and B-C), unless
 *                 insecure (then the links are plain loopback, without DDS Security)
 *   keys/         Ed25519 signing keys of A, B and hub, and keys/trust.json
 *   policy.json   what the hub releases to whom (docs/FORMATS.md, "Release policy")
 *   hub.json      the hub: links A (domain_ac) and B (domain_bc), audit hub-audit.jsonl,
 *                 state hub-state.jsonl
 *   nodeA.json, nodeB.json   the partners' nodes (state A-received.jsonl, B-received.jsonl)
 * Every path in the configurations is relative to DIR, so the folder can be moved (the DDS
 * configurations in dep/ hold absolute paths: run make-deployment.sh again after a move).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TRIAD_SHARE_DEPLOY_H
#define TRIAD_SHARE_DEPLOY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef struct {
    const char *dir;      /* created if absent; configuration files already there are refused */
    uint32_t domain_ac, domain_bc; /* 0..230, different */
    bool insecure;        /* no PKI: links on plain loopback */
    const char *pki_script; /* make-deployment.sh (NULL: insecure must be set) */
    FILE *log;            /* what was made, one line each (NULL: quiet) */
} triad_share_deploy_opts;

/* An Ed25519 key pair for node id in dir (created): dir/ID.key (secret, 0600, never
 * overwritten), dir/ID.pub, and id added to dir/trust.json (created if absent). log: one line
 * saying what was made (NULL: quiet). Returns 0, TRIAD_EINVAL, TRIAD_EIO. */
int triad_share_keygen(const char *dir, const char *id, FILE *log);

/* Write the deployment. Returns 0, TRIAD_EINVAL (bad option, a file that exists), TRIAD_EIO
 * (a file or the PKI script failed: the message says which). */
int triad_share_deploy(const triad_share_deploy_opts *o);

#endif
