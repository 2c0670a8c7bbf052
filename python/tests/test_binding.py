#!/usr/bin/env python3
"""The Python binding (python/triad) against the library's own program and an independent
reference:
  layout      every ctypes struct mirrors its C struct (offsets and sizes from a C compiler)
  process     on a simulated recording (two channels, ci16) and on the independent recording
              testdata/independent/sample-a, Recording + Chain give the detections of
              `triad process --backend fftw` line for line, at its printed precision
  arrays      NumPy views of any strides (transposed, sliced, complex128) give the detections
              of the contiguous array; the power map has the detections' peaks
  reference   pulse compression of a random CPI against a direct correlation in double (1e-5)
  errors      bad shapes and types (ValueError), bad configs and files (TriadError with the
              library's message and code)
usage: test_binding.py TRIAD_EXE SOURCE_DIR BUILD_DIR TMP_DIR   (TRIAD_LIBRARY: libtriad.so)
SPDX-License-Identifier: GPL-2.0-or-later
"""
import ctypes
import json
import os
import subprocess
import sys

import numpy as np

exe, src, build, tmp = sys.argv[1:5]
sys.path.insert(0, os.path.join(src, "python"))
import triad  # noqa: E402

failures = []


def check(name, ok, detail=""):
    print("%s  %s%s" % ("ok  " if ok else "FAIL", name, (": " + detail) if detail and not ok else ""))
    if not ok:
        failures.append(name)


os.makedirs(tmp, exist_ok=True)

# ---- layout: ctypes mirrors against the C compiler ----------------------------------------
structs = {"triad_chain_cfg": triad._ChainCfg, "triad_chain_stats": triad._Stats,
           "triad_cpi_layout": triad._Layout, "triad_window": triad._Window,
           "triad_cfar_cfg": triad._Cfar}
lines = ['#include <stdio.h>', '#include <stddef.h>', '#include <triad/chain.h>', 'int main(void) {']
for cname, py in structs.items():
    lines.append('printf("%s size %%zu\\n", sizeof(%s));' % (cname, cname))
    for f, _ in py._fields_:
        lines.append('printf("%s %s %%zu\\n", offsetof(%s, %s));' % (cname, f, cname, f))
lines.append('printf("triad_detection size %zu\\n", sizeof(triad_detection));')
for f in triad.DETECTION_DTYPE.names:
    lines.append('printf("triad_detection %s %%zu\\n", offsetof(triad_detection, %s));' % (f, f))
lines.append("return 0; }")
with open(os.path.join(tmp, "layout.c"), "w") as f:
    f.write("\n".join(lines) + "\n")
subprocess.run(["cc", "-std=c11", "-I", os.path.join(src, "include"), "-I",
                os.path.join(build, "include"), os.path.join(tmp, "layout.c"), "-o",
                os.path.join(tmp, "layout")], check=True)
c_side = subprocess.run([os.path.join(tmp, "layout")], check=True, capture_output=True,
                        text=True).stdout.split("\n")
py_side = []
for cname, py in structs.items():
    py_side.append("%s size %d" % (cname, ctypes.sizeof(py)))
    py_side += ["%s %s %d" % (cname, f, getattr(py, f).offset) for f, _ in py._fields_]
py_side.append("triad_detection size %d" % triad.DETECTION_DTYPE.itemsize)
py_side += ["triad_detection %s %d" % (f, triad.DETECTION_DTYPE.fields[f][1])
            for f in triad.DETECTION_DTYPE.names]
mismatch = [(a, b) for a, b in zip(c_side, py_side) if a != b]
check("layout: %d fields and sizes as C has them" % len(py_side), not mismatch, str(mismatch[:3]))


# ---- process: the same detections as `triad process` --------------------------------------
def fmt(d):
    return ("cpi %d channel %d range_m %.3f velocity_mps %.4f range_bin %.4f doppler_bin %.4f "
            "snr_db %.2f power_db %.2f" % (d["cpi"], d["channel"], d["range_m"],
                                           d["velocity_mps"], d["range_bin"], d["doppler_bin"],
                                           d["snr_db"], d["power_db"]))


