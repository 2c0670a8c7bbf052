#!/usr/bin/env bash
# DDS interop with a current Cyclone DDS: tests/dds_interop.py, a subscriber written in the
# `cyclonedds` Python binding (PyPI; it bundles its own Cyclone, 11.x, where Debian has 0.10),
# with the types typed in from idl/*.idl, hears
#   - the DetectionReports of `triad run` (a simulated recording replayed over VITA-49), the
#     same detections as `triad run --out` wrote, and the end-of-stream disposal of each
#     radar channel,
#   - the Tracks and Warnings of `triad fuse --dds-out` (scenario lofted), the end of each
#     track it heard, and every warning event's last version,
# with no "deserialization ... failed" from Cyclone (a bare-key dispose from Cyclone 0.10
# gave exactly that: docs/FORMATS.md, "Detections on DDS").
# The venv is made in the build directory on first use (pip needs the internet: outside
# /work/bin/isolated); without it the test is skipped (77), except with CI=true, where it
# fails.
# usage: dds_interop.sh TRIAD SOURCE_DIR VENV_DIR TMPDIR.  SPDX-License-Identifier: GPL-2.0-or-later
set -euo pipefail
triad=$1 src=$2 venv=$3
mkdir -p "$4"
tmp=$(mktemp -d "$4/run.XXXXXX")
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() {
  echo "dds_interop: $*" >&2
  for f in "$tmp"/*.err "$tmp"/sub.jsonl; do [ -f "$f" ] && { echo "--- $f" >&2; tail -n 30 "$f" >&2; }; done
  exit 1
}
# 11.0.1: the current binding, a wheel for CPython 3.11 on x86-64 Linux
binding=cyclonedds==11.0.1
if ! "$venv/bin/python" -c 'import cyclonedds' 2>/dev/null; then
  if ! { python3 -m venv "$venv" && "$venv/bin/pip" install -q --disable-pip-version-check "$binding"; } \
      >"$tmp/pip.log" 2>&1; then
    cat "$tmp/pip.log" >&2
    if [ "${CI:-}" = true ]; then fail "cannot install $binding into $venv"; fi
    echo "dds_interop: SKIPPED: no $binding in $venv (make it outside the network namespace:" \
         "python3 -m venv $venv && $venv/bin/pip install $binding)" >&2
    exit 77
  fi
fi
echo "dds_interop: $("$venv/bin/python" -c 'import cyclonedds.__library__ as l; print(l.library_path)' 2>/dev/null || echo binding) "

domain=$((100 + (RANDOM + $$) % 130))
det="triad_test/interop_det_$$_$RANDOM" trk="triad_test/interop_trk_$$_$RANDOM"
wrn="triad_test/interop_wrn_$$_$RANDOM"
# the same loopback configuration as --dds-loopback (docs/FORMATS.md), for the binding's Cyclone
export CYCLONEDDS_URI='<CycloneDDS><Domain id="any"><General><Interfaces><NetworkInterface address="127.0.0.1"/></Interfaces><AllowMulticast>false</AllowMulticast></General><Discovery><ParticipantIndex>auto</ParticipantIndex><MaxAutoParticipantIndex>19</MaxAutoParticipantIndex><Peers><Peer address="127.0.0.1"/></Peers></Discovery></Domain></CycloneDDS>'

cat >"$tmp/scene.json" <<'JSON'
{"radar": {"datatype": "ci16_le", "sample_rate_hz": 10e6, "carrier_hz": 3e9, "pri_s": 200e-6,
           "samples_per_pulse": 512, "pulses_per_cpi": 32, "num_channels": 2,
           "datetime": "2026-11-23T00:00:00.25Z",
           "waveform": {"bandwidth_hz": 5e6, "pulse_width_s": 5e-6},
           "site": {"id": "interop", "lat_deg": 35, "lon_deg": 139, "alt_m": 0}},
 "cpis": 6, "seed": 5, "ci16_scale": 300,
 "targets": [{"range_m": 3000, "velocity_mps": 30, "snr_db": 10},
             {"range_m": 6000, "velocity_mps": -60, "snr_db": 5}]}
JSON
"$triad" simulate --scene "$tmp/scene.json" --out "$tmp/rec" >/dev/null 2>"$tmp/sim.err" || fail "simulate failed"
"$triad" scenario run "$src/testdata/scenarios/lofted.json" --out "$tmp/rep.jsonl" 2>"$tmp/scen.err" ||
  fail "scenario run failed"

"$venv/bin/python" "$src/tests/dds_interop.py" "$domain" "$det" "$trk" "$wrn" "$tmp/sub.jsonl" 120 \
  2>"$tmp/sub.err" &
sub=$!
pids+=("$sub")

chain=(--backend fftw --fft-effort estimate --threads 1)
"$triad" run --source vita49://127.0.0.1:0 --meta "$tmp/rec.sigmf-meta" "${chain[@]}" --stats 0 \
  --idle-timeout 2 --out "$tmp/run.jsonl" --dds-loopback --dds-domain "$domain" --dds-topic "$det" \
  --dds-wait-readers 1 2>"$tmp/run.err" &
run=$!
pids+=("$run")
port=
for _ in $(seq 600); do
  port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$tmp/run.err")
  [ -n "$port" ] && break
  kill -0 "$run" 2>/dev/null || fail "triad run did not start"
  sleep 0.05
done
[ -n "$port" ] || fail "triad run did not start"
"$triad" replay "$tmp/rec.sigmf-meta" --to "udp://127.0.0.1:$port" --rate 0.5 --quiet 2>"$tmp/replay.err" ||
  fail "replay failed"
wait "$run" || fail "triad run exited non-zero"
"$triad" fuse --input "$tmp/rep.jsonl" --out "$tmp/fused.jsonl" --dds-out --dds-loopback \
  --dds-domain "$domain" --dds-track-topic "$trk" --dds-warning-topic "$wrn" 2>"$tmp/fuse.err" ||
  fail "triad fuse failed"
wait "$sub" || fail "the Python subscriber did not see every instance disposed"

! grep -qi "deserializ" "$tmp/sub.err" || fail "Cyclone 11 could not deserialize a sample"
/usr/bin/env python3 - "$tmp/sub.jsonl" "$tmp/run.jsonl" "$tmp/fused.jsonl" <<'PY' || fail "received samples differ"
import json, sys
sub = [json.loads(l) for l in open(sys.argv[1])]
run = [json.loads(l) for l in open(sys.argv[2])]
fused = [json.loads(l) for l in open(sys.argv[3])]
reports = [s for s in sub if s["type"] == "report"]
assert len(reports) == 12, f"{len(reports)} reports, expected 6 CPIs x 2 channels"
got = sorted((r["cpi"], r["channel"], d[0], d[1]) for r in reports for d in r["detections"])
want = sorted((d["cpi"], d["channel"], round(d["range_m"], 3), round(d["velocity_mps"], 3))
              for d in run)
assert len(got) == len(want) and len(want) >= 12, (len(got), len(want))
for g, w in zip(got, want):
    assert g[:2] == w[:2] and abs(g[2] - w[2]) <= 1e-3 and abs(g[3] - w[3]) <= 1e-3, (g, w)
ends = [s for s in sub if s["type"] == "disposed" and s["topic"] == "report"]
assert sorted(e["key"][2] for e in ends) == [0, 1], ends
tracks = [s for s in sub if s["type"] == "track"]
assert tracks, "no track heard"
heard = {t["track_id"] for t in tracks}
ended = {s["key"] for s in sub if s["type"] == "disposed" and s["topic"] == "track"}
assert heard <= ended, f"tracks {sorted(heard - ended)} never ended"
fw = {}
for w in fused:
    if w.get("type") == "warning":
        fw[w["event_id"]] = w["version"]
sw = {}
for w in sub:
    if w["type"] == "warning":
        sw[w["event_id"]] = max(sw.get(w["event_id"], 0), w["version"])
assert fw and sw == fw, (fw, sw)
print(f"dds_interop: {len(reports)} reports, {len(got)} detections, {len(tracks)} track samples "
      f"of {len(heard)} tracks, {len(sw)} warning events; all disposals read")
PY
echo "dds_interop: ok"
