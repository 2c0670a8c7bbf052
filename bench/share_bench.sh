#!/usr/bin/env bash
# Sharing stage through the hub (issue 7): end-to-end latency A publish -> B delivery and
# sustained throughput, on one host, with one hub relaying partner A's warnings and tracks to
# partner B (`triad hub`, two `triad node`s, keys from `triad keygen`).
#
# usage: bench/share_bench.sh [options] TRIAD OUTDIR
#   TRIAD      the triad program (e.g. build/triad)
#   OUTDIR     where inputs, keys, the DDS Security deployment and one folder per run go
#              (created; kept), with summary.txt (the table) and summary.json
#   -n N       messages of each latency run (default 1000: all 61 warnings of korea_japan and
#              tracks spread over the rest, in file order)
#   -r HZ      publishing rate of the latency runs, a whole number (default 50)
#   -N N       messages of each throughput run (default 5000, every one its own instance)
#   -S         no DDS Security runs (loopback only)
#   -T         no throughput runs
#   -F RATE    flood runs only (issue 14), instead of the above: tests/share_flood.sh with RATE
#              unsigned messages/s for 12 s on the real sender's own link ("same"), then on the
#              other link ("other"), alternating, 3 times each; 100 real warnings at 10/s from A
#              to B meanwhile; share_inject from $SHARE_INJECT or TRIAD's tests/ folder. Writes
#              OUTDIR/flood.txt (B's latency p50/p99, what the flood sent, the hub's peak RSS)
#   -h         this text
#
# Runs (each with a fresh hub audit log and state file):
#   latency     security off, sync true | security on, sync true | security off, sync false
#   throughput  the same two security settings x sync true and false, A sending unpaced
# Latency is B's age_ms (delivery time minus A's signing time, same host clock). Throughput is
# delivered / (last delivery - first delivery) at B; sent = A's published count. The hub's last
# --stats line of each run is kept in OUTDIR/RUN/hub-stats.txt.
# A is started on a FIFO and fed only once its writer has matched the hub's reader, so the
# first messages do not wait for discovery (a node's writer keeps the latest version of an
# instance only). Domain ids are random in 100..220. Needs /usr/bin/python3 with numpy, and
# openssl for the DDS Security deployment (host/share/pki/make-deployment.sh).
# SPDX-License-Identifier: GPL-2.0-or-later
set -euo pipefail

me=share_bench.sh
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
py=/usr/bin/python3
usage() { sed -n '5,23s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; }
die() { echo "$me: $*" >&2; exit 1; }

lat_n=1000 rate=50 thr_n=5000 secure=1 throughput=1 flood=0
while getopts "n:r:N:STF:h" opt; do
    case $opt in
    n) lat_n=$OPTARG ;;
    r) rate=$OPTARG ;;
    N) thr_n=$OPTARG ;;
    S) secure=0 ;;
    T) throughput=0 ;;
    F) flood=$OPTARG ;;
    h) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
