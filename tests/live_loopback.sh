#!/usr/bin/env bash
# The live path end to end on 127.0.0.1: `triad replay` sends a simulated recording as a
# VITA-49 stream, `triad run` (on a port the kernel picks) processes it.
#   clean       the detections equal `triad process --backend fftw` on the same recording,
#               byte for byte
#   damaged     --loss 0.01 --reorder 0.01 --junk 0.01: no crash; every CPI and channel is
#               reported, the damaged ones with exactly the fraction replay dropped (its
#               --log), the intact ones with unchanged detections; malformed = junk sent
#   sinks       --out and DDS at once: `triad listen` hears the same detections
#   hostile     random datagrams of every size (up to 65507 bytes) before a stream: ignored,
#               counted, and the stream after them is processed as usual
#   --cpis      stops after K CPIs with their detections
#   SIGINT      stops cleanly with a final stats line
#   queue       processing slower than the stream (test hook TRIAD_TEST_RUN_DELAY_S): whole
#               CPIs are dropped and counted, the others are processed intact, in order
# A kernel that drops packets of its own (a full receive buffer on a busy machine) shows up as
# more loss than replay injected; the scenario is then retried at a slower rate.
#
#   bash tests/live_loopback.sh TRIAD SCRATCH_DIR
# SPDX-License-Identifier: GPL-2.0-or-later
set -u
if [ $# -ne 2 ]; then
    echo "usage: $0 TRIAD_BINARY SCRATCH_DIR" >&2
    exit 2
fi
TRIAD=$1
SCRATCH=$2
case $TRIAD in /*) ;; *) TRIAD=$PWD/$TRIAD ;; esac
rm -rf -- "$SCRATCH" && mkdir -p -- "$SCRATCH" && cd -- "$SCRATCH" || exit 2
PY=/usr/bin/python3
[ -x $PY ] || PY=python3

passed=0
failed=0
check() { # NAME COMMAND...
    local name=$1
    shift
    if "$@"; then
        echo "ok    $name"
        passed=$((passed + 1))
    else
        echo "FAIL  $name"
        failed=$((failed + 1))
    fi
}
no_sanitizer_report() { ! grep -Eq 'AddressSanitizer|runtime error|LeakSanitizer' "$@"; }

# 2 channels, ci16, 12 CPIs of 32 pulses x 1024 samples: 92 packets per CPI and channel
cat >scene.json <<'EOF'
{"radar": {"datatype": "ci16_le", "sample_rate_hz": 10e6, "carrier_hz": 3e9, "pri_s": 200e-6,
           "samples_per_pulse": 1024, "pulses_per_cpi": 32, "num_channels": 2,
           "datetime": "2026-11-23T00:00:00.25Z",
           "waveform": {"bandwidth_hz": 5e6, "pulse_width_s": 5e-6},
           "site": {"id": "live", "lat_deg": 35, "lon_deg": 139, "alt_m": 0},
           "beam": {"azimuth_deg": 90, "elevation_deg": 2}},
 "cpis": 12, "seed": 11, "ci16_scale": 300,
 "targets": [{"range_m": 3000, "velocity_mps": 30, "snr_db": 5},
             {"range_m": 8000, "velocity_mps": -60, "snr_db": 0},
             {"range_m": 12000, "velocity_mps": 10, "snr_db": -5}]}
EOF
PN=$((32 * 1024))
CHAIN=(--backend fftw --fft-effort estimate --threads 1)
if ! "$TRIAD" simulate --scene scene.json --out rec >sim.log 2>&1 ||
    ! "$TRIAD" process rec.sigmf-meta "${CHAIN[@]}" --quiet --out proc.jsonl 2>process.err; then
    echo "live_loopback: simulate or process failed:" >&2
    cat sim.log process.err >&2
    echo "0 passed, 1 failed"
    exit 1
fi
[ -s proc.jsonl ] || { echo "live_loopback: process found nothing"; exit 1; }

# start_run NAME ARGS...: triad run on 127.0.0.1:0 in the background (--meta $META, default
# rec.sigmf-meta); sets RUN_PID, PORT
start_run() {
    local name=$1
    shift
    : >"$name.err" # before the background job's own redirection, which may come later
    timeout -s KILL 120 "$TRIAD" run --source vita49://127.0.0.1:0 --meta "${META:-rec.sigmf-meta}" \
        "${CHAIN[@]}" --stats 0 "$@" >"$name.stdout" 2>"$name.err" &
    RUN_PID=$!
    PORT=
    for _ in $(seq 600); do
        PORT=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$name.err")
        [ -n "$PORT" ] && return 0
        kill -0 $RUN_PID 2>/dev/null || break
        sleep 0.05
    done
    echo "triad run did not start:"
    cat "$name.err"
    return 1
}
wait_run() {
    wait $RUN_PID
    RUN_RC=$?
}
# stat NAME KEY: the number after KEY in the final stats line
stat() { sed -n "s/.*final.* $2 \([0-9][0-9]*\).*/\1/p" "$1.err" | tail -n 1; }

# send_clean NAME META REPLAY_ARGS...: run (--out NAME.jsonl) and replay META at --rate 2, 0.5,
# 0.25 until every packet arrives; sets REPLAY_RC, RUN_RC
send_clean() {
    local name=$1 meta=$2 rate
    shift 2
    for rate in 2 0.5 0.25; do
        META=$meta start_run "$name" --idle-timeout 2 --queue 64 --out "$name.jsonl" || return 1
        "$TRIAD" replay "$meta" --to udp://127.0.0.1:$PORT --rate $rate "$@" 2>"$name.replay.err"
        REPLAY_RC=$?
        wait_run
        [ "$(stat "$name" lost)" = 0 ] && [ "$(stat "$name" packets)" = 2208 ] && return 0
        echo "note: the kernel dropped packets at --rate $rate; trying slower"
    done
}

# ---- clean ---------------------------------------------------------------------------
send_clean clean rec.sigmf-meta
check "clean: replay and run exit 0" [ $REPLAY_RC -eq 0 -a $RUN_RC -eq 0 ]
check "clean: every packet arrived" [ "$(stat clean packets)" = 2208 ]
check "clean: 12 CPIs processed, none degraded or dropped" \
    grep -q 'processed 12 degraded 0 dropped 0 skipped 0' clean.err
check "clean: detections identical to triad process" cmp -s clean.jsonl proc.jsonl
check "clean: no sanitizer report" no_sanitizer_report clean.err clean.replay.err

# ---- damaged: loss, reordering, junk ----------------------------------------------------
for rate in 2 0.5 0.25; do
    start_run damaged --idle-timeout 2 --queue 64 --reports --out damaged.jsonl || break
    "$TRIAD" replay rec.sigmf-meta --to udp://127.0.0.1:$PORT --rate $rate --loss 0.01 \
        --reorder 0.01 --junk 0.01 --seed 7 --log damaged.log 2>damaged.replay.err
    REPLAY_RC=$?
    wait_run
    dropped=$(sed -n 's/.* packets: \([0-9]*\) dropped.*/\1/p' damaged.replay.err)
    [ "$(stat damaged packets)" = $((2208 - dropped)) ] && break
    echo "note: the kernel dropped packets at --rate $rate; trying slower"
done
junk=$(sed -n 's/.* \([0-9]*\) junk;.*/\1/p' damaged.replay.err)
reordered=$(sed -n 's/.* \([0-9]*\) reordered,.*/\1/p' damaged.replay.err)
echo "      replay: $dropped dropped, $reordered reordered, $junk junk"
check "damaged: replay and run exit 0" [ $REPLAY_RC -eq 0 -a $RUN_RC -eq 0 ]
check "damaged: something was dropped, reordered and junk" [ "${dropped:-0}" -gt 0 -a "${reordered:-0}" -gt 0 -a "${junk:-0}" -gt 0 ]
check "damaged: every packet not dropped arrived" [ "$(stat damaged packets)" = $((2208 - dropped)) ]
check "damaged: malformed = junk sent" [ "$(stat damaged malformed)" = "$junk" ]
check "damaged: lost (packet counts) = dropped" [ "$(stat damaged lost)" = "$dropped" ]
check "damaged: no late packets" [ "$(stat damaged late)" = 0 ]
check "damaged: 12 CPIs processed, none dropped" grep -q 'processed 12 degraded [0-9]* dropped 0 skipped 0' damaged.err
check "damaged: no sanitizer report" no_sanitizer_report damaged.err damaged.replay.err
check "damaged: reports and detections as replay's log says" \
    $PY - damaged.log damaged.jsonl proc.jsonl $PN <<'PY'
import json, sys
log, run, proc, pn = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
want = {}
for line in open(log):
    d = json.loads(line)
    want[(d["cpi"], d["channel"])] = d["dropped_samples"] / pn
reports, dets_run, dets_proc, bad = {}, {}, {}, []
for line in open(run):
    d = json.loads(line)
    key = (d["cpi"], d["channel"])
    if "detections" in d:
        reports[key] = d
    else:
        dets_run.setdefault(key, []).append(line)
for line in open(proc):
    d = json.loads(line)
    dets_proc.setdefault((d["cpi"], d["channel"]), []).append(line)
intact = degraded = 0
for key, frac in sorted(want.items()):
    r = reports.get(key)
    if r is None:
        bad.append(f"{key}: no report")
        continue
    if abs(r["degraded_fraction"] - frac) > 1e-9:
        bad.append(f"{key}: degraded_fraction {r['degraded_fraction']}, replay dropped {frac}")
    if r["detections"] != len(dets_run.get(key, [])):
        bad.append(f"{key}: report says {r['detections']} detections, lines {len(dets_run.get(key, []))}")
    if frac == 0:
        intact += 1
        if dets_run.get(key, []) != dets_proc.get(key, []):
            bad.append(f"{key}: intact, but detections differ from triad process")
    else:
        degraded += 1
        for line in dets_run.get(key, []):
            if abs(json.loads(line).get("degraded", -1) - frac) > 1e-9:
                bad.append(f"{key}: detection line without the right degraded field")
if len(reports) != len(want):
    bad.append(f"{len(reports)} reports for {len(want)} CPIs and channels")
if intact == 0 or degraded == 0:
    bad.append(f"not a useful test: {intact} intact, {degraded} degraded")
print(f"      {intact} intact and {degraded} degraded CPI channels checked")
for b in bad[:20]:
    print("      " + b)
sys.exit(1 if bad else 0)
PY

# ---- sinks compose: JSON Lines and DDS at once -------------------------------------------
# triad listen hears run's DDS reports (loopback configuration, a random domain and a topic
# of our own): its detection lines are those of triad process, like the --out file's
domain=$((100 + (RANDOM + $$) % 130))
topic="triad_test/live_$$_$RANDOM"
dds=(--dds-loopback --dds-domain $domain --dds-topic "$topic")
timeout -s KILL 60 "$TRIAD" listen --loopback --domain $domain --topic "$topic" --count 24 \
    --timeout 30 --out listen.jsonl 2>listen.err &
LISTEN_PID=$!
if start_run sinks --idle-timeout 2 --queue 64 --out sinks.jsonl "${dds[@]}" \
    --dds-wait-readers 1; then
    "$TRIAD" replay rec.sigmf-meta --to udp://127.0.0.1:$PORT --rate 0.5 2>sinks.replay.err
    wait_run
    wait $LISTEN_PID
    LISTEN_RC=$?
    check "sinks: run and listen exit 0" [ $RUN_RC -eq 0 -a $LISTEN_RC -eq 0 ]
    check "sinks: the --out file as triad process" cmp -s sinks.jsonl proc.jsonl
    check "sinks: triad listen hears the detections of triad process" cmp -s listen.jsonl proc.jsonl
    check "sinks: no sanitizer report" no_sanitizer_report sinks.err listen.err
else
    kill $LISTEN_PID 2>/dev/null
fi

# ---- hostile sender, then a stream ------------------------------------------------------
if start_run hostile --idle-timeout 2 --queue 64 --out hostile.jsonl; then
    sent=0
    for i in $(seq 150); do
        case $((i % 5)) in
        0) n=$((RANDOM % 65507 + 1)) ;;       # up to the largest UDP datagram
        1) n=$((RANDOM % 3 + 1)) ;;           # a few bytes
        *) n=$((RANDOM % 1500 + 1)) ;;
        esac
        # one write per datagram: dd with a single block of n bytes
        dd if=/dev/urandom bs=$n count=1 iflag=fullblock 2>/dev/null >/dev/udp/127.0.0.1/$PORT &&
            sent=$((sent + 1))
    done
    "$TRIAD" replay rec.sigmf-meta --to udp://127.0.0.1:$PORT --rate 0.5 --cpis 3 \
        2>hostile.replay.err
    wait_run
    head -n "$(grep -c '"cpi":[0-2],' proc.jsonl)" proc.jsonl >proc3.jsonl
    check "hostile: run exits 0" [ $RUN_RC -eq 0 ]
    check "hostile: $sent random datagrams counted malformed" [ "$(stat hostile malformed)" = "$sent" ]
    check "hostile: the stream after them is processed as usual" cmp -s hostile.jsonl proc3.jsonl
    check "hostile: no sanitizer report" no_sanitizer_report hostile.err
