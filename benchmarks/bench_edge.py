"""Figure 9.6 of the seed: the vertical-edge detector on a 280x320 image, kernel ``[[-1, 1]]``.

The output is ``x[:, 1:] - x[:, :-1]`` (280x319), so NumPy slicing is the floor any general
method is measured against.  The dense matrix would have 280*319 * 280*320 = 8.0e9 entries (the
figure's point), so ``dense`` is tracked as a count, not timed.
"""

from __future__ import annotations

import numpy as np
import scipy.ndimage
import scipy.signal

from ._common import Bench, api, probe, ratio, rng

SHAPE = (280, 320)
#: Methods of ``refconv.correlate`` timed here (dense: 8.0e9 entries, refused by design).
METHODS = ["direct", "sparse", "fft", "auto"]
#: ``conv_matrix(format="sparse")`` built once in setup; only ``A @ x.ravel()`` is timed.
MATVEC = "matvec-sparse"
PEERS = ["numpy-slicing", "scipy.signal.correlate2d", "scipy.ndimage.correlate"]


def inputs():
    """The seeded image and the figure's kernel."""
    return rng(96).standard_normal(SHAPE), np.array([[-1.0, 1.0]])


def call(method: str, x: np.ndarray, w: np.ndarray):
    """A zero-argument callable computing the 280x319 valid correlation (or n/a)."""
    if method in METHODS:
        correlate = api("correlate")
        probe(correlate, x, w, method=method)
        return lambda: correlate(x, w, method=method)
    if method == MATVEC:
        a = api("conv_matrix")(w, x.shape, format="sparse")
        flat = x.ravel()
        return lambda: a @ flat
    if method == "numpy-slicing":
        return lambda: x[:, 1:] - x[:, :-1]
    if method == "scipy.signal.correlate2d":
        return lambda: scipy.signal.correlate2d(x, w, mode="valid")
    if method == "scipy.ndimage.correlate":
        # origin -1 puts tap 0 on the output pixel; the valid part is out[:, :-1].
        return lambda: scipy.ndimage.correlate(x, w, mode="constant", origin=(0, -1))
    raise ValueError(method)


class EdgeDetector(Bench):
    """Time of one 280x320 edge map by each refconv method and each peer."""

    params = [METHODS + [MATVEC] + PEERS]
    param_names = ["method"]

    def setup(self, method):
        self.f = call(method, *inputs())

    def time_edge_detector(self, method):
        self.f()


class EdgeDetectorRatio(Bench):
    """refconv's time over NumPy slicing's, both timed in this process (target: direct <= 2)."""

    params = [METHODS + [MATVEC]]
    param_names = ["method"]

    def setup(self, method):
        x, w = inputs()
        self.f, self.peer = call(method, x, w), call("numpy-slicing", x, w)

    def track_ratio_vs_numpy_slicing(self, method):
        return ratio(self.f, self.peer)

    track_ratio_vs_numpy_slicing.unit = "x numpy slicing"


class EdgeDetectorCounts(Bench):
    """Figure 9.6's arithmetic: stored numbers of the dense and the sparse matrix."""

    def setup(self):
        self.conv_cost, self.conv_matrix = api("conv_cost"), api("conv_matrix")

    def track_dense_entries(self):
        return float(self.conv_cost(SHAPE, (1, 2)).dense_entries)

    track_dense_entries.unit = "entries"

    def track_sparse_nnz(self):
        x, w = inputs()
        return float(self.conv_matrix(w, x.shape, format="sparse").nnz)

    track_sparse_nnz.unit = "nonzeros"
