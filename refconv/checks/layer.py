"""Checks of the layer functions: PyTorch agreement, the exact adjoint, hand-derived layer cases."""

from __future__ import annotations

import numpy as np

from ..layer import conv, conv_transpose
from ..properties import conv_dot_test
from ..spec import output_shape
from . import Check

__all__ = ["CHECKS"]

_SEED = 20261126


def _layer_problems(rng, ranks, count, symmetric=False):
    """Seeded layer problems: groups, channels, kernel, stride, dilation, per-side pads, input.

    ``symmetric`` gives equal pads on both sides, the only kind torch's functional conv takes.
    """
    for r in ranks:
        for _ in range(count):
            groups = int(rng.integers(1, 3))
            a, b = (int(v) for v in rng.integers(1, 3, 2))
            k = tuple(int(v) for v in rng.integers(1, 4 if r < 4 else 3, r))
            stride = tuple(int(v) for v in rng.integers(1, 4, r))
            dilation = tuple(int(v) for v in rng.integers(1, 3, r))
            pads = tuple((int(lo), int(hi)) for lo, hi in rng.integers(0, 3, (r, 2)))
            if symmetric:
                pads = tuple((lo, lo) for lo, _ in pads)
            shape = tuple(
                max(1, d * (kk - 1) + 1 - lo - hi) + int(rng.integers(0, 4 if r < 4 else 2))
                for kk, d, (lo, hi) in zip(k, dilation, pads)
            )
            yield groups, a, b, k, stride, dilation, pads, shape


def torch_agreement() -> str:
    # Through refconv's torch adapter (refconv.adapters.torch): the one home of torch's vocabulary.
    from ..adapters import available
    from ..adapters.torch import conv as torch_conv
    from ..adapters.torch import conv_transpose as torch_conv_transpose

    if not available("torch"):
        return "skipped: torch is not installed (pip install torch==2.13.0 to run this cross-check)"
    import torch

    rng = np.random.default_rng(_SEED)
    count = 0
    for groups, a, b, k, stride, dilation, pads, shape in _layer_problems(rng, (1, 2, 3), 6, symmetric=True):
        r = len(k)
        padding = tuple(lo for lo, _ in pads)
        # Small integers in float64: every sum is exact, so equality (not closeness) is the claim.
        x = rng.integers(-9, 10, (2, groups * a, *shape)).astype(np.float64)
        w = rng.integers(-9, 10, (groups * b, a, *k)).astype(np.float64)
        bias = rng.integers(-9, 10, groups * b).astype(np.float64)
        kw = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
        expected = torch_conv(x, w, bias, **kw)
        got = conv(x, w, bias, **kw, method="direct")
        assert np.array_equal(got, expected), f"conv{r}d differs for {kw}"
        y = rng.integers(-9, 10, expected.shape).astype(np.float64)
        opad = tuple(int(rng.integers(0, max(s, d))) for s, d in zip(stride, dilation))
        wt = rng.integers(-9, 10, (groups * b, a, *k)).astype(np.float64)  # (C_in, C_out/groups, *k)
        tkw = dict(stride=stride, padding=padding, output_padding=opad, groups=groups, dilation=dilation)
        try:
            expected = torch_conv_transpose(y, wt, **tkw)
        except (RuntimeError, ValueError):
            # An output of size <= 0: torch refuses it (RuntimeError) and so does refconv's spec, which the
            # adapter translates through (ValueError) before torch runs; both refusals are tested elsewhere.
            continue
        got = conv_transpose(y, wt, **tkw, method="direct")
        assert np.array_equal(got, expected), f"conv_transpose{r}d differs for {tkw}"
        count += 2
    return f"{count} exact float64 comparisons with torch {torch.__version__} conv/conv_transpose 1-D to 3-D"


def adjoint_identity() -> str:
    rng = np.random.default_rng(_SEED + 1)
    count = 0
    for groups, a, b, k, stride, dilation, pads, shape in _layer_problems(rng, (1, 2, 3, 4), 4):
        # Values near 2**62: products overflow int64; conv_dot_test sums the inner products in exact Python ints.
        x = rng.integers(-(2**62), 2**62, (2, groups * a, *shape))
        w = rng.integers(-(2**31), 2**31, (groups * b, a, *k))
        out = output_shape(shape, k, padding=pads, stride=stride, dilation=dilation)
        y = rng.integers(-(2**62), 2**62, (2, groups * b, *out))
        # conv_transpose gets the output_padding that restores x's shape (properties.conv_dot_test).
        conv_dot_test(conv, conv_transpose, x, w, y, stride=stride, padding=pads, dilation=dilation, groups=groups)
        count += 1
    return f"{count} exact dot tests <conv(x, w), y> == <x, conv_transpose(y, w)>, 1-D to 4-D, ints near 2**62"


