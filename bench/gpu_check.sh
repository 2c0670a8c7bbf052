#!/usr/bin/env bash
# The OpenCL backend on an NVIDIA GPU machine, in one call of at most 8 minutes: devices, the
# OpenCL tests, detections against FFTW on the test scenes and the shared recordings,
# `triad bench --backend opencl` on S, M, MATX and CFAR2 (its copy and pinned host-to-device
# floors, the streaming run and its copy/compute overlap), and the CuPy peer on M and MATX;
# then one table with the issue-16 targets beside the numbers.
#
# Staging (on the Debian machine, as ../shared/gpu/README.md says): build, then
#     ../shared/gpu/stage.sh .gpu build/triad build/tests/test_opencl_fft build/tests/test_opencl_chain
# and carry .gpu and build to the GPU machine; there, from the repository root:
#     bench/gpu_check.sh [OUTDIR]          (OUTDIR default $OUT, else /tmp/gpu_check)
# Every step has its own time limit; a step that fails or times out is reported in the table
# and the script goes on. Exit status 0 when every step passed, 1 otherwise.
# SPDX-License-Identifier: GPL-2.0-or-later
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
out=${1:-${OUT:-/tmp/gpu_check}}
mkdir -p "$out"
[ -f .gpu/env.sh ] && source .gpu/env.sh
triad=build/triad
py=${PYTHON:-python3}
export PYTHONUNBUFFERED=1
export root out triad py # for the steps that are functions (run by bash -c under timeout)
status=0
declare -a rows
start=$(date +%s)

# step NAME LIMIT_S COMMAND...: run with a limit, log to $out/NAME.log, keep a table row
step() {
  local name=$1 limit=$2; shift 2
  local t0=$(date +%s.%N)
  if declare -F "$1" > /dev/null; then # a function of this script: timeout runs programs only
    export -f "$1"
    timeout "$limit" bash -c "$*" > "$out/$name.log" 2>&1
  else
    timeout "$limit" "$@" > "$out/$name.log" 2>&1
  fi
  local rc=$? t1=$(date +%s.%N)
  local what=passed
  [ $rc -eq 77 ] && what=skipped
  [ $rc -eq 124 ] && what="timed out (${limit} s)"
  [ $rc -ne 0 ] && [ $rc -ne 77 ] && [ $rc -ne 124 ] && what="FAILED (exit $rc)"
  [ $rc -ne 0 ] && status=1
  rows+=("$(printf '%-34s %-22s %6.1f s' "$name" "$what" "$(echo "$t1 - $t0" | bc)")")
  echo "gpu_check: $name: $what" >&2
  return $rc
}

step devices 30 $triad devices
step test_opencl_fft 90 build/tests/test_opencl_fft
step test_opencl_chain 150 build/tests/test_opencl_chain

