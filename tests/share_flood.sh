#!/usr/bin/env bash
# The hub under a flood (issue 14, item 1), on loopback: a sender inside link A-C and one inside
# link B-C (each with that partner's DDS identity, without its signing key) publish unsigned
# warnings, every one its own instance, at RATE/s each for SECONDS, while node A publishes 30
# real warnings at 10/s to B through the hub. Checks:
#   - every real warning reaches B (none lost, none stale);
#   - every flood message is accounted for in the audit: the "rejections" summaries of reason
#     "unsigned" add up, per link, to what each flooder sent; at most 3 per link, reason and
#     interval are audited in full (the log stays small);
#   - signed checkpoints kept coming during the flood: the log verifies with --trust, fully
#     covered after the hub's stop, and no two checkpoints are over 100 lines apart;
#   - B heard the hub's heartbeats throughout (no deadline missed);
#   - the hub's resident memory stays under 150 MB.
# Prints B's latency (age_ms p50/p99), what the flooders sent and the hub's peak memory.
# usage: share_flood.sh TRIAD SHARE_INJECT TMPDIR [RATE SECONDS [LINKS [N]]]: LINKS the flooded
# links ("A B", default; "A": the real sender's own link; "B": the other), N real warnings
# (default 30, at 10/s; the flood lasts at least as long).  SPDX-License-Identifier: GPL-2.0-or-later
set -uo pipefail
if [ $# -lt 3 ]; then echo "usage: $0 TRIAD SHARE_INJECT TMPDIR [RATE SECONDS]" >&2; exit 2; fi
triad=$1 inject=$2 rate=${4:-1500} secs=${5:-4} flooded=${6:-A B} nreal=${7:-30}
case $triad in /*) ;; *) triad=$PWD/$triad ;; esac
case $inject in /*) ;; *) inject=$PWD/$inject ;; esac
py=python3
[ -x /usr/bin/python3 ] && py=/usr/bin/python3
. "$(dirname "${BASH_SOURCE[0]}")/share_lib.sh"
share_test_begin share_flood "$3" 20

X=$((100 + (RANDOM + $$) % 120)) Y=$((X + 1))
for n in A B hub; do "$triad" keygen --id $n --dir keys >/dev/null || fail "keygen $n"; done
cat >policy.json <<'EOF'
{"partners": {"A": {"warning": {"release": ["*"]}},
              "B": {"warning": {"release": ["*"], "withhold": ["track_id"]}}}}
EOF
cat >hub.json <<EOF
{"id": "hub", "key": "keys/hub.key", "trust": "keys/trust.json", "policy": "policy.json",
 "audit": "audit.jsonl", "state": "hub-state.jsonl", "summary_s": 1,
 "links": [{"partner": "A", "domain": $X, "loopback": true},
           {"partner": "B", "domain": $Y, "loopback": true}]}
EOF
for p in A B; do
  d=$X; [ $p = B ] && d=$Y
  cat >node$p.json <<EOF
{"id": "$p", "key": "keys/$p.key", "trust": "keys/trust.json", "hub": "hub",
 "link": {"partner": "hub", "domain": $d, "loopback": true}}
EOF
done
$py - "$nreal" >a.jsonl <<'EOF'
import json
import sys
for i in range(1, int(sys.argv[1]) + 1):
    print(json.dumps({"type": "warning", "event_id": i, "version": 1, "kind": "NEW", "track_id": 7,
                      "launch": {"lat_deg": 38.5 + i / 100, "lon_deg": 125.25},
                      "impact": {"lat_deg": 36.0, "lon_deg": 131.0 - i / 100}}, separators=(",", ":")))
EOF

"$triad" hub --config hub.json --stats 1 2>hub.err &
hub=$!
pids+=("$hub")
"$triad" node --config nodeB.json --out b.jsonl --count "$nreal" --timeout $((secs + 60)) 2>nodeB.err &
nodeB=$!
pids+=("$nodeB")
wait_for 'grep -q "link to hub: matched" nodeB.err && grep -q "link to hub: alive" nodeB.err' 60 ||
  fail "B did not match the hub"
flooder() { # PARTNER FIRST_EVENT: flood that partner's link, or report 0 sent
  case " $flooded " in
    *" $1 "*) "$inject" node$1.json flood "$rate" "$secs" "$2" ;;
    *) echo "flood 0" ;;
  esac
}
flooder A 1000000 >flood_a.out 2>flood_a.err &
fa=$!
flooder B 2000000 >flood_b.out 2>flood_b.err &
fb=$!
pids+=("$fa" "$fb")
# the hub's memory, sampled until the flood is over
(peak=0; while kill -0 "$fa" 2>/dev/null || kill -0 "$fb" 2>/dev/null; do
   r=$(awk '/^VmRSS/ { print $2 }' /proc/$hub/status 2>/dev/null || echo 0)
   [ "${r:-0}" -gt $peak ] && peak=$r
   echo "$peak" >rss_peak_kb
   sleep 0.2
 done) &
pids+=("$!")
sleep 0.5
"$triad" node --config nodeA.json --input a.jsonl --rate 10 2>nodeA.err ||
  fail "node A: status $?"
wait "$nodeB" || fail "B got $(wc -l <b.jsonl 2>/dev/null || echo 0) of $nreal warnings"
wait "$fa" || fail "flooder A failed"
wait "$fb" || fail "flooder B failed"
sent_a=$(awk '/^flood/ { print $2 }' flood_a.out) sent_b=$(awk '/^flood/ { print $2 }' flood_b.out)
[ -n "$sent_a" ] && [ -n "$sent_b" ] || fail "the flooders did not report"
sleep 1
kill -TERM "$hub"
wait "$hub" || fail "hub: status $?"
peak=$(cat rss_peak_kb 2>/dev/null || echo 0)

$py - b.jsonl audit.jsonl "$sent_a" "$sent_b" "$peak" "$rate" "$secs" "$nreal" <<'EOF' || fail "checks"
import json, sys
got = [json.loads(l) for l in open(sys.argv[1])]
audit = [json.loads(l) for l in open(sys.argv[2])]
sent = {"A": int(sys.argv[3]), "B": int(sys.argv[4])}
peak_mb = int(sys.argv[5]) / 1024
ids = sorted(g["fields"]["event_id"] for g in got if g["origin"] == "A")
nreal = int(sys.argv[8])
assert ids == list(range(1, nreal + 1)), ("B got", ids)
assert all("track_id" not in g["fields"] for g in got)
age = sorted(g["age_ms"] for g in got)
p = lambda q: age[min(len(age) - 1, int(q * len(age)))]
counted = {"A": 0, "B": 0}
full = {}
for a in audit:
    if a["event"] == "rejections" and a["reason"] == "unsigned":
        counted[a["partner"]] += a["count"]
        assert a["shown"] <= 3, a
    if a["event"] == "rejected":
        full[a["origin"]] = full.get(a["origin"], 0) + 1
assert counted == sent, ("summaries count", counted, "flooders sent", sent)
summaries = sum(1 for a in audit if a["event"] == "rejections")
assert sum(full.values()) <= 3 * summaries, (full, summaries)
cps = [i for i, a in enumerate(audit) if a["event"] == "checkpoint"]
gaps = [b - a for a, b in zip(cps, cps[1:])]
assert cps[-1] == len(audit) - 1 and max(gaps) <= 101, (len(audit), max(gaps))
assert peak_mb < 150, "hub peak memory %.0f MB" % peak_mb
print("share_flood: %d + %d unsigned at %s/s each for %s s; B got %d of %d, age p50 %.1f ms "
      "p99 %.1f ms max %.1f ms; audit %d lines (%d rejections summaries, %d in full, %d "
      "checkpoints); hub peak RSS %.0f MB"
      % (sent["A"], sent["B"], sys.argv[6], sys.argv[7], len(ids), nreal, p(0.5), p(0.99), age[-1], len(audit),
         summaries, sum(full.values()), len(cps), peak_mb))
EOF
"$triad" audit verify audit.jsonl --trust keys/trust.json >verify.out || fail "audit: $(cat verify.out)"
grep -q "(stop), 0 lines after it unproven" verify.out || fail "audit: $(cat verify.out)"
! grep -q "deadline_missed" nodeB.err || fail "B missed the hub's heartbeats during the flood"
! grep -Eq 'AddressSanitizer|runtime error|LeakSanitizer' ./*.err || fail "sanitizer report"
echo "share_flood: ok"
