#!/usr/bin/env bash
# The sharing stage end to end on loopback, several processes (docs/FORMATS.md, "Sharing"):
# a hub joined to link A-C, link B-C (DDS Security from host/share/pki/make-deployment.sh when
# openssl and Cyclone's plugins are there, else plain loopback) and its national domain C;
# nodes A, B and C; warnings and tracks of `triad fuse` as the nations' data.
#   (a) A's warnings and tracks reach B and C, B's reach A: verified by the receiving node
#       (origin and hub signatures, freshness, version), the release policy applied field by
#       field (withheld fields absent, positions rounded to the partner's precision, values
#       otherwise those A sent), nothing echoed to its origin, every release audited;
#   (b) a rogue sender with A's identity: unsigned, bad signature, stale, from the future,
#       another origin, a replayed version: each rejected by the hub and audited with its
#       reason, none delivered; the good message after them is relayed;
#   (c) mid-stream the hub is killed (SIGKILL) and restarted, then node B is killed and
#       restarted (state file kept): B ends with the latest version of every warning A sent,
#       no version delivered twice across B's two runs, within seconds of recovery;
#   (d) the audit log verifies; a copy with one byte changed is reported BROKEN at that line.
# usage: share_hub.sh TRIAD SOURCE_DIR TMPDIR SHARE_INJECT.  SPDX-License-Identifier: GPL-2.0-or-later
set -uo pipefail
if [ $# -ne 4 ]; then echo "usage: $0 TRIAD SOURCE_DIR TMPDIR SHARE_INJECT" >&2; exit 2; fi
triad=$1 src=$(cd "$2" && pwd) || exit 2
inject=$4
case $triad in /*) ;; *) triad=$PWD/$triad ;; esac
case $inject in /*) ;; *) inject=$PWD/$inject ;; esac
py=python3
[ -x /usr/bin/python3 ] && py=/usr/bin/python3

. "$(dirname "${BASH_SOURCE[0]}")/share_lib.sh"
share_test_begin share_hub "$3" 30
no_sanitizer_report() { ! grep -Eq 'AddressSanitizer|runtime error|LeakSanitizer' "$@"; }
lines() { if [ -e "$1" ]; then wc -l <"$1"; else echo 0; fi; }

X=$((100 + (RANDOM + $$) % 120))
Y=$((X + 1)) Z=$((X + 2))
echo "share_hub: link A-C domain $X, link B-C domain $Y, national C domain $Z"

# ---- deployment -------------------------------------------------------------------------
plugins=
for d in /usr/lib/x86_64-linux-gnu/libddsc0debian /usr/lib/"$(uname -m)"-linux-gnu/libddsc0debian \
         /usr/local/lib /usr/lib/x86_64-linux-gnu /usr/lib64 /usr/lib; do
  [ -e "$d/libdds_security_auth.so" ] && { plugins=$d; break; }
done
if command -v openssl >/dev/null 2>&1 && [ -n "$plugins" ]; then
  bash "$src/host/share/pki/make-deployment.sh" --loopback --plugin-dir "$plugins" \
    --domain-ac $X --domain-bc $Y dep >mk.log 2>&1 || fail "make-deployment.sh"
  link() { echo "\"config\": \"file://$tmp/dep/$1.xml\""; }
  echo "share_hub: DDS Security on both links"
else
  link() { echo '"loopback": true'; }
  echo "share_hub: no openssl or security plugins: links without DDS Security"
fi
for n in A B C hub; do "$triad" keygen --id $n --dir keys >/dev/null || fail "keygen $n"; done
cat >policy.json <<'EOF'
{"partners": {
  "A": {"warning": {"release": ["*"], "withhold": ["track_id"],
                    "precision": {"launch.lat_deg": {"decimals": 2}, "launch.lon_deg": {"decimals": 2}}},
        "track": {"release": ["*"], "withhold": ["sites.*"]}},
  "B": {"warning": {"release": ["*"], "withhold": ["track_id", "issued_utc"],
                    "precision": {"launch.lat_deg": {"decimals": 1}, "launch.lon_deg": {"decimals": 1},
                                  "impact.lat_deg": {"step": 0.5}}},
        "track": {"release": ["track_id", "time_s", "lat_deg", "lon_deg", "alt_m", "status"]}},
  "C": {"warning": {"release": ["*"]}, "track": {"release": ["*"]}}}}
EOF
cat >hub.json <<EOF
{"id": "hub", "key": "keys/hub.key", "trust": "keys/trust.json", "policy": "policy.json",
 "audit": "audit.jsonl", "state": "hub-state.jsonl", "heartbeat_s": 0.5, "lease_s": 2,
 "links": [{"partner": "A", "domain": $X, $(link link-AC/hub)},
           {"partner": "B", "domain": $Y, $(link link-BC/hub)}],
 "national": {"partner": "C", "domain": $Z, "loopback": true}}
EOF
node_cfg() { # ID DOMAIN LINKSPEC
  cat >node$1.json <<EOF
{"id": "$1", "key": "keys/$1.key", "trust": "keys/trust.json", "hub": "hub",
 "state": "$1-received.jsonl", "heartbeat_s": 0.5, "lease_s": 2,
 "link": {"partner": "hub", "domain": $2, $3}}
EOF
}
node_cfg A $X "$(link link-AC/nodeA)"
node_cfg B $Y "$(link link-BC/nodeB)"
node_cfg C $Z '"loopback": true'

# the nations' data: warnings and tracks of triad fuse on the Korea-Japan scenario
"$triad" scenario run "$src/testdata/scenarios/korea_japan.json" --out reports.jsonl \
  --truth truth.jsonl >scenario.err 2>&1 || fail "triad scenario"
"$triad" fuse --input reports.jsonl --out fused.jsonl >fuse.err 2>&1 || fail "triad fuse"
# A: the warnings of the first 20 events and every 10th track line; B: 6 lines of its own
awk -F'"event_id":' '/"type":"warning"/ { split($2, a, ","); if (a[1] + 0 <= 20) print; next }
     /"type":"track"/ { if (++t % 10 == 0) print }' fused.jsonl >a_all.jsonl
head -n 40 a_all.jsonl >a1.jsonl   # (a)
# (c): the warnings spread over six events (event 101..106, versions counting up, the last
# version of 106 a cancel) so that several instances are active across the outages
tail -n +41 a_all.jsonl | $py -c '
import json, sys
ls = sys.stdin.read().splitlines()
nw = sum(1 for l in ls if "\"warning\"" in l)
i = 0
for l in ls:
    o = json.loads(l)
    if o["type"] == "warning":
        o["event_id"], o["version"] = 101 + i % 6, i // 6 + 1
        o["kind"] = "NEW" if i < 6 else "UPDATE"
        if i == nw - 1 or (i == nw - 2 and o["event_id"] == 106): o["kind"] = "CANCEL"
        i += 1
    print(json.dumps(o, separators=(",", ":")))' >a2.jsonl
cat a1.jsonl a2.jsonl >a_all.jsonl
grep '"type":"warning"' fused.jsonl | head -n 6 >b1.jsonl
[ "$(grep -c warning a1.jsonl)" -ge 3 ] && [ "$(grep -c warning a2.jsonl)" -ge 24 ] ||
  fail "too few warnings in the scenario's output"

start_hub() {
  "$triad" hub --config hub.json --stats 5 >>hub.out 2>>hub.err 7>&- 8>&- &
  hub=$!
  pids+=("$hub")
}
start_node() { # ID OUT [more options]
  local id=$1 out=$2
  shift 2
  "$triad" node --config node$id.json --out "$out" "$@" 2>>node$id.err 7>&- 8>&- &
  eval "node$id=\$!"
  pids+=("$!")
}
start_hub
# A and B publish from pipes kept open, so the test decides when each part goes out
mkfifo a_in b_in
start_node B b_recv1.jsonl --input b_in
exec 8>b_in
start_node C c_recv.jsonl
start_node A a_recv.jsonl --input a_in
exec 7>a_in
wait_for 'grep -q "matched" nodeA.err && grep -q "matched" nodeB.err && grep -q "matched" nodeC.err' 60 ||
  fail "the nodes did not match the hub"

# ---- (a) A -> hub -> B, C; B -> hub -> A ---------------------------------------------------
cat a1.jsonl >&7
wait_for '[ "$(lines b_recv1.jsonl)" -ge 40 ] && [ "$(lines c_recv.jsonl)" -ge 40 ]' 60 ||
  fail "(a) B got $(lines b_recv1.jsonl), C $(lines c_recv.jsonl) of 40 messages"
cat b1.jsonl >&8
wait_for '[ "$(lines a_recv.jsonl)" -ge 6 ] && [ "$(lines c_recv.jsonl)" -ge 46 ]' 60 ||
  fail "(a) A got $(lines a_recv.jsonl) of 6 from B, C $(lines c_recv.jsonl) of 46"
$py - a1.jsonl b_recv1.jsonl c_recv.jsonl b1.jsonl a_recv.jsonl <<'EOF' || fail "(a) policy"
import json, sys
sent = [json.loads(l) for l in open(sys.argv[1])]
got_b = [json.loads(l) for l in open(sys.argv[2])]
got_c = [json.loads(l) for l in open(sys.argv[3])]
sent_b = [json.loads(l) for l in open(sys.argv[4])]
got_a = [json.loads(l) for l in open(sys.argv[5])]
def flat(o, p=""):
    out = {}
    for k, v in o.items():
        n = p + k
        if isinstance(v, dict): out.update(flat(v, n + "."))
        elif isinstance(v, list): out.update(flat({str(i): x for i, x in enumerate(v)}, n + "."))
        elif v is not None and k != "type": out[n] = v
    return out
# DDS keeps the order within an instance, not across: match by (type, instance, version)
def key(m): return (m["type"], m.get("event_id", m.get("track_id")), m.get("version", m.get("time_s")))
def gkey(g):
    f = g["fields"]
    return (g["type"], f.get("event_id", f.get("track_id")), f.get("version", f.get("time_s")))
def pairs(sent, got):
    by = {gkey(g): g for g in got}
    assert len(by) == len(got), "two deliveries of one version"
    for s in sent:
        assert key(s) in by, ("not delivered", key(s))
        yield s, by[key(s)]
assert len(got_b) == len(sent) and len(got_c) == len(sent) + len(sent_b), (len(got_b), len(got_c))
got_c = [g for g in got_c if g["origin"] == "A"]
for got, who in ((got_b, "B"), (got_c, "C"), (got_a, "A")):
    for g in got:
        assert g["verified"] and g["hub"] == "hub" and g["hub_time_ns"] > 0, g
        assert g["origin"] != who, "echo to its origin"
    seqs = [(g["origin"], g["seq"]) for g in got]
    assert len(seqs) == len(set(seqs)), who + ": a message delivered twice"
# B gets reduced releases (nothing computed over what was withheld: no origin digest or
# signature, the hub vouches), C everything unchanged with A's own signature
assert all(g["release"] == "reduced" for g in got_b), "B got an origin signature over withheld fields"
assert all(g["release"] == "original" for g in got_c), "C's full releases lost A's signature"
# B: field by field against what A sent
for s, g in pairs(sent, got_b):
    f, gf = flat(s), g["fields"]
    assert g["origin"] == "A" and g["type"] == s["type"]
    if s["type"] == "warning":
        assert "track_id" not in gf and "issued_utc" not in gf, gf.keys()
        for k, v in f.items():
            if k in ("track_id", "issued_utc"): continue
            if k in ("launch.lat_deg", "launch.lon_deg"): want = round(v, 1)
            elif k == "impact.lat_deg": want = round(v / 0.5) * 0.5
            else: want = v
            assert k in gf, (k, "missing")
            assert gf[k] == want or abs(gf[k] - want) < 1e-9 * max(1, abs(want)), (k, gf[k], want)
        assert set(gf) == set(f) - {"track_id", "issued_utc"}, set(gf) ^ (set(f) - {"track_id", "issued_utc"})
    else:
        rel = {"track_id", "time_s", "lat_deg", "lon_deg", "alt_m", "status"}
        assert set(gf) == rel & set(f), set(gf)
        for k in gf: assert gf[k] == f[k], (k, gf[k], f[k])
# C: everything, unchanged
for s, g in pairs(sent, got_c):
    assert g["fields"] == flat(s), "C: fields changed"
# A got B's warnings with A's precision (2 decimals), track_id withheld
assert len(got_a) == len(sent_b), (len(got_a), len(sent_b))
for s, g in pairs(sent_b, got_a):
    f, gf = flat(s), g["fields"]
    assert g["origin"] == "B" and "track_id" not in gf
    assert abs(gf["launch.lat_deg"] - round(f["launch.lat_deg"], 2)) < 1e-9
    assert gf["impact.lat_deg"] == f["impact.lat_deg"]
print("policy ok: %d to B, %d to C, %d to A" % (len(got_b), len(got_c), len(got_a)))
EOF
# every delivery to B was audited as released to B, with its withheld fields
nrel=$(grep -c '"event":"released".*"partner":"B"' audit.jsonl)
[ "$nrel" -ge 40 ] || fail "(a) $nrel releases to B audited, expected >= 40"
grep -q '"event":"withheld".*"partner":"B".*"field":"track_id","rule":"partners.B.warning.withhold' \
  audit.jsonl || fail "(a) no withheld line naming the rule"
echo "ok    (a) A -> hub -> B and C, B -> hub -> A: both signatures, the policy field by field, audited"

# ---- (b) a rogue sender on link A-C ---------------------------------------------------------
"$inject" nodeA.json 900000 >inject.out 2>inject.err || fail "(b) share_inject"
wait_for 'grep -q "\"event_id\":900006" b_recv1.jsonl' 30 || fail "(b) the good message after the bad ones was not relayed"
for r in "unsigned:unsigned" "bad_sig:bad_origin_signature" "stale:stale" "future:stale" \
         "wrong_origin:wrong_link" "replay:replayed"; do
  mode=${r%%:*} reason=${r#*:}
  seq=$(awk -v m="$mode" '$1 == m { print $3 }' inject.out)
  [ -n "$seq" ] || fail "(b) $mode not sent"
  grep -q "\"event\":\"rejected\".*\"seq\":$seq,.*\"reason\":\"$reason\"" audit.jsonl ||
    fail "(b) $mode (seq $seq) not audited as rejected: $reason"
  ! grep -q "\"seq\":$seq," b_recv1.jsonl c_recv.jsonl || fail "(b) $mode was delivered"
done
echo "ok    (b) unsigned, bad signature, stale, future, wrong origin, replay: rejected and audited"

# ---- (c) kill the hub, cut B off, mid-stream ----------------------------------------------------
n2=$(wc -l <a2.jsonl)
(
  i=0
  while IFS= read -r l; do
    printf '%s\n' "$l"
    i=$((i + 1))
    sleep 0.05
  done <a2.jsonl
) >&7 &
feeder=$!
sleep 1.5
kill -9 "$hub"; wait "$hub" 2>/dev/null
echo "share_hub: hub killed"
sleep 2
start_hub
sleep 2
kill -9 "$nodeB"; wait "$nodeB" 2>/dev/null
echo "share_hub: node B killed"
sleep 1.5
start_node B b_recv2.jsonl --input b_in
wait "$feeder"
t_end=$(date +%s)
# B must end with the latest version of every warning A sent
check_b() {
  $py - a_all.jsonl b_recv1.jsonl b_recv2.jsonl <<'EOF'
import json, sys
sent = [json.loads(l) for l in open(sys.argv[1]) if '"warning"' in l]
latest = {}
for s in sent: latest[s["event_id"]] = s["version"]
got = []
for p in sys.argv[2:]:
    try: got += [json.loads(l) for l in open(p)]
    except FileNotFoundError: pass
have = {}
for g in got:
    if g["type"] == "warning" and g["origin"] == "A":
        e = g["fields"]["event_id"]
        have[e] = max(have.get(e, 0), g["fields"]["version"])
missing = [e for e, v in latest.items() if have.get(e) != v]
seqs = [(g["origin"], g["seq"]) for g in got]
dup = len(seqs) - len(set(seqs))
if missing or dup:
    print("missing latest versions of events", missing[:10], "duplicates", dup)
    sys.exit(1)
print("B has the latest version of all %d warnings, %d deliveries, none twice" % (len(latest), len(got)))
EOF
}
wait_for 'check_b >check_b.out 2>&1' 40 || { cat check_b.out >&2; fail "(c) after recovery"; }
cat check_b.out
grep -q '"event_id":10[1-6]' b_recv2.jsonl || fail "(c) B got nothing of the stream after its restart"
echo "ok    (c) hub killed and restarted, B cut off and back: every warning's latest version at B, none twice ($(( $(date +%s) - t_end )) s after the stream ended)"
grep -q "lost\|unmatched" nodeB.err hub.err || fail "(c) no link alarm raised"
# the partners hear each other's link state from the hub, signed: up, and C's down once C is
# gone (killed: its lease runs out)
grep -q "hub hub reports link B up" nodeA.err || fail "(c) A was not told that B's link was up"
grep -q "hub hub reports link A up" nodeB.err || fail "(c) B was not told that A's link was up"
na=$(grep -c "hub hub reports link C down" nodeA.err) nb=$(grep -c "hub hub reports link C down" nodeB.err)
kill -9 "$nodeC"; wait "$nodeC" 2>/dev/null
wait_for '[ "$(grep -c "hub hub reports link C down" nodeA.err)" -gt $na ] && [ "$(grep -c "hub hub reports link C down" nodeB.err)" -gt $nb ]' 20 ||
  fail "(c) A and B were not told that C's link went down"
echo "ok    (c) link states to the partners: up, and down when C stopped"
grep -q '"event":"link"' audit.jsonl || fail "(c) no link event audited"

# ---- (d) the audit log ----------------------------------------------------------------------
exec 7>&- 8>&-
kill -TERM "$hub" "$nodeA" "$nodeB" 2>/dev/null
wait "$hub" "$nodeA" "$nodeB" 2>/dev/null
# (c) once more: the restarted hub's last counters (printed as it stops) show the re-sends
grep -Eq 'released [0-9]+ \([1-9][0-9]* on reconnect\)' hub.err ||
  fail "(c) the hub re-sent nothing on a reconnect"
"$triad" audit verify audit.jsonl >verify.out || fail "(d) the audit log does not verify: $(cat verify.out)"
"$triad" audit verify audit.jsonl --trust keys/trust.json >verify_signed.out ||
  fail "(d) the checkpoints do not verify: $(cat verify_signed.out)"
n_all=$(wc -l <audit.jsonl)
grep -q "signed by hub through line $n_all " verify_signed.out ||
  fail "(d) the last line is not a signed checkpoint: $(cat verify_signed.out)"
n=$(wc -l <audit.jsonl)
mid=$((n / 2))
cp audit.jsonl bad.jsonl
sed -i "${mid}s/\"t_ns\":\([0-9]\)/\"t_ns\":9\1/" bad.jsonl
cmp -s audit.jsonl bad.jsonl && fail "(d) could not corrupt line $mid"
"$triad" audit verify bad.jsonl >bad.out
st=$?
[ $st -eq 1 ] && grep -q "^BROKEN line $mid:" bad.out || fail "(d) corruption at line $mid: status $st, $(cat bad.out)"
echo "ok    (d) the audit log verifies ($(cat verify_signed.out)); a changed line $mid is reported"
# ---- (e) configurations and state the hub refuses, naming what is wrong ---------------------
refuse() { # NAME EXPECTED_REGEX CONFIG
  timeout -s KILL 30 "$triad" hub --config "$3" >"$1.out" 2>"$1.err"
  local st=$?
  [ $st -ne 0 ] && grep -Eq "$2" "$1.err" || fail "(e) $1: status $st, $(cat "$1.err")"
  no_sanitizer_report "$1.err" || fail "(e) $1: sanitizer report"
}
sed 's/"loopback": true}}/"domain2": 1}}/' hub.json >hub_nolink.json
refuse e1_no_config "national: neither 'config'.*nor 'loopback'" hub_nolink.json
sed 's/"track": {"release": \["track_id", /"track": {"release": [/' policy.json >policy_noid.json
sed 's/policy.json/policy_noid.json/' hub.json >hub_noid.json
refuse e2_policy_drops_id "partners.B.track withholds or rounds 'track_id'" hub_noid.json
"$triad" keygen --id hub --dir otherkeys >/dev/null || fail "keygen"
sed 's|keys/hub.key|otherkeys/hub.key|' hub.json >hub_wrongkey.json
refuse e3_wrong_key "is not the one the trust store" hub_wrongkey.json
cp hub-state.jsonl hub-state.good
$py - hub-state.jsonl <<'EOF' || fail "(e) could not change the state file"
import re, sys
p = sys.argv[1]
ls = open(p).read().splitlines(True)
# the origin time of the last version held, one nanosecond later: its signature no longer holds
ls[-1] = re.sub(r'"time_ns":(\d+),', lambda m: '"time_ns":%d,' % (int(m.group(1)) + 1), ls[-1], count=1)
open(p, "w").write("".join(ls))
EOF
cmp -s hub-state.jsonl hub-state.good && fail "(e) could not change the state file"
refuse e4_state_tampered "hub-state.jsonl: .*rejected \(bad origin signature\)" hub.json
echo "ok    (e) no link configuration, a policy dropping the instance id, the wrong key, a tampered state file: refused"
no_sanitizer_report ./*.err || fail "sanitizer report"
echo "share_hub: ok"
