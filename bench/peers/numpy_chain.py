#!/usr/bin/env -S /usr/bin/python3
"""Triad's processing chain as a radar engineer would prototype it in NumPy/SciPy.

An independent peer of `triad process` (default options only): FFT matched filter with a
Taylor-weighted unit-energy LFM reference, Hann Doppler weights, FFT over pulses (fftshift),
power, CA-CFAR with the correlated-noise effective cell count, 8-connected grouping with
Doppler wrap, parabolic interpolation on dB.  Vectorised numpy, scipy.fft, scipy.signal,
scipy.ndimage; no numba, no C of its own.

    /usr/bin/python3 bench/peers/numpy_chain.py REC.sigmf-meta [--json-out FILE] [--time]
                                                [--workers K] [--fft scipy|pyfftw]
                                                [--engine numpy|triad]

--fft pyfftw runs every transform through FFTW (Debian's python3-pyfftw as scipy.fft's
backend, its plans cached across CPIs): the same chain on the same library Triad uses.
--engine triad hands the same NumPy arrays to libtriad through its Python binding (python/)
instead, so the two can be timed and compared in one harness.

Output: JSON Lines in the units of `triad process` (docs/FORMATS.md section 5).
--time prints the per-CPI median (after one warm-up CPI, file reading excluded) on stderr.
SPDX-License-Identifier: GPL-2.0-or-later
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np
import scipy.fft
import scipy.ndimage
import scipy.signal.windows
import scipy.sparse
import scipy.sparse.csgraph

C_MPS = 299792458.0

# The defaults of `triad process`.
GUARD_R, GUARD_D = 4, 2
TRAIN_R, TRAIN_D = 12, 3
PFA = 1e-6
TAYLOR_NBAR, TAYLOR_SLL = 4, 35.0
MAX_DETECTIONS = 256


# ---------------------------------------------------------------------------------------------
# Recording
# ---------------------------------------------------------------------------------------------

def data_path_of(meta_path):
    if meta_path.endswith(".sigmf-meta"):
        return meta_path[: -len(".sigmf-meta")] + ".sigmf-data"
    return meta_path + ".sigmf-data"


def read_meta(meta_path):
    with open(meta_path, "r", encoding="utf-8") as f:
        meta = json.load(f)
    g = meta["global"]
    cap = meta["captures"][0]
    wf = g["radar:waveform"]
    m = {
        "datatype": g["core:datatype"],
        "fs": float(g["core:sample_rate"]),
        "channels": int(g.get("core:num_channels", 1)),
        "n": int(g["radar:samples_per_pulse"]),
        "p": int(g["radar:pulses_per_cpi"]),
        "pri": float(g["radar:pri_s"]),
        "rx_delay": float(g.get("radar:rx_delay_s", 0.0)),
        "fc": float(cap["core:frequency"]),
        "waveform": wf,
        "meta_dir": os.path.dirname(os.path.abspath(meta_path)),
        "data_path": data_path_of(meta_path),
    }
    if m["datatype"] not in ("cf32_le", "ci16_le"):
        raise SystemExit(f"numpy peer: {meta_path}: datatype {m['datatype']} not supported")
    return m


def read_cpis(m):
    """All whole CPIs as a raw array [K, P, N, C, 2] (int16 or float32); a trailing partial CPI
    is ignored, as Triad does."""
    dt = np.int16 if m["datatype"] == "ci16_le" else np.float32
    raw = np.fromfile(m["data_path"], dtype=dt)
    per_cpi = m["p"] * m["n"] * m["channels"] * 2
    k = raw.size // per_cpi
    if k < 1:
        raise SystemExit(f"numpy peer: {m['data_path']}: less than one CPI")
    return raw[: k * per_cpi].reshape(k, m["p"], m["n"], m["channels"], 2)


def to_complex(cpi_raw, ch):
    """One channel of one CPI as complex64 [P, N]; cf32 NaN/Inf become 0."""
    iq = cpi_raw[:, :, ch, :]
    z = np.empty(iq.shape[:2], dtype=np.complex64)
    z.real = iq[..., 0]
    z.imag = iq[..., 1]
    if cpi_raw.dtype == np.float32:
        bad = ~np.isfinite(z)
        if bad.any():
            z[bad] = 0
    return z


def reference_pulse(m):
    wf = m["waveform"]
    fs = m["fs"]
    if wf["type"] == "lfm":
        b, tp = float(wf["bandwidth_hz"]), float(wf["pulse_width_s"])
        l = int(math.ceil(tp * fs - 1e-6))
        t = np.arange(l) / fs
        s = np.exp(1j * (np.pi * (b / tp) * t * t - np.pi * b * t))
        # Triad keeps the transmitted pulse as complex float; do the same.
        return s.astype(np.complex64).astype(np.complex128)
    if wf["type"] == "samples":
        path = wf["file"]
        if not os.path.isabs(path):
            path = os.path.join(m["meta_dir"], path)
        return np.fromfile(path, dtype=np.complex64).astype(np.complex128)
    raise SystemExit(f"numpy peer: waveform type {wf['type']} not supported")


# ---------------------------------------------------------------------------------------------
# Plan: everything that does not depend on the data
# ---------------------------------------------------------------------------------------------

def smooth7_at_least(n):
    """Smallest 2^a 3^b 5^c 7^d >= n (Triad's FFT length)."""
    m = n
    while True:
        r = m
        for f in (2, 3, 5, 7):
            while r % f == 0:
                r //= f
        if r == 1:
            return m
        m += 1


def effective_cells(dr, dd, rho_r2, rho_d2):
    """n^2 / sum_ij rho_r^2(|dr_i - dr_j|) rho_d^2(|dd_i - dd_j|)."""
    n = dr.size
    if n < 1:
        return 0.0
    s = (rho_r2[np.abs(dr[:, None] - dr[None, :])] *
         rho_d2[np.abs(dd[:, None] - dd[None, :])]).sum()
    return n * n / s


def make_plan(m):
    n, p = m["n"], m["p"]
    s = reference_pulse(m)
    l = s.size
    if l > n or n < 2:
        raise SystemExit("numpy peer: reference longer than the receive window")
    w = scipy.signal.windows.taylor(l, TAYLOR_NBAR, TAYLOR_SLL) if l > 1 else np.ones(1)
    h = w * s
    h /= np.sqrt(np.sum(np.abs(h) ** 2))
    nfft = smooth7_at_least(n + l - 1)
    # conj(FFT(h)) with the inverse transform's 1/Nfft left to scipy.fft.ifft
    hspec = np.conj(scipy.fft.fft(h, nfft)).astype(np.complex64)

    wd = scipy.signal.windows.hann(p) if p > 1 else np.ones(1)
    dw = wd / np.sqrt(np.sum(wd ** 2))

    rb = n - l + 1  # fully compressed bins, the CFAR's search range
    g, go = GUARD_R, GUARD_R + TRAIN_R
    dg, dgo = GUARD_D, GUARD_D + TRAIN_D
    if 2 * dgo + 1 > p:
        raise SystemExit("numpy peer: CFAR Doppler window wider than the Doppler bins")

    # noise correlation between cells
    lags = np.arange(2 * go + 1)
    acf = np.array([np.sum(h[d:] * np.conj(h[: l - d])) if d < l else 0.0 for d in lags])
    rho_r2 = np.abs(acf) ** 2
    w2 = dw ** 2
    e = np.arange(2 * dgo + 1)
    mm = np.arange(p)
    rho_d2 = np.abs(np.exp(2j * np.pi * np.outer(e, mm) / p) @ w2) ** 2 / w2.sum() ** 2

    # one CA factor per distinct training geometry (range truncated at 0 and rb-1)
    alpha = np.empty(rb)
    cache = {}
    for r in range(rb):
        lo, hi = max(-go, -r), min(go, rb - 1 - r)
        if (lo, hi) not in cache:
            xr, yd = np.meshgrid(np.arange(lo, hi + 1), np.arange(-dgo, dgo + 1), indexing="ij")
            keep = ~((np.abs(xr) <= g) & (np.abs(yd) <= dg))
            dr, dd = xr[keep], yd[keep]
            if dr.size < 1:
                raise SystemExit(f"numpy peer: range bin {r} has no training cells")
            ne = effective_cells(dr, dd, rho_r2, rho_d2)
            cache[(lo, hi)] = ne * np.expm1(-np.log(PFA) / ne)
        alpha[r] = cache[(lo, hi)]

    # training cell count per range bin
    r_idx = np.arange(rb)
    w_out = np.minimum(r_idx + go, rb - 1) - np.maximum(r_idx - go, 0) + 1
    w_grd = np.minimum(r_idx + g, rb - 1) - np.maximum(r_idx - g, 0) + 1
    count = w_out * (2 * dgo + 1) - w_grd * (2 * dg + 1)

    lam = C_MPS / m["fc"]
    return {
        "n": n, "p": p, "l": l, "nfft": nfft, "rb": rb, "h": h, "hspec": hspec,
        "dw": dw.astype(np.float32), "alpha": alpha, "count": count.astype(np.float64),
        "rho_r2": rho_r2, "rho_d2": rho_d2,
        "vel_per_bin": lam / (2.0 * p * m["pri"]),
    }


# ---------------------------------------------------------------------------------------------
# Processing
# ---------------------------------------------------------------------------------------------

def range_doppler_map(x, plan, workers):
    """[P, N] complex64 pulses -> [P, N] float32 power map, zero Doppler at row P//2."""
    n = plan["n"]
    spec = scipy.fft.fft(x, plan["nfft"], axis=1, workers=workers)
    spec *= plan["hspec"]
    y = scipy.fft.ifft(spec, axis=1, workers=workers, overwrite_x=True)[:, :n]
    y = y * plan["dw"][:, None]
    z = scipy.fft.fft(y, axis=0, workers=workers, overwrite_x=True)
    z = np.fft.fftshift(z, axes=0)
    return z.real ** 2 + z.imag ** 2


def box_range(a, half):
    """Sum over range offsets -half..half, truncated at both ends (zero padding), from
    cumulative sums along range in float64."""
    rows, rb = a.shape
    c = np.zeros((rows, rb + 2 * half + 1))
    np.cumsum(np.pad(a, ((0, 0), (half, half))), axis=1, out=c[:, 1:])
    return c[:, 2 * half + 1:] - c[:, :rb]


def ca_noise(pw, plan):
    """CA noise estimate (training mean) of every searched cell, float64 [P, rb]."""
    a = pw[:, : plan["rb"]].astype(np.float64)
    dgo, dg = GUARD_D + TRAIN_D, GUARD_D
    outer_d = scipy.ndimage.convolve1d(a, np.ones(2 * dgo + 1), axis=0, mode="wrap")
    guard_d = scipy.ndimage.convolve1d(a, np.ones(2 * dg + 1), axis=0, mode="wrap")
    s = box_range(outer_d, GUARD_R + TRAIN_R) - box_range(guard_d, GUARD_R)
    return s / plan["count"]


def group_labels(mask):
    """8-connected labels with the Doppler axis (0) circular; labels numbered in scan order."""
    lab, nlab = scipy.ndimage.label(mask, structure=np.ones((3, 3), dtype=int))
    if nlab == 0:
        return lab, nlab
    last, first = lab[-1], lab[0]
    pairs = []
    for s in (-1, 0, 1):
        a = last[max(0, -s): last.size - max(0, s)]
        b = first[max(0, s): first.size - max(0, -s)]
        both = (a > 0) & (b > 0)
        if both.any():
            pairs.append(np.stack([a[both], b[both]]))
    if pairs and mask.shape[0] > 1:
        pr = np.concatenate(pairs, axis=1)
        graph = scipy.sparse.coo_matrix((np.ones(pr.shape[1]), (pr[0], pr[1])),
                                        shape=(nlab + 1, nlab + 1))
        _, comp = scipy.sparse.csgraph.connected_components(graph, directed=False)
        rep = np.full(comp.max() + 1, nlab + 1)
        np.minimum.at(rep, comp, np.arange(nlab + 1))
        lab = rep[comp][lab]  # label 0 is its own component and maps to 0
    return lab, nlab


def db(x):
    return 10.0 * np.log10(np.maximum(x, 1e-30))


def vertex(a, b, c):
    den = a - 2.0 * b + c
    ok = den < 0.0
    x = np.where(ok, 0.5 * (a - c) / np.where(ok, den, -1.0), 0.0)
    return np.clip(x, -0.5, 0.5)


def detect(pw, plan):
    """CFAR, grouping, peak interpolation -> list of (range_bin, doppler_bin, snr_db, power_db)."""
    p, n, rb = plan["p"], plan["n"], plan["rb"]
    z = ca_noise(pw, plan)
    cut = pw[:, :rb]
    mask = cut > plan["alpha"][None, :] * z
    if not mask.any():
        return []
    lab, _ = group_labels(mask)
    d_idx, r_idx = np.nonzero(mask)
    labels = lab[d_idx, r_idx]
    vals = cut[d_idx, r_idx]
    order = np.lexsort((-vals, labels))  # by label, strongest first
    first = np.ones(order.size, dtype=bool)
    first[1:] = labels[order][1:] != labels[order][:-1]
    peaks = order[first]  # one per group, groups in scan order of their first cell
    peaks = peaks[:MAX_DETECTIONS]
    d, r = d_idx[peaks], r_idx[peaks]

    b = db(pw[d, r].astype(np.float64))
    peak = b.copy()
    xr = np.zeros_like(b)
    inner = (r > 0) & (r + 1 < n)
    if inner.any():
        ar = db(pw[d, np.maximum(r - 1, 0)].astype(np.float64))
        cr = db(pw[d, np.minimum(r + 1, n - 1)].astype(np.float64))
        xr = np.where(inner, vertex(ar, b, cr), 0.0)
        peak += np.where(inner, -0.25 * (ar - cr) * xr, 0.0)
    xd = np.zeros_like(b)
    if p >= 3:
        ad = db(pw[(d - 1) % p, r].astype(np.float64))
        cd = db(pw[(d + 1) % p, r].astype(np.float64))
        xd = vertex(ad, b, cd)
        peak += -0.25 * (ad - cd) * xd
    snr = peak - db(z[d, r])
    rbin = r + xr
    dbin = d - p // 2 + xd
    out = sorted(zip(rbin, dbin, snr, peak))
    return out


def process_cpi(cpi_raw, plan, workers, stage=None):
    dets = []
    for ch in range(cpi_raw.shape[2]):
        t0 = time.perf_counter()
        x = to_complex(cpi_raw, ch)
        pw = range_doppler_map(x, plan, workers)
        t1 = time.perf_counter()
        found = detect(pw, plan)
        t2 = time.perf_counter()
        if stage is not None:
            stage[0] += t1 - t0
            stage[1] += t2 - t1
        dets.extend((ch,) + d for d in found)
    return dets


def triad_engine(meta_path, threads):
    """process_cpi through libtriad's Python binding (python/triad): the chain planned once for
    the recording, each CPI handed over as this file's NumPy array (ci16: int16 [P, N, C, 2];
    cf32: a complex64 view of the float32 pairs)."""
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                    "python"))
    import triad
    chain = triad.Recording(meta_path).chain(backend="fftw", threads=threads)

    def process(cpi_raw, plan, workers, stage=None):
        cpi = cpi_raw if cpi_raw.dtype == np.int16 else cpi_raw.view(np.complex64)[..., 0]
        t0 = time.perf_counter()
        dets = chain.execute(cpi)
        if stage is not None:
            stage[0] += time.perf_counter() - t0  # the chain's stages are not split here
        return [(int(d["channel"]), d["range_bin"], d["doppler_bin"], d["snr_db"], d["power_db"])
                for d in dets]
    return process


