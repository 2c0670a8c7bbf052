"""Triad's processing chain from Python: NumPy arrays in, detections and power maps out.

A ctypes binding of the shared library libtriad (include/triad/chain.h, recording.h); no
compiled code of its own and nothing beyond NumPy.

    import triad
    rec = triad.Recording("REC.sigmf-meta")
    chain = rec.chain(backend="fftw")          # planned once, like `triad process`
    for index, cpi in rec:                      # cpi: (P, N, C) complex64 or (P, N, C, 2) int16
        dets = chain.execute(cpi, index)        # NumPy structured array, one row a detection
        power = chain.power_map(0)              # (P, N) float32, Doppler rows, zero velocity at P/2

    chain = triad.Chain(samples_per_pulse=512, pulses_per_cpi=32, sample_rate_hz=10e6,
                        carrier_hz=3e9, pri_s=100e-6, waveform=chirp)   # own buffers
    dets = chain.execute(cube)      # cube[m, n, c] complex64, any strides (a view is not copied)

The library is found through $TRIAD_LIBRARY (a path), then the system's search
(ctypes.util.find_library("triad")), then libtriad.so.0 on the loader path, then build/ of
this source tree.
SPDX-License-Identifier: GPL-2.0-or-later
"""
import ctypes
import ctypes.util
import os

import numpy as np

__all__ = ["Chain", "Recording", "TriadError", "DETECTION_DTYPE", "library", "version"]

_size = ctypes.c_size_t


class _Window(ctypes.Structure):
    _fields_ = [("type", ctypes.c_int), ("taylor_nbar", ctypes.c_int),
                ("taylor_sll_db", ctypes.c_double)]


class _Cfar(ctypes.Structure):
    _fields_ = [("type", ctypes.c_int), ("guard_range", ctypes.c_int),
                ("guard_doppler", ctypes.c_int), ("train_range", ctypes.c_int),
                ("train_doppler", ctypes.c_int), ("pfa", ctypes.c_double),
                ("os_rank_fraction", ctypes.c_double)]


class _ChainCfg(ctypes.Structure):
    """triad_chain_cfg (include/triad/chain.h), field for field."""
    _fields_ = [("samples_per_pulse", _size), ("pulses_per_cpi", _size),
                ("num_channels", _size), ("format", ctypes.c_int),
                ("sample_rate_hz", ctypes.c_double), ("carrier_hz", ctypes.c_double),
                ("pri_s", ctypes.c_double), ("rx_delay_s", ctypes.c_double),
                ("waveform", ctypes.c_void_p), ("waveform_len", _size),
                ("range_window", _Window), ("doppler_window", _Window),
                ("mti_pulses", ctypes.c_int), ("cfar", _Cfar), ("max_detections", _size),
                ("backend", ctypes.c_char_p), ("device", ctypes.c_char_p),
                ("threads", ctypes.c_int), ("fft_effort", ctypes.c_int),
                ("keep_compressed", ctypes.c_bool), ("profile_device", ctypes.c_bool)]


class _Stats(ctypes.Structure):
    _fields_ = [("detections", _size), ("dropped", _size), ("nonfinite", _size),
                ("cells_above", _size)]


class _Layout(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("channels", ctypes.c_void_p),
                ("channel_stride", ctypes.c_ssize_t), ("sample_stride", ctypes.c_ssize_t),
                ("pulse_stride", ctypes.c_ssize_t)]


#: One detection (triad_detection): the C struct's layout, so the library writes into it.
DETECTION_DTYPE = np.dtype([("cpi", np.uint64), ("channel", np.uint32), ("time_s", np.float64),
                            ("range_bin", np.float64), ("doppler_bin", np.float64),
                            ("range_m", np.float64), ("velocity_mps", np.float64),
                            ("snr_db", np.float64), ("power_db", np.float64)], align=True)

FORMAT_CF32, FORMAT_CI16 = 0, 1
_FORMATS = {"cf32": FORMAT_CF32, "cf32_le": FORMAT_CF32, "ci16": FORMAT_CI16,
            "ci16_le": FORMAT_CI16}
_EFFORTS = {"estimate": 0, "measure": 1, "patient": 2}
_CFARS = {"ca": 0, "go": 1, "so": 2, "os": 3}


