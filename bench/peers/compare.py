#!/usr/bin/env -S /usr/bin/python3
"""Run `triad process` and a peer (numpy_chain.py, or cupy_chain.py with --peer cupy) on the
same recording, match their detections, and optionally time both.

    /usr/bin/python3 bench/peers/compare.py REC.sigmf-meta [--triad build/triad] [--time]
                                            [--peer numpy|pyfftw|cupy] [--peer-arg ARG]... [--summary F]

Matching: same CPI and channel, |range_bin diff| <= 0.05, |doppler_bin diff| <= 0.05 (modulo
P), |snr_db diff| <= 0.2.  Any detection of one side without a partner on the other, or a pair
whose SNR differs by more than the tolerance, is listed and the exit status is 1.

--time: only when the detections match: Triad and the peer run alternately, --rounds times
each, on the same file.  Triad's
time is its own summary line ("... Msamples/s processing (X s) ..."): the processing seconds of
all CPIs, which include the first CPI's warm-up; a copy of the recording cut to its first CPI is
run too, so (X_all - X_first) / (K - 1) is the per-CPI time after warm-up.  The peer reports
its per-CPI median after one warm-up CPI.  --bench WORKLOAD also runs `triad bench` on the
matching built-in workload (its own per-CPI median, same geometry, its own simulated data).
--summary FILE writes the medians as JSON (bench/run_peers.sh reads it).  A peer that exits 77
(cupy_chain.py without CuPy or a GPU) makes this script exit 77 too.
SPDX-License-Identifier: GPL-2.0-or-later
"""
import argparse
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PY = "/usr/bin/python3"
PEERS = {"numpy": os.path.join(HERE, "numpy_chain.py"),
         "pyfftw": os.path.join(HERE, "numpy_chain.py"),  # the same chain, FFTW transforms
         "cupy": os.path.join(HERE, "cupy_chain.py")}
PEER_ARGS = {"pyfftw": ["--fft", "pyfftw"]}
SKIP = 77


class PeerSkipped(Exception):
    pass


def load_jsonl(path):
    out = []
    with open(path, "r", encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line:
                out.append(json.loads(line))
    return out


def run(cmd, peer=False, **kw):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)
    if peer and r.returncode == SKIP:
        raise PeerSkipped(r.stderr.strip())
    if r.returncode != 0:
        sys.stderr.write(r.stdout + r.stderr)
        raise SystemExit(f"compare: {' '.join(cmd)} failed with status {r.returncode}")
    return r


def triad_cmd(args, meta, out, quiet):
    # one wisdom file for every run of this comparison: the detection check plans (and saves),
    # the timed runs plan from it, so neither the K-CPI nor the 1-CPI run pays for measuring
    cmd = [args.triad, "process", meta, "--out", out, "--wisdom", args.wisdom]
    if quiet:
        cmd.append("--quiet")
    if args.triad_threads:
        cmd += ["--threads", str(args.triad_threads)]
    return cmd


def peer_cmd(args, meta, out, timed):
    cmd = [PY, PEERS[args.peer], meta, "--json-out", out, "--workers", str(args.peer_workers)]
    cmd += PEER_ARGS.get(args.peer, []) + args.peer_arg
    if timed:
        cmd.append("--time")
    return cmd


def describe(d):
    return ("cpi %d ch %d range_bin %.4f doppler_bin %.4f snr %.2f dB (range %.3f m, %.4f m/s)"
            % (d["cpi"], d.get("channel", 0), d["range_bin"], d["doppler_bin"], d["snr_db"],
               d["range_m"], d["velocity_mps"]))


