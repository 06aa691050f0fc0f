"""512x512 float64 image, 3x3 kernel, ``mode="same"`` with zero padding: the everyday filter.

The peers compute the same 512x512 output: ``scipy.signal.correlate2d(mode="same")`` (the
target), ``scipy.ndimage.correlate(mode="constant")`` and ``scipy.signal.correlate`` (which picks
direct or FFT itself).  The dense matrix would have 512**4 = 6.9e10 entries: not timed.
"""

from __future__ import annotations

import scipy.ndimage
import scipy.signal

from ._common import Bench, api, probe, ratio, rng

SHAPE, KERNEL = (512, 512), (3, 3)
METHODS = ["direct", "sparse", "fft", "auto"]
PEERS = ["scipy.signal.correlate2d", "scipy.ndimage.correlate", "scipy.signal.correlate"]


def inputs():
    r = rng(512)
    return r.standard_normal(SHAPE), r.standard_normal(KERNEL)


def call(method, x, w):
    """A zero-argument callable computing the 512x512 "same" correlation (or n/a)."""
    if method in METHODS:
        correlate = api("correlate")
        probe(correlate, x, w, mode="same", method=method)
        return lambda: correlate(x, w, mode="same", method=method)
    if method == "scipy.signal.correlate2d":
        return lambda: scipy.signal.correlate2d(x, w, mode="same")
    if method == "scipy.ndimage.correlate":
        return lambda: scipy.ndimage.correlate(x, w, mode="constant")
    if method == "scipy.signal.correlate":
        return lambda: scipy.signal.correlate(x, w, mode="same")
    raise ValueError(method)


class Same3x3(Bench):
    """Time of one 512x512 "same" correlation by each refconv method and each peer."""

    params = [METHODS + PEERS]
    param_names = ["method"]

    def setup(self, method):
        self.f = call(method, *inputs())

    def time_same_3x3(self, method):
        self.f()


class Same3x3Ratio(Bench):
    """refconv's time over ``scipy.signal.correlate2d``'s (target: <= 1.0)."""

    params = [METHODS]
    param_names = ["method"]

    def setup(self, method):
        x, w = inputs()
        self.f, self.peer = call(method, x, w), call("scipy.signal.correlate2d", x, w)

    def track_ratio_vs_correlate2d(self, method):
        return ratio(self.f, self.peer)

    track_ratio_vs_correlate2d.unit = "x scipy correlate2d"