def format_det(m, plan, k, det):
    ch, rbin, dbin, snr, pwr = det
    p = plan["p"]
    time_s = (k * p + 0.5 * (p - 1)) * m["pri"]
    range_m = 0.5 * C_MPS * (rbin / m["fs"] + m["rx_delay"])
    vel = -dbin * plan["vel_per_bin"]
    return ('{"cpi":%d,"channel":%d,"time_s":%.9f,"range_m":%.3f,"velocity_mps":%.4f,'
            '"range_bin":%.4f,"doppler_bin":%.4f,"snr_db":%.2f,"power_db":%.2f}'
            % (k, ch, time_s, range_m, vel + 0.0, rbin, dbin + 0.0, snr, pwr))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("meta", help="REC.sigmf-meta")
    ap.add_argument("--json-out", metavar="FILE", help="detections here (default stdout)")
    ap.add_argument("--time", action="store_true",
                    help="print per-CPI median time (after one warm-up CPI) on stderr")
    ap.add_argument("--workers", type=int, default=1,
                    help="scipy.fft workers (default 1, scipy's default)")
    ap.add_argument("--fft", choices=("scipy", "pyfftw"), default="scipy",
                    help="scipy.fft's backend: its own pocketfft (default) or FFTW via pyFFTW")
    ap.add_argument("--engine", choices=("numpy", "triad"), default="numpy",
                    help="numpy: this file's chain; triad: the same NumPy arrays through "
                         "libtriad's Python binding (python/triad, FFTW backend)")
    args = ap.parse_args(argv)
    if args.fft == "pyfftw":
        try:
            import pyfftw
            import pyfftw.interfaces.scipy_fft
        except ImportError:
            print("numpy peer: --fft pyfftw needs python3-pyfftw", file=sys.stderr)
            return 77
        # plans made once per shape (FFTW_MEASURE) and kept, as Triad's are
        pyfftw.interfaces.cache.enable()
        pyfftw.interfaces.cache.set_keepalive_time(3600)
        pyfftw.config.PLANNER_EFFORT = "FFTW_MEASURE"
        scipy.fft.set_global_backend(pyfftw.interfaces.scipy_fft)

    m = read_meta(args.meta)
    plan = make_plan(m)
    raw = read_cpis(m)  # file reading, outside the timed region
    k_total = raw.shape[0]
    run_cpi = triad_engine(args.meta, args.workers) if args.engine == "triad" else process_cpi

    lines = []
    times, stages = [], []
    for k in range(k_total):
        stage = [0.0, 0.0]
        t0 = time.perf_counter()
        dets = run_cpi(raw[k], plan, args.workers, stage)
        dt = time.perf_counter() - t0
        if k > 0:
            times.append(dt)
            stages.append(stage)
        lines.extend(format_det(m, plan, k, d) for d in dets)
    if args.time:
        if not times:  # one CPI only: time it again after the warm-up
            for _ in range(3):
                stage = [0.0, 0.0]
                t0 = time.perf_counter()
                run_cpi(raw[0], plan, args.workers, stage)
                times.append(time.perf_counter() - t0)
                stages.append(stage)
        st = np.median(np.array(stages), axis=0)
        print("numpy peer: %d CPIs of %dx%dx%d (Nfft %d), per-CPI median %.3f ms over %d CPIs "
              "after 1 warm-up (range+Doppler %.3f ms, CFAR+extract %.3f ms), workers %d, fft %s"
              % (k_total, m["channels"], m["p"], m["n"], plan["nfft"], np.median(times) * 1e3,
                 len(times), st[0] * 1e3, st[1] * 1e3, args.workers, args.fft), file=sys.stderr)

    text = "".join(line + "\n" for line in lines)
    if args.json_out:
        with open(args.json_out, "w", encoding="utf-8") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
