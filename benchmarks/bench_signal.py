"""1-D signals of 10**6 float64 samples with 31 and 1001 taps, ``mode="valid"`` convolution.

The peers: ``scipy.signal.oaconvolve`` (overlap-add, the target for ``auto`` at 1001 taps),
``scipy.signal.fftconvolve`` and ``numpy.convolve`` (direct).  Dense and sparse matrices would
hold 10**12 entries and up to 10**9 nonzeros: not timed here (the sweep covers them).
"""

from __future__ import annotations

import numpy as np
import scipy.signal

from ._common import Bench, api, probe, ratio, rng

LENGTH = 10**6
TAPS = [31, 1001]
METHODS = ["direct", "fft", "auto"]
PEERS = ["scipy.signal.oaconvolve", "scipy.signal.fftconvolve", "numpy.convolve"]


def inputs(taps):
    r = rng(taps)
    return r.standard_normal(LENGTH), r.standard_normal(taps)


def call(method, x, w):
    """A zero-argument callable computing the valid convolution (or n/a)."""
    if method in METHODS:
        convolve = api("convolve")
        probe(convolve, x, w, method=method)
        return lambda: convolve(x, w, method=method)
    if method == "scipy.signal.oaconvolve":
        return lambda: scipy.signal.oaconvolve(x, w, mode="valid")
    if method == "scipy.signal.fftconvolve":
        return lambda: scipy.signal.fftconvolve(x, w, mode="valid")
    if method == "numpy.convolve":
        return lambda: np.convolve(x, w, mode="valid")
    raise ValueError(method)


class Signal1D(Bench):
    """Time of one 10**6-sample convolution by each refconv method and each peer."""

    params = [METHODS + PEERS, TAPS]
    param_names = ["method", "taps"]
    # A direct 1001-tap pass is ~1e9 multiply-adds: a few samples are enough.
    repeat = (1, 5, 10.0)
    warmup_time = 0.0

    def setup(self, method, taps):
        self.f = call(method, *inputs(taps))

    def time_signal_1d(self, method, taps):
        self.f()


class Signal1DRatio(Bench):
    """refconv's time over ``scipy.signal.oaconvolve``'s (target: auto at 1001 taps <= 1.5)."""

    params = [["fft", "auto"], TAPS]
    param_names = ["method", "taps"]

    def setup(self, method, taps):
        x, w = inputs(taps)
        self.f, self.peer = call(method, x, w), call("scipy.signal.oaconvolve", x, w)

    def track_ratio_vs_oaconvolve(self, method, taps):
        return ratio(self.f, self.peer, rounds=3)

    track_ratio_vs_oaconvolve.unit = "x scipy oaconvolve"
