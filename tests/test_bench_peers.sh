#!/usr/bin/env bash
# The peers' plumbing: cupy_chain.py, run on NumPy/SciPy through its array-module switch, finds
# the same detections as `triad process` (so the CuPy transliteration is checked where there is
# no GPU), the pyFFTW peer (numpy_chain.py --fft pyfftw) does too, and bench/run_peers.sh runs a workload end to end. Skipped (77) without numpy/scipy.
# usage: test_bench_peers.sh TRIAD SOURCE_DIR
# SPDX-License-Identifier: GPL-2.0-or-later
set -u
triad=${1:?usage: test_bench_peers.sh TRIAD SOURCE_DIR}
src=${2:?usage: test_bench_peers.sh TRIAD SOURCE_DIR}
py=/usr/bin/python3
if ! [ -x "$py" ] || ! "$py" -c 'import numpy, scipy.fft, scipy.signal, scipy.ndimage, scipy.sparse.csgraph' 2>/dev/null; then
    echo "test_bench_peers: SKIP: $py lacks numpy/scipy"
    exit 77
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/triad-bench-peers.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
fail() { echo "test_bench_peers: FAIL: $*"; exit 1; }

# the awkward cases: cf32, two channels, odd P, clutter, a target on the Doppler wrap
cat >"$tmp/edges.json" <<'JSON'
{"radar": {"datatype": "cf32_le", "sample_rate_hz": 20e6, "carrier_hz": 3e9, "pri_s": 200e-6,
           "samples_per_pulse": 1024, "pulses_per_cpi": 33, "num_channels": 2,
           "waveform": {"bandwidth_hz": 10e6, "pulse_width_s": 10e-6}},
 "cpis": 2, "seed": 5,
 "targets": [{"range_m": 3000, "velocity_mps": 124, "snr_db": -3},
             {"range_m": 5000, "velocity_mps": -124.5, "snr_db": -3},
             {"range_m": 6500, "velocity_mps": 30, "snr_db": -6}],
 "clutter": {"cnr_db": 40, "range_min_m": 1000, "range_max_m": 2000}}
JSON
for scene in "$tmp/edges.json" "$src/bench/workloads/CFAR1.json"; do
    base=$tmp/$(basename "$scene" .json)
    "$triad" simulate --scene "$scene" --out "$base" >/dev/null 2>&1 || fail "simulate $scene"
    "$py" "$src/bench/peers/compare.py" "$base.sigmf-meta" --triad "$triad" --peer cupy \
        --peer-arg=--array-module=numpy || fail "cupy_chain.py (on numpy) differs from triad: $scene"
done

# the pyFFTW peer (numpy_chain.py on FFTW, 2 threads): the same detections on the awkward cases
if "$py" -c 'import pyfftw.interfaces.scipy_fft' 2>/dev/null; then
    "$py" "$src/bench/peers/compare.py" "$tmp/edges.sigmf-meta" --triad "$triad" --peer pyfftw \
        --peer-workers 2 || fail "numpy_chain.py --fft pyfftw differs from triad"
else
    echo "test_bench_peers: no python3-pyfftw: the pyfftw peer not checked"
fi

# cupy_chain.py itself: 77 without CuPy, or runs on a GPU
"$py" "$src/bench/peers/cupy_chain.py" "$tmp/edges.sigmf-meta" --json-out "$tmp/cupy.jsonl" 2>"$tmp/cupy.err"
rc=$?
[ $rc -eq 0 ] || [ $rc -eq 77 ] || { cat "$tmp/cupy.err"; fail "cupy_chain.py exited $rc"; }

bash "$src/bench/run_peers.sh" -t "$triad" -w FDFIR2 -r 1 -k 3 >"$tmp/run.txt" 2>&1 ||
    { cat "$tmp/run.txt"; fail "run_peers.sh -w FDFIR2"; }
cat "$tmp/run.txt"
grep -q '^FDFIR2 .*x *$' "$tmp/run.txt" || fail "no ratio row for FDFIR2"
echo "test_bench_peers: OK"
