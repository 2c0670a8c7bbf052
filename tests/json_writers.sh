#!/usr/bin/env bash
# Writers never emit what a JSON reader rejects (issue 18 item 3): every JSON Lines writer,
# given the extreme inputs its readers accept, writes lines that Python's json module accepts
# with NaN and Infinity refused (parse_constant raises) and UTF-8 required:
#   - tests/json_writers.c: detection lines, the live sink's detection and report lines,
#     track and warning lines (edges of every range, -0, DBL_MIN, awkward site ids);
#   - fuzz_make_seeds: scenario reports and truth, share store and audit log lines;
#   - the program: `triad simulate` + `triad process` on a scene at the edges of its limits
#     (lowest carrier, longest rx_delay, year 2199: it must be accepted end to end; its CFAR
#     finds nothing, so it adds no detection lines yet), `triad scenario run` + `triad fuse`.
# SPDX-License-Identifier: GPL-2.0-or-later
set -u
triad=$1 writers=$2 seeds=$3 src=$4 tmp=$5
rm -rf "$tmp" && mkdir -p "$tmp/seeds"
fails=0
"$writers" "$tmp" || { echo "FAIL: json_writers"; fails=1; }
"$seeds" "$src/testdata" "$tmp/seeds" || { echo "FAIL: fuzz_make_seeds"; fails=1; }
cat >"$tmp/edge.json" <<'SCENE'
{"radar": {"datatype": "ci16_le", "sample_rate_hz": 1e6, "carrier_hz": 1e5, "samples_per_pulse": 64,
           "pulses_per_cpi": 32, "pri_s": 1e-4, "rx_delay_s": 1.0, "datetime": "2199-12-31T23:59:59Z",
           "waveform": {"type": "lfm", "bandwidth_hz": 5e5, "pulse_width_s": 8e-6},
           "site": {"id": "edge \"q\" \\ \u00e9", "lat_deg": -90, "lon_deg": -180, "alt_m": 1e5},
           "beam": {"azimuth_deg": -360, "elevation_deg": 90}},
 "cpis": 2, "seed": 9007199254740992, "ci16_scale": 100, "noise_power": 1,
 "targets": [{"range_m": 149898000, "velocity_mps": 299792458, "snr_db": 40},
             {"range_m": 149902000, "velocity_mps": -299792458, "snr_db": 30}]}
SCENE
"$triad" simulate --scene "$tmp/edge.json" --out "$tmp/edge" >"$tmp/sim.log" 2>&1 ||
    { echo "FAIL: simulate the edge scene: $(cat "$tmp/sim.log")"; fails=1; }
"$triad" process "$tmp/edge.sigmf-meta" --backend fftw --out "$tmp/edge.det.jsonl" >/dev/null 2>"$tmp/proc.log" ||
    { echo "FAIL: process the edge scene: $(cat "$tmp/proc.log")"; fails=1; }
"$triad" scenario run "$src/testdata/scenarios/lofted.json" --out "$tmp/lofted.rep.jsonl" \
    --truth "$tmp/lofted.truth.jsonl" >/dev/null 2>&1 || { echo "FAIL: scenario run"; fails=1; }
"$triad" fuse --input "$tmp/lofted.rep.jsonl" --out "$tmp/lofted.tracks.jsonl" >/dev/null 2>&1 ||
    { echo "FAIL: fuse"; fails=1; }
python3 - "$tmp" <<'PY' || fails=1
import json, os, sys
def refuse(c):
    raise ValueError("non-standard constant " + c)
root, bad, lines, files = sys.argv[1], 0, 0, 0
for d, _, names in os.walk(root):
    for n in sorted(names):
        p = os.path.join(d, n)
        jsonl = n.endswith(".jsonl") or os.path.basename(d) in ("fusion_jsonl", "share_store", "share_audit")
        if not jsonl:
            continue
        files += 1
        with open(p, "rb") as f:
            for i, raw in enumerate(f, 1):
                if not raw.strip():
                    continue
                lines += 1
                try:
                    json.loads(raw.decode("utf-8"), parse_constant=refuse)
                except Exception as e:
                    bad += 1
                    if bad <= 10:
                        print("FAIL: %s line %d: %s: %.300r" % (p, i, e, raw))
print("%d lines of %d files: %d rejected by a strict JSON parser" % (lines, files, bad))
sys.exit(1 if bad or lines < 100 else 0)
PY
exit $((fails > 0))
