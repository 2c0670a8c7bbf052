"""SigMF interop with the reference implementation, sigmf-python (PyPI `sigmf`).

1. What Triad writes (`triad simulate`, cf32_le and ci16_le) validates with sigmf-python and
   reads back there with the samples Triad wrote.
2. What sigmf-python writes reads back in Triad identically:
   - the same samples in every datatype that holds them exactly (cf32_be, cf64_le/be for the
     float recording; ci16_be, ci32_le/be, cf32_le for the integer one), as plain files and as
     .sigmf archives: the same detections, line for line;
   - a Non-Conforming Dataset (core:dataset) with core:header_bytes before each of two
     captures, and a split recording (core:offset, the second half of the CPIs): the same
     detections (CPIs numbered from the file's start);
   - a retune and a clock jump in a second capture: its CPIs' velocities scale by the carrier
     ratio and their times jump by the clock's jump;
   - random samples in every complex datatype (ci8, cu8, ci16, cu16, ci32, cu32 in both byte
     orders, cf32, cf64): Triad's reader (tests/sigmf_dump) gives sigmf-python's
     read_samples() values (integers: before its 2^-(bits-1) scaling).
   - core:sha512, which sigmf-python writes by default, is verified: one changed byte of the
     data fails by name with a non-zero exit (--skip-sha512 reads on);
3. The independent recordings of testdata/independent validate with sigmf-python and Triad's
   reader gives its samples.
usage: sigmf_interop.py TRIAD SIGMF_DUMP SCRATCH_DIR SOURCE_DIR
SPDX-License-Identifier: GPL-2.0-or-later
"""
import hashlib
import json
import os
import subprocess
import sys

import numpy as np
import sigmf
from sigmf import SigMFFile, sigmffile

TRIAD, DUMP, TMP, SRC = sys.argv[1:5]
failures = []


def check(ok, what):
    print(("ok    " if ok else "FAIL  ") + what, flush=True)
    if not ok:
        failures.append(what)


def run(*args):
    r = subprocess.run(args, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(args)}: exit {r.returncode}: {r.stderr.strip()}")
    return r.stdout


def path(name):
    return os.path.join(TMP, name)


def detections(rec):
    out = run(TRIAD, "process", rec, "--backend", "fftw", "--quiet")
    return [json.loads(line) for line in out.splitlines()]


def radar_global(meta):
    """The radar: fields and extension of a Triad meta, for a sigmf-python writer."""
    g = meta.get_global_info()
    keep = {k: v for k, v in g.items() if k.startswith("radar:")}
    keep["core:extensions"] = g["core:extensions"]
    keep["core:sample_rate"] = g["core:sample_rate"]
    keep["core:num_channels"] = g.get("core:num_channels", 1)
    keep["core:description"] = "written by sigmf-python " + sigmf.__version__
    return keep


