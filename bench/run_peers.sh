#!/usr/bin/env bash
# Triad against its peers on the same recordings: simulates the workload scenes
# (bench/workloads/NAME.json) into a temporary folder, then for each one runs
# bench/peers/compare.py, which first checks that the peer finds the same detections as
# `triad process` and only then runs Triad and the peer alternately and times both; prints a
# table of per-CPI medians and ratios at the end.
#
# usage: bench/run_peers.sh [-w NAMES|all] [-p numpy|cupy] [-r ROUNDS] [-k CPIS] [-b]
#                           [-t TRIAD] [-j WORKERS] [-a PEER_ARG]... [-o DIR]
#   -w NAMES   comma-separated workloads (default S,M; all = every bench/workloads/*.json)
#   -p PEER    numpy (NumPy/SciPy on the CPU, default), pyfftw (the same NumPy chain with
#              FFTW under scipy.fft via python3-pyfftw) or cupy (CuPy on an NVIDIA GPU)
#   -r ROUNDS  timing rounds, each Triad then the peer (default 3)
#   -k CPIS    CPIs per recording (default: the scene's own; MATX and CFAR2 are ~80 MB each)
#   -b         also run `triad bench --backend fftw` on each workload (its own simulated CPIs)
#   -t TRIAD   the triad program (default build/triad)
#   -j N       scipy.fft workers of the NumPy peer (default 1; pyfftw: 2, FFTW threads)
#   -a ARG     pass ARG to the peer (repeatable), e.g. -a --array-module=numpy
#   -o DIR     keep the recordings and summaries in DIR (default: a temporary folder, removed)
# Exit status: 0, 1 when a peer's detections differ from Triad's or a step fails, 77 when the
# peer is unavailable (cupy without CuPy or a GPU).
# SPDX-License-Identifier: GPL-2.0-or-later
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
py=/usr/bin/python3
workloads=S,M
peer=numpy
rounds=3
cpis=
bench=
triad=$root/build/triad
workers=
outdir=
peer_args=()

usage() { sed -n '8,21p' "$0" | sed 's/^# \{0,1\}//'; }
while getopts "w:p:r:k:bt:j:a:o:h" opt; do
    case $opt in
    w) workloads=$OPTARG ;;
    p) peer=$OPTARG ;;
    r) rounds=$OPTARG ;;
    k) cpis=$OPTARG ;;
    b) bench=1 ;;
    t) triad=$OPTARG ;;
    j) workers=$OPTARG ;;
    a) peer_args+=("--peer-arg=$OPTARG") ;;
    o) outdir=$OPTARG ;;
    h) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || { echo "run_peers: unexpected argument '$1'" >&2; usage >&2; exit 2; }
case $peer in numpy|cupy|pyfftw) ;; *) echo "run_peers: -p: '$peer' is not numpy, pyfftw or cupy" >&2; exit 2 ;; esac
[ -n "$workers" ] || { [ "$peer" = pyfftw ] && workers=2 || workers=1; }
for n in "$rounds" ${cpis:+"$cpis"} "$workers"; do
    case $n in ''|*[!0-9]*|0) echo "run_peers: '$n' is not a positive whole number" >&2; exit 2 ;; esac
done
[ -x "$triad" ] || { echo "run_peers: $triad: no triad program (build first, or -t)" >&2; exit 1; }
if ! "$py" -c 'import numpy, scipy.fft, scipy.signal, scipy.ndimage, scipy.sparse.csgraph' 2>/dev/null; then
    echo "run_peers: $py lacks numpy/scipy (the peers need both)" >&2
    exit 77
fi
known=$(cd "$here/workloads" && ls *.json | sed 's/\.json$//' | paste -sd, -)
[ "$workloads" = all ] && workloads=$known

if [ -n "$outdir" ]; then
    mkdir -p "$outdir" || exit 1
    tmp=$outdir
else
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/triad-run-peers.XXXXXX") || exit 1
    trap 'rm -rf "$tmp"' EXIT
fi

echo "run_peers: triad $triad, peer $peer, $rounds rounds, in $tmp; $(uptime | sed 's/^ *//')"
status=0
names=()
IFS=, read -r -a list <<<"$workloads"
for w in "${list[@]}"; do
    scene=$here/workloads/$w.json
    if [ ! -f "$scene" ]; then
        echo "run_peers: $w: no scene $scene (there are: $known)" >&2
        status=1
        continue
    fi
    if [ -n "$cpis" ]; then # the scene with its CPI count replaced
        "$py" -c 'import json, sys
d = json.load(open(sys.argv[1]))
d["cpis"] = int(sys.argv[2])
json.dump(d, open(sys.argv[3], "w"), indent=1)' "$scene" "$cpis" "$tmp/$w.scene.json" ||
            { status=1; continue; }
        scene=$tmp/$w.scene.json
    fi
    echo
    echo "== $w"
    if ! "$triad" simulate --scene "$scene" --out "$tmp/$w" >"$tmp/$w.sim.log" 2>&1; then
        cat "$tmp/$w.sim.log" >&2
        echo "run_peers: $w: triad simulate failed" >&2
        status=1
        continue
    fi
    args=("$tmp/$w.sigmf-meta" --triad "$triad" --peer "$peer" --time --rounds "$rounds"
          --peer-workers "$workers" --summary "$tmp/$w.summary.json" "${peer_args[@]}")
    [ -n "$bench" ] && args+=(--bench "$w")
    "$py" "$here/peers/compare.py" "${args[@]}"
    rc=$?
    if [ $rc -eq 77 ]; then
        echo "run_peers: the $peer peer is not available here; skipped"
        exit 77
    fi
    [ $rc -eq 0 ] || status=1
    names+=("$w")
    [ -n "$outdir" ] || rm -f "$tmp/$w.sigmf-data" # free the disk as we go
done

echo
"$py" - "$tmp" "$peer" "${names[@]}" <<'EOF'
import json, os, sys
tmp, peer, names = sys.argv[1], sys.argv[2], sys.argv[3:]
rows = []
for w in names:
    path = os.path.join(tmp, w + ".summary.json")
    if not os.path.exists(path):
        rows.append((w, None))
        continue
    with open(path) as f:
        rows.append((w, json.load(f)))
bench = any(s and s.get("bench_ms") for _, s in rows)
head = "%-8s %-16s %12s %12s %10s" % ("workload", "C x P x N", "triad ms/CPI", peer + " ms/CPI",
                                       peer + "/triad")
if bench:
    head += " %12s %10s" % ("bench ms/CPI", peer + "/bench")
print(head)
for w, s in rows:
    shape = "-"
    meta = os.path.join(tmp, w + ".sigmf-meta")
    if os.path.exists(meta):
        g = json.load(open(meta))["global"]
        shape = "%dx%dx%d" % (g.get("core:num_channels", 1), g["radar:pulses_per_cpi"],
                              g["radar:samples_per_pulse"])
    if not s or "peer_ms" not in s:
        why = "detections differ: not timed" if s and not s["detections_match"] else "failed"
        print("%-8s %-16s %s" % (w, shape, why))
        continue
    line = "%-8s %-16s %12.3f %12.3f %9.1fx" % (w, shape, s["triad_ms"], s["peer_ms"],
                                                s["peer_over_triad"])
    if bench and s.get("bench_ms"):
        line += " %12.3f %9.1fx" % (s["bench_ms"], s["peer_ms"] / s["bench_ms"])
    print(line)
print("medians over the rounds; triad: `triad process` on the same file, per CPI after the "
      "first; peer: its own per-CPI median after one warm-up CPI")
EOF
exit $status