class TriadError(RuntimeError):
    """A libtriad call failed: code is the negative triad_err, the text its message."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


def _load():
    candidates = []
    if os.environ.get("TRIAD_LIBRARY"):
        candidates.append(os.environ["TRIAD_LIBRARY"])
    found = ctypes.util.find_library("triad")
    if found:
        candidates.append(found)
    candidates.append("libtriad.so.0")
    # in the source tree: python/ beside the build folder of the README's commands
    candidates.append(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                   "build", "libtriad.so"))
    errors = []
    for name in candidates:
        try:
            return ctypes.CDLL(name)
        except OSError as e:
            errors.append("%s: %s" % (name, e))
    raise OSError("triad: cannot load libtriad (set TRIAD_LIBRARY to its path): "
                  + "; ".join(errors))


library = _load()
_L = library


def _proto(name, restype, *argtypes):
    f = getattr(_L, name)
    f.restype = restype
    f.argtypes = list(argtypes)
    return f


_vp = ctypes.c_void_p
_errmsg = _proto("triad_errmsg", ctypes.c_char_p)
_version = _proto("triad_version", ctypes.c_char_p)
_cfg_default = _proto("triad_chain_cfg_default", _ChainCfg)
_create = _proto("triad_chain_create", ctypes.c_int, ctypes.POINTER(_vp),
                 ctypes.POINTER(_ChainCfg))
_destroy = _proto("triad_chain_destroy", None, _vp)
_execute = _proto("triad_chain_execute", ctypes.c_int, _vp, _vp, ctypes.c_uint64, _vp,
                  ctypes.POINTER(_Stats))
_execute_layout = _proto("triad_chain_execute_layout", ctypes.c_int, _vp,
                         ctypes.POINTER(_Layout), ctypes.c_uint64, _vp, ctypes.POINTER(_Stats))
_power_map = _proto("triad_chain_power_map", ctypes.c_int, _vp, _size, _vp)
_compressed = _proto("triad_chain_compressed", ctypes.c_int, _vp, _size, _vp)
_backend = _proto("triad_chain_backend", ctypes.c_char_p, _vp)
_meta_size = _proto("triad_recording_meta_size", _size)
_open_meta = _proto("triad_recording_open_meta", ctypes.c_int, ctypes.c_char_p, ctypes.c_bool,
                    _vp)
_waveform = _proto("triad_recording_waveform", ctypes.c_int, _vp, ctypes.POINTER(_vp),
                   ctypes.POINTER(_size))
_rec_chain_cfg = _proto("triad_recording_chain_cfg", None, _vp, _vp, _size,
                        ctypes.POINTER(_ChainCfg))
_cpi_bytes = _proto("triad_recording_cpi_bytes", _size, _vp)
_apply_captures = _proto("triad_recording_apply_captures", None, _vp, _vp, _size)
_reader_open = _proto("triad_recording_reader_open", ctypes.c_int, ctypes.POINTER(_vp), _vp)
_reader_next = _proto("triad_recording_reader_next", ctypes.c_int, _vp, _vp,
                      ctypes.POINTER(ctypes.c_uint64))
_reader_close = _proto("triad_recording_reader_close", None, _vp)
_libc_free = ctypes.CDLL(None).free
_libc_free.argtypes = [_vp]
_libc_free.restype = None


def version():
    """The library's version, e.g. "0.1.0"."""
    return _version().decode()


def _check(err):
    if err < 0:
        raise TriadError(err, _errmsg().decode(errors="replace"))
    return err


def _ptr(a):
    return a.ctypes.data_as(_vp)


