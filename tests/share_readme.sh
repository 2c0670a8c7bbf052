#!/usr/bin/env bash
# The README's fusion and sharing commands, run as written by a new user in a fresh folder
# (testdata/ linked in, as in a clone; `triad` the built program on PATH): the deployment of
# `triad share init` works, B receives what A shares (reduced as the policy says), node A exits
# by itself at the end of its input, and the audit log verifies with its signed checkpoints.
# usage: share_readme.sh TRIAD SOURCE_DIR TMPDIR.  SPDX-License-Identifier: GPL-2.0-or-later
set -uo pipefail
if [ $# -ne 3 ]; then echo "usage: $0 TRIAD SOURCE_DIR TMPDIR" >&2; exit 2; fi
triad=$1 src=$(cd "$2" && pwd) || exit 2
case $triad in /*) ;; *) triad=$PWD/$triad ;; esac
command -v openssl >/dev/null || { echo "share_readme: no openssl (the README's PKI): skipped"; exit 77; }
mkdir -p "$3"
tmp=$(mktemp -d "$3/run.XXXXXX")
trap '[ -n "${KEEP_TMP:-}" ] || rm -rf "$tmp"' EXIT
fail() { echo "share_readme: FAIL: $*" >&2; exit 1; }
mkdir "$tmp/bin" "$tmp/user"
ln -s "$triad" "$tmp/bin/triad"
ln -s "$src/testdata" "$tmp/user/testdata"
# the indented block after the paragraph starting "Fusion:", then the one after "Sharing:"
py=python3
[ -x /usr/bin/python3 ] && py=/usr/bin/python3
$py - "$src/README.md" >"$tmp/commands.sh" <<'PY'
import sys
ls = open(sys.argv[1]).read().split("\n")
for head in ("Fusion:", "Sharing:"):
    i = next(k for k, l in enumerate(ls) if l.startswith(head))
    while not ls[i].startswith("    "):
        i += 1
    while i < len(ls) and ls[i].startswith("    "):
        print(ls[i][4:])
        i += 1
PY
grep -q "triad share init" "$tmp/commands.sh" && grep -q "triad scenario run" "$tmp/commands.sh" ||
  fail "could not find the commands in README.md: $(cat "$tmp/commands.sh")"
echo "share_readme: running:"; sed 's/^/    /' "$tmp/commands.sh"
cd "$tmp/user" || exit 1
PATH=$tmp/bin:$PATH timeout -s KILL 240 bash -e "$tmp/commands.sh" >"$tmp/out.txt" 2>"$tmp/err.txt" || {
  tail -n 30 "$tmp/err.txt" >&2; fail "the README's commands failed (status $?)"; }
d=$tmp/user/demo
# B joins when its DDS Security handshake is done, maybe after A's first lines: from then on
# it gets every version, and on joining the latest of every instance (the hub's re-send)
$py - tracks.jsonl "$d/from_A.jsonl" <<'PY' || fail "B's messages"
import json, sys
sent = [json.loads(l) for l in open(sys.argv[1]) if '"type":"warning"' in l or '"type":"track"' in l]
got = [json.loads(l) for l in open(sys.argv[2])]
key = lambda t, f: (t, f.get("event_id", f.get("track_id")))
ver = lambda f: f.get("version", f.get("time_s"))
latest = {}
for s in sent:
    latest[key(s["type"], s)] = ver(s)
have = {}
for g in got:
    k = key(g["type"], g["fields"])
    have[k] = max(have.get(k, ver(g["fields"])), ver(g["fields"]))
missing = [k for k, v in latest.items() if have.get(k) != v]
seqs = [g["seq"] for g in got]
assert not missing, ("latest version missing at B", missing[:5])
assert len(seqs) == len(set(seqs)), "a version delivered twice"
assert len(got) >= len(sent) // 2, (len(got), len(sent))
print("share_readme: B got %d of the %d lines A shared, the latest version of all %d instances"
      % (len(got), len(sent), len(latest)))
PY
n=$(wc -l <"$d/from_A.jsonl")
grep -q '"release":"reduced"' "$d/from_A.jsonl" || fail "B's messages are not reduced by the policy"
! grep -q '"track_id"' <(grep '"type":"warning"' "$d/from_A.jsonl") || fail "B got a withheld field"
tail -n 1 "$tmp/out.txt" | grep -q "signed by hub through line [0-9]* of [0-9]* (100.0%)" ||
  fail "audit verify: $(tail -n 1 "$tmp/out.txt")"
grep -q "dds_security\|It is not allowed" "$tmp/err.txt" && fail "DDS Security refused: $(grep -m1 'not allowed' "$tmp/err.txt")"
! grep -Eq 'AddressSanitizer|runtime error|LeakSanitizer' "$tmp/err.txt" || fail "sanitizer report"
echo "share_readme: ok: B received $n lines, the audit log is signed to its end"
