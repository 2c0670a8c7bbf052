#!/usr/bin/env bash
# Sustained input rate of `triad run` with no drop: the highest speed-up of real time at which
# a long stream goes through with nothing lost (packets, overflows) and no CPI dropped by the
# queue, for the VITA-49 source (`triad replay --rate X` over loopback UDP) and the SoapySDR
# source (the tests' triadfile module, device time at `speed=X`). Doubling X from 0.5 until it
# fails, then one step of 1.5 x the best; each rate is tried RUNS times, alternating the two sources,
# and passes on the median run (a run passes when lost = dropped = skipped = 0). Both sources
# get the same buffer while the reader is away: the socket's 8 MiB for VITA-49 (window samples
# only: 205 ms of radar time), the module's buffer_s = 0.105 s of device time for SoapySDR
# (8 MiB of its continuous 2-channel CS16 stream at 10 MS/s).
# Radar: 2 channels, 1024 samples per pulse, 32 pulses per CPI, PRI 200 us, 10 MS/s: at real time
# 2 x 1024 / 200e-6 = 10.24 MS/s of window samples (40.96 MB/s of ci16) into the chain.
# usage: bench/live_rate.sh TRIAD SOAPY_MODULE_DIR SCRATCH [RUNS]   (run under /work/bin/isolated)
# SPDX-License-Identifier: GPL-2.0-or-later
set -u
triad=$1 mods=$2 tmp=$3 runs=${4:-3}
mkdir -p "$tmp"
cat >"$tmp/scene.json" <<'JSON'
{"radar": {"datatype": "ci16_le", "sample_rate_hz": 10e6, "carrier_hz": 3e9, "pri_s": 200e-6,
           "samples_per_pulse": 1024, "pulses_per_cpi": 32, "num_channels": 2,
           "datetime": "2026-11-23T00:00:00Z",
           "waveform": {"bandwidth_hz": 5e6, "pulse_width_s": 5e-6}},
 "cpis": 400, "seed": 1, "ci16_scale": 300,
 "targets": [{"range_m": 3000, "velocity_mps": 30, "snr_db": 5}]}
JSON
[ -s "$tmp/rec.sigmf-data" ] || "$triad" simulate --scene "$tmp/scene.json" --out "$tmp/rec" >/dev/null 2>&1
chain=(--backend fftw --fft-effort estimate --stats 0 --out /dev/null)
ok_line() { grep -q "lost 0 .*dropped 0 skipped 0" "$1" && grep -q "processed 400 " "$1"; }

try_vita() { # X -> 0 when nothing was lost or dropped
  : >"$tmp/v.err"
  "$triad" run --source vita49://127.0.0.1:0 --meta "$tmp/rec.sigmf-meta" "${chain[@]}" \
    --idle-timeout 1 2>"$tmp/v.err" &
  local pid=$! port=
  for _ in $(seq 400); do
    port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$tmp/v.err")
    [ -n "$port" ] && break
    sleep 0.05
  done
  "$triad" replay "$tmp/rec.sigmf-meta" --to "udp://127.0.0.1:$port" --rate "$1" --quiet 2>/dev/null
  wait $pid
  ok_line "$tmp/v.err"
}
try_soapy() {
  SOAPY_SDR_PLUGIN_PATH=$mods "$triad" run --source "soapy://driver=triadfile,file=$tmp/rec.sigmf-data,rate=10e6,pri=200e-6,n=1024,p=32,channels=2,speed=$1,buffer_s=0.105" \
    --meta "$tmp/rec.sigmf-meta" "${chain[@]}" --idle-timeout 1 2>"$tmp/s.err"
  ok_line "$tmp/s.err"
}
# passes X: the median of RUNS tries passes (alternating sources is done by the caller)
declare -A pass
measure() { # X: sets pass[vita,X] pass[soapy,X]
  local v=0 s=0
  for _ in $(seq "$runs"); do
    try_vita "$1" && v=$((v + 1))
    try_soapy "$1" && s=$((s + 1))
  done
  pass[vita,$1]=$((2 * v > runs)) pass[soapy,$1]=$((2 * s > runs))
  echo "x$1: vita49 $v/$runs, soapy $s/$runs"
}
best_v=0 best_s=0
for x in 0.5 1 2 4 8 16 32; do
  measure $x
  [ "${pass[vita,$x]}" = 1 ] && best_v=$x
  [ "${pass[soapy,$x]}" = 1 ] && best_s=$x
  [ "${pass[vita,$x]}" = 0 ] && [ "${pass[soapy,$x]}" = 0 ] && break
done
for src in vita soapy; do
  b=$([ $src = vita ] && echo $best_v || echo $best_s)
  [ "$b" != 0 ] || continue
  mid=$(python3 -c "print($b * 3 / 2)")
  measure $mid >/dev/null
  [ "${pass[$src,$mid]}" = 1 ] && b=$mid
  [ $src = vita ] && best_v=$b || best_s=$b
done
rate() { python3 -c "x=$1; print(f'{x} x real time = {x*2*1024/200e-6/1e6:.1f} MS/s ({x*2*1024/200e-6*4/1e6:.0f} MB/s ci16)')"; }
echo "vita49 sustained, no drop: $(rate $best_v)"
echo "soapy  sustained, no drop: $(rate $best_s)"
