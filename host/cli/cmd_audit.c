/* triad audit verify FILE: check the hash chain of a hub's audit log (host/share/audit.h).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "share/audit.h"
#include "triad/error.h"

static const char usage[] =
    "usage: triad audit verify FILE [--trust TRUST.json]\n"
    "  Check the hash chain of an audit log: prints \"OK N lines, head HASH\" and exits 0, or\n"
    "  \"BROKEN line N: why\" and exits 1. With --trust (the trust store of triad keygen),\n"
    "  every checkpoint's signature by the hub is checked too, and the last one is named:\n"
    "  a chain rewritten from the start by someone without the hub's key breaks there. Lines\n"
    "  deleted after the last checkpoint show only as a head hash that differs from one kept\n"
    "  elsewhere.\n";

int cmd_audit(int argc, char **argv)
{
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        fputs(usage, stdout);
        return 0;
    }
    const bool with_trust = argc == 5 && strcmp(argv[3], "--trust") == 0;
    if ((argc != 3 && !with_trust) || strcmp(argv[1], "verify") != 0) {
        fputs(usage, stderr);
        return 2;
    }
    triad_share_trust *trust = NULL;
    if (with_trust && (triad_share_trust_create(&trust) || triad_share_trust_load(trust, argv[4]))) {
        triad_share_trust_destroy(trust);
        return cli_error("audit", 2, "%s", triad_errmsg());
    }
    triad_share_audit_report rep;
    const int err = triad_share_audit_verify_signed(argv[2], trust, &rep);
    triad_share_trust_destroy(trust);
    if (err == 0) {
        printf("OK %zu lines, head %s", rep.lines, rep.lines ? rep.head : "(empty)");
        if (with_trust && rep.signed_through)
            printf(", signed by %s through line %zu (%zu checkpoints)", rep.signer,
                   rep.signed_through, rep.checkpoints);
        else if (with_trust)
            printf(", no signed checkpoint");
        printf("\n");
        return 0;
    }
    if (rep.bad_line) {
        printf("BROKEN line %zu: %s\n", rep.bad_line, rep.why);
        return 1;
    }
    return cli_error("audit", 1, "%s", triad_errmsg());
}
