#!/usr/bin/env bash
# The NumPy/SciPy peer (bench/peers/numpy_chain.py) and `triad process` must report the same
# detections (bench/peers/compare.py: same CPI and channel, range and Doppler within 0.05 bin,
# SNR within 0.2 dB) on simulated recordings and on the independent sample recordings.
# usage: test_peer_numpy.sh TRIAD SOURCE_DIR        exit 77 (skip) without numpy/scipy
# SPDX-License-Identifier: GPL-2.0-or-later
set -u
triad=${1:?usage: test_peer_numpy.sh TRIAD SOURCE_DIR}
src=${2:?usage: test_peer_numpy.sh TRIAD SOURCE_DIR}
py=/usr/bin/python3

if ! [ -x "$py" ] || ! "$py" -c 'import numpy, scipy.fft, scipy.signal, scipy.ndimage, scipy.sparse.csgraph' 2>/dev/null; then
    echo "test_peer_numpy: SKIP: $py lacks numpy/scipy"
    exit 77
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/triad-peer-test.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

# 1. the default scene's geometry, 64 x 2048, ci16, two CPIs
cat > "$tmp/small.json" <<'EOF'
{"radar": {"datatype": "ci16_le", "sample_rate_hz": 20e6, "carrier_hz": 3e9, "pri_s": 200e-6,
           "samples_per_pulse": 2048, "pulses_per_cpi": 64,
           "waveform": {"bandwidth_hz": 10e6, "pulse_width_s": 10e-6}},
 "cpis": 2, "seed": 3,
 "targets": [{"range_m": 6000, "velocity_mps": -25, "snr_db": -8},
             {"range_m": 11500, "velocity_mps": 70, "snr_db": -3},
             {"range_m": 13000, "velocity_mps": 110, "snr_db": -12}]}
EOF
# 2. the awkward cases: odd P, two channels, cf32, rx_delay, clutter (many groups), a target
#    at the near range edge, targets on the Doppler wrap (groups across rows P-1 and 0)
cat > "$tmp/edges.json" <<'EOF'
{"radar": {"datatype": "cf32_le", "sample_rate_hz": 20e6, "carrier_hz": 3e9, "pri_s": 200e-6,
           "rx_delay_s": 2e-6, "samples_per_pulse": 2048, "pulses_per_cpi": 33,
           "num_channels": 2, "waveform": {"bandwidth_hz": 10e6, "pulse_width_s": 10e-6}},
 "cpis": 2, "seed": 7,
 "targets": [{"range_m": 320, "velocity_mps": -25, "snr_db": -5},
             {"range_m": 6000, "velocity_mps": 124, "snr_db": -3},
             {"range_m": 9000, "velocity_mps": -124.5, "snr_db": -3},
             {"range_m": 13900, "velocity_mps": 30, "snr_db": -6}],
 "clutter": {"cnr_db": 40, "range_min_m": 1000, "range_max_m": 4000}}
EOF

status=0
recs=()
for s in small edges; do
    if ! "$triad" simulate --scene "$tmp/$s.json" --out "$tmp/$s" >"$tmp/sim.log" 2>&1; then
        cat "$tmp/sim.log"
        echo "test_peer_numpy: FAIL: triad simulate --scene $s.json"
        exit 1
    fi
    recs+=("$tmp/$s.sigmf-meta")
done
for f in "$src"/testdata/independent/*.sigmf-meta; do
    [ -e "$f" ] && recs+=("$f")
done

for rec in "${recs[@]}"; do
    if ! "$py" "$src/bench/peers/compare.py" "$rec" --triad "$triad"; then
        echo "test_peer_numpy: FAIL: $rec: detections differ"
        status=1
    fi
done
[ $status -eq 0 ] && echo "test_peer_numpy: OK (${#recs[@]} recordings)"
exit $status