# detections: the OpenCL backend against FFTW on the same recordings
scenes_check() {
  local rec=() s
  for s in testdata/scenes/*.json; do
    local b=$out/scene_$(basename "$s" .json)
    $triad simulate --scene "$s" --out "$b" > /dev/null || return 1
    rec+=("$b.sigmf-meta")
  done
  for s in "$root"/../shared/testdata/*.sigmf-meta; do [ -f "$s" ] && rec+=("$s"); done
  local bad=0
  for m in "${rec[@]}"; do
    $triad process "$m" --backend fftw --out "$out/a.jsonl" 2> /dev/null || return 1
    $triad process "$m" --backend opencl --out "$out/b.jsonl" 2> /dev/null || return 1
    $py - "$out/a.jsonl" "$out/b.jsonl" "$m" <<'PY' || bad=1
import json, sys
def load(p):
    return sorted((d["cpi"], d["channel"], d["range_bin"], d["doppler_bin"], d["snr_db"])
                  for d in map(json.loads, open(p)))
a, b = load(sys.argv[1]), load(sys.argv[2])
ok = len(a) == len(b) and all(x[:2] == y[:2] and abs(x[2] - y[2]) <= 0.01 and
                              abs(x[3] - y[3]) <= 0.01 and abs(x[4] - y[4]) <= 0.05
                              for x, y in zip(a, b))
print("%s: fftw %d, opencl %d detections: %s" % (sys.argv[3], len(a), len(b),
                                                  "same" if ok else "DIFFERENT"))
sys.exit(0 if ok else 1)
PY
  done
  return $bad
}
step detections_vs_fftw 120 scenes_check

step bench_opencl 240 $triad bench --backend opencl --workload S,M,MATX,CFAR2 --json "$out/bench.json"

# the CuPy peer on the workload recordings (bench/workloads), one CPI file each
peer_run() {
  local w
  for w in M MATX; do
    $triad simulate --scene bench/workloads/$w.json --out "$out/peer_$w" > /dev/null || return 1
    $py bench/peers/cupy_chain.py "$out/peer_$w.sigmf-meta" --time --json-out "$out/peer_$w.json" \
      > "$out/peer_$w.txt" 2>&1 || return $?
    cat "$out/peer_$w.txt"
  done
}
step cupy_peer 150 peer_run

elapsed=$(( $(date +%s) - start ))
echo
echo "== gpu_check: steps (logs in $out), ${elapsed} s in all =="
printf '%s\n' "${rows[@]}"
# the numbers, against the targets of issue 16
$py - "$out" <<'PY'
import json, os, re, sys
out = sys.argv[1]
try:
    doc = json.load(open(os.path.join(out, "bench.json")))
except (OSError, ValueError) as e:
    print("no bench.json: %s" % e)
    sys.exit(0)
bw = doc.get("opencl_bandwidth", {})
copy, h2d = bw.get("copy_gb_per_s"), bw.get("h2d_pinned_gb_per_s")
print("device: %s; device copy %s GB/s (read + write), pinned host->device %s GB/s"
      % (bw.get("device", "?"), copy, h2d))
peer = {}
for w in ("M", "MATX"):
    try:
        m = re.search(r"per-CPI median ([0-9.]+) ms", open(os.path.join(out, "peer_%s.txt" % w)).read())
        peer[w] = float(m.group(1)) if m else None
    except OSError:
        peer[w] = None
traffic = {t["workload"]: t for t in doc.get("opencl_traffic_model", {}).get("workloads", [])}
fmt = "%-6s %9s %9s %9s %8s %10s %9s %9s %9s %8s %9s"
print(fmt % ("load", "median ms", "floor ms", "x floor", "stream", "in GB/s", "overlap",
             "cupy ms", "x cupy", "traffic", "found"))
for r in doc.get("results", []):
    if r.get("skipped"):
        print("%-6s skipped: %s" % (r["workload"], r.get("note", "")))
        continue
    st = r.get("stream", {})
    sms = st.get("ms_per_cpi")
    rate = r["input_bytes_per_cpi"] / (sms * 1e-3) * 1e-9 if sms else None
    p = peer.get(r["workload"])
    t = traffic.get(r["workload"], {})
    print(fmt % (r["workload"], "%.3f" % r["median_ms"], "%.3f" % r["floor"]["ms"],
                 "%.2f" % r["ratio_to_floor"], "%.3f" % sms if sms else "-",
                 "%.1f" % rate if rate else "-",
                 "%.0f%%" % (100 * st["copy_compute_overlap"]) if st.get("copy_compute_overlap")
                 is not None else "-",
                 "%.3f" % p if p else "-", "%.1f" % (p / r["median_ms"]) if p else "-",
                 "%.2fx" % t["ratio_to_fused_minimum"] if t else "-",
                 "%d/%d" % (r["targets_found_last_cpi"], r["targets"])))
print("targets: M <= 1.5x floor; MATX <= 0.3 ms per CPI; streaming input rate >= 90%% of "
      "pinned H2D (%s GB/s); >= 5x CuPy on M and MATX; detections identical to FFTW"
      % ("%.1f" % (0.9 * h2d) if h2d else "?"))
PY
exit $status
