"""Claim 1: convolution is cross-correlation with the kernel flipped; convolution commutes, cross-correlation does not.

Seed, §9.1, equation 9.6:

    "many neural network libraries implement a related function called the cross-correlation,
    which is the same as convolution but without flipping the kernel:
    S(i, j) = (I * K)(i, j) = sum_m sum_n I(i + m, j + n) K(m, n).      (9.6)"

and, on commutativity (the sentence the excerpt opens with): the commutative property of
convolution is "not usually an important property of a neural network implementation".

What is proven, about refconv's own ``convolve`` and ``correlate``:

1. Index arithmetic, symbolically for every length, stride, dilation and padding: reading the
   input through tap ``k-1-m`` of the flipped kernel is reading ``x[i - m*d]`` with
   ``i = o*s + (k-1)*d - lo`` — the convolution sum ``sum_m x[i - m] w[m]`` (eq. 9.4's form).
2. ``convolve(x, w) == correlate(x, flip(w))`` and both equal the textbook convolution
   ``S(i) = sum_m x(i - m) w(m)`` built here from the definition, in valid/same/full, with
   SymPy symbols as entries (so each equality is a polynomial identity: it holds for all
   values), exhaustively for every 1-D length ``n <= 6`` with ``k <= n`` and every 2-D shape up
   to 3x3 with every kernel shape inside it.
3. ``convolve(x, w, "full") == convolve(w, x, "full")`` for every pair of 1-D lengths ``<= 6``
   and every pair of 2-D shapes up to 3x3; ``correlate(w, x, "full")`` is
   ``correlate(x, w, "full")`` *reversed*, and the two are equal only when both operands are a
   single cell.

Negative controls (each must fail): the same flip proof for an unflipped kernel; the same
commutation proof applied to cross-correlation.
"""

from __future__ import annotations

import itertools
import math
import types

import numpy as np
import sympy

import refconv
from refconv._taps import source_index

NAME = "flip-commute"
CLAIM = "Convolution is cross-correlation with the kernel flipped; convolution commutes, cross-correlation does not"
SEED = "§9.1, eq. 9.6"
QUOTE = (
    "many neural network libraries implement a related function called the cross-correlation, which is the "
    "same as convolution but without flipping the kernel: S(i, j) = (I * K)(i, j) = sum_m sum_n I(i + m, j + n) "
    "K(m, n). (9.6)"
)
METHOD = "symbolic (SymPy) index arithmetic + exhaustive symbolic entries, 1-D n <= 6, 2-D up to 3x3"

N_1D = 6
N_2D = 3
MODES = ("valid", "same", "full")


def _symbols(prefix: str, shape: tuple[int, ...]) -> np.ndarray:
    return np.array(sympy.symbols(f"{prefix}_:{math.prod(shape)}"), dtype=object).reshape(shape)


def _equal(got: np.ndarray, want: np.ndarray) -> bool:
    # Structural equality is sound and fast; only an apparent difference pays for an expansion.
    return got.shape == want.shape and all(a == b or sympy.expand(a - b) == 0 for a, b in zip(got.flat, want.flat))