[ $# -eq 2 ] || { usage >&2; exit 2; }
for v in "$lat_n" "$rate" "$thr_n"; do
    [[ $v =~ ^[1-9][0-9]*$ ]] || { echo "$me: '$v': a positive whole number" >&2; exit 2; }
done
triad=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
[ -x "$triad" ] || die "$1: not an executable"
mkdir -p "$2"
out=$(cd "$2" && pwd)
"$py" -c 'import numpy' 2>/dev/null || die "$py with numpy is needed"

if [ "$flood" != 0 ]; then
    [[ $flood =~ ^[1-9][0-9]*$ ]] || die "-F '$flood': a positive whole number"
    inject=${SHARE_INJECT:-$(dirname "$triad")/tests/share_inject}
    [ -x "$inject" ] || die "$inject: not found (set SHARE_INJECT)"
    : >"$out/flood.txt"
    echo "start: $(cut -d' ' -f1-3 /proc/loadavg)" >"$out/loadavg.txt"
    for run in 1 2 3; do
        for where in same other; do
            links=A
            [ $where = other ] && links=B
            echo "$me: flood run $run, $where link, $flood/s" >&2
            line=$(bash "$root/tests/share_flood.sh" "$triad" "$inject" "$out/flood-tmp" "$flood" 12 \
                "$links" 100 | grep '^share_flood: [0-9]') || die "share_flood.sh failed ($where, run $run)"
            echo "$where $run $line" | tee -a "$out/flood.txt"
        done
    done
    echo "end: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$out/loadavg.txt"
    exit 0
fi

# every process this script starts, ended by the trap if still running
pids=()
cleanup() {
    local p
    for p in "${pids[@]+"${pids[@]}"}"; do
        kill -TERM "$p" 2>/dev/null || true
    done
    for p in "${pids[@]+"${pids[@]}"}"; do
        wait "$p" 2>/dev/null || true
    done
}
# wait for PID (its status in REAP_RC) and forget it
reap() {
    local p=$1 q keep=()
    REAP_RC=0
    wait "$p" 2>/dev/null || REAP_RC=$?
    for q in "${pids[@]+"${pids[@]}"}"; do
        [ "$q" = "$p" ] || keep+=("$q")
    done
    pids=("${keep[@]+"${keep[@]}"}")
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# wait until FILE has a line matching every pattern, at most S seconds
wait_for() {
    local file=$1 deadline=$((SECONDS + $2)) pat ok
    shift 2
    while :; do
        ok=1
        for pat in "$@"; do
            grep -q -- "$pat" "$file" 2>/dev/null || { ok=0; break; }
        done
        [ $ok -eq 1 ] && return 0
        [ $SECONDS -lt $deadline ] || return 1
        sleep 0.1
    done
}

# ---- inputs
if [ ! -s "$out/tracks.jsonl" ]; then
    "$triad" scenario run "$root/testdata/scenarios/korea_japan.json" --out "$out/reports.jsonl" \
        --truth "$out/truth.jsonl" >"$out/scenario.log" 2>&1
    "$triad" fuse --input "$out/reports.jsonl" --out "$out/tracks.jsonl" >"$out/fuse.log" 2>&1
fi
"$py" - "$out/tracks.jsonl" "$lat_n" "$thr_n" "$out/latency-in.jsonl" "$out/throughput-in.jsonl" <<'EOF'
import json, sys
import numpy as np
src, lat_n, thr_n, lat_out, thr_out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
lines = [l for l in open(src) if l.strip()]
kinds = [json.loads(l)["type"] for l in lines]
warn = [i for i, k in enumerate(kinds) if k == "warning"]
trk = [i for i, k in enumerate(kinds) if k == "track"]
nt = max(0, min(len(trk), lat_n - len(warn)))
keep = sorted(warn[:lat_n] + [trk[j] for j in np.linspace(0, len(trk) - 1, nt).round().astype(int)])
with open(lat_out, "w") as f:
    f.writelines(lines[i] for i in keep)
# throughput: the whole file over and over, every line its own instance (id = counter)
with open(thr_out, "w") as f:
    for i in range(thr_n):
        o = json.loads(lines[i % len(lines)])
        o["event_id" if o["type"] == "warning" else "track_id"] = i + 1
        f.write(json.dumps(o, separators=(",", ":")) + "\n")
EOF
lat_n=$(wc -l <"$out/latency-in.jsonl")

# ---- keys, policy, domains, DDS Security deployment
mkdir -p "$out/keys"
for id in hub A B; do
    [ -e "$out/keys/$id.key" ] || "$triad" keygen --id "$id" --dir "$out/keys" >/dev/null
done
cat >"$out/policy.json" <<'EOF'
{"partners":{"A":{"warning":{"release":["*"],"withhold":["track_id"],"precision":{"launch.lat_deg":{"decimals":2}}},"track":{"release":["*"]}},
             "B":{"warning":{"release":["*"],"withhold":["track_id"],"precision":{"launch.lat_deg":{"decimals":1}}},"track":{"release":["track_id","time_s","lat_deg","lon_deg","alt_m","status"]}}}}
EOF
base=$((100 + RANDOM % 118)) # loopback links base, base+1; secure links base+2, base+3 (<= 220)
if [ $secure -eq 1 ]; then
    bash "$root/host/share/pki/make-deployment.sh" --loopback --domain-ac $((base + 2)) \
        --domain-bc $((base + 3)) "$out/pki" >"$out/pki.log" 2>&1 ||
        die "make-deployment.sh failed (see $out/pki.log)"
fi

# link JSON of ROLE (hub|nodeA|nodeB) on link AC|BC, security 0|1
link() {
    local partner=$1 role=$2 ab=$3 sec=$4 d
    if [ "$sec" -eq 1 ]; then
        d=$((base + 2)); [ "$ab" = BC ] && d=$((base + 3))
        printf '{"partner":"%s","domain":%d,"config":"file://%s/pki/link-%s/%s.xml"}' \
            "$partner" "$d" "$out" "$ab" "$role"
    else
        d=$base; [ "$ab" = BC ] && d=$((base + 1))
        printf '{"partner":"%s","domain":%d,"loopback":true}' "$partner" "$d"
    fi
}

# CPU seconds (user + system) PID has used so far, or nothing when it is gone
cpu_s() { awk -v t="$(getconf CLK_TCK)" '{ printf "%.2f\n", ($14 + $15) / t }' "/proc/$1/stat" 2>/dev/null || true; }

# run NAME SEC SYNC INPUT N RATE(0: unpaced) B_TIMEOUT
run() {
    local name=$1 sec=$2 sync=$3 input=$4 n=$5 hz=$6 tmo=$7 dir hub_pid a_pid b_pid cat_pid
    dir=$out/$name
    rm -rf "$dir"
    mkdir -p "$dir"
    cat >"$dir/hub.json" <<EOF
{"id":"hub","key":"$out/keys/hub.key","trust":"$out/keys/trust.json","policy":"$out/policy.json",
 "audit":"hub-audit.jsonl","state":"hub-state.jsonl","sync":$sync,
 "links":[$(link A hub AC "$sec"),$(link B hub BC "$sec")]}
EOF
    for p in A B; do
        local ab=AC
        [ $p = B ] && ab=BC
        cat >"$dir/node$p.json" <<EOF
{"id":"$p","key":"$out/keys/$p.key","trust":"$out/keys/trust.json","hub":"hub",
 "link":$(link hub "node$p" $ab "$sec")}
EOF
    done
    echo "$me: $name: security $([ "$sec" -eq 1 ] && echo on || echo off), sync $sync, $n messages, $([ "$hz" = 0 ] && echo unpaced || echo "$hz/s")" >&2
    "$triad" hub --config "$dir/hub.json" --stats 1 2>"$dir/hub.err" &
    hub_pid=$!
    pids+=("$hub_pid")
    "$triad" node --config "$dir/nodeB.json" --out "$dir/b.jsonl" --count "$n" --timeout "$tmo" \
        2>"$dir/b.err" &
    b_pid=$!
    pids+=("$b_pid")
    wait_for "$dir/b.err" 60 "link to hub: matched" "link to hub: alive" ||
        die "$name: B did not match the hub in 60 s (see $dir/b.err, $dir/hub.err)"
    mkfifo "$dir/a.fifo"
    local rate_opt=()
    [ "$hz" = 0 ] || rate_opt=(--rate "$hz")
    "$triad" node --config "$dir/nodeA.json" --input "$dir/a.fifo" "${rate_opt[@]}" \
        --timeout $((tmo + 120)) 2>"$dir/a.err" &
    a_pid=$!
    pids+=("$a_pid")
    wait_for "$dir/a.err" 60 "link to hub: matched" ||
        die "$name: A did not match the hub in 60 s (see $dir/a.err, $dir/hub.err)"
    sleep 0.5
    # the input thread opens the FIFO (and starts its rate clock) when cat opens it
    cat "$input" >"$dir/a.fifo" &
    cat_pid=$!
    pids+=("$cat_pid")
    local c b_cpu=
    while kill -0 "$b_pid" 2>/dev/null; do # B's CPU time, read until it exits
        c=$(cpu_s "$b_pid")
        [ -z "$c" ] || b_cpu=$c
        sleep 0.05
    done
    reap "$b_pid"
    echo "$REAP_RC" >"$dir/b.rc"
    sleep 0.5
    echo "hub $(cpu_s "$hub_pid") A $(cpu_s "$a_pid") B $b_cpu" >"$dir/cpu.txt"
    kill -INT "$a_pid" 2>/dev/null || true
    reap "$a_pid"
    kill -TERM "$cat_pid" 2>/dev/null || true
    reap "$cat_pid"
    sleep 1.2 # one more --stats line after the last message
    kill -INT "$hub_pid" 2>/dev/null || true
    reap "$hub_pid"
    echo "$REAP_RC" >"$dir/hub.rc"
    grep 'triad hub: received' "$dir/hub.err" | tail -1 >"$dir/hub-stats.txt" || true
    grep 'triad hub: stopped' "$dir/hub.err" >>"$dir/hub-stats.txt" || true
    echo "$name $sec $sync $n $hz" >>"$out/runs.txt"
}

rm -f "$out/runs.txt"
echo "start: $(cut -d' ' -f1-3 /proc/loadavg)" >"$out/loadavg.txt"
lat_tmo=$(("$lat_n" / "$rate" + 60))
run lat-plain-sync 0 true "$out/latency-in.jsonl" "$lat_n" "$rate" "$lat_tmo"
[ $secure -eq 1 ] && run lat-secure-sync 1 true "$out/latency-in.jsonl" "$lat_n" "$rate" "$lat_tmo"
run lat-plain-nosync 0 false "$out/latency-in.jsonl" "$lat_n" "$rate" "$lat_tmo"
if [ $throughput -eq 1 ]; then
    thr_tmo=$((thr_n / 20 + 60)) # allows for 20 messages/s
    run thr-plain-sync 0 true "$out/throughput-in.jsonl" "$thr_n" 0 "$thr_tmo"
    run thr-plain-nosync 0 false "$out/throughput-in.jsonl" "$thr_n" 0 "$thr_tmo"
    if [ $secure -eq 1 ]; then
        run thr-secure-sync 1 true "$out/throughput-in.jsonl" "$thr_n" 0 "$thr_tmo"
        run thr-secure-nosync 1 false "$out/throughput-in.jsonl" "$thr_n" 0 "$thr_tmo"
    fi
fi

echo "end: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$out/loadavg.txt"

# ---- summary
"$py" - "$out" <<'EOF'
import json, os, re, sys
import numpy as np
out = sys.argv[1]
rows = []
for line in open(os.path.join(out, "runs.txt")):
    name, sec, sync, n, hz = line.split()
    d = os.path.join(out, name)
    msgs = [json.loads(l) for l in open(os.path.join(d, "b.jsonl")) if l.strip()]
    age = np.array([m["age_ms"] for m in msgs])
    t_del = np.array([m["time_ns"] / 1e9 + m["age_ms"] / 1e3 for m in msgs])
    t_sig = np.array([m["time_ns"] / 1e9 for m in msgs])
    a_err = open(os.path.join(d, "a.err")).read()
    pub = re.search(r"published (\d+)", a_err)
    hub = open(os.path.join(d, "hub-stats.txt")).read().strip().splitlines()
    r = {"run": name, "security": sec == "1", "sync": sync == "true", "offered": int(n),
         "rate_hz": float(hz), "sent": int(pub.group(1)) if pub else None,
         "delivered": len(msgs), "b_status": int(open(os.path.join(d, "b.rc")).read()),
         "hub_status": int(open(os.path.join(d, "hub.rc")).read()),
         "cpu_s": dict(zip(*[iter(open(os.path.join(d, "cpu.txt")).read().split())] * 2)),
         "hub_stats": hub[0] if hub else "", "hub_stopped": hub[1] if len(hub) > 1 else ""}
    if len(msgs):
        r.update(p50_ms=float(np.percentile(age, 50)), p99_ms=float(np.percentile(age, 99)),
                 max_ms=float(age.max()), mean_ms=float(age.mean()))
    if len(msgs) > 1:
        span = t_del.max() - t_del.min()
        r["delivered_per_s"] = (len(msgs) - 1) / span if span > 0 else None
        sspan = t_sig.max() - t_sig.min()
        r["signed_per_s"] = (len(msgs) - 1) / sspan if sspan > 0 else None
    rows.append(r)
json.dump(rows, open(os.path.join(out, "summary.json"), "w"), indent=1)
f = lambda v, fmt="%.2f": "-" if v is None else fmt % v
lines = ["%-18s %-8s %-5s %9s %9s %8s %8s %8s %10s %10s" % (
    "run", "security", "sync", "sent", "delivered", "p50 ms", "p99 ms", "max ms", "A sign/s",
    "B deliv/s")]
for r in rows:
    lines.append("%-18s %-8s %-5s %9s %9s %8s %8s %8s %10s %10s" % (
        r["run"], "on" if r["security"] else "off", "true" if r["sync"] else "false",
        f(r["sent"], "%d"), f(r["delivered"], "%d"), f(r.get("p50_ms")), f(r.get("p99_ms")),
        f(r.get("max_ms")), f(r.get("signed_per_s"), "%.0f"), f(r.get("delivered_per_s"), "%.0f")))
lines.append("")
lines.append("load average " + open(os.path.join(out, "loadavg.txt")).read().replace("\n", "  ").strip())
lines += ["%s: %s" % (r["run"], r["hub_stats"].replace("triad hub: ", "")) for r in rows]
lines.append("")
lines += ["%s: CPU s hub %s, A %s, B %s (B read to within 50 ms of its exit)" % (
    r["run"], r["cpu_s"].get("hub", "-"), r["cpu_s"].get("A", "-"), r["cpu_s"].get("B", "-"))
    for r in rows]
bad = [r["run"] for r in rows if r["delivered"] != r["offered"] or r["sent"] != r["offered"]
       or r["hub_status"] != 0]
if bad:
    lines.append("")
    lines.append("NOT ALL DELIVERED or hub failed: " + ", ".join(bad))
open(os.path.join(out, "summary.txt"), "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
EOF
