#!/usr/bin/env -S /usr/bin/python3
"""Triad's processing chain in CuPy on an NVIDIA GPU: numpy_chain.py transliterated.

The same chain as the NumPy/SciPy peer (default options of `triad process`): FFT matched filter,
Hann Doppler weights, FFT over pulses, power, CA-CFAR, 8-connected grouping with Doppler wrap,
parabolic interpolation.  The recording, the plan (windows, CFAR factors: data-independent, made
once on the host) and the output format are numpy_chain.py's own functions; the per-CPI
processing below is written once against an array module `xp` with its FFT and ndimage
companions, so the same code runs on CuPy (cupy, cupyx.scipy.fft, cupyx.scipy.ndimage) or,
to check the transliteration on a machine without a GPU, on NumPy/SciPy (--array-module numpy).

    /usr/bin/python3 bench/peers/cupy_chain.py REC.sigmf-meta [--json-out FILE] [--time]

Where they differ from numpy_chain.py, and why:
- The raw CPI is copied to the device inside the timed region (the time runs from the CPI in
  host memory to its detections in host memory, as `triad bench` counts it).
- The Doppler-wrap merge of the group labels and the final sort run on the host: they touch two
  rows of labels and one value per group.
- Complex samples are made by viewing the float32 I/Q pairs as complex64, and NaN/Inf replaced
  with where(); CuPy's lexsort takes a 2-D key array, not a tuple; cumulative sums are assigned
  rather than written through out= into a strided view.

Exit status 77 (skipped) when CuPy or a CUDA device is missing.
SPDX-License-Identifier: GPL-2.0-or-later
"""
import argparse
import os
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
import scipy.sparse  # noqa: E402
import scipy.sparse.csgraph  # noqa: E402

import numpy_chain as nc  # noqa: E402  (recording, plan, output: shared with the NumPy peer)

SKIP = 77


class Ops:
    """The array module and what the chain needs beside it."""

    def __init__(self, name):
        self.name = name
        if name == "cupy":
            try:
                import cupy
                import cupyx.scipy.fft
                import cupyx.scipy.ndimage
            except ImportError as e:
                sys.stderr.write("cupy peer: CuPy is not installed (%s); install it for your "
                                 "CUDA version (pip install cupy-cuda12x) on a machine with an "
                                 "NVIDIA GPU; skipped\n" % e)
                sys.exit(SKIP)
            try:
                if cupy.cuda.runtime.getDeviceCount() < 1:
                    raise RuntimeError("no CUDA device")
            except Exception as e:  # CUDA driver missing or no device
                sys.stderr.write("cupy peer: no usable CUDA device (%s); skipped\n" % e)
                sys.exit(SKIP)
            self.xp, self.fft_mod, self.ndimage = cupy, cupyx.scipy.fft, cupyx.scipy.ndimage
            self.to_host = cupy.asnumpy
            self.to_dev = cupy.asarray
            self.sync = cupy.cuda.get_current_stream().synchronize
            self.fft_kw = {}
        else:
            import scipy.fft
            import scipy.ndimage
            self.xp, self.fft_mod, self.ndimage = np, scipy.fft, scipy.ndimage
            self.to_host = np.asarray
            self.to_dev = np.asarray
            self.sync = lambda: None
            self.fft_kw = {"workers": 1}

    def fft(self, x, n=None, axis=-1, overwrite_x=False):
        return self.fft_mod.fft(x, n, axis=axis, overwrite_x=overwrite_x, **self.fft_kw)

    def ifft(self, x, axis=-1, overwrite_x=False):
        return self.fft_mod.ifft(x, axis=axis, overwrite_x=overwrite_x, **self.fft_kw)


def device_plan(plan, ops):
    """The plan's per-CPI arrays on the device; the rest stays as it is."""
    out = dict(plan)
    for key in ("hspec", "dw", "alpha", "count"):
        out[key] = ops.to_dev(plan[key])
    return out


# ---------------------------------------------------------------------------------------------
# Processing (numpy_chain.py's functions with np -> xp)
# ---------------------------------------------------------------------------------------------

def to_complex(cpi, ch, ops):
    """One channel of one CPI (on the device) as complex64 [P, N]; cf32 NaN/Inf become 0."""
    xp = ops.xp
    iq = xp.ascontiguousarray(cpi[:, :, ch, :], dtype=xp.float32)
    z = iq.view(xp.complex64)[..., 0]
    if cpi.dtype == xp.float32:
        z = xp.where(xp.isfinite(z), z, xp.complex64(0))
    return z