def match(triad, peer, p, tol_bin, tol_db):
    """Returns (pairs, snr_mismatches, triad_only, peer_only)."""
    def ddiff(a, b):
        x = (a - b) % p
        return min(x, p - x)

    used = [False] * len(peer)
    pairs, bad_snr, triad_only = [], [], []
    for t in triad:
        best, best_dist = None, None
        for j, q in enumerate(peer):
            if used[j] or q["cpi"] != t["cpi"] or q.get("channel", 0) != t.get("channel", 0):
                continue
            dr = abs(q["range_bin"] - t["range_bin"])
            dd = ddiff(q["doppler_bin"], t["doppler_bin"])
            if dr <= tol_bin + 1e-9 and dd <= tol_bin + 1e-9:
                dist = math.hypot(dr, dd)
                if best is None or dist < best_dist:
                    best, best_dist = j, dist
        if best is None:
            triad_only.append(t)
            continue
        used[best] = True
        q = peer[best]
        pairs.append((t, q))
        if abs(q["snr_db"] - t["snr_db"]) > tol_db + 1e-9:
            bad_snr.append((t, q))
    peer_only = [q for j, q in enumerate(peer) if not used[j]]
    return pairs, bad_snr, triad_only, peer_only


def nearest(d, others, p):
    same = [o for o in others if o["cpi"] == d["cpi"] and o.get("channel", 0) == d.get("channel", 0)]
    if not same:
        return None

    def dist(o):
        x = (o["doppler_bin"] - d["doppler_bin"]) % p
        return math.hypot(o["range_bin"] - d["range_bin"], min(x, p - x))
    return min(same, key=dist)


def threshold_db(meta):
    """10 log10(alpha) per searched range bin, from the peer's plan (for diagnostics)."""
    sys.dont_write_bytecode = True  # no __pycache__ in the source tree
    sys.path.insert(0, HERE)
    import numpy as np  # noqa: E402
    import numpy_chain  # noqa: E402
    plan = numpy_chain.make_plan(numpy_chain.read_meta(meta))
    return 10.0 * np.log10(plan["alpha"])


