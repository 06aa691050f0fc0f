"""A CNN layer: N=8, 64 -> 64 channels, 56x56, 3x3, padding 1, bias, float32 (ResNet's conv2_x).

``refconv.conv`` (PyTorch conventions) against ``torch.nn.functional.conv2d`` in inference mode
with the same thread count as NumPy's BLAS (2 on the reference machine).  The layer is
8*64*64*9*56*56 = 115.6e6 multiply-adds, so torch near the machine's GEMM peak is a few ms.
"""

from __future__ import annotations

import numpy as np

from ._common import Bench, api, ratio, rng, torch_or_skip

N, C_IN, C_OUT, SIZE, K = 8, 64, 64, 56, 3
IMPLS = ["refconv", "torch"]


def inputs():
    r = rng(64)
    x = r.standard_normal((N, C_IN, SIZE, SIZE), dtype=np.float32)
    # He-style scale keeps activations O(1), as in a trained network.
    w = (r.standard_normal((C_OUT, C_IN, K, K)) * np.sqrt(2 / (C_IN * K * K))).astype(np.float32)
    b = r.standard_normal(C_OUT).astype(np.float32)
    return x, w, b


def call(impl, x, w, b):
    """A zero-argument callable computing the layer's (8, 64, 56, 56) output (or n/a)."""
    if impl == "refconv":
        conv = api("conv")
        conv(x, w, b, padding=1)
        return lambda: conv(x, w, b, padding=1)
    if impl == "torch":
        torch = torch_or_skip()
        tx, tw, tb = (torch.from_numpy(a) for a in (x, w, b))
        conv2d = torch.nn.functional.conv2d

        def run():
            with torch.inference_mode():
                return conv2d(tx, tw, tb, padding=1)

        run()
        return run
    raise ValueError(impl)


class ConvLayer(Bench):
    """Time of one forward pass of the layer."""

    params = [IMPLS]
    param_names = ["impl"]
    repeat = (1, 5, 20.0)

    def setup(self, impl):
        self.f = call(impl, *inputs())

    def time_conv_layer(self, impl):
        self.f()


class ConvLayerRatio(Bench):
    """refconv.conv's time over torch's, same process and thread count (target: <= 3, stretch 2)."""

    def setup(self):
        args = inputs()
        self.f, self.peer = call("refconv", *args), call("torch", *args)

    def track_ratio_vs_torch(self):
        return ratio(self.f, self.peer, rounds=3)

    track_ratio_vs_torch.unit = "x torch"
