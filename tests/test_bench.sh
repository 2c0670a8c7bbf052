#!/usr/bin/env bash
# triad bench end to end: a short run on workload S writes a table, JSON with every field the
# issue asks for, and a PNG chart; --list agrees with bench/workloads/*.json; bad options are
# refused. usage: test_bench.sh TRIAD SOURCE_DIR
# SPDX-License-Identifier: GPL-2.0-or-later
set -u
triad=${1:?usage: test_bench.sh TRIAD SOURCE_DIR}
src=${2:?usage: test_bench.sh TRIAD SOURCE_DIR}
py=/usr/bin/python3
tmp=$(mktemp -d "${TMPDIR:-/tmp}/triad-bench-test.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
fail() { echo "test_bench: FAIL: $*"; exit 1; }

"$triad" bench --workload S --cpis 3 --json "$tmp/b.json" --plot "$tmp/b.png" >"$tmp/out.txt" 2>&1 ||
    { cat "$tmp/out.txt"; fail "triad bench --workload S --cpis 3 exited $?"; }
cat "$tmp/out.txt"
grep -q '^S  *fftw ' "$tmp/out.txt" || fail "no fftw row for S in the table"
[ -s "$tmp/b.json" ] || fail "no JSON written"
[ -s "$tmp/b.png" ] || fail "no PNG written"
[ "$(head -c 8 "$tmp/b.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] ||
    fail "$tmp/b.png is not a PNG"

# the OpenCL traffic model: no device needed; M's fused minimum is its ci16 cube (1 x 128 x
# 8192 x 4 B) plus its power map (as many floats): 8.39 MB
"$triad" bench --traffic --workload M >"$tmp/traffic.txt" 2>&1 || fail "bench --traffic exited $?"
grep -q '^M .*Nfft 9216 (9 x 1024), range long.*fused minimum 8.39 MB' "$tmp/traffic.txt" ||
    { cat "$tmp/traffic.txt"; fail "bench --traffic: no range_long M line (Nfft 9216) with its fused minimum"; }
[ "$(grep -c ' MB written$' "$tmp/traffic.txt")" -ge 6 ] || fail "bench --traffic: per-kernel lines"

if [ -x "$py" ]; then
    "$py" - "$tmp/b.json" "$tmp/b.png" <<'PYEOF' || fail "JSON or PNG content"
import json, struct, sys
d = json.load(open(sys.argv[1]))
for k in ("commit", "date", "machine", "settings", "results", "opencl_devices", "opencl_bandwidth"):
    assert k in d, "missing " + k
m = d["machine"]
assert m["host"] and m["cores"] >= 1 and m["cpu_model"], m
res = [r for r in d["results"] if not r.get("skipped")]
assert res and res[0]["workload"] == "S" and res[0]["backend"] == "fftw", d["results"]
for r in res:
    assert r["cpis"] == 3
    assert 0 < r["median_ms"] <= r["p99_ms"], r
    assert r["msamples_per_s"] > 0 and r["input_gb_per_s"] > 0
    assert r["latency"]["median_ms"] == r["median_ms"]
    assert set(r["stage_median_ms"]) >= {"range", "doppler", "cfar", "extract"}
    assert r["floor"]["ms"] > 0 and r["ratio_to_floor"] > 0, r["floor"]
    assert r["floor"]["kind"] == ("fftw" if r["backend"] == "fftw" else "bandwidth")
    assert r["detections_per_cpi"] > 0 and r["targets_found_last_cpi"] >= 1, r
if any(r["backend"] == "opencl" for r in res):
    bw = d["opencl_bandwidth"]
    assert bw["copy_gb_per_s"] > 0 and bw["h2d_pinned_gb_per_s"] > 0, bw
for r in (r for r in res if r["backend"] == "opencl"):
    # profiled: device time per stage, the copies, and a batched streaming run
    assert all(r["stage_median_ms"][k] > 0 for k in ("range", "doppler", "cfar", "extract")), r
    assert r["device_copies_ms"]["h2d"] > 0 and r["device_copies_ms"]["d2h"] > 0, r
    st = r["stream"]
    assert st["batch"] >= 1 and st["slots"] == 2 * st["batch"] and st["cpis"] % st["batch"] == 0, st
    assert st["ms_per_cpi"] > 0 and st["device_ms_per_cpi"]["h2d"] > 0, st
    assert 0 <= st["copy_compute_overlap"] <= 1, st
png = open(sys.argv[2], "rb").read()
w, h = struct.unpack(">II", png[16:24])
assert png[12:16] == b"IHDR" and 300 < w < 4000 and 200 < h < 2000, (w, h)
print("test_bench: JSON has %d results; PNG %d x %d" % (len(d["results"]), w, h))
PYEOF

    # the workload scenes carry the same geometry as the built-in table
    "$triad" bench --list >"$tmp/list.txt" || fail "triad bench --list"
    "$py" - "$tmp/list.txt" "$src/bench/workloads" <<'PYEOF' || fail "--list and bench/workloads/*.json disagree"
import json, math, os, sys
rows = {}
for line in open(sys.argv[1]).read().splitlines()[1:]:
    f = line.split()
    c, p, n = map(int, f[1].split("x"))
    rows[f[0]] = (c, p, n, int(f[2]))
files = sorted(x[:-5] for x in os.listdir(sys.argv[2]) if x.endswith(".json"))
assert sorted(rows) == files, (sorted(rows), files)
for name, want in rows.items():
    r = json.load(open(os.path.join(sys.argv[2], name + ".json")))["radar"]
    l = math.ceil(r["waveform"]["pulse_width_s"] * r["sample_rate_hz"] - 1e-6)
    got = (r.get("num_channels", 1), r["pulses_per_cpi"], r["samples_per_pulse"], l)
    assert got == want, (name, got, want)
print("test_bench: --list matches %d workload scenes" % len(rows))
PYEOF
fi

# a shape named on the command line, with its pulse length: CxPxN/L
"$triad" bench --workload 1x16x512/40 --cpis 1 --warmup 0 --json "$tmp/shape.json" >"$tmp/shape.txt" 2>&1 ||
    { cat "$tmp/shape.txt"; fail "triad bench --workload 1x16x512/40 exited $?"; }
grep -q '"pulse_samples":[[:space:]]*40[,}[:space:]]' "$tmp/shape.json" ||
    { cat "$tmp/shape.json"; fail "bench --workload 1x16x512/40: pulse_samples is not 40"; }

for bad in "--workload NOPE" "--backend cuda" "--cpis 0" "--warmup -1" "--workload 1x16x512/0" \
    "--workload 1x16x512/600" "--workload 1x16x512/" "--workload 1x16x512/4x"; do
    # shellcheck disable=SC2086
    "$triad" bench $bad >"$tmp/bad.txt" 2>&1
    rc=$?
    [ $rc -eq 2 ] || { cat "$tmp/bad.txt"; fail "triad bench $bad exited $rc, expected 2"; }
done
echo "test_bench: OK"