fi

# ---- --epoch first-packet: the reports' UTC is the packets', not the meta's datetime --------
# late.sigmf-meta: the same recording with core:datetime a day later; run with it and
# --epoch first-packet while replay sends rec (stamped 2026-11-23): the detections, time_utc
# included, are those of triad process on rec.
sed 's/\("core:datetime":[[:space:]]*"\)2026-11-23T/\12026-11-24T/' rec.sigmf-meta >late.sigmf-meta
ln -sf rec.sigmf-data late.sigmf-data
if grep -q '2026-11-24T' late.sigmf-meta &&
    META=late.sigmf-meta start_run epoch --epoch first-packet --queue 64 --idle-timeout 2 --out epoch.jsonl; then
    "$TRIAD" replay rec.sigmf-meta --to udp://127.0.0.1:$PORT --rate 0.5 2>epoch.replay.err
    REPLAY_RC=$?
    wait_run
    if [ "$(stat epoch lost)" = 0 ]; then
        check "--epoch first-packet: run and replay exit 0" [ $RUN_RC -eq 0 -a $REPLAY_RC -eq 0 ]
        check "--epoch first-packet: time_utc from the packets (= triad process on rec)" \
            cmp -s epoch.jsonl proc.jsonl
    else
        echo "note: --epoch first-packet: the kernel dropped packets; case not judged"
    fi
