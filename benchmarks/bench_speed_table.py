"""The speed table: every op at PyTorch's CPU speed, and exact integers at float speed.

Each row is refconv's default call over its peer's, timed in alternating rounds in one process
(:func:`benchmarks._common.ratio`), torch with the thread count NumPy's BLAS has.  The targets
are the README's ("Methods and speed"); ``TARGETS`` holds them so that the ratio summary
(``tools/asv_ratios.py``) and the tests read one list.

=============  ===========================================================  ==============  ======
row            workload (float32 unless said)                               peer            target
=============  ===========================================================  ==============  ======
resnet         3x3 conv, 8x64x56x56 -> 64, padding 1                        torch conv2d    1.5
depthwise      3x3 conv, 8x96x56x56, groups=96, padding 1                   torch conv2d    2
transpose      conv_transpose 4x4 stride 2, 8x64x28x28 -> 32                torch           1.5
max_pool       3x3 stride 2 padding 1, 8x64x112x112                         torch           1.5
avg_pool       2x2, 8x64x112x112                                            torch           1
edge           figure 9.6's [[-1, 1]] on 280x320 float64                    NumPy slicing   1.2
int64          the resnet layer in int64 (x in [-1000, 1000], w in [-9, 9])  refconv float64 3
=============  ===========================================================  ==============  ======
"""

from __future__ import annotations

import numpy as np

from ._common import Bench, api, ratio, rng, torch_or_skip

#: row -> target ratio (refconv time / peer time).
TARGETS = {
    "resnet": 1.5,
    "depthwise": 2.0,
    "transpose": 1.5,
    "max_pool": 1.5,
    "avg_pool": 1.0,
    "edge": 1.2,
    "int64": 3.0,
}


def _torch(name: str, *arrays, **kwargs):
    """A zero-argument callable running ``torch.nn.functional.<name>`` on ``arrays`` (or n/a)."""
    torch = torch_or_skip()
    f = getattr(torch.nn.functional, name)
    tensors = [torch.from_numpy(a) if isinstance(a, np.ndarray) else a for a in arrays]

    def run():
        with torch.inference_mode():
            return f(*tensors, **kwargs)

    return run


def _refconv(name: str, *args, **kwargs):
    f = api(name)
    return lambda: f(*args, **kwargs)


def calls(row: str) -> tuple:
    """``(refconv, peer)``: two zero-argument callables computing the same row."""
    r = rng(22)
    f32 = np.float32
    if row in ("resnet", "int64"):
        x = r.standard_normal((8, 64, 56, 56), dtype=f32)
        w = (r.standard_normal((64, 64, 3, 3)) * np.sqrt(2 / 576)).astype(f32)
        if row == "resnet":
            return _refconv("conv", x, w, padding=1), _torch("conv2d", x, w, padding=1)
        xi, wi = r.integers(-1000, 1001, x.shape), r.integers(-9, 10, w.shape)
        return _refconv("conv", xi, wi, padding=1), _refconv("conv", xi.astype(float), wi.astype(float), padding=1)
    if row == "depthwise":
        x, w = r.standard_normal((8, 96, 56, 56), dtype=f32), r.standard_normal((96, 1, 3, 3), dtype=f32)
        return _refconv("conv", x, w, padding=1, groups=96), _torch("conv2d", x, w, padding=1, groups=96)
    if row == "transpose":
        x, w = r.standard_normal((8, 64, 28, 28), dtype=f32), r.standard_normal((64, 32, 4, 4), dtype=f32)
        return _refconv("conv_transpose", x, w, stride=2), _torch("conv_transpose2d", x, w, stride=2)
    if row in ("max_pool", "avg_pool"):
        x = r.standard_normal((8, 64, 112, 112), dtype=f32)
        if row == "max_pool":
            return _refconv("max_pool", x, (3, 3), stride=2, padding=1), _torch("max_pool2d", x, 3, stride=2, padding=1)
        return _refconv("avg_pool", x, (2, 2)), _torch("avg_pool2d", x, 2)
    if row == "edge":
        x, w = r.standard_normal((280, 320)), np.array([[-1.0, 1.0]])
        return _refconv("correlate", x, w), lambda: x[:, 1:] - x[:, :-1]
    raise ValueError(row)


class SpeedTable(Bench):
    """refconv's default call over its peer's, per row (targets: ``TARGETS``)."""

    params = [list(TARGETS)]
    param_names = ["row"]
    timeout = 300.0

    def setup(self, row):
        self.f, self.peer = calls(row)
        self.f(), self.peer()  # first calls outside the timing: imports, caches, thread pools

    def track_ratio(self, row):
        return ratio(self.f, self.peer, rounds=5)

    track_ratio.unit = "x peer"
