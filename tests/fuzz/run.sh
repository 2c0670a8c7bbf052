#!/usr/bin/env bash
# Replay every fuzz target's committed corpus, then fuzz it for a bounded time:
#   tests/fuzz/run.sh BUILD_DIR SECONDS [TARGET ...]      (BUILD_DIR configured -DTRIAD_FUZZ=ON)
# Inputs the fuzzer finds go to a scratch corpus ($FUZZ_WORK, default BUILD_DIR/fuzz-work), not
# into the repository. A crash, a failed property, a leak, an allocation over 512 MB or an input
# taking over 10 s fails the run; its input is copied into tests/fuzz/corpus/TARGET/ as a
# regression case (commit it with the fix) and printed in base64. One summary line per target
# (executions, coverage, corpus) goes to stdout and to $FUZZ_SUMMARY when set.
# SPDX-License-Identifier: GPL-2.0-or-later
set -u
build=$1
seconds=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
work=${FUZZ_WORK:-$build/fuzz-work}
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    for f in "$build"/tests/fuzz/fuzz_*; do
        [ -x "$f" ] && targets+=("$(basename "$f" | sed 's/^fuzz_//')")
    done
fi
failed=0
for t in "${targets[@]}"; do
    exe=$build/tests/fuzz/fuzz_$t
    corpus=$here/corpus/$t
    dict=$here/dict/$t.dict
    mkdir -p "$work/$t" "$work/artifacts"
    log=$work/$t.log
    opts=(-dict="$dict" -timeout=10 -malloc_limit_mb=512 -rss_limit_mb=2048
          -artifact_prefix="$work/artifacts/$t-" -print_final_stats=1)
    # the committed corpus once, as it is
    if ! "$exe" "${opts[@]}" -runs=0 "$corpus" >"$log.replay" 2>&1; then
        echo "FAIL $t: replay of the committed corpus:"; tail -40 "$log.replay"
        failed=1
        continue
    fi
    cp -n "$corpus"/* "$work/$t/" 2>/dev/null
    "$exe" "${opts[@]}" -max_total_time="$seconds" "$work/$t" >"$log" 2>&1
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | sed 's/cov: //')
    ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | sed 's/ft: //')
    units=$(ls "$work/$t" | wc -l)
    line="$t: ${seconds} s, ${execs:-?} executions, cov ${cov:-?} (ft ${ft:-?}), corpus $units inputs"
    if [ $rc -ne 0 ]; then
        line="$line: FAILED (exit $rc)"
        failed=1
        grep -E 'ERROR|property failed|SUMMARY' "$log" | head -5
        for a in "$work/artifacts/$t-"*; do
            [ -f "$a" ] || continue
            keep=$corpus/regress-$(basename "$a" | sed "s/^$t-//")
            cp "$a" "$keep"
            echo "kept as a regression case: $keep (base64: $(base64 -w0 "$a" | head -c 2000))"
        done
    fi
    echo "$line"
    [ -n "${FUZZ_SUMMARY:-}" ] && echo "$line" >>"$FUZZ_SUMMARY"
done
exit $failed
