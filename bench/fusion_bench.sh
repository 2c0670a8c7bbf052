#!/usr/bin/env bash
# Fusion against the simulator's truth (issue 15): the three boost profiles (standard,
# depressed, lofted; testdata/scenarios/boost_*.json) x seeds, each with both radars (JP and
# KR) and with the KR radar alone, scored by host/fusion/score.c through `triad fuse --truth`;
# then stress_20x50 (track numbers per target, reports/s) and korea_japan (targets never
# tracked). Prints one row per run and the targets' tallies.
#
# usage: bench/fusion_bench.sh TRIAD OUTDIR [SEEDS]   (SEEDS default "1 2 3 4 5")
# SPDX-License-Identifier: GPL-2.0-or-later
set -euo pipefail
[ $# -ge 2 ] || { sed -n '2,9p' "$0"; exit 2; }
TRIAD=$(realpath "$1")
OUT=$2
SEEDS=${3:-1 2 3 4 5}
SRC=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$OUT"
cd "$OUT"
rows=rows.txt
: >"$rows"
for prof in standard depressed lofted; do
    python3 "$SRC/bench/boost_sites.py" "$SRC/testdata/scenarios/boost_$prof.json"
    for sites in two one; do
        for seed in $SEEDS; do
            n=${prof}_${sites}_$seed
            "$TRIAD" scenario run $sites.json --seed "$seed" --out $n.rep --truth $n.truth 2>/dev/null
            "$TRIAD" fuse --input $n.rep --truth $n.truth --out $n.out 2>$n.log
            python3 - "$n" "$prof" "$sites" "$seed" "$n.log" >>"$rows" <<'PY'
import re, sys
n, prof, sites, seed, log = sys.argv[1:]
t = open(log).read()
def v(key, text=t):
    m = re.search(r"\b" + key + r"=([-0-9.naif]+)", text)
    return m.group(1) if m else "nan"
b60 = re.search(r"impact_error_km_at_burnout_plus_60s=.*", t)
b60 = b60.group(0) if b60 else ""
print(prof, sites, seed, v("new_in_boost"), v("first_new_after_detection_s"), v("events"),
      v("track_ids"), v("wrong_cancels"), v("unwarned_s"),
      v("impact_error_km_at_burnout_plus_60s"), v("impact_error_sigma", b60),
      v("launch_time_error_s", b60), v("launch_time_error_sigma", b60),
      v("launch_error_km", b60), v("launch_error_sigma", b60), v("reports_per_s_one_core"))
PY
        done
    done
done
for n in stress_20x50 korea_japan; do
    "$TRIAD" scenario run "$SRC/testdata/scenarios/$n.json" --out $n.rep --truth $n.truth 2>/dev/null
    "$TRIAD" fuse --input $n.rep --truth $n.truth --out $n.out 2>$n.log
done
python3 - "$rows" stress_20x50.log korea_japan.log <<'PY'
import re, sys, statistics as st
rows = [l.split() for l in open(sys.argv[1])]
f = lambda x: float(x)
print("| profile | radars | seed | NEW in boost | NEW after 1st det s | events | track ids | wrong CANCELs | "
      "unwarned s | impact km @bo+60 | impact sigma | launch t err s | launch t sigma | launch km | "
      "launch sigma | reports/s |")
print("|" + "---|" * 16)
for r in rows:
    print("| " + " | ".join(r) + " |")
def tally(sel, label):
    if not sel:
        return
    n = len(sel)
    boost = sum(r[3] == "1" for r in sel)
    wrong = sum(int(r[7]) for r in sel if r[7] != "nan")
    one_ev = sum(r[5] == "1" for r in sel)
    imp = [f(r[9]) for r in sel if r[9] != "nan"]
    imp_ok = sum(x <= 2.0 for x in imp)
    isig = [f(r[10]) for r in sel if r[10] != "nan"]
    lt = [abs(f(r[11])) for r in sel if r[11] != "nan"]
    lsig_t = [f(r[12]) for r in sel if r[12] != "nan"]
    lkm = [f(r[13]) for r in sel if r[13] != "nan"]
    lsig = [f(r[14]) for r in sel if r[14] != "nan"]
    rps = [f(r[15]) for r in sel if r[15] != "nan"]
    in2 = lambda xs: "%d/%d" % (sum(x <= 2.0 for x in xs), len(xs))
    print("- %s (%d runs): NEW during boost %d/%d; one event per missile %d/%d; wrong CANCELs %d; "
          "impact <= 2 km at burnout+60 s %d/%d (median %.2f km, worst %.2f km); impact inside "
          "its 2-sigma ellipse %s; launch time |error| median %.1f s, worst %.1f s (inside 2 sigma %s); "
          "launch point median %.2f km, worst %.2f km (inside 2-sigma ellipse %s); reports/s min %.0f, "
          "median %.0f" % (label, n, boost, n, one_ev, n, wrong, imp_ok, len(imp),
                           st.median(imp) if imp else float("nan"), max(imp) if imp else float("nan"),
                           in2(isig), st.median(lt) if lt else float("nan"), max(lt) if lt else float("nan"),
                           in2(lsig_t), st.median(lkm) if lkm else float("nan"),
                           max(lkm) if lkm else float("nan"), in2(lsig), min(rps), st.median(rps)))
tally([r for r in rows if r[1] == "two"], "two radars")
tally([r for r in rows if r[1] == "one"], "KR radar alone")
s = open(sys.argv[2]).read()
k = open(sys.argv[3]).read()
g = lambda key, text: (re.search(key + r"=([-0-9.naif]+)", text) or [None, "nan"])[1]
print("- stress_20x50: ids per tracked target %s (%s), reports/s %s" % (
    g("ids_per_target", s), re.search(r"tracked_targets=\d+ of \d+", s).group(0), g("reports_per_s_one_core", s)))
print("- korea_japan: %s" % re.search(r"never_tracked=.*", k).group(0))
PY