def hand_layer() -> str:
    # Two input channels, two output channels, stride 2, padding 1, bias; written out cell by cell.
    x = np.array([[[1, 2, 3, 4], [5, 6, 7, 8]]])
    w = np.array([[[1, 0, -1], [0, 2, 0]], [[1, 1, 1], [-1, -1, -1]]])
    got = conv(x, w, [10, 20], stride=2, padding=1)
    # Padded channels: [0 1 2 3 4 0], [0 5 6 7 8 0]; windows start at 0 and 2.
    c0 = [10 + (0 - 2) + 2 * 5, 10 + (2 - 4) + 2 * 7]
    c1 = [20 + (0 + 1 + 2) - (0 + 5 + 6), 20 + (2 + 3 + 4) - (6 + 7 + 8)]
    assert got.tolist() == [[c0, c1]], f"got {got.tolist()}, expected {[[c0, c1]]}"
    # Its adjoint with the same weight maps 2 channels back to 2, onto 4 cells.
    y = np.array([[[1, -1], [2, 3]]])
    back = conv_transpose(y, w, stride=2, padding=1, output_padding=1)
    # back[c][i] = sum over (o, t) with 2*o + t - 1 = i of y[co][o] * w[co][c][t]
    b0 = [1 * 0 + 2 * 1, 1 * -1 + 2 * 1 + (-1) * 1 + 3 * 1, -1 * 0 + 3 * 1, -1 * -1 + 3 * 1]
    b1 = [1 * 2 + 2 * -1, 1 * 0 + 2 * -1 + (-1) * 0 + 3 * -1, -1 * 2 + 3 * -1, -1 * 0 + 3 * -1]
    assert back.tolist() == [[b0, b1]], f"got {back.tolist()}, expected {[[b0, b1]]}"
    return f"conv -> {got.tolist()[0]}, conv_transpose -> {back.tolist()[0]}, both as written out"


def exact_integers() -> str:
    u8 = conv(np.full((1, 3, 4), 255, dtype=np.uint8), np.full((2, 3, 2), 255, dtype=np.uint8))
    assert u8.tolist() == [[[3 * 2 * 255 * 255] * 3] * 2], u8
    i8 = conv_transpose(np.full((1, 2, 1), -128, dtype=np.int8), np.full((2, 1, 2), -128, dtype=np.int8))
    assert i8.tolist() == [[[2 * 128 * 128] * 2]], i8
    big = conv(np.full((1, 2, 2), 2**62), np.ones((1, 2, 2), dtype=np.int64), np.array([2**63 - 1]))
    assert big.tolist() == [[[4 * 2**62 + 2**63 - 1]]], big
    return "uint8, int8 and int64 near 2**63 (channels and bias in the bound) give exact results"


CHECKS = [
    Check(
        "layer-torch",
        "conv/conv_transpose equal torch.nn.functional.conv{1,2,3}d/conv_transpose{1,2,3}d",
        "§9.1",
        "exact cross-check, seeded (float64 small integers)",
        torch_agreement,
        "Many machine learning libraries implement cross-correlation but call it convolution.",
    ),
    Check(
        "layer-adjoint",
        "conv_transpose is the exact adjoint (matrix transpose) of conv",
        "§9.1",
        "exact dot test, seeded integers",
        adjoint_identity,
        "Discrete convolution can be viewed as multiplication by a matrix.",
    ),
    Check(
        "layer-hand",
        "A multichannel strided padded layer and its transpose, written out",
        "§9.3 (first stage)",
        "hand-derived",
        hand_layer,
        "In the first stage, the layer performs several convolutions in parallel to produce a set of "
        "linear activations.",
    ),
    Check(
        "layer-exact-int",
        "Layer functions on integers never wrap",
        "exactness contract",
        "hand-derived",
        exact_integers,
    ),
]
