#!/usr/bin/env bash
# The example scenes in testdata/scenes/ simulate and process, and every target of the
# clutter scene is found only with MTI: without it the clutter ridge floods the detections.
# Usage: scenes.sh TRIAD SOURCE_DIR SCRATCH. SPDX-License-Identifier: GPL-2.0-or-later
set -u
triad=$1 src=$2 dir=$3
rm -rf "$dir" && mkdir -p "$dir" || exit 1
fail=0
check() { if eval "$2"; then echo "ok    $1"; else echo "FAIL  $1"; fail=$((fail + 1)); fi; }
for scene in "$src"/testdata/scenes/*.json; do
  name=$(basename "$scene" .json)
  "$triad" simulate --scene "$scene" --out "$dir/$name" 2>/dev/null
  check "$name: simulates" "[ $? -eq 0 ]"
  "$triad" process --backend fftw --quiet "$dir/$name.sigmf-meta" --out "$dir/$name.jsonl"
  check "$name: processes" "[ $? -eq 0 ] && [ -s '$dir/$name.jsonl' ]"
done
"$triad" process --backend fftw --quiet --mti 3 "$dir/clutter_mti.sigmf-meta" --out "$dir/mti.jsonl"
plain=$(wc -l <"$dir/clutter_mti.jsonl") mti=$(wc -l <"$dir/mti.jsonl")
echo "clutter_mti: $plain detections without MTI, $mti with 3-pulse MTI (2 targets x 4 CPIs)"
check "clutter_mti: MTI leaves the 8 target detections" "[ $mti -eq 8 ] && [ $plain -gt 100 ]"
passed=$(( $(ls "$src"/testdata/scenes/*.json | wc -l) * 2 + 1 - fail ))
echo "$passed passed, $fail failed"
[ $fail -eq 0 ]