def write(name, samples, datatype, glob, captures, archive=False, header_bytes=None, ncd=False):
    """samples: complex [T x C] (or [T]); write NAME with sigmf-python in datatype."""
    comp = {"f": "f", "i": "i", "u": "u"}[datatype[1]]
    bits = int(datatype[2:].split("_")[0])
    order = ">" if datatype.endswith("_be") else "<"
    dt = np.dtype(f"{order}{comp}{bits // 8}")
    flat = np.asarray(samples).reshape(-1)
    if comp == "f":
        data = np.empty(2 * flat.size, dtype=dt)
        data[0::2], data[1::2] = flat.real, flat.imag
    else:
        data = np.asarray(np.stack([flat.real, flat.imag], axis=-1).reshape(-1)).astype(dt)
    data_name = path(name + (".bin" if ncd else ".sigmf-data"))
    raw = data.tobytes()
    if header_bytes:
        # each capture's samples behind its header junk
        per = [c["core:sample_start"] for c in captures] + [None]
        bps = 2 * (bits // 8) * glob.get("core:num_channels", 1)
        parts, start0 = [], captures[0]["core:sample_start"]
        for i, c in enumerate(captures):
            a = (c["core:sample_start"] - start0) * bps
            b = (per[i + 1] - start0) * bps if per[i + 1] is not None else len(raw)
            parts.append(bytes([0xA5]) * header_bytes[i] + raw[a:b])
        raw = b"".join(parts)
    with open(data_name, "wb") as f:
        f.write(raw)
    g = dict(glob)
    g["core:datatype"] = datatype
    if ncd:
        g["core:dataset"] = os.path.basename(data_name)
    if captures[0]["core:sample_start"]:
        g["core:offset"] = captures[0]["core:sample_start"]
    meta = SigMFFile(data_file=data_name, global_info=g)
    for i, c in enumerate(captures):
        extra = {k: v for k, v in c.items() if k != "core:sample_start"}
        if header_bytes:
            extra["core:header_bytes"] = header_bytes[i]
        meta.add_capture(c["core:sample_start"], metadata=extra)
    meta.validate()
    if archive:
        meta.tofile(path(name), toarchive=True, overwrite=True)
        return path(name + ".sigmf")
    meta.tofile(path(name), overwrite=True)
    return path(name + ".sigmf-meta")


def sha_checks(scene, name):
    """core:sha512 as sigmf-python writes it by default: verified while Triad reads; one
    changed data byte fails with the field named and a non-zero exit; --skip-sha512 reads on."""
    with open(path(name + ".sigmf-meta")) as f:
        m = json.load(f)
    with open(path(name + ".sigmf-data"), "rb") as f:
        raw = bytearray(f.read())
    digest = m["global"].get("core:sha512")
    check(digest == hashlib.sha512(raw).hexdigest(),
          f"{scene}: sigmf-python wrote core:sha512, hashlib's digest of the data")
    raw[len(raw) // 2] ^= 0x10
    with open(path("flip.sigmf-data"), "wb") as f:
        f.write(raw)
    with open(path("flip.sigmf-meta"), "w") as f:
        json.dump(m, f)
    if os.path.exists(path("flip.jsonl")):
        os.remove(path("flip.jsonl"))
    r = subprocess.run([TRIAD, "process", path("flip.sigmf-meta"), "--backend", "fftw",
                        "--quiet", "--out", path("flip.jsonl")], capture_output=True, text=True)
    check(r.returncode == 1 and "field 'core:sha512'" in r.stderr and
          f"the meta says {digest[:16]}..." in r.stderr and "flip.sigmf-data" in r.stderr and
          not os.path.exists(path("flip.jsonl")),
          f"{scene}: a changed data byte fails by core:sha512 (exit {r.returncode}: "
          f"{r.stderr.strip()[-200:]})")
    r = subprocess.run([TRIAD, "process", path("flip.sigmf-meta"), "--backend", "fftw",
                        "--quiet", "--skip-sha512", "--out", path("flip.jsonl")],
                       capture_output=True, text=True)
    check(r.returncode == 0, f"{scene}: --skip-sha512 reads it unchecked")


SCENES = {
    "float": {"datatype": "cf32_le", "num_channels": 1},
    "int": {"datatype": "ci16_le", "num_channels": 2, "ci16_scale": 300},
}


def simulate(name, extra):
    radar = {"sample_rate_hz": 10e6, "carrier_hz": 3e9, "pri_s": 200e-6,
             "samples_per_pulse": 512, "pulses_per_cpi": 32,
             "datetime": "2026-11-23T00:00:00.25Z",
             "waveform": {"bandwidth_hz": 5e6, "pulse_width_s": 5e-6},
             "site": {"id": "interop", "lat_deg": 35, "lon_deg": 139, "alt_m": 0}}
    radar.update({k: v for k, v in extra.items() if k != "ci16_scale"})
    scene = {"radar": radar, "cpis": 6, "seed": 11,
             "targets": [{"range_m": 3000, "velocity_mps": 30, "snr_db": 12},
                         {"range_m": 6000, "velocity_mps": -60, "snr_db": 8}]}
    if "ci16_scale" in extra:
        scene["ci16_scale"] = extra["ci16_scale"]
    with open(path(name + ".scene.json"), "w") as f:
        json.dump(scene, f)
    run(TRIAD, "simulate", "--scene", path(name + ".scene.json"), "--out", path(name))
    return path(name + ".sigmf-meta")


def same(a, b, what):
    check(a == b and len(a) > 0, f"{what}: {len(b)} detections, identical to the original's "
                                 f"{len(a)}" if a == b else f"{what}: detections differ")


def utc_seconds(s):
    # "YYYY-MM-DDTHH:MM:SS.ffffffZ" of the same day: seconds of the day
    t = s[11:-1]
    h, m, sec = t.split(":")
    return int(h) * 3600 + int(m) * 60 + float(sec)


for scene, extra in SCENES.items():
    rec = simulate(scene, extra)
    meta = sigmffile.fromfile(rec, autoscale=False)
    meta.validate()
    check(True, f"{scene}: triad simulate's {extra['datatype']} meta validates with sigmf-python")
    samples = meta.read_samples()
    c = meta.num_channels
    check(c == extra["num_channels"], f"{scene}: sigmf-python sees {c} channels")
    x = np.asarray(samples).reshape(-1, c) if c > 1 else np.asarray(samples).reshape(-1, 1)
    raw = np.fromfile(rec.replace(".sigmf-meta", ".sigmf-data"),
                      dtype="<f4" if extra["datatype"] == "cf32_le" else "<i2")
    check(np.array_equal(x.reshape(-1).view(np.float32) if x.dtype == np.complex64 else
                         np.stack([x.real, x.imag], -1).reshape(-1), raw.astype(np.float32)),
          f"{scene}: sigmf-python reads the samples Triad wrote")
    base = detections(rec)
    g = radar_global(meta)
    cap0 = dict(meta.get_captures()[0])
    cpi = g["radar:samples_per_pulse"] * g["radar:pulses_per_cpi"]
    if scene == "float":
        variants = [("cf32_be", False), ("cf64_le", False), ("cf64_be", True), ("cf32_le", True)]
        xs = x
    else:
        variants = [("ci16_be", False), ("ci32_le", False), ("ci32_be", True), ("cf32_le", False),
                    ("ci16_le", True)]
        xs = x.astype(np.complex128)
    for dt, archive in variants:
        name = f"{scene}_{dt}" + ("_ar" if archive else "")
        out = write(name, xs, dt, g, [cap0], archive=archive)
        same(base, detections(out), f"{scene}: sigmf-python {dt}" +
             (" .sigmf archive" if archive else ""))
    sha_checks(scene, f"{scene}_{variants[0][0]}")

    # NCD: header bytes before each of two captures (same tuning), read by both
    c1 = dict(cap0)
    c1["core:sample_start"] = 3 * cpi
    c1.pop("core:datetime", None)
    caps = [cap0, c1]
    out = write(f"{scene}_ncd", xs, extra["datatype"], g, caps, header_bytes=[100, 36], ncd=True)
    # sigmf-python's own reading of where each capture's samples are (sigmf 1.14 maps an NCD
    # from captures[0]'s header and then subtracts every header again, so the boundaries are
    # what is compared, not its samples)
    with open(out) as f:
        back = SigMFFile(metadata=json.load(f))  # its data-file mapping of NCDs is not used
    back.data_size_bytes = os.path.getsize(path(f"{scene}_ncd.bin"))
    bps = {"cf32_le": 8, "ci16_le": 4}[extra["datatype"]] * c
    b0, b1 = back.get_capture_byte_boundaries(0), back.get_capture_byte_boundaries(1)
    check(b0 == (100, 100 + 3 * cpi * bps) and b1 == (b0[1] + 36, b0[1] + 36 + 3 * cpi * bps),
          f"{scene}: sigmf-python places the NCD's captures at bytes {b0} and {b1}")
    same(base, detections(out), f"{scene}: NCD with core:header_bytes 100 and 36")

    # split recording: the last 4 CPIs, core:offset = 2 CPIs
    start = 2 * cpi
    c_off = dict(cap0)
    c_off["core:sample_start"] = start
    t0 = cap0["core:datetime"]
    pri = g["radar:pri_s"]
    sec = float(t0[17:-1]) + 2 * g["radar:pulses_per_cpi"] * pri
    c_off["core:datetime"] = t0[:17] + f"{sec:09.6f}" + "Z"
    out = write(f"{scene}_split", xs[start:], extra["datatype"], g, [c_off])
    got = detections(out)
    want = [dict(d, cpi=d["cpi"] - 2) for d in base if d["cpi"] >= 2]
    for d in want + got:
        d.pop("time_s")  # from the file's start
    same(want, got, f"{scene}: split recording, core:offset {start}")

    # a retune (x1.5) and a clock jump of one hour at CPI 4
    c2 = dict(cap0)
    c2["core:sample_start"] = 4 * cpi
    c2["core:frequency"] = cap0["core:frequency"] * 1.5
    sec = float(t0[17:-1]) + 4 * g["radar:pulses_per_cpi"] * pri
    c2["core:datetime"] = "2026-11-23T01:00:" + f"{sec:09.6f}" + "Z"
    out = write(f"{scene}_retune", xs, extra["datatype"], g, [cap0, c2])
    got = detections(out)
    ok = len(got) == len(base)
    for b, d in zip(base, got):
        jump = 3600.0 if b["cpi"] >= 4 else 0.0
        scale = 1.0 / 1.5 if b["cpi"] >= 4 else 1.0
        ok &= abs(d["velocity_mps"] - b["velocity_mps"] * scale) <= 2e-4 + 1e-6 * abs(b["velocity_mps"])
        ok &= abs(d["time_s"] - (b["time_s"] + jump)) < 1e-6
        ok &= abs(utc_seconds(d["time_utc"]) - (utc_seconds(b["time_utc"]) + jump)) < 2e-6
        ok &= d["range_m"] == b["range_m"] and d["snr_db"] == b["snr_db"]
    check(ok, f"{scene}: retune x1.5 and a 1 h clock jump at CPI 4 carried into velocity and "
              f"time of {sum(1 for d in got if d['cpi'] >= 4)} detections")

# random samples in every complex datatype: Triad's reader against sigmf-python's
rng = np.random.default_rng(7)
small = {"core:sample_rate": 1e6, "core:num_channels": 2,
         "core:extensions": [{"name": "radar", "version": "1.0.0", "optional": False}],
         "radar:samples_per_pulse": 16, "radar:pulses_per_cpi": 4, "radar:pri_s": 1e-4,
         "radar:waveform": {"type": "lfm", "bandwidth_hz": 5e5, "pulse_width_s": 4e-6}}
cap = {"core:sample_start": 0, "core:frequency": 1e9}
T = 16 * 4 * 3
for dt in ["ci8", "cu8", "ci16_le", "ci16_be", "cu16_le", "cu16_be", "ci32_le", "ci32_be",
           "cu32_le", "cu32_be", "cf32_le", "cf32_be", "cf64_le", "cf64_be"]:
    kind, bits = dt[1], int(dt[2:].split("_")[0])
    if kind == "f":
        v = rng.normal(scale=1000.0, size=(T, 2)) + 1j * rng.normal(scale=1000.0, size=(T, 2))
    else:
        lo, hi = (0, 2 ** bits) if kind == "u" else (-2 ** (bits - 1), 2 ** (bits - 1))
        v = rng.integers(lo, hi, size=(T, 2), dtype=np.int64) + \
            1j * rng.integers(lo, hi, size=(T, 2), dtype=np.int64)
    out = write(f"rand_{dt}", v, dt, small, [cap])
    ref = np.asarray(sigmffile.fromfile(out).read_samples()).reshape(-1)
    ref = np.stack([ref.real, ref.imag], -1).reshape(-1).astype(np.float64)
    if kind != "f":
        ref *= 2.0 ** (bits - 1)  # sigmf-python's autoscale, undone
    n = int(run(DUMP, out, path(f"rand_{dt}.cf32")).strip())
    mine = np.fromfile(path(f"rand_{dt}.cf32"), dtype="<f4").astype(np.float64)
    # 32-bit integers are rounded to float32 by both (sigmf-python before centring)
    tol = 2.0 ** (bits - 24) if kind != "f" and bits == 32 else 0.0
    check(n == 3 and mine.shape == ref.shape and np.max(np.abs(mine - ref)) <= tol,
          f"{dt}: Triad's reader gives sigmf-python's samples ({mine.size // 2} complex, "
          f"max difference {np.max(np.abs(mine - ref)) if mine.shape == ref.shape else 'n/a'})")

# the independent implementation's recordings: the same conventions on both sides
for name in ["sample-a", "sample-b"]:
    rec = os.path.join(SRC, "testdata", "independent", name + ".sigmf-meta")
    meta = sigmffile.fromfile(rec, autoscale=False)
    meta.validate()
    ref = np.asarray(meta.read_samples()).reshape(-1)
    ref = np.stack([ref.real, ref.imag], -1).reshape(-1).astype(np.float64)
    n = int(run(DUMP, rec, path(name + ".cf32")).strip())
    mine = np.fromfile(path(name + ".cf32"), dtype="<f4").astype(np.float64)
    check(n > 0 and mine.shape == ref.shape and np.array_equal(mine, ref),
          f"{name} (independent): validates with sigmf-python; Triad reads its {n} CPIs "
          f"as sigmf-python does")

print(f"sigmf_interop: {'FAILED ' + str(len(failures)) if failures else 'all passed'}")
sys.exit(1 if failures else 0)
