#!/usr/bin/env bash
# DDS Security on the bilateral link domains (docs/FORMATS.md, "Sharing: PKI and DDS
# Security"): host/share/pki/make-deployment.sh makes a deployment (CA, nodeA/nodeB/hub
# identities, signed governance per link and permissions per node) on two random domains
# X (link A-C) and Y (link B-C), loopback setup; then
#   (a) triad run with nodeA's identity publishes on X (fed by triad replay) and triad listen
#       with the hub's identity on X hears every report: its lines are run's --out lines;
#   (c) meanwhile a triad listen without security on X hears nothing (--count 1 not reached);
#   (b) a node cannot join the other partner's link domain: nodeA's configuration on Y and
#       nodeB's on X are refused by the governance (no rule for that domain); nodeA's identity
#       with link B-C's governance on Y, and nodeB's with link A-C's on X, are refused by the
#       permissions; triad run with nodeA's identity on Y does not start; the hub is allowed
#       on both; a second run of make-deployment.sh keeps everything (idempotent).
# Exit 77 (skipped) without openssl or Cyclone's security plugins.
# usage: dds_security.sh TRIAD SOURCE_DIR TMPDIR.  SPDX-License-Identifier: GPL-2.0-or-later
set -uo pipefail
if [ $# -ne 3 ]; then echo "usage: $0 TRIAD SOURCE_DIR TMPDIR" >&2; exit 2; fi
triad=$1 src=$(cd "$2" && pwd) || exit 2
case $triad in /*) ;; *) triad=$PWD/$triad ;; esac
mk=$src/host/share/pki/make-deployment.sh

command -v openssl >/dev/null 2>&1 || { echo "dds_security: no openssl: skipped"; exit 77; }
plugins=
for d in /usr/lib/x86_64-linux-gnu/libddsc0debian /usr/lib/"$(uname -m)"-linux-gnu/libddsc0debian \
         /usr/local/lib /usr/lib/x86_64-linux-gnu /usr/lib64 /usr/lib; do
  if [ -e "$d/libdds_security_auth.so" ] && [ -e "$d/libdds_security_ac.so" ] &&
     [ -e "$d/libdds_security_crypto.so" ]; then plugins=$d; break; fi
done
[ -n "$plugins" ] || { echo "dds_security: Cyclone's security plugins not found: skipped"; exit 77; }

mkdir -p "$3"
tmp=$(mktemp -d "$3/run.XXXXXX")
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT
cd "$tmp" || exit 1
fail() {
  echo "dds_security: FAIL: $*" >&2
  for f in "$tmp"/*.err "$tmp"/*.log; do [ -e "$f" ] && { echo "--- $f" >&2; cat "$f" >&2; }; done
  exit 1
}
no_sanitizer_report() { ! grep -Eq 'AddressSanitizer|runtime error|LeakSanitizer' "$@"; }

X=$((100 + (RANDOM + $$) % 129))
Y=$((X + 1))
topic="triad/sec_test_$$_$RANDOM"
echo "dds_security: link A-C on domain $X, link B-C on domain $Y, topic $topic"

bash "$mk" --loopback --plugin-dir "$plugins" --domain-ac $X --domain-bc $Y dep >mk.log 2>&1 ||
  fail "make-deployment.sh failed"
[ "$(grep -c '^made\|^signed' mk.log)" -eq 13 ] || fail "make-deployment.sh: expected 13 things made"
bash "$mk" --loopback --plugin-dir "$plugins" --domain-ac $X --domain-bc $Y dep >mk2.log 2>&1 ||
  fail "make-deployment.sh (second run) failed"
[ "$(grep -c '^kept' mk2.log)" -eq 13 ] && ! grep -q '^made\|^signed' mk2.log ||
  fail "make-deployment.sh is not idempotent"
for f in dep/link-AC/governance dep/link-BC/governance dep/nodeA/permissions \
         dep/nodeB/permissions dep/hub/permissions; do
  openssl smime -verify -in $f.p7s -CAfile dep/ca/ca.pem -out $f.check >/dev/null 2>&1 ||
    fail "$f.p7s does not verify against the CA"
done
for n in nodeA nodeB hub; do
  openssl verify -CAfile dep/ca/ca.pem dep/$n/cert.pem >/dev/null 2>&1 || fail "$n's certificate"
done
cfg() { echo "file://$tmp/dep/$1.xml"; } # link-XX/node
# a node's identity with the other link's governance (what a partner could write by hand)
sed 's|/link-AC/governance.p7s|/link-BC/governance.p7s|' dep/link-AC/nodeA.xml >dep/nodeA-on-BC.xml
sed 's|/link-BC/governance.p7s|/link-AC/governance.p7s|' dep/link-BC/nodeB.xml >dep/nodeB-on-AC.xml

# ---- (b) refused participants ---------------------------------------------------------
# refused NAME DOMAIN CONFIG REASON: triad listen exits 1, Cyclone says REASON (a regex)
refused() {
  "$triad" listen --domain "$2" --config "$3" --topic "$topic" --count 1 --timeout 5 \
    >"$1.jsonl" 2>"$1.err"
  local st=$?
  [ $st -eq 1 ] || fail "$1: status $st, expected 1 (refused)"
  grep -q 'creating a participant' "$1.err" || fail "$1: no 'creating a participant' error"
  grep -Eq "$4" "$1.err" || fail "$1: Cyclone does not say /$4/"
  [ ! -s "$1.jsonl" ] || fail "$1: printed something"
  no_sanitizer_report "$1.err" || fail "$1: sanitizer report"
  echo "ok    $1"
}
refused "b1_nodeA_on_Y" $Y "$(cfg link-AC/nodeA)" "not allowed to create participant.*domain $Y"
refused "b2_nodeB_on_X" $X "$(cfg link-BC/nodeB)" "not allowed to create participant.*domain $X"
refused "b3_nodeA_BCgov_on_Y" $Y "$(cfg nodeA-on-BC)" "not allowed to create participant.*denied"
refused "b4_nodeB_ACgov_on_X" $X "$(cfg nodeB-on-AC)" "not allowed to create participant.*denied"
# the hub may join both (with each link's governance)
for l in AC:$X BC:$Y; do
  "$triad" listen --domain "${l#*:}" --config "$(cfg "link-${l%:*}/hub")" --topic "$topic" \
    --timeout 0.2 >/dev/null 2>hub_${l%:*}.err || fail "the hub cannot join link ${l%:*}"
done
echo "ok    the hub joins both links"

# ---- (a) nodeA -> hub on X, (c) an unsecured listener on X hears nothing ------------------
cat >scene.json <<'EOF'
{"radar": {"datatype": "ci16_le", "sample_rate_hz": 10e6, "carrier_hz": 3e9, "pri_s": 200e-6,
           "samples_per_pulse": 1024, "pulses_per_cpi": 32, "num_channels": 2,
           "datetime": "2026-11-23T00:00:00.25Z",
           "waveform": {"bandwidth_hz": 5e6, "pulse_width_s": 5e-6},
           "site": {"id": "secure", "lat_deg": 35, "lon_deg": 139, "alt_m": 0},
           "beam": {"azimuth_deg": 90, "elevation_deg": 2}},
 "cpis": 4, "seed": 5, "ci16_scale": 300,
 "targets": [{"range_m": 3000, "velocity_mps": 30, "snr_db": 10},
             {"range_m": 8000, "velocity_mps": -60, "snr_db": 5}]}
EOF
"$triad" simulate --scene scene.json --out rec >sim.log 2>&1 || fail "triad simulate failed"
nreports=8 # 4 CPIs x 2 channels

"$triad" listen --domain $X --config "$(cfg link-AC/hub)" --topic "$topic" --count $nreports \
  --timeout 90 --out hub.jsonl 2>hub.err &
hub=$!
pids+=("$hub")
"$triad" listen --loopback --domain $X --topic "$topic" --count 1 --timeout 20 \
  --out open.jsonl 2>open.err &
open=$!
pids+=("$open")

: >run.err
"$triad" run --source vita49://127.0.0.1:0 --meta rec.sigmf-meta --backend fftw \
  --fft-effort estimate --threads 1 --stats 0 --idle-timeout 3 --queue 64 --out run.jsonl \
  --dds-domain $X --dds-config "$(cfg link-AC/nodeA)" --dds-topic "$topic" \
  --dds-wait-readers 1 2>run.err &
run=$!
pids+=("$run")
port=
for _ in $(seq 600); do
  port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' run.err)
  [ -n "$port" ] && break
  kill -0 $run 2>/dev/null || break
  sleep 0.05
done
[ -n "$port" ] || fail "triad run (nodeA's identity, domain $X) did not start"
"$triad" replay rec.sigmf-meta --to udp://127.0.0.1:$port --rate 0.25 2>replay.err ||
  fail "triad replay failed"
wait $run || fail "triad run did not exit 0"
wait $hub || fail "the hub's listener did not get $nreports reports"
[ -s run.jsonl ] || fail "triad run found no detections"
cmp -s hub.jsonl run.jsonl || fail "(a) the hub's lines differ from run's --out"
echo "ok    (a) nodeA publishes on link A-C, the hub hears all $nreports reports"
wait $open
st=$?
[ $st -eq 1 ] || fail "(c) the listener without security: status $st, expected 1"
grep -q "0 of 1 reports" open.err || fail "(c) the listener without security heard something"
[ ! -s open.jsonl ] || fail "(c) the listener without security printed something"
echo "ok    (c) a listener without security on link A-C hears nothing"
no_sanitizer_report run.err hub.err open.err replay.err || fail "sanitizer report"

# ---- (b) triad run with nodeA's identity on link B-C does not start --------------------------
timeout -s KILL 60 "$triad" run --source vita49://127.0.0.1:0 --meta rec.sigmf-meta \
  --backend fftw --threads 1 --stats 0 --idle-timeout 1 --out run_y.jsonl \
  --dds-domain $Y --dds-config "$(cfg link-AC/nodeA)" --dds-topic "$topic" 2>run_y.err
st=$?
[ $st -eq 1 ] || fail "triad run with nodeA's identity on domain $Y: status $st, expected 1"
grep -Eq "not allowed to create participant" run_y.err || fail "run on $Y: no refusal message"
no_sanitizer_report run_y.err || fail "run on $Y: sanitizer report"
echo "ok    (b) triad run with nodeA's identity cannot join link B-C"
echo "dds_security: ok"