else
    check "--epoch first-packet: late.sigmf-meta made and run started" false
fi

# ---- --cpis K ---------------------------------------------------------------------------
if start_run cpis --cpis 3 --queue 64 --out cpis.jsonl; then
    "$TRIAD" replay rec.sigmf-meta --to udp://127.0.0.1:$PORT --rate 0.5 2>cpis.replay.err
    REPLAY_RC=$?
    wait_run
    check "--cpis 3: run and replay exit 0" [ $RUN_RC -eq 0 -a $REPLAY_RC -eq 0 ]
    check "--cpis 3: three CPIs, their detections" cmp -s cpis.jsonl proc3.jsonl
fi

# ---- SIGINT ----------------------------------------------------------------------------
if start_run sigint --queue 64 --reports --out sigint.jsonl; then
    "$TRIAD" replay rec.sigmf-meta --to udp://127.0.0.1:$PORT --rate 0.5 --cpis 2 \
        2>sigint.replay.err
    for _ in $(seq 100); do
        [ "$(grep -c '"detections":' sigint.jsonl 2>/dev/null)" -ge 4 ] && break
        sleep 0.05
    done
    kill -INT $RUN_PID
    wait_run
    check "SIGINT: exit 0" [ $RUN_RC -eq 0 ]
    check "SIGINT: a final stats line" grep -q 'final.*processed 2 ' sigint.err
    check "SIGINT: says it was stopped" grep -q 'stopped by signal' sigint.err
