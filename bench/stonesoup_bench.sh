#!/usr/bin/env bash
# Triad's fusion beside a standard Stone Soup EKF/GNN tracker on the same reports (issue 15):
# the three boost profiles (testdata/scenarios/boost_*.json) with both radars and with KR-central
# alone, seeds SEEDS; bench/stonesoup_compare.py scores both against the simulator's truth in
# the same way (track ids per target, false track ids, position error median/RMS) and this
# prints one table. Needs the network once: it makes a venv with PyPI `stonesoup` (1.9.1) in
# VENV (default OUTDIR/venv), so run it outside the tests' isolated network namespace.
#
# usage: bench/stonesoup_bench.sh TRIAD OUTDIR [SEEDS] [VENV]   (SEEDS default "1 2")
# SPDX-License-Identifier: GPL-2.0-or-later
set -euo pipefail
[ $# -ge 2 ] || { sed -n '2,10p' "$0"; exit 2; }
TRIAD=$(realpath "$1")
OUT=$2
SEEDS=${3:-1 2}
SRC=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$OUT"
VENV=${4:-$(realpath "$OUT")/venv}
if ! "$VENV/bin/python" -c 'import stonesoup' 2>/dev/null; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q stonesoup==1.9.1 || { echo "stonesoup_bench: no stonesoup (network?)" >&2; exit 77; }
fi
cd "$OUT"
rows=ss_rows.txt
: >"$rows"
for prof in standard depressed lofted; do
    python3 "$SRC/bench/boost_sites.py" "$SRC/testdata/scenarios/boost_$prof.json"
    for sites in two one; do
        for seed in $SEEDS; do
            n=${prof}_${sites}_$seed
            "$TRIAD" scenario run $sites.json --seed "$seed" --out $n.rep --truth $n.truth 2>/dev/null
            "$TRIAD" fuse --input $n.rep --out $n.out 2>/dev/null
            "$VENV/bin/python" "$SRC/bench/stonesoup_compare.py" $n.rep $n.truth $n.out >$n.cmp
            python3 - "$n.cmp" "$prof" "$sites" "$seed" >>"$rows" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
def g(who, tgt, key):
    m = re.search(r"^%s %s .*?\b%s=([-0-9.na]+)" % (who, tgt, key), t, re.M)
    return m.group(1) if m else "nan"
f = lambda who: (re.search(r"^%s false_track_ids=(\d+)" % who, t, re.M) or [0, "nan"])[1]
print(" ".join(sys.argv[2:5] + [g("triad", "M1", "ids"), g("stonesoup", "M1", "ids"),
      g("triad", "M1", "err_median_m"), g("stonesoup", "M1", "err_median_m"),
      g("triad", "M1", "err_rms_m"), g("stonesoup", "M1", "err_rms_m"),
      g("triad", "A1", "ids"), g("stonesoup", "A1", "ids"), g("triad", "A1", "err_rms_m"),
      g("stonesoup", "A1", "err_rms_m"), f("triad"), f("stonesoup")]))
PY
        done
    done
done
echo "| profile | radars | seed | M1 ids Triad | M1 ids Stone Soup | M1 err median m Triad | Stone Soup | M1 err RMS m Triad | Stone Soup | A1 ids Triad | Stone Soup | A1 err RMS m Triad | Stone Soup | false track ids Triad | Stone Soup |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
awk '{ printf "|"; for (i = 1; i <= NF; i++) printf " %s |", $i; print "" }' "$rows"
