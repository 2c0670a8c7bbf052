#!/usr/bin/env bash
# FFTW wisdom: the first `triad process` of a shape measures its plans and saves them in the
# user's cache (XDG_CACHE_HOME, here a temporary folder); the second plans from them (the file
# is not rewritten: nothing new was measured) and finds the same detections; --wisdom FILE
# reads and writes that file instead, --wisdom none neither; a file that is not wisdom is an
# error when named and a warning when it is the cache. usage: fft_wisdom.sh TRIAD
# SPDX-License-Identifier: GPL-2.0-or-later
set -u
triad=${1:?usage: fft_wisdom.sh TRIAD}
dir=$(mktemp -d "${TMPDIR:-/tmp}/triad-wisdom.XXXXXX") || exit 1
trap 'rm -rf "$dir"' EXIT
export XDG_CACHE_HOME="$dir/cache"
fail=0
pass=0
check() { if eval "$2"; then echo "ok    $1"; pass=$((pass + 1)); else echo "FAIL  $1"; fail=$((fail + 1)); fi; }

cat >"$dir/scene.json" <<'JSON'
{"radar": {"datatype": "ci16_le", "sample_rate_hz": 20000000.0, "carrier_hz": 3000000000.0,
  "pri_s": 0.0002, "samples_per_pulse": 2000, "pulses_per_cpi": 32, "num_channels": 1,
  "waveform": {"bandwidth_hz": 10000000.0, "pulse_width_s": 1e-05}},
 "cpis": 2, "seed": 3, "targets": [{"range_m": 6000.0, "velocity_mps": 20, "snr_db": -5}]}
JSON
"$triad" simulate --scene "$dir/scene.json" --out "$dir/rec" >/dev/null 2>&1 || { echo "FAIL simulate"; exit 1; }
run() { "$triad" process "$dir/rec.sigmf-meta" --backend fftw --threads 1 --quiet "$@"; }

cache="$XDG_CACHE_HOME/triad/fftw-wisdom"
run --out "$dir/a.jsonl" 2>"$dir/a.err"
check "first run: exit 0" "[ $? -eq 0 ]"
check "first run: wisdom saved in the cache" "[ -s '$cache' ]"
check "first run: it is FFTW wisdom" "head -c 40 '$cache' | grep -q 'fftwf_wisdom'"
cp "$cache" "$dir/saved"
touch -d '2001-01-01' "$cache"
run --out "$dir/b.jsonl" 2>"$dir/b.err"
check "second run: exit 0, no warning" "[ $? -eq 0 ] && [ ! -s '$dir/b.err' ]"
check "second run: planned from wisdom (cache not rewritten)" \
    "[ \$(stat -c %Y '$cache') -lt 1000000000 ] && cmp -s '$cache' '$dir/saved'"
check "second run: same detections" "cmp -s '$dir/a.jsonl' '$dir/b.jsonl'"

run --wisdom "$dir/own/w" --out "$dir/c.jsonl" 2>/dev/null
check "--wisdom FILE: written there (folder made)" "[ -s '$dir/own/w' ] && cmp -s '$dir/a.jsonl' '$dir/c.jsonl'"
rm -rf "$XDG_CACHE_HOME"
run --wisdom none --out "$dir/d.jsonl" 2>/dev/null
check "--wisdom none: no cache file" "[ ! -e '$cache' ] && cmp -s '$dir/a.jsonl' '$dir/d.jsonl'"

echo "not wisdom" >"$dir/bad"
run --wisdom "$dir/bad" --out "$dir/e.jsonl" 2>"$dir/e.err"
rc=$?
check "named file that is not wisdom: exit 1, file named" "[ $rc -eq 1 ] && grep -q '$dir/bad' '$dir/e.err'"
mkdir -p "$XDG_CACHE_HOME/triad" && echo "not wisdom" >"$cache"
run --out "$dir/f.jsonl" 2>"$dir/f.err"
check "cache that is not wisdom: a warning, same detections" \
    "[ $? -eq 0 ] && grep -q 'warning' '$dir/f.err' && cmp -s '$dir/a.jsonl' '$dir/f.jsonl'"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