fi

# ---- processing slower than the stream: the queue drops whole CPIs ------------------------
if TRIAD_TEST_RUN_DELAY_S=0.15 start_run queue --queue 2 --idle-timeout 2 --reports \
    --out queue.jsonl; then
    "$TRIAD" replay rec.sigmf-meta --to udp://127.0.0.1:$PORT --rate max 2>queue.replay.err
    wait_run
    p=$(stat queue processed)
    d=$(stat queue dropped)
    echo "      queue: $p processed, $d dropped"
    check "queue: exit 0" [ $RUN_RC -eq 0 ]
    check "queue: CPIs were dropped, processed + dropped = 12" \
        [ "${d:-0}" -gt 0 -a $((${p:-0} + ${d:-0})) -eq 12 ]
    check "queue: the processed CPIs in order and intact" \
        $PY - queue.jsonl proc.jsonl "${p:-0}" <<'PY'
import json, sys
run = [l for l in open(sys.argv[1])]
proc = {}
for l in open(sys.argv[2]):
    d = json.loads(l)
    proc.setdefault(d["cpi"], []).append(l)
cpis, dets = [], {}
for l in run:
    d = json.loads(l)
    if "detections" in d:
        if d["channel"] == 0:
            cpis.append(d["cpi"])
        assert d["degraded_fraction"] == 0, d
    else:
        dets.setdefault(d["cpi"], []).append(l)