def _textbook_convolution(x: np.ndarray, w: np.ndarray, mode: str) -> np.ndarray:
    """``S(i) = sum_m x(i - m) w(m)`` from the definition, then SciPy's slice of "full" for the mode."""
    full_shape = tuple(n + k - 1 for n, k in zip(x.shape, w.shape))
    full = np.zeros(full_shape, dtype=object)
    for i in np.ndindex(*full_shape):
        for m in np.ndindex(*w.shape):
            j = tuple(a - b for a, b in zip(i, m))
            if all(0 <= a < n for a, n in zip(j, x.shape)):
                full[i] += x[j] * w[m]
    # valid keeps the n-k+1 outputs whose kernel lies inside the input; same is the centred n
    # (SciPy's convention: the slice starts at (k-1)//2).
    start = {"valid": lambda k: k - 1, "same": lambda k: (k - 1) // 2, "full": lambda k: 0}[mode]
    length = {"valid": lambda n, k: n - k + 1, "same": lambda n, k: n, "full": lambda n, k: n + k - 1}[mode]
    return full[tuple(slice(start(k), start(k) + length(n, k)) for n, k in zip(x.shape, w.shape))]


def _shapes(limit: int, ndim: int):
    return itertools.product(range(1, limit + 1), repeat=ndim)


def _problems():
    """Every input shape up to the stated size, with every kernel shape that fits in it."""
    for ndim, limit in ((1, N_1D), (2, N_2D)):
        for n in _shapes(limit, ndim):
            for k in itertools.product(*(range(1, a + 1) for a in n)):
                yield _symbols("x", n), _symbols("w", k)


def _index_arithmetic() -> None:
    o, m, k, s, d, lo = sympy.symbols("o m k s d lo", integer=True)
    geometry = types.SimpleNamespace(stride=s, dilation=d, lo=lo)
    read = source_index(o, k - 1 - m, geometry)  # the flipped kernel's tap k-1-m is w[m]
    centre = o * s + (k - 1) * d - lo
    assert sympy.expand(read - (centre - m * d)) == 0, f"tap k-1-m reads {read}, not {centre} - m*d"


def _flip_proof(flip) -> int:
    count = 0
    for x, w in _problems():
        for mode in MODES:
            got = refconv.convolve(x, w, mode=mode)
            flipped = refconv.correlate(x, flip(w), mode=mode)
            assert _equal(got, flipped), (
                f"convolve != correlate with the kernel as given to the flip, x{x.shape} w{w.shape} mode={mode}: "
                f"{got.ravel()[0]} vs {flipped.ravel()[0]}"
            )
            want = _textbook_convolution(x, w, mode)
            assert _equal(got, want), f"convolve != textbook sum_m x(i-m) w(m), x{x.shape} w{w.shape} mode={mode}"
            count += 1
    return count


def _pairs():
    for ndim, limit in ((1, N_1D), (2, N_2D)):
        for a, b in itertools.product(list(_shapes(limit, ndim)), repeat=2):
            yield _symbols("x", a), _symbols("w", b)


def _commutation_proof(op) -> int:
    count = 0
    for x, w in _pairs():
        one, other = op(x, w, mode="full"), op(w, x, mode="full")
        assert _equal(one, other), f"{op.__name__}(x, w) != {op.__name__}(w, x) for x{x.shape} w{w.shape}"
        count += 1
    return count


def _correlation_reverses() -> tuple[int, int]:
    count, commuting = 0, []
    for x, w in _pairs():
        one, other = refconv.correlate(x, w, mode="full"), refconv.correlate(w, x, mode="full")
        assert _equal(other, np.flip(one)), f"correlate(w, x) is not correlate(x, w) reversed, x{x.shape} w{w.shape}"
        if _equal(one, other):
            commuting.append((x.shape, w.shape))
        count += 1
    singles = [((1,) * d, (1,) * d) for d in (1, 2)]
    assert commuting == singles, f"correlate commutes exactly for {commuting}, expected only {singles}"
    return count, len(commuting)


def prove() -> str:
    """Run the proof; return a one-line detail, raise AssertionError if it fails."""
    _index_arithmetic()
    flips = _flip_proof(np.flip)
    commutes = _commutation_proof(refconv.convolve)
    reverses, singles = _correlation_reverses()
    return (
        f"tap index identity symbolic in (o, m, k, s, d, lo); {flips} symbolic convolve == correlate(flip) == "
        f"textbook sums; convolution commutes on {commutes} shape pairs; correlation reverses on {reverses}, "
        f"commutes only for the {singles} single-cell pairs"
    )


def _unflipped() -> None:
    """Wrong claim: convolution is cross-correlation with the kernel *as is*."""
    _flip_proof(lambda w: w)


def _correlation_commutes() -> None:
    """Wrong claim: cross-correlation commutes too."""
    _commutation_proof(refconv.correlate)


NEGATIVE_CONTROLS = (_unflipped, _correlation_commutes)


def test_proof():
    assert prove()


def test_negative_controls():
    import pytest

    for control in NEGATIVE_CONTROLS:
        with pytest.raises(AssertionError):
            control()
