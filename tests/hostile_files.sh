#!/usr/bin/env bash
# Inputs that are not regular files (a FIFO with no writer, /dev/zero, a folder) given to every
# command that reads a file: each is refused by name at once (no hang on the open, no endless
# read), with a non-zero exit. SPDX-License-Identifier: GPL-2.0-or-later
set -u
triad=$1
tmp=$2
rm -rf "$tmp" && mkdir -p "$tmp"
mkfifo "$tmp/fifo"
fails=0

# expect_refused WHAT CMD...: non-zero exit within the timeout, message names the file and why
expect_refused() {
    local what=$1 path=$2
    shift 2
    timeout 10 "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
    local rc=$?
    if [ $rc -eq 124 ]; then
        echo "FAIL: $what: $path: hung (killed after 10 s)"; fails=$((fails + 1)); return
    fi
    if [ $rc -eq 0 ]; then
        echo "FAIL: $what: $path: accepted"; fails=$((fails + 1)); return
    fi
    if ! grep -q "$path" "$tmp/err" || ! grep -q "not a regular file" "$tmp/err"; then
        echo "FAIL: $what: $path: message does not name the file and the reason:"
        cat "$tmp/err"; fails=$((fails + 1)); return
    fi
    echo "ok: $what $path: $(head -c 200 "$tmp/err" | head -1)"
}

for p in "$tmp/fifo" /dev/zero "$tmp"; do
    expect_refused "simulate --scene" "$p" "$triad" simulate --scene "$p" --out "$tmp/x"
    expect_refused "scenario run" "$p" "$triad" scenario run "$p" --out "$tmp/r.jsonl"
    expect_refused "fuse --input" "$p" "$triad" fuse --input "$p" --out "$tmp/t.jsonl"
    expect_refused "audit verify" "$p" "$triad" audit verify "$p"
    expect_refused "hub --config" "$p" "$triad" hub --config "$p"
    expect_refused "node --config" "$p" "$triad" node --config "$p"
done
# fuse --truth: a valid input, the truth a FIFO
"$triad" scenario run "$(dirname "$0")/../testdata/scenarios/korea_japan.json" \
    --out "$tmp/r.jsonl" >/dev/null 2>&1 || { echo "FAIL: scenario run"; fails=$((fails + 1)); }
expect_refused "fuse --truth" "$tmp/fifo" "$triad" fuse --input "$tmp/r.jsonl" --truth "$tmp/fifo" --out "$tmp/t.jsonl"

[ $fails -eq 0 ] && echo "all refused" || echo "$fails failures"
exit $((fails > 0))
