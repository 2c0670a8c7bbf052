#!/usr/bin/env bash
# A triad built without optional parts (TRIAD_WITH_PNG|DDS|SHARE|OPENCL=OFF): each command and
# option of a part not built is refused up front with exit 2 and one line that says "not built"
# and names the TRIAD_WITH_ setting (OpenCL: --backend opencl fails so, auto runs on FFTW);
# with the part built, no line names its setting.
# usage: optional_parts.sh TRIAD TMP_DIR [MISSING_PART...]   SPDX-License-Identifier: GPL-2.0-or-later
set -u
triad=${1:?usage: optional_parts.sh TRIAD TMP_DIR [PART...]}
tmp=${2:?usage: optional_parts.sh TRIAD TMP_DIR [PART...]}
shift 2
missing=" $* "
rm -rf "$tmp" && mkdir -p "$tmp" && cd "$tmp" || exit 2
failed=0
checked=0
fail() { echo "FAIL  $*"; failed=$((failed + 1)); }

# A small recording and fusion input, so that a built part gets past its own option.
"$triad" simulate --out rec --cpis 1 > /dev/null 2>&1 || fail "triad simulate exited $?"
printf '' > reports.jsonl

case_of() { # PART ARGS...: refused when PART is missing, otherwise never "not built"
    local part=$1
    shift
    checked=$((checked + 1))
    timeout -s KILL 60 "$triad" "$@" > out.txt 2> err.txt < /dev/null
    local rc=$?
    if [[ $missing == *" $part "* ]]; then
        [ $rc -eq 2 ] && [ ! -s out.txt ] && [ "$(wc -l < err.txt)" -eq 1 ] &&
            grep -q "not built.*TRIAD_WITH_$part" err.txt ||
            fail "triad $* without $part: exit $rc, stdout $(wc -c < out.txt) bytes, stderr: $(head -3 err.txt)"
    else
        grep -q "TRIAD_WITH_$part" err.txt && fail "triad $* with $part built: $(head -1 err.txt)"
    fi
}

case_of PNG process rec.sigmf-meta --out dets.jsonl --rdmap maps
case_of PNG process --rdmap=maps rec.sigmf-meta --out dets.jsonl
case_of PNG bench --workload S --cpis 1 --warmup 0 --backend fftw --fft-effort estimate --plot b.png
case_of PNG fuse --plot map.png reports.jsonl
# (with DDS built, a bad option of the command's own ends these before any DDS traffic)
case_of DDS listen --no-such-option
case_of DDS run --dds --no-such-option
case_of DDS run --dds-domain=3 --no-such-option
case_of DDS fuse --dds-out --no-such-option reports.jsonl
case_of DDS fuse --dds-in --dds-loopback --no-such-option
for c in hub node share keygen audit; do
    case_of SHARE "$c"
done
if [[ $missing == *" OPENCL "* ]]; then
    checked=$((checked + 1))
    "$triad" process rec.sigmf-meta --out dets.jsonl --backend opencl > out.txt 2> err.txt
    rc=$?
    [ $rc -ne 0 ] && grep -q "not built with OpenCL.*TRIAD_WITH_OPENCL" err.txt ||
        fail "process --backend opencl without OpenCL: exit $rc, stderr: $(head -3 err.txt)"
    "$triad" process rec.sigmf-meta --out dets.jsonl --backend auto > /dev/null 2> err.txt ||
        fail "process --backend auto without OpenCL exited $?: $(head -3 err.txt)"
fi
[ $failed -eq 0 ] && echo "optional_parts: OK ($checked cases; not built:${missing% })"
exit $((failed > 0))