assert len(cpis) == int(sys.argv[3]), cpis
assert cpis == sorted(cpis) and len(set(cpis)) == len(cpis), cpis
# drop-oldest: the newest CPI is never dropped (CPI 0 usually goes straight to the processor,
# but on a loaded machine it can wait in the queue long enough to be the oldest dropped)
assert cpis[-1] == 11, cpis
for k in cpis:
    assert dets.get(k, []) == proc.get(k, []), k
PY
fi

# ---- captures: a clock jump, then a retune ------------------------------------------------
# rec2: the same samples as two captures, the second (CPI 6 on) an hour and 1.5 ms after the
# first (its clock jumps 3600.0015 - 6 CPIs = 3599.9631 s); rec3:
# the second also retuned to 4.5 GHz. replay stamps each CPI from its own capture's datetime
# (and sends the capture's carrier in its context packets): run reports the jumped times,
# as process does, with the CPIs numbered on.
$PY - <<'PY'
import json, shutil
m = json.load(open("rec.sigmf-meta"))
c0 = m["captures"][0]
for name, freq in (("rec2", c0["core:frequency"]), ("rec3", 4.5e9)):
    c1 = {"core:sample_start": c0["core:sample_start"] + 6 * 32 * 1024,
          "core:frequency": freq, "core:datetime": "2026-11-23T01:00:00.2515Z"}
    m["captures"] = [c0, c1]
    json.dump(m, open(name + ".sigmf-meta", "w"), indent=1)
    shutil.copy("rec.sigmf-data", name + ".sigmf-data")
PY
for rec in rec2 rec3; do
    "$TRIAD" process $rec.sigmf-meta "${CHAIN[@]}" --quiet --out $rec.proc.jsonl 2>$rec.process.err
    for tsf in sample-count picoseconds free-running; do
        name=$rec.$tsf
        send_clean $name $rec.sigmf-meta --tsf $tsf
        check "$name: replay and run exit 0" [ $REPLAY_RC -eq 0 -a $RUN_RC -eq 0 ]
        check "$name: 12 CPIs processed, none degraded, no CPI lost" \
            grep -q 'processed 12 degraded 0 dropped 0 skipped 0' $name.err
        if [ $tsf = free-running ]; then # the count goes on: no clock to jump, UTC seconds only
            check "$name: no clock jump told (free-running count)" \
                [ "$(grep -c 'clock jumped' $name.err)" = 0 ]
        else
            check "$name: one clock jump told" \
                grep -q 'final.*clock jumps 1 |' $name.err
            check "$name: ... with its size and place" grep -q 'clock jumped +3599.963100000 s at sample index 196608 (CPI 6' $name.err
        fi
        if [ $rec = rec2 ] && [ $tsf != free-running ]; then
            check "$name: detections identical to triad process (times jumped)" \
                cmp -s $name.jsonl $rec.proc.jsonl
        elif [ $tsf != free-running ]; then
            # velocities: run keeps the meta's carrier (warned); everything else as process
            check "$name: times and ranges as triad process; the retune warned from context" \
                $PY - $name.jsonl $rec.proc.jsonl $name.err <<'PY'
import json, sys
run = [json.loads(l) for l in open(sys.argv[1])]
proc = [json.loads(l) for l in open(sys.argv[2])]
assert len(run) == len(proc) and run, (len(run), len(proc))
for a, b in zip(run, proc):
    for k in ("cpi", "channel", "time_s", "time_utc", "range_m"):
        assert a[k] == b[k], (k, a, b)
assert any(d["time_utc"].startswith("2026-11-23T01:00:00.") for d in run)
assert "RF reference frequency 4500000000 Hz" in open(sys.argv[3]).read()
PY
        fi
        check "$name: no sanitizer report" no_sanitizer_report $name.err $name.replay.err
    done
done

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
