#!/usr/bin/env bash
# Fusion end to end: `triad scenario run` -> `triad fuse --truth` on the scenarios in
# testdata/scenarios/ with their fixed seeds.
#   korea_japan  a NEW warning; the impact error of the warning out 60 s after burnout is under
#                2 km (the requirement; measured 0.26 km); the map is written
#   lofted       a NEW warning; impact error 60 s after burnout under 2 km (measured 0.49 km)
#   boost_*      standard, depressed, lofted boost profiles: NEW during boost, one event,
#                no wrong CANCEL
#   time jumps   one report a year / 30 years off is refused by name and counted
#   background   air traffic, clutter and false alarms only: no warning at all, false tracks
#                per hour under 20 (measured 0)
# Every number is printed. Also: the output lines are JSON; usage errors exit 2; malformed
# scenario files and reports exit 1 with a message naming the field (or line).
#
#   bash tests/fusion_e2e.sh TRIAD SOURCE_DIR SCRATCH_DIR
# SPDX-License-Identifier: GPL-2.0-or-later
set -u
if [ $# -ne 3 ]; then
    echo "usage: $0 TRIAD_BINARY SOURCE_DIR SCRATCH_DIR" >&2
    exit 2
fi
TRIAD=$1
SRC=$2
SCRATCH=$3
case $TRIAD in /*) ;; *) TRIAD=$PWD/$TRIAD ;; esac
case $SRC in /*) ;; *) SRC=$PWD/$SRC ;; esac
rm -rf -- "$SCRATCH" && mkdir -p -- "$SCRATCH" && cd -- "$SCRATCH" || exit 2
fail=0
bad() { echo "FAIL: $*"; fail=1; }

# value KEY FILE: the number after KEY= on the summary lines
value() { grep -o "$1=[-0-9.naif]*" "$2" | head -n1 | cut -d= -f2; }
# lt A B: A < B (numbers; nan is not less than anything)
lt() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "" && a != "nan" && a + 0 < b + 0) }'; }

run() { # NAME: scenario -> fuse, with the map
    local n=$1
    "$TRIAD" scenario run "$SRC/testdata/scenarios/$n.json" --out "$n.rep.jsonl" \
        --truth "$n.truth.jsonl" 2>"$n.scenario.log" || { bad "$n: scenario exited $?"; cat "$n.scenario.log"; return 1; }
    "$TRIAD" fuse --input "$n.rep.jsonl" --truth "$n.truth.jsonl" --out "$n.tracks.jsonl" \
        --plot "$n.png" 2>"$n.fuse.log" || { bad "$n: fuse exited $?"; cat "$n.fuse.log"; return 1; }
    echo "=== $n"
    cat "$n.scenario.log"
    grep -v '^ *[0-9-]' "$n.fuse.log"
    [ -s "$n.png" ] || bad "$n: no map"
    python3 - "$n.rep.jsonl" "$n.tracks.jsonl" "$n.truth.jsonl" <<'PY' || bad "$n: a line is not JSON"
import json, sys
for p in sys.argv[1:]:
    for i, l in enumerate(open(p), 1):
        json.loads(l)
PY
}

for n in korea_japan lofted; do
    run $n || continue
    grep -q '"kind":"NEW"' "$n.tracks.jsonl" || bad "$n: no NEW warning"
    e60=$(value impact_error_km_at_burnout_plus_60s "$n.fuse.log")
    lat=$(value first_detection_to_warning_s "$n.fuse.log")
    echo "$n: first detection -> NEW warning ${lat} s; impact error 60 s after burnout ${e60} km"
    lt "$e60" 2.0 || bad "$n: impact error 60 s after burnout '$e60' km, want < 2 km"
    sed -n '/t_s  *ospa_km/,/^summary: ospa/p' "$n.fuse.log" | awk 'NR == 1 || NR % 3 == 2'
done

# issue 15: boost profiles (pitch programme, rising thrust): a "launch detected" NEW during the
# boost, one event, no CANCEL before impact
for n in boost_standard boost_depressed boost_lofted; do
    run $n || continue
    grep -q '"kind":"NEW","track_id":[0-9]*,"issued_s":[0-9.]*,"issued_utc":"[^"]*","phase":"boost"' \
        "$n.tracks.jsonl" || bad "$n: no NEW with phase boost"
    grep "summary: M1 new_in_boost" "$n.fuse.log"
    [ "$(value new_in_boost "$n.fuse.log")" = 1 ] || bad "$n: the first NEW came after burnout"
    [ "$(value wrong_cancels "$n.fuse.log")" = 0 ] || bad "$n: a CANCEL before impact"
    [ "$(value events "$n.fuse.log")" = 1 ] || bad "$n: more than one event for one missile"
done

# issue 15: the lofted boost seen by the KR radar alone, seeds 2 and 3: its boost track loses
# the missile just after burnout and a second track takes it up. One event (the second track
# takes the first one's event over, one boost template fitting both), no CANCEL before impact,
# the launch point within 3 km (before: two events, a duplicate CANCEL, 27 km and 153 s early).
python3 - "$SRC/testdata/scenarios/boost_lofted.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
s["sites"] = [x for x in s["sites"] if x["id"] == "KR-central"]
json.dump(s, open("lofted_kr.json", "w"))
PY
for seed in 2 3; do
    n=lofted_kr_$seed
    "$TRIAD" scenario run lofted_kr.json --seed $seed --out $n.rep.jsonl --truth $n.truth.jsonl \
        2>/dev/null || { bad "$n: scenario exited $?"; continue; }
    "$TRIAD" fuse --input $n.rep.jsonl --truth $n.truth.jsonl --out $n.tracks.jsonl 2>$n.fuse.log \
        || { bad "$n: fuse exited $?"; continue; }
    grep "summary: M1 new_in_boost\|impact_error_km_at_burnout_plus_60s" $n.fuse.log
    [ "$(value events $n.fuse.log)" = 1 ] || bad "$n: more than one event for one missile"
    [ "$(value wrong_cancels $n.fuse.log)" = 0 ] || bad "$n: a CANCEL before impact"
    lt "$(value launch_error_km $n.fuse.log)" 3.0 || bad "$n: launch point over 3 km off"
done

if run background; then
    news=$(grep -c '"kind":"NEW"' background.tracks.jsonl)
    cancels=$(grep -c '"kind":"CANCEL"' background.tracks.jsonl)
    fph=$(value false_tracks_per_hour background.fuse.log)
    echo "background: NEW warnings $news (cancelled $cancels); false tracks per hour $fph"
    [ "$news" -eq 0 ] || bad "background: $news NEW warnings, want none"
    lt "$fph" 20 || bad "background: false tracks per hour '$fph', want < 20"
fi

# issue 18: one report of 14 a year (then 30 years, then a year early) off: fuse refuses it by
# name and counts it (the cost of a report no longer grows with its time gap; before, 37-41 s).
# A year early it comes first and sets the clock: the next reports, from more sites, outvote it
# (a re-anchor; the one or two reports refused before that are lost).
for off in 31557600 946728000 -31557600; do
    head -n 14 korea_japan.rep.jsonl | python3 -c '
import json, sys
off = float(sys.argv[1])
lines = [json.loads(l) for l in sys.stdin]
lines[7]["time_s"] += off
for l in lines:
    l.pop("time_utc", None)
    print(json.dumps(l))' "$off" >jump.jsonl
    "$TRIAD" fuse --input jump.jsonl 2>jump.log; rc=$?
    nref=$(value reports_refused jump.log)
    if [ "${off#-}" = "$off" ]; then # late: refused, nothing else changes
        ok=$([ "$nref" = 1 ] && [ "$(value clock_reanchors jump.log)" = 0 ] && echo 1)
    else # early: it set the clock; the sites outvote it within a report or two
        ok=$([ "$nref" -ge 1 ] && [ "$nref" -le 3 ] && [ "$(value clock_reanchors jump.log)" = 1 ] && echo 1)
    fi
    grep -q "refused (ahead_of_clock\|refused (behind_clock" jump.log && [ $rc -eq 0 ] && [ -n "$ok" ] \
        || bad "fuse on a report $off s off: exit $rc, $(cat jump.log)"
    echo "time jump $off s: $(grep -o 'reports_refused=[0-9]*.*' jump.log)"
done

# usage errors and a missing file
"$TRIAD" fuse 2>/dev/null; [ $? -eq 2 ] || bad "fuse without --input: want exit 2"
"$TRIAD" scenario run 2>/dev/null; [ $? -eq 2 ] || bad "scenario run without FILE: want exit 2"
"$TRIAD" scenario run nonexistent.json --out x.jsonl 2>/dev/null
[ $? -eq 1 ] || bad "scenario run on a missing file: want exit 1"
"$TRIAD" fuse --input nonexistent.jsonl 2>/dev/null; [ $? -eq 1 ] || bad "fuse on a missing file: want exit 1"

# scenario files that must be rejected, each with a message naming the field
reject() { # NAME FIELD JSON
    printf '%s\n' "$3" >"bad_$1.json"
    "$TRIAD" scenario run "bad_$1.json" --out x.jsonl 2>"bad_$1.log"
    local rc=$?
    [ $rc -eq 1 ] || bad "scenario $1: exit $rc, want 1"
    grep -q "$2" "bad_$1.log" || bad "scenario $1: the message does not name '$2': $(cat "bad_$1.log")"
}
S='"sites":[{"id":"A","lat_deg":39,"lon_deg":125,"max_range_m":1e6}]'
reject no_duration duration_s "{$S}"
reject no_sites sites '{"duration_s":10}'
reject bad_lat lat_deg '{"duration_s":10,"sites":[{"id":"A","lat_deg":99,"lon_deg":125,"max_range_m":1e6}]}'
reject bad_pd pd '{"duration_s":10,"sites":[{"id":"A","lat_deg":39,"lon_deg":125,"max_range_m":1e6,"pd":1.5}]}'
reject bad_id id '{"duration_s":10,"sites":[{"id":"a b","lat_deg":39,"lon_deg":125,"max_range_m":1e6}]}'
reject bad_kind kind "{\"duration_s\":10,$S,\"targets\":[{\"id\":\"T\",\"kind\":\"ufo\"}]}"
reject no_thrust thrust_mps2 "{\"duration_s\":10,$S,\"targets\":[{\"id\":\"T\",\"kind\":\"ballistic\",\"lat_deg\":39,\"lon_deg\":125,\"azimuth_deg\":80}]}"
reject bad_utc start_utc "{\"duration_s\":10,\"start_utc\":\"yesterday\",$S}"
printf '{"site":"A","site_lat_deg":39,"site_lon_deg":125,"time_s":1,"detections":[{"range_m":-5,"azimuth_deg":0,"elevation_deg":1}]}\n' >bad_rep.jsonl
"$TRIAD" fuse --input bad_rep.jsonl 2>bad_rep.log; rc=$?
[ $rc -eq 1 ] && grep -q "line 1" bad_rep.log || bad "fuse on a bad detection: exit $rc, $(cat bad_rep.log)"

[ $fail -eq 0 ] && echo "fusion_e2e: all checks passed"
exit $fail
