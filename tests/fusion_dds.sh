#!/usr/bin/env bash
# Tracks and warnings on DDS over the loopback configuration (docs/FORMATS.md, "Tracks and
# warnings on DDS"): `triad scenario run` korea_japan -> `triad fuse --input --out --dds-out
# --dds-linger`, and
#   - a live subscriber (`triad fuse --print-dds`, started before): hears tracks, each one a
#     line of --out, and warnings, each a line of --out, the last one the last of --out;
#   - a late joiner started after everything was published: gets the latest versions (up to
#     8) of every warning event (transient-local), byte for byte the last lines of that event
#     in --out;
#   - --dds-in: fusion_dds_feed publishes the same reports as DetectionReports (time as UTC
#     nanoseconds, so within rounding); `triad fuse --dds-in --count N` gets at least 90% of
#     them (keep-last 16 per radar channel: a slow subscriber may lose some, by design) and gives
#     the same warnings: as many of each kind, the last impact within 0.01 degree;
#   - usage errors exit 2.
# A random domain and topics with the pid keep concurrent runs apart.
# usage: fusion_dds.sh TRIAD SOURCE_DIR TMPDIR FUSION_DDS_FEED.  SPDX-License-Identifier: GPL-2.0-or-later
set -euo pipefail
triad=$1 src=$2 feed=$4
mkdir -p "$3"
tmp=$(mktemp -d "$3/run.XXXXXX")
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() {
  echo "fusion_dds: $*" >&2
  for f in "$tmp"/*.err; do echo "--- $f" >&2; cat "$f" >&2; done
  exit 1
}

domain=$((100 + (RANDOM + $$) % 130))
common=(--dds-loopback --dds-domain "$domain" --dds-track-topic "triad_test/tracks_$$_$RANDOM"
        --dds-warning-topic "triad_test/warnings_$$_$RANDOM")
echo "fusion_dds: domain $domain ${common[*]}"

"$triad" scenario run "$src/testdata/scenarios/korea_japan.json" --out "$tmp/rep.jsonl" \
  2>"$tmp/scenario.err" || fail "scenario run failed"

# the live subscriber, given time to be discovered (tracks are volatile)
"$triad" fuse --print-dds "${common[@]}" --timeout 200 --out "$tmp/live.jsonl" \
  2>"$tmp/live.err" &
live=$!
pids+=("$live")
sleep 3

"$triad" fuse --input "$tmp/rep.jsonl" --out "$tmp/out.jsonl" --dds-out --dds-linger 200 \
  "${common[@]}" 2>"$tmp/pub.err" &
pub=$!
pids+=("$pub")
for _ in $(seq 1200); do
  grep -q "all published" "$tmp/pub.err" && break
  kill -0 "$pub" 2>/dev/null || fail "the publisher exited early"
  sleep 0.1
done
grep -q "all published" "$tmp/pub.err" || fail "the publisher did not finish"

grep '"type":"warning"' "$tmp/out.jsonl" >"$tmp/out_w.jsonl" || true
nw=$(wc -l <"$tmp/out_w.jsonl")
[ "$nw" -gt 0 ] || fail "korea_japan gave no warning"

# the late joiner: per event id, min(8, versions) samples
expected=0
for ev in $(grep -o '"event_id":[0-9]*' "$tmp/out_w.jsonl" | sort -u | cut -d: -f2); do
  n=$(grep -c "\"event_id\":$ev," "$tmp/out_w.jsonl")
  expected=$((expected + (n < 8 ? n : 8)))
done
"$triad" fuse --print-dds "${common[@]}" --count "$expected" --timeout 60 \
  --out "$tmp/late.jsonl" 2>"$tmp/late.err" || fail "the late joiner did not get $expected samples"
grep -q '"type":"track"' "$tmp/late.jsonl" && fail "the late joiner got a track (volatile)"
for ev in $(grep -o '"event_id":[0-9]*' "$tmp/out_w.jsonl" | sort -u | cut -d: -f2); do
  grep "\"event_id\":$ev," "$tmp/out_w.jsonl" | tail -n 8 >"$tmp/want.jsonl"
  grep "\"event_id\":$ev," "$tmp/late.jsonl" >"$tmp/got.jsonl" || true
  cmp -s "$tmp/want.jsonl" "$tmp/got.jsonl" ||
    fail "event $ev: the late joiner's versions differ from the last ones of --out"
  [ "$(tail -n 1 "$tmp/got.jsonl")" = "$(tail -n 1 "$tmp/want.jsonl")" ] ||
    fail "event $ev: not the latest version"
done
echo "fusion_dds: late joiner: $expected warning samples, the latest of every event"

# the publisher ends on SIGINT; then the live subscriber
kill -INT "$pub"
wait "$pub" || fail "the publisher did not exit 0 on SIGINT"
kill -INT "$live"
wait "$live" || fail "the live subscriber did not exit 0 on SIGINT"
grep '"type":"track"' "$tmp/live.jsonl" >"$tmp/live_t.jsonl" || fail "the live subscriber heard no track"
grep '"type":"warning"' "$tmp/live.jsonl" >"$tmp/live_w.jsonl" || fail "the live subscriber heard no warning"
grep -vxFf "$tmp/out.jsonl" "$tmp/live.jsonl" >"$tmp/extra.jsonl" &&
  fail "the live subscriber printed lines --out does not have: $(head -c 300 "$tmp/extra.jsonl")"
[ "$(tail -n 1 "$tmp/live_w.jsonl")" = "$(tail -n 1 "$tmp/out_w.jsonl")" ] ||
  fail "the live subscriber's last warning is not --out's"
echo "fusion_dds: live: $(wc -l <"$tmp/live_t.jsonl") track and $(wc -l <"$tmp/live_w.jsonl") warning samples (of $(grep -c '"type":"track"' "$tmp/out.jsonl") and $nw)"

# --dds-in: the reports over DDS
nrep=$(grep -o "^triad fuse: [0-9]* reports" "$tmp/pub.err" | grep -o "[0-9][0-9]*")
intopic="triad_test/detections_$$_$RANDOM"
"$triad" fuse --dds-in --dds-in-topic "$intopic" --dds-loopback --dds-domain "$domain" \
  --count "$nrep" --timeout 60 --out "$tmp/in.jsonl" 2>"$tmp/in.err" &
fin=$!
pids+=("$fin")
"$feed" "$domain" "$intopic" "$tmp/rep.jsonl" >"$tmp/feed.out" 2>"$tmp/feed.err" ||
  fail "fusion_dds_feed failed"
# DetectionReports are keep-last 16 per radar channel (docs/FORMATS.md): a subscriber slower
# than the feed (a sanitizer build on a loaded machine) may lose some, by design. Every
# report received must be fused, and at least 90% must arrive.
wait "$fin" || true
got=$(grep -o "^triad fuse: --dds-in: [0-9]* reports" "$tmp/in.err" | grep -o "[0-9][0-9]*" | tail -n 1)
[ -n "$got" ] || fail "--dds-in: no summary line"
[ $((got * 10)) -ge $((nrep * 9)) ] || fail "--dds-in: only $got of $nrep reports arrived"
grep -q "$got reports .* received, $got fused, 0 late" "$tmp/in.err" || fail "--dds-in: not every report received was fused"
grep '"type":"warning"' "$tmp/in.jsonl" >"$tmp/in_w.jsonl" || fail "--dds-in: no warning"
grep -q '"kind":"NEW"' "$tmp/in_w.jsonl" || fail "--dds-in: no NEW warning"
if [ "$got" -eq "$nrep" ]; then
  for k in NEW UPDATE CANCEL; do
    [ "$(grep -c "\"kind\":\"$k\"" "$tmp/in_w.jsonl")" = "$(grep -c "\"kind\":\"$k\"" "$tmp/out_w.jsonl")" ] ||
      fail "--dds-in: a different number of $k warnings than --input"
  done
fi
impact() { grep -v '"kind":"CANCEL"' "$1" | tail -n 1 | grep -o '"impact":{"lat_deg":[-0-9.]*,"lon_deg":[-0-9.]*' | grep -o '[-0-9.]*' | tr '\n' ' '; }
read -r a1 b1 <<<"$(impact "$tmp/in_w.jsonl")"
read -r a2 b2 <<<"$(impact "$tmp/out_w.jsonl")"
# the same impact within 0.01 deg when every report arrived, within 0.05 deg (~5 km) otherwise
tol=1e-4
[ "$got" -eq "$nrep" ] || tol=2.5e-3
awk -v a1="$a1" -v b1="$b1" -v a2="$a2" -v b2="$b2" -v tol="$tol" \
  'BEGIN { d1 = a1 - a2; d2 = b1 - b2; exit !(a1 != "" && d1 * d1 + d2 * d2 < tol) }' ||
  fail "--dds-in: last impact $a1 $b1, --input's $a2 $b2"
cmp -s "$tmp/in_w.jsonl" "$tmp/out_w.jsonl" && same="identical" || same="within tolerance"
echo "fusion_dds: --dds-in: $got of $nrep reports, $(wc -l <"$tmp/in_w.jsonl") warnings, $same to --input's"

# usage errors: status 2
for args in "--print-dds --input x" "--print-dds --dds-out" "--input x --count 3" \
            "--input x --dds-linger 5" "--print-dds --dds-domain 231" \
            "--print-dds --dds-loopback --dds-config <General/>" \
            "--print-dds --dds-track-topic 9x" "--print-dds --dds-track-topic a --dds-warning-topic a" \
            "--print-dds --count 0" "--print-dds --timeout -1" "--dds-in --input x" \
            "--input x --reorder 1" "--dds-in --reorder -1" "--dds-in --plot x.png" \
            "--print-dds --reorder 1" "--input x --reorder 0.5"; do
  set +e
  # shellcheck disable=SC2086
  "$triad" fuse $args >/dev/null 2>"$tmp/u.err"
  st=$?
  set -e
  [ $st -eq 2 ] || fail "fuse $args: status $st, expected 2"
done
echo "fusion_dds: ok"
