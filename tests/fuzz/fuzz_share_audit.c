/* An audit log from memory (share/audit.h), its hash chain and checkpoint signatures checked
 * against a trust store: broken at a named line with a reason, or whole.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>

#include "fuzz.h"
#include "fuzz_share.h"
#include "share/audit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    triad_share_audit_report rep;
    const int err = triad_share_audit_verify_buffer((const char *)data, size, "fuzz-audit.jsonl",
                                                    fuzz_share_trust(), &rep);
    FUZZ_CHECK_REFUSAL(err);
    if (err == TRIAD_EFORMAT)
        FUZZ_CHECK(rep.bad_line == rep.lines + 1 && rep.why[0]);
    if (!err)
        FUZZ_CHECK(rep.bad_line == 0 && rep.signed_through <= rep.lines &&
                   rep.checkpoints <= rep.lines);
    return 0;
}
