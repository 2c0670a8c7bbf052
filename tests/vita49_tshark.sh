#!/usr/bin/env bash
# What `triad replay` sends, read by an independent decoder: Wireshark's vrt dissector
# (tshark). A simulated 2-channel recording (a strong target, so that some samples saturate)
# is replayed in each form (--tsf sample-count, the default; picoseconds; free-running;
# --profile difi) to a UDP socket that stores the datagrams as a pcap file
# (tests/vita49_tshark.py capture); tshark decodes it and vita49_tshark.py check compares every
# data packet's fields (type, stream ID, class ID, TSI/TSF, packet count, size, integer and
# fractional timestamps from core:datetime, PRI and fs, trailer enables and indicators, the
# over-range bit against the samples themselves) and its samples with the recording, and the
# context packets' headers; Wireshark 4.0's dissector does not decode CIF0 fields, so the
# script reads the context bodies from tshark's data bytes with VITA 49.0's field table.
# A triad run then takes each form and gives `triad process`'s detections.
# usage: vita49_tshark.sh TRIAD SOURCE_DIR TMPDIR.  SPDX-License-Identifier: GPL-2.0-or-later
set -euo pipefail
triad=$1 src=$2
mkdir -p "$3"
tmp=$(mktemp -d "$3/run.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail() { echo "vita49_tshark: $*" >&2; for f in "$tmp"/*.err; do [ -f "$f" ] && { echo "--- $f" >&2; tail -n 20 "$f" >&2; }; done; exit 1; }
command -v tshark >/dev/null || fail "tshark not found (.ci/install-deps installs it)"
py=$src/tests/vita49_tshark.py

cat >"$tmp/scene.json" <<'JSON'
{"radar": {"datatype": "ci16_le", "sample_rate_hz": 10e6, "carrier_hz": 3e9, "pri_s": 200e-6,
           "samples_per_pulse": 512, "pulses_per_cpi": 16, "num_channels": 2,
           "datetime": "2026-11-23T00:00:00.9975Z",
           "waveform": {"bandwidth_hz": 5e6, "pulse_width_s": 5e-6}},
 "cpis": 3, "seed": 3, "ci16_scale": 300,
 "targets": [{"range_m": 3000, "velocity_mps": 30, "snr_db": 45},
             {"range_m": 9000, "velocity_mps": -40, "snr_db": 10}]}
JSON
"$triad" simulate --scene "$tmp/scene.json" --out "$tmp/rec" >/dev/null 2>"$tmp/sim.err" || fail "simulate"
"$triad" process "$tmp/rec.sigmf-meta" --backend fftw --fft-effort estimate --threads 1 --quiet \
  --out "$tmp/proc.jsonl" 2>"$tmp/proc.err" || fail "process"

for mode in sample-count picoseconds free-running difi; do
  args=(--tsf "$mode")
  [ "$mode" = difi ] && args=(--profile difi)
  rm -f "$tmp/port"
  python3 "$py" capture "$tmp/port" "$tmp/$mode.pcap" 1.5 >"$tmp/cap.out" 2>"$tmp/cap.err" &
  cap=$!
  for _ in $(seq 100); do [ -s "$tmp/port" ] && break; sleep 0.05; done
  [ -s "$tmp/port" ] || fail "the capture did not start"
  port=$(cat "$tmp/port")
  "$triad" replay "$tmp/rec.sigmf-meta" --to "udp://127.0.0.1:$port" --rate 0.2 --quiet "${args[@]}" \
    2>"$tmp/replay.err" || fail "replay $mode"
  wait "$cap" || fail "capture $mode"
  # shellcheck disable=SC2046
  tshark -r "$tmp/$mode.pcap" -d "udp.port==$port,vrt" -T fields -E separator=/t \
    $(python3 "$py" fields) >"$tmp/$mode.tsv" 2>"$tmp/tshark.err" || fail "tshark"
  python3 "$py" check "$mode" "$tmp/rec.sigmf-meta" "$tmp/$mode.tsv" || fail "$mode: tshark's fields differ"

  # and triad run takes it: the detections of triad process
  : >"$tmp/run.err"
  prof=()
  [ "$mode" = difi ] && prof=(--profile difi)
  "$triad" run --source vita49://127.0.0.1:0 --meta "$tmp/rec.sigmf-meta" --backend fftw \
    --fft-effort estimate --threads 1 --stats 0 --idle-timeout 1.5 --out "$tmp/run.jsonl" \
    "${prof[@]}" 2>"$tmp/run.err" &
  run=$!
  port=
  for _ in $(seq 400); do
    port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$tmp/run.err")
    [ -n "$port" ] && break
    sleep 0.05
  done
  [ -n "$port" ] || fail "triad run did not start"
  "$triad" replay "$tmp/rec.sigmf-meta" --to "udp://127.0.0.1:$port" --rate 0.2 --quiet "${args[@]}" \
    2>"$tmp/replay.err" || fail "replay $mode to run"
  wait "$run" || fail "triad run ($mode) exited non-zero"
  grep -q "malformed 0 " "$tmp/run.err" || fail "$mode: triad run rejected packets"
  # the same lines, but for the quality the trailers gave (DIFI sends no trailer)
  sed 's/,"quality":"over-range"}$/}/' "$tmp/run.jsonl" | cmp -s - "$tmp/proc.jsonl" ||
    fail "$mode: triad run's detections differ from triad process's"
  if [ "$mode" != difi ]; then
    grep -q "trailers: over-range [1-9]" "$tmp/run.err" || fail "$mode: no over-range counted"
    grep -q '"quality":"over-range"}$' "$tmp/run.jsonl" || fail "$mode: no over-range in the reports"
  else
    ! grep -q '"quality"' "$tmp/run.jsonl" || fail "difi: a quality without trailers"
  fi
  echo "vita49_tshark: $mode: triad run = triad process"
done
# stream IDs in hex; a stream of another ID: every packet rejected, counted by reason, the
# first told with its values
start_run() {
  : >"$tmp/run.err"
  "$triad" run --source vita49://127.0.0.1:0 --meta "$tmp/rec.sigmf-meta" --backend fftw \
    --fft-effort estimate --threads 1 --stats 0 --idle-timeout 1.5 --out "$tmp/run.jsonl" "$@" \
    2>"$tmp/run.err" &
  run=$!
  port=
  for _ in $(seq 400); do
    port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$tmp/run.err")
    [ -n "$port" ] && return 0
    sleep 0.05
  done
  fail "triad run did not start"
}
start_run --stream-id 0x1234
"$triad" replay "$tmp/rec.sigmf-meta" --to "udp://127.0.0.1:$port" --rate 0.2 --quiet --stream-id 0x1234 \
  2>"$tmp/replay.err" || fail "replay --stream-id 0x1234"
wait "$run" || fail "run --stream-id 0x1234"
grep -q "stream IDs 0x00001234..0x00001235" "$tmp/run.err" || fail "hex stream ID not taken"
cmp -s <(sed 's/,"quality":"over-range"}$/}/' "$tmp/run.jsonl") "$tmp/proc.jsonl" || fail "--stream-id 0x1234: detections differ"
start_run
"$triad" replay "$tmp/rec.sigmf-meta" --to "udp://127.0.0.1:$port" --rate 0.2 --quiet --stream-id 0x1234 \
  2>"$tmp/replay.err" || fail "replay to the wrong stream ID"
wait "$run" || fail "run with the wrong stream ID"
grep -q "first datagram rejected for 'stream ID': stream ID 0x00001234, expected 0x00000001..0x00000002" \
  "$tmp/run.err" || fail "the stream ID rejection is not told with its values"
[ "$(grep -c "first datagram rejected" "$tmp/run.err")" = 1 ] || fail "a reason told more than once"
grep -q "malformed 142 (stream ID 142)" "$tmp/run.err" || fail "rejections not counted by reason"
grep -q "CPIs processed 0 " "$tmp/run.err" || fail "CPIs from rejected packets"
# bad options: exit 2, named
for args in "run --stream-id 0x1g" "run --stream-id 4294967296" "run --stream-id -1" \
            "run --profile vrt" "run --epoch now" "replay --tsf real-time" "replay --profile x" \
            "replay --profile difi --tsf sample-count"; do
  set +e
  # shellcheck disable=SC2086
  "$triad" ${args%% *} ${args#* } --meta "$tmp/rec.sigmf-meta" --source vita49://127.0.0.1:0 \
    >/dev/null 2>"$tmp/u.err"
  st=$?
  set -e
  [ "${args%% *}" = replay ] && { set +e; "$triad" replay "$tmp/rec.sigmf-meta" --to udp://127.0.0.1:9 ${args#* } >/dev/null 2>"$tmp/u.err"; st=$?; set -e; }
  [ $st -eq 2 ] || fail "$args: status $st, expected 2"
  grep -q "option --" "$tmp/u.err" || fail "$args: the message names no option: $(cat "$tmp/u.err")"
done
echo "vita49_tshark: ok"
