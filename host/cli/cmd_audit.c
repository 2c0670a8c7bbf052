/* triad audit verify FILE: check the hash chain of a hub's audit log (host/share/audit.h).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "share/audit.h"
#include "triad/error.h"

static const char usage[] =
    "usage: triad audit verify FILE\n"
    "  Check the hash chain of an audit log: prints \"OK N lines, head HASH\" and exits 0, or\n"
    "  \"BROKEN line N: why\" and exits 1. Lines deleted from the end show only as a head hash\n"
    "  that differs from one kept elsewhere.\n";

int cmd_audit(int argc, char **argv)
{
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        fputs(usage, stdout);
        return 0;
    }
    if (argc != 3 || strcmp(argv[1], "verify") != 0) {
        fputs(usage, stderr);
        return 2;
    }
    triad_share_audit_report rep;
    const int err = triad_share_audit_verify(argv[2], &rep);
    if (err == 0) {
        printf("OK %zu lines, head %s\n", rep.lines, rep.lines ? rep.head : "(empty)");
        return 0;
    }
    if (rep.bad_line) {
        printf("BROKEN line %zu: %s\n", rep.bad_line, rep.why);
        return 1;
    }
    return cli_error("audit", 1, "%s", triad_errmsg());
}
