#!/usr/bin/env bash
# triad run --source soapy://... without hardware: the tests' SoapySDR module (driver
# triadfile, tests/soapy/triadfile_module.cpp, loaded through SOAPY_SDR_PLUGIN_PATH) plays a
# simulated recording as a receiver's continuous stream (pulse windows on the radar's PRI
# grid, a filler between them):
#   timed       (hardware time, timed activation on a CPI boundary): detections equal
#               `triad process` on the same recording, byte for byte
#   untimed     (notime=1: the first sample opens pulse 0's window): the same
#   overflow    (one forced every 20 ms of the stream, 1 ms lost): counted as lost, the CPIs hit reported degraded
#               with quality sample-loss, the others intact; exit 0
#   refusals    no such device, a rate the device does not give, a window longer than the
#               PRI allows: exit 2 with the reason
# usage: soapy_source.sh TRIAD MODULE_DIR TMPDIR.  SPDX-License-Identifier: GPL-2.0-or-later
set -euo pipefail
triad=$1
export SOAPY_SDR_PLUGIN_PATH=$2
mkdir -p "$3"
tmp=$(mktemp -d "$3/run.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail() { echo "soapy_source: $*" >&2; for f in "$tmp"/*.err; do [ -f "$f" ] && { echo "--- $f" >&2; tail -n 20 "$f" >&2; }; done; exit 1; }

cat >"$tmp/scene.json" <<'JSON'
{"radar": {"datatype": "ci16_le", "sample_rate_hz": 10e6, "carrier_hz": 3e9, "pri_s": 200e-6,
           "samples_per_pulse": 512, "pulses_per_cpi": 32, "num_channels": 2,
           "rx_delay_s": 2e-6, "datetime": "2026-11-23T00:00:00Z",
           "waveform": {"bandwidth_hz": 5e6, "pulse_width_s": 5e-6}},
 "cpis": 8, "seed": 7, "ci16_scale": 300,
 "targets": [{"range_m": 3300, "velocity_mps": 30, "snr_db": 8},
             {"range_m": 9000, "velocity_mps": -50, "snr_db": 3}]}
JSON
"$triad" simulate --scene "$tmp/scene.json" --out "$tmp/rec" >/dev/null 2>"$tmp/sim.err" || fail "simulate"
chain=(--backend fftw --fft-effort estimate --threads 1)
"$triad" process "$tmp/rec.sigmf-meta" "${chain[@]}" --quiet --out "$tmp/proc.jsonl" 2>"$tmp/proc.err" || fail "process"
[ -s "$tmp/proc.jsonl" ] || fail "process found nothing"
# device time at a quarter of the wall clock: a loaded machine (or a sanitizer build) keeps up
dev="driver=triadfile,file=$tmp/rec.sigmf-data,rate=10e6,pri=200e-6,n=512,p=32,channels=2,offset=2e-6,speed=0.25"

run() { # NAME EXTRA_DEVICE_ARGS [run options]
  local name=$1 extra=$2
  shift 2
  "$triad" run --source "soapy://$dev$extra" --meta "$tmp/rec.sigmf-meta" "${chain[@]}" --stats 0 \
    --idle-timeout 2 --reports --out "$tmp/$name.jsonl" "$@" 2>"$tmp/$name.err"
}
stat() { sed -n "s/.*final.* $2 \([0-9][0-9]*\).*/\1/p" "$tmp/$1.err" | tail -n 1; }

run timed "" || fail "timed: exit $?"
grep -q "timed RX from device time" "$tmp/timed.err" || fail "timed: not timed RX"
grep -v '"detections":' "$tmp/timed.jsonl" | cmp -s - "$tmp/proc.jsonl" || fail "timed: detections differ from triad process"
grep -q "CPIs processed 8 degraded 0 dropped 0 skipped 0" "$tmp/timed.err" || fail "timed: not 8 intact CPIs"
[ "$(stat timed lost)" = 0 ] || fail "timed: lost"
echo "soapy_source: timed: 8 CPIs = triad process"

run untimed ",notime=1" || fail "untimed: exit $?"
grep -q "no hardware time" "$tmp/untimed.err" || fail "untimed: said nothing of it"
grep -v '"detections":' "$tmp/untimed.jsonl" | cmp -s - "$tmp/proc.jsonl" || fail "untimed: detections differ"
echo "soapy_source: untimed: 8 CPIs = triad process"

# one channel (one block copy a window) and three (the general interleave); CF32 with three
for nc in 1 3; do
  sed "s/\"num_channels\": 2/\"num_channels\": $nc/" "$tmp/scene.json" >"$tmp/scene$nc.json"
  "$triad" simulate --scene "$tmp/scene$nc.json" --out "$tmp/rec$nc" >/dev/null 2>"$tmp/sim$nc.err" ||
    fail "simulate $nc channels"
  "$triad" process "$tmp/rec$nc.sigmf-meta" "${chain[@]}" --quiet --out "$tmp/proc$nc.jsonl" \
    2>"$tmp/proc$nc.err" || fail "process $nc channels"
  for fmt in CS16 CF32; do
    [ $nc = 1 ] && [ $fmt = CF32 ] && continue
    d=${dev/rec.sigmf-data/rec$nc.sigmf-data}
    "$triad" run --source "soapy://${d/channels=2/channels=$nc},format=$fmt" \
      --meta "$tmp/rec$nc.sigmf-meta" "${chain[@]}" --stats 0 --idle-timeout 2 \
      --out "$tmp/run$nc$fmt.jsonl" 2>"$tmp/run$nc$fmt.err" || fail "$nc channels $fmt: exit $?"
    cmp -s "$tmp/run$nc$fmt.jsonl" "$tmp/proc$nc.jsonl" || fail "$nc channels $fmt: detections differ"
    [ -s "$tmp/proc$nc.jsonl" ] || fail "$nc channels: process found nothing"
    echo "soapy_source: $nc channels $fmt: 8 CPIs = triad process"
  done
done

# a device that offers CF32 only: converted on placing (x 32768, exact for its counts / 32768)
run cf32 ",format=CF32" || fail "cf32: exit $?"
grep -q "Hz, CF32; timed RX" "$tmp/cf32.err" || fail "cf32: not a CF32 stream"
grep -v '"detections":' "$tmp/cf32.jsonl" | cmp -s - "$tmp/proc.jsonl" || fail "cf32: detections differ"
echo "soapy_source: CF32 stream: 8 CPIs = triad process"

run overflow ",overflow_every_s=0.02" || fail "overflow: exit $?"
lost=$(stat overflow lost)
[ "${lost:-0}" -gt 0 ] || fail "overflow: nothing counted lost"
python3 - "$tmp/overflow.jsonl" "$tmp/proc.jsonl" <<'PY' || fail "overflow: reports wrong"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
proc = [json.loads(l) for l in open(sys.argv[2])]
reports = [l for l in lines if "detections" in l and isinstance(l["detections"], int)]
hit = [r for r in reports if r.get("degraded_fraction", 0) > 0]
assert hit, "no degraded report"
for r in hit:
    assert r.get("quality") == "sample-loss", r
intact = {(r["cpi"], r["channel"]) for r in reports if r.get("degraded_fraction", 0) == 0}
assert intact, "no intact report"
for r in reports:
    assert r.get("degraded_fraction", 0) < 1.0 or r["detections"] == 0
dets = [l for l in lines if "range_m" in l and (l["cpi"], l["channel"]) in intact]
want = [d for d in proc if (d["cpi"], d["channel"]) in intact]
assert dets == want, "intact CPIs' detections differ"
print(f"soapy_source: overflow: {len(hit)} of {len(reports)} reports degraded (sample-loss), "
      f"the {len(intact)} intact ones = triad process")
PY

set +e
"$triad" run --source "soapy://driver=nosuch" --meta "$tmp/rec.sigmf-meta" --idle-timeout 1 \
  >/dev/null 2>"$tmp/r1.err"
st1=$?
"$triad" run --source "soapy://${dev/rate=10e6/rate=5e6}" --meta "$tmp/rec.sigmf-meta" \
  --idle-timeout 1 >/dev/null 2>"$tmp/r2.err"
st2=$?
"$triad" run --source "soapy://$dev" --meta "$tmp/rec.sigmf-meta" --window-offset 0.00019 \
  --idle-timeout 1 >/dev/null 2>"$tmp/r3.err"
st3=$?
"$triad" run --source "soapy://$dev,format=CS8" --meta "$tmp/rec.sigmf-meta" --idle-timeout 1 \
  >/dev/null 2>"$tmp/r4.err"
st4=$?
set -e
[ $st4 -eq 2 ] && grep -q "the device streams CS8; Triad reads CS16 or CF32" "$tmp/r4.err" ||
  fail "CS8 only: status $st4"
[ $st1 -eq 2 ] && grep -q "no device" "$tmp/r1.err" || fail "no such device: status $st1"
[ $st2 -eq 2 ] && grep -q "samples at 5000000 S/s, the meta's core:sample_rate is 10000000" "$tmp/r2.err" ||
  fail "wrong rate: status $st2"
[ $st3 -eq 2 ] && grep -q "does not end before the next pulse" "$tmp/r3.err" || fail "window too long: status $st3"
echo "soapy_source: ok"