def range_doppler_map(x, plan, ops):
    """[P, N] complex64 pulses -> [P, N] float32 power map, zero Doppler at row P//2."""
    xp = ops.xp
    n = plan["n"]
    spec = ops.fft(x, plan["nfft"], axis=1)
    spec *= plan["hspec"]
    y = ops.ifft(spec, axis=1, overwrite_x=True)[:, :n]
    y = y * plan["dw"][:, None]
    z = ops.fft(y, axis=0, overwrite_x=True)
    z = xp.fft.fftshift(z, axes=0)
    return z.real ** 2 + z.imag ** 2


def box_range(a, half, ops):
    """Sum over range offsets -half..half, truncated at both ends (zero padding), from
    cumulative sums along range in float64."""
    xp = ops.xp
    rows, rb = a.shape
    c = xp.zeros((rows, rb + 2 * half + 1))
    c[:, 1:] = xp.cumsum(xp.pad(a, ((0, 0), (half, half))), axis=1)
    return c[:, 2 * half + 1:] - c[:, :rb]


def ca_noise(pw, plan, ops):
    """CA noise estimate (training mean) of every searched cell, float64 [P, rb]."""
    xp = ops.xp
    a = pw[:, : plan["rb"]].astype(xp.float64)
    dgo, dg = nc.GUARD_D + nc.TRAIN_D, nc.GUARD_D
    outer_d = ops.ndimage.convolve1d(a, xp.ones(2 * dgo + 1), axis=0, mode="wrap")
    guard_d = ops.ndimage.convolve1d(a, xp.ones(2 * dg + 1), axis=0, mode="wrap")
    s = box_range(outer_d, nc.GUARD_R + nc.TRAIN_R, ops) - box_range(guard_d, nc.GUARD_R, ops)
    return s / plan["count"]


def group_labels(mask, ops):
    """8-connected labels with the Doppler axis (0) circular: labelled on the device, the wrap
    merged on the host (two rows and one entry per label)."""
    lab, nlab = ops.ndimage.label(mask, structure=np.ones((3, 3), dtype=bool))
    nlab = int(nlab)
    if nlab == 0 or mask.shape[0] < 2:
        return lab, nlab
    last, first = ops.to_host(lab[-1]), ops.to_host(lab[0])
    pairs = []
    for s in (-1, 0, 1):
        a = last[max(0, -s): last.size - max(0, s)]
        b = first[max(0, s): first.size - max(0, -s)]
        both = (a > 0) & (b > 0)
        if both.any():
            pairs.append(np.stack([a[both], b[both]]))
    if pairs:
        pr = np.concatenate(pairs, axis=1)
        graph = scipy.sparse.coo_matrix((np.ones(pr.shape[1]), (pr[0], pr[1])),
                                        shape=(nlab + 1, nlab + 1))
        _, comp = scipy.sparse.csgraph.connected_components(graph, directed=False)
        rep = np.full(comp.max() + 1, nlab + 1)
        np.minimum.at(rep, comp, np.arange(nlab + 1))
        lab = ops.to_dev(rep[comp].astype(np.int32))[lab]  # label 0 maps to 0
    return lab, nlab


def db(x, ops):
    xp = ops.xp
    return 10.0 * xp.log10(xp.maximum(x, 1e-30))


def vertex(a, b, c, ops):
    xp = ops.xp
    den = a - 2.0 * b + c
    ok = den < 0.0
    x = xp.where(ok, 0.5 * (a - c) / xp.where(ok, den, -1.0), 0.0)
    return xp.clip(x, -0.5, 0.5)


