"""The oracle at layer scale: the exact reference and ``error_bound`` against one float64 conv.

ResNet's conv2_x layer (8x64x56x56 float32 input, 64x64x3x3 float32 weights, padding 1): the
exact, correctly rounded float32 result (``refconv.exact``) and the rigorous error bound of a
float32 implementation (``refconv.error_bound``), each as a ratio against ``refconv.conv`` on
the same operands in float64, timed in alternating rounds in one process
(:func:`benchmarks._common.ratio`).  Targets (issue "The oracle at real scale"): exact <= 10,
error_bound <= 3.  ``TARGETS`` holds them for the ratio summary (``tools/asv_ratios.py``).
"""

from __future__ import annotations

import numpy as np

from ._common import Bench, api, ratio, rng

#: row -> target ratio (time / refconv.conv in float64).
TARGETS = {"exact": 10.0, "error_bound": 3.0}


def inputs():
    r = rng(20)
    x = r.standard_normal((8, 64, 56, 56), dtype=np.float32)
    w = (r.standard_normal((64, 64, 3, 3)) * np.sqrt(2 / 576)).astype(np.float32)
    return x, w


def calls(row: str) -> tuple:
    """``(oracle, float64 conv)``: two zero-argument callables on the same layer."""
    x, w = inputs()
    x64, w64 = x.astype(np.float64), w.astype(np.float64)
    conv = api("conv")
    base = lambda: conv(x64, w64, padding=1)  # noqa: E731
    if row == "exact":
        exact = api("exact")
        return (lambda: exact("conv", x, w, padding=1)), base
    if row == "error_bound":
        error_bound = api("error_bound")
        return (lambda: error_bound(x, w, op="conv", padding=1)), base
    raise ValueError(row)


class OracleAtLayerScale(Bench):
    """The exact reference's and the bound's time over one float64 conv of the same layer."""

    params = [list(TARGETS)]
    param_names = ["row"]
    timeout = 600.0

    def setup(self, row):
        self.f, self.peer = calls(row)
        self.f(), self.peer()  # first calls outside the timing: imports, caches, thread pools

    def track_ratio(self, row):
        return ratio(self.f, self.peer, rounds=5)

    track_ratio.unit = "x refconv.conv float64"
