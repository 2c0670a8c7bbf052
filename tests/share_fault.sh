#!/usr/bin/env bash
# The hub when its audit log cannot be written (issue 14, item 3), on loopback. The running
# hub's file size limit is lowered (prlimit: writes fail with EFBIG, as on a full disk), then
# raised again:
#   hold (the default): the nodes are told, signed, that the hub is at fault, with the errno
#     text; nothing is relayed meanwhile (fail closed); once the log can be written again the
#     hub relays what it held and says it is ok; the log verifies, the fault is in it;
#   relay ("on_audit_failure": "relay" in the policy): the hub says it relays unaudited and does.
# usage: share_fault.sh TRIAD TMPDIR.  SPDX-License-Identifier: GPL-2.0-or-later
set -uo pipefail
if [ $# -ne 2 ]; then echo "usage: $0 TRIAD TMPDIR" >&2; exit 2; fi
triad=$1
case $triad in /*) ;; *) triad=$PWD/$triad ;; esac
command -v prlimit >/dev/null || { echo "share_fault: no prlimit: skipped"; exit 77; }
. "$(dirname "${BASH_SOURCE[0]}")/share_lib.sh"
share_test_begin share_fault "$2" 20
lines() { if [ -e "$1" ]; then wc -l <"$1"; else echo 0; fi; }
warning() { # EVENT_ID
  printf '{"type":"warning","event_id":%d,"version":1,"kind":"NEW","track_id":3,"launch":{"lat_deg":38.5,"lon_deg":125.5}}\n' "$1"
}

X=$((100 + (RANDOM + $$) % 120)) Y=$((X + 1))
for n in A B hub; do "$triad" keygen --id $n --dir keys >/dev/null || fail "keygen $n"; done
for p in A B; do
  d=$X; [ $p = B ] && d=$Y
  cat >node$p.json <<EOF
{"id": "$p", "key": "keys/$p.key", "trust": "keys/trust.json", "hub": "hub",
 "heartbeat_s": 0.5, "link": {"partner": "hub", "domain": $d, "loopback": true}}
EOF
done

# run MODE(hold|relay): one hub, B receiving, A publishing from a pipe
run() {
  local mode=$1 extra=
  [ "$mode" = relay ] && extra='"on_audit_failure": "relay", '
  mkdir -p "$mode"
  cat >$mode/policy.json <<EOF
{${extra}"partners": {"A": {"warning": {"release": ["*"]}}, "B": {"warning": {"release": ["*"]}}}}
EOF
  cat >$mode/hub.json <<EOF
{"id": "hub", "key": "../keys/hub.key", "trust": "../keys/trust.json", "policy": "policy.json",
 "audit": "audit.jsonl", "state": "state.jsonl", "heartbeat_s": 0.5,
 "links": [{"partner": "A", "domain": $X, "loopback": true},
           {"partner": "B", "domain": $Y, "loopback": true}]}
EOF
  "$triad" hub --config $mode/hub.json 2>$mode-hub.err &
  hub=$!
  pids+=("$hub")
  "$triad" node --config nodeB.json --out $mode-b.jsonl --timeout 60 2>$mode-nodeB.err &
  nodeB=$!
  pids+=("$nodeB")
  rm -f a_in
  mkfifo a_in
  "$triad" node --config nodeA.json --input a_in --timeout 60 2>$mode-nodeA.err &
  nodeA=$!
  pids+=("$nodeA")
  exec 7>a_in
  wait_for "grep -q 'link to hub: matched' $mode-nodeA.err && grep -q 'link to hub: matched' $mode-nodeB.err" 60 ||
    fail "$mode: the nodes did not match the hub"
  for i in 1 2 3; do warning $i >&7; done
  wait_for "[ \$(lines $mode-b.jsonl) -ge 3 ]" 30 || fail "$mode: B got $(lines $mode-b.jsonl) of 3 before the fault"
  # the log may grow by 200 bytes more: the next lines fail part-way
  prlimit --pid "$hub" --fsize=$(($(stat -c %s $mode/audit.jsonl) + 200)):unlimited || fail "prlimit"
  for i in 4 5 6 7 8; do warning $i >&7; done
  wait_for "grep -q 'hub hub reports itself fault' $mode-nodeB.err" 20 || fail "$mode: B was not told of the fault"
  grep -q "hub hub reports itself fault: .*audit.jsonl: cannot append audit line [0-9]*: File too large" \
    $mode-nodeA.err || fail "$mode: A was not told the fault's cause"
}

run hold
sleep 2
[ "$(lines hold-b.jsonl)" -eq 3 ] || fail "hold: B got $(lines hold-b.jsonl) messages while the hub could not audit (fail closed: 3)"
grep -q "reports itself fault: holding" hold-nodeB.err || fail "hold: the fault does not say the hub holds"
prlimit --pid "$hub" --fsize=unlimited:unlimited || fail "prlimit"
wait_for "[ \$(lines hold-b.jsonl) -ge 8 ]" 30 || fail "hold: B got $(lines hold-b.jsonl) of 8 after the recovery"
wait_for "grep -q 'hub hub reports itself ok' hold-nodeB.err" 20 || fail "hold: B was not told of the recovery"
exec 7>&-
kill -TERM "$hub"; wait "$hub" || fail "hold: hub status $?"
kill -TERM "$nodeA" "$nodeB"; wait "$nodeA" "$nodeB" 2>/dev/null
"$triad" audit verify hold/audit.jsonl --trust keys/trust.json >hold-verify.out || fail "hold: $(cat hold-verify.out)"
grep -q '"event":"fault","what":"recovered"' hold/audit.jsonl || fail "hold: no fault line in the audit"
[ "$(grep -c '"event":"released"' hold/audit.jsonl)" -eq 8 ] || fail "hold: not every release audited"
echo "ok    hold: fault told to the nodes with its cause, nothing relayed unaudited, all 8 relayed after the recovery, audited"

run relay
wait_for "[ \$(lines relay-b.jsonl) -ge 8 ]" 30 || fail "relay: B got $(lines relay-b.jsonl) of 8 while unaudited"
grep -q "reports itself fault: relaying unaudited" relay-nodeB.err || fail "relay: the fault does not say so"
exec 7>&-
kill -TERM "$hub" "$nodeA" "$nodeB"; wait "$hub" "$nodeA" "$nodeB" 2>/dev/null
"$triad" audit verify relay/audit.jsonl >relay-verify.out || fail "relay: the log is broken: $(cat relay-verify.out)"
echo "ok    relay: fault told to the nodes, relayed unaudited as the policy says; the log stays whole"
! grep -Eq 'AddressSanitizer|runtime error|LeakSanitizer' ./*.err || fail "sanitizer report"
echo "share_fault: ok"
