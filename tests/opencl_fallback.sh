#!/usr/bin/env bash
# Under --backend auto, a device that fails mid-file hands the rest of the file to FFTW:
# every CPI is reported exactly once, with the detections FFTW finds, and one warning says so.
# Usage: opencl_fallback.sh TRIAD SCRATCH. Exit 77 without an OpenCL device.
# SPDX-License-Identifier: GPL-2.0-or-later
set -u
triad=$1
dir=$2
rm -rf "$dir" && mkdir -p "$dir" || exit 1
"$triad" devices >/dev/null 2>&1 || { echo "no OpenCL device: skipped"; exit 77; }
fail=0
check() { if eval "$2"; then echo "ok    $1"; else echo "FAIL  $1"; fail=$((fail + 1)); fi; }
"$triad" simulate --out "$dir/rec" --cpis 20 2>/dev/null || exit 1
"$triad" process "$dir/rec.sigmf-meta" --backend fftw --quiet --out "$dir/fftw.jsonl" || exit 1
# "batch:after": CPIs per device launch (TRIAD_OPENCL_BATCH; "-" = the backend's rule, 8 for this
# 64 x 2048 scene), then the injected failure after so many CPIs went up: at the first launch,
# with launches in flight, and after whole batches came back
cases="1:0 1:2 1:5 2:2 2:5 -:0 -:9"
for c in $cases; do
  b=${c%%:*}
  after=${c##*:}
  [ "$b" = - ] && b=
  TRIAD_OPENCL_BATCH=$b TRIAD_TEST_OPENCL_FAIL_AFTER=$after "$triad" process \
    "$dir/rec.sigmf-meta" --backend auto --device 0 --quiet --out "$dir/auto$after.jsonl" \
    2>"$dir/err$after"
  rc=$?
  after="$after (batch ${b:-auto})"
  check "fail after $after: exit 0" "[ $rc -eq 0 ]"
  check "fail after $after: one warning naming the failure" \
    "[ \$(grep -c 'continuing with FFTW' '$dir/err${after%% *}') -eq 1 ]"
  # same CPIs, same detection count per CPI, positions within 0.01 bin
  /usr/bin/env python3 - "$dir/fftw.jsonl" "$dir/auto${after%% *}.jsonl" <<'PY'
import json, sys
a = [json.loads(l) for l in open(sys.argv[1])]
b = [json.loads(l) for l in open(sys.argv[2])]
assert len(a) == len(b), (len(a), len(b))
for x, y in zip(a, b):
    assert x["cpi"] == y["cpi"], (x["cpi"], y["cpi"])
    assert abs(x["range_bin"] - y["range_bin"]) <= 0.01 and abs(x["doppler_bin"] - y["doppler_bin"]) <= 0.01
PY
  check "fail after $after: every CPI once, same detections as FFTW" "[ $? -eq 0 ]"
done
echo "$((3 * $(echo $cases | wc -w) - fail)) passed, $fail failed"
[ $fail -eq 0 ]