def detect(pw, plan, ops):
    """CFAR, grouping, peak interpolation -> list of (range_bin, doppler_bin, snr_db, power_db)."""
    xp = ops.xp
    p, n, rb = plan["p"], plan["n"], plan["rb"]
    z = ca_noise(pw, plan, ops)
    cut = pw[:, :rb]
    mask = cut > plan["alpha"][None, :] * z
    if not bool(mask.any()):
        return []
    lab, _ = group_labels(mask, ops)
    d_idx, r_idx = xp.nonzero(mask)
    labels = lab[d_idx, r_idx]
    vals = cut[d_idx, r_idx]
    # by label, strongest first (a 2-D key array: CuPy's lexsort takes no tuple)
    order = xp.lexsort(xp.stack((-vals.astype(xp.float64), labels.astype(xp.float64))))
    sl = labels[order]
    first = xp.ones(order.size, dtype=bool)
    first[1:] = sl[1:] != sl[:-1]
    peaks = order[first][: nc.MAX_DETECTIONS]
    d, r = d_idx[peaks], r_idx[peaks]

    b = db(pw[d, r].astype(xp.float64), ops)
    peak = b.copy()
    xr = xp.zeros_like(b)
    inner = (r > 0) & (r + 1 < n)
    if bool(inner.any()):
        ar = db(pw[d, xp.maximum(r - 1, 0)].astype(xp.float64), ops)
        cr = db(pw[d, xp.minimum(r + 1, n - 1)].astype(xp.float64), ops)
        xr = xp.where(inner, vertex(ar, b, cr, ops), 0.0)
        peak += xp.where(inner, -0.25 * (ar - cr) * xr, 0.0)
    xd = xp.zeros_like(b)
    if p >= 3:
        ad = db(pw[(d - 1) % p, r].astype(xp.float64), ops)
        cd = db(pw[(d + 1) % p, r].astype(xp.float64), ops)
        xd = vertex(ad, b, cd, ops)
        peak += -0.25 * (ad - cd) * xd
    snr = peak - db(z[d, r], ops)
    rbin = r + xr
    dbin = d - p // 2 + xd
    cols = [ops.to_host(v).astype(np.float64) for v in (rbin, dbin, snr, peak)]
    return sorted(zip(*cols))


def process_cpi(cpi_host, plan, ops, stage=None):
    """One CPI from host memory to detections in host memory."""
    t0 = time.perf_counter()
    cpi = ops.to_dev(cpi_host)
    dets = []
    for ch in range(cpi.shape[2]):
        x = to_complex(cpi, ch, ops)
        pw = range_doppler_map(x, plan, ops)
        ops.sync()
        t1 = time.perf_counter()
        found = detect(pw, plan, ops)  # ends on the host
        t2 = time.perf_counter()
        if stage is not None:
            stage[0] += t1 - t0
            stage[1] += t2 - t1
        t0 = t2
        dets.extend((ch,) + d for d in found)
    return dets


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("meta", help="REC.sigmf-meta")
    ap.add_argument("--json-out", metavar="FILE", help="detections here (default stdout)")
    ap.add_argument("--time", action="store_true",
                    help="print per-CPI median time (after one warm-up CPI) on stderr")
    ap.add_argument("--array-module", choices=("cupy", "numpy"), default="cupy",
                    help="cupy (default) or numpy: the same code on the CPU, to check it")
    ap.add_argument("--workers", type=int, default=1,
                    help="ignored (numpy_chain.py's option, accepted for compare.py)")
    args = ap.parse_args(argv)

    ops = Ops(args.array_module)
    m = nc.read_meta(args.meta)
    plan = device_plan(nc.make_plan(m), ops)
    raw = nc.read_cpis(m)  # file reading, outside the timed region
    k_total = raw.shape[0]

    lines = []
    times, stages = [], []
    for k in range(k_total):
        stage = [0.0, 0.0]
        ops.sync()
        t0 = time.perf_counter()
        dets = process_cpi(raw[k], plan, ops, stage)
        dt = time.perf_counter() - t0
        if k > 0:
            times.append(dt)
            stages.append(stage)
        lines.extend(nc.format_det(m, plan, k, d) for d in dets)
    if args.time:
        if not times:  # one CPI only: time it again after the warm-up
            for _ in range(3):
                stage = [0.0, 0.0]
                ops.sync()
                t0 = time.perf_counter()
                process_cpi(raw[0], plan, ops, stage)
                times.append(time.perf_counter() - t0)
                stages.append(stage)
        st = np.median(np.array(stages), axis=0)
        print("%s peer: %d CPIs of %dx%dx%d (Nfft %d), per-CPI median %.3f ms over %d CPIs "
              "after 1 warm-up (upload+range+Doppler %.3f ms, CFAR+extract %.3f ms)"
              % (args.array_module, k_total, m["channels"], m["p"], m["n"], plan["nfft"],
                 np.median(times) * 1e3, len(times), st[0] * 1e3, st[1] * 1e3), file=sys.stderr)

    text = "".join(line + "\n" for line in lines)
    if args.json_out:
        with open(args.json_out, "w", encoding="utf-8") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
