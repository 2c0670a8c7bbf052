#!/usr/bin/env bash
# triad listen over the loopback configuration, against test_io_dds --publish (four reports,
# CPIs 0 and 1 of channels 0 and 1, the last one empty, then 2.5 s of silence, then the
# publisher stops):
#   - listener A (--reports, no --count, stopped by SIGINT): the detection lines are byte for
#     byte those triad process writes (test_io_dds writes them with the same writer), in the
#     order written (CPI, then channel), one report line per report, and on stderr the
#     silence of both channels (deadline 0.5 s) and the stop;
#   - listener B (--count 4 --out FILE): exits 0 after four reports, FILE has the lines;
#   - --count with nothing published ends at --timeout with status 1; bad options give 2.
# A random domain and a topic with the pid keep concurrent runs apart.
# usage: dds_loopback.sh TRIAD TEST_IO_DDS TMPDIR.  SPDX-License-Identifier: GPL-2.0-or-later
set -euo pipefail
triad=$1 pub=$2
mkdir -p "$3"
tmp=$(mktemp -d "$3/run.XXXXXX")
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "dds_loopback: $*" >&2; for f in "$tmp"/*; do echo "--- $f" >&2; cat "$f" >&2; done; exit 1; }

domain=$((100 + (RANDOM + $$) % 130))
topic="triad_test/loopback_$$_$RANDOM"
common=(--loopback --domain "$domain" --topic "$topic" --deadline 0.5)
echo "dds_loopback: domain $domain topic $topic"

"$triad" listen "${common[@]}" --reports --timeout 60 >"$tmp/a.jsonl" 2>"$tmp/a.err" &
a=$!
pids+=("$a")
"$triad" listen "${common[@]}" --count 4 --timeout 60 --out "$tmp/b.jsonl" 2>"$tmp/b.err" &
b=$!
pids+=("$b")

"$pub" --publish "$domain" "$topic" "$tmp/expected.jsonl" || fail "the publisher failed"
wait "$b" || fail "listener B (--count 4) did not exit 0"

# A has heard the stop once its stderr says so; then it is interrupted
for _ in $(seq 100); do
  grep -q "publisher stopped" "$tmp/a.err" && break
  sleep 0.1
done
kill -INT "$a"
wait "$a" || fail "listener A did not exit 0 on SIGINT"

[ "$(wc -l <"$tmp/expected.jsonl")" -eq 4 ] || fail "expected 4 detection lines"
grep '"range_m"' "$tmp/a.jsonl" | cmp -s - "$tmp/expected.jsonl" ||
  fail "listener A's detection lines differ from triad process's"
cmp -s "$tmp/b.jsonl" "$tmp/expected.jsonl" || fail "listener B's --out differs"
[ "$(grep -c '"detections":' "$tmp/a.jsonl")" -eq 4 ] || fail "expected 4 report lines"
grep -q '"cpi":1,"channel":1,.*"detections":0' "$tmp/a.jsonl" || fail "no line for the empty report"
grep -q "site 'loop' radar 2 channel 0 went silent" "$tmp/a.err" || fail "no silence warning (channel 0)"
grep -q "site 'loop' radar 2 channel 1 went silent" "$tmp/a.err" || fail "no silence warning (channel 1)"
grep -q "site 'loop' radar 2 channel 0: its publisher stopped" "$tmp/a.err" || fail "no stop warning"

# --count not reached by --timeout: status 1 and why
set +e
"$triad" listen "${common[@]}" --count 2 --timeout 0.5 >"$tmp/c.jsonl" 2>"$tmp/c.err"
st=$?
set -e
[ $st -eq 1 ] || fail "--count not reached: status $st, expected 1"
grep -q "0 of 2 reports" "$tmp/c.err" || fail "--count not reached: no message"

# usage errors: status 2
for args in "--domain 231" "--loopback --config <General/>" "--deadline 0" "--count 0" \
            "--timeout -1" "--topic 9lives" "--bogus" "extra"; do
  set +e
  # shellcheck disable=SC2086
  "$triad" listen $args >/dev/null 2>"$tmp/u.err"
  st=$?
  set -e
  [ $st -eq 2 ] || fail "listen $args: status $st, expected 2"
done
echo "dds_loopback: ok"