class Chain:
    """The processing chain (triad_chain): planned once at construction, executed on any
    number of CPIs of its geometry. Not thread-safe (one chain per thread)."""

    def __init__(self, samples_per_pulse=None, pulses_per_cpi=None, sample_rate_hz=None,
                 carrier_hz=None, pri_s=None, waveform=None, num_channels=1, format="cf32",
                 rx_delay_s=0.0, _cfg=None, **options):
        if _cfg is None:
            cfg = _cfg_default()
            cfg.samples_per_pulse = samples_per_pulse or 0
            cfg.pulses_per_cpi = pulses_per_cpi or 0
            cfg.num_channels = num_channels
            cfg.format = _FORMATS[format]
            cfg.sample_rate_hz = sample_rate_hz or 0.0
            cfg.carrier_hz = carrier_hz or 0.0
            cfg.pri_s = pri_s or 0.0
            cfg.rx_delay_s = rx_delay_s
            if waveform is None:
                raise ValueError("Chain: waveform (the reference pulse, complex) is required")
            wave = np.ascontiguousarray(waveform, dtype=np.complex64)
            cfg.waveform = _ptr(wave)
            cfg.waveform_len = wave.size
        else:
            cfg, wave = _cfg
        keep = []  # strings alive until create has copied them
        for key, value in options.items():
            if key == "backend":
                keep.append(value.encode())
                cfg.backend = keep[-1]
            elif key == "device":
                keep.append(str(value).encode())
                cfg.device = keep[-1]
            elif key == "fft_effort":
                cfg.fft_effort = _EFFORTS[value]
            elif key == "cfar":
                cfg.cfar.type = _CFARS[value]
            elif key == "pfa":
                cfg.cfar.pfa = value
            elif key in ("threads", "mti_pulses", "max_detections", "keep_compressed"):
                setattr(cfg, key, value)
            else:
                raise TypeError("Chain: unknown option %r" % key)
        self._chain = _vp()
        _check(_create(ctypes.byref(self._chain), ctypes.byref(cfg)))
        del wave, keep  # copied by create
        self.samples_per_pulse = cfg.samples_per_pulse
        self.pulses_per_cpi = cfg.pulses_per_cpi
        self.num_channels = cfg.num_channels
        self.format = "cf32" if cfg.format == FORMAT_CF32 else "ci16"
        self.max_detections = cfg.max_detections
        self._dets = np.zeros(self.max_detections * self.num_channels, DETECTION_DTYPE)
        self.stats = None

    @property
    def backend(self):
        """The backend in use: "fftw" or "opencl"."""
        return _backend(self._chain).decode()

    def _layout(self, cpi):
        """A triad_cpi_layout for cpi, any strides NumPy has; (layout, array kept alive)."""
        p, n, c = self.pulses_per_cpi, self.samples_per_pulse, self.num_channels
        if self.format == "cf32":
            a = np.asarray(cpi)
            if a.dtype != np.complex64:
                a = a.astype(np.complex64)
            if a.ndim == 2 and c == 1:
                a = a[:, :, np.newaxis]
            want, item = (p, n, c), 8
        else:
            a = np.asarray(cpi)
            if a.dtype != np.int16:
                raise ValueError("Chain.execute: a ci16 chain takes int16 (P, N, C, 2) arrays, "
                                 "not %s" % a.dtype)
            if a.ndim == 3 and c == 1:
                a = a[:, :, np.newaxis, :]
            if a.ndim != 4 or a.shape[3] != 2 or a.strides[3] != 2:
                a = np.ascontiguousarray(a)
            want, item = (p, n, c), 4
        if a.shape[:3] != want or (a.ndim != 3 if item == 8 else a.ndim != 4):
            raise ValueError("Chain.execute: CPI of shape %s, expected %s (pulses, samples, "
                             "channels%s)" % (a.shape, want + (() if item == 8 else (2,)),
                                              "" if item == 8 else ", I/Q"))
        if any(s % item for s in a.strides[:3]):
            a = np.ascontiguousarray(a)
        sp, sn, sc = (s // item for s in a.strides[:3])
        return _Layout(base=a.ctypes.data, channels=None, channel_stride=sc, sample_stride=sn,
                       pulse_stride=sp), a

    def execute(self, cpi, cpi_index=0):
        """Process one CPI: cpi[m, n, c] (pulse, fast-time sample, channel) as complex64 for a
        cf32 chain (other complex or real types are converted) or int16 [..., 2] (I, Q) for a
        ci16 chain; for one channel (P, N) will do. Any strides (a transposed or sliced view
        is gathered by the library, not copied here). Returns the detections as a structured
        array (DETECTION_DTYPE), sorted by channel then range; self.stats has the counters."""
        layout, keep = self._layout(cpi)
        stats = _Stats()
        _check(_execute_layout(self._chain, ctypes.byref(layout), cpi_index, _ptr(self._dets),
                               ctypes.byref(stats)))
        del keep
        self.stats = {"detections": stats.detections, "dropped": stats.dropped,
                      "nonfinite": stats.nonfinite, "cells_above": stats.cells_above}
        return self._dets[:stats.detections].copy()

    def power_map(self, channel=0):
        """The last CPI's range-Doppler power of one channel: (P, N) float32, row 0 the most
        negative Doppler, row P/2 zero velocity; unit-power input noise reads 1."""
        out = np.empty((self.pulses_per_cpi, self.samples_per_pulse), np.float32)
        _check(_power_map(self._chain, channel, _ptr(out)))
        return out

    def compressed(self, channel=0):
        """The last CPI's pulse-compressed samples of one channel: (P, N) complex64 (needs
        keep_compressed=True)."""
        out = np.empty((self.pulses_per_cpi, self.samples_per_pulse), np.complex64)
        _check(_compressed(self._chain, channel, _ptr(out)))
        return out

    def close(self):
        if getattr(self, "_chain", None):
            _destroy(self._chain)
            self._chain = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        self.close()


class Recording:
    """A SigMF recording read by the library (the same checks and conversions as
    `triad process`). Iterating yields (cpi_index, cpi) with cpi a fresh (P, N, C) complex64
    array (cf32 recordings) or (P, N, C, 2) int16 array (integer recordings, as ci16)."""

    def __init__(self, path):
        self.path = path
        self._meta = ctypes.create_string_buffer(_meta_size())
        _check(_open_meta(os.fsencode(path), True, self._meta))
        ref, n = _vp(), _size()
        _check(_waveform(self._meta, ctypes.byref(ref), ctypes.byref(n)))
        try:
            self.waveform = np.ctypeslib.as_array(
                ctypes.cast(ref, ctypes.POINTER(ctypes.c_float)), (2 * n.value,)
            ).view(np.complex64).copy()
        finally:
            _libc_free(ref)
        cfg = _cfg_default()
        _rec_chain_cfg(self._meta, _ptr(self.waveform), self.waveform.size, ctypes.byref(cfg))
        self._cfg = cfg
        self.samples_per_pulse = cfg.samples_per_pulse
        self.pulses_per_cpi = cfg.pulses_per_cpi
        self.num_channels = cfg.num_channels
        self.sample_rate_hz = cfg.sample_rate_hz
        self.carrier_hz = cfg.carrier_hz
        self.pri_s = cfg.pri_s
        self.rx_delay_s = cfg.rx_delay_s
        self.format = "cf32" if cfg.format == FORMAT_CF32 else "ci16"

    def chain(self, **options):
        """A Chain for this recording: its geometry and waveform, the library's defaults,
        and options (backend, device, threads, fft_effort, cfar, pfa, mti_pulses,
        max_detections, keep_compressed) as `triad process` takes them."""
        cfg = _ChainCfg.from_buffer_copy(self._cfg)
        cfg.waveform = _ptr(self.waveform)
        return Chain(_cfg=(cfg, self.waveform), **options)

    def apply_captures(self, dets):
        """Detections (a DETECTION_DTYPE array, changed in place) in their captures' terms
        (time and velocity of recordings with several captures), as `triad process` does."""
        if dets.dtype != DETECTION_DTYPE or not dets.flags.c_contiguous:
            raise ValueError("apply_captures: expected a contiguous DETECTION_DTYPE array")
        _apply_captures(self._meta, _ptr(dets), dets.size)
        return dets

    def __iter__(self):
        rd = _vp()
        _check(_reader_open(ctypes.byref(rd), self._meta))
        p, n, c = self.pulses_per_cpi, self.samples_per_pulse, self.num_channels
        try:
            while True:
                if self.format == "cf32":
                    buf = np.empty((p, n, c), np.complex64)
                else:
                    buf = np.empty((p, n, c, 2), np.int16)
                assert buf.nbytes == _cpi_bytes(self._meta)
                index = ctypes.c_uint64()
                if _check(_reader_next(rd, _ptr(buf), ctypes.byref(index))) == 0:
                    return
                yield index.value, buf
        finally:
            _reader_close(rd)