def compare(args, meta, p):
    tmp = tempfile.mkdtemp(prefix="triad-peer-")
    try:
        t_out, p_out = os.path.join(tmp, "triad.jsonl"), os.path.join(tmp, "peer.jsonl")
        run(triad_cmd(args, meta, t_out, quiet=True))
        run(peer_cmd(args, meta, p_out, timed=False), peer=True)
        triad, peer = load_jsonl(t_out), load_jsonl(p_out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    pairs, bad_snr, triad_only, peer_only = match(triad, peer, p, args.tol_bin, args.tol_db)
    worst = [0.0, 0.0, 0.0]
    for t, q in pairs:
        x = (q["doppler_bin"] - t["doppler_bin"]) % p
        worst = [max(worst[0], abs(q["range_bin"] - t["range_bin"])),
                 max(worst[1], min(x, p - x)), max(worst[2], abs(q["snr_db"] - t["snr_db"]))]
    print("compare: %s: triad %d detections, %s peer %d, matched %d (largest differences: "
          "range %.4f bin, Doppler %.4f bin, SNR %.2f dB)"
          % (meta, len(triad), args.peer, len(peer), len(pairs), *worst))
    if not (bad_snr or triad_only or peer_only):
        return 0
    thr = threshold_db(meta)
    for t, q in bad_snr:
        print("  SNR MISMATCH triad: %s\n               peer:  %s" % (describe(t), describe(q)))
    for side, dets, others in (("triad", triad_only, peer), ("peer", peer_only, triad)):
        for d in dets:
            r = min(max(int(round(d["range_bin"])), 0), len(thr) - 1)
            n = nearest(d, others, p)
            print("  ONLY %-5s %s; CFAR threshold %.2f dB (snr - threshold %.2f dB)%s"
                  % (side, describe(d), thr[r], d["snr_db"] - thr[r],
                     "; nearest on the other side: " + describe(n) if n else ""))
    return 1


# ---------------------------------------------------------------------------------------------
# Timing
# ---------------------------------------------------------------------------------------------

TRIAD_RE = re.compile(r"(\d+) CPIs, .*?([\d.]+) Msamples/s processing \(([\d.]+) s\)")
PEER_RE = re.compile(r"per-CPI median ([\d.]+) ms")


def first_cpi_copy(meta, tmp):
    """REC cut to its first CPI, in tmp; returns the new meta path."""
    with open(meta, "r", encoding="utf-8") as f:
        doc = json.load(f)
    g = doc["global"]
    wf = g["radar:waveform"]
    if wf.get("type") == "samples" and not os.path.isabs(wf["file"]):
        wf["file"] = os.path.join(os.path.dirname(os.path.abspath(meta)), wf["file"])
    bps = 4 if g["core:datatype"] == "ci16_le" else 8
    cpi_bytes = (int(g["radar:pulses_per_cpi"]) * int(g["radar:samples_per_pulse"]) *
                 int(g.get("core:num_channels", 1)) * bps)
    src = meta[: -len(".sigmf-meta")] + ".sigmf-data" if meta.endswith(".sigmf-meta") \
        else meta + ".sigmf-data"
    out = os.path.join(tmp, "first.sigmf-meta")
    with open(out, "w", encoding="utf-8") as f:
        json.dump(doc, f)
    with open(src, "rb") as fi, open(os.path.join(tmp, "first.sigmf-data"), "wb") as fo:
        fo.write(fi.read(cpi_bytes))
    return out


def samples_per_cpi(meta):
    with open(meta, "r", encoding="utf-8") as f:
        g = json.load(f)["global"]
    return (int(g["radar:pulses_per_cpi"]) * int(g["radar:samples_per_pulse"]) *
            int(g.get("core:num_channels", 1)))


def triad_time(args, meta, out):
    """(CPIs, processing seconds) from triad process's summary line.  The seconds are printed
    to 1 ms and the rate (Msamples/s) to 0.1: take whichever is the more precise."""
    r = run(triad_cmd(args, meta, out, quiet=False))
    m = TRIAD_RE.search(r.stderr)
    if not m:
        raise SystemExit("compare: no summary line from triad process:\n" + r.stderr)
    k, rate, busy = int(m.group(1)), float(m.group(2)), float(m.group(3))
    if rate > 0 and 0.05 / rate < 0.0005 / max(busy, 1e-9):
        busy = k * samples_per_cpi(meta) / (rate * 1e6)
    return k, busy


def bench_time(args, tmp):
    out = os.path.join(tmp, "bench.json")
    cmd = [args.triad, "bench", "--workload", args.bench, "--cpis", str(args.bench_cpis),
           "--backend", "fftw", "--json", out]
    if args.triad_threads:
        cmd += ["--threads", str(args.triad_threads)]
    r = run(cmd)
    with open(out, "r", encoding="utf-8") as f:
        doc = json.load(f)
    for res in doc.get("results", []):
        if res.get("workload") == args.bench and res.get("median_ms") is not None:
            return float(res["median_ms"]) * 1e-3
    raise SystemExit("compare: no result for %s from triad bench:\n%s" % (args.bench, r.stdout))


def timing(args, meta):
    tmp = tempfile.mkdtemp(prefix="triad-peer-time-")
    try:
        first = first_cpi_copy(meta, tmp)
        out = os.path.join(tmp, "dets.jsonl")
        rows = []
        for i in range(args.rounds):
            k, busy = triad_time(args, meta, out)
            _, busy1 = triad_time(args, first, out)
            r = run(peer_cmd(args, meta, out, timed=True), peer=True)
            m = PEER_RE.search(r.stderr)
            if not m:
                raise SystemExit("compare: no timing line from the peer:\n" + r.stderr)
            peer_s = float(m.group(1)) * 1e-3
            bench_s = bench_time(args, tmp) if args.bench else None
            after = (busy - busy1) / (k - 1) if k > 1 else busy
            rows.append((busy / k, after, peer_s, bench_s))
            print("round %d: triad %.3f ms/CPI (all %d CPIs), %.3f ms/CPI after the first; "
                  "peer median %.3f ms/CPI%s"
                  % (i + 1, busy / k * 1e3, k, after * 1e3, peer_s * 1e3,
                     "; triad bench %s median %.3f ms" % (args.bench, bench_s * 1e3)
                     if bench_s else ""))
            sys.stdout.flush()
        med = [statistics.median(r[j] for r in rows) for j in range(3)]
        print("median of %d rounds: triad %.3f ms/CPI after warm-up (%.3f with the first CPI), "
              "%s peer %.3f ms/CPI; peer / triad = %.1fx"
              % (args.rounds, med[1] * 1e3, med[0] * 1e3, args.peer, med[2] * 1e3,
                 med[2] / med[1]))
        b = None
        if args.bench:
            b = statistics.median(r[3] for r in rows)
            print("triad bench --workload %s median %.3f ms/CPI; peer / bench = %.1fx"
                  % (args.bench, b * 1e3, med[2] / b))
        return {"rounds": args.rounds, "triad_ms": med[1] * 1e3, "triad_with_first_ms":
                med[0] * 1e3, "peer_ms": med[2] * 1e3, "peer_over_triad": med[2] / med[1],
                "bench_ms": b * 1e3 if b else None}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("meta", help="REC.sigmf-meta")
    ap.add_argument("--triad", default=os.path.join(ROOT, "build", "triad"),
                    help="the triad program (default build/triad)")
    ap.add_argument("--tol-bin", type=float, default=0.05, help="range/Doppler tolerance (bins)")
    ap.add_argument("--tol-db", type=float, default=0.2, help="SNR tolerance (dB)")
    ap.add_argument("--time", action="store_true", help="time Triad and the peer alternately")
    ap.add_argument("--rounds", type=int, default=3, help="timing rounds (default 3)")
    ap.add_argument("--peer", choices=sorted(PEERS), default="numpy",
                    help="numpy (numpy_chain.py, default), pyfftw (the same on FFTW) or cupy "
                         "(cupy_chain.py, on a GPU)")
    ap.add_argument("--peer-arg", action="append", default=[], metavar="ARG",
                    help="pass ARG to the peer (repeatable), e.g. --peer-arg=--array-module=numpy")
    ap.add_argument("--summary", metavar="FILE", help="with --time: write the medians as JSON")
    ap.add_argument("--peer-workers", type=int, default=1, help="scipy.fft workers of the peer")
    ap.add_argument("--triad-threads", type=int, default=0,
                    help="--threads for triad (default: triad's own, all cores)")
    ap.add_argument("--bench", metavar="WORKLOAD",
                    help="with --time: also run `triad bench --workload WORKLOAD`")
    ap.add_argument("--bench-cpis", type=int, default=30)
    args = ap.parse_args()
    wisdom_dir = tempfile.mkdtemp(prefix="triad-peer-wisdom-")
    args.wisdom = os.path.join(wisdom_dir, "fftw-wisdom")
    try:
        return compare_and_time(args)
    finally:
        shutil.rmtree(wisdom_dir, ignore_errors=True)


def compare_and_time(args):
    with open(args.meta, "r", encoding="utf-8") as f:
        p = int(json.load(f)["global"]["radar:pulses_per_cpi"])
    try:
        status = compare(args, args.meta, p)
        summary = {"meta": args.meta, "peer": args.peer, "detections_match": status == 0}
        if args.time and status != 0:
            print("compare: timing skipped: the detections differ")
        elif args.time:
            summary.update(timing(args, args.meta))
    except PeerSkipped as e:
        print("compare: %s peer skipped: %s" % (args.peer, e))
        return SKIP
    if args.summary:
        with open(args.summary, "w", encoding="utf-8") as f:
            json.dump(summary, f, indent=1)
            f.write("\n")
    return status


if __name__ == "__main__":
    sys.exit(main())
