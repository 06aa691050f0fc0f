"""Checks of the exact core: equation 9.6, figure 9.1, and agreement with SciPy and numpy.pad."""

from __future__ import annotations

import numpy as np

from .. import properties
from ..convolution import convolve, correlate
from . import Check

__all__ = ["CHECKS"]

_SEED = 20261125


def _problems(rng, ranks=(1, 2, 3, 4), count=6):
    for ndim in ranks:
        for _ in range(count):
            n = rng.integers(1, 7 if ndim < 4 else 4, ndim)
            k = rng.integers(1, n + 1)
            yield rng.integers(-50, 50, tuple(n)), rng.integers(-50, 50, tuple(k))


def figure_9_1() -> str:
    import sympy

    a, b, c, d, e, f, g, h, i, j, k, l = sympy.symbols("a:l")
    w, x, y, z = sympy.symbols("w x y z")
    image = np.array([[a, b, c, d], [e, f, g, h], [i, j, k, l]], dtype=object)
    kernel = np.array([[w, x], [y, z]], dtype=object)
    # Typed from the figure, not computed: the six boxes of the output grid.
    expected = [
        ["a*w + b*x + e*y + f*z", "b*w + c*x + f*y + g*z", "c*w + d*x + g*y + h*z"],
        ["e*w + f*x + i*y + j*z", "f*w + g*x + j*y + k*z", "g*w + h*x + k*y + l*z"],
    ]
    got = correlate(image, kernel, mode="valid")
    assert got.shape == (2, 3), f"got shape {got.shape}, expected (2, 3)"
    for r in range(2):
        for col in range(3):
            want = sympy.sympify(expected[r][col])
            assert sympy.expand(got[r, col] - want) == 0, f"S[{r},{col}]: got {got[r, col]}, expected {want}"
    return "6/6 symbolic outputs equal, e.g. S[0,0] = " + str(got[0, 0])


def flip_equivalence() -> str:
    rng = np.random.default_rng(_SEED)
    count = 0
    for xs, ws in _problems(rng):
        for mode in ("valid", "same", "full"):
            properties.flip_equivalence(convolve, correlate, xs, ws, mode=mode)
            count += 1
    return f"{count} integer problems, 1-D to 4-D, all three modes"


def scipy_agreement() -> str:
    import scipy.signal

    rng = np.random.default_rng(_SEED + 1)
    count = 0
    for xs, ws in _problems(rng):
        for mode in ("valid", "same", "full"):
            assert np.array_equal(
                correlate(xs, ws, mode=mode), scipy.signal.correlate(xs, ws, mode=mode, method="direct")
            )
            assert np.array_equal(
                convolve(xs, ws, mode=mode), scipy.signal.convolve(xs, ws, mode=mode, method="direct")
            )
            count += 2
    return f"{count} exact comparisons with scipy.signal.correlate/convolve, 1-D to 4-D"


def boundary_agreement() -> str:
    rng = np.random.default_rng(_SEED + 2)
    count = 0
    for xs, ws in _problems(rng, ranks=(1, 2, 3), count=4):
        pads = tuple((int(rng.integers(0, 8)), int(rng.integers(0, 8))) for _ in range(xs.ndim))
        for boundary in ("constant", "wrap", "reflect", "symmetric", "edge"):
            expected = correlate(np.pad(xs, pads, mode=boundary), ws)
            assert np.array_equal(correlate(xs, ws, mode=pads, boundary=boundary), expected), (boundary, pads)
            count += 1
    return f"{count} problems: each boundary equals numpy.pad then a valid correlation (pads up to 7 > n)"


def no_overflow() -> str:
    big = np.array([2**62, 2**62 - 1, -(2**62)], dtype=np.int64)
    got = correlate(big, np.array([3, -2], dtype=np.int64))
    expected = [3 * 2**62 - 2 * (2**62 - 1), 3 * (2**62 - 1) + 2 * 2**62]
    assert got.tolist() == expected, f"got {got.tolist()}, expected {expected}"
    u8 = correlate(np.full(4, 255, dtype=np.uint8), np.full(3, 255, dtype=np.uint8))
    assert u8.tolist() == [3 * 255 * 255] * 2, u8
    return "int64 near 2**62 and uint8 give exact results"


CHECKS = [
    Check(
        "fig-9.1",
        "Figure 9.1: valid 2-D correlation of a 3x4 input with a 2x2 kernel, symbolically",
        "fig. 9.1",
        "symbolic (SymPy)",
        figure_9_1,
        'An example of 2-D convolution without kernel-flipping ... called "valid" convolution',
    ),
    Check(
        "eq-9.6-flip",
        "Convolution is cross-correlation with the kernel flipped",
        "eq. 9.6",
        "exact cross-check, seeded integers",
        flip_equivalence,
        "cross-correlation, which is the same as convolution but without flipping the kernel",
    ),
    Check(
        "scipy",
        "correlate/convolve equal scipy.signal in valid/same/full",
        "§9.1",
        "exact cross-check, seeded integers",
        scipy_agreement,
    ),
    Check(
        "boundary",
        "Each boundary mode is numpy.pad followed by a valid correlation",
        "§9.2 (boundary)",
        "exact cross-check, seeded integers",
        boundary_agreement,
        "except perhaps some of the boundary pixels, depending on the design decisions regarding the boundary",
    ),
    Check("exact-int", "Integer inputs never wrap", "exactness contract", "hand-derived", no_overflow),
]