def compare_with_process(name, meta):
    out = os.path.join(tmp, name + ".jsonl")
    subprocess.run([exe, "process", meta, "--backend", "fftw", "--fft-effort", "estimate",
                    "--quiet", "--out", out], check=True)
    want = [fmt(json.loads(line)) for line in open(out)]
    rec = triad.Recording(meta)
    got = []
    with rec.chain(backend="fftw", fft_effort="estimate") as chain:
        for index, cpi in rec:
            got += [fmt(d) for d in rec.apply_captures(chain.execute(cpi, index))]
    diff = [(a, b) for a, b in zip(want, got) if a != b]
    check("process: %s: %d detections as triad process" % (name, len(want)),
          want and len(want) == len(got) and not diff,
          "%d vs %d lines; first difference %s" % (len(want), len(got), diff[:1]))
    return rec


scene = os.path.join(tmp, "scene.json")
with open(scene, "w") as f:
    json.dump({"radar": {"datatype": "ci16_le", "sample_rate_hz": 10e6, "carrier_hz": 3e9,
                         "pri_s": 200e-6, "samples_per_pulse": 1024, "pulses_per_cpi": 32,
                         "num_channels": 2,
                         "waveform": {"bandwidth_hz": 5e6, "pulse_width_s": 5e-6}},
               "cpis": 3, "seed": 9, "ci16_scale": 300,
               "targets": [{"range_m": 3000, "velocity_mps": 30, "snr_db": 5},
                           {"range_m": 9000, "velocity_mps": -60, "snr_db": -2}]}, f)
subprocess.run([exe, "simulate", "--scene", scene, "--out", os.path.join(tmp, "sim")],
               check=True, capture_output=True)
sim = compare_with_process("simulated", os.path.join(tmp, "sim.sigmf-meta"))
compare_with_process("sample-a", os.path.join(src, "testdata", "independent", "sample-a.sigmf-meta"))

