"""2x2 and 3x3 max and average pooling (stride = kernel, torch's default) on a CNN activation.

The activation is the CNN layer's output shape, (8, 64, 56, 56) float32, after a ReLU.  The peer
is ``torch.nn.functional.max_pool2d`` / ``avg_pool2d`` with the same thread count.
"""

from __future__ import annotations

import numpy as np

from ._common import Bench, api, ratio, rng, torch_or_skip

OPS = ["max", "avg"]
KERNELS = [2, 3]


def inputs():
    return np.maximum(rng(56).standard_normal((8, 64, 56, 56), dtype=np.float32), 0)


def call(impl, op, k, x):
    """A zero-argument callable pooling the activation (or n/a)."""
    if impl == "refconv":
        pool = api(f"{op}_pool")
        pool(x, (k, k))
        return lambda: pool(x, (k, k))
    if impl == "torch":
        torch = torch_or_skip()
        pool = getattr(torch.nn.functional, f"{op}_pool2d")
        t = torch.from_numpy(x)

        def run():
            with torch.inference_mode():
                return pool(t, k)

        run()
        return run
    raise ValueError(impl)


class Pool(Bench):
    """Time of one pooling pass."""

    params = [["refconv", "torch"], OPS, KERNELS]
    param_names = ["impl", "op", "kernel"]

    def setup(self, impl, op, k):
        self.f = call(impl, op, k, inputs())

    def time_pool(self, impl, op, k):
        self.f()


class PoolRatio(Bench):
    """refconv's pooling time over torch's."""

    params = [OPS, KERNELS]
    param_names = ["op", "kernel"]

    def setup(self, op, k):
        x = inputs()
        self.f, self.peer = call("refconv", op, k, x), call("torch", op, k, x)

    def track_ratio_vs_torch(self, op, k):
        return ratio(self.f, self.peer)

    track_ratio_vs_torch.unit = "x torch"
