/* triad audit verify FILE: check the hash chain of a hub's audit log (host/share/audit.h).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "share/audit.h"
#include "triad/error.h"

static const char usage[] =
    "usage: triad audit verify FILE [--trust TRUST.json]\n"
    "  Check the hash chain of an audit log: prints \"OK N lines, head HASH\" and exits 0, or\n"
    "  \"BROKEN line N: why\" and exits 1. With --trust (the trust store of triad keygen),\n"
    "  every checkpoint's signature by the hub is checked too and the coverage reported:\n"
    "  \"signed by HUB through line K of N (P%), last checkpoint TIME (REASON), T lines after\n"
    "  it unproven\". A chain rewritten by someone without the hub's key breaks at the next\n"
    "  checkpoint; the hub writes one at least every 100 lines and 5 s (its cadence is in each\n"
    "  checkpoint), so at most that much of a cut tail can go unseen: compare the last\n"
    "  checkpoint's time with when the hub stopped (REASON \"stop\" for a clean stop).\n"
    "  \"UNPROVEN ...\" (exit 1): with --trust, an empty log, one without a signed checkpoint,\n"
    "  or one with more lines after its last checkpoint than the hub's cadence allows.\n";

/* UTC of ns since the epoch, ISO 8601 to the millisecond. */
static void utc_text(int64_t ns, char *out, size_t n)
{
    const time_t s = (time_t)(ns / 1000000000);
    struct tm tm;
    char day[32] = "?";
    if (gmtime_r(&s, &tm))
        strftime(day, sizeof day, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, n, "%s.%03dZ", day, (int)(ns / 1000000 % 1000));
}

/* With a trust store: how much of the log the checkpoints prove. Returns the exit status. */
static int report_coverage(const triad_share_audit_report *rep)
{
    if (rep->lines == 0) {
        printf("UNPROVEN: empty log: nothing is signed\n");
        return 1;
    }
    if (!rep->signed_through) {
        printf("UNPROVEN %zu lines, head %s: no signed checkpoint (%zu checkpoint lines)\n",
               rep->lines, rep->head, rep->checkpoints);
        return 1;
    }
    const size_t tail = rep->lines - rep->signed_through;
    char when[48];
    utc_text(rep->last_checkpoint_t_ns, when, sizeof when);
    if (tail > rep->every_lines) {
        printf("UNPROVEN %zu lines, head %s: %zu lines after the last checkpoint (line %zu, "
               "%s), more than the hub's %u between checkpoints\n",
               rep->lines, rep->head, tail, rep->signed_through, when, rep->every_lines);
        return 1;
    }
    printf("OK %zu lines, head %s, signed by %s through line %zu of %zu (%.1f%%), last "
           "checkpoint %s (%s), %zu lines after it unproven (the hub checkpoints every %u "
           "lines and %g s)\n",
           rep->lines, rep->head, rep->signer, rep->signed_through, rep->lines,
           100.0 * (double)rep->signed_through / (double)rep->lines, when, rep->last_reason,
           tail, rep->every_lines, rep->every_s);
    return 0;
}

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
        if (with_trust)
            return report_coverage(&rep);
        printf("OK %zu lines, head %s (the chain only: --trust checks the signed checkpoints)\n",
               rep.lines, rep.lines ? rep.head : "(empty)");
        return 0;
    }
    if (rep.bad_line) {
        printf("BROKEN line %zu: %s\n", rep.bad_line, rep.why);
        return 1;
    }
    return cli_error("audit", 1, "%s", triad_errmsg());
}