# ---- arrays: any strides -------------------------------------------------------------------
# sample-a: cf32, one channel; the simulated recording: ci16, two channels; a 2-channel cf32
# copy of the simulated CPI too, so that every layout is seen with several channels
def arrays(name, chain, index, cpi):
    base = chain.execute(cpi, index)
    power = chain.power_map(0)
    if cpi.dtype == np.complex64:
        views = {"channel-major transposed": np.ascontiguousarray(cpi.transpose(2, 0, 1)).transpose(1, 2, 0),
                 "complex128": cpi.astype(np.complex128),
                 "padded pulses (a slice)": np.pad(cpi, ((0, 0), (0, 7), (0, 0)))[:, :cpi.shape[1], :]}
    else:
        views = {"channel-major transposed": np.ascontiguousarray(cpi.transpose(2, 0, 1, 3)).transpose(1, 2, 0, 3),
                 "padded pulses (a slice)": np.pad(cpi, ((0, 0), (0, 7), (0, 0), (0, 0)))[:, :cpi.shape[1]]}
    for vname, v in views.items():
        d = chain.execute(v, index)
        check("arrays: %s: %s (contiguous %s)" % (name, vname, v.flags.c_contiguous),
              d.size == base.size and np.array_equal(d, base))
    p = chain.pulses_per_cpi
    ok = power.shape == (p, chain.samples_per_pulse) and power.dtype == np.float32
    for d in base[base["channel"] == 0]:
        r, row = int(round(d["range_bin"])), (int(round(d["doppler_bin"])) + p // 2) % p
        peak_db = 10 * np.log10(power[row, r])
        ok &= d["power_db"] - 3.0 < peak_db <= d["power_db"] + 0.01
    check("arrays: %s: power map (P, N) float32 with each detection's peak" % name,
          bool(ok) and base.size > 0)
    return base


sample = triad.Recording(os.path.join(src, "testdata", "independent", "sample-a.sigmf-meta"))
with sample.chain(backend="fftw", fft_effort="estimate") as chain:
    arrays("sample-a", chain, *next(iter(sample)))
with sim.chain(backend="fftw", fft_effort="estimate") as chain:
    index, cpi = next(iter(sim))
    ci16 = arrays("simulated", chain, index, cpi)
as_cf32 = (cpi[..., 0] + 1j * cpi[..., 1]).astype(np.complex64)
with triad.Chain(samples_per_pulse=sim.samples_per_pulse, pulses_per_cpi=sim.pulses_per_cpi,
                 num_channels=sim.num_channels, sample_rate_hz=sim.sample_rate_hz,
                 carrier_hz=sim.carrier_hz, pri_s=sim.pri_s, rx_delay_s=sim.rx_delay_s,
                 waveform=sim.waveform, backend="fftw", fft_effort="estimate") as chain:
    cf32 = arrays("simulated as cf32", chain, index, as_cf32)
check("arrays: the same CPI as ci16 and as cf32: the same detections",
      cf32.size == ci16.size and np.allclose(cf32["range_bin"], ci16["range_bin"], atol=1e-4))

# ---- reference: pulse compression against a direct correlation -----------------------------
rng = np.random.default_rng(4)
n, p, l = 300, 16, 37
chirp = np.exp(1j * np.pi * np.arange(l) ** 2 / l).astype(np.complex64)
x = ((rng.standard_normal((p, n)) + 1j * rng.standard_normal((p, n))) / np.sqrt(2)).astype(np.complex64)
x[:, 120:120 + l] += 2 * chirp
with triad.Chain(samples_per_pulse=n, pulses_per_cpi=p, sample_rate_hz=5e6, carrier_hz=1e9,
                 pri_s=1e-4, waveform=chirp, backend="fftw", fft_effort="estimate",
                 keep_compressed=True) as chain:
    dets = chain.execute(x)
    y = chain.compressed(0)
# the default range window is Taylor: the reference is the windowed, unit-energy chirp
lib = triad.library
lib.triad_window_fill.argtypes = [ctypes.POINTER(triad._Window), ctypes.c_size_t, ctypes.c_void_p]
w = np.empty(l)
win = triad._cfg_default().range_window
assert lib.triad_window_fill(ctypes.byref(win), l, w.ctypes.data_as(ctypes.c_void_p)) == 0
h = w * chirp.astype(np.complex128)
h /= np.sqrt(np.sum(np.abs(h) ** 2))
ref = np.array([[np.sum(x[m, i:i + l].astype(np.complex128) * np.conj(h)) for i in range(n - l + 1)]
                for m in range(p)])
err = np.max(np.abs(y[:, :n - l + 1] - ref)) / np.max(np.abs(ref))
check("reference: compressed vs direct correlation (max error %.1e of the peak)" % err, err < 1e-5)
check("reference: the echo at range bin 120 detected",
      any(abs(d["range_bin"] - 120) < 0.5 for d in dets))

# ---- the bench's NumPy peer through the binding ---------------------------------------------
try:
    import scipy.fft  # noqa: F401  (numpy_chain.py needs it)
    peer = subprocess.run([sys.executable, os.path.join(src, "bench", "peers", "compare.py"),
                           os.path.join(tmp, "sim.sigmf-meta"), "--triad", exe,
                           "--peer-arg=--engine", "--peer-arg=triad"], capture_output=True, text=True)
    check("peer: numpy_chain.py --engine triad matches triad process (bench/peers/compare.py)",
          peer.returncode == 0 and "matched 12" in peer.stdout + peer.stderr,
          peer.stdout + peer.stderr)
except ImportError:
    print("note: no scipy: the NumPy peer's --engine triad was not run")

# ---- errors --------------------------------------------------------------------------------
def raises(name, exc, fn, text=None, code=None):
    try:
        fn()
    except exc as e:
        ok = (text is None or text in str(e)) and (code is None or e.code == code)
        check("errors: " + name, ok, "%s: %s" % (type(e).__name__, e))
        return
    check("errors: " + name, False, "no %s raised" % exc.__name__)


with sim.chain(backend="fftw", fft_effort="estimate") as chain:
    raises("wrong shape", ValueError, lambda: chain.execute(np.zeros((3, 4, 2, 2), np.int16)),
           "expected")
    raises("complex into a ci16 chain", ValueError,
           lambda: chain.execute(np.zeros((32, 1024, 2), np.complex64)), "int16")
raises("a config the library refuses", triad.TriadError,
       lambda: triad.Chain(samples_per_pulse=1, pulses_per_cpi=8, sample_rate_hz=1e6,
                           carrier_hz=1e9, pri_s=1e-3, waveform=chirp[:1], backend="fftw"),
       "samples_per_pulse", -1)
raises("a missing recording", triad.TriadError,
       lambda: triad.Recording(os.path.join(tmp, "nothing.sigmf-meta")), "nothing.sigmf-meta")
raises("an unknown option", TypeError, lambda: sim.chain(colour="red"), "colour")

print("test_binding: %s (libtriad %s)" % ("FAIL: " + ", ".join(failures) if failures else "OK",
                                          triad.version()))
sys.exit(1 if failures else 0)
